#!/bin/bash
# scale.sh: the scaling experiment (bench.sh experiment s): requests/s and
# whole-machine CPU per request at K = 1..KMAX server threads.
#
#   scale.sh -o DIR [-b BUILD] [-r RUNS] [-d SECS] [-w WARMUP] [-t TESTBED]
#   scale.sh -o DIR --report     remake DIR's table and chart from its CSV
#
# Servers: sm-httpd (io_uring, io_uring + NIC, epoll) -t K, nginx with
# worker_processes K (reuseport), sm-memcached (io_uring, epoll) -t K,
# memcached -t K; HTTP 1024-byte responses and memcached 90% get at 100
# connections in all.  The testbed has KMAX queues, queue i's NAPI thread
# on the CPU of server worker i (--cpus), so each worker owns a queue.
# With 4 CPUs or more, the client (one sm-load per client CPU, the
# connections split between them) gets the first half of the CPUs and
# the server the rest: K runs 1..CPUs/2.  With fewer, client and server
# share every CPU (K = 1..CPUs) and the table says so.  Whole-machine CPU
# per request is every core's busy time over the measured window (the
# client's included) over the requests.  Writes DIR/scale.csv and
# DIR/scale.md (and scale.png with gnuplot).  Needs root.
set -eu
cd "$(dirname "$0")/.."
B=build OUT="" RUNS=3 SECS=5 WARM=1 TB=scale REPORT=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=$2; shift ;; -b) B=$2; shift ;; -r) RUNS=$2; shift ;;
	-d) SECS=$2; shift ;; -w) WARM=$2; shift ;; -t) TB=$2; shift ;;
	--report) REPORT=1 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "scale: unknown argument '$1'" >&2; exit 64 ;;
	esac
	shift
done
[ -n "$OUT" ] || { echo "scale: -o DIR is required" >&2; exit 64; }
die() { echo "scale: $*" >&2; exit 1; }
CSV=$OUT/scale.csv

# report: DIR/scale.md (medians over runs, CPU per request at K over
# K = 1) and DIR/scale.png (medians, with every run as a point).
MEDIANS='
function isort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function med(s,   a, n) { n = split(s, a, " "); isort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
NR > 1 { k = $1 SUBSEP $2; R[k] = R[k] " " $4; C[k] = C[k] " " $5
	if (!($1 in S)) { S[$1] = 1; O[++ns] = $1 } if ($2 > kmax) kmax = $2 }'
report() {
	local machine dat
	read -r NCPU NCLI LAYOUT <"$OUT/scale.env"
	machine=$(sed -n 2p "$OUT/scale.env")
	awk -F, -v layout="$LAYOUT" -v ncli="$NCLI" -v ncpu="$NCPU" -v machine="$machine" "$MEDIANS"'
END {
	print "## Scaling: server threads (experiment s)\n"
	if (machine != "") print "Machine: " machine ".\n"
	if (layout == "shared")
		print "**Client and server share all " ncpu " CPUs** (fewer than 4 CPUs): these points show that every thread serves and what CPU a request costs, not the curve; on a bigger machine the same command gives the client half the CPUs and K runs over the rest.\n"
	else
		print "Client on CPUs 0-" ncli - 1 ", server threads on the others.\n"
	printf "| server |"; for (t = 1; t <= kmax; t++) printf " K=%d req/s | K=%d µs/req |", t, t
	print " µs/req at K=" kmax " / K=1 |"
	printf "|---|"; for (t = 1; t <= kmax; t++) printf "---:|---:|"; print "---:|"
	for (i = 1; i <= ns; i++) { s = O[i]; printf "| %s |", s
		for (t = 1; t <= kmax; t++) printf " %.1fk | %.2f |", med(R[s SUBSEP t]) / 1000, med(C[s SUBSEP t])
		printf " %.2f |\n", med(C[s SUBSEP kmax]) / med(C[s SUBSEP 1]) }
	print "\nµs/req: every core'"'"'s busy time (client, server, softirq, NAPI threads) over the requests, median of the runs."
}' "$CSV" >"$OUT/scale.md"
	command -v gnuplot >/dev/null || return 0
	dat=$(mktemp -d)
	awk -F, "$MEDIANS"'
END { for (i = 1; i <= ns; i++) for (t = 1; t <= kmax; t++) print O[i], t, med(R[O[i] SUBSEP t]) }' \
		"$CSV" >"$dat/med"
	awk -F, 'NR > 1 { print $1, $2, $4 }' "$CSV" >"$dat/runs"
	gnuplot <<-EOF 2>/dev/null || true
	set terminal pngcairo size 800,480 font ",11" noenhanced
	set output "$OUT/scale.png"
	set title "Requests/s by server threads, 100 connections ($LAYOUT CPUs)"
	set xlabel "server threads"; set ylabel "k requests/s (median; points: runs)"
	set xtics 1; set key outside; set offsets 0.1, 0.1, 0, 0
	S = "h-uring h-uring-nic h-epoll nginx m-uring m-epoll memcached"
	plot for [i=1:words(S)] "< grep '^".word(S,i)." ' $dat/med" \
		using 2:(\$3/1000) with linespoints lc i lw 2 title word(S,i), \
	     for [i=1:words(S)] "< grep '^".word(S,i)." ' $dat/runs" \
		using 2:(\$3/1000) with points lc i pt 1 notitle
	EOF
	rm -rf "$dat"
}

if [ "$REPORT" = 1 ]; then
	report
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
NCPU=$(nproc)
if [ "$NCPU" -ge 4 ]; then
	NCLI=$((NCPU / 2)) KMAX=$((NCPU - NCPU / 2)) SRV0=$((NCPU / 2)) LAYOUT=separate
else
	NCLI=$NCPU KMAX=$NCPU SRV0=0 LAYOUT=shared
fi
SRV_IP=198.18.0.2 PORT=8080 SRV_IF=sms-$TB CONNS=100
mkdir -p "$OUT/log"
echo "server,threads,run,rps,machine_us_per_req,p99_us,layout" >"$CSV"
{
	echo "$NCPU $NCLI $LAYOUT"
	echo "$(bench/machine.sh), $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$OUT/scale.env"
TB_QUEUES=$KMAX TB_SRV_CPU0=$SRV0 TB_SRV_NCPU=$KMAX TB_CLI_CPU0=0 TB_CLI_NCPU=$NCLI \
	SM_NIC=$B/sm-nic bench/testbed.sh up "$TB" >/dev/null
SPID=""
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; bench/testbed.sh down "$TB"' EXIT

cpus() { seq -s, "$SRV0" $((SRV0 + $1 - 1)); }  # K -> the server's CPUs
mask() { echo "obase=2; 2^$1" | bc; }            # CPU -> nginx's bitmask

nginx_conf() {  # K
	local body aff="" c
	body=$(head -c 1024 /dev/zero | tr '\0' x)
	for c in $(cpus "$1" | tr , ' '); do aff="$aff $(mask "$c")"; done
	cat >"$OUT/nginx-scale.conf" <<-EOF
	worker_processes $1; worker_cpu_affinity$aff; daemon off; master_process on;
	pid $OUT/nginx-scale.pid; error_log $OUT/log/nginx-scale.err;
	events { worker_connections 8192; }
	http { access_log off; keepalive_requests 1000000000;
	  server { listen $SRV_IP:$PORT reuseport; default_type text/plain;
	    location / { return 200 '$body'; } } }
	EOF
}

server_cmd() {  # KIND K
	local sm="-p $PORT -l $SRV_IP -t $2 --cpus $(cpus "$2")"
	case $1 in
	h-uring)     echo "$B/sm-httpd --fixed 1024 -e uring $sm" ;;
	h-uring-nic) echo "$B/sm-httpd --fixed 1024 -e uring --nic $SRV_IF $sm" ;;
	h-epoll)     echo "$B/sm-httpd --fixed 1024 -e epoll $sm" ;;
	nginx)       nginx_conf "$2"; echo "nginx -c $OUT/nginx-scale.conf -p $OUT" ;;
	m-uring)     echo "$B/sm-memcached -m 1024 -c 4096 --engine uring $sm" ;;
	m-epoll)     echo "$B/sm-memcached -m 1024 -c 4096 --engine epoll $sm" ;;
	memcached)   echo "memcached -t $2 -U 0 -m 1024 -c 4096 -u root -p $PORT -l $SRV_IP" ;;
	esac
}

start() {  # KIND K
	local i
	# shellcheck disable=SC2046
	bench/testbed.sh exec "$TB" server-all $(server_cmd "$1" "$2") \
		2>>"$OUT/log/scale-$1.err" >/dev/null &
	SPID=$!
	for i in $(seq 500); do
		kill -0 "$SPID" 2>/dev/null || die "$1 exited: $(tail -n 3 "$OUT/log/scale-$1.err")"
		bench/testbed.sh exec "$TB" client bash -c "exec 3<>/dev/tcp/$SRV_IP/$PORT" 2>/dev/null && return 0
		sleep 0.02
	done
	die "$1 did not come up"
}

stop() { kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; SPID=""; }

kv() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2; exit }'; }

# One measurement: NCLI sm-load processes (client CPU j each, or all CPUs
# when shared), CONNS connections split between them.
measure() {  # KIND K RUN
	local j mode pin outs=() rps=0 busy=0 p99=0 line c
	case $1 in m-*|memcached) mode="-m memcached -g 0.9 -k 10000 -V 1024" ;; *) mode="-m http" ;; esac
	for j in $(seq 0 $((NCLI - 1))); do
		pin=""
		[ "$LAYOUT" = shared ] || pin="taskset -c $j"
		# shellcheck disable=SC2086
		bench/testbed.sh exec "$TB" client-all $pin "$B/sm-load" -o kv \
			-c $((CONNS / NCLI)) -d "$SECS" -w "$WARM" -S $((j + 1)) $mode \
			"$SRV_IP:$PORT" >"$OUT/log/scale-load-$j.kv" 2>>"$OUT/log/sm-load.err" &
		outs+=($!)
	done
	wait "${outs[@]}" || echo "scale: an sm-load failed against $1 -t $2" >&2
	for j in $(seq 0 $((NCLI - 1))); do
		line=$(cat "$OUT/log/scale-load-$j.kv")
		echo "s $1 K=$2 run=$3 client=$j $line" >>"$OUT/log/runs.log"
		rps=$(awk -v a="$rps" -v b="$(kv rps "$line")" 'BEGIN { print a + b }')
		p99=$(awk -v a="$p99" -v b="$(kv p99_us "$line")" 'BEGIN { print (b > a) ? b : a }')
	done
	# Every core's busy time, from the first client's view of the window.
	line=$(cat "$OUT/log/scale-load-0.kv")
	for c in $(seq 0 $((NCPU - 1))); do
		busy=$(awk -v a="$busy" -v b="$(kv "core${c}_busy" "$line")" 'BEGIN { print a + b }')
	done
	echo "$1,$2,$3,$rps,$(awk -v b="$busy" -v s="$SECS" -v r="$rps" 'BEGIN { if (r > 0) printf "%.3f", b / 100 * 1e6 / r }'),$p99,$LAYOUT" >>"$CSV"
}

echo "scale: $NCPU CPUs, $LAYOUT layout: client on $NCLI, K = 1..$KMAX server threads"
for r in $(seq "$RUNS"); do
	for k in $(seq "$KMAX"); do
		for s in h-uring h-uring-nic h-epoll nginx m-uring m-epoll memcached; do
			start "$s" "$k"; measure "$s" "$k" "$r"; stop
		done
	done
done

report
cat "$OUT/scale.md"
