// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which pairs change between two clusters, and how (see reach_diff.h). A
 * connection needs the source's egress and the destination's ingress (reach.c).
 * The egress answer depends on the policies isolating the source and on what
 * the destination is (labels, namespace, address, named ports); the ingress
 * answer on the policies isolating the destination and on what the source is.
 * A pair can therefore change only when its source's egress policies or its
 * destination's ingress policies changed (compared by content, so renaming or
 * reordering changes nothing), or when one of the two pods itself changed.
 * Those pods are the candidates, each with the other ends it may change for:
 * every end when the pod itself changed or became or stopped being isolated,
 * else those the peers of the rules in one version only stand for. Those
 * pairs are compared, and no other.
 *
 * Ports are compared all at once, as bit masks over the sorted port list: a
 * rule admits a fixed mask (numbers, ranges, any port) plus the destination's
 * named ports; a direction admits the union of the masks of the rules whose
 * peers stand for the other end. Which rules stand for which pods is computed
 * once per rule (for the rules of candidates) or once per candidate pod (for
 * every rule), never per pair.
 */
#include "policy/reach_diff.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/reach.h"
#include "policy/selector.h"
#include "policy/reach_diff_int.h"
#include "base/strmap.h"
#include "base/xalloc.h"

/* One comparison in progress. */
struct rd_ctx {
	struct rd_rules old, new;
	struct rd_out *o;
	size_t *old_of; /* per new pod: the same pod in old, or RD_NONE */
	size_t *new_of; /* per old pod: the same pod in new, or RD_NONE */
	bool *end;	/* per new pod: compared in this family */
	bool *changed;	/* per new pod: itself changed (labels, namespace, ports, address) */
	int family;
	uint64_t *ones;		     /* every port */
	uint64_t *eo, *io, *en, *in; /* egress, ingress of the pair: old, new */
	uint64_t *dv;		     /* ports whose verdict changes */
	uint64_t *lvl[4];	     /* masks of partition() and resolve(), by depth */
	bool iso[DIR_COUNT];	     /* the new ends are isolated (pair being compared) */
	bool tiers;	  /* either version has cluster network policies: compare_tiers() */
	bool tiers_moved; /* ... and they differ: every pair is a candidate */
};

/* -- kinds of change ------------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

static uint64_t kind_hash(const struct rd_out *o, const struct rd_kind *k)
{
	uint64_t h = fnv(14695981039346656037u, &k->allowed, sizeof(k->allowed));

	h = fnv(h, &k->family, sizeof(k->family));
	h = fnv(h, &k->dirs, sizeof(k->dirs));
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		const struct rd_why *w = &k->side[dir];

		h = fnv(h, &w->why, sizeof(w->why));
		h = fnv(h, w->pols, w->npols * sizeof(*w->pols));
		h = fnv(h, &w->pol, sizeof(w->pol));
		h = fnv(h, &w->rule, sizeof(w->rule));
	}
	return fnv(h, k->mask, o->words * sizeof(*k->mask));
}

static bool kind_eq(const struct rd_out *o, const struct rd_kind *a, const struct rd_kind *b)
{
	if (a->hash != b->hash || a->allowed != b->allowed || a->family != b->family ||
	    a->dirs != b->dirs)
		return false;
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		const struct rd_why *x = &a->side[dir], *y = &b->side[dir];

		if (x->why != y->why || x->pol != y->pol || x->rule != y->rule ||
		    x->npols != y->npols ||
		    (x->npols && memcmp(x->pols, y->pols, x->npols * sizeof(*x->pols))))
			return false;
	}
	return !memcmp(a->mask, b->mask, o->words * sizeof(*a->mask));
}

static void table_grow(struct rd_out *o)
{
	size_t cap = o->tcap ? o->tcap * 2 : 64;

	free(o->table);
	o->table = xcalloc(cap, sizeof(*o->table));
	o->tcap = cap;
	for (size_t i = 0; i < o->nkinds; i++) {
		size_t j = o->kinds[i].hash & (cap - 1);

		while (o->table[j])
			j = (j + 1) & (cap - 1);
		o->table[j] = i + 1;
	}
}

/* The index of kind k (its mask borrowed) among the kinds seen, added if new. */
static size_t kind_of(struct rd_out *o, struct rd_kind *k)
{
	size_t j;

	k->hash = kind_hash(o, k);
	if (2 * (o->nkinds + 1) > o->tcap)
		table_grow(o);
	for (j = k->hash & (o->tcap - 1); o->table[j]; j = (j + 1) & (o->tcap - 1))
		if (kind_eq(o, &o->kinds[o->table[j] - 1], k))
			return o->table[j] - 1;
	XGROW(o->kinds, o->capkinds, o->nkinds);
	o->kinds[o->nkinds] = *k;
	o->kinds[o->nkinds].mask = rd_mask_new(o->words);
	memcpy(o->kinds[o->nkinds].mask, k->mask, o->words * sizeof(*k->mask));
	o->table[j] = o->nkinds + 1;
	return o->nkinds++;
}

static void emit(struct rd_ctx *x, struct rd_kind *k, uint64_t *mask, size_t s, size_t d)
{
	struct rd_out *o = x->o;

	k->mask = mask;
	XGROW(o->recs, o->caprecs, o->nrecs);
	o->recs[o->nrecs++] = (struct rd_rec){ (uint32_t)s, (uint32_t)d, (uint32_t)kind_of(o, k) };
}

static bool mask_empty(const uint64_t *m, size_t words)
{
	for (size_t w = 0; w < words; w++)
		if (m[w])
			return false;
	return true;
}

/*
 * Name the cause of the ports in mask direction by direction, egress first:
 * where a direction is now allowed by a rule, split mask by the first rule
 * that admits each port, as reach_eval() lists it first.
 */
static void resolve(struct rd_ctx *x, struct rd_kind *k, const uint64_t *mask, int dir, size_t s,
		    size_t d, int depth)
{
	size_t self = dir == DIR_EGRESS ? s : d, other = dir == DIR_EGRESS ? d : s;
	uint64_t *sub = x->lvl[depth], *seen;
	const size_t *pols;
	size_t n;

	if (dir < 0) {
		memcpy(sub, mask, x->o->words * sizeof(*sub));
		emit(x, k, sub, s, d);
		return;
	}
	if (!(k->dirs & DIR_FLAG(dir)) || k->side[dir].why != REACH_DIFF_ALLOWED_BY) {
		resolve(x, k, mask, dir - 1, s, d, depth);
		return;
	}
	seen = rd_mask_new(x->o->words);
	n = reach_isolating(x->new.r, &x->new.c->pods[self], dir, &pols);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < x->new.c->pols[pols[i]].nrules[dir]; j++) {
			size_t id = x->new.base[dir][pols[i]] + j;
			const uint64_t *m;

			if (!reach_diff_rules_member(&x->new, id, other))
				continue;
			m = reach_diff_rules_ports(&x->new, id, &x->new.c->pods[d]);
			for (size_t w = 0; w < x->o->words; w++) {
				sub[w] = mask[w] & m[w] & ~seen[w];
				seen[w] |= m[w];
			}
			if (mask_empty(sub, x->o->words))
				continue;
			k->side[dir].pol = pols[i];
			k->side[dir].rule = j;
			resolve(x, k, sub, dir - 1, s, d, depth + 1);
		}
	free(seen);
}

/* The side of one changed direction, from the new verdict's bit. */
static struct rd_why why_of(struct rd_ctx *x, int dir, bool allowed, size_t self)
{
	struct rd_why w = { .why = REACH_DIFF_ALLOWED_BY };

	if (allowed && !x->iso[dir]) {
		w.why = REACH_DIFF_NOT_ISOLATED;
	} else if (!allowed) {
		w.why = REACH_DIFF_ISOLATED;
		w.npols = reach_isolating(x->new.r, &x->new.c->pods[self], dir, &w.pols);
	}
	return w;
}

static uint64_t pick(uint64_t v, bool set)
{
	return set ? v : ~v;
}

/*
 * Split the changed ports of pair (s, d) by what changed: which directions,
 * and how each now answers; each part becomes one kind.
 */
static void partition(struct rd_ctx *x, size_t s, size_t d)
{
	uint64_t *m = x->lvl[0];

	for (unsigned c = 0; c < 16; c++) {
		bool ce = c & 1, ci = c & 2, en = c & 4, in = c & 8;
		struct rd_kind k = { .allowed = en && in, .family = x->family };

		if (!ce && !ci)
			continue;
		for (size_t w = 0; w < x->o->words; w++)
			m[w] = x->dv[w] & pick(x->eo[w] ^ x->en[w], ce) &
			       pick(x->io[w] ^ x->in[w], ci) & pick(x->en[w], en) &
			       pick(x->in[w], in);
		if (mask_empty(m, x->o->words))
			continue;
		k.dirs = (ce ? DIR_FLAG(DIR_EGRESS) : 0) | (ci ? DIR_FLAG(DIR_INGRESS) : 0);
		if (ce)
			k.side[DIR_EGRESS] = why_of(x, DIR_EGRESS, en, s);
		if (ci)
			k.side[DIR_INGRESS] = why_of(x, DIR_INGRESS, in, d);
		resolve(x, &k, m, DIR_EGRESS, s, d, 1);
	}
}

/* Compare pair (s, d), indexes into new->pods, on every port. */
static void compare(struct rd_ctx *x, size_t s, size_t d)
{
	size_t so = x->old_of[s], dold = x->old_of[d];
	uint64_t any = 0;

	reach_diff_rules_admit(&x->old, so, dold, DIR_EGRESS, x->eo);
	reach_diff_rules_admit(&x->old, dold, so, DIR_INGRESS, x->io);
	x->iso[DIR_EGRESS] = reach_diff_rules_admit(&x->new, s, d, DIR_EGRESS, x->en);
	x->iso[DIR_INGRESS] = reach_diff_rules_admit(&x->new, d, s, DIR_INGRESS, x->in);
	for (size_t w = 0; w < x->o->words; w++) {
		x->dv[w] = (x->eo[w] & x->io[w]) ^ (x->en[w] & x->in[w]);
		any |= x->dv[w];
	}
	if (any)
		partition(x, s, d);
}

/* The cause of one direction as the new cluster answers it (side from reach). */
static struct rd_why why_tiers(const struct rd_ctx *x, const struct reach_side *s,
			       const struct reach_query *q, enum dir dir)
{
	struct rd_why w = { .why = REACH_DIFF_NOT_ISOLATED };
	const struct pod *self = dir == DIR_EGRESS ? q->src.pod : q->dst.pod;

	if (s->by == REACH_BY_ADMIN || s->by == REACH_BY_BASELINE) {
		w.why = REACH_DIFF_BY_CNP;
		w.pol = s->decided.cnp;
		w.rule = s->decided.rule;
	} else if (s->by == REACH_BY_NETPOL && s->allowed) {
		w.why = REACH_DIFF_ALLOWED_BY;
		w.pol = s->allows[0].pol;
		w.rule = s->allows[0].rule;
	} else if (s->by == REACH_BY_NETPOL) {
		w.why = REACH_DIFF_ISOLATED;
		w.npols = reach_isolating(x->new.r, self, dir, &w.pols);
	}
	return w;
}

static bool why_eq(const struct rd_why *a, const struct rd_why *b)
{
	return a->why == b->why && a->pol == b->pol && a->rule == b->rule && a->pols == b->pols &&
	       a->npols == b->npols;
}

/*
 * Compare pair (s, d) port by port through reach, tier by tier (the masks of
 * reach_diff_rules.c know NetworkPolicy only); ports that change the same way
 * make one kind.
 */
static void compare_tiers(struct rd_ctx *x, size_t s, size_t d)
{
	const struct cluster *oc = x->old.c, *nc = x->new.c;
	struct reach_query qo = { 0 }, qn = { 0 };
	struct rd_kind *k = xcalloc(x->o->nports + 1, sizeof(*k));
	bool *changed = xcalloc(x->o->nports + 1, sizeof(*changed));
	bool all = x->tiers_moved || x->changed[s] || x->changed[d];

	if (!all) {
		/*
		 * The cluster policies and both pods are as they were: a port's
		 * verdict can change only where a NetworkPolicy answer did (what
		 * it admits, or whether it isolates: Baseline applies only
		 * where none does).
		 */
		size_t so = x->old_of[s], dold = x->old_of[d];
		bool ie = reach_diff_rules_admit(&x->old, so, dold, DIR_EGRESS, x->eo) !=
			  reach_diff_rules_admit(&x->new, s, d, DIR_EGRESS, x->en);
		bool ii = reach_diff_rules_admit(&x->old, dold, so, DIR_INGRESS, x->io) !=
			  reach_diff_rules_admit(&x->new, d, s, DIR_INGRESS, x->in);

		all = ie || ii;
		for (size_t w = 0; w < x->o->words && !all; w++)
			x->dv[w] = (x->eo[w] ^ x->en[w]) | (x->io[w] ^ x->in[w]);
	}
	reach_end_pod(&oc->pods[x->old_of[s]], x->family, &qo.src);
	reach_end_pod(&oc->pods[x->old_of[d]], x->family, &qo.dst);
	reach_end_pod(&nc->pods[s], x->family, &qn.src);
	reach_end_pod(&nc->pods[d], x->family, &qn.dst);
	for (size_t i = 0; i < x->o->nports; i++) {
		struct reach_side side[DIR_COUNT];
		bool before[DIR_COUNT], now[DIR_COUNT];

		if (!all && !rd_bit(x->dv, i))
			continue;
		qo.proto = qn.proto = x->o->ports[i].proto;
		qo.port = qn.port = x->o->ports[i].port;
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			before[dir] = reach_eval_dir(x->old.r, &qo, dir, NULL);
			now[dir] = reach_eval_dir(x->new.r, &qn, dir, NULL);
		}
		changed[i] = (before[0] && before[1]) != (now[0] && now[1]);
		if (!changed[i])
			continue;
		k[i] = (struct rd_kind){ .allowed = now[0] && now[1], .family = x->family };
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			if (before[dir] == now[dir])
				continue;
			reach_eval_dir(x->new.r, &qn, dir, &side[dir]);
			k[i].dirs |= DIR_FLAG(dir);
			k[i].side[dir] = why_tiers(x, &side[dir], &qn, dir);
			reach_side_fini(&side[dir]);
		}
	}
	for (size_t i = 0; i < x->o->nports; i++) {
		uint64_t *m;

		if (!changed[i])
			continue;
		m = x->lvl[0];
		memset(m, 0, x->o->words * sizeof(*m));
		for (size_t j = i; j < x->o->nports; j++) {
			if (!changed[j] || k[j].allowed != k[i].allowed || k[j].dirs != k[i].dirs ||
			    !why_eq(&k[j].side[0], &k[i].side[0]) ||
			    !why_eq(&k[j].side[1], &k[i].side[1]))
				continue;
			rd_bit_set(m, j);
			if (j != i)
				changed[j] = false;
		}
		emit(x, &k[i], m, s, d);
	}
	free(k);
	free(changed);
}

/* -- candidates ------------------------------------------------------------------------ */

static bool selector_eq(const struct selector *a, const struct selector *b)
{
	char *x = selector_to_string(a), *y = selector_to_string(b);
	bool eq = !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

static bool addrs_eq(const struct addr *a, size_t na, const struct addr *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

static bool cnp_peer_eq(const struct cnp_peer *a, const struct cnp_peer *b)
{
	if (a->kind != b->kind || a->ndomains != b->ndomains ||
	    !addrs_eq(a->nets, a->nnets, b->nets, b->nnets) ||
	    !selector_eq(&a->ns_sel, &b->ns_sel) || !selector_eq(&a->pod_sel, &b->pod_sel) ||
	    !selector_eq(&a->node_sel, &b->node_sel))
		return false;
	for (size_t i = 0; i < a->ndomains; i++)
		if (strcmp(a->domains[i], b->domains[i]))
			return false;
	return true;
}

static bool port_eq(const struct np_port *a, const struct np_port *b)
{
	return a->proto == b->proto && a->flags == b->flags && a->port == b->port &&
	       a->end_port == b->end_port && !a->name == !b->name &&
	       (!a->name || !strcmp(a->name, b->name));
}

static bool cnp_rule_eq(const struct cnp_rule *a, const struct cnp_rule *b)
{
	if (a->action != b->action || a->npeers != b->npeers || a->nports != b->nports)
		return false;
	for (size_t i = 0; i < a->npeers; i++)
		if (!cnp_peer_eq(&a->peers[i], &b->peers[i]))
			return false;
	for (size_t i = 0; i < a->nports; i++)
		if (!port_eq(&a->ports[i], &b->ports[i]))
			return false;
	return true;
}

/*
 * Whether the cluster network policies of a and b (sealed: in evaluation
 * order) decide alike: the same tiers, order, subjects and rules (rule and
 * policy names aside). Then only NetworkPolicy changes and changed pods can
 * change a pair, and the candidates are found as without them.
 */
static bool cnps_equal(const struct cluster *a, const struct cluster *b)
{
	if (a->ncnps != b->ncnps)
		return false;
	for (size_t i = 0; i < a->ncnps; i++) {
		const struct cnp *x = &a->cnps[i], *y = &b->cnps[i];

		if (x->tier != y->tier || x->priority != y->priority ||
		    !selector_eq(&x->subject_ns_sel, &y->subject_ns_sel) ||
		    !selector_eq(&x->subject_pod_sel, &y->subject_pod_sel))
			return false;
		for (int d = 0; d < DIR_COUNT; d++) {
			if (x->nrules[d] != y->nrules[d])
				return false;
			for (size_t j = 0; j < x->nrules[d]; j++)
				if (!cnp_rule_eq(&x->rules[d][j], &y->rules[d][j]))
					return false;
		}
	}
	return true;
}

static bool named_ports_eq(const struct pod *a, const struct pod *b)
{
	if (a->nports != b->nports)
		return false;
	for (size_t i = 0; i < a->nports; i++)
		if (strcmp(a->ports[i].name, b->ports[i].name) ||
		    a->ports[i].proto != b->ports[i].proto || a->ports[i].port != b->ports[i].port)
			return false;
	return true;
}

/* Whether pod p (new) differs from q (old) in what peers and ports look at. */
static bool pod_changed(const struct rd_ctx *x, const struct pod *q, const struct pod *p)
{
	const struct k8s_ns *nq = model_cluster_ns(x->old.c, q->ns);
	const struct k8s_ns *np = model_cluster_ns(x->new.c, p->ns);
	const struct addr *aq = rd_addr_of(q, x->family), *ap = rd_addr_of(p, x->family);

	return !model_labels_eq(&q->labels, &p->labels) || !nq || !np ||
	       !model_labels_eq(&nq->labels, &np->labels) || !named_ports_eq(q, p) ||
	       memcmp(aq, ap, sizeof(*aq));
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* The contents of the policies isolating pod in dir, sorted, each once. */
static size_t contents(const struct rd_rules *k, size_t pod, enum dir dir, size_t **out)
{
	const size_t *pols;
	size_t n = reach_isolating(k->r, &k->c->pods[pod], dir, &pols), m = 0;

	*out = xcalloc(n + 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = k->content[dir][pols[i]];
	xqsort(*out, n, sizeof(**out), size_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || (*out)[m - 1] != (*out)[i])
			(*out)[m++] = (*out)[i];
	return m;
}

/* The other ends a pod's answer in one direction may change for. */
struct rd_cand {
	bool all;	/* every end */
	uint64_t *some; /* else these, bits over new->pods (NULL: none) */
};

static bool cand_has(const struct rd_cand *c, size_t j)
{
	return c->all || (c->some && rd_bit(c->some, j));
}

/* Add the ends the peers of policy pol's dir rules (in k's version) stand for. */
static void cand_add(struct rd_ctx *x, struct rd_rules *k, size_t pol, enum dir dir,
		     struct rd_cand *c)
{
	size_t words = (k->c->npods + 63) / 64;

	for (size_t j = 0; !c->all && j < k->c->pols[pol].nrules[dir]; j++) {
		size_t id = k->base[dir][pol] + j;
		const uint64_t *m;

		if (!k->rule[id]->npeers) {
			c->all = true;
			return;
		}
		m = reach_diff_rules_members(k, id);
		if (!c->some)
			c->some = rd_mask_new((x->new.c->npods + 63) / 64);
		for (size_t w = 0; w < words; w++)
			for (uint64_t v = m[w]; v; v &= v - 1) {
				size_t i = w * 64 + (size_t)__builtin_ctzll(v);
				size_t to = k == &x->old ? x->new_of[i] : i;

				if (to != RD_NONE)
					rd_bit_set(c->some, to);
			}
	}
}

/* Add every policy of k isolating pod in dir whose content is not among others. */
static void cand_add_unshared(struct rd_ctx *x, struct rd_rules *k, size_t pod, enum dir dir,
			      const size_t *others, size_t nothers, struct rd_cand *c)
{
	const size_t *pols;
	size_t n = reach_isolating(k->r, &k->c->pods[pod], dir, &pols);

	for (size_t i = 0; i < n && !c->all; i++)
		if (!xbsearch(&k->content[dir][pols[i]], others, nothers, sizeof(*others),
			      size_cmp))
			cand_add(x, k, pols[i], dir, c);
}

/*
 * The other ends for which new pod i may answer differently in dir because the
 * policies isolating it changed: every end when it becomes or stops being
 * isolated; else those the peers of the rules of a policy in one version only
 * (by content) stand for, since what both versions share admits the same.
 */
static struct rd_cand cand_of(struct rd_ctx *x, size_t i, enum dir dir)
{
	struct rd_cand c = { 0 };
	size_t *a, *b;
	size_t na = contents(&x->old, x->old_of[i], dir, &a);
	size_t nb = contents(&x->new, i, dir, &b);

	if (!na != !nb) {
		c.all = true;
	} else if (na != nb || memcmp(a, b, na * sizeof(*a))) {
		cand_add_unshared(x, &x->old, x->old_of[i], dir, b, nb, &c);
		cand_add_unshared(x, &x->new, i, dir, a, na, &c);
	}
	free(a);
	free(b);
	return c;
}

/* The same pods in both clusters (both sorted by namespace and name). */
static void match_pods(struct rd_ctx *x)
{
	const struct cluster *a = x->old.c, *b = x->new.c;
	size_t i = 0, j = 0;

	x->old_of = xcalloc(b->npods + 1, sizeof(*x->old_of));
	x->new_of = xcalloc(a->npods + 1, sizeof(*x->new_of));
	for (size_t k = 0; k < b->npods; k++)
		x->old_of[k] = RD_NONE;
	for (size_t k = 0; k < a->npods; k++)
		x->new_of[k] = RD_NONE;
	while (i < a->npods && j < b->npods) {
		int c = strcmp(a->pods[i].ns, b->pods[j].ns);

		c = c ? c : strcmp(a->pods[i].name, b->pods[j].name);
		if (!c) {
			x->old_of[j] = i;
			x->new_of[i] = j;
		}
		i += c <= 0;
		j += c >= 0;
	}
}

/* Whether new pod i is compared in x->family: eligible in both, an address each. */
static bool is_end(const struct rd_ctx *x, size_t i)
{
	const struct pod *p = &x->new.c->pods[i], *q;

	if (x->old_of[i] == RD_NONE)
		return false;
	q = &x->old.c->pods[x->old_of[i]];
	return model_pod_eligible(p) && model_pod_eligible(q) && rd_addr_of(p, x->family) &&
	       rd_addr_of(q, x->family);
}

/*
 * Compare, in x->family, every pair whose source's egress or destination's
 * ingress may answer differently: rows (a source and the destinations its
 * egress may change for), then columns (a destination and the sources its
 * ingress may change for) but for the pairs of a row. A pod that changed
 * itself may change for every end, both ways.
 */
static void compare_family(struct rd_ctx *x)
{
	size_t n = x->new.c->npods;
	struct rd_cand *row = xcalloc(n + 1, sizeof(*row)), *col = xcalloc(n + 1, sizeof(*col));

	for (size_t i = 0; i < n; i++) {
		x->end[i] = is_end(x, i);
		if (!x->end[i])
			continue;
		x->o->ns_pods[x->o->ns_of[i]][x->family == AF_INET6]++;
		x->changed[i] = pod_changed(x, &x->old.c->pods[x->old_of[i]], &x->new.c->pods[i]);
		if (x->tiers_moved || x->changed[i]) {
			row[i].all = col[i].all = true;
		} else {
			row[i] = cand_of(x, i, DIR_EGRESS);
			col[i] = cand_of(x, i, DIR_INGRESS);
		}
		if (row[i].all || row[i].some || col[i].all || col[i].some) {
			reach_diff_rules_pod(&x->old, x->old_of[i]);
			reach_diff_rules_pod(&x->new, i);
		}
	}
	for (size_t s = 0; s < n; s++)
		for (size_t d = 0; (row[s].all || row[s].some) && d < n; d++)
			if (x->end[d] && d != s && cand_has(&row[s], d))
				(x->tiers ? compare_tiers : compare)(x, s, d);
	for (size_t d = 0; d < n; d++)
		for (size_t s = 0; (col[d].all || col[d].some) && s < n; s++)
			if (x->end[s] && s != d && cand_has(&col[d], s) && !cand_has(&row[s], d))
				compare(x, s, d);
	for (size_t i = 0; i < n; i++) {
		free(row[i].some);
		free(col[i].some);
	}
	free(row);
	free(col);
}

static int port_cmp(const void *a, const void *b)
{
	const struct reach_diff_port *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* o's port list: a sorted copy of ports, each once. */
static void set_ports(struct rd_out *o, const struct reach_diff_port *ports, size_t n)
{
	struct reach_diff_port *v = xcalloc(n + 1, sizeof(*v));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = (struct reach_diff_port){ ports[i].proto, ports[i].port };
	xqsort(v, n, sizeof(*v), port_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || port_cmp(&v[m - 1], &v[i]))
			v[m++] = v[i];
	o->ports = v;
	o->nports = m;
	o->words = (m + 63) / 64;
}

static void ctx_init(struct rd_ctx *x, const struct cluster *old, const struct cluster *new,
		     struct rd_out *o)
{
	struct strmap *ids = strmap_new();
	uint64_t **masks[] = { &x->ones, &x->eo,     &x->io,	 &x->en,     &x->in,
			       &x->dv,	 &x->lvl[0], &x->lvl[1], &x->lvl[2], &x->lvl[3] };

	memset(x, 0, sizeof(*x));
	x->o = o;
	for (size_t i = 0; i < ARRAY_SIZE(masks); i++)
		*masks[i] = rd_mask_new(o->words);
	for (size_t i = 0; i < o->nports; i++)
		rd_bit_set(x->ones, i);
	reach_diff_rules_init(&x->old, old, o, x->ones, ids);
	reach_diff_rules_init(&x->new, new, o, x->ones, ids);
	strmap_free(ids);
	match_pods(x);
	x->tiers = old->ncnps || new->ncnps;
	x->tiers_moved = !cnps_equal(old, new);
	x->end = xcalloc(new->npods + 1, sizeof(*x->end));
	x->changed = xcalloc(new->npods + 1, sizeof(*x->changed));
	o->ns_of = xcalloc(new->npods + 1, sizeof(*o->ns_of));
	for (size_t i = 0; i < new->npods; i++)
		o->ns_of[i] = (size_t)(model_cluster_ns(new, new->pods[i].ns) - new->nss);
	o->ns_pods = xcalloc(new->nnss + 1, sizeof(*o->ns_pods));
}

static void ctx_fini(struct rd_ctx *x)
{
	uint64_t *masks[] = { x->ones, x->eo,	  x->io,     x->en,	x->in,
			      x->dv,   x->lvl[0], x->lvl[1], x->lvl[2], x->lvl[3] };

	for (size_t i = 0; i < ARRAY_SIZE(masks); i++)
		free(masks[i]);
	reach_diff_rules_fini(&x->old);
	reach_diff_rules_fini(&x->new);
	free(x->old_of);
	free(x->new_of);
	free(x->end);
	free(x->changed);
}

/* Whether an eligible pod of c has an address of family. */
static bool has_family(const struct cluster *c, int family)
{
	for (size_t i = 0; i < c->npods; i++)
		if (model_pod_eligible(&c->pods[i]) && rd_addr_of(&c->pods[i], family))
			return true;
	return false;
}

/*
 * Compare old and new (both sealed) on ports (any order, repeats allowed) over
 * each family the new cluster's eligible pods use, into out (overwritten;
 * release with reach_diff_fini()). Only pods of both clusters are compared,
 * each pod with every other (a pod may always reach itself). out borrows pods
 * from new, which must outlive it.
 */
void reach_diff_compute(const struct cluster *old, const struct cluster *new,
			const struct reach_diff_port *ports, size_t nports, struct reach_diff *out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct rd_out o = { .c = new };
	struct rd_ctx x;
	size_t nfam = 0;

	memset(out, 0, sizeof(*out));
	set_ports(&o, ports, nports);
	ctx_init(&x, old, new, &o);
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		if (!has_family(new, families[f]))
			continue;
		nfam++;
		x.family = families[f];
		reach_diff_rules_family(&x.old, x.family);
		reach_diff_rules_family(&x.new, x.family);
		compare_family(&x);
	}
	out->dual = nfam > 1;
	reach_diff_group(&o, out);
	ctx_fini(&x);
	for (size_t i = 0; i < o.nkinds; i++)
		free(o.kinds[i].mask);
	free(o.kinds);
	free(o.table);
	free(o.recs);
	free(o.ns_of);
	free(o.ns_pods);
	free(o.ports);
}

static void end_fini(struct reach_diff_end *e)
{
	free(e->pods);
	free(e->shared);
}

/* Release what d owns; d is left empty. */
void reach_diff_fini(struct reach_diff *d)
{
	for (size_t i = 0; i < d->ngroups; i++) {
		end_fini(&d->groups[i].src);
		end_fini(&d->groups[i].dst);
		free(d->groups[i].ports);
	}
	for (size_t i = 0; i < d->nruns; i++)
		free(d->runs[i].ports);
	for (size_t i = 0; i < d->ncauses; i++)
		for (int dir = 0; dir < DIR_COUNT; dir++)
			free(d->causes[i].side[dir].pols);
	free(d->groups);
	free(d->runs);
	free(d->pairs);
	free(d->causes);
	memset(d, 0, sizeof(*d));
}
