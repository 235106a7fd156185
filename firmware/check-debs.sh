#!/usr/bin/env bash
# Checks the Debian packages firmware/build-debs.sh wrote, without installing them:
#
#   firmware/check-debs.sh [DEB_DIR [ARCH...]]     (default: build/debs, every architecture found)
#
# For each architecture's beaconwatch-sensor and beaconwatch-collector .deb (the newest version
# when several are there):
# 1. `dpkg-deb -c`: every promised file where promised (binaries in /usr/bin, man pages, the
#    example config in /etc/beaconwatch, the curated intel in /usr/share/beaconwatch, the units
#    in /lib/systemd/system, the sysusers.d files, the copyright), and nothing of the test tools,
#    nothing in /var.
# 2. The units and sysusers.d files in the package are the ones in firmware/ byte for byte.
# 3. `dpkg-deb -I`: Architecture, the conffiles list (exactly the /etc/beaconwatch files), the
#    sysusers call in postinst, the collector not enabled at install, no `systemctl` in a
#    maintainer script outside debhelper's generated sections.
# 4. `lintian --fail-on error,warning` (its output is printed).
#
# Exits 0 when all pass, 1 on a failure, 77 (CTest: skipped) without dpkg-deb or lintian, or
# when no package has been built (building takes minutes: firmware/README.md).
set -uo pipefail
shopt -s nullglob
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
dir=${1:-$repo/build/debs}
shift || true
for tool in dpkg-deb lintian; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool not found (apt-get install dpkg lintian)"; exit 77; }
done

arches=("$@")
if [ "${#arches[@]}" -eq 0 ]; then
  for deb in "$dir"/beaconwatch-sensor_*.deb; do
    a=${deb##*_}
    a=${a%.deb}
    [[ " ${arches[*]} " == *" $a "* ]] || arches+=("$a")
  done
fi
if [ "${#arches[@]}" -eq 0 ]; then
  echo "skipped: no beaconwatch-sensor_*.deb in $dir (build them: firmware/build-debs.sh amd64)"
  exit 77
fi

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
# check CONDITION-COMMAND... -- OK-MESSAGE FAIL-MESSAGE
check() {
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  if "${args[@]}"; then ok "$2"; else fail "$3"; fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# newest PACKAGE ARCH: the .deb of the highest version.
newest() {
  local best="" deb v bv
  for deb in "$dir/$1"_*_"$2".deb; do
    v=${deb#"$dir/$1"_}
    v=${v%_"$2".deb}
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bv"; then best=$deb bv=$v; fi
  done
  printf '%s' "$best"
}

# expect_files LISTING LABEL PATH...: each PATH must be in the package's listing.
expect_files() {
  local listing=$1 label=$2 path
  shift 2
  for path in "$@"; do
    if grep -qxF ".$path" "$listing"; then ok "$label: $path"; else fail "$label: $path missing"; fi
  done
}

# same_as DEB PATH SOURCE: the file at PATH in the package equals SOURCE.
same_as() {
  local deb=$1 path=$2 source=$3 label=$4
  if dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ".$path" 2>/dev/null | cmp -s - "$source"; then
    ok "$label: $path is firmware/${source#"$here"/}"
  else
    fail "$label: $path differs from firmware/${source#"$here"/}"
  fi
}

# check_scripts DEB LABEL: unpacks the control archive to $work/LABEL.control and checks the
# maintainer scripts.
check_scripts() {
  local deb=$1 label=$2 ctl=$work/$2.control script
  mkdir -p "$ctl"
  dpkg-deb -e "$deb" "$ctl"
  for script in "$ctl"/preinst "$ctl"/postinst "$ctl"/prerm "$ctl"/postrm; do
    [ -e "$script" ] || continue
    # Lines outside debhelper's "# Automatically added by dh_..." ... "# End automatically added
    # section" blocks are ours; they must not call systemctl (comments aside).
    if awk '/^# Automatically added by dh_/ { gen = 1 } !gen && !/^[[:space:]]*#/ && /systemctl/ { bad = 1; print "  " FILENAME ": " $0 }
            /^# End automatically added section/ { gen = 0 } END { exit bad }' "$script"; then
      ok "$label: $(basename "$script") calls no systemctl of its own"
    else
      fail "$label: $(basename "$script") calls systemctl outside debhelper's sections"
    fi
  done
}

# DEB LABEL NAME UNIT CONFFILE: the package's unit and sysusers file are this tree's, its only
# conffile is CONFFILE, and its postinst creates its user.
check_unit_user_conffile() {
  local deb=$1 label=$2 name=$3 unit=$4 conffile=$5 conffiles
  same_as "$deb" "/lib/systemd/system/$unit" "$here/systemd/$unit" "$label"
  same_as "$deb" "/usr/lib/sysusers.d/beaconwatch-$name.conf" \
    "$here/sysusers.d/beaconwatch-$name.conf" "$label"
  conffiles=$(cat "$work/$label.control/conffiles" 2>/dev/null)
  check [ "$conffiles" = "$conffile" ] -- "$label: conffiles: $conffiles" \
    "$label: conffiles are '$conffiles', not $conffile"
  check grep -q "systemd-sysusers.* beaconwatch-$name\\.conf" "$work/$label.control/postinst" -- \
    "$label: postinst creates the user (systemd-sysusers beaconwatch-$name.conf)" \
    "$label: postinst does not run systemd-sysusers beaconwatch-$name.conf"
}

for arch in "${arches[@]}"; do
  sensor=$(newest beaconwatch-sensor "$arch")
  collector=$(newest beaconwatch-collector "$arch")
  [ -n "$sensor" ] || { fail "$arch: no beaconwatch-sensor package in $dir"; continue; }
  [ -n "$collector" ] || { fail "$arch: no beaconwatch-collector package in $dir"; continue; }
  echo "== $(basename "$sensor"), $(basename "$collector")"

  for pair in "sensor:$sensor" "collector:$collector"; do
    name=${pair%%:*} deb=${pair#*:}
    label="$name/$arch"
    listing=$work/$name-$arch.list
    dpkg-deb -c "$deb" | awk '{ p = $6; sub(/\/$/, "", p); print p }' >"$listing"
    field=$(dpkg-deb -f "$deb" Architecture)
    check [ "$field" = "$arch" ] -- "$label: Architecture $arch" "$label: Architecture $field, not $arch"
    if grep -E '^\./var(/|$)' "$listing" >/dev/null; then fail "$label: ships files in /var"; else ok "$label: nothing in /var (StateDirectory= makes the state)"; fi
    if grep -E '/bw-(gen|eval|pcap-reorder|pcap-floor)$' "$listing" >/dev/null; then fail "$label: ships a test tool"; fi
    expect_files "$listing" "$label" "/usr/share/doc/beaconwatch-$name/copyright" \
      "/usr/share/doc/beaconwatch-$name/changelog.gz"
    check_scripts "$deb" "$label"
    depends=$(dpkg-deb -f "$deb" Depends)
    if [[ "$depends" == *systemd-sysusers* ]]; then ok "$label: Depends names systemd-sysusers"; else fail "$label: Depends lacks systemd | systemd-sysusers ($depends)"; fi
  done

  # Sensor.
  label=sensor/$arch listing=$work/sensor-$arch.list
  paths=(/usr/bin/bw-sensor /usr/bin/bw-intel-convert /usr/bin/bw-mail-watchlist /usr/bin/bw-spool
    /usr/share/man/man1/bw-sensor.1.gz /usr/share/man/man1/bw-intel-convert.1.gz
    /usr/share/man/man1/bw-mail-watchlist.1.gz /usr/share/man/man1/bw-spool.1.gz
    /etc/beaconwatch/sensor-example.json /lib/systemd/system/beaconwatch-sensor@.service
    /usr/lib/sysusers.d/beaconwatch-sensor.conf)
  for feed in "$repo"/sensor/intel/data/*.feed; do paths+=("/usr/share/beaconwatch/$(basename "$feed")"); done
  expect_files "$listing" "$label" "${paths[@]}"
  check_unit_user_conffile "$sensor" "$label" sensor beaconwatch-sensor@.service \
    /etc/beaconwatch/sensor-example.json
  same_as "$sensor" /etc/beaconwatch/sensor-example.json "$here/config/sensor-example.json" "$label"

  # Collector.
  label=collector/$arch listing=$work/collector-$arch.list
  expect_files "$listing" "$label" /usr/bin/bw-collector /usr/share/man/man1/bw-collector.1.gz \
    /etc/beaconwatch/collector.env /lib/systemd/system/beaconwatch-collector.service \
    /usr/lib/sysusers.d/beaconwatch-collector.conf
  check_unit_user_conffile "$collector" "$label" collector beaconwatch-collector.service \
    /etc/beaconwatch/collector.env
  # Installed disabled (it needs its certificate first): debhelper's --no-enable snippet, which
  # re-enables only a unit the admin had enabled (`deb-systemd-helper debian-installed` guard).
  check grep -q "deb-systemd-helper debian-installed 'beaconwatch-collector.service'" \
    "$work/$label.control/postinst" -- "$label: postinst does not enable the unit on install" \
    "$label: postinst enables the collector at install"

  # lintian, both packages of the architecture at once.
  echo "-- lintian --fail-on error,warning"
  if lintian --fail-on error,warning --display-level '>=warning' "$sensor" "$collector" >"$work/lintian.txt" 2>&1; then
    sed 's/^/  /' "$work/lintian.txt"
    ok "lintian/$arch: no error or warning"
  else
    sed 's/^/  /' "$work/lintian.txt"
    fail "lintian/$arch"
  fi
done

[ "$failures" -eq 0 ]
