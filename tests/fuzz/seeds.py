#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed corpora for the fuzz harnesses, made at run time from the golden and
unit-test inputs (tests/golden/cases, tests/unit/data, tests/bad/cases) plus the small committed ones in tests/fuzz/corpus/<harness>/;
NFLOG messages made here.
usage: seeds.py OUTDIR   (writes OUTDIR/<harness>/)"""
import glob
import json
import os
import shutil
import socket
import struct
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


def nla(t, data):
    """A netlink attribute, padded to 4 bytes."""
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * (-n % 4)


def nflog_msg(family, payload, prefix=b"np", hook=3, extra=b""):
    """An nfnetlink_log packet message as the kernel builds one."""
    hw = 0x0800 if family == 2 else 0x86dd
    attrs = (nla(1, struct.pack(">HBB", hw, hook, 0)) + nla(10, prefix + b"\0") +
             nla(5, struct.pack(">I", 1)) + nla(14, struct.pack(">I", 0)) + extra +
             nla(9, payload))
    body = struct.pack("=BBH", family, 0, socket.htons(7)) + attrs
    return struct.pack("=IHHII", 16 + len(body), 0x400, 0, 0, 0) + body


def nflog_seeds(out):
    """Hand-made NFLOG messages beside the kernel's (tests/fuzz/corpus/nflog/)."""
    a4 = bytes([10, 0, 0, 1, 10, 0, 0, 2])
    a6 = bytes(15) + b"\1" + bytes(15) + b"\2"

    def ip4(proto, l4, frag=0):
        return struct.pack(">BBHHHBBH", 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0) + a4 + l4

    def ip6(nh, rest):
        return struct.pack(">IHBB", 0x60000000, len(rest), nh, 64) + a6 + rest

    tcp = struct.pack(">HHIIBBHHH", 40000, 9, 1, 0, 0x50, 2, 1024, 0, 0)
    udp = struct.pack(">HHHH", 5353, 53, 8, 0)
    ext = lambda nh, n=0: bytes([nh, n]) + bytes(6 + 8 * n)
    frag = lambda nh, off: struct.pack(">BBHI", nh, 0, off << 3 | 1, 7)
    ts = nla(3, struct.pack(">QQ", 1700000000, 5)) + nla(4, struct.pack(">I", 2))
    seeds = {
        "udp6-hbh": nflog_msg(10, ip6(0, ext(17) + udp)),
        "tcp6-chain": nflog_msg(10, ip6(0, ext(43, 1) + ext(60) + frag(6, 0) + tcp)),
        "udp6-frag": nflog_msg(10, ip6(44, frag(17, 3) + udp)),
        "ah6": nflog_msg(10, ip6(51, bytes([17, 1]) + bytes(10) + udp)),
        "sctp4": nflog_msg(2, ip4(132, struct.pack(">HHII", 7777, 132, 0, 0))),
        "icmp4": nflog_msg(2, ip4(1, bytes([8, 0]) + bytes(6)), hook=1, extra=ts),
        "icmp6": nflog_msg(10, ip6(58, bytes([128, 0]) + bytes(6))),
        "tcp4-frag": nflog_msg(2, ip4(6, tcp, 0x2000)),
    }
    done = struct.pack("=IHHIIBBH", 20, 3, 2, 0, 0, 0, 0, 0)
    seeds["batch"] = seeds["udp6-hbh"] + seeds["sctp4"] + done
    for name, data in seeds.items():
        put(out, "nflog", name, data)


def main():
    out = sys.argv[1]
    nflog_seeds(out)
    for h in ("yaml", "json", "compile", "watch", "kubeconfig", "selector", "nflog"):
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
