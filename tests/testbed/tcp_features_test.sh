# tcp_features_test: the kernel's TCP features through libstackmap's listeners (sm_listen), on both servers: Fast Open with curl, MPTCP that is not a fallback, deferred accept, congestion control by name, and a clear error for a bad one.
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || t_skip "needs root (a network namespace of its own)"
for t in ip curl ss; do
	command -v $t >/dev/null || t_skip "$t is not installed"
done
E=${SM_ENGINE:-uring}
# Its own namespace: the sysctls below are per namespace, the host's stay.
NS=smtcp-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
ip netns add "$NS" || t_fail "ip netns add"
trap 'ip netns del "$NS" 2>/dev/null; t_cleanup' EXIT
N="ip netns exec $NS"
$N ip link set lo up
REQ='GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'

# Fast Open: the first connection gets a cookie, the second carries its
# request in the SYN, which the server takes (TCPFastOpenPassive).
$N sysctl -qw net.ipv4.tcp_fastopen=3
t_start httpd $N "$BUILD/sm-httpd" -e "$E" --fixed 64 -p 0 -l 127.0.0.1 --fastopen 16
url=http://127.0.0.1:$T_PORT/
before=$(t_netstat "$NS" TCPFastOpenPassive)
for i in 1 2 3; do
	code=$($N curl -s --tcp-fastopen -o /dev/null -w '%{http_code}' "$url")
	[ "$code" = 200 ] || t_fail "curl --tcp-fastopen $i: $code"
done
after=$(t_netstat "$NS" TCPFastOpenPassive)
echo "fastopen: TcpExtTCPFastOpenPassive $before -> $after"
[ "$after" -gt "$before" ] || t_fail "no connection was Fast Open"
t_stop httpd "$T_PID"
# Without the server bit it says so (and serves as plain TCP).
$N sysctl -qw net.ipv4.tcp_fastopen=1
t_start httpd $N "$BUILD/sm-httpd" -e "$E" --fixed 64 -p 0 -l 127.0.0.1 --fastopen 16
grep -q 'without the server bit' "$T_DIR/httpd.err" || t_fail "no warning: $(cat "$T_DIR/httpd.err")"
t_stop httpd "$T_PID"

# MPTCP: an MPTCP client's connection is MPTCP end to end, large
# responses included, (MPTCP_INFO
# without the fallback flag, the kernel's MP_CAPABLE counters rising);
# a plain TCP client still gets its answer.  sm-httpd with two workers
# (a SO_REUSEPORT group of MPTCP listeners), then sm-memcached.
if $N sysctl -qw net.mptcp.enabled=1 2>/dev/null; then
	t_start httpd $N "$BUILD/sm-httpd" -e "$E" --fixed 64 -p 0 -l 127.0.0.1 --mptcp -t 2
	before=$(t_netstat "$NS" MPCapableACKRX)
	out=$($N "$BUILD/tests/mptcp_req" 127.0.0.1 "$T_PORT" "$REQ" 2>&1)
	echo "$out" | grep -q '^HTTP/1.1 200' || t_fail "MPTCP GET: $out"
	echo "$out" | grep -q '^mptcp=yes' || t_fail "sm-httpd: not MPTCP: $(echo "$out" | tail -n1)"
	code=$($N curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/")
	[ "$code" = 200 ] || t_fail "plain TCP client of an MPTCP listener: $code"
	t_stop httpd "$T_PID"
	# A socket without zero copy: sends of 64 KiB and more would be
	# SEND_ZC on io_uring, which MPTCP refuses; they go copied instead.
	t_start big $N "$BUILD/sm-httpd" -e "$E" --fixed 1000000 -s 131072 -b 256 -p 0 -l 127.0.0.1 --mptcp
	$N "$BUILD/tests/mptcp_req" 127.0.0.1 "$T_PORT" "$REQ" 2>"$T_DIR/big.cli" >"$T_DIR/big.out" ||
		t_fail "MPTCP download: $(cat "$T_DIR/big.cli")"
	body=$(sed '1,/^\r$/d' "$T_DIR/big.out" | tr -d x | wc -c)
	got=$(sed '1,/^\r$/d' "$T_DIR/big.out" | wc -c)
	t_stop big "$T_PID"
	echo "mptcp: 1 MB download with 128 KiB buffers: $got bytes, $(cat "$T_DIR/big.cli"), tx_zc=$(t_stat big tx_zc) errors=$(t_stat big errors)"
	[ "$got" = 1000000 ] && [ "$body" = 0 ] || t_fail "MPTCP download: $got bytes, $body wrong"
	grep -q '^mptcp=yes' "$T_DIR/big.cli" || t_fail "MPTCP download was not MPTCP"
	t_start mc $N "$BUILD/sm-memcached" --engine "$E" -p 0 -l 127.0.0.1 --mptcp -t 1
	out=$($N "$BUILD/tests/mptcp_req" 127.0.0.1 "$T_PORT" 'version\r\nquit\r\n' 2>&1)
	echo "$out" | grep -q '^VERSION ' || t_fail "MPTCP version: $out"
	echo "$out" | grep -q '^mptcp=yes' || t_fail "sm-memcached: not MPTCP: $(echo "$out" | tail -n1)"
	t_stop mc "$T_PID"
	after=$(t_netstat "$NS" MPCapableACKRX)
	echo "mptcp: MPTcpExtMPCapableACKRX $before -> $after"
	[ "$after" -ge $((before + 3)) ] || t_fail "MP_CAPABLE handshakes: $before -> $after"
else
	echo "mptcp: skipped, this kernel has no MPTCP"
fi

# Deferred accept: a client that connects and sends nothing stays in the
# kernel (SYN-RECV) and is never accepted; one that sends is served.
t_start httpd $N "$BUILD/sm-httpd" -e "$E" --fixed 64 -p 0 -l 127.0.0.1 --defer-accept 30
$N bash -c "exec 3<>/dev/tcp/127.0.0.1/$T_PORT; sleep 3" &
silent=$!
for i in $(seq 200); do
	n=$($N ss -Htn state syn-recv "sport = :$T_PORT" | wc -l)
	[ "$n" -ge 1 ] && break
	sleep 0.01
done
[ "$n" -ge 1 ] || t_fail "the silent connection is not held in SYN-RECV"
code=$($N curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/")
[ "$code" = 200 ] || t_fail "GET with --defer-accept: $code"
t_stop httpd "$T_PID"
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
acc=$(t_stat httpd accepted)
echo "defer-accept: silent connection in SYN-RECV, accepted=$acc"
[ "$acc" = 1 ] || t_fail "accepted $acc connections, expected only curl's"

# Congestion control by name: the server's side of a connection runs it.
avail=$($N sysctl -n net.ipv4.tcp_available_congestion_control)
dflt=$($N sysctl -n net.ipv4.tcp_congestion_control)
cc=reno
[ "$dflt" = reno ] && cc=$(echo "$avail" | tr ' ' '\n' | grep -vx reno | head -n1)
if [ -n "$cc" ]; then
	t_start mc $N "$BUILD/sm-memcached" --engine "$E" -p 0 -l 127.0.0.1 --congestion "$cc" -t 1
	$N bash -c "exec 3<>/dev/tcp/127.0.0.1/$T_PORT; printf 'version\r\n' >&3; sleep 3" &
	held=$!
	for i in $(seq 200); do
		info=$($N ss -Htin state established "sport = :$T_PORT")
		[ -n "$info" ] && break
		sleep 0.01
	done
	kill "$held" 2>/dev/null; wait "$held" 2>/dev/null
	t_stop mc "$T_PID"
	echo "congestion: default $dflt, asked $cc: $(echo "$info" | grep -o "\b$cc\b" | head -n1)"
	echo "$info" | grep -qw "$cc" || t_fail "ss -ti shows no $cc: $info"
fi
out=$($N "$BUILD/sm-httpd" -e "$E" --fixed 64 -p 0 -l 127.0.0.1 --congestion no-such-cc 2>&1)
rc=$?
echo "bad congestion: rc=$rc: $out"
[ "$rc" = 71 ] || t_fail "--congestion no-such-cc: exit $rc"
echo "$out" | grep -q -- '--congestion no-such-cc: No such file or directory' || t_fail "unclear error: $out"
exit 0
