#!/usr/bin/env bash
# Fuzzes every libFuzzer target (tests/fuzz/fuzz_*.cc) for a fixed time, one target at a time,
# and writes each grown corpus back minimised. See docs/FUZZING.md.
#
#   tools/fuzz-long.sh [OPTIONS] MINUTES [TARGET...]
#
# TARGET is the part after fuzz_ (dns, http, ...); without one, every tests/fuzz/fuzz_*.cc is
# fuzzed, so a new target is picked up without editing this script.
#
#   --add-only       write back only the new minimised files, delete nothing (for corpora other
#                    people are adding seeds to at the same time)
#   --rss-limit MB   libFuzzer -rss_limit_mb (and -malloc_limit_mb), default 2048
#   --timeout S      seconds one input may take before it counts as a hang, default 10
#   --forks N        libFuzzer -fork=N worker processes per target, default 1: one process is
#                    what a 2-core machine shared with other builds can spare
#   --nice N         niceness of the build and of the fuzzers, default 10
#   --build-dir DIR  libFuzzer build tree, default build-fuzz
#   --no-build       use the binaries already in the build tree
#
# Hand-named seed files (any name that is not a 40-digit content hash) are never deleted. In the
# default mode the content-hash files of a target are replaced by the result of merging the grown
# corpus over the hand-named seeds; with --add-only only files that add coverage to the corpus as
# it is at the end of the run are added.
# Any crash, leak, hang or out-of-memory input is kept in tests/fuzz/crashers/TARGET/ (where the
# regression replay of the normal build picks it up) and makes the script exit with status 1.
set -euo pipefail
cd "$(dirname "$0")/.."

add_only=0
rss_limit_mb=2048
input_timeout=10
forks=1
niceness=10
build_dir="build-fuzz"
build=1

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --add-only) add_only=1 ;;
    --rss-limit) rss_limit_mb=$2; shift ;;
    --timeout) input_timeout=$2; shift ;;
    --forks) forks=$2; shift ;;
    --nice) niceness=$2; shift ;;
    --build-dir) build_dir=$2; shift ;;
    --no-build) build=0 ;;
    -h | --help) usage ;;
    --*) echo "fuzz-long: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
  shift
done
[ "$#" -ge 1 ] || usage
minutes=$1
shift
case "$minutes" in
  '' | *[!0-9.]*) echo "fuzz-long: MINUTES must be a number, not '$minutes'" >&2; exit 2 ;;
esac
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + 0.5); print (s < 1 ? 1 : s) }')

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/fuzz_*.cc; do
    name=${source#tests/fuzz/fuzz_}
    targets+=("${name%.cc}")
  done
fi
for name in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/fuzz_$name.cc" ]; then
    echo "fuzz-long: no target tests/fuzz/fuzz_$name.cc" >&2
    exit 2
  fi
done

if [ "$build" = 1 ]; then
  # The same configuration as the libFuzzer stage of tools/run-tests.sh: clang, -DBW_FUZZ=ON,
  # which instruments everything for coverage with AddressSanitizer and UBSan.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBW_FUZZ=ON \
    -DBW_BUILD_TESTS=ON -DBW_BUILD_BENCHMARKS=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  nice -n "$niceness" cmake --build "$build_dir" -j "$(nproc)" \
    --target "${targets[@]/#/fuzz_}"
fi

# UBSan findings stop the run like ASan's do, instead of scrolling past as warnings.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

work=$(mktemp -d "${TMPDIR:-/tmp}/bw-fuzz-long.XXXXXX")
trap 'rm -rf "$work"' EXIT
logs="$build_dir/fuzz-long"
mkdir -p "$logs"

is_content_hash() { [[ $1 =~ ^[0-9a-f]{40}$ ]]; }
count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

# "cov/ft" of a corpus: what libFuzzer reports once it has run every file of it.
corpus_coverage() {
  local binary=$1 corpus=$2 line
  line=$("$binary" -runs=0 -rss_limit_mb="$rss_limit_mb" -timeout="$input_timeout" "$corpus" 2>&1 |
    grep -E 'INITED|DONE' | tail -n 1 || true)
  sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+).*/\1\/\2/p' <<<"$line" | grep . || echo "-/-"
}

# Keeps every artifact libFuzzer wrote (crash-, leak-, timeout-, oom-<sha1>) as a crasher.
keep_artifacts() {
  local name=$1 artifacts=$2 kept=0 file
  for file in "$artifacts"/*; do
    [ -f "$file" ] || continue
    mkdir -p "tests/fuzz/crashers/$name"
    cp "$file" "tests/fuzz/crashers/$name/"
    echo "   kept tests/fuzz/crashers/$name/$(basename "$file")" >&2
    kept=$((kept + 1))
  done
  echo "$kept"
}

failed=0
rows=()
for name in "${targets[@]}"; do
  binary="$build_dir/bin/fuzz_$name"
  corpus="tests/fuzz/corpus/$name"
  if [ ! -x "$binary" ]; then
    echo "fuzz-long: $binary is missing (build failed, or run without --no-build)" >&2
    exit 2
  fi
  mkdir -p "$corpus"
  grown="$work/$name/grown"
  merged="$work/$name/merged"
  artifacts="$work/$name/artifacts"
  mkdir -p "$grown" "$merged" "$artifacts"
  cp -r "$corpus/." "$grown/"
  files_before=$(count_files "$corpus")
  coverage_before=$(corpus_coverage "$binary" "$corpus")

  dictionary=()
  [ -f "tests/fuzz/fuzz_$name.dict" ] && dictionary=(-dict="tests/fuzz/fuzz_$name.dict")
  parallel=()
  [ "$forks" -gt 1 ] && parallel=(-fork="$forks" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

  echo "== fuzz_$name: ${seconds}s from $files_before corpus files (cov/ft $coverage_before)"
  log="$logs/$name.log"
  status=0
  nice -n "$niceness" "$binary" "$grown" -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb="$rss_limit_mb" -malloc_limit_mb="$rss_limit_mb" -timeout="$input_timeout" \
    -artifact_prefix="$artifacts/" "${dictionary[@]}" "${parallel[@]}" >"$log" 2>&1 || status=$?

  executions=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  if [ -z "$executions" ]; then
    # -fork mode prints no final stats; its last progress line has the total and the rate.
    executions=$(sed -nE 's/^#([0-9]+):? .*/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' "$log" | tail -n 1)
  fi
  kept=$(keep_artifacts "$name" "$artifacts")
  if [ "$status" -ne 0 ] || [ "$kept" -gt 0 ]; then
    failed=1
    echo "   fuzz_$name FAILED (status $status, $kept input(s) kept); report:" >&2
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|deadly signal|ALARM|out-of-memory' "$log" |
      head -n 60 >&2 || true
  fi

  # Minimise. libFuzzer's -merge=1 keeps, from the second and later folders, only the inputs that
  # add features to what the first folder already has, and names them by the SHA-1 of their bytes.
  # -use_counters=0 makes those features the code edges alone, not edges x hit-count buckets:
  # about a third of the files for the same edges, which keeps the committed corpora and their
  # regression replay small.
  base_listing="$work/$name/base"
  if [ "$add_only" = 1 ]; then
    cp -r "$corpus/." "$merged/"   # re-read: others may have added seeds during the run
  else
    for file in "$corpus"/*; do
      [ -f "$file" ] && ! is_content_hash "$(basename "$file")" && cp "$file" "$merged/"
    done
  fi
  (cd "$merged" && ls -1) >"$base_listing"
  nice -n "$niceness" "$binary" -merge=1 -rss_limit_mb="$rss_limit_mb" \
    -malloc_limit_mb="$rss_limit_mb" -timeout="$input_timeout" -use_counters=0 "$merged" "$grown" \
    >"$logs/$name.merge.log" 2>&1 || {
    echo "   fuzz_$name: merge failed, corpus left as it was (see $logs/$name.merge.log)" >&2
    failed=1
    continue
  }

  if [ "$add_only" = 0 ]; then
    for file in "$corpus"/*; do
      [ -f "$file" ] && is_content_hash "$(basename "$file")" && rm -f "$file"
    done
  fi
  for file in "$merged"/*; do
    [ -f "$file" ] || continue
    grep -qxF "$(basename "$file")" "$base_listing" || cp "$file" "$corpus/"
  done
  files_after=$(count_files "$corpus")
  coverage_after=$(corpus_coverage "$binary" "$corpus")
  size=$(($(du -sb "$corpus" | cut -f1) / 1024))
  echo "   executions ${executions:-?}, ${rate:-?} exec/s; corpus files $files_before -> $files_after" \
    "(${size} KiB of content); cov/ft $coverage_before -> $coverage_after; log $log"
  rows+=("$(printf '%-18s %12s %8s %6s %6s %8s %12s %12s %7s' "$name" "${executions:-?}" \
    "${rate:-?}" "$files_before" "$files_after" "${size}K" "$coverage_before" \
    "$coverage_after" "$kept")")
done

echo
printf '%-18s %12s %8s %6s %6s %8s %12s %12s %7s\n' target executions exec/s before after size \
  cov/ft-before cov/ft-after crashes
printf '%s\n' "${rows[@]}"
exit "$failed"
