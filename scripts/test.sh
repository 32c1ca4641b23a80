#!/usr/bin/env bash
# Sets everything up and runs all of CI on this machine (fresh Debian 12 or a developer's):
#   A  GCC, Release, -Werror: every test (ctest -j), then the .deb built, installed, used, removed
#   B  Clang, -Werror, ThreadSanitizer: the threaded code's tests (media, session, and the
#      controllers through the GUI tests), then clang-format (changed lines) and clang-tidy (every
#      engine/, app/ and ui/ source, results cached as ccache caches objects) on this build's commands
#   C  Clang, ASan + UBSan + --coverage: engine, core, CLI, media, session and GUI tests (not the
#      wall-clock *Realtime ones); gcovr coverage of engine/ and app/ (Clang builds these ~1.5x
#      faster than GCC; GCC's -Werror build is A)
# One build folder per configuration, ccache when installed, independent tests in parallel.
# Env: CI_STAGES="A B C" (default all), CTEST_PARALLEL (default nproc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
export PASTICHE_REQUIRE_GOLDENS=1
export PASTICHE_FUZZ_ITERATIONS=${PASTICHE_FUZZ_ITERATIONS:-3000}
jobs=${CTEST_PARALLEL:-$(nproc)}
stages=${CI_STAGES:-A B C}
summary=()
t_all=$(date +%s)
failed=0
passed_steps=0
failed_steps=0
timed() {  # timed NAME COMMAND...: runs it, records its wall time and result; later stages still run
  local name=$1; shift
  local t0 result=ok; t0=$(date +%s)
  echo "== $name"
  if "$@"; then passed_steps=$((passed_steps + 1)); else result=FAILED; failed=1; failed_steps=$((failed_steps + 1)); fi
  summary+=("$(printf '%-58s %5ds  %s' "$name" $(( $(date +%s) - t0 )) "$result")")
  echo "== ${summary[-1]}"
}
# Known under ASan, so C leaves it out and A runs it: the SIGKILL test's partial file is not yet a
# whole fragment at ASan's speed.
asan_known='MediaRobustness\.Sigkill'
# Whole-network numerics at several sizes that smaller tests in C already take through the same
# code under ASan (tiling: TiledRun.EqualsTheUntiledResultAtOddSizes; sizes: CpuBackend.OtherSizes…;
# video: MediaCli.*): minutes under the sanitizers, seconds in Release, so A runs them.
c_in_a="$asan_known|TiledRun\.EqualsTheUntiledResultInARowAndAColumn|CliRobustness\.StillOverTheTilingLimit|CpuBackendRealModel\.OtherSizes|SessionOutput\.LosslessVideoFrame"
# Test data (models, inputs, TFLite references) is made once, by the first build's fixtures;
# the other builds point at it.
share_testdata() { mkdir -p "$1"; rm -rf "$1/testdata"; ln -sfn "$root/build/testdata" "$1/testdata"; }

if [[ " $stages " == *" A "* ]]; then
  timed "A build: GCC Release -Werror" env CC=gcc CXX=g++ bash scripts/build.sh "$root/build" -DPASTICHE_WERROR=ON
  # The engine, core, cli, media and session tests run in C under ASan+UBSan (and media and
  # session in B under TSan): here only what C does not run, i.e. the *Tflite comparisons (at -O3),
  # the wall-clock *Realtime suites, benches, the GUI, Vulkan and virtual-camera tests and the
  # fixtures, plus the tests C leaves out ($c_in_a). CI_A_ALL=1 runs every test here again.
  a_select=(-LE '^(engine|core|cli|media|session)$')
  [ "${CI_A_ALL:-0}" = 1 ] && a_select=()
  timed "A tests: all but C's areas, + C's left-out ones (ctest -j$jobs)" bash -c "cd '$root/build' && rc=0 &&
    { ctest --output-on-failure --timeout 1200 -j$jobs ${a_select[*]@Q} || rc=1; } &&
    { [ ${#a_select[@]} = 0 ] || ctest --output-on-failure --timeout 1200 -j$jobs -R '$c_in_a' || rc=1; } && exit \$rc"
  timed "A package: .deb build, install, use, remove" bash scripts/test_package.sh "$root/build"
fi

if [[ " $stages " == *" B "* ]]; then
  share_testdata "$root/build-tsan"
  # Only what its tests run: the binary and the media, session and GUI test programs (the GUI
  # tests drive the controllers, the most threaded code, through the real window). The lint below
  # needs this build's generated headers (moc, shaders), which the binary's targets make.
  timed "B build: Clang -Werror ThreadSanitizer" env CC=clang CXX=clang++ \
    BUILD_TARGETS="pastiche test_media test_session test_ui" bash scripts/build.sh "$root/build-tsan" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASTICHE_SANITIZE=thread -DPASTICHE_WERROR=ON
  # ignore_noninstrumented_modules: accesses made by interceptors (memcpy, pthread_cond_wait,
  # delete) called from inside uninstrumented libraries (Qt, FFmpeg, OpenCV) are not reported, as
  # on macOS by default: Qt's raster engine copies images on its own pool threads and QtTest joins
  # its watchdog thread with its own (invisible) synchronisation. Our code's accesses stay checked.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$root/scripts/tsan.supp}
  # Not here: the wall-clock *Realtime suites, benches and *Tflite comparisons (single-threaded
  # numerics, run in A), the SIGKILL test, whose partial file is not yet a whole fragment at
  # TSan's speed, as under ASan (run in A), and the Xvfb screenshot tours (pixels, not threads).
  timed "B tests: media, session, GUI (controllers) under TSan" bash -c \
    "cd '$root/build-tsan' && ctest --output-on-failure --timeout 1800 -j$jobs -E '^MediaRobustness\\.Sigkill|^gui_screenshot' -L '^(media|session|ui)$' -LE 'tflite|bench|realtime'"
  timed "B lint: clang-format, clang-tidy" bash scripts/lint.sh "$root/build-tsan"
fi

if [[ " $stages " == *" C "* ]]; then
  share_testdata "$root/build-asan"
  # Only what its tests run: the binary and the six test programs; -O1 -g1 (line tables) as ASan
  # recommends, which halves the build.
  timed "C build: Clang ASan+UBSan --coverage" env CC=clang CXX=clang++ \
    BUILD_TARGETS="pastiche test_engine test_core test_cli test_media test_session test_ui" bash scripts/build.sh "$root/build-asan" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DPASTICHE_SANITIZE=address -DPASTICHE_COVERAGE=ON -DPASTICHE_WERROR=ON
  export PASTICHE_FUZZ_ITERATIONS=1000  # A ran 3000 per model file in Release; ASan is ~10x slower
  # Another seed: with A's seed these 1000 inputs would be the first 1000 that A already tried.
  export PASTICHE_FUZZ_SEED=${PASTICHE_FUZZ_SEED_C:-2}
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}
  find "$root/build-asan" -name '*.gcda' -delete

  # Wall-clock measurements (label realtime) ran in A; under ASan they would measure the sanitizer.
  # The Vulkan drivers stay loaded to the end under ASan (engine/vulkan/driver_pin.h), so that
  # their allocations kept until exit match scripts/lsan.supp. Not the Xvfb screenshot tours.
  timed "C tests: engine, core, cli, media, session, GUI under ASan+UBSan" bash -c "cd '$root/build-asan' && ctest --output-on-failure --timeout 1800 -j$jobs -L '^(engine|core|cli|media|session|ui)$' -E '$c_in_a|^gui_screenshot'"
  # Serial: gcovr 5.2 with -j hangs when gcov prints a line it cannot parse (a negative branch
  # count in an AVX2 header), which it then only warns about.
  timed "C coverage: gcovr engine/ app/" bash -o pipefail -c "gcovr -r '$root' --object-directory '$root/build-asan' --gcov-executable 'llvm-cov-14 gcov' \
    --gcov-ignore-parse-errors --filter '$root/engine/' --filter '$root/app/' --print-summary \
    -o '$root/build-asan/coverage.txt' 2>'$root/build-asan/gcovr.log' | tail -3"
fi

echo "== CI summary"
printf '%s\n' "${summary[@]}"
printf '%-58s %5ds  %s\n' "total" $(( $(date +%s) - t_all )) "$([ $failed = 0 ] && echo ok || echo FAILED)"
# Last line, in the plain form CI readers recognise: one count per step above.
echo "$passed_steps passed, $failed_steps failed"
exit $failed
