#!/usr/bin/env bash
# Installs the Debian 12 packages Beaconwatch builds and tests with. Idempotent; runs apt-get as
# root, through sudo when started by another user.
#
#   tools/install-deps.sh              everything: build, tests, benchmarks, real-client corpus
#   tools/install-deps.sh --no-browser all but Chromium, which only the real-client corpus and its
#                                      test use (the quick demo needs no browser)
set -euo pipefail
with_browser=1
case "${1:-}" in
  "") ;;
  --no-browser) with_browser=0 ;;
  *) echo "install-deps: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
esac

packages=(
  build-essential cmake ninja-build pkg-config iproute2 tcpreplay
  libpcap-dev libndpi-dev libboost-dev libssl-dev
  libseccomp-dev  # bw-sensor --seccomp: the running sensor's system call allow-list
  libre2-dev libpsl-dev publicsuffix
  protobuf-compiler libprotobuf-dev
  # Sensor -> collector stream (gRPC with mTLS), the collector's store, dev certificates.
  libgrpc++-dev protobuf-compiler-grpc libsqlite3-dev sqlite3 openssl
  # --metrics on bw-sensor and bw-collector (prometheus-cpp formats the page); promtool, in
  # Debian's prometheus package, checks a live scrape in tests/collector/metrics_test.sh.
  prometheus-cpp-dev prometheus
  # Paces a replay through a pipe in the collector outage test.
  pv
  libgtest-dev libgmock-dev libbenchmark-dev
  # Fuzzing and sanitizer runtimes for the test suite.
  clang libclang-rt-14-dev
  # ndpiReader, the reference the benchmarks compare against.
  libndpi-bin
  # tcpdump, the reference for tools/bench/live.sh.
  tcpdump
  # tshark: the reference the STARTTLS, QUIC-version and tunnel tests compare extraction with.
  tshark
  systemd  # systemd-analyze, systemd-sysusers: firmware/check-units.sh (containers lack them)
  # The real-client evaluation corpus (tools/realclient): the other clients are curl, wget,
  # openssl and apt; python3 runs the servers.
  curl wget python3
)
if [ "$with_browser" -eq 1 ]; then
  # The corpus's mail clients and browsers: headless Chromium.
  packages+=(chromium chromium-headless-shell)
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
echo "install-deps: all ${#packages[@]} packages present"
