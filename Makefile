# tblk-ptp-sidecar — one non-recursive Makefile.
#
#   make              build/tblk-ptp-sidecar, build/libtblk.a and the man page
#   make unit         cmocka unit tests (and again under ASan+UBSan: unit-asan)
#   make fuzz         libFuzzer targets, each for FUZZ_SECONDS
#   make integration  the real daemon in network namespaces (root)
#   make reproducible-check  two clones at two paths build the same binary
#   make sbom         build/tblk-ptp-sidecar.cdx.json (CycloneDX 1.6)
#   make sbom-check   validate it against the schema and against ldd
#   make check        everything there is to test (integration again under
#                     ASan+UBSan); what .ci/run runs
#   make demo         a live stream from a real ptp4l grandmaster (root)
#   make bench        figures beside a bare recvmsg loop (root)
#   make torture      the full reliability suite (root)
#   make deps         apt-get install whatever Debian package is missing
#
# Honoured from the environment or the command line, as a distribution's
# build would pass them: CC, AR, PKG_CONFIG, CPPFLAGS, CFLAGS (last on the
# line), LDFLAGS, DESTDIR, PREFIX, SBINDIR, MANDIR, UNITDIR, SYSUSERSDIR,
# CONFDIR, SOURCE_DATE_EPOCH. The hardening flags are on by default; set
# HARDEN_CPPFLAGS=, HARDEN_CFLAGS= or HARDEN_LDFLAGS= (empty) to drop them.

.DEFAULT_GOAL := all

# The one place the version is written: --version, status frames, the man
# page and the SBOM all take it from here.
VERSION := 0.1.0

PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
CONFDIR ?= /etc/default
# Where systemd on this machine looks for units and sysusers.d files; the
# Debian 12 paths when systemd's .pc file is not there.
ifeq ($(origin UNITDIR),undefined)
UNITDIR := $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
endif
ifeq ($(origin SYSUSERSDIR),undefined)
SYSUSERSDIR := $(or $(shell $(PKG_CONFIG) --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
endif

CC ?= cc
CLANG ?= clang
FUZZ_SECONDS ?= 30
NPROC := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
PYTHON ?= /usr/bin/python3

# A missing package is an error where its flags are needed (any compile or
# link), not at parse time: `make deps`, `make clean` and `make check`
# (which runs deps first) must work on a machine that has none of them.
PKGS := libsystemd json-c libcap
pkg_missing = $(strip $(foreach p,$(1),$(if $(shell $(PKG_CONFIG) --exists $(p) 2>/dev/null && echo y),,$(p))))
PKGS_MISSING := $(call pkg_missing,$(PKGS))
CMOCKA_MISSING := $(call pkg_missing,cmocka)
need_pkgs = $(if $(1),$(error $(PKG_CONFIG) finds no $(1): install the Debian -dev packages (make deps) or point PKG_CONFIG/PKG_CONFIG_PATH at them))
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Reproducible builds (reproducible-builds.org): no build path in the
# binary (debug info, __FILE__), deterministic archives, and the date the
# man page carries from SOURCE_DATE_EPOCH: the last commit's, else the
# page's own mtime (a release tarball), never the clock.
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(or $(shell git -C $(CURDIR) log -1 --format=%ct 2>/dev/null),$(shell stat -c %Y docs/tblk-ptp-sidecar.8))
endif
MAN_DATE := $(shell LC_ALL=C date -u -d @$(SOURCE_DATE_EPOCH) '+%B %Y')
REPRO_CFLAGS := -ffile-prefix-map=$(CURDIR)=.

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wsign-compare -Wformat=2
ifeq ($(CI),true)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
# What a distribution adds (Debian's dpkg-buildflags hardening=+all):
# _FORTIFY_SOURCE only where the last -O optimises (glibc warns without),
# stack protector, PIE, full RELRO with immediate binding. The daemon and
# its tests get them; the sanitizer and fuzzer builds do not (FORTIFY's
# _chk wrappers hide accesses from ASan).
HARDEN_CPPFLAGS ?= $(if $(filter-out -O0,$(lastword $(filter -O%,$(CFLAGS)))),-D_FORTIFY_SOURCE=2)
HARDEN_CFLAGS ?= -fstack-protector-strong -fPIE
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro -Wl,-z,now
BASE_CPPFLAGS := -D_GNU_SOURCE -DTBLK_VERSION='"$(VERSION)"' -Iinclude
BASE_CFLAGS := -std=gnu11 $(WARN) $(PKG_CFLAGS) $(REPRO_CFLAGS) -MMD -MP
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

LIB_SRCS := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOLS := $(patsubst tests/tools/%.c,%,$(TOOL_SRCS))
BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))
BENCHES := $(patsubst tests/bench/%.c,%,$(BENCH_SRCS))
SHIM_SRCS := $(sort $(wildcard tests/shim/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))

B ?= build
BIN := $(B)/tblk-ptp-sidecar

# One build variant: $(1) directory, $(2) compiler, $(3) extra compile
# and link flags, $(4) extra preprocessor flags, $(5) extra link flags.
# The user's CPPFLAGS and CFLAGS come after ours so they win.
# Objects depend on the Makefile too: a changed flag rebuilds them.
define variant
$(1)/obj/%.o: %.c Makefile
	$$(call need_pkgs,$$(PKGS_MISSING))
	@mkdir -p $$(@D)
	$(2) $$(BASE_CPPFLAGS) $(4) $$(CPPFLAGS) $$(BASE_CFLAGS) $(3) $$(CFLAGS) -c $$< -o $$@

# D: zero timestamps, uids and modes in the archive (deterministic).
$(1)/libtblk.a: $$(LIB_SRCS:%.c=$(1)/obj/%.o)
	@rm -f $$@
	$$(AR) rcsD $$@ $$^

$(1)/tblk-ptp-sidecar: $(1)/obj/src/main.o $(1)/libtblk.a
	$(2) $(3) $(5) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)

$(1)/tests/%: $(1)/obj/tests/unit/%.o $(1)/libtblk.a
	$$(call need_pkgs,$$(CMOCKA_MISSING))
	@mkdir -p $$(@D)
	$(2) $(3) $(5) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(CMOCKA_LIBS)

$(1)/tools/%: $(1)/obj/tests/tools/%.o $(1)/libtblk.a
	@mkdir -p $$(@D)
	$(2) $(3) $(5) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread

$(1)/bench/%: $(1)/obj/tests/bench/%.o $(1)/libtblk.a
	@mkdir -p $$(@D)
	$(2) $(3) $(5) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread -lm

-include $$(shell find $(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,$(B),$(CC),$$(HARDEN_CFLAGS),$$(HARDEN_CPPFLAGS),$$(HARDEN_LDFLAGS)))
$(eval $(call variant,$(B)/asan,$(CLANG),$(SAN_FLAGS)))
$(eval $(call variant,$(B)/fuzz,$(CLANG),$(FUZZ_FLAGS)))

# The shim and the fuzzers compile straight from source: their -MMD files
# sit beside them, not under obj/.
-include $(wildcard $(B)/*.d $(B)/fuzz/*.d)

.PHONY: all unit unit-asan fuzz fuzz-build integration integration-asan \
	check demo bench torture deps install uninstall clean format \
	format-check tools asan man sbom sbom-check reproducible-check

# Objects of the test tools are intermediates of a chain rule; keep them.
.SECONDARY:

all: $(BIN) $(B)/libtblk.a $(B)/tblk-ptp-sidecar.8

man: $(B)/tblk-ptp-sidecar.8

# The page's .TH line carries @VERSION@ and @DATE@ (SOURCE_DATE_EPOCH).
$(B)/tblk-ptp-sidecar.8: docs/tblk-ptp-sidecar.8 Makefile
	@mkdir -p $(@D)
	sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@DATE@/$(MAN_DATE)/g' $< >$@

tools: $(TOOLS:%=$(B)/tools/%) $(SHIM_SRCS:tests/shim/%.c=$(B)/%.so) \
	$(BENCHES:%=$(B)/bench/%)

asan: $(B)/asan/tblk-ptp-sidecar $(TOOLS:%=$(B)/asan/tools/%)

# A shim links the daemon's own pure frame decoder (fakenic finds the PTP
# message inside a captured frame the way a NIC's filter would).
$(B)/%.so: tests/shim/%.c src/pkt_decode.c Makefile
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(BASE_CFLAGS) -fPIC -shared $(CFLAGS) \
		$(LDFLAGS) -o $@ $(filter %.c,$^) -ldl

unit: $(UNITS:%=$(B)/tests/%)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

unit-asan: $(UNITS:%=$(B)/asan/tests/%)
	@set -e; for t in $^; do echo "== $$t (ASan+UBSan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libtblk.a
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CPPFLAGS) $(CPPFLAGS) $(BASE_CFLAGS) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer $(CFLAGS) -o $@ $(filter %.c %.a,$^) $(PKG_LIBS)

fuzz-build: $(FUZZERS:%=$(B)/fuzz/%)

# Seeds are read from tests/fuzz/corpus/NAME; what the fuzzer finds goes
# to $(B)/fuzz/corpus/NAME so the tree stays clean.
fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do \
		n=$${f#fuzz_}; mkdir -p $(B)/fuzz/corpus/$$n; \
		echo "== $$f for $(FUZZ_SECONDS) s"; \
		$(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-timeout=10 $(B)/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			2>$(B)/fuzz/$$f.log || { tail -50 $(B)/fuzz/$$f.log; exit 1; }; \
		grep -E 'stat::number_of_executed_runs|Done' $(B)/fuzz/$$f.log | tr '\n' ' '; echo; \
	done

# Timing figures (pytest -m bench) belong to make bench, never to a pass.
integration: all tools
	TBLK_BUILD=$(B) $(PYTHON) -m pytest -v -rs -m "not bench" tests/integration \
		$(PYTEST_ARGS)

# Tests marked plain (conftest.py) check what is the same for both
# binaries: the ASan pass leaves them out.
integration-asan: asan tools
	TBLK_BUILD=$(B) TBLK_BIN=$(B)/asan/tblk-ptp-sidecar $(PYTHON) -m pytest \
		-v -rs -m "not bench and not plain" tests/integration $(PYTEST_ARGS)

# Two clones of HEAD at two paths must build the same bytes.
# The toolchain and flags given on our command line go to both builds.
REPRO_ENV = $(foreach v,CC CFLAGS CPPFLAGS LDFLAGS,$(if $(filter command line,$(origin $(v))),$(v)='$($(v))'))

reproducible-check:
	$(REPRO_ENV) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) scripts/reproducible-check.sh

# CycloneDX 1.6 beside the binary: what to pin and verify (docs/operations.md).
# CI runs in a fresh clone with shared/ beside it: the schema is found
# relative to the repository, never fetched.
SBOM := $(B)/tblk-ptp-sidecar.cdx.json
CDX_SCHEMA ?= $(CURDIR)/../shared/schemas/cyclonedx/bom-1.6.schema.json

sbom: $(SBOM)

$(SBOM): $(BIN) scripts/sbom.py
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(PYTHON) scripts/sbom.py \
		--binary $(BIN) --version $(VERSION) \
		--commit "$$(git -C $(CURDIR) rev-parse HEAD 2>/dev/null)" -o $@

sbom-check: $(SBOM)
	$(PYTHON) scripts/sbom-check.py --schema $(CDX_SCHEMA) $(SBOM) $(BIN)

# Everything there is to test, in one run.
check: deps
	@# everything built first, in parallel; the steps below find it made
	$(MAKE) -j$(NPROC) all tools asan fuzz-build $(UNITS:%=$(B)/tests/%) \
		$(UNITS:%=$(B)/asan/tests/%)
	$(MAKE) reproducible-check
	$(MAKE) sbom-check
	$(MAKE) unit
	$(MAKE) unit-asan
	@# six fuzzers: 6 s each keeps make check near 20 minutes on 2 cores
	@# (make fuzz alone gives each FUZZ_SECONDS, 30)
	$(MAKE) fuzz FUZZ_SECONDS=$(if $(filter 30,$(FUZZ_SECONDS)),6,$(FUZZ_SECONDS))
	$(MAKE) integration
	ASAN_OPTIONS=verify_asan_link_order=0 $(MAKE) integration-asan

# deps first, then a fresh make: pkg-config's flags are read when the
# Makefile is parsed, which on a new machine is before deps installed it.
demo: deps
	$(MAKE) all tools
	tests/demo.sh

bench: deps
	$(MAKE) all tools
	tests/bench/run.sh
	TBLK_BUILD=$(B) $(PYTHON) -m pytest -v -rs -m bench tests/integration \
		$(PYTEST_ARGS)

# The full torture suite (valgrind case included), then the whole
# integration suite again under ASan+UBSan (LD_PRELOAD shims need the
# link-order check off).
torture: deps
	$(MAKE) all tools asan
	TBLK_TORTURE=full TBLK_BUILD=$(B) $(PYTHON) -m pytest -v -rs \
		-m "not bench" tests/integration -k torture $(PYTEST_ARGS)
	ASAN_OPTIONS=verify_asan_link_order=0 $(MAKE) integration-asan

DEPS := build-essential pkg-config libsystemd-dev libjson-c-dev libcap-dev \
	libcmocka-dev linuxptp socat iproute2 ethtool tcpdump jq clang \
	libclang-rt-14-dev valgrind python3-jsonschema python3-pytest systemd \
	clang-format strace git binutils python3-prometheus-client

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $$missing >/dev/null; \
	fi

# The shipped unit names /usr/local/sbin (the default SBINDIR); the
# installed one names wherever SBINDIR put the binary.
SHIPPED_EXEC := /usr/local/sbin/tblk-ptp-sidecar

install: all
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/tblk-ptp-sidecar
	install -D -m 0644 $(B)/tblk-ptp-sidecar.8 $(DESTDIR)$(MANDIR)/man8/tblk-ptp-sidecar.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|^ExecStart=$(SHIPPED_EXEC) |ExecStart=$(SBINDIR)/tblk-ptp-sidecar |' \
		systemd/tblk-ptp-sidecar.service >$(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.service
	grep -q '^ExecStart=$(SBINDIR)/tblk-ptp-sidecar ' $(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.service
	install -D -m 0644 systemd/tblk-ptp-sidecar.socket $(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.socket
	install -D -m 0644 systemd/tblk-ptp-sidecar.sysusers $(DESTDIR)$(SYSUSERSDIR)/tblk-ptp-sidecar.conf
	[ -e $(DESTDIR)$(CONFDIR)/tblk-ptp-sidecar ] || \
		install -D -m 0644 systemd/tblk-ptp-sidecar.default $(DESTDIR)$(CONFDIR)/tblk-ptp-sidecar

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tblk-ptp-sidecar $(DESTDIR)$(MANDIR)/man8/tblk-ptp-sidecar.8 \
		$(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.service $(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.socket \
		$(DESTDIR)$(SYSUSERSDIR)/tblk-ptp-sidecar.conf

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)
