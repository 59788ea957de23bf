#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The benchmark: the sidecar beside bare recvmsg loops (tests/bench/baseline:
# a UDP socket on 319 and a packet socket with the daemon's BPF filter) on
# the same veth, receiving the same SYNCs from tests/bench/ptpgen in a
# second namespace, read by tests/bench/benchclient. Three sets of cases:
# UDPv4 at each rate with 1/8/64 clients (the main table); the daemon's CPU
# with and without a flood of non-PTP traffic (UDP to other ports, ARP);
# UDPv6 and L2 PTP streams with 1 client; then tests/bench/pathcost (the
# pure stages' CPU per packet in process: classify, + the per-stream
# accounting, + the frame encoding). Prints tables, then as its LAST
# line one JSON object with every figure. Nothing is asserted on a figure:
# the numbers are read (docs/performance.md says how).
#
# usage: sudo tests/bench/run.sh          (or: sudo make bench)
# environment:
#   B                  build directory (default: build)
#   TBLK_BIN           the daemon (default: $B/tblk-ptp-sidecar)
#   BENCH_SECONDS      seconds of traffic per case (default: 3)
#   BENCH_RATES        offered UDPv4 rates, 0 = flat out, "" = none
#                      (default: "1000 10000 50000 100000 0")
#   BENCH_PKT_BASELINE 0: no packet-socket baseline beside the UDP one (default: 1)
#   BENCH_FLOOD_RATE   non-PTP packets/s of the flood cases, 0 = none (default: 100000)
#   BENCH_FLOOD_PTP_RATE  SYNCs/s during the flood cases (default: 1000)
#   BENCH_STREAM_RATES rates of the UDPv6 and L2 cases, "" = none
#                      (default: "1000 10000 50000 100000 0")
#   BENCH_LONG=1       also the long RSS run: BENCH_LONG_PACKETS (10000000)
#                      at BENCH_LONG_RATE (100000) packets/s to 64 clients
#   BENCH_KEEP=1       keep the work directory (logs, per-case JSON)
#
# Nothing is sent outside the two namespaces this script creates (names carry
# its PID) and removes on any exit, Ctrl-C included.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
BIN=${TBLK_BIN:-$B/tblk-ptp-sidecar}
BB=$B/bench
SECONDS_PER_CASE=${BENCH_SECONDS:-3}
RATES=${BENCH_RATES-"1000 10000 50000 100000 0"}
PKT_BASELINE=${BENCH_PKT_BASELINE:-1}
FLOOD_RATE=${BENCH_FLOOD_RATE:-100000}
FLOOD_PTP_RATE=${BENCH_FLOOD_PTP_RATE:-1000}
STREAM_RATES=${BENCH_STREAM_RATES-"1000 10000 50000 100000 0"}
LONG=${BENCH_LONG:-0}
LONG_PACKETS=${BENCH_LONG_PACKETS:-10000000}
LONG_RATE=${BENCH_LONG_RATE:-100000}
HZ=$(getconf CLK_TCK)

gns=bench-g$$
rns=bench-r$$
gif=bg$$
rif=br$$
work=$(mktemp -d /tmp/bench-$$.XXXXXX)
pids=()

die() {
	echo "bench: $*" >&2
	exit 1
}

cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$gns" 2>/dev/null
	ip netns del "$rns" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ptpgen baseline benchclient; do
	[ -x "$BB/$t" ] || die "$BB/$t missing: run 'make B=$B tools' first"
done
command -v jq >/dev/null || die "jq missing: run 'make deps'"

# A placeholder or missing daemon still gives the baseline's figures.
have_sidecar=0
version=$("$BIN" --version 2>&1 | head -1)
if [ -x "$BIN" ] && ! grep -q "not built yet" <<<"$version" &&
	"$BIN" --version >/dev/null 2>&1; then
	have_sidecar=1
else
	echo "bench: no working daemon at $BIN ($version): baseline only" >&2
	version=null
fi

# Two hosts on one machine (LAB.md). Multicast needs no ARP (the MAC is
# derived from the group), so no neighbour entry is needed for the SYNCs;
# permanent ones serve the flood's unicast (and the ICMP errors it draws).
# IPv6: ULA addresses without DAD, usable at once as the source of the
# ff0e::181 stream (the link-local ones are tentative for a while).
ip netns add "$gns" && ip netns add "$rns" || die "ip netns add failed"
ip link add "$gif" type veth peer name "$rif" || die "ip link add failed"
ip link set "$gif" netns "$gns"
ip link set "$rif" netns "$rns"
ip -n "$gns" addr add 10.99.0.1/24 dev "$gif"
ip -n "$rns" addr add 10.99.0.2/24 dev "$rif"
for ns in "$gns" "$rns"; do
	ip -n "$ns" link set lo up
done
ip -n "$gns" link set "$gif" up
ip -n "$rns" link set "$rif" up
ip -n "$gns" route add 224.0.0.0/4 dev "$gif"
ip -n "$rns" route add 224.0.0.0/4 dev "$rif"
ip -n "$gns" -6 addr add fd99::1/64 dev "$gif" nodad
ip -n "$rns" -6 addr add fd99::2/64 dev "$rif" nodad
gmac=$(ip -n "$gns" -j link show "$gif" | jq -r '.[0].address')
rmac=$(ip -n "$rns" -j link show "$rif" | jq -r '.[0].address')
ip -n "$gns" neigh replace 10.99.0.2 lladdr "$rmac" dev "$gif" nud permanent
ip -n "$rns" neigh replace 10.99.0.1 lladdr "$gmac" dev "$rif" nud permanent

# Waits for file $1 while process $2 lives, up to $3 seconds.
wait_file() {
	local i
	for ((i = 0; i < $3 * 100; i++)); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# utime+stime of process $1 in ns (/proc/PID/stat fields 14, 15: ticks).
proc_cpu_ticks_ns() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || {
		echo 0
		return
	}
	s=${s##*) }
	awk -v hz="$HZ" '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }' <<<"$s"
}

# Run time of all threads of process $1 in ns (schedstat: ns, not ticks).
proc_cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}

proc_hwm_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

proc_rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# Packets dropped before any socket: the backlog (softnet_stat column 2,
# all CPUs) and the veth pair's own counters.
backlog_drops() {
	local total=0 processed dropped rest
	while read -r processed dropped rest; do
		total=$((total + 16#$dropped))
	done </proc/net/softnet_stat
	echo "$total"
}

veth_drops() {
	local a b
	a=$(ip -n "$gns" -s -j link show "$gif" | jq '.[0].stats64.tx.dropped')
	b=$(ip -n "$rns" -s -j link show "$rif" | jq '.[0].stats64.rx.dropped')
	echo $((a + b))
}

# Waits until process $1 stops using CPU (it has drained its backlog):
# less than 1 ms of run time in 100 ms, at most 10 s.
wait_idle() {
	local prev cur i
	prev=$(proc_cpu_ns "$1")
	for ((i = 0; i < 100; i++)); do
		sleep 0.1
		cur=$(proc_cpu_ns "$1")
		[ $((cur - prev)) -lt 1000000 ] && return 0
		prev=$cur
	done
}

stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 500; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Frames the receiving veth took in, and UDP datagrams its namespace had
# no socket for (the flood's unicast ends there).
rx_packets() {
	ip -n "$rns" -s -j link show "$rif" | jq '.[0].stats64.rx.packets'
}

udp_noports() {
	ip netns exec "$rns" awk '/^Udp:/ { if (h) { print $3; exit } h = 1 }' \
		/proc/net/snmp
}

# Starts a baseline of mode $2 for case $1; its JSON goes to
# $work/<mode>-$1.json. Waits until it is ready.
start_baseline() {
	local tag=$1 mode=$2 p
	ip netns exec "$rns" "$BB/baseline" -i "$rif" --mode "$mode" \
		--rcvbuf 4194304 --ready-file "$work/bl-$mode-$tag.ready" \
		>"$work/bl-$mode-$tag.json" &
	p=$!
	pids+=("$p")
	blpids+=("$p")
	wait_file "$work/bl-$mode-$tag.ready" "$p" 5 ||
		echo "bench: baseline $mode did not start ($tag)" >&2
}

# One case: transport $1 (udp4, udp6, l2), offered rate $2 (0 = flat
# out), $3 clients, $4 non-PTP flood packets/s (0: none) sent at the same
# time. Writes $work/case-<n>.json.
ncase=0
case_set=main
run_case() {
	local transport=$1 rate=$2 clients=$3 flood=${4:-0}
	local tag sock sp=0 cp=0 fp=0 p udpmode=null genflag
	local cpu0=0 cpu1=0 tick0=0 tick1=0 hwm=0 bl0 bd0 vd0 rx0 np0 sc_rc=null
	local blpids=()
	ncase=$((ncase + 1))
	tag=$(printf '%02d-%s-%s-%s' "$ncase" "$transport" "$rate" "$clients")
	sock=$work/sc-$ncase.sock
	echo "{}" >"$work/client-$tag.json"
	echo "{}" >"$work/flood-$tag.json"
	case $transport in
	udp4) udpmode=udp4 genflag=-4 ;;
	udp6) udpmode=udp6 genflag=-6 ;;
	l2) genflag=-2 ;;
	esac

	if [ $have_sidecar = 1 ]; then
		ip netns exec "$rns" "$BIN" -i "$rif" --timestamping software \
			--socket "$sock" --rcvbuf 4194304 --max-clients 128 \
			--log-level warning 2>"$work/sidecar-$tag.log" &
		sp=$!
		pids+=("$sp")
	fi
	echo "{}" >"$work/bl-udp4-$tag.json"
	echo "{}" >"$work/bl-udp6-$tag.json"
	echo "{}" >"$work/bl-packet-$tag.json"
	if [ "$udpmode" != null ]; then
		start_baseline "$tag" "$udpmode"
	fi
	if [ "$PKT_BASELINE" = 1 ] || [ "$udpmode" = null ]; then
		start_baseline "$tag" packet
	fi
	if [ $have_sidecar = 1 ]; then
		"$BB/benchclient" --socket "$sock" -n "$clients" \
			--connect-timeout 10 --ready-file "$work/bc-$tag.ready" \
			>"$work/client-$tag.json" 2>"$work/client-$tag.log" &
		cp=$!
		pids+=("$cp")
		wait_file "$work/bc-$tag.ready" "$cp" 15 ||
			echo "bench: clients not ready ($tag): $(tail -1 "$work/sidecar-$tag.log" "$work/client-$tag.log" | tr '\n' ' ')" >&2
		cpu0=$(proc_cpu_ns "$sp")
		tick0=$(proc_cpu_ticks_ns "$sp")
	fi
	bl0=$(backlog_drops)
	vd0=$(veth_drops)
	rx0=$(rx_packets)
	np0=$(udp_noports)

	if [ "$flood" != 0 ]; then
		ip netns exec "$gns" "$BB/ptpgen" -i "$gif" --flood \
			--dst 10.99.0.2 --dst-mac "$rmac" --rate "$flood" \
			--seconds "$SECONDS_PER_CASE" >"$work/flood-$tag.json" &
		fp=$!
		pids+=("$fp")
	fi
	ip netns exec "$gns" "$BB/ptpgen" -i "$gif" "$genflag" --rate "$rate" \
		--seconds "$SECONDS_PER_CASE" >"$work/gen-$tag.json"
	if [ $fp != 0 ]; then
		wait "$fp"
	fi

	if [ $have_sidecar = 1 ] && kill -0 "$sp" 2>/dev/null; then
		wait_idle "$sp"
		cpu1=$(proc_cpu_ns "$sp")
		tick1=$(proc_cpu_ticks_ns "$sp")
		hwm=$(proc_hwm_kib "$sp")
	else
		sleep 0.3
	fi
	for p in "${blpids[@]}"; do
		stop_pid "$p"
	done
	if [ $cp != 0 ]; then
		stop_pid "$cp"
	fi
	if [ $sp != 0 ]; then
		if kill -0 "$sp" 2>/dev/null; then
			kill -TERM "$sp"
			wait "$sp"
			sc_rc=$?
		else
			wait "$sp"
			sc_rc=$?
			echo "bench: sidecar died during $tag (exit $sc_rc): $(tail -3 "$work/sidecar-$tag.log")" >&2
		fi
	fi

	jq -n --argjson rate "$rate" --argjson clients "$clients" \
		--arg transport "$transport" --argjson floodRate "$flood" \
		--arg set "$case_set" \
		--argjson sc "$have_sidecar" \
		--slurpfile gen "$work/gen-$tag.json" \
		--slurpfile fl "$work/flood-$tag.json" \
		--slurpfile bl "$work/bl-${udpmode/null/udp4}-$tag.json" \
		--slurpfile pb "$work/bl-packet-$tag.json" \
		--slurpfile bc "$work/client-$tag.json" \
		--argjson cpu $((cpu1 - cpu0)) --argjson tick $((tick1 - tick0)) \
		--argjson hwm "$hwm" --argjson rc "$sc_rc" \
		--argjson backlog $(($(backlog_drops) - bl0)) \
		--argjson veth $(($(veth_drops) - vd0)) \
		--argjson rxframes $(($(rx_packets) - rx0)) \
		--argjson noports $(($(udp_noports) - np0)) '
		def bline($b; $off):
			if ($b.tool // null) == null then null else
			{mode: $b.mode, seen: ($b.seen // 0),
			 loss: ($off - ($b.seen // 0)),
			 latencyNs: $b.latencyNs, kernelDrops: $b.kernelDrops,
			 cpuNs: $b.cpuNs,
			 cpuNsPerPacket: ($b.cpuNsPerPacket // 0 | floor),
			 maxRssKiB: $b.maxRssKiB} end;
		($gen[0] // {}) as $g | ($bc[0] // {}) as $c |
		($g.sent // 0) as $off |
		($c.sidecarStatus.counters // null) as $cnt |
		(if $cnt and ($cnt.rx // 0) > 0 then $cnt.rx else $off end) as $pk |
		($g.seconds // 0) as $secs |
		{set: $set, transport: $transport, rate: $rate, flatOut: ($rate == 0),
		 clients: $clients,
		 offered: $off, achievedRate: ($g.rateAchieved // 0 | floor),
		 generator: $g, backlogDrops: $backlog, vethDrops: $veth,
		 rxFrames: $rxframes, udpNoPorts: $noports,
		 flood: (if $floodRate > 0 then
			{rate: $floodRate, sent: ($fl[0].sent // 0),
			 achievedRate: ($fl[0].rateAchieved // 0 | floor),
			 generator: $fl[0]} else null end),
		 baseline: bline($bl[0] // {}; $off),
		 pktBaseline: bline($pb[0] // {}; $off),
		 sidecar: (if $sc == 1 then
			{seen: $c.seen, loss: [($c.seen // [])[] | $off - .],
			 maxLoss: ([($c.seen // [])[] | $off - .] | max),
			 disconnected: $c.disconnected, latencyNs: $c.latencyNs,
			 statusCounters: $cnt, packets: $pk,
			 cpuNs: $cpu, cpuNsPerPacket: (if $pk > 0 then $cpu / $pk | floor else null end),
			 cpuNsPerSecond: (if $secs > 0 then $cpu / $secs | floor else null end),
			 cpuTicksNs: $tick, cpuTicksNsPerPacket: (if $pk > 0 then $tick / $pk | floor else null end),
			 vmHwmKiB: $hwm, exit: $rc, clientReady: $c.statusReady,
			 clientCpuNsPerFrame: (if ($c.frames // 0) > 0 then $c.cpuNs / $c.frames | floor else null end)}
			else null end)}
		| def ratio($b): if .sidecar and $b and $b.latencyNs and .sidecar.latencyNs
			and $b.latencyNs.p50 > 0 and $b.latencyNs.p99 > 0
			and $b.cpuNsPerPacket > 0 then
			{p50: (.sidecar.latencyNs.p50 / $b.latencyNs.p50 * 100 | round / 100),
			 p99: (.sidecar.latencyNs.p99 / $b.latencyNs.p99 * 100 | round / 100),
			 cpu: ((.sidecar.cpuNsPerPacket // 0) / $b.cpuNsPerPacket * 100 | round / 100)}
			else null end;
		.ratio = ratio(.baseline) | .ratioPkt = ratio(.pktBaseline)' \
		>"$work/case-$(printf %02d $ncase).json" ||
		echo "bench: could not summarise $tag" >&2
	printf '  %-4s %-6s %3s clients%s: offered %s\n' "$transport" \
		"$(rate_name "$rate")" "$clients" \
		"$([ "$flood" = 0 ] || echo " + flood $(rate_name "$flood")")" \
		"$(jq -r '.sent // "?"' "$work/gen-$tag.json")" >&2
}

rate_name() {
	if [ "$1" = 0 ]; then
		echo flat
	elif [ $(($1 % 1000)) = 0 ]; then
		echo "$(($1 / 1000))k"
	else
		echo "$1"
	fi
}

# Long run: VmHWM sampled each second while 64 clients read
# $LONG_PACKETS packets.
run_long() {
	local sock=$work/long.sock sp cp gp i=0
	echo "bench: long run: $LONG_PACKETS packets at $LONG_RATE/s to 64 clients" >&2
	ip netns exec "$rns" "$BIN" -i "$rif" --timestamping software \
		--socket "$sock" --rcvbuf 4194304 --max-clients 128 \
		--log-level warning 2>"$work/sidecar-long.log" &
	sp=$!
	pids+=("$sp")
	"$BB/benchclient" --socket "$sock" -n 64 --connect-timeout 10 \
		--ready-file "$work/bc-long.ready" >"$work/client-long.json" \
		2>"$work/client-long.log" &
	cp=$!
	pids+=("$cp")
	wait_file "$work/bc-long.ready" "$cp" 15 ||
		echo "bench: long-run clients not ready" >&2
	ip netns exec "$gns" "$BB/ptpgen" -i "$gif" --rate "$LONG_RATE" \
		--count "$LONG_PACKETS" >"$work/gen-long.json" &
	gp=$!
	pids+=("$gp")
	: >"$work/long-samples"
	while kill -0 "$gp" 2>/dev/null; do
		echo "$i $(proc_hwm_kib "$sp") $(proc_rss_kib "$sp")" >>"$work/long-samples"
		sleep 1
		i=$((i + 1))
	done
	wait "$gp"
	wait_idle "$sp"
	echo "$i $(proc_hwm_kib "$sp") $(proc_rss_kib "$sp")" >>"$work/long-samples"
	stop_pid "$cp"
	stop_pid "$sp"
	jq -n --slurpfile gen "$work/gen-long.json" \
		--slurpfile bc "$work/client-long.json" \
		--rawfile samples "$work/long-samples" '
		($gen[0].sent // 0) as $off |
		[$samples | split("\n")[] | select(length > 0) | split(" ") |
		 {t: (.[0] | tonumber), vmHwmKiB: (.[1] | tonumber), vmRssKiB: (.[2] | tonumber)}] as $s |
		{packets: $off, rate: $gen[0].rateAchieved, clients: 64,
		 maxLoss: ([($bc[0].seen // [])[] | $off - .] | max),
		 disconnected: $bc[0].disconnected, latencyNs: $bc[0].latencyNs,
		 statusCounters: ($bc[0].sidecarStatus.counters // null),
		 vmHwmKiB: {first: $s[0].vmHwmKiB, last: $s[-1].vmHwmKiB,
			max: ([$s[].vmHwmKiB] | max)},
		 samples: $s}' >"$work/long.json"
}

echo "bench: $SECONDS_PER_CASE s per case; udp4 rates: ${RATES:-none};" \
	"flood: $(rate_name "$FLOOD_RATE")/s; udp6/l2 rates: ${STREAM_RATES:-none}" >&2
for rate in $RATES; do
	if [ $have_sidecar = 1 ]; then
		run_case udp4 "$rate" 1
		run_case udp4 "$rate" 8
		if [ "$rate" = 10000 ]; then
			run_case udp4 "$rate" 64
		fi
	else
		run_case udp4 "$rate" 0
	fi
done
case_set=flood
if [ "$FLOOD_RATE" != 0 ] && [ $have_sidecar = 1 ]; then
	run_case udp4 "$FLOOD_PTP_RATE" 1 0
	run_case udp4 "$FLOOD_PTP_RATE" 1 "$FLOOD_RATE"
fi
case_set=stream
for transport in udp6 l2; do
	for rate in $STREAM_RATES; do
		run_case "$transport" "$rate" $((have_sidecar))
	done
done
if [ "$LONG" = 1 ] && [ $have_sidecar = 1 ]; then
	run_long
fi

compgen -G "$work/case-*.json" >/dev/null || die "no case ran (BENCH_RATES empty?)"

# The pure stages in process (tests/bench/pathcost.c): what the per-stream
# accounting and the frame encoding add to classify, per packet, measured
# interleaved in this run.
"$BB/pathcost" >"$work/pathcost.txt" || die "pathcost failed"
tail -n 1 "$work/pathcost.txt" >"$work/pathcost.json"

# The summary. "Lossless up to" is the highest rate such that it and every
# lower rate lost nothing (a lucky lossless run above a lossy one does not
# count); flat out counts at the rate it achieved. The main table's
# figures come from the UDPv4 cases without a flood only.
jq -s --argjson sc "$have_sidecar" --arg version "$version" \
	--argjson secs "$SECONDS_PER_CASE" \
	--slurpfile long <([ -e "$work/long.json" ] && cat "$work/long.json" || echo null) \
	--slurpfile pathcost "$work/pathcost.json" '
	def rateval: if .flatOut then .achievedRate else .rate end;
	def lossless_upto(f):
		(sort_by(rateval)) as $c |
		reduce $c[] as $x ({ok: true, r: 0};
			if .ok and ($x | f) then .r = ($x | rateval) else .ok = false end) | .r;
	def sc_ok: .sidecar.maxLoss == 0 and .sidecar.disconnected == 0;
	. as $cases |
	($cases | map(select(.set == "main"))) as $main |
	{bench: "tblk-ptp-sidecar", sidecarVersion: (if $sc == 1 then $version else null end),
	 secondsPerCase: $secs, cases: $cases,
	 summary: {
		losslessRate: ([1, 8] | map(. as $n |
			{key: ($n | tostring), value:
			  ($main | map(select(.clients == $n)) |
			   if length == 0 then null else
			   {sidecar: lossless_upto(sc_ok),
			    baseline: lossless_upto(.baseline.loss == 0),
			    pktBaseline: (if all(.pktBaseline != null) then lossless_upto(.pktBaseline.loss == 0) else null end)} end)}) | from_entries),
		baselineLosslessRate: ($main | lossless_upto(.baseline.loss == 0)),
		peakRssKiB: ([1, 8, 64] | map(. as $n | {key: ($n | tostring),
			value: ($main | map(select(.clients == $n) | .sidecar.vmHwmKiB // empty) | max)}) | from_entries),
		baselineMaxRssKiB: ($main | map(.baseline.maxRssKiB // empty) | max),
		worstRatioPaced: ($main | map(select(.flatOut | not) | .ratio // empty) |
			if length > 0 then {p50: (map(.p50) | max), p99: (map(.p99) | max)} else null end),
		cpuRatio8: ($main | map(select(.clients == 8 and (.flatOut | not)) | .ratio.cpu // empty) |
			if length > 0 then max else null end),
		flood: (($cases | map(select(.set == "flood" and .flood != null)) | last) as $f |
			($cases | map(select(.set == "flood" and .flood == null)) | last) as $q |
			(if $f and $q then
			{ptpRate: $f.rate, floodRate: $f.flood.rate,
			 floodAchieved: $f.flood.achievedRate,
			 sidecarCpuNsPerSecond: {quiet: $q.sidecar.cpuNsPerSecond, flood: $f.sidecar.cpuNsPerSecond},
			 sidecarFiltered: {quiet: $q.sidecar.statusCounters.filtered, flood: $f.sidecar.statusCounters.filtered},
			 ratio: (if ($q.sidecar.cpuNsPerSecond // 0) > 0 then
				$f.sidecar.cpuNsPerSecond / $q.sidecar.cpuNsPerSecond * 100 | round / 100 else null end)}
			else null end)),
		streams: (["udp4", "udp6", "l2"] | map(. as $t |
			($cases | map(select(.transport == $t and .clients <= 1 and .set != "flood"))) as $c |
			{key: $t, value: (if ($c | length) == 0 then null else
			 {sidecar: ($c | lossless_upto(sc_ok)),
			  baseline: (if all($c[]; .baseline != null) then $c | lossless_upto(.baseline.loss == 0) else null end),
			  pktBaseline: (if all($c[]; .pktBaseline != null) then $c | lossless_upto(.pktBaseline.loss == 0) else null end)} end)}) |
			from_entries)},
	 long: $long[0], pathcost: $pathcost[0]}' "$work"/case-*.json >"$work/result.json" ||
	die "could not build the summary"

# The tables, for people; the JSON line below them, for tools.
tsv_defs='
	def us: if . == null then "-" else (. / 1000 * 10 | round / 10 | tostring) end;
	def rn: if .flatOut then "flat" else (.rate / 1000 | tostring) + "k" end;
	def s: if . == null then "-" else tostring end;'
jq -r "$tsv_defs"'
	.cases[] | select(.set == "main") |
	[rn, (.clients | s), (.achievedRate | s),
	 (.baseline.loss | s), (.baseline.latencyNs.p50 | us),
	 (.baseline.latencyNs.p99 | us), (.baseline.latencyNs.p999 | us),
	 (.baseline.cpuNsPerPacket | s),
	 (.pktBaseline.loss | s), (.pktBaseline.latencyNs.p50 | us),
	 (.pktBaseline.latencyNs.p99 | us), (.pktBaseline.cpuNsPerPacket | s),
	 (.sidecar.maxLoss | s), (.sidecar.disconnected | s), (.sidecar.latencyNs.p50 | us),
	 (.sidecar.latencyNs.p99 | us), (.sidecar.latencyNs.p999 | us),
	 (.sidecar.cpuNsPerPacket | s), (.sidecar.vmHwmKiB | s),
	 (.ratio.p50 | s), (.ratio.p99 | s), (.ratio.cpu | s), (.ratioPkt.cpu | s)] | @tsv
' "$work/result.json" | awk -F'\t' '
	BEGIN {
		print "UDPv4 to 224.0.1.129:319"
		printf "%-5s %3s %7s | %-45s | %-32s | %-60s | %s\n", "", "", "", \
			"baseline (UDP socket)", "baseline (packet socket)", \
			"sidecar", "sidecar/baseline"
		printf "%-5s %3s %7s | %7s %8s %8s %8s %7s | %7s %8s %8s %5s | %7s %4s %8s %8s %8s %7s %6s | %5s %5s %5s %6s\n", \
			"rate", "cl", "pkt/s", "loss", "p50us", "p99us", "p99.9us", \
			"ns/pkt", "loss", "p50us", "p99us", "ns/pkt", "maxloss", \
			"disc", "p50us", "p99us", "p99.9us", "ns/pkt", "HWMkB", \
			"p50", "p99", "cpu", "cpu/pk"
	}
	{
		printf "%-5s %3s %7s | %7s %8s %8s %8s %7s | %7s %8s %8s %6s | %7s %4s %8s %8s %8s %7s %6s | %5s %5s %5s %6s\n", \
			$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
			$14, $15, $16, $17, $18, $19, $20, $21, $22, $23
	}'
jq -r '
	"",
	"lossless up to (packets/s):",
	(.summary.losslessRate | to_entries[] | select(.value) |
	 "  \(.key) client(s): sidecar \(.value.sidecar)  baseline \(.value.baseline)  packet-socket baseline \(.value.pktBaseline // "-")"),
	"  baseline over all cases: \(.summary.baselineLosslessRate)",
	"peak RSS (VmHWM, KiB): " + (.summary.peakRssKiB | to_entries |
		map("\(.key) clients \(.value // "-")") | join(", ")) +
		"; baseline maxrss \(.summary.baselineMaxRssKiB)",
	(if .long then "long run: \(.long.packets) packets, VmHWM first \(.long.vmHwmKiB.first) last \(.long.vmHwmKiB.last) max \(.long.vmHwmKiB.max) KiB, max loss \(.long.maxLoss), clients disconnected \(.long.disconnected)" else empty end)
' "$work/result.json"
if jq -e '[.cases[] | select(.set == "flood")] | length > 0' "$work/result.json" >/dev/null; then
	echo
	echo "non-PTP flood (UDPv4 to ports 5000-5999 and ARP requests, half each), beside UDPv4 SYNCs, 1 client"
	jq -r "$tsv_defs"'
		.cases[] | select(.set == "flood") |
		[(if .flood then "flood" else "quiet" end), rn, (.achievedRate | s),
		 (.flood.sent // 0 | s), (.flood.achievedRate // 0 | s),
		 (.rxFrames | s), (.udpNoPorts | s),
		 (.sidecar.cpuNsPerSecond // null | if . == null then "-" else (. / 1e6 * 100 | round / 100 | tostring) end),
		 (.sidecar.statusCounters.rx | s), (.sidecar.statusCounters.filtered | s),
		 (.sidecar.maxLoss | s), (.sidecar.latencyNs.p50 | us), (.sidecar.latencyNs.p99 | us),
		 (.baseline.latencyNs.p50 | us), (.baseline.latencyNs.p99 | us)] | @tsv
	' "$work/result.json" | awk -F'\t' '
		BEGIN {
			printf "%-6s %4s %6s | %8s %7s %8s %8s | %-50s | %s\n", "", "", "", \
				"flood", "", "receiver", "", "sidecar", "baseline (UDP)"
			printf "%-6s %4s %6s | %8s %7s %8s %8s | %9s %7s %8s %7s %8s %8s | %8s %8s\n", \
				"case", "ptp", "pkt/s", "sent", "pkt/s", "rxframes", "udpNoPrt", \
				"cpu ms/s", "rx", "filtered", "maxloss", "p50us", "p99us", "p50us", "p99us"
		}
		{
			printf "%-6s %4s %6s | %8s %7s %8s %8s | %9s %7s %8s %7s %8s %8s | %8s %8s\n", \
				$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
		}'
	jq -r '.summary.flood | "sidecar CPU with the flood / without: \(.ratio // "-")×"' "$work/result.json"
fi
if jq -e '[.cases[] | select(.set == "stream")] | length > 0' "$work/result.json" >/dev/null; then
	echo
	echo "UDPv6 to [ff0e::181]:319 and L2 (0x88F7) to 01:1b:19:00:00:00, 1 client"
	jq -r "$tsv_defs"'
		.cases[] | select(.set == "stream") |
		[.transport, rn, (.clients | s), (.achievedRate | s),
		 (.baseline.loss | s), (.baseline.latencyNs.p50 | us),
		 (.baseline.latencyNs.p99 | us), (.baseline.cpuNsPerPacket | s),
		 (.pktBaseline.loss | s), (.pktBaseline.latencyNs.p50 | us),
		 (.pktBaseline.latencyNs.p99 | us), (.pktBaseline.cpuNsPerPacket | s),
		 (.sidecar.maxLoss | s), (.sidecar.disconnected | s),
		 (.sidecar.latencyNs.p50 | us), (.sidecar.latencyNs.p99 | us),
		 (.sidecar.cpuNsPerPacket | s),
		 (.ratio.cpu | s), (.ratioPkt.p50 | s), (.ratioPkt.cpu | s)] | @tsv
	' "$work/result.json" | awk -F'\t' '
		BEGIN {
			printf "%-4s %-5s %3s %7s | %-32s | %-32s | %-41s | %s\n", "", "", "", "", \
				"baseline (UDP socket)", "baseline (packet socket)", \
				"sidecar", "sidecar/baseline"
			printf "%-4s %-5s %3s %7s | %7s %8s %8s %6s | %7s %8s %8s %6s | %7s %4s %8s %8s %7s | %6s %6s %6s\n", \
				"", "rate", "cl", "pkt/s", "loss", "p50us", "p99us", "ns/pkt", \
				"loss", "p50us", "p99us", "ns/pkt", "maxloss", "disc", \
				"p50us", "p99us", "ns/pkt", "cpu", "p50/pk", "cpu/pk"
		}
		{
			printf "%-4s %-5s %3s %7s | %7s %8s %8s %6s | %7s %8s %8s %6s | %7s %4s %8s %8s %7s | %6s %6s %6s\n", \
				$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
				$13, $14, $15, $16, $17, $18, $19, $20
		}'
	jq -r '
		"",
		"lossless up to (packets/s), 1 client:",
		(.summary.streams | to_entries[] | select(.value) |
		 "  \(.key): sidecar \(.value.sidecar)  baseline \(.value.baseline // "-")  packet-socket baseline \(.value.pktBaseline // "-")")
	' "$work/result.json"
fi
echo
head -n -1 "$work/pathcost.txt"
jq -c . "$work/result.json"
