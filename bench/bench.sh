#!/bin/bash
# bench.sh: the StackMap paper's experiments, on the two-host testbed.
#
#   bench.sh [--quick | --demo] [--publish] [-o DIR] [-t TESTBED]
#            [-b BUILD] [-r RUNS] [-d SECS] [-w WARMUP_SECS]
#            [-x "1 2 3 4 5 v s"] [-c "1 10 50 100 200 400"]
#
# Experiments (docs/benchmarks.md has the method):
#   1  HTTP, 1024-byte responses, concurrency sweep: sm-httpd on io_uring
#      with and without the NIC registered, on epoll, nginx (1 worker)
#   2  memcached, 10% set / 90% get, 1024-byte values, concurrency sweep:
#      sm-memcached (io_uring +- NIC, epoll), memcached -t 1
#   3  memcached, 64-byte values, 60 connections
#   4  base latency, one connection: Linux epoll spinning, blocking and
#      busy-polling (ep-httpd), sm-httpd with and without the NIC, and
#      with the NIC busy-polled but its NAPI settings left alone
#   5  syscalls per request at 100 connections (perf counts every server
#      the same way; CPU per request comes from experiments 1 and 2)
#   b  breakdown: where the server core's time goes at 100 connections,
#      every HTTP and memcached server, sampled by perf (cpu-clock) into
#      protocol processing, syscall/event machinery, libstackmap's user
#      space, copies, the app, the hypervisor and the rest
#      (bench/breakdown.awk); the floor is the least protocol time per
#      request any server needs
#   v  validation: sm-load against wrk and memcaslap at the same points
#   s  scaling: 1..K server threads, every server, requests/s and
#      whole-machine CPU per request (bench/scale.sh, its own testbed
#      with a queue per server thread)
# The server runs in the server namespace pinned to CPU 1, the client in
# the client namespace on CPU 0.  Runs are interleaved between servers
# (A B C A B C); every run is one row of raw.csv with both cores' load.
# --quick is a smoke run of everything (about 3 minutes); --demo is the
# README's first command on the testbed (about a minute).
# Writes DIR/raw.csv, env.txt, logs; bench/report.sh makes the tables and
# charts; --publish copies them to docs/results/ for the README.  DIR is
# build/bench/MODE-DATE unless -o says.  Needs root (network namespaces).
set -eu
cd "$(dirname "$0")/.."

B=build OUT="" RUNS=3 SECS=5 WARM=1 MODE=full PUBLISH=0 TB=bench
EXPS="1 2 3 4 5 b v s"
CONCS="1 10 50 100 200 400"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) MODE=quick RUNS=1 SECS=1 WARM=0.5 CONCS="1 100" ;;
	--demo) MODE=demo RUNS=3 SECS=3 WARM=0.5 EXPS="demo" ;;
	--publish) PUBLISH=1 ;;
	-o) OUT=$2; shift ;;
	-t) TB=$2; shift ;;
	-w) WARM=$2; shift ;;
	-b) B=$2; shift ;;
	-r) RUNS=$2; shift ;;
	-d) SECS=$2; shift ;;
	-x) EXPS=$2; shift ;;
	-c) CONCS=$2; shift ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$1' (see --help)" >&2; exit 64 ;;
	esac
	shift
done

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root: the testbed is two network namespaces"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: server and client on their own core"
for t in "$B/sm-httpd" "$B/sm-memcached" "$B/sm-load" "$B/ep-httpd"; do
	[ -x "$t" ] || die "$t is missing: run make first"
done
need="nginx memcached wrk memcaslap"
case " $EXPS " in *" 5 "*|*" b "*) need="$need perf" ;; esac
for t in $need; do
	command -v $t >/dev/null || die "$t is not installed (scripts/deps.sh bench)"
done

SRV_IP=198.18.0.2 PORT=8080 SRV_IF=sms-$TB
[ -n "$OUT" ] || OUT=build/bench/$MODE-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/log"
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw.csv
SPID=""
bench/testbed.sh up $TB >/dev/null
trap 'stop_server; bench/testbed.sh down $TB' EXIT

# testbed.sh execs the command (ip netns exec, then taskset, exec in
# turn): started in the background, $! is the server's own pid.
cli() { bench/testbed.sh exec $TB client "$@"; }

# ---- servers: start_server KIND sets SPID; stop_server ends it ----

nginx_conf() {
	local body
	body=$(head -c 1024 /dev/zero | tr '\0' x)
	cat >"$OUT/nginx.conf" <<-EOF
	worker_processes 1; daemon off; master_process off;
	pid $OUT/nginx.pid; error_log $OUT/log/nginx.err;
	events { worker_connections 8192; }
	http { access_log off; keepalive_requests 1000000000;
	  server { listen $SRV_IP:$PORT; default_type text/plain;
	    location / { return 200 '$body'; } } }
	EOF
}

server_cmd() {  # KIND -> the command line, port file in $OUT/port
	local pf="--port-file $OUT/port" sm="-p $PORT -l $SRV_IP"
	case $1 in
	h-uring)     echo "$B/sm-httpd --fixed 1024 -e uring $sm $pf" ;;
	h-uring-nic) echo "$B/sm-httpd --fixed 1024 -e uring --nic $SRV_IF $sm $pf" ;;
	h-uring-bp)  echo "$B/sm-httpd --fixed 1024 -e uring --nic $SRV_IF --napi-defer 0 $sm $pf" ;;
	h-epoll)     echo "$B/sm-httpd --fixed 1024 -e epoll $sm $pf" ;;
	nginx)       echo "nginx -c $OUT/nginx.conf -p $OUT" ;;
	ep-block)    echo "$B/ep-httpd -t -1 $sm $pf" ;;
	ep-spin)     echo "$B/ep-httpd -t 0 $sm $pf" ;;
	ep-busy)     echo "$B/ep-httpd -t -1 -B 50 $sm $pf" ;;
	m-uring)     echo "$B/sm-memcached -t 1 -m 1024 -c 4096 --engine uring $sm $pf" ;;
	m-uring-nic) echo "$B/sm-memcached -t 1 -m 1024 -c 4096 --engine uring --nic $SRV_IF $sm $pf" ;;
	m-epoll)     echo "$B/sm-memcached -t 1 -m 1024 -c 4096 --engine epoll $sm $pf" ;;
	memcached)   echo "memcached -t 1 -U 0 -m 1024 -c 4096 -u root -p $PORT -l $SRV_IP" ;;
	*) die "unknown server $1" ;;
	esac
}

# Ready when a connection from the client host succeeds (nginx and
# memcached cannot publish a port file; ours do, and are checked too).
wait_ready() {
	local i
	for i in $(seq 500); do
		kill -0 "$SPID" 2>/dev/null || die "server $1 exited: $(tail -n 3 "$OUT/log/$1.err")"
		cli bash -c "exec 3<>/dev/tcp/$SRV_IP/$PORT" 2>/dev/null && return 0
		sleep 0.02
	done
	die "server $1 did not come up"
}

start_server() {
	rm -f "$OUT/port"
	# shellcheck disable=SC2046
	bench/testbed.sh exec $TB server $(server_cmd "$1") \
		2>>"$OUT/log/$1.err" >/dev/null &
	SPID=$!
	SKIND=$1
	wait_ready "$1"
}

stop_server() {
	[ -n "$SPID" ] || return 0
	kill -TERM "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=""
}

# Syscalls made by the server over the last run, from its own counters
# (sm_stats' syscalls, ep-httpd's count); empty for the others.
own_syscalls() {
	grep -o ' syscalls=[0-9]*' "$OUT/log/$SKIND.err" 2>/dev/null | tail -n1 | cut -d= -f2
}

# ---- clients ----

# kv VAR line: value of key VAR in a key=value line.
kv() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2; exit }'; }

echo "exp,server,client,conns,depth,value,run,rps,p50_us,p90_us,p99_us,p999_us,errors,srv_cpu_us,core_srv_us,core_srv_pct,core_cli_pct,bottleneck,syscalls_req" >"$RAW"

bottleneck() {  # server-core% client-core%
	awk -v s="$1" -v c="$2" 'BEGIN {
		if (s >= 95 && c >= 95) print "both"; else if (s >= 95) print "server";
		else if (c >= 95) print "client"; else print "neither" }'
}

# sm_load EXP KIND RUN CONNS DEPTH VALUE ARGS...: one sm-load run against
# the running server; the server's CPU and both cores' load are sampled
# by sm-load itself over exactly the measured window.
sm_load() {
	local exp=$1 kind=$2 run=$3 c=$4 dep=$5 val=$6 line sys n m
	shift 6
	line=$(cli "$B/sm-load" -o kv -c "$c" -D "$dep" -d "$SECS" -w "$WARM" \
		--watch "$SPID" "$@" "$SRV_IP:$PORT" 2>>"$OUT/log/sm-load.err") ||
		echo "bench: sm-load failed against $kind (c=$c): $line" >&2
	m=$(kv misses "$line")  # every key was preloaded: a miss is a fault
	[ "${m:-0}" = 0 ] || echo "bench: $kind (c=$c): $m gets missed" >&2
	echo "$exp $kind c=$c run=$run $line" >>"$OUT/log/runs.log"
	stop_server
	n=$(kv completed "$line")
	sys=$(own_syscalls)
	[ -n "$sys" ] && [ -n "$n" ] && [ "$n" -gt 0 ] &&
		sys=$(awk -v s="$sys" -v n="$n" 'BEGIN { printf "%.3f", s / n }')
	row "$exp" "$kind" sm-load "$c" "$dep" "$val" "$run" "$line" "$sys"
}

row() {  # exp kind client conns depth value run kvline syscalls_req
	local l=$8 s c
	s=$(kv core1_busy "$l") c=$(kv core0_busy "$l")
	echo "$1,$2,$3,$4,$5,$6,$7,$(kv rps "$l"),$(kv p50_us "$l"),$(kv p90_us "$l"),$(kv p99_us "$l"),$(kv p999_us "$l"),$(kv errors "$l"),$(kv watch_cpu_us_per_req "$l"),$(kv core1_us_per_req "$l"),$s,$c,$(bottleneck "${s:-0}" "${c:-0}"),$9" >>"$RAW"
}

# Other clients (validation): the cores' load over the client's run.
# wrk and memcaslap take whole seconds.
whole_secs() { awk -v s="$SECS" 'BEGIN { s = int(s + 0.5); print s < 1 ? 1 : s }'; }
cpu_snap() { awk '/^cpu[01] / { printf "%s %d %d ", $1, $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
cpu_pct() {  # before after -> "core0% core1%"
	echo "$1 $2" | awk '{ printf "%.1f %.1f", 100 * ($8 - $2) / ($9 - $3), 100 * ($11 - $5) / ($12 - $6) }'
}

wrk_run() {  # kind run conns
	local a b out rps p50 p90 p99 err pct
	a=$(cpu_snap)
	out=$(cli wrk -t1 -c"$3" -d"$(whole_secs)s" --latency "http://$SRV_IP:$PORT/")
	b=$(cpu_snap)
	pct=$(cpu_pct "$a" "$b")
	echo "$out" >>"$OUT/log/wrk.log"
	read -r rps p50 p90 p99 err <<<"$(echo "$out" | awk '
		function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; return v * 1e6 }
		/Requests\/sec/ { r = $2 } $1 == "50%" { a = us($2) } $1 == "90%" { b = us($2) }
		$1 == "99%" { c = us($2) } /Non-2xx|Socket errors/ { e = 1 }
		END { printf "%d %.0f %.0f %.0f %d", r, a, b, c, e }')"
	row v "$1" wrk "$3" 1 1024 "$2" "rps=$rps p50_us=$p50 p90_us=$p90 p99_us=$p99 errors=$err core0_busy=${pct% *} core1_busy=${pct#* }" ""
}

memcaslap_run() {  # kind run conns
	local a b out rps pct
	printf 'key\n64 64 1\nvalue\n1024 1024 1\ncmd\n0 0.1\n1 0.9\n' >"$OUT/memcaslap.cfg"
	a=$(cpu_snap)
	out=$(cli memcaslap -s "$SRV_IP:$PORT" -T 1 -c "$3" -t "$(whole_secs)s" -F "$OUT/memcaslap.cfg" 2>&1)
	b=$(cpu_snap)
	pct=$(cpu_pct "$a" "$b")
	echo "$out" >>"$OUT/log/memcaslap.log"
	rps=$(echo "$out" | awk '/TPS:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") t = $(i + 1) } END { print t + 0 }')
	row v "$1" memcaslap "$3" 1 1024 "$2" "rps=$rps core0_busy=${pct% *} core1_busy=${pct#* }" ""
}

# ---- experiments ----

HTTP_SERVERS="h-uring h-uring-nic h-epoll nginx"
MC_SERVERS="m-uring m-uring-nic m-epoll memcached"
MC_ARGS="-m memcached -g 0.9 -k 10000"

exp1() {
	local r c k
	for c in $CONCS; do for r in $(seq "$RUNS"); do for k in $HTTP_SERVERS; do
		start_server "$k"
		sm_load 1 "$k" "$r" "$c" 1 1024 -m http
	done; done; done
}

exp2() {
	local r c k
	for c in $CONCS; do for r in $(seq "$RUNS"); do for k in $MC_SERVERS; do
		start_server "$k"
		# shellcheck disable=SC2086
		sm_load 2 "$k" "$r" "$c" 1 1024 $MC_ARGS -V 1024
	done; done; done
}

exp3() {
	local r k
	for r in $(seq "$RUNS"); do for k in $MC_SERVERS; do
		start_server "$k"
		# shellcheck disable=SC2086
		sm_load 3 "$k" "$r" 60 1 64 $MC_ARGS -V 64
	done; done
}

exp4() {
	local r k
	for r in $(seq "$RUNS"); do for k in ep-block ep-spin ep-busy h-uring h-uring-nic h-uring-bp; do
		start_server "$k"
		sm_load 4 "$k" "$r" 1 1 1024 -m http
	done; done
}

# Syscalls per request, counted by the kernel's tracepoint for every
# server alike (counting costs each syscall a little: only this number
# is taken from these runs).
exp5() {
	local k line sys n
	for k in $HTTP_SERVERS ep-block $MC_SERVERS; do
		start_server "$k"
		case $k in
		m-*|memcached) set -- $MC_ARGS -V 1024 ;;
		*) set -- -m http ;;
		esac
		perf stat -x, -e raw_syscalls:sys_enter -p "$SPID" -o "$OUT/log/perf-$k.txt" &
		line=$(cli "$B/sm-load" -o kv -c 100 -d "$SECS" -w 0 "$@" "$SRV_IP:$PORT" 2>>"$OUT/log/sm-load.err") || true
		kill -INT $! 2>/dev/null; wait $! 2>/dev/null || true
		sys=$(awk -F, '/raw_syscalls/ { print $1 }' "$OUT/log/perf-$k.txt")
		n=$(kv completed "$line")
		stop_server
		echo "5,$k,sm-load,100,1,1024,1,$(kv rps "$line"),,,,,$(kv errors "$line"),,,,,,$(awk -v s="${sys:-0}" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.3f", s / n }')" >>"$RAW"
	done
}

# Validation: the same points with wrk and memcaslap as the client.
# Where the server is the bottleneck (nginx and memcached at 100
# connections) and neither client is, the two must agree; where round
# trips set the rate (10 connections), each client's own time per round
# trip shows in the result.
expv() {
	local r c k
	for r in $(seq "$RUNS"); do for c in 10 100; do
		for k in h-uring $([ "$c" = 100 ] && echo nginx); do
			start_server "$k"; sm_load v "$k" "$r" "$c" 1 1024 -m http
			start_server "$k"; wrk_run "$k" "$r" "$c"; stop_server
		done
		for k in m-uring $([ "$c" = 100 ] && echo memcached); do
			start_server "$k"
			# shellcheck disable=SC2086
			sm_load v "$k" "$r" "$c" 1 1024 $MC_ARGS -V 1024
			start_server "$k"; memcaslap_run "$k" "$r" "$c"; stop_server
		done
	done; done
}

# Where the server core's time goes: perf samples all of CPU 1 (the
# server, its softirq and NAPI work, the idle loop) over the measured
# window of one sm-load run per server, 100 connections.  Sampling costs
# the server a little; the core's time per request is that run's.
# Samples of other processes on that core are counted apart (foreign):
# on a busy box they would otherwise pass for the server's.
expb() {
	local k line p r comms
	echo "server,rps,core_us_per_req,idle_pct,foreign_pct,protocol,syscall,library,copy,app,hypervisor,other,other_top" >"$OUT/breakdown.csv"
	nm "$B/libstackmap.a" | awk '$2 ~ /^[tT]$/ { print $3 }' | sort -u >"$OUT/libsyms.txt"
	for r in $(seq "$RUNS"); do for k in $HTTP_SERVERS $MC_SERVERS; do
		start_server "$k"
		case $k in
		m-*|memcached) set -- $MC_ARGS -V 1024 ;;
		*) set -- -m http ;;
		esac
		p=$OUT/log/perf-b-$k-$r.data
		cli "$B/sm-load" -o kv -c 100 -d "$SECS" -w "$WARM" "$@" \
			"$SRV_IP:$PORT" >"$OUT/log/b.kv" 2>>"$OUT/log/sm-load.err" &
		sleep "$WARM"
		comms=$(cat /proc/"$SPID"/task/*/comm 2>/dev/null | sort -u | tr '\n' ' ')
		perf record -q -e cpu-clock -C 1 -o "$p" -- sleep "$SECS" 2>/dev/null
		wait $! || echo "bench: sm-load failed against $k (breakdown)" >&2
		line=$(cat "$OUT/log/b.kv")
		stop_server
		echo "$k,$(kv rps "$line"),$(kv core1_us_per_req "$line"),$(perf report -i "$p" --no-children --sort comm,sym --stdio -q 2>/dev/null |
			awk -v comms="$comms" -v libsyms="$OUT/libsyms.txt" -f bench/breakdown.awk)" >>"$OUT/breakdown.csv"
		rm -f "$p"
	done; done
}

expdemo() {
	local r k
	for r in $(seq "$RUNS"); do for k in h-uring-nic h-epoll nginx; do
		start_server "$k"; sm_load 1 "$k" "$r" 100 1 1024 -m http
		start_server "$k"; sm_load 4 "$k" "$r" 1 1 1024 -m http
	done; done
}

env_txt() {
	{
		echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "mode: $MODE runs=$RUNS secs=$SECS warmup=$WARM concurrency=$CONCS"
		echo "kernel: $(uname -r)"
		echo "machine: $(bench/machine.sh)"
		echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
		echo "testbed: $(bench/testbed.sh status $TB | tr '\n' ';')"
		echo "offloads: $(ip netns exec sm-srv-$TB ethtool -k $SRV_IF | grep -E '^(generic-receive|tcp-segmentation|generic-segmentation)' | tr -s ' \n' ' ')"
		echo "server: pinned to CPU 1 in sm-srv-$TB ($SRV_IP:$PORT); client: CPU 0 in sm-cli-$TB"
		for k in $HTTP_SERVERS h-uring-bp ep-block ep-spin ep-busy $MC_SERVERS; do
			echo "cmd $k: $(server_cmd "$k")"
		done
		echo "cmd client: $B/sm-load -o kv -c C -D 1 -d $SECS -w $WARM --watch SERVER_PID [-m http | $MC_ARGS -V SIZE] $SRV_IP:$PORT"
		echo "versions: nginx $(nginx -v 2>&1 | cut -d/ -f2), memcached $(memcached -V | cut -d' ' -f2), wrk $(wrk -v 2>&1 | head -n1 | cut -d' ' -f2)"
	} >"$OUT/env.txt"
}

nginx_conf
env_txt
echo "bench: $MODE run, results in $OUT"
for x in $EXPS; do
	t0=$SECONDS
	case $x in
	1|2|3|4|5|b|v|demo) exp$x ;;
	s) bench/scale.sh -o "$OUT" -b "$B" -r "$RUNS" -d "$SECS" -w "$WARM" \
		-t "${TB}s" >"$OUT/log/scale.log" 2>&1 ||
		die "scaling experiment: $(tail -n 5 "$OUT/log/scale.log")" ;;
	*) die "unknown experiment $x" ;;
	esac
	echo "bench: experiment $x done in $((SECONDS - t0)) s"
done
bench/report.sh "$OUT"
if [ "$MODE" = demo ]; then
	echo
	echo "StackMap demo: sm-httpd on io_uring with the NIC registered, the same"
	echo "server on epoll, nginx; HTTP GET, 1024-byte responses, two-host testbed,"
	echo "server on CPU 1, sm-load on CPU 0, $RUNS interleaved runs of ${SECS}s."
	echo
	sed -n '/^## 5/,/^## Validation/p' "$OUT/summary.md" | sed '$d'
	sed -n '/^## 4/,/^## 5/p' "$OUT/summary.md" | sed '$d'
	sed -n '/^| ratio/,/^$/p' "$OUT/summary.md" | head -n 6
elif [ "$PUBLISH" = 1 ]; then
	mkdir -p docs/results
	cp "$OUT"/summary.md "$OUT"/env.txt "$OUT"/raw.csv "$OUT"/exp[123].csv docs/results/
	cp "$OUT"/exp[123].png docs/results/ 2>/dev/null || true
	cp "$OUT"/breakdown.csv "$OUT"/breakdown.png docs/results/ 2>/dev/null || true
	cp "$OUT"/scale.csv "$OUT"/scale.md "$OUT"/scale.env docs/results/ 2>/dev/null || true
	cp "$OUT"/scale.png docs/results/ 2>/dev/null || true
	echo "bench: published to docs/results/"
fi
