# SPDX-License-Identifier: MIT
"""The build a packager gets (issue 12): what `make` builds, the hardening
in the binary, a clear error for a missing package, and the SBOM checker
catching an SBOM that does not match the binary. Needs no root.

Runs against $TBLK_BUILD (default build/), which `make all` made."""

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import pytest


# The build's and the packaging's view: nothing here runs the ASan
# binary's daemon paths (conftest.py, "plain").
pytestmark = pytest.mark.plain

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("TBLK_BUILD", REPO / "build"))
if not BUILD.is_absolute():
    BUILD = REPO / BUILD
BIN = BUILD / "tblk-ptp-sidecar"
SCHEMA = REPO.parent / "shared" / "schemas" / "cyclonedx" / \
    "bom-1.6.schema.json"
PYTHON = "/usr/bin/python3"


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300,
                          **kw)


@pytest.fixture(scope="module")
def binary():
    assert BIN.is_file(), "%s missing: run make" % BIN
    return BIN


def test_default_goal_builds_the_daemon(tmp_path):
    """`make` with no goal links the daemon (the README's first line)."""
    r = run(["make", "-n", "-C", str(REPO), "B=%s" % (tmp_path / "b")])
    assert r.returncode == 0, r.stdout
    assert re.search(r"-o %s/tblk-ptp-sidecar " % re.escape(
        str(tmp_path / "b")), r.stdout), r.stdout


def test_missing_pkg_config_package_is_a_clear_error(tmp_path):
    r = run(["make", "-C", str(REPO), "B=%s" % (tmp_path / "b"),
             "PKG_CONFIG=false"])
    assert r.returncode != 0
    assert "finds no libsystemd json-c libcap" in r.stdout, r.stdout
    assert not (tmp_path / "b" / "tblk-ptp-sidecar").exists()


def test_deps_and_clean_parse_without_packages(tmp_path):
    """deps must run on a machine that lacks the -dev packages."""
    r = run(["make", "-n", "-C", str(REPO), "B=%s" % (tmp_path / "b"),
             "PKG_CONFIG=false", "deps", "clean"])
    assert r.returncode == 0, r.stdout


def test_user_flags_reach_the_compiler(tmp_path):
    r = run(["make", "-n", "-C", str(REPO), "B=%s" % (tmp_path / "b"),
             "CPPFLAGS=-DTBLK_MARK_CPP", "CFLAGS=-O1 -DTBLK_MARK_C",
             "AR=tblk-ar", "LDFLAGS=-Wl,--tblk-mark"])
    assert r.returncode == 0, r.stdout
    cc = [x for x in r.stdout.splitlines() if " -c src/main.c " in x]
    assert cc and "-DTBLK_MARK_CPP" in cc[0] and \
        cc[0].rstrip().split(" -c ")[0].endswith("-DTBLK_MARK_C"), cc
    assert "-D_FORTIFY_SOURCE=2" in cc[0], cc
    assert re.search(r"^tblk-ar rcsD ", r.stdout, re.M), r.stdout
    assert "-Wl,--tblk-mark" in r.stdout


def test_fortify_only_where_optimised(tmp_path):
    r = run(["make", "-n", "-C", str(REPO), "B=%s" % (tmp_path / "b"),
             "CFLAGS=-O2 -O0 -g"])
    assert r.returncode == 0, r.stdout
    assert "_FORTIFY_SOURCE" not in r.stdout


def test_hardening_can_be_turned_off(tmp_path):
    r = run(["make", "-n", "-C", str(REPO), "B=%s" % (tmp_path / "b"),
             "HARDEN_CPPFLAGS=", "HARDEN_CFLAGS=", "HARDEN_LDFLAGS="])
    assert r.returncode == 0, r.stdout
    for flag in ("_FORTIFY_SOURCE", "-fstack-protector-strong", "-z,now",
                 "-pie"):
        assert flag not in r.stdout, flag


def test_binary_is_hardened(binary):
    """What `hardening-check` looks at: PIE, full RELRO (BIND_NOW), the
    stack protector and FORTIFY's checked functions in use."""
    hdr = run(["readelf", "-hW", str(binary)]).stdout
    assert re.search(r"Type:\s+DYN", hdr), hdr
    prog = run(["readelf", "-lW", str(binary)]).stdout
    assert "GNU_RELRO" in prog, prog
    dyn = run(["readelf", "-dW", str(binary)]).stdout
    assert re.search(r"\(FLAGS\)\s+BIND_NOW", dyn), dyn
    assert re.search(r"\(FLAGS_1\)\s+Flags:.*\bPIE\b", dyn), dyn
    syms = run(["nm", "-D", str(binary)]).stdout
    assert "__stack_chk_fail" in syms
    assert re.search(r"__\w+_chk@", syms), syms


def test_no_build_path_in_binary(binary):
    """-ffile-prefix-map: the checkout's path is nowhere in the binary
    (debug info, __FILE__), so another checkout builds the same bytes."""
    with open(binary, "rb") as f:
        data = f.read()
    assert str(REPO).encode() not in data


# --- the SBOM checker -------------------------------------------------------

@pytest.fixture(scope="module")
def sbom(binary):
    r = run(["make", "-s", "-C", str(REPO), "B=%s" % BUILD, "sbom"])
    assert r.returncode == 0, r.stdout
    with open(BUILD / "tblk-ptp-sidecar.cdx.json") as f:
        return json.load(f)


def check(bom, binary, tmp_path):
    p = tmp_path / "bom.json"
    p.write_text(json.dumps(bom))
    return run([PYTHON, str(REPO / "scripts" / "sbom-check.py"), "--schema",
                str(SCHEMA), str(p), str(binary)])


def test_sbom_passes_its_check(sbom, binary, tmp_path):
    r = check(sbom, binary, tmp_path)
    assert r.returncode == 0, r.stdout
    names = {c["name"] for c in sbom["components"]}
    assert {"libsystemd.so.0", "libjson-c.so.5", "libcap.so.2",
            "libc.so.6"} <= names, names


def _drop_lib(b):
    b["components"] = [c for c in b["components"]
                       if c["name"] != "libjson-c.so.5"]


def _extra_lib(b):
    c = copy.deepcopy(b["components"][0])
    c["bom-ref"] = "lib:extra"
    c["name"] = "libextra.so.1"
    c["properties"] = [{"name": "tblk:path", "value": "/bin/true"}] + \
        c["properties"][1:]
    b["components"].append(c)


def _bad_hash(b):
    b["metadata"]["component"]["hashes"][0]["content"] = "0" * 64


def _bad_version(b):
    b["components"][0]["version"] = "0.0-0"


def _bad_schema(b):
    b["bomFormat"] = "SPDX"


@pytest.mark.parametrize("mutate", [_drop_lib, _extra_lib, _bad_hash,
                                    _bad_version, _bad_schema],
                         ids=lambda f: f.__name__.strip("_"))
def test_sbom_check_catches(sbom, binary, tmp_path, mutate):
    """Controls: each of these SBOMs misdescribes the binary."""
    b = copy.deepcopy(sbom)
    mutate(b)
    r = check(b, binary, tmp_path)
    assert r.returncode == 1, r.stdout


# --- docs against the code ---------------------------------------------------

def _man_paragraphs():
    text = (REPO / "docs" / "tblk-ptp-sidecar.8").read_text()
    text = text.replace("\\-", "-").replace("\\ ", " ")
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.split("\n.TP\n")


def test_man_page_states_the_help_ranges(binary):
    """Every range --help gives (which test_config holds against the
    parser) is in the man page's entry for the same option."""
    help_text = run([str(binary), "--help"]).stdout
    ranges = re.findall(r"^\s+(?:-\w, )?(--[a-z-]+) .*?(\d+\.\.\d+)",
                        help_text, re.M)
    assert len(ranges) >= 8, help_text
    paras = _man_paragraphs()
    for opt, rng in ranges:
        entry = [p for p in paras if re.match(r"\.BI? (-\w, )?%s\b" %
                                              re.escape(opt), p)]
        assert entry, "man page has no entry for %s" % opt
        assert rng in entry[0].replace("\n", " "), \
            "man page entry for %s lacks %s:\n%s" % (opt, rng, entry[0])


def test_man_page_check_exit_codes():
    entry = [p for p in _man_paragraphs() if p.startswith(".B --check")]
    assert entry, "no --check entry"
    for code in ("0", "64", "69", "71"):
        assert re.search(r"\b%s\b" % code, entry[0]), (code, entry[0])
    assert "--delay-req" in entry[0]
