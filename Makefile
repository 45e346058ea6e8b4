# casemail — build, test, demo.  See README.md.
#
#   make deps    install build and test dependencies (Debian packages, idempotent)
#   make         build build/casemailctl and build/casemaild
#   make check   deps + build + all tests (unit, end-to-end); last line "N passed, N failed"
#   make demo    deps + build + run the pipeline over generated sample mail
#   make bench   casemail timed against the admin's tools, IMAP drain, latency (docs/bench.md)
#   make install / uninstall   [DESTDIR=…] [PREFIX=/usr/local] … (docs/install.md)

BUILD      ?= build

# Installation directories (docs/install.md). SYSCONFDIR is GNU's
# $(PREFIX)/etc, except /etc for PREFIX=/usr (a distribution's layout).
# systemd, sysusers and tmpfiles search /usr/local/lib/… as well as /usr/lib/….
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
SYSCONFDIR  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DATAROOTDIR ?= $(PREFIX)/share
MANDIR      ?= $(DATAROOTDIR)/man
DOCDIR      ?= $(DATAROOTDIR)/doc/casemail
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
# make install compiles a second tree with the installed paths built in
INSTALL_BUILD ?= $(BUILD)-install

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter -Werror
PKGS     := libetpan libarchive libmagic libturbojpeg sqlite3 nettle inih \
            libpcre2-8 libsystemd libseccomp libxml-2.0 libqpdf zlib
# FFmpeg: headers only; lib/probe-av.c dlopen()s it when a video is probed.
AV_PKGS  := libavformat libavcodec libavutil
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(AV_PKGS) 2>/dev/null)
# libetpan's .pc forces a no-PIE link spec; we build position independent.
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

# Uninstalled builds read campaign files from the source tree's conf/ and
# default to conf/demo.conf; the install build ($(INSTALL_BUILD)) is compiled
# with $(SYSCONFDIR)/casemail and $(SYSCONFDIR)/casemail/casemail.conf.
CONFDIR_DEFAULT ?= $(abspath conf)
DEFAULT_CONFIG  ?= $(CONFDIR_DEFAULT)/demo.conf
VERSION      := 0.1
ALL_CPPFLAGS := -D_GNU_SOURCE -Ilib -DCASEMAIL_CONFDIR='"$(CONFDIR_DEFAULT)"' \
                -DCASEMAIL_VERSION='"$(VERSION)"' \
                -DCASEMAIL_DEFAULT_CONFIG='"$(DEFAULT_CONFIG)"' $(CPPFLAGS)
ALL_CFLAGS   := -std=c11 $(WARN) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS  := $(LDFLAGS)
LIBS         := $(PKG_LIBS) -lm

LIB_SRCS  := $(filter-out lib/test-%.c lib/fuzz-%.c,$(wildcard lib/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard lib/test-*.c)
TEST_BINS := $(TEST_SRCS:lib/%.c=$(BUILD)/%)
PROGS     := $(BUILD)/casemailctl $(BUILD)/casemaild

.PHONY: all progs deps check unit demo clean install uninstall install-gen FORCE
all: $(PROGS) $(TEST_BINS)
progs: $(PROGS)

# Objects depend on the flags they were compiled with: the compiled-in
# paths differ between builds (as Git's GIT-CFLAGS).
BUILD_FLAGS := $(subst ','\'',$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS))
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@if [ x'$(BUILD_FLAGS)' != x"$$(cat $@ 2>/dev/null)" ]; then \
		echo '$(BUILD_FLAGS)' > $@; fi

$(BUILD)/%.o: %.c $(BUILD)/.flags
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

# ---- make install / uninstall (docs/install.md) -----------------------------

# @VAR@ in systemd/*.in and man pages; the example config names /etc/casemail.
SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	     -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	     $(if $(filter /etc,$(SYSCONFDIR)),,-e 's|^ConfigurationDirectory=|\# not in /etc: &|')
SUBST_CONF := sed -e 's|/etc/casemail|$(SYSCONFDIR)/casemail|g'
GEN       := $(INSTALL_BUILD)/gen
UNITS     := casemail.service casemail-digest.service casemail-digest.timer
CAMPAIGNS := $(notdir $(wildcard conf/campaigns/*))
SYSLOG_NG := $(wildcard conf/syslog-ng/casemail.conf)
MAN5      := $(wildcard man/*.5)
MAN8      := $(wildcard man/*.8)
DOCS      := README.md $(wildcard docs/*.md)

# The installed text files with their paths filled in, under $(GEN).
install-gen:
	@rm -rf $(GEN) && mkdir -p $(GEN)/systemd $(GEN)/conf/campaigns $(GEN)/man
	@for u in $(UNITS); do \
		if [ -f systemd/$$u.in ]; then $(SUBST) systemd/$$u.in; else cat systemd/$$u; fi \
			> $(GEN)/systemd/$$u || exit 1; done
	@$(SUBST_CONF) conf/casemail.conf > $(GEN)/conf/casemail.conf
	@for c in $(CAMPAIGNS); do cp conf/campaigns/$$c $(GEN)/conf/campaigns/ || exit 1; done
	@for m in $(MAN5) $(MAN8); do $(SUBST) $$m > $(GEN)/$$m || exit 1; done

# Configuration (casemail.conf, campaigns, the syslog-ng snippet) never
# overwrites an admin's changed file: the new version goes beside it as .new.
install_conf = if [ -e "$(2)" ] && ! cmp -s "$(1)" "$(2)"; then \
		install -m 644 "$(1)" "$(2).new" && echo "install: kept $(2), new version is $(2).new"; \
	else install -m 644 "$(1)" "$(2)"; fi

install: install-gen
	$(MAKE) BUILD=$(INSTALL_BUILD) CONFDIR_DEFAULT=$(SYSCONFDIR)/casemail \
		DEFAULT_CONFIG=$(SYSCONFDIR)/casemail/casemail.conf progs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/casemail/campaigns
	install -m 755 $(INSTALL_BUILD)/casemailctl $(DESTDIR)$(BINDIR)/casemailctl
	install -m 755 $(INSTALL_BUILD)/casemaild $(DESTDIR)$(SBINDIR)/casemaild
	install -m 644 $(addprefix $(GEN)/systemd/,$(UNITS)) $(DESTDIR)$(UNITDIR)/
	install -m 644 systemd/casemail.sysusers $(DESTDIR)$(SYSUSERSDIR)/casemail.conf
	install -m 644 systemd/casemail.tmpfiles $(DESTDIR)$(TMPFILESDIR)/casemail.conf
	@$(call install_conf,$(GEN)/conf/casemail.conf,$(DESTDIR)$(SYSCONFDIR)/casemail/casemail.conf)
	@for c in $(CAMPAIGNS); do \
		$(call install_conf,$(GEN)/conf/campaigns/$$c,$(DESTDIR)$(SYSCONFDIR)/casemail/campaigns/$$c) \
		|| exit 1; done
ifneq ($(SYSLOG_NG),)
	install -d $(DESTDIR)$(SYSCONFDIR)/syslog-ng/conf.d
	@$(call install_conf,$(SYSLOG_NG),$(DESTDIR)$(SYSCONFDIR)/syslog-ng/conf.d/casemail.conf)
endif
ifneq ($(MAN5),)
	install -d $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(addprefix $(GEN)/,$(MAN5)) $(DESTDIR)$(MANDIR)/man5/
endif
ifneq ($(MAN8),)
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(addprefix $(GEN)/,$(MAN8)) $(DESTDIR)$(MANDIR)/man8/
endif
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	@echo "installed. Next (as root): systemd-sysusers; systemd-tmpfiles --create casemail.conf;"
	@echo "  edit $(SYSCONFDIR)/casemail/casemail.conf; systemctl daemon-reload;"
	@echo "  systemctl enable --now casemail.service casemail-digest.timer  (docs/install.md)"

# Removes what install put there; configuration the admin changed, the
# user and the data (/var/lib/casemail, /var/spool/casemail) stay.
uninstall: install-gen
	rm -f $(DESTDIR)$(BINDIR)/casemailctl $(DESTDIR)$(SBINDIR)/casemaild
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/casemail.conf $(DESTDIR)$(TMPFILESDIR)/casemail.conf
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	@rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@for f in $(GEN)/conf/casemail.conf:$(DESTDIR)$(SYSCONFDIR)/casemail/casemail.conf \
		  $(foreach c,$(CAMPAIGNS),$(GEN)/conf/campaigns/$(c):$(DESTDIR)$(SYSCONFDIR)/casemail/campaigns/$(c)) \
		  $(if $(SYSLOG_NG),$(SYSLOG_NG):$(DESTDIR)$(SYSCONFDIR)/syslog-ng/conf.d/casemail.conf); do \
		src=$${f%%:*}; dst=$${f#*:}; \
		if cmp -s "$$src" "$$dst"; then rm -f "$$dst"; \
		elif [ -e "$$dst" ]; then echo "uninstall: kept changed $$dst"; fi; \
		if cmp -s "$$src" "$$dst.new"; then rm -f "$$dst.new"; fi; done
	@rmdir $(DESTDIR)$(SYSCONFDIR)/casemail/campaigns $(DESTDIR)$(SYSCONFDIR)/casemail 2>/dev/null || true

# ---- make fuzz: libFuzzer targets (docs/fuzzing.md) --------------------------
# lib/fuzz-NAME.c are built with clang into $(FUZZ_BUILD) against a copy of the
# library instrumented for coverage (fuzzer-no-link), ASan and UBSan; each
# runs FUZZ_SECONDS on $(FUZZ_BUILD)/corpus/NAME, which grows from
# tests/fuzz/seeds/NAME, tests/fuzz/regressions/NAME and seeds cut from the
# generated fixtures. FUZZ_TARGETS="fuzz-rules …" runs a subset.
FUZZ_BUILD   ?= $(BUILD)-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SRCS    := $(wildcard lib/fuzz-*.c)
FUZZERS      := $(FUZZ_SRCS:lib/%.c=%)
FUZZ_TARGETS ?= $(FUZZERS)
# Two clang warnings gcc does not give on the existing code are off (the
# rest of WARN/-Werror stays): -Wformat-nonliteral (in -Wformat=2) on log.c's
# vsnprintf of a va_list format, -Wmissing-field-initializers on libseccomp's
# SCMP_A0() macro in sandbox-seccomp.c.
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -Wno-format-nonliteral \
                -Wno-missing-field-initializers
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined

.PHONY: fuzz fuzz-build fuzz-bins
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
		LDFLAGS= fuzz-bins

fuzz-bins: $(FUZZERS:%=$(BUILD)/%)
.SECONDARY: $(FUZZ_SRCS:lib/%.c=$(BUILD)/lib/%.o)

$(BUILD)/fuzz-%: $(BUILD)/lib/fuzz-%.o $(BUILD)/libcasemail.a
	$(CC) $(ALL_CFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ $(LIBS)

-include $(FUZZ_SRCS:lib/%.c=$(BUILD)/lib/%.d)

# ---- make bench: casemail against the admin's tools (docs/bench.md) ---------
# bench-deps = deps + the baselines' packages (tests/bench/deps.sh); the
# corpus is generated into $(BUILD)/bench-corpus, results in $(BUILD)/bench-work.
# BENCH_IMAP_MAILS=N (500), BENCH_SKIP="imap latency baselines", BENCH_REPEAT=N.
.PHONY: bench bench-deps
bench: bench-deps
	$(MAKE) all $(BUILD)/bench-imapfetch $(BUILD)/bench-jpegdamage
	@BUILD=$(BUILD) bash tests/bench/run.sh

bench-deps: deps
	@sh tests/bench/deps.sh

$(BUILD)/bench-imapfetch: tests/bench/imapfetch.c $(BUILD)/libcasemail.a
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bench-jpegdamage: tests/bench/jpegdamage.c $(BUILD)/libcasemail.a
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(INSTALL_BUILD)

-include $(LIB_OBJS:.o=.d) $(TEST_SRCS:lib/%.c=$(BUILD)/lib/%.d) \
	$(BUILD)/daemon/casemailctl.d $(BUILD)/daemon/casemaild.d
