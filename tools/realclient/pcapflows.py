#!/usr/bin/env python3
"""Checks a corpus is sound: every flow the truth labels is on the wire in the capture.

Reads the classic pcap that tcpdump wrote (Ethernet, IPv4) with the standard library, collects
the TCP connections (client = sender of the SYN) and UDP exchanges, and compares them with the
truth's flow keys. Prints the counts; exit status 1 when a labelled flow is missing or the truth
has no beacons or no benign rows.

usage: pcapflows.py CAPTURE.pcap TRUTH.tsv
"""

import csv
import struct
import sys


def flows(path):
    tcp, udp = set(), set()
    with open(path, "rb") as f:
        head = f.read(24)
        endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        if linktype != 1:
            sys.exit(f"pcapflows: link type {linktype}, expected Ethernet")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack(endian + "IIII", rec)[2]
            pkt = f.read(incl)
            if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
                continue
            ihl = (pkt[14] & 0x0F) * 4
            proto = pkt[23]
            src = ".".join(str(b) for b in pkt[26:30])
            dst = ".".join(str(b) for b in pkt[30:34])
            l4 = 14 + ihl
            if len(pkt) < l4 + 4:
                continue
            sport, dport = struct.unpack(">HH", pkt[l4:l4 + 4])
            if proto == 6 and len(pkt) >= l4 + 14:
                flags = pkt[l4 + 13]
                if flags & 0x02 and not flags & 0x10:  # SYN without ACK: the client's opening
                    tcp.add((src, sport, dst, dport))
            elif proto == 17:
                udp.add((src, sport, dst, dport))
    return tcp, udp


def main():
    tcp, udp = flows(sys.argv[1])
    missing, seen = [], {"beacon": 0, "benign": 0, "related": 0}
    with open(sys.argv[2], newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = (row["client_ip"], int(row["client_port"]), row["server_ip"], int(row["server_port"]))
            wire = tcp if row["transport"] == "tcp" else udp
            if key not in wire:
                missing.append(f"{row['kind']} {key} {row['host'] or row['sni'] or row['dns_name']}")
            beacon = row["is_beacon"] == "1" and not (row["kind"] == "dns" and row["dns_response"] == "1")
            seen["beacon" if beacon else ("related" if row["campaign"] else "benign")] += 1
    print(f"pcapflows: capture has {len(tcp)} TCP connections, {len(udp)} UDP flows; truth rows: "
          f"{seen['beacon']} beacon, {seen['benign']} benign, {seen['related']} related; "
          f"{len(missing)} labelled flows missing from the capture")
    for m in missing[:10]:
        print("  missing:", m)
    ok = not missing and seen["beacon"] > 0 and seen["benign"] > 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
