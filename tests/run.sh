#!/bin/bash
# run.sh BUILD_DIR: the fast suite.  Unit tests run once; integration tests
# (binaries and scripts) run once per engine, with SM_ENGINE set.  Every
# test gets a timeout; 0 = pass, 77 = skip (its reason is shown), anything
# else = fail (its output is shown).  Ends with "N passed, N failed, N
# skipped" and exits 1 if anything failed.
set -u
B=${1:-build/san}
TIMEOUT=${TEST_TIMEOUT:-180}
ENGINES=${TEST_ENGINES:-"uring epoll"}
export BUILD=$B
# LSan cannot run under ptrace (the strace test): that test turns it off.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0 fail=0 skip=0 failed="" skipped=""
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

run() {  # name, command...
	local name=$1 out=$log/out rc t0 ms dt
	shift
	t0=${EPOCHREALTIME/./}
	timeout -k 5 "$TIMEOUT" "$@" >"$out" 2>&1
	rc=$?
	ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	dt=$((ms / 1000)).$(( (ms % 1000) / 100 ))
	case $rc in
	0)  pass=$((pass + 1)); printf 'PASS  %-40s %6ss\n' "$name" "$dt" ;;
	77) skip=$((skip + 1)); skipped="$skipped $name"
	    printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 -i skip "$out" || tail -n1 "$out")" ;;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    [ $rc = 124 ] && echo "(timed out after ${TIMEOUT}s)" >>"$out"
	    printf 'FAIL  %-40s rc=%s\n' "$name" "$rc"
	    sed 's/^/      | /' "$out" | tail -n 40 ;;
	esac
}

for t in "$B"/tests/*_test; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if [ -f "tests/unit/$name.c" ]; then
		run "$name" "$t"
		continue
	fi
	for e in $ENGINES; do
		SM_ENGINE=$e run "$name[$e]" "$t"
	done
done
# TEST_FAST=1 (make check-fast): the test binaries only, no scripts.
scripts=true
[ -n "${TEST_FAST:-}" ] && scripts=false
for t in tests/unit/*_test.sh; do
	$scripts || break
	[ -f "$t" ] || continue
	run "$(basename "$t" .sh)" bash "$t"
done
for t in tests/integration/*_test.sh tests/testbed/*_test.sh; do
	$scripts || break
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	for e in $ENGINES; do
		SM_ENGINE=$e run "$name[$e]" bash "$t"
	done
done

# The threaded tests again under ThreadSanitizer (make SAN=thread): any
# report fails them (halt_on_error).
if [ -n "${TSAN_BUILD:-}" ]; then
	export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}
	for e in $ENGINES; do
		SM_ENGINE=$e BUILD=$TSAN_BUILD run "thread_test[$e,tsan]" "$TSAN_BUILD/tests/thread_test"
		SM_ENGINE=$e BUILD=$TSAN_BUILD run "threads_test[$e,tsan]" bash tests/integration/threads_test.sh
	done
fi

echo
[ -n "$skipped" ] && echo "skipped:$skipped"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
