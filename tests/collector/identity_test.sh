#!/usr/bin/env bash
# No one else in: a certificate from another CA is refused at the TLS handshake (nothing stored,
# the refused sensor keeps its events in its spool), a sensor cannot be configured to send under
# another identity than its certificate's, and the collector keeps serving the genuine sensors.
source "$(dirname "$0")/lib.sh"

"$bin/bw-gen" --profile protocols --seed 5 --out "$work/in.pcap" >/dev/null
"$source_dir/tools/pki/bw-dev-pki.sh" "$work/rogue" sensor-1 >/dev/null 2>&1
start_collector
write_sensor_config "$work/sensor.json"

attempt() {  # name cert key -> sensor exit status; short drain so a refused sensor gives up
  local name=$1
  sed -e "s|$pki/sensor-1.pem|$2|" -e "s|$pki/sensor-1.key|$3|" \
    -e "s|\"drain_timeout_s\": 120|\"drain_timeout_s\": 3|" -e "s|$work/spool|$work/spool-$name|" \
    "$work/sensor.json" >"$work/$name.json"
  "$bin/bw-sensor" --config "$work/$name.json" --read "$work/in.pcap" --json "$work/$name.jsonl" \
    2>"$work/$name.err"
}

attempt rogue "$work/rogue/sensor-1.pem" "$work/rogue/sensor-1.key"
check "rogue-CA sensor still finishes its replay (exit 0)" test $? -eq 0
check "rogue-CA sensor stored nothing" test "$(stored_rows)" -eq 0
check "rogue-CA sensor keeps its events spooled" grep -q "pending in spool" "$work/rogue.err"
check "rogue-CA sensor saw the refusal" grep -q "stream ended: UNAVAILABLE" "$work/rogue.err"

# A sensor holding sensor-2's certificate but configured as sensor-1 is stopped at start: the
# collector would refuse every event (its own refusal of such batches, PERMISSION_DENIED, is
# tested with a raw client in tests/unit/collector).
attempt spoof "$pki/sensor-2.pem" "$pki/sensor-2.key"
check "mismatched identity refused at start (exit 2)" test $? -eq 2
check "the error names both identities" grep -q "sensor_id 'sensor-1' differs .*CN 'sensor-2'" "$work/spoof.err"
check "nothing stored" test "$(stored_rows)" -eq 0
check "collector still running" kill -0 "$collector"

# Without a sensor_id the sensor takes its certificate's CN.
sed -e '/"sensor_id"/d' -e "s|sensor-1.pem|sensor-2.pem|" -e "s|sensor-1.key|sensor-2.key|" \
  -e "s|$work/spool|$work/spool-cn|" "$work/sensor.json" >"$work/cn.json"
"$bin/bw-sensor" --config "$work/cn.json" --read "$work/in.pcap" --json "$work/cn.jsonl" 2>"$work/cn.err"
check "a sensor without an id streams as its certificate's CN" \
  test "$(sql "select count(*) from events where sensor_id = 'sensor-2'")" -eq "$(json_lines "$work/cn.jsonl")"
check "its events name it" grep -q '"sensor_id":"sensor-2"' "$work/cn.jsonl"

attempt good "$pki/sensor-1.pem" "$pki/sensor-1.key"
check "the genuine sensor is served afterwards" \
  test "$(sql "select count(*) from events where sensor_id = 'sensor-1'")" -eq "$(json_lines "$work/good.jsonl")"
finish
