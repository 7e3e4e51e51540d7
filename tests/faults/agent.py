#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Faults of the world around `nftpol agent` (issue 6), on tests/e2e/harness.py.

Each test builds its own Env (one node namespace with the agent, the stand-in
API server, its relay, pod namespaces), injects one fault while the cluster
goes from one connectivity scenario to another (tests/connectivity/<name>/) and
a Watchdog probes the pod-to-pod matrix continuously (any connection the tables
of both scenarios deny is a failure), and ends by converging on the new
scenario's table.  Everything lives in network namespaces made here and is removed
also on failure or Ctrl-C; only processes started here are killed, by PID.

usage: tests/faults/agent.py [-v] [-k] [--kills N] [--kubectl-only] [TEST...]
Env: NFTPOL (default build/nftpol), KUBECTL (default: kubectl on PATH).  Needs root.
Last line "N passed, M failed".
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import harness  # noqa: E402
from harness import (KUBECTL, Env, Watchdog, attempt, forbidden_in_all,  # noqa: E402
                     rss_kib, run, stand_in_state)
import suite  # noqa: E402
from suite import expect, handle_signals, main_guard, pick, run_tests  # noqa: E402

NORMLIST = os.path.join(REPO, "tests", "kernel", "normlist.py")
GENCLUSTER = os.path.join(REPO, "scripts", "gencluster.py")
RESULTS = []        # (test, measured numbers) for the summary


def note(env, fmt, *args):
    RESULTS.append(fmt % args)
    if env.verbose:
        print("    " + fmt % args, flush=True)


def converged(env, what, deadline=30):
    secs = harness.converged(env, what, deadline)
    note(env, "%s: converged in %.1f s", what, secs)
    return secs


def clean(wd, what):
    expect(not wd.violations, "%s: forbidden connections succeeded: %s" % (
        what, wd.violations[:5]))
    expect(wd.rounds >= 2, "%s: the watchdog probed only %d rounds" % (what, wd.rounds))


def metric(env, name, k=1):
    """Value of one exact series on node k's /metrics (None if absent)."""
    code, body = env.http(k, "/metrics")
    for ln in body.splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[-1])
    return None


def agent_log(env, k=1):
    with open(env.agent_logs[k]) as f:
        return f.read()


def agent_requests(env, since):
    """The stand-in's log of the agent's requests since (time.time())."""
    return [r for r in env.control("/log?since=%f" % since)["requests"]
            if r.get("user_agent", "").startswith("nftpol-agent")]


def normalise(text):
    return run([sys.executable, NORMLIST], input=text).stdout


def without_stamp(text):
    """The listing without the agent's sync stamp (set agent_sync, nft/stamp.h)
    and the values of its counters: the time of the last sync, which moves
    with every sync, and what the probes counted are not the policy."""
    text = re.sub(r"\tset agent_sync \{\n.*?\n\t\}\n", "", text, flags=re.S)
    return re.sub(r"packets \d+ bytes \d+", "packets - bytes -", text)


def listing(env, k=1):
    """The node's table, normalised (tests/kernel/normlist.py) and without the
    sync stamp: a whole replace recreates objects in another order, which is
    not content."""
    return normalise(without_stamp(env.table(k)))


def nsrun(env, *args, check=True, input=None, k=1):
    return run(["ip", "netns", "exec", env.cluster.nodes[k]] + list(args), check=check,
               input=input)


def start(env, extra=()):
    env.start_agent(1, extra=list(extra))
    env.wait_ready(1)


# -- 1: API server absent at start ----------------------------------------

def test_apiserver_absent(env):
    """The stand-in is down when the agent starts: the table stays, not ready; then up."""
    start(env)
    env.goto("namespace-selector-peer")
    converged(env, "absent: x/a open to y only")
    before = env.expected()
    env.stop_agent(1)
    env.kill_apiserver()
    t0 = listing(env)
    expect("pod_ingress4" in t0, "no table programmed before the outage")
    with Watchdog(env, forbidden_in_all(before)) as wd:
        env.start_agent(1)
        not_ready = 0
        end = time.monotonic() + 6
        while time.monotonic() < end:
            expect(env.agents[1].poll() is None, "agent exited with the server down:\n" +
                   env.agent_tail(1))
            code = env.http(1, "/readyz")[0]
            expect(code != 200, "agent ready with no API server")
            not_ready += 1
            time.sleep(0.3)
        t1 = listing(env)
        expect(t1 == t0, "the table changed while the server was down")
        note(env, "absent: 6 s without server: /readyz never 200 (%d polls), table identical "
             "(%d lines)", not_ready, len(t0.splitlines()))
        t_up = time.monotonic()
        env.start_apiserver()
        env.wait_ready(1, deadline=40)
        note(env, "absent: ready %.1f s after the server came up", time.monotonic() - t_up)
        env.goto("default-deny-ingress")
        converged(env, "absent: after start, allow-from-ns-y deleted, x closed")
    clean(wd, "absent")


# -- 2: 500s, garbage, truncated bodies -----------------------------------

AGENT_PATHS = ("/api/v1/pods", "/api/v1/namespaces", "/apis/networking.k8s.io/v1/networkpolicies",
               "/api/v1/nodes")


def fail_agent_paths(env, mode, code=None, retry_after=None):
    """Make every GET of the agent's cluster-wide collections fail (kubectl's
    namespaced paths and discovery do not match), in place of the faults set
    before, at once: between a clear and new faults the agent could list."""
    body = {"count": 100000, "mode": mode, "match": list(AGENT_PATHS), "method": "GET",
            "replace": True}
    if code:
        body["code"] = code
    if retry_after:
        body["retry_after"] = retry_after
    env.control("/fail", body)


def test_bad_answers(env):
    """500s, then garbage, then truncated bodies: keep the table, back off, recover."""
    start(env)
    env.goto("default-deny-ingress")
    converged(env, "bad answers: x closed")
    t0 = listing(env)
    with Watchdog(env, forbidden_in_all(env.expected(),
                                        env.expected("namespace-selector-peer"))) as wd:
        counts = []
        for i, (mode, code) in enumerate((("status", 500), ("garbage", None),
                                          ("truncate", None))):
            since = time.time()
            fail_agent_paths(env, mode, code)
            env.control("/close-watches", {"abort": True})
            if i == 0:
                env.goto("namespace-selector-peer")     # during the fault
            time.sleep(4)
            n = len(agent_requests(env, since))
            counts.append(n)
            expect(listing(env) == t0, "table changed during %s answers" % mode)
        errs = metric(env, 'nftpol_errors_total{kind="list"}') or 0
        errs += metric(env, 'nftpol_errors_total{kind="watch"}') or 0
        env.control("/fail/clear", {})
        note(env, "bad answers: agent requests per 4 s window: 500s %d, garbage %d, "
             "truncated %d; list+watch errors counted %d", *counts, errs)
        for n in counts:
            expect(n <= 60, "not backing off: %d requests in 4 s" % n)
        expect(errs > 0, "no list/watch error counted")
        expect(listing(env) == t0, "table changed during the fault")
        converged(env, "bad answers: recovered, namespace-selector-peer (made during the "
                  "fault) enforced", deadline=45)
        # 429 with Retry-After: 3 (API Priority and Fairness): no path asked again sooner.
        # First let the watches run 10 s (HEALTHY_WATCH_MS): their backoff resets, so
        # the agent's own delays (0.8 s, 1.6 s, ...) would be shorter than 3 s.
        time.sleep(10.5)
        since = time.time()
        fail_agent_paths(env, "status", 429, retry_after=3)
        env.control("/close-watches", {"abort": True})
        time.sleep(10)
        env.control("/fail/clear", {})
        by_path = {}
        for r in agent_requests(env, since):
            by_path.setdefault(r["path"], []).append(r["time"])
        gaps = [b - a for t in by_path.values() for a, b in zip(t, t[1:])]
        note(env, "bad answers: 429 + Retry-After 3: %d requests in 10 s, shortest gap on one "
             "path %.2f s", sum(len(t) for t in by_path.values()), min(gaps or [0]))
        expect(len(gaps) >= 3 and min(gaps) >= 2.9,
               "Retry-After not honoured: gaps %s" % sorted(gaps)[:5])
    clean(wd, "bad answers")


# -- 4: a token that stops working ------------------------------------------

def kubectl_tf(env, *args, input=None):
    """kubectl with the tokenFile kubeconfig (follows the stand-in's rotations)."""
    return run(["ip", "netns", "exec", env.api_ns, KUBECTL, "--kubeconfig",
                os.path.join(env.dir, "kubeconfig-tokenfile"), "--cache-dir", env.kcache,
                "--request-timeout", "10s"] + list(args), input=input)


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)


def test_token_rotation(env):
    """The agent's token stops working (401s), is rotated in its token file: resume;
    the token never appears in the agent's output."""
    with open(os.path.join(env.dir, "token")) as f:
        tok0 = f.read().strip()
    mytok = os.path.join(env.work, "agent-token")
    write_atomic(mytok, tok0 + "\n")
    with open(os.path.join(env.dir, "kubeconfig-tokenfile")) as f:
        kc = f.read()
    expect(os.path.join(env.dir, "token") in kc, "kubeconfig-tokenfile has no tokenFile")
    mykc = os.path.join(env.work, "agent-kubeconfig")
    write_atomic(mykc, kc.replace(os.path.join(env.dir, "token"), mytok))
    start(env, ["--kubeconfig", mykc])
    env.goto("default-deny-ingress")
    converged(env, "token: x closed")
    t0 = listing(env)
    with Watchdog(env, forbidden_in_all(env.expected(),
                                        env.expected("namespace-selector-peer"))) as wd:
        since = time.time()
        env.control("/token", {"invalid": True})
        env.control("/close-watches", {"abort": True})
        time.sleep(3)
        tok1 = env.control("/token", {})["token"]       # the new valid token
        env.goto("namespace-selector-peer", kubectl=lambda *a, **kw: kubectl_tf(env, *a, **kw))
        time.sleep(3)
        reqs = agent_requests(env, since)
        n401 = sum(1 for r in reqs if r.get("code") == 401)
        expect(n401 >= 1, "no 401 answered to the agent")
        expect(listing(env) == t0, "table changed while the agent had no valid token")
        auth = metric(env, 'nftpol_errors_total{kind="auth"}') or 0
        expect(auth >= 1, "auth errors not counted")
        t_rot = time.monotonic()
        write_atomic(mytok, tok1 + "\n")
        secs = converged(env, "token: rotated in the token file, namespace-selector-peer "
                         "enforced", deadline=45)
    clean(wd, "token")
    env.stop_agent(1)
    log = agent_log(env)
    expect("401" in log or "nauthorized" in log, "the agent did not log the 401s")
    for name, t in (("old", tok0), ("new", tok1)):
        expect(t not in log, "the %s token appears in the agent's output" % name)
        for frag in (t[:12], t[-12:]):
            expect(frag not in log, "a part of the %s token appears in the agent's output" % name)
    # the grep is real: the token is findable where it is meant to be
    with open(mytok) as f:
        expect(tok1 in f.read(), "grep control: new token not in the token file")
    note(env, "token: %d requests answered 401, %d auth errors counted; resumed %.1f s after "
         "rotation; agent output %d bytes contains neither token", n401, auth,
         time.monotonic() - t_rot if False else secs, len(log))


# -- 6: someone edits the table ---------------------------------------------

def pod_map_element(env, pod_key):
    ip = env.cluster.pod(pod_key).ip4
    return ip


def test_table_edited(env):
    """Elements and rules deleted behind the agent's back: the 3 s full check restores."""
    start(env, ["--full-check", "3"])
    env.goto("namespace-selector-peer")
    converged(env, "edited: x/a open to y only")
    t0 = listing(env)
    model = env.expected()
    with Watchdog(env, forbidden_in_all(model)) as wd:
        time.sleep(3)
    clean(wd, "edited (before)")
    restore = []
    # a) loosening edit: x/a's element leaves the ingress pod map (x/a is open
    #    to all until restored): measured, the watchdog cannot run during it
    ip = pod_map_element(env, "x/a")
    t = time.monotonic()
    nsrun(env, "nft", "delete", "element", "inet", "nftpol", "pod_ingress4", "{ %s }" % ip)
    opened = env.observe().get(("z/b", "x/a"))
    while listing(env) != t0 and time.monotonic() - t < 15:
        time.sleep(0.1)
    restore.append(time.monotonic() - t)
    expect(listing(env) == t0, "pod map element not restored after 15 s")
    # b) tightening edit: delete the rule that lets y in (a rule in a chain
    #    holding a set reference), under the watchdog
    with Watchdog(env, forbidden_in_all(model)) as wd:
        handles = nsrun(env, "nft", "-a", "list", "table", "inet", "nftpol").stdout
        chain = None
        victim = None
        for ln in handles.splitlines():
            m = re.match(r"\s*chain (\S+) \{", ln)
            if m:
                chain = m.group(1)
            m = re.search(r"saddr @\S+ .*accept.*# handle (\d+)", ln)
            if m and chain and victim is None:
                victim = (chain, m.group(1), ln.strip())
        expect(victim, "no accept rule with a set to delete:\n" + handles[:2000])
        t = time.monotonic()
        nsrun(env, "nft", "delete", "rule", "inet", "nftpol", victim[0], "handle", victim[1])
        expect(listing(env) != t0, "rule deletion did not change the table")
        while listing(env) != t0 and time.monotonic() - t < 15:
            time.sleep(0.1)
        restore.append(time.monotonic() - t)
        expect(listing(env) == t0, "deleted rule not restored after 15 s")
        converged(env, "edited: restored")
    clean(wd, "edited (rule)")
    note(env, "edited: pod map element restored in %.1f s (z/b->x/a open in the one probe round meanwhile: %s), "
         "rule %r restored in %.1f s (full check 3 s)", restore[0], opened,
         victim[2][:60], restore[1])


# -- 3: a slow stream and an oversized event ---------------------------------

RSS_BOUND_KIB = 96 * 1024      # WATCH_MAX_LINE is 16 MiB; a few buffers of it at most


def test_slow_and_oversize(env):
    """Watch data dribbled 64 bytes per 10 ms, then a 20 MiB event (over the 16 MiB
    line limit): no crash, bounded RSS, relist, converge."""
    start(env)
    pid = env.agents[1].pid
    env.goto("default-deny-ingress")
    converged(env, "slow: x closed")
    rss = [rss_kib(pid)]
    walk = ("default-deny-ingress", "namespace-selector-peer", "ns-or-pod-selector")
    with Watchdog(env, forbidden_in_all(*map(env.expected, walk))) as wd:
        env.control("/slow", {"bytes": 64, "delay": 0.01})
        env.control("/close-watches", {"abort": True})
        env.goto(walk[1])
        converged(env, "slow: %s through a 6.4 kB/s stream" % walk[1], deadline=40)
        rss.append(rss_kib(pid))
        env.control("/slow", {"off": True})
        env.control("/close-watches", {"abort": True})
        time.sleep(1)
        env.control("/oversize", {"count": 1, "bytes": 20 << 20})
        env.goto(walk[2])
        end = time.monotonic() + 30
        ok = False
        while time.monotonic() < end and not ok:
            rss.append(rss_kib(pid))
            ok = env.observe() == env.expected()
        expect(ok, "oversize: not converged after 30 s")
        rss.append(rss_kib(pid))
    clean(wd, "slow/oversize")
    expect(env.agents[1].poll() is None, "agent died")
    lim = metric(env, 'nftpol_errors_total{kind="limit"}') or 0
    note(env, "slow/oversize: 20 MiB event -> limit errors %d; RSS KiB start %d, after slow "
         "%d, peak %d, end %d (bound %d)", lim, rss[0], rss[1], max(rss), rss[-1],
         RSS_BOUND_KIB)
    expect(lim >= 1, "the oversized event was not refused as over a limit")
    expect(max(rss) < RSS_BOUND_KIB, "RSS %d KiB over the bound" % max(rss))


# -- 5: the kernel refuses the agent's transactions ---------------------------

class Owner:
    """`nft -i` in the node namespace, holding table inet nftpol with flags owner.

    Why this obstacle: while a table is owned (NFT_TABLE_F_OWNER) the kernel
    refuses every change to it from any other netlink socket with EPERM, also a
    whole replace (delete + add), so each of the agent's transactions, delta or
    full, fails in the kernel, deterministically.  Taking ownership and giving it
    back are single transactions of the owner ("delete table; table ... {...}")
    with the same content, so enforcement never lapses."""

    def __init__(self, env):
        self.env = env
        self.p = subprocess.Popen(["ip", "netns", "exec", env.cluster.nodes[1], "nft", "-i"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        self.n = 0

    def load(self, body, owner):
        lines = body.rstrip("\n").split("\n")
        expect(lines[0] == "table inet nftpol {", "unexpected listing head %r" % lines[0])
        if owner:
            lines.insert(1, "\tflags owner")
        self.n += 1
        path = os.path.join(self.env.work, "owner-%d.nft" % self.n)
        with open(path, "w") as f:
            f.write("delete table inet nftpol\n" + "\n".join(lines) + "\n")
        self.p.stdin.write('include "%s"\n' % path)
        self.p.stdin.flush()

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()


def wait_for(cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_kernel_refuses(env):
    """Every transaction of the agent fails in the kernel (EPERM on an owned table):
    the previous rules stay, the failures are logged and counted, retried with
    backoff; converge once the obstacle is gone."""
    start(env, ["--full-check", "3"])
    env.goto("default-deny-ingress")
    converged(env, "kernel: x closed")
    raw = env.table(1)
    t0 = listing(env)
    owner = Owner(env)
    try:
        with Watchdog(env, forbidden_in_all(env.expected(),
                                            env.expected("namespace-selector-peer"))) as wd:
            owner.load(raw, True)
            expect(wait_for(lambda: "flags owner" in env.table(1), 5),
                   "could not take ownership of the table")
            errs0 = metric(env, 'nftpol_errors_total{kind="apply"}') or 0
            env.goto("namespace-selector-peer")
            time.sleep(8)
            log = agent_log(env)
            refused = log.count("the kernel refused the transaction")
            retries = re.findall(r'sync failed; retrying later" retry_in_ms=(\d+)', log)
            errs = (metric(env, 'nftpol_errors_total{kind="apply"}') or 0) - errs0
            expect(refused >= 1, "no refusal logged")
            expect(errs >= 1, "apply errors not counted")
            expect(refused <= 10, "retrying in a hot loop: %d refusals in 8 s" % refused)
            owned = normalise(without_stamp(env.table(1).replace("\tflags owner\n", "").replace(
                " # progname nft", "")))
            expect(owned == t0, "the table changed while refused")
            t_free = time.monotonic()
            owner.load(raw, False)
            expect(wait_for(lambda: "flags owner" not in env.table(1), 5),
                   "could not give the table back")
            owner.close()
            secs = converged(env, "kernel: obstacle gone, namespace-selector-peer enforced",
                             deadline=40)
    finally:
        owner.close()
    clean(wd, "kernel")
    note(env, "kernel: %d transactions refused in 8 s (apply errors +%d), retry delays ms %s; "
         "converged %.1f s after the table was given back", refused, errs,
         ",".join(retries[:8]), secs)


# -- 7: SIGKILL while programming a large table -------------------------------

def gencluster(pods, seed):
    out = run([sys.executable, GENCLUSTER, "--pods", str(pods), "--nodes", "1",
               "--seed", str(seed)]).stdout
    return json.loads(out)


def test_kill_while_programming(env):
    """SIGKILL of the agent at swept moments while it programs a 2000-pod table over
    the old one: the table is always exactly old or new, never partial."""
    # set up by run_one: env.state holds the new cluster, env.ref a reference netns
    old, new = env.old_file, env.new_file
    nb = env.binary
    refs = {}
    for name, path in (("old", old), ("new", new)):
        script = run([nb, "compile", "--node", "node-0", path]).stdout
        run(["ip", "netns", "exec", env.ref, "nft", "-f", "-"], input=script)
        refs[name] = normalise(without_stamp(run(["ip", "netns", "exec", env.ref, "nft",
                                                  "list", "table", "inet", "nftpol"]).stdout))
    expect(refs["old"] != refs["new"], "old and new rulesets are equal")
    node = ["--node-name", "node-0"]
    put_old = ["ip", "netns", "exec", env.cluster.nodes[1], nb, "apply", "--replace",
               "--node", "node-0", old]
    run(put_old)
    expect(listing(env) == refs["old"], "nftpol apply of old differs from compile|nft -f")
    t = time.monotonic()
    start(env, node)
    ready = time.monotonic() - t
    expect(listing(env) == refs["new"], "the agent's table differs from compile of the new "
           "cluster loaded with nft -f")
    prog = re.findall(r'msg="table (?:replaced|updated)" generation=\d+ duration_ms=(\d+)',
                      agent_log(env))
    env.stop_agent(1, signal.SIGKILL)
    budget = env.kill_budget
    outcome = {"old": 0, "new": 0, "other": 0}
    lo, hi = max(0.0, ready - 0.6), ready + 0.2
    t_loop = time.monotonic()
    i = 0
    is_old = False
    while i < env.kills and time.monotonic() - t_loop < budget:
        if not is_old:
            run(put_old)
        delay = lo + (hi - lo) * ((i * 37) % 100) / 100.0
        env.start_agent(1, extra=node)
        time.sleep(delay)
        env.stop_agent(1, signal.SIGKILL)
        now = listing(env)
        kind = "old" if now == refs["old"] else "new" if now == refs["new"] else "other"
        outcome[kind] += 1
        is_old = kind == "old"
        if kind == "other":
            bad = os.path.join(env.work, "partial-%d.list" % i)
            with open(bad, "w") as f:
                f.write(now)
        i += 1
    note(env, "kill: 2000 pods (all on node-0); agent ready (lists+program) in %.2f s, "
         "programming %s ms; %d SIGKILLs at delays %.2f..%.2f s in %.0f s: old %d, new %d, "
         "other %d", ready, prog[:1], i, lo, hi, time.monotonic() - t_loop, outcome["old"],
         outcome["new"], outcome["other"])
    expect(outcome["other"] == 0, "%d listings were neither old nor new" % outcome["other"])
    expect(outcome["old"] and outcome["new"], "the kills did not land on both sides")
    run(put_old)
    # the last word: an agent that is left alone converges on new
    start(env, node)
    expect(listing(env) == refs["new"], "final agent did not program new")


test_kill_while_programming.kubectl = False     # the stand-in is loaded from a file

TESTS = [test_apiserver_absent, test_bad_answers, test_slow_and_oversize, test_token_rotation,
         test_kernel_refuses, test_table_edited, test_kill_while_programming]


def run_one(t, a):
    del RESULTS[:]
    env = Env(nodes=1, verbose=a.verbose, keep=a.keep)
    env.kills, env.kill_budget, env.ref = a.kills, a.kill_budget, None

    def body():
        if t is test_kill_while_programming:
            env.old_file = os.path.join(env.work, "old.json")
            env.new_file = os.path.join(env.work, "new.json")
            for path, seed in ((env.old_file, 1), (env.new_file, 2)):
                c = gencluster(2000, seed)
                with open(path, "w") as f:
                    json.dump(c, f)
            stand_in_state(env.state, c["items"])   # the stand-in holds new
            env.ref = "%s-ref" % env.tag
            run(["ip", "netns", "add", env.ref])
            env.setup(objects=False)
        else:
            env.setup()
        t(env)
    try:
        return attempt(env, body, a.verbose)
    finally:
        if env.ref:
            run(["ip", "netns", "del", env.ref], check=False)


def print_results(t):
    for r in RESULTS:
        print("    " + r)


def main():
    ap = suite.parser("faults around nftpol agent")
    ap.add_argument("--kills", type=int, default=100, help="test 7: SIGKILLs (at most)")
    ap.add_argument("--kill-budget", type=float, default=50,
                    help="test 7: seconds for the kill loop")
    ap.add_argument("--kubectl-only", action="store_true",
                    help="only the tests that drive kubectl (to run them with another one)")
    a = ap.parse_args()
    if not suite.is_root("tests/faults/run-agent"):
        return 2
    handle_signals()
    chosen = pick(TESTS, a.tests)
    if a.kubectl_only:
        chosen = [t for t in chosen if getattr(t, "kubectl", True)]
    return run_tests(chosen, lambda t: run_one(t, a),
                     after=None if a.verbose else print_results)


if __name__ == "__main__":
    main_guard(main)
