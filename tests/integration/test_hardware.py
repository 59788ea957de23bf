# SPDX-License-Identifier: MIT
"""The hardware path end to end (SPEC §2-4) on a machine without a PHC:
the unchanged daemon binary runs with tests/shim/fakenic.so preloaded, which
makes the slave veth look like a NIC with /dev/ptp0 and fills ts[2] with
the software stamp + FAKENIC_HW_OFFSET_NS, against a real ptp4l
grandmaster. The offset is 1000 s, so a hardware stamp can never pass for
a software one: hardware frames must be ~1000 s ahead of CLOCK_REALTIME at
arrival, software ones within a second of it. (`--check` through the shim
is test_check.py's.)"""

import json
import os
import signal
import time

import pytest

import netns
from netns import ANNOUNCE, FOLLOW_UP, SYNC

OFFSET_NS = 1000 * 10**9
WINDOW_S = 3.0
HW = "so_timestamping"
SW = "so_timestamping_software"
# linux/net_tstamp.h values the shim logs
FILTER_NONE, FILTER_ALL, FILTER_V2_EVENT = 0, 1, 12
TX_OFF, TX_ON = 0, 1
EVENT_TYPES = (0, 1, 2, 3)


@pytest.fixture
def nic(shim, netpair, workdir):
    """Factory: a FakeNic for the slave veth with extra FAKENIC_* vars."""
    def make(**env):
        return netns.FakeNic(shim, netpair.sl_if, workdir,
                             FAKENIC_HW_OFFSET_NS=OFFSET_NS, **env)
    return make


def lag_ns(wall, f):
    """Stamp minus arrival at the client, both CLOCK_REALTIME ns."""
    return int(f["unixNs"]) - wall


def is_hw_lag(lag):
    # The stamp precedes arrival by the daemon's latency (well under 1 s).
    return OFFSET_NS - 10**9 < lag <= OFFSET_NS + 10**7


def is_sw_lag(lag):
    return -10**9 < lag <= 10**7


def record(sc, seconds, subscribe=("rx", "tx", "status")):
    reader = netns.FrameReader(sc.sock, {"subscribe": list(subscribe)})
    time.sleep(seconds)
    return reader.close()


@pytest.fixture(scope="module")
def hwrun(request, daemon_bin, shim, netpair, grandmaster, tmpbase):
    """`--timestamping hardware` on a fake NIC whose filter is NONE: the
    daemon must set it (once) and frame NIC stamps for WINDOW_S."""
    wd = os.path.join(tmpbase, "hwrun")
    os.mkdir(wd, 0o755)
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    fake = netns.FakeNic(shim, netpair.sl_if, wd,
                         FAKENIC_HW_OFFSET_NS=OFFSET_NS,
                         FAKENIC_FILTER=FILTER_NONE)
    failed = True
    try:
        sc = launcher.start("--status-interval", "1",
                            timestamping="hardware", **fake.launch_kw())
        lines = record(sc, WINDOW_S)
        rc = sc.stop()
        failed = False
        yield {"lines": lines, "nic": fake, "rc": rc, "err": sc.stderr()}
    finally:
        launcher.finish(failed)


def test_event_frames_carry_nic_stamps(hwrun, figure):
    syncs = netns.frames(hwrun["lines"], "rx", SYNC)
    assert len(syncs) >= 8 * WINDOW_S - 4, "only %d SYNC frames" % len(syncs)
    lags = []
    for wall, f in syncs:
        assert f["mechanism"] == HW, f
        assert f.get("phc") == 0, f
        lag = lag_ns(wall, f)
        assert is_hw_lag(lag), "SYNC %d stamp %d ns from arrival: %s" % (
            f["seqId"], lag, f)
        lags.append(OFFSET_NS - lag)
    lags.sort()
    figure("SYNC frames (hardware) / arrival minus (stamp - offset) p50 us",
           "%d / %.1f" % (len(syncs), lags[len(lags) // 2] / 1e3))
    assert hwrun["rc"] == 0


def test_every_label_is_honest(hwrun, figure):
    """Promise 1, whatever the shim stamps: a frame labelled hardware has
    the hardware value and names the PHC; one labelled software has the
    kernel's and no phc."""
    n = {HW: 0, SW: 0}
    for wall, f in netns.frames(hwrun["lines"]):
        if f["type"] not in ("rx", "tx"):
            continue
        lag = lag_ns(wall, f)
        n[f["mechanism"]] += 1
        if f["mechanism"] == HW:
            assert is_hw_lag(lag) and f.get("phc") == 0, f
        else:
            assert f["mechanism"] == SW, f
            assert is_sw_lag(lag) and "phc" not in f, f
            assert f["msgType"] not in EVENT_TYPES, \
                "event message framed with a software stamp: %s" % f
    figure("hardware / software labelled frames", "%d / %d" % (n[HW], n[SW]))


def test_general_messages_software_labelled(hwrun, figure):
    """Under rx filter ptpv2-event a NIC stamps event messages only:
    FOLLOW_UP and ANNOUNCE (general messages) carry the kernel's software stamp."""
    gen = [x for t in (FOLLOW_UP, ANNOUNCE)
           for x in netns.frames(hwrun["lines"], "rx", t)]
    assert len(gen) >= 8 * WINDOW_S - 4
    hw = [f for _w, f in gen if f["mechanism"] == HW]
    figure("general frames hardware-labelled / all", "%d / %d" % (
        len(hw), len(gen)))
    assert not hw, "general messages hardware-stamped under ptpv2-event"
    for wall, f in gen:
        assert f["mechanism"] == SW and is_sw_lag(lag_ns(wall, f)), f


def test_missing_filter_set_exactly_once(hwrun, figure):
    sets = hwrun["nic"].sets()
    assert sets == ["set tx=%d rx=%d" % (TX_ON, FILTER_V2_EVENT)], \
        hwrun["nic"].log_lines()
    st = netns.status_frames(hwrun["lines"])
    assert len(st) >= WINDOW_S
    for s in st:
        assert s["stamping"] == "hardware", s
        assert s["phc"] == 0, s
        assert s["hwtsFilter"] == "ptpv2-event", s
    c = st[-1]["counters"]
    assert c["rxHw"] > 0 and c["missingHw"] == 0, c
    figure("fakenic log", "; ".join(hwrun["nic"].log_lines()))
    figure("last counters", json.dumps(c))


def _missing_hw_items(lines):
    """("s", seq) per SYNC frame and ("st", counters) per status frame, in
    stream order; every SYNC frame is checked to be hardware-stamped."""
    items = []
    for wall, f in netns.frames(lines):
        if f["type"] == "status":
            items.append(("st", f["counters"]))
        elif f["type"] == "rx" and f["msgType"] == SYNC:
            assert f["mechanism"] == HW and is_hw_lag(lag_ns(wall, f)), f
            items.append(("s", f["seqId"]))
        elif f["type"] == "rx" and f["msgType"] in (FOLLOW_UP, ANNOUNCE):
            # no hardware stamp: the best it has, labelled
            if f["mechanism"] == SW:
                assert is_sw_lag(lag_ns(wall, f)), f
    return items


def _sync_seqs(items, lo, hi):
    return [v for k, v in items[lo:hi] if k == "s"]


def _straddle(items, i):
    """SYNCs missing around status frame i (dropped just before or just
    after it, so either side of its count); None at either end."""
    before, after = _sync_seqs(items, 0, i), _sync_seqs(items, i + 1,
                                                         len(items))
    return after[0] - before[-1] - 1 if before and after else None


def _clean_span(items):
    """The first and last status frames no drop straddles, once at least
    one dropped SYNC lies between them; else None."""
    clean = [i for i, (k, _v) in enumerate(items)
             if k == "st" and _straddle(items, i) == 0]
    if len(clean) < 2:
        return None
    seqs = _sync_seqs(items, clean[0] + 1, clean[-1])
    if not seqs or (seqs[-1] - seqs[0] + 1) - len(seqs) == 0:
        return None
    return clean[0], clean[-1]


def test_missing_hw_stamps_dropped_and_counted(sidecar, nic, grandmaster,
                                               figure):
    """Every 5th stamp the shim delivers has no ts[2] (odd, so SYNC and
    FOLLOW_UP take turns): those SYNCs produce no frame and are counted as
    missingHw, one for one. Exactly, between two status frames that no
    drop straddles: the stream is recorded until there are two such with
    a drop between them."""
    fake = nic(FAKENIC_FILTER=FILTER_NONE, FAKENIC_DROP_HW_EVERY=5)
    sc = sidecar("--status-interval", "1", timestamping="hardware",
                 **fake.launch_kw())
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    try:
        span = netns.wait_for(lambda: _clean_span(_missing_hw_items(
            reader.snapshot())), 30, 0.5)
    finally:
        lines = reader.close()
    items = _missing_hw_items(lines)
    assert span, "no two status frames clear of a drop in 30 s: %s" % items
    ca, cb = span
    seqs = _sync_seqs(items, ca + 1, cb)
    missing = (seqs[-1] - seqs[0] + 1) - len(seqs)
    # the SYNCs just outside the span are framed too (straddle 0), so the
    # gap count covers exactly the status interval
    counted = items[cb][1]["missingHw"] - items[ca][1]["missingHw"]
    figure("SYNCs missing from the stream / missingHw delta / SYNCs framed",
           "%d / %d / %d" % (missing, counted, len(seqs)))
    assert items[cb][1]["kernelDrops"] == 0, items[cb]
    assert missing > 0, "the shim dropped no SYNC stamp: %s" % seqs
    assert counted == missing, items[ca:cb + 1]
    assert sc.proc.poll() is None


@pytest.mark.parametrize("tx,want_sets", [
    (TX_ON, []),
    # TX stamping off: only tx_type is written, the broad filter is kept
    (TX_OFF, ["set tx=%d rx=%d" % (TX_ON, FILTER_ALL)]),
], ids=["tx-on", "tx-off"])
def test_broader_filter_left_alone(sidecar, nic, grandmaster, figure, tx,
                                   want_sets):
    fake = nic(FAKENIC_FILTER=FILTER_ALL, FAKENIC_TX=tx)
    sc = sidecar("--status-interval", "1", timestamping="hardware",
                 **fake.launch_kw())
    lines = record(sc, 1.5)
    assert fake.sets() == want_sets, fake.log_lines()
    assert "get" in fake.log_lines()
    st = netns.status_frames(lines)
    assert st and all(s["hwtsFilter"] == "all" and
                      s["stamping"] == "hardware" for s in st), st
    syncs = netns.frames(lines, "rx", SYNC)
    assert syncs and all(f["mechanism"] == HW for _w, f in syncs)
    figure("fakenic log (filter all, tx %d)" % tx,
           "; ".join(fake.log_lines()))


def test_hwts_config_check_refuses_and_never_writes(sidecar, nic, netpair,
                                                    figure):
    fake = nic(FAKENIC_FILTER=FILTER_NONE)
    sc = sidecar("--hwts-config", "check", timestamping="hardware",
                 wait=False, log_level=None, **fake.launch_kw())
    rc = sc.wait_exit(10)
    err = sc.stderr()
    assert rc == 69, "exit %s\n%s" % (rc, err)
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert netpair.sl_if in lines[0] and "none" in lines[0] and \
        "check" in lines[0], lines[0]
    assert fake.sets() == [], fake.log_lines()
    assert "get" in fake.log_lines()
    assert not os.path.lexists(sc.sock)
    figure("--hwts-config check refusal", lines[0])


def test_hwts_config_check_runs_when_already_armed(sidecar, nic,
                                                   grandmaster):
    fake = nic(FAKENIC_FILTER=FILTER_V2_EVENT, FAKENIC_TX=TX_ON)
    sc = sidecar("--hwts-config", "check", timestamping="hardware",
                 **fake.launch_kw())
    lines = record(sc, 1.0)
    assert fake.sets() == []
    syncs = netns.frames(lines, "rx", SYNC)
    assert syncs and all(f["mechanism"] == HW for _w, f in syncs)


def test_auto_on_fake_nic_is_hardware(sidecar, nic, notify, grandmaster,
                                      figure):
    fake = nic(FAKENIC_FILTER=FILTER_NONE)
    sc = sidecar("--status-interval", "1", timestamping="auto",
                 notify=notify, **fake.launch_kw())
    lines = record(sc, 1.5)
    st = netns.status_frames(lines)
    assert st and all(s["stamping"] == "hardware" and s["phc"] == 0
                      for s in st), st
    syncs = netns.frames(lines, "rx", SYNC)
    assert syncs and all(f["mechanism"] == HW and f["phc"] == 0
                         for _w, f in syncs)
    status = [m[2] for m in notify.messages("STATUS=")]
    assert status and "hardware stamps" in status[-1], status
    figure("auto on fakenic STATUS=", status[-1])


def test_auto_on_plain_veth_is_software(sidecar, notify, grandmaster,
                                        figure):
    sc = sidecar("--status-interval", "1", timestamping="auto",
                 notify=notify)
    lines = record(sc, 1.5)
    st = netns.status_frames(lines)
    assert st and all(s["stamping"] == "software" and s["phc"] is None
                      for s in st), st
    fr = [f for _w, f in netns.frames(lines, "rx")]
    assert fr and all(f["mechanism"] == SW and "phc" not in f for f in fr)
    status = [m[2] for m in notify.messages("STATUS=")]
    assert status and "software stamps" in status[-1], status
    assert "auto mode runs on software stamps" in sc.stderr()
    figure("auto on veth STATUS=", status[-1])


def test_nic_reset_rearmed_on_sighup(sidecar, nic, grandmaster, figure):
    """A NIC reset clears the config: SYNCs lose their hardware stamp (no
    frames, missingHw grows); SIGHUP re-probes and re-arms (a second
    "set"), and hardware frames resume. No SYNC is ever framed with a
    software stamp."""
    fake = nic(FAKENIC_FILTER=FILTER_NONE)
    sc = sidecar("--status-interval", "1", timestamping="hardware",
                 **fake.launch_kw())
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    time.sleep(1.0)
    assert len(fake.sets()) == 1
    fake.reset()
    assert netns.wait_for(fake.reset_done, 3), "the shim never reset"
    t_reset = time.time_ns()
    time.sleep(1.5)  # SYNCs without hardware stamps meanwhile
    t_hup = time.time_ns()
    sc.proc.send_signal(signal.SIGHUP)
    assert netns.wait_for(lambda: len(fake.sets()) == 2, 3), \
        fake.log_lines()
    time.sleep(1.5)
    lines = reader.close()
    syncs = netns.frames(lines, "rx", SYNC)
    for wall, f in syncs:
        assert f["mechanism"] == HW and is_hw_lag(lag_ns(wall, f)), f
    gap = [f for w, f in syncs if t_reset + 2 * 10**8 < w < t_hup]
    after = [f for w, f in syncs if w > t_hup + 2 * 10**8]
    assert not gap, "SYNC framed while the NIC stamped nothing: %s" % gap
    assert len(after) >= 8, "hardware frames did not resume: %d" % len(after)
    st = netns.status_frames(lines)
    miss = st[-1]["counters"]["missingHw"]
    assert miss >= 8, st[-1]
    assert st[-1]["hwtsFilter"] == "ptpv2-event"
    assert fake.sets()[1] == "set tx=%d rx=%d" % (TX_ON, FILTER_V2_EVENT)
    assert "SIGHUP" in sc.stderr()
    figure("missingHw during reset / SYNC frames after SIGHUP",
           "%d / %d" % (miss, len(after)))


def test_hardware_on_plain_veth_names_what_is_missing(sidecar, netpair):
    """test_daemon.py covers exit 69 and the one line; this adds that the
    line says which part of the NIC path is missing."""
    sc = sidecar(timestamping="hardware", wait=False, log_level=None)
    assert sc.wait_exit(10) == 69
    line = [x for x in sc.stderr().splitlines() if x.strip()][-1]
    assert netpair.sl_if in line and \
        "no hardware receive timestamping" in line, line
