// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Label selectors from JSON (see labelsel.h). Requirements are sorted by key,
 * operator and values, and values sorted and made unique, so that equal
 * selectors compare equal however they were written.
 */
#include "policy/decode_selector.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/validate.h"
#include "base/xalloc.h"

static const char *const selector_fields[] = { "matchLabels", "matchExpressions", NULL };
static const char *const req_fields[] = { "key", "operator", "values", NULL };

static const char *const op_names[] = {
	[SEL_OP_IN] = "In",
	[SEL_OP_NOT_IN] = "NotIn",
	[SEL_OP_EXISTS] = "Exists",
	[SEL_OP_DOES_NOT_EXIST] = "DoesNotExist",
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int req_cmp(const void *a, const void *b)
{
	const struct sel_req *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c || x->op != y->op)
		return c ? c : (x->op < y->op ? -1 : 1);
	for (size_t i = 0; i < x->nvalues && i < y->nvalues; i++) {
		c = strcmp(x->values[i], y->values[i]);
		if (c)
			return c;
	}
	return x->nvalues < y->nvalues ? -1 : x->nvalues > y->nvalues;
}

static void values_sort_unique(struct sel_req *r)
{
	size_t n = 0;

	if (r->nvalues)
		xqsort(r->values, r->nvalues, sizeof(*r->values), str_cmp);
	for (size_t i = 0; i < r->nvalues; i++) {
		if (n && !strcmp(r->values[n - 1], r->values[i]))
			free(r->values[i]);
		else
			r->values[n++] = r->values[i];
	}
	r->nvalues = n;
}

static int req_key(struct field_ctx *f, const cJSON *node, struct sel_req *r)
{
	const char *key, *why;
	size_t old;

	if (field_string(f, node, "key", &key) < 0)
		return -EINVAL;
	old = field_push(f, "key");
	if (!key) {
		field_error(f, node, "required value: the label key the expression tests");
		field_pop(f, old);
		return -EINVAL;
	}
	why = validate_label_key(key);
	if (why)
		field_error(f, field_get(node, "key"), "invalid label key \"%.80s\": %s", key, why);
	else
		r->key = xstrdup(key);
	field_pop(f, old);
	return why ? -EINVAL : 0;
}

static int req_op(struct field_ctx *f, const cJSON *node, struct sel_req *r)
{
	const char *op;
	size_t old;

	if (field_string(f, node, "operator", &op) < 0)
		return -EINVAL;
	for (size_t i = 0; op && i < ARRAY_SIZE(op_names); i++) {
		if (!strcmp(op, op_names[i])) {
			r->op = (enum sel_op)i;
			return 0;
		}
	}
	old = field_push(f, "operator");
	if (op)
		field_error(f, field_get(node, "operator"),
			    "\"%.40s\" is not a valid selector "
			    "operator: expected In, NotIn, Exists or DoesNotExist",
			    op);
	else
		field_error(f, node, "required value: In, NotIn, Exists or DoesNotExist");
	field_pop(f, old);
	return -EINVAL;
}

static int req_value(struct field_ctx *f, const cJSON *v, struct sel_req *r)
{
	const char *why;

	if (!field_is(f, v, FIELD_STRING))
		return -EINVAL;
	why = validate_label_value(v->valuestring);
	if (why) {
		field_error(f, v, "invalid label value \"%.80s\": %s", v->valuestring, why);
		return -EINVAL;
	}
	r->values[r->nvalues++] = xstrdup(v->valuestring);
	return 0;
}

static int req_values(struct field_ctx *f, const cJSON *node, struct sel_req *r, bool valid_op)
{
	const cJSON *vals, *v;
	size_t old, i = 0;
	int ret = field_typed(f, node, "values", FIELD_ARRAY, &vals);
	bool want = r->op == SEL_OP_IN || r->op == SEL_OP_NOT_IN;
	size_t n = ret > 0 ? (size_t)cJSON_GetArraySize(vals) : 0;

	if (ret < 0)
		return -EINVAL;
	old = field_push(f, "values");
	if (valid_op && want && n == 0)
		field_error(f, vals ? vals : node,
			    "must be specified when `operator` is 'In' or "
			    "'NotIn'");
	else if (valid_op && !want && n > 0)
		field_error(f, vals,
			    "may not be specified when `operator` is 'Exists' or "
			    "'DoesNotExist'");
	ret = (valid_op && want != (n > 0)) ? -EINVAL : 0;
	r->values = n ? xcalloc(n, sizeof(*r->values)) : NULL;
	cJSON_ArrayForEach (v, vals) {
		size_t o = field_push_index(f, i++);

		if (req_value(f, v, r) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	values_sort_unique(r);
	return ret;
}

static int decode_req(struct field_ctx *f, const cJSON *node, struct sel_req *r)
{
	int ret = 0;
	bool valid_op;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_known(f, node, req_fields) < 0)
		ret = -EINVAL;
	if (req_key(f, node, r) < 0)
		ret = -EINVAL;
	valid_op = req_op(f, node, r) == 0;
	if (!valid_op || req_values(f, node, r, valid_op) < 0)
		ret = -EINVAL;
	return ret;
}

static int decode_reqs(struct field_ctx *f, const cJSON *sel, struct selector *out)
{
	const cJSON *arr, *n;
	int ret = field_typed(f, sel, "matchExpressions", FIELD_ARRAY, &arr);
	size_t old, i = 0;

	if (ret <= 0)
		return ret;
	out->nreqs = (size_t)cJSON_GetArraySize(arr);
	out->reqs = out->nreqs ? xcalloc(out->nreqs, sizeof(*out->reqs)) : NULL;
	old = field_push(f, "matchExpressions");
	cJSON_ArrayForEach (n, arr) {
		size_t o = field_push_index(f, i);

		if (decode_req(f, n, &out->reqs[i++]) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	if (ret < 0)
		return ret;
	if (out->nreqs)
		xqsort(out->reqs, out->nreqs, sizeof(*out->reqs), req_cmp);
	return 0;
}

/*
 * The label selector obj.key into out (strings copied). Returns 1 when present
 * ({} is present and empty), 0 when absent or null, -EINVAL when invalid (all
 * problems reported; out may be partly filled and must be finalized).
 */
int decode_selector(struct field_ctx *f, const cJSON *obj, const char *key, struct selector *out)
{
	const cJSON *sel;
	int ret = field_typed(f, obj, key, FIELD_OBJECT, &sel);
	size_t old;

	if (ret <= 0)
		return ret;
	old = field_push(f, key);
	if (field_known(f, sel, selector_fields) < 0)
		ret = -EINVAL;
	if (field_labels(f, sel, "matchLabels", &out->match) < 0)
		ret = -EINVAL;
	if (decode_reqs(f, sel, out) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}
