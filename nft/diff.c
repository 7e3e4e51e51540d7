// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental updates (see diff.h). The plan is computed first (what happens to
 * every set and chain), then emitted in an order the kernel accepts inside one
 * transaction:
 *   1. new chains (empty), new sets with their elements;
 *   2. flush chains that are removed or rewritten (this drops their references);
 *   3. delete elements from hash sets and maps;
 *   4. rebuild sets: delete and re-create under the same name with all elements;
 *   5. add elements to hash sets and maps;
 *   6. add the rules of new and rewritten chains;
 *   7. delete removed chains, then removed sets.
 * Interval sets are never edited element by element: deleting from a pipapo set
 * costs tens of milliseconds per element and an rbtree range may share its END
 * element with a neighbour, so a changed interval set is rebuilt (cheap: deleting
 * a whole set is fast whatever its size).
 */
#include "nft/diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nft/build.h"
#include "base/xalloc.h"

enum fate {
	FATE_KEEP,		/* unchanged, or elements edited in place */
	FATE_ADD,
	FATE_REMOVE,
	FATE_REBUILD,		/* sets: delete and create again */
	FATE_REWRITE,		/* chains: flush and add the rules again */
};

/* One set or chain present in old, new or both. */
struct item {
	const char *name;
	const void *old, *new;	/* struct rs_set or rs_chain; NULL when absent */
	enum fate fate;
	bool same;		/* sets kept: no element differs (nothing to send) */
};

struct plan {
	const struct ruleset *old, *new;
	struct item *sets, *chains;
	size_t nsets, nchains;
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

	if (a->hook != b->hook || (a->hook && (a->prio != b->prio ||
					       a->policy_drop != b->policy_drop)))
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

/* Whether the old rules of c use a set that goes away or is rebuilt. */
static bool uses_replaced_set(const struct plan *p, const struct rs_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		for (unsigned j = 0; j < c->rules[i].nm; j++) {
			const char *set = c->rules[i].m[j].set;
			const struct item *it = set ? find_item(p->sets, p->nsets, set) : NULL;

			if (it && (it->fate == FATE_REMOVE || it->fate == FATE_REBUILD))
				return true;
		}
	return false;
}

static bool rules_eq(const struct rs_chain *a, const struct rs_chain *b)
{
	if (a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!ruleset_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

static int chain_fate(const struct plan *p, struct item *it)
{
	const struct rs_chain *o = it->old, *n = it->new;

	if (!o)
		it->fate = FATE_ADD;
	else if (!n)
		it->fate = FATE_REMOVE;
	else if (!chain_def_eq(o, n))
		return -EXDEV;
	else if (!rules_eq(o, n) || uses_replaced_set(p, o))
		it->fate = FATE_REWRITE;
	else
		it->fate = FATE_KEEP;
	return 0;
}

static int plan_make(struct plan *p, const struct ruleset *old, const struct ruleset *new)
{
	memset(p, 0, sizeof(*p));
	p->old = old;
	p->new = new;
	p->nsets = merge(old->sets, old->nsets, new->sets, new->nsets, sizeof(*old->sets),
			 &p->sets);
	p->nchains = merge(old->chains, old->nchains, new->chains, new->nchains,
			   sizeof(*old->chains), &p->chains);
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

static void plan_free(struct plan *p)
{
	free(p->sets);
	free(p->chains);
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

static int edit_elems(struct build *b, const struct item *it, bool add, struct diff_stats *st)
{
	const struct rs_set *from = add ? it->new : it->old, *other = add ? it->old : it->new;
	const struct rs_elem **v;
	size_t n = elems_minus(from, other, &v);
	int ret = 0;

	if (n)
		ret = build_elems(b, from, v, n, add ? 0 : BUILD_ELEMS_DEL);
	if (add)
		st->elems_added += n;
	else
		st->elems_removed += n;
	free(v);
	return ret;
}

static int add_set(struct build *b, const struct rs_set *s, struct diff_stats *st)
{
	int ret = build_set_add(b, s);

	if (!ret)
		ret = build_set_elems(b, s);
	st->elems_added += s->nelems;
	return ret;
}

/* Steps 1 and 2: new objects, then flush what loses or changes its rules. */
static int emit_first(const struct plan *p, struct build *b, struct diff_stats *st)
{
	int ret;

	for (size_t i = 0; i < p->nchains; i++)
		if (p->chains[i].fate == FATE_ADD) {
			build_chain_add(b, p->chains[i].new);
			st->chains_added++;
		}
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].fate == FATE_ADD) {
			ret = add_set(b, p->sets[i].new, st);
			if (ret)
				return ret;
			st->sets_added++;
		}
	for (size_t i = 0; i < p->nchains; i++) {
		const struct item *it = &p->chains[i];
		const struct rs_chain *o = it->old;

		/* flushed even when read back empty: appending to rules we did not
		 * see would duplicate them */
		if (it->fate != FATE_REMOVE && it->fate != FATE_REWRITE)
			continue;
		build_chain_flush(b, it->name);
		st->rules_removed += o->nrules;
	}
	return 0;
}

/* Steps 3 to 5: element deletions, set rebuilds, element additions. */
static int emit_sets(const struct plan *p, struct build *b, struct diff_stats *st)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < p->nsets; i++)
		if (p->sets[i].fate == FATE_KEEP && !p->sets[i].same)
			ret = edit_elems(b, &p->sets[i], false, st);
	for (size_t i = 0; !ret && i < p->nsets; i++) {
		const struct item *it = &p->sets[i];

		if (it->fate != FATE_REBUILD)
			continue;
		build_set_del(b, it->name);
		st->elems_removed += ((const struct rs_set *)it->old)->nelems;
		ret = add_set(b, it->new, st);
		st->sets_rebuilt++;
	}
	for (size_t i = 0; !ret && i < p->nsets; i++)
		if (p->sets[i].fate == FATE_KEEP && !p->sets[i].same)
			ret = edit_elems(b, &p->sets[i], true, st);
	return ret;
}

/* Steps 6 and 7: rules of new and rewritten chains, then deletions. */
static int emit_last(const struct plan *p, struct build *b, struct diff_stats *st)
{
	for (size_t i = 0; i < p->nchains; i++) {
		const struct item *it = &p->chains[i];
		const struct rs_chain *c = it->new;
		int ret;

		if (it->fate != FATE_ADD && it->fate != FATE_REWRITE)
			continue;
		ret = build_rules_add(b, p->new, c);
		if (ret)
			return ret;
		st->rules_added += c->nrules;
		st->chains_rewritten += it->fate == FATE_REWRITE;
	}
	for (size_t i = 0; i < p->nchains; i++)
		if (p->chains[i].fate == FATE_REMOVE) {
			build_chain_del(b, p->chains[i].name);
			st->chains_removed++;
		}
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].fate == FATE_REMOVE) {
			build_set_del(b, p->sets[i].name);
			st->elems_removed += ((const struct rs_set *)p->sets[i].old)->nelems;
			st->sets_removed++;
		}
	return 0;
}

/*
 * Append to b the messages that turn table old (what the kernel holds) into new;
 * both sealed, same table. The caller writes BEGIN and END. st says what changes;
 * nothing is appended when the rulesets are equal (diff_stats_empty()).
 * Returns 0, -EXDEV when only a full replace can do it (the table comment or a
 * base chain's hook, priority, policy or a chain comment changed), or an error
 * of the builder (-EINVAL for an inconsistent ruleset, see build_error()).
 */
int diff_build(const struct ruleset *old, const struct ruleset *new, struct build *b,
	       struct diff_stats *st)
{
	char ca[RS_COMMENT_MAX + 1] = "", cb[RS_COMMENT_MAX + 1] = "";
	struct plan p;
	int ret;

	memset(st, 0, sizeof(*st));
	if (strcmp(old->table, new->table))
		return -EXDEV;
	if (old->comment)
		build_comment_clean(old->comment, ca);
	if (new->comment)
		build_comment_clean(new->comment, cb);
	if (!old->comment != !new->comment || strcmp(ca, cb))
		return -EXDEV;
	ret = plan_make(&p, old, new);
	if (!ret)
		ret = emit_first(&p, b, st);
	if (!ret)
		ret = emit_sets(&p, b, st);
	if (!ret)
		ret = emit_last(&p, b, st);
	plan_free(&p);
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
void diff_replace_stats(const struct ruleset *old, const struct ruleset *new,
			struct diff_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sets_added = new->nsets;
	st->chains_added = new->nchains;
	st->rules_added = count_rules(new);
	st->elems_added = count_elems(new);
	if (!old)
		return;
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
