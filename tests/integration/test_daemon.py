# SPDX-License-Identifier: MIT
"""The daemon against a real ptp4l grandmaster (software stamps, veth):
frames (SPEC §4), clients (SPEC §5), exit codes (SPEC §2)."""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import tempfile
import time

import pytest

import netns
from netns import (ANNOUNCE, FOLLOW_UP, GM_ADDR, SYNC, V1_CORE, parse_frame,
                   ptp_packets)

WINDOW_S = 5.0

STATUS_COUNTERS = ["rx", "tx", "rxHw", "rxSw", "missingHw", "malformed",
                   "truncated", "filtered", "kernelDrops", "txTimeouts",
                   "clientDrops", "clientsRefused", "framesOut", "unstamped",
                   "rejected"]


@pytest.fixture(scope="module")
def window(request, daemon_bin, tclient_bin, netpair, grandmaster, tmpbase):
    """One recording shared by the stream tests: the daemon runs while
    tcpdump, socat, tclient and a Python client (subscribed to status)
    watch the same WINDOW_S seconds."""
    wd = tempfile.mkdtemp(prefix="window-", dir=tmpbase)
    os.chmod(wd, 0o755)
    launcher = netns.Launcher(daemon_bin, netpair, wd)
    procs = []
    failed = True
    try:
        sc = launcher.start()
        cap = netns.Tcpdump(netpair, netpair.sl, netpair.sl_if,
                            os.path.join(wd, "sl.pcap"))
        procs.append(cap.proc)
        assert cap.wait_listening(), "tcpdump did not start"
        reader = netns.FrameReader(sc.sock,
                                   {"subscribe": ["rx", "tx", "status"]})
        with open(os.path.join(wd, "socat.out"), "w") as out:
            socat = subprocess.Popen(["socat", "-u",
                                      "UNIX-CONNECT:" + sc.sock, "-"],
                                     stdout=out, stderr=subprocess.DEVNULL)
            procs.append(socat)
            tcl = subprocess.Popen([tclient_bin, "--seconds", str(WINDOW_S),
                                    sc.sock], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            procs.append(tcl)
            tcl_out, tcl_err = tcl.communicate(timeout=WINDOW_S + 10)
            netns.kill_proc(socat)
        lines = reader.close()
        pcap = cap.stop()
        with open(os.path.join(wd, "socat.out")) as f:
            socat_lines = f.read().splitlines()
        mode = stat.S_IMODE(os.stat(sc.sock).st_mode)
        failed = False
        yield {"sidecar": sc, "reader": lines,
               "reader_t0": reader.t_connect, "socat": socat_lines,
               "tclient": tcl_out.splitlines(), "tclient_err": tcl_err,
               "tclient_rc": tcl.returncode, "pcap": pcap, "mode": mode}
    finally:
        for p in procs:
            netns.kill_proc(p)
        launcher.finish(failed)


def core_frames(lines):
    return [parse_frame(line) for line in lines
            if parse_frame(line).get("type") in ("rx", "tx")]


JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def test_every_line_is_v1_json(window, figure):
    n = 0
    for _mono, wall, line in window["reader"]:
        # no space between tokens (a reason string may hold spaces)
        assert line.endswith("}") and " " not in JSON_STRING.sub("", line), \
            line
        f = parse_frame(line)
        assert f["v"] == 1, line
        if f["type"] == "status":
            assert list(f)[:2] == ["v", "type"], line
            continue
        n += 1
        assert list(f)[:6] == V1_CORE, line
        assert f["type"] in ("rx", "tx"), line
        assert isinstance(f["msgType"], int) and 0 <= f["msgType"] <= 15
        assert isinstance(f["seqId"], int) and 0 <= f["seqId"] <= 65535
        assert isinstance(f["unixNs"], str) and f["unixNs"].isdigit(), line
        # Software stamps must say so (SPEC §1 "honest stamps").
        assert f["mechanism"] == "so_timestamping_software", line
        assert "phc" not in f, line
        assert abs(int(f["unixNs"]) - wall) < 1000000000, \
            "stamp %s vs clock %d" % (f["unixNs"], wall)
        # protocol.md: always present (iface: the daemon always knows it)
        assert f["iface"] == "veth-sl", line
        assert f["domain"] == 0, line
        assert "src" in f and isinstance(f["correctionNs"], int), line
        assert ("twoStep" in f) == (f["msgType"] == SYNC), line
    for line in window["socat"]:
        assert list(parse_frame(line))[:6] == V1_CORE, line
    assert n > 0, "no rx/tx frame in %.0f s" % WINDOW_S
    figure("frames in window (python client, rx/tx)", n)


def test_every_sync_framed_once_in_order(window, figure):
    frames = [f for f in core_frames([x[2] for x in window["reader"]])
              if f["type"] == "rx" and f["msgType"] == SYNC]
    wire = [m["seqId"] for m in ptp_packets(window["pcap"], GM_ADDR)
            if m["msgType"] == SYNC]
    got = [f["seqId"] for f in frames]
    assert wire, "tcpdump saw no Sync from the grandmaster"
    assert got, "no SYNC frame"
    # Exactly one frame per Sync, in the order they arrived.
    assert len(got) == len(set(got)), "duplicate SYNC frames: %s" % got
    assert got == sorted(got), "SYNC frames out of order: %s" % got
    # The capture and the client start and stop at slightly different
    # moments: compare over the seqIds both windows cover.
    lo, hi = max(min(got), min(wire)), min(max(got), max(wire))
    in_wire = sorted(s for s in wire if lo <= s <= hi)
    in_got = sorted(s for s in got if lo <= s <= hi)
    assert in_got == in_wire, "missing %s extra %s" % (
        sorted(set(in_wire) - set(in_got)), sorted(set(in_got) - set(in_wire)))
    assert len(in_wire) >= 6 * (WINDOW_S - 1.5), \
        "only %d Syncs in the overlap" % len(in_wire)
    figure("SYNC on the wire / framed / overlap",
           "%d / %d / %d" % (len(wire), len(got), len(in_wire)))


def _check_against_wire(frames, wire, keys, figure, name):
    by_seq = {m["seqId"]: m for m in wire}
    matched = 0
    for f in frames:
        m = by_seq.get(f["seqId"])
        if m is None:
            continue
        matched += 1
        for k in keys:
            assert k in f, "%s frame without %s: %s" % (name, k, f)
            want = m[k]
            if k.endswith("Ns") and k != "correctionNs":
                want = str(want)
            assert f[k] == want, "%s %s: frame %r, wire %r" % (
                name, k, f[k], want)
        assert f["correctionNs"] == round(m["correction"] / 65536), f
        assert f["domain"] == m["domain"], f
    figure("%s frames matched to the capture" % name, matched)
    return matched


def test_follow_up_frames_match_capture(window, figure):
    frames = [f for f in core_frames([x[2] for x in window["reader"]])
              if f["msgType"] == FOLLOW_UP]
    wire = [m for m in ptp_packets(window["pcap"], GM_ADDR)
            if m["msgType"] == FOLLOW_UP]
    assert _check_against_wire(frames, wire, ["src", "originNs"], figure,
                               "FOLLOW_UP") >= 6 * (WINDOW_S - 1.5)


def test_sync_frames_match_capture(window, figure):
    frames = [f for f in core_frames([x[2] for x in window["reader"]])
              if f["msgType"] == SYNC]
    wire = [m for m in ptp_packets(window["pcap"], GM_ADDR)
            if m["msgType"] == SYNC]
    assert _check_against_wire(frames, wire, ["src"], figure, "SYNC")
    by_seq = {m["seqId"]: m for m in wire}
    checked = 0
    for f in frames:
        assert isinstance(f["twoStep"], bool), f
        if f["seqId"] in by_seq:
            # flagField bit 1 of the first octet (0x0200): twoStepFlag
            assert f["twoStep"] == bool(by_seq[f["seqId"]]["flags"] & 0x200)
            checked += 1
    assert checked >= 6 * (WINDOW_S - 1.5), "only %d SYNCs checked" % checked
    # ptp4l -S is two-step
    assert all(f["twoStep"] is True for f in frames)


def test_announce_frames_match_capture(window, figure):
    frames = [f for f in core_frames([x[2] for x in window["reader"]])
              if f["msgType"] == ANNOUNCE]
    wire = [m for m in ptp_packets(window["pcap"], GM_ADDR)
            if m["msgType"] == ANNOUNCE]
    assert _check_against_wire(frames, wire, ["src"], figure,
                               "ANNOUNCE") >= WINDOW_S - 2


def _align(a, b):
    """The parts of two streams of the same daemon that overlap in time:
    one client connected a little before the other."""
    if not a or not b:
        return [], []
    if b[0] in a:
        i = a.index(b[0])
        a = a[i:]
    elif a[0] in b:
        b = b[b.index(a[0]):]
    else:
        return a, b
    n = min(len(a), len(b))
    return a[:n], b[:n]


def test_two_clients_identical_streams(window, figure):
    assert window["tclient_rc"] == 0, window["tclient_err"]
    a, b = _align(window["socat"], window["tclient"])
    assert a == b, "socat and tclient streams differ"
    assert len(a) >= 8 * (WINDOW_S - 2), "only %d common lines" % len(a)
    # The status subscriber's rx/tx lines are the same stream too.
    py = [x[2] for x in window["reader"]
          if parse_frame(x[2])["type"] in ("rx", "tx")]
    c, d = _align(py, window["tclient"])
    assert c == d
    figure("socat / tclient / common lines", "%d / %d / %d" % (
        len(window["socat"]), len(window["tclient"]), len(a)))
    figure("tclient summary", window["tclient_err"].strip())


def test_status_frames_have_sane_counters(window, figure):
    st = [parse_frame(x[2]) for x in window["reader"]
          if parse_frame(x[2])["type"] == "status"]
    # One at once on subscribing, then every --status-interval (1 s).
    assert len(st) >= WINDOW_S - 1, "only %d status frames" % len(st)
    for s in st:
        for k in ("iface", "ifindex", "link", "stamping", "clients",
                  "uptimeS", "version", "counters"):
            assert k in s, "status without %s: %s" % (k, s)
        assert s["iface"] == "veth-sl"
        assert s["link"] == "up"
        assert s["stamping"] == "software"
        assert s["clients"] >= 1
        c = s["counters"]
        for k in STATUS_COUNTERS:
            assert isinstance(c.get(k), int), "counter %s: %s" % (k, c)
        assert c["malformed"] == 0 and c["truncated"] == 0
        assert c["rxHw"] == 0 and c["missingHw"] == 0
    last = st[-1]["counters"]
    assert last["rx"] > 0 and last["rxSw"] > 0 and last["framesOut"] > 0
    rx = [s["counters"]["rx"] for s in st]
    assert rx == sorted(rx), "rx counter went backwards: %s" % rx
    figure("last status counters", json.dumps(last))


def test_status_sent_at_once_on_subscribe(sidecar, grandmaster):
    """SPEC §5: subscribing to status sends one immediately. With an hour
    between status ticks, any status frame that arrives is that one (how
    fast it comes is a figure of `make bench`, test_bench_timing.py)."""
    sc = sidecar("--status-interval", "3600")
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    try:
        assert netns.wait_for(lambda: any(
            '"type":"status"' in x[2] for x in reader.snapshot()), 5), \
            "no status frame on subscribing"
        time.sleep(0.5)
        st = [x for x in reader.snapshot() if '"type":"status"' in x[2]]
    finally:
        reader.close()
    assert len(st) == 1, "one status frame on subscribing, got %d" % len(st)


def _wait_closed(s, timeout=3.0):
    """Read until the daemon closes the connection; returns what came."""
    s.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def _connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


@pytest.mark.parametrize("request_line", [
    b"not json\n",
    b'{"subscribe":"rx"}\n',
    b'{"subscribe":["' + b"x" * 1100 + b'"]}\n',
], ids=["invalid JSON", "not a list", "over 1024 bytes"])
def test_bad_request_disconnects_only_that_client(sidecar, grandmaster,
                                                  request_line):
    sc = sidecar()
    good = netns.FrameReader(sc.sock)
    bad = _connect(sc.sock)
    bad.sendall(request_line)
    data, closed = _wait_closed(bad)
    bad.close()
    assert closed, "daemon kept a client that sent %r" % request_line[:40]
    # Disconnected at a frame boundary: whatever it got is whole lines.
    assert not data or data.endswith(b"\n"), data[-100:]
    n = len(good.snapshot())
    time.sleep(0.6)
    assert not good.closed_by_peer, "the well-behaved client was dropped"
    assert len(good.snapshot()) > n, "the well-behaved client starved"
    good.close()
    assert netns.status_probe(sc.sock)["counters"]["clientDrops"] >= 1


def test_max_clients_refuses_the_extra(sidecar, grandmaster):
    sc = sidecar("--max-clients", "1")
    # The readiness probe was a client too until the daemon saw it close.
    time.sleep(0.3)
    first = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    assert netns.wait_for(first.snapshot, 2), "first client got nothing"
    extra = _connect(sc.sock)
    _data, closed = _wait_closed(extra, 2)
    extra.close()
    assert closed, "client over --max-clients was not closed"
    assert netns.wait_for(lambda: any(
        parse_frame(x[2])["type"] == "status" and
        parse_frame(x[2])["counters"]["clientsRefused"] >= 1
        for x in first.snapshot()), 3), "clientsRefused not counted"
    st = [parse_frame(x[2]) for x in first.snapshot()
          if parse_frame(x[2])["type"] == "status"]
    assert st[-1]["clients"] == 1
    assert not first.closed_by_peer
    first.close()


def test_socket_default_mode(window):
    assert window["mode"] == 0o660, oct(window["mode"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT],
                         ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0_and_removes_socket(sidecar, figure, sig):
    sc = sidecar()
    figure("time to connectable socket (s)", round(sc.ready_s, 3))
    t0 = time.monotonic()
    rc = sc.stop(sig)
    figure("%s to exit (s)" % sig.name, round(time.monotonic() - t0, 3))
    assert rc == 0, sc.stderr()
    assert not os.path.lexists(sc.sock), "socket left behind"


def test_second_instance_exits_69(sidecar, figure):
    first = sidecar(name="first")
    second = sidecar(sock=first.sock, wait=False, log_level=None,
                     name="second")
    rc = second.wait_exit(10)
    err = second.stderr()
    assert rc == 69, "second instance: exit %s\n%s" % (rc, err)
    assert first.sock in err or "socket" in err.lower(), err
    assert first.proc.poll() is None, "first instance died"
    assert first.socket_ready(), "first instance's socket was taken over"
    figure("second instance says", err.strip().splitlines()[-1])


def test_hardware_on_veth_exits_69(sidecar, netpair, figure):
    sc = sidecar(timestamping="hardware", wait=False, log_level=None)
    rc = sc.wait_exit(10)
    err = sc.stderr()
    assert rc == 69, "exit %s\n%s" % (rc, err)
    lines = [x for x in err.splitlines() if x.strip()]
    naming = [x for x in lines if netpair.sl_if in x]
    assert len(naming) == 1, "want one line naming %s:\n%s" % (
        netpair.sl_if, err)
    assert "hardware" in naming[0].lower(), naming[0]
    assert not os.path.lexists(sc.sock), "refused daemon left a socket"
    figure("hardware refusal", naming[0])


def test_non_socket_path_is_never_removed(sidecar, workdir):
    path = os.path.join(workdir, "not-a-socket")
    with open(path, "w") as f:
        f.write("keep me\n")
    sc = sidecar(sock=path, wait=False, log_level=None)
    rc = sc.wait_exit(10)
    assert rc == 69, "exit %s\n%s" % (rc, sc.stderr())
    with open(path) as f:
        assert f.read() == "keep me\n"


def test_stale_socket_is_replaced(sidecar, workdir):
    """A dead instance's socket is replaced by the daemon's own, which
    serves; at exit that one and the lock file go, nothing else."""
    path = os.path.join(workdir, "stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()  # the path stays, nobody listens: a dead instance's socket
    # A second name keeps the old inode alive, so its number cannot come
    # back for the new socket.
    os.link(path, path + ".old")
    old = os.lstat(path)
    sc = sidecar(sock=path)
    new = os.lstat(path)
    assert stat.S_ISSOCK(new.st_mode)
    assert new.st_ino != old.st_ino, "the stale socket was not replaced"
    st = netns.status_probe(path)
    assert st["type"] == "status" and st["iface"] == "veth-sl", st
    assert os.path.isfile(path + ".lock"), "no lock file while running"
    assert sc.stop() == 0, sc.stderr()
    assert not os.path.lexists(path), "socket left behind"
    assert not os.path.lexists(path + ".lock"), "lock file left behind"
    assert os.lstat(path + ".old").st_ino == old.st_ino


def test_two_instances_starting_together(sidecar, workdir, figure):
    """Started at the same moment on one stale path, exactly one serves and
    the other exits 69; the path is the server's own socket (it is removed
    when that one stops), never an orphan of a loser that unlinked it."""
    outcomes = []
    for rnd in range(3):
        path = os.path.join(workdir, "race%d.sock" % rnd)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()
        pair = [sidecar(sock=path, wait=False, log_level=None,
                        name="race%d%s" % (rnd, x)) for x in "ab"]
        assert netns.wait_for(lambda: any(p.proc.poll() is not None
                                          for p in pair), 10), \
            "neither instance refused:\n" + "\n".join(
                p.stderr() for p in pair)
        time.sleep(0.3)
        done = [p for p in pair if p.proc.poll() is not None]
        alive = [p for p in pair if p.proc.poll() is None]
        assert len(done) == 1 and len(alive) == 1, [p.stderr()
                                                     for p in pair]
        assert done[0].proc.returncode == 69, done[0].stderr()
        err = done[0].stderr().strip().splitlines()
        assert len(err) == 1 and path in err[0], err
        outcomes.append(err[0].split(": ", 2)[-1])
        assert netns.status_probe(path)["type"] == "status"
        assert alive[0].stop() == 0
        assert not os.path.lexists(path), "the winner's socket was not " \
            "its own inode at exit"
        assert not os.path.lexists(path + ".lock")
    figure("the loser says", "; ".join(sorted(set(outcomes))))


@pytest.mark.parametrize("case,args,want", [
    ("no interface", ["--timestamping", "software"], 64),
    ("bad option", ["-i", "veth-sl", "--no-such-option"], 64),
    ("bad timestamping", ["-i", "veth-sl", "--timestamping", "sometimes"], 64),
    ("no such interface", ["-i", "tblknosuch0", "--timestamping",
                           "software"], 69),
    ("unknown user", ["-i", "veth-sl", "--timestamping", "software",
                      "--user", "tblk-no-such-user"], 67),
])
def test_refusals_exit_codes(daemon_bin, netpair, workdir, case, args, want):
    argv = netpair.exec_argv(netpair.sl, [daemon_bin] + args + [
        "--socket", os.path.join(workdir, "s.sock")])
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=10)
    assert r.returncode == want, "%s: exit %s, want %d\n%s" % (
        case, r.returncode, want, r.stderr)
    assert r.stderr.strip(), "%s: refusal without a message" % case
    assert not os.path.lexists(os.path.join(workdir, "s.sock"))
