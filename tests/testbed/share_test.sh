# share_test: two processes on one NIC, and two ports in one process: opened and closed in both orders, and either killed with SIGKILL, the survivor keeps the port's NAPI settings while it runs and the NIC's original settings come back after the last one; a crash alone is repaired by the next open.
. tests/lib.sh
t_testbed
orig=$(t_napi_vals)
ours="100 200000ns 20000000ns"
echo "original: $orig"
start() {  # NAME: an sm-echo with the NIC, in the server namespace
	t_start "$1" $TB server "$BUILD/sm-echo" -e "${SM_ENGINE:-uring}" -p 0 \
		-l 198.18.0.2 --nic "$SRV_IF"
	eval "PID_$1=$T_PID"
}
stop() {  # NAME [SIGNAL]
	local pid
	eval "pid=\$PID_$1"
	kill -"${2:-TERM}" "$pid"; wait "$pid" 2>/dev/null
}
saved() { ls "$SM_STATE_DIR"/napi-*.saved 2>/dev/null | wc -l; }

# 1. A, B; A goes first: B keeps the settings; B last restores.
start a; start b
t_expect "A and B open" "$ours" "$(t_napi_vals)"
stop a
t_expect "A closed, B runs" "$ours" "$(t_napi_vals)"
stop b
t_expect "both closed" "$orig" "$(t_napi_vals)"
t_expect "state files left" 0 "$(saved)"
grep -q 'napi_settings=1' "$T_DIR/b.err" || t_expect "B's stats" napi_settings=1 "$(grep nic "$T_DIR/b.err")"

# 2. The other order.
start a; start b
stop b
t_expect "B closed, A runs" "$ours" "$(t_napi_vals)"
stop a
t_expect "both closed again" "$orig" "$(t_napi_vals)"

# 3. A killed while B runs: B keeps them, and B's close restores.
start a; start b
stop a KILL
t_expect "A killed, B runs" "$ours" "$(t_napi_vals)"
stop b
t_expect "B closed after A's crash" "$orig" "$(t_napi_vals)"
t_expect "state files after B" 0 "$(saved)"

# 4. B killed while A runs, then A closes.
start a; start b
stop b KILL
t_expect "B killed, A runs" "$ours" "$(t_napi_vals)"
stop a
t_expect "A closed after B's crash" "$orig" "$(t_napi_vals)"

# 5. The last user killed: the crash's settings stay until the next open,
# which takes the saved originals (not the crash's) and restores them.
start a
stop a KILL
t_expect "after a lone crash (left as they were)" "$ours" "$(t_napi_vals)"
t_expect "the crash's saved originals" 1 "$(saved)"
start c
stop c
t_expect "repaired by the next open and close" "$orig" "$(t_napi_vals)"
t_expect "state files after the repair" 0 "$(saved)"
# 6. Two ports in one process (sm-httpd -t 2 on a one-queue NIC: both
# workers poll queue 0) beside a process: each side's close keeps the
# other's settings, a SIGKILL of the two-port process too.
t_start h $TB server-all "$BUILD/sm-httpd" --fixed 64 -p 0 -l 198.18.0.2 -t 2 --nic "$SRV_IF"
PID_h=$T_PID
start a
stop h
t_expect "two-port process closed, A runs" "$ours" "$(t_napi_vals)"
stop a
t_expect "A closed after the two-port process" "$orig" "$(t_napi_vals)"
start a
t_start h $TB server-all "$BUILD/sm-httpd" --fixed 64 -p 0 -l 198.18.0.2 -t 2 --nic "$SRV_IF"
PID_h=$T_PID
stop a
t_expect "A closed, the two-port process runs" "$ours" "$(t_napi_vals)"
stop h KILL
t_expect "the two-port process killed, alone" "$ours" "$(t_napi_vals)"
start c
stop c
t_expect "repaired after the two-port process's crash" "$orig" "$(t_napi_vals)"
t_expect "state files at the end" 0 "$(saved)"
t_expect_end
echo "every order and crash ended with $orig"
exit 0
