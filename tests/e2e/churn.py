#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Churn (issue 16, points 5 and 6): one `nftpol agent` (node-1) against the
stand-in API server holding a generated cluster (scripts/gencluster.py, its
node-0..node-N-1 renamed node-1..node-N) next to the e2e harness's real pods
x/y/z a..c on node-1, with the connectivity scenario SCENARIO's policies.

  startup   agent start -> /readyz: wall and agent CPU seconds, RSS
  singles   pod add / delete / relabel, policy create / update / delete
            through the stand-in's control API (/create, /update, /delete),
            each REPEAT times: latency from the stand-in's acceptance to the
            first change the kernel announces in the node (nlmon.py), and the
            agent's own nftpol_enforcement_latency_seconds for that event
  churn     RATE pod events/s for SECONDS made inside the stand-in (/churn):
            per event, stand-in -> the first change nlmon.py sees naming the
            pod's address; the latency histogram's delta; agent CPU seconds
            per 1,000 events and in cores; RSS after.  Meanwhile a prober
            probes the real pods (their policies never change): a denied pair
            that connects or an allowed pair that fails is a violation
  final     the agent's table equals `nftpol compile --node node-1` of the
            stand-in's final objects loaded with `nft -f` into a scratch
            namespace (both normalised, the sync stamp removed)

usage: tests/e2e/churn.py [--pods N] [--nodes N] [--policies N] [--rate R]
                          [--seconds T] [--repeat K] [--json FILE] [-v] [-k]
Needs root; NFTPOL as for the e2e tests.  Prints the results as JSON (and
writes them to FILE); exit 1 when a check failed (violations, table differs).
"""
import argparse
import bisect
import difflib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import REPO, Env, HarnessError, rss_kib, run  # noqa: E402

GENCLUSTER = os.path.join(REPO, "scripts", "gencluster.py")
NLMON = os.path.join(HERE, "nlmon.py")
NORMLIST = os.path.join(REPO, "tests", "kernel", "normlist.py")
NODE = "node-1"
LIST_KINDS = {"namespaces": "Namespace", "pods": "Pod", "networkpolicies": "NetworkPolicy",
              "nodes": "Node", "clusternetworkpolicies": "ClusterNetworkPolicy",
              "adminnetworkpolicies": "AdminNetworkPolicy",
              "baselineadminnetworkpolicies": "BaselineAdminNetworkPolicy"}
HIST = "nftpol_enforcement_latency_seconds"


def log(env, msg):
    if env.verbose:
        print("churn: " + msg, file=sys.stderr, flush=True)


def cpu_s(pid):
    """utime + stime of PID in seconds (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generated(o):
    """gencluster's items, its nodes renamed node-1.. (node-1: the agent's)."""
    out = run([sys.executable, GENCLUSTER, "--pods", str(o.pods), "--nodes", str(o.nodes),
               "--pods-per-policy", str(max(1, o.pods // max(1, o.policies))),
               "--seed", "1"]).stdout
    items = json.loads(out)["items"]
    for it in items:
        spec = it.get("spec") or {}
        if it["kind"] == "Pod":
            spec["nodeName"] = "node-%d" % (int(spec["nodeName"].split("-")[1]) + 1)
    return items


def post(env, path, body=None, out=None):
    """POST BODY (through a file: it may be large) or GET PATH on the stand-in's
    control port; the JSON answer (or, with OUT, written there)."""
    args = ["ip", "netns", "exec", env.api_ns, "curl", "-sS", "--fail-with-body",
            "http://127.0.0.1:%d%s" % (env.cport, path)]
    if body is not None:
        f = os.path.join(env.work, "control-body.json")
        with open(f, "w") as fh:
            json.dump(body, fh)
        args += ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + f]
    if out:
        args += ["-o", out]
    p = run(args, check=False)
    if p.returncode:
        raise HarnessError("control %s: %s %s" % (path, p.stdout[:500], p.stderr[:500]))
    return None if out else json.loads(p.stdout)


class Monitor:
    """nlmon.py in the node (every nftables change as the kernel announces it,
    with the monotonic time it was received): its lines, (time, text)."""

    def __init__(self, env):
        self.proc = subprocess.Popen(["ip", "netns", "exec", env.cluster.nodes[1],
                                      sys.executable, "-S", NLMON], stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True, bufsize=1)
        if self.proc.stdout.readline().strip() != "ready":
            raise HarnessError("nlmon.py did not start in node-1")
        self.lines = []             # (mono, line)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def save(self, path):
        with open(path, "w") as f:
            f.writelines("%.6f %s" % tl for tl in self.lines)

    def _read(self):
        for line in self.proc.stdout:
            t, _, text = line.partition(" ")
            self.lines.append((float(t), text))

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def first_after(self, t, deadline=5.0):
        """Mono time of the first line read at or after T (waits up to DEADLINE)."""
        end = time.monotonic() + deadline
        while True:
            i = bisect.bisect_left(self.lines, (t, ""))
            if i < len(self.lines):
                return self.lines[i][0]
            if time.monotonic() > end:
                return None
            time.sleep(0.005)

    def quiet(self, secs=1.5, deadline=120):
        """Wait until no line came for SECS."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            last = self.lines[-1][0] if self.lines else 0
            if time.monotonic() - last >= secs:
                return True
            time.sleep(0.1)
        return False

    def ip_index(self, t0):
        """{address: [mono, ...]} of every IPv4 address in lines read after T0."""
        idx = {}
        for t, line in self.lines[bisect.bisect_left(self.lines, (t0, "")):]:
            for a in set(re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", line)):
                idx.setdefault(a, []).append(t)
        return idx


def histogram(env):
    """{le: count} of the agent's latency histogram, and its count and sum."""
    _, body = env.http(1, "/metrics")
    h = {}
    for ln in body.splitlines():
        m = re.match(r'%s_bucket\{le="([^"]+)"\} (\d+)' % HIST, ln)
        if m:
            h[float(m.group(1))] = int(m.group(2))
        elif ln.startswith(HIST + "_count "):
            h["count"] = int(ln.split()[1])
        elif ln.startswith(HIST + "_sum "):
            h["sum"] = float(ln.split()[1])
    return h


def hist_delta(a, b):
    """Quantiles (upper bucket bounds, seconds) of the observations between
    two histogram snapshots; None above the last finite bound."""
    n = b.get("count", 0) - a.get("count", 0)
    out = {"count": n, "mean": (b.get("sum", 0) - a.get("sum", 0)) / n if n else None}
    bounds = sorted(k for k in b if isinstance(k, float))
    for name, q in (("median", 0.5), ("p99", 0.99), ("worst", 1.0)):
        out[name] = None
        for le in bounds:
            if n and b[le] - a.get(le, 0) >= q * n:
                out[name] = le if le != float("inf") else None
                break
    return out


def stats(v):
    v = sorted(v)
    if not v:
        return {"n": 0}
    return {"n": len(v), "median": statistics.median(v),
            "p99": v[min(len(v) - 1, int(0.99 * len(v)))], "worst": v[-1]}


# -- the steps ---------------------------------------------------------------

def start(env, o, items):
    post(env, "/persist", {"on": False})
    post(env, "/bulk", {"items": items})
    env.goto(o.scenario)
    t0 = time.monotonic()
    env.start_agent(1, extra=["--node-name", NODE, "--full-check", "3600"])
    env.wait_ready(1, deadline=1800)
    wall = time.monotonic() - t0
    pid = env.agents[1].pid
    cpu = cpu_s(pid)
    time.sleep(1)
    rss0 = rss_kib(pid) / 1024
    log(env, "ready after %.1f s, agent CPU %.2f s, RSS %.1f MiB" % (wall, cpu, rss0))
    return {"wall_s": wall, "agent_cpu_s": cpu, "rss_mib": rss0}


def one(env, mon, path, body):
    """A control write; (stand-in -> first monitor line, agent's own latency), s."""
    h0 = histogram(env)
    r = post(env, path, body)
    seen = mon.first_after(r["mono0"], deadline=20)
    mon.quiet(0.3, 30)
    h1 = histogram(env)
    d = h1.get("count", 0) - h0.get("count", 0)
    agent = (h1["sum"] - h0["sum"]) / d if d else None
    return (None if seen is None else max(0.0, seen - r["mono"])), agent


def singles(env, o, items, mon):
    """Each single change REPEAT times; {what: {external: stats, agent: stats}}."""
    pods = [it for it in items if it["kind"] == "Pod"]
    remote = next(p for p in pods if p["spec"]["nodeName"] != NODE)
    relabel = pods[len(pods) // 2]
    ops = {k: ([], []) for k in ("pod add", "pod delete", "pod relabel", "policy create",
                                 "policy update", "policy delete")}

    def rec(what, res):
        if res[0] is not None:
            ops[what][0].append(res[0])
        if res[1] is not None:
            ops[what][1].append(res[1])

    for j in range(o.repeat):
        pod = json.loads(json.dumps(remote))
        pod["metadata"]["name"] = "single-%d" % j
        ip = "10.201.%d.%d" % (j // 250, j % 250 + 1)
        pod["status"].update(podIP=ip, podIPs=[{"ip": ip}])
        rec("pod add", one(env, mon, "/create", {"object": pod}))
        rec("pod delete", one(env, mon, "/delete", {"kind": "Pod", "name": pod["metadata"][
            "name"], "namespace": pod["metadata"]["namespace"]}))
        lab = json.loads(json.dumps(relabel))
        lab["metadata"]["labels"]["app"] = "web" if j % 2 == 0 else "api"
        if lab["metadata"]["labels"] == relabel["metadata"]["labels"]:
            lab["metadata"]["labels"]["app"] = "db"
        rec("pod relabel", one(env, mon, "/update", {"object": lab}))
        relabel = lab
        ns = relabel["metadata"]["namespace"]
        pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "single-%d" % j, "namespace": ns},
               "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                                     "ports": [{"protocol": "TCP", "port": 80}]}]}}
        rec("policy create", one(env, mon, "/create", {"object": pol}))
        pol["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"] = "db"
        rec("policy update", one(env, mon, "/update", {"object": pol}))
        rec("policy delete", one(env, mon, "/delete", {"kind": "NetworkPolicy",
                                                       "name": "single-%d" % j,
                                                       "namespace": ns}))
    return {k: {"external": stats(v[0]), "agent": stats(v[1])} for k, v in ops.items()}


class Prober:
    """Probe every pair of the real pods in a loop (TCP 80, TIMEOUT s):
    violations are pairs that differ from the scenario's table."""

    def __init__(self, env, timeout):
        self.env, self.timeout = env, timeout
        self.want = env.expected()
        self.rounds, self.violations, self.errors = 0, [], []
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                got = self.env.observe(timeout=self.timeout)
            except HarnessError as e:
                self.errors.append(str(e))
                continue
            self.rounds += 1
            now = time.monotonic()
            for pair, want in self.want.items():
                if got.get(pair) != want:
                    self.violations.append((now, "%s -> %s: want %s got %s" % (
                        pair[0], pair[1], want, got.get(pair))))

    def stop(self):
        self.stop_ev.set()
        self.thread.join()
        return {"rounds": self.rounds, "pairs": len(self.want),
                "denied_pairs": sum(1 for v in self.want.values() if not v),
                "violations": len(self.violations),
                "examples": [v[1] for v in self.violations[:10]], "errors": self.errors[:3]}


def churn(env, o, mon):
    pid = env.agents[1].pid
    h0, c0 = histogram(env), cpu_s(pid)
    prober = Prober(env, o.probe_timeout)
    t0 = time.monotonic()
    post(env, "/churn", {"rate": o.rate, "seconds": o.seconds, "namespace_prefix": "ns-",
                         "seed": 1})
    while post(env, "/churn")["running"]:
        time.sleep(0.2)
    st = post(env, "/churn?events=1")
    if st.get("error"):
        raise HarnessError("churn in the stand-in failed: %s" % st["error"])
    mon.quiet(1.5, 120)
    busy = time.monotonic() - t0
    c1, h1 = cpu_s(pid), histogram(env)
    time.sleep(2)
    probed = prober.stop()
    ev = st["events"]
    idx = mon.ip_index(ev[0]["mono"] if ev else t0)
    lat, unseen = [], 0
    nxt = {}                        # an event's address is its until the next event on it
    for e in reversed(ev):
        e["until"] = nxt.get(e["ip"], float("inf"))
        nxt[e["ip"]] = e["mono"]
    for e in ev:
        ts = idx.get(e["ip"], [])
        i = bisect.bisect_left(ts, e["mono"])
        if i < len(ts) and ts[i] < e["until"]:
            lat.append(ts[i] - e["mono"])
        else:
            unseen += 1
    n = len(ev)
    span = (ev[-1]["mono"] - ev[0]["mono"]) if n > 1 else 0
    return {"events": n, "rate_achieved": n / span if span else None,
            "standin_late_max_s": st["late_max"], "wall_s": busy,
            "external": stats(lat), "events_without_change": unseen,
            "agent": hist_delta(h0, h1), "agent_cpu_s": c1 - c0,
            "cpu_s_per_1000": (c1 - c0) / n * 1000 if n else None,
            "cores": (c1 - c0) / busy, "rss_mib": rss_kib(pid) / 1024, "prober": probed}


def normalise(text):
    text = re.sub(r"\tset agent_sync \{\n.*?\n\t\}\n", "", text, flags=re.S)
    text = re.sub(r"packets \d+ bytes \d+", "packets - bytes -", text)
    return run([sys.executable, NORMLIST], input=text).stdout


def final_check(env):
    """The agent's table against compile of the stand-in's objects; (equal, the
    start of the difference)."""
    dump = os.path.join(env.work, "final-objects.json")
    post(env, "/objects", out=dump)
    with open(dump) as f:
        objs = json.load(f)
    items = [dict(o, kind=LIST_KINDS[r]) for r, lst in objs.items() if r in LIST_KINDS
             for o in lst]
    files = []              # the CLI takes at most 64 MiB a file: 100k pods are ~110 MB
    for i in range(0, len(items), 20000):
        files.append(os.path.join(env.work, "final-list-%d.json" % i))
        with open(files[-1], "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items[i:i + 20000]}, f)
    script = run([env.binary, "compile", "--node", NODE] + files).stdout
    ref = "%s-ref" % env.tag
    run(["ip", "netns", "add", ref])
    try:
        run(["ip", "netns", "exec", ref, "nft", "-f", "-"], input=script)
        want = normalise(stable_listing(ref))
    finally:
        run(["ip", "netns", "del", ref], check=False)
    got = normalise(stable_listing(env.cluster.nodes[1]))
    if got != want:
        # not a lagging agent: settled again, and compared once more
        settle(env, 10)
        got = normalise(stable_listing(env.cluster.nodes[1]))
    if got == want:
        return True, None
    diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(), "compile", "agent",
                                     lineterm="", n=1))
    with open(os.path.join(env.work, "final-table.diff"), "w") as f:
        f.write("\n".join(diff) + "\n")
    if getattr(env, "diff_out", None):
        for suffix, text in (("", "\n".join(diff) + "\n"), (".compile", want), (".agent", got)):
            with open(env.diff_out + suffix, "w") as f:
                f.write(text)
    plus = sum(1 for ln in diff if ln.startswith("+\t"))
    minus = sum(1 for ln in diff if ln.startswith("-\t"))
    a, b = blocks(want), blocks(got)
    where = ["%s: %d only in the agent's, %d only in compile's" % (
        name, len(b.get(name, set()) - a.get(name, set())),
        len(a.get(name, set()) - b.get(name, set())))
        for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    return False, "%d lines only in the agent's table, %d only in compile's; by block:\n%s\n%s" % (
        plus, minus, "\n".join(where[:40]), "\n".join(diff[:60]))


def blocks(text):
    """{set/map/chain header: its lines} of a normalised listing."""
    out, cur = {}, None
    for ln in text.splitlines():
        if re.match(r"\t(set|map|chain|counter) ", ln):
            cur = ln.strip()
            out[cur] = set()
        elif cur and ln.startswith("\t\t"):
            out[cur].add(ln.strip())
    return out


def stable_listing(netns, tries=20):
    """`nft list table inet nftpol` in NETNS once two listings a second apart
    agree: a large set just filled is resized by the kernel in the background,
    and a dump meanwhile repeats some elements and misses others (100k pods:
    180,798 distinct of 200,000 right after `nft -f`, all of them 2 s later)."""
    last = None
    for _ in range(tries):
        cur = run(["ip", "netns", "exec", netns, "nft", "list", "table", "inet",
                   "nftpol"]).stdout
        if cur == last:
            return cur
        last = cur
        time.sleep(1)
    raise HarnessError("the table in %s kept changing between listings" % netns)


def counters(env):
    """The agent's watch event and sync counters (a tuple that moves while it
    works; bookmarks, which come every 2 s, left out)."""
    _, body = env.http(1, "/metrics")
    return tuple(ln for ln in body.splitlines()
                 if ln.startswith(("nftpol_watch_events_total", "nftpol_syncs_total",
                                   "nftpol_lists_total")) and "BOOKMARK" not in ln)


def settle(env, secs, deadline=600):
    """Wait until the agent's counters stay the same for SECS seconds."""
    end = time.monotonic() + deadline
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        cur = counters(env)
        if cur != last:
            last, since = cur, time.monotonic()
        elif time.monotonic() - since >= secs:
            return
        time.sleep(0.5)


def steps(env, o, items):
    """Every step in ENV (set up, agent 1 not running; other agents may run:
    they enforce the real pods on their nodes); the results."""
    R = {"pods": o.pods, "nodes": o.nodes, "policies": o.policies, "rate": o.rate,
         "seconds": o.seconds, "scenario": o.scenario,
         "local_pods": sum(1 for i in items if i["kind"] == "Pod" and
                           i["spec"]["nodeName"] == NODE)}
    R["startup"] = start(env, o, items)
    mon = Monitor(env)
    try:
        mon.quiet(1.0, 60)
        if o.repeat:
            R["singles"] = singles(env, o, items, mon)
            log(env, "singles: %s" % json.dumps(R["singles"]))
        if o.seconds > 0:
            R["churn"] = churn(env, o, mon)
            log(env, "churn: %s" % json.dumps(R["churn"]))
    finally:
        mon.stop()
        if env.keep:
            mon.save(os.path.join(env.work, "nlmon.txt"))
    settle(env, 5)
    _, body = env.http(1, "/metrics")
    R["agent_relists"] = [ln for ln in body.splitlines() if ln.startswith(
        ("nftpol_watch_restarts_total", "nftpol_lists_total")) and not ln.endswith(" 0")]
    try:
        R["final_equal"], R["final_diff"] = final_check(env)
    except HarnessError as e:
        R["final_equal"], R["final_diff"] = False, "the check did not run: %s" % e
    R["ok"] = R["final_equal"] and (o.seconds <= 0 or not R["churn"]["prober"]["violations"])
    return R


def parser():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--repeat", type=int, default=5, help="each single change, times")
    ap.add_argument("--scenario", default="namespace-selector-peer")
    ap.add_argument("--probe-timeout", type=float, default=1.0)
    ap.add_argument("--check-incremental", action="store_true",
                    help="the agent with --check-incremental (slower: not a measurement)")
    ap.add_argument("--diff-out", metavar="FILE", help="when the final table differs: "
                    "the diff to FILE, both listings to FILE.compile and FILE.agent")
    ap.add_argument("--json")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", "--keep", action="store_true")
    return ap


def main():
    o = parser().parse_args()
    if os.geteuid():
        print("churn: needs root", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    env = Env(nodes=1, verbose=o.verbose, keep=o.keep)
    # the e2e suite's --check-incremental compiles in full after every
    # incremental sync: a measurement runs the agent as deployed
    env.check_incremental = o.check_incremental
    env.diff_out = o.diff_out
    try:
        items = generated(o)
        env.setup()
        R = steps(env, o, items)
    finally:
        env.teardown()
    text = json.dumps(R, indent=1)
    print(text)
    if o.json:
        with open(o.json, "w") as f:
            f.write(text + "\n")
    return 0 if R["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
