#!/usr/bin/env bash
# Disk full, for real, on small tmpfs mounts (root only; skipped otherwise):
#  - the sensor's spool fills while the collector is down: losses are counted and named, the
#    replay finishes, and what was spooled is delivered later;
#  - the collector's store fills mid-stream: the collector logs the error and keeps serving, the
#    sensor keeps the events in its spool, and once the disk has room again everything lands once.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root to mount a small tmpfs"; exit 77; fi
mounts=()
cleanup_mounts() {
  local m
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  cleanup_collector_test
}
trap cleanup_mounts EXIT
small_mount() {  # dir size
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || { echo "skipped: cannot mount tmpfs"; exit 77; }
  mounts+=("$1")
}

"$bin/bw-gen" --profile dense --seed 7 --scale 2 --out "$work/dense.pcap" >/dev/null

# 1. Spool on a 512 KiB disk, collector down.
small_mount "$work/spoolfs" 512k
start_collector
stop_collector
write_sensor_config "$work/sensor.json" "$work/spoolfs/spool"
sed -i 's|"drain_timeout_s": 120|"drain_timeout_s": 2|' "$work/sensor.json"
"$bin/bw-sensor" --config "$work/sensor.json" --read "$work/dense.pcap" --json "$work/run1.jsonl" \
  2>"$work/run1.err"
status=$?
check "sensor keeps running and finishes with a full spool disk, exit 3 for the loss" \
  test "$status" -eq 3
lost=$(awk '$1 == "spool.events_lost_write" { print $2 }' "$work/run1.err")
check "the last line says how many were lost" \
  grep -q "spool lost ${lost:-0} events (0 dropped at the spool cap, ${lost:-0} lost to write errors)" \
  "$work/run1.err"
events=$(json_lines "$work/run1.jsonl")
echo "events $events, lost to the full spool disk ${lost:-0}"
check "losses counted" test "${lost:-0}" -gt 0
check "the error names the problem" grep -qi "no space left on device" "$work/run1.err"
"$bin/bw-spool" stat "$work/spoolfs/spool" >"$work/stat.txt"
pending=$(awk '$1 == "pending_events" { print $2 }' "$work/stat.txt")
check "spooled plus lost is every event" test $((pending + lost)) -eq "$events"
start_collector
"$bin/bw-sensor" --config "$work/sensor.json" --drain-spool 2>"$work/drain.err"
check "what fitted is delivered" test "$(stored_rows)" -eq "$pending"
stop_collector

# 2. Store on a 1 MiB disk: it fills mid-stream, then gets room.
rm -f "$db" "$db"-wal "$db"-shm
small_mount "$work/storefs" 1m
db=$work/storefs/store.db
start_collector
write_sensor_config "$work/sensor2.json" "$work/spool2"
"$bin/bw-sensor" --config "$work/sensor2.json" --read "$work/dense.pcap" --json "$work/run2.jsonl" \
  2>"$work/run2.err" &
sensor=$!
for ((i = 0; i < 600; i++)); do
  grep -qi "store:.*full" "$collector_log" && break
  sleep 0.05
done
check "collector logs the full store" grep -qi "store:.*full" "$collector_log"
check "collector keeps running" kill -0 "$collector"
mount -o remount,size=256m "$work/storefs"
wait "$sensor"
status=$?
sensor=
events2=$(json_lines "$work/run2.jsonl")
check "sensor delivered everything once the store had room" test "$status" -eq 0
check "every event of run 2 stored" \
  test "$(stored_rows)" -eq "$events2"
check "each exactly once" test "$(distinct_rows)" -eq "$(stored_rows)"
stop_collector
finish
