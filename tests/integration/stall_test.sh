# stall_test: clients that never read their answers: 100 of them cannot keep sm-httpd from serving others, they are reset after --send-timeout (or sooner when the pool runs low) and every buffer comes back; a slow reader that keeps reading is never reset; a memcached get line naming a large item 500 times is answered a few items at a time, not copied whole.
. tests/lib.sh
command -v curl >/dev/null || t_skip "curl is not installed (make deps)"
STALL=$BUILD/tests/stall HC=$BUILD/tests/halfclose
[ -x "$STALL" ] && [ -x "$HC" ] || t_fail "build the tests first (make tests)"
# ASan keeps freed memory in quarantine (256 MB by default), which VmRSS
# counts: keep it small, so that RSS is what a server holds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8

# no_leak NAME: what server NAME reset, and t_no_leak (tests/lib.sh).
no_leak() {
	echo "  $1: resets=$(t_stat "$1" resets) send_timeouts=$(t_stat "$1" send_timeouts)" \
		"pool_resets=$(t_stat "$1" pool_resets)"
	t_no_leak "$1"
}

# stall_curl PORT N SECS: N never-readers for SECS seconds at most (until
# the server reset them all), curl every half second meanwhile: every
# curl must be served.
stall_curl() {
	local tries=0 served=0 slowest=0 r sp
	"$STALL" -p "$1" -n "$2" -t "$3" 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' \
		>"$T_DIR/stall.out" &
	sp=$!
	while kill -0 "$sp" 2>/dev/null; do
		sleep 0.5
		kill -0 "$sp" 2>/dev/null || break
		tries=$((tries + 1))
		r=$(curl -s -m 3 -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$1/")
		[ "${r% *}" = 200 ] && served=$((served + 1))
		slowest=$(awk -v a="$slowest" -v b="${r#* }" 'BEGIN { print (b > a ? b : a) }')
	done
	wait "$sp"
	echo "  $(cat "$T_DIR/stall.out"); meanwhile curl served $served/$tries, slowest ${slowest}s"
	t_expect "others served during the stall" "$tries" "$served"
	[ "$(curl -s -m 3 "http://127.0.0.1:$1/" | wc -c)" = 1024 ] ||
		t_expect "served after the stall" 1024 "no answer"
}

# ---- 100 never-readers against sm-httpd ----
t_start flood "$BUILD/sm-httpd" --fixed 1024 -p 0 -l 127.0.0.1 --send-timeout 3
echo "100 clients that never read (--send-timeout 3):"
stall_curl "$T_PORT" 100 30
t_expect "never-readers reset" "stall: 100 connections, 100 reset, 0 open" \
	"$(cut -d, -f1-3 "$T_DIR/stall.out")"
t_stop flood "$T_PID"
t_expect "flood: every never-reader reset by the server" 100 \
	"$(( $(t_stat flood send_timeouts) + $(t_stat flood pool_resets) ))"
no_leak flood

# ---- the same, no timeout, a small pool: the pool runs low ----
t_start pool "$BUILD/sm-httpd" --fixed 1024 -p 0 -l 127.0.0.1 --send-timeout 0 -b 2048
echo "100 clients that never read, --send-timeout 0, a pool of 2048 buffers:"
stall_curl "$T_PORT" 100 30
t_stop pool "$T_PID"
[ "$(t_stat pool pool_resets)" -gt 0 ] ||
	t_expect "pool: stalled clients reset when the pool runs low" "> 0" "$(t_stat pool pool_resets)"
t_expect "pool: no send timeout" 0 "$(t_stat pool send_timeouts)"
no_leak pool

# ---- a slow reader is not a stalled one ----
R=$T_DIR/root
mkdir -p "$R"
head -c $((24 << 20)) /dev/urandom >"$R/big"
# (curl's rate limit reads in bursts with pauses of a second or two: a
# send timeout of 2 s, checked once a second, may see no progress for 2 s.)
t_start slow "$BUILD/sm-httpd" -r "$R" -p 0 -l 127.0.0.1 --send-timeout 3
P=$T_PORT
t0=$SECONDS
curl -s -m 60 --limit-rate 3M -o "$T_DIR/big" "http://127.0.0.1:$P/big"
echo "a reader at 3 MB/s, 24 MB, --send-timeout 3:"
echo "  $(stat -c %s "$T_DIR/big") bytes in $((SECONDS - t0)) s"
cmp -s "$R/big" "$T_DIR/big" || t_expect "slow reader: file intact" "the same" "different"
t_stop slow "$T_PID"
t_expect "slow reader: not reset" 0 "$(t_stat slow resets)"
no_leak slow

# ---- sm-memcached: a get line of 500 x 100 KB, never read ----
t_start mc "$BUILD/sm-memcached" -p 0 -l 127.0.0.1 --send-timeout 2
P=$T_PORT MC=$T_PID
val=$(head -c 100000 /dev/zero | tr '\0' v)
"$HC" -p "$P" -m STORED -x 1 "set big 0 0 100000\\r\\n$val\\r\\n" 1 >/dev/null ||
	t_fail "set big"
line="get$(for i in $(seq 500); do printf ' big'; done)\\r\\n"
rss0=$(t_rss "$MC")
"$STALL" -p "$P" -n 4 -t 30 "$line" >"$T_DIR/stall.out" &
SP=$!
rss_max=$rss0
while kill -0 "$SP" 2>/dev/null; do
	r=$(t_rss "$MC")
	[ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.1
done
wait "$SP"
echo "sm-memcached, 4 clients sending 'get big x 500' (50 MB each), never reading:"
echo "  $(cat "$T_DIR/stall.out"); RSS +$(( (rss_max - rss0) / 1024 )) MB"
[ $((rss_max - rss0)) -lt 65536 ] ||
	t_expect "get line: RSS growth under 64 MB" "< 65536 kB" "$((rss_max - rss0)) kB"
t_expect "get line never-readers reset" "stall: 4 connections, 4 reset, 0 open" \
	"$(cut -d, -f1-3 "$T_DIR/stall.out")"
# A client that reads gets the whole answer: 200 values, in order, intact.
out=$("$HC" -p "$P" -m 'VALUE big 0 100000' -x 200 -t 20 \
	"get$(for i in $(seq 200); do printf ' big'; done)\\r\\n" 1)
echo "  then 'get big x 200', read: ${out#halfclose: }"
case $out in
*"received 20004405,"*) ;;
*) t_expect "get big x 200: every byte" "received 20004405" "$out" ;;
esac
t_stop mc "$MC"
t_expect "memcached: never-readers reset by the server" 4 "$(t_stat mc send_timeouts)"
no_leak mc

t_expect_end
exit 0
