# SPDX-License-Identifier: GPL-2.0-or-later
"""Reachability matrices: probe every pod from every pod, all at once.

A probe spec is "PROTO/PORT" (tcp, udp or sctp) with optional suffixes:
"@v6" probes over IPv6, "@pod" targets the pod IP instead of the Service
ClusterIP (the default; SCTP has no Service in the model cluster, so an SCTP
spec always goes to the pod IP).  A destination may also be a node name
("node-2") or a host-network pod (Cluster.host_pods): the probe goes to that
node's address (Cluster.node_ip).  probe_matrix() starts one prober.py per
source pod (inside that pod's netns), each running all its probes
concurrently, and returns {spec: {(from_key, to_key): outcome}}: a bool, or
with detail=True prober.py's "ok" / "timeout" / "refused:ERRNO".
"""
import json
import os
import subprocess
import sys
import tempfile

from cluster import HERE, HarnessError

PROBER = os.path.join(HERE, "prober.py")


def parse_spec(spec):
    """"tcp/80@v6@pod" -> ("tcp", 80, 6, "pod")."""
    parts = spec.split("@")
    proto, port = parts[0].split("/")
    family = 6 if "v6" in parts[1:] else 4
    via = "pod" if "pod" in parts[1:] else "service"
    if proto not in ("tcp", "udp", "sctp") or not port.isdigit():
        raise ValueError("bad probe spec %r" % spec)
    return proto, int(port), family, via


def target_addr(pod, family, via):
    if via == "pod":
        return pod.ip6 if family == 6 else pod.ip4
    return pod.svc6 if family == 6 else pod.svc4


def resolve_target(cluster, key, proto, family, via):
    """The address a probe to KEY (pod, node name, host-network pod) uses."""
    k = cluster.target_node(key)
    if k is not None:
        return cluster.node_ip(k, family)
    try:
        pod = cluster.pod(key)
    except KeyError:
        raise HarnessError("no pod, node or host-network pod %s" % key)
    return target_addr(pod, family, "pod" if proto == "sctp" else via)


def probe_matrix(cluster, specs, timeout=1.0, pairs=None, detail=False):
    """Probe every pair of pods for every spec, or for a spec PAIRS names only
    the (from, to) it lists; see the module comment."""
    pairs = pairs or {}
    procs = []
    for src in cluster.pods:
        probes = []
        for spec in specs:
            proto, port, family, via = parse_spec(spec)
            if spec in pairs:
                dsts = [d for s, d in pairs[spec] if s == src.key]
            else:
                dsts = [d.key for d in cluster.pods]
            for dst in dsts:
                key = "%s|%s" % (spec, dst)
                probes.append([key, proto, resolve_target(cluster, dst, proto, family, via),
                               port])
        if not probes:
            continue
        args = ["ip", "netns", "exec", src.netns, sys.executable, "-S", PROBER]
        # Input through a file, so every prober starts at once.
        with tempfile.TemporaryFile("w+") as f:
            json.dump({"timeout": timeout, "probes": probes, "detail": detail}, f)
            f.seek(0)
            p = subprocess.Popen(args, stdin=f, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        procs.append((src, p))
    result = {spec: {} for spec in specs}
    errors = []
    for src, p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            errors.append("prober in %s: %s" % (src.key, err.strip()))
            continue
        for key, ok in json.loads(out).items():
            spec, dst = key.split("|")
            result[spec][(src.key, dst)] = ok
    if errors:
        raise HarnessError("\n".join(errors))
    return result
