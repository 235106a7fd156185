#!/usr/bin/env python3
"""Moves every packet of a classic pcap by SECONDS (negative: earlier). The warm-up capture is
recorded minutes before the corpus but stands for a prior day, so it is moved back past the
sensor's rarity window (24 h).

usage: pcapshift.py IN.pcap OUT.pcap SECONDS
"""

import struct
import sys


def main():
    src, dst, shift = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, "rb") as f, open(dst, "wb") as out:
        head = f.read(24)
        magic = head[:4]
        endian = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
                  b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
        if endian is None:
            sys.exit("pcapshift: not a classic pcap file")
        out.write(head)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, frac, incl, orig = struct.unpack(endian + "IIII", rec)
            out.write(struct.pack(endian + "IIII", sec + shift, frac, incl, orig))
            out.write(f.read(incl))


if __name__ == "__main__":
    main()
