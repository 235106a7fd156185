# Shared by the end-to-end collector tests: a dev PKI, a collector that can be killed and
# restarted on the same port, a sensor configuration with short backoffs, and store counts.
# Sourced, not run. Each test passes the build's bin directory as $1.
set -uo pipefail
bin=$(realpath "$1")
source_dir=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
for tool in sqlite3 openssl; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool missing (tools/install-deps.sh)"; exit 77; }
done
work=$(mktemp -d)
pki=$work/pki
db=$work/store.db
collector_log=$work/collector.log
: >"$collector_log"
collector=
collector_port=0
failures=0

cleanup_collector_test() {
  [ -n "${collector:-}" ] && kill -9 "$collector" 2>/dev/null
  [ -n "${sensor:-}" ] && kill -9 "$sensor" 2>/dev/null
  wait 2>/dev/null
  if [ "${failures:-0}" -ne 0 ] || [ -n "${BW_KEEP_WORK:-}" ]; then
    echo "work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup_collector_test EXIT

"$source_dir/tools/pki/bw-dev-pki.sh" "$pki" sensor-1 sensor-2 >"$work/pki.log" 2>&1 ||
  { echo "FAIL bw-dev-pki.sh"; cat "$work/pki.log"; exit 1; }

check() {
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

# start_collector [extra serve options...]: starts bw-collector on $collector_port (0 the first
# time: the kernel picks, and later restarts reuse the port the sensor knows) and waits until it
# listens.
start_collector() {
  local before
  before=$(grep -c 'listening on' "$collector_log" 2>/dev/null)
  "$bin/bw-collector" serve --listen "127.0.0.1:$collector_port" --cert "$pki/collector.pem" \
    --key "$pki/collector.key" --client-ca "$pki/ca.pem" --db "$db" "$@" 2>>"$collector_log" &
  collector=$!
  local i
  for ((i = 0; i < 200; i++)); do
    if [ "$(grep -c 'listening on' "$collector_log" 2>/dev/null)" -gt "${before:-0}" ]; then
      collector_port=$(grep 'listening on' "$collector_log" | tail -1 | sed 's/.*://')
      return 0
    fi
    kill -0 "$collector" 2>/dev/null || break
    sleep 0.05
  done
  echo "FAIL collector did not start"
  cat "$collector_log"
  exit 1
}

kill9_collector() {
  kill -9 "$collector" 2>/dev/null
  wait "$collector" 2>/dev/null
  collector=
}

stop_collector() {
  kill -TERM "$collector" 2>/dev/null
  wait "$collector"
  local status=$?
  collector=
  return $status
}

# write_sensor_config FILE [spool_dir]: short backoffs and small batches, so faults heal within
# seconds and a stream of a few thousand events takes many batches.
write_sensor_config() {
  cat >"$1" <<JSON
{
  "version": 1,
  "sensor_id": "sensor-1",
  "collector": {
    "address": "127.0.0.1:$collector_port",
    "ca_file": "$pki/ca.pem",
    "cert_file": "$pki/sensor-1.pem",
    "key_file": "$pki/sensor-1.key",
    "spool_dir": "${2:-$work/spool}",
    "batch_max_events": 100,
    "batch_max_delay_ms": 50,
    "backoff_initial_ms": 100,
    "backoff_max_ms": 1000,
    "drain_timeout_s": 120
  }
}
JSON
}

sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }
stored_rows() { sql 'select count(*) from events'; }
distinct_rows() { sql "select count(distinct sensor_id || ':' || stream_epoch || ':' || sequence) from events"; }
json_lines() { grep -c . "$1"; }
# Sequences written by the sensor (its --json file), sorted, one per line.
json_sequences() { grep -o '"sequence":"[0-9]*"' "$1" | grep -o '[0-9]*' | sort -n; }
stored_sequences() { sql "select sequence from events where sensor_id = 'sensor-1' order by sequence"; }

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "--- collector log"
    tail -n 40 "$collector_log"
    exit 1
  fi
  exit 0
}
