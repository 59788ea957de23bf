# SPDX-License-Identifier: MIT
"""SPEC §6: the active slave's DELAY_REQ asks for a hardware TX stamp only
when no other PTP port of this host exchanges delay messages on the
interface (many NICs hold one TX stamp at a time; a ptp4l whose stamp is
taken faults its port), or when the operator forces it. Otherwise its
sample is software-labelled and never mixes clocks: t2 is the software
stamp of the same SYNC, so t2 and t3 are both CLOCK_REALTIME.

Through the fake NIC (its hardware clock 1000 s ahead, so a mixed sample
would show an offset of about 1000 s), against a real ptp4l grandmaster,
with and without a free-running ptp4l slave on the sidecar's interface;
and what ptp4l's UDS (--ptp4l-uds) says: a port only on another interface
or nothing at the path lets auto go hardware, a port on the interface that
its traffic does not reveal (P2P beside the E2E grandmaster) keeps it
software."""

import os
import re
import statistics
import time

import pytest

import netns

HW_OFFSET_NS = 1000 * 10**9
SW = "so_timestamping_software"
HW = "so_timestamping"


def run(sidecar, shim, netpair, workdir, seconds, *args, ts="auto",
        until=None, **kw):
    """The sidecar with the fake NIC and --delay-req for @seconds (or until
    until(frames) holds): its tx, sample and status frames."""
    fake = netns.FakeNic(shim, netpair.sl_if, workdir,
                         FAKENIC_HW_OFFSET_NS=HW_OFFSET_NS)
    sc = sidecar("--delay-req", "--status-interval", "1", *args,
                 timestamping=ts, **fake.launch_kw(), **kw)
    reader = netns.FrameReader(sc.sock, {"subscribe": [
        "tx", "sample", "status"]})
    if until is None:
        time.sleep(seconds)
    else:
        netns.wait_for(lambda: until(split(reader.snapshot())), seconds,
                       0.1)
    lines = reader.close()
    r = split(lines)
    r["t_start"] = sc.t_start
    return sc, r


def split(lines):
    """Frames of FrameReader lines by kind; status_at: the status frames'
    arrival (monotonic s)."""
    return {
        "tx": [f for _w, f in netns.frames(lines, "tx")],
        "samples": [f for _w, f in netns.frames(lines, "sample")],
        "status": [f for _w, f in netns.frames(lines, "status")],
        "status_at": [m for m, _w, raw in lines
                      if netns.parse_frame(raw).get("type") == "status"],
    }


@pytest.fixture
def ptp4l_slave(netpair, workdir):
    """A free-running ptp4l slave on the sidecar's own interface: another
    PTP port of this host exchanging Delay_Req/Delay_Resp."""
    sl = netns.free_running_slave(netpair, workdir).start()
    ok = netns.wait_for(lambda: netns.pmc_port_stats(
        netpair, sl.uds).get("rx_Delay_Resp", 0) > 0, 15, 0.2)
    assert ok, "the ptp4l slave never exchanged:\n" + sl.output()
    yield sl
    sl.stop()


def software_samples_consistent(samples):
    """Both timescales CLOCK_REALTIME: the offset is the veth's, not the
    fake PHC's 1000 s."""
    assert samples, "no samples"
    assert all(s["mechanism"] == SW for s in samples), samples
    off = statistics.median(s["offsetNs"] for s in samples)
    assert abs(off) < 10**7, "offset %d ns: clocks mixed" % off
    return off


def test_auto_beside_ptp4l_is_software(sidecar, shim, netpair, workdir,
                                       grandmaster, ptp4l_slave, figure):
    sc, r = run(sidecar, shim, netpair, workdir, 6.0)
    st = r["status"][-1]
    assert st["delayReqTx"] == "software:ptp4l-present", st
    assert all(f["mechanism"] == SW and "phc" not in f for f in r["tx"]), \
        r["tx"]
    assert len(r["tx"]) >= 4, r["tx"]
    off = software_samples_consistent(r["samples"])
    assert st["counters"]["txTimeouts"] == 0, st
    assert "another PTP port of this host" in sc.stderr(), sc.stderr()
    figure("auto beside ptp4l: delayReqTx / tx frames / samples / offset "
           "median (ns)", "%s / %d / %d / %d" % (
               st["delayReqTx"], len(r["tx"]), len(r["samples"]), off))


def test_auto_alone_goes_hardware(sidecar, shim, netpair, workdir,
                                  grandmaster, figure):
    """Alone on the link: software while it observes (4 s and 8 answers to
    its own Delay_Req with no other requester of this clockIdentity), then
    hardware; the hardware samples carry the PHC's 1000 s in full."""
    sc, r = run(sidecar, shim, netpair, workdir, 9.0)
    kinds = [s.get("delayReqTx") for s in r["status"]]
    assert kinds[0] == "software:observing", kinds
    assert kinds[-1] == "hardware", kinds
    hw = [s for s in r["samples"] if s["mechanism"] == HW]
    sw = [s for s in r["samples"] if s["mechanism"] == SW]
    assert hw and sw, r["samples"]
    software_samples_consistent(sw)
    off = statistics.median(s["offsetNs"] for s in hw)
    assert abs(off - HW_OFFSET_NS) < 10**7, off
    assert any(f["mechanism"] == HW and f["phc"] == 0 for f in r["tx"])
    assert r["status"][-1]["counters"]["txTimeouts"] == 0
    figure("auto alone: delayReqTx over time / software then hardware "
           "samples", "%s / %d then %d" % (
               "->".join(dict.fromkeys(kinds)), len(sw), len(hw)))


def test_hardware_forced_beside_ptp4l(sidecar, shim, netpair, workdir,
                                      grandmaster, ptp4l_slave, figure):
    sc, r = run(sidecar, shim, netpair, workdir, 4.0,
                "--delay-req-tx", "hardware")
    assert r["status"][-1]["delayReqTx"] == "hardware", r["status"][-1]
    assert r["tx"] and all(f["mechanism"] == HW for f in r["tx"]), r["tx"]
    figure("forced hardware beside ptp4l: tx frames", len(r["tx"]))


def test_software_forced(sidecar, shim, netpair, workdir, grandmaster,
                         figure):
    """--timestamping hardware with --delay-req-tx software: no tx frame
    may carry a software stamp, so none is published, and none is
    counted as a missing hardware stamp (none was asked for); the
    samples are software and consistent."""
    sc, r = run(sidecar, shim, netpair, workdir, 4.0,
                "--delay-req-tx", "software", ts="hardware")
    st = r["status"][-1]
    assert st["delayReqTx"] == "software:forced", st
    assert not r["tx"], r["tx"]
    assert st["counters"]["missingHw"] == 0, st
    software_samples_consistent(r["samples"])
    figure("forced software: samples", len(r["samples"]))


# --- what ptp4l's UDS says (SPEC §6, §11) ------------------------------------
# active_set_ptp4l(): UNKNOWN (a socket at --ptp4l-uds, no
# PORT_PROPERTIES_NP answer about our interface yet) and PORT keep
# "software:ptp4l-present"; NO_PORT (ptp4l's ports elsewhere) and NONE
# (nothing at --ptp4l-uds) let auto observe, then go hardware.

OTHER_A, OTHER_B = "veth-oa", "veth-ob"
OTHER_ADDR = "10.98.0.1"
OWN_PORT_LOG = "another PTP port of this host"


def gm_port_stats(pair, uds):
    """The grandmaster's PORT_STATS_NP (pmc in its namespace)."""
    r = netns.sh(pair.exec_argv(pair.gm, ["pmc", "-u", "-b", "0", "-s", uds,
                                          "GET PORT_STATS_NP"]), check=False)
    return {k: int(v) for k, v in
            re.findall(r"^\s*((?:rx|tx)_\w+)\s+(\d+)\s*$", r.stdout, re.M)}


def hardware_reached(r):
    """delayReqTx hardware and three hardware tx frames."""
    return r["status"] and r["status"][-1]["delayReqTx"] == "hardware" and \
        len([f for f in r["tx"] if f["mechanism"] == HW]) >= 3


def secs_to(r, kind):
    """Seconds from the sidecar's start to the first status frame saying
    delayReqTx @kind, or None."""
    for at, st in zip(r["status_at"], r["status"]):
        if st["delayReqTx"] == kind:
            return round(at - r["t_start"], 1)
    return None


def assert_went_hardware(sc, r):
    kinds = [s["delayReqTx"] for s in r["status"]]
    assert kinds[-1] == "hardware", kinds
    # observed first: no hardware before 4 s and 8 answers
    assert kinds[0] != "hardware", kinds
    assert secs_to(r, "hardware") >= 4.0, (kinds, r["status_at"])
    assert r["status"][-1]["stamping"] == "hardware", r["status"][-1]
    hw = [f for f in r["tx"] if f["mechanism"] == HW]
    assert hw and all(f["phc"] == 0 for f in hw), r["tx"]
    assert r["status"][-1]["counters"]["txTimeouts"] == 0, r["status"][-1]
    assert OWN_PORT_LOG not in sc.stderr(), sc.stderr()
    return kinds, hw


@pytest.fixture
def other_iface_master(netpair, workdir):
    """ptp4l -S on a second veth pair, both ends in the slave namespace: a
    lone master, a port of this host's ptp4l but not on the sidecar's
    interface (and none of its traffic reaches that interface)."""
    ns = netpair.sl
    netns.sh(["ip", "-n", ns, "link", "add", OTHER_A, "type", "veth",
              "peer", "name", OTHER_B])
    m = None
    try:
        netns.sh(["ip", "-n", ns, "addr", "add", OTHER_ADDR + "/24", "dev",
                  OTHER_A])
        for ifn in (OTHER_A, OTHER_B):
            netns.sh(["ip", "-n", ns, "link", "set", ifn, "up"])
        m = netns.Ptp4l(netpair, ns, OTHER_A, workdir, "other",
                        "priority1               20\n")
        m.argv.append("-S")
        m.start()
        assert m.wait_log("assuming the grand master role", 20), m.output()
        yield m
    finally:
        if m is not None:
            m.stop()
        netns.sh(["ip", "-n", ns, "link", "del", OTHER_A], check=False)


@pytest.fixture
def p2p_slave(netpair, workdir, grandmaster):
    """A free-running P2P ptp4l slave on the sidecar's own interface: a
    port of this host there whose Pdelay_Req the E2E grandmaster ignores,
    so no Delay_Resp / Pdelay_Resp ever names this clockIdentity — only
    ptp4l's UDS can tell the sidecar about it."""
    sl = netns.Ptp4l(netpair, netpair.sl, netpair.sl_if, workdir, "p2p",
                     "slaveOnly               1\n"
                     "free_running            1\n"
                     "delay_mechanism         P2P\n").start()
    try:
        ok = netns.wait_for(lambda: netns.pmc_port_stats(
            netpair, sl.uds).get("tx_Pdelay_Req", 0) >= 2, 15, 0.2)
        assert ok, "the P2P slave sent no Pdelay_Req:\n" + sl.output()
        yield sl
    finally:
        sl.stop()


def test_ptp4l_port_elsewhere_goes_hardware(sidecar, shim, netpair, workdir,
                                            grandmaster, other_iface_master,
                                            figure):
    """ptp4l answers, its only port is on another interface (NO_PORT): auto
    observes and goes hardware, as alone."""
    uds = other_iface_master.uds
    sc, r = run(sidecar, shim, netpair, workdir, 14.0, "--ptp4l-uds", uds,
                until=hardware_reached)
    kinds, hw = assert_went_hardware(sc, r)
    st = r["status"][-1]
    assert st["ptp4lOnIface"] is False, st
    assert st["syncReason"] == "ptp4l has no port on %s" % netpair.sl_if, st
    # it was ptp4l's answer that allowed it: never hardware before it
    first_no = [i for i, s in enumerate(r["status"])
                if s["ptp4lOnIface"] is False]
    first_hw = kinds.index("hardware")
    assert first_no and first_no[0] <= first_hw, r["status"]
    props = netns.pmc_get(netpair, uds, "PORT_PROPERTIES_NP")
    assert props.get("interface") == OTHER_A, props
    figure("ptp4l port on another iface: ptp4lOnIface / syncState / "
           "delayReqTx over time / s to hardware / hw tx frames",
           "%s / %s / %s / %s / %d" % (
               st["ptp4lOnIface"], st["syncState"],
               "->".join(dict.fromkeys(kinds)), secs_to(r, "hardware"),
               len(hw)))


def test_ptp4l_port_here_keeps_software(sidecar, shim, netpair, workdir,
                                        grandmaster, p2p_slave, figure):
    """ptp4l runs a port on our interface that the traffic does not reveal
    (PORT): software:ptp4l-present long past the observe window; control
    with --ptp4l-uds none beside the same ptp4l: hardware."""
    sc, r = run(sidecar, shim, netpair, workdir, 7.0, "--ptp4l-uds",
                p2p_slave.uds)
    kinds = [s["delayReqTx"] for s in r["status"]]
    assert r["status"][-1]["ptp4lOnIface"] is True, r["status"][-1]
    assert set(kinds) <= {"software:ptp4l-present",
                          "software:observing"}, kinds
    # once ptp4l said so, held to the end, past the 4 s observe window
    i = kinds.index("software:ptp4l-present")
    assert set(kinds[i:]) == {"software:ptp4l-present"}, kinds
    held = r["status_at"][-1] - r["status_at"][i]
    assert held >= 5.0, (kinds, r["status_at"])
    # the observe condition itself was met: 4 s and >= 8 own answers
    assert len(r["samples"]) >= 8, r["samples"]
    assert all(f["mechanism"] == SW and "phc" not in f for f in r["tx"]), \
        r["tx"]
    assert len(r["tx"]) >= 8, r["tx"]
    software_samples_consistent(r["samples"])
    # the traffic told it nothing: no Pdelay_Resp, no foreign requester
    assert OWN_PORT_LOG not in sc.stderr(), sc.stderr()
    stats = netns.pmc_port_stats(netpair, p2p_slave.uds)
    assert stats["tx_Pdelay_Req"] > 0, stats
    assert stats["rx_Pdelay_Resp"] == 0, stats
    gm = gm_port_stats(netpair, grandmaster.uds)
    assert gm["rx_Pdelay_Req"] > 0 and gm["tx_Pdelay_Resp"] == 0, gm
    props = netns.pmc_get(netpair, p2p_slave.uds, "PORT_PROPERTIES_NP")
    assert props.get("interface") == netpair.sl_if, props
    sc.stop()

    # control: the same P2P ptp4l beside, its UDS not read
    sc2, r2 = run(sidecar, shim, netpair, workdir, 14.0, "--ptp4l-uds",
                  "none", until=hardware_reached, name="control",
                  sock=os.path.join(workdir, "control.sock"))
    kinds2, hw = assert_went_hardware(sc2, r2)
    assert r2["status"][-1]["ptp4lOnIface"] is None, r2["status"][-1]
    assert r2["status"][-1]["syncReason"] == "--ptp4l-uds none", \
        r2["status"][-1]
    figure("P2P ptp4l port here: delayReqTx held (s) / samples / sw tx "
           "frames / ptp4l tx_Pdelay_Req, rx_Pdelay_Resp",
           "%.1f / %d / %d / %d, %d" % (
               held, len(r["samples"]), len(r["tx"]),
               stats["tx_Pdelay_Req"], stats["rx_Pdelay_Resp"]))
    figure("P2P ptp4l here, --ptp4l-uds none (control): delayReqTx over "
           "time / s to hardware", "%s / %s" % (
               "->".join(dict.fromkeys(kinds2)), secs_to(r2, "hardware")))


def test_ptp4l_uds_missing_goes_hardware(sidecar, shim, netpair, workdir,
                                         grandmaster, figure):
    """--ptp4l-uds naming nothing (NONE): observe, then hardware; the sync
    state unknown, saying why."""
    missing = os.path.join(workdir, "absent.uds")
    sc, r = run(sidecar, shim, netpair, workdir, 14.0, "--ptp4l-uds",
                missing, until=hardware_reached)
    kinds, hw = assert_went_hardware(sc, r)
    assert kinds[0] == "software:observing", kinds
    st = r["status"][-1]
    assert st["syncState"] == "unknown", st
    assert missing in st["syncReason"] and \
        "No such file" in st["syncReason"], st
    assert st["ptp4lOnIface"] is None, st
    figure("--ptp4l-uds absent: delayReqTx over time / s to hardware / "
           "syncReason", "%s / %s / %s" % (
               "->".join(dict.fromkeys(kinds)), secs_to(r, "hardware"),
               st["syncReason"].replace(missing, "PATH")))
