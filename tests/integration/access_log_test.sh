# access_log_test: sm-httpd --access-log writes one line per request in nginx's combined format (escaped as nginx does), from every worker, whole lines only; SIGUSR1 after a move (logrotate) starts a new file; --error-log takes the server's messages.
. tests/lib.sh
command -v curl >/dev/null || t_skip "curl is not installed"
W=$T_DIR/www
mkdir -p "$W"
echo '{"a":1}' >"$W/c.json"
L=$T_DIR/access.log E=$T_DIR/error.log
t_start h "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 -t 2 --access-log "$L" --error-log "$E"
U=http://127.0.0.1:$T_PORT
curl -s -o /dev/null -e http://ref/ -A 'agent "quoted"' "$U/c.json?q=1"
curl -s -o /dev/null -r 0-1 "$U/c.json"
curl -s -o /dev/null "$U/missing"
# 200 requests over 40 connections: both workers log.
for i in $(seq 40); do printf 'url = "%s/c.json"\noutput = /dev/null\n' "$U"; done >"$T_DIR/urls"
pids=""
for i in 1 2 3 4 5; do curl -s -K "$T_DIR/urls" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
# Three requests pipelined in one write: three lines.
exec 3<>"/dev/tcp/127.0.0.1/$T_PORT"
printf 'GET /c.json?p=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /c.json?p=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /c.json?p=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
timeout 5 cat <&3 >/dev/null
exec 3<&-
# Written within a second or two (batches); wait for the 206 lines.
for i in $(seq 100); do [ "$(wc -l <"$L" 2>/dev/null)" -ge 206 ] && break; sleep 0.05; done
t_expect "lines after 206 requests" 206 "$(wc -l <"$L")"
t_expect "pipelined requests, a line each" 3 "$(grep -c '"GET /c.json?p=[123] HTTP/1.1" 200' "$L")"
re='^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] "[^"]*" [0-9]{3} [0-9]+ "[^"]*" "[^"]*"$'
bad=$(grep -Evc "$re" "$L")
t_expect "lines not in the combined format" 0 "$bad"
grep -q '"GET /c.json?q=1 HTTP/1.1" 200 8 "http://ref/" "agent \\x22quoted\\x22"$' "$L" ||
	t_expect "the first request's line" '"GET /c.json?q=1 HTTP/1.1" 200 8 "http://ref/" "agent \x22quoted\x22"' "$(head -n1 "$L")"
grep -q '"GET /c.json HTTP/1.1" 206 2 "-" "curl/' "$L" || t_expect "a 206 line" "206 2" "$(sed -n 2p "$L")"
grep -q '"GET /missing HTTP/1.1" 404 [0-9]* ' "$L" || t_expect "a 404 line" "404" "$(sed -n 3p "$L")"

# logrotate: move, SIGUSR1, and the next lines go to a new file.
mv "$L" "$L.1"
kill -USR1 "$T_PID"
for i in $(seq 100); do
	curl -s -o /dev/null "$U/c.json?after"
	[ -s "$L" ] && break
	sleep 0.1
done
[ -s "$L" ] || t_fail "no new access log after SIGUSR1"
# (Lines of requests answered before worker 0's next tick reopened the
# files are in the moved one, as with nginx between its signal and the
# reopen.)
grep -q '"GET /c.json?after HTTP/1.1" 200' "$L" || t_expect "the new file's line" after "$(cat "$L")"
t_stop h "$T_PID"
grep -q 'sm-httpd: stats engine=' "$E" || t_expect "the error log has the stop's counters" stats "$(cat "$E")"
# Both workers took connections, so both wrote lines (the kernel's hash
# leaves one of 2 workers without any of 46 connections with odds of
# 2 in 10^14).
for k in 0 1; do
	grep -q "worker $k cpu=.* accepted=[1-9]" "$E" || t_expect "worker $k served" "accepted > 0" "$(grep worker "$E")"
done
echo "  $(wc -l <"$L.1") lines, then $(wc -l <"$L") after the reopen; error log: $(wc -l <"$E") lines"
t_expect_end
exit 0
