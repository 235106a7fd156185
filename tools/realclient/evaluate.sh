#!/usr/bin/env bash
# Real-client evaluation: replays the real-client corpus (tools/realclient/make-corpus.sh; built
# first when CORPUS_DIR has none) through bw-sensor with the curated intel and the protected
# recipients, in two modes, and scores the alerts against the servers' labels with bw-eval:
#   cold  a fresh sensor (no first-seen store) replays corpus.pcap alone;
#   warm  one sensor replays warmup.pcap (a prior day of benign traffic from the same hosts,
#         two days earlier) then corpus.pcap; only the corpus is scored (--source corpus.pcap).
# Prints HTTP and TLS recall, precision and false alerts per 10k benign flows with 95% bounds,
# then bw-eval's full table (per signal, missed beacons and false alerts).
#
# usage: evaluate.sh [BUILD_DIR] [CORPUS_DIR] [--sensor-args "..."] [--scale N] [--modes "cold warm"]
#   BUILD_DIR   holds bin/bw-sensor and bin/bw-eval (default: build/)
#   CORPUS_DIR  default: BUILD_DIR/realclient-corpus
#   --sensor-args  extra bw-sensor options, e.g. "--config my-detect.json" (word-split)
#   --scale N      corpus scale when it has to be built (default 1)
# Outputs land in CORPUS_DIR/eval-MODE/ (events.jsonl, eval.txt, eval.json, bounds.txt).
# Exit status: 0 when every replay and scoring ran (targets are not checked here), 1 otherwise,
# 77 when the corpus cannot be built on this machine (see make-corpus.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
positional=()
sensor_args=""
scale=1
modes="cold warm"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sensor-args) sensor_args="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) positional+=("$1"); shift ;;
  esac
done
build="${positional[0]:-$root/build}"
corpus="${positional[1]:-$build/realclient-corpus}"
bin="$build/bin"
for tool in bw-sensor bw-eval; do
  [[ -x "$bin/$tool" ]] || { echo "evaluate.sh: $bin/$tool missing (build it first)" >&2; exit 1; }
done

if [[ ! -s "$corpus/corpus.pcap" || ! -s "$corpus/truth.tsv" || ! -s "$corpus/warmup.pcap" ]]; then
  echo "evaluate.sh: building the corpus in $corpus (scale $scale)" >&2
  "$here/make-corpus.sh" "$corpus" --scale "$scale"
fi

read -r -a extra <<<"$sensor_args"
for mode in $modes; do
  dir="$corpus/eval-$mode"
  mkdir -p "$dir"
  inputs=("$corpus/corpus.pcap")
  [[ "$mode" == warm ]] && inputs=("$corpus/warmup.pcap" "$corpus/corpus.pcap")
  [[ "$mode" == cold || "$mode" == warm ]] || { echo "evaluate.sh: unknown mode $mode" >&2; exit 2; }
  # A fresh sensor each time: no --first-seen file, so nothing is remembered between modes.
  "$bin/bw-sensor" --read "${inputs[@]}" --intel "$root/sensor/intel/data" \
    --recipients "$corpus/recipients.txt" --json "$dir/events.jsonl" "${extra[@]}" \
    2>"$dir/sensor.err" || { echo "evaluate.sh: bw-sensor failed ($mode), see $dir/sensor.err" >&2; exit 1; }
  # bw-eval exits 1 only for missed targets, and none are given here: any failure is real.
  "$bin/bw-eval" --truth "$corpus/truth.tsv" --events "$dir/events.jsonl" --source corpus.pcap \
    --by-signal --examples 20 >"$dir/eval.txt"
  "$bin/bw-eval" --truth "$corpus/truth.tsv" --events "$dir/events.jsonl" --source corpus.pcap \
    --json >"$dir/eval.json"
  python3 "$here/score.py" "$mode" "$dir/eval.json" | tee "$dir/bounds.txt"
  python3 "$here/alerts.py" "$corpus/truth.tsv" "$dir/events.jsonl" corpus.pcap >"$dir/false-alerts.txt"
  echo
  cat "$dir/eval.txt"
  echo
  echo "false-alert classes ($dir/false-alerts.txt):"
  sed -n '1,40p' "$dir/false-alerts.txt"
  echo
done
