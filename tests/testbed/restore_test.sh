# restore_test: a port with a NIC applies its per-NAPI settings while open and restores the NIC's own at close; a non-root or unknown NIC gets a clear error.
. tests/lib.sh
t_testbed
orig=$(t_napi_vals)
$TB server "$BUILD/sm-echo" -e "${SM_ENGINE:-uring}" -p 7000 -l 198.18.0.2 --nic "$SRV_IF" -P "$T_DIR/port" 2>"$T_DIR/err" &
pid=$!
T_PIDS="$T_PIDS $pid"
for i in $(seq 500); do [ -s "$T_DIR/port" ] && break; sleep 0.01; done
[ -s "$T_DIR/port" ] || t_fail "sm-echo did not start: $(cat "$T_DIR/err")"
[ "$(t_napi_vals)" = "100 200000ns 20000000ns" ] || t_fail "settings while open: $(t_napi_vals)"
ls "$SM_STATE_DIR"/napi-*.saved >/dev/null 2>&1 || t_fail "originals not saved"
kill -TERM "$pid"; wait "$pid" 2>/dev/null
[ "$(t_napi_vals)" = "$orig" ] || t_fail "not restored: $(t_napi_vals), was $orig"
ls "$SM_STATE_DIR"/napi-*.saved >/dev/null 2>&1 && t_fail "saved state not removed"
grep -q 'nic ifindex=.* busy_poll=1 .*napi_settings=1' "$T_DIR/err" || t_fail "stats: $(cat "$T_DIR/err")"
# An unknown interface is a clear error, not a crash.
out=$(ip netns exec "$SRV_NS" "$BUILD/sm-echo" -p 0 --nic nosuch0 2>&1) && t_fail "started on nosuch0"
echo "$out" | grep -q 'No such device' || t_fail "unclear error: $out"
# Without CAP_NET_ADMIN: it runs, busy-polls, and says what it could not do.
# (Only where user nobody can reach the build, e.g. not under /root.)
if command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BUILD/sm-echo"; then
	out=$(ip netns exec "$SRV_NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all timeout -s TERM 1 "$BUILD/sm-echo" -e "${SM_ENGINE:-uring}" \
		-p 7001 -l 198.18.0.2 --nic "$SRV_IF" 2>&1)
	echo "$out" | grep -q 'NAPI settings not applied: Operation not permitted' ||
		t_fail "unprivileged: $out"
	[ "$(t_napi_vals)" = "$orig" ] || t_fail "unprivileged run changed the settings"
	echo "unprivileged: $(echo "$out" | grep 'not applied')"
fi
echo "settings $orig -> 100 200000ns 20000000ns -> $(t_napi_vals)"
exit 0
