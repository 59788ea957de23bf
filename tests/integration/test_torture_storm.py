# SPDX-License-Identifier: MIT
"""Torture, network and process side (issue 5, cases 5-7): a storm of
malformed PTP packets, signals under load with stop/start cycles, and link
faults under load (MTU change and address flush; link down/up and veth
re-creation are test_link.py's).

The PTP source is tests/tools/ptpstorm in the other namespace (no ptp4l),
so the daemon's counters can be held exactly against what it sent.
TBLK_TORTURE=full runs the long variants.
"""

import math
import os
import re
import signal
import socket
import statistics
import subprocess
import time

import netns

FULL = os.environ.get("TBLK_TORTURE") == "full"
STORM_SRC = "5e5707.fffe.000001-1"
SEQ_RE = re.compile(rb'"type":"rx","msgType":0,"seqId":(\d+),'
                    rb'[^\n]*"src":"([^"]*)"')
ANY_RX_RE = re.compile(rb'"type":"rx"')
COUNTERS = ["rx", "tx", "rxHw", "rxSw", "missingHw", "malformed",
            "truncated", "filtered", "kernelDrops", "txTimeouts",
            "clientDrops", "clientsRefused", "framesOut", "unstamped",
                   "rejected"]


def load(netpair, storm_tool, rate):
    """A steady stream of valid SYNCs until stopped."""
    return netns.Storm(netpair, storm_tool, "--valid", 10 ** 8,
                       "--malformed", 0, "--rate", rate)


def rx_count(reader, since=0.0):
    return sum(1 for mono, _w, line in reader.snapshot()
               if mono >= since and '"type":"rx"' in line)


# --- 5. packet storm --------------------------------------------------------

def test_torture_packet_storm(sidecar, netpair, storm_tool, tclient_bin,
                              daemon_bin, workdir, figure):
    # A rate the kernel delivers losslessly to this daemon on this VM
    # (asserted below through kernelDrops); ASan's daemon is slower.
    rate = 20000 if netns.is_asan(daemon_bin) else 50000
    malformed, valid = (1000000, 100000) if FULL else (50000, 5000)
    sc = sidecar(log_level="debug")
    out = os.path.join(workdir, "storm.out")
    with open(out, "wb") as f:
        reader = subprocess.Popen(
            [tclient_bin, "--frames", str(valid + 1), "--seconds",
             str(malformed // rate + 60), sc.sock], stdout=f,
            stderr=subprocess.DEVNULL)
    assert netns.wait_for(
        lambda: netns.status_probe(sc.sock)["clients"] == 2, 5)
    log_before = len(sc.stderr().splitlines())
    t0 = time.monotonic()
    rep = netns.Storm(netpair, storm_tool, "--malformed", malformed,
                      "--valid", valid, "--rate", rate,
                      "--seed", 1234).result(timeout=malformed // rate + 120)
    reader.wait(30)
    time.sleep(0.2)
    c = netns.status_probe(sc.sock)["counters"]
    storm_s = time.monotonic() - t0
    alive = sc.proc.poll() is None
    log = sc.stderr().splitlines()[log_before:]
    about = [x for x in log if re.search(
        r"malformed PTP|truncated packet|similar messages suppressed", x)]
    # Every line above debug in the storm, whatever it says: only our own
    # clients' connections (the status probes, tclient leaving) are
    # allowed there; anything else came from the remote sender.
    above = [x for x in log if not re.search(r"^\S+ debug: ", x)]
    ours = [x for x in above if re.search(
        r"^\S+ info: client \d+ (connected|disconnected)", x)]
    with open(out, "rb") as f:
        data = f.read()
    frames = SEQ_RE.findall(data)
    all_rx = len(ANY_RX_RE.findall(data))

    figure("sent: valid / malformed / oversize", "%d / %d / %d" % (
        rep["valid"], rep["malformed"], rep["oversize"]))
    figure("malformed kinds sent", rep["kinds"])
    figure("messageTypes claimed", {k: v for k, v in rep["types"].items()
                                    if v})
    figure("rate offered / achieved (pkt/s)", "%d / %.0f" %
           (rate, rep["rateAchieved"]))
    figure("daemon rx / malformed / truncated / filtered / kernelDrops",
           "%d / %d / %d / %d / %d" % (c["rx"], c["malformed"],
                                       c["truncated"], c["filtered"],
                                       c["kernelDrops"]))
    figure("log lines about bad packets in %.0f s" % storm_s, len(about))
    figure("log lines above debug / of them our clients'",
           "%d / %d" % (len(above), len(ours)))

    assert alive, "daemon died in the storm"
    assert rep["accidentallyValid"] == 0, "ptpstorm built a valid packet"
    assert c["kernelDrops"] == 0, \
        "kernel dropped packets at %d pkt/s: exact accounting impossible" \
        % rate
    assert c["malformed"] == rep["malformed"], (c["malformed"],
                                                rep["malformed"])
    # An oversize datagram leaves as IPv4 fragments: the capture path
    # never reassembles (SPEC §3, no fragments), so its first fragment is
    # counted filtered and the rest never pass the BPF filter.
    assert c["filtered"] == rep["oversize"], (c["filtered"],
                                              rep["oversize"])
    assert c["truncated"] == 0, c
    assert c["rx"] == rep["valid"], (c["rx"], rep["valid"])
    # Every valid SYNC framed, in order, once; nothing else framed.
    want = [(rep["firstSeq"] + i) & 0xffff for i in range(rep["valid"])]
    assert [int(s) for s, _src in frames] == want, \
        "%d SYNC frames for %d valid SYNCs" % (len(frames), len(want))
    assert {src for _s, src in frames} == {STORM_SRC.encode()}
    assert all_rx == len(frames), "frames for packets that were not valid"
    # Rate limited: 5 lines and one "suppressed" summary per started 10 s.
    windows = math.ceil(storm_s / 10) + 1
    assert len(about) <= 6 * windows, about[:20]
    assert len(above) == len(ours), \
        "a remote sender made the daemon log above debug: %s" % [
            x for x in above if x not in ours][:3]
    assert len(ours) <= 6, ours


# --- 6. signals under load --------------------------------------------------

def test_torture_signals_under_load(sidecar, netpair, storm_tool, notify,
                                    figure):
    sc = sidecar(notify=notify)
    storm = load(netpair, storm_tool, 2000)
    try:
        reader = netns.FrameReader(sc.sock)
        assert netns.wait_for(lambda: rx_count(reader) > 100, 5)

        n0 = len(sc.stderr().splitlines())
        sc.proc.send_signal(signal.SIGUSR1)
        line = netns.wait_for(lambda: [
            x for x in sc.stderr().splitlines()[n0:] if "counters:" in x], 1)
        assert line, "SIGUSR1 logged no counters within 1 s"
        missing = [k for k in COUNTERS if " %s " % k not in line[0] + " "]
        assert not missing, "counters line lacks %s: %s" % (missing, line)
        figure("SIGUSR1 line", line[0].split(": ", 1)[1])

        n0 = len(sc.stderr().splitlines())
        sc.proc.send_signal(signal.SIGHUP)
        assert netns.wait_for(lambda: any(
            "SIGHUP" in x for x in sc.stderr().splitlines()[n0:]), 1)
        t_hup = time.monotonic()
        assert netns.wait_for(lambda: rx_count(reader, t_hup + 0.1) > 100,
                              3), "frames did not continue after SIGHUP"
        assert sc.proc.poll() is None

        t0 = time.monotonic()
        sc.proc.send_signal(signal.SIGTERM)
        rc = sc.wait_exit(5)
        term_s = time.monotonic() - t0
        reader.close()
        figure("SIGTERM to exit under 2k pkt/s (s)", round(term_s, 3))
        assert rc == 0, sc.stderr()[-2000:]
        assert not os.path.lexists(sc.sock), "socket left behind"
        assert [m for m in notify.messages("STOPPING=1") if m[1] == sc.pid]
        assert reader.closed_by_peer, "client not closed at stop"
    finally:
        storm.stop()


def _first_frame(path, deadline):
    """Reconnect like the api-server (every ms) and return the monotonic
    time the first whole frame arrived, or None."""
    while time.monotonic() < deadline:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if s.connect_ex(path) != 0:
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
                return time.monotonic()
        except OSError:
            time.sleep(0.001)
        finally:
            s.close()
    return None


def test_torture_stop_start_cycles(sidecar, netpair, storm_tool, notify,
                                   figure):
    cycles = 50 if FULL else 10
    storm = load(netpair, storm_tool, 2000)
    ready, first, term = [], [], []
    try:
        for i in range(cycles):
            sc = sidecar(notify=notify, wait=False, log_level="notice",
                         name="cycle%d" % i)
            t_first = _first_frame(sc.sock, sc.t_start + 10)
            assert t_first is not None, "no frame in cycle %d:\n%s" % (
                i, sc.stderr()[-2000:])
            # the listener thread may record READY=1 after the frame came
            msgs = netns.wait_for(lambda: [
                m for m in notify.messages("READY=1") if m[1] == sc.pid], 5)
            assert msgs, "no READY=1 from pid %d" % sc.pid
            ready.append(msgs[0][0] - sc.t_start)
            first.append(t_first - sc.t_start)
            t0 = time.monotonic()
            sc.proc.send_signal(signal.SIGTERM)
            rc = sc.wait_exit(5)
            term.append(time.monotonic() - t0)
            assert rc == 0, sc.stderr()[-2000:]
            assert not os.path.lexists(sc.sock)
    finally:
        storm.stop()

    def ms(v):
        return "median %.1f ms, worst %.1f ms" % (
            statistics.median(v) * 1e3, max(v) * 1e3)
    figure("cycles", cycles)
    figure("exec -> READY=1", ms(ready))
    figure("exec -> first frame to a reconnecting client", ms(first))
    figure("SIGTERM -> exit", ms(term))


# --- 7. link faults under load (MTU, address flush) --------------------------

def _ip(netpair, *args, check=True):
    return netns.sh(["ip", "-n", netpair.sl] + list(args), check=check)


def test_torture_link_mtu_and_address_flush(sidecar, netpair, storm_tool,
                                            figure):
    sc = sidecar()
    storm = load(netpair, storm_tool, 2000)
    ifn = netpair.sl_if
    res = {}
    try:
        reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
        assert netns.wait_for(lambda: rx_count(reader) > 100, 5)
        for mtu in (1280, 9000, 1500):
            _ip(netpair, "link", "set", ifn, "mtu", str(mtu))
            t = time.monotonic()
            ok = netns.wait_for(lambda: rx_count(reader, t) > 200, 3)
            res["frames seen after MTU %d (waited for 200)" % mtu] = rx_count(reader, t)
            assert ok, "frames stopped after MTU %d" % mtu
        _ip(netpair, "addr", "flush", "dev", ifn)
        t = time.monotonic()
        time.sleep(1.0)
        res["frames in 1 s without an address"] = rx_count(reader, t)
        _ip(netpair, "addr", "add", netns.SL_ADDR + "/24", "dev", ifn)
        _ip(netpair, "route", "replace", "224.0.0.0/4", "dev", ifn)
        t = time.monotonic()
        ok = netns.wait_for(lambda: rx_count(reader, t) > 200, 3)
        res["frames seen after the address is back (waited for 200)"] = rx_count(reader, t)
        assert ok, "frames did not resume after the address came back"
        time.sleep(1.2)  # one status tick
        status = [netns.parse_frame(x[2]) for x in reader.snapshot()
                  if '"type":"status"' in x[2]]
        lines = reader.close()
    finally:
        storm.stop()
        _ip(netpair, "link", "set", ifn, "mtu", "1500", check=False)
        _ip(netpair, "addr", "replace", netns.SL_ADDR + "/24", "dev", ifn,
            check=False)
        _ip(netpair, "route", "replace", "224.0.0.0/4", "dev", ifn,
            check=False)
    for k, v in res.items():
        figure(k, v)
    assert sc.proc.poll() is None, "daemon died"
    assert status and status[-1]["link"] == "up", status[-1:]
    seqs = [netns.parse_frame(x[2])["seqId"] for x in lines
            if '"type":"rx"' in x[2]]
    gaps = sum(1 for a, b in zip(seqs, seqs[1:]) if b != (a + 1) & 0xffff)
    figure("gaps in the SYNC stream", gaps)
    err = sc.stderr()
    assert "link down" not in err, "an MTU change was reported as link down"
