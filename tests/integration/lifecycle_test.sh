# lifecycle_test: sm-httpd as a service, as nginx: SIGTERM lets a 60 MB download finish and refuses new connections, --shutdown-timeout bounds that, a second signal stops at once, SIGHUP/SIGUSR1 never stop it, -d returns once it serves (or with its error), --pid-file holds the daemon's PID, -u drops to a user after binding port 80.
. tests/lib.sh
command -v curl >/dev/null || t_skip "curl is not installed"
W=$T_DIR/www
mkdir -p "$W"
head -c 60000000 /dev/urandom >"$W/big.bin"
echo hi >"$W/a.txt"
chmod -R a+rX "$T_DIR"

# wait_gone PID SECONDS: true once PID has exited (reaped by wait).
wait_gone() {
	local i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}
# started_download URL FILE RATE: curl in the background (CURL_PID),
# returned once its first bytes arrived.
started_download() {
	local i
	curl -s --limit-rate "$3" -o "$2" "$1" &
	CURL_PID=$!
	for i in $(seq 200); do [ -s "$2" ] && return 0; sleep 0.05; done
	t_fail "the download did not start"
}

# 1. A graceful stop: the download in flight completes, new
# connections are refused, exit 0.
t_start h1 "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1
started_download "http://127.0.0.1:$T_PORT/big.bin" "$T_DIR/dl1" 20M
kill -TERM "$T_PID"
sleep 0.2
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/a.txt")
t_expect "a new connection during the graceful stop" 000 "$code"
wait "$CURL_PID"; rc=$?
t_expect "the download in flight: curl's exit" 0 "$rc"
cmp -s "$T_DIR/dl1" "$W/big.bin" || t_expect "the download in flight: every byte" 60000000 "$(wc -c <"$T_DIR/dl1")"
wait "$T_PID"; rc=$?
t_expect "exit after a graceful stop" 0 "$rc"
echo "  SIGTERM during a 60 MB download: $(wc -c <"$T_DIR/dl1") bytes, exit $rc"

# 2. --shutdown-timeout bounds it: a client at 100 KB/s is cut.
t_start h2 "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 --shutdown-timeout 1
started_download "http://127.0.0.1:$T_PORT/big.bin" "$T_DIR/dl2" 100K
kill -TERM "$T_PID"
wait_gone "$T_PID" 15 || t_fail "--shutdown-timeout 1: still running after 15 s"
wait "$T_PID"; rc=$?
t_expect "exit after the shutdown timeout" 0 "$rc"
# What the kernel still buffers for curl would take it many seconds.
kill "$CURL_PID" 2>/dev/null; wait "$CURL_PID"
echo "  --shutdown-timeout 1 with a slow client: cut at $(wc -c <"$T_DIR/dl2") bytes, exit $rc"

# 3. A second signal stops it at once; 4. SIGHUP and SIGUSR1 do not.
t_start h3 "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1
kill -HUP "$T_PID"; kill -USR1 "$T_PID"
t_expect "serves after SIGHUP and SIGUSR1" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/a.txt")"
started_download "http://127.0.0.1:$T_PORT/big.bin" "$T_DIR/dl3" 100K
kill -TERM "$T_PID"; sleep 0.3; kill -INT "$T_PID"
wait_gone "$T_PID" 10 || t_fail "a second signal did not stop it"
wait "$T_PID"; kill "$CURL_PID" 2>/dev/null; wait "$CURL_PID"

# 5. -d: the command returns once the daemon serves; --pid-file.
rm -f "$T_DIR/pf" "$T_DIR/pid"
"$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 -d --pid-file "$T_DIR/pid" -P "$T_DIR/pf" 2>"$T_DIR/d.err"
rc=$?
t_expect "-d: the command's exit" 0 "$rc"
pid=$(cat "$T_DIR/pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || t_fail "-d --pid-file: no live PID: '$pid' $(cat "$T_DIR/d.err")"
T_PIDS="$T_PIDS $pid"
case $(cat "/proc/$pid/comm") in sm-httpd*) ;; *) t_expect "the PID file's process" "sm-httpd*" "$(cat "/proc/$pid/comm")" ;; esac
t_expect "the daemon serves" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$T_DIR/pf")/a.txt")"
t_expect "the daemon left the terminal's session" "$pid" "$(ps -o sid= -p "$pid" | tr -d ' ')"
kill -TERM "$(cat "$T_DIR/pid")"
wait_gone "$pid" 10 || t_fail "the daemon did not stop"
[ -e "$T_DIR/pid" ] && t_expect "the PID file removed at exit" gone there
# -d that cannot start: its error on the terminal, its status.
out=$("$BUILD/sm-httpd" -r "$W" -p 0 -l 198.51.100.1 -d 2>&1)
rc=$?
t_expect "-d on an address not here: exit" 71 "$rc"
echo "$out" | grep -q 'Cannot assign requested address' || t_expect "-d: the error shown" "Cannot assign..." "$out"

# 6. -u: port 80 bound as root, then served as nobody (a namespace of
# its own for port 80).
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && getent passwd nobody >/dev/null; then
	NS=smlife-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
	ip netns add "$NS" && trap 'ip netns del "$NS" 2>/dev/null; t_cleanup' EXIT
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" "$BUILD/sm-httpd" -r "$W" -p 80 -l 127.0.0.1 -d -u nobody --pid-file "$T_DIR/pid80" 2>"$T_DIR/u.err"
	t_expect "-u nobody -d: the command's exit" 0 "$?"
	pid=$(cat "$T_DIR/pid80")
	T_PIDS="$T_PIDS $pid"
	t_expect "-u nobody: the server's uid" 65534 "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
	t_expect "-u nobody: serves port 80" 200 "$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/a.txt)"
	kill -TERM "$pid"
	wait_gone "$pid" 10 || t_fail "the -u daemon did not stop"
	out=$("$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 -u no-such-user-x 2>&1)
	t_expect "-u of no such user: exit" 67 "$?"
else
	echo "  -u: skipped (needs root, ip and a user nobody)"
fi
t_expect_end
exit 0
