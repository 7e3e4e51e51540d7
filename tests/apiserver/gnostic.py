# SPDX-License-Identifier: GPL-2.0-or-later
"""Swagger 2.0 (JSON-shaped dict) -> protobuf `openapi.v2.Document` of gnostic.

This is the binary form kube-apiserver serves at /openapi/v2 when asked for
`application/com.github.proto-openapi.spec.v2[@.]v1.0+protobuf`: kube-openapi
parses its JSON document into gnostic's generated messages and marshals them.
kubectl reads only this form (client-side validation, apply patches).

Field numbers follow gnostic's openapiv2/OpenAPIv2.proto.  Each message is a
table {json key: (field number, how)}; "x-..." keys go to the message's
vendor_extension field as NamedAny with the value as YAML text (JSON is YAML,
which is all kube-openapi asks of it: it yaml-unmarshals the string).  Only the
parts of Swagger 2.0 the stand-in's document uses are encoded; anything else
raises ValueError rather than being dropped silently.  proto3 rules: scalars
equal to their default are not written, a present message field is written even
when empty, repeated strings are not packed, map entries keep the dict's order.
"""
import json
import struct

# how: "str", "bool", "int" (int64), "num" (double), "strs" (repeated string),
# "any", "anys", a message name, or ("rep", message name).
MSG = {
    "Document": {"swagger": (1, "str"), "info": (2, "Info"), "host": (3, "str"),
                 "basePath": (4, "str"), "schemes": (5, "strs"), "consumes": (6, "strs"),
                 "produces": (7, "strs"), "paths": (8, "Paths"),
                 "definitions": (9, "Definitions"),
                 "security": (12, ("rep", "SecurityRequirement")),
                 "securityDefinitions": (13, "SecurityDefinitions"),
                 "tags": (14, ("rep", "Tag")), "externalDocs": (15, "ExternalDocs"),
                 "x-": 16},
    "Info": {"title": (1, "str"), "version": (2, "str"), "description": (3, "str"),
             "termsOfService": (4, "str"), "contact": (5, "Contact"),
             "license": (6, "License"), "x-": 7},
    "Contact": {"name": (1, "str"), "url": (2, "str"), "email": (3, "str"), "x-": 4},
    "License": {"name": (1, "str"), "url": (2, "str"), "x-": 3},
    "ExternalDocs": {"description": (1, "str"), "url": (2, "str"), "x-": 3},
    "Tag": {"name": (1, "str"), "description": (2, "str"),
            "externalDocs": (3, "ExternalDocs"), "x-": 4},
    "PathItem": {"$ref": (1, "str"), "get": (2, "Operation"), "put": (3, "Operation"),
                 "post": (4, "Operation"), "delete": (5, "Operation"),
                 "options": (6, "Operation"), "head": (7, "Operation"),
                 "patch": (8, "Operation"), "parameters": (9, ("rep", "ParametersItem")),
                 "x-": 10},
    "Operation": {"tags": (1, "strs"), "summary": (2, "str"), "description": (3, "str"),
                  "externalDocs": (4, "ExternalDocs"), "operationId": (5, "str"),
                  "produces": (6, "strs"), "consumes": (7, "strs"),
                  "parameters": (8, ("rep", "ParametersItem")),
                  "responses": (9, "Responses"), "schemes": (10, "strs"),
                  "deprecated": (11, "bool"),
                  "security": (12, ("rep", "SecurityRequirement")), "x-": 13},
    "BodyParameter": {"description": (1, "str"), "name": (2, "str"), "in": (3, "str"),
                      "required": (4, "bool"), "schema": (5, "Schema"), "x-": 6},
    # QueryParameterSubSchema; PathParameterSubSchema has no allowEmptyValue,
    # so from "type" on its numbers are one lower (see _PATH below).
    "QueryParameterSubSchema": {
        "required": (1, "bool"), "in": (2, "str"), "description": (3, "str"),
        "name": (4, "str"), "allowEmptyValue": (5, "bool"), "type": (6, "str"),
        "format": (7, "str"), "collectionFormat": (9, "str"), "default": (10, "any"),
        "maximum": (11, "num"), "exclusiveMaximum": (12, "bool"), "minimum": (13, "num"),
        "exclusiveMinimum": (14, "bool"), "maxLength": (15, "int"), "minLength": (16, "int"),
        "pattern": (17, "str"), "maxItems": (18, "int"), "minItems": (19, "int"),
        "uniqueItems": (20, "bool"), "enum": (21, "anys"), "multipleOf": (22, "num"),
        "x-": 23},
    "JsonReference": {"$ref": (1, "str"), "description": (2, "str")},
    "Response": {"description": (1, "str"), "schema": (2, "SchemaItem"), "x-": 5},
    "Schema": {"$ref": (1, "str"), "format": (2, "str"), "title": (3, "str"),
               "description": (4, "str"), "default": (5, "any"), "multipleOf": (6, "num"),
               "maximum": (7, "num"), "exclusiveMaximum": (8, "bool"), "minimum": (9, "num"),
               "exclusiveMinimum": (10, "bool"), "maxLength": (11, "int"),
               "minLength": (12, "int"), "pattern": (13, "str"), "maxItems": (14, "int"),
               "minItems": (15, "int"), "uniqueItems": (16, "bool"),
               "maxProperties": (17, "int"), "minProperties": (18, "int"),
               "required": (19, "strs"), "enum": (20, "anys"),
               "additionalProperties": (21, "AdditionalPropertiesItem"),
               "type": (22, "TypeItem"), "items": (23, "ItemsItem"),
               "allOf": (24, ("rep", "Schema")), "properties": (25, "Properties"),
               "discriminator": (26, "str"), "readOnly": (27, "bool"),
               "externalDocs": (29, "ExternalDocs"), "example": (30, "any"), "x-": 31},
    "ApiKeySecurity": {"type": (1, "str"), "name": (2, "str"), "in": (3, "str"),
                       "description": (4, "str"), "x-": 5},
}
_PATH = {k: (v[0] - 1 if v[0] > 5 else v[0], v[1])
         for k, v in MSG["QueryParameterSubSchema"].items()
         if k not in ("x-", "allowEmptyValue")}
_PATH["x-"] = 22
MSG["PathParameterSubSchema"] = _PATH


def _varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(num, wire):
    return _varint(num << 3 | wire)


def _bytes(num, data):
    return _key(num, 2) + _varint(len(data)) + data


def _str(num, s):
    if not isinstance(s, str):
        raise ValueError("field %d: a string was expected, not %r" % (num, s))
    return _bytes(num, s.encode("utf-8")) if s else b""


def _any(value):
    """gnostic Any: field 2 holds the value as YAML text."""
    return _bytes(2, json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def _named(num, name, value_bytes):
    return _bytes(num, _str(1, name) + _bytes(2, value_bytes))


def _field(num, how, v, where):
    if how == "str":
        return _str(num, v)
    if how == "bool":
        if not isinstance(v, bool):
            raise ValueError("%s: a boolean was expected" % where)
        return _key(num, 0) + b"\x01" if v else b""
    if how == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("%s: an integer was expected" % where)
        return _key(num, 0) + _varint(v) if v else b""
    if how == "num":
        return _key(num, 1) + struct.pack("<d", float(v)) if v else b""
    if how == "strs":
        return b"".join(_bytes(num, s.encode("utf-8")) for s in v)
    if how == "any":
        return _bytes(num, _any(v))
    if how == "anys":
        return b"".join(_bytes(num, _any(x)) for x in v)
    if isinstance(how, tuple):
        return b"".join(_bytes(num, message(how[1], x, where)) for x in v)
    return _bytes(num, message(how, v, where))


def _table(name, obj, where):
    table = MSG[name]
    out = b""
    for k, v in obj.items():
        if k.startswith("x-") and "x-" in table:
            out += _named(table["x-"], k, _any(v))
            continue
        if k not in table:
            raise ValueError("%s: %s has no field %r in this encoder" % (where, name, k))
        num, how = table[k]
        out += _field(num, how, v, where + "." + k)
    return out


def _named_map(obj, msg, where, num=1):
    return b"".join(_named(num, k, message(msg, v, where + "." + k)) for k, v in obj.items())


def message(name, obj, where="$"):
    """Encode the JSON value obj as the gnostic message `name` (bytes, no tag)."""
    if name in ("Definitions", "Properties"):
        return _named_map(obj, "Schema", where)
    if name == "Paths":
        out = b""
        for k, v in obj.items():
            if k.startswith("x-"):
                out += _named(1, k, _any(v))
            else:
                out += _named(2, k, message("PathItem", v, where + "." + k))
        return out
    if name == "Responses":
        out = b""
        for k, v in obj.items():
            if k.startswith("x-"):
                out += _named(2, k, _any(v))
            else:
                out += _named(1, k, message("ResponseValue", v, where + "." + k))
        return out
    if name == "ResponseValue":
        if "$ref" in obj:
            return _bytes(2, message("JsonReference", obj, where))
        return _bytes(1, message("Response", obj, where))
    if name == "ParametersItem":
        if "$ref" in obj:
            return _bytes(2, message("JsonReference", obj, where))
        return _bytes(1, message("Parameter", obj, where))
    if name == "Parameter":
        if obj.get("in") == "body":
            return _bytes(1, message("BodyParameter", obj, where))
        sub = {"query": (3, "QueryParameterSubSchema"),
               "path": (4, "PathParameterSubSchema")}.get(obj.get("in"))
        if sub is None:
            raise ValueError("%s: parameters in %r are not encoded" % (where, obj.get("in")))
        return _bytes(2, _bytes(sub[0], message(sub[1], obj, where)))
    if name == "SchemaItem":
        if obj.get("type") == "file":
            raise ValueError("%s: file schemas are not encoded" % where)
        return _bytes(1, message("Schema", obj, where))
    if name == "TypeItem":
        return _field(1, "strs", [obj] if isinstance(obj, str) else obj, where)
    if name == "ItemsItem":
        items = obj if isinstance(obj, list) else [obj]
        return b"".join(_bytes(1, message("Schema", x, where)) for x in items)
    if name == "AdditionalPropertiesItem":
        if isinstance(obj, bool):
            return _key(2, 0) + (b"\x01" if obj else b"\x00")
        return _bytes(1, message("Schema", obj, where))
    if name == "SecurityDefinitions":
        out = b""
        for k, v in obj.items():
            if v.get("type") != "apiKey":
                raise ValueError("%s.%s: only apiKey security is encoded" % (where, k))
            out += _named(1, k, _bytes(2, message("ApiKeySecurity", v, where + "." + k)))
        return out
    if name == "SecurityRequirement":
        return b"".join(_named(1, k, _field(1, "strs", v, where)) for k, v in obj.items())
    if not isinstance(obj, dict):
        raise ValueError("%s: %s must be an object" % (where, name))
    return _table(name, obj, where)


def document(doc):
    """The whole Swagger 2.0 document as protobuf bytes."""
    return message("Document", doc)
