# SPDX-License-Identifier: GPL-2.0-or-later
"""Kubernetes manifests of the model cluster, as YAML (stdlib only).

cluster_yaml() writes the Namespaces and Pods the kernel really has: the
labels (`ns: x`, plus kubernetes.io/metadata.name as the API server adds it;
`pod: a`), spec.nodeName, status.phase Running, status.podIP/podIPs with the
addresses in use, hostIP, and containers[].ports named like the upstream e2e
pods (serve-80-tcp, serve-80-udp, ...).  Overrides let a scenario relabel a
namespace or a pod, or replace a pod's named container ports, without
touching the kernel side.
"""

import re

PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
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


def cluster_objects(cluster, ns_labels=None, pod_labels=None, pod_ports=None):
    """Namespace and Pod objects; the *_labels maps replace labels by key."""
    ns_labels = ns_labels or {}
    pod_labels = pod_labels or {}
    pod_ports = pod_ports or {}
    objs = [namespace_obj(n, ns_labels.get(n, lab))
            for n, lab in cluster.namespaces.items()]
    for p in cluster.pods:
        objs.append(pod_obj(cluster, p, pod_labels.get(p.key, p.labels),
                            pod_ports.get(p.key, p.named_ports())))
    return objs


def cluster_yaml(cluster, **overrides):
    """The cluster as a multi-document YAML string (see cluster_objects)."""
    docs = [to_yaml(o) for o in cluster_objects(cluster, **overrides)]
    return "---\n" + "\n---\n".join(docs) + "\n"
