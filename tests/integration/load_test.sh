# load_test: sm-load against sm-httpd, sm-memcached and real memcached: clean short runs (pipelined too, split buffers, 64 KiB values), its counts checked against the servers' own, its exit codes.
. tests/lib.sh
command -v memcached >/dev/null || t_skip "memcached is not installed (make deps)"
LOAD=$BUILD/sm-load
[ -x "$LOAD" ] || t_fail "$LOAD is missing (make)"

# kv KEY: a value of the last run's key=value line ($OUT).
kv() { echo "$OUT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# run NAME ARGS...: sm-load -o kv ARGS must exit 0 with no error, every
# request answered, and ordered percentiles; its line is left in $OUT.
run() {
	local name=$1 rc
	shift
	OUT=$("$LOAD" -o kv "$@" 2>"$T_DIR/load.err")
	rc=$?
	[ $rc = 0 ] || t_fail "$name: exit $rc: $(cat "$T_DIR/load.err") $OUT"
	[ "$(kv errors)" = 0 ] && [ "$(kv conn_errors)" = 0 ] ||
		t_fail "$name: errors: $OUT"
	[ "$(kv requests)" -gt 0 ] || t_fail "$name: no requests: $OUT"
	[ "$(kv outstanding)" = 0 ] && [ "$(kv completed)" = "$(kv sent)" ] ||
		t_fail "$name: requests left unanswered: $OUT"
	[ -z "${SM_ENGINE:-}" ] || [ "$(kv engine)" = "$SM_ENGINE" ] ||
		t_fail "$name: engine $(kv engine), not $SM_ENGINE"
	echo "$OUT" | tr ' ' '\n' | awk -F= '{ v[$1] = $2 } END {
		exit !(v["p50_us"] <= v["p90_us"] && v["p90_us"] <= v["p99_us"] &&
		       v["p99_us"] <= v["p999_us"] && v["p999_us"] <= v["max_us"] &&
		       v["p50_us"] > 0) }' || t_fail "$name: percentiles out of order: $OUT"
	echo "$name: $(kv rps) req/s, p50 $(kv p50_us) us, p99 $(kv p99_us) us," \
	     "$(kv client_cpu_us_per_req) us CPU/req"
}

# mc_stat PORT: the server's "stats", as "key value" lines.
mc_stat() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || t_fail "connect $1"
	printf 'stats\r\nquit\r\n' >&3
	timeout 5 cat <&3 | tr -d '\r' | awk '$1 == "STAT" { print $2, $3 }'
	exec 3<&-
}

# free_port: a port nothing listens on (one sm-echo's listener had, on
# epoll, whose listener is gone when the process is).
free_port() {
	t_start free "$BUILD/sm-echo" -p 0 -l 127.0.0.1 -e epoll
	t_stop free "$T_PID"
	echo "$T_PORT"
}

# ---- the command line ----
"$LOAD" --help | grep -q '^Usage: sm-load' || t_fail "--help"
for bad in "--bogus 127.0.0.1:80" "-c 0 127.0.0.1:80" "-m ftp 127.0.0.1:80" \
	   "-g 2 127.0.0.1:80" "-d x 127.0.0.1:80" "" "127.0.0.1" \
	   "::1:80" "localhost:80" "-u nopath 127.0.0.1:80"; do
	# shellcheck disable=SC2086
	"$LOAD" $bad >/dev/null 2>&1
	rc=$?
	[ $rc = 64 ] || t_fail "usage error '$bad': exit $rc, not 64"
done
P=$(free_port)
out=$("$LOAD" -c 2 -d 1 "127.0.0.1:$P" 2>&1)
rc=$?
[ $rc = 71 ] || t_fail "closed port: exit $rc, not 71: $out"
echo "$out" | grep -q "connect to 127.0.0.1:$P: Connection refused" ||
	t_fail "closed port: unclear message: $out"

# ---- HTTP against sm-httpd --fixed 1024 ----
t_start httpd "$BUILD/sm-httpd" --fixed 1024 -p 0 -l :: -c 1000
U=127.0.0.1:$T_PORT
run "http -c 10" -c 10 -w 0.2 -d 1 "$U"
run "http -c 10 -D 8" -c 10 -D 8 -w 0.2 -d 1 "$U"
# CPU accounting: the watched server's CPU and every core's load.
run "http --watch" -c 10 -w 0 -d 0.5 --watch "$T_PID" "$U"
awk -v w="$(kv watch_cpu_us_per_req)" -v b="$(kv core0_busy)" \
	'BEGIN { exit !(w > 0 && b >= 0 && b <= 100) }' ||
	t_fail "--watch: no server CPU or core load: $OUT"
for bad in "--watch 0" "--watch 1,x" "--watch 2147483647"; do
	# shellcheck disable=SC2086
	"$LOAD" $bad "$U" >/dev/null 2>&1
	rc=$?
	[ $rc = 64 ] || t_fail "'$bad': exit $rc, not 64"
done
# Responses split every 97 bytes, requests across slots too.
run "http 97-byte buffers" -c 10 -D 4 -w 0 -d 0.5 -s 97 -b 16384 "$U"
if [ -e /proc/net/if_inet6 ]; then
	run "http IPv6" -c 4 -w 0 -d 0.3 "[::1]:$T_PORT"
fi
t_stop httpd "$T_PID"
[ "$(t_stat httpd bad_slots)" = 0 ] || t_fail "sm-httpd: bad slots"

# Exactly N measured responses, and what the server received is what
# sm-load says it sent (it waits for every answer before it exits).
t_start count "$BUILD/sm-httpd" --fixed 1024 -p 0 -l 127.0.0.1
run "http -n 3000" -n 3000 -c 10 -D 4 -w 0 -d 60 "127.0.0.1:$T_PORT"
[ "$(kv requests)" = 3000 ] || t_fail "-n 3000: $OUT"
sent=$(kv sent) bytes=$(kv tx_bytes_total)
t_stop count "$T_PID"
[ "$(t_stat count rx_bytes)" = "$bytes" ] ||
	t_fail "sm-httpd received $(t_stat count rx_bytes) bytes, sm-load sent $bytes"
[ $((bytes % sent)) = 0 ] || t_fail "requests of uneven size: $bytes bytes, $sent requests"
echo "http: sm-httpd received $bytes bytes = $sent requests of $((bytes / sent))"

# A response over one buffer leaves as one stream, not buffer by buffer:
# the io_uring engine once sent each buffer's tail alone and held the
# next under Nagle until the peer's delayed ACK, 40 ms per response.
# 100 responses of 8 KiB, one at a time, take a few ms; with that bug
# they took 4 s, beyond this run's 2 s.
t_start big "$BUILD/sm-httpd" --fixed 8192 -p 0 -l 127.0.0.1
run "http 8 KiB responses, one at a time" -n 100 -c 1 -w 0 -d 2 "127.0.0.1:$T_PORT"
[ "$(kv requests)" = 100 ] || t_fail "8 KiB responses stall (Nagle): $OUT"
t_stop big "$T_PID"

# ---- memcached: sm-memcached and the real one, same checks ----
# check_mc NAME PORT: the runs, then the server's counters against ours.
check_mc() {
	local name=$1 port=$2 sent=0 st gets sets
	run "$name -c 10" -m memcached -c 10 -w 0.2 -d 1 "127.0.0.1:$port"
	sent=$((sent + $(kv sent)))
	[ "$(kv hits)" -gt 0 ] && [ "$(kv misses)" = 0 ] ||
		t_fail "$name: hits $(kv hits), misses $(kv misses) after preload"
	run "$name -c 10 -D 8" -m memcached -c 10 -D 8 -w 0.2 -d 1 -S 7 "127.0.0.1:$port"
	sent=$((sent + $(kv sent)))
	[ "$(kv hits)" -gt 0 ] && [ "$(kv misses)" = 0 ] ||
		t_fail "$name -D 8: hits $(kv hits), misses $(kv misses)"
	# Values of 64 KiB: each request and response spans many slots.
	run "$name 64 KiB values" -m memcached -c 4 -D 2 -w 0 -d 0.5 -V 65536 \
		-k 200 "127.0.0.1:$port"
	sent=$((sent + $(kv sent)))
	[ "$(kv misses)" = 0 ] || t_fail "$name 64 KiB: misses: $OUT"
	st=$(mc_stat "$port")
	gets=$(echo "$st" | awk '$1 == "cmd_get" { print $2 }')
	sets=$(echo "$st" | awk '$1 == "cmd_set" { print $2 }')
	[ -n "$gets" ] && [ -n "$sets" ] || t_fail "$name: no stats: $st"
	[ $((gets + sets)) = "$sent" ] ||
		t_fail "$name: gets $gets + sets $sets, sm-load sent $sent"
	echo "$st" | grep -qx 'get_misses 0' || t_fail "$name: the server saw misses"
	echo "$name: the server counted $sent gets and sets, as sm-load did"
}

# The reference first: a check that real memcached fails is a bad check.
P=$(free_port)
memcached -u root -U 0 -t 1 -m 64 -l 127.0.0.1 -p "$P" &
ref=$!
T_PIDS="$T_PIDS $ref"
for _ in $(seq 500); do
	(exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null && break
	sleep 0.01
done
check_mc memcached "$P"
kill "$ref"

t_start mc "$BUILD/sm-memcached" -p 0 -l 127.0.0.1
check_mc sm-memcached "$T_PORT"
run "sm-memcached 97-byte buffers" -m memcached -c 10 -D 4 -w 0 -d 0.5 \
	-s 97 -b 16384 "127.0.0.1:$T_PORT"
t_stop mc "$T_PID"
[ "$(t_stat mc bad_slots)" = 0 ] || t_fail "sm-memcached: bad slots"
exit 0
