#!/usr/bin/env bash
# Development PKI for the sensor -> collector stream (mutual TLS), made with openssl only.
#
#   tools/pki/bw-dev-pki.sh OUTDIR [SENSOR_ID...]
#
# Writes OUTDIR/ca.pem ca.key (the CA), collector.pem collector.key (server certificate, SAN
# DNS:localhost and IP:127.0.0.1, plus any entries in $BW_PKI_COLLECTOR_SAN such as
# "DNS:collector.example.net,IP:10.0.0.5"), and <id>.pem <id>.key per sensor (subject CN=<id>:
# the identity the collector stores its events under). EC P-256 keys, 825-day validity.
#
# Idempotent: an existing CA is kept, and an existing certificate is kept as long as the CA
# still verifies it, so adding a sensor later re-issues nothing else. For development and tests
# only: the CA key sits next to the certificates, unencrypted.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR [SENSOR_ID...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
out=$1
shift
days=825
command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }

for id in "$@"; do
  # The id becomes a file name and a subject CN: keep both unambiguous.
  [[ $id =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || {
    echo "$0: invalid sensor id '$id' (letters, digits, . _ -; at most 64)" >&2
    exit 2
  }
  [ "$id" != ca ] && [ "$id" != collector ] || { echo "$0: '$id' is reserved" >&2; exit 2; }
done

mkdir -p "$out"
umask 077
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -s "$out/ca.pem" ] || [ ! -s "$out/ca.key" ]; then
  new_key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days" \
    -subj "/O=Beaconwatch/CN=Beaconwatch development CA $(date -u +%Y%m%dT%H%M%SZ)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  echo "created CA $out/ca.pem"
fi

# issue NAME CN EXTENSIONS: NAME.pem/NAME.key signed by the CA, unless a valid one exists.
issue() {
  local name=$1 cn=$2 extensions=$3
  if [ -s "$out/$name.pem" ] && [ -s "$out/$name.key" ] &&
    openssl verify -CAfile "$out/ca.pem" "$out/$name.pem" >/dev/null 2>&1; then
    echo "kept $out/$name.pem"
    return
  fi
  new_key "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "/O=Beaconwatch/CN=$cn" -out "$scratch/$name.csr"
  printf '%s\n' "$extensions" >"$scratch/$name.ext"
  openssl x509 -req -in "$scratch/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 \
    -extfile "$scratch/$name.ext" -out "$out/$name.pem" 2>/dev/null
  echo "issued $out/$name.pem (CN=$cn)"
}

leaf_extensions="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"

collector_san="DNS:localhost,IP:127.0.0.1${BW_PKI_COLLECTOR_SAN:+,$BW_PKI_COLLECTOR_SAN}"
issue collector bw-collector "$leaf_extensions
extendedKeyUsage=serverAuth
subjectAltName=$collector_san"

for id in "$@"; do
  issue "$id" "$id" "$leaf_extensions
extendedKeyUsage=clientAuth"
done

# The certificates are public; only the keys stay private to their owner.
chmod 644 "$out"/*.pem
