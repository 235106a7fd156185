#!/usr/bin/env bash
# Golden replay: generate a capture with bw-gen, replay it with 1, 2 and 4 workers, and compare
# the events (JSON lines) and the counter summary with the baselines. With BW_UPDATE_GOLDEN=1 the
# baselines are rewritten instead (tools/update-golden.sh does that for every case).
#
# usage: run_golden.sh BIN_DIR BASELINE_DIR CASE EXPECTED_EXIT [bw-gen args...]
set -uo pipefail
bin=$1 baselines=$2 name=$3 expected_exit=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

if ! "$bin/bw-gen" "$@" --out capture.pcap >gen.log 2>&1; then
  echo "bw-gen failed:"; cat gen.log; exit 1
fi
if [ -n "${BW_GOLDEN_TRUNCATE:-}" ]; then
  size=$(stat -c %s capture.pcap)
  head -c $((size - BW_GOLDEN_TRUNCATE)) capture.pcap >cut.pcap && mv cut.pcap capture.pcap
fi

status=0
for workers in 1 2 4; do
  "$bin/bw-sensor" --read capture.pcap --workers "$workers" --sensor-id golden \
    --json "events.$workers.jsonl" 2>"stderr.$workers.txt"
  rc=$?
  if [ "$rc" -ne "$expected_exit" ]; then
    echo "FAIL: --workers $workers exited $rc, expected $expected_exit"; cat "stderr.$workers.txt"
    status=1
  fi
  # The summary minus per-worker and per-thread lines (CPU times; one line per worker), which
  # rightly differ with the worker count and the machine, and the queue-wait counters, which
  # measure thread timing rather than the input.
  grep -v -E '^  worker[0-9]|^  thread\.|_full_waits ' "stderr.$workers.txt" >"summary.$workers.txt"
done

if [ "${BW_UPDATE_GOLDEN:-0}" = 1 ]; then
  cp events.1.jsonl "$baselines/$name.events.jsonl"
  cp summary.1.txt "$baselines/$name.summary.txt"
  echo "updated $name: $(wc -l <events.1.jsonl) events"
  exit $status
fi

for workers in 2 4; do
  if ! cmp -s events.1.jsonl "events.$workers.jsonl"; then
    echo "FAIL: events with --workers $workers differ from --workers 1:"
    diff events.1.jsonl "events.$workers.jsonl" | head -20
    status=1
  fi
  if ! cmp -s summary.1.txt "summary.$workers.txt"; then
    echo "FAIL: summary with --workers $workers differs from --workers 1:"
    diff summary.1.txt "summary.$workers.txt" | head -20
    status=1
  fi
done
if ! diff -u "$baselines/$name.events.jsonl" events.1.jsonl >events.diff 2>&1; then
  echo "FAIL: events differ from baseline $name.events.jsonl (tools/update-golden.sh regenerates):"
  head -40 events.diff
  status=1
fi
if ! diff -u "$baselines/$name.summary.txt" summary.1.txt >summary.diff 2>&1; then
  echo "FAIL: summary differs from baseline $name.summary.txt:"
  head -40 summary.diff
  status=1
fi
[ $status -eq 0 ] && echo "golden $name: $(wc -l <events.1.jsonl) events identical for 1, 2 and 4 workers"
exit $status
