#!/usr/bin/env bash
# Refreshes Beaconwatch feeds from maintained public lists of e-mail trackers.
#
# Run by hand (or from a site's cron) on a machine with internet access; the sensor never fetches
# anything at runtime. Downloads each list, converts it with bw-intel-convert into
# OUT_DIR/<name>.feed, <name>.urls.feed and <name>.path-hosts.feed (sensor/intel/data/README.md,
# "Converting other lists"), and prints the converter's counts. Point the sensor at OUT_DIR as well
# as at sensor/intel/data (--intel DIR is repeatable) and send it SIGHUP to reload.
#
#   tools/intel/refresh-lists.sh [--out DIR] [--bin build/bin] [--keep-downloads]
#
# Defaults: OUT_DIR = sensor/intel/data/converted (kept apart from the curated list, so a review
# of the curated feeds is never mixed with generated ones), bin = build/bin.
#
# Lists and their licences (check them again before redistributing converted feeds):
#   easyprivacy-emailtrackers  EasyPrivacy, e-mail tracker section
#       https://raw.githubusercontent.com/easylist/easylist/master/easyprivacy/easyprivacy_general_emailtrackers.txt
#       GPLv3+ or CC BY-SA 3.0+ (dual), "The EasyList authors (https://easylist.adblockplus.org/)".
#       Generic rules kept: in this section they are open-pixel paths.
#   easyprivacy-thirdparty     EasyPrivacy, third-party tracking servers and paths
#       https://raw.githubusercontent.com/easylist/easylist/master/easyprivacy/easyprivacy_thirdparty.txt
#       same licence; generic rules skipped (they match much ordinary web traffic); category
#       ad-tracker, weight 0.5: web analytics, not mail-specific
#   easyprivacy-allowlist      EasyPrivacy's exceptions, appended to both lists above before
#       conversion so that its "@@" rules apply to them
#       https://raw.githubusercontent.com/easylist/easylist/master/easyprivacy/easyprivacy_allowlist.txt
#   adguard-mail-trackers      AdGuard CNAME-cloaked mail trackers (open-source, MIT)
#       https://raw.githubusercontent.com/AdguardTeam/cname-trackers/master/data/mail_trackers/
#       {cordial,customer_io,mailgun,sailthru,salesforce-mail-marketing}.txt
#       Adblock "||host^" rules for senders' branded tracking hosts that CNAME to ESP trackers.
# Not fetched: lists without a stated licence (JannikArndt/EMailTrackerBlocker) and trackers kept
# inside extension code (Trocker's chrome/lists.js, Ugly Email's service): read them, add what
# holds to the curated list by hand.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/sensor/intel/data/converted"
bin="$root/build/bin"
keep_downloads=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --keep-downloads) keep_downloads=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "refresh-lists.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

convert="$bin/bw-intel-convert"
[[ -x "$convert" ]] || { echo "refresh-lists.sh: $convert not built (tools/build.sh)" >&2; exit 2; }
command -v curl >/dev/null || { echo "refresh-lists.sh: curl is needed" >&2; exit 2; }

easylist=https://raw.githubusercontent.com/easylist/easylist/master/easyprivacy
adguard=https://raw.githubusercontent.com/AdguardTeam/cname-trackers/master/data

work=$(mktemp -d)
cleanup() { if [[ $keep_downloads -eq 1 ]]; then echo "downloads kept in $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

fetch() {  # URL FILE: fails on HTTP errors and on an empty body, so a bad day keeps old feeds
  curl --fail --silent --show-error --location --max-time 120 --retry 3 -o "$2" "$1"
  [[ -s "$2" ]] || { echo "refresh-lists.sh: $1 was empty" >&2; return 1; }
}

fetch "$easylist/easyprivacy_general_emailtrackers.txt" "$work/emailtrackers.txt"
fetch "$easylist/easyprivacy_thirdparty.txt" "$work/thirdparty.txt"
fetch "$easylist/easyprivacy_allowlist.txt" "$work/allowlist.txt"
: > "$work/adguard-mail.txt"
for vendor in cordial customer_io mailgun sailthru salesforce-mail-marketing; do
  fetch "$adguard/mail_trackers/$vendor.txt" "$work/adguard-$vendor.txt"
  cat "$work/adguard-$vendor.txt" >> "$work/adguard-mail.txt"
done

# Converted into a staging folder first: the live folder changes only when every list converted.
stage="$work/feeds"
mkdir -p "$stage"

run() {  # NAME INPUT CATEGORY WEIGHT GENERIC LABEL
  echo "== $1" >&2
  "$convert" --from adblock --to domain-suffix --category "$3" --weight "$4" \
    --generic-rules "$5" --label "$6" "$2" "$stage/$1.feed"
}

cat "$work/emailtrackers.txt" "$work/allowlist.txt" > "$work/emailtrackers+allow.txt"
cat "$work/thirdparty.txt" "$work/allowlist.txt" > "$work/thirdparty+allow.txt"
run easyprivacy-emailtrackers "$work/emailtrackers+allow.txt" email-tracker 0.9 keep \
  "EasyPrivacy e-mail trackers"
run easyprivacy-thirdparty "$work/thirdparty+allow.txt" ad-tracker 0.5 skip "EasyPrivacy"
run adguard-mail-trackers "$work/adguard-mail.txt" email-tracker 0.8 skip \
  "AdGuard CNAME mail trackers"

mkdir -p "$out"
cat > "$stage/SOURCES.txt" <<EOF
Generated by tools/intel/refresh-lists.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); do not edit.
easyprivacy-*: EasyPrivacy (https://easylist.to), GPLv3+ or CC BY-SA 3.0+, The EasyList authors.
adguard-mail-trackers*: AdGuard cname-trackers (https://github.com/AdguardTeam/cname-trackers), MIT.
EOF
cp "$stage"/* "$out"/
echo "feeds written to $out" >&2
