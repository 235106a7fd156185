#!/usr/bin/env bash
# Builds the real-client evaluation corpus, offline, on this machine: a small "internet" in network
# namespaces (40 client hosts in the site's range 10.20.0.0/16, public-looking servers, intranet
# servers, a DNS resolver, all on one bridge), real client software driving it (headless chromium
# with mail-client user agents, curl, wget, openssl, apt-get, python http.client/urllib), and
# tcpdump on the bridge. Two captures: warmup.pcap (a prior day of benign traffic, moved back 2
# days) and corpus.pcap (benign traffic plus the mail opens). Labels come from the servers' logs.
#
# usage: make-corpus.sh OUTDIR [--scale N] [--seed N] [--chrome-slots N]
#   OUTDIR/corpus.pcap, warmup.pcap, truth.tsv, warmup-truth.tsv, recipients.txt, work/ (plan,
#   server logs, mails, PKI), build.log
# Needs root (namespaces), chromium, tcpdump, openssl, curl, wget, apt-get, python3.
# Exit status: 0 built, 1 failed, 77 when a prerequisite is missing (the smoke test skips on it).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage() { echo "usage: make-corpus.sh OUTDIR [--scale N] [--seed N] [--chrome-slots N]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out="$1"
shift
scale=1
seed=20240312
slots=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --chrome-slots) slots="$2"; shift 2 ;;
    *) usage ;;
  esac
done

# Prerequisites: a missing one is a skip (77), not a failure, so CI without them stays green.
for tool in chromium tcpdump openssl curl wget apt-get python3 ip; do
  command -v "$tool" >/dev/null || { echo "make-corpus: $tool not installed" >&2; exit 77; }
done
[[ "$(id -u)" -eq 0 ]] || { echo "make-corpus: needs root for network namespaces" >&2; exit 77; }
probe="rcprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
  echo "make-corpus: cannot create network namespaces here" >&2
  exit 77
fi
ip netns del "$probe"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$out/work"
rm -rf "$work"
mkdir -p "$work/logs/warmup" "$work/logs/corpus" "$work/pki"
start=$SECONDS
log() { echo "make-corpus [$((SECONDS - start))s]: $*" >&2; }

# Names unique to this run, so two builds (the smoke test next to a full build) never collide.
p="rc$(printf '%04x' $(($$ % 65536)))"
hub="$p-hub"
namespaces=()
pids=()

# The kernel's neighbour (ARP) table is shared by all namespaces and its overflow limit (gc_thresh3,
# 1024 by default) is machine-wide: 40 clients each talking to ~150 addresses overflow it, and
# connections then fail with "No route to host". Raised for the build, restored at exit.
neigh=/proc/sys/net/ipv4/neigh/default
saved_gc=("$(cat $neigh/gc_thresh1)" "$(cat $neigh/gc_thresh2)" "$(cat $neigh/gc_thresh3)")
raised_gc=(4096 16384 32768)

cleanup() {
  local rc=$?
  set +e
  # Put the limits back, unless someone changed them meanwhile (another build still running).
  if [[ "$(cat $neigh/gc_thresh3)" == "${raised_gc[2]}" && ${saved_gc[2]} -lt ${raised_gc[2]} ]] && ! ip netns list | grep -v "^$p-" | grep -q '^rc[0-9a-f]\{4\}-'; then
    echo "${saved_gc[0]}" >$neigh/gc_thresh1
    echo "${saved_gc[1]}" >$neigh/gc_thresh2
    echo "${saved_gc[2]}" >$neigh/gc_thresh3
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  # Whatever still runs inside our namespaces (a client's chromium, say) is ours: stop it by pid.
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "/etc/netns/$p-"*
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- plan -------------------------------------------------------------------------------
log "planning (scale $scale, seed $seed)"
python3 "$here/world.py" "$work" --scale "$scale" --seed "$seed" >&2
python3 "$here/aptrepo.py" "$work/apt-repo"
cp "$work/recipients.txt" "$out/recipients.txt"

# ---- PKI: a local CA, one server certificate naming every TLS host, leaves for OCSP -----------
pki="$work/pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 3650 \
  -subj "/C=BE/O=Corpus Trust Services/CN=Corpus Root CA R1" 2>/dev/null
{
  printf '[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName=@alt\nextendedKeyUsage=serverAuth\n[alt]\n'
  n=0
  while read -r name; do n=$((n + 1)); printf 'DNS.%d=%s\n' "$n" "$name"; done <"$work/certnames.txt"
} >"$pki/server.cnf"
# ECDSA P-256, as most large sites serve today (and cheap to sign with on 2 shared cores).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
  -subj "/CN=corpus-server" -config "$pki/server.cnf" 2>/dev/null
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -out "$pki/server.pem" -days 825 -extfile "$pki/server.cnf" -extensions ext 2>/dev/null
: >"$pki/index.txt"
for i in $(seq 0 29); do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/leaf$i.key" -out "$pki/leaf$i.csr" \
    -subj "/CN=site$i.example.org" 2>/dev/null
  openssl x509 -req -in "$pki/leaf$i.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/leaf$i.pem" -days 398 2>/dev/null
  serial="$(openssl x509 -in "$pki/leaf$i.pem" -noout -serial | cut -d= -f2)"
  printf 'V\t301231235959Z\t\t%s\tunknown\t/CN=site%d.example.org\n' "$serial" "$i" >>"$pki/index.txt"
  # Browsers and CryptoAPI send nonce-less requests, so one certificate's request is the same
  # bytes (and GET URL) on every host, as in the field.
  openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/leaf$i.pem" -no_nonce -reqout "$pki/leaf$i.req.der" >/dev/null 2>&1
done
log "PKI ready ($(wc -l <"$work/certnames.txt") TLS names)"

if [[ ${saved_gc[2]} -lt ${raised_gc[2]} ]]; then
  echo "${raised_gc[2]}" >$neigh/gc_thresh3
  echo "${raised_gc[1]}" >$neigh/gc_thresh2
  echo "${raised_gc[0]}" >$neigh/gc_thresh1
fi

# ---- network: one bridge in a hub namespace; every host a namespace with a veth on it -------
ip netns add "$hub"
namespaces+=("$hub")
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up
nsidx=0
add_ns() {  # add_ns NAME ADDRESS... : a namespace on the bridge with these addresses
  local ns="$1"
  shift
  nsidx=$((nsidx + 1))
  ip netns add "$ns"
  namespaces+=("$ns")
  ip -n "$hub" link add "e$nsidx" type veth peer name eth0 netns "$ns"
  ip -n "$hub" link set "e$nsidx" master br0 up
  ip -n "$ns" link set lo up
  # Segments as a real NIC puts them on the wire, not 64 KB offload aggregates.
  ip -n "$ns" link set eth0 gso_max_size 1514 2>/dev/null || true
  ip -n "$hub" link set "e$nsidx" gso_max_size 1514 2>/dev/null || true
  local first=1 a
  for a in "$@"; do
    if [[ $first -eq 1 ]]; then
      ip -n "$ns" addr add "$a/16" dev eth0
      first=0
    else
      ip -n "$ns" addr add "$a/32" dev eth0
    fi
  done
  ip -n "$ns" link set eth0 up
  # Every destination is on the link: the server namespace holding an address answers its ARP.
  ip -n "$ns" route add default dev eth0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  mkdir -p "/etc/netns/$ns"
  # One-second retries, as the Windows and macOS stub resolvers do.
  printf 'nameserver 10.20.0.53\noptions timeout:1 attempts:4\n' >"/etc/netns/$ns/resolv.conf"
  printf '127.0.0.1 localhost\n' >"/etc/netns/$ns/hosts"
}

mapfile -t server_names < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$work/servers.json")
for s in "${server_names[@]}"; do
  mapfile -t addrs < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$work/servers.json" "$s")
  add_ns "$p-$s" "${addrs[@]}"
done
mapfile -t client_ips < <(python3 -c 'import json,sys; print("\n".join(h["ip"] for h in json.load(open(sys.argv[1]))))' "$work/hosts.json")
for i in "${!client_ips[@]}"; do
  add_ns "$p-c$i" "${client_ips[$i]}"
done
log "network ready: ${#namespaces[@]} namespaces"

# ---- one phase: servers up, capture, clients, capture down, servers down -------------------
run_phase() {  # run_phase PHASE PCAP
  local phase="$1" pcap="$2" s i pid
  local phase_pids=()
  # Capture first: whatever the servers send while starting is on the wire too.
  ip netns exec "$hub" tcpdump -i br0 -s 0 -B 65536 -U -w "$pcap" 2>"$work/logs/$phase/tcpdump.err" &
  local tcpdump_pid=$!
  pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q listening "$work/logs/$phase/tcpdump.err" && break; sleep 0.1; done
  for s in "${server_names[@]}"; do
    local mode=http
    [[ "$s" == dns ]] && mode=dns
    ip netns exec "$p-$s" python3 "$here/servers.py" "$mode" "$work" "$work/logs/$phase/$s.tsv" \
      >"$work/logs/$phase/$s.out" 2>&1 &
    pids+=("$!")
    phase_pids+=("$!")
  done
  for s in "${server_names[@]}"; do
    for _ in $(seq 100); do grep -q ready "$work/logs/$phase/$s.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$work/logs/$phase/$s.out" || { echo "make-corpus: server $s did not start" >&2; cat "$work/logs/$phase/$s.out" >&2; return 1; }
  done
  local clients=()
  for i in "${!client_ips[@]}"; do
    RC_CHROME_SLOTS="$slots" ip netns exec "$p-c$i" python3 "$here/client.py" "$work" "$phase" \
      "${client_ips[$i]}" 2>>"$work/logs/$phase/clients.err" &
    clients+=("$!")
    pids+=("$!")
  done
  for pid in "${clients[@]}"; do wait "$pid" || true; done
  sleep 2  # last FINs and TIME_WAIT ACKs onto the wire
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  for pid in "${phase_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  grep -h "dropped" "$work/logs/$phase/tcpdump.err" >&2 || true
  grep -h "actions" "$work/logs/$phase/clients.err" | awk '{split($4,a,"/"); d+=a[1]; t+=a[2]; e+=$6} END {printf "make-corpus: clients did %d of %d actions, %d errors\n", d, t, e}' >&2
}

log "warm-up phase (a prior day of benign traffic)"
run_phase warmup "$work/warmup-raw.pcap"
# The warm-up day ends two days before the corpus: outside the sensor's 24 h rarity window.
python3 "$here/pcapshift.py" "$work/warmup-raw.pcap" "$out/warmup.pcap" -172800
rm -f "$work/warmup-raw.pcap"
log "corpus phase (benign traffic and the mail opens)"
run_phase corpus "$out/corpus.pcap"

python3 "$here/labels.py" "$work" "$work/logs/warmup" "$out/warmup-truth.tsv" >&2
python3 "$here/labels.py" "$work" "$work/logs/corpus" "$out/truth.tsv" >&2
python3 "$here/pcapflows.py" "$out/corpus.pcap" "$out/truth.tsv" >&2
log "done: $out/corpus.pcap ($(du -h "$out/corpus.pcap" | cut -f1)), truth $(($(wc -l <"$out/truth.tsv") - 1)) rows"
