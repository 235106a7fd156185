#!/usr/bin/env bash
# check-units.sh must fail on a weak unit, and for each reason: the exposure, the misspelt value
# (verify, when the binaries are there to verify against) and the undeclared user. Skips (77) when
# the check itself would.
#
#   firmware/tests/check_units_rejects_weak_test.sh [BIN_DIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-}
output=$(BW_FIRMWARE_DIR=$here/weak "$here/../check-units.sh" "$bin" 2>&1)
status=$?
echo "$output"
[ "$status" -eq 77 ] && exit 77

failures=0
expect() {
  local what=$1 pattern=$2
  if grep -q -- "$pattern" <<<"$output"; then echo "ok   rejected: $what"; else
    echo "FAIL not rejected: $what"
    failures=$((failures + 1))
  fi
}
[ "$status" -eq 1 ] || { echo "FAIL check-units.sh exited $status, not 1"; failures=$((failures + 1)); }
expect "exposure above 2.0" "FAIL security beaconwatch-weak.service: exposure 9"
expect "user missing from sysusers.d" "FAIL beaconwatch-weak.service: User=nobody not declared"
if [ -n "$bin" ] && [ -x "$bin/bw-sensor" ] && [ -x "$bin/bw-collector" ]; then
  expect "misspelt ProtectSystem= value" "Failed to parse protect system value"
fi
[ "$failures" -eq 0 ]
