#!/usr/bin/env bash
# Configures and builds the release tree into build/ (binaries in build/bin/).
#   tools/build.sh                   everything (tools, tests, benchmarks)
#   tools/build.sh TARGET...         only those targets and what they need, e.g. bw-gen bw-sensor
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if [ "$#" -gt 0 ]; then
  cmake --build build -j "$(nproc)" --target "$@"
else
  cmake --build build -j "$(nproc)"
fi
