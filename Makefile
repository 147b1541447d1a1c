# StackMap: libstackmap, its programs and its tests.
#
#   make               library (static + shared), programs, tests in build/
#   make SAN=1         the same with ASan + UBSan, in build/san/
#   make test          install missing test packages, build SAN=1, run the
#                      fast suite (unit + loopback integration, both engines)
#   make demo          build, then the main demonstration
#   make deps          install the Debian packages the build and tests need

CC      ?= cc
SAN     ?= 0
ifeq ($(SAN),1)
B       := build/san
SANFL   := -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
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
CPPFLAGS += -Iinclude -Ilib -Iapps/common -Iapps/httpd -Iapps/memcached -Itests -D_GNU_SOURCE
LDFLAGS += $(SANFL)
LDLIBS  := -luring -lpthread

LIB_SRC := lib/pool.c lib/port.c lib/nic.c lib/engine_uring.c lib/engine_epoll.c
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
UTIL_OBJ := $(B)/apps/common/util.o $(B)/apps/common/out.o $(B)/apps/common/server.o
HTTPD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard apps/httpd/*.c))
MC_CORE := $(patsubst %.c,$(B)/%.o,$(wildcard apps/memcached/mc_*.c))
MCD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard apps/memcached/*.c))
LIBA    := $(B)/libstackmap.a
LIBSO   := $(B)/libstackmap.so.0

PROGS   := $(B)/sm-echo $(B)/sm-nic $(B)/sm-httpd $(B)/sm-memcached $(B)/zc-threshold
UNIT    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*.c))
INTEG   := $(patsubst tests/integration/%.c,$(B)/tests/%,$(wildcard tests/integration/*.c))

.PHONY: all lib progs tests test demo deps clean
all: lib progs tests

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

$(B)/sm-memcached: $(MCD_OBJ) $(UTIL_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/mc_proto_test: $(B)/tests/unit/mc_proto_test.o $(MC_CORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/zc-threshold: $(B)/bench/zc_threshold.o $(LIBA)
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
	$(MAKE) all
	tests/run.sh build/san build

demo: deps all
	scripts/demo.sh build

clean:
	rm -rf build
