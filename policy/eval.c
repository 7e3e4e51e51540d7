// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NetworkPolicy semantics over a sealed cluster (see eval.h). The cluster's pods
 * are sorted by namespace, so the pods of one namespace are one slice of the
 * array; the index below records where each namespace's slice starts.
 */
#include "policy/eval.h"

#include <stdlib.h>
#include <string.h>

#include "policy/cidr.h"
#include "policy/podindex.h"
#include "policy/selector.h"
#include "base/xalloc.h"

struct ns_slice {
	size_t lo, hi; /* pods [lo, hi) of this namespace */
};

/*
 * The label index, made once selectors have scanned as many pods as the
 * cluster has: a compile of every policy pays for it many times over, a
 * change to one policy (nft/incr.c) need not.
 */
struct lazy_index {
	struct podindex *x; /* owned; NULL: not made (yet) */
	size_t scanned;	    /* pods compared with a selector so far */
};

struct eval {
	const struct cluster *c;  /* borrowed */
	struct ns_slice *slices;  /* one per c->nss, same order */
	struct lazy_index *index; /* owned; changed by the const queries */
};

/*
 * The pods a selector can match: every eligible pod (all), or those of the
 * list v[0..n), ascending, which carry the selector's rarest required label.
 */
struct candidates {
	bool all;
	bool exact; /* the selector is that one label: every candidate matches */
	const uint32_t *v;
	size_t n;
};

/* Index a sealed cluster; the cluster must outlive the result. */
struct eval *eval_new(const struct cluster *c)
{
	struct eval *e = xcalloc(1, sizeof(*e));

	e->c = c;
	e->slices = xcalloc(c->nnss, sizeof(*e->slices));
	/* both sorted by namespace, every pod's listed: a namespace's pods end
	   where the next one's begin */
	for (size_t i = c->nnss; i-- > 0;) {
		size_t lo = model_cluster_first_pod(c, c->nss[i].name);

		e->slices[i] =
			(struct ns_slice){ lo, i + 1 < c->nnss ? e->slices[i + 1].lo : c->npods };
	}
	e->index = xcalloc(1, sizeof(*e->index));
	return e;
}

void eval_free(struct eval *e)
{
	if (!e)
		return;
	free(e->slices);
	podindex_free(e->index->x);
	free(e->index);
	free(e);
}

void eval_pod_list_fini(struct pod_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void list_add(struct pod_list *l, size_t i)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = i;
}

static const struct ns_slice *slice_of(const struct eval *e, const char *ns)
{
	const struct k8s_ns *n = model_cluster_ns(e->c, ns);

	return n ? &e->slices[n - e->c->nss] : NULL;
}

/* Narrow c to the pods with label key=value when they are fewer. */
static void narrow(const struct eval *e, struct candidates *c, const char *key, const char *value)
{
	const uint32_t *v;
	size_t n = podindex_find(e->index->x, key, value, &v);

	if (c->all || n < c->n)
		*c = (struct candidates){ false, false, v, n };
}

/*
 * The candidates of sel (NULL: all pods): the pods with the rarest of its
 * matchLabels and single-valued In requirements; all when it has none.
 */
static struct candidates candidates_of(const struct eval *e, const struct selector *sel)
{
	struct candidates c = { .all = true };

	if (!sel)
		return c;
	if (!e->index->x && e->index->scanned >= e->c->npods)
		e->index->x = podindex_new(e->c);
	if (!e->index->x)
		return c;
	for (size_t i = 0; i < sel->match.n; i++)
		narrow(e, &c, sel->match.v[i].key, sel->match.v[i].value);
	for (size_t i = 0; i < sel->nreqs; i++)
		if (sel->reqs[i].op == SEL_OP_IN && sel->reqs[i].nvalues == 1)
			narrow(e, &c, sel->reqs[i].key, sel->reqs[i].values[0]);
	c.exact = !c.all && sel->match.n + sel->nreqs == 1;
	return c;
}

/* The first of the n ascending entries of v that is at least lo. */
static size_t lower_bound(const uint32_t *v, size_t n, size_t lo)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (v[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * Append the eligible pods of one namespace that match sel (NULL: all) to out,
 * in order; c: the candidates of sel.
 */
static void add_matching(const struct eval *e, const struct ns_slice *s, const struct selector *sel,
			 const struct candidates *c, struct pod_list *out)
{
	const struct pod *pods = e->c->pods;

	if (!c->all) {
		for (size_t i = lower_bound(c->v, c->n, s->lo); i < c->n && c->v[i] < s->hi; i++)
			if (c->exact || selector_matches(sel, &pods[c->v[i]].labels))
				list_add(out, c->v[i]);
		return;
	}
	if (sel)
		e->index->scanned += s->hi - s->lo;
	for (size_t i = s->lo; i < s->hi; i++)
		if (model_pod_eligible(&pods[i]) &&
		    (!sel || selector_matches(sel, &pods[i].labels)))
			list_add(out, i);
}

/* Append the pods np selects (its namespace, its podSelector) to out, in order. */
void eval_targets(const struct eval *e, const struct netpol *np, struct pod_list *out)
{
	const struct ns_slice *s = slice_of(e, np->ns);
	struct candidates c;

	if (!s)
		return;
	c = candidates_of(e, &np->pod_sel);
	add_matching(e, s, &np->pod_sel, &c, out);
}

/*
 * Append the pods a pod/namespace-selector peer of np stands for to out, sorted:
 * podSelector alone means pods of np's namespace; namespaceSelector alone all pods
 * of matching namespaces; both together, matching pods of matching namespaces.
 * ipBlock peers stand for no pod here.
 */
void eval_peer_pods(const struct eval *e, const struct netpol *np, const struct peer *p,
		    struct pod_list *out)
{
	const struct selector *psel = p->flags & PEER_POD_SEL ? &p->pod_sel : NULL;
	struct candidates c;

	if (p->flags & PEER_IPBLOCK)
		return;
	c = candidates_of(e, psel);
	if (!(p->flags & PEER_NS_SEL)) {
		const struct ns_slice *s = slice_of(e, np->ns);

		if (s)
			add_matching(e, s, psel, &c, out);
		return;
	}
	for (size_t i = 0; i < e->c->nnss; i++)
		if (selector_matches(&p->ns_sel, &e->c->nss[i].labels))
			add_matching(e, &e->slices[i], psel, &c, out);
}

/* Whether np selects pod. */
bool eval_selects(const struct eval *e, const struct netpol *np, const struct pod *pod)
{
	(void)e;
	return model_pod_eligible(pod) && !strcmp(pod->ns, np->ns) &&
	       selector_matches(&np->pod_sel, &pod->labels);
}

/* Whether an ipBlock peer stands for address ip: in its cidr and in no except. */
bool eval_ipblock_contains(const struct peer *p, const struct addr *ip)
{
	if (!cidr_contains_addr(&p->cidr, ip))
		return false;
	for (size_t i = 0; i < p->nexcept; i++)
		if (cidr_contains_addr(&p->except[i], ip))
			return false;
	return true;
}

/*
 * Whether a pod/namespace-selector peer of np stands for pod, whose namespace
 * is ns (NULL: unknown, which no namespaceSelector matches).
 */
bool eval_peer_matches_in(const char *np_ns, const struct peer *p, const struct pod *pod,
			  const struct k8s_ns *ns)
{
	if ((p->flags & PEER_IPBLOCK) || !model_pod_eligible(pod))
		return false;
	if ((p->flags & PEER_POD_SEL) && !selector_matches(&p->pod_sel, &pod->labels))
		return false;
	if (!(p->flags & PEER_NS_SEL))
		return !strcmp(pod->ns, np_ns);
	return ns && selector_matches(&p->ns_sel, &ns->labels);
}

/* Whether a pod/namespace-selector peer of np (NULL: with a namespace selector) stands for pod. */
bool eval_peer_matches(const struct eval *e, const struct netpol *np, const struct peer *p,
		       const struct pod *pod)
{
	return eval_peer_matches_in(np ? np->ns : NULL, p, pod, model_cluster_ns(e->c, pod->ns));
}

/* proto 0: any protocol (a ClusterNetworkPolicy destinationNamedPort). */
static bool port_is(const struct pod_port *pp, const char *name, uint8_t proto)
{
	return (!proto || pp->proto == proto) && !strcmp(pp->name, name);
}

/*
 * The numbers pod gives the named port name/proto (proto 0: of any protocol;
 * a pod's ports are sorted by name first): a pointer to the first of
 * the returned count of entries of pod->ports (0 when no container declares it).
 * A name declared with several numbers gives every one of them.
 */
size_t eval_pod_named_ports(const struct pod *pod, const char *name, uint8_t proto,
			    const struct pod_port **first)
{
	size_t i = 0, n = 0;

	while (i < pod->nports && !port_is(&pod->ports[i], name, proto))
		i++;
	while (i + n < pod->nports && port_is(&pod->ports[i + n], name, proto))
		n++;
	*first = n ? &pod->ports[i] : NULL;
	return n;
}

/*
 * Whether one NetworkPolicyPort (or a ClusterNetworkPolicy protocol entry, the
 * same form) admits a connection to dst (NULL when the destination is not a
 * pod) on proto/dport. Named ports resolve on dst; proto 0 is any protocol.
 */
bool eval_port_admits(const struct np_port *port, const struct pod *dst, uint8_t proto,
		      uint16_t dport)
{
	const struct pod_port *pp;
	size_t n;

	if (port->proto && port->proto != proto)
		return false;
	if (port->flags & PORT_NAMED) {
		n = dst ? eval_pod_named_ports(dst, port->name, proto, &pp) : 0;
		for (size_t i = 0; i < n; i++)
			if (pp[i].port == dport)
				return true;
		return false;
	}
	if (port->flags & PORT_RANGE)
		return dport >= port->port && dport <= port->end_port;
	if (port->flags & PORT_NUMBER)
		return dport == port->port;
	return true;
}

/* -- cluster network policies ---------------------------------------------- */

/* The selectors of a namespaces/pods form (subject or peer) as a NetworkPolicy peer. */
static struct peer as_peer(const struct selector *ns_sel, const struct selector *pod_sel)
{
	struct peer p = { .flags = PEER_NS_SEL | PEER_POD_SEL };

	p.ns_sel = *ns_sel; /* shallow: borrowed for one call */
	p.pod_sel = *pod_sel;
	return p;
}

/* Whether cnp's subject selects pod (never a host-network or finished pod). */
bool eval_cnp_subject(const struct eval *e, const struct cnp *cnp, const struct pod *pod)
{
	struct peer p = as_peer(&cnp->subject_ns_sel, &cnp->subject_pod_sel);

	return eval_peer_matches(e, NULL, &p, pod);
}

/* Append the pods cnp's subject selects to out, sorted. */
void eval_cnp_subjects(const struct eval *e, const struct cnp *cnp, struct pod_list *out)
{
	struct peer p = as_peer(&cnp->subject_ns_sel, &cnp->subject_pod_sel);

	eval_peer_pods(e, NULL, &p, out);
}

/* Append the pods a namespaces or pods peer stands for to out, sorted. */
void eval_cnp_peer_pods(const struct eval *e, const struct cnp_peer *peer, struct pod_list *out)
{
	struct peer p = as_peer(&peer->ns_sel, &peer->pod_sel);

	if (peer->kind == CNP_PEER_NAMESPACES || peer->kind == CNP_PEER_PODS)
		eval_peer_pods(e, NULL, &p, out);
}

/* Whether node is one a nodes peer selects. */
bool eval_cnp_peer_node(const struct cnp_peer *peer, const struct k8s_node *node)
{
	return peer->kind == CNP_PEER_NODES && selector_matches(&peer->node_sel, &node->labels);
}

/*
 * Whether peer stands for the other end of a connection: pod (NULL when the
 * address is no eligible pod's) at address ip. An unknown peer (a field of a
 * newer API) fails closed: it matches everything for Deny and Pass and nothing
 * for Accept; domain names match nothing.
 */
bool eval_cnp_peer_matches(const struct eval *e, const struct cnp_peer *peer,
			   enum cnp_action action, const struct pod *pod, const struct addr *ip)
{
	struct peer p = as_peer(&peer->ns_sel, &peer->pod_sel);

	switch (peer->kind) {
	case CNP_PEER_NAMESPACES:
	case CNP_PEER_PODS:
		return pod && eval_peer_matches(e, NULL, &p, pod);
	case CNP_PEER_NETWORKS:
		for (size_t i = 0; i < peer->nnets; i++)
			if (cidr_contains_addr(&peer->nets[i], ip))
				return true;
		return false;
	case CNP_PEER_NODES:
		for (size_t i = 0; i < e->c->nnodes; i++) {
			const struct k8s_node *n = &e->c->nodes[i];

			if (!eval_cnp_peer_node(peer, n))
				continue;
			for (size_t j = 0; j < n->naddrs; j++)
				if (cidr_contains_addr(&n->addrs[j], ip))
					return true;
		}
		return false;
	case CNP_PEER_DOMAINS:
		return false;
	case CNP_PEER_UNKNOWN:
		return action != CNP_ACCEPT;
	}
	return false;
}
