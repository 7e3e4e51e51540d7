// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ordering and grouping what reach_diff.c found (see reach_diff.h): causes and
 * kinds of change are ranked, the changed pairs sorted by group (verdict,
 * family, cause, namespaces), kind and pods, and each group gets its ports,
 * its count of changes and the pods at each end with the labels they share.
 * Linear in the changed pairs but for one sort of them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/reach_diff_int.h"
#include "base/xalloc.h"

/* One changed pair with the keys it sorts by. */
struct rd_key {
	uint32_t grp, sns, dns; /* group: (verdict, family, cause), namespaces */
	uint32_t rank;		/* the kind's rank */
	uint32_t src, dst;	/* pods, by namespace and name */
	uint32_t kind;
};

static int u32_cmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int size_cmp(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

static int why_cmp(const struct rd_why *a, const struct rd_why *b)
{
	int c = (a->why > b->why) - (a->why < b->why);

	for (size_t i = 0; !c && i < a->npols && i < b->npols; i++)
		c = size_cmp(a->pols[i], b->pols[i]);
	c = c ? c : size_cmp(a->npols, b->npols);
	c = c ? c : size_cmp(a->pol, b->pol);
	return c ? c : size_cmp(a->rule, b->rule);
}

/* Causes in the order egress only, both directions, ingress only; then as they answer. */
static int cause_cmp(const struct rd_kind *a, const struct rd_kind *b)
{
	static const int order[4] = { 3, 2, 0, 1 }; /* by DIR_FLAG() mask */
	int c = order[a->dirs & 3] - order[b->dirs & 3];

	for (int dir = DIR_EGRESS; !c && dir >= DIR_INGRESS; dir--)
		c = why_cmp(&a->side[dir], &b->side[dir]);
	return c;
}

static int by_cause(const void *a, const void *b, void *arg)
{
	const struct rd_out *o = arg;

	return cause_cmp(&o->kinds[*(const size_t *)a], &o->kinds[*(const size_t *)b]);
}

/* Denied first, IPv4 first, by cause, then by the ports concerned. */
static int by_group(const void *a, const void *b, void *arg)
{
	const struct rd_out *o = arg;
	const struct rd_kind *x = &o->kinds[*(const size_t *)a], *y = &o->kinds[*(const size_t *)b];
	int c = (x->allowed > y->allowed) - (x->allowed < y->allowed);

	c = c ? c : (x->family > y->family) - (x->family < y->family);
	c = c ? c : size_cmp(x->cause, y->cause);
	for (size_t w = 0; !c && w < o->words; w++)
		c = (x->mask[w] < y->mask[w]) - (x->mask[w] > y->mask[w]);
	return c;
}

static void side_copy(struct reach_diff_side *to, const struct rd_why *w)
{
	to->why = w->why;
	to->pols = xcalloc(w->npols + 1, sizeof(*to->pols));
	if (w->npols)
		memcpy(to->pols, w->pols, w->npols * sizeof(*w->pols));
	to->npols = w->npols;
	to->pol = w->pol;
	to->rule = w->rule;
}

/* Number the distinct causes in order (kind.cause) and copy them into d. */
static void rank_causes(struct rd_out *o, size_t *idx, struct reach_diff *d)
{
	for (size_t i = 0; i < o->nkinds; i++)
		idx[i] = i;
	xqsort_r(idx, o->nkinds, sizeof(*idx), by_cause, o);
	d->causes = xcalloc(o->nkinds + 1, sizeof(*d->causes));
	for (size_t i = 0; i < o->nkinds; i++) {
		struct rd_kind *k = &o->kinds[idx[i]];
		struct reach_diff_cause *c;

		if (i && !cause_cmp(&o->kinds[idx[i - 1]], k)) {
			k->cause = d->ncauses - 1;
			continue;
		}
		k->cause = d->ncauses;
		c = &d->causes[d->ncauses++];
		c->dirs = k->dirs;
		for (int dir = 0; dir < DIR_COUNT; dir++)
			side_copy(&c->side[dir], &k->side[dir]);
	}
}

/* Rank the kinds (kind.rank) and their (verdict, family, cause) (kind.grp). */
static void rank_kinds(struct rd_out *o, size_t *idx)
{
	size_t grp = 0;

	for (size_t i = 0; i < o->nkinds; i++)
		idx[i] = i;
	xqsort_r(idx, o->nkinds, sizeof(*idx), by_group, o);
	for (size_t i = 0; i < o->nkinds; i++) {
		struct rd_kind *k = &o->kinds[idx[i]], *p = i ? &o->kinds[idx[i - 1]] : NULL;

		if (p &&
		    (p->allowed != k->allowed || p->family != k->family || p->cause != k->cause))
			grp++;
		k->rank = i;
		k->grp = grp;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct rd_key *x = a, *y = b;
	int c = u32_cmp(x->grp, y->grp);

	c = c ? c : u32_cmp(x->sns, y->sns);
	c = c ? c : u32_cmp(x->dns, y->dns);
	c = c ? c : u32_cmp(x->rank, y->rank);
	c = c ? c : u32_cmp(x->src, y->src);
	return c ? c : u32_cmp(x->dst, y->dst);
}

static struct rd_key *sorted_keys(const struct rd_out *o)
{
	struct rd_key *v = xcalloc(o->nrecs + 1, sizeof(*v));

	for (size_t i = 0; i < o->nrecs; i++) {
		const struct rd_rec *r = &o->recs[i];
		const struct rd_kind *k = &o->kinds[r->kind];

		v[i] = (struct rd_key){ (uint32_t)k->grp,
					(uint32_t)o->ns_of[r->src],
					(uint32_t)o->ns_of[r->dst],
					(uint32_t)k->rank,
					r->src,
					r->dst,
					r->kind };
	}
	xqsort(v, o->nrecs, sizeof(*v), key_cmp);
	return v;
}

static size_t popcount(const uint64_t *m, size_t words)
{
	size_t n = 0;

	for (size_t w = 0; w < words; w++)
		n += (size_t)__builtin_popcountll(m[w]);
	return n;
}

static struct reach_diff_port *ports_of(const struct rd_out *o, const uint64_t *m, size_t *n)
{
	struct reach_diff_port *v = xcalloc(popcount(m, o->words) + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < o->nports; i++)
		if (m[i / 64] >> (i % 64) & 1)
			v[(*n)++] = o->ports[i];
	return v;
}

/* The labels every pod of e has, borrowed from its first pod. */
static void shared_labels(struct reach_diff_end *e)
{
	const struct labels *first = &e->pods[0]->labels;

	e->shared = xcalloc(first->n + 1, sizeof(*e->shared));
	for (size_t k = 0; k < first->n; k++) {
		bool all = true;

		for (size_t i = 1; i < e->npods && all; i++) {
			const char *v = model_labels_get(&e->pods[i]->labels, first->v[k].key);

			all = v && !strcmp(v, first->v[k].value);
		}
		if (all)
			e->shared[e->nshared++] = &first->v[k];
	}
}

static int pod_ptr_cmp(const void *a, const void *b)
{
	const struct pod *x = *(const struct pod *const *)a, *y = *(const struct pod *const *)b;

	return (x > y) - (x < y);
}

/* The pods at one end of the pairs of group g; stamp marks the pods seen. */
static void end_of(const struct rd_out *o, struct reach_diff *d, struct reach_diff_group *g,
		   bool src, size_t *stamp, size_t id)
{
	struct reach_diff_end *e = src ? &g->src : &g->dst;
	const struct reach_diff_pair *first = &d->pairs[d->runs[g->first].first];
	const struct reach_diff_pair *last =
		&d->pairs[d->runs[g->first + g->n - 1].first + d->runs[g->first + g->n - 1].n];
	size_t cap = (size_t)(last - first) + 1;

	e->pods = xcalloc(cap, sizeof(*e->pods));
	for (const struct reach_diff_pair *p = first; p < last; p++) {
		const struct pod *pod = src ? p->src : p->dst;
		size_t i = (size_t)(pod - o->c->pods);

		if (stamp[i] == id)
			continue;
		stamp[i] = id;
		e->pods[e->npods++] = pod;
	}
	xqsort(e->pods, e->npods, sizeof(*e->pods), pod_ptr_cmp);
	e->ns = e->pods[0]->ns;
	e->ns_pods = o->ns_pods[o->ns_of[e->pods[0] - o->c->pods]][g->family == AF_INET6];
	shared_labels(e);
}

static struct reach_diff_group *group_add(struct reach_diff *d, size_t *cap,
					  const struct rd_kind *k)
{
	struct reach_diff_group *g;

	XGROW(d->groups, *cap, d->ngroups);
	g = &d->groups[d->ngroups++];
	memset(g, 0, sizeof(*g));
	g->allowed = k->allowed;
	g->family = k->family;
	g->cause = &d->causes[k->cause];
	g->first = d->nruns;
	return g;
}

static struct reach_diff_run *run_add(const struct rd_out *o, struct reach_diff *d, size_t *cap,
				      const struct rd_kind *k, uint64_t *acc)
{
	struct reach_diff_run *r;

	XGROW(d->runs, *cap, d->nruns);
	r = &d->runs[d->nruns++];
	r->ports = ports_of(o, k->mask, &r->nports);
	r->first = d->npairs;
	r->n = 0;
	for (size_t w = 0; w < o->words; w++)
		acc[w] |= k->mask[w];
	return r;
}

/* Ports, count and pods of the last group, whose runs are complete. */
static void group_end(const struct rd_out *o, struct reach_diff *d, uint64_t *acc, size_t *stamp[2])
{
	struct reach_diff_group *g = &d->groups[d->ngroups - 1];

	g->n = d->nruns - g->first;
	for (size_t r = g->first; r < d->nruns; r++)
		g->changes += d->runs[r].n * d->runs[r].nports;
	g->ports = ports_of(o, acc, &g->nports);
	memset(acc, 0, o->words * sizeof(*acc));
	end_of(o, d, g, true, stamp[0], d->ngroups);
	end_of(o, d, g, false, stamp[1], d->ngroups);
	d->changes += g->changes;
	if (!g->allowed)
		d->denied += g->changes;
}

/*
 * Fill d's causes, groups, runs and pairs from what o collected (see
 * reach_diff.h for the order); d->dual is the caller's.
 */
void reach_diff_group(struct rd_out *o, struct reach_diff *d)
{
	size_t *idx = xcalloc(o->nkinds + 1, sizeof(*idx)), gcap = 0, rcap = 0;
	size_t *stamp[2] = { xcalloc(o->c->npods + 1, sizeof(size_t)),
			     xcalloc(o->c->npods + 1, sizeof(size_t)) };
	uint64_t *acc = xcalloc(o->words + 1, sizeof(*acc));
	struct rd_key *v;

	rank_causes(o, idx, d);
	rank_kinds(o, idx);
	v = sorted_keys(o);
	d->pairs = xcalloc(o->nrecs + 1, sizeof(*d->pairs));
	for (size_t i = 0; i < o->nrecs; i++) {
		const struct rd_key *p = i ? &v[i - 1] : NULL, *k = &v[i];
		bool new_group = !p || p->grp != k->grp || p->sns != k->sns || p->dns != k->dns;

		if (new_group && p)
			group_end(o, d, acc, stamp);
		if (new_group)
			group_add(d, &gcap, &o->kinds[k->kind]);
		if (new_group || p->rank != k->rank)
			run_add(o, d, &rcap, &o->kinds[k->kind], acc);
		d->runs[d->nruns - 1].n++;
		d->pairs[d->npairs++] =
			(struct reach_diff_pair){ &o->c->pods[k->src], &o->c->pods[k->dst] };
	}
	if (o->nrecs)
		group_end(o, d, acc, stamp);
	free(v);
	free(acc);
	free(stamp[0]);
	free(stamp[1]);
	free(idx);
}
