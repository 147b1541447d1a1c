# examples_test: examples/ builds against the installed library through pkg-config alone, shared and static, and both programs serve: the echo server returns every byte, the multi-port ping-pong server answers every line from all its threads.
. tests/lib.sh
[ -f build/libstackmap.so.0 ] && [ -f build/man/man1/sm-httpd.1 ] || t_skip "run make first (build/ is not built)"
command -v pkg-config >/dev/null || t_skip "pkg-config is not installed"
R=$T_DIR/root
make -s --no-print-directory install DESTDIR="$R" PREFIX=/usr >"$T_DIR/install.out" 2>&1 ||
	t_fail "make install: $(tail -n 3 "$T_DIR/install.out")"
export PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$R/usr/lib/pkgconfig

# ex NAME ARGS...: start example NAME (its first line gives the port).
ex() {
	local name=$1 i
	shift
	"$@" >"$T_DIR/$name.out" 2>&1 &
	T_PID=$!
	T_PIDS="$T_PIDS $T_PID"
	for i in $(seq 500); do
		grep -q 'port [0-9]' "$T_DIR/$name.out" && break
		kill -0 "$T_PID" 2>/dev/null || break
		sleep 0.01
	done
	T_PORT=$(sed -n 's/.*port \([0-9]*\),.*/\1/p' "$T_DIR/$name.out")
	[ -n "$T_PORT" ] || t_fail "$name did not start: $(cat "$T_DIR/$name.out")"
}

for kind in shared static; do
	B=$T_DIR/$kind
	cp -r examples "$B"
	make -s -C "$B" CFLAGS="-O2 -g -Wall -Wextra -Werror" \
		$([ $kind = static ] && echo STATIC=1) >"$T_DIR/build.out" 2>&1 ||
		t_fail "$kind build of examples/: $(grep -m3 -i 'error\|undefined' "$T_DIR/build.out")"
	if [ $kind = shared ]; then
		LD_LIBRARY_PATH=$R/usr/lib ldd "$B/echo" | grep -q "$R/usr/lib/libstackmap.so.0" ||
			t_fail "the shared echo does not use the installed library"
		run="env LD_LIBRARY_PATH=$R/usr/lib"
	else
		ldd "$B/echo" 2>&1 | grep -q 'not a dynamic executable' || t_fail "static echo is dynamic"
		run=env
	fi

	ex echo $run "$B/echo" 0
	grep -q "${SM_ENGINE:-uring} engine" "$T_DIR/echo.out" || t_fail "echo: engine: $(cat "$T_DIR/echo.out")"
	head -c 300000 /dev/urandom >"$T_DIR/data"
	got=$(bash -c "exec 3<>/dev/tcp/127.0.0.1/$T_PORT; cat '$T_DIR/data' >&3 & head -c 300000 <&3 | cksum")
	t_expect "$kind echo: 300000 random bytes back" "$(cksum <"$T_DIR/data")" "$got"
	t_stop echo "$T_PID"

	ex pingpong $run "$B/pingpong" 0 2
	for c in $(seq 8); do
		bash -c "exec 3<>/dev/tcp/127.0.0.1/$T_PORT; printf 'PING\nPING\nPING\n' >&3; head -n3 <&3" \
			>>"$T_DIR/pongs" || t_fail "pingpong client $c"
	done
	t_stop pingpong "$T_PID"
	t_expect "$kind pingpong: answers" 24 "$(grep -c '^PONG [0-9]*$' "$T_DIR/pongs")"
	rm -f "$T_DIR/pongs"
	total=$(awk '/answered/ { n += $NF } END { print n }' "$T_DIR/pingpong.out")
	t_expect "$kind pingpong: the threads' count" 24 "$total"
	echo "  $kind: echo ok, pingpong: $(grep answered "$T_DIR/pingpong.out" | tr '\n' ' ')"
done
t_expect_end
exit 0
