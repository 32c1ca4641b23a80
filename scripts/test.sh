#!/usr/bin/env bash
# Sets everything up and runs all tests: installs Debian packages, builds (Release, then an
# ASan+UBSan build), makes the TFLite goldens, runs CTest in both builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
export PASTICHE_REQUIRE_GOLDENS=1
export PASTICHE_FUZZ_ITERATIONS=${PASTICHE_FUZZ_ITERATIONS:-3000}

echo "== Release build and tests"
bash scripts/build.sh "$root/build"
(cd "$root/build" && ctest --output-on-failure --timeout 1200 -j1)

echo "== Debian package: build, install, use, remove"
bash scripts/test_package.sh "$root/build"

echo "== ASan + UBSan build and tests (engine, CLI, media)"
bash scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASTICHE_SANITIZE=ON -DPASTICHE_WITH_GUI=OFF
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Goldens are shared: point the ASan build's test data at the Release build's.
rm -rf "$root/build-asan/testdata" && ln -s "$root/build/testdata" "$root/build-asan/testdata"
(cd "$root/build-asan" && ctest --output-on-failure --timeout 1800 -j1 -L 'engine|cli|media')
