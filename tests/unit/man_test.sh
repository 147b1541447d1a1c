# man_test: every public function of stackmap.h has a man3 page (its own or a .so link), stackmap(7) and each program's man1 page exist, and every page renders with no warning from man -l.
. tests/lib.sh
command -v man >/dev/null || t_skip "man is not installed (Debian: man-db)"
[ -f build/man/man1/sm-httpd.1 ] || t_skip "run make first (build/man is not built)"

funcs=$(grep -E '^(static inline )?[a-z][a-z_ 0-9*]*[ *]sm_[a-z_0-9]+\(' include/stackmap.h |
	grep -oE 'sm_[a-z_0-9]+\(' | tr -d '(' | sort -u)
[ "$(echo "$funcs" | wc -l)" -ge 25 ] || t_fail "could not list the header's functions: $funcs"
for f in $funcs; do
	[ -f "man/man3/$f.3" ] || t_expect "a man3 page for $f" "man/man3/$f.3" missing
done
[ -f man/man7/stackmap.7 ] || t_expect "the overview page" man/man7/stackmap.7 missing
for p in sm-httpd sm-memcached sm-echo sm-nic sm-load; do
	[ -f "build/man/man1/$p.1" ] || t_expect "a man1 page for $p" "build/man/man1/$p.1" missing
done

# Rendered as man-db does (.so links resolved from the page's tree),
# every warning of groff counted.
n=0
for page in man/man3/*.3 man/man7/*.7 build/man/man1/*.1; do
	dir=${page%/man[0-9]/*}
	rel=${page#"$dir"/}
	out=$(cd "$dir" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -E UTF-8 -l "$rel" 2>&1 >"$T_DIR/page.txt")
	[ -z "$out" ] || t_expect "$page renders without warnings" "" "$out"
	[ "$(wc -l <"$T_DIR/page.txt")" -ge 8 ] || t_expect "$page renders" "a page" "$(cat "$T_DIR/page.txt")"
	n=$((n + 1))
done
echo "  $n pages rendered, $(echo "$funcs" | wc -l) functions, each with a page"
t_expect_end
exit 0
