# tblk-ptp-sidecar — one non-recursive Makefile.
#
#   make              build/tblk-ptp-sidecar and build/libtblk.a
#   make unit         cmocka unit tests (and again under ASan+UBSan: unit-asan)
#   make fuzz         libFuzzer targets, each for FUZZ_SECONDS
#   make integration  the real daemon in network namespaces (root)
#   make check        everything there is to test (integration again under
#                     ASan+UBSan); what .ci/run runs
#   make demo         a live stream from a real ptp4l grandmaster (root)
#   make bench        figures beside a bare recvmsg loop (root)
#   make torture      the full reliability suite (root)
#   make deps         apt-get install whatever Debian package is missing

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
CONFDIR ?= /etc/default

CC ?= cc
CLANG ?= clang
FUZZ_SECONDS ?= 30
PYTHON ?= /usr/bin/python3

PKGS := libsystemd json-c libcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wsign-compare -Wformat=2
ifeq ($(CI),true)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DTBLK_VERSION='"$(VERSION)"' \
	-Iinclude $(WARN) $(PKG_CFLAGS) -MMD -MP
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS := $(patsubst tests/tools/%.c,%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCHES := $(patsubst tests/bench/%.c,%,$(BENCH_SRCS))
SHIM_SRCS := $(wildcard tests/shim/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))

B ?= build
BIN := $(B)/tblk-ptp-sidecar

# One build variant: $(1) directory, $(2) compiler, $(3) extra flags.
define variant
$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	$(2) $$(BASE_CFLAGS) $(3) $$(CFLAGS) -c $$< -o $$@

$(1)/libtblk.a: $$(LIB_SRCS:%.c=$(1)/obj/%.o)
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/tblk-ptp-sidecar: $(1)/obj/src/main.o $(1)/libtblk.a
	$(2) $(3) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)

$(1)/tests/%: $(1)/obj/tests/unit/%.o $(1)/libtblk.a
	@mkdir -p $$(@D)
	$(2) $(3) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(CMOCKA_LIBS)

$(1)/tools/%: $(1)/obj/tests/tools/%.o $(1)/libtblk.a
	@mkdir -p $$(@D)
	$(2) $(3) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread

$(1)/bench/%: $(1)/obj/tests/bench/%.o $(1)/libtblk.a
	@mkdir -p $$(@D)
	$(2) $(3) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread -lm

-include $$(shell find $(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,$(B),$(CC),))
$(eval $(call variant,$(B)/asan,$(CLANG),$(SAN_FLAGS)))
$(eval $(call variant,$(B)/fuzz,$(CLANG),$(FUZZ_FLAGS)))

.PHONY: all unit unit-asan fuzz fuzz-build integration integration-asan \
	check demo bench torture deps install uninstall clean format \
	format-check tools asan

# Objects of the test tools are intermediates of a chain rule; keep them.
.SECONDARY:

all: $(BIN) $(B)/libtblk.a

tools: $(TOOLS:%=$(B)/tools/%) $(SHIM_SRCS:tests/shim/%.c=$(B)/%.so) \
	$(BENCHES:%=$(B)/bench/%)

asan: $(B)/asan/tblk-ptp-sidecar $(TOOLS:%=$(B)/asan/tools/%)

# A shim links the daemon's own pure frame decoder (fakenic finds the PTP
# message inside a captured frame the way a NIC's filter would).
$(B)/%.so: tests/shim/%.c src/pkt_decode.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -fPIC -shared $(CFLAGS) -o $@ $^ -ldl

unit: $(UNITS:%=$(B)/tests/%)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

unit-asan: $(UNITS:%=$(B)/asan/tests/%)
	@set -e; for t in $^; do echo "== $$t (ASan+UBSan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libtblk.a
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CFLAGS) \
		-o $@ $^ $(PKG_LIBS)

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

integration: all tools
	TBLK_BUILD=$(B) $(PYTHON) -m pytest -v -rs tests/integration $(PYTEST_ARGS)

integration-asan: asan tools
	TBLK_BUILD=$(B) TBLK_BIN=$(B)/asan/tblk-ptp-sidecar $(PYTHON) -m pytest \
		-v -rs tests/integration $(PYTEST_ARGS)

# Everything there is to test, in one run.
check: deps
	$(MAKE) all tools
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz FUZZ_SECONDS=$(if $(filter 30,$(FUZZ_SECONDS)),20,$(FUZZ_SECONDS))
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

# The full torture suite (valgrind case included), then the whole
# integration suite again under ASan+UBSan (LD_PRELOAD shims need the
# link-order check off).
torture: deps
	$(MAKE) all tools asan
	TBLK_TORTURE=full TBLK_BUILD=$(B) $(PYTHON) -m pytest -v -rs \
		tests/integration -k torture $(PYTEST_ARGS)
	ASAN_OPTIONS=verify_asan_link_order=0 $(MAKE) integration-asan

DEPS := build-essential pkg-config libsystemd-dev libjson-c-dev libcap-dev \
	libcmocka-dev linuxptp socat iproute2 ethtool tcpdump jq clang \
	libclang-rt-14-dev valgrind python3-jsonschema python3-pytest systemd \
	clang-format strace

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $$missing >/dev/null; \
	fi

install: all
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/tblk-ptp-sidecar
	install -D -m 0644 docs/tblk-ptp-sidecar.8 $(DESTDIR)$(MANDIR)/man8/tblk-ptp-sidecar.8
	install -D -m 0644 systemd/tblk-ptp-sidecar.service $(DESTDIR)$(UNITDIR)/tblk-ptp-sidecar.service
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
