# SPDX-License-Identifier: GPL-2.0-or-later
"""An evaluator of the NetworkPolicy spec, written from the API documentation
(networking/v1 field docs, the concepts page, /work/shared/k8s-api.md sections
3.4 and 4), not from nftpol's C code, so a misreading shared by policy/eval.c
and the compiler still shows up.  Stdlib only.

Readings that the spec leaves to the implementation follow nftpol's README
(and the decisions of issue 9):
  - a pod may always reach itself;
  - ipBlock matches pod addresses too (the upstream e2e tests expect it);
  - a named port admits every number the destination pod declares for the
    name with the entry's protocol (a name declared in two containers admits
    both numbers), counting containers and initContainers;
  - pods that are not Running, have no address or use the host network are
    neither targets nor peers;
  - a spec without podSelector selects every pod of its namespace, and a
    policy without spec is read as `spec: {}` (Go decodes the struct empty).
"""
import ipaddress


def selector_matches(sel, labels):
    """A present LabelSelector against a label map (matchLabels AND
    matchExpressions; an empty selector matches everything)."""
    for k, v in (sel.get("matchLabels") or {}).items():
        if k not in labels or labels[k] != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        has = key in labels
        if op == "In":
            ok = has and labels[key] in vals
        elif op == "NotIn":
            ok = not has or labels[key] not in vals
        elif op == "Exists":
            ok = has
        elif op == "DoesNotExist":
            ok = not has
        else:
            raise ValueError("operator %r" % op)
        if not ok:
            return False
    return True


def policy_types(spec):
    """The defaulted policyTypes: absent or [] is Ingress, plus Egress when
    the egress list is not empty (pkg/apis/networking/v1/defaults.go)."""
    types = spec.get("policyTypes") or []
    if not types:
        types = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    return set(types)


class Endpoint:
    """A pod (namespace, labels, declared ports) or an address outside pods."""

    def __init__(self, key, ips, ns=None, labels=None, named=()):
        self.key = key
        self.ips = {ipaddress.ip_address(a).version: ipaddress.ip_address(a)
                    for a in ips}
        self.ns = ns            # None: not a pod
        self.labels = labels or {}
        self.named = list(named)    # (name, number, protocol)

    @property
    def is_pod(self):
        return self.ns is not None


def declared_ports(pod):
    out = []
    for c in pod["containers"] + pod.get("initContainers", []):
        for name, num, proto in c:
            if name:
                out.append((name, num, proto or "TCP"))
    return out


def parse_cidr(text):
    """A CIDR as the API server reads it (Go's ParseCIDRSloppy): host bits
    masked, IPv4 parts with leading zeros read as decimal."""
    addr, _, plen = text.partition("/")
    if ":" not in addr:
        addr = ".".join(str(int(o, 10)) for o in addr.split("."))
    return ipaddress.ip_network("%s/%s" % (addr, plen), strict=False)


def in_cidr(ip, text):
    net = parse_cidr(text)
    return ip.version == net.version and ip in net


class SpecEval:
    def __init__(self, case):
        self.ns_labels = {}
        for ns, labels in case["namespaces"].items():
            self.ns_labels[ns] = dict(labels, **{"kubernetes.io/metadata.name": ns})
        self.policies = [(p["metadata"]["namespace"], p.get("spec") or {})
                         for p in case["policies"]]

    def selects(self, pol_ns, spec, ep):
        return (ep.is_pod and ep.ns == pol_ns and
                selector_matches(spec.get("podSelector") or {}, ep.labels))

    def peer_matches(self, peer, pol_ns, ep, family):
        if "ipBlock" in peer:
            ip = ep.ips.get(family)
            blk = peer["ipBlock"]
            if ip is None or not in_cidr(ip, blk["cidr"]):
                return False
            return not any(in_cidr(ip, e) for e in blk.get("except") or [])
        if not ep.is_pod:
            return False
        if "namespaceSelector" in peer:
            if not selector_matches(peer["namespaceSelector"],
                                    self.ns_labels.get(ep.ns, {})):
                return False
        elif ep.ns != pol_ns:
            return False
        if "podSelector" in peer:
            return selector_matches(peer["podSelector"], ep.labels)
        return True

    @staticmethod
    def port_matches(entries, dst, proto, port):
        if not entries:
            return True
        for e in entries:
            if e.get("protocol", "TCP") != proto:
                continue
            want = e.get("port")
            if want is None:
                return True
            if isinstance(want, int):
                if want <= port <= e.get("endPort", want):
                    return True
            elif (want, port, proto) in dst.named:
                return True
        return False

    def direction(self, kind, subject, peer, dst, family, proto, port):
        """Whether subject's policies of kind (Ingress/Egress) let this
        connection through; peer is the other end, dst resolves named ports."""
        rules_key, peers_key = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
        isolated = False
        for pol_ns, spec in self.policies:
            if kind not in policy_types(spec) or not self.selects(pol_ns, spec, subject):
                continue
            isolated = True
            for rule in spec.get(rules_key) or []:
                peers = rule.get(peers_key) or []
                if peers and not any(self.peer_matches(p, pol_ns, peer, family)
                                     for p in peers):
                    continue
                if self.port_matches(rule.get("ports") or [], dst, proto, port):
                    return True
        return not isolated

    def allowed(self, src, dst, family, proto, port):
        """A new connection from src to dst over family on proto/port."""
        if src is dst:
            return True
        if src.is_pod and not self.direction("Egress", src, dst, dst, family, proto, port):
            return False
        if dst.is_pod and not self.direction("Ingress", dst, src, dst, family, proto, port):
            return False
        return True
