# SPDX-License-Identifier: GPL-2.0-or-later
"""Random clusters and NetworkPolicies for tests/random (stdlib only).

generate(seed) returns a *case*: plain JSON-able data that fully describes a
cluster and its policies, the format of tests/random/regressions/*.json:

  {"comment": "...",            # free text (regressions: what it caught)
   "nodes": 1 | 2, "ipv6": bool, "format": "yaml" | "json",
   "namespaces": {NAME: {LABEL: VALUE}},      # kubernetes.io/metadata.name is added
   "pods": [{"namespace", "name", "labels", "node",
             "containers": [[[NAME|null, PORT, PROTO|null], ...], ...],
             "initContainers": [[...]],      # optional, sidecars
             "phase": "Running" | "Pending" | "Succeeded" | "Failed",  # default Running
             "hostNetwork": bool,             # optional
             "ips": [IP, ...]}],              # only for pods that are not running
                                              # ones: a running pod's addresses
                                              # follow tests/lib/cluster.py
   "policies": [NetworkPolicy objects, verbatim],
   "clusterPolicies": [ClusterNetworkPolicy, AdminNetworkPolicy or
                       BaselineAdminNetworkPolicy objects, verbatim],  # optional;
                                              # when present the Nodes are
                                              # written too (node_objects)
   "nodeLabels": {"K": {LABEL: VALUE}},       # optional: more labels of node-K
   "ports": ["80/TCP", ...]}                   # optional: the ports to check

Running pods (phase Running, not hostNetwork) become real pods of the model
cluster, numbered in list order.  The generator aims at every field of the
NetworkPolicy spec and at the corner cases of docs/k8s-api notes: empty vs
absent, every selector operator, ipBlock with host bits and except, port
lists with adjacent, duplicate and overlapping entries, ranges, named ports
(also one name declared twice in a pod), TCP/UDP/SCTP, dual-stack.

In 40 % of the seeds (drawn from a second random stream, so the cluster and
NetworkPolicies of a seed are those the generator made before cluster
policies existed) the case also has 0-4 cluster network policies
(cluster_policies): v1alpha2 ClusterNetworkPolicy of either tier, sometimes
v1alpha1 AdminNetworkPolicy or the BaselineAdminNetworkPolicy `default`;
priorities from a short list (ties are common, names shared across kinds);
every subject and peer kind, networks over pod addresses, pods' /32, /0,
the nodes' and outside addresses, nodes peers on the Nodes' labels, ports as
numbers, ranges and names.
"""
import ipaddress
import json
import random
import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from cluster import Pod  # noqa: E402
from manifests import node_obj  # noqa: E402

NS_NAMES = ["x", "y", "z", "w"]
POD_NAMES = ["a", "b", "c"]
NS_KEYS = ["team", "env"]
NS_VALUES = ["a", "b", ""]
POD_KEYS = ["app", "tier", "example.com/zone"]
POD_VALUES = ["a", "b", "c", ""]
PORT_NAMES = ["web", "alt", "dns"]
PROTOS = ["TCP", "UDP", "SCTP"]
# Port windows: ports of a cluster come from one narrow window, so adjacent,
# duplicate and overlapping entries are frequent; the edges of the port space
# are windows too.
BASES = [1, 80, 8080, 65528]
WIDTH = 8
# Cluster network policies: a short list of priorities and names, so that
# ties (same priority; same name in two kinds) are common.
CNP_SHARE = 0.4
CNP_PRIORITIES = [0, 1, 5, 5, 10, 10, 999, 1000]
CNP_NAMES = ["default", "guard", "lock", "open"]
NODE_KEYS = ["kubernetes.io/hostname", "node-role", "zone"]
NODE_VALUES = ["worker", "a", "b", ""]


def running(pod):
    """A pod that exists in the model cluster: Running and not hostNetwork."""
    return pod.get("phase", "Running") == "Running" and not pod.get("hostNetwork")


def running_pods(case):
    return [p for p in case["pods"] if running(p)]


def model_pods(case):
    """tests/lib Pod objects (addresses) of the running pods, in order."""
    return [Pod(p["namespace"], p["name"], p["labels"], p["node"], i, [])
            for i, p in enumerate(running_pods(case))]


def pod_ips(case, pod, model=None):
    """The addresses of a pod of the case: [ip4] or [ip4, ip6]; [] if none."""
    if "ips" in pod or not running(pod):
        return list(pod.get("ips", []))
    model = model or model_pods(case)
    for m in model:
        if (m.namespace, m.name) == (pod["namespace"], pod["name"]):
            return [m.ip4] + ([m.ip6] if case["ipv6"] else [])
    raise KeyError(pod["name"])


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(list(seq))

    # -- cluster --------------------------------------------------------
    def cluster(self):
        r = self.r
        self.nodes = self.pick([1, 1, 2])
        self.ipv6 = self.chance(0.5)
        base = self.pick(BASES)
        self.window = list(range(base, min(base + WIDTH, 65536)))
        nss = NS_NAMES[:r.randint(2, 4)]
        self.namespaces = {}
        for ns in nss:
            keys = r.sample(NS_KEYS, r.randint(0, 2))
            self.namespaces[ns] = {k: self.pick(NS_VALUES) for k in keys}
        pods = []
        for ns in nss:
            for name in POD_NAMES[:r.randint(1, 3)]:
                pods.append(self.pod(ns, name))
        self.pods = pods
        self.extra_pods()

    def labels(self):
        keys = self.r.sample(POD_KEYS, self.r.randint(0, 3))
        return {k: self.pick(POD_VALUES) for k in keys}

    def container_ports(self, names):
        out = []
        for _ in range(self.r.randint(0, 3)):
            free = [n for n in PORT_NAMES if n not in names]
            name = self.pick(free) if free and self.chance(0.8) else None
            if name:
                names.add(name)
            proto = self.pick(PROTOS) if self.chance(0.8) else None
            out.append([name, self.pick(self.window), proto])
        return out

    def pod(self, ns, name):
        r = self.r
        containers = [self.container_ports(set()) for _ in range(r.randint(1, 2))]
        if len(containers) == 2 and self.chance(0.8):
            # The same name in two containers, another number (the API server
            # only warns): every number counts.
            first = [p for p in containers[0] if p[0]]
            if first:
                n = self.pick(first)
                taken = {p[0] for p in containers[1]}
                if n[0] not in taken:
                    containers[1].append([n[0], self.pick(self.window),
                                          n[2] if self.chance(0.7) else self.pick(PROTOS)])
        pod = {"namespace": ns, "name": name, "labels": self.labels(),
               "node": r.randint(1, self.nodes), "containers": containers}
        if self.chance(0.1):
            pod["initContainers"] = [self.container_ports(set())]
        return pod

    def extra_pods(self):
        """Pods that are no peers nor targets: terminal ones keeping the IP of a
        running pod, Pending without an IP, hostNetwork with the node's."""
        model = model_pods({"pods": self.pods})
        ns = list(self.namespaces)
        if self.chance(0.3):
            m = self.pick(model)
            ips = [m.ip4] + ([m.ip6] if self.ipv6 else [])
            self.pods.append({"namespace": self.pick(ns), "name": "done",
                              "labels": self.labels(), "node": m.node,
                              "containers": [self.container_ports(set())],
                              "phase": self.pick(["Succeeded", "Failed"]), "ips": ips})
        if self.chance(0.2):
            self.pods.append({"namespace": self.pick(ns), "name": "pending",
                              "labels": self.labels(), "node": 1,
                              "containers": [self.container_ports(set())],
                              "phase": "Pending", "ips": []})
        if self.chance(0.2):
            k = self.r.randint(1, self.nodes)
            ips = ["172.18.0.%d" % k] + (["fd00:18::%d" % k] if self.ipv6 else [])
            self.pods.append({"namespace": self.pick(ns), "name": "hostnet",
                              "labels": self.labels(), "node": k,
                              "containers": [self.container_ports(set())],
                              "hostNetwork": True, "ips": ips})

    # -- selectors ------------------------------------------------------
    def selector(self, keys, values, names=None, targets=()):
        """A LabelSelector over keys; half the time its terms are chosen to
        match one of targets (label maps), so it selects some but not all."""
        r = self.r
        if self.chance(0.2):
            return self.pick([{}, {"matchLabels": {}}, {"matchExpressions": []}])
        want = self.pick(targets) if targets and self.chance(0.5) else None
        sel = {}
        if self.chance(0.6):
            sel["matchLabels"] = {}
            for k in r.sample(keys, r.randint(1, 2)):
                if want is not None and k in want:
                    sel["matchLabels"][k] = want[k]
                else:
                    sel["matchLabels"][k] = self.value(k, values, names)
            if want is not None and not set(sel["matchLabels"]) <= set(want):
                del sel["matchLabels"]
        if not sel or self.chance(0.5):
            exprs = []
            for k in r.sample(keys + ["nokey"], r.randint(1, 2)):
                exprs.append(self.expression(k, values, names, want))
            sel["matchExpressions"] = exprs
        return sel

    def expression(self, k, values, names, want):
        op = self.pick(["In", "NotIn", "Exists", "DoesNotExist"])
        if want is not None:
            op = self.pick(["In", "Exists"] if k in want else ["NotIn", "DoesNotExist"])
        e = {"key": k, "operator": op}
        if op in ("In", "NotIn"):
            vals = {self.value(k, values, names) for _ in range(self.r.randint(1, 3))}
            if want is not None and k in want:
                vals.add(want[k])
            e["values"] = sorted(vals)
        elif self.chance(0.15):
            e["values"] = []
        return e

    def value(self, key, values, names):
        if key == "kubernetes.io/metadata.name" and names:
            return self.pick(names)
        if key == "kubernetes.io/hostname":
            return "node-%d" % self.r.randint(1, 3)
        return self.pick(values)

    def pod_selector(self):
        return self.selector(list(POD_KEYS), POD_VALUES,
                             targets=[p["labels"] for p in self.pods])

    def ns_selector(self):
        return self.selector(NS_KEYS + ["kubernetes.io/metadata.name"], NS_VALUES,
                             list(self.namespaces) + ["v"],
                             [dict(v, **{"kubernetes.io/metadata.name": k})
                              for k, v in self.namespaces.items()])

    # -- peers ----------------------------------------------------------
    def peer(self):
        k = self.pick(["pod", "pod", "ns", "ns", "both", "both", "ip", "ip", "ip"])
        if k == "pod":
            return {"podSelector": self.pod_selector()}
        if k == "ns":
            return {"namespaceSelector": self.ns_selector()}
        if k == "both":
            return {"namespaceSelector": self.ns_selector(),
                    "podSelector": self.pod_selector()}
        return {"ipBlock": self.ipblock()}

    def ipblock(self):
        model = model_pods({"pods": self.pods})
        six = self.ipv6 and self.chance(0.4)
        bits = 128 if six else 32
        addr = ipaddress.ip_address(self.pick([m.ip6 if six else m.ip4 for m in model]))
        if self.chance(0.1):
            plen = 0
        else:
            plen = bits - self.pick([0, 0, 1, 2, 4, 8, 16, 24]) if self.chance(0.8) \
                else self.pick([8, 16, 24] if not six else [48, 64, 96])
        net = ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)
        # Host bits set half the time: the API server reads the network.
        text = self.spell(addr if self.chance(0.5) else net.network_address, plen)
        blk = {"cidr": text}
        if plen < bits and self.chance(0.5):
            inside = [ipaddress.ip_address(m.ip6 if six else m.ip4) for m in model]
            inside = [a for a in inside if a in net] or [addr]
            ex = []
            for _ in range(self.r.randint(1, 3)):
                a = self.pick(inside)
                elen = self.r.randint(plen + 1, bits) if self.chance(0.4) \
                    else bits - self.pick([0, 0, 1, 2, 3])
                elen = max(elen, plen + 1)
                enet = ipaddress.ip_network("%s/%d" % (a, elen), strict=False)
                ex.append(self.spell(a if self.chance(0.3) else enet.network_address, elen))
            blk["except"] = ex
        return blk

    def spell(self, addr, plen):
        """A CIDR, sometimes spelt as the API server still accepts it: IPv4
        with leading zeros (read as decimal), IPv6 upper case or expanded."""
        text = str(addr)
        if self.chance(0.15):
            if addr.version == 4:
                text = ".".join("%03d" % int(o) for o in text.split("."))
            else:
                text = self.pick([text.upper(), addr.exploded])
        return "%s/%d" % (text, plen)

    # -- ports ----------------------------------------------------------
    def proto(self):
        return self.pick([None, None, "TCP", "UDP", "UDP", "SCTP"])

    def port_entry(self, prev):
        r = self.r
        kind = self.pick(["num"] * 5 + ["range"] * 2 + ["name"] * 3 + ["none", "again"])
        e = {}
        if kind == "again" and prev:
            return dict(self.pick(prev))       # a duplicate entry
        proto = self.proto()
        if proto:
            e["protocol"] = proto
        if kind in ("num", "again"):
            e["port"] = self.pick(self.window)
        elif kind == "range":
            lo = self.pick(self.window)
            e["port"] = lo
            e["endPort"] = min(lo + r.randint(0, 3), 65535)
        elif kind == "name":
            declared = [(n, proto or "TCP") for p in self.pods
                        for c in p["containers"] + p.get("initContainers", [])
                        for n, _, proto in c if n]
            if declared and self.chance(0.7):
                # A name some pod declares, with its protocol.
                name, proto = self.pick(declared)
                e = {"port": name}
                if proto != "TCP" or self.chance(0.5):
                    e["protocol"] = proto
            else:
                e["port"] = self.pick(PORT_NAMES + ["nope"])
        return e

    def ports(self):
        if self.chance(0.25):
            return None
        if self.chance(0.1):
            return []
        out = []
        for _ in range(self.r.randint(1, 4)):
            if self.chance(0.2):
                out += self.port_run()
            else:
                out.append(self.port_entry(out))
        self.r.shuffle(out)
        return out

    def port_run(self):
        """Adjacent single ports of one protocol (issue 9: [8080, 8081])."""
        proto = self.proto()
        lo = self.pick(self.window)
        out = []
        for p in range(lo, min(lo + self.r.randint(2, 3), 65536)):
            out.append({"port": p, **({"protocol": proto} if proto else {})})
        return out

    # -- policies -------------------------------------------------------
    def rules(self, peer_key):
        if self.chance(0.3):
            return None
        if self.chance(0.15):
            return []
        out = []
        for _ in range(self.r.randint(1, 3)):
            rule = {}
            if not self.chance(0.3):
                rule[peer_key] = [] if self.chance(0.1) else \
                    [self.peer() for _ in range(self.r.randint(1, 3))]
            ports = self.ports()
            if ports is not None:
                rule["ports"] = ports
            out.append(rule)
        return out

    def policy(self, i):
        spec = {}
        if self.chance(0.03):
            return self.finish(i, spec)     # spec {} or absent: deny all ingress
        if not self.chance(0.1):
            spec["podSelector"] = self.pod_selector()
        types = self.pick([None, None, None, [], ["Ingress"], ["Ingress"], ["Egress"],
                           ["Egress"], ["Ingress", "Egress"], ["Egress", "Ingress"],
                           ["Ingress", "Ingress"]])
        if types is not None:
            spec["policyTypes"] = types
        for key, peer_key in (("ingress", "from"), ("egress", "to")):
            rules = self.rules(peer_key)
            if rules is not None:
                spec[key] = rules
        return self.finish(i, spec)

    def finish(self, i, spec):
        pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "p%d" % i, "namespace": self.pick(self.namespaces)},
               "spec": spec}
        if not spec and self.chance(0.5):
            del pol["spec"]         # omitempty: an empty spec is read as {}
        return pol

    # -- cluster network policies -----------------------------------------
    # (drawn from self.r once case() has switched it to the second stream)
    def node_labels(self):
        out = {}
        for k in range(1, self.nodes + 1):
            labels = {}
            if self.chance(0.6):
                labels["zone"] = self.pick(["a", "b"])
            if self.chance(0.2):
                labels["node-role"] = self.pick(["edge", ""])   # replaces worker
            if labels:
                out[str(k)] = labels
        return out

    def node_selector(self):
        nodes = node_objects({"nodes": self.nodes, "ipv6": self.ipv6,
                              "nodeLabels": self.nodeLabels})
        return self.selector(list(NODE_KEYS), NODE_VALUES,
                             targets=[n["metadata"]["labels"] for n in nodes])

    def namespaced_pod(self, optional_ns):
        """NamespacedPod: namespaceSelector (optional in v1alpha2, empty:
        every namespace) AND podSelector."""
        out = {}
        if not optional_ns or self.chance(0.85):
            out["namespaceSelector"] = self.ns_selector()
        out["podSelector"] = self.pod_selector()
        return out

    def subject(self, optional_ns):
        if self.chance(0.2):
            return {"namespaces": {}}
        if self.chance(0.5):
            return {"namespaces": self.ns_selector()}
        return {"pods": self.namespaced_pod(optional_ns)}

    def network(self, six):
        """A CIDR: over a pod address (its host route to a /8), /0, the
        nodes' link, outside hosts; host bits set now and then."""
        model = model_pods({"pods": self.pods})
        bits = 128 if six else 32
        k = self.pick(["pod", "pod", "pod", "host", "all", "node", "out"])
        if k in ("pod", "host"):
            addr = self.pick([m.ip6 if six else m.ip4 for m in model])
            plen = bits if k == "host" else bits - self.pick([0, 1, 2, 4, 8, 16, 24])
        elif k == "all":
            addr, plen = ("::" if six else "0.0.0.0"), 0
        elif k == "node":
            addr = ("fd00:18::%d" if six else "172.18.0.%d") % self.r.randint(1, self.nodes)
            plen = bits - self.pick([0, 0, 8])
        else:
            addr = self.pick(["2001:db8::1", "fd00:10:245::1"] if six else
                             ["192.0.2.1", "10.245.0.1"])
            plen = bits - self.pick([0, 8, 16])
        net = ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)
        text = str(addr) if self.chance(0.3) else str(net.network_address)
        if six and self.chance(0.15):
            text = self.pick([text.upper(), ipaddress.ip_address(text).exploded])
        return "%s/%d" % (text, plen)

    def cnp_peer(self, egress, v1):
        kinds = ["namespaces", "pods", "pods"]
        if egress:
            kinds += ["networks", "networks", "nodes", "nodes"]
        k = self.pick(kinds)
        if k == "namespaces":
            return {"namespaces": self.ns_selector()}
        if k == "pods":
            return {"pods": self.namespaced_pod(not v1)}
        if k == "nodes":
            return {"nodes": self.node_selector()}
        nets = []
        for _ in range(self.r.randint(1, 3)):
            n = self.network(self.ipv6 and self.chance(0.4))
            if n not in nets:          # listType=set
                nets.append(n)
        return {"networks": nets}

    def declared_names(self):
        return [n for p in self.pods
                for c in p["containers"] + p.get("initContainers", []) for n, _, _ in c if n]

    def named(self):
        names = self.declared_names()
        return self.pick(names) if names and self.chance(0.8) else self.pick(PORT_NAMES + ["nope"])

    def port_span(self):
        lo = self.pick(self.window)
        if self.chance(0.6) or lo == 65535:
            return lo, lo
        return lo, min(lo + self.r.randint(1, 3), 65535)

    def protocols(self, named_ok):
        """v1alpha2 protocols: absent (all traffic) or 1-3 entries."""
        if self.chance(0.35):
            return None
        out = []
        for _ in range(self.r.randint(1, 3)):
            if named_ok and self.chance(0.25):
                out.append({"destinationNamedPort": self.named()})
                continue
            lo, hi = self.port_span()
            dp = {"number": lo} if lo == hi else {"range": {"start": lo, "end": hi}}
            out.append({self.pick(["tcp", "tcp", "udp", "sctp"]): {"destinationPort": dp}})
        return out

    def v1_ports(self, named_ok):
        """v1alpha1 ports: portNumber, portRange (protocol defaults to TCP),
        namedPort."""
        if self.chance(0.35):
            return None
        out = []
        for _ in range(self.r.randint(1, 3)):
            if named_ok and self.chance(0.25):
                out.append({"namedPort": self.named()})
                continue
            lo, hi = self.port_span()
            proto = {} if self.chance(0.3) else {"protocol": self.pick(["TCP", "UDP", "SCTP"])}
            if lo == hi and self.chance(0.8):
                out.append({"portNumber": dict(proto, port=lo)})
            else:
                hi = hi if hi > lo else lo + 1
                if hi > 65535:
                    lo, hi = 65534, 65535
                out.append({"portRange": dict(proto, start=lo, end=hi)})
        return out

    def cnp_rules(self, egress, actions, v1):
        if self.chance(0.2):
            return None
        out = []
        for i in range(self.r.randint(1, 3)):
            rule = {}
            if self.chance(0.5):
                rule["name"] = "r%d" % i
            rule["action"] = self.pick(actions)
            peers = [self.cnp_peer(egress, v1) for _ in range(self.r.randint(1, 3))]
            rule["to" if egress else "from"] = peers
            named_ok = not any("networks" in p or "nodes" in p for p in peers)
            ports = self.v1_ports(named_ok) if v1 else self.protocols(named_ok)
            if ports is not None:
                rule["ports" if v1 else "protocols"] = ports
            out.append(rule)
        return out

    def cluster_policy(self, taken, made):
        tier = self.pick(["Admin", "Baseline"])
        v1 = self.chance(0.25)
        if v1 and tier == "Baseline" and ("BaselineAdminNetworkPolicy", "default") in taken:
            v1 = False
        if not v1:
            kind, actions = "ClusterNetworkPolicy", ["Accept", "Deny", "Pass"]
        elif tier == "Admin":
            kind, actions = "AdminNetworkPolicy", ["Allow", "Deny", "Pass"]
        else:
            kind, actions = "BaselineAdminNetworkPolicy", ["Allow", "Deny"]
        priority = self.pick(CNP_PRIORITIES)
        tie = None
        if kind == "BaselineAdminNetworkPolicy":
            name = "default"
        else:
            free = [n for n in CNP_NAMES if (kind, n) not in taken]
            name = self.pick(free)
            # Now and then the name and priority of a policy of another kind
            # in the tier: the tie nftpol breaks by kind.
            same = [(p["metadata"]["name"], p["spec"].get("priority", 0), p) for p in made
                    if p["kind"] != kind and (p["kind"] == "AdminNetworkPolicy" or
                                              p["spec"].get("tier", "Baseline") == tier)
                    and p["kind"] != ("BaselineAdminNetworkPolicy" if tier == "Admin" else
                                      "AdminNetworkPolicy")
                    and (kind, p["metadata"]["name"]) not in taken]
            if same and self.chance(0.5):
                name, priority, tie = self.pick(same)
        taken.add((kind, name))
        spec = {}
        if kind == "ClusterNetworkPolicy":
            spec["tier"] = tier
        if kind != "BaselineAdminNetworkPolicy":
            spec["priority"] = priority
        spec["subject"] = self.subject(not v1)
        if kind != "BaselineAdminNetworkPolicy" and tie is not None and self.chance(0.7):
            # the same subject, so the order of the two decides
            spec["subject"] = json.loads(json.dumps(tie["spec"]["subject"]))
            if v1 and "pods" in spec["subject"]:
                spec["subject"]["pods"].setdefault("namespaceSelector", {})
        for key, egress in (("ingress", False), ("egress", True)):
            rules = self.cnp_rules(egress, actions, v1)
            theirs = (tie or {}).get("spec", {}).get(key)
            if theirs and self.chance(0.7):
                # First, the peers of one of the tied policy's rules with
                # another action: which of the two comes first decides.
                other = self.pick(theirs)
                peers_key = "to" if egress else "from"
                peers = json.loads(json.dumps(other[peers_key]))
                for p in peers:
                    if v1 and "pods" in p:
                        p["pods"].setdefault("namespaceSelector", {})
                was = {"Allow": "Accept"}.get(other["action"], other["action"])
                act = self.pick([a for a in actions
                                 if {"Allow": "Accept"}.get(a, a) != was])
                rules = [{"action": act, peers_key: peers}] + (rules or [])
            if rules is not None:
                spec[key] = rules
        version = "v1alpha1" if v1 else "v1alpha2"
        return {"apiVersion": "policy.networking.k8s.io/" + version, "kind": kind,
                "metadata": {"name": name}, "spec": spec}

    def cluster_policies(self):
        taken = set()
        n = 0 if self.chance(0.1) else self.r.randint(1, 4)
        made = []
        for _ in range(n):
            made.append(self.cluster_policy(taken, made))
        return made

    def case(self):
        self.cluster()
        pols = [self.policy(i) for i in range(self.r.randint(1, 4))]
        out = {"comment": "seed %d" % self.seed, "nodes": self.nodes,
               "ipv6": self.ipv6, "format": self.pick(["yaml", "json"]),
               "namespaces": self.namespaces, "pods": self.pods,
               "policies": pols}
        # Cluster network policies from a second stream: what the first one
        # drew above is the case this seed always had.
        self.r = random.Random("cnp-%d" % self.seed)
        if self.chance(CNP_SHARE):
            self.nodeLabels = self.node_labels()
            if self.nodeLabels:
                out["nodeLabels"] = self.nodeLabels
            out["clusterPolicies"] = self.cluster_policies()
        return out


def generate(seed):
    """The case of a seed (deterministic for a given version of this file)."""
    return Gen(seed).case()


def node_objects(case):
    """The Node objects of the case's model nodes: tests/lib/manifests.py's
    (kubelet labels, InternalIP 172.18.0.K and fd00:18::K dual-stack: the node
    link the cluster really has, Hostname) with the case's nodeLabels over
    them."""
    class Shape:        # what node_obj reads of a tests/lib Cluster
        ipv6 = case["ipv6"]

        @staticmethod
        def node_name(k):
            return "node-%d" % k
    out = []
    for k in range(1, case["nodes"] + 1):
        n = node_obj(Shape, k)
        n["metadata"]["labels"].update((case.get("nodeLabels") or {}).get(str(k), {}))
        out.append(n)
    return out


def cluster_policy_ports(pol):
    """The port numbers a cluster network policy names (numbers and ranges)."""
    nums = set()
    spec = pol.get("spec") or {}
    for key in ("ingress", "egress"):
        for rule in spec.get(key) or []:
            for e in rule.get("protocols") or []:
                for proto in ("tcp", "udp", "sctp"):
                    dp = (e.get(proto) or {}).get("destinationPort") or {}
                    if "number" in dp:
                        nums.add(dp["number"])
                    if "range" in dp:
                        nums.update(range(dp["range"]["start"], dp["range"]["end"] + 1))
            for e in rule.get("ports") or []:
                if "portNumber" in e:
                    nums.add(e["portNumber"]["port"])
                if "portRange" in e:
                    nums.update(range(e["portRange"]["start"], e["portRange"]["end"] + 1))
    return nums


def check_ports(case):
    """The (port, proto) pairs to check: the case's "ports", else every port a
    policy or a container names, its neighbours, and one port nobody names."""
    if case.get("ports"):
        out = []
        for s in case["ports"]:
            n, _, proto = s.partition("/")
            out.append((int(n), proto.upper() or "TCP"))
        return out
    nums = set()
    for pol in case["policies"]:
        spec = pol.get("spec") or {}
        for key in ("ingress", "egress"):
            for rule in spec.get(key) or []:
                for e in rule.get("ports") or []:
                    if isinstance(e.get("port"), int):
                        nums.update(range(e["port"], e.get("endPort", e["port"]) + 1))
    for pol in case.get("clusterPolicies") or []:
        nums |= cluster_policy_ports(pol)
    for p in case["pods"]:
        for c in p["containers"] + p.get("initContainers", []):
            nums.update(x[1] for x in c)
    near = set()
    for n in nums:
        near.update((n - 1, n, n + 1))
    far = 40000 if not any(39990 < n < 40010 for n in near) else 20000
    near.add(far)
    ports = sorted(n for n in near if 1 <= n <= 65535)
    return [(n, proto) for proto in PROTOS for n in ports]
