# mc_flags_test: sm-memcached takes every flag of memcached -h either with memcached's meaning or refused by name, never ignored; -d returns once serving and -P holds the daemon's PID (so kill $(cat pidfile) stops it); -b is the listen backlog; -u drops to a user; Debian's /etc/memcached.conf starts it unchanged.
. tests/lib.sh
MC=$BUILD/sm-memcached
# The flags served with memcached's meaning; every other one of memcached
# -h must be refused with a message that names it.
served="p U l d r u A m c k v h i V P t b B I X W o N"
if command -v memcached >/dev/null; then
	flags=$(memcached -h | grep -oE '^-[A-Za-z]' | sort -u | tr -d -- - | tr '\n' ' ')
else
	flags="p U s a A l d r u m M c k v h i V P f n L D t R C b B I S F X W Y e Z o N"
fi
n=0
for f in $flags; do
	case " $served " in *" $f "*) continue ;; esac
	out=$(timeout 10 "$MC" -"$f" x -p 0 -l 127.0.0.1 2>&1 >/dev/null)
	rc=$?
	t_expect "-$f: exit" 64 "$rc"
	echo "$out" | grep -q -- "-$f" || t_expect "-$f: refused by name" "-$f ..." "$out"
	n=$((n + 1))
done
echo "  $n flags of memcached -h refused by name: $(echo "$flags" | wc -w) in all"
for bad in "-B binary" "-U 11211" "-o hashpower=10" "-l 127.0.0.1,::1"; do
	# shellcheck disable=SC2086
	out=$(timeout 10 "$MC" $bad -p 0 2>&1 >/dev/null)
	t_expect "$bad: exit" 64 "$?"
	echo "  $bad: $out"
done
# Those served start a server (a host name for -l too).
t_start ok "$MC" -p 0 -l localhost -b 64 -B ascii -X -W -o maxconns_fast -r -t 1 -vv
t_expect "-b 64: the listen backlog" 64 "$(ss -Hltn "sport = :$T_PORT" | awk '{ print $3 }' | head -n1)"
t_stop ok "$T_PID"

# "shutdown": refused without -A; with it, a bad mode is a client error
# and "shutdown" stops the server; side by side with memcached -A.
ask() {  # PORT LINES: the answer, CRs dropped, lines joined by |
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf '$2' >&3; timeout 5 cat <&3" 2>/dev/null | tr -d '\r' | paste -sd'|'
}
t_start noa "$MC" -p 0 -l 127.0.0.1 -t 1
t_expect "shutdown without -A" "ERROR: shutdown not enabled" "$(ask "$T_PORT" 'shutdown\r\nquit\r\n')"
t_stop noa "$T_PID"
t_start a "$MC" -A -p 0 -l 127.0.0.1 -t 1
mine=$(ask "$T_PORT" 'shutdown foo\r\nshutdown\r\n')
t_expect "shutdown with -A" "CLIENT_ERROR invalid shutdown mode" "$mine"
for i in $(seq 100); do kill -0 "$T_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$T_PID" 2>/dev/null && t_fail "-A: shutdown did not stop the server"
wait "$T_PID"; t_expect "-A: exit after shutdown" 0 "$?"

# -d and -P: the command returns once serving; the PID file is the
# daemon's, and kill $(cat pidfile) stops it.
rm -f "$T_DIR/pid" "$T_DIR/pf"
"$MC" -d -P "$T_DIR/pid" -p 0 -l 127.0.0.1 --port-file "$T_DIR/pf" -t 1 2>"$T_DIR/d.err"
t_expect "-d: the command's exit" 0 "$?"
pid=$(cat "$T_DIR/pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || t_fail "-d -P: no live PID '$pid': $(cat "$T_DIR/d.err")"
T_PIDS="$T_PIDS $pid"
case $(cat "/proc/$pid/comm") in sm-memcach*) ;; *) t_expect "the PID file's process" sm-memcached "$(cat "/proc/$pid/comm")" ;; esac
exec 3<>"/dev/tcp/127.0.0.1/$(cat "$T_DIR/pf")"
printf 'version\r\nquit\r\n' >&3
t_expect "the daemon answers" "VERSION" "$(timeout 5 cat <&3 | cut -d' ' -f1 | tr -d '\r')"
exec 3<&-
kill "$(cat "$T_DIR/pid")"
for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && t_fail "kill \$(cat pidfile) did not stop it"
[ -e "$T_DIR/pid" ] && t_expect "the PID file removed at exit" gone there

# -u, and Debian's /etc/memcached.conf as its wrapper script reads it
# (lines starting with -, comments and directives dropped), in a
# network namespace of its own for the fixed port 11211.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && [ -r /etc/memcached.conf ] &&
   getent passwd memcache >/dev/null && [ ! -e /run/memcached/memcached.pid ]; then
	NS=smmc-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
	made=""
	[ -d /run/memcached ] || { mkdir -p /run/memcached && made=1; }
	ip netns add "$NS" && trap 'ip netns del "$NS" 2>/dev/null; [ -n "$made" ] && rm -rf /run/memcached; t_cleanup' EXIT
	ip netns exec "$NS" ip link set lo up
	args=$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' /etc/memcached.conf | grep '^-')
	echo "  /etc/memcached.conf: $(echo $args)"
	# shellcheck disable=SC2046,SC2086
	ip netns exec "$NS" "$MC" $args 2>"$T_DIR/deb.err"
	t_expect "Debian's conf: exit" 0 "$?"
	pidf=$(echo "$args" | sed -n 's/^-P[[:space:]]*//p')
	pid=$(cat "${pidf:-/nonexistent}" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || t_fail "Debian's conf: no daemon ($(cat "$T_DIR/deb.err"))"
	T_PIDS="$T_PIDS $pid"
	t_expect "Debian's conf: runs as memcache" "$(id -u memcache)" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
	out=$(ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211; printf "set k 0 0 1\r\nv\r\nget k\r\nquit\r\n" >&3; timeout 5 cat <&3' | tr -d '\r' | tr '\n' ' ')
	t_expect "Debian's conf: serves on 11211" "STORED VALUE k 0 1 v END " "$out"
	kill "$pid"
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	out=$(timeout 10 "$MC" -u no-such-user-x -p 0 -l 127.0.0.1 2>&1)
	t_expect "-u of no such user: exit" 67 "$?"
else
	echo "  -u and /etc/memcached.conf: skipped (needs root, ip, memcached's conf and user, and no memcached running)"
fi
t_expect_end
exit 0
