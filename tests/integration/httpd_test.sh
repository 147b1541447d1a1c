# httpd_test: sm-httpd with curl, raw sockets (pipelining, split heads, errors, timeouts), static files and path escapes, ab -k and wrk.
. tests/lib.sh
for t in curl ab wrk; do
	command -v $t >/dev/null || t_skip "$t is not installed (make deps)"
done
HTTPD=$BUILD/sm-httpd

# raw PORT: send stdin on a fresh connection, print what comes back until
# the server closes (5 s at most).
raw() {
	local out
	exec 3<>"/dev/tcp/127.0.0.1/$1" || t_fail "connect $1"
	cat >&3
	out=$(timeout 5 cat <&3)
	exec 3<&-
	printf '%s' "$out"
}
status_of() { head -n1 | tr -d '\r' | cut -d' ' -f2; }
expect() {  # what, expected, got
	[ "$2" = "$3" ] || t_fail "$1: expected '$2', got '$3'"
}

# ---- fixed responses ----
t_start fixed "$HTTPD" --fixed 1024 -p 0 -l 127.0.0.1 --header-timeout 1 --idle-timeout 2
P=$T_PORT U=http://127.0.0.1:$P
expect "GET body" 1024 "$(curl -sf "$U/" | wc -c)"
hdrs=$(curl -sfI "$U/x")
echo "$hdrs" | grep -q '^Content-Length: 1024' || t_fail "HEAD headers: $hdrs"
echo "$hdrs" | grep -q '^Date: ' || t_fail "no Date header"
expect "HEAD has no body" 0 "$(curl -sf -X HEAD "$U/" 2>/dev/null | wc -c)"
curl -sv "$U/a" "$U/b" -o /dev/null -o /dev/null 2>&1 | grep -q 'Re-using existing connection' ||
	t_fail "HTTP/1.1 keep-alive not kept"
curl -sv -0 "$U/a" -o /dev/null 2>&1 | grep -qi '< Connection: close' || t_fail "HTTP/1.0 must close"
curl -sv -0 -H 'Connection: keep-alive' "$U/a" "$U/b" -o /dev/null -o /dev/null 2>&1 |
	grep -q 'Re-using existing connection' || t_fail "HTTP/1.0 keep-alive"
expect "POST" 405 "$(curl -s -o /dev/null -w '%{http_code}' -d x=1 "$U/")"

# Pipelining: 200 requests in one write, the last one closes.
# ($(...) would eat the final newline: the requests go straight to raw.)
expect "pipelined responses" 200 "$( (for i in $(seq 199); do printf 'GET /%d HTTP/1.1\r\nHost: h\r\n\r\n' "$i"; done
	printf 'GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n') | raw "$P" | grep -o 'HTTP/1.1 200 OK' | wc -l)"
# One request split across many writes (one TCP segment each, roughly).
out=$( (for part in 'GE' 'T /sp' 'lit HT' 'TP/1.1' $'\r\nHo' 'st: h' $'\r\nConnection: close\r' $'\n\r\n'; do
	printf '%s' "$part"; sleep 0.05; done) | raw "$P")
expect "split head" 200 "$(echo "$out" | status_of)"
# A body with Content-Length is read and discarded, the next request works.
out=$(printf 'GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nHELLOGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' | raw "$P")
expect "body skipped" 2 "$(echo "$out" | grep -o 'HTTP/1.1 200 OK' | wc -l)"

# Errors a careful server gives.
err() {  # expected-status request-bytes
	expect "error $1" "$1" "$(printf '%b' "$2" | raw "$P" | status_of)"
}
err 400 'garbage\r\n\r\n'
err 400 'GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n'
err 400 'GET / HTTP/1.1\r\n\r\n'
err 400 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'
err 400 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'
err 405 'DELETE / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'
err 413 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\n'
err 414 "GET /$(head -c 5000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: h\r\n\r\n"
err 431 "GET / HTTP/1.1\r\nHost: h\r\n$(for i in $(seq 100); do printf 'X-H%d: v\\r\\n' "$i"; done)\r\n"
err 501 'GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'
err 505 'GET / HTTP/2.0\r\nHost: h\r\n\r\n'

# Timeouts: a head that never ends gets 408; a silent client is closed.
expect "header timeout" 408 "$( (printf 'GET / HTTP/1.1\r\nHo'; sleep 3) | raw "$P" | status_of)"
exec 3<>"/dev/tcp/127.0.0.1/$P"
t0=$(date +%s)
out=$(timeout 6 cat <&3)
exec 3<&-
[ -z "$out" ] && [ $(( $(date +%s) - t0 )) -le 4 ] ||
	t_fail "idle connection not closed within 4 s (idle timeout 2 s)"

# Load from real clients: no failure, no non-2xx, no socket error.
ab=$(ab -q -k -n 20000 -c 50 "$U/" 2>&1) || t_fail "ab: $ab"
echo "$ab" | grep -q '^Failed requests: *0' || t_fail "ab failures: $ab"
echo "$ab" | grep -q 'Non-2xx' && t_fail "ab non-2xx: $ab"
echo "$ab" | grep -q '^Complete requests: *20000' || t_fail "ab incomplete: $ab"
wrk=$(wrk -t1 -c64 -d2s "$U/" 2>&1) || t_fail "wrk: $wrk"
echo "$wrk" | grep -Eq 'Non-2xx|Socket errors' && t_fail "wrk errors: $wrk"
echo "wrk: $(echo "$wrk" | grep Requests/sec)"
t_stop fixed "$T_PID"
[ "$(t_stat fixed bad_slots)" = 0 ] || t_fail "bad slots"
[ "$(t_stat fixed bufs_in_use)" = "$(t_stat fixed bufs_idle)" ] || t_fail "buffers leaked"

# ---- IPv6 and IPv4 on one dual-stack socket, engine chosen by -e ----
if [ -e /proc/net/if_inet6 ]; then
	t_start v6 "$HTTPD" --fixed 7 -p 0 -l :: -e "${SM_ENGINE:-auto}" -v
	expect "IPv6" xxxxxxx "$(curl -sf -g "http://[::1]:$T_PORT/")"
	expect "IPv4 on ::" xxxxxxx "$(curl -sf "http://127.0.0.1:$T_PORT/")"
	grep -q "${SM_ENGINE:-} engine" "$T_DIR/v6.err" || t_fail "-e ignored: $(cat "$T_DIR/v6.err")"
	t_stop v6 "$T_PID"
fi

# ---- static files ----
R=$T_DIR/root
mkdir -p "$R/sub" "$T_DIR/outside"
echo '<h1>home</h1>' >"$R/index.html"
echo 'sub index' >"$R/sub/index.html"
printf 'plain\n' >"$R/a.txt"
head -c 3000000 /dev/urandom >"$R/big.bin"
: >"$R/empty.css"
echo secret >"$T_DIR/outside/secret.txt"
ln -s "$T_DIR/outside/secret.txt" "$R/escape.txt"
ln -s a.txt "$R/alias.txt"
t_start files "$HTTPD" -r "$R" -p 0 -l 127.0.0.1
U=http://127.0.0.1:$T_PORT
expect "index" '<h1>home</h1>' "$(curl -sf "$U/")"
expect "sub index" 'sub index' "$(curl -sf "$U/sub/")"
expect "txt type" 'text/plain; charset=utf-8' "$(curl -sf -o /dev/null -w '%{content_type}' "$U/a.txt")"
expect "big file" "$(sha256sum <"$R/big.bin")" "$(curl -sf "$U/big.bin" | sha256sum)"
expect "big file twice on one connection" 2 "$(curl -sf "$U/big.bin" "$U/big.bin" | wc -c | awk '{ print $1 / 3000000 }')"
expect "empty file" 0 "$(curl -sf "$U/empty.css" | wc -c)"
# A small file pauses and resumes the connection within one loop: on
# io_uring the cancelled receive once came back as an error and closed
# every keep-alive connection after its first file.
expect "small file thrice on one connection" 0 "$(curl -sv "$U/a.txt" "$U/a.txt" "$U/a.txt" \
	-o /dev/null -o /dev/null -o /dev/null 2>&1 | grep -c -i 'dead\|died\|Closing connection')"
expect "inner symlink" plain "$(curl -sf "$U/alias.txt")"
expect "missing" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/nope.html")"
expect "symlink out of root" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/escape.txt")"
expect "dot-dot" 400 "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/../outside/secret.txt")"
expect "encoded dot-dot" 400 "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/%2e%2e/outside/secret.txt")"
expect "encoded slash dot-dot" 400 "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/sub%2f..%2f..%2foutside%2fsecret.txt")"
expect "NUL byte" 400 "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/a.txt%00.html")"
# A FIFO in the root is refused, and does not block the server.
mkfifo "$R/pipe"
expect "FIFO" 403 "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$U/pipe")"
expect "after FIFO" plain "$(curl -sf -m 3 "$U/a.txt")"
t_stop files "$T_PID"
[ "$(t_stat files bufs_in_use)" = "$(t_stat files bufs_idle)" ] || t_fail "buffers leaked (files)"
exit 0
