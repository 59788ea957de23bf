#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check an SBOM written by scripts/sbom.py against the schema and against
the machine, independently of how it was written:

- it validates against the CycloneDX 1.6 JSON schema (the two schemas it
  $refs, spdx and jsf, are read from beside it);
- its application component's SHA-256 is the binary's, and its version is
  what the binary's --version prints;
- its libraries are exactly those ldd resolves for the binary (compared by
  real path), each with the SHA-256 of that file;
- each library's package, version and purl are what dpkg says today.

Prints what it compared; exit 1 with one line per problem.

usage: scripts/sbom-check.py --schema ../shared/schemas/cyclonedx/bom-1.6.schema.json \\
           build/tblk-ptp-sidecar.cdx.json build/tblk-ptp-sidecar
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

import jsonschema


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_validator(schema_path):
    """A draft-07 validator for bom-1.6 with its $refs resolved to the
    files beside it (never fetched from the network)."""
    here = os.path.dirname(os.path.abspath(schema_path))
    schemas = {}
    for name in os.listdir(here):
        if name.endswith(".schema.json"):
            with open(os.path.join(here, name)) as f:
                s = json.load(f)
            schemas[s.get("$id", name)] = s
    with open(schema_path) as f:
        bom_schema = json.load(f)
    cls = jsonschema.validators.validator_for(bom_schema)
    cls.check_schema(bom_schema)
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        reg = Registry().with_resources(
            (k, Resource.from_contents(v)) for k, v in schemas.items())
        return cls(bom_schema, registry=reg)
    except ImportError:  # Debian 12's 4.10
        resolver = jsonschema.RefResolver.from_schema(bom_schema,
                                                      store=schemas)
        return cls(bom_schema, resolver=resolver)


def ldd_paths(binary):
    """Real paths of the libraries ldd resolves (linux-vdso has no file)."""
    out = subprocess.run(["ldd", binary], check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    paths, problems = set(), []
    for line in out.splitlines():
        line = line.strip()
        if "not found" in line:
            problems.append("ldd: " + line)
            continue
        m = re.match(r"^\S+ => (/\S+) \(0x[0-9a-f]+\)$", line) or \
            re.match(r"^(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            paths.add(os.path.realpath(m.group(1)))
    return paths, problems


def prop(component, name):
    for p in component.get("properties", []):
        if p.get("name") == name:
            return p.get("value")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", required=True)
    ap.add_argument("sbom")
    ap.add_argument("binary")
    a = ap.parse_args()
    problems = []
    with open(a.sbom) as f:
        bom = json.load(f)

    validator = load_validator(a.schema)
    for e in sorted(validator.iter_errors(bom), key=lambda e: e.path):
        problems.append("schema: %s: %s" % (
            "/".join(str(x) for x in e.absolute_path) or "(root)",
            e.message[:200]))

    app = bom.get("metadata", {}).get("component", {})
    digest = sha256(a.binary)
    got = [h.get("content") for h in app.get("hashes", [])
           if h.get("alg") == "SHA-256"]
    if got != [digest]:
        problems.append("binary: SHA-256 %s, the SBOM says %s" % (digest,
                                                                  got))
    ver = subprocess.run([a.binary, "--version"], stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    if ver != "%s %s" % (app.get("name"), app.get("version")):
        problems.append("binary: --version says %r, the SBOM %s %s" % (
            ver, app.get("name"), app.get("version")))

    libs = [c for c in bom.get("components", [])
            if c.get("type") == "library"]
    listed = {}
    for c in libs:
        path = prop(c, "tblk:path")
        if not path:
            problems.append("%s: no tblk:path" % c.get("name"))
            continue
        real = os.path.realpath(path)
        if real in listed:
            problems.append("%s: listed twice" % real)
        listed[real] = c
        try:
            h = sha256(real)
        except OSError as e:
            problems.append("%s: %s" % (path, e))
            continue
        if [x.get("content") for x in c.get("hashes", [])] != [h]:
            problems.append("%s: SHA-256 %s, the SBOM says %s" % (
                path, h, c.get("hashes")))
        pkg = prop(c, "debian:package")
        r = subprocess.run(["dpkg-query", "-W", "-f",
                            "${Package}\t${Version}\t${Architecture}", pkg or
                            "?"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            problems.append("%s: package %s not installed" % (path, pkg))
            continue
        name, version, arch = r.stdout.split("\t")
        if c.get("version") != version:
            problems.append("%s: version %s, dpkg has %s %s" % (
                path, c.get("version"), pkg, version))
        want = "pkg:deb/debian/%s@" % name
        if not c.get("purl", "").startswith(want) or \
                "arch=%s" % arch not in c.get("purl", ""):
            problems.append("%s: purl %s, want %s...arch=%s" % (
                path, c.get("purl"), want, arch))

    resolved, lp = ldd_paths(a.binary)
    problems += lp
    for p in sorted(resolved - set(listed)):
        problems.append("ldd resolves %s, the SBOM does not list it" % p)
    for p in sorted(set(listed) - resolved):
        problems.append("the SBOM lists %s, ldd does not resolve it" % p)

    print("sbom-check: %s: %s %s sha256 %s" % (a.sbom, app.get("name"),
                                                app.get("version"), digest))
    for c in libs:
        lic = ", ".join(x["license"].get("id") or x["license"].get("name")
                        for x in c.get("licenses", []) if "license" in x)
        print("  %-22s %-28s %s" % (c["name"], c.get("purl", "").split(
            "?")[0].replace("pkg:deb/debian/", ""), lic or "(no license "
            "stated in a machine-readable copyright file)"))
    if problems:
        for p in problems:
            print("sbom-check: " + p, file=sys.stderr)
        sys.exit(1)
    print("sbom-check: valid CycloneDX 1.6; the %d libraries are exactly "
          "those ldd resolves" % len(libs))


if __name__ == "__main__":
    main()
