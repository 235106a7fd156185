#!/usr/bin/env bash
# Live capture at increasing rates: a veth pair whose far end lives in a network namespace of its
# own, a generated capture replayed into it with tcpreplay, once per rate, captured on the near
# end first by `tcpdump -w /dev/null` (the reference: what plain libpcap holds on this path) and
# then by bw-sensor. Prints one row per rate and tool: packets seen, kernel drops, queue drops,
# and for the sensor the application events seen against a replay of the same file.
#
#   tools/bench/live.sh [BUILD_DIR]
#
# Needs root, iproute2, tcpreplay and tcpdump. Environment: BW_LIVE_RATES (packets/s, "top" for
# tcpreplay --topspeed; default "20000 50000 100000 200000 top"), BW_LIVE_PROFILE (default dense),
# BW_LIVE_SCALE (default 5), BW_BENCH_DIR (default /tmp/bw-bench), BW_LIVE_WORKERS (default 1).
set -euo pipefail

build_dir=$(realpath "${1:-$(dirname "$0")/../../build-bench}")
bin=$build_dir/bin
work_dir=${BW_BENCH_DIR:-/tmp/bw-bench}
rates=${BW_LIVE_RATES:-20000 50000 100000 200000 top}
profile=${BW_LIVE_PROFILE:-dense}
scale=${BW_LIVE_SCALE:-5}
workers=${BW_LIVE_WORKERS:-1}

[ "$(id -u)" -eq 0 ] || { echo "live.sh: needs root (network namespaces, veth)" >&2; exit 1; }
for tool in ip tcpreplay tcpdump "$bin/bw-sensor" "$bin/bw-gen"; do
  command -v "$tool" >/dev/null || { echo "live.sh: $tool missing" >&2; exit 1; }
done
mkdir -p "$work_dir"
ns=bwbench$$
near=bwbn$$
far=bwbf$$
pid=
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null
  ip link del "$near" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  return 0
}
trap cleanup EXIT
ip netns add "$ns"
ip link add "$near" type veth peer name "$far"
ip link set "$far" netns "$ns"
ip link set "$near" up
ip -n "$ns" link set "$far" up

capture=$work_dir/live-$profile-s$scale.pcap
[ -s "$capture" ] || "$bin/bw-gen" --profile "$profile" --seed 1 --scale "$scale" --out "$capture" >&2
# What every live run should produce: the application events of a replay of the same file.
kinds() { grep -o '"\(http\|dns\|tls\|quic\)":' "$1" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }'; }
app_events() { grep -c '"\(http\|dns\|tls\|quic\)":' "$1" || true; }
"$bin/bw-sensor" --read "$capture" --no-detect --json "$work_dir/live-replay.jsonl" --no-summary
expected=$(app_events "$work_dir/live-replay.jsonl")
expected_kinds=$(kinds "$work_dir/live-replay.jsonl")
packets=$(tcpdump -r "$capture" 2>/dev/null | wc -l)
echo "live.sh: $capture: $packets packets, $expected application events ($expected_kinds)" >&2

# rate -> replays the capture into the far end; prints the achieved packets/s.
replay() {
  local speed=(--pps "$1")
  [ "$1" = top ] && speed=(--topspeed)
  ip netns exec "$ns" tcpreplay -i "$far" "${speed[@]}" "$capture" 2>&1 |
    awk '/Rated:/ { for (i = 1; i <= NF; i++) if ($i == "pps") print $(i - 1) }' | head -n1
}

# Runs a capture command in the background, replays, stops it with SIGINT and waits.
run_capture() {
  "$@" &
  pid=$!
  sleep 1
  achieved=$(replay "$rate")
  sleep 1
  kill -INT "$pid"
  wait "$pid" || true
  pid=
}

counter() {  # name file -> value from the sensor's summary (absent means 0)
  local v
  v=$(awk -v name="$1" '$1 == name { print $2 }' "$2")
  echo "${v:-0}"
}

printf '%-6s %-9s %10s %10s %10s %10s %12s  %s\n' rate tool "sent pps" seen "kern drop" "queue drop" \
  "events" verdict
for rate in $rates; do
  run_capture tcpdump -i "$near" -w /dev/null -B 65536 2>"$work_dir/tcpdump.err"
  seen=$(awk '/packets captured/ { print $1 }' "$work_dir/tcpdump.err")
  dropped=$(awk '/dropped by kernel/ { print $1 }' "$work_dir/tcpdump.err")
  verdict=$([ "${dropped:-1}" -eq 0 ] && [ "${seen:-0}" -ge "$packets" ] && echo holds || echo loses)
  printf '%-6s %-9s %10s %10s %10s %10s %12s  %s\n' "$rate" tcpdump "$achieved" "$seen" "$dropped" - - \
    "$verdict"

  run_capture "$bin/bw-sensor" --interface "$near" --no-detect --workers "$workers" \
    --json "$work_dir/live-events.jsonl" 2>"$work_dir/live-sensor.err"
  seen=$(counter capture.packets_read "$work_dir/live-sensor.err")
  kernel=$(counter capture.kernel_dropped "$work_dir/live-sensor.err")
  queue=$(counter capture.queue_full_drops "$work_dir/live-sensor.err")
  events=$(app_events "$work_dir/live-events.jsonl")
  verdict=loses
  if [ "$kernel" -eq 0 ] && [ "$queue" -eq 0 ] && [ "$events" -eq "$expected" ] &&
    [ "$(kinds "$work_dir/live-events.jsonl")" = "$expected_kinds" ]; then
    verdict=holds
  fi
  printf '%-6s %-9s %10s %10s %10s %10s %12s  %s\n' "$rate" bw-sensor "$achieved" "$seen" "$kernel" \
    "$queue" "$events/$expected" "$verdict"
done
