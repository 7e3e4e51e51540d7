# SPDX-License-Identifier: GPL-2.0-or-later
"""Workload endpoints of the stand-in's control API (test-tool extensions):
bulk loading of a generated cluster, single writes that report when the
server accepted them, and a churn generator that makes pod events at a set
rate inside the server, so the client's speed does not limit it.

Times are reported as CLOCK_MONOTONIC seconds (`time.monotonic()`, the same
clock in every process and network namespace of the machine) and Unix time.
"""
import copy
import ipaddress
import random
import threading
import time
import uuid

import objects as K

BY_KIND = None


def resource_of(kind):
    global BY_KIND
    if BY_KIND is None:
        BY_KIND = {r.kind: r for r in K.RESOURCES.values()}
    res = BY_KIND.get(kind)
    if res is None:
        raise ValueError("kind %r: expected one of %s" % (kind, ", ".join(sorted(BY_KIND))))
    return res


def stamp(store, out):
    """OUT with the time of STORE's last commit (taken inside it, before the
    watches are told: a later clock reading waits for the GIL)."""
    out["mono"] = store.commit_mono
    out["time"] = time.time() - (time.monotonic() - store.commit_mono)
    return out


class Workload:
    """What /bulk, /create, /update, /delete and /churn do (app: server.App)."""

    def __init__(self, app):
        self.app = app
        self.store = app.store
        self.null_ts = app.s.null_ts
        self.churn = None           # the running or last Churn
        self.saved_state_file = None

    def bulk(self, body):
        """Store every object of body["items"] as a LIST would show it:
        decoded and defaulted, not validated (a generated cluster is trusted),
        each an ADDED event.  Namespaces first, so pods find theirs."""
        items = sorted(body.get("items") or [], key=lambda o: o.get("kind") != "Namespace")
        n = 0
        for o in items:
            res = resource_of(o.get("kind"))
            obj, _ = K.decode(res, o, self.null_ts)
            meta = obj["metadata"]
            if self.store.get(res, meta.get("namespace"), meta["name"]) is not None:
                raise K.already_exists(res, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            if res.name == "networkpolicies":
                meta["generation"] = 1
            obj = K.reorder(res, K.default_object(res, obj), self.null_ts)
            self.store.commit(res, "ADDED", obj, None)
            n += 1
        return {"created": n, "rv": self.store.rv}

    def write(self, op, body):
        """One create/update/delete through the API's own paths (defaulting,
        validation, events), timed: mono0/mono before, mono after."""
        api = self.app.api
        t0 = time.monotonic()
        if op == "delete":
            res = resource_of(body["kind"])
            api.delete(res, body.get("namespace"), body["name"], {"gracePeriodSeconds": 0}, {})
        else:
            obj = body["object"]
            res = resource_of(obj.get("kind"))
            ns = obj["metadata"].get("namespace") if res.namespaced else None
            if op == "create":
                api.create(res, ns, copy.deepcopy(obj), {})
            else:
                api.update(res, ns, obj["metadata"]["name"], None, copy.deepcopy(obj), {})
        return stamp(self.store, {"mono0": t0, "rv": self.store.rv})

    def persist(self, body):
        """{"on": false}: stop writing the --state file after every write (at
        thousands of writes a second it is the bottleneck); the state stays in
        memory.  The file written last stays as it is."""
        if not body.get("on", True):
            self.saved_state_file = self.store.state_file or self.saved_state_file
            self.store.state_file = None
        else:
            self.store.state_file = self.store.state_file or self.saved_state_file
        return {"state_file": self.store.state_file}

    def start_churn(self, body):
        if self.churn and self.churn.thread.is_alive():
            raise ValueError("a churn is running")
        self.churn = Churn(self.store, body)
        self.churn.thread.start()
        return {"started": True}

    def churn_state(self, with_events):
        c = self.churn
        if c is None:
            return {"running": False, "done": 0}
        out = {"running": c.thread.is_alive(), "done": len(c.events), "error": c.error,
               "late_max": c.late_max, "start": c.t0}
        if with_events:
            out["events"] = c.events
        return out


class Churn:
    """body: rate (events/s), seconds, namespace_prefix ("ns-": pods of other
    namespaces are never touched), ops (cycled: "add", "delete", "relabel"),
    label ("app") and values (relabel: a value other than the pod's),
    ip_base ("10.200.0.0": added pods get ip_base+1, +2, ... never reused),
    seed.  add copies a random candidate pod (its namespace, node, labels)
    under the name churn-N; delete removes a random candidate (an old pod, as a
    rolling update does: the cluster keeps its size and no event undoes
    another).  Each event: seq, op, key, ip, rv, mono, time."""

    def __init__(self, store, body):
        self.store = store
        self.res = K.RESOURCES["pods"]
        self.rate = float(body.get("rate", 100))
        self.seconds = float(body.get("seconds", 1))
        self.ops = list(body.get("ops") or ["add", "delete", "relabel"])
        self.label = body.get("label", "app")
        self.values = list(body.get("values") or [
            "web", "api", "db", "cache", "queue", "auth", "search", "worker", "frontend", "backend"])
        self.ip_base = ipaddress.ip_address(body.get("ip_base", "10.200.0.0"))
        self.rng = random.Random(body.get("seed", 1))
        prefix = body.get("namespace_prefix", "ns-")
        with store.lock:
            self.candidates = [k for k in store.objects["pods"] if k.startswith(prefix)]
        if not self.candidates:
            raise ValueError("churn: no pod in a namespace starting with %r" % prefix)
        self.events = []
        self.error = None
        self.late_max = 0.0
        self.t0 = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        n = int(self.rate * self.seconds)
        self.t0 = time.monotonic()
        try:
            for i in range(n):
                due = self.t0 + i / self.rate
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                else:
                    self.late_max = max(self.late_max, -wait)
                self.events.append(self.one(i, self.ops[i % len(self.ops)]))
        except Exception as e:      # reported by GET /churn
            self.error = "%s: %s" % (type(e).__name__, e)

    def pick(self):
        """A random candidate pod still present (key, object)."""
        while True:
            j = self.rng.randrange(len(self.candidates))
            key = self.candidates[j]
            obj = self.store.objects["pods"].get(key)
            if obj is not None:
                return key, obj
            self.candidates[j] = self.candidates[-1]
            self.candidates.pop()

    def one(self, i, op):
        with self.store.lock:
            if op == "add":
                key, obj = self.add(i)
            elif op == "delete":
                key, obj = self.delete()
            else:
                key, obj = self.relabel()
            ip = (obj.get("status") or {}).get("podIP")
            return stamp(self.store, {"seq": i, "op": op, "key": key, "ip": ip,
                          "rv": int(obj["metadata"]["resourceVersion"])})

    def add(self, i):
        _, tmpl = self.pick()
        new = copy.deepcopy(tmpl)
        meta = new["metadata"]
        meta["name"] = "churn-%d" % i
        meta["uid"] = str(uuid.uuid4())
        ip = str(self.ip_base + 1 + i)
        new["status"]["podIP"] = ip
        new["status"]["podIPs"] = [{"ip": ip}]
        obj = self.store.commit(self.res, "ADDED", new, None)
        return "%s/%s" % (meta["namespace"], meta["name"]), obj

    def delete(self):
        key, old = self.pick()
        return key, self.store.commit(self.res, "DELETED", None, old)

    def relabel(self):
        key, old = self.pick()
        new = copy.deepcopy(old)
        labels = new["metadata"].setdefault("labels", {})
        cur = labels.get(self.label)
        labels[self.label] = self.rng.choice([v for v in self.values if v != cur] or self.values)
        new["metadata"]["labels"] = dict(sorted(labels.items()))
        return key, self.store.commit(self.res, "MODIFIED", new, old)
