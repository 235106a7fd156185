#!/usr/bin/env bash
# Runs the unit and golden replay tests of the arm64 build on an amd64 Debian 12 host:
#
#   firmware/test-arm64.sh [--root DIR] [--build DIR] [--jobs N] [--host-gen FILE]
#
# 1. root:  an arm64 Debian 12 root holding the project's -dev packages and the test libraries
#           (the sysroot of the cross build and the library root of qemu-user). Without --root it
#           is build/arm64-test-root, made with mmdebstrap when absent or when its package list
#           changed. --root DIR reuses an existing root (read only; it must hold every package of
#           the list below, e.g. a root made by this script elsewhere).
# 2. build: cross-compiles with Debian's g++-aarch64-linux-gnu and cmake/toolchain-aarch64.cmake
#           into build-arm64-test (--build): every unit test binary, bw-gen and bw-sensor,
#           benchmarks off. protoc and grpc_cpp_plugin are the host's.
# 3. test:  ctest -L '^(unit|golden)$' under qemu-user-static: GoogleTest binaries run through
#           CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static -L ROOT), the golden scripts start
#           bw-gen/bw-sensor through binfmt_misc with QEMU_LD_PREFIX=ROOT.
#
# --host-gen FILE (an amd64 bw-gen, e.g. build/bin/bw-gen) makes the golden and CLI tests generate
# their captures with that host binary instead of the arm64 one, so that the arm64 sensor is held
# to the golden baselines while bw-gen's own captures differ on arm64 (its random draws depend on
# the compiler's argument evaluation order; see "## arm64 tests" in firmware/README.md).
#
# It ends with ctest's summary line and exits non-zero when a test fails (or a stage does).
# Stage times go to BUILD/timings-arm64-test.txt. Needs root only to make the root (mmdebstrap).
# Host packages: g++-aarch64-linux-gnu qemu-user-static mmdebstrap cmake ninja-build pkg-config
# protobuf-compiler protobuf-compiler-grpc (binfmt_misc for the golden tests).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=""
build=$repo/build-arm64-test
jobs=${BW_JOBS:-2}
host_gen=""
mirror=${BW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${BW_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; root=$(realpath "$2"); shift 2 ;;
    --build) [ $# -ge 2 ] || usage; build=$(realpath -m "$2"); shift 2 ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
    --host-gen) [ $# -ge 2 ] || usage; host_gen=$(realpath "$2"); shift 2 ;;
    -h | --help) usage ;;
    *) echo "test-arm64: unknown argument $1" >&2; usage ;;
  esac
done

log() { printf 'test-arm64: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The arm64 packages of tools/install-deps.sh that the build links or the tests read (the rest
# of that list are host programs: compilers, tshark, tcpdump, ...), plus the C library headers.
packages=(
  libc6-dev libstdc++6 libgcc-s1
  libpcap-dev libndpi-dev libboost-dev libssl-dev libseccomp-dev
  libre2-dev libpsl-dev publicsuffix
  libprotobuf-dev libgrpc++-dev libsqlite3-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
)

for tool in aarch64-linux-gnu-g++ qemu-aarch64-static cmake ninja pkg-config /usr/bin/protoc \
  /usr/bin/grpc_cpp_plugin; do
  command -v "$tool" >/dev/null ||
    die "$tool missing (apt-get install g++-aarch64-linux-gnu qemu-user-static cmake ninja-build pkg-config protobuf-compiler protobuf-compiler-grpc)"
done

mkdir -p "$build"
timings=$build/timings-arm64-test.txt
: >"$timings"
declare -A stage_start
begin() { stage_start[$1]=$(date +%s); log "$1 ..."; }
end() {
  local secs=$(($(date +%s) - stage_start[$1]))
  log "$1: ${secs}s"
  printf '%s %s\n' "$1" "$secs" >>"$timings"
}

# --- 1. root ----------------------------------------------------------------------------------
# A sysroot and qemu's library root need the packages' files, not a bootable system: the
# mmdebstrap "extract" variant unpacks the listed packages and their dependencies without running
# maintainer scripts, so nothing runs under emulation (firmware/build-debs.sh's buildd root, which
# must run dpkg-buildpackage inside, takes 5.5 min and more for build-dep under qemu-user).
begin root
if [ -n "$root" ]; then
  [ -d "$root/usr/lib/aarch64-linux-gnu" ] || die "--root $root: not an arm64 Debian root"
  missing=()
  for p in "${packages[@]}"; do
    [ -e "$root/var/lib/dpkg/info/$p:arm64.list" ] || [ -e "$root/var/lib/dpkg/info/$p.list" ] ||
      missing+=("$p")
  done
  # An extract-variant root has no dpkg database; look at the files instead.
  if [ "${#missing[@]}" -gt 0 ] && [ -f "$root/.bw-test-root-packages" ]; then missing=(); fi
  [ "${#missing[@]}" -eq 0 ] ||
    die "--root $root lacks ${missing[*]} (run without --root to make build/arm64-test-root)"
  log "reusing root $root"
else
  root=$repo/build/arm64-test-root
  want=$(printf '%s\n' "${packages[@]}")
  if [ ! -f "$root/.bw-test-root-packages" ] || [ "$(cat "$root/.bw-test-root-packages")" != "$want" ]; then
    [ "$(id -u)" -eq 0 ] || die "making $root needs root (mmdebstrap); or pass --root DIR"
    command -v mmdebstrap >/dev/null || die "mmdebstrap missing (apt-get install mmdebstrap)"
    rm -rf "$root" "$root.tmp"
    mkdir -p "$(dirname "$root")"
    include=$(IFS=,; printf '%s' "${packages[*]}")
    mmdebstrap --variant=extract --arch=arm64 --include="$include" bookworm "$root.tmp" \
      "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
      "deb $security_mirror bookworm-security main" >"$build/mmdebstrap.log" 2>&1 ||
      { tail -n 20 "$build/mmdebstrap.log" >&2; die "mmdebstrap failed: $build/mmdebstrap.log"; }
    # Debian's -dev symlinks are absolute (libz.so -> /lib/aarch64-linux-gnu/libz.so.1.2.13):
    # in a sysroot they would name the host's files. Make them relative to the root.
    while IFS= read -r -d '' link; do
      target=$(readlink "$link")
      ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root.tmp$target")" "$link"
    done < <(find "$root.tmp/usr" "$root.tmp/lib" -type l -lname '/*' -print0)
    printf '%s\n' "$want" >"$root.tmp/.bw-test-root-packages"
    mv "$root.tmp" "$root"
  else
    log "root $root is up to date"
  fi
fi
end root

# --- 2. cross build ---------------------------------------------------------------------------
begin build
emulator="$(command -v qemu-aarch64-static);-L;$root"
cmake -G Ninja -S "$repo" -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-aarch64.cmake" -DBW_ARM64_ROOT="$root" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$emulator" -DBW_BUILD_BENCHMARKS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
  { tail -n 30 "$build/configure.log" >&2; die "configure failed: $build/configure.log"; }
# Every unit test binary (one per tests/unit folder), and what the golden tests run.
targets=(bw-gen bw-sensor)
for dir in "$repo"/tests/unit/*/; do
  area=$(basename "$dir")
  if compgen -G "$dir*_test.cc" >/dev/null; then targets+=("bw_${area}_tests"); fi
done
# A host bw-gen left by an earlier --host-gen run: delete it so ninja links the arm64 one again.
elf_machine() { od -An -tx1 -j18 -N1 "$1" 2>/dev/null | tr -d ' '; }  # b7 aarch64, 3e x86-64
if [ -e "$build/bin/bw-gen" ] && [ "$(elf_machine "$build/bin/bw-gen")" != b7 ]; then
  rm -f "$build/bin/bw-gen"
fi
# GoogleTest's discovery runs each test binary (through the emulator) right after linking it.
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >"$build/build.log" 2>&1 ||
  { grep -E -B2 -A12 'error|FAILED' "$build/build.log" | head -n 60 >&2; die "build failed: $build/build.log"; }
if [ -n "$host_gen" ]; then
  [ "$(elf_machine "$host_gen")" = 3e ] || die "--host-gen $host_gen: not an amd64 executable"
  cp -f "$host_gen" "$build/bin/bw-gen"
  log "golden captures from the host's $host_gen, not the arm64 bw-gen"
fi
end build

# --- 3. tests under qemu-user -----------------------------------------------------------------
# Only the labels unit and golden. Not run here: live (AF_PACKET capture and sd_notify with a live
# capture: qemu-user rejects SOL_PACKET socket options), firmware (checks of the units and .debs,
# architecture independent, the amd64 run has them), collector (shell end-to-end tests that start
# host tools next to the binaries), detection, real-captures, fuzz-regression, realclient and
# real-clients (not part of the unit/golden suite, and their binaries are not built).
# Unit tests that need what qemu-user does not emulate are excluded by name (BW_ARM64_EXCLUDE
# overrides the regex): the sandbox tests of the privilege drop and the seccomp filter (qemu-user
# refuses seccomp filters and per-thread no_new_privs: "seccomp: thread synchronisation: Operation
# not supported", "setting no_new_privs on the threads already running: Function not
# implemented") and bw-sensor's drop tests, which capture live on lo (AF_PACKET; qemu-user also
# lacks the SIOCETHTOOL ioctl libpcap issues).
exclude=${BW_ARM64_EXCLUDE-'^(DropPrivilegesTest|SeccompFilterTest|SensorDropTest)\.'}
export QEMU_LD_PREFIX=$root
begin test
ctest_args=(--test-dir "$build" -L '^(unit|golden)$' -j "$jobs" --output-on-failure)
[ -z "$exclude" ] || ctest_args+=(-E "$exclude")
set +e
ctest "${ctest_args[@]}" 2>&1 | tee "$build/ctest.log"
rc=${PIPESTATUS[0]}
set -e
end test
log "times (s): $(tr '\n' ' ' <"$timings")"
summary=$(grep -E '^[0-9]+% tests passed' "$build/ctest.log" | tail -n 1 || true)
[ -n "$summary" ] || { log "no ctest summary (ctest exited $rc)"; exit $((rc == 0 ? 1 : rc)); }
echo "$summary"
exit "$rc"
