# SPDX-License-Identifier: MIT
"""Sync state from ptp4l's UDS (SPEC §11): a real ptp4l grandmaster and a
`free_running 1` ptp4l slave in namespaces; the daemon beside the slave with
--ptp4l-uds the slave's UDS, -i its interface, -t software, --holdover 2.

unknown -> freerun (UNCALIBRATED) -> locked (SET SYNCHRONIZATION_UNCERTAIN_NP
0, LAB.md) -> holdover (grandmaster killed: LISTENING after the slave's
2 s announce timeout) -> freerun (2 s later) -> locked again (grandmaster
back), one sync frame per transition, the gm equal to pmc's; the status
keys equal to pmc's readings; the client's MANAGEMENT never on the link; a
ptp4l restarted under the daemon: reconnected as root, reported once as
--user nobody; --check's UDS line."""

import json
import os
import time

import pytest

import netns

NOBODY = 65534
MANAGEMENT = 13
SLAVE_CFG = ("slaveOnly               1\n"
             "free_running            1\n"
             "announceReceiptTimeout  2\n")


def gm_ptp4l(pair, d):
    return netns.Ptp4l(pair, pair.gm, pair.gm_if, d, "gm",
                       "priority1               10\n")


def slave_ptp4l(pair, d):
    return netns.Ptp4l(pair, pair.sl, pair.sl_if, d, "slave", SLAVE_CFG)


def start_gm(gm):
    gm.start()
    assert gm.wait_log("assuming the grand master role", 20), gm.output()


def pmc(pair, uds, cmd):
    return netns.sh(pair.exec_argv(pair.sl, ["pmc", "-u", "-b", "0", "-s",
                                             uds, cmd]), check=False)


def pmc_field(pair, uds, what, field):
    out = pmc(pair, uds, "GET " + what).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == field:
            return f[1]
    raise AssertionError("no %s in %s" % (field, out))


def sync_frames(reader):
    return [f for _w, f in netns.frames(reader.snapshot(), "sync")]


def wait_state(reader, state, timeout, after=0):
    """The first sync frame past index @after in @state, or None."""
    found = []

    def ok():
        fs = sync_frames(reader)[after:]
        found[:] = [f for f in fs if f["syncState"] == state]
        return bool(found)
    netns.wait_for(ok, timeout, 0.05)
    return found[0] if found else None


def transitions(reader):
    """The (previous, syncState) pairs of the sync frames that changed it."""
    return [(f["previous"], f["syncState"]) for f in sync_frames(reader)
            if f["previous"] != f["syncState"]]


def assert_each_frame_a_change(reader):
    fs = sync_frames(reader)
    last = ("unknown", None, None)
    for f in fs:
        cur = (f["syncState"], f["portState"], f["gm"])
        assert cur != last, "a sync frame without a change: %s" % f
        if f["syncState"] != last[0]:
            assert f["previous"] == last[0], f
        last = cur


@pytest.fixture
def pair_ptp4l(netpair, workdir):
    gm = gm_ptp4l(netpair, workdir)
    sl = slave_ptp4l(netpair, workdir)
    yield gm, sl
    sl.stop()
    gm.stop()


def test_sync_lifecycle(sidecar, netpair, workdir, pair_ptp4l, figure):
    gm, sl = pair_ptp4l
    start_gm(gm)
    dump = netns.Tcpdump(netpair, netpair.sl, netpair.sl_if,
                         os.path.join(workdir, "link.pcap"))
    assert dump.wait_listening()
    # the daemon first: a ptp4l that starts later is picked up
    sc = sidecar("--ptp4l-uds", sl.uds, "--holdover", "2")
    reader = netns.FrameReader(sc.sock, {"subscribe": ["sync", "status"]})
    st = netns.status_probe(sc.sock)
    assert st["syncState"] == "unknown", st
    assert "No such file" in st["syncReason"], st
    sl.start()
    assert sl.wait_log("UNCALIBRATED", 20), sl.output()

    f = wait_state(reader, "freerun", 5)
    assert f, sync_frames(reader)
    assert f["previous"] == "unknown"
    assert pmc(netpair, sl.uds,
               "SET SYNCHRONIZATION_UNCERTAIN_NP 0").returncode == 0
    t0 = time.monotonic()
    locked = wait_state(reader, "locked", 12)
    assert locked, sync_frames(reader)
    figure("SET SYNCHRONIZATION_UNCERTAIN_NP 0 to locked (s)",
           round(time.monotonic() - t0, 2))
    assert locked["portState"] == "SLAVE"
    assert locked["port"] == 1
    parent = netns.pmc_get(netpair, sl.uds, "PARENT_DATA_SET")
    assert locked["gm"] == parent["grandmasterIdentity"], (locked, parent)
    assert abs(locked["offsetNs"]) < 100000

    # status against pmc's readings (stable ones exactly; the offset moves)
    time.sleep(1.2)
    st = netns.last_status(reader)
    cur = netns.pmc_get(netpair, sl.uds, "CURRENT_DATA_SET")
    tp = netns.pmc_get(netpair, sl.uds, "TIME_PROPERTIES_DATA_SET")
    assert st["syncState"] == "locked", st
    assert st["portState"] == "SLAVE"
    assert st["gm"] == parent["grandmasterIdentity"]
    assert st["stepsRemoved"] == int(cur["stepsRemoved"])
    assert abs(st["offsetNs"]) < 100000
    assert st["meanPathDelayNs"] > 0
    assert st["clockClass"] == int(pmc_field(netpair, sl.uds,
                                             "PARENT_DATA_SET",
                                             "gm.ClockClass"))
    assert st["utcOffsetS"] == int(tp["currentUtcOffset"])
    assert st["utcOffsetValid"] == bool(int(tp["currentUtcOffsetValid"]))
    assert st["ptpTimescale"] == bool(int(tp["ptpTimescale"]))
    assert st["timeTraceable"] == bool(int(tp["timeTraceable"]))
    assert st["ptp4lOnIface"] is True
    figure("status sync keys", {k: st[k] for k in (
        "syncState", "portState", "gm", "offsetNs", "meanPathDelayNs",
        "stepsRemoved", "clockClass", "utcOffsetS", "ptpTimescale")})

    # the grandmaster dies: LISTENING after the announce timeout
    n = len(sync_frames(reader))
    gm.stop()
    t_kill = time.monotonic()
    hold = wait_state(reader, "holdover", 8, n)
    assert hold, sync_frames(reader)
    t_hold = time.monotonic()
    free = wait_state(reader, "freerun", 5, n)
    assert free, sync_frames(reader)
    t_free = time.monotonic()
    figure("gm killed to holdover (s)", round(t_hold - t_kill, 2))
    figure("holdover to freerun (s)", round(t_free - t_hold, 2))
    # the Syncs stop first (the last one over max(1 s, 4 x 125 ms) old),
    # the announce timeout moves the port to LISTENING after
    assert hold["portState"] in ("SLAVE", "LISTENING"), hold
    assert hold["previous"] == "locked"
    assert [f for f in sync_frames(reader)[n:]
            if f["portState"] == "LISTENING"], sync_frames(reader)
    # --holdover 2 exactly, seen through 1 s evaluations
    assert 1.8 <= t_free - t_hold <= 3.5, (hold, free)
    assert t_free - t_kill <= 2 + 2 * 1 + 2 + 2, "announce timeout + holdover"

    # back: locked again
    n = len(sync_frames(reader))
    start_gm(gm)
    pmc(netpair, sl.uds, "SET SYNCHRONIZATION_UNCERTAIN_NP 0")
    again = wait_state(reader, "locked", 15, n)
    assert again, sync_frames(reader)
    parent = netns.pmc_get(netpair, sl.uds, "PARENT_DATA_SET")
    assert again["gm"] == parent["grandmasterIdentity"]

    assert transitions(reader) == [
        ("unknown", "freerun"), ("freerun", "locked"),
        ("locked", "holdover"), ("holdover", "freerun"),
        ("freerun", "locked")], sync_frames(reader)
    assert_each_frame_a_change(reader)
    figure("sync frames", [json.dumps(f, separators=(",", ":"))
                           for f in sync_frames(reader)])
    reader.close()
    sc.stop()

    # boundaryHops 0: nothing of ours (nor any MANAGEMENT) on the link
    pkts = netns.ptp_packets(dump.stop())
    assert pkts, "tcpdump saw no PTP at all"
    assert [p for p in pkts if p["msgType"] == MANAGEMENT] == []


def wait_status(sc, state, timeout):
    st = {}

    def ok():
        st.update(netns.status_probe(sc.sock))
        return st["syncState"] == state
    netns.wait_for(ok, timeout, 0.2)
    return st


def test_ptp4l_restart(sidecar, netpair, workdir, nobody_dir, pair_ptp4l,
                       figure):
    """As root: reconnected. As --user nobody: said once, unknown."""
    _gm, sl = pair_ptp4l
    sl.start()
    assert sl.wait_log("LISTENING", 10), sl.output()
    root = sidecar("--ptp4l-uds", sl.uds, name="root")
    nob = sidecar("--ptp4l-uds", sl.uds, "--user", "nobody", name="nobody",
                  sock=os.path.join(nobody_dir, "s.sock"))
    # connected before the drop, so nobody reads the 0660 root socket too
    for sc in (root, nob):
        st = wait_status(sc, "freerun", 5)
        assert st["syncState"] == "freerun", st
        assert st["portState"] == "LISTENING", st
    rr = netns.FrameReader(root.sock, {"subscribe": ["sync"]})
    rn = netns.FrameReader(nob.sock, {"subscribe": ["sync"]})
    time.sleep(0.2)

    sl.stop()
    t0 = time.monotonic()
    assert wait_state(rr, "unknown", 6), sync_frames(rr)
    assert wait_state(rn, "unknown", 6), sync_frames(rn)
    sl2 = slave_ptp4l(netpair, workdir).start()
    pair_ptp4l[1].proc, pair_ptp4l[1].logf = sl2.proc, sl2.logf
    f = wait_state(rr, "freerun", 6)
    assert f, (sync_frames(rr), root.stderr()[-2000:])
    t1 = time.monotonic()
    time.sleep(2.5)
    st = netns.status_probe(nob.sock)
    assert st["syncState"] == "unknown", st
    assert "Permission denied" in st["syncReason"], st
    assert st["portState"] is None and st["gm"] is None, st
    # said once, though retried every second
    err = nob.stderr()
    assert err.count("Permission denied") == 1, err
    assert root.stderr().count(": connected") == 2, root.stderr()
    assert [(x["previous"], x["syncState"]) for x in sync_frames(rn)] == [
        ("freerun", "unknown")], sync_frames(rn)
    figure("ptp4l stopped to the root daemon's freerun again (s)",
           round(t1 - t0, 2))
    rr.close()
    rn.close()


def daemon_bin_of(launcher_start):
    return launcher_start.__self__.daemon_bin


def run_check(daemon_bin, pair, *args):
    return netns.sh(pair.exec_argv(pair.sl, [daemon_bin, "--check", "-i",
                                             pair.sl_if, "-t", "software"] +
                                   list(args)), check=False)


def test_check_uds_line(daemon_bin, netpair, workdir, pair_ptp4l):
    _gm, sl = pair_ptp4l
    missing = os.path.join(workdir, "none.uds")
    r = run_check(daemon_bin, netpair, "--ptp4l-uds", missing)
    assert r.returncode == 0, r.stderr
    line = [ln for ln in r.stdout.splitlines() if "ptp4l" in ln]
    assert len(line) == 1 and "No such file" in line[0], r.stdout
    r = run_check(daemon_bin, netpair, "--ptp4l-uds", missing, "--json")
    d = json.loads(r.stdout)
    assert d["ptp4l"]["answers"] is False
    assert d["ptp4l"]["portOnIface"] is None

    sl.start()
    assert sl.wait_log("LISTENING", 10), sl.output()
    r = run_check(daemon_bin, netpair, "--ptp4l-uds", sl.uds)
    line = [ln for ln in r.stdout.splitlines() if "ptp4l" in ln]
    assert len(line) == 1, r.stdout
    assert "port 1 on %s" % netpair.sl_if in line[0], line
    r = run_check(daemon_bin, netpair, "--ptp4l-uds", sl.uds, "--json")
    d = json.loads(r.stdout)
    assert d["ptp4l"] == {"uds": sl.uds, "answers": True,
                          "portOnIface": True, "port": 1,
                          "portState": "LISTENING",
                          "reason": d["ptp4l"]["reason"]}, d["ptp4l"]
    r = run_check(daemon_bin, netpair, "--ptp4l-uds", "none", "--json")
    assert json.loads(r.stdout)["ptp4l"] is None


def test_domain_any_finds_ptp4l(sidecar, netpair, workdir, figure):
    """ptp4l ignores management from another domain (seen: 3.1.1 in
    domain 24 does not answer pmc -d 0): --domain any tries 0, then 24."""
    sl = netns.Ptp4l(netpair, netpair.sl, netpair.sl_if, workdir, "d24",
                     SLAVE_CFG + "domainNumber            24\n").start()
    try:
        assert sl.wait_log("LISTENING", 10), sl.output()
        r = run_check(daemon_bin_of(sidecar), netpair, "--ptp4l-uds",
                      sl.uds, "--json")
        assert json.loads(r.stdout)["ptp4l"]["portOnIface"] is True
        t0 = time.monotonic()
        sc = sidecar("--ptp4l-uds", sl.uds)
        st = wait_status(sc, "freerun", 8)
        assert st["syncState"] == "freerun", st
        assert st["portState"] == "LISTENING", st
        figure("--domain any: connect to domain 24 answered (s)",
               round(time.monotonic() - t0, 2))
        # a fixed --domain is asked in that domain only
        sc0 = sidecar("--ptp4l-uds", sl.uds, "--domain", "0",
                      sock=os.path.join(workdir, "d0.sock"), name="d0")
        time.sleep(4.5)
        st = netns.status_probe(sc0.sock)
        assert st["syncState"] == "unknown", st
        assert "domainNumber 0)" in st["syncReason"], st
    finally:
        sl.stop()
