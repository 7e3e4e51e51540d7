# SPDX-License-Identifier: GPL-2.0-or-later
"""A case of tests/random (see gen.py for the format): its manifests, its
endpoints and the model cluster that runs it.  Stdlib only."""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
from cluster import Cluster                       # noqa: E402
from manifests import namespace_obj, to_yaml      # noqa: E402
from gen import model_pods, node_objects, pod_ips, running  # noqa: E402
from speceval import Endpoint, declared_ports     # noqa: E402

# Addresses no pod has: the node link, an unused pod address, outside hosts.
EXTERNAL = {4: ["172.18.0.9", "10.244.1.250", "10.245.0.1", "192.0.2.1"],
            6: ["fd00:18::9", "fd00:10:244:1::250", "fd00:10:245::1", "2001:db8::1"]}
NODE_IP = {4: "172.18.0.%d", 6: "fd00:18::%d"}


def pod_obj(case, pod, model):
    containers = []
    for i, ports in enumerate(pod["containers"]):
        containers.append({"name": "c%d" % i, "image": "agnhost",
                           "ports": [port_obj(p) for p in ports]})
    spec = {"nodeName": "node-%d" % pod["node"], "containers": containers}
    if pod.get("initContainers"):
        spec["initContainers"] = [{"name": "init%d" % i, "image": "agnhost",
                                   "restartPolicy": "Always",
                                   "ports": [port_obj(p) for p in ports]}
                                  for i, ports in enumerate(pod["initContainers"])]
    if pod.get("hostNetwork"):
        spec["hostNetwork"] = True
    status = {"phase": pod.get("phase", "Running"), "hostIP": "172.18.0.%d" % pod["node"]}
    ips = pod_ips(case, pod, model)
    if ips:
        status["podIP"] = ips[0]
        status["podIPs"] = [{"ip": ip} for ip in ips]
    meta = {"name": pod["name"], "namespace": pod["namespace"]}
    if pod["labels"]:
        meta["labels"] = pod["labels"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": status}


def port_obj(p):
    name, num, proto = p
    out = {"containerPort": num}
    if name:
        out["name"] = name
    if proto:
        out["protocol"] = proto
    return out


def objects(case):
    """The cluster's objects: with cluster policies, its Nodes first."""
    model = model_pods(case)
    objs = node_objects(case) if "clusterPolicies" in case else []
    objs += [namespace_obj(ns, labels) for ns, labels in case["namespaces"].items()]
    objs += [pod_obj(case, p, model) for p in case["pods"]]
    return objs


def write(case, workdir):
    """Write the cluster and the policies in the case's format; return the files."""
    parts = [("cluster", objects(case)),
             ("policies", case["policies"] + case.get("clusterPolicies", []))]
    files = []
    for name, objs in parts:
        if not objs:
            continue
        if case.get("format") == "json":
            path = os.path.join(workdir, name + ".json")
            text = json.dumps({"apiVersion": "v1", "kind": "List", "items": objs},
                              indent=1) + "\n"
        else:
            path = os.path.join(workdir, name + ".yaml")
            text = "---\n" + "\n---\n".join(to_yaml(o) for o in objs) + "\n"
        with open(path, "w") as f:
            f.write(text)
        files.append(path)
    with open(os.path.join(workdir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
    return files


def endpoints(case):
    """(pods, external): spec evaluator endpoints with a node and a key.
    Pods are the running ones in order; external ones are addresses only,
    with .local the node whose address it is (None: not a node)."""
    model = model_pods(case)
    pods = []
    for p, m in zip([p for p in case["pods"] if running(p)], model):
        ep = Endpoint("%s/%s" % (p["namespace"], p["name"]), pod_ips(case, p, model),
                      p["namespace"], p["labels"], declared_ports(p))
        ep.node = p["node"]
        pods.append(ep)
    ext = []
    for fam in families(case):
        for ip in EXTERNAL[fam]:
            ep = Endpoint(ip, [ip])
            ep.node = ep.local = None
            ext.append(ep)
        # The nodes (and their hostNetwork pods): traffic with the node's own
        # pods is not compared (.local); with the other node's it is forwarded.
        for k in range(1, case["nodes"] + 1):
            ip = NODE_IP[fam] % k
            ep = Endpoint(ip, [ip])
            ep.node, ep.local = None, k
            ext.append(ep)
    return pods, ext


def node_addresses(case, k):
    """The addresses of node k itself in the model cluster (tests/lib/cluster.py:
    the node link and the pods' gateway), for the path a packet takes there."""
    out = [NODE_IP[4] % k, "10.244.%d.1" % k]
    if case["ipv6"]:
        out += [NODE_IP[6] % k, "fd00:10:244:%d::1" % k, "fe80::1"]
    return out


def families(case):
    return [4, 6] if case["ipv6"] else [4]


class CaseCluster(Cluster):
    """The model cluster of a case: its running pods, each serving PORTS."""

    def __init__(self, case, served, tag):
        Cluster.__init__(self, "xyz", case["nodes"], case["ipv6"], tag=tag)
        self.namespaces = copy.deepcopy(case["namespaces"])
        self._specs = [(p["namespace"], p["name"], p["labels"], p["node"], served)
                       for p in case["pods"] if running(p)]
