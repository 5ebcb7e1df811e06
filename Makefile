# wasmpack: see README.md. Everything a target needs is installed by `make deps`.
#   make            build build/wasmpack and build/libwasmpack.a
#   make check      install packages, build, run every test (also under ASan+UBSan
#                   and valgrind), and the static analysers (cppcheck, clang)
#   make faults     the fault-injection suite in full (FAULT_RUNS=50, FAULT_KILLS=20)
#   make demo       build an example module into an image and run it
#   make bench      compare wasmpack with umoci and the raw sha256+gzip floor
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (tests/fuzz/README.md)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
SANITIZE ?=

# libcurl, libarchive and libcrypto are loaded at run time by lib/http.c,
# lib/libarchive.c and lib/libcrypto.c (dlopen): their headers only here
PKGS := jansson libzstd zlib yaml-0.1
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl libarchive libcrypto $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -ldl

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wformat=2 -Wpointer-arith -Wundef -Wno-format-nonliteral
CFLAGS ?= -O2 -g
FUZZ ?=
ifeq ($(FUZZ),1)
# libFuzzer's coverage instrumentation is clang's: the library and the
# targets are built with it, the fuzzer's main() is linked into the targets
CC := clang
CXX := clang++
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
CFLAGS += -D_FORTIFY_SOURCE=2 -fstack-protector-strong
endif
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread $(WARNINGS) $(CFLAGS) \
	$(PKG_CFLAGS) -I$(BUILD)/gen
LIBS := $(PKG_LIBS) -pthread
WABT_LIBS := -lwabt -lstdc++ -lm
# wasmpack parses WAT in-process (wasmopt/wabt_bridge.cc). Debian's libwabt.a
# is not position-independent, and a dynamic libstdc++ costs every command
# about 1.4 MB of relocated pages before main(): the binary is linked as a
# fixed-address executable with libstdc++ static (0.6 MB, only its own
# initialisers run).
BIN_LIBS := -no-pie -lwabt -Wl,-Bstatic -lstdc++ -Wl,-Bdynamic -lm
# the unit tests read tars with libarchive directly, as a reference
TEST_LIBS := $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null) $(WABT_LIBS) -lcriterion
CXX ?= c++
ALL_CXXFLAGS := -std=c++17 -Wall -Wextra -Werror $(filter-out -Wstrict-prototypes -Wmissing-prototypes -Wvla,$(WARNINGS)) \
	$(CFLAGS) -D_GNU_SOURCE

CORE_SRCS := $(sort $(wildcard lib/*.c oci/*.c wasmopt/*.c))
# the C++ bridge to libwabt: pulled from the library only by what calls it
CXX_SRCS := $(sort $(wildcard wasmopt/*.cc))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(CXX_SRCS:%.cc=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
# the parts of cmd/ the unit tests call (the rest needs main.c's table)
UNIT_CMD_OBJS := $(addprefix $(BUILD)/obj/cmd/,project_file.o project_starter.o annotation_arg.o \
	build_annotations.o ci_env.o sbom.o provenance.o supply_chain.o)

# the fuzz targets (tests/fuzz/fuzz_NAME.c), as libFuzzer binaries
# ($(BUILD)/fuzzer/NAME, FUZZ=1 only) and with the replay driver
# ($(BUILD)/fuzz-replay/NAME, any build); linked by the C++ compiler for
# the sanitizers' C++ runtime (the wabt bridge)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build/fuzz
FUZZ_COMMON_OBJS := $(BUILD)/obj/tests/fuzz/common.o $(BUILD)/obj/cmd/project_file.o
REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/%)
FUZZER_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzzer/%)

LIB := $(BUILD)/libwasmpack.a
BIN := $(BUILD)/wasmpack
UNIT := $(BUILD)/unit-tests
GENWASM := $(BUILD)/genwasm

# Debian packages: to build, to test against the real peer tools, to bench.
CLANG_MAJOR := $(or $(shell clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1),14)
DEB_BUILD := gcc g++ make pkg-config wabt libcurl4-openssl-dev libjansson-dev libarchive-dev libssl-dev \
	libzstd-dev zlib1g-dev libyaml-dev
DEB_TEST := libcriterion-dev clang lld wasi-libc libclang-rt-$(CLANG_MAJOR)-dev-wasm32 \
	libc++-$(CLANG_MAJOR)-dev-wasm32 libc++abi-$(CLANG_MAJOR)-dev-wasm32 skopeo \
	libclang-rt-$(CLANG_MAJOR)-dev \
	umoci python3 python3-jsonschema golang-github-opencontainers-image-spec-dev jq \
	clang-format zstd gzip docker-registry apache2-utils openssl curl python3-jwt \
	python3-cryptography strace cargo rustc libstd-rust-dev-wasm32 \
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static \
	python3-yaml valgrind cppcheck
DEB_BENCH := hyperfine time pigz binaryen
DEB_ALL := $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo)

.PHONY: all deps deps-build check check-style format unit integration spec spec-optimize check-asan \
	check-valgrind check-static check-faults faults demo bench install uninstall clean fuzz fuzzers \
	fuzz-replay

all: $(BIN) $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -MMD -MP -c $< -o $@

# the instruction table, from the opcode.def of the installed wabt
WABT_OPCODE_DEF ?= /usr/include/wabt/opcode.def
$(BUILD)/gen/wasm_opcodes.inc: wasmopt/gen_opcodes.sh $(WABT_OPCODE_DEF)
	@mkdir -p $(dir $@)
	wasmopt/gen_opcodes.sh $(WABT_OPCODE_DEF) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/wasmopt/opcodes.o: $(BUILD)/gen/wasm_opcodes.inc

# the WASI host that --aot native compiles into each native program, carried
# inside wasmpack as text
WASI_HOST_SRCS := $(sort $(wildcard wasmopt/wasi_host/*.c wasmopt/wasi_host/*.h))
$(BUILD)/gen/wasi_host_sources.inc: wasmopt/wasi_host/embed.sh $(WASI_HOST_SRCS)
	@mkdir -p $(dir $@)
	wasmopt/wasi_host/embed.sh $(WASI_HOST_SRCS) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/cmd/build_native.o: $(BUILD)/gen/wasi_host_sources.inc

$(LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CMD_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIB) $(LIBS) $(BIN_LIBS)

$(UNIT): $(UNIT_OBJS) $(UNIT_CMD_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_CMD_OBJS) $(LIB) $(LIBS) $(TEST_LIBS)

$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o \
		$(FUZZ_COMMON_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LIBS) $(WABT_LIBS)

$(BUILD)/fuzzer/%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COMMON_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS) $(WABT_LIBS)

$(GENWASM): $(BUILD)/obj/bench/genwasm.o
	$(CC) $(LDFLAGS) -o $@ $^

# Installs whichever of the packages $(1) are missing (apt-get; sudo when
# not root); $(2): more shell that may add to $$missing.
define install_missing
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	$(2) \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all packages present"; fi
endef

deps:
	$(call install_missing,$(DEB_ALL),if ! command -v node >/dev/null 2>&1; then missing="$$missing nodejs"; fi; \
	if ! command -v npm >/dev/null 2>&1; then missing="$$missing npm"; fi;)
	@# the npm tools the tests run (tests/package.json, pinned by its lock file)
	@[ -x tests/node_modules/.bin/jco ] || npm ci --prefix tests --no-audit --no-fund --loglevel=error

# Only what building wasmpack needs, and DEB_BUILD_EXTRA (the GitHub
# Action's runners: jq).
deps-build:
	$(call install_missing,$(DEB_BUILD) $(DEB_BUILD_EXTRA),)

check-style:
	@clang-format --dry-run --Werror $(CORE_SRCS) $(CXX_SRCS) $(CMD_SRCS) $(UNIT_SRCS) bench/genwasm.c \
		$(wildcard tests/fuzz/*.c lib/*.h oci/*.h wasmopt/*.h cmd/*.h tests/unit/*.h tests/fuzz/*.h)
	@echo "style: ok"

format:
	clang-format -i $(CORE_SRCS) $(CXX_SRCS) $(CMD_SRCS) $(UNIT_SRCS) bench/genwasm.c \
		$(wildcard tests/fuzz/*.c lib/*.h oci/*.h wasmopt/*.h cmd/*.h tests/unit/*.h tests/fuzz/*.h)

unit: $(UNIT)
	cd tests/unit && ../../$(UNIT) --jobs 2 --short-filename

integration: $(BIN) $(GENWASM)
	WASMPACK=$(abspath $(BIN)) GENWASM=$(abspath $(GENWASM)) tests/integration/run.sh

# every committed fuzz input once, without libFuzzer (tests/fuzz/replay.c)
fuzz-replay: $(REPLAY_BINS)
	@for n in $(FUZZ_NAMES); do $(BUILD)/fuzz-replay/$$n tests/fuzz/corpus/$$n || exit 1; done

# each libFuzzer target for FUZZ_SECONDS on its corpus; what it finds goes
# to $(FUZZ_BUILD)/corpus and $(FUZZ_BUILD)/crashes, never into the tree
fuzzers: $(FUZZER_BINS)
.SECONDARY: $(FUZZ_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tests/fuzz/replay.o $(FUZZ_COMMON_OBJS)

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) FUZZ=1 FUZZ_TARGETS="$(FUZZ_TARGETS)" fuzzers
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# the fault-injection suite (tests/faults/README.md): pushes and pulls through
# a fault-injecting proxy, and SIGKILLed builds and pushes. check-faults is the
# short run `make check` does; `make faults FAULT_RUNS=50` the full one.
FAULT_RUNS ?= 50
FAULT_KILLS ?= 20
CHECK_FAULT_RUNS ?= 5
CHECK_FAULT_KILLS ?= 6
check-faults: $(BIN) $(GENWASM)
	FAULT_RUNS=$(CHECK_FAULT_RUNS) FAULT_KILLS=$(CHECK_FAULT_KILLS) WASMPACK=$(abspath $(BIN)) \
		GENWASM=$(abspath $(GENWASM)) tests/faults/run.sh

faults: $(BIN) $(GENWASM)
	FAULT_RUNS=$(FAULT_RUNS) FAULT_KILLS=$(FAULT_KILLS) WASMPACK=$(abspath $(BIN)) \
		GENWASM=$(abspath $(GENWASM)) tests/faults/run.sh

# the official WebAssembly spec tests against wasmpack validate (tests/spec)
spec: $(BIN)
	WASMPACK=$(abspath $(BIN)) SPEC_OUT=$(abspath build/spec) tests/spec/check.sh

# the optimizer over every spec module: re-validated by wabt, assertions replayed under Node
spec-optimize: $(BIN) spec
	/usr/bin/python3 tests/spec/optimize_check.py --spec $(abspath build/spec) --wasmpack $(abspath $(BIN))

check-asan:
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE=1 unit fuzz-replay integration spec

# valgrind memcheck over the normal build (valgrind and ASan exclude each
# other): the Criterion unit tests, then a push/pull round trip (build, push,
# pull, pull --wasm, inspect, copy against a real registry:
# tests/integration/test_valgrind.sh); zero errors, no definite or indirect
# leak. Criterion runs every test in a "boxfort-worker" process that it
# fork+execs, so valgrind follows exec (--trace-children=yes) and, since
# Criterion ignores a worker's exit status, tests/tools/valgrind-unit.sh
# reads every process's valgrind log (how, and the three tests it leaves
# out: see the script). Suppressions: tests/valgrind.supp. See
# tests/README.md for the time it takes.
VALGRIND_LOGS := $(BUILD)/valgrind
check-valgrind: $(UNIT) $(BIN) $(GENWASM)
	cd tests/unit && ../tools/valgrind-unit.sh $(abspath $(UNIT)) $(abspath $(VALGRIND_LOGS))
	WASMPACK=$(abspath $(BIN)) GENWASM=$(abspath $(GENWASM)) tests/integration/run.sh valgrind

# Static analysis of wasmpack's C sources (not the generated $(BUILD)/gen),
# zero findings left: cppcheck (warning, performance, portability; what it
# must know of jansson's macros is in tests/cppcheck.cfg; false positives
# carry an inline "cppcheck-suppress ID" with the reason) and the clang
# static analyzer (clang --analyze, one file a job: make -j2 check-static),
# whose false positives are avoided in the code, with a comment saying why.
# One class of clang finding is filtered out as a whole: "Potential leak
# ... [unix.Malloc]". Clang's analyzer (14, and still 21: llvm-project
# issue 160527) does not run __attribute__((cleanup)) functions, so every
# _cleanup_free_ local freed on return is reported as leaked (78 reports,
# none real). Leaks are what check-valgrind (--leak-check=full) and
# check-asan (LeakSanitizer) look for, at run time. The analyzer's other
# unix.Malloc checks (double free, use after free) stay on. Off:
# deadcode.DeadStores, which reports no defect, only a value never read:
# the idiom "if ((r = f()) < 0) return ...;" with r unused after, and the
# "fd = -1" that tells a _cleanup_close_ the descriptor was handed off.
# lib/error.h tells the analyzer that wp_error_set and its kind return a
# negative code (it sees one file at a time).
STATIC_SRCS := $(CORE_SRCS) $(CMD_SRCS)
ANALYZE_OUT := $(STATIC_SRCS:%.c=$(BUILD)/analyze/%.txt)
ANALYZE_FLAGS := -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread $(PKG_CFLAGS) -I$(BUILD)/gen \
	-Xanalyzer -analyzer-disable-checker=deadcode.DeadStores
$(BUILD)/analyze/%.txt: %.c $(wildcard lib/*.h oci/*.h wasmopt/*.h cmd/*.h) $(BUILD)/gen/wasm_opcodes.inc \
		$(BUILD)/gen/wasi_host_sources.inc
	@mkdir -p $(dir $@)
	@clang --analyze $(ANALYZE_FLAGS) -o /dev/null $< 2>$@.tmp || { cat $@.tmp; exit 1; }
	@mv $@.tmp $@

check-static: $(ANALYZE_OUT) $(BUILD)/gen/wasm_opcodes.inc $(BUILD)/gen/wasi_host_sources.inc
	cppcheck -q -j2 --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
		--library=tests/cppcheck.cfg --std=c11 -D_GNU_SOURCE -Ilib -Ioci -Iwasmopt -Icmd \
		-I$(BUILD)/gen --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		$(STATIC_SRCS) $(sort $(wildcard wasmopt/wasi_host/*.c))
	@found=$$(cat $(ANALYZE_OUT) | grep -E ': (warning|error):' \
		| grep -v -E ': warning: Potential (leak of memory pointed to by .*|memory leak) \[unix\.Malloc\]$$' || true); \
	if [ -n "$$found" ]; then printf '%s\n' "$$found"; \
		echo "check-static: clang --analyze: $$(printf '%s\n' "$$found" | wc -l) finding(s)"; exit 1; fi
	@echo "static analysis: ok"

check: deps
	$(MAKE) all $(UNIT) $(GENWASM)
	$(MAKE) check-style
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) check-faults
	$(MAKE) spec-optimize
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) check-static
	@echo "make check: all tests passed"

demo: deps
	$(MAKE) all
	WASMPACK=$(abspath $(BIN)) examples/demo.sh

bench: deps
	$(MAKE) all $(GENWASM)
	WASMPACK=$(abspath $(BIN)) GENWASM=$(abspath $(GENWASM)) bench/build.sh
	WASMPACK=$(abspath $(BIN)) GENWASM=$(abspath $(GENWASM)) bench/push.sh
	WASMPACK=$(abspath $(BIN)) GENWASM=$(abspath $(GENWASM)) bench/pull.sh
	WASMPACK=$(abspath $(BIN)) bench/aot.sh
	WASMPACK=$(abspath $(BIN)) bench/wasmopt.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/wasmpack
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/wasmpack
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/wasmpack/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/wasmpack
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/wasmpack

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
