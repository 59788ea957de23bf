# SPDX-License-Identifier: MIT
"""The PHC reader (src/phc.c) against a fake PHC: tests/tools/phcread under
tests/shim/fakephc.so, which answers /dev/ptpN with a clock of a chosen
offset, drift and window (no PHC exists on these machines, LAB.md).

The shim's model is phc(sys) = sys + OFFSET + trunc((sys - T0) * DRIFT /
10^9); it reports the PHC at the midpoint of each sys-PHC-sys window, so a
reading's offsetNs must equal -(OFFSET + trunc((sysNs - T0) * DRIFT / 10^9))
to the nanosecond. Nothing here adjusts a clock: the shim refuses and logs
any clock change, and every test ends by asserting that log is empty.
The daemon's use of it is test_clock.py's.
"""

import json
import os
import subprocess
import time

import pytest

import netns

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEV = "/dev/ptp7"  # absent here; only the shim answers it
EPERM, ERANGE = 1, 34


def _build():
    return os.path.abspath(os.environ.get("TBLK_BUILD",
                                          os.path.join(REPO, "build")))


@pytest.fixture(scope="module")
def tools():
    b = _build()
    phcread = os.path.join(b, "tools", "phcread")
    shim = os.path.join(b, "fakephc.so")
    for p in (phcread, shim):
        netns.need(p, os.path.exists(p) and p)
    return phcread, shim


@pytest.fixture
def fake(tools, tmp_path):
    """fake(count=, interval_ms=, args=, **FAKEPHC_*) -> (open, lines,
    trace): runs phcread under the shim; after the test, asserts the
    shim's log of clock changes stayed empty."""
    phcread, shim = tools
    log = tmp_path / "adjtime.log"
    trace = tmp_path / "trace"

    def run(count=5, interval_ms=50, args=(), **env):
        e = dict(os.environ)
        e.update({"LD_PRELOAD": shim, "FAKEPHC_DEV": DEV,
                  "FAKEPHC_LOG": str(log), "FAKEPHC_TRACE": str(trace)})
        e.update({"FAKEPHC_" + k.upper(): str(v) for k, v in env.items()})
        if trace.exists():
            trace.unlink()
        r = subprocess.run([phcread, "-n", str(count), "-i", str(interval_ms)]
                           + list(args) + [DEV], env=e, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        lines = [json.loads(x) for x in r.stdout.splitlines()]
        assert lines[0]["type"] == "open"
        steps = trace.read_text().split() if trace.exists() else []
        return lines[0], lines[1:], steps

    run.log = log
    yield run
    if not getattr(run, "canary", False):
        assert not log.exists() or log.read_text() == "", log.read_text()


def truth_offset(sys_ns, offset, drift_ppb, t0):
    # C's truncating division, as the shim computes it
    d = (sys_ns - t0) * drift_ppb
    q = abs(d) // 10**9
    return -(offset + (q if d >= 0 else -q))


def readings(lines):
    return [x for x in lines if x["type"] == "reading"]


def test_precise_reports_offset_and_drift(fake, figure):
    off, drift = 37 * 10**9 + 123456, 50000  # TAI + 123.456 us, 50 ppm fast
    t0 = time.time_ns()
    op, lines, steps = fake(count=10, offset_ns=off, drift_ppb=drift,
                            t0_ns=t0)
    assert op["method"] == "precise"
    assert op["methods"] == ["precise", "extended", "basic"]
    assert op["caps"]["crossTimestamping"] == 1
    rs = readings(lines)
    assert len(rs) == 10
    for r in rs:
        sys_ns, phc_ns = int(r["sysNs"]), int(r["phcNs"])
        assert r["method"] == "precise"
        assert r["windowNs"] == 0 and r["uncertaintyNs"] == 0
        assert r["offsetNs"] == sys_ns - phc_ns
        assert r["offsetNs"] == truth_offset(sys_ns, off, drift, t0)
    # the drift as a reader would measure it between two readings
    a, b = rs[0], rs[-1]
    slope = ((b["offsetNs"] - a["offsetNs"]) /
             (int(b["sysNs"]) - int(a["sysNs"])))
    # 0.01 ppm: the reads are microseconds apart under ASan too
    assert abs(slope + drift * 1e-9) < 1e-8
    # probed once at open: one of each, then PRECISE only
    assert steps[:4] == ["getcaps", "precise", "extended", "basic"]
    assert steps[4:] == ["precise"] * 10
    assert abs(int(op["gettimeNs"]) - (time.time_ns() + off)) < 10**9
    figure("fake PHC reading (precise)", json.dumps(rs[-1]))
    figure("measured drift", "%.3f ppm (injected %.3f)" %
           (-slope * 1e6, drift / 1e3))


def test_without_precise_falls_back_to_extended(fake, figure):
    """AWS ENA's PHC: no PRECISE; EXTENDED, best of 5 by window."""
    off, drift, w = 3 * 10**9, -20000, 250
    t0 = time.time_ns()
    op, lines, steps = fake(count=6, no_precise=1, offset_ns=off,
                            drift_ppb=drift, window_ns=w, t0_ns=t0)
    assert op["method"] == "extended"
    assert op["methods"] == ["extended", "basic"]
    assert op["caps"]["crossTimestamping"] == 0
    rs = readings(lines)
    assert len(rs) == 6
    for r in rs:
        assert r["method"] == "extended"
        # the shim's windows are 750, 500, 250, 1000, 500: the shortest
        assert r["windowNs"] == w and r["uncertaintyNs"] == w // 2
        assert r["offsetNs"] == truth_offset(int(r["sysNs"]), off, drift, t0)
    # PRECISE asked once, at open, and never again
    assert steps.count("eopnotsupp") == 1
    assert "precise" not in steps
    assert steps[4:] == ["extended"] * 6
    figure("fake PHC reading (extended, no PRECISE)", json.dumps(rs[-1]))


def test_basic_when_nothing_else(fake):
    w = 999  # odd: uncertainty rounds up
    t0 = time.time_ns()
    op, lines, steps = fake(count=4, no_precise=1, no_extended=1,
                            window_ns=w, t0_ns=t0, drift_ppb=1000)
    assert op["method"] == "basic" and op["methods"] == ["basic"]
    for r in readings(lines):
        assert r["method"] == "basic"
        assert r["windowNs"] == w and r["uncertaintyNs"] == 500
        assert r["offsetNs"] == truth_offset(int(r["sysNs"]), 37 * 10**9,
                                             1000, t0)
    assert steps.count("eopnotsupp") == 2 and steps[-4:] == ["basic"] * 4


def test_negative_window_batches_discarded(fake):
    # every 3rd batch has a sample with sys2 < sys1; the probe at open
    # used batches 1 (extended) and 2 (basic)
    op, lines, steps = fake(count=9, no_precise=1, negative_every=3)
    assert op["method"] == "extended"
    errs = [x for x in lines if x["type"] == "error"]
    rs = readings(lines)
    # batches 3..11: 3, 6, 9 are negative -> readings 0, 3, 6
    assert [e["i"] for e in errs] == [0, 3, 6]
    assert all(e["errno"] == ERANGE for e in errs)
    assert len(rs) == 6 and all(r["windowNs"] >= 0 for r in rs)


def test_ebusy_retried(fake):
    op, lines, steps = fake(count=3, ebusy=2)
    assert op["method"] == "precise"
    assert steps[:4] == ["getcaps", "ebusy", "ebusy", "precise"]
    assert len(readings(lines)) == 3


def test_adjtime_log_catches_a_change(fake):
    """The positive control of the empty-log assertions: one deliberate
    clock_adjtime(ADJ_FREQUENCY) fails and is logged."""
    fake.canary = True
    op, lines, _ = fake(count=1, args=["--adjtime-canary"])
    canary = [x for x in lines if x.get("what") == "adjtime-canary"]
    assert canary and canary[0]["errno"] == EPERM
    text = fake.log.read_text()
    assert "clock_adjtime" in text and "modes=0x2" in text
    assert "open-writable" not in text
    assert len(readings(lines)) == 1
