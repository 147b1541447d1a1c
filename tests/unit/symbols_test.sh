# symbols_test: libstackmap.so exports the sm_* API and nothing else (version script), and the public header compiles alone as C and C++.
. tests/lib.sh
SO=$BUILD/libstackmap.so.0
[ -f "$SO" ] || t_fail "$SO missing"
command -v nm >/dev/null || t_skip "nm is not installed"
syms=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sed 's/@.*//')
[ -n "$syms" ] || t_fail "no exported symbols"
bad=$(echo "$syms" | grep -v '^sm_[a-z]' || true)
[ -z "$bad" ] || t_fail "exported beyond the API: $bad"
echo "$syms" | grep -q '^sm__' && t_fail "internal sm__ symbols exported"
for f in sm_open sm_close sm_attach sm_sync sm_rxring sm_txring sm_buf sm_stats sm_config_init; do
	echo "$syms" | grep -qx "$f" || t_fail "$f not exported"
done
printf '#include "stackmap.h"\nint f(struct sm_ring *r);\nint f(struct sm_ring *r) { return (int)sm_ring_space(r); }\n' >"$T_DIR/h.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c -o "$T_DIR/h.o" "$T_DIR/h.c" || t_fail "header alone, C99"
if command -v g++ >/dev/null; then
	cp "$T_DIR/h.c" "$T_DIR/h.cc"
	g++ -Wall -Wextra -Werror -Iinclude -c -o "$T_DIR/hcc.o" "$T_DIR/h.cc" || t_fail "header from C++"
fi
exit 0
