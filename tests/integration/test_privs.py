# SPDX-License-Identifier: MIT
"""SPEC §7 privileges: what the running daemon keeps, as root with --user
and as an unprivileged user given CAP_NET_BIND_SERVICE the way systemd's
AmbientCapabilities= does (setpriv)."""

import os
import signal
import time

import pytest

import netns

NOBODY = 65534
CAP_NET_BIND_SERVICE = 10
CAP_NET_ADMIN = 12
# SPEC §7: CAP_NET_ADMIN only in hardware modes with --hwts-config ensure;
# CAP_NET_BIND_SERVICE only for a design that must reopen its sockets. In
# software mode nothing else may stay, in any of the four sets.
SOFTWARE_ALLOWED = 1 << CAP_NET_BIND_SERVICE
SETPRIV_NOBODY = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                  "--clear-groups"]


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def cap_names(mask):
    names = {CAP_NET_BIND_SERVICE: "cap_net_bind_service",
             CAP_NET_ADMIN: "cap_net_admin"}
    return [names.get(b, "cap_%d" % b) for b in range(64) if mask >> b & 1]


def check_dropped(st, figure, label):
    caps = {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff",
                                        "CapAmb")}
    figure(label, " ".join("%s=%s" % (k, ",".join(cap_names(v)) or "0")
                           for k, v in caps.items()) +
           " NoNewPrivs=" + st["NoNewPrivs"])
    for k, v in caps.items():
        assert v & ~SOFTWARE_ALLOWED == 0, "%s holds %s" % (k, cap_names(v))
    assert st["NoNewPrivs"] == "1"


@pytest.fixture
def nobody_dir(workdir):
    """A directory the nobody user can write (for its socket)."""
    d = os.path.join(workdir, "run")
    os.mkdir(d, 0o755)
    os.chown(d, NOBODY, NOBODY)
    return d


def test_root_with_user_nobody(sidecar, notify, nobody_dir, grandmaster,
                               figure):
    sc = sidecar("--user", "nobody", notify=notify,
                 sock=os.path.join(nobody_dir, "s.sock"))
    figure("time to READY=1 with --user (s)", round(sc.ready_s, 3))
    st = proc_status(sc.pid)
    assert st["Uid"].split() == [str(NOBODY)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(NOBODY)] * 4, st["Gid"]
    assert "0" not in st["Groups"].split(), "still in group root"
    check_dropped(st, figure, "caps with --user nobody")
    # Still serving after the switch.
    reader = netns.FrameReader(sc.sock)
    time.sleep(1.5)
    frames = reader.close()
    assert len(frames) >= 8, "only %d frames as nobody" % len(frames)
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()


def test_unprivileged_without_bind_cap_exits_77(sidecar, nobody_dir, figure):
    sc = sidecar(prefix=SETPRIV_NOBODY, wait=False, log_level=None,
                 sock=os.path.join(nobody_dir, "s.sock"))
    rc = sc.wait_exit(10)
    err = sc.stderr()
    assert rc == 77, "exit %s\n%s" % (rc, err)
    named = [x for x in err.splitlines() if "CAP_NET_BIND_SERVICE" in x]
    assert named, "stderr does not name CAP_NET_BIND_SERVICE:\n" + err
    figure("refusal without the capability", named[0])


def test_unprivileged_with_ambient_bind_cap_starts(sidecar, notify,
                                                   nobody_dir, grandmaster,
                                                   figure):
    sc = sidecar(prefix=SETPRIV_NOBODY + [
        "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"],
        notify=notify, sock=os.path.join(nobody_dir, "s.sock"))
    figure("time to READY=1 as nobody + ambient cap (s)",
           round(sc.ready_s, 3))
    st = proc_status(sc.pid)
    assert st["Uid"].split() == [str(NOBODY)] * 4
    check_dropped(st, figure, "caps as nobody + ambient net_bind_service")
    reader = netns.FrameReader(sc.sock)
    time.sleep(1.5)
    frames = reader.close()
    assert len(frames) >= 8, "only %d frames" % len(frames)
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
    assert not os.path.lexists(sc.sock), "socket left behind"
