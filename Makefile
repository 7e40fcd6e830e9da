# Two commands for users: `make demo` and `make test`. Everything else is
# plain CMake underneath (build/ for release, build-test/ with sanitizers).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
TBUILD ?= build-test
FBUILD ?= build-fuzz
FUZZ_SECONDS ?= 180
FUZZ_CC ?= clang-14

.PHONY: all deps build demo test fuzz bench bench-merge bench-ids package install format format-check clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@sh scripts/demo.sh $(BUILD)/thuadat out/demo

test: deps
	@cmake -S . -B $(TBUILD) -DCMAKE_BUILD_TYPE=Debug -DTD_SANITIZE=ON -DTD_WERROR=ON >/dev/null
	@cmake --build $(TBUILD) -j $(JOBS)
	@cd $(TBUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer on every harness for FUZZ_SECONDS each (FUZZ_TARGETS: some of them); docs/reliability.md.
fuzz: deps
	@cmake -S . -B $(FBUILD) -DCMAKE_C_COMPILER=$(FUZZ_CC) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTD_SANITIZE=ON -DTD_FUZZ=ON >/dev/null
	@cmake --build $(FBUILD) -j $(JOBS) --target fuzzers
	@sh tests/fuzz/run.sh $(FBUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	@sh bench/run.sh $(BUILD)

bench-merge: build
	@sh bench/merge.sh $(BUILD)

bench-ids: build
	@sh bench/ids.sh $(BUILD)

# A .deb in build/ (thuadat_VERSION_ARCH.deb), installed under /usr.
package: build
	@cd $(BUILD) && cpack -G DEB

# Into PREFIX (default /usr/local); DESTDIR=/some/root works as usual.
install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# The C sources as .clang-format says (CI fails on a difference).
C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	@clang-format -i $(C_SOURCES)
format-check: deps
	@clang-format --dry-run --Werror $(C_SOURCES) && echo "format-check: $(words $(C_SOURCES)) files as .clang-format says"

clean:
	rm -rf $(BUILD) $(TBUILD) $(FBUILD) out
