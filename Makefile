# Thin wrapper over CMake. `make demo` and `make test` work on a fresh Debian 12
# machine as root: they install whatever Debian packages are missing first.

PKGS := gcc clang libc6-dev cmake pkg-config liblua5.4-dev libsqlite3-dev libyaml-dev \
        libpcre2-dev libmicrohttpd-dev libcmocka-dev libjson-c-dev libcsv-dev nettle-dev libunistring-dev \
        sqlite3 jq curl prometheus python3 \
        libjs-chart.js chromium chromium-driver python3-selenium fonts-noto-cjk nodejs npm
# the browser tests' npm packages (axe-core, pinned by tests/browser/package-lock.json)
BROWSER_MODULES := tests/browser/node_modules/.package-lock.json
BUILD ?= build
SAN   ?= build-san
REL   ?= build-release
CLANG ?= build-clang
TSAN  ?= build-tsan
# Developer and CI builds treat warnings as errors; CMake's own default (a packager's
# build) does not.
DEVFLAGS := -DTS_WERROR=ON
CTEST_SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps browser-deps build san release clang tsan demo test test-fast bench fuzz clean format

all: build

# npm counts as installed when the machine's Node.js brings it (NodeSource's nodejs
# provides npm and conflicts with Debian's npm package).
deps:
	@missing=""; for p in $(PKGS); do \
	  if [ $$p = npm ] && command -v npm >/dev/null; then continue; fi; \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
	  echo "deps: missing packages. Run as root:"; \
	  echo "  apt-get update && apt-get install -y --no-install-recommends$$missing"; exit 2; \
	fi

# npm ci again when node_modules is missing or older than the lock file
$(BROWSER_MODULES): tests/browser/package-lock.json tests/browser/package.json | deps
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

browser-deps: $(BROWSER_MODULES)

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(DEVFLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

san: deps
	cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DTS_SANITIZE=ON $(DEVFLAGS)
	cmake --build $(SAN) -j $(JOBS)

# The build types a packager may pick: gcc Release and clang MinSizeRel.
release: deps
	cmake -S . -B $(REL) -DCMAKE_BUILD_TYPE=Release $(DEVFLAGS)
	cmake --build $(REL) -j $(JOBS)

clang: deps
	CC=clang cmake -S . -B $(CLANG) -DCMAKE_BUILD_TYPE=MinSizeRel $(DEVFLAGS)
	cmake --build $(CLANG) -j $(JOBS)

demo: build
	./samples/demo.sh $(BUILD)/triscreen

# ThreadSanitizer over the concurrent parts: the import pipeline, the passes' workers,
# the service's writer, reload and ticker threads (every test that runs them).
tsan: deps
	cmake -S . -B $(TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTS_TSAN=ON $(DEVFLAGS)
	cmake --build $(TSAN) -j $(JOBS)

# Every test four times (the developer build, ASan+UBSan, gcc Release, clang MinSizeRel),
# and the concurrent ones once more under ThreadSanitizer. The browser test (label
# "browser": the console in headless Chromium) runs in the developer build only.
test: build san release clang tsan browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(SAN) && $(CTEST_SAN_ENV) ctest --output-on-failure -j $(JOBS) -LE 'nosan|browser'
	cd $(REL) && ctest --output-on-failure -j $(JOBS) -LE browser
	cd $(CLANG) && ctest --output-on-failure -j $(JOBS) -LE browser
	cd $(TSAN) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L concurrent -LE browser

test-fast: build browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# what the peers workload's floors need besides the build's own packages
BENCH_PKGS := libjansson-dev bc wrk

bench: build
	@$(MAKE) --no-print-directory deps PKGS="$(BENCH_PKGS)"
	./tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN) $(REL) $(CLANG) $(TSAN)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
