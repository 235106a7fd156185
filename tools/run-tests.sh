#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. release build: unit tests, golden replays, fuzz-corpus regression, real-capture tests;
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same tests again;
#   3. libFuzzer build (when clang is installed): each parser fuzzed briefly from its corpus.
# Set BW_FUZZ_SECONDS to change the fuzzing time per target (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${BW_FUZZ_SECONDS:-20}

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== ASan + UBSan build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBW_SANITIZE=ON \
  -DBW_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

if command -v clang++ >/dev/null 2>&1; then
  echo "== libFuzzer build (${fuzz_seconds}s per target)"
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBW_FUZZ=ON \
    -DBW_BUILD_TESTS=ON -DBW_BUILD_BENCHMARKS=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  targets=$(cd tests/fuzz && ls fuzz_*.cc | sed 's/\.cc$//')
  # shellcheck disable=SC2086
  cmake --build build-fuzz -j "$jobs" --target $targets
  for target in $targets; do
    name=${target#fuzz_}
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    echo "-- $target"
    "build-fuzz/bin/$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/$target-" "$work" 2>&1 | tail -n 3
    rm -rf "$work"
  done
else
  echo "== clang not installed: libFuzzer stage skipped"
fi
echo "run-tests: all stages passed"
