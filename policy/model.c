// SPDX-License-Identifier: GPL-2.0-or-later
/* Lifetime and small helpers of the Kubernetes object model (see model.h). */
#include "policy/model.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define NS_NAME_LABEL "kubernetes.io/metadata.name"

void model_labels_fini(struct labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int label_find(const struct labels *l, const char *key, size_t *pos)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].key, key);

		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

/* The value of label key, or NULL when the map does not have it. */
const char *model_labels_get(const struct labels *l, const char *key)
{
	size_t pos;

	return label_find(l, key, &pos) ? l->v[pos].value : NULL;
}

/* Whether two label maps hold the same keys and values. */
bool model_labels_eq(const struct labels *a, const struct labels *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) || strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

/* Set key to value (both copied), keeping the map sorted. */
void model_labels_set(struct labels *l, const char *key, const char *value)
{
	size_t pos;

	if (label_find(l, key, &pos)) {
		free(l->v[pos].value);
		l->v[pos].value = xstrdup(value);
		return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) * sizeof(*l->v));
	l->v[pos].key = xstrdup(key);
	l->v[pos].value = xstrdup(value);
	l->n++;
}

void model_selector_fini(struct selector *s)
{
	model_labels_fini(&s->match);
	for (size_t i = 0; i < s->nreqs; i++) {
		free(s->reqs[i].key);
		for (size_t j = 0; j < s->reqs[i].nvalues; j++)
			free(s->reqs[i].values[j]);
		free(s->reqs[i].values);
	}
	free(s->reqs);
	s->reqs = NULL;
	s->nreqs = 0;
}

/* A deep copy of selector s into out (uninitialised). */
void model_selector_copy(struct selector *out, const struct selector *s)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->match.n; i++)
		model_labels_set(&out->match, s->match.v[i].key, s->match.v[i].value);
	out->reqs = xcalloc(s->nreqs ? s->nreqs : 1, sizeof(*out->reqs));
	out->nreqs = s->nreqs;
	for (size_t i = 0; i < s->nreqs; i++) {
		struct sel_req *r = &out->reqs[i];

		r->key = xstrdup(s->reqs[i].key);
		r->op = s->reqs[i].op;
		r->nvalues = s->reqs[i].nvalues;
		r->values = xcalloc(r->nvalues ? r->nvalues : 1, sizeof(*r->values));
		for (size_t j = 0; j < r->nvalues; j++)
			r->values[j] = xstrdup(s->reqs[i].values[j]);
	}
}

/* A deep copy of peer p into out (uninitialised). */
void model_peer_copy(struct peer *out, const struct peer *p)
{
	*out = *p;
	model_selector_copy(&out->pod_sel, &p->pod_sel);
	model_selector_copy(&out->ns_sel, &p->ns_sel);
	out->except = NULL;
	if (p->nexcept) {
		out->except = xcalloc(p->nexcept, sizeof(*out->except));
		memcpy(out->except, p->except, p->nexcept * sizeof(*out->except));
	}
}

void model_peer_fini(struct peer *p)
{
	model_selector_fini(&p->pod_sel);
	model_selector_fini(&p->ns_sel);
	free(p->except);
	p->except = NULL;
	p->nexcept = 0;
}

void model_rule_fini(struct np_rule *r)
{
	for (size_t i = 0; i < r->npeers; i++)
		model_peer_fini(&r->peers[i]);
	free(r->peers);
	for (size_t i = 0; i < r->nports; i++)
		free(r->ports[i].name);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

void model_origin_fini(struct origin *o)
{
	free(o->file);
	o->file = NULL;
}

void model_netpol_fini(struct netpol *np)
{
	free(np->ns);
	free(np->name);
	model_selector_fini(&np->pod_sel);
	for (int d = 0; d < DIR_COUNT; d++) {
		for (size_t i = 0; i < np->nrules[d]; i++)
			model_rule_fini(&np->rules[d][i]);
		free(np->rules[d]);
	}
	model_origin_fini(&np->origin);
	memset(np, 0, sizeof(*np));
}

void model_pod_fini(struct pod *p)
{
	free(p->ns);
	free(p->name);
	free(p->node);
	model_labels_fini(&p->labels);
	for (size_t i = 0; i < p->nports; i++)
		free(p->ports[i].name);
	free(p->ports);
	model_origin_fini(&p->origin);
	memset(p, 0, sizeof(*p));
}

void model_ns_fini(struct k8s_ns *ns)
{
	free(ns->name);
	model_labels_fini(&ns->labels);
	model_origin_fini(&ns->origin);
	memset(ns, 0, sizeof(*ns));
}

void model_node_fini(struct k8s_node *n)
{
	free(n->name);
	model_labels_fini(&n->labels);
	free(n->addrs);
	free(n->pod_cidrs);
	model_origin_fini(&n->origin);
	memset(n, 0, sizeof(*n));
}

void model_cnp_peer_fini(struct cnp_peer *p)
{
	model_selector_fini(&p->ns_sel);
	model_selector_fini(&p->pod_sel);
	model_selector_fini(&p->node_sel);
	free(p->nets);
	for (size_t i = 0; i < p->ndomains; i++)
		free(p->domains[i]);
	free(p->domains);
	memset(p, 0, sizeof(*p));
}

void model_cnp_rule_fini(struct cnp_rule *r)
{
	free(r->name);
	for (size_t i = 0; i < r->npeers; i++)
		model_cnp_peer_fini(&r->peers[i]);
	free(r->peers);
	for (size_t i = 0; i < r->nports; i++)
		free(r->ports[i].name);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

void model_cnp_fini(struct cnp *p)
{
	free(p->name);
	model_selector_fini(&p->subject_ns_sel);
	model_selector_fini(&p->subject_pod_sel);
	for (int d = 0; d < DIR_COUNT; d++) {
		for (size_t i = 0; i < p->nrules[d]; i++)
			model_cnp_rule_fini(&p->rules[d][i]);
		free(p->rules[d]);
	}
	model_origin_fini(&p->origin);
	memset(p, 0, sizeof(*p));
}

const char *model_cnp_tier_name(enum cnp_tier t)
{
	return t == CNP_TIER_ADMIN ? "Admin" : "Baseline";
}

const char *model_cnp_action_name(enum cnp_action a)
{
	return a == CNP_ACCEPT ? "Accept" : a == CNP_DENY ? "Deny" : "Pass";
}

/* The kind of the object a policy was written as. */
const char *model_cnp_source_kind(enum cnp_source s)
{
	return s == CNP_SRC_CNP	  ? "ClusterNetworkPolicy"
	       : s == CNP_SRC_ANP ? "AdminNetworkPolicy"
				  : "BaselineAdminNetworkPolicy";
}

void model_cluster_init(struct cluster *c)
{
	memset(c, 0, sizeof(*c));
}

void model_cluster_fini(struct cluster *c)
{
	for (size_t i = 0; i < c->nnss; i++)
		model_ns_fini(&c->nss[i]);
	for (size_t i = 0; i < c->npods; i++)
		model_pod_fini(&c->pods[i]);
	for (size_t i = 0; i < c->npols; i++)
		model_netpol_fini(&c->pols[i]);
	for (size_t i = 0; i < c->nnodes; i++)
		model_node_fini(&c->nodes[i]);
	for (size_t i = 0; i < c->ncnps; i++)
		model_cnp_fini(&c->cnps[i]);
	free(c->nss);
	free(c->pods);
	free(c->pols);
	free(c->nodes);
	free(c->cnps);
	memset(c, 0, sizeof(*c));
}

static int ns_cmp(const void *a, const void *b)
{
	const struct k8s_ns *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int nsname_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c ? c : strcmp(n1, n2);
}

/* The sealed order of pods: by namespace, then name. */
int model_pod_cmp(const struct pod *x, const struct pod *y)
{
	return nsname_cmp(x->ns, x->name, y->ns, y->name);
}

static int pod_cmp(const void *a, const void *b)
{
	return model_pod_cmp(a, b);
}

/* Sort n pods v into the sealed order. */
void model_pods_sort(struct pod *v, size_t n)
{
	xqsort(v, n, sizeof(*v), pod_cmp);
}

static int pol_cmp(const void *a, const void *b)
{
	const struct netpol *x = a, *y = b;

	return nsname_cmp(x->ns, x->name, y->ns, y->name);
}

static int node_cmp(const void *a, const void *b)
{
	const struct k8s_node *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * Evaluation order of cluster network policies: Admin tier before Baseline,
 * lower priority first; equal priorities (the API leaves their order to the
 * implementation) by name, then ClusterNetworkPolicy before the v1alpha1
 * kinds, so the order never depends on input or event order.
 */
static int cnp_cmp(const void *a, const void *b)
{
	const struct cnp *x = a, *y = b;
	int c;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : (x->source > y->source) - (x->source < y->source);
}

static int node_key_cmp(const void *key, const void *elem)
{
	const struct k8s_node *n = elem;

	return strcmp(key, n->name);
}

/* The node called name, or NULL. The cluster must be sealed. */
const struct k8s_node *model_cluster_node(const struct cluster *c, const char *name)
{
	return xbsearch(name, c->nodes, c->nnodes, sizeof(*c->nodes), node_key_cmp);
}

static int ns_key_cmp(const void *key, const void *elem)
{
	const struct k8s_ns *ns = elem;

	return strcmp(key, ns->name);
}

/* The namespace called name, or NULL. The cluster must be sealed. */
const struct k8s_ns *model_cluster_ns(const struct cluster *c, const char *name)
{
	return xbsearch(name, c->nss, c->nnss, sizeof(*c->nss), ns_key_cmp);
}

static void add_implied_ns(struct cluster *c, const char *name)
{
	struct k8s_ns *ns;

	for (size_t i = 0; i < c->nnss; i++)
		if (!strcmp(c->nss[i].name, name))
			return;
	XGROW(c->nss, c->capnss, c->nnss);
	ns = &c->nss[c->nnss++];
	memset(ns, 0, sizeof(*ns));
	ns->name = xstrdup(name);
	model_labels_set(&ns->labels, NS_NAME_LABEL, name);
}

/*
 * Make the cluster ready for evaluation: namespaces that pods or policies live in
 * but that the input did not declare are added with only the label the API server
 * gives every namespace, and every array is sorted by namespace and name, so the
 * result does not depend on input order.
 */
void model_cluster_seal(struct cluster *c)
{
	xqsort(c->nss, c->nnss, sizeof(*c->nss), ns_cmp);
	xqsort(c->pods, c->npods, sizeof(*c->pods), pod_cmp);
	/* sorted, a namespace's pods are together: one look-up for each namespace */
	for (size_t i = 0; i < c->npods; i++)
		if ((!i || strcmp(c->pods[i].ns, c->pods[i - 1].ns)) &&
		    !model_cluster_ns(c, c->pods[i].ns)) {
			add_implied_ns(c, c->pods[i].ns);
			xqsort(c->nss, c->nnss, sizeof(*c->nss), ns_cmp);
		}
	for (size_t i = 0; i < c->npols; i++)
		if (!model_cluster_ns(c, c->pols[i].ns)) {
			add_implied_ns(c, c->pols[i].ns);
			xqsort(c->nss, c->nnss, sizeof(*c->nss), ns_cmp);
		}
	for (size_t i = 0; i < c->nnss; i++) {
		const char *v = model_labels_get(&c->nss[i].labels, NS_NAME_LABEL);

		if (!v || strcmp(v, c->nss[i].name))
			model_labels_set(&c->nss[i].labels, NS_NAME_LABEL, c->nss[i].name);
	}
	xqsort(c->pols, c->npols, sizeof(*c->pols), pol_cmp);
	xqsort(c->nodes, c->nnodes, sizeof(*c->nodes), node_cmp);
	xqsort(c->cnps, c->ncnps, sizeof(*c->cnps), cnp_cmp);
}

/* Sort c's policies as model_cluster_seal() does (nothing else changed). */
void model_cluster_sort_pols(struct cluster *c)
{
	xqsort(c->pols, c->npols, sizeof(*c->pols), pol_cmp);
}

/* The index of the first pod of namespace ns in sealed c (c->npods: none after it). */
size_t model_cluster_first_pod(const struct cluster *c, const char *ns)
{
	size_t lo = 0, hi = c->npods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->pods[mid].ns, ns) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Whether a pod takes part in NetworkPolicy at all, as target or peer: it has an
 * IP, is not finished (its IP may already belong to another pod) and does not
 * share the node's network namespace.
 */
bool model_pod_eligible(const struct pod *p)
{
	if (p->host_network || p->nips == 0)
		return false;
	return p->phase != POD_PHASE_SUCCEEDED && p->phase != POD_PHASE_FAILED;
}

/* The nft name of a protocol number ("tcp", "udp", "sctp"). */
const char *model_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return "?";
	}
}
