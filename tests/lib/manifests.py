# SPDX-License-Identifier: GPL-2.0-or-later
"""Kubernetes manifests of the model cluster, as YAML (stdlib only).

cluster_yaml() writes the Namespaces and Pods the kernel really has: the
labels (`ns: x`, plus kubernetes.io/metadata.name as the API server adds it;
`pod: a`), spec.nodeName, status.phase Running, status.podIP/podIPs with the
addresses in use, hostIP, and containers[].ports named like the upstream e2e
pods (serve-80-tcp, serve-80-udp, ...).  Overrides let a scenario relabel a
namespace or a pod, or replace a pod's named container ports, without
touching the kernel side.

One Node per model node comes first: node-K, labels kubernetes.io/hostname
node-K, kubernetes.io/os linux and node-role worker (for `nodes` peers of
cluster network policies), status.addresses the node's InternalIP (172.18.0.K,
and fd00:18::K when dual-stack: cluster.py's node link) and its hostname,
spec.podCIDR(s) 10.244.K.0/24 (and fd00:10:244:K::/64).  A topology with
host-network pods (hogwarts) lists them too: hostNetwork true, podIP the
node's address.
"""

import re

PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED:
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_yaml(obj, indent=0):
    """A minimal block-style YAML emitter for dicts, lists and scalars."""
    pad = "  " * indent
    lines = []
    if isinstance(obj, dict):
        if not obj:
            return pad + "{}"
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, scalar(k)))
                lines.append(to_yaml(v, indent + 1))
            else:
                empty = "{}" if isinstance(v, dict) else "[]"
                val = empty if isinstance(v, (dict, list)) else scalar(v)
                lines.append("%s%s: %s" % (pad, scalar(k), val))
    elif isinstance(obj, list):
        if not obj:
            return pad + "[]"
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                body = to_yaml(v, indent + 1).lstrip()
                lines.append("%s- %s" % (pad, body))
            else:
                lines.append("%s- %s" % (pad, scalar(v) if not isinstance(v, (dict, list))
                                         else ("{}" if isinstance(v, dict) else "[]")))
    else:
        return pad + scalar(obj)
    return "\n".join(lines)


def namespace_obj(name, labels):
    lab = {"kubernetes.io/metadata.name": name}
    lab.update(labels)
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": lab}}


def pod_obj(cluster, pod, labels, ports):
    ips = [pod.ip4] + ([pod.ip6] if cluster.ipv6 else [])
    cports = [{"name": n, "containerPort": p, "protocol": proto}
              for n, p, proto in ports]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod.name, "namespace": pod.namespace,
                         "labels": labels},
            "spec": {"nodeName": cluster.node_name(pod.node),
                     "containers": [{"name": "serve", "image": "agnhost",
                                     "ports": cports}]},
            "status": {"phase": "Running",
                       "hostIP": "172.18.0.%d" % pod.node,
                       "podIP": pod.ip4,
                       "podIPs": [{"ip": ip} for ip in ips]}}


def node_obj(cluster, k):
    """Node k as the kubelet registers it (see the module comment)."""
    name = cluster.node_name(k)
    ips = ["172.18.0.%d" % k] + (["fd00:18::%d" % k] if cluster.ipv6 else [])
    cidrs = ["10.244.%d.0/24" % k] + (["fd00:10:244:%d::/64" % k] if cluster.ipv6 else [])
    addrs = [{"type": "InternalIP", "address": ip} for ip in ips]
    addrs.append({"type": "Hostname", "address": name})
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name,
                         "labels": {"kubernetes.io/hostname": name,
                                    "kubernetes.io/os": "linux",
                                    "node-role": "worker"}},
            "spec": {"podCIDR": cidrs[0], "podCIDRs": cidrs},
            "status": {"addresses": addrs}}


def host_pod_obj(cluster, hp, labels):
    """A host-network pod (cluster.host_pods): its IPs are its node's."""
    ips = ["172.18.0.%d" % hp.node] + (["fd00:18::%d" % hp.node] if cluster.ipv6 else [])
    cports = [{"name": n, "containerPort": p, "protocol": proto}
              for n, p, proto in hp.named_ports]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": hp.name, "namespace": hp.namespace,
                         "labels": labels},
            "spec": {"nodeName": cluster.node_name(hp.node), "hostNetwork": True,
                     "containers": [{"name": "serve", "image": "agnhost",
                                     "ports": cports}]},
            "status": {"phase": "Running", "hostIP": ips[0], "podIP": ips[0],
                       "podIPs": [{"ip": ip} for ip in ips]}}


def cluster_objects(cluster, ns_labels=None, pod_labels=None, pod_ports=None,
                    nodes=False):
    """Namespace and Pod objects, and with NODES the Nodes first; the *_labels
    maps replace labels by key.  (tests/e2e seeds its stand-in API server with
    the Nodes itself and creates the rest from here.)"""
    ns_labels = ns_labels or {}
    pod_labels = pod_labels or {}
    pod_ports = pod_ports or {}
    objs = [node_obj(cluster, k) for k in range(1, cluster.nnodes + 1)] if nodes else []
    objs += [namespace_obj(n, ns_labels.get(n, lab))
             for n, lab in cluster.namespaces.items()]
    for p in cluster.pods:
        objs.append(pod_obj(cluster, p, pod_labels.get(p.key, p.labels),
                            pod_ports.get(p.key, p.named_ports())))
    for hp in getattr(cluster, "host_pods", ()):
        objs.append(host_pod_obj(cluster, hp, pod_labels.get(hp.key, hp.labels)))
    return objs


def cluster_yaml(cluster, **overrides):
    """The cluster, Nodes included, as a multi-document YAML string (see
    cluster_objects)."""
    docs = [to_yaml(o) for o in cluster_objects(cluster, nodes=True, **overrides)]
    return "---\n" + "\n---\n".join(docs) + "\n"
