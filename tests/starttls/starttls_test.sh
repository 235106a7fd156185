#!/usr/bin/env bash
# STARTTLS with real clients: `openssl s_client -starttls smtp|imap|pop3` (and curl for IMAP and
# POP3) against local servers that upgrade as RFC 3207, 3501 and 2595 say, in a private network
# namespace, captured with tcpdump. tshark's reading of the capture is the reference: every
# ClientHello it finds after an upgrade must come out of bw-sensor with the same SNI and JA3.
#
# usage: starttls_test.sh BUILD_DIR      exit 0 pass, 1 fail, 77 skip (no root, unshare, tcpdump,
#                                        openssl or tshark)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: starttls_test.sh BUILD_DIR}"
skip() { echo "starttls_test: SKIP, $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespace, tcpdump)"
for tool in unshare ip tcpdump openssl tshark python3 curl; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
if [[ "${BW_STARTTLS_INNER:-}" != 1 ]]; then
  # Everything below runs in a new network namespace: ports 25, 143 and 110 on its own loopback,
  # nothing of the host's touched, and the namespace gone when the script ends.
  exec env BW_STARTTLS_INNER=1 unshare --net "$0" "$@"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/bw-starttls.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.parl.example" \
  -addext "subjectAltName=DNS:mail.parl.example,DNS:imap.parl.example,DNS:pop.parl.example" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
tcpdump -i lo -U -w "$work/mail.pcap" 'tcp port 25 or tcp port 143 or tcp port 110' 2>/dev/null &
pids+=($!)
python3 "$here/mail_servers.py" "$work/cert.pem" "$work/key.pem" "$work/ready" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/ready" ]] && break; sleep 0.1; done
[[ -s "$work/ready" ]] || { echo "starttls_test: FAIL, mail servers did not start" >&2; exit 1; }
sleep 1  # tcpdump's socket is open well before the first SYN

clients=0
for round in 1 2; do
  for proto in smtp:25:mail imap:143:imap pop3:110:pop; do
    IFS=: read -r name port host <<<"$proto"
    openssl s_client -starttls "$name" -connect "127.0.0.1:$port" -servername "$host$round.parl.example" \
      </dev/null >/dev/null 2>&1 || true
    clients=$((clients + 1))
  done
done
# curl speaks IMAP and POP3 STARTTLS itself (--ssl-reqd), with its own ClientHello.
curl -s --ssl-reqd -k --connect-timeout 5 --max-time 5 "imap://127.0.0.1:143/" >/dev/null 2>&1 || true
curl -s --ssl-reqd -k --connect-timeout 5 --max-time 5 "pop3://127.0.0.1:110/" >/dev/null 2>&1 || true
sleep 1
kill -INT "${pids[0]}" && wait "${pids[0]}" 2>/dev/null || true

# tshark follows STARTTLS on the standard ports; one line per ClientHello: port, SNI, JA3.
tshark -n -r "$work/mail.pcap" -Y 'tls.handshake.type == 1' -T fields -E separator=/t \
  -e tcp.dstport -e tls.handshake.extensions_server_name -e tls.handshake.ja3 2>/dev/null |
  sort >"$work/expected.tsv"
"$build/bin/bw-sensor" --read "$work/mail.pcap" --no-detect --json "$work/events.jsonl" \
  2>"$work/summary.txt"
python3 - "$work/events.jsonl" >"$work/observed.tsv" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    hello = e.get("tls", {}).get("client_hello")
    if hello:
        print(f'{e["flow"]["server_port"]}\t{hello.get("sni", "")}\t{hello.get("ja3_md5", "")}')
PY
sort -o "$work/observed.tsv" "$work/observed.tsv"

expected=$(wc -l <"$work/expected.tsv")
echo "starttls_test: $clients openssl and 2 curl sessions; tshark ClientHellos: $expected"
cat "$work/expected.tsv"
grep -E 'starttls|smtp.starttls' "$work/summary.txt" || true
if [[ $expected -lt 8 ]]; then
  echo "starttls_test: FAIL, tshark found only $expected ClientHellos (the setup did not work)" >&2
  exit 1
fi
if ! diff -u "$work/expected.tsv" "$work/observed.tsv"; then
  echo "starttls_test: FAIL, bw-sensor's ClientHellos differ from tshark's (- tshark, + sensor)" >&2
  exit 1
fi
echo "starttls_test: PASS, every ClientHello after STARTTLS/STLS extracted with tshark's SNI and JA3"
