# SPDX-License-Identifier: GPL-2.0-or-later
"""A small interpreter of an nftables table, as `nft -j list table inet nftpol`
prints it, for the first packet of a connection (stdlib only).

It knows what nftpol emits: filter base chains on the hooks prerouting,
input, forward, output and postrouting, ct state, `ct mark & M == V` (a new
connection's mark is 0), payload (ip/ip6
saddr/daddr, th/tcp/udp/sctp dport, icmpv6 type), `fib saddr type`, meta
l4proto/nfproto, `meta skuid >= 0` (sent by a socket of the node: true on
the output path only), concatenations, named and anonymous sets with or without
intervals (single values, prefixes, ranges, also inside concatenations),
verdict maps, accept/drop/jump/goto/return, counters (anonymous and named
objects), log and limit (read as within the rate).  Anything else raises
Unsupported, so a new construct in the compiler fails the test loudly
instead of being misread.  Semantics follow nftables: a lookup that finds
nothing ends the rule; a chain that ends returns to the rule after the
jump; a base chain that ends applies its policy; a packet crosses every
base chain of the hooks on its path, hook after hook and by priority within
a hook, and is dropped if any drops.  The path is the packet's way through
the node (PATHS): forwarded (pod to pod, pod to outside), to the node itself
(its destination is an address of the node), or from the node; the
addresses of the node (`local`) decide it, and `fib saddr type local`.
"""
import ipaddress

PROTOS = {"tcp": 6, "udp": 17, "sctp": 132, "udplite": 136, "dccp": 33,
          "icmp": 1, "icmpv6": 58}
CT_STATES = {"new", "established", "related", "invalid", "untracked"}
# The hooks a packet crosses in a node, in order, by its path.
PATHS = {"forward": ("prerouting", "forward", "postrouting"),
         "input": ("prerouting", "input"),
         "output": ("output", "postrouting"),
         # from the node to itself: out through loopback, back in
         "local": ("output", "postrouting", "prerouting", "input")}
HOOKS = ("prerouting", "input", "forward", "output", "postrouting")
# ICMPv6 types by the names nft lists them with (RFC 4443, RFC 4861).
ICMPV6_TYPES = {"destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3,
                "parameter-problem": 4, "echo-request": 128, "echo-reply": 129,
                "mld-listener-query": 130, "mld-listener-report": 131,
                "mld-listener-done": 132, "mld-listener-reduction": 132,
                "nd-router-solicit": 133, "nd-router-advert": 134,
                "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136,
                "nd-redirect": 137, "router-renumbering": 138,
                "ind-neighbor-solicit": 141, "ind-neighbor-advert": 142,
                "mld2-listener-report": 143}
# What `fib ... type` answers (the kernel's route types, as nft names them).
FIB_TYPES = {"unspec", "unicast", "local", "broadcast", "anycast", "multicast",
             "blackhole", "unreachable", "prohibit"}


class Unsupported(Exception):
    """The table uses something this interpreter does not model."""


class _Break(Exception):
    """The current rule does not match (expression not applicable)."""


def _proto_num(v):
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    if v in PROTOS:
        return PROTOS[v]
    raise Unsupported("protocol %r" % (v,))


def _port_num(v):
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    raise Unsupported("service %r (list with numeric ports)" % (v,))


def _addr_num(v):
    return int(ipaddress.ip_address(v))


def _interval(kind, v):
    """One element component as an inclusive (lo, hi) of integers."""
    if isinstance(v, dict) and "prefix" in v:
        if kind != "addr":
            raise Unsupported("prefix on %s" % kind)
        net = ipaddress.ip_network("%s/%d" % (v["prefix"]["addr"], v["prefix"]["len"]),
                                   strict=False)
        return int(net.network_address), int(net.broadcast_address)
    if isinstance(v, dict) and "range" in v:
        lo, hi = v["range"]
        return _scalar(kind, lo), _scalar(kind, hi)
    x = _scalar(kind, v)
    return x, x


def _scalar(kind, v):
    if kind == "addr":
        return _addr_num(v)
    if kind == "proto":
        return _proto_num(v)
    if kind == "port":
        return _port_num(v)
    if kind == "nfproto":
        return {"ipv4": 4, "ipv6": 6}[v] if v in ("ipv4", "ipv6") else int(v)
    if kind == "ctstate":
        if v not in CT_STATES:
            raise Unsupported("ct state %r" % (v,))
        return v
    if kind == "icmpv6type":
        if isinstance(v, int):
            return v
        if isinstance(v, str) and v.isdigit():
            return int(v)
        if v in ICMPV6_TYPES:
            return ICMPV6_TYPES[v]
        raise Unsupported("icmpv6 type %r" % (v,))
    if kind == "fibtype":
        if v not in FIB_TYPES:
            raise Unsupported("fib type %r" % (v,))
        return v
    raise Unsupported("value kind %s" % kind)


TYPE_KIND = {"ipv4_addr": "addr", "ipv6_addr": "addr", "inet_proto": "proto",
             "inet_service": "port", "nf_proto": "nfproto", "icmpv6_type": "icmpv6type"}


class Lookup:
    """Elements of a set or map: tuples of (lo, hi) per component."""

    def __init__(self, kinds, elems, interval):
        self.kinds = kinds
        self.exact = {}         # key tuple -> data (sets: True)
        self.ranges = []        # (intervals, data)
        for key, data in elems:
            comps = key["concat"] if isinstance(key, dict) and "concat" in key else [key]
            if len(comps) != len(kinds):
                raise Unsupported("element %r of %d components" % (key, len(kinds)))
            iv = tuple(_interval(k, c) for k, c in zip(kinds, comps))
            if all(lo == hi for lo, hi in iv) and not interval:
                self.exact[tuple(lo for lo, _ in iv)] = data
            else:
                self.ranges.append((iv, data))

    def find(self, key):
        """The data of the element containing key (a tuple), or None."""
        if key in self.exact:
            return self.exact[key]
        for iv, data in self.ranges:
            if all(lo <= k <= hi for k, (lo, hi) in zip(key, iv)):
                return data
        return None


def _kinds(typ):
    types = typ if isinstance(typ, list) else [typ]
    try:
        return [TYPE_KIND[t] for t in types]
    except KeyError as e:
        raise Unsupported("set type %s" % e)


class Packet:
    """The first packet of a connection as a node's hooks see it.  For ICMP
    (proto icmp or icmpv6) dport is the ICMP type."""

    def __init__(self, saddr, daddr, proto, dport, sport=40000, ct="new"):
        self.saddr = ipaddress.ip_address(saddr)
        self.daddr = ipaddress.ip_address(daddr)
        if self.saddr.version != self.daddr.version:
            raise ValueError("mixed families")
        self.family = self.saddr.version
        self.proto = proto.lower()
        if self.proto not in PROTOS:
            raise ValueError("protocol %r" % proto)
        self.dport, self.sport, self.ct = dport, sport, ct
        self.ctmark = 0             # the connection's conntrack mark

    def __repr__(self):
        return "%s -> %s %s/%d" % (self.saddr, self.daddr, self.proto, self.dport)


class Table:
    """One table from `nft -j list table ...` output (the parsed JSON), as
    loaded in a node whose own addresses are `local` (for the path of a
    packet and `fib saddr type local`; pod addresses never are)."""

    def __init__(self, doc, local=()):
        self.local = {ipaddress.ip_address(a) for a in local}
        self._path = None
        self.sets, self.chains = {}, {}
        for obj in doc["nftables"]:
            (what, body), = obj.items()
            if what in ("set", "map"):
                self._add_set(what, body)
            elif what == "chain":
                self.chains[body["name"]] = dict(body, rules=[])
            elif what == "rule":
                self.chains[body["chain"]]["rules"].append(body["expr"])
            elif what not in ("metainfo", "table", "counter"):
                raise Unsupported("object %s" % what)
        self.hooks = {h: [] for h in HOOKS}     # hook -> base chains by priority
        for c in self.chains.values():
            if "hook" not in c:
                continue
            if c["hook"] not in self.hooks:
                raise Unsupported("base chain %s on hook %s" % (c["name"], c["hook"]))
            if c.get("type", "filter") != "filter":
                raise Unsupported("base chain %s of type %s" % (c["name"], c["type"]))
            if not isinstance(c.get("prio"), int):
                raise Unsupported("base chain %s of priority %r" % (c["name"], c.get("prio")))
            if c.get("policy", "accept") not in ("accept", "drop"):
                raise Unsupported("base chain %s of policy %s" % (c["name"], c["policy"]))
            self.hooks[c["hook"]].append(c)
        for chains in self.hooks.values():
            chains.sort(key=lambda c: c["prio"])    # stable: equal priorities as listed

    def _add_set(self, what, body):
        kinds = _kinds(body["type"])
        interval = "interval" in body.get("flags", [])
        if what == "map":
            if body.get("map") != "verdict":
                raise Unsupported("map %s of %s" % (body["name"], body.get("map")))
            elems = [(k, v) for k, v in body.get("elem", [])]
        else:
            elems = []
            for e in body.get("elem", []):
                if isinstance(e, dict) and "elem" in e:     # element with options
                    e = e["elem"]["val"]
                elems.append((e, True))
        self.sets[body["name"]] = Lookup(kinds, elems, interval)

    # -- expressions ----------------------------------------------------
    def value(self, expr, pkt):
        """(kind, value) of a left-hand expression; _Break if not applicable."""
        if "concat" in expr:
            parts = [self.value(e, pkt) for e in expr["concat"]]
            return [k for k, _ in parts], tuple(v for _, v in parts)
        if "payload" in expr:
            p = expr["payload"]
            proto, field = p.get("protocol"), p.get("field")
            if proto in ("ip", "ip6") and field in ("saddr", "daddr"):
                if (proto == "ip") != (pkt.family == 4):
                    raise _Break()
                return "addr", int(getattr(pkt, field))
            if proto in ("th", "tcp", "udp", "sctp") and field in ("dport", "sport"):
                if proto == "th" and pkt.proto in ("icmp", "icmpv6"):
                    raise Unsupported("th %s of an ICMP packet" % field)
                if proto != "th" and proto != pkt.proto:
                    raise _Break()
                return "port", getattr(pkt, field)
            if proto == "icmpv6" and field == "type":
                # nft adds the dependency meta l4proto icmpv6 (and nfproto
                # ipv6 in an inet table): other packets do not match.
                if pkt.proto != "icmpv6" or pkt.family != 6:
                    raise _Break()
                return "icmpv6type", pkt.dport
            raise Unsupported("payload %r" % p)
        if "fib" in expr:
            f = expr["fib"]
            flags = f.get("flags", [])
            flags = [flags] if isinstance(flags, str) else flags
            if f.get("result") != "type" or flags != ["saddr"]:
                raise Unsupported("fib %r" % f)
            # The type of the route to the source address in the node: local
            # for an address of the node, else (for the addresses this
            # models: pods, nodes, hosts outside) unicast.
            if pkt.saddr.is_multicast:
                raise Unsupported("fib saddr type of a multicast source")
            return "fibtype", "local" if pkt.saddr in self.local else "unicast"
        if "meta" in expr:
            key = expr["meta"]["key"]
            if key == "l4proto":
                return "proto", PROTOS[pkt.proto]
            if key == "nfproto":
                return "nfproto", pkt.family
            if key == "skuid":
                # The owner of the socket that sent the packet: only packets
                # the node sends have one (a forwarded or received packet
                # has none, and the expression fails); which uid is not
                # modelled, so only a comparison every uid passes is read.
                if self._path not in ("output", "local"):
                    raise _Break()
                return "uid", None
            raise Unsupported("meta %s" % key)
        if "ct" in expr and expr["ct"].get("key") == "state" and "dir" not in expr["ct"]:
            return "ctstate", pkt.ct
        raise Unsupported("expression %r" % expr)

    def member(self, kinds, val, right):
        """Whether val (of kinds) is in the right-hand side of a match."""
        single = not isinstance(kinds, list)
        key = (val,) if single else val
        if isinstance(right, str) and right.startswith("@"):
            s = self.sets.get(right[1:])
            if s is None:
                raise Unsupported("no set %s" % right)
            if len(s.kinds) != len(key):
                raise Unsupported("set %s looked up with %d components" % (right, len(key)))
            return s.find(key) is not None
        kl = [kinds] if single else kinds
        if isinstance(right, dict) and "set" in right:
            elems = [(e, True) for e in right["set"]]
        elif isinstance(right, list):               # flags: ct state a,b
            elems = [(e, True) for e in right]
        else:
            elems = [(right, True)]
        if kl == ["ctstate"]:
            return val in [e for e, _ in elems]
        if kl == ["fibtype"]:
            return val in [_scalar("fibtype", e) for e, _ in elems]
        return Lookup(kl, elems, True).find(key) is not None

    def verdict_of(self, v):
        """A verdict object from JSON: ("accept"|"drop"|"return"|"jump"|"goto", target)."""
        (what, arg), = v.items()
        if what in ("accept", "drop", "return"):
            return what, None
        if what in ("jump", "goto"):
            return what, arg["target"]
        raise Unsupported("verdict %r" % v)

    def rule(self, exprs, pkt):
        """The verdict a rule gives the packet, or None when it does not match."""
        try:
            for e in exprs:
                (what, body), = e.items()
                if what == "match":
                    op = body["op"]
                    if body["left"] == {"meta": {"key": "skuid"}}:
                        if op != ">=" or body["right"] not in (0, "0", "root"):
                            raise Unsupported("meta skuid %s %r" % (op, body["right"]))
                        self.value(body["left"], pkt)   # _Break: no socket
                        continue                        # every socket's uid is >= 0
                    left = body["left"]
                    if isinstance(left, dict) and "&" in left:
                        # ct mark & M == V: the mark of the packet's
                        # connection (a new one: 0, nothing set it)
                        ct, mask = left["&"]
                        if ct != {"ct": {"key": "mark"}} or not isinstance(mask, int) \
                                or not isinstance(body["right"], int) or op != "==":
                            raise Unsupported("match %r" % body)
                        if (pkt.ctmark & mask) != body["right"]:
                            return None
                        continue
                    kinds, val = self.value(left, pkt)
                    hit = self.member(kinds, val, body["right"])
                    if op in ("==", "in"):
                        if not hit:
                            return None
                    elif op == "!=":
                        if hit:
                            return None
                    else:
                        raise Unsupported("match op %s" % op)
                elif what == "vmap":
                    kinds, val = self.value(body["key"], pkt)
                    data = body["data"]
                    if not (isinstance(data, str) and data.startswith("@")):
                        raise Unsupported("anonymous vmap")
                    m = self.sets[data[1:]]
                    v = m.find(val if isinstance(kinds, list) else (val,))
                    if v is None:
                        return None
                    return self.verdict_of(v)
                elif what in ("accept", "drop", "return", "jump", "goto"):
                    return self.verdict_of(e)
                elif what in ("counter", "log"):
                    continue
                elif what == "limit":
                    # a rate limit: the walk of one packet assumes it is
                    # within the rate (what nftpol puts behind one only logs)
                    continue
                else:
                    raise Unsupported("statement %s" % what)
        except _Break:
            return None
        return None

    def chain(self, name, pkt, trace, depth=0):
        """accept, drop, or None (the chain ended or returned)."""
        if depth > 16:
            raise Unsupported("jump depth over 16 at %s" % name)
        if name not in self.chains:
            raise Unsupported("no chain %s" % name)
        for i, exprs in enumerate(self.chains[name]["rules"]):
            v = self.rule(exprs, pkt)
            if v is None:
                continue
            what, target = v
            trace.append("%s[%d] %s%s" % (name, i, what, " " + target if target else ""))
            if what in ("accept", "drop"):
                return what
            if what == "return":
                return None
            res = self.chain(target, pkt, trace, depth + 1)
            if what == "goto" or res is not None:
                return res
        return None

    def path(self, pkt):
        """The packet's way through this node: forward, input (to an address
        of the node), output (from one) or local (both)."""
        to_node, from_node = pkt.daddr in self.local, pkt.saddr in self.local
        if to_node and from_node:
            return "local"
        return "input" if to_node else "output" if from_node else "forward"

    def verdict(self, pkt, trace=None, path=None):
        """accept or drop for a packet taking path (PATHS; default: as the
        node's addresses decide) through this node."""
        trace = [] if trace is None else trace
        path = path or self.path(pkt)
        if path not in PATHS:
            raise ValueError("path %r" % path)
        self._path = path               # for meta skuid: sent by a socket of the node
        for hook in PATHS[path]:
            for c in self.hooks[hook]:
                res = self.chain(c["name"], pkt, trace)
                if res == "drop":           # the rule that dropped is traced
                    return "drop"
                if res is None:
                    res = c.get("policy", "accept")
                    trace.append("%s: policy %s" % (c["name"], res))
                    if res == "drop":
                        return "drop"
                else:
                    trace.append("%s: %s" % (c["name"], res))
        return "accept"
