#!/usr/bin/env bash
# Live capture end to end: a veth pair whose far end lives in a network namespace of its own,
# a generated capture replayed into it with tcpreplay at a modest fixed rate, and bw-sensor
# capturing the near end. Every application event of a replay of the same file must appear, with
# zero kernel and queue drops. Needs root, ip and tcpreplay; exits 77 (skipped) without them.
set -uo pipefail
bin=$1
rate=${BW_LIVE_PPS:-2000}
source "$(dirname "$0")/../support/veth.sh"
veth_require
work=$(mktemp -d)
cleanup() {
  [ -n "${sensor:-}" ] && kill -INT "$sensor" 2>/dev/null
  veth_down
  rm -rf "$work"
}
trap cleanup EXIT
veth_up bwlive

"$bin/bw-gen" --profile protocols --seed 5 --out "$work/in.pcap" >/dev/null
"$bin/bw-sensor" --read "$work/in.pcap" --no-detect --json "$work/replay.jsonl" --no-summary

# One live capture of the replayed file: CONFIG, then tcpreplay's speed arguments.
run_live() {
  local config=$1
  shift
  "$bin/bw-sensor" --interface "$veth_near" --promisc --no-detect --health-interval 1 \
    --config "$config" --json "$work/live.jsonl" 2>"$work/live.err" &
  sensor=$!
  sleep 1
  ip netns exec "$veth_ns" tcpreplay -q -i "$veth_far" "$@" "$work/in.pcap" >"$work/tcpreplay.log" 2>&1
  sleep 1
  kill -INT "$sensor"
  wait "$sensor"
  status=$?
  sensor=
}

failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
# The summary prints non-zero counters only: an absent counter is 0.
counter() {
  local v
  v=$(awk -v name="capture.$1" '$1 == name { print $2 }' "$work/live.err")
  echo "${v:-0}"
}
kinds() { grep -o '"\(http\|dns\|tls\|quic\)":' "$1" | sort | uniq -c; }
report() {
  echo "live ($1): $(counter packets_read) packets, $(grep -c '"sequence"' "$work/live.jsonl") events"
  grep -E "capture\.|export\.events_written" "$work/live.err" | sed 's/^/  /'
}

# 1. A modest fixed rate with the default pipeline.
echo '{"version": 1}' >"$work/default.json"
run_live "$work/default.json" --pps "$rate"
check "sensor exited cleanly on SIGINT" test "$status" -eq 0
check "packets arrived" test "$(counter packets_read)" -gt 0
check "no kernel drops" test "$(counter kernel_dropped)" -eq 0
check "no queue drops" test "$(counter queue_full_drops)" -eq 0
check "health events report the capture counters" \
  grep -q '"health":{.*"name":"capture.packets_read"' "$work/live.jsonl"
check "every event kind in the same numbers as the replay" \
  diff <(kinds "$work/replay.jsonl") <(kinds "$work/live.jsonl")
report "$rate pps"

# 2. The whole capture at tcpreplay's top speed into worker queues of 64 packets: the burst is far
# deeper than the queue, so it must wait in the kernel ring rather than be dropped at the queue.
echo '{"version": 1, "pipeline": {"queue_depth": 64, "packet_buffer_kib": 256}}' >"$work/tiny.json"
run_live "$work/tiny.json" --topspeed
check "top speed, tiny queues: exited cleanly" test "$status" -eq 0
check "top speed, tiny queues: the queue filled and capture waited" \
  test "$(counter queue_full_waits)" -gt 0
check "top speed, tiny queues: no kernel drops" test "$(counter kernel_dropped)" -eq 0
check "top speed, tiny queues: no queue drops" test "$(counter queue_full_drops)" -eq 0
check "top speed, tiny queues: every event kind in the same numbers as the replay" \
  diff <(kinds "$work/replay.jsonl") <(kinds "$work/live.jsonl")
report "top speed, 64-packet queues"

# 3. With detection and a first-seen store: a live sensor saves what it learned at every health
# report, not only at exit, so a sensor killed without warning keeps its learning time.
"$bin/bw-sensor" --interface "$veth_near" --promisc --health-interval 1 \
  --first-seen "$work/first-seen.tsv" --json "$work/live.jsonl" 2>"$work/live.err" &
sensor=$!
sleep 1
ip netns exec "$veth_ns" tcpreplay -q -i "$veth_far" --pps "$rate" "$work/in.pcap" \
  >"$work/tcpreplay.log" 2>&1
sleep 2
check "first-seen store saved while running" \
  grep -q '^# beaconwatch first-seen v2' "$work/first-seen.tsv"
check "first-seen store keeps when learning started" \
  grep -q '^# learning_since_ns' "$work/first-seen.tsv"
check "first-seen store holds the replayed domains" test "$(grep -vc '^#' "$work/first-seen.tsv")" -gt 0
kill -9 "$sensor"
wait "$sensor" 2>/dev/null
sensor=
[ "$failures" -eq 0 ]
