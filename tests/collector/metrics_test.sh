#!/usr/bin/env bash
# --metrics on a live sensor streaming to bw-collector serve: both scraped over loopback with
# curl, every scrape passes `promtool check metrics`, the sensor's figures equal the health event
# they were taken from and agree with its end-of-run summary, the collector's equal its store,
# no label names a host or a domain, and an address already in use exits 2 naming it. Needs
# root, ip and tcpreplay (a veth pair in a network namespace of its own), curl and promtool
# (Debian's prometheus package); skipped otherwise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../support/veth.sh"
for tool in promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool missing (tools/install-deps.sh)"; exit 77; }
done
veth_require
cleanup_veth() {
  veth_down
  cleanup_collector_test
}
trap cleanup_veth EXIT
veth_up bwpm

# metrics_port LOG: the port a process named with "metrics on http://HOST:PORT/metrics".
metrics_port() {
  local i
  for ((i = 0; i < 200; i++)); do
    if grep -q 'metrics on http://' "$1" 2>/dev/null; then
      grep -o 'metrics on http://[^ ]*' "$1" | tail -1 | sed -E 's|.*:([0-9]+)/metrics|\1|'
      return 0
    fi
    sleep 0.05
  done
  return 1
}

"$bin/bw-gen" --profile protocols --seed 5 --out "$work/in.pcap" >/dev/null
start_collector --metrics 127.0.0.1:0
collector_metrics=$(metrics_port "$collector_log") || { echo "FAIL collector names no metrics port"; exit 1; }

# The collector's metrics address is taken: a second collector and a sensor asked to serve there
# must stop at once with exit 2 and say which address.
"$bin/bw-collector" serve --listen 127.0.0.1:0 --cert "$pki/collector.pem" --key "$pki/collector.key" \
  --client-ca "$pki/ca.pem" --db "$work/other.db" --metrics "127.0.0.1:$collector_metrics" \
  2>"$work/busy-collector.err"
check "collector: metrics address in use exits 2" test $? -eq 2
check "collector: the error names the address" grep -q "127.0.0.1:$collector_metrics" "$work/busy-collector.err"
"$bin/bw-sensor" --read "$work/in.pcap" --no-detect --json /dev/null \
  --metrics "127.0.0.1:$collector_metrics" 2>"$work/busy-sensor.err"
check "sensor: metrics address in use exits 2" test $? -eq 2
check "sensor: the error names the address" grep -q "127.0.0.1:$collector_metrics" "$work/busy-sensor.err"

write_sensor_config "$work/sensor.json"
"$bin/bw-sensor" --config "$work/sensor.json" --interface "$veth_near" --promisc --no-detect \
  --health-interval 1 --json "$work/live.jsonl" --metrics 127.0.0.1:0 2>"$work/live.err" &
sensor=$!
sensor_metrics=$(metrics_port "$work/live.err") || { echo "FAIL sensor names no metrics port"; cat "$work/live.err"; exit 1; }
sleep 1
ip netns exec "$veth_ns" tcpreplay -q -i "$veth_far" --pps 2000 "$work/in.pcap" >"$work/tcpreplay.log" 2>&1
sleep 2.5
curl -sf "http://127.0.0.1:$sensor_metrics/metrics" -o "$work/sensor.prom"
check "sensor: /metrics answers" test -s "$work/sensor.prom"
promtool check metrics <"$work/sensor.prom" >"$work/sensor.promtool" 2>&1
check "sensor: promtool check metrics passes" test $? -eq 0
kill -INT "$sensor"
wait "$sensor"
status=$?
sensor=
check "sensor exited cleanly on SIGINT" test "$status" -eq 0
sleep 0.5

# The scrape is one health report: find it in the sensor's own output (the report whose
# export.events_health equals the scraped kind="health" count) and compare, then compare the
# traffic figures with the summary the sensor printed at the end.
python3 - "$work/sensor.prom" "$work/live.jsonl" "$work/live.err" >"$work/sensor.check" 2>&1 <<'PY'
import json, re, sys
prom_path, jsonl_path, err_path = sys.argv[1:4]
scraped = {}
for line in open(prom_path):
    if line.startswith('#') or not line.strip():
        continue
    m = re.match(r'([a-z_0-9]+)(\{([a-z_]+)="([^"]*)"\})?\s+(\S+)', line)
    scraped[(m.group(1), m.group(4) or '')] = float(m.group(5))
failures = 0
def check(what, ok):
    global failures
    print(('ok   ' if ok else 'FAIL ') + what)
    failures += 0 if ok else 1
for line in open(prom_path):
    m = re.search(r'\{([a-z_]+)=', line)
    if m: check('label %s is bounded' % m.group(1), m.group(1) in ('kind', 'protocol', 'counter', 'thread', 'status'))
reports = [json.loads(l)['health'] for l in open(jsonl_path) if '"health":' in l]
health_count = scraped.get(('bw_events_total', 'health'), 0)
report = None
for r in reports:
    counters = {c['name']: int(c.get('value', 0)) for c in r['counters']}
    if counters.get('export.events_health', 0) == health_count:
        report = counters
check('the scraped health report is in the sensor output (%d reports)' % len(reports), report is not None)
if report is None: sys.exit(1)
pairs = {
    'capture.packets_read': ('bw_capture_packets_total', ''),
    'capture.bytes_read': ('bw_capture_bytes_total', ''),
    'capture.kernel_dropped': ('bw_kernel_drops_total', ''),
    'capture.queue_full_drops': ('bw_capture_queue_drops_total', ''),
    'flow.packets': ('bw_worker_packets_total', ''),
    'flow_table.flows_created': ('bw_flows_total', ''),
    'export.events_http': ('bw_events_total', 'http'),
    'export.events_dns': ('bw_events_total', 'dns'),
    'export.events_tls': ('bw_events_total', 'tls'),
    'export.events_quic': ('bw_events_total', 'quic'),
    'spool.pending_events': ('bw_spool_pending_events', ''),
    'spool.events_lost_write': ('bw_spool_events_lost_write_total', ''),
    'spool.fsync_failures': ('bw_spool_fsync_failures_total', ''),
    'stream.connected': ('bw_stream_connected', ''),
}
for counter, key in pairs.items():
    check('%s = %s %s (%s)' % (key[0], counter, report.get(counter, 0), scraped.get(key)),
          scraped.get(key) == report.get(counter, 0))
for counter, value in report.items():
    if counter.startswith('decode.') or counter.startswith('http.') or counter.startswith('dns.'):
        section, name = counter.split('.', 1)
        family = {'decode': 'bw_decode_total', 'http': 'bw_http_parser_total', 'dns': 'bw_dns_parser_total'}[section]
        check('%s{counter="%s"} = %d' % (family, name, value), scraped.get((family, name)) == value)
    if counter.startswith('thread.'):
        thread = counter[len('thread.'):-len('.cpu_us')]
        check('bw_thread_cpu_seconds_total{thread="%s"} = %s us' % (thread, value),
              abs(scraped.get(('bw_thread_cpu_seconds_total', thread), -1) - value / 1e6) < 1e-6)
check('packets were captured', scraped.get(('bw_capture_packets_total', ''), 0) > 0)
check('the stream was connected', scraped.get(('bw_stream_connected', ''), 0) == 1)
summary = {}
for line in open(err_path):
    m = re.match(r'\s+([a-z_]+\.[a-z_0-9.-]+) (\d+)$', line)
    if m: summary[m.group(1)] = int(m.group(2))
# Traffic stopped before the scrape: what the summary counts beyond it can only be stray
# packets on the veth (IPv6 neighbour discovery), never events of the replayed capture.
check('summary capture.packets_read %s >= scraped' % summary.get('capture.packets_read'),
      summary.get('capture.packets_read', 0) >= scraped[('bw_capture_packets_total', '')])
for kind in ('http', 'dns', 'tls', 'quic'):
    check('summary export.events_%s = bw_events_total{kind="%s"}' % (kind, kind),
          summary.get('export.events_' + kind, 0) == scraped.get(('bw_events_total', kind)))
check('summary capture.kernel_dropped = 0 = bw_kernel_drops_total',
      summary.get('capture.kernel_dropped', 0) == 0 == scraped[('bw_kernel_drops_total', '')])
sys.exit(1 if failures else 0)
PY
check "sensor: scraped values equal its health report and summary" test $? -eq 0
cat "$work/sensor.check" | grep -v '^ok   label' | sed 's/^/  /'

# The sensor has stopped: nothing more reaches the store, so the collector's figures must equal it.
curl -sf "http://127.0.0.1:$collector_metrics/metrics" -o "$work/collector.prom"
check "collector: /metrics answers" test -s "$work/collector.prom"
promtool check metrics <"$work/collector.prom" >"$work/collector.promtool" 2>&1
check "collector: promtool check metrics passes" test $? -eq 0
scraped_value() { awk -v k="$1" '$1 == k { printf "%d\n", $2 }' "$work/collector.prom"; }
stored=$(stored_rows)
check "collector: bw_collector_events_stored_total = $(scraped_value bw_collector_events_stored_total) = rows in the store ($stored)" \
  test "$(scraped_value bw_collector_events_stored_total)" = "$stored"
check "collector: batches committed ($(scraped_value bw_collector_batches_total))" \
  test "$(scraped_value bw_collector_batches_total)" -gt 0
check "collector: no refusals" \
  test "$(awk '/^bw_collector_refusals_total/ { s += $2 } END { print s + 0 }' "$work/collector.prom")" = 0
check "collector: refusals by status" grep -q 'bw_collector_refusals_total{status="PERMISSION_DENIED"} 0' "$work/collector.prom"
check "collector: store commit time" grep -q '^bw_collector_store_commit_seconds_total ' "$work/collector.prom"
stop_collector
check "collector stopped cleanly" test $? -eq 0
if [ "$failures" -ne 0 ]; then
  echo "--- sensor scrape"; cat "$work/sensor.prom"; cat "$work/sensor.promtool"
  echo "--- collector scrape"; cat "$work/collector.prom"; cat "$work/collector.promtool"
fi
finish
