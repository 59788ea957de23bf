# SPDX-License-Identifier: MIT
"""--check (SPEC §9) against a real veth in a namespace, and against the
same veth dressed up as a PHC-equipped NIC by tests/shim/fakenic.so.

veth (LAB.md): ETHTOOL_GET_TS_INFO so_timestamping=0x1a, phc_index -1,
SIOCGHWTSTAMP unsupported. fakenic: 0x5f, phc 0, filters none/all/
ptpv2-l4-event/ptpv2-event, config NONE/OFF unless FAKENIC_FILTER/_TX.
"""

import json
import os

import pytest

import netns

EX_OK, EX_UNAVAILABLE = 0, 69

JSON_KEYS = {"interface", "ifindex", "driver", "soTimestamping",
             "tsInfoError", "capabilities", "phcIndex", "phcDevice",
             "phcClockName", "phcMethods", "phcMethod", "phcError",
             "txTypes", "rxFilters", "hwConfig", "hwConfigError", "mode",
             "hwtsConfig", "delayReq", "usable", "stamping", "wouldSet",
             "reason", "ptp4l"}


def run_check(daemon_bin, pair, *args, env=None, prefix=()):
    argv = pair.exec_argv(pair.sl, list(prefix) + [daemon_bin, "--check"] +
                          list(args))
    full = dict(os.environ)
    full.update(env or {})
    return netns.sh(argv, check=False, env=full)


def check_json(daemon_bin, pair, *args, env=None, prefix=()):
    r = run_check(daemon_bin, pair, "--json", *args, env=env, prefix=prefix)
    assert r.stdout, r.stderr
    return r, json.loads(r.stdout)


def fake_env(so, iface, tmpdir, **kw):
    env = {"LD_PRELOAD": so, "FAKENIC_IFACE": iface,
           "FAKENIC_LOG": os.path.join(tmpdir, "fakenic.log")}
    env.update({k: str(v) for k, v in kw.items()})
    return env


def fake_log(tmpdir):
    try:
        with open(os.path.join(tmpdir, "fakenic.log")) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_veth_software_runs(daemon_bin, netpair):
    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "software")
    assert r.returncode == EX_OK, r.stderr
    assert "software" in r.stdout
    assert "0x1a" in r.stdout
    assert "veth" in r.stdout
    assert "PTP hardware clock: none (no PHC)\n" in r.stdout


def test_veth_hardware_refused(daemon_bin, netpair):
    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "hardware")
    assert r.returncode == EX_UNAVAILABLE, r.stdout + r.stderr
    assert "no hardware receive timestamping" in r.stdout
    assert "so_timestamping=0x1a" in r.stdout


def test_veth_auto_falls_back(daemon_bin, netpair):
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "auto")
    assert r.returncode == EX_OK, r.stderr
    assert d["usable"] is True
    assert d["stamping"] == "software"
    assert d["reason"].startswith("software stamps:")


def test_veth_json_fields(daemon_bin, netpair):
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware")
    assert r.returncode == EX_UNAVAILABLE
    assert set(d) == JSON_KEYS
    assert d["interface"] == netpair.sl_if
    assert d["ifindex"] > 0
    assert d["driver"] == "veth"
    assert d["soTimestamping"] == "0x1a"
    assert d["capabilities"] == {
        "hardwareTransmit": False, "softwareTransmit": True,
        "hardwareReceive": False, "softwareReceive": True,
        "softwareSystemClock": True, "hardwareRawClock": False}
    assert d["phcIndex"] == -1 and d["phcDevice"] is None
    assert d["phcClockName"] is None and d["phcMethods"] == []
    assert d["phcMethod"] is None and d["phcError"] is None
    assert d["txTypes"] == [] and d["rxFilters"] == []
    assert d["hwConfig"] is None
    assert d["hwConfigError"] == "not supported by the driver"
    assert d["mode"] == "hardware" and d["hwtsConfig"] == "ensure"
    assert d["delayReq"] is False
    assert d["usable"] is False and d["stamping"] is None
    assert d["wouldSet"] is None
    assert "hardware" in d["reason"]


def test_no_such_interface(daemon_bin, netpair):
    r = run_check(daemon_bin, netpair, "-i", "nosuch0", "-t", "software")
    assert r.returncode == EX_UNAVAILABLE
    assert "no such interface" in r.stderr
    assert r.stderr.count("\n") == 1


def test_fakenic_hardware_runs_without_writing(daemon_bin, netpair, shim,
                                               workdir):
    env = fake_env(shim, netpair.sl_if, workdir)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env)
    assert r.returncode == EX_OK, r.stdout + r.stderr
    assert d["driver"] == "fakenic"
    assert d["phcIndex"] == 0 and d["phcDevice"] == "/dev/ptp0"
    assert d["capabilities"]["hardwareReceive"] is True
    assert d["capabilities"]["hardwareRawClock"] is True
    assert set(d["rxFilters"]) == {"none", "all", "ptpv2-l4-event",
                                   "ptpv2-event"}
    assert d["hwConfig"] == {"txType": "off", "rxFilter": "none", "flags": 0}
    assert d["stamping"] == "hardware"
    assert d["wouldSet"] == {"txType": "on", "rxFilter": "ptpv2-event"}
    # --check reads the config and never writes it.
    log = fake_log(workdir)
    assert "get" in log
    assert not [l for l in log if l.startswith("set")]

    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "hardware",
                  env=env)
    assert r.returncode == EX_OK
    assert "/dev/ptp0" in r.stdout
    assert "can run with hardware stamps" in r.stdout


def test_fakenic_check_policy(daemon_bin, netpair, shim, workdir):
    # Config NONE and --hwts-config check: may not set it, so refused...
    env = fake_env(shim, netpair.sl_if, workdir)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", "--hwts-config", "check", env=env)
    assert r.returncode == EX_UNAVAILABLE
    assert "'none' does not stamp PTPv2 event messages" in d["reason"]
    assert "--hwts-config check" in d["reason"]
    # ...auto falls back to software...
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "auto", "--hwts-config", "check", env=env)
    assert r.returncode == EX_OK and d["stamping"] == "software"
    # ...and a broader filter already set (ptp4l) is fine as it is.
    env = fake_env(shim, netpair.sl_if, workdir, FAKENIC_FILTER=12,
                   FAKENIC_TX=1)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", "--hwts-config", "check", env=env)
    assert r.returncode == EX_OK, d["reason"]
    assert d["hwConfig"]["rxFilter"] == "ptpv2-event"
    assert d["wouldSet"] is None
    assert not [l for l in fake_log(workdir) if l.startswith("set")]


def test_fakenic_without_get(daemon_bin, netpair, shim, workdir):
    env = fake_env(shim, netpair.sl_if, workdir, FAKENIC_NO_GET=1)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env)
    assert r.returncode == EX_OK, d["reason"]
    assert d["hwConfig"] is None
    assert d["hwConfigError"] == "not supported by the driver"
    assert d["wouldSet"]["rxFilter"] == "ptpv2-event"
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", "--hwts-config", "check", env=env)
    assert r.returncode == EX_UNAVAILABLE
    assert "SIOCGHWTSTAMP" in d["reason"]


def test_fakenic_unprivileged_ensure(daemon_bin, netpair, shim, workdir):
    for p in (daemon_bin, shim):
        if not os.access(p, os.R_OK) or os.stat(p).st_mode & 0o005 != 0o005:
            pytest.skip("%s not readable by nobody" % p)
    env = fake_env(shim, netpair.sl_if, workdir)
    env["FAKENIC_LOG"] = ""
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env, prefix=nobody)
    assert r.returncode == EX_UNAVAILABLE, r.stdout + r.stderr
    assert "CAP_NET_ADMIN" in d["reason"]


def test_delay_req_needs_hardware_transmit(daemon_bin, netpair, shim,
                                          workdir):
    """SPEC §9: whether the mode *with --delay-req* can run. A NIC that
    stamps RX but not TX runs the passive hardware mode, not the active
    one; the daemon refuses it the same way (iface_hw_apply)."""
    env = fake_env(shim, netpair.sl_if, workdir, FAKENIC_ONLY_RX=1)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env)
    assert r.returncode == EX_OK, d["reason"]
    assert d["delayReq"] is False and d["stamping"] == "hardware"
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", "--delay-req", env=env)
    assert r.returncode == EX_UNAVAILABLE, d
    assert d["delayReq"] is True and d["usable"] is False
    assert "no hardware transmit timestamping" in d["reason"], d["reason"]
    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "hardware",
                  "--delay-req", env=env)
    assert r.returncode == EX_UNAVAILABLE
    assert "--delay-req" in r.stdout and "cannot run" in r.stdout, r.stdout
    # auto falls back to software stamps, which veth sends with
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "auto", "--delay-req", env=env)
    assert r.returncode == EX_OK and d["stamping"] == "software", d


def test_delay_req_with_tx_off_under_check(daemon_bin, netpair, shim,
                                           workdir):
    """--hwts-config check may not turn TX stamping on: fine without
    --delay-req, refused with it."""
    env = fake_env(shim, netpair.sl_if, workdir, FAKENIC_FILTER=6,
                   FAKENIC_TX=0)
    args = ["-i", netpair.sl_if, "-t", "hardware", "--hwts-config", "check"]
    r, d = check_json(daemon_bin, netpair, *args, env=env)
    assert r.returncode == EX_OK, d["reason"]
    r, d = check_json(daemon_bin, netpair, *args, "--delay-req", env=env)
    assert r.returncode == EX_UNAVAILABLE, d
    assert "tx type 'off'" in d["reason"], d["reason"]


def test_delay_req_software_on_veth(daemon_bin, netpair):
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "software", "--delay-req")
    assert r.returncode == EX_OK, d["reason"]
    assert d["delayReq"] is True and d["stamping"] == "software"


@pytest.fixture(scope="module")
def phc_shim(daemon_bin):
    """tests/shim/fakephc.so, built by `make tools`."""
    return netns.need("fakephc.so",
                      netns.built_tool(daemon_bin, "fakephc.so"))


@pytest.mark.parametrize("driver", ["ena", "precise", "basic-only"])
def test_fakenic_phc_line(daemon_bin, netpair, shim, phc_shim, workdir,
                          driver):
    """SPEC §9: the PHC's index, device, clock name and which
    PTP_SYS_OFFSET* ioctls it answers, from the fake NIC's phc_index and
    the fake PHC behind it (AWS ENA has no PRECISE)."""
    phc_log = os.path.join(workdir, "fakephc.log")
    env = fake_env(shim + ":" + phc_shim, netpair.sl_if, workdir,
                   FAKENIC_PHC=3, FAKEPHC_DEV="/dev/ptp3",
                   FAKEPHC_CLOCK_NAME="fake \"ena\" clock", FAKEPHC_LOG=phc_log)
    want = {"ena": ["extended", "basic"],
            "precise": ["precise", "extended", "basic"],
            "basic-only": ["basic"]}[driver]
    if driver == "ena":
        env["FAKEPHC_NO_PRECISE"] = "1"
    if driver == "basic-only":
        env["FAKEPHC_NO_PRECISE"] = env["FAKEPHC_NO_EXTENDED"] = "1"
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env)
    assert r.returncode == EX_OK, r.stdout + r.stderr
    assert set(d) == JSON_KEYS
    assert d["phcIndex"] == 3 and d["phcDevice"] == "/dev/ptp3"
    assert d["phcClockName"] == 'fake "ena" clock'
    assert d["phcMethods"] == want
    assert d["phcMethod"] == want[0]
    assert d["phcError"] is None
    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "hardware",
                  env=env)
    assert r.returncode == EX_OK
    assert 'PTP hardware clock: 3 (/dev/ptp3), clock name fake "ena" ' \
        "clock\n" in r.stdout, r.stdout
    assert "  offset ioctls          %s (reads with %s)\n" % (
        ", ".join(want), want[0]) in r.stdout, r.stdout
    # read, never adjusted, never opened for writing
    assert not os.path.exists(phc_log) or open(phc_log).read() == ""


def test_fakenic_phc_absent_device(daemon_bin, netpair, shim, workdir):
    """A phc_index whose /dev/ptpN cannot be opened (none exists here):
    the line says why; the verdict does not depend on it."""
    env = fake_env(shim, netpair.sl_if, workdir, FAKENIC_PHC=7)
    r, d = check_json(daemon_bin, netpair, "-i", netpair.sl_if,
                      "-t", "hardware", env=env)
    assert r.returncode == EX_OK, d["reason"]
    assert d["phcDevice"] == "/dev/ptp7" and d["phcMethods"] == []
    assert d["phcMethod"] is None and d["phcClockName"] is None
    assert d["phcError"] == "No such file or directory"
    r = run_check(daemon_bin, netpair, "-i", netpair.sl_if, "-t", "hardware",
                  env=env)
    assert "PTP hardware clock: 7 (/dev/ptp7), clock name unknown\n" \
        in r.stdout, r.stdout
    assert "unknown (cannot open /dev/ptp7: No such file or directory)" \
        in r.stdout, r.stdout
