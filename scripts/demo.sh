#!/bin/bash
# demo.sh BUILD_DIR: the main demonstration.  sm-echo on the io_uring
# engine and on the epoll engine (the plain-Linux baseline, same program),
# driven by the same request/response load: 100 connections ping-ponging
# 64-byte messages.  Server pinned to CPU 1, client to CPU 0; runs are
# interleaved (uring, epoll, uring, ...) and the medians are printed with
# the server's CPU time and system calls per message.
set -eu
B=${1:-build}
RUNS=${DEMO_RUNS:-3}
CONNS=100 MSG=64 PER_CONN=$((64 * 10000))
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
ncpu=$(nproc)
pin_srv="" pin_cli=""
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
	pin_srv="taskset -c 1" pin_cli="taskset -c 0"
fi
hz=$(getconf CLK_TCK)

one() {  # engine -> "msgs_per_s cpu_us_per_msg syscalls_per_msg server_util%"
	local e=$1 pid port out t0 t1 ticks sys n
	rm -f "$tmp/port"
	$pin_srv "$B/sm-echo" -e "$e" -p 0 -l 127.0.0.1 -P "$tmp/port" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
	port=$(cat "$tmp/port")
	t0=${EPOCHREALTIME/./}
	out=$($pin_cli "$B/tests/echo_stress" -p "$port" -c $CONNS -m $MSG -n $PER_CONN -t 120)
	t1=${EPOCHREALTIME/./}
	ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	kill -TERM "$pid"; wait "$pid" || true
	sys=$(grep -o ' syscalls=[0-9]*' "$tmp/err" | cut -d= -f2)
	n=$((CONNS * PER_CONN / MSG))
	echo "$out" | awk -v n=$n -v ticks="$ticks" -v hz="$hz" -v sys="$sys" \
		-v us=$((t1 - t0)) '/per second/ { rate = $(NF-2) }
		END { printf "%d %.2f %.3f %.0f\n", rate, ticks / hz * 1e6 / n,
		      sys / n, 100 * ticks / hz / (us / 1e6) }'
}

echo "StackMap demo: sm-echo, $CONNS connections, $MSG-byte request/response, $RUNS runs per engine"
echo "kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $ncpu CPUs"
for r in $(seq "$RUNS"); do
	for e in uring epoll; do
		one "$e" >>"$tmp/$e"
		printf '.'
	done
done
echo
printf '%-8s %14s %16s %18s %16s\n' engine "msgs/s" "server CPU us/msg" "server syscalls/msg" "server CPU busy"
for e in uring epoll; do
	sort -n -k1 "$tmp/$e" | awk -v e=$e '{ r[NR] = $1; c[NR] = $2; s[NR] = $3; u[NR] = $4 }
		END { m = int((NR + 1) / 2);
		      printf "%-8s %14d %16.2f %18.3f %15d%%   (msgs/s min-max %d-%d)\n",
		             e, r[m], c[m], s[m], u[m], r[1], r[NR] }'
done
echo
echo "The client (one core) is usually the bottleneck at this load: compare the"
echo "server's CPU per message and system calls per message, not only msgs/s."
echo "NIC work (busy polling), sm-httpd against nginx and the full benchmark"
echo "suite come with the next issues."
