#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Capture real PTP MANAGEMENT exchanges with ptp4l over its UDS (root only):
# the requests sent and ptp4l's replies and pushes, one datagram per file in
# tests/data/mgmt/*.bin, for tests/unit/test_ptp_mgmt.c and the seeds of
# tests/fuzz/corpus/ptp_mgmt.
#
# Two network namespaces (unique names, removed on exit) joined by veth; a
# software-stamping ptp4l grandmaster and a `free_running 1` ptp4l slave
# (a steering slave would move CLOCK_REALTIME, which all namespaces share).
# mgmt_client.py, a pmc-equivalent client with its own bound path, talks to
# the slave's UDS (and once to the grandmaster's):
#   GET PORT_DATA_SET              while UNCALIBRATED
#   SET SUBSCRIBE_EVENTS_NP        port-state events, 60 s; GET it back
#   SET SYNCHRONIZATION_UNCERTAIN_NP 0   (a free-running slave stays
#                                  UNCALIBRATED without it, LAB.md)
#   the PORT_DATA_SET push         UNCALIBRATED -> SLAVE
#   GET PORT_DATA_SET, TIME_STATUS_NP, CURRENT_DATA_SET, PARENT_DATA_SET,
#       TIME_PROPERTIES_DATA_SET   in SLAVE
#   GET TIME                       MANAGEMENT_ERROR_STATUS NOT_SUPPORTED
#   SET SYNCHRONIZATION_UNCERTAIN_NP, empty   ... WRONG_LENGTH
#   GET PORT_DATA_SET, TIME_STATUS_NP on the grandmaster (MASTER)
#   GET PORT_PROPERTIES_NP on both, from an abstract-namespace address
#                                  (the sidecar binds one: ptp4l answers it,
#                                  from the same network namespace only:
#                                  abstract names are per netns)
#   kill the grandmaster: the push SLAVE -> LISTENING (announce timeout),
#       then TIME_STATUS_NP without a grandmaster
# and `pmc -u -b 0 -z` itself once under strace (pmc_get_port_ds.req.bin),
# so the client's requests can be compared with pmc's own.
#
# MACs (so clockIdentities), sequenceIds and times differ on every run; the
# arrays in tests/unit/test_ptp_mgmt.c come from the committed blobs.
#
# usage: tests/data/capture_mgmt.sh [OUTDIR]   (default: tests/data/mgmt)
set -eu

here=$(realpath "$(dirname "$0")")
out=$(realpath -m "${1:-$here/mgmt}")
mkdir -p "$out"
gm=ptpm-gm-$$
sl=ptpm-sl-$$
vgm=vmg$$
vsl=vms$$
tmp=$(mktemp -d /tmp/ptp-mgmt.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$gm" 2>/dev/null || true
	ip netns del "$sl" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$gm"
ip netns add "$sl"
ip link add "$vgm" type veth peer name "$vsl"
ip link set "$vgm" netns "$gm"
ip link set "$vsl" netns "$sl"
ip -n "$gm" addr add 10.99.0.1/24 dev "$vgm"
ip -n "$sl" addr add 10.99.0.2/24 dev "$vsl"
for n in "$gm" "$sl"; do
	ip -n "$n" link set lo up
done
ip -n "$gm" link set "$vgm" up
ip -n "$sl" link set "$vsl" up
ip -n "$gm" route add 224.0.0.0/4 dev "$vgm"
ip -n "$sl" route add 224.0.0.0/4 dev "$vsl"

cat >"$tmp/gm.cfg" <<CFG
[global]
priority1               10
time_stamping           software
logSyncInterval         -3
logAnnounceInterval     0
logMinDelayReqInterval  -3
uds_address             $tmp/gm.uds
CFG
cat >"$tmp/sl.cfg" <<CFG
[global]
slaveOnly               1
free_running            1
time_stamping           software
uds_address             $tmp/sl.uds
CFG

ip netns exec "$gm" ptp4l -f "$tmp/gm.cfg" -i "$vgm" -4 -S -m \
	>"$tmp/gm.log" 2>&1 &
gpid=$!
ip netns exec "$sl" ptp4l -f "$tmp/sl.cfg" -i "$vsl" -4 -S -m \
	>"$tmp/sl.log" 2>&1 &
spid=$!
pids="$gpid $spid"
i=0
while ! grep -q 'assuming the grand master role' "$tmp/gm.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$tmp/gm.log"; exit 1; }
	sleep 0.1
done
# the slave hears Announces and goes UNCALIBRATED
i=0
while ! grep -q 'UNCALIBRATED' "$tmp/sl.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$tmp/sl.log"; exit 1; }
	sleep 0.1
done

# pmc itself, under strace: the bytes of its zero-length GET
strace -f -xx -s 256 -e trace=sendto,sendmsg -o "$tmp/pmc.strace" \
	pmc -u -b 0 -z -i "$tmp/pmc.sock" -s "$tmp/sl.uds" \
	'GET PORT_DATA_SET' >"$tmp/pmc.log"
cat "$tmp/pmc.log"
python3 - "$tmp/pmc.strace" "$out/pmc_get_port_ds.req.bin" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'send(?:to|msg)\([^"]*"((?:\\x[0-9a-f]{2})+)"', text)
open(sys.argv[2], "wb").write(bytes.fromhex(m.group(1).replace("\\x", "")))
PY

# 60 s of port-state events: bit 0 of the 64-octet bitmask
sub=003c01$(printf '%0126d' 0)
python3 "$here/mgmt_client.py" "$out" "$tmp/client.sock" \
	get:port_ds_uncalibrated:"$tmp/sl.uds":2004 \
	set:subscribe:"$tmp/sl.uds":c003:"$sub" \
	get:get_subscribe:"$tmp/sl.uds":c003 \
	set:sync_uncertain:"$tmp/sl.uds":c006:0000 \
	push:push_slave:10:9 \
	sleep:2 \
	get:port_ds_slave:"$tmp/sl.uds":2004 \
	get:time_status:"$tmp/sl.uds":c000 \
	get:current_ds:"$tmp/sl.uds":2001 \
	get:parent_ds:"$tmp/sl.uds":2002 \
	get:time_prop_ds:"$tmp/sl.uds":2003 \
	get:err_not_supported:"$tmp/sl.uds":200f \
	set:err_wrong_length:"$tmp/sl.uds":c006: \
	get:gm_port_ds:"$tmp/gm.uds":2004 \
	get:gm_time_status:"$tmp/gm.uds":c000 \
	sh:"ip netns exec $sl python3 $here/mgmt_client.py $out @tblk-capture-$$ get:port_props:$tmp/sl.uds:c004" \
	sh:"ip netns exec $gm python3 $here/mgmt_client.py $out @tblk-capture-$$ get:gm_port_props:$tmp/gm.uds:c004" \
	sh:"kill $gpid" \
	push:push_listening:15:4 \
	get:time_status_no_gm:"$tmp/sl.uds":c000

kill "$spid" 2>/dev/null || true
# requests of the same kind are identical but for sequenceId: keep the
# request of each GET and SET once
rm -f "$out"/port_ds_slave.req.bin "$out"/time_status_no_gm.req.bin \
	"$out"/gm_port_ds.req.bin "$out"/gm_time_status.req.bin \
	"$out"/gm_port_props.req.bin
ls -l "$out"
