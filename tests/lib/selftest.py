#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the harness, without nftpol: a hand-written ruleset of the
shape nftpol emits (postrouting, srcnat - 5 / srcnat - 4; the node's own
packets and IPv6 neighbour discovery pass: without them the node cannot even
resolve an isolated pod's IPv6 address) must give exactly the
reachability it says, through Services (with hairpin), pod IPs and IPv6, on
one node and on two.  Run as root: python3 tests/lib/selftest.py
"""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster           # noqa: E402
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


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    failed = check(1) + check(2)
    print("selftest: %s" % ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
