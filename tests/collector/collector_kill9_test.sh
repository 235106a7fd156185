#!/usr/bin/env bash
# kill -9 of the collector in the middle of a replay streaming thousands of events, then a
# restart on the same port: the sensor reconnects, resends what was not acknowledged, and every
# event is stored exactly once.
source "$(dirname "$0")/lib.sh"

"$bin/bw-gen" --profile dense --seed 3 --scale 2 --out "$work/dense.pcap" >/dev/null
start_collector
write_sensor_config "$work/sensor.json"

"$bin/bw-sensor" --config "$work/sensor.json" --read "$work/dense.pcap" \
  --json "$work/sensor.jsonl" 2>"$work/sensor.err" &
sensor=$!
# Kill once the first batches are in: the stream is then mid-way.
for ((i = 0; i < 400; i++)); do
  rows=$(stored_rows 2>/dev/null)
  [ "${rows:-0}" -ge 500 ] && break
  sleep 0.05
done
kill9_collector
at_kill=$(stored_rows)
sleep 2
start_collector
wait "$sensor"
status=$?
sensor=

events=$(json_lines "$work/sensor.jsonl")
echo "events: $events, stored when the collector was killed: $at_kill"
check "thousands of events streamed" test "$events" -ge 2000
check "collector was killed mid-stream" test "$at_kill" -lt "$events"
check "sensor exits 0" test "$status" -eq 0
check "sensor saw the stream break" grep -q "stream ended" "$work/sensor.err"
check "every event stored" test "$(stored_rows)" -eq "$events"
check "each exactly once" test "$(distinct_rows)" -eq "$events"
check "stored sequences are the sensor's" \
  diff <(json_sequences "$work/sensor.jsonl") <(stored_sequences)
check "spool empty after delivery" grep -q "0 pending in spool" "$work/sensor.err"
finish
