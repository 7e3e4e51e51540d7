#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Spoofed probes for tests/nodepaths/run (stdlib only).

A pod sends raw packets (an IPPROTO_RAW socket: the pod writes the IP header
itself) whose source address is faked, e.g. to its node's IP; whether they
reach the target pod is counted by an nft counter in the *target* pod's
namespace, on prerouting before anything there can drop them, one named
counter per probe, matched on source, destination, protocol and ports (each
probe has its own source port).  Whether the target answers does not matter:
its answer goes to the faked address, not to the sender.

  spoof.py send < JSON   inside the sender's namespace: JSON is
                         {"packets": [[src, dst, proto, sport, dport], ...],
                          "copies": N, "gap": seconds}; proto "udp" (a
                         datagram) or "tcp" (a SYN); IPv4 or IPv6 by address

counter_script(), read_counters() and drop_script() are for the runner (it
loads them with nft inside the target's namespace).
"""
import ipaddress
import json
import os
import re
import socket
import struct
import sys
import time

TABLE = "nodepaths_spoof"
PAYLOAD = b"nodepaths spoofed probe"
# The SYN only: not the RST the faked address's owner may send back to the
# target's SYN-ACK (same addresses and ports).
SYN_ONLY = "tcp flags & (syn | ack | rst) == syn "


def _sum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def _checksum(data):
    return (~_sum16(data)) & 0xFFFF


def packet(src, dst, proto, sport, dport):
    """The IP packet: a UDP datagram or a TCP SYN from SRC:SPORT to DST:DPORT,
    with correct checksums (IPv4's header checksum is the kernel's)."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version != d.version:
        raise ValueError("%s and %s are of different families" % (src, dst))
    num = 17 if proto == "udp" else 6
    if proto == "udp":
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(PAYLOAD), 0) + PAYLOAD
        at = 6
    elif proto == "tcp":
        seq = int.from_bytes(os.urandom(4), "big")
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        at = 16
    else:
        raise ValueError("proto %r" % proto)
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, num, len(l4))
    else:
        pseudo = s.packed + d.packed + struct.pack("!I3xB", len(l4), num)
    csum = _checksum(pseudo + l4) or (0xFFFF if proto == "udp" else 0)
    l4 = l4[:at] + struct.pack("!H", csum) + l4[at + 2:]
    if s.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, num, 0,
                          s.packed, d.packed)
    else:
        hdr = struct.pack("!IHBB16s16s", 6 << 28, len(l4), num, 64, s.packed, d.packed)
    return hdr + l4


def send(spec):
    """Send every packet COPIES times, GAP seconds apart."""
    socks = {}
    out = []
    for src, dst, proto, sport, dport in spec["packets"]:
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        if fam not in socks:
            socks[fam] = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
        out.append((socks[fam], packet(src, dst, proto, sport, dport), dst))
    for i in range(int(spec.get("copies", 3))):
        if i:
            time.sleep(float(spec.get("gap", 0.1)))
        for s, pkt, dst in out:
            s.sendto(pkt, (dst, 0))


def counter_script(probes):
    """nft script for the target's namespace: PROBES are (name, src, dst,
    proto, sport, dport); one named counter each, on prerouting."""
    lines = ["table inet %s {}" % TABLE, "delete table inet %s" % TABLE,
             "table inet %s {" % TABLE]
    for p in probes:
        lines.append("\tcounter %s { }" % p[0])
    lines.append("\tchain prerouting {\n\t\ttype filter hook prerouting priority -400;"
                 " policy accept;")
    for name, src, dst, proto, sport, dport in probes:
        fam = "ip6" if ":" in dst else "ip"
        lines.append("\t\t%s saddr %s %s daddr %s %s sport %d %s dport %d %scounter name %s"
                     % (fam, src, fam, dst, proto, sport, proto, dport,
                        SYN_ONLY if proto == "tcp" else "", name))
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def drop_script():
    return "table inet %s {}\ndelete table inet %s\n" % (TABLE, TABLE)


def read_counters(text):
    """`nft list counters table inet TABLE` output -> {name: packets}."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"counter\s+(\S+)\s*\{\s*packets\s+(\d+)", text)}


if __name__ == "__main__":
    if sys.argv[1:] != ["send"]:
        sys.exit("usage: spoof.py send < JSON")
    send(json.load(sys.stdin))
