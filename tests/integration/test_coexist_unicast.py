# SPDX-License-Identifier: MIT
"""SPEC §1 promise 3 and §3 beside unicast and hybrid ptp4l: the sidecar
observes, it never receives in ptp4l's place.

The kernel gives a unicast datagram to one UDP socket, so a daemon that
bound 319/320 next to ptp4l took its unicast (LAB.md, revision 2: rx_Sync
8.2/s -> 2.5/s and rx_Delay_Resp 1/s -> 0 beside a unicast slave,
rx_Delay_Resp 9/s -> 0 beside a hybrid one). Here a free-running ptp4l
slave (it never steers the shared CLOCK_REALTIME) is measured over a
window before the sidecar starts and an equal window while it runs; its
receive rates must not move, and the sidecar must frame the unicast
traffic the slave gets.
"""

import os
import time

import pytest

import netns
import pcap_frames
from netns import DELAY_REQ, DELAY_RESP, GM_ADDR, SL_ADDR, SYNC


# The neighbour's view (ptp4l's counters, the wire): the same for the ASan
# binary, whose daemon paths other tests drive (conftest.py, "plain").
pytestmark = pytest.mark.plain

WINDOW_S = 5.0
PTP_PRIMARY = "224.0.1.129"

# LAB.md "Measured for revision 2": pairs that sync here in ~5 s.
MODES = {
    "unicast": {
        "gm": "priority1               10\n"
              "hybrid_e2e              1\n"
              "inhibit_multicast_service 1\n"
              "unicast_listen          1\n",
        "slave": "slaveOnly               1\n"
                 "free_running            1\n"
                 "unicast_req_duration    60\n"
                 "[unicast_master_table]\n"
                 "table_id                1\n"
                 "logQueryInterval        2\n"
                 "UDPv4                   %s\n"
                 "[%%s]\n"
                 "unicast_master_table    1\n" % GM_ADDR,
    },
    "hybrid": {
        "gm": "priority1               10\n"
              "hybrid_e2e              1\n",
        "slave": "slaveOnly               1\n"
                 "free_running            1\n"
                 "hybrid_e2e              1\n",
    },
}


def _stats(netpair, uds):
    """PORT_STATS_NP with the monotonic instant it was read at (the middle
    of the pmc call)."""
    a = time.monotonic()
    s = netns.pmc_port_stats(netpair, uds)
    return s, (a + time.monotonic()) / 2


def _settled(netpair, uds):
    a = _stats(netpair, uds)
    time.sleep(1.0)
    b = _stats(netpair, uds)
    return b[0].get("rx_Delay_Resp", 0) > 2 and _rate(a, b, "rx_Sync") >= 7


def _rate(s0, s1, key):
    (a, ta), (b, tb) = s0, s1
    return (b.get(key, 0) - a.get(key, 0)) / (tb - ta)


@pytest.fixture(scope="module", params=sorted(MODES))
def run(request, daemon_bin, netpair, tmpbase):
    """One mode: a ptp4l master and a free-running slave exchanging; a
    capture of everything PTP in the slave's namespace; WINDOW_S of the
    slave alone, then WINDOW_S with the sidecar beside it."""
    mode = request.param
    wd = os.path.join(tmpbase, "coexist-" + mode)
    os.mkdir(wd, 0o755)
    cfg = MODES[mode]
    gm = netns.Ptp4l(netpair, netpair.gm, netpair.gm_if, wd, "gm", cfg["gm"])
    slave = netns.Ptp4l(netpair, netpair.sl, netpair.sl_if, wd, "slave",
                        cfg["slave"].replace("%s", netpair.sl_if))
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    cap = None
    failed = True
    try:
        gm.start()
        slave.start()
        if not gm.wait_log("assuming the grand master role", 20):
            pytest.fail("ptp4l master did not take the GM role:\n" +
                        gm.output()[-2000:])
        # Exchanging: its Delay_Req answered, and the Syncs at full rate
        # (a unicast slave is granted Announce first, Sync later).
        ok = netns.wait_for(lambda: _settled(netpair, slave.uds), 30, 0)
        assert ok, "%s slave never settled:\n%s" % (
            mode, slave.output()[-2000:])
        cap = pcap_frames.Capture(netpair, netpair.sl, netpair.sl_if,
                                  os.path.join(wd, "sl.pcap"))
        assert cap.wait_listening(), "tcpdump did not start"
        b0 = _stats(netpair, slave.uds)
        time.sleep(WINDOW_S)
        b1 = _stats(netpair, slave.uds)
        sc = launcher.start()
        reader = netns.FrameReader(sc.sock)
        d0 = _stats(netpair, slave.uds)
        time.sleep(WINDOW_S)
        d1 = _stats(netpair, slave.uds)
        lines = reader.close()
        rc = sc.stop()
        time.sleep(0.3)
        recs = cap.stop()
        cap = None
        failed = False
        yield {"mode": mode, "before": (b0, b1), "during": (d0, d1),
               "frames": [f for _w, f in netns.frames(lines, "rx")],
               "recs": recs, "sidecar_rc": rc,
               "sl_mac": netns.mac_of(netpair, netpair.sl, netpair.sl_if),
               "slave_log": slave.output(), "gm_log": gm.output()}
    finally:
        if cap is not None:
            cap.stop()
        launcher.finish(failed)
        slave.stop()
        gm.stop()
        if failed:
            print("---- ptp4l slave log:\n" + slave.output()[-3000:])


def _ptp(run):
    """(record, decoded) of every PTP packet of the capture."""
    return pcap_frames.ptp_records(run["recs"], run["sl_mac"])


def test_setup_is_unicast_where_it_claims(run):
    """The scenario itself: without unicast on the wire this file would
    prove nothing."""
    pk = _ptp(run)
    syncs = [r for r, m in pk if m["msgType"] == SYNC and r["src"] == GM_ADDR]
    resps = [r for r, m in pk
             if m["msgType"] == DELAY_RESP and r["src"] == GM_ADDR]
    assert syncs and resps, "no Sync/Delay_Resp captured"
    assert {r["dst"] for r in resps} == {SL_ADDR}, \
        "Delay_Resp not unicast: %s" % {r["dst"] for r in resps}
    want = SL_ADDR if run["mode"] == "unicast" else PTP_PRIMARY
    assert {r["dst"] for r in syncs} == {want}
    assert run["sidecar_rc"] == 0


def test_slave_rx_sync_rate_unchanged(run, figure):
    b = _rate(*run["before"], "rx_Sync")
    d = _rate(*run["during"], "rx_Sync")
    figure("%s slave rx_Sync/s before / during" % run["mode"],
           "%.2f / %.2f" % (b, d))
    # The master sends 8/s like a clock: the count over a window varies
    # by one at either edge. The old UDP design gave 2.5/s here.
    assert b >= 7, "slave got only %.2f Sync/s before the sidecar" % b
    assert abs(d - b) <= max(0.1 * b, 2 / WINDOW_S), \
        "rx_Sync %.2f/s before, %.2f/s beside the sidecar" % (b, d)


def test_slave_rx_delay_resp_rate_unchanged(run, figure):
    b = _rate(*run["before"], "rx_Delay_Resp")
    d = _rate(*run["during"], "rx_Delay_Resp")
    bq = _rate(*run["before"], "tx_Delay_Req")
    dq = _rate(*run["during"], "tx_Delay_Req")
    figure("%s slave rx_Delay_Resp/s before / during" % run["mode"],
           "%.2f / %.2f" % (b, d))
    figure("%s slave tx_Delay_Req/s before / during" % run["mode"],
           "%.2f / %.2f" % (bq, dq))
    assert b >= 0.5, "slave got only %.2f Delay_Resp/s before" % b
    # ptp4l draws each Delay_Req interval at random from [0, 2T]: the
    # count over 5 s varies by several at 8/s. What does not vary is
    # that every Delay_Req it sent is answered to it: compare its
    # answers with its own requests in the same window (one in flight
    # at either edge), and the rate loosely with before. The old UDP
    # design gave 0/s here.
    slack = 2 / WINDOW_S
    assert abs(b - bq) <= slack, "before: %.2f req/s, %.2f resp/s" % (bq, b)
    assert abs(d - dq) <= slack, \
        "beside the sidecar the slave sent %.2f Delay_Req/s and got %.2f " \
        "Delay_Resp/s" % (dq, d)
    assert d >= 0.6 * b - slack and d <= 1.6 * b + slack, \
        "rx_Delay_Resp %.2f/s before, %.2f/s beside the sidecar" % (b, d)


def _overlap(framed, wire):
    """seqIds of both over the range both cover (the capture runs longer
    than the sidecar)."""
    if not framed or not wire:
        return [], []
    lo, hi = max(min(framed), min(wire)), min(max(framed), max(wire))
    return (sorted(s for s in framed if lo <= s <= hi),
            sorted(s for s in wire if lo <= s <= hi))


def test_sidecar_frames_the_syncs_the_slave_gets(run, figure):
    pk = _ptp(run)
    wire = {m["seqId"]: (r, m) for r, m in pk
            if m["msgType"] == SYNC and r["src"] == GM_ADDR}
    frames = [f for f in run["frames"] if f["msgType"] == SYNC]
    unicast = run["mode"] == "unicast"
    assert len(frames) >= 8 * (WINDOW_S - 1), \
        "%d SYNC frames in %.0f s" % (len(frames), WINDOW_S)
    for f in frames:
        assert f.get("unicast") is unicast, f
        assert f.get("transport") == "udp4", f
        assert "vlan" not in f, f
        assert f["seqId"] in wire, "SYNC %d not captured (captured %d..%d)" \
            % (f["seqId"], min(wire), max(wire))
        r, m = wire[f["seqId"]]
        assert f["src"] == m["src"] and f["twoStep"] == m["twoStep"], (f, m)
    got, want = _overlap([f["seqId"] for f in frames], list(wire))
    assert got == want, "missing %s extra %s" % (
        sorted(set(want) - set(got)), sorted(set(got) - set(want)))
    figure("%s SYNC framed (unicast=%s) / captured in overlap" %
           (run["mode"], unicast), "%d / %d" % (len(frames), len(want)))


def test_sidecar_frames_the_slaves_unicast_delay_resp(run, figure):
    pk = _ptp(run)
    reqs = [m for r, m in pk if m["msgType"] == DELAY_REQ and
            r["src"] == SL_ADDR]
    assert reqs, "the slave sent no Delay_Req"
    slave_port = reqs[0]["src"]
    wire = {m["seqId"]: m for r, m in pk
            if m["msgType"] == DELAY_RESP and r["src"] == GM_ADDR}
    frames = [f for f in run["frames"] if f["msgType"] == DELAY_RESP]
    assert frames, "no DELAY_RESP frame beside a %s slave" % run["mode"]
    for f in frames:
        assert f.get("unicast") is True, f
        assert f["reqPort"] == slave_port, f
        m = wire.get(f["seqId"])
        assert m is not None, "DELAY_RESP %d not captured (captured " \
            "%s..%s)" % (f["seqId"], min(wire, default=None),
                         max(wire, default=None))
        assert f["receiveNs"] == m["receiveNs"], (f, m)
    got, want = _overlap([f["seqId"] for f in frames], list(wire))
    assert got == want, "missing %s extra %s" % (
        sorted(set(want) - set(got)), sorted(set(got) - set(want)))
    figure("%s unicast DELAY_RESP framed / captured in overlap" %
           run["mode"], "%d / %d" % (len(frames), len(want)))


def test_slave_never_faulted(run):
    assert "FAULTY" not in run["slave_log"], run["slave_log"][-3000:]
