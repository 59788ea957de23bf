# SPDX-License-Identifier: MIT
"""Clock truth in the daemon (SPEC §11) on a machine without a PHC: the
unchanged binary runs under tests/shim/fakephc.so (a PHC of chosen offset,
drift and window, docs/clock.md) and, for the packet path, fakenic.so with
FAKENIC_PHC_MODEL=1, whose hardware stamp is that PHC's time at the
software stamp:

    hw = sw + OFFSET + trunc((sw - T0) * DRIFT / 10^9)

The software stamp is the system time at arrival, so the truth of a
hardware stamp (its CLOCK_REALTIME) is the sw that solves that equation:
`sysNs` must equal it within `sysErrNs`, and both must be exactly what the
documented formula gives from the two clock frames before the rx frame
(one client gets both, in loop order). Nothing adjusts a clock: the shim
logs any attempt (and any writable open), and each test asserts the log
is empty."""

import json
import os
import time

import jsonschema
import pytest

import netns
from netns import SYNC

OFFSET_NS = 3 * 10**9 + 123456789
DRIFT_PPB = 50000  # 50 ppm fast: 50 us per second, seen in sysErrNs
WINDOW_NS = 300
HW = "so_timestamping"
SW = "so_timestamping_software"
CLOCK_KEYS = ["v", "type", "phc", "device", "clockName", "method", "phcNs",
              "sysNs", "offsetNs", "windowNs", "uncertaintyNs", "timescale",
              "utcOffsetS", "utcOffsetValid", "leap", "errorBoundNs",
              "driftPpb"]
NOBODY = 65534
SETS = ("CapInh", "CapPrm", "CapEff", "CapAmb")


def fakephc(daemon_bin):
    return netns.need("fakephc.so", netns.built_tool(daemon_bin,
                                                     "fakephc.so"))


def model(sys_ns, t0):
    d = (sys_ns - t0) * DRIFT_PPB
    q = abs(d) // 10**9
    return sys_ns + OFFSET_NS + (q if d >= 0 else -q)


def truth(hw, t0):
    """The software stamp fakenic turned into @hw (the model inverted)."""
    s = hw - OFFSET_NS - (hw - OFFSET_NS - t0) * DRIFT_PPB // 10**9
    for _ in range(3):  # the model is within 1 ns of linear: converge
        s += hw - model(s, t0)
    for c in range(s - 3, s + 4):
        if model(c, t0) == hw:
            return c
    raise AssertionError("no sys for hw %d" % hw)


def ceil_div(a, b):
    return -(-a // b)


def convert(p, r0, r1):
    """docs/clock.md: sysNs and sysErrNs of PHC stamp @p from the older
    (@r0) and newer (@r1) clock frames."""
    a = (int(r0["phcNs"]), r0["offsetNs"], r0["uncertaintyNs"])
    b = (int(r1["phcNs"]), r1["offsetNs"], r1["uncertaintyNs"])
    span = b[0] - a[0]
    near = a if abs(p - a[0]) < abs(p - b[0]) else b
    age = abs(p - near[0])
    err = near[2] + ceil_div(abs(b[1] - a[1]) * age, span) + \
        ceil_div((a[2] + b[2]) * age, span)
    return p + near[1], err


@pytest.fixture(scope="module")
def hwclock(request, daemon_bin, shim, netpair, grandmaster, tmpbase):
    """--timestamping hardware on a fake NIC and its fake PHC (/dev/ptp0,
    ENA-like: no PRECISE, clock name ena-ptp-05, an error bound file that
    changes mid-run), 4.5 s of rx, clock and status frames."""
    so = fakephc(daemon_bin)
    wd = os.path.join(tmpbase, "hwclock")
    os.mkdir(wd, 0o755)
    bound = os.path.join(wd, "phc_error_bound")
    with open(bound, "w") as f:
        f.write("4321\n")
    t0 = time.time_ns() - 10**9
    log = os.path.join(wd, "adjtime.log")
    phc_env = {"FAKEPHC_DEV": "/dev/ptp0", "FAKEPHC_OFFSET_NS": OFFSET_NS,
               "FAKEPHC_DRIFT_PPB": DRIFT_PPB, "FAKEPHC_T0_NS": t0,
               "FAKEPHC_WINDOW_NS": WINDOW_NS, "FAKEPHC_NO_PRECISE": 1,
               "FAKEPHC_CLOCK_NAME": "ena-ptp-05",
               "FAKEPHC_ERROR_BOUND_FILE": bound, "FAKEPHC_LOG": log}
    fake = netns.FakeNic(shim, netpair.sl_if, wd, FAKENIC_PHC_MODEL=1,
                         **phc_env)
    kw = fake.launch_kw()
    kw["prefix"] = ("env", "LD_PRELOAD=%s %s" % (shim, so))
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    failed = True
    try:
        sc = launcher.start("--clock-interval", "1", "--status-interval",
                            "1", "--delay-req", "--delay-req-tx", "hardware",
                            timestamping="hardware", **kw)
        reader = netns.FrameReader(
            sc.sock, {"subscribe": ["rx", "tx", "clock", "status"]})
        time.sleep(2.2)
        with open(bound, "w") as f:
            f.write("777\n")
        time.sleep(2.3)
        lines = reader.close()
        rc = sc.stop()
        failed = False
        yield {"lines": lines, "t0": t0, "log": log, "rc": rc,
               "err": sc.stderr()}
    finally:
        launcher.finish(failed)


def test_another_phc_never_converts(daemon_bin, shim, netpair, grandmaster,
                                    workdir):
    """--phc /dev/ptp5 while the NIC stamps with PHC 0: clock frames of
    ptp5, and hardware frames of ptp0 without sysNs (a stamp of another
    clock is never converted)."""
    so = fakephc(daemon_bin)
    fake = netns.FakeNic(shim, netpair.sl_if, workdir, FAKENIC_PHC_MODEL=1,
                         FAKEPHC_DEV="/dev/ptp5", FAKEPHC_OFFSET_NS=OFFSET_NS,
                         FAKEPHC_T0_NS=time.time_ns(),
                         FAKEPHC_LOG=os.path.join(workdir, "adjtime.log"))
    kw = fake.launch_kw()
    kw["prefix"] = ("env", "LD_PRELOAD=%s %s" % (shim, so))
    launcher = netns.Launcher(daemon_bin, netpair, workdir)
    failed = True
    try:
        sc = launcher.start("--phc", "/dev/ptp5", "--clock-interval", "1",
                            timestamping="hardware", **kw)
        reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "clock"]})
        time.sleep(2.4)
        got = [f for _w, f in netns.frames(reader.close())]
        assert sc.stop() == 0
        failed = False
    finally:
        launcher.finish(failed)
    clocks = [f for f in got if f["type"] == "clock"]
    hw = [f for f in got if f["type"] == "rx" and f["mechanism"] == HW]
    assert len(clocks) >= 2 and all(f["phc"] == 5 for f in clocks), clocks
    assert len(hw) >= 8 and all(f["phc"] == 0 for f in hw), len(hw)
    assert not [f for f in hw if "sysNs" in f or "sysErrNs" in f]
    assert adjtime_log(os.path.join(workdir, "adjtime.log")) == []


def adjtime_log(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_clock_frames_report_the_model(hwclock, figure):
    clocks = [f for _w, f in netns.frames(hwclock["lines"], "clock")]
    assert len(clocks) >= 3, hwclock["err"][-2000:]
    t0 = hwclock["t0"]
    bounds = []
    for f in clocks:
        assert list(f.keys()) == CLOCK_KEYS, f
        assert f["phc"] == 0 and f["device"] == "/dev/ptp0", f
        assert f["clockName"] == "ena-ptp-05" and f["timescale"] == "utc", f
        # a PRECISE-less driver (ENA) falls back to EXTENDED, whose best
        # sample has the shim's shortest window
        assert f["method"] == "extended", f
        assert f["windowNs"] == WINDOW_NS, f
        assert f["uncertaintyNs"] == WINDOW_NS // 2, f
        sys_ns, phc_ns = int(f["sysNs"]), int(f["phcNs"])
        assert phc_ns == model(sys_ns, t0), f
        assert f["offsetNs"] == sys_ns - phc_ns, f
        # no ptp4l told us: unknown, and said as null
        assert f["utcOffsetS"] is None and f["utcOffsetValid"] is None
        assert f["leap"] is None
        assert abs(f["driftPpb"] - DRIFT_PPB) <= 1, f
        bounds.append(f["errorBoundNs"])
    assert bounds[0] == 4321 and bounds[-1] == 777, bounds
    assert set(bounds) == {4321, 777}, bounds
    figure("clock frame", netns.parse_frame(
        [raw for _m, _w, raw in hwclock["lines"] if '"clock"' in raw][0]))
    assert adjtime_log(hwclock["log"]) == []
    assert hwclock["rc"] == 0


def test_sysns_is_the_truth_within_syserrns(hwclock, figure):
    """rx frames, and the tx frames of the active slave's DELAY_REQ
    (--delay-req-tx hardware), alike."""
    t0 = hwclock["t0"]
    seen = []  # clock frames so far, in stream order
    checked = {"rx": 0, "tx": 0}
    worst, max_err = 0, 0
    for _w, f in netns.frames(hwclock["lines"]):
        if f["type"] == "clock":
            seen.append(f)
            continue
        if f["type"] not in ("rx", "tx"):
            continue
        if f["mechanism"] == SW:
            assert "sysNs" not in f and "sysErrNs" not in f, f
            continue
        assert f["mechanism"] == HW and f["phc"] == 0, f
        if not seen:
            # only the reading taken before the client came: no drift
            # measured yet, so no conversion
            assert "sysNs" not in f, f
            continue
        if len(seen) < 2:
            continue  # converted from a reading this client never saw
        assert "sysNs" in f and isinstance(f["sysErrNs"], int), f
        hw = int(f["unixNs"])
        want_sys, want_err = convert(hw, seen[-2], seen[-1])
        assert (int(f["sysNs"]), f["sysErrNs"]) == (want_sys, want_err), \
            (f, seen[-2:])
        miss = abs(int(f["sysNs"]) - truth(hw, t0))
        assert miss <= f["sysErrNs"], f
        # the bound is the drift over the age, not a blanket: the error
        # it covers is most of it
        age = min(abs(hw - int(seen[-1]["phcNs"])),
                  abs(hw - int(seen[-2]["phcNs"])))
        assert f["sysErrNs"] >= age * DRIFT_PPB // 10**9
        assert f["sysErrNs"] <= age * DRIFT_PPB // 10**9 + 2 * WINDOW_NS, f
        checked[f["type"]] += 1
        worst = max(worst, miss)
        max_err = max(max_err, f["sysErrNs"])
    assert checked["rx"] >= 10, checked
    assert checked["tx"] >= 1, checked
    figure("converted rx / tx frames, max |sysNs - truth| ns, max sysErrNs",
           "%d / %d, %d, %d" % (checked["rx"], checked["tx"], worst,
                                max_err))
    assert adjtime_log(hwclock["log"]) == []


def schema_validator():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                        "frame.schema.json")
    with open(path) as f:
        return jsonschema.Draft202012Validator(json.load(f))


def test_frames_validate(hwclock):
    v = schema_validator()
    for _m, _w, raw in hwclock["lines"]:
        errs = list(v.iter_errors(json.loads(raw)))
        assert not errs, (raw, errs[0].message)


def test_status_names_the_clock_phc(hwclock):
    st = [f for _w, f in netns.frames(hwclock["lines"], "status")]
    assert st and all(f["stamping"] == "hardware" and f["phc"] == 0
                      for f in st)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def phc_only(daemon_bin, workdir, args=(), env=None, notify=None,
             user=True):
    so = fakephc(daemon_bin)
    run = os.path.join(workdir, "run")
    os.mkdir(run, 0o755)
    os.chown(run, NOBODY, NOBODY)
    sock = os.path.join(run, "s.sock")
    argv = [daemon_bin, "--phc", "/dev/ptp0", "--socket", sock,
            "--clock-interval", "1", "--log-level", "info"]
    if user:
        argv += ["--user", "nobody"]
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("NOTIFY_SOCKET", "WATCHDOG_", "LISTEN_"))}
    e.update({"LD_PRELOAD": so, "FAKEPHC_DEV": "/dev/ptp0",
              "FAKEPHC_LOG": os.path.join(workdir, "adjtime.log")})
    e.update({k: str(v) for k, v in (env or {}).items()})
    if notify is not None:
        e["NOTIFY_SOCKET"] = notify.path
    return netns.Sidecar(argv + list(args), e, sock,
                         os.path.join(workdir, "phc.stderr"), notify)


def test_phc_only_as_nobody(daemon_bin, workdir, notify, figure):
    """--phc PATH without --interface: clock and status frames only,
    stamping "phc", no capability after READY, STATUS= names the PHC."""
    sc = phc_only(daemon_bin, workdir, notify=notify,
                  env={"FAKEPHC_CLOCK_NAME": "KVM virtual PTP",
                       "FAKEPHC_OFFSET_NS": 0})
    try:
        assert sc.wait_ready(10) is not None, sc.stderr()
        st = proc_status(sc.pid)
        caps = {k: int(st[k], 16) for k in SETS}
        figure("PHC-only as nobody", " ".join(
            "%s=%x" % kv for kv in caps.items()) +
            " NoNewPrivs=" + st["NoNewPrivs"] + " Uid=" + st["Uid"])
        assert caps == {k: 0 for k in SETS}
        assert st["NoNewPrivs"] == "1"
        assert st["Uid"].split()[:2] == [str(NOBODY)] * 2
        reader = netns.FrameReader(
            sc.sock, {"subscribe": ["rx", "tx", "clock", "status"]})
        time.sleep(2.3)
        got = netns.frames(reader.close())
        v = schema_validator()
        for _w, f in got:
            assert v.is_valid(json.loads(json.dumps(f))), f
        types = [f["type"] for _w, f in got]
        assert set(types) == {"clock", "status"}, types
        assert types.count("clock") >= 2
        for _w, f in got:
            if f["type"] == "status":
                assert f["stamping"] == "phc" and f["phc"] == 0, f
                assert f["iface"] is None and f["ifindex"] is None, f
                assert f["link"] is None, f
            else:
                assert list(f.keys()) == CLOCK_KEYS, f
                # the shim's default answers PRECISE: a cross-stamp
                assert f["method"] == "precise" and f["windowNs"] == 0, f
                assert f["uncertaintyNs"] == 0
                assert f["offsetNs"] == 0, f
                assert f["clockName"] == "KVM virtual PTP", f
                assert f["timescale"] == "utc", f
                assert f["errorBoundNs"] is None, f
                assert f["driftPpb"] == 0, f
        status = [m[-1] for m in notify.messages("STATUS=")]
        assert any("PHC /dev/ptp0 (KVM virtual PTP): offset 0 ns" in m
                   for m in status), status
        figure("PHC-only STATUS=", status[-1])
    finally:
        assert sc.stop() == 0, sc.stderr()
    assert adjtime_log(os.path.join(workdir, "adjtime.log")) == []


def test_phc_only_unknown_name_is_unknown_timescale(daemon_bin, workdir):
    sc = phc_only(daemon_bin, workdir, user=False)
    try:
        assert sc.wait_ready(10) is not None, sc.stderr()
        reader = netns.FrameReader(sc.sock, {"subscribe": ["clock"]})
        time.sleep(1.3)
        got = [f for _w, f in netns.frames(reader.close())]
        assert got, sc.stderr()
        for f in got:
            # no sysfs clock_name: null, and never a guessed timescale;
            # the default fake PHC is 37 s ahead (TAI-like) but nothing
            # says so
            assert f["clockName"] is None and f["timescale"] == "unknown"
            assert f["offsetNs"] == -37 * 10**9, f
    finally:
        assert sc.stop() == 0


def test_phc_refusals(daemon_bin, workdir):
    """An explicit --phc that cannot be opened: one line, 69 when absent,
    77 without read access."""
    sock = os.path.join(workdir, "r.sock")
    r = netns.sh([daemon_bin, "--phc", "/dev/ptp-absent-9", "--socket",
                  sock], check=False)
    assert r.returncode == 69, (r.returncode, r.stderr)
    assert "--phc /dev/ptp-absent-9" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    run = os.path.join(workdir, "nb")
    os.mkdir(run, 0o755)
    os.chown(run, NOBODY, NOBODY)
    dev = os.path.join(workdir, "ptp-root-only")
    with open(dev, "w"):
        pass
    os.chmod(dev, 0o600)
    r = netns.sh(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                  "--clear-groups", daemon_bin, "--phc", dev, "--socket",
                  os.path.join(run, "s.sock")], check=False)
    assert r.returncode == 77, (r.returncode, r.stderr)
    assert "Permission denied" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_discarded_batch_read_again_next_tick(daemon_bin, workdir):
    """FAKEPHC_NEGATIVE_EVERY=3: every third EXTENDED/basic batch has a
    negative window (CLOCK_REALTIME stepped). Batches 1 and 2 are the
    probes of EXTENDED and basic, 3 the reading at setup (discarded), 4 and
    5 ticks 1 and 2, 6 tick 3 (discarded), 7 tick 4: frames at ticks 1, 2
    and 4, each failure said once and each recovery once."""
    sc = phc_only(daemon_bin, workdir, user=False,
                  env={"FAKEPHC_NO_PRECISE": 1, "FAKEPHC_NEGATIVE_EVERY": 3})
    try:
        assert sc.wait_ready(10) is not None, sc.stderr()
        reader = netns.FrameReader(sc.sock, {"subscribe": ["clock"]})
        time.sleep(4.5)
        got = [f for _w, f in netns.frames(reader.close())]
    finally:
        assert sc.stop() == 0
    assert len(got) == 3, got
    gaps = [round((int(b["sysNs"]) - int(a["sysNs"])) / 1e9, 1)
            for a, b in zip(got, got[1:])]
    assert gaps == [1.0, 2.0], gaps
    assert all(f["method"] == "extended" for f in got)
    err = sc.stderr()
    assert err.count("negative window") == 2, err
    assert err.count("readings again") == 2, err
