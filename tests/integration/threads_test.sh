# threads_test: sm-httpd and sm-memcached with -t N: every worker serves (wrk, memcaslap), --cpus pins the workers, concurrent incr/cas/add/append on shared keys stay exact against sm-memcached -t 4 (and the real memcached -t 4, so that a bad check shows), memcaslap --verify against -t 2, a clean stop.
. tests/lib.sh
for t in wrk memcaslap memcached; do
	command -v $t >/dev/null || t_skip "$t is not installed"
done
NCPU=$(nproc)

# every_worker NAME N: the server's N workers each accepted connections.
every_worker() {
	local n i a
	n=$(grep -c ": worker [0-9]* " "$T_DIR/$1.err")
	t_expect "$1: worker lines" "$2" "$n"
	for i in $(seq 0 $(($2 - 1))); do
		a=$(grep -o ": worker $i cpu=[-0-9]* accepted=[0-9]*" "$T_DIR/$1.err" | sed 's/.*accepted=//')
		[ "${a:-0}" -gt 0 ] || t_expect "$1: worker $i accepted connections" yes no
	done
	grep ": worker " "$T_DIR/$1.err" | sed 's/^/  /'
}

# ---- sm-httpd ----
for n in 2 4; do
	t_start h$n "$BUILD/sm-httpd" --fixed 128 -p 0 -l 127.0.0.1 -t $n
	out=$(wrk -t2 -c64 -d1s "http://127.0.0.1:$T_PORT/") || t_fail "wrk: $out"
	echo "$out" | grep -Eq 'Non-2xx|Socket errors' && t_expect "h$n: wrk errors" none "$out"
	echo "sm-httpd -t $n: $(echo "$out" | grep Requests/sec)"
	t_stop h$n "$T_PID"; rc=$?
	every_worker h$n $n
	t_no_leak h$n
done
# Pinned: worker i on the i-th CPU given, in its thread's affinity.
cpus="0-$((NCPU - 1))"
t_start hp "$BUILD/sm-httpd" --fixed 128 -p 0 -l 127.0.0.1 -t "$NCPU" --cpus "$cpus"
for tid in /proc/"$T_PID"/task/*; do
	name=$(cat "$tid/comm")
	case $name in sm-httpd-*)
		want=${name#sm-httpd-}
		got=$(taskset -pc "${tid##*/}" | sed 's/.*: //')
		t_expect "$name runs on CPU $want" "$want" "$got" ;;
	esac
done
out=$(wrk -t2 -c16 -d1s "http://127.0.0.1:$T_PORT/") || t_fail "wrk: $out"
t_stop hp "$T_PID"
grep -q "worker $((NCPU - 1)) cpu=$((NCPU - 1))" "$T_DIR/hp.err" ||
	t_expect "hp: pinned workers" "cpu=$((NCPU - 1))" "$(grep worker "$T_DIR/hp.err")"
# One pinned worker: one plain listener, nothing to steer among.
t_start h1 "$BUILD/sm-httpd" --fixed 128 -p 0 -l 127.0.0.1 -t 1 --cpus "$((NCPU - 1))"
t_expect "-t 1 --cpus: a GET" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/")"
t_stop h1 "$T_PID"

# ---- sm-memcached ----
t_start m4 "$BUILD/sm-memcached" -p 0 -l 127.0.0.1 -t 4
"$BUILD/tests/mc_race" "$T_PORT" || t_expect "sm-memcached -t 4: exact under races" pass fail
# 64 more connections, so that every worker gets some (the kernel's hash
# leaves one of 4 workers without any of 64 with odds of 4 in 10^8).
printf 'key\n16 16 1\nvalue\n32 32 1\ncmd\n0 0.5\n1 0.5\n' >"$T_DIR/small.cfg"
timeout 30 memcaslap -s "127.0.0.1:$T_PORT" -t 1s -T 2 -c 64 -F "$T_DIR/small.cfg" >/dev/null 2>&1 ||
	t_expect "memcaslap -c 64 against -t 4" pass fail
t_stop m4 "$T_PID"
every_worker m4 4
t_no_leak m4
# The same checks against the real memcached (-p -1: an ephemeral port,
# published in MEMCACHED_PORT_FILENAME as "TCP INET: PORT").
MEMCACHED_PORT_FILENAME=$T_DIR/ref.port memcached -p -1 -l 127.0.0.1 -t 4 -U 0 -u root & mpid=$!
T_PIDS="$T_PIDS $mpid"
for i in $(seq 500); do
	[ -s "$T_DIR/ref.port" ] && break
	sleep 0.01
done
p=$(awk '/^TCP INET:/ { print $3; exit }' "$T_DIR/ref.port")
echo -n "memcached -t 4: "; "$BUILD/tests/mc_race" "${p:-0}" || t_expect "memcached -t 4: the race checks" pass fail
kill "$mpid"; wait "$mpid" 2>/dev/null

t_start m2 "$BUILD/sm-memcached" -p 0 -l 127.0.0.1 -t 2
printf 'key\n64 64 1\nvalue\n1024 1024 1\ncmd\n0 0.1\n1 0.9\n' >"$T_DIR/mix.cfg"
out=$(timeout 60 memcaslap -s "127.0.0.1:$T_PORT" -t 2s -T 2 -c 32 -v 1.0 -F "$T_DIR/mix.cfg" 2>&1) ||
	t_fail "memcaslap: $out"
field() { echo "$out" | awk -v k="$1:" '$1 == k { print $2; exit }'; }
t_expect "memcaslap verify_failed" 0 "$(field verify_failed)"
t_expect "memcaslap verify_misses" 0 "$(field verify_misses)"
echo "sm-memcached -t 2: memcaslap $(echo "$out" | grep -o 'TPS: [0-9]*')"
t_stop m2 "$T_PID"
every_worker m2 2
t_no_leak m2
t_expect_end
exit 0
