#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the table interpreter (nfteval.py) on hand-written listings in
the JSON `nft -j list table inet nftpol` prints: the forward-hook shape of
nftpol 0.1 and the postrouting + input shape, the paths of a packet through a
node (forwarded, to the node, from the node), `fib saddr type local`,
`icmpv6 type`, and Unsupported for what it does not model.  No root, no
kernel; tests/random/run runs it first.  Prints failures; exit 1 on any."""
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nfteval  # noqa: E402

NODE = ["172.18.0.1", "10.244.1.1", "fd00:18::1"]
A, B, C = "10.244.1.10", "10.244.1.11", "10.244.2.10"     # B: isolated both ways
A6, B6 = "fd00:10:244:1::10", "fd00:10:244:1::11"
NODE2 = "172.18.0.2"
SHAPES = ("forward", "postrouting", "socket")


def payload(proto, field):
    return {"payload": {"protocol": proto, "field": field}}


def match(left, right, op="=="):
    return {"match": {"op": op, "left": left, "right": right}}


ACCEPT, DROP = {"accept": None}, {"drop": None}
CT = [match({"ct": {"key": "state"}}, ["established", "related"], "in"), ACCEPT]
SELF4 = [match({"concat": [payload("ip", "saddr"), payload("ip", "daddr")]}, "@self4"), ACCEPT]
FIB = [match({"fib": {"result": "type", "flags": ["saddr"]}}, "local"), ACCEPT]
# the node's own sockets only: a bridged pod can fake the node's address
SOCKFIB = [match({"meta": {"key": "skuid"}}, 0, ">=")] + FIB
ND = [[match(payload("icmpv6", "type"), t), ACCEPT]
      for t in ("nd-neighbor-solicit", "nd-neighbor-advert")]


def vmap(field, name):
    return [{"vmap": {"key": payload("ip", field), "data": "@" + name}}]


def vmap6(field, name):
    return [{"vmap": {"key": payload("ip6", field), "data": "@" + name}}]


def table(shape):
    """A table for one node: B's ingress admits A on tcp/80 only, B's egress
    admits only C on tcp/80; A is not isolated.  Shapes: forward (0.1),
    postrouting (+ input; node's packets told by fib), socket (as postrouting,
    told by meta skuid and fib)."""
    out = [{"metainfo": {"json_schema_version": 1}},
           {"table": {"family": "inet", "name": "nftpol"}}]
    for name, addr in (("pod_ingress4", "ipv4_addr"), ("pod_egress4", "ipv4_addr"),
                       ("pod_ingress6", "ipv6_addr"), ("pod_egress6", "ipv6_addr")):
        d = "ingress" if "ingress" in name else "egress"
        key = B if addr == "ipv4_addr" else B6
        out.append({"map": {"name": name, "type": addr, "map": "verdict",
                            "elem": [[key, {"jump": {"target": "grp_" + d}}]]}})
    out.append({"set": {"name": "self4", "type": ["ipv4_addr", "ipv4_addr"],
                        "elem": [{"concat": [B, B]}]}})
    out.append({"set": {"name": "ports", "type": ["inet_proto", "inet_service"],
                        "elem": [{"concat": ["tcp", 80]}]}})
    if shape == "forward":
        base = [("base_ingress", "forward", 0,
                 [CT, SELF4, vmap("daddr", "pod_ingress4"), vmap6("daddr", "pod_ingress6")]),
                ("base_egress", "forward", 1,
                 [CT, SELF4, vmap("saddr", "pod_egress4"), vmap6("saddr", "pod_egress6")])]
    else:
        base = [("base_egress", "postrouting", 96,
                 [CT, SELF4] + ND + [vmap("saddr", "pod_egress4"), vmap6("saddr", "pod_egress6")]),
                ("base_egress_node", "input", 101,
                 [CT] + ND + [vmap("saddr", "pod_egress4"), vmap6("saddr", "pod_egress6")]),
                ("base_ingress", "postrouting", 95,
                 [CT, SELF4, SOCKFIB if shape == "socket" else FIB] + ND
                 + [vmap("daddr", "pod_ingress4"), vmap6("daddr", "pod_ingress6")])]
    lp = {"concat": [{"meta": {"key": "l4proto"}}, payload("th", "dport")]}
    chains = base + [
        ("grp_ingress", None, None, [[{"jump": {"target": "pol_in"}}], [DROP]]),
        ("pol_in", None, None, [[match(payload("ip", "saddr"), A), match(lp, "@ports"),
                                 ACCEPT]]),
        ("grp_egress", None, None, [[{"jump": {"target": "pol_out"}}], [DROP]]),
        ("pol_out", None, None, [[match(payload("ip", "daddr"), C), match(lp, "@ports"),
                                  ACCEPT]]),
    ]
    for name, hook, prio, rules in chains:
        c = {"family": "inet", "table": "nftpol", "name": name}
        if hook:
            c.update(type="filter", hook=hook, prio=prio, policy="accept")
        out.append({"chain": c})
        for r in rules:
            out.append({"rule": {"family": "inet", "table": "nftpol", "chain": name,
                                 "expr": r}})
    return {"nftables": out}


def cases():
    """(shape, src, dst, proto, port, path, verdict); path None: not checked."""
    both = [
        (A, B, "tcp", 80, "forward", "accept"),
        (A, B, "tcp", 81, "forward", "drop"),
        (A, B, "udp", 80, "forward", "drop"),
        (C, B, "tcp", 80, "forward", "drop"),       # not admitted by B's ingress
        (B, C, "tcp", 80, "forward", "accept"),     # B's egress admits C (not local)
        (B, A, "tcp", 80, "forward", "drop"),       # B's egress admits only C
        (B, B, "tcp", 9, "forward", "accept"),      # self
        (NODE2, B, "tcp", 80, "forward", "drop"),   # the other node is not A
        (A6, B6, "tcp", 80, "forward", "drop"),     # IPv6 groups: no IPv6 rule admits
        (A6, B6, "icmpv6", 135, "forward", "drop"),
    ]
    out = []
    for shape in SHAPES:
        for src, dst, proto, port, path, v in both:
            if proto == "icmpv6" and shape != "forward":
                v = "accept"        # neighbour discovery is let through
            out.append((shape, src, dst, proto, port, path, v))
    out += [
        # The node to its pods: never on forward; postrouting accepts by fib.
        ("forward", NODE[0], B, "tcp", 9, "output", "accept"),
        ("postrouting", NODE[0], B, "tcp", 9, "output", "accept"),
        ("postrouting", NODE[1], B, "tcp", 9, "output", "accept"),
        # A pod to its node: forward never sees it; input applies B's egress.
        ("forward", B, NODE[0], "tcp", 80, "input", "accept"),
        ("postrouting", B, NODE[0], "tcp", 80, "input", "drop"),
        ("postrouting", A, NODE[0], "tcp", 80, "input", "accept"),
        ("postrouting", B6, NODE[2], "icmpv6", 136, "input", "accept"),
        ("postrouting", B6, NODE[2], "udp", 136, "input", "drop"),
        # From the node to itself.
        ("postrouting", NODE[0], NODE[1], "tcp", 80, "local", "accept"),
    ]
    out += [("socket",) + c[1:] for c in out if c[0] == "postrouting" and c[5] != "forward"]
    return out


def cnp_table():
    """The shape of cluster network policies (issue 14), one node: B's egress
    dispatches (vmap) to an Admin chain: tcp/80 to the nodes' interval set
    drop, to a network (prefix, interval) Pass = jump to the Baseline chain,
    any port range of udp accept, else on to B's NetworkPolicy group (only
    C on tcp/80); the Baseline chain drops the pods' /24 and ends in accept.
    A's ingress dispatches straight to a Baseline chain that ends in accept
    after a drop of the port range tcp/81-82 from B."""
    out = [{"metainfo": {"json_schema_version": 1}},
           {"table": {"family": "inet", "name": "nftpol"}}]
    out.append({"map": {"name": "pod_egress4", "type": "ipv4_addr", "map": "verdict",
                        "elem": [[B, {"jump": {"target": "adm_out"}}]]}})
    out.append({"map": {"name": "pod_ingress4", "type": "ipv4_addr", "map": "verdict",
                        "elem": [[A, {"jump": {"target": "bl_in"}}]]}})
    out.append({"set": {"name": "self4", "type": ["ipv4_addr", "ipv4_addr"],
                        "elem": [{"concat": [B, B]}]}})
    out.append({"set": {"name": "nodes4", "type": "ipv4_addr", "flags": ["interval"],
                        "elem": [NODE2]}})
    out.append({"set": {"name": "nets4", "type": "ipv4_addr", "flags": ["interval"],
                        "elem": [{"prefix": {"addr": "10.244.2.0", "len": 24}},
                                 {"range": ["192.0.2.0", "192.0.2.127"]}]}})
    out.append({"set": {"name": "pods4", "type": "ipv4_addr", "flags": ["interval"],
                        "elem": [{"prefix": {"addr": "10.244.1.0", "len": 24}}]}})
    out.append({"set": {"name": "tcp80", "type": ["inet_proto", "inet_service"],
                        "elem": [{"concat": ["tcp", 80]}]}})
    out.append({"set": {"name": "prange", "type": ["inet_proto", "inet_service"],
                        "flags": ["interval"],
                        "elem": [{"concat": ["tcp", {"range": [80, 82]}]},
                                 {"concat": ["udp", {"range": [1, 65535]}]}]}})
    out.append({"set": {"name": "tcp8182", "type": ["inet_proto", "inet_service"],
                        "flags": ["interval"],
                        "elem": [{"concat": ["tcp", {"range": [81, 82]}]}]}})
    lp = {"concat": [{"meta": {"key": "l4proto"}}, payload("th", "dport")]}
    chains = [
        ("base_egress", "postrouting", 96, [CT, SELF4, vmap("saddr", "pod_egress4")]),
        ("base_ingress", "postrouting", 95, [CT, SELF4, vmap("daddr", "pod_ingress4")]),
        ("adm_out", None, None, [
            [match(payload("ip", "daddr"), "@nodes4"), match(lp, "@tcp80"), DROP],
            [match(payload("ip", "daddr"), "@nets4"), {"jump": {"target": "bl_out"}}],
            [match(lp, "@prange"), match(payload("ip", "daddr"), "@pods4"), ACCEPT],
            [{"jump": {"target": "grp_out"}}]]),
        ("grp_out", None, None, [[{"jump": {"target": "pol_out"}}], [DROP]]),
        ("pol_out", None, None, [[match(payload("ip", "daddr"), C), match(lp, "@tcp80"),
                                  ACCEPT]]),
        ("bl_out", None, None, [[match(payload("ip", "daddr"), "@pods4"), DROP],
                                [ACCEPT]]),
        ("bl_in", None, None, [[match(payload("ip", "saddr"), B), match(lp, "@tcp8182"),
                                DROP], [ACCEPT]]),
    ]
    for name, hook, prio, rules in chains:
        c = {"family": "inet", "table": "nftpol", "name": name}
        if hook:
            c.update(type="filter", hook=hook, prio=prio, policy="accept")
        out.append({"chain": c})
        for r in rules:
            out.append({"rule": {"family": "inet", "table": "nftpol", "chain": name,
                                 "expr": r}})
    return {"nftables": out}


CNP_CASES = [
    # (src, dst, proto, port, verdict, the chain that decided)
    (B, NODE2, "tcp", 80, "drop", "adm_out[0] drop"),       # nodes: Deny
    (B, NODE2, "tcp", 81, "drop", "grp_out[1] drop"),       # on to NetworkPolicy
    (B, NODE2, "udp", 53, "drop", "grp_out[1] drop"),       # udp accept is for pods4 only
    (B, C, "tcp", 80, "accept", "bl_out[1] accept"),        # Pass, Baseline's end
    (B, C, "udp", 9, "accept", "bl_out[1] accept"),
    (B, "192.0.2.100", "tcp", 8, "accept", "bl_out[1] accept"),     # range element
    (B, "192.0.2.200", "tcp", 80, "drop", "grp_out[1] drop"),       # past the range
    (B, A, "udp", 7, "accept", "adm_out[2] accept"),        # Accept over NetworkPolicy
    (C, B, "tcp", 80, "accept", "base_egress: policy accept"),      # no dispatch
    (B, A, "tcp", 79, "drop", "grp_out[1] drop"),
    (B, A, "tcp", 81, "drop", "bl_in[0] drop"),             # egress accepts, ingress drops
    (C, A, "tcp", 81, "accept", "bl_in[1] accept"),
    (B, B, "tcp", 81, "accept", "base_ingress[1] accept"),  # self
]


CHECKS = [0]


def expect_unsupported(what, doc, pkt=None):
    CHECKS[0] += 1
    try:
        t = nfteval.Table(doc, NODE)
        if pkt is not None:
            t.verdict(pkt)
    except nfteval.Unsupported:
        return []
    return ["%s: no Unsupported raised" % what]


def main():
    bad = []
    tabs = {s: nfteval.Table(table(s), NODE) for s in SHAPES}
    for shape, src, dst, proto, port, path, want in cases():
        pkt = nfteval.Packet(src, dst, proto, port)
        CHECKS[0] += 1
        trace = []
        got = tabs[shape].verdict(pkt, trace)
        gpath = tabs[shape].path(pkt)
        if (gpath, got) != (path, want):
            bad.append("%s: %s: path %s, %s; expected %s, %s (%s)"
                       % (shape, pkt, gpath, got, path, want, " ".join(trace)))
    # Cluster network policies: an Admin chain whose Pass jumps to a
    # Baseline chain ending in accept, interval sets, on to NetworkPolicy.
    t = nfteval.Table(cnp_table(), NODE)
    for src, dst, proto, port, want, step in CNP_CASES:
        pkt = nfteval.Packet(src, dst, proto, port)
        CHECKS[0] += 1
        trace = []
        got = t.verdict(pkt, trace)
        if got != want or not any(x.startswith(step) for x in trace):
            bad.append("cnp: %s: %s, expected %s at %s (%s)"
                       % (pkt, got, want, step, " ".join(trace)))
    # An explicit path overrides the node's addresses.
    pkt = nfteval.Packet(A, B, "tcp", 81)
    CHECKS[0] += 2
    if tabs["postrouting"].verdict(pkt, path="output") != "drop":
        bad.append("postrouting: %s on the output path not dropped" % pkt)
    if tabs["forward"].verdict(pkt, path="input") != "accept":
        bad.append("forward: %s on the input path not accepted" % pkt)
    # A pod faking the node's address, forwarded: fib says local, and only
    # the socket test tells.
    pkt = nfteval.Packet(NODE[0], B, "tcp", 81)
    CHECKS[0] += 2
    if tabs["postrouting"].verdict(pkt, path="forward") != "accept":
        bad.append("postrouting: %s forwarded not accepted by fib" % pkt)
    if tabs["socket"].verdict(pkt, path="forward") != "drop":
        bad.append("socket: %s forwarded accepted (meta skuid read as true)" % pkt)
    # fib is true only for the node's own addresses, never for pods.
    t = tabs["postrouting"]
    for src, want in ((NODE[0], "local"), (A, "unicast"), (NODE2, "unicast")):
        CHECKS[0] += 1
        got = t.value({"fib": {"result": "type", "flags": ["saddr"]}},
                      nfteval.Packet(src, B, "tcp", 80))[1]
        if got != want:
            bad.append("fib saddr type of %s: %s, expected %s" % (src, got, want))
    # What it does not model raises.
    pkt = nfteval.Packet(A, B, "tcp", 80)
    doc = table("postrouting")
    odd = copy.deepcopy(doc)
    for o in odd["nftables"]:
        if "chain" in o and o["chain"]["name"] == "base_ingress":
            o["chain"]["hook"] = "ingress"
    bad += expect_unsupported("a base chain on the ingress hook", odd)
    odd = copy.deepcopy(doc)
    for o in odd["nftables"]:
        if "chain" in o and o["chain"]["name"] == "base_ingress":
            o["chain"]["type"] = "nat"
    bad += expect_unsupported("a nat base chain", odd)
    for left in ({"fib": {"result": "oif", "flags": ["daddr"]}},
                 {"fib": {"result": "type", "flags": ["saddr", "iif"]}},
                 payload("icmp", "type"), payload("tcp", "flags"),
                 {"meta": {"key": "iifname"}}, {"ct": {"key": "mark"}},
                 {"meta": {"key": "skuid"}}):
        odd = copy.deepcopy(doc)
        first = next(i for i, o in enumerate(odd["nftables"])
                     if "rule" in o and o["rule"]["chain"] == "base_ingress")
        odd["nftables"].insert(first, {"rule": {"family": "inet", "table": "nftpol",
                                                "chain": "base_ingress",
                                                "expr": [match(left, "x"), DROP]}})
        bad += expect_unsupported("match on %r" % (left,), odd, pkt)
    odd = copy.deepcopy(doc)
    odd["nftables"].append({"rule": {"family": "inet", "table": "nftpol",
                                     "chain": "base_egress", "expr": [{"queue": {"num": 1}}]}})
    bad += expect_unsupported("a queue statement", odd,
                              nfteval.Packet(C, A, "tcp", 80))
    odd = copy.deepcopy(doc)
    odd["nftables"].append({"rule": {"family": "inet", "table": "nftpol",
                                     "chain": "base_ingress",
                                     "expr": [match(payload("icmpv6", "type"),
                                                    "no-such-type"), ACCEPT]}})
    bad += expect_unsupported("an unknown icmpv6 type", odd,
                              nfteval.Packet(A6, "fd00:10:244:2::10", "icmpv6", 128))
    for b in bad:
        print("nfteval_test: " + b)
    print("nfteval_test: %d checks, %d failed" % (CHECKS[0], len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
