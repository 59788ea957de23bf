# SPDX-License-Identifier: MIT
"""SPEC §3 and §4 on every transport: a ptp4l grandmaster on UDPv4 (-4),
UDPv6 (-6) and L2 (-2), with a free-running ptp4l slave on the same
transport so that DELAY_RESP exists. The sidecar (software stamps) must
frame SYNC, FOLLOW_UP, ANNOUNCE and DELAY_RESP with the right `transport`,
every field equal to what a whole-frame tcpdump capture in its namespace
shows, and -- an AF_PACKET tap stamps the same skb as tcpdump's (LAB.md) --
its software `unixNs` equal to the capture's stamp to the nanosecond."""

import json
import os
import time

import pytest

import netns
import pcap_frames
from netns import ANNOUNCE, DELAY_REQ, DELAY_RESP, FOLLOW_UP, SYNC

WINDOW_S = 5.0
TRANSPORTS = {"-4": "udp4", "-6": "udp6", "-2": "l2"}
# The frame keys compared with the capture (SPEC §4 extension keys).
KEYS = ("msgType", "seqId", "domain", "src", "twoStep", "correctionNs",
        "originNs", "receiveNs", "reqPort", "transport", "vlan", "unicast")
NAMES = {SYNC: "SYNC", FOLLOW_UP: "FOLLOW_UP", ANNOUNCE: "ANNOUNCE",
         DELAY_RESP: "DELAY_RESP"}


def _link_local_ready(netpair):
    """Both ends have a link-local IPv6 address that passed DAD (ptp4l -6
    cannot bind a tentative one)."""
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


@pytest.fixture(scope="module", params=sorted(TRANSPORTS))
def run(request, daemon_bin, netpair, tmpbase):
    flag = request.param
    wd = os.path.join(tmpbase, "transport" + flag)
    os.mkdir(wd, 0o755)
    if flag == "-6":
        assert netns.wait_for(lambda: _link_local_ready(netpair), 10, 0.1), \
            "IPv6 link-local addresses still tentative"
    gm = _ptp4l(netpair, netpair.gm, netpair.gm_if, wd, "gm", flag,
                "priority1               10\n")
    slave = _ptp4l(netpair, netpair.sl, netpair.sl_if, wd, "slave", flag,
                   "slaveOnly               1\nfree_running            1\n")
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    cap = None
    failed = True
    try:
        gm.start()
        slave.start()
        if not gm.wait_log("assuming the grand master role", 20):
            pytest.fail("ptp4l %s did not take the GM role:\n%s" %
                        (flag, gm.output()[-2000:]))
        ok = netns.wait_for(lambda: netns.pmc_port_stats(
            netpair, slave.uds).get("rx_Delay_Resp", 0) > 0, 20, 0.2)
        assert ok, "ptp4l %s slave never got a Delay_Resp:\n%s" % (
            flag, slave.output()[-2000:])
        cap = pcap_frames.Capture(netpair, netpair.sl, netpair.sl_if,
                                  os.path.join(wd, "sl.pcap"))
        assert cap.wait_listening(), "tcpdump did not start"
        sc = launcher.start(timestamping="software")
        reader = netns.FrameReader(sc.sock)
        time.sleep(WINDOW_S)
        lines = reader.close()
        rc = sc.stop()
        # The capture outlives the sidecar: everything it framed was
        # captured too.
        time.sleep(0.3)
        recs = cap.stop()
        cap = None
        failed = False
        yield {"flag": flag, "transport": TRANSPORTS[flag], "recs": recs,
               "frames": [f for _w, f in netns.frames(lines)],
               "sidecar_rc": rc,
               "sl_mac": netns.mac_of(netpair, netpair.sl, netpair.sl_if)}
    finally:
        if cap is not None:
            cap.stop()
        launcher.finish(failed)
        slave.stop()
        gm.stop()


def _incoming(run):
    """(record, expected frame) of the PTP packets the slave's namespace
    received (tcpdump also sees what the slave sends)."""
    return [(r, w) for r, w in pcap_frames.ptp_records(run["recs"],
                                                       run["sl_mac"])
            if r["src_mac"] != run["sl_mac"]]


def test_capture_is_the_transport(run):
    recs = _incoming(run)
    assert recs, "nothing captured"
    assert all(r["nano"] for r, _w in recs), "capture not in ns precision"
    assert {w["transport"] for _r, w in recs} == {run["transport"]}
    assert run["sidecar_rc"] == 0


def test_frames_equal_the_capture(run, figure):
    by_key = {(w["msgType"], w["seqId"], w["src"]): (r, w)
              for r, w in _incoming(run)}
    rx = [f for f in run["frames"] if f["type"] == "rx"]
    assert rx, "no rx frame on %s" % run["transport"]
    stamps = 0
    for f in rx:
        key = (f["msgType"], f["seqId"], f["src"])
        assert key in by_key, "framed %s not in the capture" % (key,)
        r, want = by_key[key]
        got = {k: f[k] for k in KEYS if k in f}
        assert got == want, "frame %s\ncapture %s" % (got, want)
        assert f["mechanism"] == "so_timestamping_software", f
        assert f["unixNs"] == str(r["ts"]), \
            "%s %d: unixNs %s, tcpdump %d (diff %d ns)" % (
                NAMES.get(f["msgType"], f["msgType"]), f["seqId"],
                f["unixNs"], r["ts"], int(f["unixNs"]) - r["ts"])
        stamps += 1
    figure("%s rx frames equal to the capture, unixNs to the ns" %
           run["transport"], "%d of %d" % (stamps, len(rx)))


def test_every_kind_framed_and_none_missed(run, figure):
    rx = [f for f in run["frames"] if f["type"] == "rx"]
    wire = _incoming(run)
    counts = []
    # minimum in the window: 8/s Sync and Follow_Up, 1/s Announce,
    # Delay_Resp at the slave's random 0-2 x 125 ms
    for t, least in ((SYNC, 8 * (WINDOW_S - 1.5)),
                     (FOLLOW_UP, 8 * (WINDOW_S - 1.5)),
                     (ANNOUNCE, WINDOW_S - 2), (DELAY_RESP, 2)):
        got = sorted(f["seqId"] for f in rx if f["msgType"] == t)
        seen = [w["seqId"] for _r, w in wire if w["msgType"] == t]
        assert len(got) >= least, "%d %s frames on %s" % (
            len(got), NAMES[t], run["transport"])
        assert len(got) == len(set(got)), "duplicate %s frames" % NAMES[t]
        # The capture covers the whole time the sidecar ran: every
        # packet between its first and last frame of a kind is framed.
        between = sorted(s for s in seen if got[0] <= s <= got[-1])
        assert got == between, "%s: missing %s extra %s" % (
            NAMES[t], sorted(set(between) - set(got)),
            sorted(set(got) - set(between)))
        counts.append("%s %d" % (NAMES[t], len(got)))
    figure("%s frames" % run["transport"], ", ".join(counts))


def test_delay_resp_names_the_slave_and_own_requests_unseen(run):
    """The DELAY_RESPs answer the slave's Delay_Req; the slave's own
    Delay_Req, sent from this host, never reaches the capture socket
    (PACKET_IGNORE_OUTGOING)."""
    mine = [w for r, w in pcap_frames.ptp_records(run["recs"], run["sl_mac"])
            if r["src_mac"] == run["sl_mac"] and w["msgType"] == DELAY_REQ]
    assert mine, "the slave sent no Delay_Req"
    port = mine[0]["src"]
    resp = [f for f in run["frames"] if f["msgType"] == DELAY_RESP]
    assert resp and all(f["reqPort"] == port for f in resp), resp[:3]
    assert not [f for f in run["frames"] if f["src"] == port], \
        "the host's own outgoing packets were framed"
