// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding the spec of a networking.k8s.io/v1 NetworkPolicy: validation as the
 * API server's (pkg/apis/networking/validation) and its defaulting (protocol TCP,
 * policyTypes), with "[]" and absent treated alike as they are after a round
 * trip through the API, and unknown fields refused as strict field validation does.
 */
#include "policy/decode_netpol.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cidr.h"
#include "policy/diag.h"
#include "policy/decode_selector.h"
#include "policy/validate.h"
#include "base/xalloc.h"

static const char *const spec_fields[] = {
	"podSelector", "policyTypes", "ingress", "egress", NULL,
};
static const char *const ingress_fields[] = { "from", "ports", NULL };
static const char *const egress_fields[] = { "to", "ports", NULL };
static const char *const peer_fields[] = {
	"podSelector",
	"namespaceSelector",
	"ipBlock",
	NULL,
};
static const char *const ipblock_fields[] = { "cidr", "except", NULL };
static const char *const port_fields[] = { "protocol", "port", "endPort", NULL };

#define CIDR_HINT "expected an address and a prefix length such as 10.0.0.0/8 or fd00::/64"

/* Parse the CIDR in string node s (at the current path); warn when not canonical. */
static int parse_cidr(struct field_ctx *f, const cJSON *s, struct addr *out)
{
	char canon[CIDR_STR_MAX];

	if (!field_is(f, s, FIELD_STRING))
		return -EINVAL;
	if (cidr_parse(s->valuestring, out) < 0) {
		field_error(f, s, "invalid CIDR \"%.60s\": " CIDR_HINT, s->valuestring);
		return -EINVAL;
	}
	cidr_format(out, canon, sizeof(canon));
	if (strcmp(canon, s->valuestring))
		field_warn(f, s, "CIDR value \"%.60s\" is not canonical; it is read as %s",
			   s->valuestring, canon);
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (memcmp(x->a, y->a, sizeof(x->a)))
		return memcmp(x->a, y->a, sizeof(x->a));
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static int except_one(struct field_ctx *f, const cJSON *s, struct peer *p)
{
	char outer[CIDR_STR_MAX];
	struct addr e;

	if (parse_cidr(f, s, &e) < 0)
		return -EINVAL;
	if (!cidr_strict_subset(&p->cidr, &e)) {
		cidr_format(&p->cidr, outer, sizeof(outer));
		field_error(f, s,
			    "\"%.60s\" must be a strict subset of `cidr` (%s): a longer "
			    "prefix of the same family inside it",
			    s->valuestring, outer);
		return -EINVAL;
	}
	p->except[p->nexcept++] = e;
	return 0;
}

static void excepts_sort_unique(struct peer *p)
{
	size_t n = 0;

	xqsort(p->except, p->nexcept, sizeof(*p->except), addr_cmp);
	for (size_t i = 0; i < p->nexcept; i++)
		if (!n || addr_cmp(&p->except[n - 1], &p->except[i]))
			p->except[n++] = p->except[i];
	p->nexcept = n;
}

static int decode_excepts(struct field_ctx *f, const cJSON *ipb, struct peer *p)
{
	const cJSON *arr, *s;
	int ret = field_typed(f, ipb, "except", FIELD_ARRAY, &arr);
	size_t old, i = 0;

	if (ret <= 0)
		return ret;
	p->except = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*p->except));
	old = field_push(f, "except");
	cJSON_ArrayForEach (s, arr) {
		size_t o = field_push_index(f, i++);

		if (except_one(f, s, p) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	excepts_sort_unique(p);
	return ret < 0 ? ret : 0;
}

static int decode_ipblock(struct field_ctx *f, const cJSON *ipb, struct peer *p)
{
	const cJSON *cidr = field_get(ipb, "cidr");
	size_t old = field_push(f, "ipBlock");
	int ret = field_known(f, ipb, ipblock_fields);
	size_t o = field_push(f, "cidr");

	if (!cidr) {
		field_error(f, ipb, "required value: " CIDR_HINT);
		ret = -EINVAL;
	} else if (parse_cidr(f, cidr, &p->cidr) < 0) {
		ret = -EINVAL;
	}
	field_pop(f, o);
	if (ret == 0 && decode_excepts(f, ipb, p) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}

/* At least one kind of peer, and ipBlock alone. */
static int peer_check(struct field_ctx *f, const cJSON *node, const struct peer *p)
{
	if (!p->flags) {
		field_error(f, node,
			    "must specify a peer: podSelector, namespaceSelector or "
			    "ipBlock");
		return -EINVAL;
	}
	if ((p->flags & PEER_IPBLOCK) && p->flags != PEER_IPBLOCK) {
		field_error(f, node, "may not specify both ipBlock and another peer");
		return -EINVAL;
	}
	return 0;
}

static int decode_peer(struct field_ctx *f, const cJSON *node, struct peer *p)
{
	const cJSON *ipb;
	int ret = 0;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_known(f, node, peer_fields) < 0)
		ret = -EINVAL;
	if (decode_selector(f, node, "podSelector", &p->pod_sel) < 0)
		ret = -EINVAL;
	if (decode_selector(f, node, "namespaceSelector", &p->ns_sel) < 0)
		ret = -EINVAL;
	if (field_typed(f, node, "ipBlock", FIELD_OBJECT, &ipb) < 0 ||
	    (ipb && decode_ipblock(f, ipb, p) < 0))
		ret = -EINVAL;
	p->flags |= field_get(node, "podSelector") ? PEER_POD_SEL : 0;
	p->flags |= field_get(node, "namespaceSelector") ? PEER_NS_SEL : 0;
	p->flags |= field_get(node, "ipBlock") ? PEER_IPBLOCK : 0;
	return peer_check(f, node, p) < 0 ? -EINVAL : ret;
}

/* Numeric or named port (at path ...port); 0 or -EINVAL. */
static int decode_port_value(struct field_ctx *f, const cJSON *v, struct np_port *p)
{
	const char *why;
	long n;

	if (cJSON_IsNumber(v)) {
		if (!field_int(f, v, 1, 65535, &n))
			return -EINVAL;
		p->port = (uint16_t)n;
		p->flags |= PORT_NUMBER;
		return 0;
	}
	if (!cJSON_IsString(v)) {
		field_error(f, v, "expected a port number (1-65535) or a port name, got %s",
			    field_type_name(v));
		return -EINVAL;
	}
	why = validate_port_name(v->valuestring);
	if (why) {
		field_error(f, v, "invalid port name \"%.40s\": %s%s", v->valuestring, why,
			    strspn(v->valuestring, "0123456789") == strlen(v->valuestring)
				    ? " (a quoted number is a name; write the number without "
				      "quotes)"
				    : "");
		return -EINVAL;
	}
	p->name = xstrdup(v->valuestring);
	p->flags |= PORT_NAMED;
	return 0;
}

static int decode_end_port(struct field_ctx *f, const cJSON *node, struct np_port *p, bool port_ok)
{
	const cJSON *end = field_get(node, "endPort");
	long n;

	if (!end)
		return 0;
	if (!field_int(f, end, 1, 65535, &n))
		return -EINVAL;
	if (!port_ok)
		return 0;
	if (!(p->flags & (PORT_NUMBER | PORT_NAMED)))
		field_error(f, end, "may not be specified when `port` is not specified");
	else if (p->flags & PORT_NAMED)
		field_error(f, end, "may not be specified when `port` is non-numeric");
	else if (n < p->port)
		field_error(f, end, "must be greater than or equal to `port` (%u), got %ld",
			    p->port, n);
	if (!(p->flags & PORT_NUMBER) || n < p->port)
		return -EINVAL;
	p->end_port = (uint16_t)n;
	p->flags |= PORT_RANGE;
	return 0;
}

static int decode_port(struct field_ctx *f, const cJSON *node, struct np_port *p)
{
	const cJSON *v;
	size_t old;
	int ret = 0;
	bool port_ok = true;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_known(f, node, port_fields) < 0)
		ret = -EINVAL;
	if (field_protocol(f, node, &p->proto) < 0)
		ret = -EINVAL;
	v = field_get(node, "port");
	old = field_push(f, "port");
	if (v && decode_port_value(f, v, p) < 0)
		port_ok = false;
	field_pop(f, old);
	old = field_push(f, "endPort");
	if (decode_end_port(f, node, p, port_ok) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return port_ok ? ret : -EINVAL;
}

/*
 * Decode every element of array obj.key with fn into a new array of *n elements
 * of size sz (NULL when absent or empty). *ret becomes -EINVAL on any error.
 */
static void *decode_each(struct field_ctx *f, const cJSON *obj, const char *key, size_t sz,
			 int (*fn)(struct field_ctx *, const cJSON *, void *), size_t *n, int *ret)
{
	const cJSON *arr, *e;
	size_t old, i = 0;
	char *v;

	if (field_typed(f, obj, key, FIELD_ARRAY, &arr) < 0)
		*ret = -EINVAL;
	if (!arr || cJSON_GetArraySize(arr) == 0)
		return NULL;
	*n = (size_t)cJSON_GetArraySize(arr);
	v = xcalloc(*n, sz);
	old = field_push(f, key);
	cJSON_ArrayForEach (e, arr) {
		size_t o = field_push_index(f, i);

		if (fn(f, e, v + sz * i++) < 0)
			*ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	return v;
}

static int peer_cb(struct field_ctx *f, const cJSON *node, void *p)
{
	return decode_peer(f, node, p);
}

static int port_cb(struct field_ctx *f, const cJSON *node, void *p)
{
	return decode_port(f, node, p);
}

static int decode_rule(struct field_ctx *f, const cJSON *node, struct np_rule *r, bool egress)
{
	int ret = 0;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_known(f, node, egress ? egress_fields : ingress_fields) < 0)
		ret = -EINVAL;
	r->peers = decode_each(f, node, egress ? "to" : "from", sizeof(*r->peers), peer_cb,
			       &r->npeers, &ret);
	r->ports = decode_each(f, node, "ports", sizeof(*r->ports), port_cb, &r->nports, &ret);
	return ret;
}

static int ingress_cb(struct field_ctx *f, const cJSON *node, void *r)
{
	return decode_rule(f, node, r, false);
}

static int egress_cb(struct field_ctx *f, const cJSON *node, void *r)
{
	return decode_rule(f, node, r, true);
}

static int policy_type(struct field_ctx *f, const cJSON *t, unsigned *types)
{
	if (!field_is(f, t, FIELD_STRING))
		return -EINVAL;
	if (!strcmp(t->valuestring, "Ingress")) {
		*types |= DIR_FLAG(DIR_INGRESS);
	} else if (!strcmp(t->valuestring, "Egress")) {
		*types |= DIR_FLAG(DIR_EGRESS);
	} else {
		field_error(f, t,
			    "Unsupported value: \"%.40s\": supported values: \"Ingress\", "
			    "\"Egress\"",
			    t->valuestring);
		return -EINVAL;
	}
	return 0;
}

/* spec.policyTypes, defaulted when absent or []: Ingress, and Egress iff egress rules exist. */
static int decode_types(struct field_ctx *f, const cJSON *spec, struct netpol *np)
{
	const cJSON *arr, *t;
	int ret = field_typed(f, spec, "policyTypes", FIELD_ARRAY, &arr);
	size_t old, i = 0;

	if (ret < 0)
		return ret;
	old = field_push(f, "policyTypes");
	if (cJSON_GetArraySize(arr) > 2) {
		field_error(f, arr, "may not specify more than two policyTypes");
		ret = -EINVAL;
	}
	cJSON_ArrayForEach (t, arr) {
		size_t o = field_push_index(f, i++);

		if (policy_type(f, t, &np->types) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	if (ret >= 0 && !np->types)
		np->types =
			DIR_FLAG(DIR_INGRESS) | (np->nrules[DIR_EGRESS] ? DIR_FLAG(DIR_EGRESS) : 0);
	return ret < 0 ? ret : 0;
}

/*
 * Decode obj.spec of a NetworkPolicy into np (whose names and origin the caller
 * sets). Every problem is reported through f. Returns 0 or -EINVAL; on error np
 * may be partly filled and is for model_netpol_fini() only.
 *
 * An absent podSelector, or an absent spec, is read as the API server reads it
 * (Go's zero value, kubernetes#131354): podSelector {} selecting every pod of the
 * namespace, and with no rules, a policy isolating them for ingress.
 */
int decode_netpol_spec(struct field_ctx *f, const cJSON *obj, struct netpol *np)
{
	const cJSON *spec;
	size_t old;
	int ret = field_typed(f, obj, "spec", FIELD_OBJECT, &spec);

	if (ret < 0)
		return -EINVAL;
	if (ret == 0) {
		np->types = DIR_FLAG(DIR_INGRESS);
		return 0;
	}
	old = field_push(f, "spec");
	ret = field_known(f, spec, spec_fields);
	if (decode_selector(f, spec, "podSelector", &np->pod_sel) < 0)
		ret = -EINVAL;
	np->rules[DIR_INGRESS] = decode_each(f, spec, "ingress", sizeof(struct np_rule), ingress_cb,
					     &np->nrules[DIR_INGRESS], &ret);
	np->rules[DIR_EGRESS] = decode_each(f, spec, "egress", sizeof(struct np_rule), egress_cb,
					    &np->nrules[DIR_EGRESS], &ret);
	if (decode_types(f, spec, np) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}
