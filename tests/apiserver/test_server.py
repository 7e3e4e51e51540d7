# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests for the stand-in API server: the real kubectl ($KUBECTL, else the one
on PATH; scripts/test runs them with each kubectl it has) and raw HTTPS
requests against a server started for the test.

Run with tests/apiserver/run (or python3 -m unittest test_server from here).
Every process started here is stopped here, by PID.
"""
import base64
import gzip
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(os.path.dirname(HERE), "lib"))
import gnostic  # noqa: E402
import kproto  # noqa: E402
from suite import stop_proc  # noqa: E402
SERVER = os.path.join(HERE, "server.py")
KUBECTL = os.environ.get("KUBECTL") or shutil.which("kubectl") or "/usr/bin/kubectl"
_DEFAULT = object()
_VERSION = []


def kubectl_version():
    """(major, minor) of KUBECTL's client; what it asks of a server depends on it:
    before 1.25 it validates objects itself against /openapi/v2 (protobuf), later
    ones ask the server to (fieldValidation, which 1.32 looks up in /openapi/v3)."""
    if not _VERSION:
        out = subprocess.run([KUBECTL, "version", "--client", "-o", "json"],
                             capture_output=True, text=True, check=True).stdout
        v = json.loads(out)["clientVersion"]["gitVersion"]
        _VERSION.append(tuple(int(x) for x in v.lstrip("v").split(".")[:2]))
    return _VERSION[0]


def server_validates():
    return kubectl_version() >= (1, 25)


class Server:
    """One server process in its own directory."""

    def __init__(self, *args, directory=None, port=0):
        self.own_dir = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix="apiserver-test-")
        self.args = list(args)
        self.proc = None
        self.start(port)

    def start(self, port=0):
        for f in ("port", "control-port"):
            p = os.path.join(self.dir, f)
            if os.path.exists(p):
                os.unlink(p)
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--dir", self.dir, "--port", str(port)] + self.args,
            stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(self.dir, "port")):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("server did not start; see %s/server.log" % self.dir)
            time.sleep(0.02)
        self.port = int(self.read("port"))
        self.cport = int(self.read("control-port"))
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))
        line = self.proc.stdout.readline().decode().strip()
        assert line == str(self.port), line

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read().strip()

    @property
    def token(self):
        return self.read("token")

    def stop(self, sig=signal.SIGTERM):
        stop_proc(self.proc, sig, timeout=10)
        if self.proc:
            self.proc.stdout.close()
            self.log.close()
        self.proc = None

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- control port

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.cport, path), data=data,
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def wait_watches(self, n, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.control("/state")["watches"] >= n:
                return
            time.sleep(0.02)
        raise AssertionError("no %d watches registered" % n)

    # -- raw HTTPS

    def request(self, method, path, body=None, ctype="application/json", token=_DEFAULT,
                headers=None):
        s = self.connect()
        try:
            hdrs = {"Accept": "application/json"}
            if token is _DEFAULT:
                token = self.token
            if token is not None:
                hdrs["Authorization"] = "Bearer " + token
            data = b""
            if body is not None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                hdrs["Content-Type"] = ctype
            hdrs.update(headers or {})
            send_request(s, method, path, hdrs, data)
            st, h, rest = read_head(s)
            n = int(h.get("content-length", "0"))
            while len(rest) < n:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            text = rest[:n]
            try:
                return st, h, json.loads(text) if text else None
            except ValueError:
                return st, h, text
        finally:
            s.close()

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        return self.ctx.wrap_socket(sock, server_hostname="127.0.0.1")

    def watch(self, path, token=_DEFAULT):
        return Stream(self, path, token)

    # -- helpers

    def create(self, path, obj, expect=201):
        st, _, body = self.request("POST", path, obj)
        if st != expect:
            raise AssertionError("POST %s -> %d %s" % (path, st, body))
        return body

    def ns(self, name):
        self.create("/api/v1/namespaces", {"metadata": {"name": name}})
        return name

    def kubectl(self, *args, check=False, cache=None, kubeconfig="kubeconfig", timeout=60):
        cache_dir = cache or tempfile.mkdtemp(prefix="kcache-", dir=self.dir)
        cmd = [KUBECTL, "--kubeconfig", os.path.join(self.dir, kubeconfig),
               "--cache-dir", cache_dir] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s failed: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r


def send_request(s, method, path, hdrs, data=b""):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    lines += ["%s: %s" % kv for kv in hdrs.items()]
    lines.append("Content-Length: %d" % len(data))
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            raise EOFError("connection closed before headers")
        buf += c
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, v = ln.split(":", 1)
        k = k.strip().lower()
        hdrs[k] = (hdrs[k] + ", " + v.strip()) if k in hdrs else v.strip()
    return status, hdrs, rest


class Stream:
    """A watch response read chunk by chunk (raw HTTP/1.1 chunked framing)."""

    def __init__(self, srv, path, token=_DEFAULT):
        self.s = srv.connect()
        hdrs = {"Accept": "application/json"}
        if token is _DEFAULT:
            token = srv.token
        if token:
            hdrs["Authorization"] = "Bearer " + token
        send_request(self.s, "GET", path, hdrs)
        self.status, self.headers, self.buf = read_head(self.s)
        self.chunks = []          # payload of every chunk received
        self.ended = False        # terminating chunk seen
        self.eof = False          # connection closed
        self.pending = b""        # event bytes not yet terminated by \n
        self.events = []

    def _fill(self, deadline):
        self.s.settimeout(max(0.01, deadline - time.time()))
        try:
            c = self.s.recv(65536)
        except (socket.timeout, TimeoutError):
            return False
        except (ssl.SSLError, OSError):
            c = b""
        if not c:
            self.eof = True
            return False
        self.buf += c
        return True

    def read_chunk(self, timeout=10):
        """-> payload bytes, or None at the end (terminator or EOF)."""
        deadline = time.time() + timeout
        while True:
            if b"\r\n" in self.buf:
                size_line, rest = self.buf.split(b"\r\n", 1)
                n = int(size_line.split(b";")[0], 16)
                if n == 0:
                    self.ended = True
                    return None
                if len(rest) >= n + 2:
                    payload = rest[:n]
                    self.buf = rest[n + 2:]
                    self.chunks.append(payload)
                    return payload
            if self.eof or time.time() > deadline:
                return None
            self._fill(deadline)

    def next_events(self, n, timeout=10):
        deadline = time.time() + timeout
        while len(self.events) < n and time.time() < deadline:
            c = self.read_chunk(deadline - time.time())
            if c is None:
                break
            self.pending += c
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                self.events.append(json.loads(line))
        got, self.events = self.events[:n], self.events[n:]
        return got

    def drain(self, timeout=10):
        """Read to the end of the stream; -> all remaining events."""
        out = []
        deadline = time.time() + timeout
        while not self.ended and not self.eof and time.time() < deadline:
            out += self.next_events(1, deadline - time.time())
        return out + self.events

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def np_obj(name, ns="default", spec=None, labels=None):
    o = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": name, "namespace": ns},
         "spec": spec if spec is not None else {"podSelector": {}}}
    if labels:
        o["metadata"]["labels"] = labels
    return o


def pod_obj(name, ns="default", node="n1", labels=None, status=None, ports=None):
    o = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": name}},
         "spec": {"nodeName": node, "containers": [
             {"name": "c", "image": "busybox:1.36", "ports": ports or []}]}}
    if status:
        o["status"] = status
    return o


def NP(ns):
    return "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies" % ns


def PODS(ns):
    return "/api/v1/namespaces/%s/pods" % ns


class Base(unittest.TestCase):
    srv = None
    args = ("--node", "n1=10.0.0.1", "--node", "n2=10.0.0.2")

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(*cls.args)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def setUp(self):
        self.srv.control("/reset-faults", {})
        self.srv.control("/bookmarks", {"period": 60})
        self.srv.control("/expired-mode", {"mode": "event", "reason": "Expired"})
        self.srv.control("/watch-list", {"enabled": False})
        self.streams = []

    def tearDown(self):
        for s in self.streams:
            s.close()

    def stream(self, path, **kw):
        s = self.srv.watch(path, **kw)
        self.streams.append(s)
        return s

    def rv(self):
        return self.srv.control("/state")["rv"]

    def yaml_file(self, text):
        fd, path = tempfile.mkstemp(suffix=".yaml", dir=self.srv.dir)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path


NP_YAML = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: %s
  namespace: %s
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: %d
"""


class KubectlTest(Base):
    def test_version(self):
        r = self.srv.kubectl("version", "-o", "json", check=True)
        v = json.loads(r.stdout)
        self.assertEqual(v["serverVersion"]["gitVersion"], "v1.32.4")
        self.assertIn("clientVersion", v)

    def test_create_validated(self):
        ns = self.srv.ns("kc-create")
        f = self.yaml_file(NP_YAML % ("np1", ns, 80))
        self.srv.control("/log/clear", {})
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("networkpolicy.networking.k8s.io/np1 created", r.stdout)
        reqs = self.srv.control("/log")["requests"]
        posts = [q for q in reqs if q["method"] == "POST" and q["path"] == NP(ns)]
        if server_validates():
            # kubectl >= 1.25 asked the server to validate (1.32: openapi v3 GV doc)
            self.assertEqual(posts[-1]["query"].get("fieldValidation"), "Strict")
        else:
            # older ones validated against /openapi/v2 themselves, then POSTed
            # without fieldValidation (the server's default, Warn, applies)
            self.assertIn(("GET", "/openapi/v2", 200),
                          [(q["method"], q["path"], q["code"]) for q in reqs])
            self.assertNotIn("fieldValidation", posts[-1]["query"])
        st, _, obj = self.srv.request("GET", NP(ns) + "/np1")
        self.assertEqual(st, 200)
        self.assertEqual(obj["spec"]["ingress"][0]["ports"], [{"protocol": "TCP", "port": 80}])
        self.assertEqual(obj["spec"]["policyTypes"], ["Ingress"])
        self.assertEqual(obj["metadata"]["generation"], 1)
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('Error from server (AlreadyExists): error when creating "%s": '
                      'networkpolicies.networking.k8s.io "np1" already exists' % f, r.stderr)

    def test_create_validate_false(self):
        ns = self.srv.ns("kc-novalidate")
        f = self.yaml_file((NP_YAML % ("np2", ns, 443)).replace("podSelector", "podSelectr"))
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        if server_validates():
            self.assertIn('strict decoding error: unknown field "spec.podSelectr"', r.stderr)
        else:
            # kubectl's own check against the OpenAPI v2 schema, as with a real server
            self.assertIn('error validating "%s": error validating data: ' % f, r.stderr)
            self.assertIn('ValidationError(NetworkPolicy.spec): unknown field "podSelectr" '
                          'in io.k8s.api.networking.v1.NetworkPolicySpec', r.stderr)
            self.assertIn('ValidationError(NetworkPolicy.spec): missing required field '
                          '"podSelector" in io.k8s.api.networking.v1.NetworkPolicySpec',
                          r.stderr)
        st, _, _ = self.srv.request("GET", NP(ns) + "/np2")
        self.assertEqual(st, 404)
        r = self.srv.kubectl("create", "--validate=false", "-f", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        reqs = self.srv.control("/log")["requests"]
        posts = [q for q in reqs if q["method"] == "POST" and q["path"] == NP(ns)]
        if server_validates():
            self.assertEqual(posts[-1]["query"].get("fieldValidation"), "Ignore")
        else:
            # no fieldValidation: the server warns (its default) and drops the field
            self.assertNotIn("fieldValidation", posts[-1]["query"])
            self.assertIn('Warning: unknown field "spec.podSelectr"', r.stderr)
        _, _, obj = self.srv.request("GET", NP(ns) + "/np2")
        self.assertEqual(obj["spec"]["podSelector"], {})

    def test_create_invalid(self):
        ns = self.srv.ns("kc-invalid")
        f = self.yaml_file("""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: %s}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}
    ports:
    - {port: http, endPort: 90}
""" % ns)
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('The NetworkPolicy "bad" is invalid', r.stderr)
        self.assertIn("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "
                      "\"10.0.0.0/8\": must be a strict subset of `cidr`", r.stderr)
        self.assertIn("may not be specified when `port` is non-numeric", r.stderr)

    def test_create_wrong_type(self):
        ns = self.srv.ns("kc-type")
        f = self.yaml_file((NP_YAML % ("np3", ns, 80)).replace("port: 80", "port: [80]"))
        for verb in ("create", "apply"):
            r = self.srv.kubectl(verb, "-f", f)
            self.assertEqual(r.returncode, 1)
            if server_validates():
                self.assertIn('Error from server (BadRequest): error when creating "%s": '
                              'NetworkPolicy in version "v1" cannot be handled as a '
                              'NetworkPolicy: json: cannot unmarshal array into Go struct '
                              'field NetworkPolicyPort.spec.ingress.ports.port of type '
                              'intstr.IntOrString' % f, r.stderr)
            else:
                self.assertIn('ValidationError(NetworkPolicy.spec.ingress[0].ports[0].port): '
                              'invalid type for io.k8s.apimachinery.pkg.util.intstr.'
                              'IntOrString: got "array", expected "string"', r.stderr)

    def test_create_list(self):
        # a v1 List: kubectl validates and creates every item
        f = self.yaml_file("""apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: kc-list}
- apiVersion: v1
  kind: Pod
  metadata: {name: p, namespace: kc-list, labels: {app: p}}
  spec:
    nodeName: n1
    containers:
    - name: c
      image: busybox
      ports: [{name: http, containerPort: 80}]
      securityContext: {runAsUser: 1000}
    volumes: [{name: v, emptyDir: {}}]
""")
        r = self.srv.kubectl("create", "-f", f, check=True)
        self.assertIn("namespace/kc-list created", r.stdout)
        self.assertIn("pod/p created", r.stdout)
        with open(f, "a") as fh:
            fh.write("    hostNetwrk: true\n")
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        # v1 List has no PATCH operation in /openapi/v3, so kubectl 1.32 validates
        # it itself with /openapi/v2 too, as against a real server
        self.assertIn('ValidationError(Pod.spec): unknown field "hostNetwrk" in '
                      'io.k8s.api.core.v1.PodSpec', r.stderr)

    def test_patch(self):
        ns = self.srv.ns("kc-patch")
        self.srv.create(NP(ns), np_obj("web", ns))
        self.srv.create(PODS(ns), pod_obj("p", ns))
        self.srv.kubectl("patch", "-n", ns, "networkpolicy", "web", "--type", "merge", "-p",
                         '{"spec":{"policyTypes":["Ingress","Egress"]}}', check=True)
        self.srv.kubectl("patch", "-n", ns, "networkpolicy", "web", "--type", "json", "-p",
                         '[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]',
                         check=True)
        _, _, o = self.srv.request("GET", NP(ns) + "/web")
        self.assertEqual(o["spec"]["policyTypes"], ["Ingress", "Egress"])
        self.assertEqual(o["metadata"]["labels"], {"a": "b"})
        # strategic merge (the default type): containers merge by name
        self.srv.kubectl("patch", "-n", ns, "pod", "p", "-p",
                         '{"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}}',
                         check=True)
        _, _, o = self.srv.request("GET", PODS(ns) + "/p")
        self.assertEqual([(c["name"], c["image"]) for c in o["spec"]["containers"]],
                         [("c", "busybox:1.37")])
        r = self.srv.kubectl("patch", "-n", ns, "networkpolicy", "web", "--type", "json",
                             "-p", '[{"op":"replace","path":"/spec/nope","value":1}]')
        self.assertEqual(r.returncode, 1)
        self.assertIn("The request is invalid", r.stderr)

    def test_get_all_namespaces_json(self):
        ns = self.srv.ns("kc-get")
        self.srv.create(PODS(ns), pod_obj("p1", ns))
        self.srv.create(NP(ns), np_obj("n1", ns))
        r = self.srv.kubectl("get", "pods,networkpolicies", "-A", "-o", "json", check=True)
        items = json.loads(r.stdout)["items"]
        got = {(i["kind"], i["metadata"]["namespace"], i["metadata"]["name"]) for i in items}
        self.assertIn(("Pod", ns, "p1"), got)
        self.assertIn(("NetworkPolicy", ns, "n1"), got)
        r = self.srv.kubectl("get", "ns", check=True)
        self.assertIn("kc-get", r.stdout)
        r = self.srv.kubectl("get", "pods", "-A", "-l", "app=p1", "--field-selector",
                             "spec.nodeName=n1", "-o", "name", check=True)
        self.assertEqual(r.stdout.strip(), "pod/p1")

    def test_get_watch(self):
        ns = self.srv.ns("kc-watch")
        self.srv.create(NP(ns), np_obj("first", ns))
        cache = tempfile.mkdtemp(dir=self.srv.dir)
        n0 = self.srv.control("/state")["watches"]
        p = subprocess.Popen([KUBECTL, "--kubeconfig", os.path.join(self.srv.dir, "kubeconfig"),
                              "--cache-dir", cache, "get", "networkpolicies", "-n", ns, "-w"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.srv.wait_watches(n0 + 1)
            self.srv.create(NP(ns), np_obj("second", ns))
            time.sleep(0.3)
            self.srv.control("/close-watches", {})    # kubectl exits 0 at stream end
            out, err = p.communicate(timeout=15)
        finally:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("first", out)
        self.assertIn("second", out)

    def test_label(self):
        ns = self.srv.ns("kc-label")
        self.srv.create(PODS(ns), pod_obj("p", ns))
        self.srv.kubectl("label", "-n", ns, "pod", "p", "tier=db", check=True)
        _, _, pod = self.srv.request("GET", PODS(ns) + "/p")
        self.assertEqual(pod["metadata"]["labels"], {"app": "p", "tier": "db"})
        reqs = self.srv.control("/log")["requests"]
        self.assertTrue(any(q["method"] == "PATCH" and q["path"] == PODS(ns) + "/p"
                            for q in reqs))
        rv = pod["metadata"]["resourceVersion"]
        # same value again: a no-op update writes nothing, RV unchanged
        self.srv.kubectl("label", "-n", ns, "--overwrite", "pod", "p", "tier=db", check=True)
        _, _, pod = self.srv.request("GET", PODS(ns) + "/p")
        self.assertEqual(pod["metadata"]["resourceVersion"], rv)
        self.srv.kubectl("label", "-n", ns, "pod", "p", "tier-", check=True)
        _, _, pod = self.srv.request("GET", PODS(ns) + "/p")
        self.assertEqual(pod["metadata"]["labels"], {"app": "p"})

    def apply_cycle(self, ns, args, manager):
        """kubectl apply ARGS of policy web (port 80), the same again, then with
        port 8080: the re-apply writes nothing, the change bumps generation and
        keeps the uid, and kubectl PATCHed as field manager `manager`. Returns
        the stdout of the three runs and the object after the first."""
        f = self.yaml_file(NP_YAML % ("web", ns, 80))
        out = [self.srv.kubectl("apply", *args, "-f", f, check=True).stdout]
        _, _, o1 = self.srv.request("GET", NP(ns) + "/web")
        self.assertEqual(o1["spec"]["ingress"][0]["ports"][0]["port"], 80)
        out.append(self.srv.kubectl("apply", *args, "-f", f, check=True).stdout)
        _, _, o1b = self.srv.request("GET", NP(ns) + "/web")
        self.assertEqual(o1b["metadata"]["resourceVersion"], o1["metadata"]["resourceVersion"])
        with open(f, "w") as fh:
            fh.write(NP_YAML % ("web", ns, 8080))
        out.append(self.srv.kubectl("apply", *args, "-f", f, check=True).stdout)
        _, _, o2 = self.srv.request("GET", NP(ns) + "/web")
        self.assertEqual(o2["spec"]["ingress"][0]["ports"][0]["port"], 8080)
        self.assertEqual(o2["metadata"]["generation"], 2)
        self.assertEqual(o2["metadata"]["uid"], o1["metadata"]["uid"])
        reqs = self.srv.control("/log")["requests"]
        self.assertTrue(any(q["method"] == "PATCH" and q["path"] == NP(ns) + "/web" and
                            q["query"].get("fieldManager") == manager
                            for q in reqs))
        return out, o1

    def test_apply_twice(self):
        # kubectl 1.32 sends a patch on the re-apply (the atomic ports list differs
        # from the defaulted live object: no protocol); the server finds nothing
        # to change
        out, o1 = self.apply_cycle(self.srv.ns("kc-apply"), (), "kubectl-client-side-apply")
        self.assertIn("created", out[0])
        self.assertIn("kubectl.kubernetes.io/last-applied-configuration",
                      o1["metadata"]["annotations"])
        self.assertIn("configured", out[2])

    def test_create_namespace_protobuf(self):
        # `kubectl create namespace` writes protobuf (application/vnd.kubernetes.protobuf)
        r = self.srv.kubectl("create", "namespace", "kc-pb", check=True)
        self.assertIn("namespace/kc-pb created", r.stdout)
        _, _, o = self.srv.request("GET", "/api/v1/namespaces/kc-pb")
        self.assertEqual(o["metadata"]["labels"], {"kubernetes.io/metadata.name": "kc-pb"})
        self.assertEqual(o["status"]["phase"], "Active")
        self.srv.kubectl("label", "namespace", "kc-pb", "team=blue", check=True)
        _, _, o = self.srv.request("GET", "/api/v1/namespaces/kc-pb")
        self.assertEqual(o["metadata"]["labels"]["team"], "blue")
        r = self.srv.kubectl("create", "namespace", "kc-pb")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AlreadyExists", r.stderr)
        r = self.srv.kubectl("run", "p", "-n", "kc-pb", "--image=busybox", check=True)
        self.assertIn("pod/p created", r.stdout)

    def test_apply_server_side(self):
        out, _ = self.apply_cycle(self.srv.ns("kc-ssa"), ("--server-side",), "kubectl")
        self.assertIn("serverside-applied", out[0])

    def test_delete(self):
        ns = self.srv.ns("kc-delete")
        f = self.yaml_file(NP_YAML % ("gone", ns, 80))
        self.srv.kubectl("create", "-f", f, check=True)
        self.srv.create(PODS(ns), pod_obj("p", ns))
        r = self.srv.kubectl("delete", "-f", f, check=True)
        self.assertIn('networkpolicy.networking.k8s.io "gone" deleted', r.stdout)
        st, _, body = self.srv.request("GET", NP(ns) + "/gone")
        self.assertEqual(st, 404)
        self.assertEqual(body["message"], 'networkpolicies.networking.k8s.io "gone" not found')
        r = self.srv.kubectl("delete", "-f", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('Error from server (NotFound): error when deleting "%s": '
                      'networkpolicies.networking.k8s.io "gone" not found' % f, r.stderr)
        r = self.srv.kubectl("delete", "-n", ns, "pod", "p", check=True)
        self.assertIn('pod "p" deleted', r.stdout)

    def test_token_rotation(self):
        old = self.srv.token
        try:
            self.srv.kubectl("get", "ns", check=True)
            self.srv.control("/token", {"token": "rotated-token"})
            r = self.srv.kubectl("get", "ns")
            self.assertEqual(r.returncode, 1)
            # kubectl 1.32 words the 401 itself, 1.20 prints the Status message
            self.assertRegex(r.stderr, r"error: You must be logged in to the server "
                             r"\((the server has asked for the client to provide "
                             r"credentials|Unauthorized)\)")
            # the tokenFile kubeconfig reads DIR/token, which the server rewrote
            self.srv.kubectl("get", "ns", kubeconfig="kubeconfig-tokenfile", check=True)
        finally:
            self.srv.control("/token", {"token": old})
        self.srv.kubectl("get", "ns", check=True)


def pb_named(buf, num=1):
    """{name: value bytes} of the repeated Named* entries in field num."""
    out = {}
    for n, v in kproto.fields(buf):
        if n == num:
            d = dict(kproto.fields(v))
            out[d[1].decode()] = d.get(2, b"")
    return out


def pb(buf, num):
    return [v for n, v in kproto.fields(buf) if n == num]


OA_NP = "io.k8s.api.networking.v1.NetworkPolicy"
OA_NP_ITEM = "/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{name}"


class OpenAPITest(Base):
    """/openapi/v2 as kube-apiserver serves it (kubectl < 1.26 needs it to create
    and apply; the kubectl tests run it end to end)."""

    def get_v2(self, accept, **headers):
        return self.srv.request("GET", "/openapi/v2", headers=dict(headers, Accept=accept))

    def test_json(self):
        st, h, doc = self.get_v2("application/json")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(doc["swagger"], "2.0")
        self.assertEqual(doc["info"]["version"], "v1.32.4")
        defs = doc["definitions"]
        self.assertEqual(defs[OA_NP]["x-kubernetes-group-version-kind"],
                         [{"group": "networking.k8s.io", "kind": "NetworkPolicy",
                           "version": "v1"}])
        self.assertEqual(defs[OA_NP + "Spec"]["required"], ["podSelector"])
        self.assertEqual(defs[OA_NP + "Port"]["properties"]["port"],
                         {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr."
                                  "IntOrString"})
        containers = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
        self.assertEqual(containers["x-kubernetes-patch-merge-key"], "name")
        self.assertEqual(containers["x-kubernetes-patch-strategy"], "merge")
        for kind in ("Namespace", "NamespaceList", "Pod", "PodList", "Node", "NodeList"):
            self.assertEqual(defs["io.k8s.api.core.v1." + kind]
                             ["x-kubernetes-group-version-kind"],
                             [{"group": "", "kind": kind, "version": "v1"}])
        patch = doc["paths"][OA_NP_ITEM]["patch"]
        self.assertEqual(patch["x-kubernetes-action"], "patch")
        self.assertIn("application/strategic-merge-patch+json", patch["consumes"])
        self.assertIn("fieldValidation", [p["name"] for p in patch["parameters"]])
        self.assertEqual(patch["operationId"], "patchNetworkingV1NamespacedNetworkPolicy")
        self.assertIn("/api/v1/namespaces/{name}/status", doc["paths"])
        self.assertIn("/api/v1/watch/nodes/{name}", doc["paths"])

    def test_negotiation_and_caching(self):
        st, h, _ = self.get_v2("application/json")
        etag = h["etag"]
        self.assertRegex(etag, r'^"[0-9A-F]{128}"$')
        self.assertEqual(h["vary"], "Accept")
        # the same ETag for the protobuf form (upstream: Vary tells them apart)
        st, h2, _ = self.get_v2("application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        self.assertEqual((st, h2["etag"]), (200, etag))
        st, h, body = self.get_v2("application/json", **{"If-None-Match": etag})
        self.assertEqual((st, body), (304, None))
        st, h, body = self.get_v2("text/html")
        self.assertEqual(st, 406)
        st, h, _ = self.get_v2("text/html;q=0.9, */*;q=0.1")
        self.assertEqual((st, h["content-type"]), (200, "application/json"))
        st, h, body = self.get_v2("application/json", **{"Accept-Encoding": "gzip"})
        self.assertEqual(h["content-encoding"], "gzip")
        self.assertEqual(json.loads(gzip.decompress(body))["swagger"], "2.0")
        st, _, body = self.srv.request("GET", "/swagger-2.0.0.pb-v1")
        self.assertEqual(st, 404)
        st, _, body = self.srv.request("GET", "/openapi/v2", token="wrong")
        self.assertEqual(st, 401)

    def test_protobuf(self):
        # kubectl 1.20 asks with the deprecated media type; the answer names the new one
        st, h, body = self.get_v2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"],
                         "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        self.assertEqual(pb(body, 1), [b"2.0"])                       # swagger
        self.assertEqual(pb(pb(body, 2)[0], 2), [b"v1.32.4"])         # info.version
        defs = pb_named(pb(body, 9)[0])                               # definitions
        np = defs[OA_NP]
        ext = pb_named(np, 31)                                        # vendor_extension
        yaml = pb(ext["x-kubernetes-group-version-kind"], 2)[0]       # Any.yaml
        self.assertEqual(json.loads(yaml), [{"group": "networking.k8s.io",
                                             "kind": "NetworkPolicy", "version": "v1"}])
        props = pb_named(pb(np, 25)[0])                               # properties
        self.assertEqual(pb(props["spec"], 1), [b"#/definitions/" + OA_NP.encode() + b"Spec"])
        self.assertEqual(pb(defs[OA_NP + "Spec"], 19), [b"podSelector"])   # required
        self.assertEqual(pb(pb(props["kind"], 22)[0], 1), [b"string"])    # type
        paths = pb_named(pb(body, 8)[0], 2)
        patch = pb(paths[OA_NP_ITEM], 8)[0]                           # PathItem.patch
        self.assertIn(b"application/strategic-merge-patch+json", pb(patch, 7))
        names = []
        for item in pb(patch, 8):                                     # parameters
            param = pb(item, 1)[0]
            for nonbody in pb(param, 2):
                names += pb(pb(nonbody, 3)[0], 4)                     # query .name
        self.assertIn(b"fieldValidation", names)
        self.assertEqual(json.loads(pb(pb_named(patch, 13)["x-kubernetes-action"], 2)[0]),
                         "patch")

    def test_gnostic_wire_format(self):
        # field numbers of gnostic's OpenAPIv2.proto, spelled out by hand
        self.assertEqual(gnostic.document({"swagger": "2.0"}), b"\x0a\x032.0")
        self.assertEqual(gnostic.message("Schema", {"type": "string"}),
                         b"\xb2\x01\x08\x0a\x06string")
        self.assertEqual(gnostic.message("Schema", {"additionalProperties": False}),
                         b"\xaa\x01\x02\x10\x00")
        self.assertEqual(gnostic.message("Schema", {"x-a": 1}),
                         b"\xfa\x01\x0a\x0a\x03x-a\x12\x03\x12\x011")
        self.assertEqual(gnostic.message("Schema", {"items": {}, "maxItems": 300}),
                         b"\xba\x01\x02\x0a\x00\x70\xac\x02")
        self.assertEqual(gnostic.message("ParametersItem", {"in": "path", "name": "n"}),
                         b"\x0a\x0d\x12\x0b\x22\x09\x12\x04path\x22\x01n")
        with self.assertRaises(ValueError):
            gnostic.message("Schema", {"nullable": True})


class RawTest(Base):
    # -- auth, discovery, errors

    def test_protobuf_other_kind_refused(self):
        # a protobuf envelope holding a Pod: 415 with the reason, nothing created
        def field(num, data):
            return bytes([num << 3 | 2, len(data)]) + data
        body = b"k8s\x00" + field(1, field(1, b"v1") + field(2, b"Pod")) + field(2, b"")
        st, _, out = self.srv.request("POST", PODS("default"), body,
                                      ctype="application/vnd.kubernetes.protobuf")
        self.assertEqual(st, 415)
        self.assertEqual(out["reason"], "UnsupportedMediaType")
        self.assertIn("v1 Namespace only", out["message"])
        st, _, _ = self.srv.request("POST", "/api/v1/namespaces", b"k8s\x00\x0a\xff",
                                    ctype="application/vnd.kubernetes.protobuf")
        self.assertEqual(st, 415)

    def test_auth(self):
        st, _, body = self.srv.request("GET", "/api/v1/pods", token="wrong")
        self.assertEqual(st, 401)
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": "Unauthorized",
                                "reason": "Unauthorized", "code": 401})
        st, _, body = self.srv.request("GET", "/version", token=None)
        self.assertEqual(st, 200)
        st, _, body = self.srv.request("GET", "/api", token=None)
        self.assertEqual(st, 403)
        self.assertEqual(body["reason"], "Forbidden")
        # grace period: the old token keeps working for a while
        old = self.srv.token
        self.srv.control("/token", {"token": "t2", "grace": 30})
        try:
            self.assertEqual(self.srv.request("GET", "/api", token=old)[0], 200)
            self.assertEqual(self.srv.request("GET", "/api", token="t2")[0], 200)
            self.srv.control("/token", {"invalid": True})
            self.assertEqual(self.srv.request("GET", "/api", token="t2")[0], 401)
        finally:
            self.srv.control("/token", {"token": old})

    def test_discovery(self):
        _, _, api = self.srv.request("GET", "/api")
        self.assertEqual(api["versions"], ["v1"])
        _, _, v1 = self.srv.request("GET", "/api/v1")
        names = {r["name"] for r in v1["resources"]}
        self.assertTrue({"pods", "namespaces", "nodes", "pods/status"} <= names)
        _, _, g = self.srv.request("GET", "/apis/networking.k8s.io/v1")
        self.assertEqual(g["resources"][0]["name"], "networkpolicies")
        _, _, oa = self.srv.request("GET", "/openapi/v3")
        url = oa["paths"]["apis/networking.k8s.io/v1"]["serverRelativeURL"]
        _, _, doc = self.srv.request("GET", url)
        op = doc["paths"]["/apis/networking.k8s.io/v1/namespaces/{namespace}/"
                          "networkpolicies/{name}"]["patch"]
        self.assertEqual(op["x-kubernetes-group-version-kind"]["kind"], "NetworkPolicy")
        st, _, body = self.srv.request("GET", "/api/v1/services")
        self.assertEqual((st, body["reason"]), (404, "NotFound"))

    def test_errors(self):
        ns = self.srv.ns("raw-errors")
        st, _, body = self.srv.request("GET", NP(ns) + "/nope")
        self.assertEqual(st, 404)
        self.assertEqual(body["details"], {"name": "nope", "group": "networking.k8s.io",
                                           "kind": "networkpolicies"})
        self.srv.create(NP(ns), np_obj("a", ns))
        st, _, body = self.srv.request("POST", NP(ns), np_obj("a", ns))
        self.assertEqual((st, body["reason"]), (409, "AlreadyExists"))
        st, _, body = self.srv.request("POST", NP("no-such-ns"), np_obj("a", "no-such-ns"))
        self.assertEqual((st, body["message"]), (404, 'namespaces "no-such-ns" not found'))
        bad = np_obj("b", ns, {"podSelector": {"matchExpressions": [
            {"key": "a", "operator": "In"}]}, "policyTypes": ["Ingress", "Foo"],
            "egress": [{"to": [{}], "ports": [{"protocol": "ICMP", "port": 0}]}]})
        st, _, body = self.srv.request("POST", NP(ns), bad)
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        causes = {c["field"]: c for c in body["details"]["causes"]}
        self.assertEqual(causes["spec.podSelector.matchExpressions[0].values"]["reason"],
                         "FieldValueRequired")
        self.assertEqual(causes["spec.policyTypes[1]"]["message"],
                         'Unsupported value: "Foo": supported values: "Ingress", "Egress"')
        self.assertEqual(causes["spec.egress[0].to[0]"]["message"],
                         "Required value: must specify a peer")
        self.assertEqual(causes["spec.egress[0].ports[0].port"]["message"],
                         "Invalid value: 0: must be between 1 and 65535, inclusive")
        self.assertEqual(body["details"]["kind"], "NetworkPolicy")
        # update with a stale resourceVersion
        _, _, cur = self.srv.request("GET", NP(ns) + "/a")
        cur["metadata"]["resourceVersion"] = "1"
        st, _, body = self.srv.request("PUT", NP(ns) + "/a", cur)
        self.assertEqual((st, body["reason"]), (409, "Conflict"))
        st, _, body = self.srv.request("PATCH", NP(ns) + "/a", {"x": 1})
        self.assertEqual(st, 415)
        st, _, body = self.srv.request("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx")
        self.assertEqual((st, body["message"]), (400, "field label not supported: spec.foo"))

    def test_deny_rbac(self):
        self.srv.control("/deny", {"rules": [{"verb": "watch", "resource": "pods"}]})
        st, _, body = self.srv.request("GET", "/api/v1/pods?watch=1")
        self.assertEqual(st, 403)
        self.assertEqual(body["message"], 'pods is forbidden: User "system:serviceaccount:'
                         'kube-system:nftpol-agent" cannot watch resource "pods" in API group '
                         '"" at the cluster scope')
        self.assertEqual(self.srv.request("GET", "/api/v1/pods")[0], 200)

    # -- objects

    def test_defaults(self):
        ns = self.srv.ns("raw-defaults")
        _, _, nso = self.srv.request("GET", "/api/v1/namespaces/" + ns)
        self.assertEqual(nso["metadata"]["labels"], {"kubernetes.io/metadata.name": ns})
        self.assertEqual(nso["status"], {"phase": "Active"})
        self.assertEqual(nso["spec"], {"finalizers": ["kubernetes"]})
        p = self.srv.create(PODS(ns), pod_obj("p", ns, ports=[{"containerPort": 53,
                                                               "protocol": "UDP"},
                                                              {"containerPort": 80}]))
        self.assertEqual([x["protocol"] for x in p["spec"]["containers"][0]["ports"]],
                         ["UDP", "TCP"])
        self.assertNotIn("podIP", p["status"])
        self.assertEqual(p["status"]["phase"], "Pending")
        n = self.srv.create(NP(ns), np_obj("e", ns, {"podSelector": {}, "egress": [
            {"ports": [{}]}], "ingress": []}))
        self.assertEqual(n["spec"], {"podSelector": {}, "egress": [{"ports": [
            {"protocol": "TCP"}]}], "policyTypes": ["Ingress", "Egress"]})
        self.assertEqual(list(n)[:4], ["kind", "apiVersion", "metadata", "spec"])

    def test_pod_status(self):
        ns = self.srv.ns("raw-status")
        st = {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}]}
        p = self.srv.create(PODS(ns), pod_obj("given", ns, status=st))
        self.assertEqual(p["status"], st)
        self.srv.create(PODS(ns), pod_obj("later", ns))
        code, _, p = self.srv.request("PATCH", PODS(ns) + "/later/status",
                                      {"status": {"podIP": "10.244.0.6", "phase": "Running"}},
                                      ctype="application/merge-patch+json")
        self.assertEqual((code, p["status"]["podIP"]), (200, "10.244.0.6"))
        p["status"]["podIPs"] = [{"ip": "10.244.0.6"}, {"ip": "fd00::6"}]
        code, _, p = self.srv.request("PUT", PODS(ns) + "/later/status", p)
        self.assertEqual(code, 200)
        self.assertEqual(len(p["status"]["podIPs"]), 2)
        # status is not changed through the main resource
        p["status"]["phase"] = "Failed"
        code, _, p = self.srv.request("PUT", PODS(ns) + "/later", p)
        self.assertEqual((code, p["status"]["phase"]), (200, "Running"))
        p = self.srv.control("/pod-status", {"namespace": ns, "name": "later",
                                             "status": {"phase": "Succeeded"}})
        self.assertEqual(p["status"]["phase"], "Succeeded")
        self.assertEqual(p["status"]["podIP"], "10.244.0.6")
        # pod spec is immutable apart from images
        p["spec"]["nodeName"] = "n2"
        code, _, body = self.srv.request("PUT", PODS(ns) + "/later", p)
        self.assertEqual((code, body["reason"]), (422, "Invalid"))

    def test_patches(self):
        ns = self.srv.ns("raw-patch")
        self.srv.create(NP(ns), np_obj("a", ns, {"podSelector": {"matchLabels": {"x": "1"}},
                                                 "ingress": [{"ports": [{"port": 1}]}]}))
        code, _, o = self.srv.request(
            "PATCH", NP(ns) + "/a",
            {"spec": {"podSelector": {"matchLabels": {"x": None, "y": "2"}},
                      "$setElementOrder/ingress": [{}],
                      "ingress": [{"ports": [{"port": 2}]}]},
             "metadata": {"labels": {"l": "v"}}},
            ctype="application/strategic-merge-patch+json")
        self.assertEqual(code, 200, o)
        self.assertEqual(o["spec"]["podSelector"], {"matchLabels": {"y": "2"}})
        self.assertEqual(o["spec"]["ingress"], [{"ports": [{"protocol": "TCP", "port": 2}]}])
        self.assertEqual(o["metadata"]["generation"], 2)
        code, _, o = self.srv.request("PATCH", NP(ns) + "/a",
                                      {"spec": {"podSelector": {"$patch": "replace"}}},
                                      ctype="application/strategic-merge-patch+json")
        self.assertEqual(o["spec"]["podSelector"], {})
        code, _, o = self.srv.request("PATCH", NP(ns) + "/a",
                                      [{"op": "add", "path": "/metadata/labels/k", "value": "j"},
                                       {"op": "remove", "path": "/spec/ingress"}],
                                      ctype="application/json-patch+json")
        self.assertEqual(code, 200, o)
        self.assertEqual(o["metadata"]["labels"], {"l": "v", "k": "j"})
        self.assertNotIn("ingress", o["spec"])
        code, _, o = self.srv.request("PATCH", NP(ns) + "/a", {"metadata": {"labels": None}},
                                      ctype="application/merge-patch+json")
        self.assertNotIn("labels", o["metadata"])
        # strategic merge of pod containers by name
        self.srv.create(PODS(ns), pod_obj("p", ns))
        code, _, o = self.srv.request("PATCH", PODS(ns) + "/p", {"spec": {"containers": [
            {"name": "c", "image": "busybox:1.37"}]}},
            ctype="application/strategic-merge-patch+json")
        self.assertEqual((code, o["spec"]["containers"][0]["image"]), (200, "busybox:1.37"))
        self.assertEqual(len(o["spec"]["containers"]), 1)

    def test_namespace_delete(self):
        ns = self.srv.ns("raw-nsdel")
        self.srv.create(PODS(ns), pod_obj("p", ns))
        self.srv.create(NP(ns), np_obj("n", ns))
        rv = self.rv()
        code, _, o = self.srv.request("DELETE", "/api/v1/namespaces/" + ns)
        self.assertEqual((code, o["status"]["phase"]), (200, "Terminating"))
        st, _, body = self.srv.request("POST", NP(ns), np_obj("m", ns))
        self.assertEqual((st, body["reason"]), (403, "Forbidden"))
        s = self.stream("/api/v1/namespaces?watch=1&resourceVersion=%d" % rv)
        evs = s.next_events(2, timeout=5)
        self.assertEqual([e["type"] for e in evs], ["MODIFIED", "DELETED"])
        self.assertEqual(self.srv.request("GET", PODS(ns) + "/p")[0], 404)

    def test_delete_responses(self):
        ns = self.srv.ns("raw-del")
        n = self.srv.create(NP(ns), np_obj("n", ns))
        self.srv.create(PODS(ns), pod_obj("p", ns))
        code, _, body = self.srv.request("DELETE", NP(ns) + "/n",
                                         {"propagationPolicy": "Background"})
        self.assertEqual(code, 200)
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Success", "details": {
                                    "name": "n", "group": "networking.k8s.io",
                                    "kind": "networkpolicies", "uid": n["metadata"]["uid"]}})
        code, _, body = self.srv.request("DELETE", PODS(ns) + "/p")
        self.assertEqual((code, body["kind"], body["metadata"]["name"]), (200, "Pod", "p"))

    # -- LIST

    def test_list_pagination(self):
        ns1, ns2 = self.srv.ns("page-a"), self.srv.ns("page-b")
        for i in range(4):
            self.srv.create(NP(ns1), np_obj("p%d" % i, ns1))
        for i in range(3):
            self.srv.create(NP(ns2), np_obj("q%d" % i, ns2))
        sel = "fieldSelector=metadata.namespace!%3Ddefault"
        base = "/apis/networking.k8s.io/v1/networkpolicies?limit=3&labelSelector=&"
        code, _, l1 = self.srv.request("GET", base.replace("&labelSelector=&", ""))
        # keep only our namespaces by reading pages of a namespaced list
        code, _, l1 = self.srv.request("GET", NP(ns1) + "?limit=3")
        self.assertEqual(code, 200)
        self.assertEqual(l1["kind"], "NetworkPolicyList")
        self.assertEqual([i["metadata"]["name"] for i in l1["items"]], ["p0", "p1", "p2"])
        self.assertNotIn("kind", l1["items"][0])
        self.assertNotIn("apiVersion", l1["items"][0])
        self.assertEqual(l1["metadata"]["remainingItemCount"], 1)
        tok = l1["metadata"]["continue"]
        raw = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
        self.assertEqual(raw, {"v": "meta.k8s.io/v1", "rv": int(l1["metadata"]["resourceVersion"]),
                               "start": "p2\u0000"})
        # consistent snapshot: a change after page 1 is not seen on page 2
        self.srv.create(NP(ns1), np_obj("p9", ns1))
        code, _, l2 = self.srv.request("GET", NP(ns1) + "?limit=3&continue=" + quote(tok))
        self.assertEqual([i["metadata"]["name"] for i in l2["items"]], ["p3"])
        self.assertNotIn("continue", l2["metadata"])
        self.assertEqual(l2["metadata"]["resourceVersion"], l1["metadata"]["resourceVersion"])
        # cluster-wide: key order is namespace then name
        code, _, all_ = self.srv.request("GET", "/apis/networking.k8s.io/v1/networkpolicies?"
                                         + sel)
        keys = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in all_["items"]]
        self.assertEqual(keys, sorted(keys))
        self.assertTrue({(ns1, "p9"), (ns2, "q2")} <= set(keys))
        # limit is ignored with resourceVersion=0
        code, _, l0 = self.srv.request("GET", NP(ns1) + "?limit=2&resourceVersion=0")
        self.assertEqual(len(l0["items"]), 5)
        self.assertNotIn("continue", l0["metadata"])
        # continue + resourceVersion
        code, _, body = self.srv.request("GET", NP(ns1) + "?limit=3&resourceVersion=5&continue="
                                         + quote(tok))
        self.assertEqual((code, body["message"]),
                         (400, "specifying resource version is not allowed when using continue"))
        code, _, body = self.srv.request("GET", NP(ns1) + "?continue=garbage!")
        self.assertEqual(code, 400)
        # exact list at an older RV
        code, _, old = self.srv.request("GET", NP(ns1) + "?limit=10&resourceVersion="
                                        + l1["metadata"]["resourceVersion"])
        self.assertEqual([i["metadata"]["name"] for i in old["items"]], ["p0", "p1", "p2", "p3"])
        # expired continue token
        self.srv.control("/compact", {})
        code, _, body = self.srv.request("GET", NP(ns1) + "?limit=3&continue=" + quote(tok))
        self.assertEqual((code, body["reason"]), (410, "Expired"))
        self.assertIn("continue", body["metadata"])
        code, _, body = self.srv.request("GET", NP(ns1) + "?limit=3&continue="
                                         + quote(body["metadata"]["continue"]))
        self.assertEqual([i["metadata"]["name"] for i in body["items"]], ["p3", "p9"])
        code, _, body = self.srv.request("GET", NP(ns1) + "?limit=3&resourceVersion="
                                         + l1["metadata"]["resourceVersion"])
        self.assertEqual((code, body["reason"]), (410, "Expired"))

    def test_list_options_validation(self):
        code, _, body = self.srv.request("GET", "/api/v1/pods?resourceVersionMatch=Exact")
        self.assertEqual(code, 422)
        self.assertEqual(body["details"]["kind"], "ListOptions")
        self.assertEqual(body["message"], 'ListOptions.meta.k8s.io "" is invalid: '
                         'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden '
                         'unless resourceVersion is provided')
        code, _, body = self.srv.request("GET", "/api/v1/pods?items=1&sendInitialEvents=true")
        self.assertEqual(code, 422)
        code, _, l = self.srv.request("GET", "/api/v1/namespaces/empty-none/pods")
        self.assertEqual(l["items"], [])

    def test_selectors(self):
        ns = self.srv.ns("sel")
        self.srv.create(PODS(ns), pod_obj("a", ns, "n1", {"app": "web", "tier": "fe"}))
        self.srv.create(PODS(ns), pod_obj("b", ns, "n2", {"app": "web"}))
        self.srv.create(PODS(ns), pod_obj("c", ns, "n1", {"app": "db", "v": "3"}))

        def names(q):
            code, _, l = self.srv.request("GET", PODS(ns) + "?" + q)
            self.assertEqual(code, 200, l)
            return [i["metadata"]["name"] for i in l["items"]]
        self.assertEqual(names("labelSelector=" + quote("app=web")), ["a", "b"])
        self.assertEqual(names("labelSelector=" + quote("app in (web,db),!tier")), ["b", "c"])
        self.assertEqual(names("labelSelector=" + quote("tier!=fe")), ["b", "c"])
        self.assertEqual(names("labelSelector=" + quote("app notin (web)")), ["c"])
        self.assertEqual(names("labelSelector=" + quote("v>2")), ["c"])
        self.assertEqual(names("labelSelector=tier"), ["a"])
        self.assertEqual(names("fieldSelector=" + quote("spec.nodeName=n1")), ["a", "c"])
        self.assertEqual(names("fieldSelector=" + quote("metadata.name!=a,spec.nodeName==n1")),
                         ["c"])
        self.assertEqual(names("fieldSelector=" + quote("metadata.namespace=" + ns)),
                         ["a", "b", "c"])
        code, _, body = self.srv.request("GET", PODS(ns) + "?labelSelector=" + quote("a in b"))
        self.assertEqual(code, 400)

    # -- WATCH

    def test_watch_param_parsing(self):
        ns = self.srv.ns("wparse")
        for q, is_watch in (("watch=", True), ("watch=1", True), ("watch=TRUE", True),
                            ("watch=yes", True), ("watch=0", False), ("watch=False", False)):
            s = self.stream(NP(ns) + "?timeoutSeconds=1&" + q)
            self.assertEqual(s.status, 200)
            te = s.headers.get("transfer-encoding") == "chunked"
            self.assertEqual(te, is_watch, q)
            s.close()

    def test_watch_initial_and_changes(self):
        ns = self.srv.ns("winit")
        self.srv.create(NP(ns), np_obj("b", ns))
        self.srv.create(NP(ns), np_obj("a", ns))
        s = self.stream(NP(ns) + "?watch=true&resourceVersion=0&timeoutSeconds=30")
        self.assertEqual(s.headers["content-type"], "application/json")
        evs = s.next_events(2)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "a"), ("ADDED", "b")])
        self.assertEqual(evs[0]["object"]["kind"], "NetworkPolicy")
        self.srv.create(NP(ns), np_obj("c", ns))
        code, _, dele = self.srv.request("DELETE", NP(ns) + "/a")
        ev = s.next_events(2)
        self.assertEqual([e["type"] for e in ev], ["ADDED", "DELETED"])
        self.assertEqual(ev[1]["object"]["metadata"]["name"], "a")
        self.assertGreater(int(ev[1]["object"]["metadata"]["resourceVersion"]),
                           int(ev[0]["object"]["metadata"]["resourceVersion"]))
        self.assertEqual(ev[1]["object"]["spec"], {"podSelector": {},
                                                  "policyTypes": ["Ingress"]})

    def test_watch_from_rv(self):
        ns = self.srv.ns("wrv")
        self.srv.create(NP(ns), np_obj("old", ns))
        rv = self.rv()
        self.srv.create(NP(ns), np_obj("new1", ns))
        self.srv.request("PATCH", NP(ns) + "/old", {"metadata": {"labels": {"x": "y"}}},
                         ctype="application/merge-patch+json")
        s = self.stream(NP(ns) + "?watch=1&resourceVersion=%d&timeoutSeconds=30" % rv)
        evs = s.next_events(2)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "new1"), ("MODIFIED", "old")])
        self.assertEqual(s.next_events(1, timeout=0.5), [])

    def test_watch_expired(self):
        ns = self.srv.ns("wexp")
        rv = self.rv()
        self.srv.create(NP(ns), np_obj("x", ns))
        self.srv.control("/compact", {})
        s = self.stream(NP(ns) + "?watch=1&resourceVersion=%d" % rv)
        self.assertEqual(s.status, 200)
        evs = s.drain()
        cur = self.rv()
        self.assertEqual(evs, [{"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "too old resource version: %d (%d)" % (rv, cur), "reason": "Expired",
            "code": 410}}])
        self.assertTrue(s.ended)
        self.srv.control("/expired-mode", {"mode": "http", "reason": "Gone"})
        code, _, body = self.srv.request("GET", NP(ns) + "?watch=1&resourceVersion=%d" % rv)
        self.assertEqual((code, body["reason"], body["code"]), (410, "Gone", 410))

    def test_restart_history_lost(self):
        ns = self.srv.ns("wrestart")
        rv = self.rv()
        s = self.stream(NP(ns) + "?watch=1&resourceVersion=%d&timeoutSeconds=30" % rv)
        self.srv.wait_watches(1)
        self.srv.create(NP(ns), np_obj("x", ns))
        self.assertEqual(len(s.next_events(1)), 1)
        self.srv.control("/restart", {"history": "lost"})
        s.drain(timeout=5)
        self.assertTrue(s.eof and not s.ended)       # dropped, no terminating chunk
        s2 = self.stream(NP(ns) + "?watch=1&resourceVersion=%d" % rv)
        ev = s2.drain()
        self.assertEqual(ev[0]["object"]["code"], 410)
        # a clean close-watches ends streams with the terminating chunk
        s3 = self.stream(NP(ns) + "?watch=1&resourceVersion=%d&timeoutSeconds=30" % self.rv())
        self.srv.wait_watches(1)
        self.srv.control("/close-watches", {})
        s3.drain(timeout=5)
        self.assertTrue(s3.ended)

    def test_watch_bookmarks_and_timeout(self):
        ns = self.srv.ns("wbm")
        self.srv.control("/bookmarks", {"period": 0.3})
        rv = self.rv()
        t0 = time.time()
        s = self.stream(PODS(ns) + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=1"
                        "&resourceVersion=%d" % rv)
        evs = s.drain(timeout=10)
        took = time.time() - t0
        self.assertTrue(s.ended)
        self.assertGreater(took, 0.9)
        self.assertLess(took, 3)
        self.assertTrue(evs)
        for e in evs:
            self.assertEqual(e["type"], "BOOKMARK")
            self.assertEqual(e["object"], {"kind": "Pod", "apiVersion": "v1", "metadata": {
                "resourceVersion": e["object"]["metadata"]["resourceVersion"],
                "creationTimestamp": None}, "spec": {"containers": None}, "status": {}})
        # no bookmarks unless asked for
        s = self.stream(PODS(ns) + "?watch=1&timeoutSeconds=1&resourceVersion=%d" % rv)
        self.assertEqual(s.drain(), [])
        self.assertTrue(s.ended)

    def test_bookmark_before_deadline(self):
        ns = self.srv.ns("wdeadline")
        t0 = time.time()
        s = self.stream(NP(ns) + "?watch=1&allowWatchBookmarks=1&timeoutSeconds=3"
                        "&resourceVersion=%d" % self.rv())
        ev = s.next_events(1, timeout=5)
        self.assertEqual(ev[0]["type"], "BOOKMARK")
        self.assertEqual(ev[0]["object"]["spec"], {"podSelector": {}})
        self.assertAlmostEqual(time.time() - t0, 1.0, delta=0.5)
        self.assertEqual(s.drain(), [])
        self.assertTrue(s.ended)
        self.assertAlmostEqual(time.time() - t0, 3.0, delta=0.5)

    def test_legacy_watch_path(self):
        ns = self.srv.ns("wlegacy")
        s = self.stream("/apis/networking.k8s.io/v1/watch/namespaces/%s/networkpolicies"
                        "?timeoutSeconds=10&resourceVersion=%d" % (ns, self.rv()))
        self.srv.wait_watches(1)
        self.srv.create(NP(ns), np_obj("x", ns))
        self.assertEqual(s.next_events(1)[0]["type"], "ADDED")

    def test_watch_selector_transitions(self):
        ns = self.srv.ns("wsel")
        self.srv.create(PODS(ns), pod_obj("p", ns, "n1", {"app": "web"}))
        s = self.stream(PODS(ns) + "?watch=1&timeoutSeconds=30&labelSelector=app%3Dweb")
        self.assertEqual(s.next_events(1)[0]["type"], "ADDED")
        code, _, p = self.srv.request("PATCH", PODS(ns) + "/p",
                                      {"metadata": {"labels": {"app": "db"}}},
                                      ctype="application/merge-patch+json")
        ev = s.next_events(1)[0]
        self.assertEqual(ev["type"], "DELETED")
        self.assertEqual(ev["object"]["metadata"]["labels"], {"app": "web"})   # old content
        self.assertEqual(ev["object"]["metadata"]["resourceVersion"],
                         p["metadata"]["resourceVersion"])                     # new RV
        self.srv.request("PATCH", PODS(ns) + "/p", {"metadata": {"labels": {"app": "web"}}},
                         ctype="application/merge-patch+json")
        self.assertEqual(s.next_events(1)[0]["type"], "ADDED")
        # field selector on nodeName, cluster-wide
        s2 = self.stream("/api/v1/pods?watch=1&timeoutSeconds=30&resourceVersion=%d&"
                         "fieldSelector=%s" % (self.rv(), quote("spec.nodeName=n2")))
        self.srv.create(PODS(ns), pod_obj("q", ns, "n2"))
        self.srv.create(PODS(ns), pod_obj("r", ns, "n1"))
        self.srv.create(PODS(ns), pod_obj("s", ns, "n2"))
        evs = s2.next_events(2)
        self.assertEqual([e["object"]["metadata"]["name"] for e in evs], ["q", "s"])

    def test_watch_chunk_split(self):
        ns = self.srv.ns("wsplit")
        for i in range(5):
            self.srv.create(NP(ns), np_obj("n%d" % i, ns, labels={"i": str(i)}))
        self.srv.control("/split", {"on": True})
        s = self.stream(NP(ns) + "?watch=1&resourceVersion=0&timeoutSeconds=30")
        evs = s.next_events(5)
        self.assertEqual([e["object"]["metadata"]["name"] for e in evs],
                         ["n%d" % i for i in range(5)])
        self.assertGreater(len(s.chunks), 5)
        self.assertTrue(any(not c.endswith(b"\n") for c in s.chunks))

    def test_watch_cut_mid_event(self):
        ns = self.srv.ns("wcut")
        s = self.stream(NP(ns) + "?watch=1&timeoutSeconds=30&resourceVersion=%d" % self.rv())
        self.srv.wait_watches(1)
        self.srv.control("/cut", {"count": 1})
        self.srv.create(NP(ns), np_obj("x", ns))
        self.assertEqual(s.next_events(1, timeout=3), [])
        self.assertTrue(s.eof)
        self.assertFalse(s.ended)
        self.assertTrue(s.pending.startswith(b'{"type":"ADDED"'))
        self.assertNotIn(b"\n", s.pending)

    def test_watch_slow_and_oversize(self):
        ns = self.srv.ns("wslow")
        s = self.stream(NP(ns) + "?watch=1&timeoutSeconds=30&resourceVersion=%d" % self.rv())
        self.srv.wait_watches(1)
        self.srv.control("/slow", {"bytes": 4096, "delay": 0.001})
        self.srv.control("/oversize", {"count": 1, "bytes": 1 << 20})
        self.srv.create(NP(ns), np_obj("big", ns))
        ev = s.next_events(1, timeout=30)[0]
        self.assertEqual(len(ev["object"]["metadata"]["annotations"]["nftpol.test/padding"]),
                         1 << 20)
        self.assertGreater(len(s.chunks), 256)
        self.assertTrue(all(len(c) <= 4096 for c in s.chunks))

    def test_fail_injection(self):
        self.srv.control("/fail", {"count": 2, "code": 500, "match": "/api/v1/nodes"})
        code, _, body = self.srv.request("GET", "/api/v1/nodes")
        self.assertEqual((code, body["reason"]), (500, "InternalError"))
        self.assertEqual(self.srv.request("GET", "/api/v1/nodes")[0], 500)
        code, _, body = self.srv.request("GET", "/api/v1/nodes")
        self.assertEqual(code, 200)
        self.assertEqual(sorted(i["metadata"]["name"] for i in body["items"]), ["n1", "n2"])
        self.srv.control("/fail", {"count": 1, "mode": "garbage"})
        code, _, body = self.srv.request("GET", "/api/v1/nodes")
        self.assertEqual(code, 200)
        self.assertIsInstance(body, bytes)
        self.srv.control("/fail", {"count": 1, "code": 429, "retry_after": 2})
        code, h, body = self.srv.request("GET", "/api/v1/nodes")
        self.assertEqual((code, h["retry-after"]), (429, "2"))
        self.srv.control("/fail", {"count": 1, "mode": "close"})
        with self.assertRaises(EOFError):
            self.srv.request("GET", "/api/v1/nodes")
        # several matches at once, then replaced by another mode without a gap
        self.srv.control("/fail", {"count": 9, "code": 503, "match": ["/nodes", "/pods"]})
        self.assertEqual(self.srv.request("GET", "/api/v1/pods")[0], 503)
        faults = self.srv.control("/fail", {"count": 9, "mode": "garbage",
                                            "match": ["/nodes"], "replace": True})["faults"]
        self.assertEqual([(f["match"], f["mode"]) for f in faults], [("/nodes", "garbage")])
        self.assertEqual(self.srv.request("GET", "/api/v1/pods")[0], 200)
        self.assertIsInstance(self.srv.request("GET", "/api/v1/nodes")[2], bytes)
        self.srv.control("/fail/clear", {})

    def test_watch_list(self):
        ns = self.srv.ns("wlist")
        self.srv.create(NP(ns), np_obj("a", ns))
        q = "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan" \
            "&allowWatchBookmarks=true&timeoutSeconds=30"
        code, _, body = self.srv.request("GET", NP(ns) + q)
        self.assertEqual(code, 422)
        self.assertIn("sendInitialEvents is forbidden for watch unless the WatchList feature "
                      "gate is enabled", body["message"])
        self.srv.control("/watch-list", {"enabled": True})
        s = self.stream(NP(ns) + q)
        evs = s.next_events(2)
        self.assertEqual(evs[0]["type"], "ADDED")
        self.assertEqual(evs[1]["type"], "BOOKMARK")
        self.assertEqual(evs[1]["object"]["metadata"]["annotations"],
                         {"k8s.io/initial-events-end": "true"})

    def test_too_large_rv(self):
        code, _, body = self.srv.request("GET", "/api/v1/pods?resourceVersion=%d"
                                         % (self.rv() + 1000))
        self.assertEqual((code, body["reason"]), (504, "Timeout"))
        self.assertEqual(body["details"]["causes"][0]["reason"], "ResourceVersionTooLarge")


# ---------------------------------------------------------------- cluster network policies

PNK = "/apis/policy.networking.k8s.io"
CNP = PNK + "/v1alpha2/clusternetworkpolicies"
ANP = PNK + "/v1alpha1/adminnetworkpolicies"
BANP = PNK + "/v1alpha1/baselineadminnetworkpolicies"
NODES = "/api/v1/nodes"


def cnp_obj(name, priority=10, tier="Admin", ingress=None, egress=None, labels=None):
    o = {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
         "metadata": {"name": name},
         "spec": {"tier": tier, "priority": priority,
                  "subject": {"namespaces": {"matchLabels": {"team": "prod"}}}}}
    if ingress is not None:
        o["spec"]["ingress"] = ingress
    if egress is not None:
        o["spec"]["egress"] = egress
    if labels:
        o["metadata"]["labels"] = labels
    return o


def anp_obj(name, egress=None, baseline=False):
    o = {"apiVersion": "policy.networking.k8s.io/v1alpha1",
         "kind": "BaselineAdminNetworkPolicy" if baseline else "AdminNetworkPolicy",
         "metadata": {"name": name},
         "spec": {"subject": {"pods": {"namespaceSelector": {}, "podSelector": {}}}}}
    if not baseline:
        o["spec"]["priority"] = 3
    if egress is not None:
        o["spec"]["egress"] = egress
    return o


CNP_YAML = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: %s
spec:
  tier: Admin
  priority: %d
  subject:
    namespaces:
      matchLabels: {kubernetes.io/metadata.name: production}
  ingress:
  - name: only-monitoring
    action: Deny
    from:
    - namespaces:
        matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: NotIn, values: [production, monitoring]}
  egress:
  - name: no-metadata-service
    action: Deny
    to:
    - networks: [169.254.169.254/32]
    protocols:
    - tcp: {destinationPort: {range: {start: 80, end: 443}}}
    - udp: {destinationPort: {number: 53}}
"""
ANP_YAML = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: %s}
spec:
  priority: %d
  subject: {namespaces: {}}
  ingress:
  - action: Allow
    from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: mon}}}}]
    ports: [{portNumber: {protocol: TCP, port: 9090}}, {namedPort: metrics}]
"""
BANP_YAML = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: %s}
spec:
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{nodes: {matchLabels: {role: control-plane}}}]
    ports: [{portRange: {protocol: TCP, start: 1, end: %d}}]
"""
NODE_YAML = """apiVersion: v1
kind: Node
metadata:
  name: %s
  labels: {role: worker, kubernetes.io/hostname: %s}
spec:
  podCIDRs: [10.244.7.0/24, "fd00:7::/64"]
status:
  addresses:
  - {type: InternalIP, address: 10.0.0.7}
  - {type: InternalIP, address: "fd00::7"}
"""


class ClusterPolicyTest(Base):
    """policy.networking.k8s.io as a server with the upstream CRDs serves it."""

    def invalid(self, path, obj, method="POST"):
        st, _, body = self.srv.request(method, path, obj)
        self.assertEqual(st, 422, body)
        self.assertEqual(body["reason"], "Invalid")
        return body["message"]

    def test_discovery(self):
        _, _, apis = self.srv.request("GET", "/apis")
        g = [x for x in apis["groups"] if x["name"] == "policy.networking.k8s.io"]
        self.assertEqual(g, [{"name": "policy.networking.k8s.io", "versions": [
            {"groupVersion": "policy.networking.k8s.io/v1alpha2", "version": "v1alpha2"},
            {"groupVersion": "policy.networking.k8s.io/v1alpha1", "version": "v1alpha1"}],
            "preferredVersion": {"groupVersion": "policy.networking.k8s.io/v1alpha2",
                                 "version": "v1alpha2"}}])
        _, _, grp = self.srv.request("GET", PNK)
        self.assertEqual((grp["kind"], grp["versions"]), ("APIGroup", g[0]["versions"]))
        _, _, v2 = self.srv.request("GET", PNK + "/v1alpha2")
        self.assertEqual(v2["groupVersion"], "policy.networking.k8s.io/v1alpha2")
        r = v2["resources"]
        self.assertEqual([x["name"] for x in r],
                         ["clusternetworkpolicies", "clusternetworkpolicies/status"])
        self.assertEqual((r[0]["kind"], r[0]["namespaced"], r[0]["shortNames"],
                          r[0]["singularName"]),
                         ("ClusterNetworkPolicy", False, ["cnp"], "clusternetworkpolicy"))
        self.assertEqual(r[0]["verbs"], ["delete", "deletecollection", "get", "list", "patch",
                                         "create", "update", "watch"])
        self.assertEqual(r[1]["verbs"], ["get", "patch", "update"])
        _, _, v1 = self.srv.request("GET", PNK + "/v1alpha1")
        self.assertEqual({x["name"]: x.get("shortNames") for x in v1["resources"]},
                         {"adminnetworkpolicies": ["anp"], "adminnetworkpolicies/status": None,
                          "baselineadminnetworkpolicies": ["banp"],
                          "baselineadminnetworkpolicies/status": None})
        # v1alpha1 serves no ClusterNetworkPolicy, v1alpha2 no AdminNetworkPolicy
        self.assertEqual(self.srv.request("GET", PNK + "/v1alpha1/clusternetworkpolicies")[0],
                         404)
        self.assertEqual(self.srv.request("GET", PNK + "/v1alpha2/adminnetworkpolicies")[0],
                         404)
        self.assertEqual(self.srv.request("POST", PNK, {})[0], 405)
        out = self.srv.kubectl("api-resources", "--api-group", "policy.networking.k8s.io",
                               check=True).stdout.splitlines()
        self.assertEqual([ln.split()[:2] for ln in out[1:]],
                         [["adminnetworkpolicies", "anp"],
                          ["baselineadminnetworkpolicies", "banp"],
                          ["clusternetworkpolicies", "cnp"]])
        # OpenAPI: v2 definitions named as the apiextensions builder names them, v3 stubs
        _, _, oa = self.srv.request("GET", "/openapi/v2")
        d = oa["definitions"]["io.k8s.networking.policy.v1alpha2.ClusterNetworkPolicy"]
        self.assertEqual(d["x-kubernetes-group-version-kind"], [
            {"group": "policy.networking.k8s.io", "kind": "ClusterNetworkPolicy",
             "version": "v1alpha2"}])
        self.assertEqual(d["properties"]["spec"]["required"], ["priority", "subject", "tier"])
        self.assertEqual(d["properties"]["metadata"],
                         {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1."
                                  "ObjectMeta"})
        patch = oa["paths"][CNP + "/{name}"]["patch"]
        self.assertNotIn("application/strategic-merge-patch+json", patch["consumes"])
        _, _, v3 = self.srv.request("GET", "/openapi/v3")
        self.assertIn("apis/policy.networking.k8s.io/v1alpha2", v3["paths"])
        self.assertIn("apis/policy.networking.k8s.io/v1alpha1", v3["paths"])

    def apply_get_delete(self, kind, res, text, changed, field):
        f = self.yaml_file(text)
        r = self.srv.kubectl("apply", "-f", f, check=True)
        self.assertIn("%s.policy.networking.k8s.io/x1 created" % kind.lower(), r.stdout)
        r = self.srv.kubectl("get", res, "x1", "-o", "json", check=True)
        o = json.loads(r.stdout)
        self.assertEqual((o["kind"], o["metadata"]["generation"]), (kind, 1))
        self.assertEqual(list(o), sorted(o))                  # unstructured: keys sorted
        self.assertNotIn("status", o)
        self.assertIn("kubectl.kubernetes.io/last-applied-configuration",
                      o["metadata"]["annotations"])
        r = self.srv.kubectl("apply", "-f", f, check=True)
        self.assertIn("x1 unchanged", r.stdout)
        self.srv.control("/log/clear", {})
        r = self.srv.kubectl("apply", "-f", self.yaml_file(changed), check=True)
        self.assertIn("x1 configured", r.stdout)
        # kubectl read the PATCH media types from /openapi/v2: a JSON merge patch
        patches = [q for q in self.srv.control("/log")["requests"] if q["method"] == "PATCH"]
        self.assertEqual([q["code"] for q in patches], [200])
        r = self.srv.kubectl("get", res, "-o", "json", check=True)
        items = json.loads(r.stdout)["items"]
        self.assertEqual([i["metadata"]["name"] for i in items], ["x1"])
        self.assertEqual(items[0]["metadata"]["generation"], 2)
        self.assertEqual(field(items[0]), True)
        r = self.srv.kubectl("get", res, check=True)
        self.assertEqual(r.stdout.split()[:1], ["NAME"])
        self.assertIn("x1", r.stdout)
        r = self.srv.kubectl("delete", res, "x1", check=True)
        self.assertIn('%s.policy.networking.k8s.io "x1" deleted' % kind.lower(), r.stdout)
        r = self.srv.kubectl("get", res, "x1")
        self.assertEqual(r.returncode, 1)
        self.assertIn('Error from server (NotFound): %s.policy.networking.k8s.io "x1" not '
                      'found' % res, r.stderr)

    def test_kubectl_cnp(self):
        self.apply_get_delete("ClusterNetworkPolicy", "clusternetworkpolicies",
                              CNP_YAML % ("x1", 10), CNP_YAML % ("x1", 20),
                              lambda o: o["spec"]["priority"] == 20)
        # the short name
        self.srv.kubectl("apply", "-f", self.yaml_file(CNP_YAML % ("x2", 30)), check=True)
        r = self.srv.kubectl("get", "cnp", "-o", "name", check=True)
        self.assertEqual(r.stdout.split(), ["clusternetworkpolicy.policy.networking.k8s.io/x2"])
        self.srv.kubectl("delete", "cnp", "x2", check=True)

    def test_kubectl_anp(self):
        self.apply_get_delete("AdminNetworkPolicy", "adminnetworkpolicies",
                              ANP_YAML % ("x1", 5), ANP_YAML % ("x1", 6),
                              lambda o: o["spec"]["priority"] == 6)

    def test_kubectl_banp(self):
        # the CEL rule on metadata.name, through kubectl
        r = self.srv.kubectl("apply", "-f", self.yaml_file(BANP_YAML % ("x1", 100)))
        self.assertEqual(r.returncode, 1)
        self.assertIn('The BaselineAdminNetworkPolicy "x1" is invalid: '
                      '<nil>: Invalid value: "object": Only one baseline admin network policy '
                      'with metadata.name="default" can be created in the cluster', r.stderr)
        f = self.yaml_file(BANP_YAML % ("default", 100))
        self.srv.kubectl("apply", "-f", f, check=True)
        self.srv.kubectl("apply", "-f", self.yaml_file(BANP_YAML % ("default", 200)),
                         check=True)
        r = self.srv.kubectl("get", "banp", "default", "-o", "json", check=True)
        o = json.loads(r.stdout)
        self.assertEqual(o["spec"]["egress"][0]["ports"][0]["portRange"],
                         {"end": 200, "protocol": "TCP", "start": 1})
        self.assertEqual(o["metadata"]["generation"], 2)
        self.srv.kubectl("delete", "-f", f, check=True)

    def test_kubectl_server_side_apply(self):
        f = self.yaml_file(CNP_YAML % ("ssa", 10))
        r = self.srv.kubectl("apply", "--server-side", "-f", f, check=True)
        self.assertIn("clusternetworkpolicy.policy.networking.k8s.io/ssa serverside-applied",
                      r.stdout)
        r = self.srv.kubectl("apply", "--server-side", "-f",
                             self.yaml_file(CNP_YAML % ("ssa", 11)), check=True)
        _, _, o = self.srv.request("GET", CNP + "/ssa")
        self.assertEqual((o["spec"]["priority"], o["metadata"]["generation"]), (11, 2))
        self.srv.kubectl("delete", "cnp", "ssa", check=True)

    def test_kubectl_validation(self):
        # a misspelt field: kubectl 1.20 finds it in /openapi/v2, 1.32 has the
        # server find it (fieldValidation=Strict)
        f = self.yaml_file((CNP_YAML % ("typo", 10)).replace("priority:", "priorty:"))
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        if server_validates():
            self.assertIn('ClusterNetworkPolicy in version "v1alpha2" cannot be handled as a '
                          'ClusterNetworkPolicy: strict decoding error: unknown field '
                          '"spec.priorty"', r.stderr)
        else:
            self.assertIn('ValidationError(ClusterNetworkPolicy.spec): unknown field "priorty" '
                          'in io.k8s.networking.policy.v1alpha2.ClusterNetworkPolicy.spec',
                          r.stderr)
            self.assertIn('ValidationError(ClusterNetworkPolicy.spec): missing required field '
                          '"priority" in io.k8s.networking.policy.v1alpha2.'
                          'ClusterNetworkPolicy.spec', r.stderr)
        self.assertEqual(self.srv.request("GET", CNP + "/typo")[0], 404)
        # --validate=false: the server drops the field (and warns when not told to ignore)
        f = self.yaml_file((CNP_YAML % ("typo", 10)).replace("  tier: Admin", "  tier: Admin\n"
                                                             "  extra: 1"))
        self.srv.kubectl("create", "--validate=false", "-f", f, check=True)
        _, _, o = self.srv.request("GET", CNP + "/typo")
        self.assertNotIn("extra", o["spec"])
        # the server's checks, the same with both
        f = self.yaml_file(CNP_YAML % ("big", 1001))
        r = self.srv.kubectl("create", "-f", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('The ClusterNetworkPolicy "big" is invalid: spec.priority: Invalid value: '
                      '1001: spec.priority in body should be less than or equal to 1000',
                      r.stderr)
        f = self.yaml_file((CNP_YAML % ("rng", 1)).replace("start: 80, end: 443",
                                                           "start: 443, end: 80"))
        r = self.srv.kubectl("apply", "-f", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('spec.egress[0].protocols[0].tcp.destinationPort.range: Invalid value: '
                      '"object": Start port must be less than End port', r.stderr)
        self.srv.kubectl("delete", "cnp", "typo", check=True)

    def test_schema_validation(self):
        """Each kind of structural schema error, worded as the apiextensions
        apiserver words kube-openapi's results."""
        def spec(**kw):
            o = cnp_obj("bad")
            o["spec"].update(kw)
            return o
        sub2 = {"namespaces": {}, "pods": {"podSelector": {}}}
        cases = [
            (spec(priority=1001), 'ClusterNetworkPolicy.policy.networking.k8s.io "bad" is '
             'invalid: spec.priority: Invalid value: 1001: spec.priority in body should be less '
             'than or equal to 1000'),
            (spec(priority=-1), 'spec.priority: Invalid value: -1: spec.priority in body should '
             'be greater than or equal to 0'),
            (spec(priority="1"), 'spec.priority: Invalid value: "string": spec.priority in body '
             'must be of type integer: "string"'),
            (spec(priority=True), 'spec.priority: Invalid value: "": spec.priority in body must '
             'be of type int32: ""'),
            (spec(tier="Admn"), 'spec.tier: Unsupported value: "Admn": supported values: '
             '"Admin", "Baseline"'),
            (spec(subject=sub2), 'spec.subject: Too many: 2: must have at most 1 item'),
            (spec(subject={}), 'spec.subject: Invalid value: 0: spec.subject in body should '
             'have at least 1 properties'),
            (spec(subject={"pods": {}}), 'spec.subject.pods.podSelector: Required value'),
            (spec(ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}] * 26),
             'spec.ingress: Too many: 26: must have at most 25 items'),
            (spec(ingress=[{"action": "Deny", "from": []}]), 'spec.ingress[0].from: Invalid '
             'value: 0: spec.ingress[0].from in body should have at least 1 items'),
            (spec(ingress=[{"action": "Deny", "name": "n" * 101, "from": [{"namespaces": {}}]}]),
             'spec.ingress[0].name: Too long: may not be more than 100 bytes'),
            (spec(ingress=[{"from": [{"namespaces": {}}]}]),
             'spec.ingress[0].action: Required value'),
            (spec(ingress=[{"action": "Deny", "from": [{"namespaces": {}}],
                            "protocols": [{"tcp": {"destinationPort": {"number": 0}}}]}]),
             'spec.ingress[0].protocols[0].tcp.destinationPort.number: Invalid value: 0: '
             'spec.ingress[0].protocols[0].tcp.destinationPort.number in body should be '
             'greater than or equal to 1'),
            (spec(ingress=[{"action": "Deny", "from": [{"namespaces": {}}],
                            "protocols": [{"tcp": {}}]}]),
             'spec.ingress[0].protocols[0].tcp: Invalid value: 0: spec.ingress[0].protocols[0]'
             '.tcp in body should have at least 1 properties'),
            (spec(egress=[{"action": "Accept", "to": [{"networks": ["10.0.0.0/8",
                                                                    "10.0.0.0/8"]}]}]),
             'spec.egress[0].to[0].networks[1]: Duplicate value: "10.0.0.0/8"'),
            (spec(egress=[{"action": "Accept", "to": [{"networks": ["1" * 44]}]}]),
             'spec.egress[0].to[0].networks[0]: Too long: may not be more than 43 bytes'),
            (spec(egress=[{"action": "Accept", "to": [{"domainNames": ["bad domain"]}]}]),
             'spec.egress[0].to[0].domainNames[0]: Invalid value: "bad domain": '
             'spec.egress[0].to[0].domainNames[0] in body should match \'^(\\*\\.)?'),
            (spec(egress=[{"action": "Accept", "to": [{}]}]),
             'spec.egress[0].to[0]: Invalid value: 0: spec.egress[0].to[0] in body should have '
             'at least 1 properties'),
        ]
        for obj, want in cases:
            with self.subTest(want=want):
                self.assertIn(want, self.invalid(CNP, obj))
        # missing required fields, the metadata rules of every object
        o = cnp_obj("Bad_Name")
        del o["spec"]["tier"]
        msg = self.invalid(CNP, o)
        self.assertIn("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
                      "subdomain", msg)
        self.assertIn("spec.tier: Required value", msg)
        # a type or enum error stops the CEL rules (as hasBlockingErr does)
        o = spec(tier="x", egress=[{"action": "Accept", "to": [{"networks": ["nope"]}]}])
        msg = self.invalid(CNP, o)
        self.assertIn('<nil>: Invalid value: "null": some validation rules were not checked '
                      'because the object was invalid; correct the existing errors to complete '
                      'validation', msg)
        self.assertNotIn("Invalid CIDR", msg)
        # the 422 Status
        st, _, body = self.srv.request("POST", CNP, spec(priority=1001))
        self.assertEqual(body["details"], {
            "name": "bad", "group": "policy.networking.k8s.io", "kind": "ClusterNetworkPolicy",
            "causes": [{"reason": "FieldValueInvalid", "message": "Invalid value: 1001: "
                        "spec.priority in body should be less than or equal to 1000",
                        "field": "spec.priority"}]})
        # unknown fields: Strict refuses, Warn (the default) warns and prunes
        o = spec(extra={"a": 1})
        o["spec"]["ingress"] = [{"action": "Deny", "from": [{"namespaces": {}, }], "x": 1}]
        o["metadata"]["bogus"] = 1
        st, _, body = self.srv.request("POST", CNP + "?fieldValidation=Strict", o)
        self.assertEqual((st, body["message"]), (400, (
            'ClusterNetworkPolicy in version "v1alpha2" cannot be handled as a '
            'ClusterNetworkPolicy: strict decoding error: unknown field "metadata.bogus", '
            'unknown field "spec.extra", unknown field "spec.ingress[0].x"')))
        st, h, body = self.srv.request("POST", CNP, o)
        self.assertEqual(st, 201, body)
        self.assertIn('unknown field \\"spec.extra\\"', h["warning"])
        self.assertNotIn("extra", body["spec"])
        self.assertEqual(body["spec"]["ingress"], [{"action": "Deny",
                                                    "from": [{"namespaces": {}}]}])
        self.assertEqual(self.srv.request("DELETE", CNP + "/bad")[0], 200)
        # wrong apiVersion / kind
        o = cnp_obj("v")
        o["apiVersion"] = "policy.networking.k8s.io/v1alpha1"
        st, _, body = self.srv.request("POST", CNP, o)
        self.assertEqual((st, body["message"]), (400, (
            "the API version in the data (policy.networking.k8s.io/v1alpha1) does not match "
            "the expected API version (policy.networking.k8s.io/v1alpha2)")))

    def test_cel_rules(self):
        """Each x-kubernetes-validations rule of the three CRDs."""
        deny = {"action": "Deny", "from": [{"namespaces": {}}]}

        def rng(start, end, proto="tcp"):
            return cnp_obj("cel", ingress=[dict(deny, protocols=[
                {proto: {"destinationPort": {"range": {"start": start, "end": end}}}}])])
        for proto in ("tcp", "udp", "sctp"):
            self.assertIn('ClusterNetworkPolicy.policy.networking.k8s.io "cel" is invalid: '
                          'spec.ingress[0].protocols[0].%s.destinationPort.range: Invalid '
                          'value: "object": Start port must be less than End port' % proto,
                          self.invalid(CNP, rng(80, 80, proto)))
        # a missing operand: Required, and CEL's runtime error
        o = rng(1, 2)
        del o["spec"]["ingress"][0]["protocols"][0]["tcp"]["destinationPort"]["range"]["start"]
        msg = self.invalid(CNP, o)
        self.assertIn("spec.ingress[0].protocols[0].tcp.destinationPort.range.start: Required "
                      "value", msg)
        self.assertIn('spec.ingress[0].protocols[0].tcp.destinationPort.range: Invalid value: '
                      '"object": no such key: start evaluating rule: Start port must be less '
                      'than End port', msg)
        # isCIDR: netip.ParsePrefix (host bits fine, no leading zeros, no zone)
        for bad in ("10.0.0.0", "10.0.0.0/33", "010.0.0.0/8", "10.0.0.0/08", "fe80::1%eth0/64",
                    "nope/8"):
            o = cnp_obj("cel", egress=[{"action": "Accept", "to": [{"networks": [bad]}]}])
            self.assertIn('spec.egress[0].to[0].networks[0]: Invalid value: "string": Invalid '
                          'CIDR format provided', self.invalid(CNP, o), bad)
        for good in ("10.0.0.1/8", "::ffff:10.0.0.0/104", "2001:db8::/32", "0.0.0.0/0"):
            o = cnp_obj("cidr", egress=[{"action": "Accept", "to": [{"networks": [good]}]}])
            self.srv.create(CNP, o)
            self.assertEqual(self.srv.request("DELETE", CNP + "/cidr")[0], 200)
        # named ports not with networks / nodes / domainNames peers
        named = "networks/nodes/domainNames peer cannot be set with namedPorts since there " \
                "are no namedPorts for networks/nodes/domainNames"
        for peer in ({"networks": ["10.0.0.0/8"]}, {"nodes": {}},
                     {"domainNames": ["*.example.com"]}):
            o = cnp_obj("cel", egress=[{"action": "Accept", "to": [{"namespaces": {}}, peer],
                                        "protocols": [{"tcp": {"destinationPort": {
                                            "number": 1}}}, {"destinationNamedPort": "dns"}]}])
            self.assertIn('spec.egress[0]: Invalid value: "object": ' + named,
                          self.invalid(CNP, o))
        o = cnp_obj("named", egress=[{"action": "Accept", "to": [{"pods": {"podSelector": {}}}],
                                      "protocols": [{"destinationNamedPort": "dns"}]}],
                    ingress=[dict(deny, protocols=[{"destinationNamedPort": "http"}])])
        self.srv.create(CNP, o)
        # the CRD has no rule tying domainNames to Accept (only the docs say so)
        o = cnp_obj("dn", egress=[{"action": "Deny", "to": [{"domainNames": ["a.example"]}]}])
        self.srv.create(CNP, o)
        # AdminNetworkPolicy and BaselineAdminNetworkPolicy
        o = anp_obj("cel", egress=[{"action": "Allow", "to": [{"domainNames": ["x.io"]}],
                                    "ports": [{"namedPort": "dns"}]}])
        self.assertIn('AdminNetworkPolicy.policy.networking.k8s.io "cel" is invalid: '
                      'spec.egress[0]: Invalid value: "object": ' + named, self.invalid(ANP, o))
        o = anp_obj("default", baseline=True,
                    egress=[{"action": "Allow", "to": [{"nodes": {}}],
                             "ports": [{"namedPort": "dns"}]}])
        self.assertIn('spec.egress[0]: Invalid value: "object": networks/nodes peer cannot be '
                      'set with namedPorts since there are no namedPorts for networks/nodes',
                      self.invalid(BANP, o))
        o = anp_obj("other", baseline=True)
        self.assertEqual(self.invalid(BANP, o), (
            'BaselineAdminNetworkPolicy.policy.networking.k8s.io "other" is invalid: <nil>: '
            'Invalid value: "object": Only one baseline admin network policy with '
            'metadata.name="default" can be created in the cluster'))
        o = anp_obj("default", baseline=True)
        o["spec"]["ingress"] = [{"action": "Pass", "from": [{"namespaces": {}}]}]
        self.assertIn('spec.ingress[0].action: Unsupported value: "Pass": supported values: '
                      '"Allow", "Deny"', self.invalid(BANP, o))
        # defaulting: ports[].portNumber.protocol
        o = anp_obj("dflt", egress=[{"action": "Allow", "to": [{"networks": ["10.0.0.0/8"]}],
                                     "ports": [{"portNumber": {"port": 53}}]}])
        got = self.srv.create(ANP, o)
        self.assertEqual(got["spec"]["egress"][0]["ports"],
                         [{"portNumber": {"port": 53, "protocol": "TCP"}}])
        for path in (CNP + "/named", CNP + "/dn", ANP + "/dflt"):
            self.assertEqual(self.srv.request("DELETE", path)[0], 200)

    def test_status_and_generation(self):
        o = cnp_obj("st")
        o["status"] = {"conditions": []}
        got = self.srv.create(CNP, o)
        self.assertNotIn("status", got)                  # status subresource: dropped
        self.assertEqual(got["metadata"]["generation"], 1)
        cond = {"type": "Ready", "status": "True", "reason": "Programmed", "message": "",
                "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}
        got["status"] = {"conditions": [cond]}
        st, _, s1 = self.srv.request("PUT", CNP + "/st/status", got)
        self.assertEqual((st, s1["status"]["conditions"][0]["type"]), (200, "Ready"))
        self.assertEqual(s1["metadata"]["generation"], 1)
        bad = dict(s1, status={"conditions": [dict(cond, status="Maybe", reason="")]})
        msg = self.invalid(CNP + "/st/status", bad, "PUT")
        self.assertIn('status.conditions[0].status: Unsupported value: "Maybe"', msg)
        self.assertIn("status.conditions[0].reason: Invalid value: \"\": "
                      "status.conditions[0].reason in body should be at least 1 chars long", msg)
        # a spec change: generation 2, status kept; metadata only: generation unchanged
        s1["spec"]["priority"] = 99
        s1.pop("status")
        _, _, u = self.srv.request("PUT", CNP + "/st", s1)
        self.assertEqual((u["metadata"]["generation"], u["status"]["conditions"][0]["type"]),
                         (2, "Ready"))
        st, _, p = self.srv.request("PATCH", CNP + "/st", {"metadata": {"labels": {"a": "b"}}},
                                    ctype="application/merge-patch+json")
        self.assertEqual((st, p["metadata"]["generation"]), (200, 2))
        st, _, p = self.srv.request("PATCH", CNP + "/st", [
            {"op": "replace", "path": "/spec/priority", "value": 7}],
            ctype="application/json-patch+json")
        self.assertEqual((st, p["spec"]["priority"], p["metadata"]["generation"]), (200, 7, 3))
        # custom resources take no strategic merge patch
        st, _, body = self.srv.request("PATCH", CNP + "/st", {"spec": {"priority": 1}},
                                       ctype="application/strategic-merge-patch+json")
        self.assertEqual((st, body["reason"]), (415, "UnsupportedMediaType"))
        self.assertEqual(self.srv.request("DELETE", CNP + "/st")[0], 200)

    def test_list_watch(self):
        """What the agent does: LIST, then WATCH from the list's RV with
        bookmarks; selectors; a relist after the watch history is gone."""
        for res, mk in ((CNP, lambda n, **kw: cnp_obj(n, **kw)),
                        (ANP, lambda n, **kw: dict(anp_obj(n), metadata={"name": n, **kw})),
                        (BANP, lambda n, **kw: dict(anp_obj("default", baseline=True),
                                                    metadata={"name": "default", **kw}))):
            with self.subTest(res=res):
                name = "default" if res == BANP else "w1"
                self.srv.create(res, mk(name))
                st, _, lst = self.srv.request("GET", res + "?limit=500")
                self.assertEqual(st, 200)
                kind = lst["kind"][:-4]
                self.assertEqual(lst["apiVersion"], "policy.networking.k8s.io/" +
                                 res.split("/")[3])
                self.assertEqual([i["metadata"]["name"] for i in lst["items"]], [name])
                self.assertNotIn("kind", lst["items"][0])
                rv = lst["metadata"]["resourceVersion"]
                self.srv.control("/bookmarks", {"period": 0.3})
                s = self.stream(res + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=20"
                                "&resourceVersion=" + rv)
                p = self.srv.request("PATCH", res + "/" + name,
                                     {"metadata": {"labels": {"x": "y"}}},
                                     ctype="application/merge-patch+json")[2]
                evs = [e for e in s.next_events(3) if e["type"] != "BOOKMARK"]
                self.assertEqual((evs[0]["type"], evs[0]["object"]["kind"],
                                  evs[0]["object"]["metadata"]["labels"]),
                                 ("MODIFIED", kind, {"x": "y"}))
                bm = [e for e in s.next_events(2, timeout=3) if e["type"] == "BOOKMARK"]
                self.assertTrue(bm)
                # an unstructured empty object: no creationTimestamp, no spec
                self.assertEqual(bm[0]["object"], {
                    "apiVersion": lst["apiVersion"], "kind": kind,
                    "metadata": {"resourceVersion": bm[0]["object"]["metadata"]
                                 ["resourceVersion"]}})
                self.assertEqual(self.srv.request("DELETE", res + "/" + name)[0], 200)
                evs = [e for e in s.next_events(2) if e["type"] != "BOOKMARK"]
                self.assertEqual(evs[0]["type"], "DELETED")
                self.assertGreater(int(evs[0]["object"]["metadata"]["resourceVersion"]),
                                   int(p["metadata"]["resourceVersion"]))
                s.close()
        # label and field selectors, initial events
        self.srv.create(CNP, cnp_obj("sa", labels={"tier": "a"}))
        self.srv.create(CNP, cnp_obj("sb", labels={"tier": "b"}))
        _, _, lst = self.srv.request("GET", CNP + "?labelSelector=tier%3Db")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["sb"])
        _, _, lst = self.srv.request("GET", CNP + "?fieldSelector=metadata.name%3Dsa")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["sa"])
        st, _, body = self.srv.request("GET", CNP + "?fieldSelector=spec.tier%3DAdmin")
        self.assertEqual((st, body["message"]), (400, "field label not supported: spec.tier"))
        s = self.stream(CNP + "?watch=1&resourceVersion=0&labelSelector=tier&timeoutSeconds=5")
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"])
                          for e in s.next_events(2)], [("ADDED", "sa"), ("ADDED", "sb")])
        # kubectl get -w
        r = self.srv.kubectl("get", "cnp", "--watch", "--request-timeout=2s", "-o", "name")
        self.assertIn("clusternetworkpolicy.policy.networking.k8s.io/sa", r.stdout)
        # a history that is gone: 410 on resume, as for every kind
        rv = self.rv()
        self.srv.control("/compact", {})
        s = self.stream(CNP + "?watch=1&resourceVersion=%d" % (rv - 1))
        ev = s.next_events(1)
        self.assertEqual((ev[0]["type"], ev[0]["object"]["code"]), ("ERROR", 410))
        st, _, body = self.srv.request("DELETE", CNP + "?labelSelector=tier")
        self.assertEqual([i["metadata"]["name"] for i in body["items"]], ["sa", "sb"])

    def test_nodes(self):
        """Nodes as the agent reads them: labels, status.addresses, spec.podCIDRs."""
        f = self.yaml_file(NODE_YAML % ("nx", "nx"))
        r = self.srv.kubectl("apply", "-f", f, check=True)
        self.assertIn("node/nx created", r.stdout)
        _, _, n = self.srv.request("GET", NODES + "/nx")
        # the status is kept on create (the kubelet registers its node so)
        self.assertEqual(n["status"]["addresses"], [{"type": "InternalIP", "address": "10.0.0.7"},
                                                    {"type": "InternalIP", "address": "fd00::7"}])
        self.assertEqual((n["spec"]["podCIDR"], n["spec"]["podCIDRs"]),
                         ("10.244.7.0/24", ["10.244.7.0/24", "fd00:7::/64"]))
        self.assertEqual(n["metadata"]["labels"]["role"], "worker")
        r = self.srv.kubectl("get", "nodes", "-l", "role=worker", "-o", "name", check=True)
        self.assertEqual(r.stdout.split(), ["node/nx"])
        # label changes and status changes reach a watch
        rv = self.rv()
        s = self.stream(NODES + "?watch=1&resourceVersion=%d&fieldSelector=metadata.name%%3Dnx"
                        % rv)
        self.srv.kubectl("label", "node", "nx", "role=infra", "--overwrite", check=True)
        self.srv.control("/node-status", {"name": "nx", "status": {"addresses": [
            {"type": "InternalIP", "address": "10.0.0.8"}]}})
        evs = s.next_events(2)
        self.assertEqual([e["type"] for e in evs], ["MODIFIED", "MODIFIED"])
        self.assertEqual(evs[0]["object"]["metadata"]["labels"]["role"], "infra")
        self.assertEqual(evs[1]["object"]["status"]["addresses"],
                         [{"type": "InternalIP", "address": "10.0.0.8"}])
        # an update of the node keeps its status; the status subresource changes it
        n = evs[1]["object"]
        n["status"] = {"addresses": []}
        _, _, u = self.srv.request("PUT", NODES + "/nx", n)
        self.assertEqual(u["status"]["addresses"][0]["address"], "10.0.0.8")
        # podCIDRs: valid CIDRs, one per family, immutable once set
        msg = self.invalid(NODES + "/nx", dict(u, spec={"podCIDRs": ["10.244.8.0/24"]}), "PUT")
        self.assertIn('spec.podCIDRs: Forbidden: node updates may not change podCIDR except '
                      'from "" to valid', msg)
        msg = self.invalid(NODES, {"metadata": {"name": "ny"},
                                   "spec": {"podCIDRs": ["10.1.0.0/16", "10.2.0.0/16"]}})
        self.assertIn('spec.podCIDRs: Invalid value: []string{"10.1.0.0/16", "10.2.0.0/16"}: '
                      'may specify no more than one CIDR for each IP family', msg)
        msg = self.invalid(NODES, {"metadata": {"name": "ny"}, "spec": {"podCIDR": "x"}})
        self.assertIn('spec.podCIDRs[0]: Invalid value: "x": must be a valid CIDR value', msg)
        self.srv.kubectl("delete", "-f", f, check=True)


class NoClusterPolicyTest(Base):
    """--no-cluster-network-policy: a cluster without the CRDs."""
    args = ("--no-cluster-network-policy",)

    def test_absent(self):
        _, _, apis = self.srv.request("GET", "/apis")
        self.assertEqual([g["name"] for g in apis["groups"]], ["networking.k8s.io"])
        for path in (PNK, PNK + "/v1alpha2", PNK + "/v1alpha1", CNP, ANP, BANP,
                     CNP + "?watch=1&resourceVersion=0", CNP + "/x"):
            st, _, body = self.srv.request("GET", path)
            self.assertEqual((st, body["message"]), (404, "the server could not find the "
                                                          "requested resource"), path)
        st, _, _ = self.srv.request("POST", CNP, cnp_obj("x"))
        self.assertEqual(st, 404)
        r = self.srv.kubectl("get", "cnp")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the server doesn't have a resource type \"cnp\"", r.stderr)
        r = self.srv.kubectl("apply", "-f", self.yaml_file(CNP_YAML % ("x", 1)))
        self.assertEqual(r.returncode, 1)
        self.assertIn('no matches for kind "ClusterNetworkPolicy" in version '
                      '"policy.networking.k8s.io/v1alpha2"', r.stderr)
        _, _, oa = self.srv.request("GET", "/openapi/v2")
        self.assertFalse([k for k in oa["definitions"] if "networking.policy" in k])
        # nodes are there all the same
        self.assertEqual(self.srv.request("GET", NODES)[0], 200)

    def test_state_file(self):
        """A state file (tests/e2e/harness.py stand_in_state) with cluster
        policies: loaded with the CRDs, skipped without."""
        d = tempfile.mkdtemp(prefix="apiserver-state-")
        state = os.path.join(d, "state.json")
        o = cnp_obj("from-state")
        o["metadata"].update(resourceVersion="10", uid="00000000-0000-4000-8000-000000000010",
                             creationTimestamp="2026-01-01T00:00:00Z")
        node = {"kind": "Node", "apiVersion": "v1", "metadata": {
            "name": "sn", "resourceVersion": "11", "labels": {"a": "b"}},
            "status": {"addresses": [{"type": "InternalIP", "address": "10.9.9.9"}]}}
        with open(state, "w") as f:
            json.dump({"rv": 12, "objects": {"clusternetworkpolicies": [o], "nodes": [node],
                                             "adminnetworkpolicies": []}}, f)
        try:
            for args, want in (((), 200), (("--no-cluster-network-policy",), 404)):
                srv = Server("--state", state, *args, directory=d)
                try:
                    st, _, got = srv.request("GET", CNP + "/from-state")
                    self.assertEqual(st, want)
                    if want == 200:
                        self.assertEqual(got["spec"], o["spec"])
                    _, _, n = srv.request("GET", NODES + "/sn")
                    self.assertEqual(n["status"]["addresses"][0]["address"], "10.9.9.9")
                finally:
                    srv.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


class PersistenceTest(unittest.TestCase):
    def test_restart_keeps_state(self):
        d = tempfile.mkdtemp(prefix="apiserver-state-")
        srv = Server("--state", os.path.join(d, "state.json"), directory=d)
        try:
            srv.ns("keep")
            p = srv.create(NP("keep"), np_obj("np", "keep"))
            rv = int(p["metadata"]["resourceVersion"])
            port, token = srv.port, srv.token
            srv.stop(signal.SIGKILL)               # no chance to save at exit
            srv.start(port)
            self.assertEqual((srv.port, srv.token), (port, token))
            code, _, o = srv.request("GET", NP("keep") + "/np")
            self.assertEqual((code, o["metadata"]["uid"]), (200, p["metadata"]["uid"]))
            s = Stream(srv, NP("keep") + "?watch=1&resourceVersion=%d" % (rv - 1))
            try:
                self.assertEqual(s.drain()[0]["object"]["code"], 410)
            finally:
                s.close()
            n = srv.create(NP("keep"), np_obj("np2", "keep"))
            self.assertEqual(int(n["metadata"]["resourceVersion"]), rv + 1)
            r = srv.kubectl("get", "netpol", "-n", "keep", "-o", "name", check=True)
            self.assertEqual(r.stdout.split(), ["networkpolicy.networking.k8s.io/np",
                                                "networkpolicy.networking.k8s.io/np2"])
        finally:
            srv.stop()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
