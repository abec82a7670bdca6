# finscope — build, test and demo.
#
# Layout: dissect/ analyzer/ storage/ report/ are static libraries; cli/ links them into
# ./finscope.
# Unit tests (tests/unit/test_<module>*.c) are Criterion binaries linked against the module they
# test; end-to-end tests (tests/e2e/*.sh) run a built finscope over captures in data/.
# `make test` runs everything twice: a normal build (build/) and one under ASan+UBSan (build-san/).

PREFIX    ?= /usr/local
VERSION   := 0.1.0
PKGS      := libpcap libndpi sqlite3 zlib libpq
DEB_PKGS  := libpcap-dev libndpi-dev libsqlite3-dev libpq-dev libcriterion-dev zlib1g-dev pkg-config
# Tests that skip cleanly without them: the real-kernel tests (iproute2; nftables for the
# router's middleboxes and path loss), the browser test of
# the HTML report (chromium, chromium-driver, python3), the man page test (man-db, groff-base);
# t_merge.sh and t_pcapng.sh compare with tshark and mergecap (and skip those checks without).
TEST_DEB_PKGS := iproute2 nftables chromium chromium-driver python3 man-db groff-base tshark \
                 postgresql

B         ?= build
CC        ?= cc
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
WARN      := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT       ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS  += -D_GNU_SOURCE -I. -DFINSCOPE_VERSION='"$(VERSION)"'
CFLAGS    += $(WARN) $(OPT) $(EXTRA_CFLAGS)
LDLIBS    += $(PKG_LIBS) -lm -pthread
TEST_LIBS  = $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

DISSECT_SRC  := $(wildcard dissect/*.c)
ANALYZER_SRC := $(wildcard analyzer/*.c)
STORAGE_SRC  := $(wildcard storage/*.c)
REPORT_SRC   := $(wildcard report/*.c)
# The capture readers (files, gzip, libpcap and the pcapng reader, the merge) are also a library,
# so that the fuzz targets and unit tests read captures exactly as finscope does.
INPUT_SRC    := cli/capture_source.c cli/gz_stream.c cli/pcapng_read.c cli/input_set.c \
                cli/record_filter.c cli/errbuf.c
CLI_SRC      := $(filter-out $(INPUT_SRC),$(wildcard cli/*.c))
TESTLIB_SRC  := $(wildcard tests/lib/*.c)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
TOOL_SRC     := $(wildcard tests/tools/*.c)

objs = $(patsubst %.c,$(B)/%.o,$(1))
LIB_DISSECT  := $(B)/libdissect.a
LIB_ANALYZER := $(B)/libanalyzer.a
LIB_STORAGE  := $(B)/libstorage.a
LIB_REPORT   := $(B)/libreport.a
LIB_INPUT    := $(B)/libinput.a
LIB_TESTLIB  := $(B)/libtesthelp.a
UNIT_BINS    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_BINS    := $(patsubst tests/tools/%.c,$(B)/tests/%,$(TOOL_SRC))
FUZZ_NAMES   := dissect analyzer capture defrag
# Each fuzz target also built as a plain program that replays files (data/fuzz/, seeds).
REPLAY_BINS  := $(patsubst %,$(B)/tests/replay_%,$(FUZZ_NAMES))
DEPS_STAMP   := build/.deps-ok

.PHONY: all deps test-deps test unit e2e check demo clean install install-files uninstall bench \
        corpus corpus-compare workers-compare fuzz fuzz-build ndpi-compare
all: deps $(B)/finscope finscope

# ---- dependencies -------------------------------------------------------------------------------
deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	@sh tests/install-deps.sh $(DEB_PKGS)
	@mkdir -p build && touch $@
test-deps:
	@sh tests/install-deps.sh --optional $(TEST_DEB_PKGS)

# ---- objects and libraries ----------------------------------------------------------------------
$(B)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_DISSECT):  $(call objs,$(DISSECT_SRC))
$(LIB_ANALYZER): $(call objs,$(ANALYZER_SRC))
$(LIB_STORAGE):  $(call objs,$(STORAGE_SRC))
$(LIB_REPORT):   $(call objs,$(REPORT_SRC)) $(B)/report/assets.o
$(LIB_INPUT):    $(call objs,$(INPUT_SRC))
$(LIB_TESTLIB):  $(call objs,$(TESTLIB_SRC))
# The HTML report's style and script, built into the program (report/embed.sh).
REPORT_ASSETS := report/page.css report/page.js
$(B)/report/assets.c: report/embed.sh $(REPORT_ASSETS)
	@mkdir -p $(dir $@)
	sh report/embed.sh $(REPORT_ASSETS) > $@.tmp && mv $@.tmp $@
$(B)/report/assets.o: $(B)/report/assets.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(B)/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/finscope: $(call objs,$(CLI_SRC)) $(LIB_INPUT) $(LIB_REPORT) $(LIB_STORAGE) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@

# The top-level ./finscope is a copy of the normal build (what README and the hook run).
finscope: build/finscope
	cp build/finscope $@

# ---- tests --------------------------------------------------------------------------------------
# A unit test binary links the module named by its file name (test_<module>_*.c) and what it uses.
define link_test
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(TEST_LIBS) $(LDLIBS) -o $@
endef
$(B)/tests/test_dissect%:  $(B)/tests/unit/test_dissect%.o  $(LIB_TESTLIB) $(LIB_DISSECT)
	$(link_test)
$(B)/tests/test_analyzer%: $(B)/tests/unit/test_analyzer%.o $(LIB_TESTLIB) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(link_test)
$(B)/tests/test_storage%:  $(B)/tests/unit/test_storage%.o  $(LIB_TESTLIB) $(LIB_STORAGE) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(link_test)
$(B)/tests/test_report%:   $(B)/tests/unit/test_report%.o   $(LIB_TESTLIB) $(LIB_REPORT) $(LIB_STORAGE) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(link_test)
# cli/'s testable parts: live's rotating result files (over storage and report's jsonl).
# And --workers' pool (cli/workers.c, its flow hash and shared sink).
CLI_TESTED := cli/rotate_sink.c cli/rotate_name.c cli/workers.c cli/worker_hash.c cli/shared_sink.c
$(B)/tests/test_cli%:      $(B)/tests/unit/test_cli%.o $(call objs,$(CLI_TESTED)) $(LIB_TESTLIB) $(LIB_REPORT) $(LIB_STORAGE) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(link_test)
$(B)/tests/test_input%:    $(B)/tests/unit/test_input%.o    $(LIB_TESTLIB) $(LIB_INPUT) $(LIB_DISSECT)
	$(link_test)
# Helper programs for the end-to-end tests (capture maker, query tool, kernel peers).
$(B)/tests/%: $(B)/tests/tools/%.o $(LIB_TESTLIB) $(LIB_INPUT) $(LIB_STORAGE) $(LIB_ANALYZER) $(LIB_DISSECT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)
$(B)/tests/replay_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/standalone_main.o $(LIB_INPUT) $(LIB_ANALYZER) $(LIB_DISSECT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@

e2e: $(B)/finscope $(TOOL_BINS) $(REPLAY_BINS)
	@FINSCOPE=$(abspath $(B)/finscope) TOOLS=$(abspath $(B)/tests) sh tests/e2e/run.sh

check: unit e2e

test: deps test-deps
	$(MAKE) --no-print-directory B=build check
	$(MAKE) --no-print-directory B=build-san EXTRA_CFLAGS="$(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g" check
	$(MAKE) --no-print-directory finscope

# ---- robustness over the shared public corpus (../shared/corpus), when it exists --------------------
corpus: all
	@sh tests/corpus.sh ./finscope

# ---- benchmark (bench/README.md): speed and memory against the read limit and peer tools ----------
$(B)/bench/gencap: $(B)/bench/gencap.o $(LIB_TESTLIB) $(LIB_DISSECT)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@
$(B)/bench/readloop: $(B)/bench/readloop.o
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@
$(B)/bench/corpusmix: $(B)/bench/corpusmix.o
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@
bench: deps $(B)/finscope $(B)/bench/gencap $(B)/bench/readloop $(B)/bench/corpusmix $(B)/tests/sqlq
	@FINSCOPE=$(abspath $(B)/finscope) GENCAP=$(abspath $(B)/bench/gencap) \
	    CORPUSMIX=$(abspath $(B)/bench/corpusmix) \
	    READLOOP=$(abspath $(B)/bench/readloop) SQLQ=$(abspath $(B)/tests/sqlq) sh bench/run.sh

# ---- TCP conversations against tshark's over the shared corpus (tests/corpus_compare.sh) ------
# Prints the share of tshark's TCP conversations finscope has as TCP flows; fails below 99.9%.
SHARED_CORPUS ?= ../shared/corpus
corpus-compare: deps $(B)/finscope $(B)/tests/sqlq
	@sh tests/install-deps.sh --optional tshark
	@FINSCOPE=$(abspath $(B)/finscope) TOOLS=$(abspath $(B)/tests) \
	    sh tests/corpus_compare.sh -m 99.9 $(SHARED_CORPUS)

# ---- --workers N against --workers 1 over the shared corpus (tests/workers_compare.sh) -----------
# A run per capture, 4 workers against 1, every stored row but the ids: with nDPI (runs that
# differ only in nDPI labels are counted, not failed: docs/teardown.md), then with --no-dpi.
# About 5 minutes each on 2 shared cores; tests/e2e/t_workers.sh is the quick version.
workers-compare: deps $(B)/finscope $(B)/tests/sqlq
	@FINSCOPE=$(abspath $(B)/finscope) TOOLS=$(abspath $(B)/tests) \
	    sh tests/workers_compare.sh -d $(SHARED_CORPUS)
	@FINSCOPE=$(abspath $(B)/finscope) TOOLS=$(abspath $(B)/tests) \
	    sh tests/workers_compare.sh -o --no-dpi -d $(SHARED_CORPUS)

# ---- nDPI labels against ndpiReader over the shared nDPI corpus (tests/ndpi_compare.sh) --------
NDPI_CORPUS ?= ../shared/corpus/ndpi
ndpi-compare: deps $(B)/finscope $(B)/tests/sqlq
	@sh tests/install-deps.sh --optional libndpi-bin
	@FINSCOPE=$(abspath $(B)/finscope) TOOLS=$(abspath $(B)/tests) \
	    sh tests/ndpi_compare.sh -m 95 $(NDPI_CORPUS)

# ---- fuzzing (clang + libFuzzer): make fuzz FUZZ_SECONDS=N ----------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz: deps
	@sh tests/install-deps.sh clang libclang-rt-14-dev
	$(MAKE) --no-print-directory B=build-fuzz CC=clang OPT="-O1 -g" EXTRA_CFLAGS="$(FUZZ_FLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" fuzz-build
	@sh fuzz/run.sh build-fuzz $(FUZZ_SECONDS)
fuzz-build: $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES)) $(B)/tests/fuzzseeds $(B)/tests/mkcap
$(B)/fuzz/fuzz_%: $(B)/fuzz/fuzz_%.o $(LIB_INPUT) $(LIB_ANALYZER) $(LIB_DISSECT)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $^ $(LDFLAGS) $(LDLIBS) -o $@

# ---- demo, install, clean -----------------------------------------------------------------------
DEMO_CAP := data/demo.pcap
demo: all
	rm -f demo.db demo.db-wal demo.db-shm
	./finscope analyze $(DEMO_CAP) -o demo.db
	./finscope report demo.db

# make install: the program, its man page finscope(1), its bash completion, and the systemd unit
# for live capture (docs/finscope-live@.service, ExecStart pointed at the installed program).
MANDIR         ?= $(PREFIX)/share/man
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_BIN    ?= build/finscope
install: all install-files
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/finscope
	install -m 644 docs/finscope.1 $(DESTDIR)$(MANDIR)/man1/finscope.1
	install -m 644 completion/finscope.bash $(DESTDIR)$(BASHCOMPDIR)/finscope
	sed 's|/usr/local/bin/finscope|$(PREFIX)/bin/finscope|' docs/finscope-live@.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/finscope-live@.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/finscope-live@.service
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/finscope $(DESTDIR)$(MANDIR)/man1/finscope.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/finscope $(DESTDIR)$(SYSTEMDUNITDIR)/finscope-live@.service

clean:
	rm -rf build-san build-fuzz finscope demo.db demo.db-wal demo.db-shm
	find build -mindepth 1 -not -name .deps-ok -delete 2>/dev/null || true

-include $(shell find $(B) -name '*.d' 2>/dev/null)
