// SPDX-License-Identifier: GPL-2.0-or-later
/* Building, sorting and comparing the ruleset IR (see ruleset.h). */
#include "nft/ruleset.h"

#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "base/xalloc.h"

void ruleset_init(struct ruleset *rs, const char *table)
{
	memset(rs, 0, sizeof(*rs));
	rs->table = xstrdup(table);
}

static void elem_fini(struct rs_elem *e)
{
	free(e->chain);
	free(e->key_end);
}

/* *e's copy for a hash set (no key_end), its chain duplicated. */
static struct rs_elem elem_copy(const struct rs_elem *e)
{
	struct rs_elem c = *e;

	c.key_end = NULL;
	c.chain = e->chain ? xstrdup(e->chain) : NULL;
	return c;
}

static void set_fini(struct rs_set *s)
{
	free(s->name);
	free(s->comment);
	for (size_t i = 0; i < s->nelems; i++)
		elem_fini(&s->elems[i]);
	free(s->elems);
}

static void rule_fini(struct rs_rule *r)
{
	for (unsigned i = 0; i < r->nm; i++)
		free(r->m[i].set);
	free(r->log_prefix);
	free(r->counter);
	free(r->target);
}

static void chain_fini(struct rs_chain *c)
{
	free(c->name);
	free(c->comment);
	for (size_t i = 0; i < c->nrules; i++)
		rule_fini(&c->rules[i]);
	free(c->rules);
}

void ruleset_fini(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nsets; i++)
		set_fini(&rs->sets[i]);
	for (size_t i = 0; i < rs->nchains; i++)
		chain_fini(&rs->chains[i]);
	for (size_t i = 0; i < rs->ncounters; i++) {
		free(rs->counters[i].name);
		free(rs->counters[i].comment);
	}
	free(rs->sets);
	free(rs->chains);
	free(rs->counters);
	free(rs->table);
	free(rs->comment);
	memset(rs, 0, sizeof(*rs));
}

/* A copy of at most max bytes of s fit for an nft string: no quote, backslash
 * or control byte (each becomes '_'). */
static char *string_dup(const char *s, size_t max)
{
	char *c = xstrndup(s, max);

	for (char *p = c; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return c;
}

/* A copy of comment fit for nft: at most RS_COMMENT_MAX bytes (see string_dup()). */
static char *comment_dup(const char *comment)
{
	return comment ? string_dup(comment, RS_COMMENT_MAX) : NULL;
}

/*
 * Add an empty set (a verdict map with RS_SET_VMAP). Names and comment are copied;
 * the comment is cut to RS_COMMENT_MAX bytes. The pointer returned stays valid
 * until the next ruleset_add_set().
 */
struct rs_set *ruleset_add_set(struct ruleset *rs, const char *name, const char *comment,
			       const enum rs_type *key, unsigned nkey, unsigned flags)
{
	struct rs_set *s;

	XGROW(rs->sets, rs->capsets, rs->nsets);
	s = &rs->sets[rs->nsets++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->comment = comment_dup(comment);
	if (nkey) /* readback.c adds a set before it knows its key */
		memcpy(s->key, key, nkey * sizeof(*key));
	s->nkey = nkey;
	s->flags = flags;
	return s;
}

/* Add an empty regular chain; valid until the next ruleset_add_chain(). */
struct rs_chain *ruleset_add_chain(struct ruleset *rs, const char *name, const char *comment)
{
	struct rs_chain *c;

	XGROW(rs->chains, rs->capchains, rs->nchains);
	c = &rs->chains[rs->nchains++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->comment = comment_dup(comment);
	return c;
}

/*
 * Add a named counter object; name and comment are copied, the comment cut to
 * RS_COMMENT_MAX bytes. Valid until the next ruleset_add_counter(). Of counters
 * of one name, ruleset_seal() keeps one (the lowest comment, none first).
 */
struct rs_counter *ruleset_add_counter(struct ruleset *rs, const char *name, const char *comment)
{
	struct rs_counter *c;

	XGROW(rs->counters, rs->capcounters, rs->ncounters);
	c = &rs->counters[rs->ncounters++];
	c->name = xstrdup(name);
	c->comment = comment_dup(comment);
	return c;
}

/*
 * Give r the statement `log prefix "prefix" group group` (without prefix when
 * it is NULL or empty). The prefix is copied, cut to RS_LOG_PREFIX_MAX bytes,
 * quotes, backslashes and control bytes made '_'.
 */
void ruleset_rule_set_log(struct rs_rule *r, const char *prefix, uint16_t group)
{
	free(r->log_prefix);
	r->log = true;
	r->log_group = group;
	r->log_prefix = prefix && *prefix ? string_dup(prefix, RS_LOG_PREFIX_MAX) : NULL;
}

/* Make r count into the named counter name (copied; NULL: none). */
void ruleset_rule_set_counter(struct rs_rule *r, const char *name)
{
	free(r->counter);
	r->counter = name ? xstrdup(name) : NULL;
}

/* Append a zeroed element to s for the caller to fill (with a key_end in an interval set). */
struct rs_elem *ruleset_set_add_elem(struct rs_set *s)
{
	struct rs_elem *e;

	XGROW(s->elems, s->cap, s->nelems);
	e = &s->elems[s->nelems++];
	memset(e, 0, sizeof(*e));
	if (s->flags & RS_SET_INTERVAL)
		e->key_end = xcalloc(1, RS_KEY_MAX);
	return e;
}

/* Append an empty rule (no match, no verdict) to c. */
struct rs_rule *ruleset_chain_add_rule(struct rs_chain *c)
{
	struct rs_rule *r;

	XGROW(c->rules, c->cap, c->nrules);
	r = &c->rules[c->nrules++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Append a set lookup (or vmap) on the concatenation of fields f to r. */
void ruleset_rule_add_match(struct rs_rule *r, enum rs_match_kind kind, const char *set,
			    const enum rs_field *f, unsigned nf)
{
	struct rs_match *m = &r->m[r->nm++];

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->set = set ? xstrdup(set) : NULL;
	memcpy(m->f, f, nf * sizeof(*f));
	m->nf = nf;
}

/* Length in bytes of one field of type t, unpadded. */
unsigned ruleset_type_len(enum rs_type t)
{
	switch (t) {
	case RS_TYPE_IPV4:
		return 4;
	case RS_TYPE_IPV6:
		return 16;
	case RS_TYPE_PROTO:
		return 1;
	case RS_TYPE_SERVICE:
		return 2;
	case RS_TYPE_MARK:
		return 4;
	}
	return 0;
}

static unsigned padded(unsigned n)
{
	return (n + 3) & ~3u;
}

/* Byte offset of field i in the keys of s. */
unsigned ruleset_field_offset(const struct rs_set *s, unsigned i)
{
	unsigned off = 0;

	for (unsigned j = 0; j < i; j++)
		off += padded(ruleset_type_len(s->key[j]));
	return off;
}

/* Length of a key of s as the kernel sees it (concatenations padded per field). */
unsigned ruleset_key_len(const struct rs_set *s)
{
	if (s->nkey == 1)
		return ruleset_type_len(s->key[0]);
	return ruleset_field_offset(s, s->nkey);
}

/* The data type of the value a packet field loads. */
enum rs_type ruleset_field_type(enum rs_field f)
{
	switch (f) {
	case RS_F_IP_SADDR:
	case RS_F_IP_DADDR:
		return RS_TYPE_IPV4;
	case RS_F_IP6_SADDR:
	case RS_F_IP6_DADDR:
		return RS_TYPE_IPV6;
	case RS_F_L4PROTO:
		return RS_TYPE_PROTO;
	case RS_F_TH_DPORT:
		return RS_TYPE_SERVICE;
	}
	return RS_TYPE_IPV4;
}

/* Order elements of s by key, then by end of range. */
int ruleset_elem_cmp(const struct rs_set *s, const struct rs_elem *a, const struct rs_elem *b)
{
	unsigned len = ruleset_key_len(s);
	int c = memcmp(a->key, b->key, len);

	if (c || !(s->flags & RS_SET_INTERVAL))
		return c;
	return memcmp(a->key_end, b->key_end, len);
}

/* ruleset_elem_cmp() for qsort_r(); set is the struct rs_set. */
static int elem_qcmp(const void *a, const void *b, void *set)
{
	return ruleset_elem_cmp(set, a, b);
}

/*
 * Sort the n elements of a set without intervals by key: one stable counting
 * pass per key byte, last byte first (a byte all elements share is skipped).
 * The sets of pod addresses hold hundreds of thousands of elements, and
 * qsort's comparisons were most of the compile's seal. Stable like qsort's
 * merge sort, so set_seal() keeps the same one of equal elements.
 */
static void radix_sort(struct rs_elem *v, size_t n, unsigned len)
{
	struct rs_elem *tmp = xreallocarray(NULL, n, sizeof(*tmp)), *src = v, *dst = tmp, *t;
	size_t count[256];

	for (unsigned b = len; b-- > 0;) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[src[i].key[b]]++;
		if (count[src[0].key[b]] == n)
			continue;
		for (size_t i = 0, sum = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[src[i].key[b]]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

static void set_seal(struct rs_set *s)
{
	size_t n = 0;

	if (s->nelems >= 256 && !(s->flags & RS_SET_INTERVAL))
		radix_sort(s->elems, s->nelems, ruleset_key_len(s));
	else
		xqsort_r(s->elems, s->nelems, sizeof(*s->elems), elem_qcmp, s);
	for (size_t i = 0; i < s->nelems; i++) {
		if (n && !ruleset_elem_cmp(s, &s->elems[n - 1], &s->elems[i])) {
			elem_fini(&s->elems[i]);
			continue;
		}
		s->elems[n++] = s->elems[i];
	}
	s->nelems = n;
}

static int set_qcmp(const void *a, const void *b)
{
	const struct rs_set *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int chain_qcmp(const void *a, const void *b)
{
	const struct rs_chain *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/* By name, then comment (none first), so that sealing is deterministic. */
static int counter_qcmp(const void *a, const void *b)
{
	const struct rs_counter *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c || str_eq(x->comment, y->comment))
		return c;
	if (!x->comment || !y->comment)
		return x->comment ? 1 : -1;
	return strcmp(x->comment, y->comment);
}

static void counters_seal(struct ruleset *rs)
{
	size_t n = 0;

	xqsort(rs->counters, rs->ncounters, sizeof(*rs->counters), counter_qcmp);
	for (size_t i = 0; i < rs->ncounters; i++) {
		struct rs_counter *c = &rs->counters[i];

		if (n && !strcmp(rs->counters[n - 1].name, c->name)) {
			free(c->name);
			free(c->comment);
			continue;
		}
		rs->counters[n++] = *c;
	}
	rs->ncounters = n;
}

/*
 * Put the ruleset in canonical order: sets, chains and counters by name,
 * elements by key with duplicates dropped (the first of equal keys is kept),
 * counters unique by name. Rules keep their order.
 */
void ruleset_seal(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nsets; i++)
		set_seal(&rs->sets[i]);
	xqsort(rs->sets, rs->nsets, sizeof(*rs->sets), set_qcmp);
	xqsort(rs->chains, rs->nchains, sizeof(*rs->chains), chain_qcmp);
	counters_seal(rs);
}

static int set_key_cmp(const void *key, const void *elem)
{
	const struct rs_set *s = elem;

	return strcmp(key, s->name);
}

static int chain_key_cmp(const void *key, const void *elem)
{
	const struct rs_chain *c = elem;

	return strcmp(key, c->name);
}

/* The set called name, or NULL. The ruleset must be sealed. */
struct rs_set *ruleset_find_set(const struct ruleset *rs, const char *name)
{
	return xbsearch(name, rs->sets, rs->nsets, sizeof(*rs->sets), set_key_cmp);
}

static int counter_key_cmp(const void *key, const void *elem)
{
	const struct rs_counter *c = elem;

	return strcmp(key, c->name);
}

/* The counter called name, or NULL. The ruleset must be sealed. */
struct rs_counter *ruleset_find_counter(const struct ruleset *rs, const char *name)
{
	return xbsearch(name, rs->counters, rs->ncounters, sizeof(*rs->counters), counter_key_cmp);
}

/* The chain called name, or NULL. The ruleset must be sealed. */
struct rs_chain *ruleset_find_chain(const struct ruleset *rs, const char *name)
{
	return xbsearch(name, rs->chains, rs->nchains, sizeof(*rs->chains), chain_key_cmp);
}

static const int hook_nums[] = {
	[RS_HOOK_NONE] = -1,
	[RS_HOOK_PREROUTING] = NF_INET_PRE_ROUTING,
	[RS_HOOK_INPUT] = NF_INET_LOCAL_IN,
	[RS_HOOK_FORWARD] = NF_INET_FORWARD,
	[RS_HOOK_OUTPUT] = NF_INET_LOCAL_OUT,
	[RS_HOOK_POSTROUTING] = NF_INET_POST_ROUTING,
};

/* The kernel's NF_INET_* number of hook h, or -1 for RS_HOOK_NONE. */
int ruleset_hook_num(enum rs_hook h)
{
	return h < sizeof(hook_nums) / sizeof(hook_nums[0]) ? hook_nums[h] : -1;
}

/* The hook of kernel hook number n, or RS_HOOK_NONE for one nftpol never uses. */
enum rs_hook ruleset_hook_of(unsigned n)
{
	for (size_t h = RS_HOOK_PREROUTING; h < sizeof(hook_nums) / sizeof(hook_nums[0]); h++)
		if ((unsigned)hook_nums[h] == n)
			return h;
	return RS_HOOK_NONE;
}

/*
 * The element of sealed set s whose key is key (laid out as the set's keys),
 * by binary search; NULL when none. Not for interval sets (a key falls inside
 * a range there).
 */
const struct rs_elem *ruleset_set_find_key(const struct rs_set *s, const uint8_t *key)
{
	unsigned len = ruleset_key_len(s);
	size_t lo = 0, hi = s->nelems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->elems[mid].key, key, len);

		if (!c)
			return &s->elems[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Where key goes in sealed hash set s: *pos, and whether an element has it. */
static bool set_locate(const struct rs_set *s, const uint8_t *key, size_t *pos)
{
	unsigned len = ruleset_key_len(s);
	size_t lo = 0, hi = s->nelems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->elems[mid].key, key, len);

		if (!c) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

/*
 * Put a copy of e (its chain duplicated) into sealed hash set s, keeping it
 * sealed; an element with the same key is replaced. Not for interval sets.
 */
void ruleset_set_insert(struct rs_set *s, const struct rs_elem *e)
{
	size_t pos;

	if (set_locate(s, e->key, &pos)) {
		elem_fini(&s->elems[pos]);
	} else {
		XGROW(s->elems, s->cap, s->nelems);
		memmove(&s->elems[pos + 1], &s->elems[pos], (s->nelems - pos) * sizeof(*s->elems));
		s->nelems++;
	}
	s->elems[pos] = elem_copy(e);
}

/*
 * Remove from sealed hash set s the elements whose keys del[0..ndel) hold and
 * put copies of add[0..nadd) (chains duplicated) into it, in one pass over the
 * set: del and add sorted by key; a key both removed and added is replaced.
 * O(size + changes), where element by element it would be O(size x changes);
 * up to ruleset_merge_small changes are made element by element (no copy of
 * the whole set).
 */
size_t ruleset_merge_small = 16; /* tests/unit/test_incr.c sets 0 for some seeds */

void ruleset_set_merge(struct rs_set *s, const struct rs_elem *const *del, size_t ndel,
		       const struct rs_elem *const *add, size_t nadd)
{
	unsigned len = ruleset_key_len(s);
	size_t n = s->nelems, i = 0, j = 0, k = 0, o = 0;
	struct rs_elem *v;

	if (ndel + nadd <= ruleset_merge_small) { /* a few: in place, no copy of the set */
		for (size_t m = 0; m < ndel; m++)
			ruleset_set_remove(s, del[m]->key);
		for (size_t m = 0; m < nadd; m++)
			ruleset_set_insert(s, add[m]);
		return;
	}
	v = xcalloc(n + nadd + 1, sizeof(*v));
	while (i < n || k < nadd) {
		while (j < ndel && i < n && memcmp(del[j]->key, s->elems[i].key, len) < 0)
			j++; /* not there */
		if (i < n && j < ndel && !memcmp(s->elems[i].key, del[j]->key, len)) {
			elem_fini(&s->elems[i++]);
			j++;
			continue;
		}
		if (k < nadd && (i == n || memcmp(add[k]->key, s->elems[i].key, len) < 0)) {
			v[o++] = elem_copy(add[k]);
			k++;
		} else {
			v[o++] = s->elems[i++];
		}
	}
	free(s->elems);
	s->elems = v;
	s->nelems = o;
	s->cap = n + nadd + 1;
}

/* Remove the element of sealed hash set s whose key is key; whether there was one. */
bool ruleset_set_remove(struct rs_set *s, const uint8_t *key)
{
	size_t pos;

	if (!set_locate(s, key, &pos))
		return false;
	elem_fini(&s->elems[pos]);
	memmove(&s->elems[pos], &s->elems[pos + 1], (s->nelems - pos - 1) * sizeof(*s->elems));
	s->nelems--;
	return true;
}

/* Move chain c (its contents taken, c zeroed) into sealed rs, which stays sealed. */
void ruleset_take_chain(struct ruleset *rs, struct rs_chain *c)
{
	size_t pos = 0;

	while (pos < rs->nchains && strcmp(rs->chains[pos].name, c->name) < 0)
		pos++;
	XGROW(rs->chains, rs->capchains, rs->nchains);
	memmove(&rs->chains[pos + 1], &rs->chains[pos], (rs->nchains - pos) * sizeof(*c));
	rs->chains[pos] = *c;
	rs->nchains++;
	memset(c, 0, sizeof(*c));
}

/* Move set st (its contents taken, st zeroed) into sealed rs, which stays sealed. */
void ruleset_take_set(struct ruleset *rs, struct rs_set *st)
{
	size_t pos = 0;

	while (pos < rs->nsets && strcmp(rs->sets[pos].name, st->name) < 0)
		pos++;
	XGROW(rs->sets, rs->capsets, rs->nsets);
	memmove(&rs->sets[pos + 1], &rs->sets[pos], (rs->nsets - pos) * sizeof(*st));
	rs->sets[pos] = *st;
	rs->nsets++;
	memset(st, 0, sizeof(*st));
}

/* Move counter k (taken, k zeroed) into sealed rs, which stays sealed. */
void ruleset_take_counter(struct ruleset *rs, struct rs_counter *k)
{
	size_t pos = 0;

	while (pos < rs->ncounters && strcmp(rs->counters[pos].name, k->name) < 0)
		pos++;
	XGROW(rs->counters, rs->capcounters, rs->ncounters);
	memmove(&rs->counters[pos + 1], &rs->counters[pos], (rs->ncounters - pos) * sizeof(*k));
	rs->counters[pos] = *k;
	rs->ncounters++;
	memset(k, 0, sizeof(*k));
}

/* Remove set s (of sealed rs) and what it holds; rs stays sealed. */
void ruleset_remove_set(struct ruleset *rs, struct rs_set *s)
{
	size_t i = (size_t)(s - rs->sets);

	set_fini(s);
	memmove(s, s + 1, (rs->nsets - i - 1) * sizeof(*s));
	rs->nsets--;
}

/* Remove chain c (of sealed rs) and its rules; rs stays sealed. */
void ruleset_remove_chain(struct ruleset *rs, struct rs_chain *c)
{
	size_t i = (size_t)(c - rs->chains);

	chain_fini(c);
	memmove(c, c + 1, (rs->nchains - i - 1) * sizeof(*c));
	rs->nchains--;
}

/* Remove counter k (of sealed rs); rs stays sealed. */
void ruleset_remove_counter(struct ruleset *rs, struct rs_counter *k)
{
	size_t i = (size_t)(k - rs->counters);

	free(k->name);
	free(k->comment);
	memmove(k, k + 1, (rs->ncounters - i - 1) * sizeof(*k));
	rs->ncounters--;
}

static bool match_eq(const struct rs_match *a, const struct rs_match *b)
{
	if (a->kind != b->kind || a->nf != b->nf || a->ct_state != b->ct_state ||
	    a->icmpv6_type != b->icmpv6_type || a->ct_mark != b->ct_mark || a->inv != b->inv)
		return false;
	if (memcmp(a->f, b->f, a->nf * sizeof(*a->f)))
		return false;
	return str_eq(a->set, b->set);
}

/* Whether the statements of two rules (limit, log, counter) are the same. */
static bool stmts_eq(const struct rs_rule *a, const struct rs_rule *b)
{
	if (a->limit_rate != b->limit_rate || (a->limit_rate && a->limit_burst != b->limit_burst))
		return false;
	if (a->log != b->log ||
	    (a->log && (a->log_group != b->log_group || !str_eq(a->log_prefix, b->log_prefix))))
		return false;
	return str_eq(a->counter, b->counter);
}

/* Whether chains a and b hold equal rules, in the same order. */
bool ruleset_chain_rules_eq(const struct rs_chain *a, const struct rs_chain *b)
{
	if (a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!ruleset_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

/* Whether two rules do the same thing. */
bool ruleset_rule_eq(const struct rs_rule *a, const struct rs_rule *b)
{
	if (a->nm != b->nm || a->verdict != b->verdict || !str_eq(a->target, b->target) ||
	    !stmts_eq(a, b))
		return false;
	for (unsigned i = 0; i < a->nm; i++)
		if (!match_eq(&a->m[i], &b->m[i]))
			return false;
	return true;
}

/*
 * Whether r has a statement that acts on a packet it matches (log or counter):
 * such a rule may have no verdict, the packet then goes on to the next rule.
 */
bool ruleset_rule_has_stmt(const struct rs_rule *r)
{
	return r->log || r->counter;
}
