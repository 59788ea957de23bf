#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The benchmark: the sidecar beside a bare recvmsg loop (tests/bench/baseline)
# on the same veth, receiving the same SYNCs from tests/bench/ptpgen in a
# second namespace, read by tests/bench/benchclient. Prints a table, then as
# its LAST line one JSON object with every figure. Nothing is asserted on a
# figure: the numbers are read (docs/performance.md says how).
#
# usage: sudo tests/bench/run.sh          (or: sudo make bench)
# environment:
#   B                  build directory (default: build)
#   TBLK_BIN           the daemon (default: $B/tblk-ptp-sidecar)
#   BENCH_SECONDS      seconds of traffic per case (default: 3)
#   BENCH_RATES        offered rates, 0 = flat out (default: "1000 10000 50000 100000 0")
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
RATES=${BENCH_RATES:-"1000 10000 50000 100000 0"}
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
# derived from the group), so no neighbour entry is needed for the SYNCs.
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

# One case: offered rate $1 (0 = flat out), $2 clients. Writes
# $work/case-<n>.json.
ncase=0
run_case() {
	local rate=$1 clients=$2 tag sock sp=0 bp cp=0 gen
	local cpu0=0 cpu1=0 tick0=0 tick1=0 hwm=0 bl0 bd0 vd0 sc_rc=null
	ncase=$((ncase + 1))
	tag=$(printf '%02d-%s-%s' "$ncase" "$rate" "$clients")
	sock=$work/sc-$ncase.sock
	echo "{}" >"$work/client-$tag.json"

	if [ $have_sidecar = 1 ]; then
		ip netns exec "$rns" "$BIN" -i "$rif" --timestamping software \
			--socket "$sock" --rcvbuf 4194304 --max-clients 128 \
			--log-level warning 2>"$work/sidecar-$tag.log" &
		sp=$!
		pids+=("$sp")
	fi
	ip netns exec "$rns" "$BB/baseline" -i "$rif" --rcvbuf 4194304 \
		--ready-file "$work/bl-$tag.ready" >"$work/baseline-$tag.json" &
	bp=$!
	pids+=("$bp")
	wait_file "$work/bl-$tag.ready" "$bp" 5 ||
		echo "bench: baseline did not start ($tag)" >&2
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

	ip netns exec "$gns" "$BB/ptpgen" -i "$gif" --rate "$rate" \
		--seconds "$SECONDS_PER_CASE" >"$work/gen-$tag.json"

	if [ $have_sidecar = 1 ] && kill -0 "$sp" 2>/dev/null; then
		wait_idle "$sp"
		cpu1=$(proc_cpu_ns "$sp")
		tick1=$(proc_cpu_ticks_ns "$sp")
		hwm=$(proc_hwm_kib "$sp")
	else
		sleep 0.3
	fi
	stop_pid "$bp"
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
		--argjson sc "$have_sidecar" \
		--slurpfile gen "$work/gen-$tag.json" \
		--slurpfile bl "$work/baseline-$tag.json" \
		--slurpfile bc "$work/client-$tag.json" \
		--argjson cpu $((cpu1 - cpu0)) --argjson tick $((tick1 - tick0)) \
		--argjson hwm "$hwm" --argjson rc "$sc_rc" \
		--argjson backlog $(($(backlog_drops) - bl0)) \
		--argjson veth $(($(veth_drops) - vd0)) '
		($gen[0] // {}) as $g | ($bl[0] // {}) as $b | ($bc[0] // {}) as $c |
		($g.sent // 0) as $off |
		($c.sidecarStatus.counters // null) as $cnt |
		(if $cnt and ($cnt.rx // 0) > 0 then $cnt.rx else $off end) as $pk |
		{rate: $rate, flatOut: ($rate == 0), clients: $clients,
		 offered: $off, achievedRate: ($g.rateAchieved // 0 | floor),
		 generator: $g, backlogDrops: $backlog, vethDrops: $veth,
		 baseline: {seen: ($b.seen // 0), loss: ($off - ($b.seen // 0)),
			latencyNs: $b.latencyNs, kernelDrops: $b.kernelDrops,
			cpuNsPerPacket: ($b.cpuNsPerPacket // 0 | floor),
			maxRssKiB: $b.maxRssKiB},
		 sidecar: (if $sc == 1 then
			{seen: $c.seen, loss: [($c.seen // [])[] | $off - .],
			 maxLoss: ([($c.seen // [])[] | $off - .] | max),
			 disconnected: $c.disconnected, latencyNs: $c.latencyNs,
			 statusCounters: $cnt, packets: $pk,
			 cpuNs: $cpu, cpuNsPerPacket: (if $pk > 0 then $cpu / $pk | floor else null end),
			 cpuTicksNs: $tick, cpuTicksNsPerPacket: (if $pk > 0 then $tick / $pk | floor else null end),
			 vmHwmKiB: $hwm, exit: $rc, clientReady: $c.statusReady,
			 clientCpuNsPerFrame: (if ($c.frames // 0) > 0 then $c.cpuNs / $c.frames | floor else null end)}
			else null end)}
		| .ratio = (if .sidecar and .baseline.latencyNs and .sidecar.latencyNs
			and .baseline.latencyNs.p50 > 0 and .baseline.cpuNsPerPacket > 0 then
			{p50: (.sidecar.latencyNs.p50 / .baseline.latencyNs.p50 * 100 | round / 100),
			 p99: (.sidecar.latencyNs.p99 / .baseline.latencyNs.p99 * 100 | round / 100),
			 cpu: ((.sidecar.cpuNsPerPacket // 0) / .baseline.cpuNsPerPacket * 100 | round / 100)}
			else null end)' >"$work/case-$(printf %02d $ncase).json" ||
		echo "bench: could not summarise $tag" >&2
	printf '  %-8s %3s clients: offered %s\n' "$(rate_name "$rate")" "$clients" \
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

echo "bench: $SECONDS_PER_CASE s per case, rates: $RATES" >&2
for rate in $RATES; do
	if [ $have_sidecar = 1 ]; then
		run_case "$rate" 1
		run_case "$rate" 8
		if [ "$rate" = 10000 ]; then
			run_case "$rate" 64
		fi
	else
		run_case "$rate" 0
	fi
done
if [ "$LONG" = 1 ] && [ $have_sidecar = 1 ]; then
	run_long
fi

compgen -G "$work/case-*.json" >/dev/null || die "no case ran (BENCH_RATES empty?)"

# The summary. "Lossless up to" is the highest rate such that it and every
# lower rate lost nothing (a lucky lossless run above a lossy one does not
# count); flat out counts at the rate it achieved.
jq -s --argjson sc "$have_sidecar" --arg version "$version" \
	--argjson secs "$SECONDS_PER_CASE" \
	--slurpfile long <([ -e "$work/long.json" ] && cat "$work/long.json" || echo null) '
	def rateval: if .flatOut then .achievedRate else .rate end;
	def lossless_upto(f):
		(sort_by(rateval)) as $c |
		reduce $c[] as $x ({ok: true, r: 0};
			if .ok and ($x | f) then .r = ($x | rateval) else .ok = false end) | .r;
	. as $cases |
	{bench: "tblk-ptp-sidecar", sidecarVersion: (if $sc == 1 then $version else null end),
	 secondsPerCase: $secs, cases: $cases,
	 summary: {
		losslessRate: ([1, 8] | map(. as $n |
			{key: ($n | tostring), value:
			  ($cases | map(select(.clients == $n)) |
			   if length == 0 then null else
			   {sidecar: lossless_upto(.sidecar.maxLoss == 0 and .sidecar.disconnected == 0),
			    baseline: lossless_upto(.baseline.loss == 0)} end)}) | from_entries),
		baselineLosslessRate: ($cases | lossless_upto(.baseline.loss == 0)),
		peakRssKiB: ([1, 8, 64] | map(. as $n | {key: ($n | tostring),
			value: ($cases | map(select(.clients == $n) | .sidecar.vmHwmKiB // empty) | max)}) | from_entries),
		baselineMaxRssKiB: ($cases | map(.baseline.maxRssKiB // empty) | max),
		worstRatioPaced: ($cases | map(select(.flatOut | not) | .ratio // empty) |
			if length > 0 then {p50: (map(.p50) | max), p99: (map(.p99) | max)} else null end),
		cpuRatio8: ($cases | map(select(.clients == 8 and (.flatOut | not)) | .ratio.cpu // empty) |
			if length > 0 then max else null end)},
	 long: $long[0]}' "$work"/case-*.json >"$work/result.json" ||
	die "could not build the summary"

# The table, for people; the JSON line below it, for tools.
jq -r '
	def us: if . == null then "-" else (. / 1000 * 10 | round / 10 | tostring) end;
	def rn: if .flatOut then "flat" else (.rate / 1000 | tostring) + "k" end;
	def s: if . == null then "-" else tostring end;
	.cases[] |
	[rn, (.clients | s), (.achievedRate | s),
	 (.baseline.loss | s), (.baseline.latencyNs.p50 | us),
	 (.baseline.latencyNs.p99 | us), (.baseline.latencyNs.p999 | us),
	 (.baseline.cpuNsPerPacket | s),
	 (.sidecar.maxLoss | s), (.sidecar.disconnected | s), (.sidecar.latencyNs.p50 | us),
	 (.sidecar.latencyNs.p99 | us), (.sidecar.latencyNs.p999 | us),
	 (.sidecar.cpuNsPerPacket | s), (.sidecar.vmHwmKiB | s),
	 (.ratio.p50 | s), (.ratio.p99 | s), (.ratio.cpu | s)] | @tsv
' "$work/result.json" | awk -F'\t' '
	BEGIN {
		printf "%-5s %3s %7s | %-45s | %-60s | %s\n", "", "", "", \
			"baseline", "sidecar", "sidecar/baseline"
		printf "%-5s %3s %7s | %7s %8s %8s %8s %7s | %7s %4s %8s %8s %8s %7s %6s | %5s %5s %5s\n", \
			"rate", "cl", "pkt/s", "loss", "p50us", "p99us", "p99.9us", \
			"ns/pkt", "maxloss", "disc", "p50us", "p99us", "p99.9us", \
			"ns/pkt", "HWMkB", "p50", "p99", "cpu"
	}
	{
		printf "%-5s %3s %7s | %7s %8s %8s %8s %7s | %7s %4s %8s %8s %8s %7s %6s | %5s %5s %5s\n", \
			$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
			$14, $15, $16, $17, $18
	}'
jq -r '
	"",
	"lossless up to (packets/s):",
	(.summary.losslessRate | to_entries[] | select(.value) |
	 "  \(.key) client(s): sidecar \(.value.sidecar)  baseline \(.value.baseline)"),
	"  baseline over all cases: \(.summary.baselineLosslessRate)",
	"peak RSS (VmHWM, KiB): " + (.summary.peakRssKiB | to_entries |
		map("\(.key) clients \(.value // "-")") | join(", ")) +
		"; baseline maxrss \(.summary.baselineMaxRssKiB)",
	(if .long then "long run: \(.long.packets) packets, VmHWM first \(.long.vmHwmKiB.first) last \(.long.vmHwmKiB.last) max \(.long.vmHwmKiB.max) KiB, max loss \(.long.maxLoss), clients disconnected \(.long.disconnected)" else empty end)
' "$work/result.json"
jq -c . "$work/result.json"
