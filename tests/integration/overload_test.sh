# overload_test: with more connections than -c allows, the extra ones are closed at once and counted (accept_dropped), the admitted ones keep working, and a freed place is taken again.
. tests/lib.sh
trap "" PIPE  # writes to refused connections fail, they must not kill us

# check NAME LIMIT COUNTER REQUEST EXPECT CMD...: open LIMIT+3
# connections at once; the server's final COUNTER counts the refused.  EXPECT is the whole answer, or its first line for HTTP (whose
# answer is then read whole: its length is learnt from a first request).
check() {
	local name=$1 limit=$2 counter=$3 req=$4 want=$5 i fd ok=0 closed=0 out len
	local -a fds admitted
	shift 5
	# The answer's length, from a server of its own (no place taken).
	t_start "$name" "$@"
	exec {fd}<>"/dev/tcp/127.0.0.1/$T_PORT"
	printf '%b' "$req" >&"$fd"
	len=$(timeout 1 cat <&"$fd" | wc -c)
	exec {fd}<&-
	t_stop "$name" "$T_PID"
	t_start "$name" "$@" -c "$limit"
	for i in $(seq $((limit + 3))); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$T_PORT" || t_fail "connect $i"
		fds+=("$fd")
	done
	for fd in "${fds[@]}"; do
		printf '%b' "$req" >&"$fd" 2>/dev/null
		out=$(timeout 2 head -c "$len" <&"$fd" 2>/dev/null)
		# (With threads, which ones are admitted is a race: any LIMIT.)
		if [ "${out:0:${#want}}" = "$want" ]; then
			ok=$((ok + 1)); admitted+=("$fd")
		else
			closed=$((closed + 1))
		fi
	done
	echo "$name -c $limit: $ok served, $closed refused"
	[ "$ok" = "$limit" ] && [ "$closed" = 3 ] || t_fail "$name: expected $limit served and 3 refused"
	# The admitted connections still work; close one, a newcomer is served.
	printf '%b' "$req" >&"${admitted[0]}"
	out=$(timeout 2 head -c "$len" <&"${admitted[0]}")
	[ "${out:0:${#want}}" = "$want" ] || t_fail "$name: admitted connection broken"
	exec {admitted[1]}<&-
	sleep 0.2
	exec {fd}<>"/dev/tcp/127.0.0.1/$T_PORT"
	printf '%b' "$req" >&"$fd"
	out=$(timeout 2 head -c "$len" <&"$fd")
	[ "${out:0:${#want}}" = "$want" ] || t_fail "$name: freed place not reused"
	for fd in "${fds[@]}"; do exec {fd}<&- 2>/dev/null; done
	t_stop "$name" "$T_PID"
	[ "$(t_stat "$name" "$counter")" -ge 3 ] || t_fail "$name: refusals not counted ($counter)"
	[ "$(t_stat "$name" bufs_in_use)" = "$(t_stat "$name" bufs_idle)" ] || t_fail "$name: buffers leaked"
}

# sm-memcached, as memcached: -c counts over all threads, and one more
# connection is told "ERROR Too many open connections" and closed.
for t in 1 4; do
	check memcached 5 rejected_connections 'version\r\n' 'VERSION' \
		"$BUILD/sm-memcached" -p 0 -l 127.0.0.1 -t $t
done
t_start mcmsg "$BUILD/sm-memcached" -p 0 -l 127.0.0.1 -c 1 -t 2
exec {a}<>"/dev/tcp/127.0.0.1/$T_PORT"
printf 'version\r\n' >&"$a"; read -r -t 2 line <&"$a"
exec {b}<>"/dev/tcp/127.0.0.1/$T_PORT"
out=$(timeout 2 cat <&"$b" | tr -d '\r')
[ "$out" = "ERROR Too many open connections" ] || t_fail "over -c: got '$out'"
exec {a}<&- {b}<&-
t_stop mcmsg "$T_PID"
echo "over -c: '$out'"
check httpd 5 accept_dropped 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' 'HTTP/1.1 200 OK' "$BUILD/sm-httpd" --fixed 10 -p 0 -l 127.0.0.1
exit 0
