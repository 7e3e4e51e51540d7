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

Cluster network policies (policy.networking.k8s.io: v1alpha2
ClusterNetworkPolicy, v1alpha1 AdminNetworkPolicy and
BaselineAdminNetworkPolicy), written from the API types (apis/v1alpha2/
clusternetworkpolicy_types.go, apis/v1alpha1/*.go of network-policy-api) and
issue 14.  For one direction of a connection at a pod:
  1. the Admin tier: the policies whose subject selects the pod, by
     priority, each one's rules of that direction in order; the first rule
     whose peers match the other end and whose ports match decides: Accept
     (v1alpha1 Allow) allows, Deny denies, Pass leaves the tier;
  2. NetworkPolicy: if one selects the pod for that direction, it decides;
  3. the Baseline tier, likewise (Pass: allowed);
  4. allowed.
A policy without rules of a direction does not affect it.  Subjects and
namespaces/pods peers are pods (never host-network ones: they are no
endpoints here); a pods peer or subject without namespaceSelector (v1alpha2,
optional) means every namespace; networks match any address in a CIDR (pods'
too; host bits masked); nodes match the IP addresses in status.addresses of
the Nodes the selector picks; protocols/ports absent = every protocol and
port; a port entry without protocol (v1alpha1) is TCP; a named port is the
destination pod's container port of that name, with that port's protocol
(the entry names no protocol), every one if declared twice.
Readings the API leaves to the implementation, as nftpol documents them:
  - equal priorities in a tier: by name, then ClusterNetworkPolicy before
    AdminNetworkPolicy (before BaselineAdminNetworkPolicy);
  - the BaselineAdminNetworkPolicy (no priority field) has priority 0 of the
    Baseline tier.
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


TIERS = {"Admin": 0, "Baseline": 1}
KINDS = {"ClusterNetworkPolicy": 0, "AdminNetworkPolicy": 1,
         "BaselineAdminNetworkPolicy": 2}
ACTIONS = {"Accept": "Accept", "Allow": "Accept", "Deny": "Deny", "Pass": "Pass"}


class ClusterRule:
    """One rule: action (Accept, Deny, Pass), peers (the API's objects) and
    ports: None (all traffic) or [(PROTO, lo, hi) | ("named", name)]."""

    def __init__(self, rule, peers_key, v1):
        self.action = ACTIONS[rule["action"]]
        self.peers = rule[peers_key]
        self.ports = None
        if v1 and rule.get("ports") is not None:
            self.ports = [self.v1_port(e) for e in rule["ports"]]
        if not v1 and rule.get("protocols") is not None:
            self.ports = [self.v2_port(e) for e in rule["protocols"]]

    @staticmethod
    def v1_port(e):
        if "namedPort" in e:
            return ("named", e["namedPort"])
        if "portNumber" in e:
            p = e["portNumber"]
            return (p.get("protocol") or "TCP", p["port"], p["port"])
        p = e["portRange"]
        return (p.get("protocol") or "TCP", p["start"], p["end"])

    @staticmethod
    def v2_port(e):
        if "destinationNamedPort" in e:
            return ("named", e["destinationNamedPort"])
        (proto, body), = e.items()
        dp = (body or {}).get("destinationPort")
        if dp is None:
            return (proto.upper(), 1, 65535)
        if "range" in dp:
            return (proto.upper(), dp["range"]["start"], dp["range"]["end"])
        return (proto.upper(), dp["number"], dp["number"])


class ClusterPolicy:
    def __init__(self, obj):
        kind, spec = obj["kind"], obj.get("spec") or {}
        v1 = obj["apiVersion"].endswith("/v1alpha1")
        self.name, self.kind = obj["metadata"]["name"], kind
        self.tier = spec["tier"] if kind == "ClusterNetworkPolicy" else \
            "Admin" if kind == "AdminNetworkPolicy" else "Baseline"
        self.priority = spec.get("priority", 0)
        self.subject = spec["subject"]
        self.rules = {
            "Ingress": [ClusterRule(r, "from", v1) for r in spec.get("ingress") or []],
            "Egress": [ClusterRule(r, "to", v1) for r in spec.get("egress") or []]}

    def order(self):
        return (TIERS[self.tier], self.priority, self.name, KINDS[self.kind])


def node_addresses(node):
    """The IP addresses in a Node's status.addresses (not the Hostname)."""
    out = set()
    for a in (node.get("status") or {}).get("addresses") or []:
        try:
            out.add(ipaddress.ip_address(a["address"]))
        except ValueError:
            pass
    return out


class SpecEval:
    def __init__(self, case):
        self.ns_labels = {}
        for ns, labels in case["namespaces"].items():
            self.ns_labels[ns] = dict(labels, **{"kubernetes.io/metadata.name": ns})
        self.policies = [(p["metadata"]["namespace"], p.get("spec") or {})
                         for p in case["policies"]]
        self.cluster = sorted((ClusterPolicy(o) for o in case.get("clusterPolicies") or []),
                              key=ClusterPolicy.order)
        self.nodes = []         # (labels, addresses)
        if "clusterPolicies" in case:
            from gen import node_objects        # the Nodes case.py writes
            for n in node_objects(case):
                self.nodes.append((n["metadata"].get("labels") or {}, node_addresses(n)))

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

    # -- cluster network policies --------------------------------------
    def namespaced_pod(self, sel, ep):
        """NamespacedPod: namespaceSelector (absent: every namespace) AND
        podSelector, over a pod endpoint."""
        return (ep.is_pod and
                selector_matches(sel.get("namespaceSelector") or {},
                                 self.ns_labels.get(ep.ns, {})) and
                selector_matches(sel.get("podSelector") or {}, ep.labels))

    def subject_selects(self, pol, ep):
        s = pol.subject
        if not ep.is_pod:
            return False
        if "namespaces" in s:
            return selector_matches(s["namespaces"] or {}, self.ns_labels.get(ep.ns, {}))
        return self.namespaced_pod(s["pods"] or {}, ep)

    def cluster_peer(self, peer, ep, family):
        if "namespaces" in peer:
            return ep.is_pod and selector_matches(peer["namespaces"] or {},
                                                  self.ns_labels.get(ep.ns, {}))
        if "pods" in peer:
            return self.namespaced_pod(peer["pods"] or {}, ep)
        ip = ep.ips.get(family)
        if "networks" in peer:
            return ip is not None and any(in_cidr(ip, c) for c in peer["networks"])
        if "nodes" in peer:
            return ip is not None and any(
                ip in addrs for labels, addrs in self.nodes
                if selector_matches(peer["nodes"] or {}, labels))
        raise ValueError("cluster policy peer %r" % (peer,))

    @staticmethod
    def cluster_ports(ports, dst, proto, port):
        if ports is None:
            return True
        for p in ports:
            if p[0] == "named":
                if (p[1], port, proto) in dst.named:
                    return True
            elif p[0] == proto and p[1] <= port <= p[2]:
                return True
        return False

    def tier(self, tier, kind, subject, peer, dst, family, proto, port):
        """The action of the first matching rule of tier's policies that
        select subject (Accept, Deny, Pass), or None."""
        for pol in self.cluster:
            if pol.tier != tier or not self.subject_selects(pol, subject):
                continue
            for rule in pol.rules[kind]:
                if any(self.cluster_peer(p, peer, family) for p in rule.peers) and \
                        self.cluster_ports(rule.ports, dst, proto, port):
                    return rule.action
        return None

    def direction(self, kind, subject, peer, dst, family, proto, port):
        """Whether subject's policies of kind (Ingress/Egress) let this
        connection through: Admin tier, NetworkPolicy, Baseline tier, allow;
        peer is the other end, dst resolves named ports."""
        act = self.tier("Admin", kind, subject, peer, dst, family, proto, port)
        if act in ("Accept", "Deny"):
            return act == "Accept"
        np = self.network_policy(kind, subject, peer, dst, family, proto, port)
        if np is not None:
            return np
        act = self.tier("Baseline", kind, subject, peer, dst, family, proto, port)
        return act != "Deny"

    def network_policy(self, kind, subject, peer, dst, family, proto, port):
        """NetworkPolicy's decision, or None if none selects subject for kind."""
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
        return False if isolated else None

    def allowed(self, src, dst, family, proto, port):
        """A new connection from src to dst over family on proto/port."""
        if src is dst:
            return True
        if src.is_pod and not self.direction("Egress", src, dst, dst, family, proto, port):
            return False
        if dst.is_pod and not self.direction("Ingress", dst, src, dst, family, proto, port):
            return False
        return True
