# lib.sh: helpers for the shell tests (sourced).  BUILD is the build dir.
# Servers are started on port 0 and publish their port through a file
# (written, then renamed, by the server): no guessed ports, no sleeps.

BUILD=${BUILD:-build}
T_DIR=$(mktemp -d)
T_PIDS=""
T_TB=""
trap 't_cleanup' EXIT

t_cleanup() {
	local p
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$T_TB" ] && bench/testbed.sh down "$T_TB" >/dev/null 2>&1
	rm -rf "$T_DIR"
}

# t_testbed: bring up a testbed with a random name (removed at exit);
# sets T_TB, TB (bench/testbed.sh exec $T_TB), SRV_IF, SRV_NS.  Skips
# when not root or a tool is missing.
t_testbed() {
	[ "$(id -u)" -eq 0 ] || t_skip "the testbed needs root (network namespaces)"
	for t in ip ethtool taskset wrk curl; do
		command -v $t >/dev/null || t_skip "$t is not installed"
	done
	T_TB=t$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
	SM_NIC=$BUILD/sm-nic bench/testbed.sh up "$T_TB" >/dev/null || t_fail "testbed up"
	TB="bench/testbed.sh exec $T_TB"
	SRV_IF=sms-$T_TB SRV_NS=sm-srv-$T_TB
	export SM_STATE_DIR=$T_DIR/state
}

# t_wait_http URL [NS]: wait (5 s at most) until URL answers 200.
t_wait_http() {
	local i
	for i in $(seq 500); do
		${2:+ip netns exec "$2"} curl -sf -o /dev/null "$1" && return 0
		sleep 0.01
	done
	return 1
}

# t_napi_vals: "defer gro-flush irq-suspend" of the testbed server NIC's
# first NAPI instance, as sm-nic prints them.
t_napi_vals() {
	ip netns exec "$SRV_NS" "$BUILD/sm-nic" "$SRV_IF" |
		awk '$1 ~ /^[0-9]+$/ && NF >= 7 { print $4, $5, $6; exit }'
}

# t_rx NS IF: packets received so far on interface IF.
t_rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# t_busy NS: TcpExtBusyPollRxPackets of namespace NS.
t_busy() {
	ip netns exec "$1" awk '/^TcpExt:/ { if (!n) { split($0, k); n = 1 }
		else { for (i = 2; i <= NF; i++) if (k[i] == "BusyPollRxPackets") print $i } }' /proc/net/netstat
}

# t_netstat NS KEY: the kernel counter KEY (TcpExt's TCPFastOpenPassive,
# MPTcpExt's MPCapableACKRX...) of namespace NS, from /proc/net/netstat.
t_netstat() {
	ip netns exec "$1" awk -v key="$2" '{ sec = $1; sub(/:$/, "", sec) }
		seen[sec] { for (i = 2; i <= NF; i++) if (k[sec, i] == key) print $i; next }
		{ seen[sec] = 1; for (i = 2; i <= NF; i++) k[sec, i] = $i }' /proc/net/netstat
}

t_skip() { echo "SKIP: $*"; exit 77; }
t_fail() { echo "FAIL: $*"; exit 1; }

# t_start NAME CMD...: start a server that takes --port-file FILE; sets
# T_PORT and T_PID.  Fails if the port file does not appear in 10 s.
t_start() {
	local name=$1 i
	shift
	rm -f "$T_DIR/$name.port"
	"$@" --port-file "$T_DIR/$name.port" 2>"$T_DIR/$name.err" &
	T_PID=$!
	T_PIDS="$T_PIDS $T_PID"
	for i in $(seq 1000); do
		[ -s "$T_DIR/$name.port" ] && break
		kill -0 "$T_PID" 2>/dev/null || break
		sleep 0.01
	done
	[ -s "$T_DIR/$name.port" ] ||
		t_fail "$name did not start: $(cat "$T_DIR/$name.err")"
	T_PORT=$(cat "$T_DIR/$name.port")
}

# t_stop NAME PID: SIGTERM, wait; the server's stderr stays in NAME.err.
t_stop() {
	kill -TERM "$2" 2>/dev/null
	wait "$2" 2>/dev/null
	return 0
}

# t_stat NAME KEY: a counter from the server's final "stats" line.
t_stat() {
	grep -o " $2=[0-9]*" "$T_DIR/$1.err" | tail -n1 | cut -d= -f2
}

# t_expect WHAT EXPECTED GOT: a wrong answer is reported and the test
# goes on (its output documents every case); t_expect_end fails it then.
# T_INDENT (default two spaces) indents the report.
T_FAILED=""
t_expect() {
	[ "$2" = "$3" ] && return 0
	echo "${T_INDENT-  }FAIL: $1: expected '$2', got '$3'"
	T_FAILED="$T_FAILED
  $1"
	return 1
}
t_expect_end() {
	[ -z "$T_FAILED" ] || t_fail "these cases went wrong:$T_FAILED"
}

# t_rss PID: the resident memory of PID, in kB.
t_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# t_no_leak NAME: server NAME, stopped, gave every buffer back (in use =
# idle) and refused no slot; reported with t_expect.
t_no_leak() {
	local inuse idle
	inuse=$(t_stat "$1" bufs_in_use) idle=$(t_stat "$1" bufs_idle)
	[ -n "$inuse" ] || t_fail "$1: no stats line: $(cat "$T_DIR/$1.err")"
	echo "${T_INDENT-  }$1: bufs_in_use=$inuse bufs_idle=$idle bad_slots=$(t_stat "$1" bad_slots) pool_empty=$(t_stat "$1" pool_empty) errors=$(t_stat "$1" errors)"
	t_expect "$1: buffers leaked" "$idle" "$inuse"
	t_expect "$1: bad slots" 0 "$(t_stat "$1" bad_slots)"
}
