#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Capture whole Ethernet frames of PTP between two ptp4l instances, one
# run per transport, for the frame decoder (src/pkt_decode.c) and the
# capture filter (src/ptp_bpf.c). Root only. Two network namespaces joined
# by a veth pair; a software-stamping ptp4l grandmaster and a
# `free_running 1` ptp4l slave (it never steers CLOCK_REALTIME, which all
# namespaces share). tcpdump runs on the slave's end with -s 0 so every
# frame is kept from its destination MAC:
#   frames-udp4.pcap  ptp4l -4, hybrid_e2e 1: multicast SYNC / FOLLOW_UP /
#                     ANNOUNCE to 224.0.1.129, unicast DELAY_REQ and
#                     DELAY_RESP between 10.99.0.1 and 10.99.0.2
#   frames-udp6.pcap  ptp4l -6: everything to ff0e::181 from the link-local
#                     addresses (IPv6 DAD is given a moment first)
#   frames-l2.pcap    ptp4l -2: ethertype 0x88F7 to 01:1b:19:00:00:00
# Each capture is cut to keep the tree small: its first 7 packets (the
# grandmaster's first ANNOUNCE, SYNC and FOLLOW_UP) and the 33 from the
# slave's first DELAY_REQ on, which the slave sends only once it has
# qualified the grandmaster (a few seconds in).
#
# VLAN: this kernel has no 8021q (no `ip link add ... type vlan`), and a
# receiving kernel moves the outer tag into metadata before any tap sees
# it anyway, so no tagged frame is captured here. The unit tests make
# tagged frames by inserting a 0x8100 (or 0x88A8) tag, VID 100, after the
# source MAC of a real frame from these captures.
#
# Nothing leaves the namespaces: 10.99.x and the link-local addresses
# exist only inside them. veth MACs and timestamps differ on every run;
# the arrays in tests/unit/frames.h come from the committed captures.
#
# usage: tests/data/capture_frames.sh [OUTDIR]   (default: tests/data)
set -eu

out=$(realpath "${1:-$(dirname "$0")}")
gm=ptpf-gm-$$
sl=ptpf-sl-$$
vgm=vfg$$
vsl=vfs$$
tmp=$(mktemp -d /tmp/ptp-frames.XXXXXX)
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

# $1 run name, $2 extra [global] lines for both
write_cfg() {
	cat >"$tmp/$1-gm.cfg" <<CFG
[global]
priority1               10
time_stamping           software
logSyncInterval         -3
logAnnounceInterval     0
logMinDelayReqInterval  -3
uds_address             $tmp/$1-gm.uds
$2
CFG
	cat >"$tmp/$1-sl.cfg" <<CFG
[global]
slaveOnly               1
free_running            1
time_stamping           software
uds_address             $tmp/$1-sl.uds
$2
CFG
}

# Write packets [0, 7) and [first DELAY_REQ, +33) of pcap $1 to pcap $2;
# $3 is the offset of the PTP header in the frame.
cut_pcap() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
src, dst, off = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
pkts, pos = [], 24
while pos + 16 <= len(data):
    incl = struct.unpack_from("<I", data, pos + 8)[0]
    pkts.append(data[pos:pos + 16 + incl])
    pos += 16 + incl
first = next(i for i, p in enumerate(pkts)
             if len(p) > 16 + off and p[16 + off] & 0x0f == 1)
with open(dst, "wb") as f:
    f.write(data[:24])
    f.writelines(pkts[:7] + pkts[first:first + 33])
PY
}

# $1 run name, $2 ptp4l transport option, $3 tcpdump filter, $4 offset of
# the PTP header in its frames
run() {
	ip netns exec "$sl" tcpdump -i "$vsl" -s 0 -U -w "$tmp/$1-all.pcap" \
		"$3" 2>"$tmp/$1-tcpdump.log" &
	tcpd=$!
	pids="$pids $tcpd"
	sleep 1
	ip netns exec "$gm" ptp4l -f "$tmp/$1-gm.cfg" -i "$vgm" "$2" -S -m \
		>"$tmp/$1-gm.log" 2>&1 &
	gpid=$!
	ip netns exec "$sl" ptp4l -f "$tmp/$1-sl.cfg" -i "$vsl" "$2" -S -m \
		>"$tmp/$1-sl.log" 2>&1 &
	spid=$!
	pids="$pids $gpid $spid"
	i=0
	while ! grep -q 'assuming the grand master role' "$tmp/$1-gm.log"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$tmp/$1-gm.log"; exit 1; }
		sleep 0.1
	done
	# Enough for several DELAY_REQ / DELAY_RESP after the first SYNC.
	sleep 6
	kill "$spid" "$gpid" 2>/dev/null || true
	wait "$spid" "$gpid" 2>/dev/null || true
	sleep 0.5
	kill "$tcpd" 2>/dev/null || true
	wait "$tcpd" 2>/dev/null || true
	cat "$tmp/$1-tcpdump.log"
	cut_pcap "$tmp/$1-all.pcap" "$out/frames-$1.pcap" "$4"
	tcpdump -r "$out/frames-$1.pcap" -e -nn 2>/dev/null | head -4
}

write_cfg udp4 "hybrid_e2e              1"
run udp4 -4 'udp port 319 or udp port 320' 42

# IPv6 link-local addresses are tentative until DAD completes (~1-2 s on
# veth); ptp4l -6 cannot bind its multicast sockets before that.
i=0
while ip -n "$gm" -6 addr show dev "$vgm" | grep -q tentative ||
	ip -n "$sl" -6 addr show dev "$vsl" | grep -q tentative ||
	! ip -n "$sl" -6 addr show dev "$vsl" | grep -q 'scope link'; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "IPv6 DAD did not complete"; exit 1; }
	sleep 0.1
done
write_cfg udp6 ""
run udp6 -6 'ip6 and (udp port 319 or udp port 320)' 62

write_cfg l2 ""
run l2 -2 'ether proto 0x88f7' 14
