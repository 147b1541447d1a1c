# echo_stress_test: 1000 connections echo random-sized data split at random points through sm-echo; then a tiny pool and a slow reader; no byte lost, duplicated or reordered, no buffer leaked.
. tests/lib.sh
ulimit -n 8192 2>/dev/null || t_skip "cannot raise the open file limit"
CLIENT=$BUILD/tests/echo_stress
[ -x "$CLIENT" ] || t_fail "$CLIENT missing"

check_clean() {  # name: every buffer back, only the listener left
	local inuse idle
	inuse=$(t_stat "$1" bufs_in_use); idle=$(t_stat "$1" bufs_idle)
	[ -n "$inuse" ] || t_fail "$1: no stats: $(cat "$T_DIR/$1.err")"
	[ "$inuse" = "$idle" ] || t_fail "$1: $inuse buffers in use, $idle idle (leak)"
	[ "$(t_stat "$1" conns)" = 1 ] || t_fail "$1: connections left open"
	[ "$(t_stat "$1" bad_slots)" = 0 ] || t_fail "$1: bad slots"
}

# 1. Many connections at once (an accept storm), random data.
t_start big "$BUILD/sm-echo" -p 0 -l 127.0.0.1
"$CLIENT" -p "$T_PORT" -c 1000 -n 30000 -s 7 -t 120 || t_fail "1000-connection echo"
"$CLIENT" -p "$T_PORT" -c 1 -n 0 -t 20 || t_fail "empty connection"
t_stop big "$T_PID"
check_clean big
echo "big: accepted=$(t_stat big accepted) syscalls=$(t_stat big syscalls) syncs=$(t_stat big syncs)"

# 2. A deliberately tiny pool and rings: backpressure, nothing dropped.
t_start tiny "$BUILD/sm-echo" -p 0 -l 127.0.0.1 -b 32 -r 8
"$CLIENT" -p "$T_PORT" -c 50 -n 200000 -s 3 -t 120 || t_fail "tiny pool echo"
t_stop tiny "$T_PID"
check_clean tiny
pushback=$(( $(t_stat tiny pool_empty) + $(t_stat tiny ring_full) + $(t_stat tiny rx_stalls) ))
[ "$pushback" -gt 0 ] || t_fail "tiny pool and rings never ran out?"
echo "tiny: pool_empty=$(t_stat tiny pool_empty) ring_full=$(t_stat tiny ring_full) rx_stalls=$(t_stat tiny rx_stalls)"

# 3. Slow readers: the client reads nothing for a while.
t_start slow "$BUILD/sm-echo" -p 0 -l 127.0.0.1 -b 512
"$CLIENT" -p "$T_PORT" -c 4 -n 4000000 -r 500 -s 5 -t 120 || t_fail "slow reader echo"
t_stop slow "$T_PID"
check_clean slow
echo "slow: pool_empty=$(t_stat slow pool_empty) tx_partial=$(t_stat slow tx_partial)"
exit 0
