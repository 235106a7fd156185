#!/usr/bin/env bash
# The collector is unreachable for 30 s in the middle of a replay paced to last about 45 s: no
# packet is dropped because of export, the spool grows during the outage, and once the collector
# is back every event is delivered, exactly once, identical to a replay without a collector.
source "$(dirname "$0")/lib.sh"
command -v pv >/dev/null || { echo "skipped: pv missing (tools/install-deps.sh)"; exit 77; }
outage_s=${BW_OUTAGE_S:-30}

"$bin/bw-gen" --profile dense --seed 6 --scale 1 --out "$work/dense.pcap" >/dev/null
bytes=$(stat -c %s "$work/dense.pcap")
rate=$((bytes / 45))  # bytes per second for a ~45 s replay
"$bin/bw-sensor" --sensor-id sensor-1 --read - --json "$work/reference.jsonl" <"$work/dense.pcap" 2>"$work/reference.err"
packets=$(awk '$1 == "capture.packets_read" { print $2 }' "$work/reference.err")

start_collector
write_sensor_config "$work/sensor.json"
pv -q -L "$rate" "$work/dense.pcap" |
  "$bin/bw-sensor" --config "$work/sensor.json" --read - --json "$work/sensor.jsonl" \
    2>"$work/sensor.err" &
sensor=$!
sleep 5
kill9_collector
at_outage=$(stored_rows)
sleep "$outage_s"
during=$("$bin/bw-spool" stat "$work/spool" 2>/dev/null | awk '$1 == "pending_events" { print $2 }')
start_collector
wait "$sensor"
status=$?
sensor=

events=$(json_lines "$work/sensor.jsonl")
echo "packets $packets, events $events; stored before the outage $at_outage, spooled during it ${during:-0}"
check "sensor exits 0" test "$status" -eq 0
check "every packet read" \
  test "$(awk '$1 == "capture.packets_read" { print $2 }' "$work/sensor.err")" -eq "$packets"
check "no packet dropped" bash -c "! grep -E '(queue_full_drops|kernel_dropped)' '$work/sensor.err'"
check "events identical to a replay without a collector" diff -q "$work/reference.jsonl" "$work/sensor.jsonl"
check "some events were stored before the outage" test "$at_outage" -gt 0
check "the spool held events during the outage" test "${during:-0}" -gt 0
check "every event stored after the collector returned" test "$(stored_rows)" -eq "$events"
check "each exactly once" test "$(distinct_rows)" -eq "$events"
check "stored sequences are the sensor's" \
  diff <(json_sequences "$work/sensor.jsonl") <(stored_sequences)
finish
