# SPDX-License-Identifier: MIT
"""SPEC §6 with a hybrid E2E grandmaster (`hybrid_e2e 1`) and a hybrid
free-running ptp4l slave beside the sidecar: the slave's unicast
Delay_Req get unicast Delay_Resp, which only its socket receives; ptp4l
answers in kind, so the sidecar's multicast Delay_Req (SPEC §6) get
multicast answers. The capture path sees both kinds, completes every
sample of the sidecar's, and the slave's own exchange stays whole."""

import os
import statistics
import time

import pytest

import netns
from netns import DELAY_RESP


# The neighbour's view (ptp4l's counters, the wire): the same for the ASan
# binary, whose daemon paths other tests drive (conftest.py, "plain").
pytestmark = pytest.mark.plain

WINDOW_S = 6.0
GM_CFG = "priority1               10\nhybrid_e2e              1\n"
SLAVE_CFG = ("slaveOnly               1\nfree_running            1\n"
             "hybrid_e2e              1\n")


@pytest.fixture(scope="module")
def hybrid(daemon_bin, netpair, tmpbase):
    wd = os.path.join(tmpbase, "active-hybrid")
    os.mkdir(wd, 0o755)
    gm = netns.Ptp4l(netpair, netpair.gm, netpair.gm_if, wd, "gm", GM_CFG)
    slave = netns.Ptp4l(netpair, netpair.sl, netpair.sl_if, wd, "slave",
                        SLAVE_CFG)
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    failed = True
    try:
        gm.start()
        slave.start()
        if not gm.wait_log("assuming the grand master role", 20):
            pytest.fail("ptp4l master did not take the GM role:\n" +
                        gm.output()[-2000:])
        ok = netns.wait_for(lambda: netns.pmc_port_stats(
            netpair, slave.uds).get("rx_Delay_Resp", 0) > 2, 20, 0.2)
        assert ok, "hybrid slave never exchanged:\n" + slave.output()
        sc = launcher.start("--delay-req", "--status-interval", "1")
        reader = netns.FrameReader(sc.sock, {"subscribe": [
            "rx", "tx", "sample", "status"]})
        s0 = netns.pmc_port_stats(netpair, slave.uds)
        time.sleep(WINDOW_S)
        s1 = netns.pmc_port_stats(netpair, slave.uds)
        lines = reader.close()
        rc = sc.stop()
        failed = False
        yield {"lines": lines, "s0": s0, "s1": s1, "rc": rc,
               "self": netns.port_id_of_mac(netns.mac_of(
                   netpair, netpair.sl, netpair.sl_if), 32767)}
    finally:
        launcher.finish(failed)
        slave.stop()
        gm.stop()


def test_our_delay_resp_completes_samples(hybrid, figure):
    h = hybrid
    resp = [f for _w, f in netns.frames(h["lines"], "rx", DELAY_RESP)
            if f["reqPort"] == h["self"]]
    tx = [f for _w, f in netns.frames(h["lines"], "tx")]
    samples = [f for _w, f in netns.frames(h["lines"], "sample")]
    assert resp, "no DELAY_RESP for the sidecar's port framed"
    # ptp4l answers a multicast Delay_Req in multicast, hybrid or not
    assert not any(f["unicast"] for f in resp), resp[:3]
    # and the slave's unicast answers are framed too, as unicast
    theirs = [f for _w, f in netns.frames(h["lines"], "rx", DELAY_RESP)
              if f["reqPort"] != h["self"]]
    assert theirs and all(f["unicast"] for f in theirs), theirs[:3]
    # every answer completes a sample (the last may be cut by the window)
    assert len(samples) >= len(resp) - 1, (len(samples), len(resp))
    assert len(tx) >= len(resp) - 1, (len(tx), len(resp))
    dly = statistics.median(s["delayNs"] for s in samples)
    assert 0 < dly < 10**6, dly
    st = [f for _w, f in netns.frames(h["lines"], "status")][-1]
    assert st["counters"]["rejected"] == 0, st
    assert st["counters"]["txTimeouts"] == 0, st
    figure("hybrid: our (multicast) DELAY_RESP / the slave's unicast ones "
           "/ tx frames / samples / delay median (ns)",
           "%d / %d / %d / %d / %d" % (len(resp), len(theirs), len(tx),
                                       len(samples), dly))


def test_ptp4l_exchange_undisturbed(hybrid, figure):
    h = hybrid
    sent = h["s1"]["tx_Delay_Req"] - h["s0"]["tx_Delay_Req"]
    got = h["s1"]["rx_Delay_Resp"] - h["s0"]["rx_Delay_Resp"]
    figure("hybrid ptp4l slave tx_Delay_Req / rx_Delay_Resp in the window",
           "%d / %d" % (sent, got))
    assert sent >= 4, h
    # ptp4l's socket gets every unicast answer to the host: its own, and
    # (ignored by it) the sidecar's. Its own are all there.
    assert got >= sent - 1, (sent, got)
    assert h["rc"] == 0
