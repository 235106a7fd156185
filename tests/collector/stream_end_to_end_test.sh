#!/usr/bin/env bash
# bw-sensor streams a replay to bw-collector over mTLS: every event stored once, in sequence, the
# SIEM output carries each new event, a second replay on the same spool continues the sequence,
# and a second sensor seeing the same campaign joins it into one cross-sensor campaign.
source "$(dirname "$0")/lib.sh"

"$bin/bw-gen" --profile demo --seed 2021 --out "$work/demo.pcap" >/dev/null
start_collector --json-out "$work/siem.jsonl"
write_sensor_config "$work/sensor.json"

replay() {  # output.jsonl [extra options]
  local out=$1
  shift
  "$bin/bw-sensor" --config "$work/sensor.json" --read "$work/demo.pcap" \
    --intel "$source_dir/sensor/intel/data" --json "$out" "$@" 2>>"$work/sensor.err"
}

replay "$work/run1.jsonl"
check "first replay exits 0" test $? -eq 0
events=$(json_lines "$work/run1.jsonl")
check "replay produced events ($events)" test "$events" -gt 100
check "every event stored" test "$(stored_rows)" -eq "$events"
check "each stored once" test "$(distinct_rows)" -eq "$events"
check "stored sequences are the sensor's" \
  diff <(json_sequences "$work/run1.jsonl") <(stored_sequences)
check "sensor reports delivery" grep -q "delivered $events events; 0 pending in spool" "$work/sensor.err"
beacons=$(sql "select count(*) from events where kind = 'beacon'")
check "beacon alerts stored ($beacons)" test "$beacons" -gt 0
check "alerts are indexed by domain" \
  test "$(sql "select count(*) from events where kind = 'beacon' and registrable_domain <> ''")" -eq "$beacons"

check "SIEM output has one line per stored event" test "$(json_lines "$work/siem.jsonl")" -eq "$events"
check "SIEM output uses ECS names" grep -q '"network":{[^}]*"community_id"' "$work/siem.jsonl"
check "SIEM alerts carry url.original" grep -q '"url":{[^}]*"original"' "$work/siem.jsonl"

"$bin/bw-collector" query --db "$db" alerts --json >"$work/alerts.jsonl"
check "query lists every alert" test "$(json_lines "$work/alerts.jsonl")" -eq "$beacons"
host=$(sql "select client_ip from events where kind = 'beacon' limit 1")
by_host=$(sql "select count(*) from events where kind = 'beacon' and client_ip = '$host'")
"$bin/bw-collector" query --db "$db" alerts --host "$host" --json >"$work/by_host.jsonl"
check "query by recipient host ($host: $by_host)" test "$(json_lines "$work/by_host.jsonl")" -eq "$by_host"
"$bin/bw-collector" query --db "$db" alerts --since 2000-01-01T00:00:00Z --until 2000-01-02T00:00:00Z \
  --json >"$work/none.jsonl"
check "query by time range excludes other days" test "$(json_lines "$work/none.jsonl")" -eq 0
"$bin/bw-collector" query --db "$db" alerts >"$work/alerts.txt"
check "text query has a header and one row per alert" \
  test "$(wc -l <"$work/alerts.txt")" -eq $((beacons + 1))

replay "$work/run2.jsonl"
check "second replay on the same spool exits 0" test $? -eq 0
first2=$(json_sequences "$work/run2.jsonl" | head -1)
check "sequence continues across restarts ($first2)" test "$first2" -eq $((events + 1))
check "both replays stored once" test "$(distinct_rows)" -eq $((2 * events))

# A second sensor on another tap sees the same wave: the campaign spans both.
sed -e 's/sensor-1/sensor-2/g' -e "s|$work/spool|$work/spool2|" "$work/sensor.json" >"$work/sensor2.json"
"$bin/bw-sensor" --config "$work/sensor2.json" --read "$work/demo.pcap" \
  --intel "$source_dir/sensor/intel/data" --json "$work/run3.jsonl" 2>>"$work/sensor.err"
check "second sensor exits 0" test $? -eq 0
check "second sensor's events stored" \
  test "$(sql "select count(*) from events where sensor_id = 'sensor-2'")" -eq "$events"
"$bin/bw-collector" query --db "$db" campaigns --json >"$work/campaigns.jsonl"
check "a campaign spans both sensors" grep -q '"sensors":2' "$work/campaigns.jsonl"
"$bin/bw-collector" query --db "$db" sensors >"$work/sensors.txt"
check "both sensors listed" grep -q sensor-2 "$work/sensors.txt"

stop_collector
check "collector stops cleanly on SIGTERM" test $? -eq 0
finish
