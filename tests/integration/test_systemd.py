# SPDX-License-Identifier: MIT
"""SPEC §7 systemd integration without systemd as PID 1: our own
NOTIFY_SOCKET listener and systemd-socket-activate."""

import os
import re
import signal
import socket
import statistics
import stat
import time

import netns


def test_ready_watchdog_status_stopping(sidecar, notify, figure):
    sc = sidecar(notify=notify, env={"WATCHDOG_USEC": "1000000"})
    figure("time to READY=1 (s)", round(sc.ready_s, 3))
    ready = notify.messages("READY=1")
    assert len(ready) == 1, notify.messages()
    assert ready[0][1] == sc.pid, "READY=1 from pid %s, daemon is %d" % (
        ready[0][1], sc.pid)
    t_ready = ready[0][0]
    time.sleep(3.2)
    wd = [m for m in notify.messages("WATCHDOG=1") if m[0] >= t_ready]
    gaps = [b[0] - a[0] for a, b in zip(wd, wd[1:])]
    assert len(wd) >= 5, "only %d WATCHDOG=1 in 3.2 s" % len(wd)
    med = statistics.median(gaps)
    figure("WATCHDOG=1 intervals (s) median/max",
           "%.3f / %.3f over %d" % (med, max(gaps), len(gaps)))
    # Half of WATCHDOG_USEC: the timer's period, which the median of its
    # ticks shows whatever the load (the worst gap is a figure of
    # `make bench`, test_bench_timing.py).
    assert 0.4 <= med <= 0.6, gaps
    assert all(m[1] == sc.pid for m in wd)
    st = notify.messages("STATUS=")
    assert st, "no STATUS= line: %s" % notify.messages()
    figure("STATUS= seen", "%d, last %r" % (len(st), st[-1][2]))
    # "on state change and at most every --status-interval" (1 s)
    elapsed = time.monotonic() - st[0][0]
    assert len(st) <= elapsed / 1.0 + 3, [m[2] for m in st]
    assert not notify.messages("STOPPING=1")
    t_term = time.monotonic()
    rc = sc.stop(signal.SIGTERM)
    assert rc == 0, sc.stderr()
    stopping = notify.messages("STOPPING=1")
    assert len(stopping) == 1 and stopping[0][0] >= t_term, \
        notify.messages()
    figure("SIGTERM to STOPPING=1 (s)", round(stopping[0][0] - t_term, 3))


def test_watchdog_pid_is_honoured(sidecar, notify):
    # WATCHDOG_PID names the daemon: sh's $$ becomes `ip netns exec`
    # becomes the daemon (each execs in place).
    sc = sidecar(notify=notify, env={"WATCHDOG_USEC": "1000000"},
                 wrapper=["sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh"])
    time.sleep(1.3)
    assert len(notify.messages("WATCHDOG=1")) >= 2, notify.messages()
    with open("/proc/%d/environ" % sc.pid, "rb") as f:
        env = f.read().split(b"\0")
    assert b"WATCHDOG_PID=%d" % sc.pid in env


def test_watchdog_for_another_pid_is_off(sidecar, notify):
    # sd_watchdog_enabled(): WATCHDOG_PID of another process means the
    # watchdog is not ours to feed.
    sidecar(notify=notify, env={"WATCHDOG_USEC": "1000000",
                                "WATCHDOG_PID": "1"})
    time.sleep(1.3)
    assert not notify.messages("WATCHDOG=1"), notify.messages()


def test_socket_activation(sidecar, notify, workdir, grandmaster, figure):
    act = os.path.join(workdir, "act.sock")
    unused = os.path.join(workdir, "unused.sock")
    sc = sidecar(sock=unused, notify=notify, wait=False,
                 prefix=["systemd-socket-activate", "-l", act,
                         "--fdname=tblk-ptp-sidecar.socket",
                         "-E", "NOTIFY_SOCKET=" + notify.path])
    assert netns.wait_for(lambda: os.path.exists(act), 5), sc.stderr()
    # systemd-socket-activate execs the daemon on the first connection.
    reader = netns.FrameReader(act)
    assert notify.wait("READY=1", 10), sc.stderr()
    time.sleep(2.0)
    lines = reader.close()
    frames = [netns.parse_frame(x[2]) for x in lines]
    figure("frames through the activated socket in ~2 s", len(frames))
    assert sum(1 for f in frames if f["msgType"] == netns.SYNC) >= 10
    # The passed listener is used; --socket is ignored.
    assert not os.path.lexists(unused)
    rc = sc.stop(signal.SIGTERM)
    assert rc == 0, sc.stderr()
    # ... and never unlinked.
    assert stat.S_ISSOCK(os.lstat(act).st_mode), "activation socket gone"


def test_socket_activation_needs_exactly_one_listener(sidecar, workdir,
                                                     figure):
    """Two sockets from systemd is a unit mistake: refused in one line,
    never papered over with a socket at --socket."""
    a = os.path.join(workdir, "act-a.sock")
    b = os.path.join(workdir, "act-b.sock")
    unused = os.path.join(workdir, "unused.sock")
    sc = sidecar(sock=unused, wait=False, log_level=None,
                 prefix=["systemd-socket-activate", "-l", a, "-l", b])
    assert netns.wait_for(lambda: os.path.exists(b), 5), sc.stderr()
    # the first connection makes systemd-socket-activate exec the daemon
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(a)
    rc = sc.wait_exit(10)
    c.close()
    err = [x for x in sc.stderr().splitlines()
           if x.strip() and "Execing" not in x and "Communication" not in x
           and "Listening on" not in x]
    assert rc == 69, "exit %s\n%s" % (rc, sc.stderr())
    assert len(err) == 1 and "passed 2 file descriptors" in err[0], err
    assert not os.path.lexists(unused)
    figure("two listeners", err[0].split(": ", 1)[-1])


def test_journal_stream_priority_prefixes(sidecar, workdir):
    # SPEC §8: under journald (JOURNAL_STREAM names stderr's dev:ino) each
    # line starts with <N>; a JOURNAL_STREAM naming another stream is
    # inherited, not ours, and must not switch the format.
    path = os.path.join(workdir, "journal.stderr")
    open(path, "w").close()
    st = os.stat(path)
    sc = sidecar(name="journal",
                 env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
    assert sc.stop() == 0
    lines = [x for x in sc.stderr().splitlines() if x]
    assert lines, "nothing logged at info level"
    assert all(re.match(r"<[0-7]>", x) for x in lines), lines
    assert any(x.startswith("<6>") for x in lines), lines
    # Some other stream: the directory (a new file could get ino + 1).
    d = os.stat(workdir)
    other = sidecar(name="inherited", sock=os.path.join(workdir, "o.sock"),
                    env={"JOURNAL_STREAM": "%d:%d" % (d.st_dev, d.st_ino)})
    assert other.stop() == 0
    lines = [x for x in other.stderr().splitlines() if x]
    assert lines and not any(x.startswith("<") for x in lines), lines
