#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Capture real PTPv2 messages between two ptp4l instances (root only).
# Two network namespaces joined by a veth pair; a software-stamping ptp4l
# grandmaster and a `free_running 1` ptp4l slave (it never steers
# CLOCK_REALTIME, which all namespaces share). Three short runs:
#   e2e.pcap      E2E: SYNC, FOLLOW_UP, ANNOUNCE, DELAY_REQ, DELAY_RESP, plus
#                 MANAGEMENT from `pmc -4` (GET and the grandmaster's RESPONSE)
#   p2p.pcap      P2P: PDELAY_REQ, PDELAY_RESP, PDELAY_RESP_FOLLOW_UP
#   unicast.pcap  unicast negotiation: SIGNALING with REQUEST/GRANT TLVs
# Nothing leaves the namespaces: 10.99.x addresses exist only inside them.
#
# veth MACs (and so clockIdentities) and timestamps differ on every run:
# the arrays in tests/unit/test_ptp_msg.c and the seeds in
# tests/fuzz/corpus/ptp_msg come from the committed captures (p2p.pcap there
# is cut to its first 40 packets to keep the tree small).
#
# usage: tests/data/capture.sh [OUTDIR]   (default: tests/data)
set -eu

out=$(realpath "${1:-$(dirname "$0")}")
gm=ptp-gm-$$
sl=ptp-sl-$$
vgm=vgm$$
vsl=vsl$$
tmp=$(mktemp -d /tmp/ptp-capture.XXXXXX)
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

# $1 run name, $2 extra [global] lines for both, $3 extra gm [global]
# lines, $4 extra slave [global] lines, $5 extra slave sections
write_cfg() {
	cat >"$tmp/$1-gm.cfg" <<CFG
[global]
priority1               10
time_stamping           software
logSyncInterval         -3
logAnnounceInterval     0
logMinDelayReqInterval  -3
logMinPdelayReqInterval -3
uds_address             $tmp/$1-gm.uds
$2
$3
CFG
	cat >"$tmp/$1-sl.cfg" <<CFG
[global]
slaveOnly               1
free_running            1
time_stamping           software
logMinPdelayReqInterval -3
uds_address             $tmp/$1-sl.uds
$2
$4
$5
CFG
}

# $1 run name, $2 seconds to capture after the grandmaster role is taken,
# $3 ptp4l interface option for the slave ("-i IF" or empty)
run() {
	ip netns exec "$sl" tcpdump -i "$vsl" -s 0 -U -w "$out/$1.pcap" \
		'udp port 319 or udp port 320' 2>"$tmp/$1-tcpdump.log" &
	tcpd=$!
	pids="$pids $tcpd"
	sleep 1
	ip netns exec "$gm" ptp4l -f "$tmp/$1-gm.cfg" -i "$vgm" -4 -S -m \
		>"$tmp/$1-gm.log" 2>&1 &
	gpid=$!
	ip netns exec "$sl" ptp4l -f "$tmp/$1-sl.cfg" -i "$vsl" -4 -S -m \
		>"$tmp/$1-sl.log" 2>&1 &
	spid=$!
	pids="$pids $gpid $spid"
	i=0
	while ! grep -q 'assuming the grand master role' "$tmp/$1-gm.log"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$tmp/$1-gm.log"; exit 1; }
		sleep 0.1
	done
	sleep "$2"
	if [ "$1" = e2e ]; then
		# MANAGEMENT on the wire: pmc over UDPv4 from the slave side;
		# the grandmaster answers with a RESPONSE.
		ip netns exec "$sl" pmc -4 -i "$vsl" -b 1 \
			-f "$tmp/$1-sl.cfg" 'GET DEFAULT_DATA_SET' \
			>"$tmp/pmc.log" 2>&1 || true
		cat "$tmp/pmc.log"
		sleep 1
	fi
	kill "$spid" "$gpid" 2>/dev/null || true
	wait "$spid" "$gpid" 2>/dev/null || true
	sleep 0.5
	kill "$tcpd" 2>/dev/null || true
	wait "$tcpd" 2>/dev/null || true
	cat "$tmp/$1-tcpdump.log"
}

write_cfg e2e "" "" "" ""
run e2e 3

write_cfg p2p "delay_mechanism         P2P" "" "" ""
run p2p 3

write_cfg unicast "" "unicast_listen          1" "unicast_master_table    1
unicast_req_duration    60" "[unicast_master_table]
table_id                1
logQueryInterval        0
UDPv4                   10.99.0.1"
run unicast 4
