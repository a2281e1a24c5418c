# keyceremony: offline root-CA key ceremony toolkit.
#
# make            build lib/libkeyceremony.a and one binary per cmd/*.c into bin/
# make check      build and run every test (Check suites, then integration tests)
# make bench      time CRL building against openssl ca -gencrl, and ca-audit
#                 against openssl speed (not in check)
# make demo       rehearse a root CA ceremony on a scratch SoftHSM2 token
# make install    install binaries, man pages, stock profiles, ceremony
#                 scripts and bash completion (PREFIX, DESTDIR)
# make deb        build the Debian package of the commit checked out into
#                 dist/, and print the SHA-256 of each binary in it

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man
PROFILEDIR := $(PREFIX)/share/keyceremony/profiles
COMPDIR    := $(PREFIX)/share/bash-completion/completions
SCRIPTDIR  := $(PREFIX)/share/keyceremony/ceremony-scripts

CC         ?= cc
PKGS       := libcrypto libp11 jansson libgfshare
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) p11-kit-1 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

# The commit goes into the records (env.tool.commit) and --version, so the
# objects that use it are rebuilt whenever it changes: lib/.commit is
# rewritten only then.
GIT_COMMIT := $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && \
                { git diff --quiet HEAD 2>/dev/null || c=$$c-dirty; } && \
                echo $$c || echo unknown)
COMMIT_STAMP := lib/.commit
$(shell echo '$(GIT_COMMIT)' | cmp -s - $(COMMIT_STAMP) 2>/dev/null || \
    echo '$(GIT_COMMIT)' >$(COMMIT_STAMP))

# Reproducible builds: two builds of one commit, in different folders and
# at different times, give the same bytes, so that an auditor can rebuild
# the binary that each record names by its SHA-256.  Nothing may carry the
# build's folder (-ffile-prefix-map), the clock (-Wdate-time turns
# __DATE__ and __TIME__ into errors; SOURCE_DATE_EPOCH, the commit's time
# unless set, is there for any tool that wants a date) or the order files
# happen to lie in (sorted sources, a deterministic archive).
ifeq ($(SOURCE_DATE_EPOCH),)
SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
endif
export SOURCE_DATE_EPOCH

WARN       := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
              -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
              -Wwrite-strings -Wvla -Wundef -Wnull-dereference \
              -Wimplicit-fallthrough -Wdate-time
HARDEN     := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
              -fstack-clash-protection
CFLAGS     ?= -O2 -g
REPRO      := -ffile-prefix-map=$(CURDIR)=.
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CPPFLAGS) \
              $(CFLAGS) $(REPRO) -Ilib $(PKG_CFLAGS) \
              -DKC_VERSION='"$(VERSION)"' -DKC_COMMIT='"$(GIT_COMMIT)"'
LDHARDEN   := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
ALL_LDFLAGS:= $(LDHARDEN) $(LDFLAGS)

# make check SANITIZE=1: ASan and UBSan, and any finding stops the test.
# faketime preloads itself, so ASan must not insist on coming first.
ifeq ($(SANITIZE),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -U_FORTIFY_SOURCE
ALL_LDFLAGS += -fsanitize=address,undefined
export ASAN_OPTIONS := verify_asan_link_order=0
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
# The time limits, scaled to the slower build: the integration runner's
# per script, and Check's per test case.
export KC_LIMIT_SCALE := 4
export CK_TIMEOUT_MULTIPLIER := 4
endif

# Objects remember the flags they were built with: switching SANITIZE (or
# CFLAGS) rebuilds everything rather than mixing the two.
FLAGS_STAMP := lib/.flags
$(shell echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $(FLAGS_STAMP) \
    2>/dev/null || echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' >$(FLAGS_STAMP))

LIB_SRCS   := $(sort $(wildcard lib/*.c))
LIB_OBJS   := $(LIB_SRCS:.c=.o)
LIB        := lib/libkeyceremony.a
CMD_SRCS   := $(sort $(wildcard cmd/*.c))
BINS       := $(patsubst cmd/%.c,bin/%,$(CMD_SRCS))
CHECK_SRCS := $(sort $(wildcard tests/check_*.c))
CHECK_BINS := $(patsubst tests/%.c,tests/bin/%,$(CHECK_SRCS))
MANPAGES   := $(sort $(wildcard man/*.[0-9]))

.PHONY: all deps check check-run unit integration bench demo demo-run install \
        deb fuzz valgrind \
        clean
.DELETE_ON_ERROR:

all: $(BINS)

deps:
	@./tests/deps.sh

lib/%.o: lib/%.c $(wildcard lib/*.h) Makefile $(FLAGS_STAMP)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/envinfo.o: $(COMMIT_STAMP)

$(LIB): $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcsD $@ $(LIB_OBJS)

bin/%: cmd/%.c $(LIB) $(wildcard lib/*.h cmd/*.h) $(COMMIT_STAMP) \
    $(FLAGS_STAMP)
	@mkdir -p bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -ldl

tests/bin/%: tests/%.c tests/check_util.h $(LIB) $(wildcard lib/*.h) \
    $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) $(CHECK_LIBS) -ldl

# deps runs first and make restarts, so that pkg-config sees freshly
# installed packages on a new machine.
check:
	@./tests/deps.sh
	@$(MAKE) --no-print-directory check-run

# libFuzzer harnesses (tests/fuzz/), with clang over their own build of
# lib/: make fuzz runs each for FUZZ_TIME seconds; make check replays the
# seed corpora in testdata/fuzz/ and a fixed-seed run (tests/fuzz.sh).
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Ilib $(PKG_CFLAGS) \
              -fsanitize=address,undefined -fno-sanitize-recover=all \
              -DKC_VERSION='"$(VERSION)"' -DKC_COMMIT='"$(GIT_COMMIT)"'
FUZZ_OBJS  := $(patsubst lib/%.c,tests/bin/fuzzobj/%.o,$(LIB_SRCS))
FUZZERS    := $(patsubst tests/fuzz/%.c,tests/bin/%,\
                $(sort $(wildcard tests/fuzz/fuzz_*.c)))

tests/bin/fuzzobj/%.o: lib/%.c $(wildcard lib/*.h) Makefile
	@mkdir -p tests/bin/fuzzobj
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

tests/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzzkit.h $(FUZZ_OBJS)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
	    $(PKG_LIBS) -ldl

.SECONDARY: $(FUZZ_OBJS)

fuzz: $(FUZZERS)
	@FUZZ_TIME=$(FUZZ_TIME) ./tests/fuzz.sh long $(FUZZERS)

# A PKCS#11 module that fails the Nth call, or lies
# (tests/integration/test_faults.sh).  Not sanitized: it is loaded into
# sanitized and plain processes alike.  Never unloaded (-z nodelete), so
# that a command that loads the module twice (a security officer's
# session, then the user's) is counted as one run of calls.
tests/bin/p11fault.so: tests/p11fault.c
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared \
	    -Wl,-z,nodelete $(PKG_CFLAGS) -o $@ $< -ldl

# A preload shim that kills or fails the Nth file write, fsync or rename
# (tests/integration/test_crash.sh); not sanitized, for the same reason.
tests/bin/crashfs.so: tests/crashfs.c
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared \
	    -o $@ $< -ldl

tests/bin/p11attrs: tests/p11attrs.c $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ldl

# A test tool: what a module answers to the request a quirk row avoids.
tests/bin/p11quirk: tests/p11quirk.c $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ldl

# The interoperability verifiers (tests/interop.sh) link one foreign TLS
# library each and nothing of lib/, so a bug of ours cannot make another
# stack agree with us.  Debian 12's Mbed TLS 2.28 ships no .pc file.
VERIFIERS    := tests/bin/mbedtls-verify tests/bin/wolfssl-verify
VFY_DEPS     := tests/verifiers/vcommon.c tests/verifiers/vcommon.h Makefile
MBEDTLS_LIBS := $(shell pkg-config --libs mbedtls mbedx509 mbedcrypto \
                  2>/dev/null || echo -lmbedx509 -lmbedtls -lmbedcrypto)
WOLFSSL_CFLAGS := $(shell pkg-config --cflags wolfssl 2>/dev/null)
WOLFSSL_LIBS := $(shell pkg-config --libs wolfssl 2>/dev/null || echo -lwolfssl)

tests/bin/mbedtls-verify: tests/verifiers/mbedtls-verify.c $(VFY_DEPS) \
    $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -Itests/verifiers -o $@ $< \
	    tests/verifiers/vcommon.c $(ALL_LDFLAGS) $(MBEDTLS_LIBS)

tests/bin/wolfssl-verify: tests/verifiers/wolfssl-verify.c $(VFY_DEPS) \
    $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) $(WOLFSSL_CFLAGS) -Itests/verifiers -o $@ $< \
	    tests/verifiers/vcommon.c $(ALL_LDFLAGS) $(WOLFSSL_LIBS)

# A test tool over lib/: leaves signed by a CA's token key.
tests/bin/leafsign: tests/leafsign.c $(LIB) $(wildcard lib/*.h) $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -ldl

# A benchmark tool over lib/: a CRL over a given index, signed on a token.
tests/bin/crlbench: tests/bench/crlbench.c $(LIB) $(wildcard lib/*.h) \
    $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -ldl

# A benchmark tool over lib/: a synthetic root CA directory whose log
# records many issued certificates, all signed with software keys.
tests/bin/auditgen: tests/bench/auditgen.c $(LIB) $(wildcard lib/*.h) \
    $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -ldl

# A benchmark tool: the token's raw signing rate, C_Sign in a loop.
tests/bin/p11rate: tests/bench/p11rate.c $(FLAGS_STAMP)
	@mkdir -p tests/bin
	@echo "  CCLD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -pthread -ldl

TEST_TOOLS := tests/bin/p11attrs tests/bin/p11quirk tests/bin/leafsign \
              tests/bin/p11fault.so \
              tests/bin/crashfs.so \
              tests/bin/crlbench tests/bin/auditgen tests/bin/p11rate \
              $(FUZZERS) \
              $(VERIFIERS)

check-run: all $(CHECK_BINS) $(TEST_TOOLS)
	@./tests/run-unit.sh $(CHECK_BINS)
	@./tests/run-integration.sh

unit: all $(CHECK_BINS)
	@./tests/run-unit.sh $(CHECK_BINS)

integration: all $(TEST_TOOLS)
	@./tests/run-integration.sh

# Not part of check: at a million entries, about 300 MB of scratch disk and
# 600 MB of memory for openssl's side.  BENCH_N=100000 make bench is shorter.
# Then ca-audit over logs of 10,000 and 100,000 issued certificates
# (AUDIT_BENCH_N sets the larger; about 1.2 GB of scratch disk at 100,000),
# and ca-sign-sub against openssl x509 -req -engine pkcs11 (P1), and
# ca-issue on 10,000 requests against the token's raw signing rate and
# an openssl x509 -req loop (P3).
# The integration tests with every command under valgrind's memcheck
# (slow; VALGRIND_TESTS="test_crl ..." picks the tests).
valgrind: all $(TEST_TOOLS)
	@./tests/valgrind.sh $(VALGRIND_TESTS)

bench: all tests/bin/crlbench tests/bin/auditgen tests/bin/p11rate
	@./tests/bench/crl-bench.sh
	@BENCH_N=$${AUDIT_BENCH_N:-100000} ./tests/bench/audit-bench.sh
	@./tests/bench/sign-bench.sh
	@./tests/bench/issue-bench.sh

demo:
	@./tests/deps.sh
	@$(MAKE) --no-print-directory demo-run

demo-run: all tests/bin/p11attrs
	@./tests/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	for m in $(MANPAGES); do \
	  s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	install -d $(DESTDIR)$(PROFILEDIR)
	install -m 0644 $(wildcard profiles/*.json) $(DESTDIR)$(PROFILEDIR)/
	install -d $(DESTDIR)$(SCRIPTDIR)
	install -m 0644 ceremony-scripts/lib.sh $(DESTDIR)$(SCRIPTDIR)/
	for f in $(filter-out ceremony-scripts/lib.sh,$(wildcard ceremony-scripts/*.sh)); do \
	  install -m 0755 $$f $(DESTDIR)$(SCRIPTDIR)/; \
	done
	install -d $(DESTDIR)$(COMPDIR)
	install -m 0644 completion/keyceremony.bash $(DESTDIR)$(COMPDIR)/ca-init
	for c in $(filter-out ca-init,$(notdir $(BINS))); do \
	  ln -sf ca-init $(DESTDIR)$(COMPDIR)/$$c; \
	done

# The package of HEAD, built by dpkg-buildpackage in a fresh clone under
# build/deb, so that nothing of this tree (objects, uncommitted edits,
# make's own flags) gets into it.  dist/ receives the .deb, its debug
# symbols, and the .buildinfo that names every package the build used:
# an auditor with the same ones rebuilds the same bytes.
DEB_WORK := build/deb

deb:
	@git rev-parse -q --verify HEAD >/dev/null || { echo "make deb:" \
	    "not a git checkout; run dpkg-buildpackage -b here instead" >&2; \
	    exit 1; }
	@git diff --quiet HEAD || echo "make deb: packaging commit" \
	    "$$(git rev-parse --short=12 HEAD); uncommitted changes are" \
	    "left out" >&2
	@rm -rf $(DEB_WORK) && mkdir -p $(DEB_WORK) dist
	@git clone -q --no-hardlinks . $(DEB_WORK)/keyceremony
	@echo "  DEB     $(DEB_WORK)/keyceremony"
	@cd $(DEB_WORK)/keyceremony && env -u MAKEFLAGS -u MFLAGS \
	    -u MAKELEVEL dpkg-buildpackage -b -us -uc -Jauto \
	    >../build.log 2>&1 || { tail -20 ../build.log >&2; \
	    echo "make deb: dpkg-buildpackage failed; see" \
	    "$(DEB_WORK)/build.log" >&2; exit 1; }
	@cp $(DEB_WORK)/*.deb $(DEB_WORK)/*.buildinfo $(DEB_WORK)/*.changes \
	    dist/
	@dpkg-deb -x $(DEB_WORK)/keyceremony_*.deb $(DEB_WORK)/root
	@ls dist/*
	@cd $(DEB_WORK)/root/usr/bin && sha256sum *

clean:
	rm -rf build dist bin tests/bin lib/*.o $(LIB) $(COMMIT_STAMP) \
	    $(FLAGS_STAMP)
