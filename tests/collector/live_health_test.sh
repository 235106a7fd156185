#!/usr/bin/env bash
# A live sensor streaming to the collector: its health events carry the spool's depth and losses
# and the stream state, and the collector keeps the latest ones as the sensor's state. Needs root,
# ip and tcpreplay for a veth pair in a network namespace of its own; skipped otherwise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../support/veth.sh"
veth_require
cleanup_veth() {
  veth_down
  cleanup_collector_test
}
trap cleanup_veth EXIT
veth_up bwhl

"$bin/bw-gen" --profile protocols --seed 5 --out "$work/in.pcap" >/dev/null
start_collector
write_sensor_config "$work/sensor.json"
"$bin/bw-sensor" --config "$work/sensor.json" --interface "$veth_near" --promisc --no-detect \
  --health-interval 1 --json "$work/live.jsonl" 2>"$work/live.err" &
sensor=$!
sleep 1
ip netns exec "$veth_ns" tcpreplay -q -i "$veth_far" --pps 2000 "$work/in.pcap" >"$work/tcpreplay.log" 2>&1
sleep 2.5
kill -INT "$sensor"
wait "$sensor"
status=$?
sensor=
sleep 0.5

health=$(grep -c '"health":' "$work/live.jsonl")
check "sensor exited cleanly on SIGINT" test "$status" -eq 0
check "health events written ($health)" test "$health" -ge 2
check "health events carry the spool depth" grep -q '"name":"spool.pending_events"' "$work/live.jsonl"
check "health events carry spool losses" grep -q '"name":"spool.events_lost_write"' "$work/live.jsonl"
check "health events carry the stream state" grep -q '"name":"stream.connected","value":"1"' "$work/live.jsonl"
check "collector stored the health events" \
  test "$(sql "select count(*) from events where kind = 'health'")" -ge 2
check "collector keeps the latest health as the sensor's state" \
  grep -q 'spool.pending_events' <(sql "select health_json from sensors where sensor_id = 'sensor-1'")
"$bin/bw-collector" query --db "$db" sensors >"$work/sensors.txt"
check "query sensors shows it" grep -q '^sensor-1 ' "$work/sensors.txt"
finish
