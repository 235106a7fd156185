#!/usr/bin/env python3
"""TLS/QUIC recall on the beacons the issue's target is about, with 95% bounds.

Over HTTPS only the server name shows, so a sensor can know a beacon's name only from its lists
or from the shape of a wave. The target is stated on those two classes, decided here without the
sensor (from the curated feeds, the servers' labels and the warm-up capture's truth):
  listed      the SNI is a name the loaded feeds list (domain or domain-suffix indicators, any
              scope; URL patterns need the path and do not count)
  wave        the SNI's registrable domain never appears in the warm-up day and at least
              MIN_HOSTS distinct internal hosts reach it within one hour of the corpus
A beacon is found when a beacon alert names its flow (client and server address and port).

usage: coverage.py TRUTH.tsv WARMUP-TRUTH.tsv EVENTS.jsonl FEED_DIR [MIN_HOSTS]
"""

import collections
import csv
import json
import math
import os
import sys

Z = 1.959964
PSL = "/usr/share/publicsuffix/public_suffix_list.dat"
HOUR_NS = 3600 * 10**9


def wilson(k, n):
    p = k / n
    den = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / den
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def load_suffixes():
    rules, exceptions = set(), set()
    if not os.path.exists(PSL):
        return rules, exceptions
    with open(PSL, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            if line.startswith("!"):
                exceptions.add(line[1:])
            else:
                rules.add(line)
    return rules, exceptions


def registrable(host, rules, exceptions):
    labels = host.lower().rstrip(".").split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        wildcard = "*." + ".".join(labels[i + 1:]) if i + 1 < len(labels) else None
        if candidate in exceptions:
            return ".".join(labels[i:])
        if candidate in rules or (wildcard and wildcard in rules):
            return ".".join(labels[i - 1:]) if i > 0 else host
    return ".".join(labels[-2:])


def load_feeds(folder):
    exact, suffixes = set(), set()
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".feed"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            header = f.readline()
            if "kind=domain-suffix" in header:
                target = suffixes
            elif "kind=domain " in header or header.rstrip().endswith("kind=domain"):
                target = exact
            else:
                continue
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                target.add(line.split("\t")[0].strip().lower().rstrip("."))
    return exact, suffixes


def listed(host, exact, suffixes):
    host = host.lower().rstrip(".")
    if host in exact:
        return True
    labels = host.split(".")
    return any(".".join(labels[i:]) in suffixes for i in range(len(labels)))


def main():
    truth_path, warm_path, events_path, feeds = sys.argv[1:5]
    min_hosts = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    rules, exceptions = load_suffixes()
    exact, suffixes = load_feeds(feeds)

    seen_before = set()
    with open(warm_path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = row["sni"] or row["host"] or row["dns_name"]
            if name:
                seen_before.add(registrable(name, rules, exceptions))

    beacons = []
    reach = collections.defaultdict(list)  # registrable domain -> [(ts, client)]
    with open(truth_path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["kind"] not in ("tls", "quic") or not row["sni"]:
                continue
            domain = registrable(row["sni"], rules, exceptions)
            reach[domain].append((int(row["ts_ns"] or 0), row["client_ip"]))
            if row["is_beacon"] == "1":
                beacons.append(row)

    def wave(domain):
        if domain in seen_before:
            return False
        fetches = sorted(reach[domain])
        start = 0
        for end in range(len(fetches)):
            while fetches[end][0] - fetches[start][0] > HOUR_NS:
                start += 1
            if len({c for _, c in fetches[start:end + 1]}) >= min_hosts:
                return True
        return False

    alerted = set()
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            if "beacon" not in e or not e.get("source", "").endswith("corpus.pcap"):
                continue
            fl = e["flow"]
            alerted.add((fl["client_ip"], int(fl.get("client_port", 0)), fl["server_ip"],
                         int(fl.get("server_port", 0))))

    classes = {"listed": [], "wave": [], "either": [], "neither": []}
    for row in beacons:
        domain = registrable(row["sni"], rules, exceptions)
        key = (row["client_ip"], int(row["client_port"]), row["server_ip"], int(row["server_port"]))
        found = key in alerted
        is_listed, is_wave = listed(row["sni"], exact, suffixes), wave(domain)
        if is_listed:
            classes["listed"].append((found, row))
        if is_wave:
            classes["wave"].append((found, row))
        classes["either" if is_listed or is_wave else "neither"].append((found, row))
    for name, label in (("listed", "TLS/QUIC recall, names the feeds list"),
                        ("wave", f"TLS/QUIC recall, rare waves (>= {min_hosts} hosts/1 h)"),
                        ("either", "TLS/QUIC recall, either (the target)"),
                        ("neither", "TLS/QUIC recall, neither (outside the target)")):
        items = classes[name]
        if not items:
            print(f"  {label:<48} n/a (none)")
            continue
        k = sum(1 for found, _ in items if found)
        lo, hi = wilson(k, len(items))
        print(f"  {label:<48} {k}/{len(items)} = {k / len(items):.3f}  [95% CI {lo:.3f}-{hi:.3f}]")
        if name == "either":
            missed = collections.Counter(
                (r["vendor"], r["sni"]) for found, r in items if not found)
            for (vendor, sni), n in missed.most_common(12):
                print(f"      missed {n:3d}  {sni}  [{vendor}]")


if __name__ == "__main__":
    main()
