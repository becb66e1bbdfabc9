# The two commands a new machine needs: `make demo` and `make test`. Both install what is
# missing (Debian 12), build, and run.
JOBS ?= $(shell nproc)

.PHONY: all setup build till package image demo test test-asan bench bench-pg bench-floor bench-watch bench-serve bench-serve-start bench-stream bench-stream-visible bench-stream-batches bench-pg-many-files bench-segments clean

all: build

setup:
	@scripts/install-deps.sh

# The release preset's whole tree: the till command and every test.
build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The till command alone: all that the demo and the benchmark scripts run.
till: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target till

# The Debian package (build/release/packages/till_VERSION_ARCH.deb): till, its man page, bash
# completion, systemd units and /etc/till/till.toml.
package: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target till till_man till_changelog
	cd build/release && cpack

# The container image (packaging/Dockerfile) from that package, built from a folder holding it
# alone: `make image`, or `make image CONTAINER=podman`.
CONTAINER ?= docker
image: package
	rm -rf build/release/image && mkdir -p build/release/image
	cp "$$(ls -t build/release/packages/till_*.deb | head -n 1)" build/release/image/
	$(CONTAINER) build -f packaging/Dockerfile -t till build/release/image

demo: till
	@scripts/demo.sh

# The CI preset: release build with warnings as errors, every test tier; then the threaded code's
# tests under ThreadSanitizer, and every fuzz target for a fixed time.
test: setup
	cmake --preset ci >/dev/null
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)
	@$(MAKE) --no-print-directory test-tsan
	@$(MAKE) --no-print-directory test-fuzz

test-asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The tests of the two-thread loader, the watcher and the server, under ThreadSanitizer.
.PHONY: test-tsan
test-tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

# Each libFuzzer target for FUZZ_SECONDS (default 60) from its corpus; a crash fails.
FUZZ_SECONDS ?= 60
.PHONY: test-fuzz
test-fuzz: setup
	JOBS=$(JOBS) scripts/fuzz.sh $(FUZZ_SECONDS)

bench: till
	bench/ingest_vs_sqlite_import.sh

bench-pg: till
	bench/ingest_vs_psql_copy.sh

bench-floor: till
	bench/ingest_floor.sh

bench-watch: till
	bench/watch_latency.sh

bench-serve: till
	bench/serve_latency.sh

bench-serve-start: till
	bench/serve_start.sh

bench-stream: till
	bench/stream.sh 10 --postgres

bench-stream-visible: till
	bench/stream_visible.sh 10 --postgres

bench-stream-batches: till
	bench/stream_batches.sh

bench-pg-many-files: till
	bench/pg_many_files.sh

bench-segments: till
	bench/segments.sh

clean:
	rm -rf build
