# strace_test: under strace, the io_uring engine's data path is io_uring_enter only, one per sync with work, as many as its own counter says
# (plus at most the one of teardown).
. tests/lib.sh
[ "${SM_ENGINE:-}" = uring ] || t_skip "the one-syscall data path is the io_uring engine's"
command -v strace >/dev/null || t_skip "strace is not installed"
# LeakSanitizer cannot run under ptrace.
export ASAN_OPTIONS=detect_leaks=0

t_start echo strace -f -qq -c -o "$T_DIR/strace.txt" "$BUILD/sm-echo" -p 0 -l 127.0.0.1
"$BUILD/tests/echo_stress" -p "$T_PORT" -c 100 -n 20000 -s 9 -t 120 || t_fail "echo under strace"
# Stop the traced server itself; strace then writes its summary.
child=$(pgrep -P "$T_PID" -x sm-echo)
[ -n "$child" ] || t_fail "no sm-echo under strace"
kill -TERM "$child"
wait "$T_PID"

calls() { awk -v s="$1" '$NF == s { print $4 }' "$T_DIR/strace.txt"; }
enters=$(calls io_uring_enter)
syncs=$(t_stat echo syncs)
counted=$(t_stat echo syscalls)
echo "io_uring_enter=$enters counted=$counted syncs=$syncs work_syncs=$(t_stat echo work_syncs)"
[ -n "$enters" ] && [ -n "$counted" ] || t_fail "no counts: $(cat "$T_DIR/strace.txt" "$T_DIR/echo.err")"
# sm_close() may make one more, uncounted (the stats are printed before
# it): it runs task work the kernel still flags, to close the fds of
# accepts nobody harvested.  Only that one is allowed.
[ "$enters" = $((counted + 1)) ] && enters=$counted  # sm_close's
[ "$enters" = "$counted" ] ||
	t_fail "strace saw $enters io_uring_enter, the library counted $counted (and sm_close may make 1)"
[ "$enters" -le "$syncs" ] || t_fail "more io_uring_enter ($enters) than syncs ($syncs)"
for s in recvfrom recvmsg sendto sendmsg writev epoll_wait epoll_pwait accept accept4 poll ppoll select; do
	n=$(calls $s)
	[ -z "$n" ] || t_fail "data path made $n $s calls"
done
exit 0
