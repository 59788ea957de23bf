# SPDX-License-Identifier: MIT
"""SPEC §7 privileges, read from /proc/PID/status after READY=1: the capture
socket needs CAP_NET_RAW only to be created, so in software mode and with
--hwts-config check every set is empty; hardware/auto with ensure keeps
CAP_NET_ADMIN alone (re-arming SIOCSHWTSTAMP after a NIC reset). Started as
root with --user, and as an unprivileged user given the unit's ambient
capabilities the way systemd's AmbientCapabilities= does (setpriv)."""

import os
import signal
import time

import pytest

import netns

NOBODY = 65534
CAP_NET_ADMIN = 12
CAP_NET_RAW = 13
CAP_NET_BIND_SERVICE = 10
SETPRIV_NOBODY = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                  "--clear-groups"]
UNIT_CAPS = ["--inh-caps=+net_raw,+net_admin",
             "--ambient-caps=+net_raw,+net_admin"]
SETS = ("CapInh", "CapPrm", "CapEff", "CapAmb")


proc_status = netns.proc_status_of


def cap_names(mask):
    names = {CAP_NET_BIND_SERVICE: "cap_net_bind_service",
             CAP_NET_ADMIN: "cap_net_admin", CAP_NET_RAW: "cap_net_raw"}
    return [names.get(b, "cap_%d" % b) for b in range(64) if mask >> b & 1]


def check_caps(st, figure, label, prm_eff=0):
    """Inheritable and ambient empty; permitted and effective exactly
    @prm_eff; no new privileges."""
    caps = {k: int(st[k], 16) for k in SETS}
    figure(label, " ".join("%s=%s" % (k, ",".join(cap_names(v)) or "0")
                           for k, v in caps.items()) +
           " NoNewPrivs=" + st["NoNewPrivs"])
    want = {"CapInh": 0, "CapAmb": 0, "CapPrm": prm_eff, "CapEff": prm_eff}
    for k, v in caps.items():
        assert v == want[k], "%s holds %s, want %s" % (
            k, cap_names(v), cap_names(want[k]))
    assert st["NoNewPrivs"] == "1"


def serves(sc, n=8):
    reader = netns.FrameReader(sc.sock)
    time.sleep(1.5)
    frames = reader.close()
    assert len(frames) >= n, "only %d frames" % len(frames)


def test_root_software_drops_everything(sidecar, notify, grandmaster,
                                        figure):
    sc = sidecar(notify=notify)
    check_caps(proc_status(sc.pid), figure, "caps as root, software")
    serves(sc)
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()


def test_root_with_user_nobody(sidecar, notify, nobody_dir, grandmaster,
                               figure):
    sc = sidecar("--user", "nobody", notify=notify,
                 sock=os.path.join(nobody_dir, "s.sock"))
    figure("time to READY=1 with --user (s)", round(sc.ready_s, 3))
    st = proc_status(sc.pid)
    assert st["Uid"].split() == [str(NOBODY)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(NOBODY)] * 4, st["Gid"]
    assert "0" not in st["Groups"].split(), "still in group root"
    check_caps(st, figure, "caps with --user nobody, software")
    serves(sc)
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()


def test_unprivileged_without_raw_cap_exits_77(sidecar, nobody_dir, figure):
    sc = sidecar(prefix=SETPRIV_NOBODY, wait=False, log_level=None,
                 sock=os.path.join(nobody_dir, "s.sock"))
    rc = sc.wait_exit(10)
    err = sc.stderr()
    assert rc == 77, "exit %s\n%s" % (rc, err)
    named = [x for x in err.splitlines() if "CAP_NET_RAW" in x]
    assert named, "stderr does not name CAP_NET_RAW:\n" + err
    figure("refusal without the capability", named[0])


@pytest.mark.parametrize("mode,args,kept", [
    ("software", ("--timestamping", "software"), 0),
    ("hardware+check", ("--timestamping", "hardware", "--hwts-config",
                        "check"), 0),
    ("hardware+ensure", ("--timestamping", "hardware"), 1 << CAP_NET_ADMIN),
    ("auto+ensure", ("--timestamping", "auto"), 1 << CAP_NET_ADMIN),
])
def test_unit_ambient_caps_per_mode(sidecar, notify, nobody_dir, grandmaster,
                                    shim, netpair, workdir, figure, mode,
                                    args, kept):
    """As the unit starts it: nobody with ambient CAP_NET_RAW and
    CAP_NET_ADMIN. The fake NIC (already armed for `check`) makes the
    hardware modes real."""
    env = {}
    if mode != "software":
        fake = netns.FakeNic(shim, netpair.sl_if, workdir,
                             FAKENIC_FILTER=12, FAKENIC_TX=1)
        env = fake.launch_kw()
        env["prefix"] = tuple(SETPRIV_NOBODY + UNIT_CAPS) + env["prefix"]
    else:
        env = {"prefix": SETPRIV_NOBODY + UNIT_CAPS}
    sc = sidecar(*args[2:], notify=notify, timestamping=args[1],
                 sock=os.path.join(nobody_dir, "s.sock"), **env)
    st = proc_status(sc.pid)
    assert st["Uid"].split() == [str(NOBODY)] * 4
    check_caps(st, figure, "caps as nobody + unit caps, %s" % mode, kept)
    serves(sc)
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
    assert not os.path.lexists(sc.sock), "socket left behind"



def test_no_udp_port_319_320(sidecar, netpair, grandmaster, figure):
    """SPEC §3: no socket of the daemon is bound to UDP 319/320 (the kernel
    could hand it ptp4l's unicast), with the active slave on too: its
    sockets are the capture tap, unbound joins and an ephemeral-port
    Delay_Req socket. Read from the kernel's own table (ss)."""
    sc = sidecar("--delay-req")
    reader = netns.FrameReader(sc.sock, {"subscribe": ["tx"]})
    try:
        assert netns.wait_for(lambda: reader.snapshot(), 10), \
            "no Delay_Req sent:\n" + sc.stderr()

        def table():
            r = netns.sh(netpair.exec_argv(netpair.sl, [
                "ss", "-anpH", "-A", "inet,packet"]))
            rows = [x.split() for x in r.stdout.splitlines()
                    if "pid=%d," % sc.pid in x]
            # the ephemeral port appears once the first Delay_Req left
            return rows if any(x[0] == "udp" for x in rows) else None
        mine = netns.wait_for(table, 5, 0.2)
        if not mine:
            r = netns.sh(netpair.exec_argv(netpair.sl, [
                "ss", "-anpH", "-A", "inet,packet"]))
            mine = [x.split() for x in r.stdout.splitlines()
                    if "pid=%d," % sc.pid in x]
    finally:
        reader.close()
    figure("the daemon's inet/packet sockets",
           " | ".join(" ".join(x[:1] + x[4:5]) for x in mine))
    # Netid State Recv-Q Send-Q Local:Port Peer:Port Process
    kinds = {x[0] for x in mine}
    assert "p_raw" in kinds, mine
    udp = [x[4].rsplit(":", 1)[1] for x in mine if x[0] == "udp"]
    assert udp, "the Delay_Req socket is not in the table: %s" % mine
    assert not set(udp) & {"319", "320"}, mine
    assert all(int(p) >= 1024 for p in udp), mine
    assert not [x for x in mine if x[0] == "tcp"], mine
