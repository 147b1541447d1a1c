# usage_test: every program's --help is its manual (exit 0, on stdout,
# with its exit statuses), and a bad option or argument gets a clear
# error on stderr and exit 64, before any port or socket is opened.
. tests/lib.sh
PROGS="sm-echo sm-nic sm-httpd sm-memcached sm-load ep-httpd zc-threshold"

# usage_error PROG ARGS...: exit 64 with a message on stderr.
usage_error() {
	local rc
	timeout 10 "$BUILD/$1" "${@:2}" >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	[ $rc = 64 ] || t_fail "$*: exit $rc, not 64 ($(head -n1 "$T_DIR/err"))"
	[ -s "$T_DIR/err" ] || t_fail "$*: no message on stderr"
}

for p in $PROGS; do
	x=$BUILD/$p
	[ -x "$x" ] || t_fail "$x missing"
	"$x" --help >"$T_DIR/out" 2>"$T_DIR/err" || t_fail "$p --help: exit $?"
	head -n1 "$T_DIR/out" | grep -q "^Usage: $p" ||
		t_fail "$p --help: no 'Usage: $p' line: $(head -n1 "$T_DIR/out")"
	grep -qi "exit status" "$T_DIR/out" || t_fail "$p --help: no exit statuses"
	[ -s "$T_DIR/err" ] && t_fail "$p --help wrote to stderr: $(cat "$T_DIR/err")"
	usage_error "$p" --no-such-option
	usage_error "$p" -Z
done
# Numbers out of range or not numbers at all; one argument too many.
for c in "sm-httpd --fixed 1024 -c 0" "sm-httpd --fixed x" "sm-memcached -m -1" \
	 "sm-memcached -p 70000" "sm-echo -r 3" "sm-load -c 0 127.0.0.1:1" \
	 "zc-threshold 0" "zc-threshold 12x" "zc-threshold 1 17" "zc-threshold 1 2 3"; do
	usage_error $c
done
# -N as memcached's: at most -t, in memcached's words; and it needs --nic.
usage_error sm-memcached -t 2 -N 3
mine=$(cat "$T_DIR/err")
if command -v memcached >/dev/null; then
	ref=$(timeout 10 memcached -u nobody -p 0 -U 0 -t 2 -N 3 2>&1 >/dev/null)
	t_expect "-N over -t, as memcached" "$ref" "$mine"
fi
usage_error sm-memcached -t 2 -N 2
grep -q "needs --nic" "$T_DIR/err" || t_fail "-N without --nic: $(cat "$T_DIR/err")"
t_expect_end
exit 0
