// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding the spec of a cluster network policy as the API server validates it
 * with the CRD's schema and CEL rules (kubernetes-sigs/network-policy-api):
 * v1alpha2 ClusterNetworkPolicy here (its ports in decode_cnp_port.c), and
 * v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy through what
 * decode_anp.c says differs, all into struct cnp. Unknown fields are refused
 * as strict field validation does, but for a peer none of whose fields nftpol
 * knows: the upstream types call that a peer of a newer API, which fails
 * closed (a warning; the compiler does it).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "policy/decode_int.h"
#include "policy/decode_selector.h"
#include "policy/validate.h"
#include "base/xalloc.h"

#define CIDR_MAX_LEN 43	  /* CIDR: MaxLength */
#define RULE_NAME_MAX 100 /* rule name: MaxLength */
#define PEER_LIST_MAX 25  /* networks, domainNames: MaxItems */
#define CIDR_HINT "expected an address and a prefix length such as 10.0.0.0/8 or fd00::/64"

static const char *const spec_fields[] = {
	"tier", "priority", "subject", "ingress", "egress", NULL
};
static const char *const ingress_fields[] = { "name", "action", "from", "protocols", NULL };
static const char *const egress_fields[] = { "name", "action", "to", "protocols", NULL };
static const char *const ingress_peers[] = { "namespaces", "pods", NULL };
static const char *const egress_peers[] = {
	"namespaces", "pods", "nodes", "networks", "domainNames", NULL,
};
static const char *const subject_fields[] = { "namespaces", "pods", NULL };
static const char *const pods_fields[] = { "namespaceSelector", "podSelector", NULL };

static const struct decode_cnp_api api_v1alpha2 = {
	.spec_fields = spec_fields,
	.rule_fields = { ingress_fields, egress_fields },
	.peer_fields = { ingress_peers, egress_peers },
	.actions = { "Accept", "Deny", "Pass" },
	.ports_key = "protocols",
	.named_port = "destinationNamedPort",
	.addr_peers = "networks, nodes or domainNames",
	.max_rules = 25,
	.max_peers = 25,
	.max_ports = 25,
	.has_tier = true,
	.has_priority = true,
	.port = decode_cnp_port_protocol,
};

/* "a, b or c" of a NULL-terminated list, into buf. */
static void names_or(const char *const *names, char *buf, size_t len)
{
	size_t n = 0, k = 0;

	while (names[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++) {
		int w = snprintf(buf + k, len - k, "%s%s",
				 i == 0	      ? ""
				 : i + 1 == n ? " or "
					      : ", ",
				 names[i]);

		k += w > 0 ? (size_t)w : 0;
	}
}

/*
 * Exactly one member of obj (at the current path) among names (MinProperties
 * and MaxProperties 1): its index, or -EINVAL (reported).
 */
int decode_cnp_one_of(struct field_ctx *f, const cJSON *obj, const char *const *names)
{
	char list[200], got[200];
	size_t n = 0, k = 0;
	int which = -EINVAL;

	got[0] = '\0';
	for (int i = 0; names[i]; i++) {
		if (!field_get(obj, names[i]))
			continue;
		if (k < sizeof(got)) {
			int w = snprintf(got + k, sizeof(got) - k, "%s%s", n ? ", " : "", names[i]);

			k += w > 0 ? (size_t)w : 0;
		}
		which = i;
		n++;
	}
	if (n == 1)
		return which;
	names_or(names, list, sizeof(list));
	if (n == 0)
		field_error(f, obj, "must specify exactly one of %s, got none", list);
	else
		field_error(f, obj, "must specify exactly one of %s, got %zu: %s", list, n, got);
	return -EINVAL;
}

/*
 * obj.key as a list of at most max items, at least one when present (min 1)
 * or none allowed (min 0). Returns 1 with *out set, 0 when absent or null,
 * -EINVAL (reported).
 */
static int list_get(struct field_ctx *f, const cJSON *obj, const char *key, size_t min, size_t max,
		    const cJSON **out)
{
	const cJSON *arr;
	int ret = field_typed(f, obj, key, FIELD_ARRAY, &arr);
	size_t n, old;

	*out = NULL;
	if (ret <= 0)
		return ret;
	n = (size_t)cJSON_GetArraySize(arr);
	if (n >= min && n <= max) {
		*out = arr;
		return 1;
	}
	old = field_push(f, key);
	if (n < min)
		field_error(f, arr, "must have at least 1 item, got none");
	else
		field_error(f, arr, "too many items: %zu, at most %zu are allowed", n, max);
	field_pop(f, old);
	return -EINVAL;
}

/* A required member key of obj is absent: report it at its path. Returns -EINVAL. */
int decode_cnp_missing(struct field_ctx *f, const cJSON *obj, const char *key, const char *what)
{
	size_t old = field_push(f, key);

	field_error(f, obj, "required value: %s", what);
	field_pop(f, old);
	return -EINVAL;
}

/* One list_each() call. */
struct list_each_arg {
	char *v;
	size_t sz;
	int (*fn)(struct field_ctx *, const cJSON *, void *, const void *);
	const void *arg;
};

static int list_each_cb(struct field_ctx *f, const cJSON *item, size_t i, void *arg)
{
	struct list_each_arg *la = arg;

	return la->fn(f, item, la->v + la->sz * i, la->arg);
}

/*
 * Decode every item of arr (obj.key) with fn into a new array of *n elements
 * of size sz. *ret becomes -EINVAL on any error.
 */
static void *list_each(struct field_ctx *f, const cJSON *arr, const char *key, size_t sz,
		       int (*fn)(struct field_ctx *, const cJSON *, void *, const void *),
		       const void *arg, size_t *n, int *ret)
{
	struct list_each_arg la = { NULL, sz, fn, arg };

	*n = (size_t)cJSON_GetArraySize(arr);
	if (*n == 0)
		return NULL;
	la.v = xcalloc(*n, sz);
	if (field_each(f, arr, key, list_each_cb, &la) < 0)
		*ret = -EINVAL;
	return la.v;
}

/* Whether string item e equals an earlier item of arr (listType=set). */
static bool repeated(const cJSON *arr, const cJSON *e)
{
	for (const cJSON *p = arr->child; p && p != e; p = p->next)
		if (cJSON_IsString(p) && !strcmp(p->valuestring, e->valuestring))
			return true;
	return false;
}

/* A NamespacedPod at obj.key: namespaceSelector and podSelector. */
static int decode_pods(struct field_ctx *f, const cJSON *obj, const char *key,
		       const struct decode_cnp_api *api, struct selector *ns_sel,
		       struct selector *pod_sel)
{
	const cJSON *pods;
	size_t old;
	int ret = field_typed(f, obj, key, FIELD_OBJECT, &pods);

	if (ret <= 0)
		return ret;
	old = field_push(f, key);
	ret = field_known(f, pods, pods_fields);
	if (api->ns_selector_required && !field_get(pods, "namespaceSelector"))
		ret = decode_cnp_missing(f, pods, "namespaceSelector",
					 "a label selector ({} selects every namespace)");
	if (!field_get(pods, "podSelector"))
		ret = decode_cnp_missing(f, pods, "podSelector",
					 "a label selector ({} selects every pod)");
	if (decode_selector(f, pods, "namespaceSelector", ns_sel) < 0 ||
	    decode_selector(f, pods, "podSelector", pod_sel) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret < 0 ? -EINVAL : 0;
}

/* networks or domainNames of one peer. */
struct peer_list_arg {
	const cJSON *arr;
	struct cnp_peer *p;
};

/* v4-mapped IPv6 (::ffff:a.b.c.d) */
static bool v4_mapped(const struct addr *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return a->family == AF_INET6 && !memcmp(a->a, prefix, sizeof(prefix));
}

/*
 * What CEL's isCIDR (Go's netip.ParsePrefix) refuses of a CIDR cidr_parse()
 * took, or NULL. Host bits it allows.
 */
static const char *cidr_strict(const char *s)
{
	const char *slash = strchr(s, '/');
	char host[CIDR_MAX_LEN + 1];
	struct addr a;
	size_t n = (size_t)(slash - s);

	if (slash[1] == '0' && slash[2])
		return "the prefix length has a leading zero";
	if (n >= sizeof(host))
		return NULL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (cidr_parse_addr(host, &a) < 0)
		return NULL;
	if (v4_mapped(&a))
		return "an IPv4-mapped IPv6 address is not allowed (write the IPv4 CIDR)";
	for (const char *p = host; a.family == AF_INET && p; p = strchr(p, '.')) {
		p += *p == '.';
		if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
			return "a part of the IPv4 address has a leading zero";
	}
	return NULL;
}

/* One item of networks (at the current path) into p->nets, masked. */
static int network_one(struct field_ctx *f, const cJSON *e, size_t i, void *arg)
{
	const struct peer_list_arg *pa = arg;
	struct cnp_peer *p = pa->p;
	char canon[CIDR_STR_MAX];
	struct addr *a = &p->nets[p->nnets];
	const char *why = NULL;

	if (!field_is(f, e, FIELD_STRING))
		return -EINVAL;
	if (strlen(e->valuestring) > CIDR_MAX_LEN) {
		field_error(f, e, "too long: may not be more than %d characters, got %zu",
			    CIDR_MAX_LEN, strlen(e->valuestring));
		return -EINVAL;
	}
	if (cidr_parse(e->valuestring, a) < 0 || (why = cidr_strict(e->valuestring))) {
		field_error(f, e, "invalid CIDR \"%s\": %s%s" CIDR_HINT, e->valuestring,
			    why ? why : "", why ? "; " : "");
		return -EINVAL;
	}
	if (repeated(pa->arr, e)) {
		field_error(f, e, "duplicate value \"%s\": each CIDR may be given once",
			    e->valuestring);
		return -EINVAL;
	}
	cidr_format(a, canon, sizeof(canon));
	if (strcmp(canon, e->valuestring))
		field_warn(f, e, "CIDR value \"%s\" is not canonical; it is read as %s",
			   e->valuestring, canon);
	p->nnets++;
	return 0;
}

static int domain_one(struct field_ctx *f, const cJSON *e, size_t i, void *arg)
{
	const struct peer_list_arg *pa = arg;
	struct cnp_peer *p = pa->p;
	const char *why;

	if (!field_is(f, e, FIELD_STRING))
		return -EINVAL;
	why = validate_domain_name(e->valuestring);
	if (why) {
		field_error(f, e, "invalid domain name \"%.80s\": %s", e->valuestring, why);
		return -EINVAL;
	}
	if (repeated(pa->arr, e)) {
		field_error(f, e, "duplicate value \"%.80s\": each domain name may be given once",
			    e->valuestring);
		return -EINVAL;
	}
	p->domains[p->ndomains++] = xstrdup(e->valuestring);
	return 0;
}

/* networks or domainNames (key) of a peer: 1 to 25 strings, no repeats. */
static int peer_strings(struct field_ctx *f, const cJSON *node, const char *key, struct cnp_peer *p)
{
	bool nets = !strcmp(key, "networks");
	struct peer_list_arg pa = { NULL, p };
	int ret = list_get(f, node, key, 1, PEER_LIST_MAX, &pa.arr);
	const cJSON *arr = pa.arr;

	if (ret <= 0)
		return ret;
	if (nets)
		p->nets = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(*p->nets));
	else
		p->domains = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(*p->domains));
	return field_each(f, arr, key, nets ? network_one : domain_one, &pa);
}

/*
 * Members of obj that are set (not null), and how many of them are in names.
 * A peer is of a newer API when no member is the name of any kind of peer
 * (egress_peers has them all): one that is only wrong for its place (networks
 * in an ingress rule) is an error.
 */
static size_t count_set(const cJSON *obj, const char *const *names, size_t *known)
{
	const cJSON *c;
	size_t n = 0;

	*known = 0;
	cJSON_ArrayForEach (c, obj) {
		if (cJSON_IsNull(c))
			continue;
		n++;
		for (const char *const *p = names; *p; p++)
			*known += !strcmp(c->string, *p);
	}
	return n;
}

/* What one rule's items need to know. */
struct rule_arg {
	const struct decode_cnp_api *api;
	enum dir dir;
};

static int decode_peer(struct field_ctx *f, const cJSON *node, void *elem, const void *arg)
{
	const struct rule_arg *ra = arg;
	const char *const *names = ra->api->peer_fields[ra->dir];
	struct cnp_peer *p = elem;
	size_t known;
	const char *key;
	int which;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (count_set(node, egress_peers, &known) > 0 && known == 0) {
		p->kind = CNP_PEER_UNKNOWN;
		return 0;
	}
	if (field_known(f, node, names) < 0)
		return -EINVAL;
	which = decode_cnp_one_of(f, node, names);
	if (which < 0)
		return -EINVAL;
	key = names[which];
	if (!strcmp(key, "namespaces")) {
		p->kind = CNP_PEER_NAMESPACES;
		return decode_selector(f, node, key, &p->ns_sel) < 0 ? -EINVAL : 0;
	}
	if (!strcmp(key, "pods")) {
		p->kind = CNP_PEER_PODS;
		return decode_pods(f, node, key, ra->api, &p->ns_sel, &p->pod_sel);
	}
	if (!strcmp(key, "nodes")) {
		p->kind = CNP_PEER_NODES;
		return decode_selector(f, node, key, &p->node_sel) < 0 ? -EINVAL : 0;
	}
	p->kind = !strcmp(key, "networks") ? CNP_PEER_NETWORKS : CNP_PEER_DOMAINS;
	return peer_strings(f, node, key, p);
}

static int port_cb(struct field_ctx *f, const cJSON *node, void *elem, const void *arg)
{
	const struct rule_arg *ra = arg;

	return ra->api->port(f, node, elem);
}

/* A rule's name: optional, at most 100 characters ("" when absent). */
static int rule_name(struct field_ctx *f, const cJSON *node, struct cnp_rule *r)
{
	const char *name;
	size_t old, chars = 0;

	if (field_string(f, node, "name", &name) < 0)
		return -EINVAL;
	name = name ? name : "";
	for (const char *s = name; *s; s++)
		chars += ((unsigned char)*s & 0xc0) != 0x80;
	if (chars > RULE_NAME_MAX) {
		old = field_push(f, "name");
		field_error(f, field_get(node, "name"),
			    "too long: may not be more than %d characters, got %zu", RULE_NAME_MAX,
			    chars);
		field_pop(f, old);
		return -EINVAL;
	}
	r->name = xstrdup(name);
	return 0;
}

/* "\"A\", \"B\"" of the actions api allows, into buf. */
static void action_list(const struct decode_cnp_api *api, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(api->actions) && k < len; i++) {
		int w;

		if (!api->actions[i])
			continue;
		w = snprintf(buf + k, len - k, "%s\"%s\"", k ? ", " : "", api->actions[i]);
		k += w > 0 ? (size_t)w : 0;
	}
}

static int rule_action(struct field_ctx *f, const cJSON *node, const struct decode_cnp_api *api,
		       struct cnp_rule *r)
{
	const char *a;
	char list[100];
	size_t old;

	if (field_string(f, node, "action", &a) < 0)
		return -EINVAL;
	action_list(api, list, sizeof(list));
	for (size_t i = 0; a && i < ARRAY_SIZE(api->actions); i++) {
		if (api->actions[i] && !strcmp(a, api->actions[i])) {
			r->action = (enum cnp_action)i;
			return 0;
		}
	}
	if (!a) {
		char what[sizeof(list) + 8];

		snprintf(what, sizeof(what), "one of %s", list);
		return decode_cnp_missing(f, node, "action", what);
	}
	old = field_push(f, "action");
	field_error(f, field_get(node, "action"),
		    "Unsupported value: \"%.40s\": supported values: %s%s", a, list,
		    !strcmp(a, "Allow") ? " (v1alpha2 ClusterNetworkPolicy calls it Accept)"
		    : !strcmp(a, "Accept") && !api->has_tier ? " (v1alpha1 calls it Allow)"
							     : "");
	field_pop(f, old);
	return -EINVAL;
}

/*
 * The CEL rule of egress rules: a named port exists only on pods, so a rule
 * with a networks, nodes or domainNames peer may not name one.
 */
static int named_port_check(struct field_ctx *f, const cJSON *node,
			    const struct decode_cnp_api *api, const struct cnp_rule *r)
{
	bool addr = false, named = false;

	for (size_t i = 0; i < r->npeers; i++)
		addr |= r->peers[i].kind == CNP_PEER_NETWORKS ||
			r->peers[i].kind == CNP_PEER_NODES || r->peers[i].kind == CNP_PEER_DOMAINS;
	for (size_t i = 0; i < r->nports; i++)
		named |= (r->ports[i].flags & PORT_NAMED) != 0;
	if (!addr || !named)
		return 0;
	field_error(f, node,
		    "%s cannot be used in a rule with a %s peer: only pods have named ports "
		    "(give the port by number, or put those peers in a rule of their own)",
		    api->named_port, api->addr_peers);
	return -EINVAL;
}

/* The first member of peer node that api does not know, for messages. */
static const char *first_unknown(const cJSON *node)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, node)
		if (!cJSON_IsNull(c))
			return c->string;
	return "?";
}

/* domainNames match nothing (not implemented): say so, naming the rule. */
static void domains_warn(struct field_ctx *f, const cJSON *e, const char *act,
			 const struct cnp_rule *r, bool only)
{
	char rule[160];

	if (*r->name)
		snprintf(rule, sizeof(rule), "%s rule \"%s\"", act, r->name);
	else
		snprintf(rule, sizeof(rule), "this %s rule", act);
	if (only)
		field_warn(f, e,
			   "domainNames peers are not enforced by nftpol: %s matches no "
			   "traffic",
			   rule);
	else
		field_warn(f, e,
			   "domainNames peers are not enforced by nftpol: this peer matches "
			   "no traffic (the other peers of %s still apply)",
			   rule);
}

/*
 * Once the rule is valid: domainNames only in Accept rules (an error), not
 * enforced (a warning); a peer of a newer API fails closed (a warning).
 */
static int peer_notes(struct field_ctx *f, const cJSON *arr, const char *key,
		      const struct decode_cnp_api *api, const struct cnp_rule *r)
{
	const char *act = api->actions[r->action];
	size_t ndomains = 0, old = field_push(f, key), i = 0;
	const cJSON *e;
	int ret = 0;

	for (size_t k = 0; k < r->npeers; k++)
		ndomains += r->peers[k].kind == CNP_PEER_DOMAINS;
	cJSON_ArrayForEach (e, arr) {
		const struct cnp_peer *p = &r->peers[i];
		size_t o = field_push_index(f, i++);

		if (p->kind == CNP_PEER_DOMAINS && r->action != CNP_ACCEPT) {
			field_error(f, e,
				    "domainNames peers may only be used in %s rules, not in "
				    "a %s rule",
				    api->actions[CNP_ACCEPT], act);
			ret = -EINVAL;
		} else if (p->kind == CNP_PEER_DOMAINS) {
			domains_warn(f, e, act, r, ndomains == r->npeers);
		} else if (p->kind == CNP_PEER_UNKNOWN) {
			field_warn(f, e,
				   "no field of this peer is known to nftpol (\"%.40s\"): read as "
				   "a "
				   "peer of a newer API, which fails closed: %s",
				   first_unknown(e),
				   r->action == CNP_ACCEPT
					   ? "it matches no traffic"
					   : "the rule is read as denying all traffic");
		}
		field_pop(f, o);
	}
	field_pop(f, old);
	return ret;
}

static int decode_rule(struct field_ctx *f, const cJSON *node, void *elem, const void *arg)
{
	const struct rule_arg *ra = arg;
	const struct decode_cnp_api *api = ra->api;
	const char *key = ra->dir == DIR_INGRESS ? "from" : "to";
	struct cnp_rule *r = elem;
	const cJSON *peers, *ports;
	int ret = 0;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_known(f, node, api->rule_fields[ra->dir]) < 0)
		ret = -EINVAL;
	if (rule_name(f, node, r) < 0 || rule_action(f, node, api, r) < 0)
		ret = -EINVAL;
	if (list_get(f, node, key, 1, api->max_peers, &peers) < 0)
		ret = -EINVAL;
	else if (!peers)
		ret = decode_cnp_missing(f, node, key, "a list of peers (at least one)");
	else
		r->peers = list_each(f, peers, key, sizeof(*r->peers), decode_peer, ra, &r->npeers,
				     &ret);
	if (list_get(f, node, api->ports_key, 1, api->max_ports, &ports) < 0)
		ret = -EINVAL;
	else if (ports)
		r->ports = list_each(f, ports, api->ports_key, sizeof(*r->ports), port_cb, ra,
				     &r->nports, &ret);
	if (ret == 0 && ra->dir == DIR_EGRESS)
		ret = named_port_check(f, node, api, r);
	if (ret == 0)
		ret = peer_notes(f, peers, key, api, r);
	return ret;
}

/* spec.subject: exactly one of namespaces and pods. */
static int decode_subject(struct field_ctx *f, const cJSON *spec, const struct decode_cnp_api *api,
			  struct cnp *p)
{
	const cJSON *subj;
	size_t old;
	int ret = field_typed(f, spec, "subject", FIELD_OBJECT, &subj), which;

	if (ret < 0)
		return ret;
	if (!subj)
		return decode_cnp_missing(f, spec, "subject",
					  "the pods the policy applies to: namespaces (a namespace "
					  "selector) or pods (namespaceSelector and podSelector)");
	old = field_push(f, "subject");
	ret = field_known(f, subj, subject_fields);
	which = decode_cnp_one_of(f, subj, subject_fields);
	if (which == 0 && decode_selector(f, subj, "namespaces", &p->subject_ns_sel) < 0)
		ret = -EINVAL;
	if (which == 1 &&
	    decode_pods(f, subj, "pods", api, &p->subject_ns_sel, &p->subject_pod_sel) < 0)
		ret = -EINVAL;
	p->subject_pods = which == 1;
	field_pop(f, old);
	return which < 0 ? -EINVAL : ret;
}

static int decode_tier(struct field_ctx *f, const cJSON *spec, struct cnp *p)
{
	const char *t;
	size_t old;

	if (field_string(f, spec, "tier", &t) < 0)
		return -EINVAL;
	if (!t)
		return decode_cnp_missing(f, spec, "tier", "\"Admin\" or \"Baseline\"");
	if (!strcmp(t, "Admin") || !strcmp(t, "Baseline")) {
		p->tier = !strcmp(t, "Admin") ? CNP_TIER_ADMIN : CNP_TIER_BASELINE;
		return 0;
	}
	old = field_push(f, "tier");
	field_error(f, field_get(spec, "tier"),
		    "Unsupported value: \"%.40s\": supported values: \"Admin\", \"Baseline\"", t);
	field_pop(f, old);
	return -EINVAL;
}

static int decode_priority(struct field_ctx *f, const cJSON *spec, struct cnp *p)
{
	const cJSON *v = field_get(spec, "priority");
	size_t old;
	long n = 0;
	bool ok;

	if (!v)
		return decode_cnp_missing(f, spec, "priority",
					  "a number from 0 to 1000 (lower is evaluated first)");
	old = field_push(f, "priority");
	ok = field_int(f, v, 0, 1000, &n);
	field_pop(f, old);
	p->priority = (int32_t)n;
	return ok ? 0 : -EINVAL;
}

/* spec.ingress and spec.egress. */
static int decode_rules(struct field_ctx *f, const cJSON *spec, const struct decode_cnp_api *api,
			struct cnp *p)
{
	static const char *const keys[DIR_COUNT] = { "ingress", "egress" };
	int ret = 0;

	for (int d = 0; d < DIR_COUNT; d++) {
		struct rule_arg ra = { api, (enum dir)d };
		const cJSON *arr;

		if (list_get(f, spec, keys[d], 0, api->max_rules, &arr) < 0)
			ret = -EINVAL;
		else if (arr)
			p->rules[d] = list_each(f, arr, keys[d], sizeof(*p->rules[d]), decode_rule,
						&ra, &p->nrules[d], &ret);
	}
	return ret;
}

/* BaselineAdminNetworkPolicy is a singleton called default (a CEL rule of its CRD). */
static int banp_name(struct field_ctx *f, const cJSON *obj, const struct cnp *p)
{
	size_t old;

	if (!p->name || !strcmp(p->name, "default"))
		return 0;
	old = field_push(f, "metadata.name");
	field_error(f, field_get(field_get(obj, "metadata"), "name"),
		    "must be \"default\": a cluster has one BaselineAdminNetworkPolicy, named "
		    "default, got \"%.80s\"",
		    p->name);
	field_pop(f, old);
	return -EINVAL;
}

/*
 * Decode obj.spec of the cluster network policy p (p->source says which kind;
 * the caller sets its name and origin). Every problem is reported through f.
 * Returns 0 or -EINVAL; on error p may be partly filled and is for
 * model_cnp_fini() only.
 */
int decode_cnp_spec(struct field_ctx *f, const cJSON *obj, struct cnp *p)
{
	const struct decode_cnp_api *api =
		p->source == CNP_SRC_CNP ? &api_v1alpha2 : decode_anp_api(p->source);
	const cJSON *spec;
	size_t old;
	int ret = field_typed(f, obj, "spec", FIELD_OBJECT, &spec);

	p->tier = p->source == CNP_SRC_BANP ? CNP_TIER_BASELINE : CNP_TIER_ADMIN;
	if (p->source == CNP_SRC_BANP && banp_name(f, obj, p) < 0)
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	if (!spec)
		return decode_cnp_missing(f, obj, "spec",
					  api->has_tier ? "the policy's tier, priority and subject"
					  : api->has_priority ? "the policy's priority and subject"
							      : "the policy's subject");
	old = field_push(f, "spec");
	ret = field_known(f, spec, api->spec_fields);
	if (api->has_tier && decode_tier(f, spec, p) < 0)
		ret = -EINVAL;
	if (api->has_priority && decode_priority(f, spec, p) < 0)
		ret = -EINVAL;
	if (decode_subject(f, spec, api, p) < 0)
		ret = -EINVAL;
	if (decode_rules(f, spec, api, p) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}
