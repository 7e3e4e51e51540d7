# SPDX-License-Identifier: GPL-2.0-or-later
"""Kubernetes protobuf request bodies, as far as kubectl sends them to this stand-in.

kubectl's typed clients write with `Content-Type: application/vnd.kubernetes.protobuf`
(`kubectl create namespace NAME` does). The wire format: the magic b"k8s\\0", then a
runtime.Unknown message {1: TypeMeta {1: apiVersion, 2: kind}, 2: raw (the object),
3: contentEncoding, 4: contentType}. Only Namespace objects are decoded here (the
only kind of this stand-in kubectl writes that way); the result is the JSON-shaped
dict the rest of the server works with. Anything else raises ValueError.
"""

MAGIC = b"k8s\x00"


def _varint(buf, i):
    shift = value = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def fields(buf):
    """Yield (field number, value): int for varints, bytes for length-delimited."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            value, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field %d" % num)
            value, i = buf[i:i + n], i + n
        elif wt == 1:
            value, i = buf[i:i + 8], i + 8
        elif wt == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        if i > len(buf):
            raise ValueError("truncated field %d" % num)
        yield num, value


def _str(v):
    if not isinstance(v, bytes):
        raise ValueError("a string field holds a varint")
    return v.decode("utf-8")


def _entry(v):
    key = val = ""
    for num, x in fields(v):
        if num == 1:
            key = _str(x)
        elif num == 2:
            val = _str(x)
    return key, val


def object_meta(buf):
    """ObjectMeta: name 1, generateName 2, namespace 3, labels 11, annotations 12,
    finalizers 14; the rest (server-set fields, owner references...) is dropped."""
    meta = {}
    for num, v in fields(buf):
        if num in (1, 2, 3):
            meta[{1: "name", 2: "generateName", 3: "namespace"}[num]] = _str(v)
        elif num in (11, 12):
            k, val = _entry(v)
            meta.setdefault("labels" if num == 11 else "annotations", {})[k] = val
        elif num == 14:
            meta.setdefault("finalizers", []).append(_str(v))
    return meta


def namespace(buf):
    obj = {"metadata": {}}
    for num, v in fields(buf):
        if num == 1:
            obj["metadata"] = object_meta(v)
        elif num == 2:
            fin = [_str(x) for n, x in fields(v) if n == 1]
            obj["spec"] = {"finalizers": fin} if fin else {}
    return obj


def decode(body):
    """The object a protobuf request body carries, as a JSON-shaped dict."""
    if not body.startswith(MAGIC):
        raise ValueError("no k8s protobuf envelope")
    api_version = kind = ""
    raw = None
    for num, v in fields(body[len(MAGIC):]):
        if num == 1:
            for n, x in fields(v):
                if n == 1:
                    api_version = _str(x)
                elif n == 2:
                    kind = _str(x)
        elif num == 2:
            raw = v
        elif num == 3 and v:
            raise ValueError("content encoding %r is not supported" % _str(v))
    if kind != "Namespace" or api_version != "v1" or raw is None:
        raise ValueError("protobuf bodies are decoded for v1 Namespace only, not %s %s"
                         % (api_version or "?", kind or "?"))
    obj = namespace(raw)
    obj["apiVersion"], obj["kind"] = api_version, kind
    return obj
