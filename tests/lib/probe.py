# SPDX-License-Identifier: GPL-2.0-or-later
"""Reachability matrices: probe every pod from every pod, all at once.

A probe spec is "PROTO/PORT" with optional suffixes: "@v6" probes over IPv6,
"@pod" targets the pod IP instead of the Service ClusterIP (the default).
probe_matrix() starts one prober.py per source pod (inside that pod's netns),
each running all its probes concurrently, and returns
{spec: {(from_key, to_key): bool}}.
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
    if proto not in ("tcp", "udp") or not port.isdigit():
        raise ValueError("bad probe spec %r" % spec)
    return proto, int(port), family, via


def target_addr(pod, family, via):
    if via == "pod":
        return pod.ip6 if family == 6 else pod.ip4
    return pod.svc6 if family == 6 else pod.svc4


def probe_matrix(cluster, specs, timeout=1.0):
    """Probe all pairs for every spec; see the module comment."""
    procs = []
    for src in cluster.pods:
        probes = []
        for spec in specs:
            proto, port, family, via = parse_spec(spec)
            for dst in cluster.pods:
                key = "%s|%s" % (spec, dst.key)
                probes.append([key, proto, target_addr(dst, family, via), port])
        args = ["ip", "netns", "exec", src.netns, sys.executable, "-S", PROBER]
        # Input through a file, so every prober starts at once.
        with tempfile.TemporaryFile("w+") as f:
            json.dump({"timeout": timeout, "probes": probes}, f)
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
