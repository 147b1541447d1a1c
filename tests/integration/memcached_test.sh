# memcached_test: sm-memcached with clients nobody here wrote (memccapable, memccp/memccat/memcrm/memcstat, memcaslap --verify), and the same checks against the real memcached so that a bad test shows.
. tests/lib.sh
for t in memccapable memcaslap memccp memccat memcrm memcstat memcached; do
	command -v $t >/dev/null || t_skip "$t is not installed (make deps)"
done
MC=$BUILD/sm-memcached

# The checks, against a server on port $1 ("name" for messages).
check_server() {
	local port=$1 name=$2 out f
	out=$(timeout 120 memccapable -h 127.0.0.1 -p "$port" -a 2>&1)
	echo "$out" | grep -q 'All tests passed' ||
		t_fail "$name: memccapable: $(echo "$out" | grep -v '\[pass\]')"
	# File round trips with the libmemcached tools.
	mkdir -p "$T_DIR/files.$name" && cd "$T_DIR/files.$name" || t_fail cd
	head -c 1000 /dev/urandom >small.bin
	head -c 500000 /dev/urandom >large.bin
	printf 'hello\n' >text.txt
	memccp --servers="127.0.0.1:$port" small.bin large.bin text.txt ||
		t_fail "$name: memccp"
	for f in small.bin large.bin text.txt; do
		memccat --servers="127.0.0.1:$port" "$f" >"got.$f" ||
			t_fail "$name: memccat $f"
		# memccat prints a newline after the value.
		{ cat "$f"; echo; } | cmp -s - "got.$f" || t_fail "$name: memccat $f differs"
	done
	memcrm --servers="127.0.0.1:$port" text.txt || t_fail "$name: memcrm"
	memccat --servers="127.0.0.1:$port" text.txt >/dev/null 2>&1 &&
		t_fail "$name: text.txt still there after memcrm"
	memcstat --servers="127.0.0.1:$port" | grep -q 'curr_items' ||
		t_fail "$name: memcstat"
	cd - >/dev/null || t_fail cd
	# The paper's mix: 10% set, 90% get, 1 KiB values, every get verified.
	printf 'key\n64 64 1\nvalue\n1024 1024 1\ncmd\n0 0.1\n1 0.9\n' >"$T_DIR/mix.cfg"
	out=$(timeout 60 memcaslap -s "127.0.0.1:$port" -t 3s -T 1 -c 32 \
		-v 1.0 -F "$T_DIR/mix.cfg" 2>&1) || t_fail "$name: memcaslap: $out"
	field() { echo "$out" | awk -v k="$1:" '$1 == k { print $2; exit }'; }
	[ "$(field verify_failed)" = 0 ] && [ "$(field verify_misses)" = 0 ] ||
		t_fail "$name: memcaslap verification: $out"
	[ "${out#*CLIENT_ERROR}" = "$out" ] || t_fail "$name: memcaslap saw errors"
	[ "$(field cmd_get)" -gt "$(field cmd_set)" ] ||
		t_fail "$name: memcaslap did not reach its get phase: $out"
	echo "$name: memcaslap $(echo "$out" | grep -o 'TPS: [0-9]*')"
}

# The reference first: a test that real memcached fails is a bad test.
# (memcached cannot report an ephemeral port: take one sm-echo got, on
# epoll, whose listener is gone when the process is: io_uring lets go of
# its sockets a little after exit.)
t_start free "$BUILD/sm-echo" -p 0 -l 127.0.0.1 -e epoll
ref_port=$T_PORT
t_stop free "$T_PID"
# 1 GB: the verified mix must not lose items to eviction.
memcached -u root -U 0 -m 1024 -l 127.0.0.1 -p "$ref_port" &
ref=$!
T_PIDS="$T_PIDS $ref"
for _ in $(seq 500); do memcstat --servers="127.0.0.1:$ref_port" >/dev/null 2>&1 && break; sleep 0.01; done
check_server "$ref_port" memcached
# The names of memcached's stats (extstore's ext_* aside: no extstore
# here), to find each of them in sm-memcached's.
stat_names() {  # PORT CMD
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf '$2\r\nquit\r\n' >&3; timeout 5 cat <&3" |
		tr -d '\r' | awk '$1 == "STAT" { print $2 }' | grep -v '^ext_' | sort
}
for c in stats settings sizes; do
	cmd=stats; [ $c = stats ] || cmd="stats $c"
	stat_names "$ref_port" "$cmd" >"$T_DIR/ref.$c"
done
kill "$ref"

t_start sm "$MC" -p 0 -l 127.0.0.1 -m 1024
for c in stats settings sizes; do
	cmd=stats; [ $c = stats ] || cmd="stats $c"
	stat_names "$T_PORT" "$cmd" >"$T_DIR/ours.$c"
	missing=$(comm -23 "$T_DIR/ref.$c" "$T_DIR/ours.$c" | tr '\n' ' ')
	t_expect "$cmd: memcached's names, all there" "" "$missing"
	echo "  $cmd: memcached $(wc -l <"$T_DIR/ref.$c") names, sm-memcached $(wc -l <"$T_DIR/ours.$c")"
	[ -s "$T_DIR/ref.$c" ] || t_expect "$cmd: memcached answered" names none
done
check_server "$T_PORT" sm-memcached
# stats carries the datapath counters.
exec 3<>"/dev/tcp/127.0.0.1/$T_PORT"
printf 'stats\r\nquit\r\n' >&3
stats=$(timeout 5 cat <&3)
exec 3<&-
echo "$stats" | grep -q '^STAT sm_syncs [0-9]' || t_fail "stats lacks the sm_ counters"
# SIGHUP and SIGUSR1 do not stop it (nor memcached 1.6).
kill -HUP "$T_PID"; kill -USR1 "$T_PID"
exec 3<>"/dev/tcp/127.0.0.1/$T_PORT"
printf 'version\r\nquit\r\n' >&3
out=$(timeout 5 cat <&3)
exec 3<&-
echo "$out" | grep -q '^VERSION ' || t_fail "after SIGHUP and SIGUSR1: '$out'"
t_stop sm "$T_PID"
[ "$(t_stat sm bad_slots)" = 0 ] || t_fail "bad slots"
[ "$(t_stat sm bufs_in_use)" = "$(t_stat sm bufs_idle)" ] || t_fail "buffers leaked"
t_expect_end
exit 0
