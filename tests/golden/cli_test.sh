#!/usr/bin/env bash
# End-to-end behaviour of bw-sensor on bad input and input variants: exit status, the one-line
# error, and that events produced before a failure are kept.
set -uo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
run() {  # run EXPECTED_STATUS ARGS...: runs bw-sensor, keeps stdout/stderr in out.txt/err.txt
  local expected=$1
  shift
  "$bin/bw-sensor" "$@" >out.txt 2>err.txt
  local rc=$?
  [ "$rc" -eq "$expected" ] || { echo "  exit $rc, expected $expected: $(tail -1 err.txt)"; return 1; }
}
events() { grep -c '"sequence"' "$1" || true; }

"$bin/bw-gen" --profile protocols --seed 3 --out a.pcap >/dev/null
"$bin/bw-gen" --profile demo --seed 4 --out b.pcap >/dev/null

check "--help documents --read and exits 0" run 0 --help
check "--help mentions --workers" grep -q -- '--workers' out.txt
check "no input is a usage error" run 2
check "unknown option is a usage error" run 2 --read a.pcap --frobnicate
check "  ... and names the option" grep -q -- '--frobnicate' err.txt
check "--workers 0 is a usage error" run 2 --read a.pcap --workers 0

check "missing file exits 1" run 1 --read missing.pcap --json events.jsonl
check "  ... with one line naming the file" grep -q '^bw-sensor: missing.pcap: No such file' err.txt

printf 'this is not a capture file, just text\n' >notes.txt
check "a text file exits 1" run 1 --read notes.txt
check "  ... named as not a capture" grep -q 'notes.txt: not a pcap or pcapng capture' err.txt

# pcap header with link type 147 (LINKTYPE_USER0), no packets.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00' >user0.pcap
check "unsupported link type exits 1" run 1 --read user0.pcap
check "  ... naming the link type" grep -q 'user0.pcap: unsupported link type 147' err.txt

printf '{"version": 1, "flow": {"max_flowz": 5}}' >bad.json
check "unknown config field exits 2" run 2 --config bad.json --read a.pcap
check "  ... naming the field" grep -q 'max_flowz' err.txt

# Detection correlates across files, so event counts are compared without it.
check "file replay" run 0 --read a.pcap --json a.jsonl --no-summary --no-detect
check "  ... produced events" test "$(events a.jsonl)" -gt 10
check "stdin replay" run 0 --read - --json stdin.jsonl --no-summary --no-detect <a.pcap
check "  ... same events as the file (but for the source name)" \
  cmp -s <(sed 's/"source":"a.pcap"/"source":"-"/' a.jsonl) stdin.jsonl

check "b alone" run 0 --read b.pcap --json b.jsonl --no-summary --no-detect
check "two files in order" run 0 --read a.pcap b.pcap --json ab.jsonl --no-summary --no-detect
check "  ... all events of both" test "$(events ab.jsonl)" -eq $(($(events a.jsonl) + $(events b.jsonl)))
check "a good file then a missing one exits 1" run 1 --read a.pcap missing.pcap --json partial.jsonl --no-detect
check "  ... and keeps every event of the good file" test "$(events partial.jsonl)" -eq "$(events a.jsonl)"

check "pinned threads" run 0 --read a.pcap --json pinned.jsonl --no-summary --no-detect --pin-cpus --workers 2
check "  ... change nothing in the output" cmp -s a.jsonl pinned.jsonl

check "binary protobuf output" run 0 --read a.pcap --pb a.pb --json a2.jsonl --no-summary --no-detect
check "  ... is non-empty and JSON unchanged" test -s a.pb
check "  ... JSON alongside equals JSON alone" cmp -s a.jsonl a2.jsonl

check "detection adds beacon events to the demo" run 0 --read b.pcap --json det.jsonl --no-summary
check "  ... at least one beacon alert" grep -q '"beacon":' det.jsonl
printf '# beaconwatch-feed v1 kind=domain category=email-tracker\nbad domain with spaces\tX\t0.5\n' >bad.feed
check "a bad feed line is a warning, not a failure" run 0 --read a.pcap --intel bad.feed --json /dev/null
check "  ... naming file and line" grep -q 'bad.feed:2' err.txt
check "a missing feed file is an error" run 2 --read a.pcap --intel missing.feed
# SIGHUP reloads the feeds while packets keep flowing: the capture arrives in two parts on
# standard input, the signal lands in between, and nothing is lost.
printf '# beaconwatch-feed v1 kind=domain category=email-tracker\ntracker.example\tExample\t0.9\n' >good.feed
size=$(stat -c %s a.pcap)
{ head -c $((size / 2)) a.pcap; sleep 2; tail -c +$((size / 2 + 1)) a.pcap; } |
  "$bin/bw-sensor" --read - --intel good.feed --json sighup.jsonl --no-summary 2>sighup.err &
sensor=$!
sleep 1
kill -HUP "$sensor"
wait "$sensor"
check "SIGHUP reloads the intel feeds" grep -q 'intel: reload done (1 feeds)' sighup.err
check "  ... without losing events" test "$(grep -c '"http"' sighup.jsonl)" -eq "$(grep -c '"http"' a.jsonl)"

# Ctrl-C during a replay: reading stops, what was read is processed and written whole, the
# summary says so and the exit status is 128 + the signal, as a shell reports it.
"$bin/bw-gen" --profile dense --seed 5 --scale 50 --out big.pcap >/dev/null
if command -v capinfos >/dev/null 2>&1; then
  big_packets=$(capinfos -M -c -T -r big.pcap | cut -f2)
else # without Wireshark's tools: a whole replay counts them
  "$bin/bw-sensor" --read big.pcap --json /dev/null --no-detect 2>whole.err
  big_packets=$(sed -n 's/^  capture\.packets_read //p' whole.err)
fi
whole_lines() { [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] &&
  ! grep -qv '^{.*}$' "$1"; }
packets_read() { sed -n 's/^  capture\.packets_read //p' "$1"; }
"$bin/bw-sensor" --read big.pcap --json big.jsonl --no-detect 2>big.err &
sensor=$!
for _ in $(seq 600); do [ -s big.jsonl ] && break; sleep 0.05; done
kill -INT "$sensor"
wait "$sensor"
check "SIGINT during a replay exits 130" test $? -eq 130
check "  ... saying so, with the packets read" \
  grep -q "^bw-sensor: replay interrupted by SIGINT after $(packets_read big.err) packets read" big.err
check "  ... after the usual summary" grep -q '^  export.events_written [1-9]' big.err
check "  ... long before the end of the capture" test "$(packets_read big.err)" -lt $((big_packets / 2))
check "  ... every JSON line whole" whole_lines big.jsonl
check "  ... one line per event written" \
  grep -q "^  export.events_written $(grep -c . big.jsonl)\$" big.err
# A read waiting on a pipe that delivers half a capture and then stalls: SIGTERM ends it too.
mkfifo stalled.fifo
(head -c 20000000 big.pcap && exec sleep 60) >stalled.fifo &
writer=$!
"$bin/bw-sensor" --read stalled.fifo --json stalled.jsonl --no-detect 2>stalled.err &
sensor=$!
for _ in $(seq 600); do [ -s stalled.jsonl ] && break; sleep 0.05; done
sleep 0.5
kill -TERM "$sensor"
wait "$sensor"
check "SIGTERM during a stalled read exits 143" test $? -eq 143
kill "$writer" 2>/dev/null
check "  ... saying so" grep -q '^bw-sensor: replay interrupted by SIGTERM after [1-9][0-9]* packets' stalled.err
check "  ... every JSON line whole" whole_lines stalled.jsonl

check "--read with --interface is a usage error" run 2 --read a.pcap --interface lo
check "a missing interface exits 1" run 1 --interface bwnosuch0 --json /dev/null
check "  ... naming the interface" grep -q 'bw-sensor: bwnosuch0: ' err.txt

check "unwritable output exits 2" run 2 --read a.pcap --json /nonexistent/dir/x.jsonl
check "  ... naming the path" grep -q '/nonexistent/dir/x.jsonl' err.txt

# Collector options: checked before any input is read.
check "--collector with a bad address is a usage error" run 2 --read a.pcap --collector nohost
check "  ... naming the option" grep -q -- '--collector takes HOST:PORT' err.txt
check "--collector without TLS files is a usage error" run 2 --read a.pcap --collector 127.0.0.1:9
check "  ... naming the missing file option" grep -q -- 'collector.ca_file (--collector-ca) must be set' err.txt
check "--collector with a missing CA file is a usage error" run 2 --read a.pcap --collector 127.0.0.1:9 \
  --collector-ca missing-ca.pem --collector-cert notes.txt --collector-key notes.txt
check "  ... naming the file" grep -q 'missing-ca.pem: cannot read' err.txt
check "--collector with a CA file that is not PEM is a usage error" run 2 --read a.pcap \
  --collector 127.0.0.1:9 --collector-ca notes.txt --collector-cert notes.txt --collector-key notes.txt
check "  ... naming the file" grep -q 'notes.txt: no PEM certificate' err.txt
check "--drain-spool with an input is a usage error" run 2 --drain-spool --read a.pcap
check "--drain-spool without a collector is a usage error" run 2 --drain-spool --spool spool
check "--drain-timeout out of range is a usage error" run 2 --read a.pcap --drain-timeout 86401

echo "$failures failed"
[ "$failures" -eq 0 ]
