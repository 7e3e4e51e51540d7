// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reachability (see reach.h). A connection needs the source's egress and the
 * destination's ingress. Each direction at a pod is decided in tiers: the
 * Admin tier's cluster network policies selecting the pod, by priority and
 * rule order (first matching rule: Accept or Deny decide, Pass skips the rest
 * of the tier); then, if some NetworkPolicy selects the pod for the direction,
 * it decides (some rule of one of them admits, or denied); then the Baseline
 * tier likewise (Pass: allowed); then allowed. The policies isolating each pod
 * and the cluster network policies selecting it are computed once, when the
 * context is built.
 */
#include "policy/reach.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "policy/eval.h"
#include "base/xalloc.h"

/* Policy indexes, ascending. */
struct pol_list {
	size_t *v;
	size_t n, cap;
};

struct reach {
	const struct cluster *c; /* borrowed */
	struct eval *e;
	struct pol_list (*iso)[DIR_COUNT]; /* per pod: the policies isolating it */
	struct pol_list (*aud)[DIR_COUNT]; /* per pod: the policies in audit mode selecting it */
	struct pol_list *subj;		   /* per pod: cluster network policies selecting it */
};

static void pol_list_add(struct pol_list *l, size_t i)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = i;
}

/* Build the context of a sealed cluster, which must outlive it. */
struct reach *reach_new(const struct cluster *c)
{
	struct reach *r = xcalloc(1, sizeof(*r));

	r->c = c;
	r->e = eval_new(c);
	r->iso = xcalloc(c->npods ? c->npods : 1, sizeof(*r->iso));
	r->aud = xcalloc(c->npods ? c->npods : 1, sizeof(*r->aud));
	for (size_t i = 0; i < c->npols; i++) {
		struct pod_list pl = { 0 };

		eval_targets(r->e, &c->pols[i], &pl);
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			if (!(c->pols[i].types & DIR_FLAG(dir)))
				continue;
			/* a policy in audit mode isolates nothing (it is not enforced) */
			for (size_t j = 0; j < pl.n; j++)
				pol_list_add(c->pols[i].audit ? &r->aud[pl.v[j]][dir]
							      : &r->iso[pl.v[j]][dir],
					     i);
		}
		eval_pod_list_fini(&pl);
	}
	r->subj = xcalloc(c->npods ? c->npods : 1, sizeof(*r->subj));
	for (size_t i = 0; i < c->ncnps; i++) {
		struct pod_list pl = { 0 };

		eval_cnp_subjects(r->e, &c->cnps[i], &pl);
		for (size_t j = 0; j < pl.n; j++)
			pol_list_add(&r->subj[pl.v[j]], i);
		eval_pod_list_fini(&pl);
	}
	return r;
}

void reach_free(struct reach *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->c->npods; i++) {
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			free(r->iso[i][dir].v);
			free(r->aud[i][dir].v);
		}
		free(r->subj[i].v);
	}
	free(r->iso);
	free(r->aud);
	free(r->subj);
	eval_free(r->e);
	free(r);
}

/* The cluster r was built from. */
const struct cluster *reach_cluster(const struct reach *r)
{
	return r->c;
}

/*
 * The policies isolating pod p (of r's cluster) in direction dir: *pols points
 * to their indexes into the cluster's pols, ascending (borrowed from r). Returns
 * how many; 0 when p is not isolated in dir.
 */
size_t reach_isolating(const struct reach *r, const struct pod *p, enum dir dir,
		       const size_t **pols)
{
	const struct pol_list *l = &r->iso[p - r->c->pods][dir];

	*pols = l->v;
	return l->n;
}

/*
 * The cluster network policies whose subject selects pod p: *cnps points to
 * their indexes into the cluster's cnps, in evaluation order (borrowed from r).
 */
size_t reach_cnp_subject_of(const struct reach *r, const struct pod *p, const size_t **cnps)
{
	const struct pol_list *l = &r->subj[p - r->c->pods];

	*cnps = l->v;
	return l->n;
}

/*
 * Fill out with pod p's address of family (AF_INET, AF_INET6, or 0 for its first
 * address). out->pod is NULL when p is not eligible (finished, hostNetwork): its
 * address then stands for no pod, as in the compiler. Returns 0, or -ENOENT when
 * p has no such address.
 */
int reach_end_pod(const struct pod *p, int family, struct reach_end *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->nips; i++) {
		if (family && p->ips[i].family != family)
			continue;
		out->ip = p->ips[i];
		out->pod = model_pod_eligible(p) ? p : NULL;
		return 0;
	}
	return -ENOENT;
}

/*
 * Fill out with the end at address ip: the first eligible pod (by namespace and
 * name) that holds it, as the compiler dispatches it, else no pod.
 */
void reach_end_addr(const struct reach *r, const struct addr *ip, struct reach_end *out)
{
	memset(out, 0, sizeof(*out));
	out->ip = *ip;
	for (size_t i = 0; i < r->c->npods && !out->pod; i++) {
		const struct pod *p = &r->c->pods[i];

		if (!model_pod_eligible(p))
			continue;
		for (size_t j = 0; j < p->nips; j++)
			if (cidr_contains_addr(&p->ips[j], ip))
				out->pod = p;
	}
}

/* The pod ns/name of the cluster, or NULL. */
const struct pod *reach_find_pod(const struct reach *r, const char *ns, const char *name)
{
	for (size_t i = 0; i < r->c->npods; i++)
		if (!strcmp(r->c->pods[i].ns, ns) && !strcmp(r->c->pods[i].name, name))
			return &r->c->pods[i];
	return NULL;
}

/* The first peer of rule that stands for the other end, REACH_ANY, or npeers. */
static size_t rule_peer(const struct reach *r, const struct netpol *np, const struct np_rule *rule,
			const struct reach_end *other)
{
	if (!rule->npeers)
		return REACH_ANY;
	for (size_t i = 0; i < rule->npeers; i++) {
		const struct peer *p = &rule->peers[i];

		if (p->flags & PEER_IPBLOCK
			    ? eval_ipblock_contains(p, &other->ip)
			    : other->pod && eval_peer_matches(r->e, np, p, other->pod))
			return i;
	}
	return rule->npeers;
}

/* The first port of rule that admits q, REACH_ANY, or nports. */
static size_t rule_port(const struct np_rule *rule, const struct reach_query *q)
{
	if (!rule->nports)
		return REACH_ANY;
	for (size_t i = 0; i < rule->nports; i++)
		if (eval_port_admits(&rule->ports[i], q->dst.pod, q->proto, q->port))
			return i;
	return rule->nports;
}

/*
 * The NetworkPolicy tier of one direction at an end its policies l isolate:
 * whether some rule admits. Without a side to fill, stop at the first.
 */
static bool eval_netpol(const struct reach *r, const struct reach_query *q, enum dir dir,
			const struct pol_list *l, struct reach_side *side)
{
	const struct reach_end *other = dir == DIR_EGRESS ? &q->dst : &q->src;
	bool allowed = false;

	for (size_t i = 0; i < l->n && (side || !allowed); i++) {
		const struct netpol *np = &r->c->pols[l->v[i]];

		for (size_t j = 0; j < np->nrules[dir] && (side || !allowed); j++) {
			const struct np_rule *rule = &np->rules[dir][j];
			size_t peer = rule_peer(r, np, rule, other);
			size_t port = rule_port(rule, q);

			if (peer == rule->npeers || port == rule->nports)
				continue;
			allowed = true;
			if (!side)
				break;
			XGROW(side->allows, side->cap, side->nallows);
			side->allows[side->nallows++] =
				(struct reach_allow){ l->v[i], j, peer, port };
		}
	}
	return allowed;
}

/* Whether one rule of a cluster network policy matches the connection in dir. */
static bool cnp_rule_matches(const struct reach *r, const struct cnp_rule *rule,
			     const struct reach_query *q, enum dir dir)
{
	const struct reach_end *other = dir == DIR_EGRESS ? &q->dst : &q->src;
	bool peer = false, port = !rule->nports;

	for (size_t i = 0; i < rule->npeers && !peer; i++)
		peer = eval_cnp_peer_matches(r->e, &rule->peers[i], rule->action, other->pod,
					     &other->ip);
	for (size_t i = 0; i < rule->nports && !port; i++)
		port = eval_port_admits(&rule->ports[i], q->dst.pod, q->proto, q->port);
	return peer && port;
}

/*
 * The first rule of tier's policies among subj (in evaluation order) that
 * matches the connection in dir, or { REACH_ANY }.
 */
static struct reach_cnp_rule tier_match(const struct reach *r, const struct pol_list *subj,
					enum cnp_tier tier, const struct reach_query *q,
					enum dir dir)
{
	for (size_t i = 0; i < subj->n; i++) {
		const struct cnp *p = &r->c->cnps[subj->v[i]];

		if (p->tier != tier)
			continue;
		for (size_t j = 0; j < p->nrules[dir]; j++)
			if (cnp_rule_matches(r, &p->rules[dir][j], q, dir))
				return (struct reach_cnp_rule){ subj->v[i], j };
	}
	return (struct reach_cnp_rule){ REACH_ANY, 0 };
}

static enum cnp_action rule_action(const struct reach *r, struct reach_cnp_rule m, enum dir dir)
{
	return r->c->cnps[m.cnp].rules[dir][m.rule].action;
}

/*
 * Evaluate one direction: egress of the source or ingress of the destination,
 * tier by tier. Without a side to fill, stop at the first admitting rule.
 */
static bool eval_dir(const struct reach *r, const struct reach_query *q, enum dir dir,
		     struct reach_side *side)
{
	const struct reach_end *self = dir == DIR_EGRESS ? &q->src : &q->dst;
	struct reach_cnp_rule m;
	const struct pol_list *l, *subj;

	if (side) {
		side->by = REACH_BY_DEFAULT;
		side->decided = side->admin_pass = (struct reach_cnp_rule){ REACH_ANY, 0 };
	}
	if (!self->pod)
		return true;
	subj = &r->subj[self->pod - r->c->pods];
	m = tier_match(r, subj, CNP_TIER_ADMIN, q, dir);
	if (m.cnp != REACH_ANY && rule_action(r, m, dir) != CNP_PASS) {
		if (side) {
			side->by = REACH_BY_ADMIN;
			side->decided = m;
		}
		return rule_action(r, m, dir) == CNP_ACCEPT;
	}
	if (side && m.cnp != REACH_ANY)
		side->admin_pass = m;
	l = &r->iso[self->pod - r->c->pods][dir];
	if (l->n) {
		if (side)
			side->by = REACH_BY_NETPOL;
		return eval_netpol(r, q, dir, l, side);
	}
	m = tier_match(r, subj, CNP_TIER_BASELINE, q, dir);
	if (m.cnp == REACH_ANY)
		return true;
	if (side) {
		side->by = REACH_BY_BASELINE;
		side->decided = m;
	}
	return rule_action(r, m, dir) != CNP_DENY;
}

/*
 * One direction of q alone: egress at the source, ingress at the destination.
 * side (may be NULL) is filled as by reach_eval() (release it with
 * reach_side_fini()); when given, every admitting NetworkPolicy rule is listed.
 */
bool reach_eval_dir(const struct reach *r, const struct reach_query *q, enum dir dir,
		    struct reach_side *side)
{
	bool allowed;

	if (side)
		memset(side, 0, sizeof(*side));
	allowed = eval_dir(r, q, dir, side);
	if (side)
		side->allowed = allowed;
	return allowed;
}

void reach_side_fini(struct reach_side *s)
{
	free(s->pols);
	free(s->allows);
	memset(s, 0, sizeof(*s));
}

/*
 * The policies in audit mode selecting the end of q in dir (*pols borrowed:
 * indexes into the cluster's pols), and whether they would deny q were they
 * enforced: only when no enforced NetworkPolicy isolates that end (else
 * adding them could only admit more) and none of their rules admits it.
 */
size_t reach_audit(const struct reach *r, const struct reach_query *q, enum dir dir,
		   const size_t **pols, bool *would_deny)
{
	const struct reach_end *self = dir == DIR_EGRESS ? &q->src : &q->dst;
	const struct pol_list *l;

	*pols = NULL;
	*would_deny = false;
	if (!self->pod)
		return 0;
	l = &r->aud[self->pod - r->c->pods][dir];
	*pols = l->v;
	*would_deny = l->n && !r->iso[self->pod - r->c->pods][dir].n &&
		      !(q->src.pod && q->src.pod == q->dst.pod) && !eval_netpol(r, q, dir, l, NULL);
	return l->n;
}

static bool is_self(const struct reach_query *q)
{
	return q->src.pod && q->src.pod == q->dst.pod;
}

/* Whether the connection q is allowed (the verdict alone, fast). */
bool reach_allowed(const struct reach *r, const struct reach_query *q)
{
	if (is_self(q))
		return true;
	return eval_dir(r, q, DIR_EGRESS, NULL) && eval_dir(r, q, DIR_INGRESS, NULL);
}

static void fill_side(const struct reach *r, const struct reach_query *q, enum dir dir,
		      struct reach_side *s)
{
	const struct reach_end *self = dir == DIR_EGRESS ? &q->src : &q->dst;
	const struct pol_list *l = self->pod ? &r->iso[self->pod - r->c->pods][dir] : NULL;

	s->isolated = l && l->n;
	if (s->isolated) {
		s->pols = xcalloc(l->n, sizeof(*s->pols));
		memcpy(s->pols, l->v, l->n * sizeof(*s->pols));
		s->npols = l->n;
	}
	s->allowed = eval_dir(r, q, dir, s);
}

/*
 * Evaluate q with its reasons into out (overwritten; release with
 * reach_verdict_fini). Both sides are filled even when one already denies, so a
 * caller can say everything that stands in the way.
 */
void reach_eval(const struct reach *r, const struct reach_query *q, struct reach_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->self = is_self(q);
	fill_side(r, q, DIR_EGRESS, &out->side[DIR_EGRESS]);
	fill_side(r, q, DIR_INGRESS, &out->side[DIR_INGRESS]);
	out->allowed =
		out->self || (out->side[DIR_EGRESS].allowed && out->side[DIR_INGRESS].allowed);
}

void reach_verdict_fini(struct reach_verdict *v)
{
	for (int dir = 0; dir < DIR_COUNT; dir++)
		reach_side_fini(&v->side[dir]);
	memset(v, 0, sizeof(*v));
}
