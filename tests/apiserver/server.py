#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A protocol-faithful stand-in Kubernetes API server for tests (stdlib only).

Serves namespaces, nodes, pods, networking.k8s.io/v1 networkpolicies and the
policy.networking.k8s.io cluster network policies (crds.py) over
HTTPS with bearer-token auth: discovery, OpenAPI v2 and v3 for kubectl, LIST
with pagination, WATCH with bookmarks/history/410, create/get/update/patch/
delete with defaulting and validation, and a plain-HTTP control port for fault
injection.  See README.md in this directory for flags and the control API.

usage: server.py --dir DIR [--port 0] [--control-port 0] [--state FILE] ...
Writes DIR/{ca.crt,ca.key,server.crt,server.key,token,namespace,kubeconfig,
kubeconfig-tokenfile,control-port,pid,port} (port last) and prints the port.
"""
import argparse
import base64
import collections
import copy
import gzip
import hashlib
import json
import os
import random
import re
import select
import signal
import socket
import ssl
import string
import subprocess
import sys
import threading
import time
import uuid
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import crds  # noqa: E402
import kproto  # noqa: E402
import objects as K  # noqa: E402
import openapi  # noqa: E402
import workload  # noqa: E402

RESOURCES = K.RESOURCES
DEFAULT_USER = "system:serviceaccount:kube-system:nftpol-agent"


def now_rfc3339(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def parse_bool(params, name):
    """Convert_Slice_string_To_bool: absent, "0", "false" -> False; else True."""
    if name not in params:
        return False
    return params[name].lower() not in ("0", "false")


def atomic_write(path, data, mode=0o644):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# ------------------------------------------------------------------ settings


class Settings:
    """Run-time knobs; most can be changed through the control port."""

    def __init__(self, a):
        self.lock = threading.Lock()
        self.bookmark_period = a.bookmark_period
        self.min_request_timeout = a.min_request_timeout
        self.expired_mode = a.expired_mode          # "event" | "http"
        self.expired_reason = "Expired"             # or "Gone"
        self.watch_list = a.watch_list
        self.null_ts = a.null_creation_timestamp
        self.accept_status = not a.strict_status
        self.pod_delete_delay = a.pod_delete_delay
        self.namespace_delete_delay = a.namespace_delete_delay
        self.user = a.user
        self.version = a.server_version
        self.faults = []          # [{count, code, mode, match, method, delay}]
        self.cut_events = 0       # next N event writes are cut in half
        self.oversize = [0, 0]    # [count, bytes]
        self.slow = None          # (bytes_per_write, delay)
        self.split_random = False
        self.deny = []            # [{verb, resource, namespace}]
        self.down_until = 0.0
        self.grace_tokens = {}    # token -> expiry (time.time())
        self.watch_buffer = a.watch_buffer

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f["count"] <= 0:
                    continue
                if f.get("match") and f["match"] not in path:
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("watch") is not None and f["watch"] != ("watch" in path):
                    continue
                f["count"] -= 1
                return dict(f)
            self.faults = [f for f in self.faults if f["count"] > 0]
        return None

    def take(self, attr):
        with self.lock:
            v = getattr(self, attr)
            if v > 0:
                setattr(self, attr, v - 1)
                return True
            return False

    def take_oversize(self):
        with self.lock:
            if self.oversize[0] > 0:
                self.oversize[0] -= 1
                return self.oversize[1]
            return 0


# ------------------------------------------------------------------ store


class Watcher:
    def __init__(self, res, ns, lreqs, fterms, rv, buffer_size):
        self.res, self.ns, self.lreqs, self.fterms = res, ns, lreqs, fterms
        self.cond = threading.Condition()
        self.queue = collections.deque()
        self.seen_rv = rv
        self.stop = None            # None | "clean" | "abort"
        self.buffer_size = buffer_size
        self.started = time.time()

    def match(self, obj):
        if obj is None:
            return False
        if self.ns and obj["metadata"].get("namespace") != self.ns:
            return False
        return K.matches(obj, self.lreqs, self.fterms)

    def convert(self, etype, obj, prev):
        """Watch-cache event conversion including selector transitions."""
        if etype == "ADDED":
            return ("ADDED", obj) if self.match(obj) else None
        if etype == "DELETED":
            return ("DELETED", obj) if self.match(obj) else None
        cur, old = self.match(obj), self.match(prev)
        if cur and old:
            return ("MODIFIED", obj)
        if cur:
            return ("ADDED", obj)
        if old:
            gone = copy.deepcopy(prev)
            gone["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"]
            return ("DELETED", gone)
        return None

    def push(self, rv, etype, obj, prev):
        ev = self.convert(etype, obj, prev)
        with self.cond:
            self.seen_rv = rv
            if ev:
                if len(self.queue) >= self.buffer_size:
                    # the cacher closes unresponsive watchers without an event
                    self.stop = self.stop or "clean"
                else:
                    self.queue.append(ev)
            self.cond.notify_all()

    def close(self, mode):
        with self.cond:
            if self.stop != "abort":
                self.stop = mode
            self.cond.notify_all()


class Store:
    def __init__(self, settings, history_size, state_file):
        self.s = settings
        self.lock = threading.Condition(threading.RLock())
        self.rv = 0
        self.compacted = 0
        self.objects = {r: {} for r in RESOURCES}
        self.history = collections.deque()
        self.history_size = history_size
        self.watchers = set()
        self.state_file = state_file
        self.timers = []
        self.commit_mono = 0.0

    @staticmethod
    def key(res, ns, name):
        return "%s/%s" % (ns, name) if res.namespaced else name

    def get(self, res, ns, name):
        return self.objects[res.name].get(self.key(res, ns, name))

    def commit(self, res, etype, new, prev):
        """Write one change; new is None for DELETED (prev is then stored
        with a new RV as the event object).  Returns the event object."""
        with self.lock:
            self.rv += 1
            rv = self.rv
            self.commit_mono = time.monotonic()     # the control API's workload timing
            if etype == "DELETED":
                obj = copy.deepcopy(prev)
            else:
                obj = new
            obj["metadata"]["resourceVersion"] = str(rv)
            meta = obj["metadata"]
            key = self.key(res, meta.get("namespace"), meta["name"])
            if etype == "DELETED":
                self.objects[res.name].pop(key, None)
            else:
                self.objects[res.name][key] = obj
            self.history.append((rv, res.name, key, etype, obj, prev))
            while len(self.history) > self.history_size:
                self.compacted = self.history.popleft()[0]
            for w in list(self.watchers):
                if w.res is res:
                    w.push(rv, etype, obj, prev)
                else:
                    with w.cond:
                        w.seen_rv = rv
            self.lock.notify_all()
            self.save()
            return obj

    def state_at(self, res, rv):
        """The objects of res as they were at rv (undoing newer history)."""
        with self.lock:
            if rv < self.compacted:
                return None
            state = dict(self.objects[res.name])
            for hrv, rname, key, etype, obj, prev in reversed(self.history):
                if hrv <= rv:
                    break
                if rname != res.name:
                    continue
                if prev is None:
                    state.pop(key, None)
                else:
                    state[key] = prev
            return state

    def compact(self, rv=None):
        with self.lock:
            rv = self.rv if rv is None else min(int(rv), self.rv)
            while self.history and self.history[0][0] <= rv:
                self.history.popleft()
            self.compacted = max(self.compacted, rv)
            return self.compacted

    def wait_for_rv(self, want, timeout=3.0):
        deadline = time.time() + timeout
        with self.lock:
            while self.rv < want and time.time() < deadline:
                self.lock.wait(deadline - time.time())
            return self.rv >= want

    def close_watchers(self, mode):
        with self.lock:
            ws = list(self.watchers)
        for w in ws:
            w.close(mode)
        return len(ws)

    def save(self):
        if not self.state_file:
            return
        with self.lock:
            data = {"rv": self.rv,
                    "objects": {r: list(objs.values()) for r, objs in self.objects.items()}}
            atomic_write(self.state_file, K.go_json(data))

    def load(self):
        """Objects and RV survive a restart; the watch history does not, so
        every watch resumed from an older RV gets 410 (like a new watch cache)."""
        if not self.state_file or not os.path.exists(self.state_file):
            return False
        with open(self.state_file) as f:
            data = json.load(f)
        with self.lock:
            self.rv = int(data["rv"])
            self.compacted = self.rv
            for rname, objs in data["objects"].items():
                res = RESOURCES.get(rname)
                if res is None:
                    continue        # e.g. a CRD this server runs without
                for o in objs:
                    obj, _ = K.decode(res, o, self.s.null_ts)
                    obj = K.reorder(res, K.default_object(res, obj), self.s.null_ts)
                    m = obj["metadata"]
                    self.objects[rname][self.key(res, m.get("namespace"), m["name"])] = obj
        return True

    def later(self, delay, fn):
        t = threading.Timer(delay, fn)
        t.daemon = True
        t.start()


# ------------------------------------------------------------------ discovery


def discovery_docs(s, port):
    def resource(r, sub=None):
        d = {"name": r.name + ("/" + sub if sub else ""),
             "singularName": "" if sub else r.singular,
             "namespaced": r.namespaced, "kind": r.kind,
             "verbs": ["get", "patch", "update"] if sub else r.verbs}
        if not sub:
            if r.short:
                d["shortNames"] = r.short
            if r.categories:
                d["categories"] = r.categories
            d["storageVersionHash"] = base64.b64encode(
                hashlib.sha256(r.qualified.encode()).digest()[:8]).decode()
        return d

    def reslist(group, version):
        out = []
        for r in sorted(RESOURCES.values(), key=lambda r: r.name):
            if r.group != group or r.version != version:
                continue
            out.append(resource(r))
            for sub in r.subresources:
                out.append(resource(r, sub))
        return out

    # groups in the order of a real server (built-in ones, then those of
    # CRDs), versions newest first (Kubernetes version priority)
    groups = []
    for r in RESOURCES.values():
        if r.group and r.group not in groups:
            groups.append(r.group)
    groups.sort(key=lambda g: (g != "networking.k8s.io", g))

    def group_doc(g):
        vs = sorted({r.version for r in RESOURCES.values() if r.group == g},
                    key=version_priority)
        gvs = [{"groupVersion": g + "/" + v, "version": v} for v in vs]
        return {"name": g, "versions": gvs, "preferredVersion": gvs[0]}
    major, minor = s.version.lstrip("v").split(".")[:2]
    docs = {
        "/version": {"major": major, "minor": minor, "gitVersion": "v" + s.version.lstrip("v"),
                     "gitCommit": "0000000000000000000000000000000000000000",
                     "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
                     "goVersion": "go1.23.0", "compiler": "gc", "platform": "linux/amd64"},
        "/api": {"kind": "APIVersions", "versions": ["v1"],
                 "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                 "serverAddress": "127.0.0.1:%d" % port}]},
        "/apis": {"kind": "APIGroupList", "apiVersion": "v1",
                  "groups": [group_doc(g) for g in groups]},
        "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1",
                    "resources": reslist("", "v1")},
    }
    for g in groups:
        gd = group_doc(g)
        docs["/apis/" + g] = dict({"kind": "APIGroup", "apiVersion": "v1"}, **gd)
        for v in gd["versions"]:
            docs["/apis/" + v["groupVersion"]] = {
                "kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": v["groupVersion"], "resources": reslist(g, v["version"])}
    return docs


def version_priority(v):
    """Sort key of Kubernetes version priority: GA, then beta, then alpha,
    higher numbers first; other strings last, alphabetically."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", v)
    if not m:
        return (3, 0, 0, v)
    major, stage, minor = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[stage], -major, -minor, v)


# ------------------------------------------------------------------ continue tokens


def encode_continue(rv, start):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start},
                     separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(tok):
    try:
        raw = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
        d = json.loads(raw)
        if d.get("v") != "meta.k8s.io/v1":
            raise ValueError("continue key is not supported by this version")
        start, rv = d["start"], int(d["rv"])
        if not isinstance(start, str) or start.startswith("/") or ".." in start.split("/"):
            raise ValueError("continue key is not valid")
        return rv, start
    except Exception as e:  # noqa: BLE001 - every decoding error is a 400
        raise K.bad_request("invalid continue token: %s" % e)


# ------------------------------------------------------------------ HTTP handler


class Gone(Exception):
    """The client connection is unusable; stop handling."""


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300

    # -- plumbing

    def setup(self):
        self.rec = {}
        self.request.settimeout(10)
        self.request = self.server.ctx.wrap_socket(self.request, server_side=True)
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            sys.stderr.write("apiserver: %s\n" % (fmt % args))

    def send_response(self, code, message=None):
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
        self.rec["code"] = code

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def abort(self):
        """Drop the connection without a proper HTTP ending."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise Gone()

    def write_raw(self, data):
        try:
            self.wfile.write(data)
        except (OSError, ValueError):
            self.close_connection = True
            raise Gone()

    def send_body(self, code, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = K.go_json(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            if isinstance(v, list):
                for x in v:
                    self.send_header(k, x)
            else:
                self.send_header(k, v)
        if len(body) > 128 * 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.write_raw(body)

    def send_openapi_v2(self, doc):
        """/openapi/v2 as kube-openapi's handler serves it: content negotiation
        (406 if nothing fits), ETag and Last-Modified with 304 for a cache
        revalidation, gzip from 1400 bytes when the client accepts it."""
        hit = doc.negotiate(self.headers.get("Accept"))
        if hit is None:
            self.send_response(406)
            self.send_header("Vary", "Accept")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype, body = hit
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm:
            fresh = inm.strip() == "*" or doc.etag in [t.strip().removeprefix("W/")
                                                      for t in inm.split(",")]
        elif ims:
            try:
                fresh = parsedate_to_datetime(ims).timestamp() >= doc.modified
            except (TypeError, ValueError):
                fresh = False
        gz = "gzip" in self.headers.get("Accept-Encoding", "") and len(body) >= 1400
        self.send_response(304 if fresh else 200)
        self.send_header("Vary", "Accept")
        if gz:
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Etag", doc.etag)
        self.send_header("Last-Modified", doc.last_modified)
        if fresh:
            self.end_headers()
            return
        if gz:
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Type", ctype)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.write_raw(body)

    def send_status(self, err):
        headers = dict(err.headers)
        self.send_body(err.code, err.status(), headers=headers)

    def warn_headers(self, warnings):
        return {"Warning": ['299 - %s' % K.go_quote(w) for w in warnings]} if warnings else {}

    # -- entry

    def dispatch(self, method):
        app = self.server.app
        u = urlsplit(self.path)
        path = u.path
        if len(path) > 1:
            path = path.rstrip("/")
        q = parse_qs(u.query, keep_blank_values=True)
        self.params = {k: v[0] for k, v in q.items()}
        self.rec = {"time": time.time(), "method": method, "path": path, "query": self.params,
                    "code": None, "user_agent": self.headers.get("User-Agent", "")}
        app.log_request(self.rec)
        try:
            body = self.read_body()
            if time.time() < app.s.down_until:
                self.abort()
            fault = app.s.take_fault(method, path + ("?watch" if parse_bool(self.params, "watch")
                                                      else ""))
            if fault:
                self.inject(fault)
                return
            self.user = self.authenticate(path)
            self.route(method, path, body)
        except K.ApiError as e:
            self.send_status(e)
        except Gone:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def inject(self, f):
        mode = f.get("mode", "status")
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        if mode == "close":
            self.abort()
        if mode == "garbage":
            self.send_body(f.get("code", 200), b"<html>garbage, not JSON {\"kind\":")
            return
        if mode == "truncate":
            self.send_response(f.get("code", 200))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.write_raw(b'{"kind":"Status","apiVersion":"v1","meta')
            self.abort()
        code = int(f.get("code", 500))
        reasons = {500: ("InternalError", "Internal error occurred: injected fault"),
                   429: ("TooManyRequests", "Too many requests, please try again later."),
                   503: ("ServiceUnavailable", "the server is currently unable to handle "
                         "the request"),
                   504: ("Timeout", "the server was unable to return a response in the time "
                         "allotted, but may still be processing the request"),
                   410: ("Expired", "The resourceVersion for the provided list is too old."),
                   403: ("Forbidden", "forbidden: injected fault"),
                   401: ("Unauthorized", "Unauthorized")}
        reason, msg = reasons.get(code, ("", "injected fault"))
        headers = {}
        details = None
        if code in (429, 503, 504):
            headers["Retry-After"] = str(f.get("retry_after", 1))
            details = {"retryAfterSeconds": int(f.get("retry_after", 1))}
        if code == 500:
            details = {"causes": [{"message": "injected fault"}]}
        raise K.ApiError(code, reason, f.get("message", msg), details, headers)

    def authenticate(self, path):
        app = self.server.app
        auth = self.headers.get("Authorization")
        if not auth:
            if path in ("/version", "/healthz", "/livez", "/readyz"):
                return "system:anonymous"
            raise K.ApiError(403, "Forbidden", 'forbidden: User "system:anonymous" cannot '
                             'get path "%s"' % path, {})
        parts = auth.split(" ", 1)
        tok = parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else None
        if tok and app.token_ok(tok):
            return app.s.user
        raise K.ApiError(401, "Unauthorized", "Unauthorized")

    def route(self, method, path, body):
        app = self.server.app
        if method == "GET":
            if path in ("/healthz", "/livez", "/readyz"):
                self.send_body(200, b"ok", "text/plain; charset=utf-8")
                return
            docs = app.discovery()
            if path in docs:
                self.send_body(200, docs[path])
                return
            if path == "/openapi/v2":
                self.send_openapi_v2(app.openapi_v2())
                return
            oa = app.openapi()
            if path in oa:
                self.send_body(200, oa[path])
                return
            if path.startswith("/openapi/") or path.startswith("/swagger"):
                raise K.ApiError(404, "NotFound", "the server could not find the requested "
                                 "resource", {})
        r = self.parse_resource_path(path)
        if r is None:
            if path in app.discovery():
                raise K.method_not_allowed()
            raise K.unknown_resource()
        res, ns, name, sub, legacy_watch = r
        if legacy_watch:
            self.params["watch"] = "true"
        watch = parse_bool(self.params, "watch")
        if name is None:
            verb = {"GET": "watch" if watch else "list", "POST": "create",
                    "DELETE": "deletecollection"}.get(method)
            if verb is None or (verb == "create" and res.namespaced and ns is None) or \
                    (verb == "deletecollection" and res.name == "namespaces"):
                raise K.method_not_allowed()
        else:
            verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(
                method)
            if verb is None or (verb == "delete" and sub):
                raise K.method_not_allowed()
        self.authorize(verb, res, ns, name, sub)
        api = app.api
        if verb == "list":
            self.send_body(200, api.list(res, ns, self.params, self.headers))
        elif verb == "watch":
            self.serve_watch(res, ns)
        elif verb == "get":
            self.send_body(200, api.get(res, ns, name))
        elif verb == "create":
            obj, warns = api.create(res, ns, self.object_body(body), self.params)
            self.send_body(201 if not self.params.get("dryRun") else 200, obj,
                           headers=self.warn_headers(warns))
        elif verb == "update":
            obj, warns = api.update(res, ns, name, sub, self.object_body(body), self.params)
            self.send_body(200, obj, headers=self.warn_headers(warns))
        elif verb == "patch":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
            if ctype == "application/apply-patch+yaml":
                code, obj, warns = api.apply(res, ns, name, sub, self.json_body(body),
                                             self.params)
                self.send_body(code, obj, headers=self.warn_headers(warns))
                return
            obj, warns = api.patch(res, ns, name, sub, ctype, self.json_body(body),
                                   self.params)
            self.send_body(200, obj, headers=self.warn_headers(warns))
        elif verb == "delete":
            opts = self.json_body(body) if body.strip() else {}
            code, obj = api.delete(res, ns, name, opts, self.params)
            self.send_body(code, obj)
        elif verb == "deletecollection":
            opts = self.json_body(body) if body.strip() else {}
            self.send_body(200, api.delete_collection(res, ns, opts, self.params))

    def object_body(self, body):
        """The object of a create or update: JSON, or protobuf (kubectl's typed
        clients, e.g. `kubectl create namespace`) for the kinds kproto decodes."""
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/vnd.kubernetes.protobuf":
            return self.json_body(body)
        try:
            return kproto.decode(body or b"")
        except (ValueError, UnicodeDecodeError) as e:
            raise K.ApiError(415, "UnsupportedMediaType",
                             "the body of the request was in an unknown format - %s" % e)

    def json_body(self, body):
        try:
            return json.loads(body.decode("utf-8") if body else "null")
        except (ValueError, UnicodeDecodeError) as e:
            raise K.bad_request("the object provided is unrecognized or not valid JSON: %s"
                                % e)

    def authorize(self, verb, res, ns, name, sub):
        for d in self.server.app.s.deny:
            if d.get("verb") not in (None, "*", verb):
                continue
            rname = res.name + ("/" + sub if sub else "")
            if d.get("resource") not in (None, "*", rname):
                continue
            if d.get("namespace") not in (None, ns):
                continue
            scope = ('in the namespace "%s"' % ns) if ns else "at the cluster scope"
            subject = ('%s "%s"' % (res.qualified, name)) if name else res.qualified
            det = {"name": name} if name else {}
            if res.group:
                det["group"] = res.group
            det["kind"] = res.name
            raise K.ApiError(403, "Forbidden",
                             '%s is forbidden: User "%s" cannot %s resource "%s" in API group '
                             '"%s" %s' % (subject, self.user, verb, rname, res.group, scope),
                             det)

    @staticmethod
    def parse_resource_path(path):
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["api", "v1"]:
            gv, rest = "v1", parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            gv, rest = parts[1] + "/" + parts[2], parts[3:]
        else:
            return None
        legacy = False
        if rest and rest[0] == "watch":
            legacy, rest = True, rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in RESOURCES and \
                RESOURCES[rest[2]].namespaced:
            ns, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            return None
        res = RESOURCES.get(rest[0])
        if res is None or res.group_version != gv:
            return None
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub and sub not in res.subresources:
            return None
        if legacy and sub:
            return None
        return res, ns, name, sub, legacy

    # -- watch

    def serve_watch(self, res, ns):
        app = self.server.app
        s = app.s
        w, initial, err = app.api.start_watch(res, ns, self.params)
        if err is not None and s.expired_mode == "http" and err.code == 410:
            raise err
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-cache, private")
            self.send_header("Audit-Id", str(uuid.uuid4()))
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            if err is not None:
                self.write_events([("ERROR", err.status())])
                self.end_chunks()
                return
            self.watch_loop(w, res, initial)
        finally:
            if w is not None:
                app.api.stop_watch(w)

    def watch_loop(self, w, res, initial):
        s = self.server.app.s
        p = self.params
        try:
            timeout = int(p.get("timeoutSeconds") or 0)
        except ValueError:
            timeout = 0
        if timeout <= 0:
            timeout = s.min_request_timeout * (1 + random.random())
        start = time.time()
        deadline = start + timeout
        bookmarks = parse_bool(p, "allowWatchBookmarks")
        next_bm = start + s.bookmark_period
        pre_deadline = deadline - 2 if timeout > 2 else None
        if initial:
            self.write_events(initial)
        while True:
            with w.cond:
                if not w.queue and not w.stop:
                    now = time.time()
                    wake = min(deadline, now + 0.25)
                    if bookmarks:
                        wake = min(wake, next_bm)
                        if pre_deadline:
                            wake = min(wake, pre_deadline)
                    w.cond.wait(max(0.0, wake - now))
                events = list(w.queue)
                w.queue.clear()
                stop = w.stop
                seen = w.seen_rv
            if events:
                self.write_events(events)
            if stop == "abort":
                self.abort()
            if stop:
                break
            now = time.time()
            if now >= deadline:
                break
            if bookmarks and (now >= next_bm or (pre_deadline and now >= pre_deadline)):
                if pre_deadline and now >= pre_deadline:
                    pre_deadline = None
                next_bm = now + s.bookmark_period
                self.write_events([("BOOKMARK", K.empty_object(res, seen, s.null_ts))])
            if self.client_gone():
                self.close_connection = True
                raise Gone()
        self.end_chunks()

    def end_chunks(self):
        self.write_raw(b"0\r\n\r\n")

    def client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        if not r:
            return False
        try:
            self.connection.settimeout(0.01)
            return self.connection.recv(4096) == b""
        except (ssl.SSLWantReadError, socket.timeout, BlockingIOError):
            return False
        except OSError:
            return True
        finally:
            try:
                self.connection.settimeout(self.timeout)
            except OSError:
                pass

    def write_events(self, events):
        s = self.server.app.s
        data = b""
        for etype, obj in events:
            if etype not in ("BOOKMARK", "ERROR"):
                pad = s.take_oversize()
                if pad:
                    obj = copy.deepcopy(obj)
                    obj["metadata"].setdefault("annotations", {})["nftpol.test/padding"] = \
                        "x" * pad
            line = (K.go_json({"type": etype, "object": obj}) + "\n").encode()
            if s.take("cut_events"):
                self.send_pieces(data + line[:max(1, len(line) // 2)])
                self.abort()
            data += line
        self.send_pieces(data)

    def send_pieces(self, data):
        s = self.server.app.s
        if not data:
            return
        slow = s.slow
        if slow:
            n, delay = slow
            for i in range(0, len(data), max(1, n)):
                piece = data[i:i + max(1, n)]
                self.write_raw(b"%x\r\n%s\r\n" % (len(piece), piece))
                time.sleep(delay)
            return
        if s.split_random and len(data) > 1:
            i = 0
            while i < len(data):
                n = random.randint(1, max(1, min(len(data) - i, 64)))
                piece = data[i:i + n]
                self.write_raw(b"%x\r\n%s\r\n" % (len(piece), piece))
                i += n
            return
        self.write_raw(b"%x\r\n%s\r\n" % (len(data), data))


# ------------------------------------------------------------------ API logic


class Api:
    def __init__(self, app):
        self.app = app
        self.s = app.s
        self.store = app.store

    # -- reads

    def get(self, res, ns, name):
        with self.store.lock:
            obj = self.store.get(res, ns, name)
            if obj is None:
                raise K.not_found(res, name)
            return obj

    def list(self, res, ns, p, headers):
        st = self.store
        if parse_bool(p, "watch"):
            raise AssertionError("watch in list")
        rvp = p.get("resourceVersion")
        match = p.get("resourceVersionMatch", "")
        cont = p.get("continue", "")
        errs = []
        if match:
            if not rvp:
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         "resourceVersionMatch is forbidden unless "
                                         "resourceVersion is provided"))
            if cont:
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         "resourceVersionMatch is forbidden when continue is "
                                         "provided"))
            if match not in ("Exact", "NotOlderThan"):
                errs.append(K.not_supported("resourceVersionMatch", match,
                                            ["Exact", "NotOlderThan", ""]))
            if match == "Exact" and rvp == "0":
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         'resourceVersionMatch "exact" is forbidden for '
                                         'resourceVersion "0"'))
        if "sendInitialEvents" in p:
            errs.append(K.FieldError(K.FORBIDDEN, "sendInitialEvents", K._OMIT,
                                     "sendInitialEvents is forbidden for list"))
        if errs:
            raise K.list_options_invalid(errs)
        try:
            limit = int(p.get("limit") or 0)
        except ValueError:
            raise K.bad_request("invalid limit: %s" % p.get("limit"))
        lreqs = K.parse_label_selector(p.get("labelSelector", ""))
        fterms = K.parse_field_selector(p.get("fieldSelector", ""), res)
        start = ""
        with st.lock:
            current = st.rv
        if cont:
            if rvp not in (None, "", "0"):
                raise K.bad_request("specifying resource version is not allowed when using "
                                    "continue")
            trv, start = decode_continue(cont)
            if trv == -1:
                trv = current
            elif trv > current:
                raise K.too_large_rv(trv, current)
        elif rvp in (None, "", "0"):
            trv = current
            if rvp == "0":
                limit = 0          # the watch cache ignores limit for RV=0
        else:
            try:
                n = int(rvp)
                if n < 0:
                    raise ValueError
            except ValueError:
                raise K.bad_request("invalid resource version: %s" % rvp)
            if n > current and not st.wait_for_rv(n):
                with st.lock:
                    raise K.too_large_rv(n, st.rv)
            exact = match == "Exact" or (not match and limit > 0)
            if exact:
                trv = n
            else:
                with st.lock:
                    trv = st.rv
        state = st.state_at(res, trv)
        if state is None:
            if cont:
                e = K.expired("The provided continue parameter is too old to display a "
                              "consistent list result. You can start a new list without the "
                              "continue parameter, or use the continue token in this response "
                              "to retrieve the remainder of the results. Continuing with the "
                              "provided token results in an inconsistent list - objects that "
                              "were created, modified, or deleted between the time the first "
                              "chunk was returned and now may show up in the list.")
                body = e.status()
                body["metadata"] = {"continue": encode_continue(-1, start)}
                raise _StatusWithBody(410, body)
            raise K.expired("The resourceVersion for the provided list is too old.")
        prefix = (ns + "/") if (res.namespaced and ns) else ""
        keys = sorted(k for k in state if k.startswith(prefix))
        items, nxt, remaining = [], None, None
        abs_start = prefix + start
        keys = [k for k in keys if k >= abs_start] if start else keys
        for i, k in enumerate(keys):
            obj = state[k]
            if not K.matches(obj, lreqs, fterms):
                continue
            items.append(obj)
            if limit and len(items) >= limit and i + 1 < len(keys):
                nxt = encode_continue(trv, k[len(prefix):] + "\x00")
                if not lreqs and not fterms:
                    remaining = len(keys) - i - 1
                break
        meta = {"resourceVersion": str(trv)}
        if nxt:
            meta["continue"] = nxt
            if remaining is not None:
                meta["remainingItemCount"] = remaining
        out_items = []
        for obj in items:
            o = dict(obj)
            o.pop("kind", None)
            o.pop("apiVersion", None)
            out_items.append(o)
        return {"kind": res.kind + "List", "apiVersion": res.api_version, "metadata": meta,
                "items": out_items}

    # -- watch

    def start_watch(self, res, ns, p):
        """-> (watcher, initial events, error).  An error after the request
        was accepted is sent as an ERROR event (or HTTP status in http mode)."""
        s, st = self.s, self.store
        rvp = p.get("resourceVersion", "")
        match = p.get("resourceVersionMatch", "")
        sie = p.get("sendInitialEvents")
        if s.watch_list and rvp in ("", "0") and sie is None and not match:
            sie, match = "true", "NotOlderThan"      # SetListOptionsDefaults
        errs = []
        if sie is not None:
            if match != "NotOlderThan":
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         "sendInitialEvents requires setting "
                                         "resourceVersionMatch to NotOlderThan"))
            if not s.watch_list:
                errs.append(K.FieldError(K.FORBIDDEN, "sendInitialEvents", K._OMIT,
                                         "sendInitialEvents is forbidden for watch unless the "
                                         "WatchList feature gate is enabled"))
        if match:
            if sie is None:
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         "resourceVersionMatch is forbidden for watch unless "
                                         "sendInitialEvents is provided"))
            if match != "NotOlderThan":
                errs.append(K.not_supported("resourceVersionMatch", match, ["NotOlderThan"]))
            if p.get("continue"):
                errs.append(K.FieldError(K.FORBIDDEN, "resourceVersionMatch", K._OMIT,
                                         "resourceVersionMatch is forbidden when continue is "
                                         "provided"))
        if errs:
            raise K.list_options_invalid(errs)
        lreqs = K.parse_label_selector(p.get("labelSelector", ""))
        fterms = K.parse_field_selector(p.get("fieldSelector", ""), res)
        try:
            n = int(rvp) if rvp not in ("",) else 0
            if n < 0:
                raise ValueError
        except ValueError:
            raise K.invalid_error("ListOptions.meta.k8s.io", "meta.k8s.io", "", [
                K.FieldError(K.INVALID, "resourceVersion", rvp, "invalid resource version")])
        if sie is not None:
            send_initial = sie.lower() not in ("0", "false")
        else:
            send_initial = rvp in ("", "0")
        bookmarks = parse_bool(p, "allowWatchBookmarks")
        with st.lock:
            if n > st.rv and not st.wait_for_rv(n):
                return None, None, K.too_large_rv(n, st.rv)
            w = Watcher(res, ns if res.namespaced else None, lreqs, fterms, st.rv,
                        s.watch_buffer)
            initial = []
            if send_initial:
                prefix = (ns + "/") if (res.namespaced and ns) else ""
                for k in sorted(st.objects[res.name]):
                    if k.startswith(prefix) and w.match(st.objects[res.name][k]):
                        initial.append(("ADDED", st.objects[res.name][k]))
                if sie is not None and bookmarks:
                    initial.append(("BOOKMARK", K.empty_object(
                        res, st.rv, s.null_ts, {"k8s.io/initial-events-end": "true"})))
            elif rvp in ("", "0"):
                pass                    # sendInitialEvents=false: start now
            elif n < st.compacted:
                return None, None, K.ApiError(
                    410, s.expired_reason,
                    "too old resource version: %d (%d)" % (n, st.compacted))
            else:
                for hrv, rname, key, etype, obj, prev in st.history:
                    if hrv > n and rname == res.name:
                        ev = w.convert(etype, obj, prev)
                        if ev:
                            initial.append(ev)
            st.watchers.add(w)
        return w, initial, None

    def stop_watch(self, w):
        with self.store.lock:
            self.store.watchers.discard(w)

    # -- writes

    def _field_validation(self, res, unknown, p):
        mode = p.get("fieldValidation", "Warn") or "Warn"
        if mode not in ("Strict", "Warn", "Ignore"):
            raise K.bad_request('fieldValidation parameter unsupported: %s' % mode)
        if not unknown or mode == "Ignore":
            return []
        msgs = ['unknown field "%s"' % u for u in unknown]
        if mode == "Strict":
            raise K.bad_request('%s in version "%s" cannot be handled as a %s: strict '
                                'decoding error: %s' % (res.kind, res.version, res.kind,
                                                        ", ".join(msgs)))
        return msgs

    def _check_namespace(self, res, ns, name):
        if not res.namespaced:
            return
        nsobj = self.store.objects["namespaces"].get(ns)
        if nsobj is None:
            raise K.not_found(RESOURCES["namespaces"], ns)
        if nsobj["metadata"].get("deletionTimestamp"):
            raise K.ApiError(403, "Forbidden", '%s "%s" is forbidden: unable to create new '
                             'content in namespace %s because it is being terminated'
                             % (res.qualified, name, ns),
                             {"name": name, **({"group": res.group} if res.group else {}),
                              "kind": res.name,
                              "causes": [{"reason": "NamespaceTerminating",
                                          "message": "namespace %s is being terminated" % ns,
                                          "field": "metadata.namespace"}]})

    def _finish(self, res, obj, old):
        K.default_object(res, obj)
        obj = K.reorder(res, obj, self.s.null_ts)
        errs, warns = K.validate(res, obj, old)
        if errs:
            name = obj["metadata"].get("name", "")
            raise K.invalid_error(res.qualified_kind, res.group, name, errs)
        return obj, warns

    def create(self, res, ns, body, p):
        obj, unknown = K.decode(res, body, self.s.null_ts)
        warns = self._field_validation(res, unknown, p)
        meta = obj["metadata"]
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise K.bad_request("the namespace of the provided object does not match the "
                                    "namespace sent on the request")
            meta["namespace"] = ns
        if meta.get("resourceVersion"):
            raise K.bad_request("resourceVersion should not be set on objects to be created")
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        for f in ("uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"):
            meta.pop(f, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        if res.name == "networkpolicies" or res.crd:
            meta["generation"] = 1
        if res.crd and res.crd.status:
            obj.pop("status", None)           # the status subresource owns it
        if res.name == "pods" and (not self.s.accept_status or not obj.get("status")):
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        if res.name == "namespaces":
            obj["status"] = {"phase": "Active"}
        with self.store.lock:
            self._check_namespace(res, ns, meta.get("name", ""))
            obj, w2 = self._finish(res, obj, None)
            name = meta["name"]
            if self.store.get(res, ns, name) is not None:
                raise K.already_exists(res, name)
            if p.get("dryRun"):
                return obj, warns + w2
            return self.store.commit(res, "ADDED", obj, None), warns + w2

    def update(self, res, ns, name, sub, body, p, from_patch=False):
        with self.store.lock:
            old = self.store.get(res, ns, name)
            if old is None:
                raise K.not_found(res, name)
            obj, unknown = K.decode(res, body, self.s.null_ts)
            warns = self._field_validation(res, unknown, p)
            meta = obj["metadata"]
            if not from_patch and meta.get("name", "") != name:
                if not meta.get("name"):
                    raise K.bad_request("name is required")
                raise K.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (meta.get("name"), name))
            if res.namespaced:
                if meta.get("namespace") and meta["namespace"] != ns:
                    raise K.bad_request("the namespace of the provided object does not match "
                                        "the namespace sent on the request")
                meta["namespace"] = ns
            if meta.get("resourceVersion") and \
                    meta["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise K.conflict(res, name)
            if sub == "status":
                new = copy.deepcopy(old)
                new["status"] = obj.get("status") or {}
            else:
                new = obj
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                elif res.crd and res.crd.status:
                    new.pop("status", None)
                om, nm = old["metadata"], new["metadata"]
                for f in ("uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "selfLink"):
                    if f in om:
                        nm[f] = om[f]
                    else:
                        nm.pop(f, None)
            new, w2 = self._finish(res, new, old)
            if res.name == "networkpolicies" and sub is None and \
                    new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if res.crd and sub is None and \
                    {k: v for k, v in new.items() if k not in ("metadata", "status")} != \
                    {k: v for k, v in old.items() if k not in ("metadata", "status")}:
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            a, b = copy.deepcopy(new), copy.deepcopy(old)
            a["metadata"].pop("resourceVersion", None)
            b["metadata"].pop("resourceVersion", None)
            if K.go_json(a) == K.go_json(b):
                return old, warns + w2              # no-op: no write, no event
            if p.get("dryRun"):
                return new, warns + w2
            return self.store.commit(res, "MODIFIED", new, old), warns + w2

    def patch(self, res, ns, name, sub, ctype, body, p):
        with self.store.lock:
            old = self.store.get(res, ns, name)
            if old is None:
                raise K.not_found(res, name)
            cur = copy.deepcopy(old)
            if ctype == "application/json-patch+json":
                new = K.json_patch(cur, body)
            elif ctype == "application/merge-patch+json":
                if not isinstance(body, dict):
                    raise K.bad_request("json: cannot unmarshal %s into Go value of type "
                                        "map[string]interface {}" % K._json_type(body))
                new = K.merge_patch(cur, body)
            elif ctype == "application/strategic-merge-patch+json" and not res.crd:
                if not isinstance(body, dict):
                    raise K.bad_request("json: cannot unmarshal %s into Go value of type "
                                        "map[string]interface {}" % K._json_type(body))
                new = K.strategic_merge(res, cur, body)
            else:
                raise K.ApiError(415, "UnsupportedMediaType",
                                 "the body of the request was in an unknown format - accepted "
                                 "media types include: application/json-patch+json, "
                                 "application/merge-patch+json, " +
                                 ("application/apply-patch+yaml" if res.crd else
                                  "application/strategic-merge-patch+json"))
            if not isinstance(new, dict):
                raise K.bad_request("the patch produced a non-object")
            return self.update(res, ns, name, sub, new, p, from_patch=True)

    def apply(self, res, ns, name, sub, body, p):
        """Server-side apply (PATCH application/apply-patch+yaml), simplified: the
        body must be JSON (kubectl sends JSON); a missing object is created (201),
        an existing one is strategic-merged with the body (200). Field ownership
        and conflicts are not tracked: every apply wins, as with --force-conflicts."""
        if sub:
            raise K.ApiError(415, "UnsupportedMediaType",
                             "apply patches of subresources are not supported by the stand-in")
        if not p.get("fieldManager"):
            raise K.bad_request("PATCH requests with apply-patch+yaml content type must "
                                "provide fieldManager")
        if not isinstance(body, dict):
            raise K.bad_request("error decoding YAML: the apply body is not an object")
        meta = body.get("metadata") or {}
        if meta.get("name") != name:
            raise K.bad_request("the name of the object (%s) does not match the name on the "
                                "URL (%s)" % (meta.get("name"), name))
        with self.store.lock:
            cur = self.store.get(res, ns, name)
            if cur is None:
                obj, warns = self.create(res, ns, body, p)
                return (201 if not p.get("dryRun") else 200), obj, warns
            body = copy.deepcopy(body)
            body["metadata"].pop("resourceVersion", None)
            if res.crd:
                new = K.merge_patch(copy.deepcopy(cur), body)
            else:
                new = K.strategic_merge(res, copy.deepcopy(cur), body)
            obj, warns = self.update(res, ns, name, None, new, p, from_patch=True)
            return 200, obj, warns

    def delete(self, res, ns, name, opts, p):
        if not isinstance(opts, dict):
            raise K.bad_request("the body of the request is not a DeleteOptions")
        st = self.store
        with st.lock:
            old = st.get(res, ns, name)
            if old is None:
                raise K.not_found(res, name)
            pre = opts.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise K.conflict(res, name, "Precondition failed: UID in precondition: %s, UID "
                                 "in object meta: %s" % (pre["uid"], old["metadata"]["uid"]))
            if pre.get("resourceVersion") and \
                    pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise K.conflict(res, name, "Precondition failed: ResourceVersion in "
                                 "precondition: %s, ResourceVersion in object meta: %s"
                                 % (pre["resourceVersion"], old["metadata"]["resourceVersion"]))
            dry = bool(p.get("dryRun") or opts.get("dryRun"))
            grace = opts.get("gracePeriodSeconds", p.get("gracePeriodSeconds"))
            if res.name == "namespaces":
                if old["metadata"].get("deletionTimestamp") or dry:
                    return 200, old
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                new["status"]["phase"] = "Terminating"
                new = st.commit(res, "MODIFIED", K.reorder(res, new, self.s.null_ts), old)
                st.later(self.s.namespace_delete_delay, lambda: self.finalize_namespace(name))
                return 200, new
            if res.name == "pods":
                if grace is None:
                    grace = (old.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
                grace = int(grace)
                if dry:
                    return 200, old
                if self.s.pod_delete_delay > 0 and old["spec"].get("nodeName") and grace > 0:
                    if old["metadata"].get("deletionTimestamp"):
                        return 200, old
                    new = copy.deepcopy(old)
                    new["metadata"]["deletionTimestamp"] = now_rfc3339(grace)
                    new["metadata"]["deletionGracePeriodSeconds"] = grace
                    new = st.commit(res, "MODIFIED", K.reorder(res, new, self.s.null_ts), old)
                    uid = old["metadata"]["uid"]
                    st.later(self.s.pod_delete_delay,
                             lambda: self.finalize_pod(ns, name, uid))
                    return 200, new
                return 200, st.commit(res, "DELETED", None, old)
            if dry:
                obj = old
            else:
                obj = st.commit(res, "DELETED", None, old)
            det = {"name": name}
            if res.group:
                det["group"] = res.group
            det["kind"] = res.name
            det["uid"] = obj["metadata"].get("uid")
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                         "status": "Success", "details": det}

    def delete_collection(self, res, ns, opts, p):
        lreqs = K.parse_label_selector(p.get("labelSelector", ""))
        fterms = K.parse_field_selector(p.get("fieldSelector", ""), res)
        st = self.store
        out = []
        with st.lock:
            prefix = (ns + "/") if (res.namespaced and ns) else ""
            for k in sorted(st.objects[res.name]):
                obj = st.objects[res.name][k]
                if k.startswith(prefix) and K.matches(obj, lreqs, fterms):
                    if not p.get("dryRun"):
                        obj = st.commit(res, "DELETED", None, obj)
                    o = dict(obj)
                    o.pop("kind")
                    o.pop("apiVersion")
                    out.append(o)
            rv = st.rv
        return {"kind": res.kind + "List", "apiVersion": res.api_version,
                "metadata": {"resourceVersion": str(rv)}, "items": out}

    def finalize_pod(self, ns, name, uid):
        st = self.store
        with st.lock:
            cur = st.get(RESOURCES["pods"], ns, name)
            if cur is not None and cur["metadata"].get("uid") == uid:
                st.commit(RESOURCES["pods"], "DELETED", None, cur)

    def finalize_namespace(self, name):
        st = self.store
        with st.lock:
            for rname in ("pods", "networkpolicies"):
                res = RESOURCES[rname]
                for k in sorted(st.objects[rname]):
                    if k.startswith(name + "/"):
                        st.commit(res, "DELETED", None, st.objects[rname][k])
            cur = st.objects["namespaces"].get(name)
            if cur is not None and cur["metadata"].get("deletionTimestamp"):
                st.commit(RESOURCES["namespaces"], "DELETED", None, cur)

    def set_pod_status(self, ns, name, status, merge=True):
        return self.set_status(RESOURCES["pods"], ns, name, status, merge)

    def set_status(self, res, ns, name, status, merge=True):
        with self.store.lock:
            old = self.store.get(res, ns, name)
            if old is None:
                raise K.not_found(res, name)
            new = copy.deepcopy(old)
            new["status"] = K.merge_patch(new.get("status") or {}, status) if merge else status
            new = K.reorder(res, new, self.s.null_ts)
            if new == old:
                return old
            return self.store.commit(res, "MODIFIED", new, old)


class _StatusWithBody(K.ApiError):
    def __init__(self, code, body):
        super().__init__(code, body.get("reason"), body.get("message"))
        self.body = body

    def status(self):
        return self.body


# ------------------------------------------------------------------ control port


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            sys.stderr.write("control: %s\n" % (fmt % args))

    def reply(self, code, obj):
        body = (json.dumps(obj, indent=1) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_req("GET")

    def do_POST(self):
        self.handle_req("POST")

    def handle_req(self, method):
        app = self.server.app
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
            out = app.control(method, urlsplit(self.path).path.rstrip("/"), body,
                              parse_qs(urlsplit(self.path).query))
            if out is None:
                self.reply(404, {"error": "no such control endpoint: %s %s"
                                 % (method, self.path)})
            else:
                self.reply(200, out)
        except K.ApiError as e:
            self.reply(e.code, e.status())
        except (ValueError, KeyError, TypeError) as e:
            self.reply(400, {"error": "%s: %s" % (type(e).__name__, e)})


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if getattr(self.app, "verbose", False):
            super().handle_error(request, client_address)


# ------------------------------------------------------------------ the app


class App:
    def __init__(self, a):
        self.a = a
        self.verbose = a.verbose
        self.s = Settings(a)
        self.store = Store(self.s, a.history, a.state)
        self.api = Api(self)
        self.reqlog = collections.deque(maxlen=20000)
        self.reqlog_lock = threading.Lock()
        self.dir = a.dir
        self.token_path = a.token_file or os.path.join(a.dir, "token")
        self.port = 0
        self._disc = None
        self._oa = None
        self._oa2 = None
        self._oa2_lock = threading.Lock()
        self.workload = workload.Workload(self)

    # -- auth

    def current_token(self):
        try:
            with open(self.token_path) as f:
                return f.read().strip()
        except OSError:
            return None

    def token_ok(self, tok):
        cur = self.current_token()
        if cur and tok == cur:
            return True
        exp = self.s.grace_tokens.get(tok)
        return exp is not None and time.time() < exp

    def set_token(self, tok, grace=0):
        old = self.current_token()
        if grace and old:
            self.s.grace_tokens[old] = time.time() + grace
        atomic_write(self.token_path, tok + "\n", 0o600)

    def log_request(self, rec):
        with self.reqlog_lock:
            self.reqlog.append(rec)

    def discovery(self):
        if self._disc is None:
            self._disc = discovery_docs(self.s, self.port)
        return self._disc

    def openapi(self):
        if self._oa is None:
            self._oa = openapi.v3_documents(self.s.version, RESOURCES)
        return self._oa

    def openapi_v2(self):
        with self._oa2_lock:
            if self._oa2 is None:
                self._oa2 = openapi.V2(self.s.version, RESOURCES)
        return self._oa2

    # -- seeding

    def seed(self, nodes):
        if self.store.load():
            return
        p = {"fieldValidation": "Strict"}
        if not self.a.no_default_namespaces:
            for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
                self.api.create(RESOURCES["namespaces"], None,
                                {"metadata": {"name": ns}}, p)
        for spec in nodes:
            name, _, ips = spec.partition("=")
            addrs = [{"type": "InternalIP", "address": ip} for ip in ips.split(",") if ip]
            addrs.append({"type": "Hostname", "address": name})
            self.api.create(RESOURCES["nodes"], None, {
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                      "kubernetes.io/os": "linux"}},
                "status": {"addresses": addrs}}, p)

    # -- control API

    def control(self, method, path, body, query):
        s, st = self.s, self.store
        if method == "GET":
            if path in ("", "/state"):
                with st.lock:
                    return {"rv": st.rv, "compacted": st.compacted,
                            "history": len(st.history), "watches": len(st.watchers),
                            "watchers": [{"resource": w.res.name, "namespace": w.ns,
                                          "seen_rv": w.seen_rv} for w in st.watchers],
                            "objects": {r: len(o) for r, o in st.objects.items()},
                            "port": self.port, "token": self.current_token(),
                            "settings": {"bookmark_period": s.bookmark_period,
                                         "expired_mode": s.expired_mode,
                                         "expired_reason": s.expired_reason,
                                         "watch_list": s.watch_list,
                                         "faults": s.faults, "deny": s.deny}}
            if path == "/log":
                since = float(query.get("since", ["0"])[0])
                with self.reqlog_lock:
                    return {"requests": [r for r in self.reqlog if r["time"] >= since]}
            if path == "/objects":
                with st.lock:
                    return {r: list(o.values()) for r, o in st.objects.items()}
            if path == "/churn":
                return self.workload.churn_state(query.get("events", ["0"])[0] == "1")
            return None
        if path == "/bulk":
            return self.workload.bulk(body)
        if path in ("/create", "/update", "/delete"):
            return self.workload.write(path[1:], body)
        if path == "/churn":
            return self.workload.start_churn(body)
        if path == "/persist":
            return self.workload.persist(body)
        if path == "/log/clear":
            with self.reqlog_lock:
                self.reqlog.clear()
            return {"ok": True}
        if path == "/close-watches":
            return {"closed": st.close_watchers("abort" if body.get("abort") else "clean")}
        if path == "/restart":
            # like an apiserver restart: every watch ends; with history "lost"
            # the new watch cache starts at the current RV, so resumes get 410
            lost = body.get("history", "lost") == "lost"
            n = st.close_watchers("abort" if body.get("abort", True) else "clean")
            if lost:
                st.compact()
            if body.get("down_for"):
                s.down_until = time.time() + float(body["down_for"])
            return {"closed": n, "compacted": st.compacted}
        if path == "/compact":
            return {"compacted": st.compact(body.get("rv"))}
        if path == "/fail":
            mode = body.get("mode", "status")
            f = {"count": int(body.get("count", 1)), "mode": mode,
                 "code": int(body.get("code", 500 if mode == "status" else 200))}
            for k in ("method", "delay", "message", "retry_after", "watch"):
                if k in body:
                    f[k] = body[k]
            # a list of matches is one fault per entry, installed at once (with
            # "replace", in place of the pending ones: no gap between two faults)
            matches = body.get("match")
            new = [dict(f, match=m) for m in matches] if isinstance(matches, list) else \
                [dict(f, **({"match": matches} if "match" in body else {}))]
            with s.lock:
                s.faults = new if body.get("replace") else s.faults + new
            return {"faults": s.faults}
        if path == "/fail/clear":
            with s.lock:
                s.faults = []
            return {"faults": []}
        if path == "/cut":
            with s.lock:
                s.cut_events = int(body.get("count", 1))
            return {"cut_events": s.cut_events}
        if path == "/slow":
            s.slow = None if body.get("off") else (int(body.get("bytes", 1)),
                                                  float(body.get("delay", 0.01)))
            return {"slow": s.slow}
        if path == "/split":
            s.split_random = bool(body.get("on", True))
            return {"split_random": s.split_random}
        if path == "/oversize":
            with s.lock:
                s.oversize = [int(body.get("count", 1)), int(body.get("bytes", 4 << 20))]
            return {"oversize": s.oversize}
        if path == "/token":
            if body.get("invalid"):
                tok = "invalid-" + uuid.uuid4().hex
            else:
                tok = body.get("token") or uuid.uuid4().hex
            self.set_token(tok, float(body.get("grace", 0)))
            return {"token": tok}
        if path == "/bookmarks":
            s.bookmark_period = float(body["period"])
            return {"bookmark_period": s.bookmark_period}
        if path == "/expired-mode":
            s.expired_mode = body.get("mode", s.expired_mode)
            s.expired_reason = body.get("reason", s.expired_reason)
            return {"expired_mode": s.expired_mode, "expired_reason": s.expired_reason}
        if path == "/watch-list":
            s.watch_list = bool(body.get("enabled", True))
            return {"watch_list": s.watch_list}
        if path == "/deny":
            s.deny = list(body.get("rules", []))
            return {"deny": s.deny}
        if path == "/pod-status":
            return self.api.set_pod_status(body["namespace"], body["name"], body["status"],
                                           body.get("merge", True))
        if path == "/node-status":
            return self.api.set_status(RESOURCES["nodes"], None, body["name"], body["status"],
                                       body.get("merge", True))
        if path == "/reset-faults":
            with s.lock:
                s.faults, s.cut_events, s.oversize, s.slow = [], 0, [0, 0], None
                s.split_random, s.deny, s.down_until = False, [], 0.0
            return {"ok": True}
        return None


# ------------------------------------------------------------------ certificates


def ensure_certs(d, sans):
    paths = {n: os.path.join(d, n) for n in ("ca.crt", "ca.key", "server.crt", "server.key")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*cmd):
        subprocess.run(["openssl", *cmd], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    run("req", "-x509", *ec, "-keyout", paths["ca.key"], "-out", paths["ca.crt"],
        "-days", "3650", "-subj", "/CN=nftpol-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr = os.path.join(d, "server.csr")
    ext = os.path.join(d, "server.ext")
    run("req", "-new", *ec, "-keyout", paths["server.key"], "-out", csr,
        "-subj", "/CN=kube-apiserver")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,"
                "keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n"
                % ",".join(sans))
    run("x509", "-req", "-in", csr, "-CA", paths["ca.crt"], "-CAkey", paths["ca.key"],
        "-CAcreateserial", "-out", paths["server.crt"], "-days", "3650", "-extfile", ext)
    for p in (csr, ext, os.path.join(d, "ca.srl")):
        if os.path.exists(p):
            os.unlink(p)
    os.chmod(paths["ca.key"], 0o600)
    os.chmod(paths["server.key"], 0o600)
    return paths


def kubeconfig(port, ca_pem, token=None, token_file=None):
    user = ("    token: %s\n" % token) if token else ("    tokenFile: %s\n" % token_file)
    return ("apiVersion: v1\nkind: Config\nclusters:\n- name: nftpol-test\n  cluster:\n"
            "    server: https://127.0.0.1:%d\n    certificate-authority-data: %s\n"
            "users:\n- name: nftpol-test\n  user:\n%s"
            "contexts:\n- name: nftpol-test\n  context:\n    cluster: nftpol-test\n"
            "    user: nftpol-test\n    namespace: default\ncurrent-context: nftpol-test\n"
            % (port, base64.b64encode(ca_pem).decode(), user))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="directory for certs, token, kubeconfig, port")
    ap.add_argument("--port", type=int, default=0, help="HTTPS port on 127.0.0.1 (0: any)")
    ap.add_argument("--control-port", type=int, default=0,
                    help="plain-HTTP control port on 127.0.0.1 (0: any; -1: none)")
    ap.add_argument("--state", help="persist objects and RV in this JSON file")
    ap.add_argument("--token", help="initial bearer token (default: keep DIR/token or random)")
    ap.add_argument("--token-file", help="read the valid token from this file on each "
                    "request (default DIR/token)")
    ap.add_argument("--history", type=int, default=1000,
                    help="watch history window in events (older RVs get 410)")
    ap.add_argument("--bookmark-period", type=float, default=60.0,
                    help="seconds between BOOKMARK events (real server: ~60)")
    ap.add_argument("--min-request-timeout", type=float, default=1800.0,
                    help="watch timeout without timeoutSeconds is this x [1,2)")
    ap.add_argument("--expired-mode", choices=("event", "http"), default="event",
                    help="too-old watch RV: 200 + ERROR event (cacher) or HTTP 410")
    ap.add_argument("--watch-list", action="store_true",
                    help="enable the WatchList gate (sendInitialEvents)")
    ap.add_argument("--server-version", default="1.32.4")
    ap.add_argument("--no-null-creation-timestamp", dest="null_creation_timestamp",
                    action="store_false",
                    help="omit creationTimestamp:null in bookmarks (servers >= 1.34)")
    ap.add_argument("--strict-status", action="store_true",
                    help="ignore status in created pods like the real server (default: "
                    "accept it, a test extension)")
    ap.add_argument("--pod-delete-delay", type=float, default=0.0,
                    help="graceful pod deletion: scheduled pods get deletionTimestamp and "
                    "vanish after this many seconds (0: delete at once)")
    ap.add_argument("--namespace-delete-delay", type=float, default=0.1)
    ap.add_argument("--node", action="append", default=[], metavar="NAME[=IP,...]",
                    help="create a Node (repeatable)")
    ap.add_argument("--no-default-namespaces", action="store_true")
    ap.add_argument("--no-cluster-network-policy", action="store_true",
                    help="serve no policy.networking.k8s.io resources (ClusterNetworkPolicy, "
                    "AdminNetworkPolicy, BaselineAdminNetworkPolicy), as a cluster without "
                    "their CRDs: their paths are 404")
    ap.add_argument("--watch-buffer", type=int, default=10000,
                    help="events queued per watch before it is closed as unresponsive")
    ap.add_argument("--user", default=DEFAULT_USER, help="user name of the valid token")
    ap.add_argument("--san", action="append", default=[],
                    help="extra subjectAltName for a new server cert, e.g. IP:::1")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    if not a.no_cluster_network_policy:
        RESOURCES.update(crds.resources())

    os.makedirs(a.dir, exist_ok=True)
    for stale in ("port", "control-port"):
        try:
            os.unlink(os.path.join(a.dir, stale))
        except FileNotFoundError:
            pass
    certs = ensure_certs(a.dir, ["IP:127.0.0.1", "DNS:localhost", "DNS:kubernetes",
                                 "DNS:kubernetes.default", "DNS:kubernetes.default.svc"]
                         + a.san)
    app = App(a)
    if a.token:
        app.set_token(a.token)
    elif not app.current_token():
        app.set_token(uuid.uuid4().hex)
    atomic_write(os.path.join(a.dir, "namespace"), "kube-system")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs["server.crt"], certs["server.key"])
    ctx.set_alpn_protocols(["http/1.1"])
    api_srv = QuietServer(("127.0.0.1", a.port), ApiHandler)
    api_srv.ctx, api_srv.app = ctx, app
    app.port = api_srv.server_address[1]
    app.seed(a.node)

    ctl_srv = None
    if a.control_port >= 0:
        ctl_srv = QuietServer(("127.0.0.1", a.control_port), ControlHandler)
        ctl_srv.app = app
        atomic_write(os.path.join(a.dir, "control-port"), "%d\n" % ctl_srv.server_address[1])
        threading.Thread(target=ctl_srv.serve_forever, daemon=True).start()

    with open(certs["ca.crt"], "rb") as f:
        ca_pem = f.read()
    atomic_write(os.path.join(a.dir, "kubeconfig"),
                 kubeconfig(app.port, ca_pem, token=app.current_token()), 0o600)
    atomic_write(os.path.join(a.dir, "kubeconfig-tokenfile"),
                 kubeconfig(app.port, ca_pem, token_file=app.token_path), 0o600)
    atomic_write(os.path.join(a.dir, "pid"), "%d\n" % os.getpid())

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    threading.Thread(target=api_srv.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    atomic_write(os.path.join(a.dir, "port"), "%d\n" % app.port)
    print(app.port, flush=True)
    while not stop.wait(0.5):
        pass
    app.store.close_watchers("abort")
    api_srv.shutdown()
    if ctl_srv:
        ctl_srv.shutdown()
    app.store.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
