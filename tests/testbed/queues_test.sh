# queues_test: on a two-queue testbed NIC, sm-httpd and sm-memcached -t 2 --cpus 0,1 --nic give worker i queue i's NAPI instance to busy-poll, and steering puts every connection on the worker that owns the queue it arrives on (no foreign NAPI), by default too (without --cpus, -N as memcached's); every worker serves; both NAPI instances get their settings back.
. tests/lib.sh
[ "$(nproc)" -ge 2 ] || t_skip "needs 2 CPUs (a queue and a worker per CPU)"
command -v memcaslap >/dev/null || t_skip "memcaslap is not installed"
TB_QUEUES=2 t_testbed
before=$(ip netns exec "$SRV_NS" "$BUILD/sm-nic" "$SRV_IF" | awk '$1 ~ /^[0-9]+$/ && NF >= 7 { print $1, $4, $5, $6 }' | sort)

# check NAME: two workers, distinct NAPI ids, busy polling, no foreign
# connection, each accepted some.
check() {
	local ids
	grep ": worker " "$T_DIR/$1.err" | sed 's/^/  /'
	t_expect "$1: workers" 2 "$(grep -c ': worker [01] cpu=[01] ' "$T_DIR/$1.err")"
	ids=$(grep -o 'napi_id=[0-9]*' "$T_DIR/$1.err" | sort -u | wc -l)
	t_expect "$1: a NAPI instance per worker" 2 "$ids"
	t_expect "$1: busy polling in both" 2 "$(grep -c ': worker .*busy_poll=1' "$T_DIR/$1.err")"
	t_expect "$1: connections on a foreign NAPI" 2 "$(grep -c ': worker .*napi_foreign=0$' "$T_DIR/$1.err")"
	t_expect "$1: workers that accepted none" 0 "$(grep -c ': worker [01] cpu=[01] accepted=0 ' "$T_DIR/$1.err")"
}

t_start h $TB server-all "$BUILD/sm-httpd" --fixed 1024 -p 8080 -l 198.18.0.2 -t 2 --cpus 0,1 --nic "$SRV_IF"
out=$($TB client wrk -t1 -c32 -d1s http://198.18.0.2:8080/) || t_fail "wrk: $out"
echo "sm-httpd: $(echo "$out" | grep Requests/sec)"
t_stop h "$T_PID"
check h

t_start m $TB server-all "$BUILD/sm-memcached" -p 11211 -l 198.18.0.2 -t 2 --cpus 0,1 --nic "$SRV_IF"
printf 'key\n16 16 1\nvalue\n32 32 1\ncmd\n0 0.5\n1 0.5\n' >"$T_DIR/small.cfg"
out=$($TB client timeout 30 memcaslap -s 198.18.0.2:11211 -t 1s -T 1 -c 32 -F "$T_DIR/small.cfg" 2>&1) ||
	t_fail "memcaslap: $out"
t_stop m "$T_PID"
check m

# Without --cpus: steering by default, each worker on its queue's NAPI
# CPU (the testbed pins queue i's NAPI thread to CPU i); -N as memcached.
t_start n $TB server-all "$BUILD/sm-memcached" -p 11211 -l 198.18.0.2 -t 2 -N 2 --nic "$SRV_IF"
out=$($TB client timeout 30 memcaslap -s 198.18.0.2:11211 -t 1s -T 1 -c 32 -F "$T_DIR/small.cfg" 2>&1) ||
	t_fail "memcaslap: $out"
t_stop n "$T_PID"
check n
t_expect "n: steered by default" 1 "$(grep -c "worker i on the CPU of queue i's NAPI" "$T_DIR/n.err")"

after=$(ip netns exec "$SRV_NS" "$BUILD/sm-nic" "$SRV_IF" | awk '$1 ~ /^[0-9]+$/ && NF >= 7 { print $1, $4, $5, $6 }' | sort)
t_expect "both NAPI instances restored" "$before" "$after"
t_expect_end
exit 0
