#!/usr/bin/env bash
# Builds Beaconwatch's Debian packages from this checkout, offline but for the Debian archive:
#
#   firmware/build-debs.sh [amd64|arm64|all]      (default: the host's architecture)
#
# writes build/debs/beaconwatch-sensor_<version>_<arch>.deb and
# build/debs/beaconwatch-collector_<version>_<arch>.deb (debug symbols: build/debs/dbgsym/), and
# build/debs/timings-<arch>.txt with the seconds each stage took. Check them with
# firmware/check-debs.sh (dpkg-deb and lintian).
#
# The packages are built from a snapshot of the working tree (tracked and untracked files, not
# ignored ones such as build*/) with firmware/debian/ as its debian/, so a build never writes into
# the checkout but for build/debs/ and the work directory (BW_DEBS_WORK, default build-debs/).
#
# Version: the project() version of CMakeLists.txt, then +git<commits>.<hash> in a git checkout
# (so every commit sorts above the one before); BW_DEB_VERSION overrides it.
#
# amd64 (on an amd64 host) builds natively: the build dependencies of firmware/debian/control
# must be installed (`apt-get build-dep build-debs/amd64/src` names them, or dpkg-buildpackage
# does when it refuses). arm64 builds in an arm64 Debian 12 root made with mmdebstrap (cached in
# the work directory, build dependencies installed with apt-get build-dep) and run under
# qemu-user-static through binfmt_misc, because libndpi-dev is not co-installable across
# architectures. It needs root, mmdebstrap, qemu-user-static, binfmt-support and arch-test.
#
# BW_JOBS sets the parallel compile jobs (default 2). BW_DEBS_INCREMENTAL=1 reuses the last
# build's CMake build directory (for iterating on the packaging; releases build clean).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-$(dpkg --print-architecture)}
jobs=${BW_JOBS:-2}
work=${BW_DEBS_WORK:-$repo/build-debs}
out=$repo/build/debs
mirror=${BW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${BW_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
host_arch=$(dpkg --print-architecture)

case "$target" in
  amd64 | arm64) arches=("$target") ;;
  all) arches=(amd64 arm64) ;;
  *) echo "usage: $0 [amd64|arm64|all]" >&2; exit 2 ;;
esac

log() { printf 'build-debs: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- version and changelog --------------------------------------------------------------------
upstream=$(sed -n 's/^project(beaconwatch VERSION \([0-9][0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
[ -n "$upstream" ] || die "no project(beaconwatch VERSION ...) in CMakeLists.txt"
commit="" dirty=""
if git -C "$repo" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  commit=$(git -C "$repo" rev-parse --short=10 HEAD)
  version="$upstream+git$(git -C "$repo" rev-list --count HEAD).$commit"
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct HEAD)
  [ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] || dirty=1
else
  version=$upstream
  SOURCE_DATE_EPOCH=$(stat -c %Y "$repo/CMakeLists.txt")
fi
version=${BW_DEB_VERSION:-$version}
export SOURCE_DATE_EPOCH
log "version $version"

# snapshot DEST: a copy of the working tree with firmware/debian as debian/ and a changelog.
# With BW_DEBS_INCREMENTAL=1 the CMake build directory of the last build (DEST/obj-deb) is kept;
# tar keeps the files' times, so ninja recompiles only what changed.
snapshot() {
  local dest=$1
  if [ "${BW_DEBS_INCREMENTAL:-0}" = 1 ] && [ -d "$dest/obj-deb" ]; then
    rm -rf "$dest.obj-deb"
    mv "$dest/obj-deb" "$dest.obj-deb"
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  if [ -d "$dest.obj-deb" ]; then mv "$dest.obj-deb" "$dest/obj-deb"; fi
  if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and untracked files, not ignored ones; files deleted in the working tree are skipped.
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
      tar --null -T - -cf -) | tar -xf - -C "$dest"
  else
    (cd "$repo" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$dest"
  fi
  rm -rf "$dest/debian"
  cp -a "$repo/firmware/debian" "$dest/debian"
  local source_note="a source tree outside git."
  if [ -n "$commit" ]; then
    source_note="commit $commit."
    [ -z "$dirty" ] || source_note="commit $commit,"$'\n'"    with uncommitted changes."
  fi
  {
    printf 'beaconwatch (%s) bookworm; urgency=medium\n\n' "$version"
    printf '  * Built by firmware/build-debs.sh from %s\n\n' "$source_note"
    printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$dest/debian/control")" \
      "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } >"$dest/debian/changelog"
}

# collect DIR ARCH: moves the packages dpkg-buildpackage left in DIR to build/debs.
collect() {
  local dir=$1 arch=$2 found=0 deb
  mkdir -p "$out/dbgsym"
  for deb in "$dir"/*_"$arch".deb; do
    [ -e "$deb" ] || continue
    found=1
    case "$deb" in
      *-dbgsym_*) mv -f "$deb" "$out/dbgsym/" ;;
      *) mv -f "$deb" "$out/"; log "wrote ${out#"$repo"/}/$(basename "$deb")" ;;
    esac
  done
  [ "$found" -eq 1 ] || die "no $arch packages in $dir"
}

declare -A stage_start
timings=""
begin() { stage_start[$1]=$(date +%s); log "$1 ..."; }
end() {
  local secs=$(($(date +%s) - stage_start[$1]))
  log "$1: ${secs}s"
  printf '%s %s\n' "$1" "$secs" >>"$timings"
}

build_flags="parallel=$jobs"
# -nc: no `debian/rules clean`, which would delete the kept build directory.
build_args=(-b -uc -us)
[ "${BW_DEBS_INCREMENTAL:-0}" != 1 ] || build_args+=(-nc)

build_native() {
  local arch=$1 dir=$work/$1
  timings=$out/timings-$arch.txt
  : >"$timings"
  begin snapshot
  snapshot "$dir/src"
  rm -f "$dir"/*.deb "$dir"/*.buildinfo "$dir"/*.changes
  end snapshot
  begin dpkg-buildpackage
  (cd "$dir/src" && DEB_BUILD_OPTIONS="$build_flags" dpkg-buildpackage "${build_args[@]}") \
    >"$dir/build.log" 2>&1 || { tail -n 40 "$dir/build.log" >&2; die "build failed: $dir/build.log"; }
  end dpkg-buildpackage
  collect "$dir" "$arch"
}

# The arm64 root: bookworm, buildd variant (essential + build-essential) plus debhelper; the
# project's build dependencies are added by apt-get build-dep from debian/control, so a changed
# control file only installs what is new. Kept between builds (delete it to start afresh).
build_foreign() {
  local arch=$1 root=$work/$1-root
  timings=$out/timings-$arch.txt
  : >"$timings"
  [ "$(id -u)" -eq 0 ] || die "$arch: needs root (mmdebstrap, chroot)"
  for tool in mmdebstrap arch-test; do
    command -v "$tool" >/dev/null || die "$arch: $tool missing (apt-get install mmdebstrap qemu-user-static binfmt-support arch-test)"
  done
  if ! arch-test "$arch" >/dev/null 2>&1; then
    [ -e /proc/sys/fs/binfmt_misc/register ] ||
      mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
    if command -v update-binfmts >/dev/null; then
      update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    fi
    arch-test "$arch" >/dev/null 2>&1 ||
      die "$arch: the kernel cannot run $arch binaries (install qemu-user-static and binfmt-support; binfmt_misc must be mounted)"
  fi
  if [ ! -x "$root/usr/bin/dpkg-buildpackage" ]; then
    begin mmdebstrap
    rm -rf "$root.tmp"
    mmdebstrap --variant=buildd --arch="$arch" --include=debhelper,ca-certificates bookworm "$root.tmp" \
      "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
      "deb $security_mirror bookworm-security main" >"$work/mmdebstrap-$arch.log" 2>&1 ||
      { tail -n 20 "$work/mmdebstrap-$arch.log" >&2; die "mmdebstrap failed: $work/mmdebstrap-$arch.log"; }
    mv "$root.tmp" "$root"
    end mmdebstrap
  fi

  local mounted=()
  cleanup() {
    local m
    for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  }
  trap cleanup EXIT
  mount -t proc proc "$root/proc" && mounted+=("$root/proc")
  mount --bind /dev "$root/dev" && mounted+=("$root/dev")
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

  begin snapshot
  snapshot "$root/build/src"
  rm -f "$root"/build/*.deb "$root"/build/*.buildinfo "$root"/build/*.changes
  end snapshot

  begin build-deps
  if ! chroot "$root" sh -c 'cd /build/src && dpkg-checkbuilddeps' >/dev/null 2>&1; then
    chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends /build/src' \
      >"$work/build-deps-$arch.log" 2>&1 ||
      { tail -n 20 "$work/build-deps-$arch.log" >&2; die "build-deps failed: $work/build-deps-$arch.log"; }
  fi
  end build-deps

  begin dpkg-buildpackage
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" DEB_BUILD_OPTIONS="$build_flags" \
    sh -c 'cd /build/src && dpkg-buildpackage "$@"' sh "${build_args[@]}" >"$work/$arch-build.log" 2>&1 ||
    { tail -n 40 "$work/$arch-build.log" >&2; die "build failed: $work/$arch-build.log"; }
  end dpkg-buildpackage
  collect "$root/build" "$arch"
  cleanup
  trap - EXIT
}

mkdir -p "$work" "$out"
for arch in "${arches[@]}"; do
  start=$(date +%s)
  if [ "$arch" = "$host_arch" ]; then build_native "$arch"; else build_foreign "$arch"; fi
  log "$arch: done in $(($(date +%s) - start))s"
  printf 'total %s\n' "$(($(date +%s) - start))" >>"$out/timings-$arch.txt"
done
