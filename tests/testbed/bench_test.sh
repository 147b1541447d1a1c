# bench_test: bench/bench.sh runs every experiment end to end on a testbed of its own (in small) and report.sh makes every table: the pipeline of make bench.
. tests/lib.sh
[ "${SM_ENGINE:-uring}" = uring ] ||
	t_skip "bench.sh runs both engines itself: run once, under uring"
[ "$(id -u)" -eq 0 ] || t_skip "the testbed needs root (network namespaces)"
for t in nginx memcached wrk memcaslap perf; do
	command -v $t >/dev/null || t_skip "$t is not installed (scripts/deps.sh bench)"
done
# bench.sh builds nothing and uses the optimised programs: BUILD may be
# the sanitizer build, whose programs work too (slower).
name=b$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
out=$T_DIR/bench
bench/bench.sh --quick -t "$name" -b "$BUILD" -r 1 -d 0.3 -w 0.2 -c "1 10" \
	-x "1 2 3 4 5 v s" -o "$out" >"$T_DIR/bench.log" 2>&1 ||
	t_fail "bench.sh failed: $(tail -n 20 "$T_DIR/bench.log")"
ip netns list | grep -q "sm-srv-$name" && t_fail "bench.sh left its testbed up"

# rows EXP: the rows of experiment EXP in raw.csv
rows() { awk -F, -v e="$1" 'NR > 1 && $1 == e' "$out/raw.csv"; }
check() {  # exp, expected rows
	local n
	n=$(rows "$1" | wc -l)
	[ "$n" = "$2" ] || t_fail "experiment $1: $n rows, not $2: $(cat "$out/raw.csv")"
	rows "$1" | awk -F, '$8 <= 0 || $13 != 0 { bad = 1; print } END { exit bad }' ||
		t_fail "experiment $1: runs without requests or with errors"
}
check 1 8   # 4 servers x 2 concurrencies
check 2 8
check 3 4
check 4 6
check 5 9
# Every sm-load row has both cores' load and the server's CPU.
awk -F, 'NR > 1 && $3 == "sm-load" && $1 != 5 && ($14 == "" || $16 == "" || $17 == "" || $18 == "") { print; bad = 1 } END { exit bad }' \
	"$out/raw.csv" || t_fail "rows without CPU accounting"
# Syscalls per request of ours are below one (io_uring) or about two.
rows 5 | awk -F, '$19 == "" || $19 <= 0 { print; bad = 1 } END { exit bad }' ||
	t_fail "experiment 5: no syscall counts"
[ "$(rows v | awk -F, '$3 == "wrk"' | wc -l)" -ge 2 ] ||
	t_fail "validation: no wrk rows"
# Scaling: 7 servers at every K from 1, each with requests, no server
# left behind.
k=$(awk -F, 'NR > 1 && $2 > k { k = $2 } END { print k + 0 }' "$out/scale.csv")
[ "$k" -ge 1 ] || t_fail "scaling: no rows"
[ "$(awk -F, 'NR > 1' "$out/scale.csv" | wc -l)" = $((7 * k)) ] || t_fail "scaling: rows: $(cat "$out/scale.csv")"
awk -F, 'NR > 1 && ($4 <= 0 || $5 <= 0) { print; bad = 1 } END { exit bad }' "$out/scale.csv" ||
	t_fail "scaling: runs without requests or CPU"
ip netns list | grep -q "sm-srv-${name}s" && t_fail "scale.sh left its testbed up"
for s in "## 1." "## 2." "## 3." "## 4." "## 5." "## Validation" "## Scaling" "kernel:"; do
	grep -qF "$s" "$out/summary.md" || t_fail "summary.md lacks '$s'"
done
if command -v gnuplot >/dev/null; then
	for c in exp1 exp2 exp3; do
		[ -s "$out/$c.png" ] || t_fail "no $c.png"
	done
fi
echo "bench.sh: $(wc -l <"$out/raw.csv") rows, summary and charts made"
