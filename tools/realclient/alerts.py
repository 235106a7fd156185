#!/usr/bin/env python3
"""False alerts by class: joins each beacon alert of a replay to the event that triggered it and
that event to the truth row (as bw-eval does: kind and flow, then method and URI), and groups
the alerts on benign rows by (server's benign class, host, URL template, signals). The benign
class is the label the answering server logged (benign:ocsp, benign:intranet-api, ...).

usage: alerts.py TRUTH.tsv EVENTS.jsonl [SOURCE]
"""

import collections
import csv
import json
import sys


def main():
    truth_path, events_path = sys.argv[1], sys.argv[2]
    source = sys.argv[3] if len(sys.argv) > 3 else ""
    rows = collections.defaultdict(list)
    csv.field_size_limit(1 << 24)
    with open(truth_path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows[(r["kind"], r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])].append(r)
    events, alerts = {}, []
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            if source and not e.get("source", "").endswith(source):
                continue
            if "beacon" in e:
                alerts.append(e)
            else:
                events[e["sequence"]] = e
    classes = collections.Counter()
    examples = {}
    unmatched = 0
    for a in alerts:
        b = a["beacon"]
        ev = events.get(b.get("trigger_sequence", ""))
        if ev is None:
            unmatched += 1
            continue
        kind = next((k for k in ("http", "dns", "tls", "quic") if k in ev), "?")
        fl = ev["flow"]
        cands = rows.get((kind, fl["client_ip"], str(fl["client_port"]), fl["server_ip"], str(fl["server_port"])), [])
        row = None
        for r in cands:
            if kind == "http" and (r["method"], r["uri"]) == (ev["http"]["request"].get("method"), ev["http"]["request"].get("uri")):
                row = r
            elif kind == "dns" and r["dns_name"] == ev["dns"].get("query_name") and (r["dns_response"] == "1") == bool(ev["dns"].get("is_response")):
                row = r
            elif kind in ("tls", "quic"):
                row = r
            if row:
                break
        row = row or (cands[0] if cands else None)
        if row is None:
            label = "(no truth row)"
        elif row["is_beacon"] == "1" and not (kind == "dns" and row["dns_response"] == "1"):
            continue
        elif row["campaign"]:
            continue
        else:
            label = row.get("label", "benign")
        signals = " ".join(sorted({r["signal"] for r in b.get("reasons", [])}))
        key = (label, kind, b.get("host", ""), b.get("url_template", ""), signals)
        classes[key] += 1
        if key not in examples:
            reasons = " ".join(f"{r['signal']}{r['weight']:+.1f}" for r in b.get("reasons", []))
            examples[key] = f"{fl['client_ip']}:{fl['client_port']} > {fl['server_ip']}:{fl['server_port']}  score {b.get('score')}  {reasons}"
    total = sum(classes.values())
    print(f"{total} false alerts in {len(classes)} classes (server's benign class, scheme, host, template, signals); "
          f"{unmatched} alerts without their trigger event")
    by_label = collections.Counter()
    for key, n in classes.items():
        by_label[key[0]] += n
    print("\nby benign class:")
    for label, n in by_label.most_common():
        print(f"  {n:6d}  {label}")
    print("\nby class (top 60):")
    for key, n in classes.most_common(60):
        label, kind, host, template, signals = key
        print(f"  {n:6d}  {label}  {kind}  {host}  {template or '-'}  [{signals}]")
        print(f"          e.g. {examples[key]}")


if __name__ == "__main__":
    main()
