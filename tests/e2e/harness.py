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

Env(h2=True) puts an HTTP/2 front before the stand-in, as a real API server
negotiates it: nghttpx in <tag>-api on 127.0.0.1:FRONT_PORT, TLS with the
stand-in's certificate, h2 (and http/1.1) offered in ALPN, every request
proxied over HTTPS/1.1 to the stand-in; the relays lead there instead of to
the stand-in (kubectl still talks to the stand-in directly).

What the connections must be comes from the connectivity scenarios
(tests/connectivity/<name>/, read by tests/lib/scenario.py): Env.goto(NAME)
makes the live cluster that scenario with kubectl (its labels, extra pods and
policies; the previous scenario's policies deleted), and Env.expected(NAME)
is its hand-written table for the pods there are.  Nothing here evaluates a
policy.
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
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import tables  # noqa: E402
from cluster import Cluster, HarnessError, run  # noqa: E402
from loader import nftpol_binary  # noqa: E402
from manifests import cluster_objects, pod_obj  # noqa: E402
from probe import probe_matrix  # noqa: E402
from scenario import TOPOLOGIES, Scenario, write_policies  # noqa: E402
from suite import Failed, stop_proc  # noqa: E402

SERVER = os.path.join(REPO, "tests", "apiserver", "server.py")
KUBECTL = os.environ.get("KUBECTL", "kubectl")     # scripts/test runs with each one
RELAY = os.path.join(HERE, "nsrelay.py")
SPEC = "tcp/80@pod"
SPEC6 = "tcp/80@v6@pod"
META_NAME = "kubernetes.io/metadata.name"
FRONT_PORT = 6443       # nghttpx, Env(h2=True); the stand-in's ports are ephemeral
# the front's access log: a line per request, when its response headers go out
FRONT_LOG_FORMAT = '$alpn $remote_port $status $method $path "$http_user_agent"'


def forbidden_in_all(*expectations):
    """Pairs every expectation (Env.expected) denies: a connection between
    them must never succeed while the cluster goes from one to the other."""
    out = None
    for e in expectations:
        f = {k for k, v in e.items() if v is False}
        out = f if out is None else out & f
    return out or set()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stand_in_state(path, items):
    """Write a stand-in --state file holding ITEMS (objects get RVs and uids);
    return the count of each resource."""
    res = {"Namespace": "namespaces", "Pod": "pods", "NetworkPolicy": "networkpolicies",
           "Node": "nodes", "ClusterNetworkPolicy": "clusternetworkpolicies",
           "AdminNetworkPolicy": "adminnetworkpolicies",
           "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicies"}
    objs = {r: [] for r in res.values()}
    rv = 10
    for o in json.loads(json.dumps(items)):
        m = o["metadata"]
        m["resourceVersion"] = str(rv)
        m["uid"] = "00000000-0000-4000-8000-%012d" % rv
        m["creationTimestamp"] = "2026-01-01T00:00:00Z"
        objs[res[o["kind"]]].append(o)
        rv += 1
    with open(path, "w") as f:
        json.dump({"rv": rv, "objects": objs}, f)
    return {k: len(v) for k, v in objs.items()}


def converged(env, what, deadline=30):
    """Wait until the connections match the current scenario's table; the
    seconds it took, or Failed after DEADLINE seconds."""
    ok, secs, diff = env.converge(deadline)
    if not ok:
        raise Failed("%s: not converged after %ds:\n%s" % (what, deadline, diff))
    return secs


def attempt(env, body, verbose):
    """Run body() in ENV, then check every agent still runs; always tear ENV
    down.  (ok, why)."""
    try:
        body()
        for k, p in env.agents.items():
            if p.poll() is not None:
                raise Failed("agent %d died: %s" % (k, env.agent_tail(k)))
        env.check_incremental_logs()
        return True, ""
    except (Failed, HarnessError) as e:
        tails = "".join("\n  agent %d log:\n%s" % (k, env.agent_tail(k))
                        for k in env.agent_logs)
        return False, str(e) + (tails if verbose else "")
    except Exception:
        return False, traceback.format_exc()
    finally:
        env.teardown()


# -- the environment -------------------------------------------------------

class Env:
    def __init__(self, nodes=2, layout="xyz", verbose=False, keep=False, ipv6=False, h2=False):
        self.cluster = Cluster(layout, nodes, ipv6=ipv6)
        self.tag = self.cluster.tag
        self.api_ns = "%s-api" % self.tag
        self.work = tempfile.mkdtemp(prefix="nftpol-e2e-")
        # every agent compares each incremental sync with a full compile
        # (--check-incremental); measurements turn it off
        self.check_incremental = os.environ.get("NFTPOL_CHECK_INCREMENTAL", "1") == "1"
        self.dir = os.path.join(self.work, "apiserver")
        self.state = os.path.join(self.work, "apiserver-state.json")
        self.kcache = os.path.join(self.work, "kubectl-cache")
        self.server = None
        self.port = 0
        self.cport = 0
        self.relays = {}
        self.h2 = h2
        self.front = None           # nghttpx, with h2
        self.front_log = os.path.join(self.work, "front-access.log")
        self.agents = {}
        self.agent_logs = {}
        self.verbose = verbose
        self.keep = keep
        self.binary = nftpol_binary()
        self.api_made = False
        self.at = None              # the scenario the cluster is in; None: no policies
        self.scenarios = {}         # name -> (Scenario, its policy files for this cluster)
        self.ns_labels = {n: dict(lab) for n, lab in self.cluster.namespaces.items()}
        self.pod_labels = {}        # key -> labels, as the API server has them

    # building and tearing down
    def setup(self, objects=True):
        try:
            self.cluster.setup()
            run(["ip", "netns", "add", self.api_ns])
            self.api_made = True
            run(["ip", "-n", self.api_ns, "link", "set", "lo", "up"])
            self.start_apiserver()
            if self.h2:
                self.start_front()
            for k in self.cluster.nodes:
                self.start_relay(k)
            if objects:
                self.create_objects(cluster_objects(self.cluster))
            self.pod_labels = {p.key: dict(p.labels) for p in self.cluster.pods}
        except BaseException:
            self.teardown()
            raise
        return self

    def teardown(self):
        for k in list(self.agents):
            stop_proc(self.agents.pop(k), signal.SIGKILL)
        for k in list(self.relays):
            stop_proc(self.relays.pop(k), signal.SIGKILL)
        self.stop_front()
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

    # the HTTP/2 front (h2)
    def start_front(self, alpn=None, deadline=10):
        """Start nghttpx (see the module's text) in its own process group
        (main and worker) and wait until it answers.  ALPN: the protocols it
        offers ("http/1.1": no HTTP/2); default h2 first."""
        errors = os.path.join(self.work, "front-errors.log")
        # --conf: not Debian's /etc/nghttpx/nghttpx.conf (errors to syslog);
        # sni: nghttpx checks a DNS name of the certificate, not its IP address
        args = ["ip", "netns", "exec", self.api_ns, "nghttpx", "--conf", "/dev/null",
                "--workers", "1", "-f127.0.0.1,%d" % FRONT_PORT,
                "-b127.0.0.1,%d;;tls;sni=kubernetes.default.svc" % self.port,
                "--cacert", os.path.join(self.dir, "ca.crt"), "--no-ocsp",
                "--accesslog-file", self.front_log, "--accesslog-format", FRONT_LOG_FORMAT,
                "--accesslog-write-early", "--errorlog-file", errors,
                "--worker-process-grace-shutdown-period", "3s"]
        args += ["--npn-list", alpn] if alpn else []
        args += [os.path.join(self.dir, "server.key"), os.path.join(self.dir, "server.crt")]
        self.front = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        probe = ["ip", "netns", "exec", self.api_ns, "curl", "-s", "-o", "/dev/null",
                 "-w", "%{http_code}", "--cacert", os.path.join(self.dir, "ca.crt"),
                 "https://127.0.0.1:%d/version" % FRONT_PORT]
        end = time.monotonic() + deadline
        while run(probe, check=False).stdout == "000":
            if self.front.poll() is not None or time.monotonic() > end:
                raise HarnessError("nghttpx did not start; see %s" % errors)
            time.sleep(0.1)

    def signal_front(self, sig):
        """Send SIG to nghttpx's process group (SIGHUP: reload, the old worker
        sends GOAWAY and closes its connections 3 s later)."""
        os.killpg(self.front.pid, sig)

    def stop_front(self):
        """SIGKILL nghttpx's process group; wait until none of it is left (a
        worker still holding the port would make the next one fail to bind)."""
        if self.front is None:
            return
        end = time.monotonic() + 5
        try:
            os.killpg(self.front.pid, signal.SIGKILL)
            self.front.wait()
            while time.monotonic() < end:
                os.killpg(self.front.pid, 0)
                time.sleep(0.02)
        except ProcessLookupError:
            pass
        self.front = None

    def front_requests(self):
        """The front's access log: [(alpn, client port, status, method, path,
        user agent)]."""
        out = []
        with open(self.front_log) as f:
            for line in f:
                head, _, agent = line.rstrip("\n").partition(' "')
                alpn, port, status, method, path = head.split()
                out.append((alpn, int(port), int(status), method, path, agent.rstrip('"')))
        return out

    def start_relay(self, k):
        to = FRONT_PORT if self.h2 else self.port
        p = subprocess.Popen(["ip", "netns", "exec", self.cluster.nodes[k], sys.executable,
                              RELAY, "--to", self.api_ns, "--port", str(self.port),
                              "--to-port", str(to)],
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

    # the cluster, walked from one connectivity scenario to another
    def scenario(self, name):
        """tests/connectivity/NAME, checked to fit this cluster, with its
        policy files written for this cluster's addresses."""
        if name not in self.scenarios:
            sc = Scenario(name)
            topo = TOPOLOGIES[sc.topology]
            if topo["layout"] != self.cluster.layout or (topo["ipv6"] and not self.cluster.ipv6):
                raise HarnessError("scenario %s (%s) does not fit this cluster" % (
                    name, sc.topology))
            if sc.pod_ports:
                raise HarnessError("scenario %s changes container ports: a live pod's "
                                   "ports cannot change" % name)
            work = os.path.join(self.work, "scenarios", name)
            os.makedirs(work)
            self.scenarios[name] = (sc, write_policies(sc, self.cluster, work))
        return self.scenarios[name][0]

    def policy_files(self, name):
        """Scenario NAME's policy manifests, written for this cluster."""
        self.scenario(name)
        return self.scenarios[name][1]

    def goto(self, name, kubectl=None, new_pod_node=None):
        """Make the live cluster scenario NAME (None: no policies) with kubectl:
        first the labels (the scenario's, or the cluster's own), then its extra
        pods (on NEW_POD_NODE, default the last node), then its policies, and
        last the previous scenario's policies are deleted."""
        kubectl = kubectl or self.kubectl
        sc = self.scenario(name) if name else None
        for ns, lab in self.cluster.namespaces.items():
            self.set_labels("namespace", ns, self.ns_labels[ns],
                            sc.ns_labels.get(ns, lab) if sc else lab, kubectl)
        for p in self.cluster.pods:
            want = sc.pod_labels.get(p.key, p.labels) if sc else p.labels
            self.set_labels("pod", p.key, self.pod_labels[p.key], want, kubectl)
        for key, lab in (sc.add_pods.items() if sc else ()):
            if key not in self.pod_labels:
                ns, pod = key.split("/")
                self.add_pod(ns, pod, lab, new_pod_node or max(self.cluster.nodes), kubectl)
        if name == self.at:
            return
        for f in (self.scenarios[name][1] if sc else ()):
            kubectl("create", "-f", f)
        for f in (self.scenarios[self.at][1] if self.at else ()):
            kubectl("delete", "-f", f, "--wait=false")
        self.at = name

    def set_labels(self, kind, key, have, want, kubectl):
        """kubectl label KIND KEY from HAVE to WANT (updates HAVE)."""
        args = ["%s=%s" % kv for kv in sorted(want.items()) if have.get(kv[0]) != kv[1]]
        args += ["%s-" % k for k in sorted(have) if k not in want and k != META_NAME]
        if not args:
            return
        ns, _, name = key.rpartition("/")
        kubectl("label", kind, name, *(["-n", ns] if ns else []), *args, "--overwrite")
        for k in list(have):
            if k not in want and k != META_NAME:
                del have[k]
        have.update(want)

    def add_pod(self, ns, name, labels, node, kubectl=None):
        pod = self.cluster.add_pod(ns, name, labels, node)
        (kubectl or self.kubectl)("create", "-f", "-", input=json.dumps(
            pod_obj(self.cluster, pod, labels, pod.named_ports())))
        self.pod_labels[pod.key] = dict(labels)
        return pod

    def add_pod_network(self, ns, name, labels, node):
        """A pod's namespace, veth, routes and server on NODE, and nothing in
        the API server (as between the CNI's ADD and the kubelet's status
        update); its Pod object comes later with create_pod_object().  goto()
        needs every pod to have its object."""
        return self.cluster.add_pod(ns, name, labels, node)

    def create_pod_object(self, pod, kubectl=None):
        """kubectl create the Pod object of POD (from add_pod_network): on its
        node, Running, status.podIP(s) its addresses."""
        (kubectl or self.kubectl)("create", "-f", "-", input=json.dumps(
            pod_obj(self.cluster, pod, pod.labels, pod.named_ports())))
        self.pod_labels[pod.key] = dict(pod.labels)

    def delete_pod_object(self, key):
        """kubectl delete the Pod object of KEY; its network stays."""
        ns, name = key.split("/")
        self.kubectl("delete", "pod", "-n", ns, name, "--wait=false")
        self.pod_labels.pop(key, None)

    def remove_pod(self, key):
        ns, name = key.split("/")
        self.kubectl("delete", "pod", "-n", ns, name, "--wait=false")
        self.cluster.remove_pod(key)
        self.pod_labels.pop(key, None)

    def expected(self, name=False):
        """{(src, dst): bool} the table of scenario NAME (default: the current
        one; None: no policies, every connection open) gives for the pods there
        are, self excluded; dual-stack: a pair the IPv4 and IPv6 tables disagree
        on maps to a (truthy) string saying so, as observe() does."""
        name = self.at if name is False else name
        pods = [p.key for p in self.cluster.pods]
        specs = [SPEC, SPEC6] if self.cluster.ipv6 else [SPEC]
        if name is None:
            return {(s, d): True for s in pods for d in pods if s != d}
        sc = self.scenario(name)
        want = {}
        for spec in specs:
            try:
                t = tables.table(sc.expect, spec, name + "/expect")
            except tables.TableError as e:
                raise HarnessError(str(e))
            for s in pods:
                for d in pods:
                    if s != d and (s, d) not in t:
                        raise HarnessError("%s/expect has no %s -> %s" % (name, s, d))
                    if s != d:
                        want.setdefault((s, d), []).append(t[(s, d)])
        return {k: v[0] if len(set(v)) == 1 else "mixed(v4=%s,v6=%s)" % tuple(v)
                for k, v in want.items()}

    # agents
    def start_agent(self, k, extra=()):
        kc = "kubeconfig-tokenfile" if k == 1 else "kubeconfig"
        log = open(os.path.join(self.work, "agent-%d.log" % k), "a")
        self.agent_logs[k] = log.name
        args = ["ip", "netns", "exec", self.cluster.nodes[k], self.binary, "agent",
                "--node-name", self.cluster.node_name(k),
                "--kubeconfig", os.path.join(self.dir, kc),
                "--metrics-address", "127.0.0.1:9465", "--full-check", "10"] + \
            (["--check-incremental"] if self.check_incremental else []) + list(extra)
        self.agents[k] = subprocess.Popen(args, stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL)

    def check_incremental_logs(self):
        """No agent found its incrementally kept table unlike a full compile."""
        for k, path in self.agent_logs.items():
            with open(path, errors="replace") as f:
                bad = [l for l in f if "differs from a full compile" in l]
            if bad:
                raise Failed("agent %d: the incremental table differs from a full compile: %s"
                             % (k, bad[0].strip()[:600]))

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

    def converge(self, deadline=30):
        """Poll real connections until they match the current scenario's table;
        (ok, seconds, diff)."""
        want = self.expected()
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
