# crash_test: SIGKILL the privileged server under load; a regular server on another interface keeps answering without an error, traffic still flows on the NIC without the app, the server restarts and serves within a second, and its clean close restores the NIC's original NAPI settings.
. tests/lib.sh
t_testbed
E=${SM_ENGINE:-uring}
URL=http://198.18.0.2:8080/ CLI="ip netns exec sm-cli-$T_TB"

orig=$(t_napi_vals)
[ -n "$orig" ] || t_fail "no NAPI on $SRV_IF"

# A regular server on the server host's loopback, and the privileged one.
ip netns exec "$SRV_NS" "$BUILD/sm-httpd" --fixed 64 -e epoll -p 9090 -l 127.0.0.1 2>/dev/null &
T_PIDS="$T_PIDS $!"
t_wait_http http://127.0.0.1:9090/ "$SRV_NS" || t_fail "regular server"
$TB server "$BUILD/sm-httpd" --fixed 1024 -e "$E" -p 8080 -l 198.18.0.2 --nic "$SRV_IF" 2>"$T_DIR/p1.err" &
priv=$!
T_PIDS="$T_PIDS $priv"
t_wait_http "$URL" "sm-cli-$T_TB" || t_fail "privileged server: $(cat "$T_DIR/p1.err")"
[ "$(t_napi_vals)" != "$orig" ] || t_fail "NAPI settings not applied"

# Load on both, then kill the privileged one in the middle of it.
$TB client wrk -t1 -c20 -d3s "$URL" >"$T_DIR/wrk.priv" 2>&1 &
wp=$!
ip netns exec "$SRV_NS" wrk -t1 -c20 -d3s http://127.0.0.1:9090/ >"$T_DIR/wrk.reg" 2>&1 &
wr=$!
sleep 1
kill -KILL "$priv"
wait "$priv" 2>/dev/null
wait "$wp" || true
wait "$wr" || t_fail "wrk on the regular server: $(cat "$T_DIR/wrk.reg")"
grep -Eq 'Non-2xx|Socket errors' "$T_DIR/wrk.reg" &&
	t_fail "the regular server saw errors: $(cat "$T_DIR/wrk.reg")"
echo "regular server during the crash: $(grep Requests/sec "$T_DIR/wrk.reg")"

# Left behind: the settings (harmless: traffic flows without the app).
left=$(t_napi_vals)
[ "$left" != "$orig" ] || t_fail "expected the crashed app's settings to be left"
ip netns exec "$SRV_NS" "$BUILD/sm-httpd" --fixed 5 -e epoll -p 8081 -l 198.18.0.2 2>/dev/null &
plain=$!
T_PIDS="$T_PIDS $plain"
t_wait_http http://198.18.0.2:8081/ "sm-cli-$T_TB" || t_fail "no traffic on the NIC after the crash"
[ "$($CLI curl -sf http://198.18.0.2:8081/)" = xxxxx ] || t_fail "plain server on the NIC"
kill "$plain"

# Restart on the same NIC: serving again within a second (the dead ring
# may hold the old listener for a moment: retry the bind).
t0=${EPOCHREALTIME/./}
for i in $(seq 100); do
	$TB server "$BUILD/sm-httpd" --fixed 1024 -e "$E" -p 8080 -l 198.18.0.2 --nic "$SRV_IF" 2>"$T_DIR/p2.err" &
	priv=$!
	t_wait_http "$URL" "sm-cli-$T_TB" && break
	kill "$priv" 2>/dev/null
done
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
T_PIDS="$T_PIDS $priv"
echo "restarted and serving after $ms ms"
[ "$ms" -lt 1000 ] || t_fail "took $ms ms to serve again"
out=$($TB client wrk -t1 -c10 -d1s "$URL")
echo "$out" | grep -Eq 'Non-2xx|Socket errors' && t_fail "restarted server: $out"

# Its clean close restores the originals, not what the crash left.
kill -TERM "$priv"
wait "$priv" 2>/dev/null
[ "$(t_napi_vals)" = "$orig" ] || t_fail "NAPI settings $(t_napi_vals), expected the originals $orig"
echo "NAPI settings: original '$orig', left by the crash '$left', restored '$(t_napi_vals)'"
exit 0
