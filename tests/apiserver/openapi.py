# SPDX-License-Identifier: GPL-2.0-or-later
"""OpenAPI documents of the stand-in API server, built from the kinds in objects.py.

/openapi/v2 is the Swagger 2.0 document of a kube-apiserver for the kinds served
here: definitions named as upstream (io.k8s.api.networking.v1.NetworkPolicySpec,
...) with `required`, the patch strategies of objects.py and, on the top-level
kinds, `x-kubernetes-group-version-kind` (how kubectl finds a kind's schema);
one path per operation with `x-kubernetes-action`, the group-version-kind, the
query parameters and the patch media types.  Served as JSON, or as gnostic
protobuf (gnostic.py) for `Accept: application/com.github.proto-openapi.spec.v2...`;
kubectl before 1.25 validates objects against it before create/apply, and
kubectl computes client-side apply patches from it (1.32 too).  Fields objects.py
decodes as "any" are schemas without a type (any value), as the server accepts.

/openapi/v3 holds one stub per group-version with the PATCH operation and its
fieldValidation parameter, which is what kubectl >= 1.26 looks for before it
lets the server validate (k8s-api.md 5.2).
"""
import hashlib
import json
import time
from email.utils import formatdate

import gnostic
import objects as K

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
META_TYPES = {"ObjectMeta", "LabelSelector", "LabelSelectorRequirement"}
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
INT64 = {("ObjectMeta", "generation"), ("ObjectMeta", "deletionGracePeriodSeconds"),
         ("PodSpec", "activeDeadlineSeconds"), ("PodSpec", "terminationGracePeriodSeconds")}
ANY_NOTE = "Not modelled by the stand-in API server: any value is accepted."

MEDIA_PB = "com.github.proto-openapi.spec.v2.v1.0+protobuf"
MEDIA_PB_OLD = "com.github.proto-openapi.spec.v2@v1.0+protobuf"   # what kubectl asks
PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml"]
PRODUCES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
STREAMS = ["application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"]


def ref(name):
    return {"$ref": "#/definitions/" + name}


def gvk(group, kind, version="v1"):
    return {"group": group, "kind": kind, "version": version}


def pkg(group):
    return "io.k8s.api.%s.v1." % (group.split(".")[0] if group else "core")


def kind_def(res):
    """The definition name of a kind: io.k8s.api.networking.v1.NetworkPolicy, or
    for a custom resource its group reversed, io.k8s.networking.policy.v1alpha2.
    ClusterNetworkPolicy, as the apiextensions OpenAPI builder names it."""
    if res.crd:
        return "%s.%s.%s" % (".".join(reversed(res.group.split("."))), res.version, res.kind)
    return pkg(res.group) + res.kind


def gv_names(res):
    """(tag, operationId infix): core_v1/CoreV1, networking_v1/NetworkingV1,
    policyNetworking_v1alpha2/PolicyNetworkingV1alpha2."""
    if not res.group:
        return "core_" + res.version, "Core" + res.version.capitalize()
    words = res.group.replace(".k8s.io", "").split(".")
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return camel + "_" + res.version, camel[0].upper() + camel[1:] + res.version.capitalize()


def crd_v2_schema(schema):
    """A CRD's openAPIV3Schema as the v2 document publishes it: without the
    CEL rules, metadata a reference to ObjectMeta."""
    def strip(n):
        if isinstance(n, dict):
            return {k: strip(v) for k, v in n.items() if k != "x-kubernetes-validations"}
        if isinstance(n, list):
            return [strip(x) for x in n]
        return n
    out = strip(schema)
    out["properties"]["metadata"] = ref(META + "ObjectMeta")
    return out


# ---------------------------------------------------------------- definitions


class Definitions:
    """Swagger definitions from the objects.py type tables, one per Go type."""

    def __init__(self):
        self.defs = {}

    def add(self, name, schema):
        if self.defs.setdefault(name, schema) != schema:
            raise ValueError("definition %s built twice, differently" % name)

    def resource(self, res):
        if res.crd:
            name = kind_def(res)
            self.add(name, crd_v2_schema(res.crd.schema))
        else:
            merge = dict(K.COMMON_MERGE_KEYS, **K.MERGE_KEYS[res.name])
            name = self.type(res.schema, pkg(res.group), "", merge)["$ref"].rsplit("/", 1)[1]
        self.defs[name]["x-kubernetes-group-version-kind"] = [gvk(res.group, res.kind,
                                                                 res.version)]
        self.add(name + "List", {
            "description": "%sList is a list of %s objects." % (res.kind, res.kind),
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "items": {"items": ref(name), "type": "array"},
                           "metadata": ref(META + "ListMeta")},
            "required": ["items"], "type": "object",
            "x-kubernetes-group-version-kind": [gvk(res.group, res.kind + "List",
                                                    res.version)]})

    def type(self, t, package, path, merge, owner=None, field=None):
        """The schema of a property of type t at path (dotted, no indexes)."""
        if t == "str":
            return {"type": "string"}
        if t == "int":
            fmt = "int64" if (owner, field) in INT64 else "int32"
            return {"format": fmt, "type": "integer"}
        if t == "bool":
            return {"type": "boolean"}
        if t == "num":
            return {"format": "double", "type": "number"}
        if t == "time":
            return ref(META + "Time")
        if t == "intstr":
            return ref(INT_OR_STRING)
        if t == "any":
            return {"description": ANY_NOTE}
        if t[0] == "list":
            out = {"items": self.type(t[1], package, path, merge, owner, field),
                   "type": "array"}
            if path in merge:
                out["x-kubernetes-patch-merge-key"] = merge[path]
                out["x-kubernetes-patch-strategy"] = "merge"
            elif path in K.PRIMITIVE_MERGE:
                out["x-kubernetes-patch-strategy"] = "merge"
            return out
        if t[0] == "map":
            return {"additionalProperties": self.type(t[1], package, path, merge, owner, field),
                    "type": "object"}
        _, go_name, fields, _open = t
        name = (META if go_name in META_TYPES else package) + go_name
        schema = {"type": "object"}
        if fields:
            props, required = {}, []
            for fname, ft, flags in fields:
                sub = path + "." + fname if path else fname
                props[fname] = self.type(ft, package, sub, merge, go_name, fname)
                if "r" in flags:
                    required.append(fname)
            schema["properties"] = props
            if required:
                schema["required"] = sorted(required)
        else:
            schema["description"] = ANY_NOTE
        self.add(name, schema)
        return ref(name)


def _str_props(*names):
    return {n: {"type": "string"} for n in names}


def meta_definitions(gvs):
    """apimachinery types the paths refer to (hand-written, as upstream has them)."""
    int64 = {"format": "int64", "type": "integer"}
    per_group = [gvk(g, "", v) for g, v in gvs]

    def kinds(kind):
        return [dict(x, kind=kind) for x in per_group]
    return {
        META + "ListMeta": {"properties": dict(_str_props("continue", "resourceVersion",
                                                          "selfLink"),
                                               remainingItemCount=int64),
                            "type": "object"},
        META + "Time": {"format": "date-time", "type": "string"},
        INT_OR_STRING: {"format": "int-or-string", "type": "string"},
        META + "Patch": {"type": "object"},
        META + "Preconditions": {"properties": _str_props("resourceVersion", "uid"),
                                 "type": "object"},
        META + "DeleteOptions": {
            "properties": dict(_str_props("apiVersion", "kind", "propagationPolicy"),
                               dryRun={"items": {"type": "string"}, "type": "array"},
                               gracePeriodSeconds=int64,
                               orphanDependents={"type": "boolean"},
                               preconditions=ref(META + "Preconditions")),
            "type": "object", "x-kubernetes-group-version-kind": kinds("DeleteOptions")},
        META + "StatusCause": {"properties": _str_props("field", "message", "reason"),
                               "type": "object"},
        META + "StatusDetails": {
            "properties": dict(_str_props("group", "kind", "name", "uid"),
                               causes={"items": ref(META + "StatusCause"), "type": "array"},
                               retryAfterSeconds={"format": "int32", "type": "integer"}),
            "type": "object"},
        META + "Status": {
            "properties": dict(_str_props("apiVersion", "kind", "message", "reason",
                                          "status"),
                               code={"format": "int32", "type": "integer"},
                               details=ref(META + "StatusDetails"),
                               metadata=ref(META + "ListMeta")),
            "type": "object", "x-kubernetes-group-version-kind": [gvk("", "Status")]},
        "io.k8s.apimachinery.pkg.runtime.RawExtension": {"type": "object"},
        META + "WatchEvent": {
            "properties": {"object": ref("io.k8s.apimachinery.pkg.runtime.RawExtension"),
                           "type": {"type": "string"}},
            "required": ["type", "object"], "type": "object",
            "x-kubernetes-group-version-kind": kinds("WatchEvent")},
    }


# ---------------------------------------------------------------- paths


def _query(name, typ="string"):
    return {"in": "query", "name": name, "type": typ, "uniqueItems": True}


LIST_PARAMS = [_query("allowWatchBookmarks", "boolean"), _query("continue"),
               _query("fieldSelector"), _query("labelSelector"), _query("limit", "integer"),
               _query("resourceVersion"), _query("resourceVersionMatch"),
               _query("sendInitialEvents", "boolean"), _query("timeoutSeconds", "integer"),
               _query("watch", "boolean")]
WRITE_PARAMS = [_query("dryRun"), _query("fieldManager"), _query("fieldValidation")]
DELETE_PARAMS = [_query("dryRun"), _query("gracePeriodSeconds", "integer"),
                 _query("orphanDependents", "boolean"), _query("propagationPolicy")]


def _body(schema):
    return {"in": "body", "name": "body", "required": True, "schema": schema}


def _op(res, action, verb, what, params, responses, produces=PRODUCES, consumes=("*/*",)):
    tag, gv = gv_names(res)
    return {"consumes": list(consumes), "description": "%s %s" % (action, res.kind),
            "operationId": verb.replace("@", gv) + what,
            "parameters": params, "produces": list(produces),
            "responses": dict({"401": {"description": "Unauthorized"}},
                              **{code: {"description": desc, "schema": schema}
                                 for code, desc, schema in responses}),
            "schemes": ["https"], "tags": [tag], "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk(res.group, res.kind, res.version)}


def resource_paths(res, kind_def):
    """Every path upstream has for res, except the deprecated watch forms."""
    kref, lref, sref = ref(kind_def), ref(kind_def + "List"), ref(META + "Status")
    ns = "Namespaced" if res.namespaced else ""
    base = res.prefix + ("/namespaces/{namespace}/" if res.namespaced else "/") + res.name
    scope = [{"in": "path", "name": "namespace", "required": True, "type": "string",
              "uniqueItems": True}] if res.namespaced else []
    pretty = [_query("pretty")]
    k = res.kind
    # custom resources take no strategic merge patches (kubectl apply reads this
    # and sends a JSON merge patch)
    patch_types = [t for t in PATCH_TYPES if not (res.crd and "strategic" in t)]
    coll = {"parameters": scope + pretty,
            "get": _op(res, "list", "list@", ns + k, LIST_PARAMS, [("200", "OK", lref)],
                       PRODUCES + STREAMS),
            "post": _op(res, "post", "create@", ns + k, [_body(kref)] + WRITE_PARAMS,
                        [("200", "OK", kref), ("201", "Created", kref),
                         ("202", "Accepted", kref)])}
    if "deletecollection" in res.verbs:
        coll["delete"] = _op(res, "deletecollection", "delete@Collection", ns + k,
                             [{"in": "body", "name": "body",
                               "schema": ref(META + "DeleteOptions")}]
                             + DELETE_PARAMS + [p for p in LIST_PARAMS
                                                if p["name"] not in ("allowWatchBookmarks",
                                                                     "watch")],
                             [("200", "OK", sref)])
    name = [{"in": "path", "name": "name", "required": True, "type": "string",
             "uniqueItems": True}]
    deleted = kref if res.name == "pods" else sref
    item = {"parameters": name + scope + pretty,
            "get": _op(res, "get", "read@", ns + k, [], [("200", "OK", kref)]),
            "put": _op(res, "put", "replace@", ns + k, [_body(kref)] + WRITE_PARAMS,
                       [("200", "OK", kref), ("201", "Created", kref)]),
            "patch": _op(res, "patch", "patch@", ns + k,
                         [_body(ref(META + "Patch"))] + WRITE_PARAMS
                         + [_query("force", "boolean")],
                         [("200", "OK", kref), ("201", "Created", kref)],
                         consumes=patch_types),
            "delete": _op(res, "delete", "delete@", ns + k,
                          [{"in": "body", "name": "body",
                            "schema": ref(META + "DeleteOptions")}] + DELETE_PARAMS,
                          [("200", "OK", deleted), ("202", "Accepted", deleted)])}
    out = {base: coll, base + "/{name}": item}
    for sub in res.subresources:
        what = ns + k + sub.capitalize()
        out[base + "/{name}/" + sub] = {
            "parameters": name + scope + pretty,
            "get": _op(res, "get", "read@", what, [], [("200", "OK", kref)]),
            "put": _op(res, "put", "replace@", what, [_body(kref)] + WRITE_PARAMS,
                       [("200", "OK", kref), ("201", "Created", kref)]),
            "patch": _op(res, "patch", "patch@", what,
                         [_body(ref(META + "Patch"))] + WRITE_PARAMS
                         + [_query("force", "boolean")],
                         [("200", "OK", kref), ("201", "Created", kref)],
                         consumes=patch_types)}
    wbase = res.prefix + "/watch" + base[len(res.prefix):]
    wref = ref(META + "WatchEvent")
    wprod = PRODUCES + STREAMS
    out[wbase] = {"parameters": scope + pretty + LIST_PARAMS,
                  "get": _op(res, "watchlist", "watch@", ns + k + "List", [],
                             [("200", "OK", wref)], wprod)}
    out[wbase + "/{name}"] = {"parameters": name + scope + pretty + LIST_PARAMS,
                              "get": _op(res, "watch", "watch@", ns + k, [],
                                         [("200", "OK", wref)], wprod)}
    if res.namespaced:
        out["%s/%s" % (res.prefix, res.name)] = {
            "parameters": pretty + LIST_PARAMS,
            "get": _op(res, "list", "list@", k + "ForAllNamespaces", [],
                       [("200", "OK", lref)], PRODUCES + STREAMS)}
        out["%s/watch/%s" % (res.prefix, res.name)] = {
            "parameters": pretty + LIST_PARAMS,
            "get": _op(res, "watchlist", "watch@", k + "ListForAllNamespaces", [],
                       [("200", "OK", wref)], wprod)}
    return out


def _sorted(v):
    """Key order of Go's encoding of maps (sorted) throughout."""
    if isinstance(v, dict):
        return {k: _sorted(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted(x) for x in v]
    return v


def v2_document(version, resources):
    d = Definitions()
    paths = {}
    for res in sorted(resources.values(), key=lambda r: r.name):
        d.resource(res)
        paths.update(resource_paths(res, kind_def(res)))
    defs = dict(d.defs)
    defs.update(meta_definitions(sorted({(r.group, r.version) for r in resources.values()})))
    return _sorted({
        "definitions": defs,
        "info": {"title": "Kubernetes", "version": "v" + version.lstrip("v")},
        "paths": paths,
        "security": [{"BearerToken": []}],
        "securityDefinitions": {"BearerToken": {
            "description": "Bearer Token authentication", "in": "header",
            "name": "authorization", "type": "apiKey"}},
        "swagger": "2.0"})


class V2:
    """/openapi/v2 in both encodings, with the ETag (of the JSON, as upstream,
    for both: the Vary header tells them apart) and Last-Modified."""

    def __init__(self, version, resources):
        doc = v2_document(version, resources)
        self.json = json.dumps(doc, separators=(",", ":")).encode()
        self.proto = gnostic.document(doc)
        self.etag = '"%s"' % hashlib.sha512(self.json).hexdigest().upper()
        self.modified = int(time.time())
        self.last_modified = formatdate(self.modified, usegmt=True)

    def negotiate(self, accept):
        """(content type, body) for an Accept header, or None (406), as
        kube-openapi's handler: the first clause by q and specificity that
        names JSON or one of the two protobuf media types (or a wildcard)."""
        offers = [("json", "application/json", self.json),
                  (MEDIA_PB_OLD, "application/" + MEDIA_PB, self.proto),
                  (MEDIA_PB, "application/" + MEDIA_PB, self.proto)]
        for typ, sub in parse_accept(accept or "*/*"):
            for osub, ctype, body in offers:
                if typ in ("application", "*") and sub in (osub, "*"):
                    return ctype, body
        return None


def parse_accept(header):
    """[(type, subtype)] ordered by q, then exact before wildcard (goautoneg)."""
    clauses = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if mt == "*":
            mt = "*/*"
        if "/" not in mt:
            continue
        typ, sub = mt.split("/", 1)
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q > 0:
            clauses.append((-q, typ == "*", sub == "*", i, typ, sub))
    return [(c[4], c[5]) for c in sorted(clauses)]


# ---------------------------------------------------------------- v3


def v3_documents(version, resources):
    """/openapi/v3 and one document per group-version: for each kind a PATCH
    operation with the fieldValidation parameter (k8s-api.md 5.2)."""
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")]
    gvs = {}
    for r in resources.values():
        gvpath = r.prefix.lstrip("/")
        doc = gvs.setdefault(gvpath, {"openapi": "3.0.0",
                                      "info": {"title": "Kubernetes",
                                               "version": "v" + version.lstrip("v")},
                                      "paths": {}, "components": {"schemas": {}}})
        if r.namespaced:
            p = "%s/namespaces/{namespace}/%s/{name}" % (r.prefix, r.name)
        else:
            p = "%s/%s/{name}" % (r.prefix, r.name)
        g = gvk(r.group, r.kind, r.version)
        opid = "%s%s" % ("patch" + gv_names(r)[1], ("Namespaced" if r.namespaced else "") + r.kind)
        doc["paths"][p] = {
            "patch": {"operationId": opid, "x-kubernetes-action": "patch",
                      "x-kubernetes-group-version-kind": g, "parameters": params,
                      "responses": {"200": {"description": "OK"}}},
            "put": {"operationId": opid.replace("patch", "replace", 1),
                    "x-kubernetes-action": "put", "x-kubernetes-group-version-kind": g,
                    "parameters": params, "responses": {"200": {"description": "OK"}}}}
        coll = p.rsplit("/", 1)[0]
        doc["paths"][coll] = {
            "post": {"operationId": opid.replace("patch", "create", 1),
                     "x-kubernetes-action": "post", "x-kubernetes-group-version-kind": g,
                     "parameters": params, "responses": {"201": {"description": "Created"}}}}
    out = {}
    index = {"paths": {}}
    for gvpath, doc in sorted(gvs.items()):
        body = K.go_json(doc).encode()
        h = hashlib.sha512(body).hexdigest()[:128].upper()
        index["paths"][gvpath] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (gvpath, h)}
        out["/openapi/v3/" + gvpath] = body
    out["/openapi/v3"] = K.go_json(index).encode()
    return out
