# SPDX-License-Identifier: GPL-2.0-or-later
"""Custom resources of the stand-in API server: the cluster network policy API
of SIG Network (kubernetes-sigs/network-policy-api) as a kube-apiserver with
its CRDs installed serves it.

* policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (v0.2.0 CRD,
  experimental channel: the standard schema plus `nodes` and `domainNames`
  egress peers and the named-port rule),
* policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy and
  BaselineAdminNetworkPolicy (v0.1.7 CRDs, experimental channel).

The schemas below are the CRDs' openAPIV3Schema without descriptions (facts
transcribed from the CRD YAMLs); each `x-kubernetes-validations` rule is
translated into Python in CEL_RULES.  What the apiextensions apiserver does
with a request body, in its order, is imitated here:

1. decode: metadata as ObjectMeta (unknown metadata fields reported), the
   rest as unstructured JSON; fields the schema does not know are pruned
   (and reported for fieldValidation), nulls of non-nullable fields dropped;
2. defaulting (`default:` of the schema);
3. validation: ObjectMeta (name a DNS subdomain, no namespace), the
   structural schema as kube-openapi checks it (type, required, enum,
   minimum/maximum, minLength/maxLength, pattern, format, minItems/maxItems,
   minProperties/maxProperties; errors converted to field errors as
   apiextensions does), list-type set/map uniqueness, then the CEL rules
   unless a type or enum error blocks them;
4. output: Go's encoding of unstructured maps (keys sorted), no
   `creationTimestamp: null` anywhere.
"""
import ipaddress
import re

import objects as K

GROUP = "policy.networking.k8s.io"

# ---------------------------------------------------------------- schema facts


def _str(**kw):
    return dict(type="string", **kw)


def _int32(lo, hi):
    return {"type": "integer", "format": "int32", "minimum": lo, "maximum": hi}


def _arr(items, **kw):
    return dict(type="array", items=items, **kw)


def _obj(props, required=None, **kw):
    o = {"type": "object", "properties": props}
    if required:
        o["required"] = sorted(required)
    o.update(kw)
    return o


def _selector():
    return _obj({
        "matchExpressions": _arr(_obj({
            "key": _str(), "operator": _str(),
            "values": _arr(_str(), **{"x-kubernetes-list-type": "atomic"})},
            ["key", "operator"]), **{"x-kubernetes-list-type": "atomic"}),
        "matchLabels": {"type": "object", "additionalProperties": _str()}},
        **{"x-kubernetes-map-type": "atomic"})


def _rule(rule, message):
    return {"x-kubernetes-validations": [{"message": message, "rule": rule}]}


def _pods_peer(both_required):
    return _obj({"namespaceSelector": _selector(), "podSelector": _selector()},
                ["namespaceSelector", "podSelector"] if both_required else ["podSelector"])


def _one_of(props, required=None):
    return _obj(props, required, minProperties=1, maxProperties=1)


_NETWORKS = _arr(dict(_str(maxLength=43), **_rule("isCIDR(self)",
                                                  "Invalid CIDR format provided")),
                 minItems=1, maxItems=25, **{"x-kubernetes-list-type": "set"})
_DOMAIN_NAMES = _arr(_str(pattern=r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+"
                          r"[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$"),
                     minItems=1, maxItems=25, **{"x-kubernetes-list-type": "set"})

_CONDITIONS = _obj({"conditions": _arr(_obj({
    "lastTransitionTime": _str(format="date-time"),
    "message": _str(maxLength=32768),
    "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0},
    "reason": _str(minLength=1, maxLength=1024,
                   pattern="^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
    "status": _str(enum=["True", "False", "Unknown"]),
    "type": _str(maxLength=316,
                 pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                 r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")},
    ["lastTransitionTime", "message", "reason", "status", "type"]),
    **{"x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map"})},
    ["conditions"])


def _top(spec, root_rule=None):
    t = _obj({"apiVersion": _str(), "kind": _str(), "metadata": {"type": "object"},
              "spec": spec, "status": _CONDITIONS}, ["metadata", "spec"])
    if root_rule:
        t.update(root_rule)
    return t


# v1alpha2 ClusterNetworkPolicy
def _cnp_protocol():
    rng = dict(_obj({"end": _int32(1, 65535), "start": _int32(1, 65535)}, ["end", "start"]),
               **_rule("self.start < self.end", "Start port must be less than End port"))
    ports = _obj({"destinationPort": _one_of({"number": _int32(1, 65535), "range": rng})},
                 minProperties=1)
    return _one_of({"destinationNamedPort": _str(), "sctp": ports, "tcp": ports, "udp": ports})


_CNP_ACTION = _str(enum=["Accept", "Deny", "Pass"])
_CNP_PROTOCOLS = _arr(_cnp_protocol(), minItems=1, maxItems=25)
CNP_SCHEMA = _top(_obj({
    "egress": _arr(dict(_obj({
        "action": _CNP_ACTION, "name": _str(maxLength=100), "protocols": _CNP_PROTOCOLS,
        "to": _arr(_one_of({"domainNames": _DOMAIN_NAMES, "namespaces": _selector(),
                            "networks": _NETWORKS, "nodes": _selector(),
                            "pods": _pods_peer(False)}), minItems=1, maxItems=25)},
        ["action", "to"]), **_rule(
        "!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || "
        "has(peer.domainNames)) && has(self.protocols) && self.protocols.exists(protocol, "
        "has(protocol.destinationNamedPort)))",
        "networks/nodes/domainNames peer cannot be set with namedPorts since there are no "
        "namedPorts for networks/nodes/domainNames")), maxItems=25),
    "ingress": _arr(_obj({
        "action": _CNP_ACTION,
        "from": _arr(_one_of({"namespaces": _selector(), "pods": _pods_peer(False)}),
                     minItems=1, maxItems=25),
        "name": _str(maxLength=100), "protocols": _CNP_PROTOCOLS}, ["action", "from"]),
        maxItems=25),
    "priority": _int32(0, 1000),
    "subject": _one_of({"namespaces": _selector(), "pods": _pods_peer(False)}),
    "tier": _str(enum=["Admin", "Baseline"])}, ["priority", "subject", "tier"]))


# v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy
def _anp_ports():
    proto = _str(default="TCP")
    return _arr(_one_of({
        "namedPort": _str(),
        "portNumber": _obj({"port": _int32(1, 65535), "protocol": proto},
                           ["port", "protocol"]),
        "portRange": _obj({"end": _int32(1, 65535), "protocol": proto,
                           "start": _int32(1, 65535)}, ["end", "start"])}),
        minItems=1, maxItems=100)


def _anp_spec(actions, baseline):
    action = _str(enum=actions)
    peers = {"namespaces": _selector(), "networks": _NETWORKS, "nodes": _selector(),
             "pods": _pods_peer(True)}
    if baseline:
        named = ("!(self.to.exists(peer, has(peer.networks) || has(peer.nodes)) && "
                 "has(self.ports) && self.ports.exists(port, has(port.namedPort)))",
                 "networks/nodes peer cannot be set with namedPorts since there are no "
                 "namedPorts for networks/nodes")
    else:
        peers["domainNames"] = _DOMAIN_NAMES
        named = ("!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || "
                 "has(peer.domainNames)) && has(self.ports) && self.ports.exists(port, "
                 "has(port.namedPort)))",
                 "networks/nodes/domainNames peer cannot be set with namedPorts since there "
                 "are no namedPorts for networks/nodes/domainNames")
    props = {
        "egress": _arr(dict(_obj({
            "action": action, "name": _str(maxLength=100), "ports": _anp_ports(),
            "to": _arr(_one_of(peers), minItems=1, maxItems=100)}, ["action", "to"]),
            **_rule(*named)), maxItems=100),
        "ingress": _arr(_obj({
            "action": action,
            "from": _arr(_one_of({"namespaces": _selector(), "pods": _pods_peer(True)}),
                         minItems=1, maxItems=100),
            "name": _str(maxLength=100), "ports": _anp_ports()}, ["action", "from"]),
            maxItems=100),
        "subject": _one_of({"namespaces": _selector(), "pods": _pods_peer(True)})}
    if baseline:
        return _obj(props, ["subject"])
    props["priority"] = _int32(0, 1000)
    return _obj(props, ["priority", "subject"])


ANP_SCHEMA = _top(_anp_spec(["Allow", "Deny", "Pass"], False))
BANP_SCHEMA = _top(_anp_spec(["Allow", "Deny"], True), _rule(
    "self.metadata.name == 'default'",
    'Only one baseline admin network policy with metadata.name="default" can be created in '
    'the cluster'))


# ---------------------------------------------------------------- CEL rules in Python


class CelError(Exception):
    """A CEL runtime error (e.g. `no such key: start`)."""


def _get(m, key):
    if not isinstance(m, dict) or key not in m:
        raise CelError("no such key: %s" % key)
    return m[key]


def _has(m, key):
    return isinstance(m, dict) and key in m


def _and(*thunks):
    """CEL's && over several operands: false wins over an error, an error
    over true (commutative, as cel-go evaluates it)."""
    err = None
    for t in thunks:
        try:
            if not t():
                return False
        except CelError as e:
            err = err or e
    if err:
        raise err
    return True


def _exists(lst, pred):
    """CEL's exists(): true wins over an error."""
    err = None
    for x in lst:
        try:
            if pred(x):
                return True
        except CelError as e:
            err = err or e
    if err:
        raise err
    return False


def _is_cidr(s):
    """The Kubernetes CEL library's isCIDR(): Go's netip.ParsePrefix (no
    leading zeros in IPv4 octets or the prefix length, host bits allowed,
    no zone)."""
    if not isinstance(s, str) or s.count("/") != 1:
        return False
    addr, bits = s.split("/")
    if not re.fullmatch(r"0|[1-9][0-9]{0,2}", bits) or "%" in addr:
        return False
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if ip.version == 4 and any(len(o) > 1 and o[0] == "0" for o in addr.split(".")):
        return False
    return int(bits) <= ip.max_prefixlen


def _named_port_rule(peers_key, peer_fields, list_key, named_key):
    def rule(self):
        return not _and(
            lambda: _exists(_get(self, peers_key),
                            lambda p: any(_has(p, f) for f in peer_fields)),
            lambda: _has(self, list_key),
            lambda: _exists(_get(self, list_key), lambda x: _has(x, named_key)))
    return rule


CEL_RULES = {
    "self.start < self.end": lambda self: _get(self, "start") < _get(self, "end"),
    "isCIDR(self)": _is_cidr,
    "self.metadata.name == 'default'":
        lambda self: _get(_get(self, "metadata"), "name") == "default",
}
for _r, _fn in (
        (CNP_SCHEMA, _named_port_rule("to", ("networks", "nodes", "domainNames"),
                                      "protocols", "destinationNamedPort")),
        (ANP_SCHEMA, _named_port_rule("to", ("networks", "nodes", "domainNames"),
                                      "ports", "namedPort")),
        (BANP_SCHEMA, _named_port_rule("to", ("networks", "nodes"), "ports", "namedPort"))):
    CEL_RULES[_r["properties"]["spec"]["properties"]["egress"]["items"]
              ["x-kubernetes-validations"][0]["rule"]] = _fn


# ---------------------------------------------------------------- pruning, defaults


def _json_kind(v):
    """kube-openapi's name of a JSON value's type."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def prune(schema, v, path, unknown):
    """Drop fields the schema does not know (their paths go to unknown) and
    nulls of non-nullable fields."""
    if isinstance(v, dict) and schema.get("type") == "object":
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        out = {}
        for k in sorted(v):
            sub = "%s.%s" % (path, k) if path else k
            if props is not None and k in props:
                if v[k] is None and not props[k].get("nullable"):
                    continue
                out[k] = prune(props[k], v[k], sub, unknown)
            elif isinstance(addl, dict):
                if v[k] is None:
                    continue
                out[k] = prune(addl, v[k], sub, unknown)
            elif props is None and addl is None:
                out[k] = v[k]
            else:
                unknown.append(sub)
        return out
    if isinstance(v, list) and schema.get("type") == "array":
        return [prune(schema["items"], x, "%s[%d]" % (path, i), unknown)
                for i, x in enumerate(v)]
    return v


def apply_defaults(schema, v):
    if isinstance(v, dict) and schema.get("type") == "object":
        for k, ps in (schema.get("properties") or {}).items():
            if k not in v and "default" in ps:
                v[k] = ps["default"]
            if k in v:
                apply_defaults(ps, v[k])
    elif isinstance(v, list) and schema.get("type") == "array":
        for x in v:
            apply_defaults(schema["items"], x)
    return v


# ---------------------------------------------------------------- structural validation

TYPE_INVALID = ("FieldValueTypeInvalid", "Invalid value")
TOO_MANY = ("FieldValueTooMany", "Too many")
_OMIT = K._OMIT
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _num(x):
    """%v of a float64 schema limit."""
    return str(int(x)) if float(x).is_integer() else repr(x)


def _items_word(n):
    return "item" if n == 1 else "items"


class _MapKeyValue:
    """A Go map[string]interface {} as field.Duplicate prints it."""

    def __init__(self, keys):
        self.keys = keys

    def __eq__(self, other):
        return isinstance(other, _MapKeyValue) and self.keys == other.keys

    def go_repr(self):
        return "map[string]interface {}{%s}" % ", ".join(
            "%s:%s" % (K.go_quote(k), K.go_quote(v) if isinstance(v, str) else K.go_json(v))
            for k, v in sorted(self.keys.items()))


def validate_schema(schema, v, path, errs):
    """kube-openapi's SchemaValidator, its errors converted as apiextensions'
    kubeOpenAPIResultToFieldErrors does."""
    name = path or "."
    typ, fmt = schema.get("type"), schema.get("format")
    kind = _json_kind(v)
    if typ:
        ok = kind == typ or (typ == "number" and kind == "integer") or \
            (typ == "integer" and kind == "number" and float(v).is_integer())
        if not ok:
            if fmt and kind not in ("string", "array") and typ in ("integer", "number"):
                errs.append(K.FieldError(TYPE_INVALID, path, "", '%s in body must be of type '
                                         '%s: ""' % (name, fmt)))
            else:
                errs.append(K.FieldError(TYPE_INVALID, path, kind, '%s in body must be of type '
                                         '%s: %s' % (name, typ, K.go_quote(kind))))
            return
    if kind == "string":
        if "maxLength" in schema and len(v) > schema["maxLength"]:
            n = schema["maxLength"]
            errs.append(K.FieldError(K.TOO_LONG, path, v, "may not be more than %d %s"
                                     % (n, "byte" if n == 1 else "bytes")))
        if "minLength" in schema and len(v) < schema["minLength"]:
            errs.append(K.FieldError(K.INVALID, path, v, "%s in body should be at least %d "
                                     "chars long" % (name, schema["minLength"])))
        if "pattern" in schema and not re.search(schema["pattern"], v):
            errs.append(K.FieldError(K.INVALID, path, v, "%s in body should match '%s'"
                                     % (name, schema["pattern"])))
        if fmt == "date-time" and not _DATE_TIME.match(v):
            errs.append(K.FieldError(TYPE_INVALID, path, v, "%s in body must be of type "
                                     "date-time: %s" % (name, K.go_quote(v))))
    if kind in ("integer", "number"):
        if "maximum" in schema and v > schema["maximum"]:
            errs.append(K.FieldError(K.INVALID, path, v, "%s in body should be less than or "
                                     "equal to %s" % (name, _num(schema["maximum"]))))
        if "minimum" in schema and v < schema["minimum"]:
            errs.append(K.FieldError(K.INVALID, path, v, "%s in body should be greater than "
                                     "or equal to %s" % (name, _num(schema["minimum"]))))
    if kind == "array":
        if "maxItems" in schema and len(v) > schema["maxItems"]:
            n = schema["maxItems"]
            errs.append(K.FieldError(TOO_MANY, path, len(v), "must have at most %d %s"
                                     % (n, _items_word(n))))
        if "minItems" in schema and len(v) < schema["minItems"]:
            errs.append(K.FieldError(K.INVALID, path, len(v), "%s in body should have at "
                                     "least %d items" % (name, schema["minItems"])))
        for i, x in enumerate(v):
            validate_schema(schema["items"], x, "%s[%d]" % (path, i), errs)
    if "enum" in schema and v not in schema["enum"]:
        errs.append(K.not_supported(path, v, schema["enum"]))
    if kind == "object":
        if "maxProperties" in schema and len(v) > schema["maxProperties"]:
            n = schema["maxProperties"]
            errs.append(K.FieldError(TOO_MANY, path, len(v), "must have at most %d %s"
                                     % (n, _items_word(n))))
        if "minProperties" in schema and len(v) < schema["minProperties"]:
            errs.append(K.FieldError(K.INVALID, path, len(v), "%s in body should have at "
                                     "least %d properties" % (name, schema["minProperties"])))
        for r in schema.get("required") or []:
            if r not in v:
                errs.append(K.FieldError(K.REQUIRED, (path + "." + r) if path else r, _OMIT))
        props = schema.get("properties") or {}
        addl = schema.get("additionalProperties")
        for k in sorted(v):
            sub = (path + "." + k) if path else k
            if k in props:
                if k == "metadata" and not path:
                    continue          # ObjectMeta is validated on its own
                validate_schema(props[k], v[k], sub, errs)
            elif isinstance(addl, dict):
                validate_schema(addl, v[k], sub, errs)


def validate_lists(schema, v, path, errs):
    """x-kubernetes-list-type set and map: no duplicates."""
    if isinstance(v, dict) and schema.get("type") == "object":
        props = schema.get("properties") or {}
        for k in sorted(v):
            if k in props:
                validate_lists(props[k], v[k], (path + "." + k) if path else k, errs)
    elif isinstance(v, list) and schema.get("type") == "array":
        lt = schema.get("x-kubernetes-list-type")
        seen = []
        for i, x in enumerate(v):
            p = "%s[%d]" % (path, i)
            if lt == "set":
                if x in seen:
                    errs.append(K.FieldError(K.DUPLICATE, p, x))
                seen.append(x)
            elif lt == "map" and isinstance(x, dict):
                key = {k: x.get(k) for k in schema.get("x-kubernetes-list-map-keys", [])}
                if key in seen:
                    errs.append(K.FieldError(K.DUPLICATE, p, _MapKeyValue(key)))
                seen.append(key)
            validate_lists(schema["items"], x, p, errs)


def validate_cel(schema, v, path, errs):
    """Every x-kubernetes-validations rule on every node, self first."""
    for r in schema.get("x-kubernetes-validations") or []:
        msg = (r.get("message") or r["rule"]).strip()
        try:
            ok = CEL_RULES[r["rule"]](v)
        except CelError as e:
            errs.append(K.FieldError(K.INVALID, path or "<nil>", schema.get("type"),
                                     "%s evaluating rule: %s" % (e, msg)))
            continue
        if not ok:
            errs.append(K.FieldError(K.INVALID, path or "<nil>", schema.get("type"), msg))
    if isinstance(v, dict) and schema.get("type") == "object":
        props = schema.get("properties") or {}
        for k in sorted(v):
            if k in props:
                validate_cel(props[k], v[k], (path + "." + k) if path else k, errs)
    elif isinstance(v, list) and schema.get("type") == "array":
        for i, x in enumerate(v):
            validate_cel(schema["items"], x, "%s[%d]" % (path, i), errs)


# ---------------------------------------------------------------- the definitions


class CRD:
    """One served version of a CustomResourceDefinition."""

    def __init__(self, kind, plural, short, version, schema, columns, bundle):
        self.kind, self.plural, self.short = kind, plural, short
        self.version, self.schema, self.columns = version, schema, columns
        self.bundle = bundle
        self.status = True            # the status subresource is enabled

    # -- decoding

    def decode(self, res, body, null_ts=True):
        d = K.Decoder(False)
        out, unknown = {}, []
        meta = body.get("metadata")
        try:
            if meta is not None:
                m = d.obj(meta, K.OBJECT_META, ("metadata",), "ObjectMeta", "metadata")
                out["metadata"] = sort_keys({k: x for k, x in m.items() if x is not None})
        except K.DecodeError as e:
            raise K.bad_request('%s in version "%s" cannot be handled as a %s: %s'
                                % (res.kind, self.version, res.kind, e))
        rest = {k: x for k, x in body.items() if k not in ("metadata", "apiVersion", "kind")}
        out.update(prune(self.schema, rest, "", unknown))
        out["apiVersion"], out["kind"] = res.api_version, res.kind
        out.setdefault("metadata", {})
        return sort_keys(out), d.unknown + unknown

    def default(self, obj):
        return apply_defaults(self.schema, obj)

    def empty(self, res, rv, annotations=None):
        meta = {"resourceVersion": str(rv)}
        if annotations:
            meta["annotations"] = annotations
        return sort_keys({"apiVersion": res.api_version, "kind": res.kind, "metadata": meta})

    # -- validation

    def validate(self, obj, old):
        errs = K.validate_meta(obj["metadata"], False, K.dns_subdomain_msgs)
        schema_errs = []
        validate_schema(self.schema, obj, "", schema_errs)
        errs += schema_errs
        validate_lists(self.schema, obj, "", errs)
        if any(e.etype in (K.NOT_SUPPORTED, TYPE_INVALID) for e in errs):
            errs.append(K.FieldError(K.INVALID, "<nil>", "null",
                                     "some validation rules were not checked because the "
                                     "object was invalid; correct the existing errors to "
                                     "complete validation"))
        else:
            cel = []
            view = dict(obj)
            view["metadata"] = {k: obj["metadata"][k] for k in ("name", "generateName")
                                if k in obj["metadata"]}
            validate_cel(self.schema, view, "", cel)
            errs += cel
        return errs


def sort_keys(v):
    """Go's encoding of map[string]interface{}: keys sorted, at every level."""
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    return v


AGE = {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}
CRDS = {
    "clusternetworkpolicies": CRD(
        "ClusterNetworkPolicy", "clusternetworkpolicies", ["cnp"], "v1alpha2", CNP_SCHEMA,
        [{"jsonPath": ".spec.tier", "name": "Tier", "type": "string"},
         {"jsonPath": ".spec.priority", "name": "Priority", "type": "string"}, AGE],
        "v0.2.0"),
    "adminnetworkpolicies": CRD(
        "AdminNetworkPolicy", "adminnetworkpolicies", ["anp"], "v1alpha1", ANP_SCHEMA,
        [{"jsonPath": ".spec.priority", "name": "Priority", "type": "string"}, AGE],
        "v0.1.7"),
    "baselineadminnetworkpolicies": CRD(
        "BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies", ["banp"], "v1alpha1",
        BANP_SCHEMA, [AGE], "v0.1.7"),
}


def resources():
    """The K.Resource of each custom resource."""
    return {name: K.Resource(name, c.kind, GROUP, False, None, c.short,
                             verbs=["delete", "deletecollection", "get", "list", "patch",
                                    "create", "update", "watch"],
                             fields=("metadata.name", "metadata.namespace"),
                             subresources=("status",), version=c.version, crd=c)
            for name, c in CRDS.items()}
