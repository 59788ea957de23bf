# SPDX-License-Identifier: MIT
"""Link changes in the middle of a run (SPEC §7): the slave veth goes down
and up, then the veth pair is deleted and re-created under the same names
(a new ifindex and a new MAC). The daemon reports the link in status frames
and STATUS=, keeps running, resumes framing (rx and, with --delay-req, tx
from its new portIdentity) and stops with exit 0. The ptp4l grandmaster is
not under test: it is restarted after its interface vanished."""

import os
import signal
import time

import pytest

import netns
from netns import DELAY_RESP, GM_ADDR, SL_ADDR, SYNC

PORT = 32767


class Grandmaster:
    """The module's grandmaster, restartable (a new log dir each time)."""

    def __init__(self, pair, base):
        self.pair = pair
        self.base = base
        self.n = 0
        self.gm = None

    def start(self):
        d = os.path.join(self.base, "gm%d" % self.n)
        self.n += 1
        os.mkdir(d, 0o755)
        self.gm = netns.grandmaster(self.pair, d).start()
        if not self.gm.wait_log("assuming the grand master role", 20):
            pytest.fail("grandmaster did not start:\n" +
                        self.gm.output()[-2000:])
        return self

    def stop(self):
        if self.gm:
            self.gm.stop()
            self.gm = None


@pytest.fixture(scope="module")
def gm(netpair, tmpbase):
    g = Grandmaster(netpair, tmpbase).start()
    yield g
    g.stop()


def link_set(pair, state):
    netns.sh(["ip", "-n", pair.sl, "link", "set", pair.sl_if, state])


def after(reader, t_ns, typ="rx", msg_type=SYNC):
    return [f for w, f in netns.frames(reader.snapshot(), typ, msg_type)
            if w > t_ns]


def first_after(reader, t_ns):
    """Seconds from t_ns to the first SYNC frame after it."""
    w = [w for w, _f in netns.frames(reader.snapshot(), "rx", SYNC)
         if w > t_ns]
    return round((w[0] - t_ns) / 1e9, 2) if w else None


def wait_status(reader, pred, timeout):
    return netns.wait_for(lambda: (lambda s: s is not None and pred(s))(
        netns.last_status(reader)), timeout, 0.05)


@pytest.mark.parametrize("user", ["root", "nobody"])
def test_down_up_and_recreate(sidecar, notify, netpair, gm, workdir, figure,
                              user):
    """As nobody nothing privileged is left: the same capture socket is
    re-bound to the new ifindex, the Delay_Req socket re-made."""
    args = ["--delay-req", "--status-interval", "1"]
    kw = {}
    if user == "nobody":
        d = os.path.join(workdir, "run")
        os.mkdir(d, 0o755)
        os.chown(d, 65534, 65534)
        args += ["--user", "nobody"]
        kw["sock"] = os.path.join(d, "s.sock")
    sc = sidecar(*args, notify=notify, **kw)
    if user == "nobody":
        with open("/proc/%d/status" % sc.pid) as f:
            st = dict(x.split(":", 1) for x in f.read().splitlines())
        assert st["Uid"].split()[1] == "65534", st["Uid"]
        assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0, st
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "tx",
                                                       "status"]})
    try:
        assert netns.wait_for(lambda: len(after(reader, 0, "tx", None)) >= 3,
                              10), "no tx frames before any link change"
        st0 = netns.last_status(reader)
        assert st0["link"] == "up", st0
        ifindex0 = st0["ifindex"]
        self0 = netns.port_id_of_mac(netns.mac_of(
            netpair, netpair.sl, netpair.sl_if), PORT)

        # -- down and up --------------------------------------------------
        link_set(netpair, "down")
        assert wait_status(reader, lambda s: s["link"] == "down", 3), \
            netns.last_status(reader)
        assert notify.wait("STATUS=%s down" % netpair.sl_if, 3), \
            notify.messages("STATUS=")
        time.sleep(1.0)
        t_up = time.time_ns()
        link_set(netpair, "up")
        assert wait_status(reader, lambda s: s["link"] == "up", 3)
        assert netns.wait_for(lambda: after(reader, t_up), 15), \
            "no SYNC frame within 15 s of the link coming back"
        resume_up = first_after(reader, t_up)
        assert netns.wait_for(lambda: after(reader, t_up, "tx", None), 10), \
            "no tx frame after the link came back"
        assert sc.proc.poll() is None
        figure("link up to SYNC frames again (s)", resume_up)

        # -- delete and re-create -----------------------------------------
        gm.stop()
        t_del = time.time_ns()
        netns.sh(["ip", "-n", netpair.sl, "link", "del", netpair.sl_if])
        assert wait_status(reader, lambda s: s["link"] == "down", 3)
        n_down = len(notify.messages("STATUS=%s down" % netpair.sl_if))
        time.sleep(0.5)
        recreate_veth(netpair)
        t_new = time.time_ns()
        gm.start()
        assert netns.wait_for(lambda: after(reader, t_new), 15), \
            "no SYNC frame after the interface was re-created"
        assert wait_status(reader, lambda s: s["link"] == "up" and
                           s["ifindex"] != ifindex0, 3), netns.last_status(reader)
        self1 = netns.port_id_of_mac(netns.mac_of(
            netpair, netpair.sl, netpair.sl_if), PORT)
        assert netns.wait_for(lambda: len(after(reader, t_new, "tx",
                                                None)) >= 3, 10), \
            "no tx frames after re-creation (OPT_ID keys of the new socket?)"
        tx = after(reader, t_new, "tx", None)
        assert all(f["src"] == self1 for f in tx), (self0, self1, tx)
        time.sleep(0.3)
        resp = {f["seqId"] for f in after(reader, t_new, "rx", DELAY_RESP)
                if f["reqPort"] == self1}
        assert all(f["seqId"] in resp for f in tx[:-1]), (tx, resp)
        st = netns.last_status(reader)
        assert sc.proc.poll() is None
        figure("ifindex before / after re-creation",
               "%d / %d" % (ifindex0, st["ifindex"]))
        figure("identity before / after", "%s / %s" % (self0, self1))
        figure("delete to SYNC frames again (s, incl. ptp4l restart)",
               first_after(reader, t_del))
        figure("STATUS= down lines", n_down)
        assert st["counters"]["txTimeouts"] == 0, st
    finally:
        reader.close()
    rc = sc.stop()
    assert rc == 0, sc.stderr()
    err = sc.stderr()
    for want in ("link down", "link up", "interface removed",
                 "interface is back as ifindex"):
        assert want in err, "%r not logged:\n%s" % (want, err)


def recreate_veth(pair):
    """Make the deleted pair again (deleting one end took both) with the
    same names, addresses and multicast routes."""
    netns.sh(["ip", "link", "add", pair.gm_if, "netns", pair.gm, "type",
              "veth", "peer", "name", pair.sl_if, "netns", pair.sl])
    for ns, ifn, addr in ((pair.gm, pair.gm_if, GM_ADDR),
                          (pair.sl, pair.sl_if, SL_ADDR)):
        netns.sh(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", ifn])
        netns.sh(["ip", "-n", ns, "link", "set", ifn, "up"])
        netns.sh(["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev",
                  ifn])


def test_nic_reset_rearmed_on_link_up(sidecar, shim, netpair, workdir, gm,
                                      figure):
    """A NIC reset (the shim forgets its config) followed by the link going
    down and up, as a firmware recovery does: the daemon re-arms (a second
    "set") and frames stay hardware."""
    fake = netns.FakeNic(shim, netpair.sl_if, workdir,
                         FAKENIC_HW_OFFSET_NS=10**12)
    sc = sidecar("--status-interval", "1", timestamping="hardware",
                 **fake.launch_kw())
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    try:
        assert netns.wait_for(lambda: after(reader, 0), 10)
        assert len(fake.sets()) == 1
        fake.reset()
        # the shim resets at its next recvmsg: a packet must arrive first
        assert netns.wait_for(fake.reset_done, 3), "the shim never reset"
        link_set(netpair, "down")
        time.sleep(0.5)
        t_up = time.time_ns()
        link_set(netpair, "up")
        assert netns.wait_for(lambda: len(fake.sets()) == 2, 3), \
            fake.log_lines()
        assert netns.wait_for(lambda: len(after(reader, t_up)) >= 8, 15), \
            "hardware SYNC frames did not resume"
    finally:
        lines = reader.close()
    syncs = netns.frames(lines, "rx", SYNC)
    assert all(f["mechanism"] == "so_timestamping" and f["phc"] == 0 and
               int(f["unixNs"]) - w > 999 * 10**9 for w, f in syncs), syncs
    assert fake.sets()[1] == "set tx=1 rx=12", fake.log_lines()
    assert netns.last_status(reader)["hwtsFilter"] == "ptpv2-event"
    assert sc.stop() == 0
    figure("fakenic log after reset + link toggle",
           "; ".join(fake.log_lines()))


def test_failed_probe_is_not_a_deletion(sidecar, daemon_bin, netpair,
                                        workdir, gm, figure):
    """A link probe that fails (if_nametoindex() out of buffers, through
    tests/shim/failprobe.so) at a SIGHUP must not be taken for a deleted
    interface: frames keep flowing, the link stays up, and the probe is
    asked again until it answers."""
    so = netns.need("failprobe.so",
                    netns.built_tool(daemon_bin, "failprobe.so"))
    flag = os.path.join(workdir, "failprobe")
    sc = sidecar("--status-interval", "1", env={"FAILPROBE_FILE": flag},
                 prefix=("env", "LD_PRELOAD=" + so))
    reader = netns.FrameReader(sc.sock, {"subscribe": ["rx", "status"]})
    try:
        assert netns.wait_for(lambda: after(reader, 0), 10)
        open(flag, "w").close()
        t_hup = time.time_ns()
        os.kill(sc.pid, signal.SIGHUP)
        time.sleep(2.5)
        during = after(reader, t_hup + 2 * 10**8)
        st = netns.last_status(reader)
        os.unlink(flag)
        t_ok = time.time_ns()
        time.sleep(1.5)
        later = after(reader, t_ok)
    finally:
        reader.close()
    with open(flag + ".log") as f:
        fails = len(f.read().splitlines())
    err = sc.stderr()
    figure("failed probes / SYNC frames while failing / after",
           "%d / %d / %d" % (fails, len(during), len(later)))
    assert fails >= 2, "the failing probe was not asked again: %d" % fails
    assert len(during) >= 8 * 2, "frames stopped while the probe failed"
    assert st["link"] == "up" and st["ifindex"] > 0, st
    assert len(later) >= 8, "frames stopped after the probe recovered"
    assert "interface removed" not in err, err
    assert "cannot read the link state" in err, err
    assert sc.stop() == 0
