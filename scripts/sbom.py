#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a CycloneDX 1.6 SBOM for the built daemon.

The application component is the binary itself (name, version, SHA-256).
The libraries are what the dynamic loader will map for it: the ELF NEEDED
entries of the binary, and of each library in turn, resolved the way
ld.so resolves them (the ld.so.cache for the binary's architecture), each
traced to the Debian package that ships the file (dpkg-query -S), with that
package's version and architecture, its source package, the license its
/usr/share/doc/PKG/copyright states (machine-readable DEP-5 files only;
nothing is guessed), and a purl pkg:deb/debian/NAME@VERSION?arch=A&distro=D.
The output depends only on the binary and the installed packages: the
serial number is derived from the content and the timestamp is
SOURCE_DATE_EPOCH.

usage: scripts/sbom.py --binary build/tblk-ptp-sidecar --version 0.1.0 \\
           -o build/tblk-ptp-sidecar.cdx.json
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid

NAME = "tblk-ptp-sidecar"
# readelf -h "Machine:" -> the hwcap tag ldconfig -p prints for it.
LDCONFIG_ARCH = {
    "Advanced Micro Devices X86-64": "x86-64",
    "AArch64": "AArch64",
}


def run(argv):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def elf_needed(path):
    out = run(["readelf", "-dW", path])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def elf_arch(path):
    m = re.search(r"^\s*Machine:\s*(.+?)\s*$", run(["readelf", "-hW", path]),
                  re.M)
    return LDCONFIG_ARCH.get(m.group(1)) if m else None


def ld_cache(arch):
    """soname -> path from ldconfig -p, for entries of @arch only."""
    cache = {}
    for m in re.finditer(r"^\s*(\S+) \(([^)]*)\)(?: OS ABI: [^=]*)? => (\S+)$",
                         run(["/sbin/ldconfig", "-p"]), re.M):
        soname, tags, path = m.groups()
        if arch and arch not in tags.split(","):
            continue
        cache.setdefault(soname, path)
    return cache


def resolve_closure(binary):
    """[(soname, path, [needed sonames])] breadth first from the binary,
    and the binary's own NEEDED list."""
    cache = ld_cache(elf_arch(binary))
    direct = elf_needed(binary)
    seen, order, queue = set(), [], list(direct)
    while queue:
        so = queue.pop(0)
        if so in seen:
            continue
        seen.add(so)
        path = cache.get(so)
        if path is None:
            sys.exit("sbom: %s: NEEDED %s not in the ld.so cache" %
                     (binary, so))
        needed = elf_needed(path)
        order.append((so, path, needed))
        queue.extend(needed)
    return direct, order


def dpkg_owner(path):
    """The package (NAME:ARCH) that ships @path. merged-/usr: dpkg knows the
    path as shipped (/lib/...), which may differ from the one resolved."""
    real = os.path.realpath(path)
    cands = [path, real]
    for p in (path, real):
        if p.startswith("/usr/"):
            cands.append(p[4:])
        else:
            cands.append("/usr" + p)
    for c in cands:
        r = subprocess.run(["dpkg-query", "-S", c], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if r.returncode == 0:
            for line in r.stdout.splitlines():
                pkgs, _, p = line.partition(": ")
                if p == c and "," not in pkgs:
                    return pkgs
    sys.exit("sbom: no Debian package ships %s" % path)


def dpkg_info(pkg):
    fmt = "${Package}\t${Version}\t${Architecture}\t${source:Package}\t" \
          "${source:Version}"
    name, ver, arch, src, srcver = run(
        ["dpkg-query", "-W", "-f", fmt, pkg]).split("\t")
    return {"name": name, "version": ver, "arch": arch, "source": src,
            "sourceVersion": srcver}


def copyright_license(pkg_name):
    """The license Debian's machine-readable copyright file states for the
    package as a whole: the header paragraph's License:, else that of the
    `Files: *` paragraph. None for a free-form file."""
    path = "/usr/share/doc/%s/copyright" % pkg_name
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paras or not re.match(r"Format:\s*\S*copyright-format",
                                 paras[0]):
        return None

    def field(para, key):
        m = re.search(r"^%s:[ \t]*(.*)$" % key, para, re.M | re.I)
        return m.group(1).strip() if m else None

    lic = field(paras[0], "License")
    if lic:
        return lic
    for p in paras[1:]:
        files = field(p, "Files")
        if files is not None and "*" in files.split():
            return field(p, "License") or None
    return None


def os_release():
    out = {}
    try:
        with open("/etc/os-release") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                out[k] = v.strip('"')
    except OSError:
        pass
    return out


def purl(info, distro):
    q = urllib.parse.quote
    # purl: "+" is always encoded, ":" (a Debian epoch) need not be.
    p = "pkg:deb/debian/%s@%s?arch=%s" % (q(info["name"], safe=""),
                                         q(info["version"], safe=":~"),
                                         q(info["arch"], safe=""))
    if distro:
        p += "&distro=" + q(distro, safe="")
    return p


def build(binary, version, commit):
    direct, libs = resolve_closure(binary)
    rel = os_release()
    distro = ("%s-%s" % (rel["ID"], rel["VERSION_ID"])
              if rel.get("ID") == "debian" and rel.get("VERSION_ID")
              else None)
    digest = sha256(binary)
    app_ref = "app:" + NAME
    app = {
        "type": "application",
        "bom-ref": app_ref,
        "name": NAME,
        "version": version,
        "hashes": [{"alg": "SHA-256", "content": digest}],
        "purl": "pkg:generic/%s@%s" % (NAME, urllib.parse.quote(version)),
        "properties": [{"name": "tblk:file",
                        "value": os.path.basename(binary)}],
    }
    if commit:
        app["properties"].append({"name": "tblk:git-commit",
                                  "value": commit})
    components, deps = [], [{"ref": app_ref,
                             "dependsOn": ["lib:" + s for s in direct]}]
    for so, path, needed in libs:
        owner = dpkg_owner(path)
        info = dpkg_info(owner)
        c = {
            "type": "library",
            "bom-ref": "lib:" + so,
            "name": so,
            "version": info["version"],
            "hashes": [{"alg": "SHA-256", "content": sha256(path)}],
            "purl": purl(info, distro),
            "properties": [
                {"name": "tblk:path", "value": path},
                {"name": "debian:package", "value": owner},
                {"name": "debian:source", "value": "%s %s" % (
                    info["source"], info["sourceVersion"])},
            ],
        }
        lic = copyright_license(info["name"])
        if lic:
            c["licenses"] = [{"license": {"name": lic,
                                          "acknowledgement": "declared"}}]
        components.append(c)
        deps.append({"ref": c["bom-ref"],
                     "dependsOn": ["lib:" + s for s in needed]})

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    stamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    serial = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tblk-ptp-sidecar:%s:%s" % (
        digest, json.dumps(components, sort_keys=True)))
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:%s" % serial,
        "version": 1,
        "metadata": {
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lifecycles": [{"phase": "build"}],
            "tools": {"components": [{
                "type": "application", "name": "scripts/sbom.py",
                "version": version}]},
            "component": app,
        },
        "components": components,
        "dependencies": deps,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", default="")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    bom = build(a.binary, a.version, a.commit)
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(bom, f, indent=2)
        f.write("\n")
    os.rename(tmp, a.output)


if __name__ == "__main__":
    main()
