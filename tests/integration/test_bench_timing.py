# SPDX-License-Identifier: MIT
"""Times, as figures of `make bench` (SPEC §10: benchmarks, never timed
tests). The behaviour each one times is asserted elsewhere without a
clock bound: status on subscribe (test_daemon), SIGTERM under load
(test_torture_storm), stop/start cycles (test_torture_storm), the
watchdog period (test_systemd). Nothing here compares a time with a
bound; each test only fails when the behaviour itself does.

Run by `make bench` (pytest -m bench); `make integration` leaves them out.
"""

import signal
import socket
import statistics
import time

import pytest

import netns

pytestmark = pytest.mark.bench


def _ms(v):
    return "median %.2f ms, worst %.2f ms over %d" % (
        statistics.median(v) * 1e3, max(v) * 1e3, len(v))


def test_bench_status_on_subscribe(sidecar, figure):
    sc = sidecar("--status-interval", "3600")
    delays = []
    for _ in range(20):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(sc.sock)
            t0 = time.monotonic()
            s.sendall(b'{"subscribe":["status"]}\n')
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(65536)
                assert chunk, "closed before the status frame"
                buf += chunk
            delays.append(time.monotonic() - t0)
            assert b'"type":"status"' in buf.split(b"\n")[0]
    figure("subscribe -> first status frame", _ms(delays))


def test_bench_watchdog_gaps(sidecar, notify, figure):
    sc = sidecar(notify=notify, env={"WATCHDOG_USEC": "1000000"})
    time.sleep(5.2)
    wd = [m for m in notify.messages("WATCHDOG=1") if m[1] == sc.pid]
    gaps = [b[0] - a[0] for a, b in zip(wd, wd[1:])]
    assert len(gaps) >= 5, notify.messages()
    figure("WATCHDOG=1 interval (WATCHDOG_USEC 1 s, deadline 1 s)",
           _ms(gaps))


def test_bench_sigterm_under_load(sidecar, netpair, storm_tool, figure):
    storm = netns.Storm(netpair, storm_tool, "--valid", 10 ** 8,
                        "--malformed", 0, "--rate", 2000)
    term = []
    try:
        for i in range(5):
            sc = sidecar(name="term%d" % i)
            reader = netns.FrameReader(sc.sock)
            assert netns.wait_for(lambda: len(reader.snapshot()) > 100, 5)
            t0 = time.monotonic()
            sc.proc.send_signal(signal.SIGTERM)
            rc = sc.wait_exit(10)
            term.append(time.monotonic() - t0)
            reader.close()
            assert rc == 0, sc.stderr()[-2000:]
    finally:
        storm.stop()
    figure("SIGTERM -> exit under 2k pkt/s", _ms(term))


def test_bench_stop_start_cycles(sidecar, netpair, storm_tool, notify,
                                 figure):
    storm = netns.Storm(netpair, storm_tool, "--valid", 10 ** 8,
                        "--malformed", 0, "--rate", 2000)
    ready, first = [], []
    try:
        for i in range(10):
            sc = sidecar(notify=notify, wait=False, log_level="notice",
                         name="cycle%d" % i)
            deadline = sc.t_start + 10
            t_first = None
            while t_first is None and time.monotonic() < deadline:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    if s.connect_ex(sc.sock) != 0:
                        time.sleep(0.001)
                        continue
                    s.settimeout(max(0.01, deadline - time.monotonic()))
                    buf = b""
                    while b"\n" not in buf:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        buf += chunk
                    if b"\n" in buf:
                        t_first = time.monotonic()
                except OSError:
                    time.sleep(0.001)
                finally:
                    s.close()
            assert t_first is not None, sc.stderr()[-2000:]
            msgs = netns.wait_for(lambda: [
                m for m in notify.messages("READY=1") if m[1] == sc.pid], 5)
            assert msgs, "no READY=1 from pid %d" % sc.pid
            ready.append(msgs[0][0] - sc.t_start)
            first.append(t_first - sc.t_start)
            assert sc.stop() == 0
    finally:
        storm.stop()
    figure("exec -> READY=1", _ms(ready))
    figure("exec -> first frame to a reconnecting client", _ms(first))
