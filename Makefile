# Two commands for users: `make demo` and `make test`. Everything else is
# plain CMake underneath (build/ for release, build-test/ with sanitizers).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
TBUILD ?= build-test

.PHONY: all deps build demo test bench bench-merge bench-ids clean

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

bench: build
	@sh bench/run.sh $(BUILD)

bench-merge: build
	@sh bench/merge.sh $(BUILD)

bench-ids: build
	@sh bench/ids.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TBUILD) out
