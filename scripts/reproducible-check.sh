#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Two clones of the committed HEAD at two different paths (of different
# lengths, so a leaked path changes every offset after it), each built with
# the same toolchain and flags, must give the same binary, byte for byte.
# Prints one "sha256  path" line per build, then the verdict; exit 1 when
# they differ (with diffoscope's report when it is installed).
#
# usage: scripts/reproducible-check.sh    (or: make reproducible-check)
# environment: CC, CFLAGS, CPPFLAGS, LDFLAGS, SOURCE_DATE_EPOCH are passed
# to both builds alike; REPRO_KEEP=1 keeps the two trees.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$top" rev-parse HEAD)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "reproducible-check: note: uncommitted changes are not part of" \
		"the check (it builds $rev)" >&2
fi
work=$(mktemp -d /tmp/tblk-repro.XXXXXX)
cleanup() {
	if [ "${REPRO_KEEP:-0}" = 1 ]; then
		echo "reproducible-check: trees kept in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

a=$work/a/tblk-ptp-sidecar
b=$work/second-checkout/somewhere/deeper/tblk-ptp-sidecar
# The make that runs us passes its own command line (B=, -j) down through
# MAKEFLAGS: each clone gets a clean make with only what is named here.
unset MAKEFLAGS MAKELEVEL MFLAGS
args=()
for v in CC CFLAGS CPPFLAGS LDFLAGS SOURCE_DATE_EPOCH; do
	if [ -n "${!v+x}" ]; then
		args+=("$v=${!v}")
	fi
done

build() {
	local dir=$1
	mkdir -p "$(dirname "$dir")"
	git clone -q --no-checkout "$top" "$dir"
	git -C "$dir" -c advice.detachedHead=false checkout -q "$rev"
	make -C "$dir" -s -j2 B=build "${args[@]}" all >"$dir.log" 2>&1 || {
		cat "$dir.log" >&2
		echo "reproducible-check: the build in $dir failed" >&2
		exit 1
	}
}

build "$a"
build "$b"

fail=0
for f in tblk-ptp-sidecar libtblk.a tblk-ptp-sidecar.8; do
	sa=$(sha256sum "$a/build/$f" | cut -d' ' -f1)
	sb=$(sha256sum "$b/build/$f" | cut -d' ' -f1)
	echo "$sa  $a/build/$f"
	echo "$sb  $b/build/$f"
	if [ "$sa" != "$sb" ]; then
		echo "reproducible-check: $f differs between the two builds" >&2
		if command -v diffoscope >/dev/null; then
			diffoscope "$a/build/$f" "$b/build/$f" | head -100 >&2 || true
		fi
		fail=1
	fi
done
if [ "$fail" = 0 ]; then
	echo "reproducible-check: $rev builds bit for bit the same at both paths"
fi
exit "$fail"
