# halfclose_test: pipelined requests then shutdown(SHUT_WR): sm-httpd and sm-memcached answer every complete request before they close (also with an incomplete last request, a slow reader, output past the per-connection limits); nothing leaks.
. tests/lib.sh
HC=$BUILD/tests/halfclose
[ -x "$HC" ] || t_fail "$HC missing"
HTTPD=$BUILD/sm-httpd
MC=$BUILD/sm-memcached

# hc NAME ARGS...: one halfclose run (it fails unless the server closed
# with the expected number of answers within its -t).
hc() {
	local name=$1 out
	shift
	out=$("$HC" -p "$T_PORT" -t 20 -o "$T_DIR/answer" "$@") ||
		t_fail "$name: ${out:-halfclose failed}"
	printf '  %-40s %s\n' "$name" "${out#halfclose: }"
}

check_clean() {  # NAME: every buffer back, only the listeners left
	local inuse idle threads
	inuse=$(t_stat "$1" bufs_in_use) idle=$(t_stat "$1" bufs_idle)
	threads=$(t_stat "$1" threads)  # a listener per worker
	[ -n "$inuse" ] || t_fail "$1: no stats: $(cat "$T_DIR/$1.err")"
	[ "$inuse" = "$idle" ] || t_fail "$1: $inuse buffers in use, $idle idle (leak)"
	[ "$(t_stat "$1" conns)" = "${threads:-1}" ] || t_fail "$1: connections left open"
	[ "$(t_stat "$1" bad_slots)" = 0 ] || t_fail "$1: bad slots"
}

GET='GET / HTTP/1.1\r\nHost: h\r\n\r\n'
echo "sm-httpd --fixed 1024:"
t_start fixed "$HTTPD" --fixed 1024 -p 0 -l 127.0.0.1
hc "50 GETs" -m 'HTTP/1.1 200' -x 50 "$GET" 50
# The last head has not ended when the FIN comes: it can never be
# answered.  The 50 before it are, then the server closes (well before
# its 10 s header timeout: halfclose's -t 5 would fail).
hc "50 GETs + half a head" -t 5 -m 'HTTP/1.1 ' -x 50 -e 'GET / HTTP/1.1\r\nHost:' "$GET" 50
hc "50 GETs + half a request line" -t 5 -m 'HTTP/1.1 ' -x 50 -e 'GE' "$GET" 50
# A body announced but cut short by the FIN.
hc "50 GETs + a short body" -t 5 -m 'HTTP/1.1 200' -x 51 \
	-e 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc' "$GET" 50
# 3.4 MB of answers, more than the connection's 256 KiB output limit:
# the connection is paused, the FIN comes while it is.
hc "3000 GETs" -m 'HTTP/1.1 200' -x 3000 "$GET" 3000
hc "3000 GETs, read after 1 s" -d 1000 -m 'HTTP/1.1 200' -x 3000 "$GET" 3000
t_stop fixed "$T_PID"
check_clean fixed

echo "sm-httpd -r (files streamed from disk):"
R=$T_DIR/root
mkdir -p "$R"
head -c 300000 /dev/zero | tr '\0' f >"$R/big"
echo small >"$R/small"
t_start files "$HTTPD" -r "$R" -p 0 -l 127.0.0.1
hc "20 GETs of 300 KB, read after 1 s" -d 1000 -m 'HTTP/1.1 200' -x 20 \
	'GET /big HTTP/1.1\r\nHost: h\r\n\r\n' 20
[ "$(wc -c <"$T_DIR/answer")" -gt 6000000 ] || t_fail "20 GETs of 300 KB: bodies cut short"
hc "50 GETs + half a head" -t 5 -m 'HTTP/1.1 200' -x 50 -e 'GET /small HTT' \
	'GET /small HTTP/1.1\r\nHost: h\r\n\r\n' 50
t_stop files "$T_PID"
check_clean files

echo "sm-memcached:"
t_start mc "$MC" -p 0 -l 127.0.0.1
SET='set k 0 0 5\r\nhello\r\n'
hc "set, 50 gets" -b "$SET" -m 'VALUE k 0 5' -x 50 'get k\r\n' 50
hc "50 gets + half a get line" -t 5 -m 'VALUE k 0 5' -x 50 -e 'get k' 'get k\r\n' 50
hc "50 gets + half a data block" -t 5 -m 'VALUE k 0 5' -x 50 \
	-e 'set k2 0 0 10\r\nabc' 'get k\r\n' 50
# The cut set stored nothing.
"$HC" -p "$T_PORT" -t 5 -m 'VALUE' -x 0 'get k2\r\n' 1 >/dev/null ||
	t_fail "a set cut by the FIN stored its value"
# 12 MB of answers, more than the connection's output limit (4 items).
V=$(head -c 60000 /dev/zero | tr '\0' v)
hc "200 gets of 60 KB, read after 1 s" -d 1000 -b "set big 0 0 60000\\r\\n$V\\r\\n" \
	-m 'VALUE big 0 60000' -x 200 'get big\r\n' 200
t_stop mc "$T_PID"
check_clean mc
exit 0
