# SPDX-License-Identifier: MIT
"""The active slave (--delay-req, SPEC §6) against a real ptp4l grandmaster,
beside a free-running ptp4l slave in the same namespace: the master answers
the sidecar's own portIdentity, every TX stamp (OPT_ID) finds its Delay_Req,
samples agree with ptp4l's own meanPathDelay, and ptp4l's exchange goes on
undisturbed. Then the same through the fake NIC in hardware mode."""

import contextlib
import os
import statistics
import time

import pytest

import netns
from netns import (DELAY_REQ, DELAY_RESP, FOLLOW_UP, SL_ADDR, SYNC,
                   ptp_packets)

WINDOW_S = 8.0
PORT = 32767
HW_OFFSET_NS = 1000000  # fakenic: hardware = software + 1 ms


def median(xs):
    return statistics.median(xs) if xs else None


@contextlib.contextmanager
def exchange_window(daemon_bin, netpair, tmpbase, name):
    """ptp4l slave first (as on a real host), exchanging; then the sidecar
    with --delay-req, watched WINDOW_S s by a client (rx, tx, sample,
    status), tcpdump and pmc (CURRENT_DATA_SET every ~0.4 s)."""
    wd = os.path.join(tmpbase, name)
    os.mkdir(wd, 0o755)
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    slave = netns.free_running_slave(netpair, wd).start()
    cap = None
    failed = True
    try:
        ok = netns.wait_for(lambda: float(netns.pmc_get(
            netpair, slave.uds, "CURRENT_DATA_SET").get(
                "meanPathDelay", "0")) != 0.0, 20, 0.2)
        assert ok, "ptp4l slave never measured a delay:\n" + slave.output()
        cap = netns.Tcpdump(netpair, netpair.sl, netpair.sl_if,
                            os.path.join(wd, "sl.pcap"))
        assert cap.wait_listening(), "tcpdump did not start"
        sc = launcher.start("--delay-req", "--status-interval", "1")
        reader = netns.FrameReader(sc.sock, {"subscribe": [
            "rx", "tx", "sample", "status"]})
        # The counters are read at some instant during each pmc call:
        # keep the wall clock on both sides of it.
        t0a = time.time_ns()
        s0 = netns.pmc_port_stats(netpair, slave.uds)
        t0 = time.time_ns()
        mpd = []
        deadline = time.monotonic() + WINDOW_S
        while time.monotonic() < deadline:
            ds = netns.pmc_get(netpair, slave.uds, "CURRENT_DATA_SET")
            if "meanPathDelay" in ds:
                mpd.append((float(ds["meanPathDelay"]),
                            float(ds["offsetFromMaster"])))
            time.sleep(0.4)
        t1 = time.time_ns()
        s1 = netns.pmc_port_stats(netpair, slave.uds)
        t1b = time.time_ns()
        time.sleep(0.3)  # the last Delay_Resp in flight
        t_close = time.time_ns()
        lines = reader.close()
        rc = sc.stop()
        # libpcap hands packets over a buffer timeout (1 s) late and a
        # stopped tcpdump loses the rest: let the window's tail through.
        time.sleep(1.2)
        pcap = cap.stop()
        cap = None
        failed = False
        yield {"lines": lines, "t0": t0, "t1": t1, "s0": s0, "s1": s1,
               "t0a": t0a, "t1b": t1b, "t_close": t_close,
               "mpd": mpd, "pcap": pcap, "rc": rc,
               "self": netns.port_id_of_mac(netns.mac_of(
                   netpair, netpair.sl, netpair.sl_if), PORT),
               "slave_log": slave.output()}
    finally:
        if cap is not None:
            cap.stop()
        slave.stop()
        launcher.finish(failed)
        if failed:
            print("---- ptp4l slave log:\n" + slave.output()[-3000:])


@pytest.fixture(scope="module")
def active(daemon_bin, netpair, grandmaster, tmpbase):
    with exchange_window(daemon_bin, netpair, tmpbase, "active") as a:
        yield a


def fr(a, typ, msg_type=None):
    return [f for _w, f in netns.frames(a["lines"], typ, msg_type)]


def test_every_tx_frame_answered(active, figure):
    a = active
    tx = fr(a, "tx")
    assert len(tx) >= 4 * WINDOW_S, "only %d tx frames in %.0f s" % (
        len(tx), WINDOW_S)
    resp = {f["seqId"]: f for f in fr(a, "rx", DELAY_RESP)
            if f["reqPort"] == a["self"]}
    # a Delay_Req sent in the last moments may be answered after the close
    edge = {f["seqId"] for w, f in netns.frames(a["lines"], "tx")
            if w > a["t_close"] - 200 * 10**6}
    for f in tx:
        assert f["msgType"] == DELAY_REQ, f
        assert f["src"] == a["self"], f
        assert f["mechanism"] == "so_timestamping_software", f
        r = resp.get(f["seqId"])
        if r is None and f["seqId"] in edge:
            continue
        assert r is not None, "DELAY_REQ %d never answered" % f["seqId"]
        # t4 at the master follows t3 here by the path delay only
        assert 0 < int(r["receiveNs"]) - int(f["unixNs"]) < 10**6, (f, r)
    # and nothing answered that we did not frame as sent
    assert sorted(resp) == sorted(f["seqId"] for f in tx
                                  if f["seqId"] in resp or
                                  f["seqId"] not in edge)
    # Delay_Req are spaced at least half the master's interval apart
    # (2^-3 s here, randomised over [0.5, 1.5] of it): at most 4 fit in
    # the 200 ms edge, so the edge cannot hide a run of unanswered ones.
    assert len(edge) <= int(0.2 / (0.125 / 2)) + 1, edge
    figure("tx frames / DELAY_RESP for the sidecar",
           "%d / %d" % (len(tx), len(resp)))


def test_wire_matches_tx_frames(active, figure):
    """Every Delay_Req the sidecar put on the wire (its portIdentity) got
    exactly one tx frame: the OPT_ID keys map to the right sends."""
    a = active
    wire = [m for m in ptp_packets(a["pcap"], SL_ADDR)
            if m["msgType"] == DELAY_REQ and m["src"] == a["self"]]
    tx = {f["seqId"]: f for f in fr(a, "tx")}
    assert wire, "the sidecar sent no Delay_Req"
    # tcpdump loses what libpcap still buffers when it is stopped: compare
    # up to the last Delay_Req it wrote. The client stops first, so the
    # very last request may be on the wire with its tx frame unread (the
    # ASan daemon is slower to publish it); any other missing is a fault.
    last = max(m["seqId"] for m in wire)
    sent = sorted(m["seqId"] for m in wire)
    framed = sorted(s for s in tx if s <= last)
    assert framed in (sent, sent[:-1]), (sent, framed)
    assert len(wire) >= 4 * WINDOW_S - 8
    # Both stamps come from the same kernel on the same veth: tcpdump's
    # from the packet tap in dev_queue_xmit, a few us before the TX
    # software stamp veth_xmit takes (skb_tx_timestamp); under ASan the
    # stamp may trail by milliseconds, never by more than the 10 ms TX
    # timeout (it would not have been published).
    lag = sorted(m["ts"] - int(tx[m["seqId"]]["unixNs"]) for m in wire
                 if m["seqId"] in tx)
    assert all(-10**7 < x < 10**7 for x in lag), lag
    figure("Delay_Req on the wire / tx frames / pcap minus tx stamp p50 us",
           "%d / %d / %.1f" % (len(wire), len(tx), lag[len(lag) // 2] / 1e3))


def test_samples_consistent_with_frames(active, figure):
    """t1..t4 of each sample are the stamps the frames published, and
    offset/delay are the 1588 E2E arithmetic on them (correction 0)."""
    a = active
    samples = fr(a, "sample")
    assert len(samples) >= 3 * WINDOW_S, "only %d samples" % len(samples)
    t2 = {f["seqId"]: f["unixNs"] for f in fr(a, "rx", SYNC)}
    t1 = {f["seqId"]: f["originNs"] for f in fr(a, "rx", FOLLOW_UP)}
    t3 = {f["unixNs"] for f in fr(a, "tx")}
    t4 = {f["receiveNs"] for f in fr(a, "rx", DELAY_RESP)
          if f["reqPort"] == a["self"]}
    for s in samples:
        assert s["t2"] == t2.get(s["seqId"]) and \
            s["t1"] == t1.get(s["seqId"]), s
        assert s["t3"] in t3 and s["t4"] in t4, s
        ms = int(s["t2"]) - int(s["t1"])
        sm = int(s["t4"]) - int(s["t3"])
        assert abs(s["delayNs"] - (ms + sm) / 2) <= 1, s
        assert abs(s["offsetNs"] - (ms - sm) / 2) <= 1, s
        assert s["mechanism"] == "so_timestamping_software", s
        assert s["gm"] == fr(a, "rx", SYNC)[0]["src"].split("-")[0], s
    figure("samples", len(samples))


def delay_agreement(a, figure, label):
    d = sorted(s["delayNs"] for s in fr(a, "sample"))
    ours = median(d)
    theirs = median([m for m, _o in a["mpd"]])
    tol = max(0.2 * theirs, 1000)
    figure("%s: sample delayNs p10 / median / p90 (ns)" % label,
           "%d / %d / %d" % (d[len(d) // 10], ours, d[len(d) * 9 // 10]))
    figure("%s: ptp4l meanPathDelay median (ns)" % label,
           "%.0f (tolerance %.0f, %d pmc reads)" % (theirs, tol,
                                                    len(a["mpd"])))
    return abs(ours - theirs) <= tol, ours, theirs, tol


def test_delay_agrees_with_ptp4l(active, daemon_bin, netpair, tmpbase,
                                 figure):
    """The samples' median delayNs is within 20 % or 1 us of the
    meanPathDelay ptp4l measures over the same window.

    Both are software stamps on a shared 2-core VM: a burst of CPU load or
    steal time during the window skews one side's medians by more than a
    microsecond (seen: 2154 vs 951 ns while a compiler ran beside). So a
    window that disagrees is measured once more, and the second must
    agree: a real bias in the sidecar's arithmetic or stamps fails both."""
    ok, ours, theirs, tol = delay_agreement(active, figure, "window 1")
    if not ok:
        with exchange_window(daemon_bin, netpair, tmpbase, "active2") as a2:
            ok, ours, theirs, tol = delay_agreement(a2, figure, "window 2")
    assert ok, "sidecar %d ns vs ptp4l %.0f ns (tolerance %.0f)" % (
        ours, theirs, tol)


def test_ptp4l_slave_undisturbed(active, figure):
    a = active
    secs = (a["t1"] - a["t0"]) / 1e9
    d = {k: a["s1"][k] - a["s0"][k] for k in a["s0"]}
    pk = ptp_packets(a["pcap"])
    reqs = [m for m in pk if m["msgType"] == DELAY_REQ and
            m["src"] != a["self"]]
    assert reqs, "the ptp4l slave sent no Delay_Req"
    slave_port = reqs[0]["src"]
    assert all(m["src"] == slave_port for m in reqs), reqs
    for_slave = {m["seqId"] for m in pk if m["msgType"] == DELAY_RESP and
                 m["reqPort"] == slave_port}
    # the last one or two may still be in flight when tcpdump stops
    unanswered = [m["seqId"] for m in reqs[:-2]
                  if m["seqId"] not in for_slave]
    # Delay_Req on the wire surely / possibly between the two pmc reads
    inner = [m for m in reqs if a["t0"] <= m["ts"] <= a["t1"]]
    outer = [m for m in reqs if a["t0a"] <= m["ts"] <= a["t1b"]]
    figure("ptp4l tx_Delay_Req / rx_Delay_Resp (all ports) / s",
           "%d / %d / %.1f" % (d["tx_Delay_Req"], d["rx_Delay_Resp"], secs))
    # logMinDelayReqInterval -3: a mean of 8 per second
    assert d["tx_Delay_Req"] >= 4 * secs, d
    assert len(inner) <= d["tx_Delay_Req"] <= len(outer), \
        (d, len(inner), len(outer))
    assert not unanswered, "ptp4l's Delay_Req %s unanswered" % unanswered
    assert d["rx_Sync"] >= 8 * secs - 3, d
    for mpd, off in a["mpd"]:
        assert 0 < mpd < 50000 and abs(off) < 100000, a["mpd"]
    assert "FAULTY" not in a["slave_log"]


def test_no_tx_timeouts(active):
    st = fr(active, "status")
    assert st, "no status frames"
    c = st[-1]["counters"]
    assert c["txTimeouts"] == 0 and c["tx"] >= 4 * (WINDOW_S - 1), c
    assert active["rc"] == 0


def test_hardware_through_fake_nic(sidecar, shim, netpair, workdir,
                                   grandmaster, figure):
    """TX and RX stamps both from the "NIC": tx frames and samples say
    so_timestamping; the 1 ms the shim adds to t2 and t3 cancels in the
    delay and shows up whole in the offset."""
    fake = netns.FakeNic(shim, netpair.sl_if, workdir,
                         FAKENIC_HW_OFFSET_NS=HW_OFFSET_NS)
    # alone on the link, forced: test_delay_req_tx.py has the choice
    sc = sidecar("--delay-req", "--delay-req-tx", "hardware",
                 "--status-interval", "1", timestamping="hardware",
                 **fake.launch_kw())
    reader = netns.FrameReader(sc.sock, {"subscribe": [
        "rx", "tx", "sample", "status"]})
    time.sleep(4.0)
    lines = reader.close()
    tx = [f for _w, f in netns.frames(lines, "tx")]
    samples = [f for _w, f in netns.frames(lines, "sample")]
    st = [f for _w, f in netns.frames(lines, "status")]
    # 1 s spacing until the first Delay_Resp gives the master's interval:
    # 0.5-3 s pass before the 8/s rate, so few are certain in 4 s.
    assert len(tx) >= 6, "only %d hardware tx frames" % len(tx)
    assert all(f["mechanism"] == "so_timestamping" and f["phc"] == 0
               for f in tx), tx
    assert len(samples) >= 5, samples
    assert all(s["mechanism"] == "so_timestamping" for s in samples)
    off = median([s["offsetNs"] for s in samples])
    dly = median([s["delayNs"] for s in samples])
    assert abs(off - HW_OFFSET_NS) < 50000, samples
    assert 0 < dly < 50000, samples
    c = st[-1]["counters"]
    assert c["txTimeouts"] == 0 and c["missingHw"] == 0, c
    assert st[-1]["delayReqTx"] == "hardware", st[-1]
    assert fake.sets() == ["set tx=1 rx=12"], fake.log_lines()
    figure("hw tx frames / samples / offset median / delay median (ns)",
           "%d / %d / %d / %d" % (len(tx), len(samples), off, dly))
