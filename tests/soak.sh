#!/bin/bash
# soak: sm-httpd and sm-memcached under ASan/UBSan/LSan for SECONDS (default 120), good clients beside hostile ones, then a shorter run under valgrind; no sanitizer or valgrind report, no good-client error, no hang, no buffer leak, no bad slot.
#
#   tests/soak.sh [SECONDS]      or   make soak [SOAK_SECONDS=N]
#
# Not part of "make test" (too long).  Run from the top of the tree after
# "make SAN=1 all" and "make all" (make soak does both).
#
# Good clients (each answer checked): wrk (every answer 2xx, no socket
# error), ab without keep-alive (connection churn, no failed request),
# curl fetching every file and comparing it, memcaslap --verify, verified
# set/get pairs, slow readers that read their pipelined answers late, and
# the admitted connections of a server over its -c limit.
# Hostile clients (any answer will do; a hang is a failure): random bytes,
# oversized lines and heads, never-readers that pipeline megabytes of
# answers and then reset, 20 never-readers at once that the servers must
# reset (--send-timeout 3), slowloris heads (408 expected), silent
# connections (closed by --idle-timeout), sets whose data never comes,
# resets in the middle of a request or of a response, connect/close
# churn, and more connections than -c allows.
#
# Environment:
#   SM_ENGINE         engine of the sanitizer run (default: auto = io_uring)
#   SOAK_VG_SECONDS   length of the valgrind run (default SECONDS/4, >= 20)
#   SAN_BUILD         sanitizer build (default build/san)
#   PLAIN_BUILD       build run under valgrind (default build)
#
# valgrind does not follow io_uring (the kernel writes completions and
# received data into shared rings it cannot see), so the valgrind run
# uses the epoll engine; io_uring's leak check is LSan's, in the first run.
set -u
export LC_ALL=C  # byte lengths
SECS=${1:-120}
VG_SECS=${SOAK_VG_SECONDS:-$((SECS / 4 < 20 ? 20 : SECS / 4))}
SAN_BUILD=${SAN_BUILD:-build/san}
PLAIN_BUILD=${PLAIN_BUILD:-build}
BUILD=$SAN_BUILD
. tests/lib.sh
trap '' PIPE  # writes to connections the server closed must not kill us

for t in wrk ab curl memcaslap valgrind timeout; do
	command -v $t >/dev/null || t_skip "$t is not installed (apt-get install wrk apache2-utils curl libmemcached-tools valgrind)"
done
for b in "$SAN_BUILD" "$PLAIN_BUILD"; do
	for p in sm-httpd sm-memcached tests/halfclose tests/stall; do
		[ -x "$b/$p" ] || t_fail "$b/$p missing (make SAN=1 all; make all)"
	done
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

declare -A PID PORT RC
FILES=(index.html small.txt 4k.bin 100k.bin big.bin)

# ---- bookkeeping: loops run in subshells, so everything goes to files ----

bad() { printf '%s\n' "$(echo "$*" | tr '\n' ' ' | head -c 600)" >>"$T_DIR/failures"; }
note() { echo "${2:-1}" >>"$T_DIR/count.$1"; }  # NAME [N]: count N
total() { cat "$T_DIR/count.$1" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
alive() { [ "$SECONDS" -lt "$DEADLINE" ]; }
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }  # CHAR COUNT

# start NAME WAIT CMD...: a server on port 0 (its port file, -P, is
# written once it listens); waits up to WAIT s: valgrind starts slowly.
# @NAME@ in CMD becomes NAME.
start() {
	local name=$1 wait=$2 i
	shift 2
	rm -f "$T_DIR/$name.port"
	"${@//@NAME@/$name}" --port-file "$T_DIR/$name.port" 2>"$T_DIR/$name.err" &
	PID[$name]=$!
	T_PIDS="$T_PIDS $!"
	for ((i = 0; i < wait * 100; i++)); do
		[ -s "$T_DIR/$name.port" ] && break
		kill -0 "${PID[$name]}" 2>/dev/null || break
		sleep 0.01
	done
	[ -s "$T_DIR/$name.port" ] || t_fail "$name did not start: $(cat "$T_DIR/$name.err")"
	PORT[$name]=$(cat "$T_DIR/$name.port")
}

# stop NAME: SIGTERM, then at most 120 s for the leak check at exit.
stop() {
	local p=${PID[$1]} i
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		bad "$1: still running 120 s after SIGTERM"
		kill -9 "$p"
	fi
	wait "$p"
	RC[$1]=$?
}

# check NAME: a clean log, a clean exit, buffers back to idle, no bad
# slot, no connection left.
check() {
	local e=$T_DIR/$1.err inuse idle
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$e"; then
		bad "$1: sanitizer report: $(grep -m5 -E 'ERROR:|runtime error:|SUMMARY:' "$e")"
	fi
	# (valgrind's log may hold warnings, e.g. an unhandled syscall: its
	# errors are what --error-exitcode=99 reports.)
	if [ "${RC[$1]}" = 99 ]; then
		bad "$1: valgrind: $(grep -v -e WARNING -e 'You may be' -e README -e Nevertheless -e 'it at http' "$T_DIR/$1.vg" | head -n 30)"
	fi
	[ "${RC[$1]}" = 0 ] || bad "$1: exit status ${RC[$1]}"
	inuse=$(t_stat "$1" bufs_in_use) idle=$(t_stat "$1" bufs_idle)
	if [ -z "$inuse" ]; then
		bad "$1: no stats line: $(tail -n 3 "$e")"
		return
	fi
	echo "  $1: bufs_in_use=$inuse bufs_idle=$idle bufs_in_use_max=$(t_stat "$1" bufs_in_use_max) bad_slots=$(t_stat "$1" bad_slots) conns=$(t_stat "$1" conns) conns_max=$(t_stat "$1" conns_max) accepted=$(t_stat "$1" accepted) accept_dropped=$(t_stat "$1" accept_dropped) errors=$(t_stat "$1" errors) pool_empty=$(t_stat "$1" pool_empty)"
	[ "$inuse" -le "$idle" ] || bad "$1: $inuse buffers in use, $idle idle (leak)"
	[ "$(t_stat "$1" bad_slots)" = 0 ] || bad "$1: $(t_stat "$1" bad_slots) bad slots"
	[ "$(t_stat "$1" conns)" = 1 ] || bad "$1: $(t_stat "$1" conns) sockets left (the listener only expected)"
}

# ---- good clients: every answer is checked ----

good_wrk() {  # PORT CONNS: 5 s wrk rounds over the files
	local out f i=0
	while alive; do
		f=${FILES[i++ % 4]}  # not big.bin: that is the never-readers'
		out=$(timeout 60 wrk -t1 -c"$2" -d5s --timeout 10s "http://127.0.0.1:$1/$f" 2>&1)
		if [ $? -ne 0 ] || ! grep -q 'requests in' <<<"$out" ||
		   grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
			bad "wrk /$f: $(grep -E 'requests in|errors|Non-2xx' <<<"$out")"
		fi
		note wrk "$(awk '/requests in/ { print $1 }' <<<"$out")"
	done
}

good_ab() {  # PORT: connection churn, one request per connection
	local out
	while alive; do
		out=$(timeout 60 ab -q -n 500 -c 8 "http://127.0.0.1:$1/small.txt" 2>&1)
		if [ $? -ne 0 ] || ! grep -qE '^Failed requests: +0$' <<<"$out" ||
		   grep -q 'Non-2xx' <<<"$out"; then
			bad "ab: $(grep -E 'Failed|Non-2xx|apr_|Complete' <<<"$out" | tr '\n' ' ')"
		fi
		note ab "$(awk '/^Complete requests:/ { print $3 }' <<<"$out")"
	done
}

# The body /NAME must have: the file, or the --fixed body.
want() { echo "${FIXED_BODY:-$ROOT/$1}"; }

good_curl() {  # PORT: every file whole and right, a 404, a HEAD
	local f code
	while alive; do
		for f in "${FILES[@]}"; do
			code=$(curl -s -m 20 -o "$T_DIR/curl.out" -w '%{http_code}' "http://127.0.0.1:$1/$f")
			[ "$code" = 200 ] && cmp -s "$T_DIR/curl.out" "$(want "$f")" ||
				bad "curl /$f: status '$code' or a wrong body"
			note curl
		done
		code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/nothing")
		[ -n "$FIXED_BODY" ] || [ "$code" = 404 ] || bad "curl /nothing: status '$code', not 404"
		code=$(curl -s -m 20 -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/big.bin")
		[ "$code" = 200 ] || bad "curl -I /big.bin: status '$code'"
		note curl 2
	done
}

good_memcaslap() {  # PORT CONNS: 5 s rounds of 10% set, 90% get, all verified
	local out rc
	printf 'key\n64 64 1\nvalue\n1024 1024 1\ncmd\n0 0.1\n1 0.9\n' >"$T_DIR/mix.cfg"
	while alive; do
		out=$(timeout 60 memcaslap -s "127.0.0.1:$1" -t 5s -T 1 -c "$2" -v 1.0 -F "$T_DIR/mix.cfg" 2>&1)
		rc=$?
		if [ $rc -ne 0 ] || [ "$(field verify_failed "$out")" != 0 ] ||
		   [ "$(field verify_misses "$out")" != 0 ] || grep -q '_ERROR' <<<"$out"; then
			bad "memcaslap: rc $rc: $(tr '\n' ' ' <<<"$out")"
		fi
		note memcaslap "$(awk '/^Run time:/ { print $5 }' <<<"$out")"
	done
}
field() { awk -v k="$1:" '$1 == k { print $2; exit }' <<<"$2"; }  # KEY TEXT

good_mc_verify() {  # PORT: set a random value, get it back on the same connection
	local i=0 n v out
	while alive; do
		i=$((i + 1)) n=$((RANDOM % 3000 + 1))
		v=$(head -c $(((n + 1) / 2)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' | head -c "$n")
		out=$(timeout 30 "$HC" -p "$1" -t 20 -x 1 \
			-m "VALUE v$i 7 $n"$'\r\n'"$v"$'\r\n'"END"$'\r\n' \
			-b "set v$i 7 0 $n\\r\\n$v\\r\\n" "get v$i\\r\\n" 1 2>&1) ||
			bad "set/get v$i ($n bytes): $out"
		note mc_verify
	done
}

good_slow() {  # HTTPPORT MCPORT: pipelined answers read 2 s late, every one of them
	local out
	while alive; do
		out=$(timeout 60 "$HC" -p "$1" -t 40 -d 2000 -m 'HTTP/1.1 200' -x 30 \
			'GET /100k.bin HTTP/1.1\r\nHost: h\r\n\r\n' 30 2>&1) ||
			bad "slow reader, 30 x /100k.bin: $out"
		out=$(timeout 60 "$HC" -p "$2" -t 40 -d 2000 -m 'VALUE big 0 500000' -x 20 \
			'get big\r\n' 20 2>&1) ||
			bad "slow reader, 20 x get big: $out"
		note slow 2
	done
}

# Rounds of 24 connections to a server admitting 16: the admitted ones
# are answered twice, the others closed at once.
good_overload() {  # PORT REQUEST PREFIX (of the answer)
	local -a fds ok
	local fd i len out
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || { bad "overload: connect"; return; }
	printf '%b' "$2" >&"$fd"
	len=$(timeout 1 cat <&"$fd" | wc -c)  # the answer's length
	exec {fd}<&-
	while alive; do
		fds=() ok=()
		for ((i = 0; i < 24; i++)); do
			exec {fd}<>"/dev/tcp/127.0.0.1/$1" || { bad "overload: connect $i"; break; }
			fds+=("$fd")
		done
		for fd in "${fds[@]}"; do
			printf '%b' "$2" >&"$fd" 2>/dev/null
			out=$(timeout 5 head -c "$len" <&"$fd" 2>/dev/null)
			[ "${#out}" = "$len" ] && [ "${out:0:${#3}}" = "$3" ] && ok+=("$fd")
		done
		for fd in "${ok[@]}"; do  # still served
			printf '%b' "$2" >&"$fd" 2>/dev/null
			out=$(timeout 5 head -c "$len" <&"$fd" 2>/dev/null)
			[ "${#out}" = "$len" ] && [ "${out:0:${#3}}" = "$3" ] ||
				bad "overload: an admitted connection got '${out:0:40}'"
		done
		for fd in "${fds[@]}"; do exec {fd}<&-; done
		# (A round may find every place still taken by the last one,
		# whose closes the server has not seen yet: run() checks that
		# some were admitted and some refused over the whole run.)
		[ "${#ok[@]}" -le 16 ] ||
			bad "overload: ${#ok[@]} of 24 admitted by a -c 16 server"
		note overload_admitted "${#ok[@]}"
		note overload_refused $((24 - ${#ok[@]}))
		sleep 0.3
	done
}

# ---- hostile clients: any answer will do, but the server must end the
# connection (halfclose's "timed out" is a server that hangs) ----

# hostile WHAT ARGS...: one halfclose run as a hostile client.
hostile() {
	local what=$1 out
	shift
	out=$(timeout 60 "$HC" "$@" 2>&1)
	case $out in
	*"timed out"*|*"did not"*|*"connect:"*|"") bad "$what: ${out:-no output}" ;;
	esac
	note "bad_$what"
}

# Random bytes, up to 8 KiB, as \xHH escapes.
garbage() {
	head -c $((RANDOM % 8192 + 1)) /dev/urandom | od -An -v -tx1 |
		tr -d ' \n' | sed 's/../\\x&/g'
}

bad_garbage() {  # HTTPPORT MCPORT
	while alive; do
		hostile garbage -p "$1" -t 20 "$(garbage)" 1
		hostile garbage -p "$2" -t 20 "$(garbage)" 1
	done
}

bad_oversized() {  # HTTPPORT MCPORT
	local big
	big=$(rep v 100000)
	while alive; do
		hostile oversized -p "$1" -t 20 -m 'HTTP/1.1 414' "GET /$(rep a 20000) HTTP/1.1\\r\\n" 1
		hostile oversized -p "$1" -t 20 -m 'HTTP/1.1 431' "GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: $big" 1
		hostile oversized -p "$1" -t 20 -b 'GET / HTTP/1.1\r\nHost: h\r\n' 'X-H: v\r\n' 2000
		hostile oversized -p "$2" -t 20 "$big" 1
		hostile oversized -p "$2" -t 20 -b get ' k' 40000
		hostile oversized -p "$2" -t 20 "set $(rep k 3000) 0 0 1\\r\\nx\\r\\n" 1
		hostile oversized -p "$2" -t 20 "set k 0 0 2000000\\r\\n$big" 1
	done
}

# Never-readers: pipeline megabytes of answers, read nothing for 3 s
# while the server pauses them, then reset.
bad_never() {  # PORT REQUEST COUNT
	while alive; do
		hostile never-reader -p "$1" -t 20 -R -d 3000 "$2" "$3"
	done
}

# 20 never-readers at once that do not go away: the server must reset
# them (--send-timeout 3, or sooner when the pool runs low).
bad_stall() {  # PORT REQUEST
	local out
	while alive; do
		out=$(timeout 60 "$STALL" -p "$1" -n 20 -t 30 "$2" 2>&1)
		case $out in
		"stall: 20 connections, 20 reset, 0 open"*) note bad_stall 20 ;;
		*) bad "stall on port $1: ${out:-no output}" ;;
		esac
	done
}

# Resets in the middle of a request, or of a response being sent.
bad_reset() {  # HTTPPORT MCPORT
	while alive; do
		hostile reset -p "$1" -R 'GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\nGET /sm' 1
		hostile reset -p "$1" -R -d 100 'GET /100k.bin HTTP/1.1\r\nHost: h\r\n\r\n' 20
		hostile reset -p "$1" -R 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc' 1
		hostile reset -p "$2" -R 'set r 0 0 100000\r\nabc' 1
		hostile reset -p "$2" -R -d 100 'get big\r\n' 50
		hostile reset -p "$2" -R 'get big big big big\r\nget ' 1
	done
}

# Slowloris: a header byte a second; --header-timeout 2 answers 408.
# Silent connections: closed by --idle-timeout 4.  A set whose data
# never comes (sm-memcached has no timeout: the client gives up).
bad_slow() {  # HTTPPORT MCPORT
	local fd t out
	while alive; do
		exec {fd}<>"/dev/tcp/127.0.0.1/$1" || { bad "slowloris: connect"; continue; }
		printf 'GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ' >&"$fd"
		for ((t = 0; t < 12; t++)); do
			read -r -t 0 -u "$fd" && break  # the server spoke
			printf a >&"$fd" 2>/dev/null || break
			sleep 1
		done
		out=$(timeout 5 head -c 12 <&"$fd" 2>/dev/null)
		exec {fd}<&-
		[ "$out" = "HTTP/1.1 408" ] || bad "slowloris: '$out' after $t s"
		note bad_slowloris
		exec {fd}<>"/dev/tcp/127.0.0.1/$1" || { bad "silent: connect"; continue; }
		out=$(timeout 12 cat <&"$fd" 2>/dev/null) && [ -z "$out" ] ||
			bad "silent connection: not closed in 12 s, or answered '$out'"
		exec {fd}<&-
		note bad_silent
		hostile never-data -p "$2" -R -d 3000 'set slow 0 0 10\r\nabc' 1
	done
}

# Connect/close churn, with and without a request.
bad_churn() {  # MCPORT
	local fd i out
	while alive; do
		for ((i = 0; i < 50; i++)); do
			exec {fd}<>"/dev/tcp/127.0.0.1/$1" || { bad "churn: connect"; break; }
			if ((i % 2)); then
				printf 'version\r\n' >&"$fd"
				out=$(timeout 10 head -c 7 <&"$fd")
				[ "$out" = VERSION ] || bad "churn: version answered '$out'"
			fi
			exec {fd}<&-
		done
		note bad_churn 50
	done
}

# ---- the two runs ----

# clients HTTP MC OVL_HTTP OVL_MC SCALE: every client loop, in the
# background, until the deadline; SCALE 1 for the sanitizers, a lighter
# mix under valgrind (0).
clients() {
	local c=$(($5 ? 8 : 2)) loops=()
	good_wrk "$1" "$c" & loops+=($!)
	good_ab "$1" & loops+=($!)
	good_curl "$1" & loops+=($!)
	good_memcaslap "$2" "$c" & loops+=($!)
	good_mc_verify "$2" & loops+=($!)
	good_slow "$1" "$2" & loops+=($!)
	bad_garbage "$1" "$2" & loops+=($!)
	bad_oversized "$1" "$2" & loops+=($!)
	bad_reset "$1" "$2" & loops+=($!)
	bad_slow "$1" "$2" & loops+=($!)
	bad_churn "$2" & loops+=($!)
	bad_never "$1" 'GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n' 300 & loops+=($!)
	bad_never "$2" 'get big\r\n' 2000 & loops+=($!)
	bad_stall "$1" 'GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n' & loops+=($!)
	bad_stall "$2" 'get big big big big\r\n' & loops+=($!)
	if [ -n "$3" ]; then
		good_overload "$3" 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' 'HTTP/1.1 200 OK' & loops+=($!)
		good_overload "$4" 'version\r\n' 'VERSION ' & loops+=($!)
	fi
	# Every loop ends after the deadline, each of its steps bounded by
	# a timeout (not a bare wait: the servers are children too).
	wait "${loops[@]}"
}

make_root() {
	ROOT=$T_DIR/root
	mkdir -p "$ROOT"
	echo '<h1>soak</h1>' >"$ROOT/index.html"
	echo 'a small file' >"$ROOT/small.txt"
	head -c 4096 /dev/urandom >"$ROOT/4k.bin"
	head -c 100000 /dev/urandom >"$ROOT/100k.bin"
	head -c 1048576 /dev/urandom >"$ROOT/big.bin"
}

# The value the memcached readers get: 500 KB, set before the clients.
set_big() {  # PORT
	"$HC" -p "$1" -t 60 -m STORED -x 1 -b 'set big 0 0 500000\r\n' -e '\r\n' \
		"$(rep b 100000)" 5 >/dev/null || t_fail "set big on port $1"
}

# run PREFIX SECS WAIT CMDPREFIX...: start the servers (each command
# prefixed, e.g. by valgrind), run the clients, stop and check them.
# sm-httpd serves ROOT, or under valgrind --fixed 1024 (valgrind 3.19
# does not know openat2, which file serving relies on: every file would
# be 403).
run() {
	local p=$1 secs=$2 wait=$3 h m s
	local -a serve=(-r "$ROOT")
	shift 3
	[ -n "$FIXED_BODY" ] && serve=(--fixed "$(wc -c <"$FIXED_BODY")")
	start "$p-httpd" "$wait" "$@" "$BIN/sm-httpd" "${serve[@]}" -p 0 -l 127.0.0.1 \
		--header-timeout 2 --idle-timeout 4 --send-timeout 3
	start "$p-memcached" "$wait" "$@" "$BIN/sm-memcached" -p 0 -l 127.0.0.1 -m 256 \
		--send-timeout 3
	h=${PORT[$p-httpd]} m=${PORT[$p-memcached]}
	set_big "$m"
	if [ "$p" = san ]; then
		start san-overload-httpd "$wait" "$@" "$BIN/sm-httpd" --fixed 64 -c 16 -p 0 -l 127.0.0.1
		start san-overload-memcached "$wait" "$@" "$BIN/sm-memcached" -c 16 -p 0 -l 127.0.0.1
		set -- "${PORT[san-overload-httpd]}" "${PORT[san-overload-memcached]}" 1
	else
		set -- "" "" 0
	fi
	DEADLINE=$((SECONDS + secs))
	clients "$h" "$m" "$@"
	# Still serving, right, after all that.
	good_curl_once "$h"
	"$HC" -p "$m" -t 20 -m 'VALUE big 0 500000' -x 1 'get big\r\n' 1 >/dev/null ||
		bad "$p: get big after the run"
	if [ -n "$1" ] && { [ "$(total overload_admitted)" = 0 ] || [ "$(total overload_refused)" = 0 ]; }; then
		bad "overload: $(total overload_admitted) admitted, $(total overload_refused) refused in all"
	fi
	sleep 1  # the last resets and closes reach the servers
	for s in "${!PID[@]}"; do
		[ "${s#"$p"-}" != "$s" ] || continue
		stop "$s"
		check "$s"
		case $s in
		*overload*) [ "$(t_stat "$s" accept_dropped)" -gt 0 ] ||
			bad "$s: no refusal counted (accept_dropped)" ;;
		esac
	done
}

good_curl_once() {  # PORT
	local code
	code=$(curl -s -m 20 -o "$T_DIR/curl.out" -w '%{http_code}' "http://127.0.0.1:$1/big.bin")
	[ "$code" = 200 ] && cmp -s "$T_DIR/curl.out" "$(want big.bin)" ||
		bad "curl /big.bin after the run: status '$code' or a wrong body"
}

summary() {  # TITLE [OVERLOAD]: what the clients did
	echo "$1: wrk $(total wrk) requests, ab $(total ab), curl $(total curl)," \
	     "memcaslap $(total memcaslap) ops, $(total mc_verify) verified set/get," \
	     "$(total slow) slow readers${2:+, overload $(total overload_admitted) admitted}" \
	     "${2:+/ $(total overload_refused) refused}"
	echo "  hostile: $(total bad_garbage) garbage, $(total bad_oversized) oversized," \
	     "$(total bad_never-reader) never-readers, $(total bad_stall) stalled (reset by the server)," \
	     "$(total bad_reset) resets," \
	     "$(total bad_slowloris) slowloris, $(total bad_silent) silent," \
	     "$(total bad_never-data) sets without data, $(total bad_churn) churned connections"
	rm -f "$T_DIR"/count.*
}

# The binaries are copied first: a "make" in the same tree meanwhile
# must not pull them from under the run.
copy_bins() {  # BUILD DIR
	mkdir -p "$2"
	cp "$1/sm-httpd" "$1/sm-memcached" "$1/tests/halfclose" "$1/tests/stall" "$2/"
}

make_root
FIXED_BODY=""
echo "soak: ${SECS} s under ASan/UBSan/LSan ($SAN_BUILD, engine ${SM_ENGINE:-auto}), then ${VG_SECS} s under valgrind ($PLAIN_BUILD, epoll)"
copy_bins "$SAN_BUILD" "$T_DIR/san" && copy_bins "$PLAIN_BUILD" "$T_DIR/plain" ||
	t_fail "cannot copy the binaries"
BIN=$T_DIR/san HC=$T_DIR/san/halfclose STALL=$T_DIR/san/stall
run san "$SECS" 10
summary "sanitizers" overload
BIN=$T_DIR/plain HC=$T_DIR/plain/halfclose STALL=$T_DIR/plain/stall
FIXED_BODY=$T_DIR/fixed.body
rep x 1024 >"$FIXED_BODY"
export SM_ENGINE=epoll
run vg "$VG_SECS" 120 valgrind -q --leak-check=full --error-exitcode=99 \
	--log-file="$T_DIR/@NAME@.vg"
summary "valgrind"
if [ -s "$T_DIR/failures" ]; then
	echo "FAIL: $(grep -c . "$T_DIR/failures") problems:"
	sort "$T_DIR/failures" | uniq -c | sort -rn | head -n 40
	exit 1
fi
echo "soak: pass"
exit 0
