# abi_test: the library stays compatible with the last release (0.3): abidiff against its ABI dump finds no incompatible change, a binary linked against 0.3 runs on this library with its smaller structs untouched past their end, and the structs grow as stackmap.h says (defaults for what a caller lacks, zero tails, -E2BIG).
. tests/lib.sh
[ -f build/libstackmap.so.0 ] || t_skip "run make first (build/ is not built)"
A=tests/abi
CC=${CC:-cc}

# 1. abidiff: additions are fine (bit 2, 4), an incompatible change is
# not (bit 3, 8).  The dump was made by abidw from 0.3's library.
if command -v abidiff >/dev/null; then
	abidiff "$A/libstackmap-0.3.abi" build/libstackmap.so.0 >"$T_DIR/abidiff.out" 2>&1
	rc=$?
	grep -E 'summary|Removed|Changed' "$T_DIR/abidiff.out" | sed 's/^/  /'
	[ $((rc & 1)) = 0 ] || t_fail "abidiff failed to run: $(cat "$T_DIR/abidiff.out")"
	[ $((rc & 8)) = 0 ] || t_fail "incompatible ABI change since 0.3: $(cat "$T_DIR/abidiff.out")"
else
	echo "  abidiff not installed (Debian: abigail-tools): dump comparison skipped"
fi

# 2. A binary of 0.3: compiled with 0.3's header and linked against a
# stand-in of 0.3's library (its symbols and versions, no code), then
# run on this library.  Its structs are followed by guard bytes.
cat >"$T_DIR/old.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "stackmap-0.3.h"
static struct { struct sm_config c; unsigned char guard[64]; } cfg;
static struct { struct sm_stats s; unsigned char guard[64]; } st;
static int guarded(const unsigned char *g)
{
	for (int i = 0; i < 64; i++)
		if (g[i] != 0xA5)
			return 0;
	return 1;
}
int main(void)
{
	struct sm_port *port;
	int ret;

	memset(&cfg, 0xA5, sizeof(cfg));
	memset(&st, 0xA5, sizeof(st));
	sm_config_init(&cfg.c);
	if (!guarded(cfg.guard) || cfg.c.buf_size != 2048 || cfg.c.flags)
		return printf("sm_config_init wrote past 0.3's struct\n"), 1;
	cfg.c.num_bufs = 64;
	if ((ret = sm_open(&port, &cfg.c)) < 0)
		return printf("sm_open: %d\n", ret), 1;
	sm_sync(port, 0);
	sm_stats(port, &st.s);
	if (!guarded(st.guard))
		return printf("sm_stats wrote past 0.3's struct\n"), 1;
	printf("syncs=%llu bufs_total=%u version=0x%x\n",
	       (unsigned long long)st.s.syncs, st.s.bufs_total, sm_version());
	sm_close(port);
	return st.s.syncs == 1 && st.s.bufs_total == 64 ? 0 : 1;
}
C
# The stand-in: every function of 0.3's version script, as a stub.
awk '/^[ \t]+sm_[a-z_]+;/ { gsub(/[ \t;]/, ""); print "void " $0 "(void) {}" }' \
	"$A/libstackmap-0.3.map" >"$T_DIR/stub.c"
mkdir -p "$T_DIR/old"
$CC -shared -fPIC -o "$T_DIR/old/libstackmap.so.0" -Wl,-soname,libstackmap.so.0 \
	-Wl,--version-script="$A/libstackmap-0.3.map" "$T_DIR/stub.c" || t_fail "0.3 stand-in"
ln -sf libstackmap.so.0 "$T_DIR/old/libstackmap.so"
$CC -std=gnu11 -I"$A" -o "$T_DIR/old-bin" "$T_DIR/old.c" -L"$T_DIR/old" -lstackmap ||
	t_fail "building the 0.3 program"
readelf --dyn-syms -W "$T_DIR/old-bin" | grep -q 'sm_config_init@STACKMAP_0.1' ||
	t_fail "the 0.3 program does not bind sm_config_init@STACKMAP_0.1"
out=$(LD_LIBRARY_PATH=build "$T_DIR/old-bin") || t_fail "0.3 binary on this library: $out"
echo "  0.3 binary on this library: $out"

# 3. A program of a later release, whose structs are larger.
cat >"$T_DIR/new.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "stackmap.h"
struct later_cfg { struct sm_config c; unsigned long later; };
struct later_stats { struct sm_stats s; unsigned long later[4]; };
int main(void)
{
	struct later_cfg cfg;
	struct later_stats st;
	struct sm_listen_opts o[2];
	struct sm_port *port;

	memset(&cfg, 0xA5, sizeof(cfg));
	sm_config_init_size(&cfg.c, sizeof(cfg));
	if (cfg.later != 0 || cfg.c.size != sizeof(cfg) || cfg.c.ring_size != 1024)
		return printf("init of a larger struct\n"), 1;
	cfg.c.num_bufs = 64;
	cfg.later = 1;  /* a field this library does not know, set */
	if (sm_open(&port, &cfg.c) != -E2BIG)
		return printf("a set unknown field was not refused\n"), 1;
	cfg.later = 0;
	if (sm_open(&port, &cfg.c) < 0)
		return printf("a zero unknown field was refused\n"), 1;
	memset(&st, 0xA5, sizeof(st));
	sm_stats_size(port, &st.s, sizeof(st));
	if (st.later[0] || st.later[3] || st.s.bufs_total != 64)
		return printf("stats into a larger struct\n"), 1;
	sm_close(port);
	memset(o, 0, sizeof(o));
	sm_listen_opts_init_size(&o[0], sizeof(o));
	if (o[0].backlog != 4096 || o[0].size != sizeof(o))
		return printf("listen options init\n"), 1;
	printf("later structs: ok\n");
	return 0;
}
C
$CC -std=gnu11 -Iinclude -o "$T_DIR/new-bin" "$T_DIR/new.c" -Lbuild -lstackmap ||
	t_fail "building the later program"
out=$(LD_LIBRARY_PATH=build "$T_DIR/new-bin") || t_fail "$out"
echo "  $out"
exit 0
