#!/bin/bash
# demo.sh BUILD_DIR: the main demonstration, about a minute.
#
# The StackMap paper's first experiment in small: an HTTP server answering
# every GET with a 1024-byte body, one server core, 100 keep-alive
# connections from wrk.  Three servers, interleaved run by run:
#   sm-httpd on the io_uring engine, sm-httpd on the epoll engine (the
#   same program on plain Linux readiness I/O), and nginx with one worker.
# Server pinned to CPU 1, wrk to CPU 0 (loopback).  Prints medians of
# requests/s, latency, server CPU per request and (for our servers) system
# calls per request, and says which side was the bottleneck.
set -eu
B=${1:-build}

# As root, the demonstration runs on the two-host testbed instead, with
# sm-httpd's NIC registered for busy polling and sm-load as the client
# (bench/bench.sh --demo); DEMO_LOOPBACK=1 keeps this loopback version.
if [ "$(id -u)" -eq 0 ] && [ -z "${DEMO_LOOPBACK:-}" ] && [ -x "$B/sm-load" ]; then
	exec bench/bench.sh --demo -b "$B"
fi
RUNS=${DEMO_RUNS:-3}
SECS=${DEMO_SECS:-5}
CONNS=100
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
hz=$(getconf CLK_TCK)
pin_srv="" pin_cli=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	pin_srv="taskset -c 1" pin_cli="taskset -c 0"
fi

wait_port() {  # file
	for _ in $(seq 500); do [ -s "$1" ] && return 0; sleep 0.01; done
	return 1
}

free_port() {  # a free port for nginx, which cannot report the one it got
	"$B/sm-echo" -p 0 -l 127.0.0.1 -P "$tmp/free.port" 2>/dev/null &
	wait_port "$tmp/free.port"
	kill -9 $! 2>/dev/null; wait $! 2>/dev/null || true
	cat "$tmp/free.port"; rm -f "$tmp/free.port"
}

start_server() {  # kind -> sets PID PORT
	rm -f "$tmp/port"
	case $1 in
	uring|epoll)
		$pin_srv "$B/sm-httpd" --fixed 1024 -e "$1" -p 0 -l 127.0.0.1 \
			-P "$tmp/port" 2>"$tmp/err" &
		PID=$!
		wait_port "$tmp/port"
		PORT=$(cat "$tmp/port") ;;
	nginx)
		PORT=$(free_port)
		body=$(head -c 1024 /dev/zero | tr '\0' x)
		cat >"$tmp/nginx.conf" <<-EOF
		worker_processes 1; daemon off; master_process off;
		pid $tmp/nginx.pid; error_log $tmp/nginx.err;
		events { worker_connections 4096; }
		http { access_log off; keepalive_requests 100000000;
		  server { listen 127.0.0.1:$PORT; default_type text/plain;
		    location / { return 200 '$body'; } } }
		EOF
		$pin_srv nginx -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/err" &
		PID=$!
		for _ in $(seq 500); do
			curl -sf "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
			sleep 0.01
		done ;;
	esac
}

one() {  # kind -> "rps p50_us p99_us cpu_us_per_req syscalls_per_req busy%"
	local kind=$1 out t0 t1 ticks0 ticks sys n
	start_server "$kind"
	ticks0=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
	t0=${EPOCHREALTIME/./}
	out=$($pin_cli wrk -t1 -c$CONNS -d${SECS}s --latency "http://127.0.0.1:$PORT/")
	t1=${EPOCHREALTIME/./}
	ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$PID/stat") - ticks0 ))
	kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
	sys=$(grep -o ' syscalls=[0-9]*' "$tmp/err" 2>/dev/null | cut -d= -f2 || true)
	echo "$out" | grep -Eq 'Non-2xx|Socket errors' && { echo "$kind: wrk saw errors:" >&2; echo "$out" >&2; }
	n=$(echo "$out" | awk '/requests in/ { print $1 }')
	echo "$out" | awk -v n="$n" -v ticks="$ticks" -v hz="$hz" -v sys="${sys:--1}" \
		-v us=$((t1 - t0)) '
		function usec(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; return v * 1e6 }
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = usec($2) } $1 == "99%" { p99 = usec($2) }
		END { printf "%d %.0f %.0f %.2f %.3f %.0f\n", rps, p50, p99,
		      ticks / hz * 1e6 / n, sys < 0 ? -1 : sys / n,
		      100 * ticks / hz / (us / 1e6) }'
}

echo "StackMap demo: HTTP GET, 1024-byte responses, $CONNS connections, wrk -t1, ${SECS}s x $RUNS runs per server"
echo "kernel $(uname -r); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) CPUs; server on CPU 1, wrk on CPU 0"
kinds="uring epoll"
command -v nginx >/dev/null && kinds="$kinds nginx"
for r in $(seq "$RUNS"); do
	for k in $kinds; do one "$k" >>"$tmp/$k.res"; printf '.'; done
done
echo
median() {  # file column
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
printf '%-16s %10s %9s %9s %12s %13s %9s\n' server "req/s" "p50 us" "p99 us" "CPU us/req" "syscalls/req" "srv busy"
for k in $kinds; do
	case $k in uring) name=sm-httpd/uring;; epoll) name=sm-httpd/epoll;; nginx) name=nginx;; esac
	sys=$(median "$tmp/$k.res" 5)
	printf '%-16s %10s %9s %9s %12s %13s %8s%%   (req/s %s-%s)\n' "$name" \
		"$(median "$tmp/$k.res" 1)" "$(median "$tmp/$k.res" 2)" "$(median "$tmp/$k.res" 3)" \
		"$(median "$tmp/$k.res" 4)" "$([ "$sys" = -1.000 ] && echo n/a || echo "$sys")" \
		"$(median "$tmp/$k.res" 6)" "$(sort -n "$tmp/$k.res" | head -n1 | cut -d' ' -f1)" \
		"$(sort -n "$tmp/$k.res" | tail -n1 | cut -d' ' -f1)"
done
echo
ratio() { awk -v a="$(median "$tmp/$1.res" 4)" -v b="$(median "$tmp/$2.res" 4)" 'BEGIN { printf "%.2f", a / b }'; }
echo "Server CPU per request, io_uring / epoll: $(ratio uring epoll)"
[ -f "$tmp/nginx.res" ] && echo "Server CPU per request, io_uring / nginx: $(ratio uring nginx)"
echo "(below 1.00: sm-httpd on io_uring spends less CPU per request)"
echo "When a server is not 100% busy, wrk's single core is the bottleneck and"
echo "req/s says little about the server: compare CPU per request instead."
