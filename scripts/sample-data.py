#!/usr/bin/env python3
"""Writes a small, deterministic sample source tree: one folder per customer.

Usage: sample-data.py OUT_DIR [--customers N]

Each customer gets pages, records, an incompressible attachment, an empty folder, an empty
file, a UTF-8 name and a relative symlink, so the demo exercises what a real tree holds.
"""
import argparse
import os
import random

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--customers", type=int, default=8)
args = parser.parse_args()

rng = random.Random(42)
words = ["invoice", "order", "ticket", "meeting", "report", "draft", "plan", "note", "budget", "client"]
for n in range(args.customers):
    root = os.path.join(args.out, f"customer-{n:03d}")
    for sub in ("pages/wiki", "records", "attachments/2026/11", "empty-folder"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for p in range(5 + n % 4):
        text = " ".join(rng.choice(words) for _ in range(400 + 80 * p))
        with open(os.path.join(root, "pages/wiki", f"page-{p}.md"), "w") as f:
            f.write(f"# Page {p}\n\n{text}\n")
    with open(os.path.join(root, "records", "rows.csv"), "w") as f:
        for r in range(200):
            f.write(f"{r},{rng.choice(words)},{rng.randint(0, 10**6)}\n")
    with open(os.path.join(root, "attachments/2026/11", "scan.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n" + rng.randbytes(20000 + 5000 * n))
    open(os.path.join(root, ".keep"), "w").close()
    with open(os.path.join(root, "pages", "Zürich résumé 東京.md"), "w") as f:
        f.write("unicode name\n")
    link = os.path.join(root, "latest-report.md")
    if not os.path.lexists(link):
        os.symlink("pages/wiki/page-0.md", link)
print(f"wrote {args.customers} customers under {args.out}")
