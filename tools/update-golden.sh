#!/usr/bin/env bash
# Regenerates the golden baselines from the current build. Run after a deliberate change of
# output, then review `git diff tests/golden/baselines` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh >/dev/null
BW_UPDATE_GOLDEN=1 ctest --test-dir build -L golden -R '^golden_' --output-on-failure
git --no-pager diff --stat -- tests/golden/baselines || true
