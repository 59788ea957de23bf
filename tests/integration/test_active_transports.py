# SPDX-License-Identifier: MIT
"""SPEC §6 "on the transport that master uses": the active slave against a
ptp4l grandmaster on UDPv6 (-6) and on L2 (-2), beside a free-running ptp4l
slave on the same transport. Its Delay_Req go out on the master's transport
(UDPv6 to ff0e::181 port 319 from an ephemeral port; L2 to
01:1b:19:00:00:00, ethertype 0x88F7); tx frames == Delay_Req on the wire
(a whole-frame tcpdump in the namespace) == DELAY_RESP naming our port,
each tx frame saying its transport; every TX stamp (OPT_ID of that
transport's own socket) finds its Delay_Req; samples agree with the ptp4l
slave's meanPathDelay; the ptp4l slave's exchange goes on undisturbed.
Then the privileges: with --delay-req --user nobody every capability set
is empty after READY=1 and the L2 Delay_Req socket -- a packet socket,
made before the drop -- still sends. UDPv4 is test_active.py."""

import contextlib
import json
import os
import signal
import statistics
import time

import pytest

import netns
import pcap_frames
from netns import DELAY_REQ, DELAY_RESP, FOLLOW_UP, SYNC

WINDOW_S = 8.0
PORT = 32767
NOBODY = 65534
TRANSPORTS = {"-6": "udp6", "-2": "l2"}
MCAST6 = "ff0e::181"
MCAST_L2 = "01:1b:19:00:00:00"
SW = "so_timestamping_software"


def _link_local_ready(netpair):
    """Both ends have a link-local IPv6 address that passed DAD (ptp4l -6
    cannot bind a tentative one, and our Delay_Req needs a source)."""
    for ns, ifn in ((netpair.gm, netpair.gm_if), (netpair.sl, netpair.sl_if)):
        r = netns.sh(["ip", "-n", ns, "-j", "-6", "addr", "show", "dev", ifn])
        info = json.loads(r.stdout)[0].get("addr_info", [])
        if not any(a.get("scope") == "link" and not a.get("tentative") and
                   not a.get("dadfailed") for a in info):
            return False
    return True


def _ptp4l(netpair, ns, ifn, wd, name, flag, extra):
    p = netns.Ptp4l(netpair, ns, ifn, wd, name, extra)
    p.argv = [flag if a == "-4" else a for a in p.argv]
    return p


@contextlib.contextmanager
def exchange_window(daemon_bin, netpair, wd, slave, self_id, name):
    """The sidecar with --delay-req beside the running ptp4l slave,
    watched WINDOW_S s by a client (rx, tx, sample, status), a whole-frame
    tcpdump and pmc (CURRENT_DATA_SET every ~0.4 s)."""
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    cap = None
    failed = True
    try:
        cap = pcap_frames.Capture(netpair, netpair.sl, netpair.sl_if,
                                  os.path.join(wd, name + ".pcap"))
        assert cap.wait_listening(), "tcpdump did not start"
        sc = launcher.start("--delay-req", "--status-interval", "1",
                            name=name)
        reader = netns.FrameReader(sc.sock, {"subscribe": [
            "rx", "tx", "sample", "status"]})
        # the counters are read at some instant during each pmc call:
        # keep the wall clock on both sides of it
        t0a = time.time_ns()
        s0 = netns.pmc_port_stats(netpair, slave.uds)
        t0 = time.time_ns()
        mpd = []
        deadline = time.monotonic() + WINDOW_S
        while time.monotonic() < deadline:
            ds = netns.pmc_get(netpair, slave.uds, "CURRENT_DATA_SET")
            if "meanPathDelay" in ds:
                mpd.append(float(ds["meanPathDelay"]))
            time.sleep(0.4)
        t1 = time.time_ns()
        s1 = netns.pmc_port_stats(netpair, slave.uds)
        t1b = time.time_ns()
        time.sleep(0.3)  # the last Delay_Resp in flight
        t_close = time.time_ns()
        lines = reader.close()
        rc = sc.stop()
        # the capture outlives the sidecar: all it sent was captured
        time.sleep(0.3)
        recs = cap.stop()
        cap = None
        failed = False
        yield {"lines": lines, "recs": recs, "s0": s0, "s1": s1, "t0": t0,
               "t1": t1, "t0a": t0a, "t1b": t1b, "t_close": t_close,
               "mpd": mpd, "rc": rc, "self": self_id,
               "stderr": sc.stderr()}
    finally:
        if cap is not None:
            cap.stop()
        launcher.finish(failed)


@pytest.fixture(scope="module", params=sorted(TRANSPORTS))
def run(request, daemon_bin, netpair, tmpbase):
    """ptp4l grandmaster and free-running slave on one transport, the
    slave measuring a delay; then one exchange window. The ptp4l pair
    stays up for the module's tests of that transport."""
    flag = request.param
    wd = os.path.join(tmpbase, "active" + flag)
    os.mkdir(wd, 0o755)
    if flag == "-6":
        assert netns.wait_for(lambda: _link_local_ready(netpair), 10, 0.1), \
            "IPv6 link-local addresses still tentative"
    gm = _ptp4l(netpair, netpair.gm, netpair.gm_if, wd, "gm", flag,
                "priority1               10\n")
    slave = _ptp4l(netpair, netpair.sl, netpair.sl_if, wd, "slave", flag,
                   "slaveOnly               1\nfree_running            1\n")
    sl_mac = netns.mac_of(netpair, netpair.sl, netpair.sl_if)
    self_id = netns.port_id_of_mac(sl_mac, PORT)
    try:
        gm.start()
        slave.start()
        if not gm.wait_log("assuming the grand master role", 20):
            pytest.fail("ptp4l %s did not take the GM role:\n%s" %
                        (flag, gm.output()[-2000:]))
        ok = netns.wait_for(lambda: float(netns.pmc_get(
            netpair, slave.uds, "CURRENT_DATA_SET").get(
                "meanPathDelay", "0")) != 0.0, 20, 0.2)
        assert ok, "ptp4l %s slave never measured a delay:\n%s" % (
            flag, slave.output()[-2000:])
        ctx = {"flag": flag, "transport": TRANSPORTS[flag], "wd": wd,
               "slave": slave, "sl_mac": sl_mac, "self": self_id,
               "daemon_bin": daemon_bin, "netpair": netpair}
        with exchange_window(daemon_bin, netpair, wd, slave, self_id,
                             "window1") as a:
            ctx["a"] = a
            ctx["slave_log"] = slave.output()
            yield ctx
    finally:
        slave.stop()
        gm.stop()


def fr(a, typ, msg_type=None):
    return [f for _w, f in netns.frames(a["lines"], typ, msg_type)]


def wire(run, a):
    """(record, expected frame) of every PTP packet in the capture."""
    return pcap_frames.ptp_records(a["recs"], run["sl_mac"])


def our_wire_delay_req(run, a):
    return [(r, w) for r, w in wire(run, a)
            if w["msgType"] == DELAY_REQ and w["src"] == a["self"]]


def test_tx_frames_on_the_masters_transport(run, figure):
    a = run["a"]
    t = run["transport"]
    tx = fr(a, "tx")
    assert len(tx) >= 4 * WINDOW_S, "only %d tx frames in %.0f s:\n%s" % (
        len(tx), WINDOW_S, a["stderr"][-2000:])
    for f in tx:
        assert f["msgType"] == DELAY_REQ, f
        assert f["src"] == a["self"], f
        assert f["transport"] == t, f
        assert f["mechanism"] == SW, f
        assert f.get("iface") == run["netpair"].sl_if, f
    syncs = {f["transport"] for f in fr(a, "rx", SYNC)}
    assert syncs == {t}, syncs
    assert "over %s" % t in a["stderr"], a["stderr"][-2000:]
    figure("%s: tx frames" % t, len(tx))


def test_wire_matches_tx_frames(run, figure):
    """Every Delay_Req the sidecar put on the wire (its portIdentity) went
    to the transport's primary group and got exactly one tx frame: each
    socket's OPT_ID keys map to its own sends."""
    a = run["a"]
    t = run["transport"]
    ours = our_wire_delay_req(run, a)
    assert ours, "the sidecar sent no Delay_Req"
    for r, w in ours:
        assert w["transport"] == t, (r, w)
        assert r["src_mac"] == run["sl_mac"], r
        if t == "udp6":
            assert r["dst"] == MCAST6 and r["dport"] == 319, r
            assert r["src"].startswith("fe80:"), r
        else:
            assert r["dst_mac"] == MCAST_L2, r
    tx = {f["seqId"]: f for f in fr(a, "tx")}
    seqs = sorted(w["seqId"] for _r, w in ours)
    assert len(seqs) == len(set(seqs)), "a Delay_Req sent twice"
    assert seqs == sorted(tx), "wire %s\ntx %s" % (seqs, sorted(tx))
    # tcpdump's stamp from the tap in dev_queue_xmit, a few us before the
    # TX software stamp veth_xmit takes (skb_tx_timestamp)
    lag = sorted(r["ts"] - int(tx[w["seqId"]]["unixNs"]) for r, w in ours)
    # under ASan or CPU steal the stamp can trail by milliseconds; a stamp
    # later than the 10 ms TX timeout would not have been published
    assert all(-10**7 < x < 10**7 for x in lag), lag
    figure("%s: Delay_Req on the wire / tx frames / pcap minus tx stamp "
           "p50 us" % t, "%d / %d / %.1f" % (len(ours), len(tx),
                                             lag[len(lag) // 2] / 1e3))


def test_every_tx_frame_answered(run, figure):
    a = run["a"]
    t = run["transport"]
    tx = fr(a, "tx")
    resp = {f["seqId"]: f for f in fr(a, "rx", DELAY_RESP)
            if f["reqPort"] == a["self"]}
    assert all(f["transport"] == t for f in resp.values()), resp
    edge = {f["seqId"] for w, f in netns.frames(a["lines"], "tx")
            if w > a["t_close"] - 200 * 10**6}
    for f in tx:
        r = resp.get(f["seqId"])
        if r is None and f["seqId"] in edge:
            continue
        assert r is not None, "DELAY_REQ %d never answered" % f["seqId"]
        assert 0 < int(r["receiveNs"]) - int(f["unixNs"]) < 10**6, (f, r)
    assert set(resp) <= {f["seqId"] for f in tx}, \
        "answered but never framed as sent: %s" % (
            set(resp) - {f["seqId"] for f in tx})
    assert len(edge) <= int(0.2 / (0.125 / 2)) + 1, edge
    # and on the wire: the master's DELAY_RESP naming our port
    wire_resp = {w["seqId"] for _r, w in wire(run, a)
                 if w["msgType"] == DELAY_RESP and w["reqPort"] == a["self"]}
    # every one framed is on the wire; one on the wire but not framed can
    # only be an answer that came after the client closed
    assert set(resp) <= wire_resp, sorted(set(resp) - wire_resp)
    assert wire_resp - set(resp) <= edge, sorted(wire_resp - set(resp))
    st = fr(a, "status")[-1]
    assert st["counters"]["rejected"] == 0, st
    figure("%s: tx frames / Delay_Req on the wire / DELAY_RESP for us "
           "(frames / wire)" % t, "%d / %d / %d / %d" % (
               len(tx), len(our_wire_delay_req(run, a)), len(resp),
               len(wire_resp)))


def test_samples_consistent_with_frames(run, figure):
    a = run["a"]
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
        assert s["mechanism"] == SW, s
    figure("%s: samples" % run["transport"], len(samples))


def delay_agreement(a, figure, label):
    d = sorted(s["delayNs"] for s in fr(a, "sample"))
    assert d, "no samples"
    ours = statistics.median(d)
    theirs = statistics.median(a["mpd"])
    tol = max(0.2 * theirs, 1000)
    figure("%s: sample delayNs p10 / median / p90 (ns)" % label,
           "%d / %d / %d" % (d[len(d) // 10], ours, d[len(d) * 9 // 10]))
    figure("%s: ptp4l meanPathDelay median (ns)" % label,
           "%.0f (tolerance %.0f, %d pmc reads)" % (theirs, tol,
                                                    len(a["mpd"])))
    return abs(ours - theirs) <= tol, ours, theirs, tol


def test_delay_agrees_with_ptp4l(run, figure):
    """Median delayNs within 20 % or 1 us of the ptp4l slave's
    meanPathDelay over the same window; software stamps on a shared 2-core
    VM can skew one window (see test_active.py), so a disagreeing window
    is measured once more and the second must agree."""
    t = run["transport"]
    ok, ours, theirs, tol = delay_agreement(run["a"], figure,
                                            "%s window 1" % t)
    if not ok:
        with exchange_window(run["daemon_bin"], run["netpair"], run["wd"],
                             run["slave"], run["self"], "window2") as a2:
            ok, ours, theirs, tol = delay_agreement(a2, figure,
                                                    "%s window 2" % t)
    assert ok, "%s: sidecar %d ns vs ptp4l %.0f ns (tolerance %.0f)" % (
        t, ours, theirs, tol)


def test_ptp4l_slave_undisturbed(run, figure):
    a = run["a"]
    t = run["transport"]
    secs = (a["t1"] - a["t0"]) / 1e9
    d = {k: a["s1"][k] - a["s0"][k] for k in a["s0"]}
    recs = wire(run, a)
    reqs = [w for r, w in recs if w["msgType"] == DELAY_REQ and
            r["src_mac"] == run["sl_mac"] and w["src"] != a["self"]]
    assert reqs, "the ptp4l slave sent no Delay_Req"
    slave_port = reqs[0]["src"]
    assert all(w["src"] == slave_port for w in reqs), reqs
    assert all(w["transport"] == t for w in reqs), reqs
    for_slave = {w["seqId"] for _r, w in recs if w["msgType"] == DELAY_RESP
                 and w["reqPort"] == slave_port}
    unanswered = [w["seqId"] for w in reqs[:-2]
                  if w["seqId"] not in for_slave]
    figure("%s: ptp4l tx_Delay_Req / rx_Delay_Resp / rx_Sync / "
           "rx_Delay_Req / s" % t, "%d / %d / %d / %d / %.1f" % (
               d["tx_Delay_Req"], d["rx_Delay_Resp"], d["rx_Sync"],
               d.get("rx_Delay_Req", 0), secs))
    assert d["tx_Delay_Req"] >= 4 * secs, d
    assert not unanswered, "ptp4l's Delay_Req %s unanswered" % unanswered
    # its Delay_Resp: its own, and (multicast) those naming us
    assert d["rx_Delay_Resp"] >= d["tx_Delay_Req"] - 2, d
    assert d["rx_Sync"] >= 8 * secs - 3, d
    for mpd in a["mpd"]:
        assert 0 < mpd < 50000, a["mpd"]
    # Its rx_Delay_Req: over UDPv6 none (IPV6_MULTICAST_LOOP 0). Over L2
    # the kernel shows every outgoing frame to the host's other packet
    # taps (ptp4l -2 listens with ETH_P_ALL) and L2 has no loop switch:
    # it sees ours as it would another slave's on the LAN and, a slave,
    # ignores them. Nothing else reaches it: the count is ours exactly.
    mine = [r["ts"] for r, _w in our_wire_delay_req(run, a)]
    inner = [x for x in mine if a["t0"] <= x <= a["t1"]]
    outer = [x for x in mine if a["t0a"] <= x <= a["t1b"]]
    if t == "udp6":
        assert d.get("rx_Delay_Req", 0) == 0, d
    else:
        assert len(inner) <= d["rx_Delay_Req"] <= len(outer), \
            (d, len(inner), len(outer))
    assert "FAULTY" not in run["slave_log"]
    assert "timed out while polling for tx timestamp" not in \
        run["slave_log"]


def test_no_tx_timeouts(run):
    a = run["a"]
    st = fr(a, "status")
    assert st, "no status frames"
    c = st[-1]["counters"]
    assert c["txTimeouts"] == 0 and c["tx"] >= 4 * (WINDOW_S - 1), c
    assert a["rc"] == 0


def test_user_nobody_drops_everything(run, notify, figure):
    """--delay-req --user nobody, software: after READY=1 no capability is
    left; the Delay_Req sockets, the L2 one a packet socket that needs
    CAP_NET_RAW to be made, were opened before the drop, and the sidecar
    still speaks the master's transport."""
    t = run["transport"]
    d = os.path.join(run["wd"], "nobody")
    os.mkdir(d, 0o755)
    os.chown(d, NOBODY, NOBODY)
    launcher = netns.Launcher(run["daemon_bin"], run["netpair"], d)
    failed = True
    try:
        sc = launcher.start("--delay-req", "--user", "nobody",
                            notify=notify, sock=os.path.join(d, "s.sock"))
        st = netns.proc_status_of(sc.pid)
        caps = {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff",
                                            "CapAmb")}
        assert st["Uid"].split() == [str(NOBODY)] * 4, st["Uid"]
        assert caps == {"CapInh": 0, "CapPrm": 0, "CapEff": 0,
                        "CapAmb": 0}, caps
        assert st["NoNewPrivs"] == "1"
        # started as root with --user: the bounding set goes too
        assert int(st["CapBnd"], 16) == 0, st["CapBnd"]
        r = netns.sh(run["netpair"].exec_argv(run["netpair"].sl, [
            "ss", "-anpH", "-A", "inet,packet"]))
        mine = sorted({x.split()[0] for x in r.stdout.splitlines()
                       if "pid=%d," % sc.pid in x})
        reader = netns.FrameReader(sc.sock, {"subscribe": ["tx"]})
        ok = netns.wait_for(lambda: len(reader.snapshot()) >= 3, 10, 0.1)
        tx = [f for _w, f in netns.frames(reader.close(), "tx")]
        assert ok, "no Delay_Req as nobody:\n" + sc.stderr()[-2000:]
        assert {f["transport"] for f in tx} == {t}, tx
        assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
        failed = False
    finally:
        launcher.finish(failed)
    # the capture tap (p_raw), the L2 Delay_Req socket (p_dgr), UDPv4/v6
    assert "p_dgr" in mine and "p_raw" in mine, mine
    figure("%s: as nobody: caps / sockets / tx frames in <= 10 s" % t,
           "CapPrm=CapEff=CapInh=CapAmb=CapBnd=0 / %s / %d" % (
               ",".join(mine), len(tx)))
