# SPDX-License-Identifier: GPL-2.0-or-later
"""The connectivity scenarios (tests/connectivity/<name>/) as data (stdlib only).

A scenario is policy manifests, overrides of the model cluster's labels and
ports, extra pods, and truth tables written by hand from the NetworkPolicy spec
(tests/connectivity/README.md has the format).  tests/connectivity/run loads
them into a cluster and probes; tests/reach/run compares `nftpol matrix` and
`nftpol diff` with them; the agent's end-to-end and fault tests
(tests/e2e/harness.py) walk a live cluster from one scenario to another and
expect each one's table.  Nothing here computes reachability: the tables are
the only truth.
"""
import configparser
import os
import re

import tables
from cluster import (CONFORMANCE_HOST_PORTS, CONFORMANCE_HOST_SCTP, HERE,
                     HarnessError, nsexec)
from manifests import cluster_yaml

REPO = os.path.dirname(os.path.dirname(HERE))
DIR = os.path.join(REPO, "tests", "connectivity")
TOPOLOGIES = {
    "xyz": dict(layout="xyz", nodes=1, ipv6=False),
    "xyz-dual": dict(layout="xyz", nodes=1, ipv6=True),
    "xyz-2node": dict(layout="xyz", nodes=2, ipv6=False),
    "production": dict(layout="production", nodes=1, ipv6=False),
    # the upstream ClusterNetworkPolicy conformance cluster (cluster.py
    # layout_hogwarts), two nodes with host-network servers
    "hogwarts": dict(layout="hogwarts", nodes=2, ipv6=False, host_servers=True,
                     host_ports=CONFORMANCE_HOST_PORTS,
                     host_sctp_ports=CONFORMANCE_HOST_SCTP),
}
TEMPLATE = re.compile(r"\{\{\s*([\w.-]+/[\w.-]+)\.(ip4|ip6|svc4|svc6)\s*\}\}")


class Scenario:
    """One tests/connectivity/<name>/: scenario.conf, manifests and expect."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(DIR, name)
        conf = configparser.ConfigParser(interpolation=None)
        conf.optionxform = str
        conf.read(os.path.join(self.dir, "scenario.conf"))
        sc = conf["scenario"] if conf.has_section("scenario") else {}
        self.description = sc.get("description", "")
        self.topology = sc.get("topology", "xyz")
        if self.topology not in TOPOLOGIES:
            raise HarnessError("%s: unknown topology %s" % (name, self.topology))
        self.load_twice = sc.get("load-twice", "no") == "yes"
        self.timeout = float(sc.get("timeout", "1.0"))
        self.denied = sc.get("denied", "any")
        if self.denied not in ("any", "timeout"):
            raise HarnessError("%s: denied must be any or timeout" % name)
        self.source = sc.get("source", "")
        sect = lambda s: dict(conf[s]) if conf.has_section(s) else {}
        self.ns_labels = {k: labels(v) for k, v in sect("namespace-labels").items()}
        self.pod_labels = {k: labels(v) for k, v in sect("pod-labels").items()}
        self.pod_ports = {k: ports(v) for k, v in sect("pod-ports").items()}
        self.add_pods = {k: labels(v) for k, v in sect("add-pods").items()}
        self.policies = sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir)
                               if f.endswith((".yaml", ".yml", ".json")))
        self.policies += [os.path.join(REPO, f) for f in sc.get("files", "").split()]
        with open(os.path.join(self.dir, "expect")) as f:
            self.expect, _ = tables.parse(f.read(), os.path.join(name, "expect"))


def labels(text):
    """"a=1, b=2" -> {"a": "1", "b": "2"}."""
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        k, _, v = item.partition("=")
        out[k.strip()] = v.strip()
    return out


def ports(text):
    """"web=80/TCP, dns=53/UDP" -> [(name, port, proto)]."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, _, rest = item.partition("=")
        port, _, proto = rest.partition("/")
        out.append((name.strip(), int(port), proto.strip() or "TCP"))
    return out


def substitute(text, cluster):
    """Fill {{ns/pod.ip4|ip6|svc4|svc6}} with that pod's address in CLUSTER."""
    def one(m):
        try:
            return getattr(cluster.pod(m.group(1)), m.group(2))
        except KeyError:
            raise HarnessError("no pod %s for %s" % (m.group(1), m.group(0)))
    return TEMPLATE.sub(one, text)


def names():
    return sorted(d for d in os.listdir(DIR)
                  if os.path.isfile(os.path.join(DIR, d, "scenario.conf")))


def discover(wanted):
    """The scenarios named (a path's last part counts), or all of them."""
    all_names = names()
    for n in wanted:
        if n.rstrip("/").split("/")[-1] not in all_names:
            raise HarnessError("no scenario %r (have: %s)" % (n, " ".join(all_names)))
    picked = [n.rstrip("/").split("/")[-1] for n in wanted] or all_names
    return [Scenario(n) for n in picked]


def write_policies(sc, cluster, workdir):
    """The scenario's manifests with addresses filled in, written to WORKDIR;
    return their paths."""
    out = []
    for pol in sc.policies:
        with open(pol) as f:
            text = substitute(f.read(), cluster)
        out.append(os.path.join(workdir, os.path.basename(pol)))
        with open(out[-1], "w") as f:
            f.write(text)
    return out


def prepare(sc, cluster, workdir):
    """Add the scenario's extra pods (node 1), write the cluster manifest and
    the policies; return the file list."""
    for key, lab in sc.add_pods.items():
        ns, name = key.split("/")
        cluster.add_pod(ns, name, lab, node=1)
    files = [os.path.join(workdir, "cluster.yaml")]
    with open(files[0], "w") as f:
        f.write(cluster_yaml(cluster, ns_labels=sc.ns_labels,
                             pod_labels=sc.pod_labels, pod_ports=sc.pod_ports))
    return files + write_policies(sc, cluster, workdir)


ELEMENTS = re.compile(r"elements = \{(.*?)\}", re.S)


def ruleset(cluster, k):
    """The node's table as listed, with set elements sorted: hash sets list
    in an order that depends on a per-set random seed."""
    text = nsexec(cluster.nodes[k], "nft", "list", "table", "inet", "nftpol").stdout
    def norm(m):
        items = sorted(i.strip() for i in m.group(1).split(","))
        return "elements = { %s }" % ", ".join(items)
    return ELEMENTS.sub(norm, text)


def load(sc, cluster, loader, files, workdir, verbose):
    """Program every node from FILES (twice if the scenario says so: the
    ruleset must not change); return notes to print."""
    notes = []
    for k in sorted(cluster.nodes):
        script = loader.load(cluster, k, files, workdir)
        if script and verbose:
            notes.append("  %s: %d bytes of nft script" % (cluster.node_name(k),
                                                        os.path.getsize(script)))
        if sc.load_twice:
            before = ruleset(cluster, k)
            loader.load(cluster, k, files, workdir)
            if ruleset(cluster, k) != before:
                raise HarnessError("%s: loading twice changed the ruleset"
                                   % cluster.node_name(k))
            notes.append("  %s: loaded twice, ruleset unchanged" % cluster.node_name(k))
    return notes


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())
