#!/usr/bin/env bash
# Beacon-detection evaluation: generates the parliament's history and the APT31-style wave (fixed
# seeds), replays both through one bw-sensor run with the curated intel and the recipient
# directory, and scores the scenario's alerts against the issue's targets with bw-eval.
#
# usage: tools/evaluate.sh [BUILD_DIR] [extra bw-eval options...]
# Exit status is bw-eval's: 0 when every target is met, 1 when one is missed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
bin="$build/bin"
for tool in bw-gen bw-sensor bw-eval; do
  [[ -x "$bin/$tool" ]] || { echo "evaluate.sh: $bin/$tool missing (build it first)" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/bw-evaluate.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$bin/bw-gen" --profile history --seed 20250308 --out "$work/history.pcap" \
  --truth "$work/history.tsv" --recipients "$work/recipients.txt"
"$bin/bw-gen" --profile apt --seed 20250311 --out "$work/apt.pcap" --truth "$work/apt.tsv"
"$bin/bw-sensor" --read "$work/history.pcap" "$work/apt.pcap" --intel "$root/sensor/intel/data" \
  --recipients "$work/recipients.txt" --json "$work/events.jsonl" --no-summary

"$bin/bw-eval" --truth "$work/apt.tsv" --events "$work/events.jsonl" --source apt.pcap \
  --by-signal --examples 10 \
  --min-http-recall 0.99 --min-tls-quic-recall 0.95 --max-false-per-10k 1 "$@"
