#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed corpora for the fuzz harnesses, made at run time from the golden and
unit-test inputs (tests/golden/cases, tests/unit/data, tests/bad/cases) plus the small committed ones in tests/fuzz/corpus/<harness>/.
usage: seeds.py OUTDIR   (writes OUTDIR/<harness>/)"""
import glob
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
MAX = 256 << 10     # seeds larger than this only slow the fuzzer down


def inputs(ext):
    pats = ["golden/cases/*/*." + ext, "unit/data/*." + ext, "bad/cases/*." + ext]
    for p in pats:
        for f in sorted(glob.glob(os.path.join(TESTS, p))):
            if os.path.getsize(f) <= MAX:
                yield f


def put(out, harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def watch_seeds(out, path, n):
    """Watch streams (two bytes of framing parameters first) and LIST bodies."""
    try:
        doc = json.load(open(path))
    except ValueError:
        return n
    items = doc.get("items", [doc]) if isinstance(doc, dict) else []
    lines, kinds = [], ["ADDED", "MODIFIED", "DELETED"]
    for i, it in enumerate(items):
        if isinstance(it, dict):
            it.setdefault("metadata", {})["resourceVersion"] = str(100 + i)
            lines.append(json.dumps({"type": kinds[i % 3], "object": it}))
    lines.append('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"999"}}}')
    lines.append('{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",'
                 '"message":"too old resource version: 1 (5)"}}')
    put(out, "watch", "stream%d" % n, bytes([n % 256, 7]) + "\n".join(lines).encode() + b"\n")
    body = {"kind": "List", "metadata": {"resourceVersion": "42", "continue": "x"},
            "items": items}
    put(out, "watch", "list%d" % n, b"\x00\x00" + json.dumps(body).encode())
    return n + 1


def main():
    out = sys.argv[1]
    for h in ("yaml", "json", "compile", "watch", "kubeconfig", "selector"):
        os.makedirs(os.path.join(out, h), exist_ok=True)
        src = os.path.join(HERE, "corpus", h)
        for f in sorted(glob.glob(os.path.join(src, "*"))):
            shutil.copy(f, os.path.join(out, h))
    n = 0
    for ext in ("yaml", "json"):
        for f in inputs(ext):
            name = os.path.relpath(f, TESTS).replace("/", "_")
            data = open(f, "rb").read()
            put(out, "yaml", name, data)
            put(out, "compile", name, data)
            if ext == "json":
                put(out, "json", name, data)
                n = watch_seeds(out, f, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
