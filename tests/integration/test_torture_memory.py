# SPDX-License-Identifier: MIT
"""Torture, memory (issue 5, case 10): the daemon under valgrind memcheck
through a workload touching every path the other torture cases do (valid
and malformed packets, normal, subscribing, hostile, slow and churning
clients, SIGUSR1, SIGHUP, SIGTERM): zero errors, zero definitely-lost
bytes. The ASan+UBSan half is `make integration-asan` (the whole suite,
these cases included, against build/asan/tblk-ptp-sidecar), which
`make torture` runs.
"""

import os
import re
import shutil
import signal
import socket
import time

import pytest

import netns

FULL = os.environ.get("TBLK_TORTURE") == "full"


def _hostile(path, payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(payload)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()


def test_torture_valgrind_memcheck(sidecar, netpair, storm_tool, notify,
                                   daemon_bin, workdir, figure):
    if netns.is_asan(daemon_bin):
        pytest.skip("valgrind cannot run an ASan build; run it against "
                    "the plain build")
    netns.need("valgrind (make deps)", shutil.which("valgrind"))
    vlog = os.path.join(workdir, "valgrind.log")
    sc = sidecar("--client-buffer", "65536", notify=notify, wait=False,
                 prefix=["valgrind", "--leak-check=full",
                         "--errors-for-leak-kinds=definite",
                         "--error-exitcode=99", "--track-fds=no",
                         "--log-file=" + vlog])
    sc.ready_s = sc.wait_ready(60)
    assert sc.ready_s, "no READY=1 under valgrind:\n" + sc.stderr()[-2000:]
    figure("exec -> READY=1 under valgrind (s)", round(sc.ready_s, 2))
    n_bad, n_good, churn = (20000, 2000, 200) if FULL else (3000, 300, 30)
    observer = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(sc.sock)  # never reads: dropped over --client-buffer
    storm = netns.Storm(netpair, storm_tool, "--malformed", n_bad, "--valid",
                        n_good, "--rate", 2000)
    try:
        for payload in (b'{"subscribe":["rx",1]}\n', b"x" * 5000,
                        b'{"subscribe":["bogus"]}\n', os.urandom(2048)):
            _hostile(sc.sock, payload)
        for i in range(churn):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sc.sock)
            if i % 3 == 0:
                s.sendall(b'{"subscribe":["rx","status"]}\n')
                s.recv(10)
            elif i % 3 == 1:
                s.shutdown(socket.SHUT_WR)
            s.close()
        sc.proc.send_signal(signal.SIGUSR1)
        sc.proc.send_signal(signal.SIGHUP)
        storm.result(timeout=120)
        time.sleep(1.0)
    finally:
        storm.stop()
    lines = observer.close()
    slow.close()
    sc.proc.send_signal(signal.SIGTERM)
    rc = sc.wait_exit(60)
    with open(vlog) as f:
        text = f.read()
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    in_use = re.search(r"in use at exit: ([\d,]+) bytes", text)
    figure("frames to the observer", len(lines))
    figure("valgrind", "%s; definitely lost %s; in use at exit %s" % (
        summary.group(0) if summary else "no summary",
        lost.group(1) if lost else "0 (no leak line)",
        in_use.group(1) if in_use else "?"))
    assert rc == 0, "exit %s (99: valgrind found errors)\n%s" % (
        rc, text[-4000:])
    assert summary and summary.group(1) == "0", text[-4000:]
    assert lost is None or lost.group(1) == "0", text[-4000:]
    assert len(lines) > 100
