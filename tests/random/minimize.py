# SPDX-License-Identifier: GPL-2.0-or-later
"""Shrink a failing case of tests/random while it still fails (greedy, one
simplification at a time, until none applies).  Stdlib only."""
import copy


def _drop_items(case, path_fn):
    """Candidates removing one item of each list that path_fn yields."""
    for lst_getter in path_fn(case):
        lst = lst_getter(case)
        for i in range(len(lst)):
            c = copy.deepcopy(case)
            del lst_getter(c)[i]
            yield c


def _cluster_lists(case):
    """Getters of the lists of cluster network policies: the policies, their
    rules, peers, ports/protocols and networks."""
    out = []
    if "clusterPolicies" in case:
        out.append(lambda c: c["clusterPolicies"])
    for pi, pol in enumerate(case.get("clusterPolicies") or []):
        spec = pol["spec"]
        for key, peers in (("ingress", "from"), ("egress", "to")):
            if not isinstance(spec.get(key), list):
                continue
            out.append(lambda c, pi=pi, key=key: c["clusterPolicies"][pi]["spec"][key])
            for ri, rule in enumerate(spec[key]):
                for field in (peers, "ports", "protocols"):
                    if isinstance(rule.get(field), list):
                        out.append(lambda c, pi=pi, key=key, ri=ri, field=field:
                                   c["clusterPolicies"][pi]["spec"][key][ri][field])
                for qi, peer in enumerate(rule.get(peers) or []):
                    if "networks" in peer:
                        out.append(lambda c, pi=pi, key=key, ri=ri, qi=qi, peers=peers:
                                   c["clusterPolicies"][pi]["spec"][key][ri][peers][qi]
                                   ["networks"])
    return out


def _lists(case):
    """Getters of every list in the case worth shortening, outermost first."""
    out = [lambda c: c["policies"]] + _cluster_lists(case) + [lambda c: c["pods"]]
    for pi, pol in enumerate(case["policies"]):
        if "spec" not in pol:
            continue
        spec = pol["spec"]
        for key, peers in (("ingress", "from"), ("egress", "to")):
            rules = spec.get(key)
            if not isinstance(rules, list):
                continue
            out.append(lambda c, pi=pi, key=key: c["policies"][pi]["spec"][key])
            for ri, rule in enumerate(rules):
                for field in (peers, "ports"):
                    if isinstance(rule.get(field), list):
                        out.append(lambda c, pi=pi, key=key, ri=ri, field=field:
                                   c["policies"][pi]["spec"][key][ri][field])
                for qi, peer in enumerate(rule.get(peers) or []):
                    if "except" in peer.get("ipBlock", {}):
                        out.append(lambda c, pi=pi, key=key, ri=ri, qi=qi, peers=peers:
                                   c["policies"][pi]["spec"][key][ri][peers][qi]
                                   ["ipBlock"]["except"])
                    for s in ("podSelector", "namespaceSelector"):
                        if "matchExpressions" in peer.get(s, {}):
                            out.append(lambda c, pi=pi, key=key, ri=ri, qi=qi, s=s, peers=peers:
                                       c["policies"][pi]["spec"][key][ri][peers][qi][s]
                                       ["matchExpressions"])
        if "matchExpressions" in spec.get("podSelector", {}):
            out.append(lambda c, pi=pi: c["policies"][pi]["spec"]["podSelector"]
                       ["matchExpressions"])
    for pi, pod in enumerate(case["pods"]):
        for key in ("containers", "initContainers"):
            for ci in range(len(pod.get(key, []))):
                out.append(lambda c, pi=pi, key=key, ci=ci: c["pods"][pi][key][ci])
            if key in pod:
                out.append(lambda c, pi=pi, key=key: c["pods"][pi][key])
    return out


def _del_keys(case):
    """Candidates removing one optional key (selectors, types, labels...)."""
    def dicts(c):
        for pi, pol in enumerate(c["policies"]):
            if "spec" not in pol:
                continue
            yield ("policies", pi, "spec"), pol["spec"], ("podSelector", "policyTypes",
                                                          "ingress", "egress")
            for key, peers in (("ingress", "from"), ("egress", "to")):
                for ri, rule in enumerate(pol["spec"].get(key) or []):
                    yield ("policies", pi, "spec", key, ri), rule, (peers, "ports")
                    for qi, peer in enumerate(rule.get(peers) or []):
                        for s in ("podSelector", "namespaceSelector"):
                            if s in peer:
                                yield ((("policies", pi, "spec", key, ri, peers, qi, s)),
                                       peer[s], ("matchLabels", "matchExpressions"))
                        if len(peer) == 2:
                            yield ("policies", pi, "spec", key, ri, peers, qi), peer, \
                                ("podSelector", "namespaceSelector")
                    for ei, e in enumerate(rule.get("ports") or []):
                        yield ("policies", pi, "spec", key, ri, "ports", ei), e, \
                            ("protocol", "endPort")
        for pi, pod in enumerate(c["pods"]):
            yield ("pods", pi), pod, ("initContainers",)
            yield ("pods", pi, "labels"), pod["labels"], tuple(pod["labels"])
        for ns in c["namespaces"]:
            yield ("namespaces", ns), c["namespaces"][ns], tuple(c["namespaces"][ns])
        for pi, pol in enumerate(c.get("clusterPolicies") or []):
            yield ("clusterPolicies", pi, "spec"), pol["spec"], ("ingress", "egress")
            for key in ("ingress", "egress"):
                for ri, rule in enumerate(pol["spec"].get(key) or []):
                    yield ("clusterPolicies", pi, "spec", key, ri), rule, \
                        ("name", "ports", "protocols")
        for k in list(c.get("nodeLabels") or {}):
            yield ("nodeLabels", k), c["nodeLabels"][k], tuple(c["nodeLabels"][k])

    def get(c, path):
        for p in path:
            c = c[p]
        return c

    for path, d, keys in list(dicts(case)):
        for k in keys:
            if k in d:
                c = copy.deepcopy(case)
                del get(c, path)[k]
                yield c


def _flatten(case):
    """Candidates with fewer nodes, one family, unused namespaces gone."""
    if case["nodes"] > 1:
        c = copy.deepcopy(case)
        c["nodes"] = 1
        for p in c["pods"]:
            p["node"] = 1
        yield c
    if case["ipv6"]:
        c = copy.deepcopy(case)
        c["ipv6"] = False
        for p in c["pods"]:
            if "ips" in p:
                p["ips"] = [ip for ip in p["ips"] if ":" not in ip]
        yield c
    used = {p["namespace"] for p in case["pods"]}
    used |= {p["metadata"]["namespace"] for p in case["policies"]}
    for ns in case["namespaces"]:
        if ns not in used:
            c = copy.deepcopy(case)
            del c["namespaces"][ns]
            yield c


def candidates(case):
    yield from _flatten(case)
    yield from _drop_items(case, _lists)
    yield from _del_keys(case)


def valid(case):
    """Simplifications must keep the case a valid cluster and valid policies."""
    if not any(p.get("phase", "Running") == "Running" and not p.get("hostNetwork")
               for p in case["pods"]):
        return False
    for p in case["pods"]:
        if p["namespace"] not in case["namespaces"] or not p["containers"]:
            return False
    for pol in case["policies"]:
        if pol["metadata"]["namespace"] not in case["namespaces"]:
            return False
        spec = pol.get("spec") or {}
        for key, peers in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(key) or []:
                for peer in rule.get(peers) or []:
                    if not peer:
                        return False
    for pol in case.get("clusterPolicies") or []:
        # What the CRDs require: 1-25 peers, protocols/ports absent or not
        # empty, networks not empty.
        for key, peers in (("ingress", "from"), ("egress", "to")):
            for rule in pol["spec"].get(key) or []:
                if not rule[peers] or rule.get("ports") == [] or rule.get("protocols") == []:
                    return False
                if any(p.get("networks") == [] for p in rule[peers]):
                    return False
    return True


def minimize(case, fails, budget=400, log=None):
    """The smallest case reached from case by simplifications keeping
    fails(case) true; at most budget evaluations of fails."""
    used = 0
    progress = True
    while progress and used < budget:
        progress = False
        for c in candidates(case):
            if not valid(c):
                continue
            used += 1
            if fails(c):
                case = c
                progress = True
                if log:
                    log("  minimize: %d policies, %d pods (%d tries)"
                        % (len(c["policies"]), len(c["pods"]), used))
                break
            if used >= budget:
                break
    return case
