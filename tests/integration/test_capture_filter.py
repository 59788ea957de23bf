# SPDX-License-Identifier: MIT
"""SPEC §3: what the capture socket's BPF filter and decoder keep.

- VLAN: this kernel has no 8021q (LAB.md), so tests/tools/rawsend writes
  802.1Q-tagged IPv4/UDP/PTP SYNCs from an AF_PACKET socket in the
  grandmaster's namespace. The receiving kernel moves the tag into
  metadata before any tap sees the frame; the frames must carry `vlan`
  equal to the VID, and untagged SYNCs no `vlan` at all.
- Flood: ~100k non-PTP packets/s (UDP to port 9999, ARP) while a ptp4l
  grandmaster keeps sending. The classic BPF filter drops them in the
  kernel: the daemon is never woken for them, so its CPU time stays what
  it is in an equal quiet window, its `filtered` counter does not move,
  and the grandmaster's SYNCs keep being framed at 8/s.
"""

import json
import os
import subprocess
import time

import pytest

import netns
import pcap_frames
from netns import GM_ADDR, SYNC

FLOOD_S = 4.0
FLOOD_PPS = 100000
# A daemon woken per packet at 100k/s burns far more than this (one tick
# is 10 ms of CPU; 100k recvmsg calls alone cost ~20 ticks).
CPU_SLACK_TICKS = 3


def rawsend_bin(daemon_bin, tmpdir):
    """tools/rawsend next to the daemon (make tools / make asan) or in
    $TBLK_BUILD, else a private build; fails (never skips) when there is
    none: the test must not pass silently in CI."""
    cands = [os.path.join(os.path.dirname(daemon_bin), "tools", "rawsend")]
    if os.environ.get("TBLK_BUILD"):
        cands.append(os.path.join(os.environ["TBLK_BUILD"], "tools",
                                  "rawsend"))
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    out = os.path.join(tmpdir, "rawsend")
    r = subprocess.run("cc -std=gnu11 -D_GNU_SOURCE -O2 -o %s "
                       "%s/tests/tools/rawsend.c "
                       "$(pkg-config --cflags --libs json-c)" % (out, repo),
                       shell=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        pytest.fail("rawsend not built and cannot be built:\n" + r.stdout)
    return out


def rawsend(netpair, binary, *args, timeout=30):
    r = netns.sh(netpair.exec_argv(netpair.gm, [binary, "-i", netpair.gm_if]
                                   + [str(a) for a in args]),
                 check=False, timeout=timeout)
    assert r.returncode == 0, "rawsend %s: exit %d: %s" % (
        args, r.returncode, r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (/proc/PID/stat fields
    14 and 15; the command name may hold spaces, so split after it)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rx_packets(netpair):
    r = netns.sh(["ip", "-n", netpair.sl, "-s", "-j", "link", "show", "dev",
                  netpair.sl_if])
    return json.loads(r.stdout)[0]["stats64"]["rx"]["packets"]


@pytest.fixture(scope="module")
def daemon(request, daemon_bin, netpair, grandmaster, tmpbase):
    """One sidecar for the module, a client reading its rx frames."""
    wd = os.path.join(tmpbase, "capture-filter")
    os.mkdir(wd, 0o755)
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    failed_before = request.session.testsfailed
    failed = True
    try:
        sc = launcher.start(timestamping="software")
        with open("/proc/%d/comm" % sc.pid) as f:
            assert f.read().startswith("tblk-ptp-side"), \
                "pid %d is not the daemon" % sc.pid
        reader = netns.FrameReader(sc.sock)
        yield {"sc": sc, "reader": reader,
               "rawsend": rawsend_bin(daemon_bin, wd)}
        reader.close()
        failed = request.session.testsfailed > failed_before
    finally:
        # the daemon's stderr when setup or any test of the module failed
        launcher.finish(failed)


def _frames_from(daemon, src):
    return [f for _w, f in netns.frames(daemon["reader"].snapshot(), "rx")
            if f.get("src") == src]


@pytest.mark.parametrize("vlan", [7, 100, None])
def test_vlan_tag_reported(daemon, netpair, vlan, figure):
    """Tagged SYNCs carry `vlan` = VID and transport udp4; untagged ones
    carry no `vlan` key."""
    clock = "7a7a7afffe%06x" % (vlan or 0xabcdef)
    args = ["--sync", 10, "--rate", 50, "--first-seq", 1000,
            "--clock-id", clock, "--port", 1]
    if vlan is not None:
        args += ["--vlan", vlan]
    sent = rawsend(netpair, daemon["rawsend"], *args)
    assert sent["sync"] == 10, sent
    src = sent["src"]
    assert netns.wait_for(lambda: len(_frames_from(daemon, src)) >= 10, 3)
    frames = _frames_from(daemon, src)
    assert [f["seqId"] for f in frames] == list(range(1000, 1010)), frames
    for f in frames:
        assert f["msgType"] == SYNC and f["twoStep"] is False, f
        assert f["transport"] == "udp4" and f["unicast"] is False, f
        if vlan is None:
            assert "vlan" not in f, f
        else:
            assert f.get("vlan") == vlan, f
    figure("SYNC frames with vlan=%s" % vlan, len(frames))


def _window(daemon, netpair, gm, seconds, flood=None):
    """CPU ticks, status counters, rx packets of the sidecar's interface,
    the grandmaster's tx_Sync and its SYNC frames over one window; with
    flood set, the window is a rawsend flood of that many packets/s."""
    sc = daemon["sc"]
    st0 = netns.status_probe(sc.sock)["counters"]
    rx0 = rx_packets(netpair)
    ta = time.time_ns()
    tx0 = netns.pmc_port_stats(netpair, gm.uds).get("tx_Sync", 0)
    c0 = cpu_ticks(sc.pid)
    t0 = time.time_ns()
    m0 = time.monotonic()
    if flood:
        sent = rawsend(netpair, daemon["rawsend"], "--flood", int(seconds),
                       "--rate", flood, timeout=seconds + 30)
    else:
        sent = None
        time.sleep(seconds)
    secs = time.monotonic() - m0
    t1 = time.time_ns()
    c1 = cpu_ticks(sc.pid)
    tx1 = netns.pmc_port_stats(netpair, gm.uds).get("tx_Sync", 0)
    tb = time.time_ns()
    rx1 = rx_packets(netpair)
    st1 = netns.status_probe(sc.sock)["counters"]
    time.sleep(0.3)  # the last SYNCs of the window reach the reader
    # the grandmaster's, not rawsend's (clockIdentity 7a7a7a...)
    syncs = [(int(f["unixNs"]), f["seqId"]) for _w, f in netns.frames(
        daemon["reader"].snapshot(), "rx", SYNC)
        if not f["src"].startswith("7a7a7a")]
    return {"ticks": c1 - c0, "secs": secs, "rx": rx1 - rx0, "sent": sent,
            "counters": {k: st1[k] - st0[k] for k in st0},
            "gm_tx_sync": tx1 - tx0, "t0": t0, "t1": t1,
            "syncs": sorted(q for t, q in syncs if t0 <= t <= t1),
            # over the span of the two pmc calls, which read tx_Sync
            # somewhere inside it
            "syncs_pmc": [q for t, q in syncs if ta <= t <= tb]}


@pytest.fixture(scope="module")
def windows(daemon, netpair, grandmaster, tmpbase):
    """A quiet window, then a flood window of the same length, with the
    PTP traffic the sidecar's namespace received captured throughout."""
    cap = pcap_frames.Capture(netpair, netpair.sl, netpair.sl_if,
                              os.path.join(tmpbase, "capture-filter",
                                           "sl.pcap"))
    try:
        assert cap.wait_listening(), "tcpdump did not start"
        quiet = _window(daemon, netpair, grandmaster, FLOOD_S)
        flood = _window(daemon, netpair, grandmaster, FLOOD_S, FLOOD_PPS)
    finally:
        recs = cap.stop()
    for w in (quiet, flood):
        w["wire_syncs"] = sorted(
            m["seqId"] for r, m in pcap_frames.ptp_records(recs, "")
            if m["msgType"] == SYNC and r["src"] == GM_ADDR and
            w["t0"] <= r["ts"] <= w["t1"])
    return quiet, flood


@pytest.mark.plain  # the flood's CPU figure is the plain binary's
def test_flood_reached_the_interface(windows, figure):
    _quiet, flood = windows
    sent = flood["sent"]
    figure("flood sent (udp + arp) / achieved pkt/s / seconds",
           "%d (%d + %d) / %.0f / %.2f" % (
               sent["sent"], sent["udp"], sent["arp"], sent["rateAchieved"],
               sent["seconds"]))
    figure("veth-sl rx packets in the flood window", flood["rx"])
    # On a loaded 2-core VM rawsend may fall short of 100k/s; 40k/s is
    # still a flood a per-packet daemon could not hide (the UDP half of
    # one at 100k/s aimed at port 319 cost it 67 ticks in 4 s).
    assert sent["rateAchieved"] >= 0.4 * FLOOD_PPS, sent
    assert flood["rx"] >= 0.95 * sent["sent"], \
        "the sidecar's interface received %d of %d" % (flood["rx"],
                                                       sent["sent"])


@pytest.mark.plain  # the flood's CPU figure is the plain binary's
def test_flood_costs_the_daemon_no_cpu(windows, figure):
    quiet, flood = windows
    figure("daemon CPU ticks quiet / flood (%.1f s each)" % FLOOD_S,
           "%d / %d" % (quiet["ticks"], flood["ticks"]))
    assert flood["ticks"] <= quiet["ticks"] + CPU_SLACK_TICKS, \
        "daemon used %d ticks in the flood, %d in the quiet window" % (
            flood["ticks"], quiet["ticks"])


@pytest.mark.plain  # the flood's CPU figure is the plain binary's
def test_flood_never_reaches_the_daemon(windows, figure):
    quiet, flood = windows
    qc, fc = quiet["counters"], flood["counters"]
    figure("filtered quiet / flood", "%d / %d" % (qc["filtered"],
                                                  fc["filtered"]))
    # Not one flood packet is queued to the socket: nothing to filter,
    # nothing malformed, nothing dropped for want of room.
    for k in ("filtered", "malformed", "truncated", "kernelDrops",
              "unstamped"):
        assert fc[k] <= qc[k], "%s grew by %d in the flood, %d quiet" % (
            k, fc[k], qc[k])


@pytest.mark.plain  # the flood's CPU figure is the plain binary's
def test_syncs_keep_flowing_in_the_flood(windows, figure):
    quiet, flood = windows
    figure("grandmaster tx_Sync / SYNC captured / framed, quiet",
           "%d / %d / %d" % (quiet["gm_tx_sync"], len(quiet["wire_syncs"]),
                             len(quiet["syncs"])))
    figure("grandmaster tx_Sync / SYNC captured / framed, flood",
           "%d / %d / %d" % (flood["gm_tx_sync"], len(flood["wire_syncs"]),
                             len(flood["syncs"])))
    for name, w in (("quiet", quiet), ("flood", flood)):
        # Every SYNC that reached the interface was framed: the same
        # seqIds as the capture over the window, no gap.
        assert w["syncs"] == w["wire_syncs"], \
            "%s window: framed %s, captured %s" % (name, w["syncs"],
                                                   w["wire_syncs"])
        # And they kept coming: all the grandmaster sent between the
        # two pmc readings of its tx_Sync (one may be still in flight).
        assert len(w["syncs_pmc"]) >= w["gm_tx_sync"] - 1, \
            "%s window: grandmaster sent %d Syncs, %d framed" % (
                name, w["gm_tx_sync"], len(w["syncs_pmc"]))
        assert w["gm_tx_sync"] >= 6 * w["secs"], \
            "%s window: the grandmaster sent only %d Syncs in %.2f s" % (
                name, w["gm_tx_sync"], w["secs"])
