# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end environment for `nftpol agent` (stdlib only).

Topology (all namespaces created here and removed in teardown(), also on
failure; nothing touches the root namespace):

  <tag>-api       the stand-in API server (tests/apiserver/server.py) on
                  127.0.0.1:PORT, and kubectl runs here
  <tag>-node-K    tests/lib's model node: forwards pod traffic, holds table
                  inet nftpol; the agent runs here, and nsrelay.py relays
                  127.0.0.1:PORT here to 127.0.0.1:PORT in <tag>-api
  <tag>-NS-POD    pods (tests/lib), each serving TCP/UDP on 80 and 81

The agent of node K talks to https://127.0.0.1:PORT (the relay), which the
stand-in's certificate covers, so TLS is verified as in production.

Model is a small NetworkPolicy evaluator for the policies these tests use
(matchLabels pod/namespace selectors, numbered ports), giving the expected
reachability to compare real connections against.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cluster import Cluster, HarnessError, run  # noqa: E402
from manifests import cluster_objects, namespace_obj, pod_obj  # noqa: E402
from probe import probe_matrix  # noqa: E402

SERVER = os.path.join(REPO, "tests", "apiserver", "server.py")
KUBECTL = os.environ.get("KUBECTL", "kubectl")     # scripts/test runs with each one
RELAY = os.path.join(HERE, "nsrelay.py")
SPEC = "tcp/80@pod"
SPEC6 = "tcp/80@v6@pod"


def nftpol_binary():
    path = os.environ.get("NFTPOL", os.path.join(REPO, "build", "nftpol"))
    return os.path.abspath(path)


def stop_proc(p, sig=signal.SIGTERM, timeout=5):
    """Stop a process this harness started (by its PID only)."""
    if p is None or p.poll() is not None:
        return
    try:
        os.kill(p.pid, sig)
        p.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()


# -- the expected reachability ---------------------------------------------

def sel_matches(sel, labels):
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    return True


class Model:
    """Namespaces, pods and policies as the tests changed them."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.ns_labels = {}
        for n, lab in cluster.namespaces.items():
            self.ns_labels[n] = dict(lab, **{"kubernetes.io/metadata.name": n})
        self.pod_labels = {p.key: dict(p.labels) for p in cluster.pods}
        self.policies = {}          # (ns, name) -> policy object

    def copy(self):
        m = Model.__new__(Model)
        m.cluster = self.cluster
        m.ns_labels = json.loads(json.dumps(self.ns_labels))
        m.pod_labels = json.loads(json.dumps(self.pod_labels))
        m.policies = json.loads(json.dumps({"%s/%s" % k: v for k, v in self.policies.items()}))
        m.policies = {tuple(k.split("/", 1)): v for k, v in m.policies.items()}
        return m

    def _types(self, pol):
        spec = pol["spec"]
        if "policyTypes" in spec:
            return spec["policyTypes"]
        return ["Ingress"] + (["Egress"] if "egress" in spec else [])

    def _peer_ok(self, peer, pol_ns, other):
        other_ns = other.split("/")[0]
        ns_sel = peer.get("namespaceSelector")
        if ns_sel is None:
            if other_ns != pol_ns:
                return False
        elif not sel_matches(ns_sel, self.ns_labels.get(other_ns, {})):
            return False
        return sel_matches(peer.get("podSelector"), self.pod_labels[other])

    def _rule_ok(self, rule, key, pol_ns, other, port):
        ports = rule.get("ports") or []
        if ports and not any(p.get("port") == port for p in ports):
            return False
        peers = rule.get(key) or []
        return not peers or any(self._peer_ok(p, pol_ns, other) for p in peers)

    def _side_ok(self, pod, other, direction, port):
        ns = pod.split("/")[0]
        field, key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        isolated = False
        for (pns, _), pol in sorted(self.policies.items()):
            if pns != ns or direction not in self._types(pol):
                continue
            if not sel_matches(pol["spec"].get("podSelector") or {}, self.pod_labels[pod]):
                continue
            isolated = True
            for rule in pol["spec"].get(field) or []:
                if self._rule_ok(rule, key, ns, other, port):
                    return True
        return not isolated

    def allowed(self, src, dst, port=80):
        return (self._side_ok(dst, src, "Ingress", port) and
                self._side_ok(src, dst, "Egress", port))

    def expected(self):
        keys = [p.key for p in self.cluster.pods]
        return {(s, d): self.allowed(s, d) for s in keys for d in keys if s != d}


def forbidden_in_all(*models):
    """Pairs no model allows: a connection between them must never succeed."""
    out = None
    for m in models:
        f = {k for k, v in m.expected().items() if not v}
        out = f if out is None else out & f
    return out or set()


# -- the environment -------------------------------------------------------

class Env:
    def __init__(self, nodes=2, layout="xyz", verbose=False, keep=False, ipv6=False):
        self.cluster = Cluster(layout, nodes, ipv6=ipv6)
        self.tag = self.cluster.tag
        self.api_ns = "%s-api" % self.tag
        self.work = tempfile.mkdtemp(prefix="nftpol-e2e-")
        self.dir = os.path.join(self.work, "apiserver")
        self.state = os.path.join(self.work, "apiserver-state.json")
        self.kcache = os.path.join(self.work, "kubectl-cache")
        self.server = None
        self.port = 0
        self.cport = 0
        self.relays = {}
        self.agents = {}
        self.agent_logs = {}
        self.verbose = verbose
        self.keep = keep
        self.model = None
        self.binary = nftpol_binary()
        self.api_made = False

    # building and tearing down
    def setup(self, objects=True):
        try:
            self.cluster.setup()
            run(["ip", "netns", "add", self.api_ns])
            self.api_made = True
            run(["ip", "-n", self.api_ns, "link", "set", "lo", "up"])
            self.start_apiserver()
            for k in self.cluster.nodes:
                self.start_relay(k)
            if objects:
                self.create_objects(cluster_objects(self.cluster))
            self.model = Model(self.cluster)
        except BaseException:
            self.teardown()
            raise
        return self

    def teardown(self):
        for k in list(self.agents):
            stop_proc(self.agents.pop(k), signal.SIGKILL)
        for k in list(self.relays):
            stop_proc(self.relays.pop(k), signal.SIGKILL)
        stop_proc(self.server, signal.SIGKILL)
        self.server = None
        try:
            self.cluster.teardown()
        finally:
            if self.api_made:
                run(["ip", "netns", "del", self.api_ns], check=False)
                self.api_made = False
            if self.keep:
                print("work directory kept: %s" % self.work)
            else:
                shutil.rmtree(self.work, ignore_errors=True)

    # the stand-in API server
    def start_apiserver(self, extra=()):
        args = ["ip", "netns", "exec", self.api_ns, sys.executable, SERVER,
                "--dir", self.dir, "--port", str(self.port), "--state", self.state,
                "--bookmark-period", "2", "--history", "200"]
        for k in self.cluster.nodes:
            args += ["--node", self.cluster.node_name(k)]
        args += list(extra)
        log = open(os.path.join(self.work, "apiserver.log"), "a")
        self.server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log,
                                       stdin=subprocess.DEVNULL, text=True)
        line = self.server.stdout.readline()
        if not line.strip().isdigit():
            raise HarnessError("stand-in API server did not start; see %s" % log.name)
        self.port = int(line)
        with open(os.path.join(self.dir, "control-port")) as f:
            self.cport = int(f.read())

    def kill_apiserver(self):
        stop_proc(self.server, signal.SIGKILL)
        self.server = None

    def control(self, path, body=None):
        """POST (or GET without body) to the stand-in's control port."""
        args = ["curl", "-sf", "http://127.0.0.1:%d%s" % (self.cport, path)]
        if body is not None:
            args += ["-X", "POST", "-d", json.dumps(body)]
        p = run(["ip", "netns", "exec", self.api_ns] + args)
        return json.loads(p.stdout or "null")

    def start_relay(self, k):
        p = subprocess.Popen(["ip", "netns", "exec", self.cluster.nodes[k], sys.executable,
                              RELAY, "--to", self.api_ns, "--port", str(self.port)],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if p.stdout.readline().strip() != "ready":
            raise HarnessError("relay in node %d did not start" % k)
        self.relays[k] = p

    # kubectl, the real one
    def kubectl(self, *args, input=None, check=True):
        cmd = ["ip", "netns", "exec", self.api_ns, KUBECTL,
               "--kubeconfig", os.path.join(self.dir, "kubeconfig"),
               "--cache-dir", self.kcache, "--request-timeout", "10s"] + list(args)
        return run(cmd, input=input, check=check)

    def create_objects(self, objs):
        self.kubectl("create", "-f", "-",
                     input="\n".join(json.dumps(o) for o in objs))

    def create_policy(self, pol, model=None):
        self.kubectl("create", "-f", "-", input=json.dumps(pol))
        (model or self.model).policies[(pol["metadata"]["namespace"],
                                        pol["metadata"]["name"])] = pol

    def delete_policy(self, ns, name, model=None):
        self.kubectl("delete", "networkpolicy", "-n", ns, name, "--wait=false")
        (model or self.model).policies.pop((ns, name), None)

    def label_ns(self, ns, key, value):
        arg = "%s=%s" % (key, value) if value is not None else "%s-" % key
        self.kubectl("label", "namespace", ns, arg, "--overwrite")
        if value is None:
            self.model.ns_labels[ns].pop(key, None)
        else:
            self.model.ns_labels[ns][key] = value

    def label_pod(self, key, label, value):
        ns, name = key.split("/")
        arg = "%s=%s" % (label, value) if value is not None else "%s-" % label
        self.kubectl("label", "pod", "-n", ns, name, arg, "--overwrite")
        if value is None:
            self.model.pod_labels[key].pop(label, None)
        else:
            self.model.pod_labels[key][label] = value

    def add_pod(self, ns, name, labels, node):
        pod = self.cluster.add_pod(ns, name, labels, node)
        self.kubectl("create", "-f", "-", input=json.dumps(
            pod_obj(self.cluster, pod, labels, pod.named_ports())))
        self.model.pod_labels[pod.key] = dict(labels)
        return pod

    def remove_pod(self, key):
        ns, name = key.split("/")
        self.kubectl("delete", "pod", "-n", ns, name, "--wait=false")
        self.cluster.remove_pod(key)
        self.model.pod_labels.pop(key, None)

    # agents
    def start_agent(self, k, extra=()):
        kc = "kubeconfig-tokenfile" if k == 1 else "kubeconfig"
        log = open(os.path.join(self.work, "agent-%d.log" % k), "a")
        self.agent_logs[k] = log.name
        args = ["ip", "netns", "exec", self.cluster.nodes[k], self.binary, "agent",
                "--node-name", self.cluster.node_name(k),
                "--kubeconfig", os.path.join(self.dir, kc),
                "--metrics-address", "127.0.0.1:9465", "--full-check", "10"] + list(extra)
        self.agents[k] = subprocess.Popen(args, stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL)

    def stop_agent(self, k, sig=signal.SIGTERM):
        p = self.agents.pop(k)
        stop_proc(p, sig)
        return p.returncode

    def http(self, k, path):
        """(status, body) of GET path on node k's metrics listener."""
        p = run(["ip", "netns", "exec", self.cluster.nodes[k], "curl", "-s", "-o", "-",
                 "-w", "\n%{http_code}", "http://127.0.0.1:9465" + path], check=False)
        body, _, code = p.stdout.rpartition("\n")
        return int(code or 0), body

    def wait_ready(self, k, deadline=20):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.agents[k].poll() is not None:
                raise HarnessError("agent %d exited: %s" % (k, self.agent_tail(k)))
            if self.http(k, "/readyz")[0] == 200:
                return
            time.sleep(0.1)
        raise HarnessError("agent %d not ready after %ds:\n%s" % (k, deadline,
                                                                   self.agent_tail(k)))

    def agent_tail(self, k, n=15):
        with open(self.agent_logs[k]) as f:
            return "".join(f.readlines()[-n:])

    def table(self, k):
        return run(["ip", "netns", "exec", self.cluster.nodes[k], "nft", "list", "table",
                    "inet", "nftpol"], check=False).stdout

    # connections
    def observe(self, timeout=0.5):
        """{(src, dst): bool}. Dual-stack: probed over IPv4 and IPv6; a pair the
        two families disagree on maps to a (truthy) string saying so."""
        specs = [SPEC, SPEC6] if self.cluster.ipv6 else [SPEC]
        m = probe_matrix(self.cluster, specs, timeout=timeout)
        out = {}
        for k, v4 in m[SPEC].items():
            if k[0] == k[1]:
                continue
            v6 = m[SPEC6][k] if self.cluster.ipv6 else v4
            out[k] = v4 if v4 == v6 else "mixed(v4=%s,v6=%s)" % (v4, v6)
        return out

    def converge(self, model=None, deadline=30):
        """Poll real connections until they match the model; (ok, seconds, diff)."""
        want = (model or self.model).expected()
        start = time.monotonic()
        got = {}
        while time.monotonic() - start < deadline:
            got = self.observe()
            if got == want:
                return True, time.monotonic() - start, ""
        wrong = sorted("%s -> %s: want %s got %s" % (s, d, want[(s, d)], got.get((s, d)))
                       for (s, d) in want if got.get((s, d)) != want[(s, d)])
        return False, deadline, "\n".join(wrong[:20])


class Watchdog:
    """Probe continuously in a thread; record every success of a forbidden pair."""

    def __init__(self, env, forbidden):
        self.env = env
        self.forbidden = set(forbidden)
        self.violations = []
        self.rounds = 0
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                got = self.env.observe(timeout=0.3)
            except HarnessError as e:
                self.violations.append(("prober", str(e)))
                continue
            self.rounds += 1
            for pair in self.forbidden:
                if got.get(pair):
                    self.violations.append((time.monotonic(), pair))
