#!/usr/bin/env python3
"""Writes a small Debian repository (Release, Packages, Packages.gz for bookworm and
bookworm-security) for the corpus's mirrors, so `apt-get update` runs for real against them.
The Release is unsigned: clients use [trusted=yes], as for a local mirror.

usage: aptrepo.py DIR
"""

import gzip
import hashlib
import os
import random
import sys


def stanza(rng, name):
    version = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}-{rng.randint(1, 5)}"
    digest = hashlib.sha256(name.encode()).hexdigest()
    return (f"Package: {name}\nVersion: {version}\nArchitecture: amd64\nMaintainer: Debian <debian@lists.debian.org>\n"
            f"Installed-Size: {rng.randint(50, 9000)}\nFilename: pool/main/{name[0]}/{name}/{name}_{version}_amd64.deb\n"
            f"Size: {rng.randint(10000, 900000)}\nSHA256: {digest}\nSection: utils\nPriority: optional\n"
            f"Description: {name} package\n\n")


def main():
    root = sys.argv[1]
    rng = random.Random(7)
    for suite, count in (("bookworm", 400), ("bookworm-security", 40)):
        comp = os.path.join(root, "dists", suite, "main", "binary-amd64")
        os.makedirs(comp, exist_ok=True)
        text = "".join(stanza(rng, f"pkg{suite[:4]}{i:04d}") for i in range(count)).encode()
        files = {"main/binary-amd64/Packages": text,
                 "main/binary-amd64/Packages.gz": gzip.compress(text, mtime=0)}
        for rel, data in files.items():
            with open(os.path.join(root, "dists", suite, rel), "wb") as f:
                f.write(data)
        lines = [f"Origin: Debian\nLabel: Debian\nSuite: {suite}\nCodename: {suite}\n"
                 "Date: Tue, 12 Mar 2024 08:00:00 UTC\nArchitectures: amd64\nComponents: main\nSHA256:\n"]
        for rel, data in files.items():
            lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data)} {rel}\n")
        with open(os.path.join(root, "dists", suite, "Release"), "w") as f:
            f.write("".join(lines))


if __name__ == "__main__":
    main()
