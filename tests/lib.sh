# lib.sh: helpers for the shell tests (sourced).  BUILD is the build dir.
# Servers are started on port 0 and publish their port through a file
# (written, then renamed, by the server): no guessed ports, no sleeps.

BUILD=${BUILD:-build}
T_DIR=$(mktemp -d)
T_PIDS=""
trap 't_cleanup' EXIT

t_cleanup() {
	local p
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T_DIR"
}

t_skip() { echo "SKIP: $*"; exit 77; }
t_fail() { echo "FAIL: $*"; exit 1; }

# t_start NAME CMD...: start a server that takes -P PORTFILE; sets
# T_PORT and T_PID.  Fails if the port file does not appear in 10 s.
t_start() {
	local name=$1 i
	shift
	rm -f "$T_DIR/$name.port"
	"$@" -P "$T_DIR/$name.port" 2>"$T_DIR/$name.err" &
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
