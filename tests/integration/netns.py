# SPDX-License-Identifier: MIT
"""Helpers for the integration tests: namespaces, ptp4l, the daemon, clients,
a NOTIFY_SOCKET listener and a small pcap reader.

Everything here creates uniquely named objects (namespaces carry the test
process's pid and a counter) and knows how to remove them again; the
fixtures in conftest.py make sure that happens, also on failure.
"""

import itertools
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import threading
import time
from collections import OrderedDict

import pytest

GM_ADDR = "10.99.0.1"
SL_ADDR = "10.99.0.2"

# Sync, Delay_Req, Pdelay_Req, Pdelay_Resp, Follow_Up, Delay_Resp, ...
SYNC, DELAY_REQ, FOLLOW_UP, DELAY_RESP, ANNOUNCE = 0, 1, 8, 9, 11

V1_CORE = ["v", "type", "msgType", "seqId", "unixNs", "mechanism"]

_COUNTER = itertools.count()


def unique(tag):
    """A name no other run on this machine uses: tblk + pid + counter."""
    return "tblk%d%s%d" % (os.getpid(), tag, next(_COUNTER))


def sh(cmd, check=True, timeout=30, **kw):
    """Run a command (a list), return CompletedProcess with text output."""
    return subprocess.run(cmd, check=check, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          **kw)


def wait_for(pred, timeout, step=0.02):
    """Poll pred() until it returns something true or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(step)


def kill_proc(proc, sig=signal.SIGTERM, timeout=5):
    """Stop a Popen we started; escalate to SIGKILL. Returns its exit code."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


class NetPair:
    """Two namespaces joined by veth, addressed as in LAB.md."""

    def __init__(self):
        self.gm = unique("g")
        self.sl = unique("s")
        # Created inside the namespaces directly, so the names only have to
        # be unique there (and fit IFNAMSIZ).
        self.gm_if = "veth-gm"
        self.sl_if = "veth-sl"
        self.made = []

    def create(self):
        for ns in (self.gm, self.sl):
            sh(["ip", "netns", "add", ns])
            self.made.append(ns)
        sh(["ip", "link", "add", self.gm_if, "netns", self.gm, "type",
            "veth", "peer", "name", self.sl_if, "netns", self.sl])
        for ns, ifn, addr in ((self.gm, self.gm_if, GM_ADDR),
                              (self.sl, self.sl_if, SL_ADDR)):
            sh(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", ifn])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])
            sh(["ip", "-n", ns, "link", "set", ifn, "up"])
            sh(["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", ifn])
        return self

    def destroy(self):
        for ns in self.made:
            # Anything still running in a namespace we made is ours.
            r = sh(["ip", "netns", "pids", ns], check=False)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh(["ip", "netns", "del", ns], check=False)
        self.made = []

    def exec_argv(self, ns, argv):
        return ["ip", "netns", "exec", ns] + list(argv)


class Ptp4l:
    """A ptp4l instance (grandmaster or free-running slave) in a namespace."""

    def __init__(self, pair, ns, ifname, tmpdir, name, extra_cfg=""):
        self.uds = os.path.join(tmpdir, name + ".uds")
        self.cfg = os.path.join(tmpdir, name + ".cfg")
        self.log = os.path.join(tmpdir, name + ".log")
        with open(self.cfg, "w") as f:
            f.write("[global]\n"
                    "time_stamping           software\n"
                    "logSyncInterval         -3\n"
                    "logAnnounceInterval     0\n"
                    "logMinDelayReqInterval  -3\n"
                    "uds_address             %s\n%s" % (self.uds, extra_cfg))
        self.argv = pair.exec_argv(ns, ["ptp4l", "-f", self.cfg, "-i", ifname,
                                        "-4", "-m"])
        self.proc = None

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        return self

    def output(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, text, timeout):
        return wait_for(lambda: text in self.output() or
                        self.proc.poll() is not None, timeout, 0.05) and \
            text in self.output()

    def stop(self):
        if self.proc:
            kill_proc(self.proc)
            self.logf.close()


def grandmaster(pair, tmpdir):
    return Ptp4l(pair, pair.gm, pair.gm_if, tmpdir, "gm",
                 "priority1               10\n")


def free_running_slave(pair, tmpdir):
    return Ptp4l(pair, pair.sl, pair.sl_if, tmpdir, "slave",
                 "slaveOnly               1\nfree_running            1\n")


def pmc_port_stats(pair, uds):
    """rx_/tx_ counters of a ptp4l over its UDS (GET PORT_STATS_NP)."""
    r = sh(pair.exec_argv(pair.sl, ["pmc", "-u", "-b", "0", "-s", uds,
                                    "GET PORT_STATS_NP"]), check=False)
    return {k: int(v) for k, v in
            re.findall(r"^\s*((?:rx|tx)_\w+)\s+(\d+)\s*$", r.stdout, re.M)}


class NotifyListener:
    """An AF_UNIX SOCK_DGRAM NOTIFY_SOCKET; records (monotonic, pid, text)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        # The daemon may notify after switching to an unprivileged user.
        os.chmod(path, 0o666)
        # SO_PASSCRED: the kernel attaches the sender's pid to each datagram.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.msgs = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        ucred = struct.calcsize("3i")
        while not self.stopping:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(ucred))
            now = time.monotonic()
            pid = None
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and \
                        typ == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", cdata[:ucred])[0]
            text = data.decode(errors="replace")
            with self.lock:
                for line in text.split("\n"):
                    if line:
                        self.msgs.append((now, pid, line))

    def messages(self, prefix=None):
        with self.lock:
            return [m for m in self.msgs
                    if prefix is None or m[2].startswith(prefix)]

    def wait(self, prefix, timeout, count=1):
        return wait_for(lambda: len(self.messages(prefix)) >= count, timeout)

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


class Sidecar:
    """One daemon process, its stderr in a file."""

    def __init__(self, argv, env, sock, stderr_path, notify=None):
        self.argv = argv
        self.sock = sock
        self.stderr_path = stderr_path
        self.notify = notify
        self.errf = open(stderr_path, "w")
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.errf)
        self.pid = self.proc.pid

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def socket_ready(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect(self.sock)
            return True
        except OSError:
            return False

    def wait_ready(self, timeout=10):
        """READY=1 on the notify socket, else a connectable client socket.
        Returns the seconds it took, or None when it never happened."""
        def ready():
            if self.proc.poll() is not None:
                return "exited"
            if self.notify is not None:
                return self.notify.messages("READY=1") and "ready"
            # One probe connection only: each one is a client to the
            # daemon until it notices the close.
            return self.socket_ready() and "ready"
        if wait_for(ready, timeout) != "ready":
            return None
        return time.monotonic() - self.t_start

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=5):
        rc = kill_proc(self.proc, sig, timeout)
        self.errf.close()
        return rc


def not_built(text, rc):
    """The placeholder binary: exit 70, "not built yet"."""
    return rc == 70 and "not built yet" in text


class Launcher:
    """Starts daemons in the slave namespace and stops them all at the end;
    used by the `sidecar` fixture and by module-scoped fixtures."""

    def __init__(self, daemon_bin, netpair, workdir):
        self.daemon_bin = daemon_bin
        self.netpair = netpair
        self.workdir = workdir
        self.started = []

    def start(self, *args, sock=None, notify=None, env=None, wait=True,
              prefix=(), iface=None, timestamping="software",
              log_level="info", name=None, wrapper=()):
        """Start one daemon: args are extra options; sock=False omits
        --socket; prefix goes between `ip netns exec NS` and the daemon
        (setpriv, systemd-socket-activate), wrapper before `ip`. Waits
        for READY=1 (notify given) or a connectable socket unless
        wait=False; skips when the daemon is not built yet."""
        idx = len(self.started)
        sock = self.workdir + "/s.sock" if sock is None else sock
        argv = [self.daemon_bin, "-i", iface or self.netpair.sl_if]
        if timestamping is not None:
            argv += ["--timestamping", timestamping]
        if sock is not False:
            argv += ["--socket", sock]
        if log_level is not None:
            argv += ["--log-level", log_level]
        argv += list(args)
        full = list(wrapper) + self.netpair.exec_argv(
            self.netpair.sl, list(prefix) + argv)
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("NOTIFY_SOCKET", "WATCHDOG_", "LISTEN_",
                                  "JOURNAL_STREAM"))}
        if notify is not None:
            e["NOTIFY_SOCKET"] = notify.path
        e.update(env or {})
        errpath = os.path.join(self.workdir, "%s.stderr" %
                               (name or "sidecar%d" % idx))
        sc = Sidecar(full, e, sock, errpath, notify)
        self.started.append(sc)
        sc.ready_s = None
        if wait:
            sc.ready_s = sc.wait_ready(10)
            if sc.ready_s is None:
                rc = sc.proc.poll()
                err = sc.stderr()
                if not_built(err, rc):
                    pytest.skip("daemon not built yet (exit 70)")
                pytest.fail("daemon not ready within 10 s (exit %s):\n%s" %
                            (rc, err[-3000:]))
        return sc

    def finish(self, failed):
        for sc in self.started:
            sc.stop(timeout=5)
        if failed:
            for sc in self.started:
                print("---- %s (exit %s) stderr:\n%s" %
                      (" ".join(sc.argv), sc.proc.returncode,
                       sc.stderr()[-4000:]))


def parse_frame(line):
    """json.loads keeping key order; raises ValueError on invalid JSON."""
    return json.loads(line, object_pairs_hook=OrderedDict)


class FrameReader:
    """A Unix-socket client collecting newline-delimited frames in a thread:
    each as (monotonic, wall-clock ns at arrival, raw line)."""

    def __init__(self, path, request=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        if request is not None:
            self.sock.sendall(json.dumps(request, separators=(",", ":"))
                              .encode() + b"\n")
        self.t_connect = time.monotonic()
        self.lines = []
        self.closed_by_peer = False
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buf = b""
        while not self.stopping:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                # The daemon closed us with our request unread.
                data = b""
            if not data:
                self.closed_by_peer = True
                break
            mono, wall = time.monotonic(), time.time_ns()
            buf += data
            *complete, buf = buf.split(b"\n")
            with self.lock:
                for c in complete:
                    self.lines.append((mono, wall, c.decode("utf-8")))

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()
        return self.snapshot()


# --- pcap -----------------------------------------------------------------

class Tcpdump:
    """tcpdump -w in a namespace, PTP ports only."""

    def __init__(self, pair, ns, ifname, path):
        self.path = path
        self.errpath = path + ".err"
        self.errf = open(self.errpath, "w")
        # -Z root: Debian's tcpdump otherwise drops to its own user, which
        # cannot write into our private directory. -U: flush per packet.
        self.proc = subprocess.Popen(
            pair.exec_argv(ns, ["tcpdump", "-i", ifname, "-n", "-U", "-Z",
                                "root", "-s", "512", "-w", path, "udp port 319 "
                                "or udp port 320"]),
            stdout=subprocess.DEVNULL, stderr=self.errf)

    def wait_listening(self, timeout=5):
        def ok():
            with open(self.errpath) as f:
                return "listening on" in f.read() or \
                    self.proc.poll() is not None
        wait_for(ok, timeout)
        with open(self.errpath) as f:
            return "listening on" in f.read()

    def stop(self):
        kill_proc(self.proc, signal.SIGINT)
        self.errf.close()
        return read_pcap(self.path)


def read_pcap(path):
    """Yield (ts_ns, src_ip, dst_ip, dport, udp_payload) of IPv4/UDP packets
    in an Ethernet pcap (micro- or nanosecond variant, either byte order)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    table = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
             b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}
    if magic not in table:
        raise ValueError("not a pcap file: %r" % magic)
    end, mult = table[magic]
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("linktype %d, expected Ethernet" % linktype)
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 + 8 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 0x0f) * 4
        if ip[9] != 17:
            continue
        src = socket.inet_ntoa(ip[12:16])
        dst = socket.inet_ntoa(ip[16:20])
        udp = ip[ihl:]
        dport = struct.unpack(">H", udp[2:4])[0]
        ulen = struct.unpack(">H", udp[4:6])[0]
        out.append((sec * 1000000000 + frac * mult, src, dst, dport,
                    bytes(udp[8:ulen])))
    return out


def port_id_str(b):
    """sourcePortIdentity as SPEC §4 / linuxptp write it: aabbcc.fffe.ddeeff-1"""
    c = b[:8].hex()
    return "%s.%s.%s-%d" % (c[:6], c[6:10], c[10:16],
                           struct.unpack(">H", b[8:10])[0])


def ts_ns(b):
    """A 10-byte PTP Timestamp (48-bit seconds, 32-bit ns) in nanoseconds."""
    sec = int.from_bytes(b[:6], "big")
    nsec = struct.unpack(">I", b[6:10])[0]
    return sec * 1000000000 + nsec


def decode_ptp(p):
    """The fields the frames are checked against, or None if not PTPv2."""
    if len(p) < 34 or (p[1] & 0x0f) != 2:
        return None
    m = {"msgType": p[0] & 0x0f, "domain": p[4],
         "flags": struct.unpack(">H", p[6:8])[0],
         "correction": struct.unpack(">q", p[8:16])[0],
         "src": port_id_str(p[20:30]),
         "seqId": struct.unpack(">H", p[30:32])[0]}
    t = m["msgType"]
    if t in (SYNC, DELAY_REQ, FOLLOW_UP, ANNOUNCE) and len(p) >= 44:
        m["originNs"] = ts_ns(p[34:44])
    if t == DELAY_RESP and len(p) >= 54:
        m["receiveNs"] = ts_ns(p[34:44])
        m["reqPort"] = port_id_str(p[44:54])
    return m


def ptp_packets(pcap, src=None):
    """Decoded PTP messages of a capture, optionally from one source IP."""
    out = []
    for ts, s, _d, _dport, payload in pcap:
        if src is not None and s != src:
            continue
        m = decode_ptp(payload)
        if m is not None:
            m["ts"] = ts
            m["ip"] = s
            out.append(m)
    return out


# --- hwtest helpers: the fake NIC, frame picking, sidecar identity ----------
# Added for test_hardware.py, test_active.py and test_link.py; nothing above
# depends on them.

def built_tool(daemon_bin, rel):
    """A test tool the Makefile built (`make tools`, `make asan`): next to
    the daemon, else in $TBLK_BUILD or build/. None when it is not there;
    nothing is compiled here."""
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    cands = [os.path.join(os.path.dirname(daemon_bin), rel)]
    if os.environ.get("TBLK_BUILD"):
        cands.append(os.path.join(os.path.abspath(os.environ["TBLK_BUILD"]),
                                  rel))
    cands.append(os.path.join(repo, "build", rel))
    for c in cands:
        if os.path.isfile(c) and (rel.endswith(".so") or
                                  os.access(c, os.X_OK)):
            return c
    return None


def need(what, found):
    """@found, or the test cannot run: a failure under CI=true (make check
    builds and installs everything), a skip elsewhere."""
    if found:
        return found
    msg = "%s missing: run `make deps` and `make B=<dir> tools` " \
        "(TBLK_BUILD=<dir>)" % what
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def is_asan(path):
    """An ASan build: its figures (RSS, rates) are the sanitizer's."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def fakenic_so(daemon_bin, tmpdir=None):
    """Path of the fakenic.so the Makefile built, or None."""
    return built_tool(daemon_bin, "fakenic.so")


class FakeNic:
    """One daemon's view of tests/shim/fakenic.so: its environment, its
    FAKENIC_LOG ("get" / "set tx=N rx=N" lines) and its reset file."""

    def __init__(self, so, iface, tmpdir, **env):
        self.so = so
        self.log = os.path.join(tmpdir, "fakenic.log")
        self.reset_file = os.path.join(tmpdir, "fakenic.reset")
        self.vars = {"FAKENIC_IFACE": iface, "FAKENIC_LOG": self.log,
                     "FAKENIC_RESET_FILE": self.reset_file}
        self.vars.update({k: str(v) for k, v in env.items()})

    def launch_kw(self):
        """Keyword arguments for Launcher.start: the variables in the
        environment, LD_PRELOAD only for the daemon (not for `ip`)."""
        return {"env": dict(self.vars),
                "prefix": ("env", "LD_PRELOAD=" + self.so)}

    def log_lines(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def sets(self):
        return [x for x in self.log_lines() if x.startswith("set")]

    def reset(self):
        """A NIC reset: the shim drops its config at the next call."""
        with open(self.reset_file, "w"):
            pass

    def reset_done(self):
        return not os.path.exists(self.reset_file)


def frames(lines, typ=None, msg_type=None):
    """Parsed frames of FrameReader lines as (arrival wall ns, frame)."""
    out = []
    for _mono, wall, raw in lines:
        f = parse_frame(raw)
        if typ is not None and f.get("type") != typ:
            continue
        if msg_type is not None and f.get("msgType") != msg_type:
            continue
        out.append((wall, f))
    return out


def mac_of(pair, ns, ifname):
    r = sh(["ip", "-n", ns, "-j", "link", "show", "dev", ifname])
    return json.loads(r.stdout)[0]["address"]


def port_id_of_mac(mac, port):
    """The sidecar's portIdentity: clockIdentity = MAC as EUI-64."""
    b = mac.lower().split(":")
    return "%s.fffe.%s-%d" % ("".join(b[:3]), "".join(b[3:]), port)


def pmc_get(pair, uds, what, ns=None):
    """`pmc GET what` over a ptp4l UDS as {field: text}."""
    r = sh(pair.exec_argv(ns or pair.sl, ["pmc", "-u", "-b", "0", "-s", uds,
                                          "GET " + what]), check=False)
    return dict(re.findall(r"^\s+(\w+)\s+(\S+)\s*$", r.stdout, re.M))


# --- torture helpers: /proc figures, status probe, ptpstorm -----------------
# Added for test_torture_*.py; nothing above depends on them.

def proc_status_of(pid):
    """/proc/PID/status as {field: text}."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def mem_kib(pid):
    """(VmRSS, VmHWM) of a process in KiB."""
    st = proc_status_of(pid)
    return int(st["VmRSS"].split()[0]), int(st["VmHWM"].split()[0])


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def status_probe(path, timeout=3):
    """Connect, subscribe to status, return the first status frame (a dict;
    it is sent at once on subscription) and disconnect."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(b'{"subscribe":["status"]}\n')
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("daemon closed the status probe")
            buf += chunk
            for line in buf.split(b"\n")[:-1]:
                f = json.loads(line)
                if f.get("type") == "status":
                    return f


def storm_bin(daemon_bin, tmpdir=None):
    """tools/ptpstorm as the Makefile built it, or None."""
    return built_tool(daemon_bin, os.path.join("tools", "ptpstorm"))


def status_frames(lines):
    """The status frames (dicts) among FrameReader lines, in order."""
    return [f for _w, f in frames(lines, "status")]


def last_status(reader):
    """The last status frame a FrameReader got, or None."""
    st = status_frames(reader.snapshot())
    return st[-1] if st else None


class Storm:
    """tests/tools/ptpstorm in the grandmaster namespace; result() is its
    JSON report (what it sent, per kind)."""

    def __init__(self, pair, binary, *args):
        self.proc = subprocess.Popen(
            pair.exec_argv(pair.gm, [binary, "-i", pair.gm_if] +
                           [str(a) for a in args]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self, timeout=120):
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError("ptpstorm exit %s: %s" %
                               (self.proc.returncode, err))
        return json.loads(out.strip().splitlines()[-1])

    def stop(self):
        kill_proc(self.proc)
