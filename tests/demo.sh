#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make demo: a live frame stream from a real ptp4l grandmaster.
#
# Two network namespaces joined by veth (unique names), ptp4l as
# grandmaster with software stamps in one, tblk-ptp-sidecar with
# --timestamping software in the other beside a free-running ptp4l slave
# whose management socket it reads, and `socat` showing the frames for
# DEMO_SECONDS (default 20), then the slave's syncState changes as the
# sidecar's sync frames told them. Everything it makes is removed on exit,
# also when interrupted. Needs root; builds nothing (make does).
#
#   DEMO_SECONDS=N   how long to watch
#   TBLK_BIN=PATH    the daemon (default build/tblk-ptp-sidecar)

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TBLK_BIN:-$ROOT/build/tblk-ptp-sidecar}
SECONDS_TO_SHOW=${DEMO_SECONDS:-20}
TAG=tblkdemo$$
GM_NS=${TAG}gm
SL_NS=${TAG}sl
DIR=
GM_PID=
SL_PID=
SC_PID=
SYNC_PID=
SHOW_PID=

say() {
	printf '== %s\n' "$*"
}

summary() {
	[ -n "$DIR" ] && [ -f "$DIR/frames" ] || return 0
	say "summary: $(wc -l <"$DIR/frames") frames"
	# msgType per SPEC §4, counted per type and direction.
	awk '
	BEGIN {
		n[0] = "SYNC"; n[1] = "DELAY_REQ"; n[2] = "PDELAY_REQ"
		n[3] = "PDELAY_RESP"; n[8] = "FOLLOW_UP"; n[9] = "DELAY_RESP"
		n[10] = "PDELAY_RESP_FOLLOW_UP"; n[11] = "ANNOUNCE"
		n[12] = "SIGNALING"; n[13] = "MANAGEMENT"
	}
	match($0, /"type":"[a-z]+"/) {
		t = substr($0, RSTART + 8, RLENGTH - 9)
		m = "?"
		if (match($0, /"msgType":[0-9]+/)) {
			m = substr($0, RSTART + 10, RLENGTH - 10) + 0
			m = (m in n) ? n[m] : "msgType " m
		}
		c[t " " m]++
	}
	END {
		for (k in c) {
			printf "   %-28s %d\n", k, c[k]
		}
	}' "$DIR/frames" | sort
}

sync_summary() {
	[ -n "$DIR" ] && [ -s "$DIR/sync" ] || return 0
	say "sync frames (the slave's state as read from its UDS):"
	if command -v jq >/dev/null; then
		jq -r 'select(.type == "sync") | "   \(.unixNs[0:10]) \(.previous) -> \(.syncState)  port \(.portState)  gm \(.gm)  offset \(.offsetNs) ns: \(.reason)"' \
			"$DIR/sync"
	else
		grep '"type":"sync"' "$DIR/sync"
	fi
}

cleanup() {
	trap - INT TERM EXIT
	# Remove everything even if one step fails.
	set +e
	[ -n "$SC_PID" ] && kill "$SC_PID" 2>/dev/null && wait "$SC_PID" 2>/dev/null
	# The daemon is gone, so socat sees EOF and the display drains.
	[ -n "$SHOW_PID" ] && wait "$SHOW_PID" 2>/dev/null
	[ -n "$SYNC_PID" ] && wait "$SYNC_PID" 2>/dev/null
	summary
	sync_summary
	[ -n "$SL_PID" ] && kill "$SL_PID" 2>/dev/null && wait "$SL_PID" 2>/dev/null
	[ -n "$GM_PID" ] && kill "$GM_PID" 2>/dev/null && wait "$GM_PID" 2>/dev/null
	for ns in "$GM_NS" "$SL_NS"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	[ -n "$DIR" ] && rm -rf "$DIR"
	say "removed the namespaces $GM_NS, $SL_NS and $DIR"
}

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: needs root (network namespaces, PTP ports 319/320)" >&2
	exit 77
fi
if [ ! -x "$BIN" ]; then
	echo "demo.sh: $BIN missing: run make first" >&2
	exit 69
fi
for tool in ip ptp4l socat; do
	if ! command -v "$tool" >/dev/null; then
		echo "demo.sh: $tool not installed (make deps)" >&2
		exit 69
	fi
done

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DIR=$(mktemp -d /tmp/tblk-demo.XXXXXX)
chmod 0755 "$DIR"
SOCK=$DIR/sidecar.sock

say "creating namespaces $GM_NS (grandmaster) and $SL_NS (sidecar), joined by veth"
ip netns add "$GM_NS"
ip netns add "$SL_NS"
ip link add veth-gm netns "$GM_NS" type veth peer name veth-sl netns "$SL_NS"
ip -n "$GM_NS" addr add 10.99.0.1/24 dev veth-gm
ip -n "$SL_NS" addr add 10.99.0.2/24 dev veth-sl
ip -n "$GM_NS" link set lo up
ip -n "$SL_NS" link set lo up
ip -n "$GM_NS" link set veth-gm up
ip -n "$SL_NS" link set veth-sl up
# ptp4l and the sidecar send and join multicast on the veth
ip -n "$GM_NS" route add 224.0.0.0/4 dev veth-gm
ip -n "$SL_NS" route add 224.0.0.0/4 dev veth-sl

cat >"$DIR/sl.cfg" <<EOF
[global]
slaveOnly               1
free_running            1
time_stamping           software
announceReceiptTimeout  2
uds_address             $DIR/ptp4l-sl
EOF

cat >"$DIR/gm.cfg" <<EOF
[global]
priority1               10
time_stamping           software
logSyncInterval         -3
logAnnounceInterval     0
logMinDelayReqInterval  -3
uds_address             $DIR/ptp4l-gm
EOF

say "starting ptp4l as grandmaster (software stamps, 8 Sync/s) on veth-gm"
ip netns exec "$GM_NS" ptp4l -f "$DIR/gm.cfg" -i veth-gm -4 -m \
	>"$DIR/ptp4l.log" 2>&1 &
GM_PID=$!

say "starting a ptp4l slave on veth-sl (free_running 1: it steers no clock)"
ip netns exec "$SL_NS" ptp4l -f "$DIR/sl.cfg" -i veth-sl -4 -m \
	>"$DIR/ptp4l-sl.log" 2>&1 &
SL_PID=$!

say "starting tblk-ptp-sidecar --timestamping software --ptp4l-uds (the slave's) on veth-sl"
ip netns exec "$SL_NS" "$BIN" -i veth-sl --timestamping software \
	--ptp4l-uds "$DIR/ptp4l-sl" --holdover 2 \
	--socket "$SOCK" --log-level notice 2>"$DIR/sidecar.log" &
SC_PID=$!

i=0
until [ -S "$SOCK" ]; do
	if ! kill -0 "$SC_PID" 2>/dev/null; then
		say "the sidecar exited:"
		cat "$DIR/sidecar.log" >&2
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		say "no socket after 10 s:"
		cat "$DIR/sidecar.log" >&2
		exit 1
	fi
	sleep 0.1
done

say "waiting for ptp4l to take the grandmaster role (about 3 s)"
i=0
until grep -q "assuming the grand master role" "$DIR/ptp4l.log"; do
	i=$((i + 1))
	if [ "$i" -gt 200 ]; then
		say "ptp4l did not become grandmaster:"
		cat "$DIR/ptp4l.log" >&2
		exit 1
	fi
	sleep 0.1
done

# A second client asks for sync frames only; a free-running slave stays
# UNCALIBRATED until told its sync is certain (LAB.md), then locks.
({ echo '{"subscribe":["sync"]}'; sleep "$SECONDS_TO_SHOW"; } |
	timeout "$SECONDS_TO_SHOW" socat - "UNIX-CONNECT:$SOCK" >"$DIR/sync") &
SYNC_PID=$!
sleep 1
ip netns exec "$SL_NS" pmc -u -b 0 -s "$DIR/ptp4l-sl" \
	'SET SYNCHRONIZATION_UNCERTAIN_NP 0' >/dev/null 2>&1 || true

say "frames from socat - UNIX-CONNECT:$SOCK for $SECONDS_TO_SHOW s:"
# tee keeps a copy for the summary; jq only makes it easier to read. In
# the background so that a signal reaches our trap at once (sh runs traps
# only after a foreground job ends).
if command -v jq >/dev/null; then
	PRETTY="jq -c ."
else
	PRETTY="cat"
fi
(timeout "$SECONDS_TO_SHOW" socat -u "UNIX-CONNECT:$SOCK" - |
	tee "$DIR/frames" | $PRETTY) &
SHOW_PID=$!
wait "$SHOW_PID" || true
