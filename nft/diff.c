// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental updates (see diff.h). The fate of every set and chain is decided
 * first, then the plan lists their operations in an order the kernel accepts
 * inside one transaction:
 *   0. new counters;
 *   1. new chains (empty), new sets with their elements;
 *   2. flush chains that are removed or rewritten (this drops their references);
 *   3. delete elements from hash sets and maps;
 *   4. rebuild sets: delete and re-create under the same name with all elements;
 *   5. add elements to hash sets and maps;
 *   6. add the rules of new and rewritten chains;
 *   7. delete removed sets, then removed chains (a removed verdict map's
 *      elements hold jumps to chains; every rule that named a removed set was
 *      flushed in step 2);
 *   8. delete removed counters.
 * Interval sets are never edited element by element: deleting from a pipapo set
 * costs tens of milliseconds per element and an rbtree range may share its END
 * element with a neighbour, so a changed interval set is rebuilt (cheap: deleting
 * a whole set is fast whatever its size).
 */
#include "nft/diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/build.h"
#include "base/xalloc.h"

enum fate {
	FATE_KEEP, /* unchanged, or elements edited in place */
	FATE_ADD,
	FATE_REMOVE,
	FATE_REBUILD, /* sets: delete and create again */
	FATE_REWRITE, /* chains: flush and add the rules again */
};

/* One set or chain present in old, new or both. */
struct item {
	const char *name;
	const void *old, *new; /* struct rs_set or rs_chain; NULL when absent */
	enum fate fate;
	bool same; /* sets kept: no element differs (nothing to send) */
};

struct fates {
	struct item *sets, *chains, *counters;
	size_t nsets, nchains, ncounters;
};

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static int name_cmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

/* Merge two name-sorted arrays into items; elem size sz, name at offset 0. */
static size_t merge(const void *a, size_t na, const void *b, size_t nb, size_t sz,
		    struct item **out)
{
	struct item *v = xcalloc(na + nb + 1, sizeof(*v));
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		const void *x = i < na ? (const char *)a + i * sz : NULL;
		const void *y = j < nb ? (const char *)b + j * sz : NULL;
		int c = !x ? 1 : !y ? -1 : name_cmp(*(char *const *)x, *(char *const *)y);

		v[n].name = *(char *const *)(c <= 0 ? x : y);
		v[n].old = c <= 0 ? x : NULL;
		v[n].new = c >= 0 ? y : NULL;
		i += c <= 0;
		j += c >= 0;
		n++;
	}
	*out = v;
	return n;
}

static bool set_def_eq(const struct rs_set *a, const struct rs_set *b)
{
	char ca[RS_COMMENT_MAX + 1] = "", cb[RS_COMMENT_MAX + 1] = "";

	if (a->nkey != b->nkey || a->flags != b->flags)
		return false;
	if (memcmp(a->key, b->key, a->nkey * sizeof(*a->key)))
		return false;
	if (!a->comment || !b->comment)
		return !a->comment && !b->comment;
	build_comment_clean(a->comment, ca);
	build_comment_clean(b->comment, cb);
	return !strcmp(ca, cb);
}

static bool elem_eq(const struct rs_set *s, const struct rs_elem *a, const struct rs_elem *b)
{
	if (ruleset_elem_cmp(s, a, b))
		return false;
	return !(s->flags & RS_SET_VMAP) || str_eq(a->chain, b->chain);
}

/* Whether two sets of one definition hold the same elements (one pass, no calls). */
static bool elems_eq(const struct rs_set *a, const struct rs_set *b)
{
	unsigned len = ruleset_key_len(b);
	bool interval = b->flags & RS_SET_INTERVAL, vmap = b->flags & RS_SET_VMAP;

	if (a->nelems != b->nelems)
		return false;
	for (size_t i = 0; i < a->nelems; i++) {
		const struct rs_elem *x = &a->elems[i], *y = &b->elems[i];

		if (memcmp(x->key, y->key, len) ||
		    (interval && memcmp(x->key_end, y->key_end, len)) ||
		    (vmap && !str_eq(x->chain, y->chain)))
			return false;
	}
	return true;
}

static enum fate set_fate(const struct item *it)
{
	const struct rs_set *o = it->old, *n = it->new;

	if (!o)
		return FATE_ADD;
	if (!n)
		return FATE_REMOVE;
	if (!set_def_eq(o, n))
		return FATE_REBUILD;
	if ((n->flags & RS_SET_INTERVAL) && !elems_eq(o, n))
		return FATE_REBUILD;
	return FATE_KEEP;
}

/* Chain attributes that cannot change in place; the caller replaces the table. */
static bool chain_def_eq(const struct rs_chain *a, const struct rs_chain *b)
{
	char ca[RS_COMMENT_MAX + 1] = "", cb[RS_COMMENT_MAX + 1] = "";

	if (a->hook != b->hook ||
	    (a->hook && (a->prio != b->prio || a->policy_drop != b->policy_drop)))
		return false;
	if (a->comment)
		build_comment_clean(a->comment, ca);
	if (b->comment)
		build_comment_clean(b->comment, cb);
	return !a->comment == !b->comment && !strcmp(ca, cb);
}

static const struct item *find_item(const struct item *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, v[mid].name);

		if (!c)
			return &v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Whether the old rules of c use a set that goes away or is rebuilt, or a
 * counter that goes away.
 */
static bool uses_replaced_set(const struct fates *p, const struct rs_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++) {
		const char *ctr = c->rules[i].counter;
		const struct item *ci = ctr ? find_item(p->counters, p->ncounters, ctr) : NULL;

		if (ci && !ci->new)
			return true;
		for (unsigned j = 0; j < c->rules[i].nm; j++) {
			const char *set = c->rules[i].m[j].set;
			const struct item *it = set ? find_item(p->sets, p->nsets, set) : NULL;

			if (it && (it->fate == FATE_REMOVE || it->fate == FATE_REBUILD))
				return true;
		}
	}
	return false;
}

static int chain_fate(const struct fates *p, struct item *it)
{
	const struct rs_chain *o = it->old, *n = it->new;

	if (!o)
		it->fate = FATE_ADD;
	else if (!n)
		it->fate = FATE_REMOVE;
	else if (!chain_def_eq(o, n))
		return -EXDEV;
	else if (!ruleset_chain_rules_eq(o, n) || uses_replaced_set(p, o))
		it->fate = FATE_REWRITE;
	else
		it->fate = FATE_KEEP;
	return 0;
}

static int fates_make(struct fates *p, const struct ruleset *old, const struct ruleset *new)
{
	memset(p, 0, sizeof(*p));
	p->nsets =
		merge(old->sets, old->nsets, new->sets, new->nsets, sizeof(*old->sets), &p->sets);
	p->nchains = merge(old->chains, old->nchains, new->chains, new->nchains,
			   sizeof(*old->chains), &p->chains);
	p->ncounters = merge(old->counters, old->ncounters, new->counters, new->ncounters,
			     sizeof(*old->counters), &p->counters);
	for (size_t i = 0; i < p->nsets; i++) {
		struct item *it = &p->sets[i];

		it->fate = set_fate(it);
		it->same = it->fate == FATE_KEEP && elems_eq(it->old, it->new);
	}
	for (size_t i = 0; i < p->nchains; i++)
		if (chain_fate(p, &p->chains[i]))
			return -EXDEV;
	return 0;
}

static void fates_free(struct fates *p)
{
	free(p->sets);
	free(p->chains);
	free(p->counters);
}

/*
 * Step 0 and 8: counters only in new are added, counters only in old deleted;
 * one in both stays as it is (a comment change is not worth its count).
 */
static void plan_counters(const struct fates *f, struct diff_plan *p)
{
	p->ctr_add = xcalloc(f->ncounters + 1, sizeof(*p->ctr_add));
	p->ctr_del = xcalloc(f->ncounters + 1, sizeof(*p->ctr_del));
	for (size_t i = 0; i < f->ncounters; i++) {
		const struct item *it = &f->counters[i];

		if (!it->old)
			p->ctr_add[p->nctr_add++] = it->new;
		else if (!it->new)
			p->ctr_del[p->nctr_del++] = it->old;
	}
	p->st.counters_added = p->nctr_add;
	p->st.counters_removed = p->nctr_del;
}

/*
 * The elements of a that are not in b (same key and, for maps, same jump), as
 * pointers into a, in *out; returns how many.
 */
static size_t elems_minus(const struct rs_set *a, const struct rs_set *b,
			  const struct rs_elem ***out)
{
	const struct rs_elem **v = xreallocarray(NULL, a->nelems + 1, sizeof(*v));
	size_t i = 0, j = 0, n = 0;

	while (i < a->nelems) {
		int c = j < b->nelems ? ruleset_elem_cmp(a, &a->elems[i], &b->elems[j]) : -1;

		if (c > 0) {
			j++;
			continue;
		}
		if (c < 0 || !elem_eq(a, &a->elems[i], &b->elems[j]))
			v[n++] = &a->elems[i];
		i++;
		j += c == 0;
	}
	*out = v;
	return n;
}

static struct diff_op *op_add(struct diff_plan *p, enum diff_op_kind kind)
{
	XGROW(p->ops, p->cap, p->nops);
	p->ops[p->nops] = (struct diff_op){ .kind = kind };
	return &p->ops[p->nops++];
}

static void op_chain(struct diff_plan *p, enum diff_op_kind kind, const struct rs_chain *c)
{
	op_add(p, kind)->chain = c;
}

static void op_set(struct diff_plan *p, enum diff_op_kind kind, const struct rs_set *s)
{
	op_add(p, kind)->set = s;
	if (kind == DIFF_ADD_SET)
		p->st.elems_added += s->nelems;
	else
		p->st.elems_removed += s->nelems;
}

/* The elements of a kept set that go (add false) or come (add true), if any. */
static void op_elems(struct diff_plan *p, const struct item *it, bool add)
{
	const struct rs_set *from = add ? it->new : it->old, *other = add ? it->old : it->new;
	const struct rs_elem **v;
	size_t n = elems_minus(from, other, &v);
	struct diff_op *op;

	if (!n) {
		free(v);
		return;
	}
	op = op_add(p, add ? DIFF_ADD_ELEMS : DIFF_DEL_ELEMS);
	op->set = from;
	op->elems = v;
	op->nelems = n;
	if (add)
		p->st.elems_added += n;
	else
		p->st.elems_removed += n;
}

/* Steps 1 and 2: new objects, then flush what loses or changes its rules. */
static void plan_first(const struct fates *f, struct diff_plan *p)
{
	for (size_t i = 0; i < f->nchains; i++)
		if (f->chains[i].fate == FATE_ADD) {
			op_chain(p, DIFF_ADD_CHAIN, f->chains[i].new);
			p->st.chains_added++;
		}
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].fate == FATE_ADD) {
			op_set(p, DIFF_ADD_SET, f->sets[i].new);
			p->st.sets_added++;
		}
	for (size_t i = 0; i < f->nchains; i++) {
		const struct item *it = &f->chains[i];

		/* flushed even when read back empty: appending to rules we did not
		 * see would duplicate them */
		if (it->fate != FATE_REMOVE && it->fate != FATE_REWRITE)
			continue;
		op_chain(p, DIFF_FLUSH_CHAIN, it->old);
		p->st.rules_removed += ((const struct rs_chain *)it->old)->nrules;
	}
}

/* Steps 3 to 5: element deletions, set rebuilds, element additions. */
static void plan_sets(const struct fates *f, struct diff_plan *p)
{
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].fate == FATE_KEEP && !f->sets[i].same)
			op_elems(p, &f->sets[i], false);
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].fate == FATE_REBUILD) {
			op_set(p, DIFF_DEL_SET, f->sets[i].old);
			op_set(p, DIFF_ADD_SET, f->sets[i].new);
			p->st.sets_rebuilt++;
		}
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].fate == FATE_KEEP && !f->sets[i].same)
			op_elems(p, &f->sets[i], true);
}

/* Steps 6 and 7: rules of new and rewritten chains, then deletions. */
static void plan_last(const struct fates *f, struct diff_plan *p)
{
	for (size_t i = 0; i < f->nchains; i++) {
		const struct item *it = &f->chains[i];

		if (it->fate != FATE_ADD && it->fate != FATE_REWRITE)
			continue;
		op_chain(p, DIFF_ADD_RULES, it->new);
		p->st.rules_added += ((const struct rs_chain *)it->new)->nrules;
		p->st.chains_rewritten += it->fate == FATE_REWRITE;
	}
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].fate == FATE_REMOVE) {
			op_set(p, DIFF_DEL_SET, f->sets[i].old);
			p->st.sets_removed++;
		}
	for (size_t i = 0; i < f->nchains; i++)
		if (f->chains[i].fate == FATE_REMOVE) {
			op_chain(p, DIFF_DEL_CHAIN, f->chains[i].old);
			p->st.chains_removed++;
		}
}

static bool comment_eq(const char *a, const char *b)
{
	char ca[RS_COMMENT_MAX + 1] = "", cb[RS_COMMENT_MAX + 1] = "";

	if (a)
		build_comment_clean(a, ca);
	if (b)
		build_comment_clean(b, cb);
	return !a == !b && !strcmp(ca, cb);
}

/*
 * The plan that turns table old (what the kernel holds) into new, both sealed,
 * into out (overwritten; release with diff_plan_fini(), also on failure). It
 * borrows from both rulesets, which must outlive it. No operation at all when
 * they are equal (diff_stats_empty(&out->st)). Returns 0, or -EXDEV when only a
 * full replace can do it: the table, its comment or a base chain's hook,
 * priority, policy or a chain comment changed.
 */
int diff_plan(const struct ruleset *old, const struct ruleset *new, struct diff_plan *out)
{
	struct fates f;
	int ret;

	memset(out, 0, sizeof(*out));
	out->new = new;
	if (strcmp(old->table, new->table) || !comment_eq(old->comment, new->comment))
		return -EXDEV;
	ret = fates_make(&f, old, new);
	if (!ret) {
		plan_counters(&f, out);
		plan_first(&f, out);
		plan_sets(&f, out);
		plan_last(&f, out);
	}
	fates_free(&f);
	return ret;
}

/* Release what p owns; p is left empty. */
void diff_plan_fini(struct diff_plan *p)
{
	for (size_t i = 0; i < p->nops; i++)
		free(p->ops[i].elems);
	free(p->ops);
	free(p->ctr_add);
	free(p->ctr_del);
	memset(p, 0, sizeof(*p));
}

/* Whether p changes nothing: no operation, no counter added or removed. */
bool diff_plan_empty(const struct diff_plan *p)
{
	return !p->nops && !p->nctr_add && !p->nctr_del;
}

static int build_op(struct build *b, const struct diff_plan *p, const struct diff_op *op)
{
	int ret = 0;

	switch (op->kind) {
	case DIFF_ADD_CHAIN:
		build_chain_add(b, op->chain);
		break;
	case DIFF_ADD_SET:
		ret = build_set_add(b, op->set);
		if (!ret)
			ret = build_set_elems(b, op->set);
		break;
	case DIFF_FLUSH_CHAIN:
		build_chain_flush(b, op->chain->name);
		break;
	case DIFF_DEL_ELEMS:
	case DIFF_ADD_ELEMS:
		ret = build_elems(b, op->set, op->elems, op->nelems,
				  op->kind == DIFF_DEL_ELEMS ? BUILD_ELEMS_DEL : 0);
		break;
	case DIFF_DEL_SET:
		build_set_del(b, op->set->name);
		break;
	case DIFF_ADD_RULES:
		ret = build_rules_add(b, p->new, op->chain);
		break;
	case DIFF_DEL_CHAIN:
		build_chain_del(b, op->chain->name);
		break;
	}
	return ret;
}

/*
 * Append the messages of plan p to b, one or more per operation, in the plan's
 * order; the caller writes BEGIN and END. Returns 0 or an error of the builder
 * (-EINVAL for an inconsistent ruleset, see build_error()).
 */
int diff_plan_build(const struct diff_plan *p, struct build *b)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < p->nctr_add; i++)
		ret = build_counter_add(b, p->ctr_add[i]);
	for (size_t i = 0; !ret && i < p->nops; i++)
		ret = build_op(b, p, &p->ops[i]);
	for (size_t i = 0; !ret && i < p->nctr_del; i++)
		build_counter_del(b, p->ctr_del[i]->name);
	return ret;
}

/*
 * diff_plan() and diff_plan_build() in one: append to b the messages that turn
 * old into new, and say in st what they change. Returns as those two do.
 */
int diff_build(const struct ruleset *old, const struct ruleset *new, struct build *b,
	       struct diff_stats *st)
{
	struct diff_plan p;
	int ret = diff_plan(old, new, &p);

	if (!ret)
		ret = diff_plan_build(&p, b);
	*st = p.st;
	diff_plan_fini(&p);
	return ret;
}

static size_t count_rules(const struct ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->nchains; i++)
		n += rs->chains[i].nrules;
	return n;
}

static size_t count_elems(const struct ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->nsets; i++)
		n += rs->sets[i].nelems;
	return n;
}

/* The stats of replacing old (NULL when unknown) with new wholesale. */
void diff_replace_stats(const struct ruleset *old, const struct ruleset *new, struct diff_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sets_added = new->nsets;
	st->chains_added = new->nchains;
	st->rules_added = count_rules(new);
	st->elems_added = count_elems(new);
	st->counters_added = new->ncounters;
	if (!old)
		return;
	st->counters_removed = old->ncounters;
	st->sets_removed = old->nsets;
	st->chains_removed = old->nchains;
	st->rules_removed = count_rules(old);
	st->elems_removed = count_elems(old);
}

/* Whether st describes no change at all. */
bool diff_stats_empty(const struct diff_stats *st)
{
	static const struct diff_stats zero;

	return !memcmp(st, &zero, sizeof(zero));
}

/*
 * Print st on one line: "sets +A -R (N rebuilt), chains ..., elements +A -R",
 * then ", counters +A -R" when counters change.
 */
void diff_stats_print(const struct diff_stats *st, FILE *f)
{
	fprintf(f, "sets +%zu -%zu", st->sets_added, st->sets_removed);
	if (st->sets_rebuilt)
		fprintf(f, " (%zu rebuilt)", st->sets_rebuilt);
	fprintf(f, ", chains +%zu -%zu", st->chains_added, st->chains_removed);
	if (st->chains_rewritten)
		fprintf(f, " (%zu rewritten)", st->chains_rewritten);
	fprintf(f, ", rules +%zu -%zu, elements +%zu -%zu", st->rules_added, st->rules_removed,
		st->elems_added, st->elems_removed);
	if (st->counters_added || st->counters_removed)
		fprintf(f, ", counters +%zu -%zu", st->counters_added, st->counters_removed);
}
