# install_test: make install puts the header, the shared library (with
# its soname), the static library, stackmap.pc, the man pages and the programs under
# DESTDIR; a program builds against them with pkg-config, shared and
# static, and sm_version() matches the header; make install never
# builds; make uninstall takes everything away again.
. tests/lib.sh
[ -f build/libstackmap.so.0 ] && [ -x build/sm-httpd ] || t_skip "run make first (build/ is not built)"
command -v pkg-config >/dev/null || t_skip "pkg-config is not installed"
R=$T_DIR/root
mk() { make -s --no-print-directory "$@" DESTDIR="$R" PREFIX=/usr >"$T_DIR/make.out" 2>&1 || t_fail "make $*: $(tail -n 3 "$T_DIR/make.out")"; }

make -n install DESTDIR="$R" PREFIX=/usr | grep -Eq '(^| )(cc|gcc|ar) ' && t_fail "make install would build"
mk install
for f in usr/include/stackmap.h usr/lib/libstackmap.so.0 usr/lib/libstackmap.so \
	 usr/lib/libstackmap.a usr/lib/pkgconfig/stackmap.pc usr/bin/sm-httpd \
	 usr/bin/sm-memcached usr/bin/sm-echo usr/bin/sm-nic usr/bin/sm-load \
	 usr/share/man/man1/sm-httpd.1 usr/share/man/man1/sm-memcached.1 \
	 usr/share/man/man3/sm_sync.3 usr/share/man/man3/sm_close.3 \
	 usr/share/man/man7/stackmap.7; do
	[ -e "$R/$f" ] || t_fail "$f not installed"
done
soname=$(readelf -d "$R/usr/lib/libstackmap.so.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
t_expect "soname" "libstackmap.so.0" "$soname"

cat >"$T_DIR/v.c" <<'C'
#include <stdio.h>
#include <stackmap.h>
int main(void)
{
	struct sm_config cfg;
	struct sm_port *port;

	sm_config_init(&cfg);
	if (sm_open(&port, &cfg) < 0)
		return 2;
	sm_close(port);
	printf("%u %u\n", sm_version(), (unsigned)SM_VERSION);
	return sm_version() == SM_VERSION ? 0 : 1;
}
C
export PKG_CONFIG_SYSROOT_DIR=$R
export PKG_CONFIG_PATH=$R/usr/lib/pkgconfig
# shellcheck disable=SC2046
cc -o "$T_DIR/v-shared" "$T_DIR/v.c" $(pkg-config --cflags --libs stackmap) ||
	t_fail "shared build with pkg-config: $(pkg-config --cflags --libs stackmap)"
LD_LIBRARY_PATH=$R/usr/lib "$T_DIR/v-shared" >"$T_DIR/out" || t_fail "shared program: exit $? ($(cat "$T_DIR/out"))"
ldd "$T_DIR/v-shared" | grep -q "$R/usr/lib/libstackmap.so.0" ||
	LD_LIBRARY_PATH=$R/usr/lib ldd "$T_DIR/v-shared" | grep -q "$R/usr/lib/libstackmap.so.0" ||
	t_fail "not linked to the installed libstackmap.so.0"
# shellcheck disable=SC2046
cc -static -o "$T_DIR/v-static" "$T_DIR/v.c" $(pkg-config --static --cflags --libs stackmap) \
	>"$T_DIR/ld.out" 2>&1 || t_fail "static build with pkg-config --static: $(grep -m3 -i 'error\|undefined' "$T_DIR/ld.out")"
"$T_DIR/v-static" >"$T_DIR/out" || t_fail "static program: exit $? ($(cat "$T_DIR/out"))"
t_expect "pkg-config version" "$(awk '/define SM_VERSION_(MAJOR|MINOR|PATCH) / { v = v (v == "" ? "" : ".") $3 } END { print v }' include/stackmap.h)" "$(pkg-config --modversion stackmap)"

mk uninstall
left=$(find "$R" -type f -o -type l)
[ -z "$left" ] || t_fail "left after make uninstall: $left"
t_expect_end
exit 0
