#!/usr/bin/env python3
"""Headline figures with 95% confidence bounds from bw-eval --json.

Recall and precision get Wilson score intervals; the false-alert rate per 10k benign flows gets a
Wilson interval on the proportion of benign flows alerted, and for 0 alerts in n flows the
rule-of-three upper bound (3/n). Nothing here decides pass or fail: the targets are the lead
engineer's to check.

usage: score.py MODE EVAL.json
"""

import json
import math
import sys

Z = 1.959964


def wilson(k, n):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / den
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def fmt(name, k, n):
    if n == 0:
        return f"  {name:<34} n/a (none)"
    lo, hi = wilson(k, n)
    return f"  {name:<34} {k}/{n} = {k / n:.3f}  [95% CI {lo:.3f}-{hi:.3f}]"


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        e = json.load(f)
    schemes = e["schemes"]
    print(f"== {mode} ==")
    for scheme in ("http", "tls", "quic", "dns"):
        t = schemes.get(scheme)
        if t and t["beacons"]:
            print(fmt(f"{scheme.upper()} recall", t["found"], t["beacons"]))
    o = e["overall"]
    judged = o["true_alerts"] + o["false_alerts"]
    print(fmt("precision (true / true+false)", o["true_alerts"], judged))
    print(f"  alerts {e['alerts']}: true {o['true_alerts']}, related {o['related_alerts']}, "
          f"false {o['false_alerts']} (unmatched {e['unmatched_alerts']})")
    n, k = e["benign_flows"], e["alerted_benign_flows"]
    if k == 0:
        bound = 3.0 / n * 10000 if n else float("nan")
        print(f"  false alerts per 10k benign flows  0 of {n} flows = 0.00  [95% upper bound {bound:.2f} (rule of three)]")
    else:
        lo, hi = wilson(k, n)
        print(f"  false alerts per 10k benign flows  {k} of {n} flows = {k / n * 1e4:.2f}  "
              f"[95% CI {lo * 1e4:.2f}-{hi * 1e4:.2f}]")


if __name__ == "__main__":
    main()
