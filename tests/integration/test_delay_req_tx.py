# SPDX-License-Identifier: MIT
"""SPEC §6: the active slave's DELAY_REQ asks for a hardware TX stamp only
when no other PTP port of this host exchanges delay messages on the
interface (many NICs hold one TX stamp at a time; a ptp4l whose stamp is
taken faults its port), or when the operator forces it. Otherwise its
sample is software-labelled and never mixes clocks: t2 is the software
stamp of the same SYNC, so t2 and t3 are both CLOCK_REALTIME.

Through the fake NIC (its hardware clock 1000 s ahead, so a mixed sample
would show an offset of about 1000 s), against a real ptp4l grandmaster,
with and without a free-running ptp4l slave on the sidecar's interface."""

import os
import statistics
import time

import pytest

import netns

HW_OFFSET_NS = 1000 * 10**9
SW = "so_timestamping_software"
HW = "so_timestamping"


def run(sidecar, shim, netpair, workdir, seconds, *args, ts="auto"):
    fake = netns.FakeNic(shim, netpair.sl_if, workdir,
                         FAKENIC_HW_OFFSET_NS=HW_OFFSET_NS)
    sc = sidecar("--delay-req", "--status-interval", "1", *args,
                 timestamping=ts, **fake.launch_kw())
    reader = netns.FrameReader(sc.sock, {"subscribe": [
        "tx", "sample", "status"]})
    time.sleep(seconds)
    lines = reader.close()
    return sc, {
        "tx": [f for _w, f in netns.frames(lines, "tx")],
        "samples": [f for _w, f in netns.frames(lines, "sample")],
        "status": [f for _w, f in netns.frames(lines, "status")],
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
