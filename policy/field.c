// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Typed access to the fields of a JSON object with errors as diagnostics (see
 * field.h). JSON null counts as absent, as Go's decoder treats it for the
 * omitempty pointers, slices and maps of the API types.
 */
#include "policy/field.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/diag.h"
#include "policy/manifest.h"
#include "policy/validate.h"

static size_t push(struct field_ctx *f, const char *key, size_t index)
{
	size_t old = f->nseg;

	if (f->nseg < FIELD_DEPTH_MAX)
		f->seg[f->nseg] = (struct field_seg){ key, index };
	f->nseg++;
	return old;
}

/*
 * Append ".key" to the current path (key borrowed until popped: a literal or a
 * key of the tree); returns the depth to restore with field_pop().
 */
size_t field_push(struct field_ctx *f, const char *key)
{
	return push(f, key, 0);
}

/* Append "[i]" to the current path; returns the depth to restore. */
size_t field_push_index(struct field_ctx *f, size_t i)
{
	return push(f, NULL, i);
}

void field_pop(struct field_ctx *f, size_t len)
{
	f->nseg = len;
}

/* The current path as text (spec.ingress[0].ports), in f; valid until the next call. */
const char *field_path(struct field_ctx *f)
{
	size_t len = 0, n = f->nseg < FIELD_DEPTH_MAX ? f->nseg : FIELD_DEPTH_MAX;

	f->path[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(f->path) - 1; i++) {
		const struct field_seg *g = &f->seg[i];
		int w = g->key ? snprintf(f->path + len, sizeof(f->path) - len, "%s%s",
					  len ? "." : "", g->key)
			       : snprintf(f->path + len, sizeof(f->path) - len, "[%zu]", g->index);

		if (w < 0)
			break;
		len += (size_t)w < sizeof(f->path) - len ? (size_t)w : sizeof(f->path) - len - 1;
	}
	return f->path;
}

/*
 * Name the object being decoded in messages: "Kind ns/name", or "Kind name"
 * when ns is NULL; name NULL: "(no name)". The strings are borrowed until the
 * decoding of the object ends.
 */
void field_set_object(struct field_ctx *f, const char *kind, const char *ns, const char *name)
{
	f->obj_kind = kind;
	f->obj_ns = ns;
	f->obj_name = name;
}

/* The object's name as text (in f, valid until the next call), or NULL when not set. */
const char *field_object(struct field_ctx *f)
{
	if (!f->obj_kind)
		return NULL;
	snprintf(f->object, sizeof(f->object), "%s %.80s%s%.253s", f->obj_kind,
		 f->obj_ns ? f->obj_ns : "", f->obj_ns ? "/" : "",
		 f->obj_name ? f->obj_name : "(no name)");
	return f->object;
}

/* The source line of node, or the object's line when the node's is not known. */
unsigned field_line(const struct field_ctx *f, const cJSON *node)
{
	unsigned line = manifest_line(f->doc, node);

	return line ? line : f->line;
}

/* Report an error at the current path, on the line of node (may be NULL). */
void field_error(struct field_ctx *f, const cJSON *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(f->d, DIAG_ERROR, f->file, field_line(f, node), field_object(f), field_path(f),
		  fmt, ap);
	va_end(ap);
	f->nerrors++;
}

/* Report a warning (not an error) at the current path, on the line of node. */
void field_warn(struct field_ctx *f, const cJSON *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(f->d, DIAG_WARNING, f->file, field_line(f, node), field_object(f), field_path(f),
		  fmt, ap);
	va_end(ap);
}

/* obj's member key, or NULL when obj is not an object, or key is absent or null. */
const cJSON *field_get(const cJSON *obj, const char *key)
{
	const cJSON *n;

	if (!cJSON_IsObject(obj))
		return NULL;
	/* cJSON_GetObjectItemCaseSensitive, the first byte compared inline */
	for (n = obj->child; n; n = n->next)
		if (n->string && n->string[0] == key[0] && !strcmp(n->string, key))
			break;
	return cJSON_IsNull(n) ? NULL : n;
}

/* "a string", "a list"... for messages. */
const char *field_type_name(const cJSON *node)
{
	if (cJSON_IsString(node))
		return "a string";
	if (cJSON_IsNumber(node))
		return "a number";
	if (cJSON_IsBool(node))
		return "a boolean";
	if (cJSON_IsObject(node))
		return "a mapping";
	if (cJSON_IsArray(node))
		return "a list";
	return "null";
}

static bool type_ok(const cJSON *node, enum field_type t)
{
	switch (t) {
	case FIELD_STRING:
		return cJSON_IsString(node);
	case FIELD_NUMBER:
		return cJSON_IsNumber(node);
	case FIELD_BOOL:
		return cJSON_IsBool(node);
	case FIELD_OBJECT:
		return cJSON_IsObject(node);
	case FIELD_ARRAY:
		return cJSON_IsArray(node);
	}
	return false;
}

static const char *const type_want[] = {
	[FIELD_STRING] = "a string",
	[FIELD_NUMBER] = "a number",
	[FIELD_BOOL] = "a boolean (true or false)",
	[FIELD_OBJECT] = "a mapping",
	[FIELD_ARRAY] = "a list",
};

/* Whether node has type t; if not, report it at the current path. */
bool field_is(struct field_ctx *f, const cJSON *node, enum field_type t)
{
	static const char hint[] = "; quote it in YAML to keep it a string";

	if (type_ok(node, t))
		return true;
	if (t == FIELD_STRING && cJSON_IsBool(node))
		field_error(f, node, "expected a string, got a boolean (%s)%s",
			    cJSON_IsTrue(node) ? "true" : "false", hint);
	else if (t == FIELD_STRING && cJSON_IsNumber(node))
		field_error(f, node, "expected a string, got a number (%g)%s",
			    cJSON_GetNumberValue(node), hint);
	else if (cJSON_IsString(node))
		field_error(f, node, "expected %s, got a string (\"%.40s\")", type_want[t],
			    node->valuestring);
	else
		field_error(f, node, "expected %s, got %s", type_want[t], field_type_name(node));
	return false;
}

/*
 * Member key of obj checked to have type t. Returns 1 with *out set, 0 when absent
 * or null (*out NULL), -EINVAL when of another type (reported).
 */
int field_typed(struct field_ctx *f, const cJSON *obj, const char *key, enum field_type t,
		const cJSON **out)
{
	const cJSON *n = field_get(obj, key);
	size_t old;
	bool ok;

	*out = NULL;
	if (!n)
		return 0;
	old = field_push(f, key);
	ok = field_is(f, n, t);
	field_pop(f, old);
	if (!ok)
		return -EINVAL;
	*out = n;
	return 1;
}

/* A string member: as field_typed(), *out borrowed from the tree. */
int field_string(struct field_ctx *f, const cJSON *obj, const char *key, const char **out)
{
	const cJSON *n;
	int ret = field_typed(f, obj, key, FIELD_STRING, &n);

	*out = ret > 0 ? n->valuestring : NULL;
	return ret;
}

/* Whether node (at the current path) is a whole number in [min, max]; reports otherwise. */
bool field_int(struct field_ctx *f, const cJSON *node, long min, long max, long *out)
{
	double v;

	if (!field_is(f, node, FIELD_NUMBER))
		return false;
	v = cJSON_GetNumberValue(node);
	if (v != floor(v)) {
		field_error(f, node, "invalid value %g: must be a whole number", v);
		return false;
	}
	if (v < (double)min || v > (double)max) {
		field_error(f, node, "invalid value %.0f: must be between %ld and %ld, inclusive",
			    v, min, max);
		return false;
	}
	*out = (long)v;
	return true;
}

/* obj.protocol: TCP (also when absent), UDP or SCTP. 0 or -EINVAL (reported). */
int field_protocol(struct field_ctx *f, const cJSON *obj, uint8_t *out)
{
	const char *p;
	int ret = field_string(f, obj, "protocol", &p);
	size_t old;

	*out = IPPROTO_TCP;
	if (ret <= 0)
		return ret;
	if (!strcmp(p, "UDP"))
		*out = IPPROTO_UDP;
	else if (!strcmp(p, "SCTP"))
		*out = IPPROTO_SCTP;
	else if (strcmp(p, "TCP"))
		ret = -EINVAL;
	if (ret < 0) {
		old = field_push(f, "protocol");
		field_error(f, field_get(obj, "protocol"),
			    "Unsupported value: \"%.40s\": "
			    "supported values: \"TCP\", \"UDP\", \"SCTP\"",
			    p);
		field_pop(f, old);
		return ret;
	}
	return 0;
}

static int label_one(struct field_ctx *f, const cJSON *n, struct labels *out)
{
	const char *why = validate_label_key(n->string);

	if (why) {
		field_error(f, n, "invalid label key \"%.80s\": %s", n->string, why);
		return -EINVAL;
	}
	/* kubectl sends "app:" as null, which Go decodes into a string as "". */
	if (cJSON_IsNull(n)) {
		model_labels_set(out, n->string, "");
		return 0;
	}
	if (!cJSON_IsString(n)) {
		size_t old = field_push(f, n->string);

		field_is(f, n, FIELD_STRING);
		field_pop(f, old);
		return -EINVAL;
	}
	why = validate_label_value(n->valuestring);
	if (why) {
		field_error(f, n, "invalid value \"%.80s\" of label \"%s\": %s", n->valuestring,
			    n->string, why);
		return -EINVAL;
	}
	model_labels_set(out, n->string, n->valuestring);
	return 0;
}

/*
 * A label map obj.key (absent: empty), every key and value validated, added to
 * out (strings copied). 0, or -EINVAL when anything was wrong (all reported).
 */
int field_labels(struct field_ctx *f, const cJSON *obj, const char *key, struct labels *out)
{
	const cJSON *map, *n;
	int ret = field_typed(f, obj, key, FIELD_OBJECT, &map);
	size_t old;

	if (ret <= 0)
		return ret;
	old = field_push(f, key);
	cJSON_ArrayForEach (n, map)
		if (label_one(f, n, out) < 0)
			ret = -EINVAL;
	field_pop(f, old);
	return ret < 0 ? ret : 0;
}

static bool name_in(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(s, *names))
			return true;
	return false;
}

/* names (NULL-terminated) as "a, b, c" into list (size bytes), cut short where it is full. */
static void names_text(const char *const *names, char *list, size_t size)
{
	size_t len = 0;

	list[0] = '\0';
	for (const char *const *p = names; *p; p++) {
		int w = snprintf(list + len, size - len, "%s%s", len ? ", " : "", *p);

		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
}

/*
 * Report members of obj not in names (NULL-terminated), as the API server's
 * strict field validation does: a misspelt "form:" must not silently mean "any
 * peer". Returns 0 or -EINVAL.
 */
int field_known(struct field_ctx *f, const cJSON *obj, const char *const *names)
{
	const cJSON *n;
	char list[200] = "";
	int ret = 0;

	cJSON_ArrayForEach (n, obj) {
		if (name_in(n->string, names))
			continue;
		if (!list[0]) /* made once a message needs it */
			names_text(names, list, sizeof(list));
		field_error(f, n, "unknown field \"%.80s\": expected one of %s", n->string, list);
		ret = -EINVAL;
	}
	return ret;
}

/*
 * Call fn(f, item, i, arg) for every item of the list arr (obj.key; NULL: none)
 * with the path at key[i]. Returns 0, or -EINVAL when fn failed for any item.
 */
int field_each(struct field_ctx *f, const cJSON *arr, const char *key,
	       int (*fn)(struct field_ctx *f, const cJSON *item, size_t i, void *arg), void *arg)
{
	size_t old = field_push(f, key), i = 0;
	const cJSON *e;
	int ret = 0;

	cJSON_ArrayForEach (e, arr) {
		size_t o = field_push_index(f, i);

		if (fn(f, e, i++, arg) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	return ret;
}
