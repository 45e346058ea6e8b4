# casemail — build, test, demo.  See README.md.
#
#   make deps    install build and test dependencies (Debian packages, idempotent)
#   make         build build/casemailctl and build/casemaild
#   make check   deps + build + all tests (unit, end-to-end); last line "N passed, N failed"
#   make demo    deps + build + run the pipeline over generated sample mail

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(PREFIX)/etc
BUILD      ?= build

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter -Werror
PKGS     := libetpan libarchive libmagic libturbojpeg libavformat libavcodec \
            libavutil sqlite3 nettle inih libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's .pc forces a no-PIE link spec; we build position independent.
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

# Uninstalled builds read campaign files from the source tree's conf/.
CONFDIR_DEFAULT ?= $(abspath conf)
VERSION      := 0.1
ALL_CPPFLAGS := -D_GNU_SOURCE -Ilib -DCASEMAIL_CONFDIR='"$(CONFDIR_DEFAULT)"' \
                -DCASEMAIL_VERSION='"$(VERSION)"' \
                -DCASEMAIL_DEFAULT_CONFIG='"$(CONFDIR_DEFAULT)/demo.conf"' $(CPPFLAGS)
ALL_CFLAGS   := -std=c11 $(WARN) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS  := $(LDFLAGS)
LIBS         := $(PKG_LIBS) -lm

LIB_SRCS  := $(filter-out lib/test-%.c lib/fuzz-%.c,$(wildcard lib/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard lib/test-*.c)
TEST_BINS := $(TEST_SRCS:lib/%.c=$(BUILD)/%)
PROGS     := $(BUILD)/casemailctl $(BUILD)/casemaild

.PHONY: all deps check unit demo clean install
all: $(PROGS) $(TEST_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcasemail.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/casemailctl: $(BUILD)/daemon/casemailctl.o $(BUILD)/libcasemail.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/casemaild: $(BUILD)/daemon/casemaild.o $(BUILD)/libcasemail.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/test-%: $(BUILD)/lib/test-%.o $(BUILD)/libcasemail.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

deps:
	@sh tools/deps.sh

# The suites run twice: the normal build, and an ASan+UBSan build
# (LeakSanitizer on) in $(BUILD)-asan, where any report fails the test.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined

check: deps
	$(MAKE) all
	$(MAKE) BUILD=$(BUILD)-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all
	@BUILDS="$(BUILD) $(BUILD)-asan" sh tests/run.sh

# Unit tests only, no dependency step (quick edit-compile-test loop).
unit: all
	@BUILDS=$(BUILD) ONLY_UNIT=1 sh tests/run.sh

demo: deps
	$(MAKE) $(PROGS)
	@BUILD=$(BUILD) sh tools/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 755 $(BUILD)/casemailctl $(DESTDIR)$(BINDIR)/casemailctl
	install -m 755 $(BUILD)/casemaild $(DESTDIR)$(SBINDIR)/casemaild

clean:
	rm -rf $(BUILD) $(BUILD)-asan

-include $(LIB_OBJS:.o=.d) $(TEST_SRCS:lib/%.c=$(BUILD)/lib/%.d) \
	$(BUILD)/daemon/casemailctl.d $(BUILD)/daemon/casemaild.d
