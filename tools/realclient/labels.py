#!/usr/bin/env python3
"""Joins the servers' access logs into the ground truth bw-eval reads (bw-eval --truth).

Rows, in the column layout bw-gen --truth writes (bw-eval finds columns by header name):
  http  one per cleartext HTTP request, labelled by the server that answered it
  tls   one per TLS connection (SNI from the server's handshake callback); a connection that
        carried a beacon request is a beacon, one that carried only campaign-related fetches
        (redirect targets) is related, and so is one to a tracker-only host that carried no
        request (Chromium's preconnects during a mail open); the rest benign
  dns   one row for the query and one for the response of each lookup; a lookup of a
        per-recipient token host name is a beacon, of a tracker-only host related
Labels come from the servers' logs and the registry the servers answer from, never from the
sensor.

usage: labels.py WORK LOGDIR OUT.tsv
"""

import csv
import glob
import json
import os
import sys

HEADER = ("kind\tts_ns\tclient_ip\tclient_port\tserver_ip\tserver_port\ttransport\tencapsulation"
          "\tvlan_id\tmethod\thost\turi\tuser_agent\treferer\tcookie_sent\tstatus\tcontent_type"
          "\timage_format\timage_width\timage_height\tdns_flavor\tdns_name\tdns_type\tdns_response"
          "\tdns_rcode\tdns_answers\tsni\talpn\tja3\tech\ttls_version\tquic_version\tquic_dcid"
          "\tis_beacon\trecipient\tcampaign\tlabel\tvendor").split("\t")


def read_logs(logdir):
    rows = []
    for path in sorted(glob.glob(os.path.join(logdir, "*.tsv"))):
        with open(path, newline="") as f:
            for line in f:
                cells = line.rstrip("\n").split("\t")
                if len(cells) < 18:
                    continue
                rows.append(dict(zip(
                    ["ts", "event", "client_ip", "client_port", "server_ip", "server_port", "scheme",
                     "host", "method", "uri", "user_agent", "referer", "status", "label",
                     "is_beacon", "recipient", "campaign", "vendor"], cells)))
    rows.sort(key=lambda r: float(r["ts"]))
    return rows


def tracker_only_hosts(work):
    """Names that serve nothing but per-recipient pixels: their lookups are campaign-related."""
    with open(os.path.join(work, "registry.json")) as f:
        registry = json.load(f)
    with open(os.path.join(work, "vhosts.json")) as f:
        vhosts = json.load(f)
    out = {}
    for key, label in registry["urls"].items():
        host = key.split("/", 1)[0]
        routes = vhosts.get(host, [])
        if label["is_beacon"] and all(r[3] == "benign:tracker-unknown-token" for r in routes):
            out.setdefault(host, label["campaign"])
    return out, registry["dns"]


def main():
    work, logdir, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = read_logs(logdir)
    trackers, dns_labels = tracker_only_hosts(work)
    # A client may reuse an ephemeral port towards the same server once a connection is closed,
    # so requests belong to the latest handshake of their 4-tuple, not to every one of them.
    conns, current = {}, {}
    for i, r in enumerate(rows):
        key = (r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
        if r["event"] == "tls":
            current[key] = i
            conns[i] = {"beacon": None, "related": None, "labels": set()}
        elif r["event"] == "http" and r["scheme"] == "tls" and key in current:
            c = conns[current[key]]
            c["labels"].add(r["label"])
            if r["is_beacon"] == "1" and c["beacon"] is None:
                c["beacon"] = r
            elif r["label"] == "related" and c["related"] is None:
                c["related"] = r
    out = []
    stats = {}

    def emit(kind, r, **cells):
        row = {h: "" for h in HEADER}
        row.update(kind=kind, ts_ns=str(int(float(r["ts"]) * 1e9)), client_ip=r["client_ip"],
                   client_port=r["client_port"], server_ip=r["server_ip"],
                   server_port=r["server_port"], transport="udp" if kind == "dns" else "tcp",
                   encapsulation="", vlan_id="0", cookie_sent="0", is_beacon="0", label=r["label"])
        row.update(cells)
        out.append(row)
        verdict = "beacon" if row["is_beacon"] == "1" and not (kind == "dns" and row["dns_response"] == "1") \
            else ("related" if row["campaign"] else "benign")
        stats[(kind, verdict)] = stats.get((kind, verdict), 0) + 1

    for i, r in enumerate(rows):
        if r["event"] == "http" and r["scheme"] == "http":
            emit("http", r, method=r["method"], host=r["host"], uri=r["uri"],
                 user_agent=r["user_agent"], referer=r["referer"], status=r["status"],
                 is_beacon=r["is_beacon"] or "0", recipient=r["recipient"], campaign=r["campaign"],
                 vendor=r["vendor"])
        elif r["event"] == "tls":
            c = conns[i]
            hit = c["beacon"] or c["related"]
            label = "beacon" if c["beacon"] else ("related" if c["related"] else
                                                  ",".join(sorted(c["labels"])) or "benign:tls-no-request")
            campaign = hit["campaign"] if hit else ""
            if not c["labels"] and r["host"] in trackers:
                # A connection Chromium opened to a tracker-only host and never used (preconnect,
                # a second socket): part of the mail open, not a beacon, not benign either.
                campaign, label = trackers[r["host"]], "related"
            emit("tls", r, sni=r["host"], is_beacon="1" if c["beacon"] else "0",
                 recipient=hit["recipient"] if hit else "", campaign=campaign,
                 vendor=hit["vendor"] if hit else "", label=label)
        elif r["event"] == "dns":
            name = r["host"]
            token = dns_labels.get(name)
            is_beacon = "1" if token else "0"
            campaign = token["campaign"] if token else trackers.get(name, "")
            recipient = token["recipient"] if token else ""
            for response in ("0", "1"):
                emit("dns", r, dns_name=name, dns_type=r["method"], dns_response=response,
                     dns_rcode=r["status"] if response == "1" else "0", is_beacon=is_beacon,
                     recipient=recipient, campaign=campaign, dns_flavor="dns",
                     label="beacon" if token else ("related" if campaign else "benign:dns"))
    with open(out_path, "w", newline="") as f:
        w = csv.DictWriter(f, HEADER, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                           escapechar="\\")
        w.writeheader()
        w.writerows(out)
    unknown = sum(1 for r in rows if r["label"] == "benign:tracker-unknown-token")
    summary = ", ".join(f"{k} {v}: {n}" for (k, v), n in sorted(stats.items()))
    print(f"labels: {len(out)} rows ({summary}); tracker fetches without a registry hit: {unknown}")


if __name__ == "__main__":
    main()
