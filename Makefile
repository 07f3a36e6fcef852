# tl - learner analytics as Unix filters.
# common/LAYER/*.c -> build/libtl.a; each cmd/tl-NAME.c -> bin/tl-NAME linked
# with it. The layers and their rule: HACKING.md (make lint checks them).
# Unit tests: tests/unit/test_*.c -> build/test_*; CLI tests: tests/*.bats.

# The version: the one place it is set (--version prints it, make deb names
# the package with it; a test build may override it: make deb VERSION=...).
VERSION  = 0.1.0
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror
CPPFLAGS = -D_GNU_SOURCE -DTL_VERSION='"$(VERSION)"' -Icommon -MMD -MP
LDLIBS   = -lcsv -lcjson -lz -lzstd -lm -pthread
PREFIX  ?= /usr/local
BUILD   ?= build
BIN     ?= bin
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

COMMON_SRC = $(sort $(wildcard common/*/*.c))
COMMON_OBJ = $(patsubst common/%.c,$(BUILD)/common/%.o,$(COMMON_SRC))
CMD_SRC    = $(sort $(wildcard cmd/tl-*.c))
TOOLS      = $(patsubst cmd/%.c,$(BIN)/%,$(CMD_SRC))
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
UNITS      = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
LIB        = $(BUILD)/libtl.a
MANPAGES   = $(sort $(wildcard man/*.1 man/*.7))
HEADERS_OK = $(patsubst common/%.h,$(BUILD)/headers/%.ok,$(sort $(wildcard common/*/*.h)))

ifneq ($(V),1)
Q = @
endif

.SECONDARY:
.PHONY: all deps check check-slow unit headers bats san bats-san bats-tsan manlint lint demo bench bench-export bench-model bench-scale install deb version devpages clean

# The preload library of tests/faults.bats (failing fsync and write(2));
# plain flags whatever the build, since it is loaded into every build's tools.
FAULTSHIM = build/faultshim.so

all: $(TOOLS) $(FAULTSHIM)

$(FAULTSHIM): tests/faults/faultshim.c
	@mkdir -p $(@D)
	$(Q)$(CC) -D_GNU_SOURCE $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

$(BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BIN)/%: $(BUILD)/cmd/%.o $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Only tl-export links SQLite (export/sqlite.c; no other tool pulls it in).
$(BIN)/tl-export: LDLIBS += -lsqlite3

$(BUILD)/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: $(BUILD)/unit/%.o $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Every header compiles on its own: a one-line .c that includes only it.
$(BUILD)/headers/%.ok: common/%.h
	@mkdir -p $(@D)
	$(Q)printf '#include "%s"\n' '$*.h' >$(@:.ok=.c)
	$(Q)$(CC) $(CPPFLAGS) $(WARN) -fsyntax-only -MF $(@:.ok=.d) -MT $@ $(@:.ok=.c)
	@touch $@

headers: $(HEADERS_OK)

# Install missing Debian packages only when something is missing.
deps:
	@scripts/install-deps.sh --if-missing

unit: $(UNITS) headers
	@set -e; for t in $(UNITS); do $$t; done

# bats runs two test files at a time when GNU parallel is there (tests in
# one file stay in order: some share a setup_file fixture).
BATS_JOBS = $(shell command -v parallel >/dev/null 2>&1 && echo --jobs 2 --no-parallelize-within-files)

# tests/slow-*.bats (the plan's full-size A/B and rollout decisions, about
# 90 s of CPU) are make check-slow, which .ci/run runs after make check.
BATS_SUITES = $(filter-out tests/slow-%.bats,$(sort $(wildcard tests/*.bats)))
bats: all
	TL_BIN=$(CURDIR)/$(BIN) bats $(BATS_JOBS) $(BATS_SUITES)

check-slow: all
	TL_BIN=$(CURDIR)/$(BIN) bats $(BATS_JOBS) $(sort $(wildcard tests/slow-*.bats))

# The same CLI suite against an AddressSanitizer + UBSan build.
san:
	$(MAKE) BUILD=build-san BIN=bin-san CFLAGS="$(SANFLAGS)" all
	$(MAKE) BUILD=build-san BIN=bin-san CFLAGS="$(SANFLAGS)" unit

# tests/deb.bats (the package, built from its own objects) and the tests
# tagged heavy (`# bats test_tags=heavy`: a browser, ssh retries, a kill
# drill, a loop of 400 A/B tests, large samples; the C they run, smaller
# tests run under the sanitizers) run once, in the plain pass; so do those
# tagged plain, whose scripts run bin/'s tools whatever TL_BIN says (the
# benches' EXAMPLES: the ASan pass would only repeat them).
bats-san: san
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TL_BIN=$(CURDIR)/bin-san bats $(BATS_JOBS) --filter-tags '!heavy,!plain' $(filter-out tests/deb.bats,$(BATS_SUITES))

# The threaded loop (run.c tl_run_all) under ThreadSanitizer: the chunk
# suite compares every threaded run with the serial one, and a race makes
# the threaded run exit 66.
TSANFLAGS = -O1 -g -fsanitize=thread
bats-tsan:
	$(MAKE) BUILD=build-tsan BIN=bin-tsan CFLAGS="$(TSANFLAGS)" bin-tsan/tl-loadgen bin-tsan/tl-velocity \
		bin-tsan/tl-affinity bin-tsan/tl-retention
	TSAN_OPTIONS=halt_on_error=1:exitcode=66:atexit_sleep_ms=0 TL_BIN=$(CURDIR)/bin-tsan bats tests/chunks.bats

manlint:
	@set -e; for m in $(MANPAGES); do mandoc -Tlint -W warning $$m; done; echo "man pages lint clean"

# shellcheck over the shell, mandoc over the pages, and the layering rule.
SHELL_SRC = $(sort $(wildcard scripts/*.sh scripts/tl-* tests/*.bats tests/*.bash tests/*/*.sh)) .ci/run
lint: manlint
	shellcheck -x -s bash $(filter %.bats %.bash,$(SHELL_SRC))
	shellcheck -x $(filter-out %.bats %.bash,$(SHELL_SRC))
	tests/lint/layers.sh
	tests/lint/sizes.sh
	@echo "lint clean"

# Each step in turn, with the time since the start when it is done (the
# default suite is kept under 15 minutes on 2 cores). Each step's builds
# (plain, ASan, TSan, fuzz) run CHECK_JOBS compiles at once.
CHECK_STEPS = lint all unit manlint bats bats-san bats-tsan fuzz-check valgrind-check
CHECK_JOBS ?= 2
check: deps
	@t0=$$(date +%s); for s in $(CHECK_STEPS); do $(MAKE) -j$(CHECK_JOBS) $$s || exit 1; \
		echo "make check: $$s done at +$$(( $$(date +%s) - t0 )) s"; done

demo: deps
	$(MAKE) all
	@scripts/demo.sh

bench: deps
	$(MAKE) all
	@scripts/bench.sh
	@scripts/bench-export.sh
	@scripts/bench-scale.sh

# At scale (scripts/bench-scale.sh): 1M and 10M learners streamed through
# the 4-stage pipeline, tl-parallel -j 2 against the single pipeline on 1M,
# and the latency per learner at two rates: about 10 minutes.
bench-scale: deps
	$(MAKE) all
	@scripts/bench-scale.sh

# tl-model --fit in one process and over shards in passes (LEARNERS, SHARDS).
bench-model: deps
	$(MAKE) all
	@scripts/bench-model.sh

# tl-export alone at 1M learners (EXPORT_LEARNERS, QUERIES, GROUP_QUERIES):
# 3 to 6 minutes on the 2 shared cores, ending with a summary of the targets.
bench-export: deps
	$(MAKE) all
	@scripts/bench-export.sh

# The tools and the scripts that are commands (scripts/tl-*) in bin; the
# shipped configs (found by name: --config v1, util/datadir.h), the feature
# lists, the importers with their awk library, alert rules, dashboard and
# systemd units in share/tl. The acceptance scripts of the source tree
# (scripts/validate*.sh), the benches, the demo, install-deps.sh and
# make-deb.sh are not installed, nor are their pages (DEVPAGES).
SCRIPTS   = $(sort $(wildcard scripts/tl-*))
DEVPAGES  = $(sort $(wildcard man/validate*.1 man/bench*.1 man/demo.1 man/install-deps.1 man/make-deb.1))
SHARE     = $(sort $(wildcard config/*.json config/*.features)) config/batch.conf
IMPORTERS = $(sort $(wildcard scripts/import-*.sh))
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -d $(DESTDIR)$(PREFIX)/share/tl/prometheus $(DESTDIR)$(PREFIX)/share/tl/grafana $(DESTDIR)$(PREFIX)/share/tl/systemd
	install -d $(DESTDIR)$(PREFIX)/share/tl/lib
	install -m 755 $(TOOLS) $(SCRIPTS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(filter-out $(DEVPAGES),$(wildcard man/*.1)) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 $(SHARE) $(DESTDIR)$(PREFIX)/share/tl
	install -m 755 $(IMPORTERS) $(DESTDIR)$(PREFIX)/share/tl
	install -m 644 $(wildcard scripts/lib/*) $(DESTDIR)$(PREFIX)/share/tl/lib
	install -m 644 config/prometheus/tl-alerts.yml $(DESTDIR)$(PREFIX)/share/tl/prometheus
	install -m 644 config/grafana/tl-dashboard.json $(DESTDIR)$(PREFIX)/share/tl/grafana
	install -m 644 config/systemd/tl-batch.service config/systemd/tl-batch.timer $(DESTDIR)$(PREFIX)/share/tl/systemd

version:
	@echo $(VERSION)

# the pages of the developer scripts, not installed (MP001, DEB003)
devpages:
	@echo $(DEVPAGES)

# The Debian package tl_VERSION_ARCH.deb in DEB_OUT (scripts/make-deb.sh),
# checked with lintian (errors fail the build).
DEB_OUT ?= $(CURDIR)/build-deb
deb: deps
	@deb=$$(scripts/make-deb.sh $(VERSION) $(DEB_OUT)) && echo "$$deb" && \
	lintian --fail-on error --info "$$deb"

clean:
	rm -rf build build-san build-tsan build-deb build-fuzz build-valgrind bin bin-san bin-tsan

-include $(COMMON_OBJ:.o=.d) $(patsubst $(BIN)/%,$(BUILD)/cmd/%.d,$(TOOLS)) $(addsuffix .d,$(UNITS)) $(HEADERS_OK:.ok=.d)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c; clang, ASan and UBSan): make fuzz
# runs each for FUZZ_SECONDS, two at a time, from its seeds (tests/fuzz/seeds/,
# or made from testdata/ by tests/fuzz/seeds.sh), with the dictionaries of
# tests/fuzz/dict/, keeping what it learns in build-fuzz/corpus/; a crash, a
# leak, a broken invariant or 1 GB of memory fails, with the input in
# build-fuzz/crash-* (tests/fuzz/run.sh). make check runs fuzz-check: each
# for FUZZ_CHECK_SECONDS. A harness for the xAPI reader goes in as
# tests/fuzz/fuzz_xapi.c (with a dictionary in run.sh's dicts).
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10
FUZZ_CC      ?= clang
FUZZ_CFLAGS   = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZERS       = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
.PHONY: fuzz fuzz-build fuzz-check

fuzz-build:
	$(MAKE) CC=$(FUZZ_CC) BUILD=build-fuzz CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" build-fuzz/libtl.a
	$(MAKE) $(FUZZERS)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libtl.a
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libtl.a $(LDLIBS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-check: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS)

# Valgrind memcheck over a subset of the CLI suite (the readers of every
# input shape and of the side files): each tool runs under valgrind through
# a wrapper in build-valgrind/bin, and an error or a definite leak exits 99,
# which fails the test. VALGRIND_SUITES picks the files, run two at a time.
# make check runs valgrind-check: VALGRIND_CHECK_SUITES, the suites of the
# reader (every input shape), the side files, tl-velocity and tl-score (52
# tests): 2m41s on 2 cores shared with other work (load 6). garbage.bats
# (the three default suites took 3m47s, one file at a time) stays in make
# valgrind only; tl-abtest.bats has 800,000-learner runs, too slow for it.
VALGRIND_SUITES ?= tests/reader.bats tests/garbage.bats tests/sidefile.bats
VALGRIND_CHECK_SUITES = tests/reader.bats tests/sidefile.bats tests/tl-velocity.bats tests/tl-score.bats
.PHONY: valgrind valgrind-check
valgrind-check:
	$(MAKE) valgrind VALGRIND_SUITES="$(VALGRIND_CHECK_SUITES)"

valgrind: all
	@mkdir -p build-valgrind/bin
	@set -e; for t in $(TOOLS); do n=$${t#$(BIN)/}; \
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite %s "$$@"\n' \
			"$(CURDIR)/$$t" >build-valgrind/bin/$$n; chmod +x build-valgrind/bin/$$n; done
	TL_THREADS=1 TL_BIN=$(CURDIR)/build-valgrind/bin bats $(BATS_JOBS) $(VALGRIND_SUITES)
