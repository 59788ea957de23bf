# SPDX-License-Identifier: MIT
"""Torture, privileges and the socket path (issue 5, cases 8 and 9).

Extends test_privs.py and test_units.py rather than repeating them: those
cover --user nobody, the ambient-capability start under socket activation
and exit 77 without CAP_NET_RAW. Here: the unit's exact ambient
set on a self-created socket under load in each stamping mode (what is
left after READY, bounding set included), the socket's mode and group as
configured and what they let other users do, and every socket-path case
with proof that nothing that is not the daemon's own is removed.
"""

import grp
import os
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

import netns

NOBODY = 65534
CAP_BITS = {"CAP_NET_RAW": 13, "CAP_NET_ADMIN": 12}
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = os.path.join(REPO, "systemd", "tblk-ptp-sidecar.service")


def unit_ambient_caps():
    with open(UNIT) as f:
        m = re.search(r"^AmbientCapabilities=(.*)$", f.read(), re.M)
    return m.group(1).split()


def caps(st):
    return {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff",
                                        "CapBnd", "CapAmb")}


def names(mask):
    inv = {v: k.lower() for k, v in CAP_BITS.items()}
    return ",".join(inv.get(b, "cap_%d" % b) for b in range(64)
                    if mask >> b & 1) or "0"


# --- 8. privileges ------------------------------------------------------------

@pytest.mark.parametrize("ts", ["software", "auto"])
def test_torture_privs_unit_caps_under_load(sidecar, netpair, storm_tool,
                                            notify, nobody_dir, ts, figure):
    unit = unit_ambient_caps()
    arg = ",".join("+" + c[4:].lower() for c in unit)
    sc = sidecar(prefix=["setpriv", "--reuid=%d" % NOBODY,
                         "--regid=%d" % NOBODY, "--clear-groups",
                         "--inh-caps=-all," + arg, "--ambient-caps=" + arg,
                         "--bounding-set=-all," + arg, "--no-new-privs"],
                 notify=notify, timestamping=ts,
                 sock=os.path.join(nobody_dir, "s.sock"))
    st = netns.proc_status_of(sc.pid)
    c = caps(st)
    figure("unit ambient set", " ".join(unit))
    figure("after READY (%s)" % ts, " ".join(
        "%s=%s" % (k, names(v)) for k, v in c.items()) +
        " NoNewPrivs=" + st["NoNewPrivs"])
    # SPEC section 7: CAP_NET_ADMIN only where the NIC config may need
    # re-arming (hardware modes with --hwts-config ensure); never in
    # software mode.
    kept = 0 if ts == "software" else 1 << CAP_BITS["CAP_NET_ADMIN"]
    assert st["Uid"].split() == [str(NOBODY)] * 4
    assert c["CapAmb"] == 0 and c["CapInh"] == 0, c
    for k in ("CapPrm", "CapEff"):
        assert c[k] == kept, "%s=%s" % (k, names(c[k]))
    assert c["CapBnd"] & ~sum(1 << CAP_BITS[x] for x in unit) == 0
    assert st["NoNewPrivs"] == "1"
    storm = netns.Storm(netpair, storm_tool, "--valid", 10 ** 7,
                        "--malformed", 10 ** 7, "--rate", 5000)
    try:
        reader = netns.FrameReader(sc.sock)
        time.sleep(1.5)
        lines = reader.close()
    finally:
        storm.stop()
    figure("frames in 1.5 s under 5k pkt/s (%s)" % ts, len(lines))
    assert len(lines) > 1000, "only %d frames as nobody" % len(lines)
    assert sc.stop(signal.SIGTERM) == 0
    assert not os.path.lexists(sc.sock), "socket left behind"


def _try_connect_as(path, groups):
    """connect() as nobody with the given supplementary groups: True when
    it is allowed (AF_UNIX connect needs write permission on the inode)."""
    code = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
            "try:\n s.connect(sys.argv[1])\nexcept PermissionError:\n"
            " sys.exit(13)\n")
    argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY]
    argv += ["--groups=" + ",".join(map(str, groups))] if groups else \
        ["--clear-groups"]
    r = subprocess.run(argv + ["/usr/bin/python3", "-c", code, path],
                       timeout=10)
    assert r.returncode in (0, 13), r
    return r.returncode == 0


@pytest.mark.parametrize("mode", [0o600, 0o660, 0o666])
def test_torture_privs_socket_mode_group(sidecar, notify, nobody_dir, mode,
                                         figure):
    group = grp.getgrnam("daemon")
    sc = sidecar("--user", "nobody", "--socket-mode", "%04o" % mode,
                 "--socket-group", group.gr_name, notify=notify,
                 sock=os.path.join(nobody_dir, "s.sock"))
    st = os.lstat(sc.sock)
    figure("socket %04o" % mode, "mode %04o uid %d gid %d" % (
        stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == mode
    assert st.st_gid == group.gr_gid
    member = _try_connect_as(sc.sock, [group.gr_gid])
    other = _try_connect_as(sc.sock, [])
    figure("connect as group member / other (%04o)" % mode,
           "%s / %s" % (member, other))
    assert member == bool(mode & 0o020)
    assert other == bool(mode & 0o002)
    assert sc.stop(signal.SIGTERM) == 0


# --- 9. socket path cases -----------------------------------------------------

def _listener(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    return s


def _stale(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()


def _snapshot(d):
    """Every entry under d: type, inode, and a regular file's content."""
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            v = (stat.S_IFMT(st.st_mode), st.st_ino)
            if stat.S_ISLNK(st.st_mode):
                v += (os.readlink(p),)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    v += (f.read(),)
            out[p] = v
    return out


# case -> (set up the path, exit code, message part)
def _case(name, d):
    path = os.path.join(d, "s.sock")
    keep = []
    if name == "live instance":
        keep.append(_listener(path))
        return path, keep, 69, "a live instance is listening"
    if name == "stale socket":
        _stale(path)
        return path, keep, None, None
    if name == "regular file":
        with open(path, "w") as f:
            f.write("keep me\n")
        return path, keep, 69, "path exists and is not a socket"
    if name == "directory":
        os.mkdir(path)
        with open(os.path.join(path, "inside"), "w") as f:
            f.write("keep me too\n")
        return path, keep, 69, "path exists and is not a socket"
    if name == "symlink to a live socket":
        keep.append(_listener(os.path.join(d, "target.sock")))
        os.symlink("target.sock", path)
        return path, keep, 69, "path exists and is not a socket"
    if name == "symlink to a stale socket":
        _stale(os.path.join(d, "target.sock"))
        os.symlink("target.sock", path)
        return path, keep, 69, "path exists and is not a socket"
    if name == "symlink to a file":
        with open(os.path.join(d, "target"), "w") as f:
            f.write("keep me\n")
        os.symlink("target", path)
        return path, keep, 69, "path exists and is not a socket"
    if name == "dangling symlink":
        os.symlink("nowhere.sock", path)
        return path, keep, 69, "path exists and is not a socket"
    if name == "missing parent":
        return os.path.join(d, "no", "such", "s.sock"), keep, 69, \
            "parent directory does not exist"
    raise ValueError(name)


@pytest.mark.parametrize("case", [
    "live instance", "stale socket", "regular file", "directory",
    "symlink to a live socket", "symlink to a stale socket",
    "symlink to a file", "dangling symlink", "missing parent"])
def test_torture_socket_path(sidecar, workdir, case, figure):
    d = os.path.join(workdir, "p")
    os.mkdir(d)
    path, keep, want, msg = _case(case, d)
    before = _snapshot(d)
    try:
        sc = sidecar(sock=path, wait=want is None, log_level=None)
        if want is None:
            # the stale socket is replaced by the daemon's own (the inode
            # number may be reused, so: it answers now)...
            assert stat.S_ISSOCK(os.lstat(path).st_mode)
            assert sc.socket_ready()
            assert sc.stop(signal.SIGTERM) == 0
            # ...and only that is removed at exit
            assert not os.path.lexists(path)
            del before[path]
            assert _snapshot(d) == before
            figure(case, "replaced, removed at exit")
            return
        rc = sc.wait_exit(10)
        err = sc.stderr().strip().splitlines()
        figure(case, "exit %s: %s" % (rc, err[-1].split(": ", 1)[-1]
                                      if err else ""))
        assert rc == want, "exit %s\n%s" % (rc, "\n".join(err))
        assert len(err) == 1 and msg in err[0] and path in err[0], err
        assert _snapshot(d) == before, "the daemon touched what is not its"
        for s in keep:  # a live listener still answers
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(s.getsockname())
            c.close()
    finally:
        for s in keep:
            s.close()


def test_torture_socket_replaced_while_running(sidecar, workdir, figure):
    """Someone moves the daemon's socket away and puts a file in its
    place: at exit the daemon removes neither (the inode is not its)."""
    sc = sidecar()
    moved = sc.sock + ".moved"
    os.rename(sc.sock, moved)
    with open(sc.sock, "w") as f:
        f.write("not the daemon's\n")
    assert sc.stop(signal.SIGTERM) == 0
    with open(sc.sock) as f:
        assert f.read() == "not the daemon's\n"
    assert os.path.lexists(moved)
    figure("replaced path at exit", "left alone")
