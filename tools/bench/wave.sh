#!/usr/bin/env bash
# Mass-wave benchmark: what beacon detection costs when one mail-merge wave of 200k recipients is
# opened (`bw-gen --profile wave --scale 100`: 200k HTTP pixel fetches of one URL template, each
# from its own client, and 20k HTTPS connections to the same sender), and on the `dense` corpus.
# Every configuration is timed in the same run, so the ratios are what to compare; the machine is
# usually shared and absolute rates drift.
#
#   tools/bench/wave.sh [BUILD_DIR]
#
# For each corpus: `bw-sensor --workers 1 --pb /dev/null` with detection and with `--no-detect`,
# median of BW_BENCH_RUNS (3) runs each. Prints wall-clock Mpps, CPU seconds (user + system, all
# threads) and the ratio with/without detection. Targets: wave ratio <= 1.5; dense with detection
# >= 1 Mpps per CPU-second.
#
# Build BUILD_DIR as Release (cmake -DCMAKE_BUILD_TYPE=Release). Environment: BW_BENCH_DIR (work
# directory, default /tmp/bw-bench), BW_BENCH_RUNS (3), BW_WAVE_SCALE (100, 200k opens),
# BW_DENSE_SCALE (80, ~700k packets), BW_BASELINE_SENSOR (another bw-sensor binary, e.g. one
# built before a change, measured on the same captures in the same run) and BW_BASELINE_RUNS
# (runs of the baseline, default BW_BENCH_RUNS: a sensor with quadratic campaign tracking takes
# minutes per wave replay).
set -euo pipefail

build_dir=$(realpath "${1:-$(dirname "$0")/../../build-bench}")
work_dir=${BW_BENCH_DIR:-/tmp/bw-bench}
runs=${BW_BENCH_RUNS:-3}
wave_scale=${BW_WAVE_SCALE:-100}
dense_scale=${BW_DENSE_SCALE:-80}
baseline=${BW_BASELINE_SENSOR:-}
baseline_runs=${BW_BASELINE_RUNS:-$runs}
bin=$build_dir/bin

for tool in "$bin/bw-gen" "$bin/bw-sensor" /usr/bin/time; do
  [ -x "$tool" ] || { echo "wave.sh: $tool missing (build bw-gen bw-sensor)" >&2; exit 1; }
done
[ -z "$baseline" ] || [ -x "$baseline" ] || { echo "wave.sh: $baseline is not executable" >&2; exit 1; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
[ "$build_type" = Release ] || echo "wave.sh: warning: $build_dir is a '${build_type:-unknown}' build, not Release" >&2
mkdir -p "$work_dir"

generate() {  # profile scale -> path of the capture
  local file=$work_dir/$1-s$2.pcap
  [ -s "$file" ] || "$bin/bw-gen" --profile "$1" --seed 1 --scale "$2" --out "$file" >&2
  echo "$file"
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# Runs a command $count times, output discarded; sets run_micros to the median wall time and
# run_cpu_ms to the median CPU time (user + system) in milliseconds.
measure() {
  local count=$1 times_file=$work_dir/time.txt start end i walls=() cpus=()
  shift
  for ((i = 0; i < count; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S' -o "$times_file" "$@" >/dev/null 2>"$work_dir/stderr.txt" ||
      { echo "wave.sh: failed: $*" >&2; cat "$work_dir/stderr.txt" >&2; exit 1; }
    end=$(date +%s%N)
    walls+=($(((end - start) / 1000)))
    cpus+=("$(tail -n1 "$times_file" | awk '{ printf "%d", ($1 + $2) * 1000 }')")
  done
  run_micros=$(median "${walls[@]}")
  run_cpu_ms=$(median "${cpus[@]}")
}

declare -A micros cpu_ms packets
rows=()

bench() {  # corpus label runs command...
  local corpus=$1 label=$2 count=$3
  shift 3
  measure "$count" "$@"
  micros[$corpus/$label]=$run_micros
  cpu_ms[$corpus/$label]=$run_cpu_ms
  rows+=("$corpus/$label")
  echo "wave.sh: $corpus $label: $((run_micros / 1000)) ms wall, $run_cpu_ms ms CPU" >&2
}

sensors=("new:$bin/bw-sensor")
[ -n "$baseline" ] && sensors+=("baseline:$baseline")

for corpus in wave dense; do
  if [ "$corpus" = wave ]; then file=$(generate wave "$wave_scale"); else file=$(generate dense "$dense_scale"); fi
  cat "$file" >/dev/null  # every configuration then reads from the page cache
  packets[$corpus]=$("$bin/bw-sensor" --read "$file" --workers 1 --no-detect --pb /dev/null 2>&1 >/dev/null |
    awk '$1 == "capture.packets_read" { print $2 }')
  echo "wave.sh: $corpus: $file, ${packets[$corpus]} packets" >&2
  for entry in "${sensors[@]}"; do
    name=${entry%%:*}
    sensor=${entry#*:}
    count=$runs
    [ "$name" = baseline ] && count=$baseline_runs
    bench "$corpus" "$name no-detect" "$count" "$sensor" --read "$file" --workers 1 --pb /dev/null --no-summary --no-detect
    bench "$corpus" "$name detect" "$count" "$sensor" --read "$file" --workers 1 --pb /dev/null --no-summary
  done
done

echo
echo "runs per figure: $runs (median)${baseline:+, baseline $baseline_runs}; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-22s %10s %10s %10s %14s %12s\n' corpus configuration "wall ms" "Mpkt/s" "CPU s" "Mpkt/CPU-s" "x no-detect"
for row in "${rows[@]}"; do
  corpus=${row%%/*}
  label=${row#*/}
  name=${label%% *}
  awk -v c="$corpus" -v l="$label" -v us="${micros[$row]}" -v cpu="${cpu_ms[$row]}" \
    -v p="${packets[$corpus]}" -v base="${micros[$corpus/$name no-detect]}" \
    'BEGIN { printf "%-6s %-22s %10.0f %10.3f %10.2f %14.3f %12.2f\n", c, l, us / 1000, p / us,
             cpu / 1000, (cpu > 0 ? p / (cpu * 1000) : 0), us / base }'
done
echo
echo "targets: wave 'new detect' at most 1.5x 'new no-detect'; dense 'new detect' at least 1 Mpkt per CPU-second"
