# SPDX-License-Identifier: MIT
"""--metrics-file (SPEC §11, issue 13's per-stream metrics) beside a real
ptp4l grandmaster in namespaces.

The file is parsed with Debian's python3-prometheus-client (the parser
node_exporter's own format comes from) and checked line by line as well:
one HELP and one TYPE per family, counters ending in _total. Its values
must equal the status and streams frames of the same tick: the daemon
takes one snapshot per tick for both, and the file carries the tick's
uptime, so each file read is paired with the status frame of the same
uptimeS (and the streams frame that follows it) and compared exactly,
with traffic flowing. A reader looping on the file all the while must
never see a partial one.
"""

import os
import re
import signal
import stat
import threading
import time

import pytest

import netns

NOBODY = 65534
EX_CANTCREAT = 73
PROM = "tblk.prom"

# status counter key -> metric (SPEC §11: tblk_ptp_ prefix, _total)
COUNTERS = {
    "rx": "rx", "tx": "tx", "rxHw": "rx_hw", "rxSw": "rx_sw",
    "missingHw": "missing_hw", "malformed": "malformed",
    "truncated": "truncated", "filtered": "filtered",
    "kernelDrops": "kernel_drops", "txTimeouts": "tx_timeouts",
    "clientDrops": "client_drops", "clientsRefused": "clients_refused",
    "framesOut": "frames_out", "unstamped": "unstamped",
    "rejected": "rejected",
}
SYNC_STATES = ["locked", "holdover", "freerun", "master", "unknown"]
# streams frame object key -> per-stream metric
STREAM_TYPED = {"msgs": "messages", "gaps": "seq_gaps",
                "duplicates": "duplicates", "reordered": "reordered"}
STREAM_PLAIN = {"twoStepSync": "two_step_sync",
                "missingFollowUp": "missing_follow_up",
                "orphanFollowUp": "orphan_follow_up",
                "seqResets": "seq_resets", "missingHw": "missing_hw",
                "eventMsgs": "event_messages",
                "delayRespReceived": "delay_resp_received"}


@pytest.fixture(scope="module")
def parser():
    try:
        from prometheus_client.parser import \
            text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None
    return netns.need("python3-prometheus-client (Debian package)",
                      text_string_to_metric_families)


def check_text(parser, text):
    """Parse and check the rules every file obeys; returns
    {sample name: [(labels, value)]} and the family names."""
    assert text.endswith("\n"), repr(text[-80:])
    helps = re.findall(r"^# HELP (\S+) ", text, re.M)
    types = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    assert len(helps) == len(set(helps)), "a HELP repeats"
    assert [n for n, _ in types] == helps, "HELP and TYPE not paired"
    for name, typ in types:
        assert name.startswith("tblk_ptp_"), name
        assert typ in ("counter", "gauge"), (name, typ)
        if typ == "counter":
            assert name.endswith("_total"), name
        else:
            assert not name.endswith("_total"), name
    samples = {}
    fams = []
    for fam in parser(text):
        fams.append(fam.name)
        assert fam.samples, "family %s without samples" % fam.name
        assert fam.documentation, fam.name
        for s in fam.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    # every sample line belongs to the family whose block it is in
    block = None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            block = line.split()[2]
        elif not line.startswith("#"):
            assert line.split("{")[0].split(" ")[0] == block, line
    assert len(fams) == len(helps)
    return samples, fams


def one(samples, name, **labels):
    got = [v for lab, v in samples.get(name, [])
           if all(lab.get(k) == w for k, w in labels.items())]
    assert len(got) == 1, "%s%s: %s" % (name, labels, samples.get(name))
    return got[0]


class Poller:
    """Reads the file in a loop until stopped: every read must be a whole
    file; keeps each distinct content."""

    def __init__(self, path, parser):
        self.path = path
        self.parser = parser
        self.reads = 0
        self.versions = []
        self.errors = []
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        last = None
        while not self.stopping:
            try:
                with open(self.path) as f:
                    text = f.read()
            except FileNotFoundError:
                time.sleep(0.005)
                continue
            self.reads += 1
            if text != last:
                try:
                    samples, _ = check_text(self.parser, text)
                    self.versions.append((text, samples))
                except Exception as e:  # noqa: BLE001 - reported below
                    self.errors.append("%r in %r" % (e, text[-200:]))
                last = text

    def stop(self):
        self.stopping = True
        self.thread.join(5)


def metrics_dir(workdir, owner=None):
    d = os.path.join(workdir, "textfile")
    os.mkdir(d, 0o755)
    if owner is not None:
        os.chown(d, owner, owner)
    return d


def compare_status(samples, st, iface):
    for key, name in COUNTERS.items():
        assert one(samples, "tblk_ptp_%s_total" % name, interface=iface) \
            == st["counters"][key], key
    assert set(st["counters"]) == set(COUNTERS), \
        "a status counter without its metric: %s" % (
            set(st["counters"]) ^ set(COUNTERS))
    assert one(samples, "tblk_ptp_clients") == st["clients"]
    assert one(samples, "tblk_ptp_link_up") == (st["link"] == "up")
    assert one(samples, "tblk_ptp_hardware_stamping") == \
        (st["stamping"] == "hardware")
    assert one(samples, "tblk_ptp_streams") == st["streams"]
    assert one(samples, "tblk_ptp_build_info",
               version=st["version"]) == 1


def compare_streams(samples, sf, iface):
    assert one(samples, "tblk_ptp_streams") == sf["count"]
    assert one(samples, "tblk_ptp_streams_capacity") == sf["cap"]
    assert one(samples, "tblk_ptp_streams_evictions_total") == \
        sf["evictions"]
    assert one(samples, "tblk_ptp_streams_dropped_total") == sf["dropped"]
    assert one(samples, "tblk_ptp_streams_masters") == sf["masters"]
    assert one(samples, "tblk_ptp_streams_extra_masters") == \
        sf["extraMasters"]
    assert one(samples, "tblk_ptp_metrics_streams_omitted") == 0
    written = {lab["src"] for lab, _ in samples["tblk_ptp_stream_info"]}
    assert written == {s["src"] for s in sf["streams"]}
    for s in sf["streams"]:
        ids = dict(interface=iface, src=s["src"],
                   domain=str(s["domain"]), transport=s["transport"])
        assert one(samples, "tblk_ptp_stream_info", role=s["role"],
                   **ids) == 1
        assert one(samples, "tblk_ptp_stream_silent", **ids) == \
            (s["state"] == "silent")
        for key, name in STREAM_TYPED.items():
            metric = "tblk_ptp_stream_%s_total" % name
            per = {lab["msg_type"]: v for lab, v in samples[metric]
                   if all(lab.get(k) == w for k, w in ids.items())}
            assert per == s[key], (metric, per, s[key])
        for key, name in STREAM_PLAIN.items():
            assert one(samples, "tblk_ptp_stream_%s_total" % name,
                       **ids) == s[key], key


def test_file_equals_frames_and_is_atomic(sidecar, grandmaster, netpair,
                                          workdir, parser, notify, figure):
    d = metrics_dir(workdir)
    path = os.path.join(d, PROM)
    old = os.umask(0o077)  # the file is 0644 whatever the umask
    try:
        # READY=1, not the socket: the socket answers before the drop,
        # the first file is written after it
        sc = sidecar("--metrics-file", path, "--status-interval", "1",
                     notify=notify)
    finally:
        os.umask(old)
    # written once at READY, before the first tick
    assert os.path.exists(path)
    poller = Poller(path, parser)
    reader = netns.FrameReader(sc.sock, {"subscribe": ["status", "streams",
                                                       "rx"]})
    time.sleep(4.6)
    lines = reader.close()
    poller.stop()
    assert not poller.errors, poller.errors[:3]
    figure("metrics file reads, all whole", poller.reads)
    assert len(poller.versions) >= 4, len(poller.versions)
    assert poller.reads > 50 * len(poller.versions)

    # the frames of each tick: a status frame, then its streams frame
    # (the first status frame answers the subscription: not a tick's)
    seq = [f for _w, f in netns.frames(lines)
           if f["type"] in ("status", "streams")]
    assert seq[0]["type"] == "status"
    ticks = {}
    for a, b in zip(seq[1:], seq[2:]):
        if a["type"] == "status" and b["type"] == "streams":
            ticks[a["uptimeS"]] = (a, b)
    rx = [f for _w, f in netns.frames(lines, "rx")]
    assert len(rx) > 40, "the grandmaster's traffic flows"

    matched = 0
    for text, samples in poller.versions:
        up = one(samples, "tblk_ptp_uptime_seconds")
        if up not in ticks:
            continue
        st, sf = ticks[up]
        compare_status(samples, st, netpair.sl_if)
        compare_streams(samples, sf, netpair.sl_if)
        matched += 1
    figure("file versions matched to their tick's frames", matched)
    assert matched >= 3, (matched, sorted(ticks))

    # and what a file always says
    text, samples = poller.versions[-1]
    assert one(samples, "tblk_ptp_stream_messages_total", msg_type="sync") \
        > 20
    for s in SYNC_STATES:
        # no ptp4l UDS is read yet: unknown (SPEC §11)
        assert one(samples, "tblk_ptp_sync_state", state=s) == \
            (s == "unknown")
    ts = one(samples, "tblk_ptp_metrics_timestamp_seconds")
    assert abs(ts - time.time()) < 3
    lab = samples["tblk_ptp_uptime_seconds"][0][0]
    assert lab == {"interface": netpair.sl_if}

    sb = os.stat(path)
    assert stat.S_IMODE(sb.st_mode) == 0o644
    assert sb.st_uid == 0 and sb.st_gid == 0
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
    # left at exit (stale data is detectable from its timestamp), and no
    # temporary file beside it
    assert os.listdir(d) == [PROM]


def test_user_nobody_writes_its_own_file(sidecar, grandmaster, workdir,
                                         nobody_dir, parser, notify):
    d = metrics_dir(workdir, NOBODY)
    path = os.path.join(d, PROM)
    # the first file is written before READY=1 (after the socket exists)
    sc = sidecar("--user", "nobody", "--metrics-file", path,
                 sock=os.path.join(nobody_dir, "s.sock"), notify=notify)
    first = os.stat(path)
    assert first.st_uid == NOBODY and first.st_gid == NOBODY
    assert stat.S_IMODE(first.st_mode) == 0o644

    def rewritten():
        try:
            return os.stat(path).st_ino != first.st_ino
        except FileNotFoundError:
            return False
    # a new inode each tick: replaced by rename, never rewritten in place
    assert netns.wait_for(rewritten, 3)
    with open(path) as f:
        samples, _ = check_text(parser, f.read())
    assert one(samples, "tblk_ptp_uptime_seconds") >= 1
    assert os.stat(path).st_uid == NOBODY
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
    assert os.listdir(d) == [PROM]


@pytest.mark.parametrize("case", ["root-owned", "missing"])
def test_unwritable_directory_refused(sidecar, workdir, case):
    d = metrics_dir(workdir)  # root's, 0755: nobody cannot write it
    run = os.path.join(workdir, "run")
    os.mkdir(run, 0o755)
    os.chown(run, NOBODY, NOBODY)
    path = os.path.join(d if case == "root-owned" else d + "/nodir", PROM)
    sc = sidecar("--user", "nobody", "--metrics-file", path, wait=False,
                 sock=os.path.join(run, "s.sock"), log_level=None)
    rc = sc.wait_exit(10)
    err = sc.stderr()
    assert rc == EX_CANTCREAT, (rc, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert path in lines[0] and "ReadWritePaths=" in lines[0]
    assert ("Permission denied" if case == "root-owned"
            else "No such file or directory") in lines[0]
    assert os.listdir(d) == ([] if case == "root-owned" else [])
    # the refusal came before READY: the socket is gone again
    assert not os.path.exists(os.path.join(run, "s.sock"))


def test_write_failure_is_logged_once_and_retried(sidecar, grandmaster,
                                                  workdir, nobody_dir, parser,
                                                  notify):
    """A directory that stops being writable at run time: the daemon keeps
    running, says so once (not every tick), tries again every tick, and
    counts the failures in the next file it can write."""
    d = metrics_dir(workdir, NOBODY)
    path = os.path.join(d, PROM)
    # READY=1: the first file is written, the start did not fail
    sc = sidecar("--user", "nobody", "--metrics-file", path,
                 sock=os.path.join(nobody_dir, "s.sock"), notify=notify)
    os.chown(d, 0, 0)  # nobody can no longer create PROM.tmp
    time.sleep(3.4)
    assert sc.proc.poll() is None, sc.stderr()
    warned = [l for l in sc.stderr().splitlines() if "metrics file" in l
              and "Permission denied" in l]
    assert len(warned) == 1, sc.stderr()
    assert "open %s.tmp" % path in warned[0]
    os.chown(d, NOBODY, NOBODY)

    def recovered():
        return "written again" in sc.stderr()
    assert netns.wait_for(recovered, 3), sc.stderr()
    with open(path) as f:
        samples, _ = check_text(parser, f.read())
    # one tick a second for the ~3.4 s it could not write (a busy
    # machine may stretch the sleep by a tick)
    fails = one(samples, "tblk_ptp_metrics_write_failures_total")
    assert 3 <= fails <= 5, fails
    assert sc.stop(signal.SIGTERM) == 0, sc.stderr()
    assert os.listdir(d) == [PROM]


def test_phc_metrics_equal_clock_frames(daemon_bin, workdir, parser, figure):
    """PHC-only mode under the fake PHC (as nobody, as on AWS): the clock
    part of the file equals the clock frame of the same reading (found by
    tblk_ptp_phc_readings_total), in seconds; no interface label; the
    platform's error bound as published."""
    from test_clock import phc_only

    d = metrics_dir(workdir, NOBODY)
    path = os.path.join(d, PROM)
    bound = os.path.join(workdir, "phc_error_bound")
    with open(bound, "w") as f:
        f.write("4321\n")
    sc = phc_only(daemon_bin, workdir, args=("--metrics-file", path),
                  env={"FAKEPHC_CLOCK_NAME": "ena-ptp-05",
                       "FAKEPHC_NO_PRECISE": 1,
                       "FAKEPHC_OFFSET_NS": 2 * 10**9,
                       "FAKEPHC_DRIFT_PPB": -20000,
                       "FAKEPHC_WINDOW_NS": 250,
                       "FAKEPHC_ERROR_BOUND_FILE": bound})
    try:
        assert sc.wait_ready(10) is not None, sc.stderr()
        reader = netns.FrameReader(sc.sock, {"subscribe": ["clock"]})

        def third():
            with open(path) as f:
                s, _ = check_text(parser, f.read())
            n = s.get("tblk_ptp_phc_readings_total")
            return s if n and n[0][1] >= 3 else None
        samples = netns.wait_for(third, 8, 0.1)
        time.sleep(0.3)
        clocks = [f for _w, f in netns.frames(reader.close())
                  if f["type"] == "clock"]
    finally:
        assert sc.stop() == 0, sc.stderr()
    assert samples, "no file with three readings"
    n = int(one(samples, "tblk_ptp_phc_readings_total"))
    # the file's reading is one of the frames: the offset moves 20 us per
    # reading (-20 ppm), so it names exactly one
    off = one(samples, "tblk_ptp_phc_offset_seconds")
    match = [f for f in clocks
             if f["offsetNs"] / 1e9 == pytest.approx(off, abs=1e-12)]
    assert len(match) == 1, (off, [f["offsetNs"] for f in clocks])
    f = match[0]
    for lab, _v in samples["tblk_ptp_phc_info"]:
        assert "interface" not in lab, lab
        assert lab["device"] == "/dev/ptp0"
        assert lab["clock_name"] == "ena-ptp-05"
        assert lab["method"] == "extended"
        assert lab["timescale"] == "utc"
    assert one(samples, "tblk_ptp_phc_reading_uncertainty_seconds") == \
        pytest.approx(f["uncertaintyNs"] / 1e9, abs=1e-15)
    assert one(samples, "tblk_ptp_phc_reading_window_seconds") == \
        pytest.approx(f["windowNs"] / 1e9, abs=1e-15)
    assert one(samples, "tblk_ptp_phc_drift_ratio") == pytest.approx(
        f["driftPpb"] / 1e9, abs=1e-15)
    assert abs(f["driftPpb"] + 20000) <= 1  # rounded toward zero
    assert one(samples, "tblk_ptp_phc_error_bound_seconds") == \
        pytest.approx(4321e-9, abs=1e-15)
    assert f["errorBoundNs"] == 4321
    assert 0 <= one(samples, "tblk_ptp_phc_reading_age_seconds") < 1.5
    assert one(samples, "tblk_ptp_phc_readings_discarded_total") == 0
    assert "tblk_ptp_rx_total" in samples  # the status counters, all 0
    figure("PHC-only metrics: readings / offset s / drift / bound s",
           "%d / %r / %r / %r" % (
               n, one(samples, "tblk_ptp_phc_offset_seconds"),
               one(samples, "tblk_ptp_phc_drift_ratio"),
               one(samples, "tblk_ptp_phc_error_bound_seconds")))
