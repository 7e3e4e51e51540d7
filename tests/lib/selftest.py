#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the harness, without nftpol: a hand-written ruleset of the
shape nftpol emits (postrouting, srcnat - 5 / srcnat - 4; the node's own
packets and IPv6 neighbour discovery pass: without them the node cannot even
resolve an isolated pod's IPv6 address) must give exactly the
reachability it says, through Services (with hairpin), pod IPs and IPv6, on
one node and on two.  On the hogwarts topology, a stateful ruleset (ct state,
invalid dropped) with drop and reject rules must give ok / timeout / refused
for TCP, UDP and SCTP (userspace SCTP where the kernel has none), pod to pod
and pod to the host-network servers.  Every scenario's expect file must parse
and name only pods, nodes and host-network pods its topology has.
Run as root: python3 tests/lib/selftest.py
"""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenario                       # noqa: E402
from cluster import Cluster           # noqa: E402
from cluster import Pod, nsexec       # noqa: E402
from loader import load_script        # noqa: E402
from probe import probe_matrix        # noqa: E402
from tables import compare            # noqa: E402

RULES = """table inet nftpol {}
delete table inet nftpol
table inet nftpol {
	chain base_ingress {
		type filter hook postrouting priority srcnat - 5; policy accept;
		ct state established,related accept
		fib saddr type local accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		ip saddr %(xa)s ip daddr %(xa)s accept
		ip daddr %(xa)s drop
		ip6 saddr %(xa6)s ip6 daddr %(xa6)s accept
		ip6 daddr %(xa6)s drop
	}
	chain base_egress {
		type filter hook postrouting priority srcnat - 4; policy accept;
		ct state established,related accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		ip saddr %(yb)s ip daddr %(yb)s accept
		ip saddr %(yb)s udp dport 81 drop
		ip6 saddr %(yb6)s ip6 daddr %(yb6)s accept
		ip6 saddr %(yb6)s udp dport 81 drop
	}
}
"""


def expected(c, spec):
    """x/a accepts nothing but itself; y/b sends no UDP to port 81."""
    want = {}
    for s in c.pods:
        for d in c.pods:
            ok = s is d or (d.key != "x/a" and not (s.key == "y/b" and spec.startswith("udp/81")))
            want[(s.key, d.key)] = ok
    return want


def check(nodes):
    c = Cluster("xyz", nodes=nodes, ipv6=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            c.setup()
            xa, yb = c.pod("x/a"), c.pod("y/b")
            script = os.path.join(tmp, "rules.nft")
            with open(script, "w") as f:
                f.write(RULES % {"xa": xa.ip4, "xa6": xa.ip6, "yb": yb.ip4, "yb6": yb.ip6})
            for k in c.nodes:
                load_script(c, k, script)
            specs = ["tcp/80", "udp/81", "udp/80", "tcp/81@v6", "udp/81@v6",
                     "tcp/80@pod", "udp/81@v6@pod"]
            got = probe_matrix(c, specs)
            pods = [p.key for p in c.pods]
            for spec in specs:
                ok, report = compare(expected(c, spec), got[spec], pods)
                print("%s %d node(s) %s" % ("ok  " if ok else "FAIL", nodes, spec))
                if not ok:
                    failed += 1
                    print(report)
        finally:
            c.teardown()
    return failed


OUTCOME_RULES = """table inet selftest {
	chain forward_check {
		type filter hook forward priority 0; policy accept;
		ct state invalid counter drop
		ct state established,related accept
		ip daddr %(r)s meta l4proto sctp th dport 9003 reject with icmp type admin-prohibited
		ip daddr %(r)s udp dport 53 reject
		ip daddr %(r)s tcp dport 80 reject with tcp reset
		ip daddr %(r)s th dport { 8080, 5353, 9005 } drop
	}
	chain input_check {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		ip saddr %(g1)s th dport 34346 drop
	}
}
"""


def check_outcomes():
    """Outcomes on hogwarts: ok, timeout (drop), refused (reject), per protocol."""
    c = Cluster(**scenario.TOPOLOGIES["hogwarts"])
    ns = "network-policy-conformance-"
    g0, g1 = ns + "gryffindor/harry-potter-0", ns + "gryffindor/harry-potter-1"
    r1, d0 = ns + "ravenclaw/luna-lovegood-1", ns + "slytherin/draco-malfoy-0"
    want = {("tcp/80@pod", g0, r1): "refused", ("udp/53@pod", g0, r1): "refused",
            ("sctp/9003@pod", g0, r1): "refused", ("tcp/8080@pod", g0, r1): "timeout",
            ("udp/5353@pod", g0, r1): "timeout", ("sctp/9005@pod", g0, r1): "timeout",
            ("tcp/80@pod", g0, d0): "ok", ("udp/53@pod", g0, d0): "ok",
            ("sctp/9003@pod", g0, d0): "ok", ("sctp/9005@pod", r1, g0): "ok",
            ("tcp/34345", g0, "node-2"): "ok", ("udp/34347", g0, "node-1"): "ok",
            ("sctp/34351", g1, "node-2"): "ok", ("sctp/34352", g0, "node-2"): "ok",
            ("tcp/34346", g1, "node-2"): "timeout", ("tcp/34346", g0, "node-2"): "ok",
            ("sctp/9004@pod", g0, d0): "refused"}
    failed = 0
    try:
        c.setup()
        rules = OUTCOME_RULES % {"r": c.pod(r1).ip4, "g1": c.pod(g1).ip4}
        for k in c.nodes:
            nsexec(c.nodes[k], "nft", "-f", "-", input=rules)
        pairs = {}
        for spec, s, d in want:
            pairs.setdefault(spec, []).append((s, d))
        got = probe_matrix(c, list(pairs), pairs=pairs, detail=True)
        for (spec, s, d), w in sorted(want.items()):
            g = got[spec].get((s, d), "")
            ok = g.split(":")[0] == w
            failed += not ok
            print("%s hogwarts %s %s -> %s: %s%s" % ("ok  " if ok else "FAIL", spec,
                  s.replace(ns, ""), d.replace(ns, ""), g, "" if ok else " (want %s)" % w))
    finally:
        c.teardown()
    return failed


def check_expect_files():
    """Every scenario's expect file names only what its topology has."""
    failed = 0
    for name in scenario.names():
        try:
            sc = scenario.Scenario(name)
            c = Cluster(**scenario.TOPOLOGIES[sc.topology])
            for i, (ns, pod, labels, node, ports) in enumerate(c._specs):
                c.pods.append(Pod(ns, pod, labels, node, i, ports))
            for ns_pod, labels in sc.add_pods.items():
                c.pods.append(Pod(*ns_pod.split("/"), labels, 1, len(c.pods), [80, 81]))
            pods = {p.key for p in c.pods}
            dsts = pods | {hp.key for hp in c.host_pods} | {c.node_name(k) for k in
                                                            range(1, c.nnodes + 1)}
            for spec, table in sc.expect.items():
                for s, d in table:
                    if s not in pods or d not in (dsts if spec in sc.expect.partial else pods):
                        raise ValueError("%s: %s -> %s: no such pod" % (spec, s, d))
                if spec not in sc.expect.partial and len(table) != len(pods) ** 2:
                    raise ValueError("%s: %d pairs, not %d" % (spec, len(table), len(pods) ** 2))
        except Exception as e:      # noqa: BLE001 -- report every file
            failed += 1
            print("FAIL expect %s: %s" % (name, e))
    print("%s expect files: %d scenarios" % ("ok  " if not failed else "FAIL",
                                             len(scenario.names())))
    return failed


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    failed = check_expect_files() + check(1) + check(2) + check_outcomes()
    print("selftest: %s" % ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
