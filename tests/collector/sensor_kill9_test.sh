#!/usr/bin/env bash
# kill -9 of the sensor with a non-empty spool (collector down), then a restart: the spool is
# replayed in order, every spooled event is stored exactly once, and the next run's sequences
# continue after the spool's.
source "$(dirname "$0")/lib.sh"

"$bin/bw-gen" --profile dense --seed 4 --scale 2 --out "$work/dense.pcap" >/dev/null
# Learn a free port, then leave it closed: the collector is down while the sensor runs.
start_collector
stop_collector
write_sensor_config "$work/sensor.json"

"$bin/bw-sensor" --config "$work/sensor.json" --read "$work/dense.pcap" \
  --json "$work/sensor.jsonl" 2>"$work/sensor.err" &
sensor=$!
for ((i = 0; i < 400; i++)); do
  pending=$("$bin/bw-spool" stat "$work/spool" 2>/dev/null | awk '$1 == "pending_events" { print $2 }')
  [ "${pending:-0}" -ge 1000 ] && break
  sleep 0.05
done
kill -9 "$sensor"
wait "$sensor" 2>/dev/null
sensor=
"$bin/bw-spool" stat "$work/spool" >"$work/stat.txt"
pending=$(awk '$1 == "pending_events" { print $2 }' "$work/stat.txt")
last=$(awk '$1 == "last_sequence" { print $2 }' "$work/stat.txt")
"$bin/bw-spool" dump "$work/spool" | grep -o '"sequence":"[0-9]*"' | grep -o '[0-9]*' \
  >"$work/spooled_sequences.txt"
echo "spool after kill -9: $pending events, last sequence $last"
check "spool holds events after kill -9" test "${pending:-0}" -ge 1000
check "spool dump lists them" test "$(wc -l <"$work/spooled_sequences.txt")" -eq "$pending"
check "spooled sequences are the first ones, in order" \
  diff "$work/spooled_sequences.txt" <(seq 1 "$pending")

start_collector
"$bin/bw-sensor" --config "$work/sensor.json" --drain-spool 2>"$work/drain.err"
check "drain exits 0" test $? -eq 0
check "every spooled event stored" test "$(stored_rows)" -eq "$pending"
check "each exactly once" test "$(distinct_rows)" -eq "$pending"
check "stored sequences are the spooled ones" diff "$work/spooled_sequences.txt" <(stored_sequences)

"$bin/bw-sensor" --config "$work/sensor.json" --read "$work/dense.pcap" \
  --json "$work/rerun.jsonl" 2>"$work/rerun.err"
check "rerun exits 0" test $? -eq 0
first=$(json_sequences "$work/rerun.jsonl" | head -1)
check "rerun continues after the spool's last sequence ($first > $last)" test "$first" -gt "$last"
check "rerun stored once" test "$(distinct_rows)" -eq $((pending + $(json_lines "$work/rerun.jsonl")))
finish
