#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Normalize `nft list table` output on stdin: set, map, chain and counter blocks sorted by
name, elements sorted one a line. The order the kernel keeps objects in (creation
order) and hash set elements in (seeded per set) is not content."""
import re
import sys

text = sys.stdin.read()
head, blocks, cur = [], [], None
lines = [l for l in text.split("\n") if l.strip()]
i = 0
while i < len(lines):
    l = lines[i]
    if cur is None and re.match(r"\t(set|map|chain|counter) ", l):
        cur = []
    if cur is None:
        if l != "}":
            head.append(l)
        i += 1
        continue
    if "elements = {" in l:
        buf = l.split("{", 1)[1]
        while "}" not in buf:
            i += 1
            buf += " " + lines[i]
        items = sorted(x.strip() for x in buf.split("}", 1)[0].split(",") if x.strip())
        cur.append("\t\telements = {")
        cur += ["\t\t\t" + x for x in items]
        cur.append("\t\t}")
    else:
        cur.append(l)
    if l == "\t}":
        blocks.append("\n".join(cur))
        cur = None
    i += 1
print("\n".join(head + sorted(blocks) + ["}"]))
