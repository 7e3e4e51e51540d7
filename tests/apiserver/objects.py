# SPDX-License-Identifier: GPL-2.0-or-later
"""Object model of the stand-in API server: kinds, JSON decoding the way the
Go structs decode (unknown fields, omitempty, field order), defaulting,
validation, label/field selectors, patches and Status errors.

Stdlib only.  See README.md in this directory; the facts come from
/work/shared/k8s-api.md (sections 1.6, 1.10, 3).
"""
import copy
import ipaddress
import json
import re

# ---------------------------------------------------------------- JSON output


def go_json(obj):
    """Compact JSON as Go's encoding/json writes it (HTML-safe escapes)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    # '<', '>', '&' only occur inside strings in JSON text, so this is safe.
    return (s.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029"))


def go_quote(s):
    """Go's %q for the strings we meet (ASCII-ish)."""
    return json.dumps(s, ensure_ascii=False)


# ---------------------------------------------------------------- Status errors


class ApiError(Exception):
    """An error answered as a meta/v1 Status."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return status_obj(self.code, self.reason, self.message, self.details)


def status_obj(code, reason, message, details=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
          "status": "Failure", "message": message}
    if reason:
        st["reason"] = reason
    if details is not None:
        st["details"] = details
    st["code"] = code
    return st


def _details(kind, name=None, group=""):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = kind
    return d


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.qualified, name),
                    _details(res.name, name, res.group))


def already_exists(res, name):
    return ApiError(409, "AlreadyExists",
                    '%s "%s" already exists' % (res.qualified, name),
                    _details(res.name, name, res.group))


def conflict(res, name, why="the object has been modified; please apply your "
             "changes to the latest version and try again"):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                    % (res.qualified, name, why), _details(res.name, name, res.group))


def expired(msg):
    return ApiError(410, "Expired", msg)


def unknown_resource():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def method_not_allowed():
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", {})


def too_large_rv(want, have):
    return ApiError(504, "Timeout",
                    "Timeout: Too large resource version: %d, current: %d" % (want, have),
                    {"causes": [{"reason": "ResourceVersionTooLarge",
                                 "message": "Too large resource version"}],
                     "retryAfterSeconds": 1})


# field.Error types: (cause reason, text)
REQUIRED = ("FieldValueRequired", "Required value")
INVALID = ("FieldValueInvalid", "Invalid value")
NOT_SUPPORTED = ("FieldValueNotSupported", "Unsupported value")
FORBIDDEN = ("FieldValueForbidden", "Forbidden")
DUPLICATE = ("FieldValueDuplicate", "Duplicate value")
TOO_LONG = ("FieldValueTooLong", "Too long")
_OMIT = object()


def _fmt_bad(v):
    if hasattr(v, "go_repr"):
        return v.go_repr()
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "[]string{%s}" % ", ".join(go_quote(x) for x in v)
    return go_json(v)


class FieldError:
    def __init__(self, etype, field, bad=_OMIT, detail=""):
        self.etype, self.field, self.bad, self.detail = etype, field, bad, detail

    def body(self):
        if self.etype in (REQUIRED, FORBIDDEN, TOO_LONG) or self.bad is _OMIT:
            s = self.etype[1]
        else:
            s = "%s: %s" % (self.etype[1], _fmt_bad(self.bad))
        if self.detail:
            s += ": " + self.detail
        return s

    def error(self):
        return "%s: %s" % (self.field, self.body())


def not_supported(field, value, allowed):
    return FieldError(NOT_SUPPORTED, field, value,
                      "supported values: " + ", ".join(go_quote(a) for a in allowed))


def invalid_error(qualified_kind, group, name, errs):
    """422 Invalid, as apierrors.NewInvalid builds it."""
    if len(errs) == 1:
        agg = errs[0].error()
    else:
        agg = "[" + ", ".join(e.error() for e in errs) + "]"
    det = {"name": name} if name else {}
    if group:
        det["group"] = group
    det["kind"] = qualified_kind.split(".")[0]
    det["causes"] = [{"reason": e.etype[0], "message": e.body(), "field": e.field}
                     for e in errs]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (qualified_kind, name, agg), det)


def list_options_invalid(errs):
    return invalid_error("ListOptions.meta.k8s.io", "meta.k8s.io", "", errs)


# ---------------------------------------------------------------- schemas
# A type is one of: "str", "int", "bool", "intstr", "num", "any", "time",
# ("list", T), ("map", T), ("obj", GoName, [(json, T, flags)], open).
# flags: "o" = omitempty, "p" = pointer, "r" = required in the OpenAPI schema
# (no +optional; openapi.py).  Field order = Go struct order.

def L(t):
    return ("list", t)


def M(t):
    return ("map", t)


def O(name, fields, open_=False):
    return ("obj", name, fields, open_)


def OPEN(name):
    return O(name, [], True)


LABEL_SELECTOR = O("LabelSelector", [
    ("matchLabels", M("str"), "o"),
    ("matchExpressions", L(O("LabelSelectorRequirement", [
        ("key", "str", "r"), ("operator", "str", "r"), ("values", L("str"), "o")])), "o")])

OBJECT_META = O("ObjectMeta", [
    ("name", "str", "o"), ("generateName", "str", "o"), ("namespace", "str", "o"),
    ("selfLink", "str", "o"), ("uid", "str", "o"), ("resourceVersion", "str", "o"),
    ("generation", "int", "o"), ("creationTimestamp", "time", ""),
    ("deletionTimestamp", "time", "op"), ("deletionGracePeriodSeconds", "int", "op"),
    ("labels", M("str"), "o"), ("annotations", M("str"), "o"),
    ("ownerReferences", L("any"), "o"), ("finalizers", L("str"), "o"),
    ("managedFields", L("any"), "o")])


def TOP(name, *rest):
    return O(name, [("kind", "str", "o"), ("apiVersion", "str", "o"),
                    ("metadata", OBJECT_META, "o")] + list(rest))


NP_PORT = O("NetworkPolicyPort", [("protocol", "str", "op"), ("port", "intstr", "op"),
                                  ("endPort", "int", "op")])
NP_PEER = O("NetworkPolicyPeer", [
    ("podSelector", LABEL_SELECTOR, "op"), ("namespaceSelector", LABEL_SELECTOR, "op"),
    ("ipBlock", O("IPBlock", [("cidr", "str", "r"), ("except", L("str"), "o")]), "op")])
NETWORK_POLICY = TOP("NetworkPolicy", ("spec", O("NetworkPolicySpec", [
    ("podSelector", LABEL_SELECTOR, "r"),
    ("ingress", L(O("NetworkPolicyIngressRule", [("ports", L(NP_PORT), "o"),
                                                 ("from", L(NP_PEER), "o")])), "o"),
    ("egress", L(O("NetworkPolicyEgressRule", [("ports", L(NP_PORT), "o"),
                                               ("to", L(NP_PEER), "o")])), "o"),
    ("policyTypes", L("str"), "o")]), "o"))

CONTAINER_PORT = O("ContainerPort", [
    ("name", "str", "o"), ("hostPort", "int", "o"), ("containerPort", "int", "r"),
    ("protocol", "str", "o"), ("hostIP", "str", "o")])
CONTAINER = O("Container", [
    ("name", "str", "r"), ("image", "str", "o"), ("command", L("str"), "o"),
    ("args", L("str"), "o"), ("workingDir", "str", "o"), ("ports", L(CONTAINER_PORT), "o"),
    ("envFrom", L("any"), "o"), ("env", L("any"), "o"),
    ("resources", OPEN("ResourceRequirements"), "o"), ("resizePolicy", L("any"), "o"),
    ("restartPolicy", "str", "op"), ("volumeMounts", L("any"), "o"),
    ("volumeDevices", L("any"), "o"), ("livenessProbe", "any", "op"),
    ("readinessProbe", "any", "op"), ("startupProbe", "any", "op"),
    ("lifecycle", "any", "op"), ("terminationMessagePath", "str", "o"),
    ("terminationMessagePolicy", "str", "o"), ("imagePullPolicy", "str", "o"),
    ("securityContext", "any", "op"), ("stdin", "bool", "o"), ("stdinOnce", "bool", "o"),
    ("tty", "bool", "o")])
POD_IP = O("PodIP", [("ip", "str", "r")])
POD = TOP("Pod", ("spec", O("PodSpec", [
    ("volumes", L("any"), "o"), ("initContainers", L(CONTAINER), "o"),
    ("containers", L(CONTAINER), "r"), ("ephemeralContainers", L("any"), "o"),
    ("restartPolicy", "str", "o"), ("terminationGracePeriodSeconds", "int", "op"),
    ("activeDeadlineSeconds", "int", "op"), ("dnsPolicy", "str", "o"),
    ("nodeSelector", M("str"), "o"), ("serviceAccountName", "str", "o"),
    ("serviceAccount", "str", "o"), ("automountServiceAccountToken", "bool", "op"),
    ("nodeName", "str", "o"), ("hostNetwork", "bool", "o"), ("hostPID", "bool", "o"),
    ("hostIPC", "bool", "o"), ("shareProcessNamespace", "bool", "op"),
    ("securityContext", "any", "op"), ("imagePullSecrets", L("any"), "o"),
    ("hostname", "str", "o"), ("subdomain", "str", "o"), ("affinity", "any", "op"),
    ("schedulerName", "str", "o"), ("tolerations", L("any"), "o"),
    ("hostAliases", L("any"), "o"), ("priorityClassName", "str", "o"),
    ("priority", "int", "op"), ("dnsConfig", "any", "op"), ("readinessGates", L("any"), "o"),
    ("runtimeClassName", "str", "op"), ("enableServiceLinks", "bool", "op"),
    ("preemptionPolicy", "str", "op"), ("overhead", M("any"), "o"),
    ("topologySpreadConstraints", L("any"), "o"), ("setHostnameAsFQDN", "bool", "op"),
    ("os", "any", "op"), ("hostUsers", "bool", "op"), ("schedulingGates", L("any"), "o"),
    ("resourceClaims", L("any"), "o"), ("resources", "any", "op")]), "o"),
    ("status", O("PodStatus", [
        ("phase", "str", "o"), ("conditions", L("any"), "o"), ("message", "str", "o"),
        ("reason", "str", "o"), ("nominatedNodeName", "str", "o"), ("hostIP", "str", "o"),
        ("hostIPs", L(O("HostIP", [("ip", "str", "r")])), "o"), ("podIP", "str", "o"),
        ("podIPs", L(POD_IP), "o"), ("startTime", "time", "op"),
        ("initContainerStatuses", L("any"), "o"), ("containerStatuses", L("any"), "o"),
        ("qosClass", "str", "o"), ("ephemeralContainerStatuses", L("any"), "o"),
        ("resize", "str", "o"), ("resourceClaimStatuses", L("any"), "o")]), "o"))

NAMESPACE = TOP("Namespace",
                ("spec", O("NamespaceSpec", [("finalizers", L("str"), "o")]), "o"),
                ("status", O("NamespaceStatus", [("phase", "str", "o"),
                                                 ("conditions", L("any"), "o")]), "o"))

NODE = TOP("Node", ("spec", O("NodeSpec", [
    ("podCIDR", "str", "o"), ("podCIDRs", L("str"), "o"), ("providerID", "str", "o"),
    ("unschedulable", "bool", "o"), ("taints", L("any"), "o"),
    ("configSource", "any", "op"), ("externalID", "str", "o")]), "o"),
    ("status", O("NodeStatus", [
        ("capacity", M("any"), "o"), ("allocatable", M("any"), "o"), ("phase", "str", "o"),
        ("conditions", L("any"), "o"),
        ("addresses", L(O("NodeAddress", [("type", "str", "r"), ("address", "str", "r")])), "o"),
        ("daemonEndpoints", O("NodeDaemonEndpoints", [
            ("kubeletEndpoint", O("DaemonEndpoint", [("Port", "int", "r")]), "o")]), "o"),
        ("nodeInfo", O("NodeSystemInfo", [
            (f, "str", "r") for f in ("machineID", "systemUUID", "bootID", "kernelVersion",
                                     "osImage", "containerRuntimeVersion", "kubeletVersion",
                                     "kubeProxyVersion", "operatingSystem", "architecture")]
            + [("swap", "any", "op")]), "o"),
        ("images", L("any"), "o"), ("volumesInUse", L("str"), "o"),
        ("volumesAttached", L("any"), "o"), ("config", "any", "op"),
        ("runtimeHandlers", L("any"), "o"), ("features", "any", "op")]), "o"))

_GO_TYPES = {"str": "string", "int": "int32", "bool": "bool", "intstr": "intstr.IntOrString",
             "num": "float64", "time": "v1.Time", "any": "interface {}"}


def _go_type(t):
    if isinstance(t, str):
        return _GO_TYPES[t]
    if t[0] == "list":
        return "[]" + _go_type(t[1])
    if t[0] == "map":
        return "map[string]" + _go_type(t[1])
    return "v1." + t[1]


def _json_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number" + ("" if isinstance(v, int) else " " + repr(v))
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class DecodeError(Exception):
    pass


def _is_empty(v):
    return (v is False or v == "" or v == [] or v == {}
            or (isinstance(v, int) and not isinstance(v, bool) and v == 0))


class Decoder:
    """Decodes a JSON value into the shape a Go struct round trip gives."""

    def __init__(self, null_creation_timestamp=True):
        self.unknown = []
        self.null_ts = null_creation_timestamp

    def fail(self, v, t, struct, path):
        raise DecodeError("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                          % (_json_type(v), struct, ".".join(p for p in path if p[0] != "["),
                             _go_type(t)))

    def value(self, v, t, path, struct="", pathstr=""):
        if v is None:
            return None
        if isinstance(t, str):
            ok = {"str": lambda: isinstance(v, str),
                  "int": lambda: isinstance(v, int) and not isinstance(v, bool),
                  "bool": lambda: isinstance(v, bool),
                  "intstr": lambda: isinstance(v, str) or (isinstance(v, int)
                                                           and not isinstance(v, bool)),
                  "num": lambda: isinstance(v, (int, float)) and not isinstance(v, bool),
                  "time": lambda: isinstance(v, str),
                  "any": lambda: True}[t]()
            if not ok:
                self.fail(v, t, struct, path)
            return v
        if t[0] == "list":
            if not isinstance(v, list):
                self.fail(v, t, struct, path)
            return [self.value(x, t[1], path, struct, "%s[%d]" % (pathstr, i))
                    for i, x in enumerate(v)]
        if t[0] == "map":
            if not isinstance(v, dict):
                self.fail(v, t, struct, path)
            return {k: self.value(v[k], t[1], path, struct, pathstr + "." + k)
                    for k in sorted(v)}
        return self.obj(v, t, path, struct, pathstr)

    def obj(self, v, t, path=(), struct="", pathstr=""):
        _, name, fields, open_ = t
        if v is None:
            v = {}
        if not isinstance(v, dict):
            self.fail(v, t, struct, path)
        out = {}
        known = set()
        for fname, ft, flags in fields:
            known.add(fname)
            sub = (pathstr + "." + fname) if pathstr else fname
            raw = v.get(fname)
            val = self.value(raw, ft, path + (fname,), name, sub)
            ptr = "p" in flags
            omit = "o" in flags
            if val is None:
                if isinstance(ft, tuple) and ft[0] == "obj" and not ptr:
                    out[fname] = self.obj({}, ft, path + (fname,), name, sub)
                elif ft == "time" and not ptr:
                    if self.null_ts:
                        out[fname] = None
                elif not omit:
                    out[fname] = ({"str": "", "int": 0, "bool": False}.get(ft)
                                  if isinstance(ft, str) and not ptr else None)
                continue
            if omit and not ptr and _is_empty(val) and not (
                    isinstance(ft, tuple) and ft[0] == "obj"):
                continue
            out[fname] = val
        for k in v:
            if k not in known:
                if open_:
                    out[k] = v[k]
                else:
                    self.unknown.append((pathstr + "." + k) if pathstr else k)
        return out


# ---------------------------------------------------------------- names, labels

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QNAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LVALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

MSG_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
MSG_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
             "characters or '-', and must start and end with an alphanumeric character "
             "(e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
MSG_QNAME = ("name part must consist of alphanumeric characters, '-', '_' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'MyName',  or "
             "'my.name',  or '123-abc', regex used for validation is "
             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
MSG_LVALUE = ("a valid label must be an empty string or consist of alphanumeric "
              "characters, '-', '_' or '.', and must start and end with an alphanumeric "
              "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
              "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def dns_subdomain_msgs(s):
    m = []
    if len(s) > 253:
        m.append("must be no more than 253 characters")
    if not _DNS1123_SUB.match(s):
        m.append(MSG_SUBDOMAIN)
    return m


def dns_label_msgs(s):
    m = []
    if len(s) > 63:
        m.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.match(s):
        m.append(MSG_LABEL)
    return m


def qualified_name_msgs(s):
    parts = s.split("/")
    if len(parts) == 1:
        name = parts[0]
        m = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            m = ["prefix part must be non-empty"]
        else:
            m = ["prefix part " + x for x in dns_subdomain_msgs(prefix)]
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.',"
                " and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                "'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                "prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        m.append("name part must be non-empty")
    elif len(name) > 63:
        m.append("name part must be no more than 63 characters")
    if name and not _QNAME.match(name):
        m.append(MSG_QNAME)
    return m


def label_value_msgs(s):
    m = []
    if len(s) > 63:
        m.append("must be no more than 63 characters")
    if not _LVALUE.match(s):
        m.append(MSG_LVALUE)
    return m


def port_name_msgs(s):
    m = []
    if len(s) > 15:
        m.append("must be no more than 15 characters")
    if not re.match(r"^[-a-z0-9]+$", s):
        m.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", s):
        m.append("must contain at least one letter (a-z)")
    if "--" in s:
        m.append("must not contain consecutive hyphens")
    if s.startswith("-") or s.endswith("-"):
        m.append("must not begin or end with a hyphen")
    return m


def port_num_msgs(n):
    return [] if 1 <= n <= 65535 else ["must be between 1 and 65535, inclusive"]


def validate_labels(labels, path):
    errs = []
    for k in sorted(labels or {}):
        for msg in qualified_name_msgs(k):
            errs.append(FieldError(INVALID, path, k, msg))
        for msg in label_value_msgs(labels[k]):
            errs.append(FieldError(INVALID, path, labels[k], msg))
    return errs


def validate_label_selector(sel, path):
    errs = validate_labels(sel.get("matchLabels"), path + ".matchLabels")
    for i, req in enumerate(sel.get("matchExpressions") or []):
        p = "%s.matchExpressions[%d]" % (path, i)
        op, vals = req.get("operator", ""), req.get("values") or []
        if op in ("In", "NotIn"):
            if not vals:
                errs.append(FieldError(REQUIRED, p + ".values", _OMIT,
                                       "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if vals:
                errs.append(FieldError(FORBIDDEN, p + ".values", _OMIT,
                                       "may not be specified when `operator` is 'Exists' or "
                                       "'DoesNotExist'"))
        else:
            errs.append(FieldError(INVALID, p + ".operator", op, "not a valid selector operator"))
        for msg in qualified_name_msgs(req.get("key", "")):
            errs.append(FieldError(INVALID, p + ".key", req.get("key", ""), msg))
        for j, v in enumerate(vals):
            for msg in label_value_msgs(v):
                errs.append(FieldError(INVALID, "%s.values[%d]" % (p, j), v, msg))
    return errs


def validate_meta(meta, namespaced, name_msgs):
    errs = []
    name = meta.get("name", "")
    if not name and not meta.get("generateName"):
        errs.append(FieldError(REQUIRED, "metadata.name", _OMIT,
                               "name or generateName is required"))
    elif name:
        for msg in name_msgs(name):
            errs.append(FieldError(INVALID, "metadata.name", name, msg))
    if namespaced and not meta.get("namespace"):
        errs.append(FieldError(REQUIRED, "metadata.namespace", _OMIT, ""))
    if not namespaced and meta.get("namespace"):
        errs.append(FieldError(FORBIDDEN, "metadata.namespace", _OMIT,
                               "not allowed on this type"))
    errs += validate_labels(meta.get("labels"), "metadata.labels")
    total = 0
    for k, v in sorted((meta.get("annotations") or {}).items()):
        total += len(k) + len(v)
        for msg in qualified_name_msgs(k):
            errs.append(FieldError(INVALID, "metadata.annotations", k, msg))
    if total > 256 * 1024:
        errs.append(FieldError(TOO_LONG, "metadata.annotations", _OMIT,
                               "may not be more than 262144 bytes"))
    return errs


# ---------------------------------------------------------------- CIDRs


def parse_cidr_sloppy(s):
    """netutils.ParseCIDRSloppy: leading zeros allowed in IPv4 octets and the
    prefix length; host bits allowed.  Returns (ip, network) or None."""
    if s.count("/") != 1:
        return None
    addr, plen = s.split("/")
    if not plen.isdigit():
        return None
    if re.match(r"^\d+\.\d+\.\d+\.\d+$", addr):
        octets = addr.split(".")
        if any(len(o) > 3 or int(o) > 255 for o in octets):
            return None
        addr = ".".join(str(int(o)) for o in octets)
    try:
        ip = ipaddress.ip_address(addr)
        net = ipaddress.ip_network("%s/%d" % (addr, int(plen)), strict=False)
    except ValueError:
        return None
    return ip, net


def cidr_warnings(path, s):
    p = parse_cidr_sloppy(s)
    if not p:
        return []
    ip, net = p
    w = []
    if ip != net.network_address:
        w.append('%s: CIDR value "%s" is ambiguous in this context (should be "%s" or "%s/%d"?)'
                 % (path, s, net, ip, net.max_prefixlen))
    try:
        ipaddress.ip_network(s, strict=False)
        strict_ok = s.split("/")[1] == str(int(s.split("/")[1]))
        mapped = isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
    except ValueError:
        strict_ok, mapped = False, False
    if not strict_ok or mapped:
        w.append('%s: non-standard CIDR value "%s" will be considered invalid in a future '
                 'Kubernetes release: use "%s"' % (path, s, net))
    if not w and ip.version == 6 and "%s/%d" % (ip, net.prefixlen) != s:
        w.append('%s: IPv6 CIDR value "%s" should be in RFC 5952 canonical format ("%s/%d")'
                 % (path, s, ip, net.prefixlen))
    return w


# ---------------------------------------------------------------- kinds


class Resource:
    """A resource; crd (crds.CRD) for a custom resource, whose objects are
    unstructured JSON checked against the CRD's schema instead of schema."""

    def __init__(self, name, kind, group, namespaced, schema, short=(), singular=None,
                 verbs=None, fields=(), subresources=("status",), categories=(),
                 version="v1", crd=None):
        self.name, self.kind, self.group = name, kind, group
        self.version, self.crd = version, crd
        self.group_version = (group + "/" + version) if group else version
        self.api_version = self.group_version
        self.namespaced, self.schema = namespaced, schema
        self.short, self.categories = list(short), list(categories)
        self.singular = singular or kind.lower()
        self.verbs = verbs or ["create", "delete", "deletecollection", "get", "list",
                               "patch", "update", "watch"]
        self.fields = fields
        self.subresources = subresources
        self.qualified = name + ("." + group if group else "")
        self.qualified_kind = kind + ("." + group if group else "")
        self.prefix = ("/apis/" + self.group_version) if group else "/api/" + version


RESOURCES = {
    "namespaces": Resource("namespaces", "Namespace", "", False, NAMESPACE, ["ns"],
                           verbs=["create", "delete", "get", "list", "patch", "update",
                                  "watch"],
                           fields=("metadata.name", "status.phase", "name")),
    "nodes": Resource("nodes", "Node", "", False, NODE, ["no"],
                      fields=("metadata.name", "spec.unschedulable")),
    "pods": Resource("pods", "Pod", "", True, POD, ["po"], categories=["all"],
                     fields=("metadata.name", "metadata.namespace", "spec.nodeName",
                             "spec.restartPolicy", "spec.schedulerName",
                             "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                             "status.podIP", "status.podIPs", "status.nominatedNodeName",
                             "spec.host")),
    "networkpolicies": Resource("networkpolicies", "NetworkPolicy", "networking.k8s.io",
                                True, NETWORK_POLICY, ["netpol"],
                                fields=("metadata.name", "metadata.namespace"),
                                subresources=()),
}


def decode(res, body, null_ts=True):
    """JSON value -> (normalized object, unknown field paths).  Raises ApiError."""
    if not isinstance(body, dict):
        raise bad_request("%s in version \"%s\" cannot be handled as a %s: json: cannot "
                          "unmarshal %s into Go value of type %s"
                          % (res.kind, res.version, res.kind, _json_type(body),
                             "map[string]interface {}" if res.crd else "v1." + res.kind))
    av, kind = body.get("apiVersion"), body.get("kind")
    if av not in (None, "") and av != res.api_version:
        raise bad_request("the API version in the data (%s) does not match the expected "
                          "API version (%s)" % (av, res.api_version))
    if kind not in (None, "") and kind != res.kind:
        raise bad_request("the kind in the data (%s) does not match the expected kind (%s)"
                          % (kind, res.kind))
    if res.crd:
        return res.crd.decode(res, body, null_ts)
    d = Decoder(null_ts)
    try:
        obj = d.obj(body, res.schema)
    except DecodeError as e:
        raise bad_request('%s in version "v1" cannot be handled as a %s: %s'
                          % (res.kind, res.kind, e))
    obj["kind"], obj["apiVersion"] = res.kind, res.api_version
    return reorder(res, obj, null_ts), d.unknown


def reorder(res, obj, null_ts=True):
    """Re-encode (after defaulting) so that field order and omitempty hold."""
    if res.crd:
        return _sorted_keys(obj)
    o = Decoder(null_ts).obj(obj, res.schema)
    o = {"kind": res.kind, "apiVersion": res.api_version, **o}
    return o


def empty_object(res, rv, null_ts=True, annotations=None):
    """The object of a BOOKMARK event: an empty Go struct of the kind."""
    if res.crd:
        return res.crd.empty(res, rv, annotations)
    meta = {"resourceVersion": str(rv)}
    if annotations:
        meta["annotations"] = annotations
    o = Decoder(null_ts).obj({"metadata": meta}, res.schema)
    return {"kind": res.kind, "apiVersion": res.api_version, **o}


# ---------------------------------------------------------------- defaulting


def _sorted_keys(v):
    if isinstance(v, dict):
        return {k: _sorted_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted_keys(x) for x in v]
    return v


def _image_pull_policy(image):
    tail = image.rsplit("/", 1)[-1]
    if "@" in tail:
        return "IfNotPresent"
    tag = tail.split(":", 1)[1] if ":" in tail else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_object(res, obj):
    """Server-side defaulting (applied on every write; objects are stored defaulted)."""
    meta = obj.setdefault("metadata", {})
    if res.crd:
        res.crd.default(obj)
    elif res.name == "networkpolicies":
        spec = obj.setdefault("spec", {})
        spec.setdefault("podSelector", {})
        for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
            for p in rule.get("ports") or []:
                if p.get("protocol") is None:
                    p["protocol"] = "TCP"
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    elif res.name == "namespaces":
        labels = meta.setdefault("labels", {})
        if meta.get("name"):
            labels["kubernetes.io/metadata.name"] = meta["name"]
        spec = obj.setdefault("spec", {})
        if not spec.get("finalizers"):
            spec["finalizers"] = ["kubernetes"]
        st = obj.setdefault("status", {})
        if not st.get("phase"):
            st["phase"] = "Active"
    elif res.name == "nodes":
        # v1 <-> internal conversion: podCIDRs wins; podCIDR is its first entry
        spec = obj.setdefault("spec", {})
        if not spec.get("podCIDRs") and spec.get("podCIDR"):
            spec["podCIDRs"] = [spec["podCIDR"]]
        if spec.get("podCIDRs"):
            spec["podCIDR"] = spec["podCIDRs"][0]
    elif res.name == "pods":
        spec = obj.setdefault("spec", {})
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            for p in c.get("ports") or []:
                if not p.get("protocol"):
                    p["protocol"] = "TCP"
            c.setdefault("resources", {})
            if not c.get("terminationMessagePath"):
                c["terminationMessagePath"] = "/dev/termination-log"
            if not c.get("terminationMessagePolicy"):
                c["terminationMessagePolicy"] = "File"
            if not c.get("imagePullPolicy") and c.get("image"):
                c["imagePullPolicy"] = _image_pull_policy(c["image"])
        for k, v in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                     ("dnsPolicy", "ClusterFirst"), ("securityContext", {}),
                     ("schedulerName", "default-scheduler"), ("enableServiceLinks", True),
                     ("preemptionPolicy", "PreemptLowerPriority"), ("priority", 0)):
            if spec.get(k) in (None, ""):
                spec[k] = v
    return obj


# ---------------------------------------------------------------- validation


def _validate_np_port(p, path):
    errs = []
    proto = p.get("protocol")
    if proto is not None and proto not in ("TCP", "UDP", "SCTP"):
        errs.append(not_supported(path + ".protocol", proto, ["TCP", "UDP", "SCTP"]))
    port, end = p.get("port"), p.get("endPort")
    if port is not None:
        if isinstance(port, int):
            for m in port_num_msgs(port):
                errs.append(FieldError(INVALID, path + ".port", port, m))
            if end is not None:
                if end < port:
                    errs.append(FieldError(INVALID, path + ".endPort", end,
                                           "must be greater than or equal to `port`"))
                for m in port_num_msgs(end):
                    errs.append(FieldError(INVALID, path + ".endPort", end, m))
        else:
            if end is not None:
                errs.append(FieldError(INVALID, path + ".endPort", end,
                                       "may not be specified when `port` is non-numeric"))
            for m in port_name_msgs(port):
                errs.append(FieldError(INVALID, path + ".port", port, m))
    elif end is not None:
        errs.append(FieldError(INVALID, path + ".endPort", end,
                               "may not be specified when `port` is not specified"))
    return errs


def _validate_ipblock(ipb, path, allowed, warnings):
    errs = []
    cidr = ipb.get("cidr", "")
    if not cidr:
        return [FieldError(REQUIRED, path + ".cidr", _OMIT, "")]

    def check(p, s):
        parsed = parse_cidr_sloppy(s)
        if s in allowed:
            if parsed:
                warnings.extend(cidr_warnings(p, s))
            return parsed
        if not parsed:
            errs.append(FieldError(INVALID, p, s, "must be a valid CIDR value, (e.g. "
                                   "10.9.8.0/24 or 2001:db8::/64)"))
        else:
            warnings.extend(cidr_warnings(p, s))
        return parsed

    parsed = check(path + ".cidr", cidr)
    if not parsed:
        return errs
    net = parsed[1]
    for i, ex in enumerate(ipb.get("except") or []):
        p = "%s.except[%d]" % (path, i)
        pe = check(p, ex)
        if not pe:
            continue
        exnet = pe[1]
        if (exnet.version != net.version or exnet.network_address not in net
                or net.prefixlen >= exnet.prefixlen):
            errs.append(FieldError(INVALID, p, ex, "must be a strict subset of `cidr`"))
    return errs


def _validate_np_peer(peer, path, allowed, warnings):
    errs, n = [], 0
    for k in ("podSelector", "namespaceSelector"):
        if peer.get(k) is not None:
            n += 1
            errs += validate_label_selector(peer[k], path + "." + k)
    if peer.get("ipBlock") is not None:
        n += 1
        errs += _validate_ipblock(peer["ipBlock"], path + ".ipBlock", allowed, warnings)
    if n == 0:
        errs.append(FieldError(REQUIRED, path, _OMIT, "must specify a peer"))
    elif n > 1 and peer.get("ipBlock") is not None:
        errs.append(FieldError(FORBIDDEN, path, _OMIT,
                               "may not specify both ipBlock and another peer"))
    return errs


def _np_cidrs(obj):
    out = []
    spec = (obj or {}).get("spec") or {}
    for rule, key in [(r, "from") for r in spec.get("ingress") or []] + \
                     [(r, "to") for r in spec.get("egress") or []]:
        for peer in rule.get(key) or []:
            ipb = peer.get("ipBlock")
            if ipb:
                out.append(ipb.get("cidr", ""))
                out += ipb.get("except") or []
    return set(out)


def validate_network_policy(obj, old, warnings):
    errs = validate_meta(obj["metadata"], True, dns_subdomain_msgs)
    spec = obj.get("spec") or {}
    allowed = _np_cidrs(old) if old else set()
    errs += validate_label_selector(spec.get("podSelector") or {}, "spec.podSelector")
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            rp = "spec.%s[%d]" % (direction, i)
            for j, p in enumerate(rule.get("ports") or []):
                errs += _validate_np_port(p, "%s.ports[%d]" % (rp, j))
            for j, peer in enumerate(rule.get(key) or []):
                errs += _validate_np_peer(peer, "%s.%s[%d]" % (rp, key, j), allowed, warnings)
    pts = spec.get("policyTypes") or []
    if len(pts) > 2:
        errs.append(FieldError(INVALID, "spec.policyTypes", pts,
                               "may not specify more than two policyTypes"))
    else:
        for i, t in enumerate(pts):
            if t not in ("Ingress", "Egress"):
                errs.append(not_supported("spec.policyTypes[%d]" % i, t, ["Ingress", "Egress"]))
    return errs


def validate_pod(obj, old):
    errs = validate_meta(obj["metadata"], True, dns_subdomain_msgs)
    spec = obj.get("spec") or {}
    if not spec.get("containers"):
        errs.append(FieldError(REQUIRED, "spec.containers", _OMIT, ""))
    names, portnames = set(), set()
    for key in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(key) or []):
            p = "spec.%s[%d]" % (key, i)
            name = c.get("name", "")
            if not name:
                errs.append(FieldError(REQUIRED, p + ".name", _OMIT, ""))
            else:
                for m in dns_label_msgs(name):
                    errs.append(FieldError(INVALID, p + ".name", name, m))
                if name in names:
                    errs.append(FieldError(DUPLICATE, p + ".name", name))
                names.add(name)
            if not c.get("image"):
                errs.append(FieldError(REQUIRED, p + ".image", _OMIT, ""))
            for j, port in enumerate(c.get("ports") or []):
                pp = "%s.ports[%d]" % (p, j)
                if port.get("name"):
                    for m in port_name_msgs(port["name"]):
                        errs.append(FieldError(INVALID, pp + ".name", port["name"], m))
                    if port["name"] in portnames:
                        errs.append(FieldError(DUPLICATE, pp + ".name", port["name"]))
                    portnames.add(port["name"])
                if port.get("containerPort", 0) == 0:
                    errs.append(FieldError(REQUIRED, pp + ".containerPort", _OMIT, ""))
                else:
                    for m in port_num_msgs(port["containerPort"]):
                        errs.append(FieldError(INVALID, pp + ".containerPort",
                                               port["containerPort"], m))
                proto = port.get("protocol", "")
                if proto not in ("TCP", "UDP", "SCTP"):
                    errs.append(not_supported(pp + ".protocol", proto, ["SCTP", "TCP", "UDP"]))
    if old is not None:
        def mutable_stripped(s):
            s = copy.deepcopy(s or {})
            for key in ("containers", "initContainers"):
                for c in s.get(key) or []:
                    c.pop("image", None)
            s.pop("activeDeadlineSeconds", None)
            s.pop("tolerations", None)
            return s
        if mutable_stripped(spec) != mutable_stripped(old.get("spec")):
            errs.append(FieldError(FORBIDDEN, "spec", _OMIT,
                                   "pod updates may not change fields other than "
                                   "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                                   "`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
                                   "additions to existing tolerations),"
                                   "`spec.terminationGracePeriodSeconds` (allow it to be set "
                                   "to 1 if it was previously negative)"))
    return errs


def validate_namespace(obj, old):
    return validate_meta(obj["metadata"], False, dns_label_msgs)


def validate_node(obj, old):
    errs = validate_meta(obj["metadata"], False, dns_subdomain_msgs)
    cidrs = (obj.get("spec") or {}).get("podCIDRs") or []
    nets = []
    for i, c in enumerate(cidrs):
        p = parse_cidr_sloppy(c)
        if not p:
            errs.append(FieldError(INVALID, "spec.podCIDRs[%d]" % i, c,
                                   "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
                                   "2001:db8::/64)"))
        else:
            nets.append(p[1])
    if len(cidrs) > 1 and (len(cidrs) > 2 or len(nets) != 2 or
                           nets[0].version == nets[1].version):
        errs.append(FieldError(INVALID, "spec.podCIDRs", cidrs,
                               "may specify no more than one CIDR for each IP family"))
    old_cidrs = ((old or {}).get("spec") or {}).get("podCIDRs") or []
    if old is not None and old_cidrs and old_cidrs != cidrs:
        errs.append(FieldError(FORBIDDEN, "spec.podCIDRs", _OMIT,
                               'node updates may not change podCIDR except from "" to valid'))
    return errs


def validate(res, obj, old=None):
    """-> (field errors, warnings)."""
    warnings = []
    if res.crd:
        errs = res.crd.validate(obj, old)
    elif res.name == "networkpolicies":
        errs = validate_network_policy(obj, old, warnings)
    elif res.name == "pods":
        errs = validate_pod(obj, old)
    elif res.name == "namespaces":
        errs = validate_namespace(obj, old)
    else:
        errs = validate_node(obj, old)
    if old is not None:
        for f in ("name", "namespace", "uid"):
            a, b = obj["metadata"].get(f, ""), old["metadata"].get(f, "")
            if a != b:
                errs.append(FieldError(INVALID, "metadata." + f, a,
                                       "field is immutable"))
    return errs, warnings


# ---------------------------------------------------------------- selectors


class Requirement:
    def __init__(self, key, op, values):
        self.key, self.op, self.values = key, op, values

    def matches(self, labels):
        has = self.key in labels
        v = labels.get(self.key)
        if self.op in ("=", "==", "in"):
            return has and v in self.values
        if self.op in ("!=", "notin"):
            return not has or v not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op in (">", "<"):
            if not has:
                return False
            try:
                lv, rv = int(v), int(self.values[0])
            except ValueError:
                return False
            return lv > rv if self.op == ">" else lv < rv
        return False


_LTOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|>|<|[^\s=!(),<>]+)")


def parse_label_selector(s):
    """labels.Parse: -> [Requirement].  Raises ApiError 400."""
    toks = []
    pos = 0
    s = s or ""
    while pos < len(s):
        if s[pos:].strip() == "":
            break
        m = _LTOKEN.match(s, pos)
        if not m:
            raise bad_request("unable to parse requirement: unexpected character at %d" % pos)
        toks.append(m.group(1))
        pos = m.end()
    reqs, i = [], 0

    def err(msg):
        raise bad_request("unable to parse requirement: " + msg)

    def is_ident(t):
        return t is not None and t not in ("==", "!=", "=", "!", "(", ")", ",", ">", "<")

    while i < len(toks):
        t = toks[i]
        if t == "!":
            i += 1
            key = toks[i] if i < len(toks) else None
            if not is_ident(key):
                err("found '%s', expected: identifier after '!'" % (key or ""))
            reqs.append(Requirement(key, "!", []))
            i += 1
        elif is_ident(t):
            key = t
            i += 1
            nxt = toks[i] if i < len(toks) else None
            if nxt is None or nxt == ",":
                reqs.append(Requirement(key, "exists", []))
            elif nxt in ("=", "==", "!=", ">", "<"):
                i += 1
                val = toks[i] if i < len(toks) and is_ident(toks[i]) else ""
                if val:
                    i += 1
                if nxt in (">", "<") and not re.match(r"^-?\d+$", val):
                    err("for 'Gt', 'Lt' operators, the value must be an integer")
                reqs.append(Requirement(key, nxt, [val]))
            elif nxt in ("in", "notin"):
                i += 1
                if i >= len(toks) or toks[i] != "(":
                    err("found '%s', expected: '('" % (toks[i] if i < len(toks) else ""))
                i += 1
                vals = []
                while i < len(toks) and toks[i] != ")":
                    if toks[i] == ",":
                        i += 1
                        continue
                    if not is_ident(toks[i]):
                        err("found '%s', expected: ',', ')' or identifier" % toks[i])
                    vals.append(toks[i])
                    i += 1
                if i >= len(toks):
                    err("found '', expected: ')'")
                i += 1
                reqs.append(Requirement(key, nxt, vals or [""]))
            else:
                err("found '%s', expected: '=', '!=', '==', 'in', notin'" % nxt)
            for m in qualified_name_msgs(key):
                err("key: Invalid value: %s: %s" % (go_quote(key), m))
            for v in reqs[-1].values:
                for m in label_value_msgs(v):
                    if reqs[-1].op not in (">", "<"):
                        err("values[0][%s]: Invalid value: %s: %s" % (key, go_quote(v), m))
        else:
            err("found '%s', expected: !, identifier, or 'end of string'" % t)
        if i < len(toks):
            if toks[i] != ",":
                err("found '%s', expected: ',' or 'end of string'" % toks[i])
            i += 1
            if i >= len(toks):
                err("found '', expected: identifier after ','")
    return reqs


def _split_unescaped(s, sep):
    parts, cur, i = [], "", 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if c == sep:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


def _unescape_field(v):
    out, i = "", 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            if v[i + 1] not in ",=\\":
                raise bad_request("invalid field selector: invalid escape sequence: \\%s"
                                  % v[i + 1])
            out += v[i + 1]
            i += 2
        else:
            out += v[i]
            i += 1
    return out


def parse_field_selector(s, res):
    """fields.ParseSelector + the kind's field label conversion -> [(field, op, value)]."""
    terms = []
    if not s:
        return terms
    for part in _split_unescaped(s, ","):
        if part == "":
            continue
        m = None
        for op in ("!=", "==", "="):
            idx = _find_unescaped(part, op)
            if idx >= 0 and (m is None or idx < m[0]):
                m = (idx, op)
        if m is None:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, part))
        idx, op = m
        key, val = part[:idx], _unescape_field(part[idx + len(op):])
        if key not in res.fields:
            raise bad_request("field label not supported: %s" % key)
        if key == "spec.host":
            key = "spec.nodeName"
        if key == "name":
            key = "metadata.name"
        terms.append((key, "!=" if op == "!=" else "=", val))
    return terms


def _find_unescaped(s, sub):
    i = 0
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s.startswith(sub, i):
            return i
        i += 1
    return -1


def field_value(obj, field):
    meta, spec, st = obj.get("metadata", {}), obj.get("spec") or {}, obj.get("status") or {}
    if field == "metadata.name":
        return meta.get("name", "")
    if field == "metadata.namespace":
        return meta.get("namespace", "")
    if field == "spec.hostNetwork":
        return "true" if spec.get("hostNetwork") else "false"
    if field == "spec.unschedulable":
        return "true" if spec.get("unschedulable") else "false"
    if field in ("status.podIP", "status.podIPs"):
        ips = st.get("podIPs") or []
        return ips[0].get("ip", "") if ips else st.get("podIP", "")
    top, _, key = field.partition(".")
    src = spec if top == "spec" else st
    v = src.get(key, "")
    return v if isinstance(v, str) else str(v)


def matches(obj, label_reqs, field_terms):
    labels = obj.get("metadata", {}).get("labels") or {}
    for r in label_reqs:
        if not r.matches(labels):
            return False
    for f, op, v in field_terms:
        eq = field_value(obj, f) == v
        if eq != (op == "="):
            return False
    return True


# ---------------------------------------------------------------- patches

# Strategic merge: lists with a patch merge key (path without indexes).
MERGE_KEYS = {
    "pods": {"spec.containers": "name", "spec.initContainers": "name",
             "spec.ephemeralContainers": "name", "spec.volumes": "name",
             "spec.containers.ports": "containerPort",
             "spec.initContainers.ports": "containerPort",
             "spec.containers.env": "name", "spec.initContainers.env": "name",
             "spec.containers.volumeMounts": "mountPath",
             "spec.initContainers.volumeMounts": "mountPath",
             "spec.imagePullSecrets": "name", "status.conditions": "type",
             "status.podIPs": "ip", "status.hostIPs": "ip"},
    "nodes": {"status.addresses": "type", "status.conditions": "type"},
    "namespaces": {"status.conditions": "type"},
    "networkpolicies": {},
}
COMMON_MERGE_KEYS = {"metadata.ownerReferences": "uid"}
# primitive lists with patchStrategy merge (union)
PRIMITIVE_MERGE = {"metadata.finalizers", "spec.podCIDRs"}


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


class _Delete:
    pass


def strategic_merge(res, target, patch, path=""):
    keys = dict(COMMON_MERGE_KEYS)
    keys.update(MERGE_KEYS.get(res.name, {}))
    return _smp_map(keys, target if isinstance(target, dict) else {}, patch, path)


def _strip_directives(v):
    if isinstance(v, dict):
        return {k: _strip_directives(x) for k, x in v.items()
                if not k.startswith("$") and x is not None}
    if isinstance(v, list):
        return [_strip_directives(x) for x in v
                if not (isinstance(x, dict) and x.get("$patch") == "delete")]
    return v


def _smp_map(keys, target, patch, path):
    if not isinstance(patch, dict):
        raise bad_request("unable to find api field in struct for the patch")
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip_directives(patch)
    if directive == "delete":
        return _Delete
    if directive not in (None, "merge"):
        raise bad_request("Unknown patch type: %s" % directive)
    out = dict(target)
    orders, retain = {}, patch.get("$retainKeys")
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            f = k.split("/", 1)[1]
            if isinstance(out.get(f), list):
                out[f] = [x for x in out[f] if x not in (v or [])]
            continue
        if k.startswith("$"):
            continue
        sub = path + "." + k if path else k
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            r = _smp_map(keys, out.get(k) if isinstance(out.get(k), dict) else {}, v, sub)
            if r is _Delete:
                out.pop(k, None)
            else:
                out[k] = r
        elif isinstance(v, list):
            out[k] = _smp_list(keys, out.get(k) if isinstance(out.get(k), list) else [],
                               v, sub)
        else:
            out[k] = v
    for f, order in orders.items():
        if isinstance(out.get(f), list) and isinstance(order, list):
            out[f] = _apply_order(out[f], order, keys.get(path + "." + f if path else f))
    if isinstance(retain, list):
        for k in list(out):
            if k not in retain and k in target and k not in patch:
                out.pop(k)
    return out


def _apply_order(items, order, mkey):
    def ident(x):
        return x.get(mkey) if mkey and isinstance(x, dict) else x
    idx = {}
    for i, o in enumerate(order):
        idx.setdefault(go_json(ident(o) if mkey and isinstance(o, dict) else o), i)
    return sorted(items, key=lambda x: idx.get(go_json(ident(x)), len(order)))


def _smp_list(keys, target, patch, path):
    mkey = keys.get(path)
    if path in PRIMITIVE_MERGE:
        out = list(target)
        for x in patch:
            if x not in out:
                out.append(x)
        return out
    if not mkey:
        return _strip_directives(patch)
    if any(isinstance(x, dict) and x.get("$patch") == "replace" for x in patch):
        return [_strip_directives(x) for x in patch
                if not (isinstance(x, dict) and x.get("$patch") == "replace")]
    out = [copy.deepcopy(x) for x in target]
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request("unable to find merge key %s in a list item" % mkey)
        if mkey not in item:
            raise bad_request("map: %s does not contain declared merge key: %s"
                              % (go_json(item), mkey))
        pos = next((i for i, x in enumerate(out)
                    if isinstance(x, dict) and x.get(mkey) == item[mkey]), None)
        if item.get("$patch") == "delete":
            if pos is not None:
                out.pop(pos)
            continue
        if pos is None:
            out.append(_strip_directives(item))
        else:
            r = _smp_map(keys, out[pos], item, path)
            if r is _Delete:
                out.pop(pos)
            else:
                out[pos] = r
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError("JSON pointer must start with /: %s" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _container(doc, parts):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            cur = cur[int(p)]
        elif isinstance(cur, dict):
            cur = cur[p]
        else:
            raise KeyError(p)
    return cur


def json_patch(doc, ops):
    """RFC 6902."""
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        try:
            kind = op["op"]
            parts = _pointer(op.get("path", ""))
            if kind in ("add", "replace", "test"):
                value = copy.deepcopy(op["value"])
            if kind in ("move", "copy"):
                fparts = _pointer(op["from"])
                src = _container(doc, fparts)
                value = copy.deepcopy(src[int(fparts[-1])] if isinstance(src, list)
                                      else src[fparts[-1]])
                if kind == "move":
                    if isinstance(src, list):
                        src.pop(int(fparts[-1]))
                    else:
                        del src[fparts[-1]]
                kind = "add"
            if not parts:
                if kind == "test":
                    if doc != value:
                        raise ValueError("testing value failed")
                    continue
                doc = value
                continue
            c = _container(doc, parts)
            last = parts[-1]
            if kind == "add":
                if isinstance(c, list):
                    if last == "-":
                        c.append(value)
                    else:
                        i = int(last)
                        if i > len(c):
                            raise IndexError(last)
                        c.insert(i, value)
                else:
                    c[last] = value
            elif kind == "remove":
                if isinstance(c, list):
                    c.pop(int(last))
                else:
                    del c[last]
            elif kind == "replace":
                if isinstance(c, list):
                    c[int(last)] = value
                else:
                    if last not in c:
                        raise KeyError(last)
                    c[last] = value
            elif kind == "test":
                cur = c[int(last)] if isinstance(c, list) else c[last]
                if cur != value:
                    raise ValueError("testing value %s failed" % op.get("path"))
            else:
                raise ValueError("Unexpected kind: %s" % kind)
        except ApiError:
            raise
        except (KeyError, IndexError, ValueError, TypeError) as e:
            if op.get("op") == "test":
                raise ApiError(422, "Invalid", "the server rejected our request due to an "
                               "error in our request: %s" % e)
            raise ApiError(422, "Invalid", "the server rejected our request due to an error "
                           "in our request")
    return doc
