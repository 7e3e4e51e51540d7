#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a synthetic, reproducible Kubernetes cluster for benchmarks.

Namespaces, pods with labels spread over nodes (dual-stack optional), and
NetworkPolicies (1 per --pods-per-policy pods) mixing pod selectors, namespace
selectors, both in one peer, ipBlocks with except, numbered, named and ranged
ports. Output is a `kind: List` as `kubectl get ... -o json|yaml` prints it.

    scripts/gencluster.py --pods 10000 --seed 1 > cluster.json
"""
import argparse
import ipaddress
import json
import random
import sys

APPS = ["web", "api", "db", "cache", "queue", "auth", "search", "worker", "frontend", "backend"]
TIERS = ["fe", "be", "data"]
ENVS = ["prod", "staging", "dev"]
TEAMS = ["a", "b", "c", "d"]


def pod_ip(i, v6):
    if v6:
        return str(ipaddress.IPv6Address("fd00:10:244::") + i + 1)
    return str(ipaddress.IPv4Address("10.128.0.0") + i + 1)


def make_namespaces(rng, n):
    out = []
    for i in range(n):
        out.append({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": f"ns-{i}", "labels": {
                "team": rng.choice(TEAMS), "env": rng.choice(ENVS)}},
        })
    return out


def make_pods(rng, n, nns, nodes, dual):
    out = []
    for i in range(n):
        app = rng.choice(APPS)
        ips = [{"ip": pod_ip(i, False)}]
        if dual:
            ips.append({"ip": pod_ip(i, True)})
        out.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{app}-{i}", "namespace": f"ns-{i % nns}",
                         "labels": {"app": app, "tier": rng.choice(TIERS),
                                    "version": f"v{rng.randint(1, 3)}"}},
            "spec": {"nodeName": f"node-{i % nodes}", "containers": [{
                "name": "main", "image": "registry.example/app:1",
                "ports": [{"name": "http", "containerPort": rng.choice([80, 8080]),
                           "protocol": "TCP"},
                          {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                          {"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]},
            "status": {"phase": "Running", "podIP": ips[0]["ip"], "podIPs": ips},
        })
    return out


def make_peer(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return {"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}
    if kind == 1:
        return {"namespaceSelector": {"matchLabels": {"team": rng.choice(TEAMS)}}}
    if kind == 2:
        return {"namespaceSelector": {"matchExpressions": [
                    {"key": "env", "operator": "In", "values": rng.sample(ENVS, 2)}]},
                "podSelector": {"matchLabels": {"tier": rng.choice(TIERS)}}}
    if kind == 3:
        net = ipaddress.IPv4Network((rng.randrange(1, 223) << 24, 8))
        sub = list(net.subnets(new_prefix=16))[rng.randrange(256)]
        return {"ipBlock": {"cidr": str(net), "except": [str(sub)]}}
    return {"podSelector": {"matchExpressions": [
        {"key": "app", "operator": "NotIn", "values": rng.sample(APPS, 2)}]}}


def make_ports(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return [{"protocol": "TCP", "port": rng.choice([80, 443, 8080])}]
    if kind == 1:
        return [{"protocol": "TCP", "port": "http"}, {"protocol": "TCP", "port": "metrics"}]
    if kind == 2:
        lo = rng.randrange(1000, 30000)
        return [{"protocol": "TCP", "port": lo, "endPort": lo + rng.randrange(1, 100)}]
    if kind == 3:
        return [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    return []


def make_rule(rng, key):
    rule = {}
    npeers = rng.randrange(0, 3)
    if npeers:
        rule[key] = [make_peer(rng) for _ in range(npeers)]
    ports = make_ports(rng)
    if ports:
        rule["ports"] = ports
    return rule


def make_policies(rng, n, nns):
    out = []
    for i in range(n):
        types = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        spec = {"podSelector": {"matchLabels": {"app": rng.choice(APPS)}} if rng.random() < 0.9
                else {}, "policyTypes": types}
        if "Ingress" in types:
            spec["ingress"] = [make_rule(rng, "from") for _ in range(rng.randrange(1, 3))]
        if "Egress" in types:
            spec["egress"] = [make_rule(rng, "to") for _ in range(rng.randrange(1, 3))]
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": f"policy-{i}", "namespace": f"ns-{i % nns}"},
                    "spec": spec})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--pods-per-policy", type=int, default=10)
    ap.add_argument("--pods-per-namespace", type=int, default=100)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--dual-stack", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    nns = max(1, args.pods // args.pods_per_namespace)
    items = make_namespaces(rng, nns)
    items += make_pods(rng, args.pods, nns, args.nodes, args.dual_stack)
    items += make_policies(rng, max(1, args.pods // args.pods_per_policy), nns)
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout,
              separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
