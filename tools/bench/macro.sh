#!/usr/bin/env bash
# Macro benchmark: replays a `dense` and a `mixed` capture through bw-pcap-floor, bw-sensor (1 and
# 2 workers, protobuf and JSON output) and ndpiReader, all in one run, and prints one table.
# The machine is usually shared, so absolute rates drift between runs; the ratios to the floor and
# to ndpiReader, measured minutes apart on the same files, are what to compare.
#
#   tools/bench/macro.sh [BUILD_DIR]
#
# Environment: BW_BENCH_DIR (work directory, default /tmp/bw-bench), BW_BENCH_RUNS (default 3),
# BW_DENSE_SCALE (default 80, ~700k packets), BW_MIXED_SCALE (default 36, ~1M packets).
set -euo pipefail

build_dir=$(realpath "${1:-$(dirname "$0")/../../build-bench}")
work_dir=${BW_BENCH_DIR:-/tmp/bw-bench}
runs=${BW_BENCH_RUNS:-3}
dense_scale=${BW_DENSE_SCALE:-80}
mixed_scale=${BW_MIXED_SCALE:-36}
bin=$build_dir/bin

for tool in "$bin/bw-gen" "$bin/bw-sensor" "$bin/bw-pcap-floor" /usr/bin/time; do
  [ -x "$tool" ] || { echo "macro.sh: $tool missing (build bw-gen bw-sensor bw-pcap-floor)" >&2; exit 1; }
done
command -v ndpiReader >/dev/null || { echo "macro.sh: ndpiReader missing (apt-get install libndpi-bin)" >&2; exit 1; }
mkdir -p "$work_dir"

generate() {  # profile scale -> path of the capture
  local file=$work_dir/$1-s$2.pcap
  [ -s "$file" ] || "$bin/bw-gen" --profile "$1" --seed 1 --scale "$2" --out "$file" >&2
  echo "$file"
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# Runs a command $runs times, output discarded; sets run_micros and run_kib to the median wall
# time (microseconds) and the median peak RSS (KiB).
measure() {
  local rss_file=$work_dir/rss.txt start end i times=() peaks=()
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$rss_file" "$@" >/dev/null 2>"$work_dir/stderr.txt" ||
      { echo "macro.sh: failed: $*" >&2; cat "$work_dir/stderr.txt" >&2; exit 1; }
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
    peaks+=("$(tail -n1 "$rss_file")")
  done
  run_micros=$(median "${times[@]}")
  run_kib=$(median "${peaks[@]}")
}

declare -A micros rss
row_names=()

# label command...: measures one configuration on the current corpus.
bench() {
  local label=$1
  shift
  measure "$@"
  micros[$corpus/$label]=$run_micros
  rss[$corpus/$label]=$run_kib
  [ "$corpus" = dense ] && row_names+=("$label")
  return 0
}

print_table() {
  printf '%-6s %-22s %10s %8s %9s %8s %9s %9s\n' corpus configuration Mpkt/s Gbit/s "ms" floor% "x ndpi" "RSS MiB"
  local c label us
  for c in dense mixed; do
    for label in "${row_names[@]}"; do
      us=${micros[$c/$label]}
      awk -v c="$c" -v l="$label" -v us="$us" -v p="${packets[$c]}" -v b="${bytes[$c]}" \
        -v floor="${micros[$c/floor]}" -v ndpi="${micros[$c/ndpiReader]}" -v kb="${rss[$c/$label]}" \
        'BEGIN { printf "%-6s %-22s %10.3f %8.2f %9.1f %7.1f%% %9.2f %9.1f\n", c, l, p / us,
                 b * 8 / us / 1000, us / 1000, 100 * floor / us, ndpi / us, kb / 1024 }'
    done
  done
}

declare -A packets bytes files
files[dense]=$(generate dense "$dense_scale")
files[mixed]=$(generate mixed "$mixed_scale")

for corpus in dense mixed; do
  file=${files[$corpus]}
  cat "$file" >/dev/null  # every configuration then reads from the page cache
  read -r _ "packets[$corpus]" _ "bytes[$corpus]" < <("$bin/bw-pcap-floor" "$file")
  echo "macro.sh: $corpus: $file, ${packets[$corpus]} packets, ${bytes[$corpus]} bytes" >&2
  bench floor "$bin/bw-pcap-floor" "$file"
  for workers in 1 2; do
    bench "sensor w$workers pb" "$bin/bw-sensor" --read "$file" --workers "$workers" --pb /dev/null --no-summary
    bench "sensor w$workers json" "$bin/bw-sensor" --read "$file" --workers "$workers" --json /dev/null --no-summary
  done
  # -q: no per-flow or summary printing; everything else default (DPI with guessing, 1 thread).
  bench ndpiReader ndpiReader -q -i "$file"
done

echo
echo "runs per figure: $runs (median); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
print_table

# Counters that would explain lost or unparsed traffic; in replay every one should be zero
# except the back-pressure waits, which only show the sensor waiting on itself.
echo
echo "sensor counters that explain losses (--workers 2, --pb):"
for corpus in dense mixed; do
  "$bin/bw-sensor" --read "${files[$corpus]}" --workers 2 --pb /dev/null 2>&1 >/dev/null |
    grep -E 'dropped|full_waits|exhausted|overflow|evicted|gaps|midstream|truncated|malformed|unparsable|not_kept|given_up|packets_read|packets_dispatched|flows_created' |
    sed "s/^ */  $corpus /"
done
