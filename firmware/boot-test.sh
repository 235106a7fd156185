#!/usr/bin/env bash
# Boots the appliance image in qemu (TCG: no KVM assumed) and checks, with no human, that the
# sensor started on boot, captured what was replayed onto its monitoring NIC and delivered the
# expected events to a collector on the host.
#
#   firmware/boot-test.sh {amd64|arm64} [--image FILE] [--bin DIR] [--timeout S]
#
#   --image FILE   the image from firmware/build-image.sh (default build/image/beaconwatch-ARCH.img);
#                  the test boots a copy, grown by 1 GiB to exercise the data partition's growth
#   --bin DIR      host binaries bw-collector, bw-gen, bw-sensor (default build/bin; bw-collector
#                  is taken from build/debs/beaconwatch-collector_*_HOSTARCH.deb when there is one)
#   --timeout S    boot deadline in seconds (default 900 amd64, 1800 arm64)
#
# Host side, all in a private network namespace: a tap device (the monitoring NIC, mon0 in the
# guest) that tcpreplay feeds, and a bw-collector with a fresh development PKI on 127.0.0.1, which
# the guest reaches at 10.0.2.2 through qemu's user-mode management NIC (mgmt0). The sensor's
# configuration, certificate and key reach the image through its ESP provisioning inbox (mcopy),
# as a site's would. Expected events: bw-sensor --read of the same capture on the host.
# Ends with one line, "boot-test ARCH: PASS|FAIL ..."; exits non-zero on any shortfall.
# Work files: $BW_BOOT_WORK (default /tmp/bw-image/boot-ARCH), kept.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 1 ] || usage
arch=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
image=$repo/build/image/beaconwatch-$arch.img
bin=$repo/build/bin
case $arch in
  amd64) timeout=900 ;;
  arm64) timeout=1800 ;;
  *) usage ;;
esac
while [ $# -gt 0 ]; do
  case $1 in
    --image) image=$(realpath "$2"); shift 2 ;;
    --bin) bin=$(realpath "$2"); shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    *) usage ;;
  esac
done

work=${BW_BOOT_WORK:-/tmp/bw-image/boot-$arch}
sensor_id=appliance-test-$arch
port=47443
ns=bwboot-$arch-$$
qemu_pid=
collector_pid=

result() {
  echo "boot-test $arch: $*"
}
fail() {
  echo "boot-test: $*" >&2
  echo "boot-test: console: $work/console.log, collector: $work/collector.log" >&2
  result "FAIL $*"
  exit 1
}
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
  [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  true
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "run as root (network namespace, tap device)"
[ -f "$image" ] || fail "no image $image (firmware/build-image.sh $arch)"
for tool in ip tcpreplay mcopy sfdisk jq openssl debugfs; do
  command -v "$tool" >/dev/null ||
    fail "$tool missing (apt-get install iproute2 tcpreplay mtools fdisk jq openssl e2fsprogs)"
done
case $arch in
  amd64)
    qemu="qemu-system-x86_64"
    code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
    machine=(-machine "q35,accel=tcg" -cpu max)
    ;;
  arm64)
    qemu="qemu-system-aarch64"
    code=/usr/share/AAVMF/AAVMF_CODE.fd vars=/usr/share/AAVMF/AAVMF_VARS.fd
    # cortex-a72: -cpu max's pointer authentication is slow under TCG.
    machine=(-machine "virt,accel=tcg" -cpu cortex-a72)
    ;;
esac
command -v "$qemu" >/dev/null || fail "$qemu missing (apt-get install qemu-system-x86 qemu-system-arm)"
[ -f "$code" ] || fail "$code missing (apt-get install ovmf qemu-efi-aarch64)"

rm -rf "$work"
mkdir -p "$work"
# The collector: from the host-architecture package when there is one, else the build.
collector_bin=$bin/bw-collector
host_deb=$(find "$repo/build/debs" -maxdepth 1 \
  -name "beaconwatch-collector_*_$(dpkg --print-architecture).deb" 2>/dev/null | sort -V | tail -1)
if [ -n "$host_deb" ]; then
  dpkg-deb -x "$host_deb" "$work/collector-deb"
  collector_bin=$work/collector-deb/usr/bin/bw-collector
fi
for b in "$collector_bin" "$bin/bw-gen" "$bin/bw-sensor"; do
  [ -x "$b" ] || fail "$b missing (tools/build.sh bw-gen bw-sensor bw-collector)"
done

# 1. PKI, capture, expected events.
"$repo/tools/pki/bw-dev-pki.sh" "$work/pki" "$sensor_id" >"$work/pki.log" 2>&1 ||
  fail "bw-dev-pki.sh failed ($work/pki.log)"
"$bin/bw-gen" --profile demo --seed 2021 --out "$work/demo.pcap" >/dev/null 2>&1 ||
  fail "bw-gen failed"
"$bin/bw-sensor" --read "$work/demo.pcap" --intel "$repo/sensor/intel/data" \
  --json "$work/expected.jsonl" --no-summary 2>"$work/expected.log" ||
  fail "bw-sensor --read failed ($work/expected.log)"
# body type of each event: the sensor's JSON lines (expected) or the collector's ECS lines (stored)
kinds() {
  jq -r 'if .event.dataset then (.event.dataset | sub("^beaconwatch[.]"; ""))
    else first(keys_unsorted[] | select(IN("http","dns","tls","quic","beacon","campaign","health")))
    // "other" end' "$1"
}
count() { kinds "$1" | grep -cx "$2" || true; }

# 2. The disk: a grown copy, the sensor's configuration and keys in the ESP's inbox.
cp --sparse=always "$image" "$work/disk.img"
truncate -s +1G "$work/disk.img"
parts=$(sfdisk -J "$image")
sector() { jq -r ".partitiontable.partitions[$1].$2" <<<"$parts"; }
esp_off=$(($(sector 0 start) * 512))
data_off=$(($(sector 2 start) * 512))
data_size=$(($(sector 2 size) * 512))
data_mib_before=$((data_size / 1048576))
dd if="$image" of="$work/data-part.img" bs=1M iflag=skip_bytes,count_bytes \
  skip="$data_off" count="$data_size" status=none
debugfs -R "cat /beaconwatch/etc/sensor-mon0.json" "$work/data-part.img" 2>/dev/null \
  >"$work/default-sensor-mon0.json"
jq -e .collector "$work/default-sensor-mon0.json" >/dev/null ||
  fail "the image's data partition has no /beaconwatch/etc/sensor-mon0.json"
rm -f "$work/data-part.img"
jq --arg a "10.0.2.2:$port" '.collector.address = $a | .collector.server_name = "localhost"' \
  "$work/default-sensor-mon0.json" >"$work/inbox-sensor-mon0.json"
for f in "$work/inbox-sensor-mon0.json:sensor-mon0.json" "$work/pki/ca.pem:ca.pem" \
  "$work/pki/$sensor_id.pem:sensor-mon0.pem" "$work/pki/$sensor_id.key:sensor-mon0.key"; do
  mcopy -o -i "$work/disk.img@@$esp_off" "${f%%:*}" "::beaconwatch/${f##*:}"
done
cp "$vars" "$work/vars.fd"

# 3. The host side: a namespace with a tap (mon0's wire) and the collector.
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev bwmon mode tap
ip -n "$ns" link set bwmon up
ip netns exec "$ns" "$collector_bin" serve --listen "127.0.0.1:$port" \
  --cert "$work/pki/collector.pem" --key "$work/pki/collector.key" \
  --client-ca "$work/pki/ca.pem" --db "$work/store.db" --json-out "$work/stored.jsonl" \
  >"$work/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$work/collector.log" && break
  kill -0 "$collector_pid" 2>/dev/null || fail "collector exited ($work/collector.log)"
  sleep 0.1
done

# 4. Boot.
t0=$(date +%s)
ip netns exec "$ns" "$qemu" -nodefaults "${machine[@]}" -smp 2 -m 1024 \
  -drive if=pflash,format=raw,readonly=on,file="$code" \
  -drive if=pflash,format=raw,file="$work/vars.fd" \
  -drive file="$work/disk.img",format=raw,if=none,id=disk -device virtio-blk-pci,drive=disk \
  -netdev user,id=mgmt -device virtio-net-pci,netdev=mgmt,addr=0x3 \
  -netdev tap,id=mon,ifname=bwmon,script=no,downscript=no \
  -device virtio-net-pci,netdev=mon,addr=0x4 \
  -serial file:"$work/console.log" -display none \
  -monitor unix:"$work/monitor.sock",server=on,wait=off >"$work/qemu.log" 2>&1 &
qemu_pid=$!
touch "$work/console.log"
status=
while [ $(($(date +%s) - t0)) -lt "$timeout" ]; do
  kill -0 "$qemu_pid" 2>/dev/null || fail "qemu exited ($work/qemu.log)"
  status=$(grep -a -o 'beaconwatch-appliance:.*' "$work/console.log" | tr -d '\r' | head -1 || true)
  [ -n "$status" ] && break
  sleep 2
done
boot_s=$(($(date +%s) - t0))
[ -n "$status" ] || fail "no status line on the console within ${timeout} s"
echo "boot-test: after ${boot_s} s: $status" >&2
sensor_state=$(sed -n 's/.* sensor@mon0=\([^ ]*\).*/\1/p' <<<"$status")
root_mode=$(sed -n 's/.* root=\([^ ]*\).*/\1/p' <<<"$status")
data_mib=$(sed -n 's/.* var-lib-MiB=\([0-9]*\).*/\1/p' <<<"$status")
[ "$sensor_state" = active ] || fail "sensor@mon0 is '$sensor_state' after boot"
[ "$root_mode" = ro ] || fail "root is mounted '$root_mode', not ro"
[ "${data_mib:-0}" -gt $((data_mib_before + 512)) ] ||
  fail "/var/lib is ${data_mib:-?} MiB: not grown from $data_mib_before MiB over the added 1 GiB"

# 5. Replay onto mon0 (10 Mbit/s: the TCG guest keeps up) and wait for the collector.
ip netns exec "$ns" tcpreplay -i bwmon --mbps 10 "$work/demo.pcap" >"$work/tcpreplay.log" 2>&1 ||
  fail "tcpreplay failed ($work/tcpreplay.log)"
sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$work/tcpreplay.log")
want=()
for k in http dns tls quic; do want+=("$k=$(count "$work/expected.jsonl" "$k")"); done
summary() {
  local k line=
  for k in http dns tls quic beacon campaign; do
    line+=" $k $(count "$work/stored.jsonl" "$k")/$(count "$work/expected.jsonl" "$k")"
  done
  echo "${line# }"
}
complete() {
  local w
  for w in "${want[@]}"; do
    [ "$(count "$work/stored.jsonl" "${w%%=*}")" -ge "${w#*=}" ] || return 1
  done
}
deadline=$(($(date +%s) + 300))
until complete; do
  [ "$(date +%s)" -lt "$deadline" ] || break
  kill -0 "$qemu_pid" 2>/dev/null || fail "qemu exited during the replay"
  sleep 5
done
complete || fail "collector received less than expected (stored/expected: $(summary))"

# 6. Power off as an operator would (ACPI power button): the sensor drains, ends its flows (the
# alerts that wait for a flow's end, such as HTTPS fetches of a beacon domain, and the final
# campaign records) and delivers the rest before the guest halts.
for k in beacon campaign; do want+=("$k=$(count "$work/expected.jsonl" "$k")"); done
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"system_powerdown\n")' \
  "$work/monitor.sock" || fail "cannot reach qemu's monitor"
t1=$(date +%s)
for _ in $(seq 180); do
  kill -0 "$qemu_pid" 2>/dev/null || break
  sleep 1
done
kill -0 "$qemu_pid" 2>/dev/null && fail "the guest did not power off within 180 s"
off_s=$(($(date +%s) - t1))
qemu_pid=
sleep 1
stored=$(summary)
sensors=$("$collector_bin" query --db "$work/store.db" sensors 2>&1 || true)
echo "$sensors" >"$work/sensors.txt"
alerts=$("$collector_bin" query --db "$work/store.db" alerts --sensor "$sensor_id" --json 2>/dev/null |
  jq -s 'if length == 1 and (.[0] | type) == "array" then .[0] | length else length end' 2>/dev/null ||
  echo '?')
other=$(jq -r .beaconwatch.sensor_id "$work/stored.jsonl" | sort -u | grep -vx "$sensor_id" | head -1 || true)
[ -z "$other" ] || fail "events stored under an unexpected sensor id '$other'"
grep -q "^$sensor_id " <<<"$sensors" || fail "collector query sensors does not list $sensor_id"
# Every protocol event and every beacon alert of the offline replay; campaign records depend on
# timing (an update at most once a minute), so at least one, counted in the final line.
want=("${want[@]/#campaign=*/campaign=1}")
complete || fail "collector received less than expected (stored/expected: $stored)"
result "PASS booted in ${boot_s} s (TCG), sensor@mon0 active, root ro, /var/lib grown" \
  "${data_mib_before}->${data_mib} MiB; replayed ${sent:-?} packets on mon0; collector stored" \
  "from $sensor_id (stored/expected): $stored; query alerts: $alerts; powered off in ${off_s} s"
