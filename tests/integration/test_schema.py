# SPDX-License-Identifier: MIT
"""The encoder's real output against docs/frame.schema.json.

Builds nothing: runs $TBLK_BUILD/tools/frame_samples (default build/,
made by `make tools`), validates every line with jsonschema and checks key
order. Needs no root.
"""
import copy
import json
import os
import pathlib
import re
import subprocess

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "frame.schema.json"
CORE = ["v", "type", "msgType", "seqId", "unixNs", "mechanism"]
MSG_TYPES = {0, 1, 2, 3, 8, 9, 10, 11, 12, 13}


def tool_path():
    build = pathlib.Path(os.environ.get("TBLK_BUILD", "build"))
    if not build.is_absolute():
        build = ROOT / build
    return build / "tools" / "frame_samples"


@pytest.fixture(scope="module")
def schema():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def raw():
    tool = tool_path()
    if not os.access(tool, os.X_OK):
        pytest.fail(f"{tool} not found: run `make B=<dir> tools` and set "
                    "TBLK_BUILD=<dir>")
    out = subprocess.run([str(tool)], check=True, capture_output=True,
                         timeout=30).stdout
    return out


def no_duplicates(pairs):
    """json.loads hook: a dict (which keeps wire order) or an error."""
    obj = dict(pairs)
    assert len(obj) == len(pairs), f"duplicate key in {pairs}"
    return obj


@pytest.fixture(scope="module")
def frames(raw):
    """(line, frame) for every line; frame keys are in wire order."""
    text = raw.decode("utf-8")  # frames are UTF-8: a bad byte fails here
    lines = text.split("\n")
    assert lines[-1] == "", "output must end with a newline"
    return [(line, json.loads(line, object_pairs_hook=no_duplicates))
            for line in lines[:-1]]


def test_every_line_validates(frames, validator):
    assert frames
    for line, f in frames:
        errors = list(validator.iter_errors(f))
        assert not errors, f"{line}: {[e.message for e in errors]}"


def test_plain_ndjson(frames):
    for line, f in frames:
        # json-c plain: re-encoding compactly gives back the same bytes
        # (no spaces, no pretty printing).
        assert line == json.dumps(f, separators=(",", ":"),
                                  ensure_ascii=False), line


def test_key_order(frames):
    for line, f in frames:
        keys = list(f)
        if f["type"] in ("rx", "tx"):
            assert keys[:6] == CORE, line
        else:
            assert keys[:2] == ["v", "type"], line


def test_coverage(frames):
    """The tool exercises every message type, rx and tx, hw and sw."""
    seen = set()
    kinds = set()
    for _, f in frames:
        kinds.add(f["type"])
        if f["type"] in ("rx", "tx"):
            seen.add((f["msgType"], f["type"], f["mechanism"]))
    want = {(t, d, m) for t in MSG_TYPES for d in ("rx", "tx")
            for m in ("so_timestamping", "so_timestamping_software")}
    assert want <= seen, sorted(want - seen)
    assert {"sample", "status", "clock", "sync"} <= kinds
    assert any("sysNs" in f for _, f in frames)


def test_transport_keys_seen(frames):
    """The tool emits every transport, tagged and untagged, unicast and
    not: the schema is checked against each."""
    st = [f for _, f in frames if f["type"] in ("rx", "tx")]
    assert {f["transport"] for f in st} == {"udp4", "udp6", "l2"}
    assert any("vlan" in f for f in st) and any("vlan" not in f for f in st)
    assert {f["unicast"] for f in st} == {True, False}


def test_honest_labels(frames):
    for line, f in frames:
        if f["type"] in ("rx", "tx") and \
                f["mechanism"] == "so_timestamping_software":
            assert "phc" not in f, line


def first_of(frames, kind, **match):
    for _, f in frames:
        if f["type"] == kind and all(f.get(k) == v for k, v in match.items()):
            return f
    raise AssertionError(f"no {kind} frame matching {match}")


# Deliberately broken variants of real frames: the schema must refuse each.
BROKEN_STAMP = [
    ("unixNs as a number", lambda f: f.update(unixNs=1748073600123456789)),
    ("unixNs with a sign", lambda f: f.update(unixNs="-1")),
    ("made-up mechanism", lambda f: f.update(mechanism="hardware")),
    ("missing core key", lambda f: f.pop("seqId")),
    ("missing v", lambda f: f.pop("v")),
    ("version 2", lambda f: f.update(v=2)),
    ("unknown msgType", lambda f: f.update(msgType=4)),
    ("seqId out of range", lambda f: f.update(seqId=65536)),
    ("domain as a string", lambda f: f.update(domain="0")),
    ("src malformed", lambda f: f.update(src="aabbcc-fffe-ddeeff-1")),
    ("phc on a software stamp",
     lambda f: f.update(mechanism="so_timestamping_software", phc=0)),
    ("twoStep as a string", lambda f: f.update(twoStep="true")),
    ("correctionNs as a string", lambda f: f.update(correctionNs="2")),
    ("originNs as a number", lambda f: f.update(originNs=5)),
    ("unknown transport", lambda f: f.update(transport="udp5")),
    ("vlan out of range", lambda f: f.update(vlan=4096)),
    ("vlan as a string", lambda f: f.update(vlan="7")),
    ("unicast as a string", lambda f: f.update(unicast="false")),
    ("missing transport", lambda f: f.pop("transport")),
    ("missing unicast", lambda f: f.pop("unicast")),
    # protocol.md: present "always" / "always on SYNC"
    ("missing domain", lambda f: f.pop("domain")),
    ("missing src", lambda f: f.pop("src")),
    ("missing correctionNs", lambda f: f.pop("correctionNs")),
    ("SYNC without twoStep", lambda f: f.pop("twoStep")),
    ("SYNC without originNs", lambda f: f.pop("originNs")),
    ("twoStep on a FOLLOW_UP", lambda f: f.update(msgType=8)),
]


@pytest.mark.parametrize("name,mutate", BROKEN_STAMP,
                         ids=[b[0] for b in BROKEN_STAMP])
def test_broken_stamp_rejected(frames, validator, name, mutate):
    good = first_of(frames, "rx", msgType=0, mechanism="so_timestamping")
    assert validator.is_valid(good)
    bad = copy.deepcopy(good)
    mutate(bad)
    assert not validator.is_valid(bad), name


def test_unknown_keys_allowed(frames, validator):
    for kind in ("rx", "sample", "status"):
        f = copy.deepcopy(first_of(frames, kind))
        f["someFutureKey"] = {"x": [1, 2]}
        assert validator.is_valid(f), kind


BROKEN_STATUS = [
    ("link yes", lambda f: f.update(link="yes")),
    ("stamping hw", lambda f: f.update(stamping="hw")),
    ("negative counter", lambda f: f["counters"].update(rx=-1)),
    ("counter as a string", lambda f: f["counters"].update(rx="1")),
    ("missing counter", lambda f: f["counters"].pop("kernelDrops")),
    ("phc -1 instead of null", lambda f: f.update(phc=-1)),
    ("missing hwtsFilter", lambda f: f.pop("hwtsFilter")),
    ("hwtsFilter by its C name",
     lambda f: f.update(hwtsFilter="PTP_V2_L4_EVENT")),
    ("delayReqTx without its reason",
     lambda f: f.update(delayReqTx="software")),
    ("missing rejected counter", lambda f: f["counters"].pop("rejected")),
]


@pytest.mark.parametrize("name,mutate", BROKEN_STATUS,
                         ids=[b[0] for b in BROKEN_STATUS])
def test_broken_status_rejected(frames, validator, name, mutate):
    good = first_of(frames, "status")
    assert validator.is_valid(good)
    bad = copy.deepcopy(good)
    mutate(bad)
    assert not validator.is_valid(bad), name


BROKEN_SAMPLE = [
    ("t2 as a number", lambda f: f.update(t2=1)),
    ("gm as a port identity", lambda f: f.update(gm="aabbcc.fffe.ddeeff-1")),
    ("offsetNs as a string", lambda f: f.update(offsetNs="50")),
    ("missing t4", lambda f: f.pop("t4")),
]


@pytest.mark.parametrize("name,mutate", BROKEN_SAMPLE,
                         ids=[b[0] for b in BROKEN_SAMPLE])
def test_broken_sample_rejected(frames, validator, name, mutate):
    good = first_of(frames, "sample")
    assert validator.is_valid(good)
    bad = copy.deepcopy(good)
    mutate(bad)
    assert not validator.is_valid(bad), name


def test_broken_delay_resp_rejected(frames, validator):
    good = first_of(frames, "rx", msgType=9)
    assert validator.is_valid(good)
    for key in ("receiveNs", "reqPort"):
        bad = copy.deepcopy(good)
        bad.pop(key)
        assert not validator.is_valid(bad), key


def test_hwts_filter_names_documented(schema):
    """The set of hwtsFilter values: what hwts.c can emit is what the
    schema enumerates and what protocol.md lists."""
    src = (ROOT / "src" / "hwts.c").read_text()
    table = src[src.index("hwts_rx_names[]"):src.index("hwts_tx_names[]")]
    emitted = set(re.findall(r'\] = "([a-z0-9-]+)",', table)) | {"unknown"}
    assert "ptpv2-l4-event" in emitted, table
    enum = schema["$defs"]["status"]["properties"]["hwtsFilter"]["enum"]
    assert set(enum) == emitted | {None}
    doc = (ROOT / "docs" / "protocol.md").read_text()
    para = doc[doc.index("`hwtsFilter` is one of"):]
    para = para[:para.index("\n\n")]
    assert set(re.findall(r"`([a-z0-9-]+)`", para)) >= emitted, para
    assert "PTP_V2" not in doc.replace("`PTP_V2_L4_EVENT`", "")


BROKEN_CLOCK = [
    ("no errorBoundNs", lambda f: f.pop("errorBoundNs")),
    ("phcNs as a number", lambda f: f.update(phcNs=5)),
    ("unknown method", lambda f: f.update(method="guess")),
    ("guessed timescale", lambda f: f.update(timescale="gps")),
    ("leap 2", lambda f: f.update(leap=2)),
    ("negative window", lambda f: f.update(windowNs=-1)),
]


@pytest.mark.parametrize("name,mutate", BROKEN_CLOCK,
                         ids=[b[0] for b in BROKEN_CLOCK])
def test_broken_clock_rejected(frames, validator, name, mutate):
    f = dict(first_of(frames, "clock"))
    mutate(f)
    assert not validator.is_valid(f), name


def test_sys_keys_only_on_hardware(frames, validator):
    """sysNs never on a software stamp, never without sysErrNs."""
    hw = next(f for _, f in frames if "sysNs" in f)
    assert hw["mechanism"] == "so_timestamping"
    for mutate in (lambda f: f.update(mechanism="so_timestamping_software"),
                   lambda f: f.pop("sysErrNs"), lambda f: f.pop("phc")):
        f = dict(hw)
        mutate(f)
        assert not validator.is_valid(f), f
    for line, f in frames:
        if f["type"] in ("rx", "tx") and \
                f["mechanism"] == "so_timestamping_software":
            assert "sysNs" not in f and "sysErrNs" not in f, line
