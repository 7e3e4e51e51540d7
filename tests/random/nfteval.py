# SPDX-License-Identifier: GPL-2.0-or-later
"""A small interpreter of an nftables table, as `nft -j list table inet nftpol`
prints it, for the first packet of a connection (stdlib only).

It knows what nftpol emits: filter base chains on the forward path, ct state,
payload (ip/ip6 saddr/daddr, th/tcp/udp/sctp dport), meta l4proto/nfproto,
concatenations, named and anonymous sets with or without intervals (single
values, prefixes, ranges, also inside concatenations), verdict maps,
accept/drop/jump/goto/return, counters.  Anything else raises Unsupported,
so a new construct in the compiler fails the test loudly instead of being
misread.  Semantics follow nftables: a lookup that finds nothing ends the
rule; a chain that ends returns to the rule after the jump; a base chain
that ends applies its policy; a packet crosses every base chain on its path
(prerouting, forward, postrouting, by priority) and is dropped if any drops.
"""
import ipaddress

PROTOS = {"tcp": 6, "udp": 17, "sctp": 132, "udplite": 136, "dccp": 33,
          "icmp": 1, "icmpv6": 58}
CT_STATES = {"new", "established", "related", "invalid", "untracked"}
PATH_HOOKS = {"prerouting": 0, "forward": 1, "postrouting": 2}


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
    raise Unsupported("value kind %s" % kind)


TYPE_KIND = {"ipv4_addr": "addr", "ipv6_addr": "addr", "inet_proto": "proto",
             "inet_service": "port", "nf_proto": "nfproto"}


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
    """The first packet of a connection as the node's forward hook sees it."""

    def __init__(self, saddr, daddr, proto, dport, sport=40000, ct="new"):
        self.saddr = ipaddress.ip_address(saddr)
        self.daddr = ipaddress.ip_address(daddr)
        if self.saddr.version != self.daddr.version:
            raise ValueError("mixed families")
        self.family = self.saddr.version
        self.proto = proto.lower()
        self.dport, self.sport, self.ct = dport, sport, ct

    def __repr__(self):
        return "%s -> %s %s/%d" % (self.saddr, self.daddr, self.proto, self.dport)


class Table:
    """One table from `nft -j list table ...` output (the parsed JSON)."""

    def __init__(self, doc):
        self.sets, self.chains = {}, {}
        for obj in doc["nftables"]:
            (what, body), = obj.items()
            if what in ("set", "map"):
                self._add_set(what, body)
            elif what == "chain":
                self.chains[body["name"]] = dict(body, rules=[])
            elif what == "rule":
                self.chains[body["chain"]]["rules"].append(body["expr"])
            elif what not in ("metainfo", "table"):
                raise Unsupported("object %s" % what)
        self.base = sorted((c for c in self.chains.values() if "hook" in c),
                           key=lambda c: (PATH_HOOKS.get(c["hook"], 9), c["prio"]))
        for c in self.base:
            if c["hook"] in PATH_HOOKS and c.get("type", "filter") != "filter":
                raise Unsupported("base chain %s of type %s" % (c["name"], c["type"]))

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
                if proto != "th" and proto != pkt.proto:
                    raise _Break()
                return "port", getattr(pkt, field)
            raise Unsupported("payload %r" % p)
        if "meta" in expr:
            key = expr["meta"]["key"]
            if key == "l4proto":
                return "proto", PROTOS[pkt.proto]
            if key == "nfproto":
                return "nfproto", pkt.family
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
                    kinds, val = self.value(body["left"], pkt)
                    hit = self.member(kinds, val, body["right"])
                    op = body["op"]
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
                elif what == "counter":
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

    def verdict(self, pkt, trace=None):
        """accept or drop for a packet forwarded by this node."""
        trace = [] if trace is None else trace
        for c in self.base:
            if c["hook"] not in PATH_HOOKS:
                continue
            res = self.chain(c["name"], pkt, trace) or c.get("policy", "accept")
            if res == "drop":
                return "drop"
            trace.append("%s: %s" % (c["name"], res if res else "policy"))
        return "accept"
