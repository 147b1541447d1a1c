# httpd_hostile_test: sm-httpd facing hostile clients (garbage, NULs, oversized and conflicting heads, short and long bodies, byte-by-byte heads, 5000 pipelined requests, a client that never reads, slowloris); curl is served after each case and no buffer leaks.
. tests/lib.sh
command -v curl >/dev/null || t_skip "curl is not installed (make deps)"
HTTPD=$BUILD/sm-httpd

# The answers are printed one line per case, so the output documents them.
note() { printf '  %-38s -> %s\n' "$1" "$2"; }
# A wrong answer is reported and the cases go on (the output documents
# them all); the test fails at the end.  A server that no longer serves
# curl stops the test at once.
# (t_expect, tests/lib.sh)

# xchg PORT SECS FILE: send FILE on a fresh connection, then read until
# the server closes or SECS pass.  The answer is in $T_DIR/out; R_RC is
# 0 when the server closed, 1 when it reset (it closed with input
# unread: the kernel answers RST), 124 when the connection was still open.
xchg() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || t_fail "connect $1"
	# The server may close before taking everything: ignore EPIPE.  A
	# server that stops reading without closing does not hang us.
	timeout 10 cat "$3" >&3 2>/dev/null
	timeout "$2" cat <&3 >"$T_DIR/out" 2>/dev/null
	R_RC=$?
	exec 3<&-
}
# Status of the first answer, the number of answers, open or closed.
closed_or_reset() { [ "$R_RC" -le 1 ] && echo closed || echo "still open"; }
first_status() { head -n1 "$T_DIR/out" | tr -d '\r' | cut -d' ' -f2; }
# (A body does not end with a newline: answers are counted with -o.)
statuses() { grep -a -o 'HTTP/1\.[01] [0-9][0-9][0-9] ' "$T_DIR/out" | cut -d' ' -f2 | xargs; }
n_answers() { grep -a -o 'HTTP/1\.[01] [0-9][0-9][0-9] ' "$T_DIR/out" | wc -l; }
summary() {
	local s
	s=$(head -n1 "$T_DIR/out" | tr -d '\r')
	[ -n "$s" ] || s="(nothing)"
	[ "$(n_answers)" -gt 1 ] && s="$s, then $(statuses | cut -d' ' -f2-)"
	case $R_RC in
	0) s="$s, closed" ;;
	1) s="$s, reset" ;;
	*) s="$s, still open" ;;
	esac
	printf '%s' "$s"
}

# case NAME EXPECTED-STATUS BYTES: BYTES (printf %b escapes) on a fresh
# connection: one answer with that status, then the server closes.
hostile() {
	printf '%b' "$3" >"$T_DIR/req"
	xchg "$P" 5 "$T_DIR/req"
	note "$1" "$(summary)"
	t_expect "$1: status" "$2" "$(first_status)"
	t_expect "$1: answers" 1 "$(n_answers)"
	t_expect "$1: closed" closed "$(closed_or_reset)"
	healthy "$1"
}

# A well-behaved client still gets the right body.
healthy() {
	local code
	code=$(curl -s -m 5 -o "$T_DIR/body" -w '%{http_code}' "http://127.0.0.1:$P/ok")
	[ "$code" = 200 ] || t_fail "curl after '$1': status '$code'"
	cmp -s "$T_DIR/body" "$T_DIR/want" || t_fail "curl after '$1': wrong body"
}

head -c 1024 /dev/zero | tr '\0' x >"$T_DIR/want"
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }  # CHAR COUNT
H=$'Host: h\r\n'

# ---- malformed heads, on a fixed-response server ----
t_start main "$HTTPD" --fixed 1024 -p 0 -l 127.0.0.1
P=$T_PORT MAIN_PID=$T_PID
echo "malformed heads:"
hostile "garbage line" 400 'garbage\r\n\r\n'
# Every byte value, 255 down to 0.
bin=$(for i in $(seq 255 -1 0); do printf '\\x%02x' "$i"; done)
hostile "binary bytes" 400 "$bin"
hostile "NUL in method" 400 'GE\0T / HTTP/1.1\r\nHost: h\r\n\r\n'
hostile "NUL in target" 400 'GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n'
hostile "NUL in version" 400 'GET / HTTP/1.\0\r\nHost: h\r\n\r\n'
hostile "NUL in header name" 400 'GET / HTTP/1.1\r\nHost: h\r\nX-\0A: v\r\n\r\n'
hostile "NUL in header value" 400 'GET / HTTP/1.1\r\nHost: h\r\nX-A: v\0w\r\n\r\n'
hostile "NUL line before request" 400 '\0\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'
hostile "CR without LF" 400 'GET / HTTP/1.1\rHost: h\r\n\r\n'
hostile "obs-fold header" 400 'GET / HTTP/1.1\r\nHost: h\r\nX-A: v\r\n  w\r\n\r\n'
hostile "space before colon" 400 'GET / HTTP/1.1\r\nHost: h\r\nX-A : v\r\n\r\n'
hostile "two Host" 400 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
hostile "bad Host" 400 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'

echo "oversized heads:"
hostile "target 5000 B" 414 "GET /$(rep a 5000) HTTP/1.1\r\n$H\r\n"
hostile "target 100 KB, no end" 414 "GET /$(rep a 100000)"
hostile "method 20 KB" 431 "$(rep G 20000) / HTTP/1.1\r\n$H\r\n"
hostile "header value 20 KB" 431 "GET / HTTP/1.1\r\n${H}X-Big: $(rep v 20000)\r\n\r\n"
hostile "header name 20 KB" 431 "GET / HTTP/1.1\r\n${H}$(rep X 20000): v\r\n\r\n"
hostile "head 100 KB, no end" 431 "GET / HTTP/1.1\r\n$(for i in $(seq 5000); do printf 'X-%d: vvvvvvvvv\\r\\n' "$i"; done)"
# 64 fields are taken (Host, Connection and 62 more), the 65th is 431.
hdrs() { for i in $(seq "$1"); do printf 'X-H%d: v\\r\\n' "$i"; done; }
printf '%b' "GET / HTTP/1.1\r\n$H$(hdrs 62)Connection: close\r\n\r\n" >"$T_DIR/req"
xchg "$P" 5 "$T_DIR/req"
note "64 header fields" "$(summary)"
t_expect "64 header fields" 200 "$(first_status)"
hostile "65 header fields" 431 "GET / HTTP/1.1\r\n$H$(hdrs 64)\r\n"
hostile "1000 header fields" 431 "GET / HTTP/1.1\r\n$H$(hdrs 1000)\r\n"

echo "versions:"
hostile "HTTP/2.0" 505 "GET / HTTP/2.0\r\n$H\r\n"
hostile "HTTP/1.2" 505 "GET / HTTP/1.2\r\n$H\r\n"
hostile "HTTP/0.9 version" 505 "GET / HTTP/0.9\r\n$H\r\n"
hostile "HTTP/0.9 simple request" 400 'GET /\r\n\r\n'
hostile "HTTP/1.10" 400 "GET / HTTP/1.10\r\n$H\r\n"
hostile "http/1.1 (lower case)" 400 "GET / http/1.1\r\n$H\r\n"
hostile "HTTP/1 (no minor)" 400 "GET / HTTP/1\r\n$H\r\n"
hostile "HTTP/x.y" 400 "GET / HTTP/x.y\r\n$H\r\n"
hostile "space after version" 400 "GET / HTTP/1.1 \r\n$H\r\n"
hostile "two spaces after method" 400 "GET  / HTTP/1.1\r\n$H\r\n"

echo "framing:"
hostile "Content-Length 1 and 2" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
hostile "Content-Length: 1, 2" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 1, 2\r\n\r\nab"
hostile "Content-Length: -1" 400 "GET / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n"
hostile "Content-Length: +1" 400 "GET / HTTP/1.1\r\n${H}Content-Length: +1\r\n\r\na"
hostile "Content-Length: 0x10" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n"
hostile "Content-Length: (empty)" 400 "GET / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n"
hostile "Content-Length: 1 1" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 1 1\r\n\r\n"
hostile "Content-Length: 2^64+1" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 18446744073709551617\r\n\r\n"
hostile "Content-Length over 1 MiB" 413 "GET / HTTP/1.1\r\n${H}Content-Length: 1048577\r\n\r\n"
hostile "CL then Transfer-Encoding" 400 "GET / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
hostile "Transfer-Encoding then CL" 400 "GET / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"
hostile "Transfer-Encoding: identity" 501 "GET / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n"
# Identical repeated lengths are one length (RFC 9110 §8.6): the body
# is skipped and the next request served.
for cl in 'Content-Length: 3\r\nContent-Length: 3' 'Content-Length: 3, 3'; do
	printf '%b' "GET / HTTP/1.1\r\n$H$cl\r\n\r\nabcGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n" >"$T_DIR/req"
	xchg "$P" 5 "$T_DIR/req"
	note "${cl//\\r\\n/ + }" "$(summary)"
	t_expect "$cl: answers" "200 200" "$(statuses)"
	healthy "$cl"
done
# A body longer than declared: the extra bytes are the next request.
printf '%b' "GET / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n${H}Connection: close\r\n\r\n" >"$T_DIR/req"
xchg "$P" 5 "$T_DIR/req"
note "body longer, a request follows" "$(summary)"
t_expect "body longer, a request follows" "200 200" "$(statuses)"
printf '%b' "GET / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcdefgh\r\n\r\n" >"$T_DIR/req"
xchg "$P" 5 "$T_DIR/req"
note "body longer, junk follows" "$(summary)"
t_expect "body longer, junk follows" "200 400" "$(statuses)"
t_expect "body longer, junk follows: closed" closed "$(closed_or_reset)"
healthy "body longer"

# One request, one byte per write (TCP_NODELAY is not settable from bash:
# Nagle may merge a few bytes; the pauses keep most writes apart).
echo "byte by byte:"
req=$'GET /split HTTP/1.1\r\nHost: h\r\nX-A: b\r\nConnection: close\r\n\r\n'
exec 3<>"/dev/tcp/127.0.0.1/$P" || t_fail "connect"
for ((i = 0; i < ${#req}; i++)); do
	printf '%s' "${req:i:1}" >&3
	sleep 0.01
done
timeout 5 cat <&3 >"$T_DIR/out"
R_RC=$?
exec 3<&-
note "${#req} one-byte writes" "$(summary)"
t_expect "one byte per write" 200 "$(first_status)"
tail -c 1024 "$T_DIR/out" | cmp -s - "$T_DIR/want" || t_expect "one byte per write: body" ok wrong
healthy "byte by byte"

# A client that pipelines 8.4 MB of requests (330 MB of answers) and
# never reads: memory must stay bounded, the connection be closed or
# paused, and other clients be served meanwhile.
# (A server of its own, so that its stats show what this case did.)
t_stop main "$MAIN_PID"
# ASan keeps freed memory in quarantine (256 MB by default), which
# VmRSS counts: keep it small here, so that RSS is what the server holds.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 \
	t_start flood "$HTTPD" --fixed 1024 -p 0 -l 127.0.0.1
P=$T_PORT FLOOD_PID=$T_PID
echo "a client that never reads:"
for ((i = 0; i < 1000; i++)); do printf 'GET /n HTTP/1.1\r\nHost: h\r\n\r\n'; done >"$T_DIR/blk"
for i in $(seq 300); do cat "$T_DIR/blk"; done >"$T_DIR/flood"
rss0=$(t_rss "$FLOOD_PID") rss_max=$rss0 served=0 tries=0
exec 4<>"/dev/tcp/127.0.0.1/$P" || t_fail "connect"
timeout 30 cat "$T_DIR/flood" >&4 2>/dev/null &
writer=$!
for i in $(seq 30); do
	sleep 0.1
	r=$(t_rss "$FLOOD_PID")
	[ "$r" -gt "$rss_max" ] && rss_max=$r
	if [ $((i % 10)) = 0 ]; then
		tries=$((tries + 1))
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/")" = 200 ] &&
			served=$((served + 1))
	fi
done
if kill -0 "$writer" 2>/dev/null; then
	w="its writes blocked (paused)"
else
	wait "$writer"
	wrc=$?
	[ "$wrc" = 0 ] && w="all its writes went through" ||
		w="its writes failed (closed by the server)"
fi
note "8.4 MB of GETs, never read" "RSS +$(( (rss_max - rss0) / 1024 )) MB, $w, curl served $served/$tries"
[ $((rss_max - rss0)) -lt 65536 ] || t_expect "never-reader: RSS growth under 64 MB" "< 65536 kB" "$((rss_max - rss0)) kB"
t_expect "never-reader: other clients served meanwhile" "$tries/$tries" "$served/$tries"
exec 4<&-
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
healthy "never-reader gone"
t_stop flood "$FLOOD_PID"

# ---- 5000 pipelined requests in one write, answered in order ----
R=$T_DIR/root
mkdir -p "$R"
for k in $(seq 0 9); do echo "body-$k" >"$R/f$k"; done
cp "$T_DIR/want" "$R/ok"
t_start files "$HTTPD" -r "$R" -p 0 -l 127.0.0.1
P=$T_PORT
echo "pipelining:"
for ((i = 0; i < 4999; i++)); do
	printf 'GET /f%d HTTP/1.1\r\nHost: h\r\n\r\n' $((i % 10))
done >"$T_DIR/req"
printf 'GET /f9 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' >>"$T_DIR/req"
xchg "$P" 20 "$T_DIR/req"
note "5000 GETs in one write" "$(n_answers) answers, $(grep -a -c '^HTTP/1.1 200 OK' "$T_DIR/out") of them 200, $(closed_or_reset)"
t_expect "5000 pipelined: answers" 5000 "$(n_answers)"
want=$(for ((i = 0; i < 5000; i++)); do printf '%d' $((i % 10)); done)
got=$(grep -a -o '^body-[0-9]' "$T_DIR/out" | cut -c6 | tr -d '\n')
[ "$got" = "$want" ] || t_expect "5000 pipelined: bodies in order" "0123456789..." "${#got} bodies, first difference at $(cmp <(echo "$want") <(echo "$got") | awk '{ print $NF }')"
healthy "5000 pipelined"
t_stop files "$T_PID"

# ---- slow clients, with 2 s timeouts ----
t_start slow "$HTTPD" --fixed 1024 -p 0 -l 127.0.0.1 --header-timeout 2 --idle-timeout 2
P=$T_PORT
echo "slow clients (--header-timeout 2 --idle-timeout 2):"
# A body shorter than declared: answered, then closed once idle.
printf 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc' >"$T_DIR/req"
t0=$SECONDS
xchg "$P" 8 "$T_DIR/req"
note "body 3 of 10 bytes, then silence" "$(summary) after $((SECONDS - t0)) s"
t_expect "short body: status" 200 "$(first_status)"
t_expect "short body: closed by the idle timeout" closed "$(closed_or_reset)"
healthy "short body"

# Slowloris: 5 connections each send a header byte every second.
trap '' PIPE  # writes to a connection the server closed must not kill us
fds=() t0=$SECONDS
for i in $(seq 5); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$P" || t_fail "connect"
	printf 'GET / HTTP/1.1\r\nHost: h\r\n' >&"$fd"
	fds+=("$fd")
done
hdr='X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
answered=0 secs=""
for ((t = 0; t < 8 && answered < 5; t++)); do
	for i in "${!fds[@]}"; do
		fd=${fds[$i]}
		[ "$fd" = - ] && continue
		if read -r -t 0 -u "$fd"; then  # the server spoke
			timeout 2 cat <&"$fd" >"$T_DIR/slow.$i"
			exec {fd}<&-
			fds[i]=- answered=$((answered + 1)) secs="$secs $((SECONDS - t0))"
			continue
		fi
		{ printf '%s' "${hdr:t:1}" >&"$fd"; } 2>/dev/null
	done
	sleep 1
done
for fd in "${fds[@]}"; do [ "$fd" = - ] || exec {fd}<&-; done
trap - PIPE
codes=$(cat "$T_DIR"/slow.* 2>/dev/null | grep -a -o '^HTTP/1.1 [0-9]*' | cut -d' ' -f2 | xargs)
note "5 slowloris, 1 byte/s" "${codes:-nothing}, after${secs:- (none)} s"
t_expect "slowloris: 408 to each" "408 408 408 408 408" "$codes"
healthy "slowloris"

# Silent connections are closed by the idle timeout.
fds=() t0=$SECONDS
for i in $(seq 5); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$P" || t_fail "connect"
	fds+=("$fd")
done
closed=0
for fd in "${fds[@]}"; do
	out=$(timeout 6 cat <&"$fd") && [ -z "$out" ] && closed=$((closed + 1))
	exec {fd}<&-
done
note "5 silent connections" "$closed closed without an answer after $((SECONDS - t0)) s"
t_expect "silent connections closed" 5 "$closed"
[ $((SECONDS - t0)) -le 5 ] || t_expect "silent connections closed within 5 s" "<= 5 s" "$((SECONDS - t0)) s"
healthy "silent connections"
t_stop slow "$T_PID"

# ---- no buffer leaked, no bad slot ----
for s in main flood files slow; do
	T_INDENT= t_no_leak $s
done
t_expect_end
exit 0
