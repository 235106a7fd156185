#!/usr/bin/env bash
# Peak resident memory with 200,000 flows tracked at once, and what one tracked flow costs.
#
#   tools/bench/memory.sh [BUILD_DIR]
#
# The `dense` profile opens 1000 flows per unit of --scale and never reuses a 5-tuple. With every
# timeout at its maximum (a day) no flow expires during the capture, so at the end all of them are
# in the table at once (the summary's flows_flushed_at_end proves it). The same configuration on a
# 1000-flow capture gives the fixed cost; the difference divided by the extra flows is the cost
# of one flow, everything included (table entry, classifier state, detection state).
#
# Environment: BW_BENCH_DIR (default /tmp/bw-bench), BW_MEMORY_SCALE (default 200 = 200k flows),
# BW_MEMORY_WORKERS (default 1), BW_MEMORY_NDPI_STATES (classify.max_concurrent_flows, nDPI states
# per worker; default: the sensor's default). With BW_MEMORY_NDPI_STATES=262144 no flow is refused
# an nDPI state, so the per-flow figure includes the states nDPI still holds at the end.
set -euo pipefail

build_dir=$(realpath "${1:-$(dirname "$0")/../../build-bench}")
work_dir=${BW_BENCH_DIR:-/tmp/bw-bench}
scale=${BW_MEMORY_SCALE:-200}
workers=${BW_MEMORY_WORKERS:-1}
ndpi_states=${BW_MEMORY_NDPI_STATES:-}
bin=$build_dir/bin
mkdir -p "$work_dir"

config=$work_dir/memory-config.json
classify=
[ -n "$ndpi_states" ] && classify=",
  \"classify\": { \"max_concurrent_flows\": $ndpi_states }"
cat >"$config" <<EOF
{
  "version": 1,
  "flow": {
    "max_flows": 262144,
    "tcp_idle_timeout_s": 86400,
    "udp_idle_timeout_s": 86400,
    "tcp_closed_timeout_s": 86400
  }$classify
}
EOF

generate() {  # scale -> path of the capture
  local file=$work_dir/dense-s$1.pcap
  [ -s "$file" ] || "$bin/bw-gen" --profile dense --seed 1 --scale "$1" --out "$file" >&2
  echo "$file"
}

# file -> "<peak RSS KiB> <flows flushed at end>"
peak_rss() {
  local summary=$work_dir/memory-summary.txt rss
  /usr/bin/time -f %M "$bin/bw-sensor" --read "$1" --workers "$workers" --config "$config" \
    --pb /dev/null 2>"$summary" >/dev/null ||
    { echo "memory.sh: bw-sensor failed:" >&2; cat "$summary" >&2; exit 1; }
  rss=$(tail -n1 "$summary")
  echo "$rss $(awk '/flows_flushed_at_end/ { n += $2 } END { print n + 0 }' "$summary")"
  grep -E 'flows_created|flows_evicted|flows_expired|pool_exhausted|stream_buffer_exhausted|flows_classified|flows_detected|flows_given_up|flows_released_unneeded' "$summary" |
    sed 's/^ */  /' >&2 || true
}

small=$(generate 1)
large=$(generate "$scale")
echo "memory.sh: baseline $small" >&2
read -r small_kib small_flows < <(peak_rss "$small")
echo "memory.sh: loaded $large" >&2
read -r large_kib large_flows < <(peak_rss "$large")

awk -v states="${ndpi_states:-default}" -v sk="$small_kib" -v sf="$small_flows" -v lk="$large_kib" -v lf="$large_flows" -v w="$workers" 'BEGIN {
  printf "workers %d, nDPI states per worker: %s\n", w, states
  printf "baseline: %d flows open at end, peak RSS %.1f MiB\n", sf, sk / 1024
  printf "loaded:   %d flows open at end, peak RSS %.1f MiB\n", lf, lk / 1024
  printf "per tracked flow: %.0f bytes ((RSS delta) / (flow delta))\n", (lk - sk) * 1024 / (lf - sf)
}'
