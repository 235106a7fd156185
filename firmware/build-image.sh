#!/usr/bin/env bash
# Builds the Beaconwatch appliance disk image, offline from the Debian archive: no loop device,
# no mount, no root login.
#
#   firmware/build-image.sh {amd64|arm64} [--debs DIR] [--out FILE] [--collector HOST:PORT]
#                           [--mgmt-match MATCH] [--mon-match MATCH] [--mirror URL]
#
#   --debs DIR        beaconwatch-sensor_*_ARCH.deb and beaconwatch-collector_*_ARCH.deb
#                     (default build/debs, written by firmware/build-debs.sh)
#   --out FILE        the raw disk image (default build/image/beaconwatch-ARCH.img)
#   --collector H:P   collector in the default sensor configuration (default 192.0.2.10:7443;
#                     the site usually overrides it at first boot, see firmware/README.md)
#   --mgmt-match M, --mon-match M
#                     systemd.link [Match] lines naming the management and the monitoring NIC
#                     (default Path=pci-0000:00:03.0 and Path=pci-0000:00:04.0, the slots
#                     firmware/boot-test.sh gives them under qemu); they become mgmt0 and mon0
#   --mirror URL      Debian mirror (default: mmdebstrap's, deb.debian.org)
#
# Disk layout (GPT): 1 ESP (FAT32, systemd-boot, kernel, initrd, the provisioning inbox
# beaconwatch/), 2 root (ext4, read-only), 3 data (ext4, /var/lib, grown over the disk at boot).
# Work files go to $BW_IMAGE_WORK (default /tmp/bw-image/build-ARCH).
#
# BW_IMAGE_BIN=DIR (development only, before packages exist): install DIR/bw-sensor and
# DIR/bw-collector, the units and sysusers.d from this tree by hand instead of the .debs.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
arch=$1
shift
case $arch in
  amd64) efi_arch=x64 root_type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 console=ttyS0 ;;
  arm64) efi_arch=aa64 root_type=B921B045-1DF0-41C3-AF44-4C6F280D3FAE console=ttyAMA0 ;;
  *) usage ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
debs=$repo/build/debs
out=$repo/build/image/beaconwatch-$arch.img
collector_addr=192.0.2.10:7443
mgmt_match=Path=pci-0000:00:03.0
mon_match=Path=pci-0000:00:04.0
mirror=
while [ $# -gt 0 ]; do
  case $1 in
    --debs) debs=$(realpath "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --collector) collector_addr=$2; shift 2 ;;
    --mgmt-match) mgmt_match=$2; shift 2 ;;
    --mon-match) mon_match=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    *) usage ;;
  esac
done

die() { echo "build-image.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap root mode, file ownership in the image)"
for tool in mmdebstrap mkfs.ext4 mkfs.vfat mcopy mmd sfdisk jq; do
  command -v "$tool" >/dev/null ||
    die "$tool missing (apt-get install mmdebstrap e2fsprogs dosfstools mtools fdisk jq)"
done
if [ "$arch" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
    die "an arm64 root on $(dpkg --print-architecture) needs qemu-user-static (binfmt)"
fi

# The packages, or (development) loose binaries.
pkgs=()
if [ -n "${BW_IMAGE_BIN:-}" ]; then
  for b in bw-sensor bw-collector; do
    [ -x "$BW_IMAGE_BIN/$b" ] || die "BW_IMAGE_BIN: $BW_IMAGE_BIN/$b missing"
  done
  echo "build-image.sh: DEVELOPMENT build from $BW_IMAGE_BIN, not from packages" >&2
else
  for p in beaconwatch-sensor beaconwatch-collector; do
    mapfile -t found < <(find "$debs" -maxdepth 1 -name "${p}_*_${arch}.deb" | sort -V)
    [ ${#found[@]} -gt 0 ] || die "no ${p}_*_${arch}.deb in $debs (firmware/build-debs.sh)"
    pkgs+=("${found[-1]}")
  done
fi

work=${BW_IMAGE_WORK:-/tmp/bw-image/build-$arch}
rm -rf "$work"
mkdir -p "$work" "$(dirname "$out")"
rootfs=$work/rootfs
start=$(date +%s)

# Fixed per build, written into fstab and the boot entry.
esp_uuid=$(cat /proc/sys/kernel/random/uuid)
root_uuid=$(cat /proc/sys/kernel/random/uuid)
data_uuid=$(cat /proc/sys/kernel/random/uuid)
disk_uuid=$(cat /proc/sys/kernel/random/uuid)

# 1. The root file system. The runtime libraries come from the packages' Depends; the loose
# binaries of a development build need them listed.
include=systemd,systemd-sysv,udev,systemd-resolved,systemd-timesyncd,linux-image-$arch
include+=,initramfs-tools,zstd,kmod,iproute2,jq,procps,e2fsprogs,systemd-boot-efi,publicsuffix
if [ -n "${BW_IMAGE_BIN:-}" ]; then
  include+=,libabsl20220623,libc-ares2,libcap2,libdbus-1-3,libgcrypt20,libgrpc++1.51,libgrpc29
  include+=,libidn2-0,liblz4-1,libndpi4.2,libpcap0.8,libprotobuf32,libpsl5,libre2-9
  include+=,libseccomp2,libssl3,libsqlite3-0,libsystemd0,libzstd1
fi
# Our packages go in through a hook, with dpkg (apt inside the chroot may have no network);
# their dependencies come from the archive like the rest, listed here from their Depends.
for p in "${pkgs[@]}"; do
  deps=$(dpkg-deb -f "$p" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g')
  for d in $deps; do include+=,$d; done
done
hooks=()
# shellcheck disable=SC2016 # $1 is the hook's argument (the root), expanded by mmdebstrap's shell
if [ ${#pkgs[@]} -gt 0 ]; then
  hooks=(--customize-hook='mkdir -p "$1/tmp/bw-debs"'
    --customize-hook="copy-in ${pkgs[*]} /tmp/bw-debs"
    --customize-hook='chroot "$1" sh -c "dpkg --install /tmp/bw-debs/*.deb"'
    --customize-hook='rm -rf "$1/tmp/bw-debs"')
fi

echo "== mmdebstrap bookworm $arch" >&2
mmdebstrap --mode=root --variant=minbase --architectures="$arch" \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --include="$include" "${hooks[@]}" \
  bookworm "$rootfs" ${mirror:+"$mirror"} >"$work/mmdebstrap.log" 2>&1 ||
  { tail -30 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $work/mmdebstrap.log)"; }

# 2. Development build: the package's job by hand, in the layout firmware/README.md lists.
if [ -n "${BW_IMAGE_BIN:-}" ]; then
  install -m 0755 "$BW_IMAGE_BIN/bw-sensor" "$BW_IMAGE_BIN/bw-collector" "$rootfs/usr/bin/"
  install -m 0644 "$here"/systemd/*.service "$rootfs/lib/systemd/system/"
  install -d "$rootfs/usr/lib/sysusers.d" "$rootfs/usr/share/beaconwatch"
  install -m 0644 "$here"/sysusers.d/*.conf "$rootfs/usr/lib/sysusers.d/"
  install -m 0644 "$repo"/sensor/intel/data/*.feed "$rootfs/usr/share/beaconwatch/"
  systemd-sysusers --root="$rootfs" >/dev/null
  install -d -m 0755 "$rootfs/etc/beaconwatch"
fi

# Where the package put the units and the intel.
unitdir=
for d in lib/systemd/system usr/lib/systemd/system; do
  [ -f "$rootfs/$d/beaconwatch-sensor@.service" ] && unitdir=$d
done
[ -n "$unitdir" ] || die "no beaconwatch-sensor@.service in the root file system"
intel=/usr/share/beaconwatch
[ -d "$rootfs/usr/share/beaconwatch/intel" ] && intel=/usr/share/beaconwatch/intel
getent_root() { grep -q "^$1:" "$rootfs/etc/passwd"; }
getent_root beaconwatch-sensor || die "the image has no beaconwatch-sensor user (sysusers)"

# 3. Appliance configuration from firmware/image.
img=$here/image
echo "beaconwatch" >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tbeaconwatch\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  >"$rootfs/etc/hosts"
: >"$rootfs/etc/machine-id" # empty: systemd makes a transient one each boot (read-only root)
sed -e "s/@ROOT_PARTUUID@/$root_uuid/; s/@DATA_PARTUUID@/$data_uuid/; s/@ESP_PARTUUID@/$esp_uuid/" \
  "$img/fstab.in" >"$rootfs/etc/fstab"
install -d "$rootfs/efi" "$rootfs/usr/lib/repart.d" "$rootfs/usr/libexec/beaconwatch" \
  "$rootfs/etc/systemd/journald.conf.d" "$rootfs/etc/systemd/network"
install -m 0644 "$img"/repart.d/*.conf "$rootfs/usr/lib/repart.d/"
install -m 0644 "$img"/journald.conf.d/*.conf "$rootfs/etc/systemd/journald.conf.d/"
install -m 0755 "$img"/libexec/* "$rootfs/usr/libexec/beaconwatch/"
sed "s/@MGMT_MATCH@/$mgmt_match/" "$img/systemd/network/10-bw-mgmt.link.in" \
  >"$rootfs/etc/systemd/network/10-bw-mgmt.link"
sed "s/@MON_MATCH@/$mon_match/" "$img/systemd/network/10-bw-mon.link.in" \
  >"$rootfs/etc/systemd/network/10-bw-mon.link"
install -m 0644 "$img"/systemd/network/*.network "$rootfs/etc/systemd/network/"
cp -r "$img"/systemd/system/. "$rootfs/etc/systemd/system/"
find "$rootfs/etc/systemd/system" -type f -name '*.conf' -exec chmod 0644 {} +
chmod 0644 "$rootfs"/etc/systemd/system/beaconwatch-*.service

# Units: networkd on, the sensor on mon0, the status line; the collector package is installed
# (the same image can serve as a collector) but not enabled on a sensor appliance.
systemctl --root="$rootfs" enable systemd-networkd.service systemd-resolved.service \
  systemd-timesyncd.service beaconwatch-status.service >/dev/null 2>&1
systemctl --root="$rootfs" disable beaconwatch-collector.service >/dev/null 2>&1 || true
install -d "$rootfs/etc/systemd/system/multi-user.target.wants"
ln -sf "/$unitdir/beaconwatch-sensor@.service" \
  "$rootfs/etc/systemd/system/multi-user.target.wants/beaconwatch-sensor@mon0.service"
# A read-only root: nothing to fix at boot that needs a writable /etc.
ln -sf /dev/null "$rootfs/etc/systemd/system/systemd-sysusers.service"
ln -sf /dev/null "$rootfs/etc/systemd/system/apt-daily.timer"
ln -sf /dev/null "$rootfs/etc/systemd/system/apt-daily-upgrade.timer"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"
passwd --root "$rootfs" --lock root >/dev/null

# 4. Split: /var/lib goes to the data partition, with the site configuration in
# /var/lib/beaconwatch/etc (bind-mounted on /etc/beaconwatch), seeded with the package's files and
# the default sensor configuration.
data=$work/data
mv "$rootfs/var/lib" "$data"
install -d -m 0755 "$rootfs/var/lib"
install -d -m 0755 "$data/beaconwatch/etc"
cp -a "$rootfs/etc/beaconwatch/." "$data/beaconwatch/etc/"
sed -e "s/@COLLECTOR@/$collector_addr/; s#@INTEL@#$intel#" "$img/sensor-mon0.json.in" \
  >"$data/beaconwatch/etc/sensor-mon0.json"
chmod 0644 "$data/beaconwatch/etc/sensor-mon0.json"

# 5. The ESP: systemd-boot as the removable-media loader, the kernel and initrd, one entry.
kernel=$(find "$rootfs/boot" -name 'vmlinuz-*' | sort -V | tail -1)
initrd=$(find "$rootfs/boot" -name 'initrd.img-*' | sort -V | tail -1)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then die "no kernel or initrd in $rootfs/boot"; fi
kver=${kernel##*/vmlinuz-}
esp_dir=$work/esp
install -d "$esp_dir/EFI/BOOT" "$esp_dir/loader/entries" "$esp_dir/beaconwatch"
cp "$rootfs/usr/lib/systemd/boot/efi/systemd-boot$efi_arch.efi" \
  "$esp_dir/EFI/BOOT/BOOT${efi_arch^^}.EFI"
# arm64's vmlinuz is a gzip'd Image; EFI loads the PE inside it.
if [ "$(head -c2 "$kernel" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
  zcat "$kernel" >"$esp_dir/vmlinuz"
else
  cp "$kernel" "$esp_dir/vmlinuz"
fi
cp "$initrd" "$esp_dir/initrd.img"
printf 'timeout 0\neditor no\ndefault beaconwatch.conf\n' >"$esp_dir/loader/loader.conf"
cat >"$esp_dir/loader/entries/beaconwatch.conf" <<EOF
title   Beaconwatch appliance (Debian 12, $kver)
linux   /vmlinuz
initrd  /initrd.img
options root=PARTUUID=$root_uuid rootfstype=ext4 ro console=$console,115200 systemd.show_status=auto panic=10
EOF
cat >"$esp_dir/beaconwatch/README.txt" <<'EOF'
Beaconwatch provisioning inbox. Files put here are moved into /etc/beaconwatch at the next boot
and deleted from here: sensor-mon0.json (configuration), ca.pem (the collector's CA),
sensor-mon0.pem and sensor-mon0.key (this sensor's certificate and key). See firmware/README.md.
EOF

# 6. File system images and the GPT disk, assembled with dd.
mib() { echo $((($1 + 1048575) / 1048576)); }
esp_mib=256
root_used=$(du -sb "$rootfs" | cut -f1)
root_mib=$(($(mib "$root_used") * 13 / 10 + 64))
data_mib=128
echo "== file systems: ESP ${esp_mib} MiB, root ${root_mib} MiB, data ${data_mib} MiB" >&2
rm -f "$work/esp.img"
mkfs.vfat -F 32 -n BW-ESP -C "$work/esp.img" $((esp_mib * 1024)) >/dev/null
(cd "$esp_dir" && find . -mindepth 1 -type d | sed 's#^\./##' | sort | while read -r d; do
  mmd -i "$work/esp.img" "::$d"
done && find . -type f | sed 's#^\./##' | while read -r f; do
  mcopy -i "$work/esp.img" "$f" "::$f"
done)
mkfs.ext4 -q -L bw-root -d "$rootfs" -O ^has_journal -m 0 "$work/root.img" "${root_mib}M"
mkfs.ext4 -q -L bw-data -d "$data" -m 1 "$work/data.img" "${data_mib}M"

disk_mib=$((1 + esp_mib + root_mib + data_mib + 1))
rm -f "$out"
truncate -s "${disk_mib}M" "$out"
sfdisk --quiet "$out" <<EOF
label: gpt
label-id: $disk_uuid
start=1MiB, size=${esp_mib}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$esp_uuid, name=esp
size=${root_mib}MiB, type=$root_type, uuid=$root_uuid, name=bw-root
size=${data_mib}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$data_uuid, name=bw-data
EOF
off=1
for part in esp root data; do
  dd if="$work/$part.img" of="$out" bs=1M seek="$off" conv=notrunc,sparse status=none
  off=$((off + $(stat -c %s "$work/$part.img") / 1048576))
done
sfdisk --verify "$out" >/dev/null
end=$(date +%s)
{
  echo "== $out: $(du -h --apparent-size "$out" | cut -f1) (kernel $kver), built in $((end - start)) s"
  sfdisk -l "$out" | sed -n '/^Device/,$p'
} >&2
