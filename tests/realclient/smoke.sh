#!/usr/bin/env bash
# Smoke test of the real-client evaluation (tools/realclient): a small corpus (--scale 0.05, about
# 2 minutes on 2 cores) built from scratch in a temporary folder, then:
#   - the truth (from the servers' logs) has beacon and benign rows, and every labelled flow is on
#     the wire in the capture (pcapflows.py reads the pcap itself, not the sensor's output);
#   - no tracker URL went unrecognised by the servers (a labelling fault);
#   - evaluate.sh replays it cold and warm and produces recall/precision/false-alert figures.
# make-corpus.sh starts and stops every server, capture and namespace itself (trap on exit).
#
# usage: smoke.sh BUILD_DIR      exit 0 pass, 1 fail, 77 skip (no root, namespaces or chromium)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
rc="$root/tools/realclient"
if ! command -v chromium-headless-shell >/dev/null && ! command -v chromium >/dev/null; then
  echo "realclient_smoke: SKIP, chromium not installed" >&2
  exit 77
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/bw-realclient-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

status=0
"$rc/make-corpus.sh" "$work/corpus" --scale 0.05 || status=$?
if [[ $status -eq 77 ]]; then
  echo "realclient_smoke: SKIP, corpus cannot be built here" >&2
  exit 77
fi
[[ $status -eq 0 ]] || { echo "realclient_smoke: FAIL, make-corpus.sh exited $status" >&2; exit 1; }

fail() { echo "realclient_smoke: FAIL, $*" >&2; exit 1; }
for f in corpus.pcap warmup.pcap truth.tsv recipients.txt; do
  [[ -s "$work/corpus/$f" ]] || fail "$f missing or empty"
done
[[ "$(wc -l <"$work/corpus/recipients.txt")" -eq 40 ]] || fail "recipients.txt should list 40 addresses"
python3 "$rc/pcapflows.py" "$work/corpus/corpus.pcap" "$work/corpus/truth.tsv" ||
  fail "a labelled flow is missing from the capture, or the truth lacks beacons or benign rows"
[[ "$(wc -l <"$work/corpus/warmup-truth.tsv")" -gt 100 ]] || fail "warm-up truth nearly empty"
# The warm-up day must be benign only.
if awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "is_beacon") c = i; next } $c == "1" { found = 1 } END { exit !found }' \
  "$work/corpus/warmup-truth.tsv"; then
  fail "the warm-up capture has beacons"
fi
unknown="$(cat "$work/corpus/work/logs/corpus/"*.tsv | awk -F'\t' '$14 == "benign:tracker-unknown-token" { n++ } END { print n + 0 }')"
[[ "$unknown" -eq 0 ]] || fail "$unknown tracker fetches did not match the registry (labels would be wrong)"

"$rc/evaluate.sh" "$build" "$work/corpus" >"$work/evaluate.out" 2>&1 || { cat "$work/evaluate.out" >&2; fail "evaluate.sh failed"; }
for mode in cold warm; do
  bounds="$work/corpus/eval-$mode/bounds.txt"
  grep -q "recall" "$bounds" || fail "no recall figure ($mode)"
  grep -q "precision" "$bounds" || fail "no precision figure ($mode)"
  grep -q "false alerts per 10k benign flows" "$bounds" || fail "no false-alert rate ($mode)"
  cat "$bounds"
done
echo "realclient_smoke: PASS"
