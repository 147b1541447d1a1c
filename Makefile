# StackMap: libstackmap, its programs and its tests.
#
#   make               library (static + shared), programs, tests in build/
#   make SAN=1         the same with ASan + UBSan, in build/san/
#   make SAN=thread    the same with ThreadSanitizer, in build/tsan/
#   make check-fast    the test binaries only (ASan/UBSan, both engines)
#   make test          install missing test packages, build SAN=1, run the
#                      suite (unit + loopback integration, both engines;
#                      as root also the testbed tests, which skip otherwise)
#   make demo          build, then the main demonstration
#   make soak          [SOAK_SECONDS=N] good and hostile clients for N s
#                      (default 120) under ASan/UBSan/LSan, then under
#                      valgrind (tests/soak.sh; not part of make test)
#   make bench         the paper's experiments on the testbed (root, about
#                      30 minutes): tables and charts in docs/results/
#   make bench-quick   the same in small (about 3 minutes), build/bench/
#   make deps          install the Debian packages the build and tests need
#   make install       [PREFIX=/usr/local] [DESTDIR=] [BINDIR= LIBDIR=
#                      INCLUDEDIR= MANDIR= PKGCONFIGDIR=] what make built:
#                      the header, libstackmap.so.0 (and .so), .a,
#                      stackmap.pc, the programs; never builds (run make
#                      first, as yourself)
#   make uninstall     remove what make install put there

CC      ?= cc
SAN     ?= 0
ifeq ($(SAN),1)
B       := build/san
SANFL   := -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
else ifeq ($(SAN),thread)
B       := build/tsan
SANFL   := -fsanitize=thread -fno-omit-frame-pointer
else
B       := build
SANFL   :=
endif

# Quiet by default; make V=1 shows the commands.
ifeq ($(V),1)
Q       :=
else
Q       := @
endif

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -fno-strict-aliasing $(SANFL)
CPPFLAGS += -Iinclude -Iapps/common -Iapps/httpd -Iapps/memcached -Iapps/load -Itests -D_GNU_SOURCE
# lib/'s own headers are not on the apps' path: they include only the
# public header.  The bench's epoll baseline takes compat.h's newer uapi.
$(B)/bench/%.o: CPPFLAGS += -Ilib
LDFLAGS += $(SANFL)
LDLIBS  := -luring -lpthread

LIB_SRC := lib/abi.c lib/pool.c lib/port.c lib/listen.c lib/nic.c lib/engine_uring.c lib/engine_epoll.c
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
UTIL_OBJ := $(B)/apps/common/util.o $(B)/apps/common/out.o $(B)/apps/common/server.o \
            $(B)/apps/common/service.o \
            $(B)/apps/common/workers.o
HTTPD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard apps/httpd/*.c))
MC_CORE := $(patsubst %.c,$(B)/%.o,$(wildcard apps/memcached/mc_*.c))
MCD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard apps/memcached/*.c))
LOAD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard apps/load/*.c))
LIBA    := $(B)/libstackmap.a
LIBSO   := $(B)/libstackmap.so.0

PROGS   := $(B)/sm-echo $(B)/sm-nic $(B)/sm-httpd $(B)/sm-memcached $(B)/zc-threshold
PROGS   += $(B)/sm-load
PROGS   += $(B)/ep-httpd
UNIT    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*.c))
INTEG   := $(patsubst tests/integration/%.c,$(B)/tests/%,$(wildcard tests/integration/*.c))

# man1 pages are made from each program's --help (scripts/help2man.sh),
# so the two never disagree; man3 and man7 are written, in man/.
MAN1    := $(patsubst %,$(B)/man/man1/%.1,sm-httpd sm-memcached sm-echo sm-nic sm-load)

.PHONY: all lib progs tests man test check-fast demo deps clean bench bench-quick soak
all: lib progs tests man
man: $(MAN1)

$(B)/man/man1/%.1: $(B)/% scripts/help2man.sh include/stackmap.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q)scripts/help2man.sh $< >$@.tmp && mv $@.tmp $@

lib: $(LIBA) $(LIBSO)
progs: $(PROGS)
tests: $(UNIT) $(INTEG)

$(B)/%.o: %.c $(wildcard include/*.h lib/*.h apps/*/*.h tests/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBSO): $(LIB_OBJ) lib/libstackmap.map
	$(CC) -shared -Wl,-soname,libstackmap.so.0 \
	    -Wl,--version-script=lib/libstackmap.map $(LDFLAGS) -o $@ \
	    $(LIB_OBJ) $(LDLIBS)
	ln -sf libstackmap.so.0 $(B)/libstackmap.so

$(B)/sm-echo: $(B)/apps/tools/sm-echo.o $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/sm-nic: $(B)/apps/tools/sm-nic.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/sm-httpd: $(HTTPD_OBJ) $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/http_parser_test: $(B)/tests/unit/http_parser_test.o $(B)/apps/httpd/http_parser.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/range_test: $(B)/tests/unit/range_test.o $(B)/apps/httpd/http_cond.o \
		$(B)/apps/httpd/http_parser.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/sm-memcached: $(MCD_OBJ) $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/mc_proto_test: $(B)/tests/unit/mc_proto_test.o $(MC_CORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/ep-httpd: $(B)/bench/ep_httpd.o $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/sm-load: $(LOAD_OBJ) $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/hist_test: $(B)/tests/unit/hist_test.o $(B)/apps/load/hist.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/zc-threshold: $(B)/bench/zc_threshold.o $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/integration/%.o $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	scripts/deps.sh

test: deps
	$(MAKE) SAN=1 all
	$(MAKE) SAN=thread all
	$(MAKE) all
	TSAN_BUILD=build/tsan tests/run.sh build/san build

# The edit-compile loop: the unit and in-process tests (no scripts, no
# testbed), both engines, on the ASan/UBSan build; about 20 seconds.
check-fast:
	$(MAKE) SAN=1 all
	TEST_FAST=1 tests/run.sh build/san

demo: deps all
	scripts/demo.sh build

SOAK_SECONDS ?= 120
soak: deps
	$(MAKE) SAN=1 all
	$(MAKE) all
	tests/soak.sh $(SOAK_SECONDS)

# The paper's experiments on the testbed (root): bench/bench.sh.
bench: all
	scripts/deps.sh bench
	bench/bench.sh --publish

bench-quick: all
	scripts/deps.sh bench
	bench/bench.sh --quick

clean:
	rm -rf build

# ---- Installation, in the GNU conventions ----
PREFIX       ?= /usr/local
EXEC_PREFIX  ?= $(PREFIX)
BINDIR       ?= $(EXEC_PREFIX)/bin
LIBDIR       ?= $(EXEC_PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL      ?= install
SM_VERSION_STR = $(shell awk '/define SM_VERSION_(MAJOR|MINOR|PATCH) / { v = v (v == "" ? "" : ".") $$3 } END { print v }' include/stackmap.h)
INST_PROGS   := sm-httpd sm-memcached sm-echo sm-nic sm-load
INST_MAN1    := $(INST_PROGS:%=build/man/man1/%.1)
INST_FILES   := build/libstackmap.so.0 build/libstackmap.a $(INST_PROGS:%=build/%) \
                $(INST_MAN1)
MAN37        := $(wildcard man/man3/*.3 man/man7/*.7)

.PHONY: install uninstall
install:
	@for f in $(INST_FILES); do [ -f $$f ] || { \
		echo "install: $$f is missing: run make first (not as root)" >&2; \
		exit 1; }; done
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 include/stackmap.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 755 build/libstackmap.so.0 $(DESTDIR)$(LIBDIR)/
	ln -sf libstackmap.so.0 $(DESTDIR)$(LIBDIR)/libstackmap.so
	$(INSTALL) -m 644 build/libstackmap.a $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(SM_VERSION_STR)|' \
	    lib/stackmap.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/stackmap.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/stackmap.pc
	$(INSTALL) -m 755 $(INST_PROGS:%=build/%) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 644 $(INST_MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(filter man/man3/%,$(MAN37)),$(INSTALL) -m 644 \
		$(filter man/man3/%,$(MAN37)) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(filter man/man7/%,$(MAN37)),$(INSTALL) -m 644 \
		$(filter man/man7/%,$(MAN37)) $(DESTDIR)$(MANDIR)/man7/)

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/stackmap.h \
	      $(DESTDIR)$(LIBDIR)/libstackmap.so.0 $(DESTDIR)$(LIBDIR)/libstackmap.so \
	      $(DESTDIR)$(LIBDIR)/libstackmap.a $(DESTDIR)$(PKGCONFIGDIR)/stackmap.pc \
	      $(INST_PROGS:%=$(DESTDIR)$(BINDIR)/%) \
	      $(INST_PROGS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	      $(patsubst man/%,$(DESTDIR)$(MANDIR)/%,$(MAN37))

# ---- Fuzzing: libFuzzer targets in tests/fuzz/, built with clang ----
#   make fuzz-build            the targets, in build/fuzz/
#   make fuzz [FUZZ_SECONDS=N] run each for N seconds (default 60) on a copy
#                              of its seed corpus (build/fuzz/corpus-TARGET);
#                              fails at the first crash, leak or hang, with
#                              the reproducer in build/fuzz/TARGET-crash-*
# Each target compiles the sources it drives itself, instrumented.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FZ           := build/fuzz
FUZZ_FLAGS   := -g -O1 -std=gnu11 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# target:dictionary:max_len (the limits: 16 KiB heads, 64 KiB get lines).
# Value profile (comparison operands as coverage) is what leads the fuzzer
# to the length limits: without it, 11 million runs reached neither 414
# nor "line too long"; with it, a few minutes do.
FUZZ_RUNS    := fuzz_http_parser:http:20000 fuzz_mc_proto:mc:70000 \
                fuzz_http_conn:http:20000 fuzz_mc_conn:mc:70000
FUZZ_MC      := $(wildcard apps/memcached/mc_*.c)
FUZZ_SRV     := $(LIB_SRC) apps/common/server.c apps/common/out.c \
                tests/fuzz/conn_sim.c
fuzz_obj      = $(patsubst %.c,$(FZ)/obj/%.o,tests/fuzz/$(1).c $(2))

.PHONY: fuzz fuzz-build
fuzz-build: $(foreach r,$(FUZZ_RUNS),$(FZ)/$(firstword $(subst :, ,$(r))))

$(FZ)/obj/%.o: %.c $(wildcard include/*.h lib/*.h apps/*/*.h tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_FLAGS) -Wall -Wextra -c -o $@ $<

$(FZ)/fuzz_http_parser: $(call fuzz_obj,fuzz_http_parser,apps/httpd/http_parser.c)
$(FZ)/fuzz_mc_proto: $(call fuzz_obj,fuzz_mc_proto,$(FUZZ_MC))
$(FZ)/fuzz_http_conn: $(call fuzz_obj,fuzz_http_conn,$(FUZZ_SRV) \
	apps/httpd/http_parser.c apps/httpd/http_resp.c apps/httpd/http_cond.c \
	apps/httpd/http_log.c apps/httpd/http_index.c \
	apps/httpd/httpd_conn.c)
$(FZ)/fuzz_mc_conn: $(call fuzz_obj,fuzz_mc_conn,$(FUZZ_SRV) $(FUZZ_MC) \
	apps/memcached/memcached_conn.c)
$(FZ)/fuzz_%:
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS)

fuzz: fuzz-build
	@set -e; for r in $(FUZZ_RUNS); do \
		t=$${r%%:*}; d=$${r#*:}; m=$${d#*:}; d=$${d%%:*}; \
		c=$(FZ)/corpus-$$t; mkdir -p $$c; cp tests/fuzz/corpus/$$t/* $$c/; \
		echo "  FUZZ    $$t for $(FUZZ_SECONDS) s"; \
		if ! $(FZ)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		    -max_len=$$m -dict=tests/fuzz/$$d.dict -use_value_profile=1 \
		    -print_final_stats=1 \
		    -artifact_prefix=$(FZ)/$$t- $$c >$(FZ)/$$t.log 2>&1; then \
			tail -n 60 $(FZ)/$$t.log; \
			echo "fuzz: $$t failed; log $(FZ)/$$t.log, reproducer $(FZ)/$$t-*" >&2; \
			exit 1; \
		fi; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' $(FZ)/$$t.log | sed 's/^/          /'; \
	done
