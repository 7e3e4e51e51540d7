# SPDX-License-Identifier: GPL-2.0-or-later
"""The checks of one case of tests/random: `nftpol matrix` against the compiled
table (interpreted, every pair and port), against the spec evaluator, the
table loaded by `nft -f` against the one `nftpol apply` programs, and matrix
against real packets for a sample.  Stdlib only; needs root (namespaces)."""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
from cluster import HarnessError, nsexec, run   # noqa: E402
from loader import Loader, nftpol, nftpol_binary  # noqa: E402,F401 (run imports nftpol_binary)
from probe import probe_matrix                   # noqa: E402
import case as casemod                           # noqa: E402
import gen                                       # noqa: E402
import nfteval                                   # noqa: E402
from speceval import SpecEval                    # noqa: E402

CLASSES = {
    "refused": "nftpol refused a valid input",
    "pods": "matrix lists other pods than the running ones",
    "matrix-table": "matrix differs from the compiled table",
    "matrix-spec": "matrix differs from the spec evaluator",
    "table-spec": "compiled table differs from the spec evaluator",
    "apply-script": "nftpol apply programs another table than compile | nft -f",
    "explain": "nftpol explain differs from matrix, the spec or the table",
    "probe": "real packets differ from matrix",
    "unsupported": "the interpreter cannot read the compiled table",
    "harness": "the test harness failed (no verdict)",
}
SHOW = 6        # examples printed per class


class Finding:
    def __init__(self, cls, lines):
        self.cls = cls
        self.lines = lines

    def __str__(self):
        return "  [%s] %s\n%s" % (self.cls, CLASSES[self.cls],
                                  "\n".join("    " + x for x in self.lines))


def fam_name(f):
    return "IPv%d" % f


def yes(v):
    return "allowed" if v else "denied"


# -- predictions -----------------------------------------------------------

def matrix(case, files, ports, pods):
    """{(family, PROTO, port): {(from, to): bool}}, or a Finding."""
    out = {}
    for fam in casemod.families(case):
        args = ["matrix", "-o", "json", "--family", str(fam)]
        for port, proto in ports:
            args += ["--port", "%d/%s" % (port, proto)]
        rc, text, err = nftpol(*(args + files))
        if rc != 0:
            return Finding("refused", ["nftpol matrix: exit %d" % rc]
                           + err.strip().splitlines()[-4:])
        doc = json.loads(text)
        want = sorted(p.key for p in pods)
        if sorted(doc["pods"]) != want:
            return Finding("pods", ["%s: matrix %s, running %s"
                                    % (fam_name(fam), doc["pods"], want)])
        for t in doc["tables"]:
            tab = out.setdefault((fam, t["protocol"], t["port"]), {})
            for i, a in enumerate(doc["pods"]):
                for j, b in enumerate(doc["pods"]):
                    tab[(a, b)] = t["allowed"][i][j]
    return out


def normalize(doc):
    """A listing without handles, set elements sorted: comparable."""
    out = {}
    for obj in doc["nftables"]:
        (what, body), = obj.items()
        if what == "metainfo":
            continue
        body = {k: v for k, v in body.items() if k != "handle"}
        if "elem" in body:
            body["elem"] = sorted(json.dumps(e, sort_keys=True) for e in body["elem"])
        if what == "rule":
            out.setdefault(("rules", body["chain"]), []).append(body["expr"])
        else:
            out[(what, body.get("name"))] = body
    return out


def diff_listings(a, b):
    lines = []
    for k in sorted(set(a) | set(b), key=str):
        if a.get(k) != b.get(k):
            lines.append("%s %s: %s" % (k[0], k[1], "only in compile | nft -f" if k not in b
                                       else "only in nftpol apply" if k not in a else "differs"))
    return lines


def tables(case, files, workdir, netns, apply_too):
    """{node: nfteval.Table} of each node's compiled script, loaded and listed
    in netns; and the findings (refused, apply-script, unsupported)."""
    out, findings = {}, []
    for k in range(1, case["nodes"] + 1):
        node = "node-%d" % k
        script = os.path.join(workdir, node + ".nft")
        rc, _, err = nftpol("compile", "--node", node, "-o", script, *files)
        if rc != 0:
            return None, [Finding("refused", ["nftpol compile --node %s: exit %d" % (node, rc)]
                                  + err.strip().splitlines()[-4:])]
        nsexec(netns, "nft", "-f", script)
        listing = json.loads(nsexec(netns, "nft", "-j", "list", "table", "inet", "nftpol").stdout)
        with open(os.path.join(workdir, node + ".json"), "w") as f:
            json.dump(listing, f, indent=1)
        if apply_too:
            nsexec(netns, "nft", "delete", "table", "inet", "nftpol")
            rc, _, err = nftpol("apply", "--node", node, *files, netns=netns)
            if rc != 0:
                findings.append(Finding("refused", ["nftpol apply --node %s: exit %d" % (node, rc)]
                                        + err.strip().splitlines()[-4:]))
            else:
                got = json.loads(nsexec(netns, "nft", "-j", "list", "table", "inet",
                                        "nftpol").stdout)
                d = diff_listings(normalize(listing), normalize(got))
                if d:
                    findings.append(Finding("apply-script",
                                            ["%s: %s" % (node, x) for x in d[:SHOW]]))
        nsexec(netns, "nft", "-f", "-", input="table inet nftpol {}\ndelete table inet nftpol\n")
        try:
            out[k] = nfteval.Table(listing, casemod.node_addresses(case, k))
        except nfteval.Unsupported as e:
            return None, findings + [Finding("unsupported", ["%s: %s" % (node, e)])]
    return out, findings


def table_verdict(tabs, src, dst, fam, proto, port, trace=None):
    """What the compiled tables do to the first packet src -> dst: the
    source's node, then the destination's if another (each table follows
    the packet's path through its node: forwarded, or to or from the node's
    own addresses)."""
    pkt = nfteval.Packet(src.ips[fam], dst.ips[fam], proto, port)
    for k in dict.fromkeys(n for n in (src.node, dst.node) if n):
        if trace is not None:
            trace.append("node-%d:" % k)
        if tabs[k].verdict(pkt, trace) == "drop":
            return False
    return True


def describe(tabs, src, dst, fam, proto, port, verdicts):
    trace = []
    table_verdict(tabs, src, dst, fam, proto, port, trace)
    head = "%s -> %s %d/%s %s: %s" % (src.key, dst.key, port, proto, fam_name(fam),
                                      ", ".join("%s %s" % (n, yes(v)) for n, v in verdicts))
    return [head, "  table: " + " ".join(trace)]


def evaluate(case, tabs, pred, pods, ext, ports):
    """Compare matrix, table and spec for every pair and port, and table and
    spec for external addresses.  Returns (findings, number of checks, the
    ports where matrix and table differ)."""
    spec = SpecEval(case)
    bad = {"matrix-table": [], "matrix-spec": [], "table-spec": []}
    n = 0
    suspect = set()         # (family, PROTO, port) where matrix and table differ
    for fam in casemod.families(case):
        for port, proto in ports:
            m = pred.get((fam, proto, port))
            if m is None:
                return [Finding("pods", ["matrix has no table for %d/%s %s"
                                         % (port, proto, fam_name(fam))])], n, suspect
            for src in pods:
                for dst in pods:
                    t = table_verdict(tabs, src, dst, fam, proto, port)
                    s = spec.allowed(src, dst, fam, proto, port)
                    mv = m[(src.key, dst.key)]
                    n += 1
                    v = (("matrix", mv), ("table", t), ("spec", s))
                    for cls, a, b in (("matrix-table", mv, t), ("matrix-spec", mv, s),
                                      ("table-spec", t, s)):
                        if a != b:
                            bad[cls].append((src, dst, fam, proto, port, v))
                    if mv != t:
                        suspect.add((fam, proto, port))
            for e in ext:
                if fam not in e.ips:
                    continue
                for p in pods:
                    # A pod's own node: its egress there (input path) is
                    # compared, not the node to the pod (always allowed).
                    pairs = ((p, e),) if e.local == p.node else ((e, p), (p, e))
                    for src, dst in pairs:
                        t = table_verdict(tabs, src, dst, fam, proto, port)
                        s = spec.allowed(src, dst, fam, proto, port)
                        n += 1
                        if t != s:
                            bad["table-spec"].append((src, dst, fam, proto, port,
                                                      (("table", t), ("spec", s))))
    findings = []
    for cls, items in bad.items():
        if items:
            lines = ["%d of %d checks" % (len(items), n)]
            for src, dst, fam, proto, port, v in items[:SHOW]:
                lines += describe(tabs, src, dst, fam, proto, port, v)
            findings.append(Finding(cls, lines))
    return findings, n, suspect


# -- explain ---------------------------------------------------------------

NFT_LINE = "nft (table inet nftpol, first packet, ct state new): "


def explain(case, files, tabs, pred, pods, ext, ports, k, rnd):
    """`nftpol explain` for k random connections (pod pairs and addresses
    outside pods): its verdict must be matrix's (spec's for an address), and
    the verdict of its own trace of the table must be the interpreter's."""
    spec = SpecEval(case)
    lines = []
    for _ in range(k):
        fam = rnd.choice(casemod.families(case))
        port, proto = rnd.choice(ports)
        dst = rnd.choice(pods)
        outside = [e for e in ext if fam in e.ips and e.local != dst.node]
        src = rnd.choice(pods + outside)
        if rnd.random() < 0.3 and not src.is_pod:
            src, dst = dst, src
        if src.is_pod and dst.is_pod:
            want = pred[(fam, proto, port)][(src.key, dst.key)]
        else:
            want = spec.allowed(src, dst, fam, proto, port)
        table = table_verdict(tabs, src, dst, fam, proto, port)
        ref = lambda e: e.key if e.is_pod else str(e.ips[fam])
        args = ["explain", "--from", ref(src), "--to", ref(dst), "--port",
                "%d/%s" % (port, proto), "--family", str(fam)]
        rc, text, err = nftpol(*(args + files))
        what = "%s -> %s %d/%s %s" % (src.key, dst.key, port, proto, fam_name(fam))
        if rc not in (0, 1):
            lines.append("%s: explain exit %d: %s" % (what, rc, err.strip()[-200:]))
            continue
        nft = [x[len(NFT_LINE):].strip() for x in text.splitlines() if x.startswith(NFT_LINE)]
        if (rc == 0) != want:
            lines.append("%s: explain %s, %s %s" % (what, yes(rc == 0),
                         "matrix" if dst.is_pod and src.is_pod else "spec", yes(want)))
        if nft != ["accept" if table else "drop"]:
            lines.append("%s: explain's trace of the table says %s, the interpreter %s"
                         % (what, nft, "accept" if table else "drop"))
    return [Finding("explain", lines[:SHOW])] if lines else []


# -- real packets ----------------------------------------------------------

def probe_specs(case, pred, ports, k, rnd, suspect):
    """Up to k probe specs (tcp/udp, a port, a family, via the pod IP or the
    Service): first ports where matrix and the table differ (packets decide),
    then ports whose predicted table mixes allowed and denied, then others."""
    cands = []
    for fam in casemod.families(case):
        for port, proto in ports:
            if proto == "SCTP":
                continue
            key = (fam, proto, port)
            mixed = len(set(pred[key].values())) == 2
            cands.append((0 if key in suspect else 1 if mixed else 2, fam, proto, port))
    rnd.shuffle(cands)
    cands.sort(key=lambda c: c[0])
    out = []
    for _, fam, proto, port in cands[:k]:
        s = "%s/%d" % (proto.lower(), port)
        s += "@v6" if fam == 6 else ""
        s += "@pod" if rnd.random() < 0.7 else ""
        out.append(s)
    return out


def spec_key(s):
    parts = s.split("@")
    proto, port = parts[0].split("/")
    return (6 if "v6" in parts[1:] else 4, proto.upper(), int(port))


def probe(case, files, workdir, pred, ports, k, tag, seed, suspect):
    """Build the case's cluster, load its rulesets, probe; (findings, probes)."""
    rnd = random.Random(seed)
    specs = probe_specs(case, pred, ports, k, rnd, suspect)
    if not specs:
        return [], 0
    served = sorted({spec_key(s)[2] for s in specs})
    cl = casemod.CaseCluster(case, served, tag)
    try:
        cl.setup()
        loader = Loader()
        for node in sorted(cl.nodes):
            loader.load(cl, node, files, workdir)
        cl.flush_conntrack()
        got = probe_matrix(cl, specs, timeout=1.0)
        wrong = [s for s in specs if got[s] != pred[spec_key(s)]]
        if wrong:
            # A loaded machine can lose a probe: confirm with a longer timeout.
            cl.flush_conntrack()
            again = probe_matrix(cl, wrong, timeout=3.0)
            got.update(again)
            wrong = [s for s in wrong if again[s] != pred[spec_key(s)]]
        lines = []
        for s in wrong:
            for pair, v in sorted(got[s].items()):
                want = pred[spec_key(s)][pair]
                if v != want:
                    lines.append("%s -> %s %s: matrix %s, packets %s"
                                 % (pair[0], pair[1], s, yes(want), yes(v)))
        n = sum(len(got[s]) for s in specs)
        return ([Finding("probe", ["%d mismatches" % len(lines)] + lines[:SHOW])]
                if lines else []), n
    finally:
        cl.teardown()


class Scratch:
    """A network namespace of our own to load and list tables in."""

    def __init__(self, tag):
        self.name = "%s-scratch" % tag
        run(["ip", "netns", "add", self.name])

    def close(self):
        run(["ip", "netns", "del", self.name], check=False)


def check_case(case, workdir, scratch, opts, tag, seed, probe_it):
    """All checks of one case, with probe_it probe specs (0: no packets);
    returns (findings, stats dict)."""
    files = casemod.write(case, workdir)
    pods, ext = casemod.endpoints(case)
    ports = gen.check_ports(case)
    stats = {"pods": len(pods), "ports": len(ports), "checks": 0, "probes": 0}
    pred = matrix(case, files, ports, pods)
    if isinstance(pred, Finding):
        return [pred], stats
    tabs, findings = tables(case, files, workdir, scratch.name, opts.apply)
    if tabs is None:
        return findings, stats
    f, stats["checks"], suspect = evaluate(case, tabs, pred, pods, ext, ports)
    findings += f
    findings += explain(case, files, tabs, pred, pods, ext, ports, opts.explain,
                        random.Random(seed))
    if probe_it:
        f, stats["probes"] = probe(case, files, workdir, pred, ports, probe_it,
                                   tag, seed, suspect)
        findings += f
    return findings, stats


def still_fails(cls, workdir, scratch, opts):
    """A predicate for the minimizer: the case still shows a finding of cls
    (offline checks only, no packets)."""
    def pred(case):
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        try:
            findings, _ = check_case(case, workdir, scratch, opts, None, 0, False)
        except (HarnessError, ValueError, KeyError):
            return False
        return any(f.cls == cls for f in findings)
    return pred
