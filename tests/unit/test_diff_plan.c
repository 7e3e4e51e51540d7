// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: the preview is the batch. For every tests/golden-diff case that
 * runs `nftpol diff OLD NEW`, and for every node of it, the objects of the plan
 * `nftpol diff` prints (diff_plan(), one line per object: counter, chain, set,
 * flush, element, rule) are exactly, and in the same order, the objects of the batch
 * apply sends for the same change (diff_build(), the call apply_ruleset() and
 * apply_delta() make), and the counts agree.
 *
 * Why the batch and not a kernel: the batch is what apply sends, whole, in one
 * sendmsg; what the kernel then does with it is the kernel tests' business
 * (tests/kernel/run checks that a diff batch turns one table into the other).
 * Reading it here needs neither root nor a namespace, so ctest and valgrind run
 * it on every build. The batch side is decoded from the message bytes with
 * libnftnl, independently of the plan: names from the chain, set and rule
 * attributes, every element's key (ranges put back together from the start
 * and END elements nft's encoding uses), the sets a rule looks up and its
 * verdict. A message the plan does not list, an object it lists that no
 * message carries, or another order fails the test.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "strv.h"
#include "nft/build.h"
#include "nft/compile.h"
#include "nft/diff.h"
#include "policy/decode.h"
#include "base/xalloc.h"

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* "add element S KEY[-END][ : jump C]", keys in hex. */
static char *elem_line(const char *verb, const char *set, const uint8_t *key, const uint8_t *end,
		       size_t len, const char *chain)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = xnonnull(open_memstream(&buf, &n));

	fprintf(f, "%s element %s ", verb, set);
	put_hex(f, key, len);
	if (end) {
		fputc('-', f);
		put_hex(f, end, len);
	}
	if (chain)
		fprintf(f, " : jump %s", chain);
	fclose(f);
	return buf;
}

/* -- the plan, as the preview lists it --------------------------------------- */

static void plan_elem(struct strv *l, const char *verb, const struct rs_set *s,
		      const struct rs_elem *e, bool del)
{
	bool vmap = (s->flags & RS_SET_VMAP) && !del;

	strv_add(l, elem_line(verb, s->name, e->key, s->flags & RS_SET_INTERVAL ? e->key_end : NULL,
			      ruleset_key_len(s), vmap ? e->chain : NULL));
}

static char *rule_line(const char *chain, const struct rs_rule *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = xnonnull(open_memstream(&buf, &n));

	fprintf(f, "add rule %s", chain);
	for (unsigned i = 0; i < r->nm; i++)
		if (r->m[i].kind == RS_MATCH_CT_STATE)
			fputs(" ct", f);
		else if (r->m[i].set) /* fib, skuid, icmpv6 type: no set to name */
			fprintf(f, " @%s", r->m[i].set);
	if (r->limit_rate)
		fputs(" limit", f);
	if (r->log)
		fputs(" log", f);
	if (r->counter)
		fprintf(f, " counter %s", r->counter);
	if (r->verdict == RS_VERDICT_ACCEPT)
		fputs(" accept", f);
	else if (r->verdict == RS_VERDICT_DROP)
		fputs(" drop", f);
	else if (r->verdict == RS_VERDICT_JUMP)
		fprintf(f, " jump %s", r->target);
	fclose(f);
	return buf;
}

static void plan_op(struct strv *l, const struct diff_op *op)
{
	const struct rs_set *s = op->set;

	switch (op->kind) {
	case DIFF_ADD_CHAIN:
		strv_add(l, xasprintf("add chain %s", op->chain->name));
		break;
	case DIFF_ADD_SET:
		strv_add(l,
			 xasprintf("add %s %s", s->flags & RS_SET_VMAP ? "map" : "set", s->name));
		for (size_t i = 0; i < s->nelems; i++)
			plan_elem(l, "add", s, &s->elems[i], false);
		break;
	case DIFF_FLUSH_CHAIN:
		strv_add(l, xasprintf("flush chain %s", op->chain->name));
		break;
	case DIFF_DEL_ELEMS:
	case DIFF_ADD_ELEMS:
		for (size_t i = 0; i < op->nelems; i++)
			plan_elem(l, op->kind == DIFF_ADD_ELEMS ? "add" : "delete", s, op->elems[i],
				  op->kind == DIFF_DEL_ELEMS);
		break;
	case DIFF_DEL_SET:
		strv_add(l, xasprintf("delete set %s", s->name));
		break;
	case DIFF_ADD_RULES:
		for (size_t i = 0; i < op->chain->nrules; i++)
			strv_add(l, rule_line(op->chain->name, &op->chain->rules[i]));
		break;
	case DIFF_DEL_CHAIN:
		strv_add(l, xasprintf("delete chain %s", op->chain->name));
		break;
	}
}

/* The plan's lines: counters added first, the operations, counters removed last. */
static void plan_lines(const struct diff_plan *p, struct strv *l)
{
	for (size_t i = 0; i < p->nctr_add; i++)
		strv_add(l, xasprintf("add counter %s", p->ctr_add[i]->name));
	for (size_t i = 0; i < p->nops; i++)
		plan_op(l, &p->ops[i]);
	for (size_t i = 0; i < p->nctr_del; i++)
		strv_add(l, xasprintf("delete counter %s", p->ctr_del[i]->name));
}

/* -- the batch, decoded from its bytes ------------------------------------------ */

/* An interval set of this batch, for putting ranges back together. */
struct ivset {
	char name[NFT_SET_MAXNAMELEN];
	bool single;  /* one field: start and END elements */
	bool pending; /* a start is waiting for its END */
	uint8_t start[64];
};

struct batch_ctx {
	struct strv *l;
	struct ivset iv[64];
	size_t niv;
};

static struct ivset *ivset_of(struct batch_ctx *x, const char *name)
{
	for (size_t i = 0; i < x->niv; i++)
		if (!strcmp(x->iv[i].name, name))
			return &x->iv[i];
	return NULL;
}

static void batch_chain(struct batch_ctx *x, const struct nlmsghdr *nlh, const char *verb)
{
	struct nftnl_chain *c = xnonnull(nftnl_chain_alloc());

	ck_assert_int_ge(nftnl_chain_nlmsg_parse(nlh, c), 0);
	strv_add(x->l, xasprintf("%s chain %s", verb, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)));
	nftnl_chain_free(c);
}

static void batch_set(struct batch_ctx *x, const struct nlmsghdr *nlh, bool del)
{
	struct nftnl_set *s = xnonnull(nftnl_set_alloc());
	const char *name;
	uint32_t flags;

	ck_assert_int_ge(nftnl_set_nlmsg_parse(nlh, s), 0);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	flags = nftnl_set_is_set(s, NFTNL_SET_FLAGS) ? nftnl_set_get_u32(s, NFTNL_SET_FLAGS) : 0;
	if (del) {
		strv_add(x->l, xasprintf("delete set %s", name));
	} else {
		strv_add(x->l, xasprintf("add %s %s", flags & NFT_SET_MAP ? "map" : "set", name));
		if (flags & NFT_SET_INTERVAL) {
			struct ivset *iv = ivset_of(x, name);

			if (!iv) {
				ck_assert_uint_lt(x->niv, ARRAY_SIZE(x->iv));
				iv = &x->iv[x->niv++];
				snprintf(iv->name, sizeof(iv->name), "%s", name);
			}
			iv->single = !(flags & NFT_SET_CONCAT);
			iv->pending = false;
		}
	}
	nftnl_set_free(s);
}

/*
 * One element as the batch carries it. libnftnl's nftnl_set_elems_nlmsg_parse()
 * cannot read what its own builder writes (it numbers the nested elements 1,
 * 2, ... and then accepts only type 1), so the attributes are read with libmnl.
 */
struct elem {
	const uint8_t *key, *end; /* NFTA_DATA_VALUE payloads; end may be NULL */
	uint16_t len, elen;
	uint32_t flags;	   /* NFT_SET_ELEM_* */
	const char *chain; /* the jump of a map element, or NULL */
	bool open;	   /* nft's "runs to the top" start */
};

#define ATTRS_MAX 16 /* more than any NFTA_* list used here */

static int attrs_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type < ATTRS_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* The payload of the NFTA_DATA_VALUE nested in a. */
static const uint8_t *data_value(const struct nlattr *a, uint16_t *len)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 };

	if (!a || mnl_attr_parse_nested(a, attrs_cb, tb) < 0 || !tb[NFTA_DATA_VALUE])
		return NULL;
	*len = mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]);
	return mnl_attr_get_payload(tb[NFTA_DATA_VALUE]);
}

static const char *verdict_chain(const struct nlattr *a)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 }, *vb[ATTRS_MAX] = { 0 };

	if (!a || mnl_attr_parse_nested(a, attrs_cb, tb) < 0 || !tb[NFTA_DATA_VERDICT] ||
	    mnl_attr_parse_nested(tb[NFTA_DATA_VERDICT], attrs_cb, vb) < 0)
		return NULL;
	ck_assert_ptr_nonnull(vb[NFTA_VERDICT_CODE]);
	ck_assert_int_eq((int)ntohl(mnl_attr_get_u32(vb[NFTA_VERDICT_CODE])), NFT_JUMP);
	return vb[NFTA_VERDICT_CHAIN] ? mnl_attr_get_str(vb[NFTA_VERDICT_CHAIN]) : NULL;
}

static bool udata_open(const struct nlattr *a)
{
	const struct nftnl_udata *u;

	if (!a)
		return false;
	nftnl_udata_for_each_data(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
				  u) if (nftnl_udata_type(u) ==
					 NFTNL_UDATA_SET_ELEM_FLAGS) return nftnl_udata_get_u32(u) &
		NFTNL_SET_ELEM_F_INTERVAL_OPEN;
	return false;
}

static void elem_parse(const struct nlattr *a, struct elem *e)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 };

	memset(e, 0, sizeof(*e));
	ck_assert_int_ge(mnl_attr_parse_nested(a, attrs_cb, tb), 0);
	e->key = data_value(tb[NFTA_SET_ELEM_KEY], &e->len);
	e->end = data_value(tb[NFTA_SET_ELEM_KEY_END], &e->elen);
	if (tb[NFTA_SET_ELEM_FLAGS])
		e->flags = ntohl(mnl_attr_get_u32(tb[NFTA_SET_ELEM_FLAGS]));
	e->chain = verdict_chain(tb[NFTA_SET_ELEM_DATA]);
	e->open = udata_open(tb[NFTA_SET_ELEM_USERDATA]);
	ck_assert_ptr_nonnull(e->key);
	ck_assert(!e->end || e->elen == e->len);
}

/* One element of a single-field interval set: a start, an END, or an open start. */
static void batch_bound(struct batch_ctx *x, struct ivset *iv, const char *verb,
			const struct elem *e)
{
	uint8_t last[64];

	ck_assert_uint_le(e->len, sizeof(last));
	if (!(e->flags & NFT_SET_ELEM_INTERVAL_END)) {
		ck_assert_msg(!iv->pending, "set %s: two starts in a row", iv->name);
		if (e->open) {
			memset(last, 0xff, e->len);
			strv_add(x->l, elem_line(verb, iv->name, e->key, last, e->len, NULL));
			return;
		}
		memcpy(iv->start, e->key, e->len);
		iv->pending = true;
		return;
	}
	if (!iv->pending) { /* the leading END at 0 */
		memset(last, 0, e->len);
		ck_assert_msg(!memcmp(e->key, last, e->len), "set %s: END without a start",
			      iv->name);
		return;
	}
	memcpy(last, e->key, e->len);
	for (uint16_t i = e->len; i-- > 0;)
		if (last[i]--)
			break;
	strv_add(x->l, elem_line(verb, iv->name, iv->start, last, e->len, NULL));
	iv->pending = false;
}

static void batch_elems(struct batch_ctx *x, const struct nlmsghdr *nlh, const char *verb)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 }, *a;
	struct ivset *iv;
	const char *set;
	struct elem e;

	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attrs_cb, tb), 0);
	ck_assert_ptr_nonnull(tb[NFTA_SET_ELEM_LIST_SET]);
	ck_assert_ptr_nonnull(tb[NFTA_SET_ELEM_LIST_ELEMENTS]);
	set = mnl_attr_get_str(tb[NFTA_SET_ELEM_LIST_SET]);
	iv = ivset_of(x, set);
	mnl_attr_for_each_nested(a, tb[NFTA_SET_ELEM_LIST_ELEMENTS])
	{
		elem_parse(a, &e);
		if (iv && iv->single)
			batch_bound(x, iv, verb, &e);
		else
			strv_add(x->l, elem_line(verb, set, e.key, e.end, e.len, e.chain));
	}
}

/* Whether attribute a holds the string s (with or without its NUL). */
static bool attr_is(const struct nlattr *a, const char *s)
{
	size_t n = strlen(s), len = mnl_attr_get_payload_len(a);
	const char *p = mnl_attr_get_payload(a);

	return (len == n || (len == n + 1 && !p[n])) && !memcmp(p, s, n);
}

/* The counter names of a rule's objrefs, in order (see batch_expr()). */
struct objrefs {
	char v[RS_MAX_MATCHES][NFT_OBJ_MAXNAMELEN];
	size_t n, next;
};

/*
 * Read the objref names from the message's attributes: libnftnl writes
 * NFTA_OBJREF_IMM_NAME without its NUL (the kernel takes that), and its own
 * parser then reads past a name whose length is a multiple of 4.
 */
static void objref_names(const struct nlmsghdr *nlh, struct objrefs *o)
{
	const struct nlattr *tb[ATTRS_MAX] = { 0 }, *el;

	o->n = o->next = 0;
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attrs_cb, tb), 0);
	if (!tb[NFTA_RULE_EXPRESSIONS])
		return;
	mnl_attr_for_each_nested(el, tb[NFTA_RULE_EXPRESSIONS])
	{
		const struct nlattr *eb[ATTRS_MAX] = { 0 }, *db[ATTRS_MAX] = { 0 }, *a;

		ck_assert_int_ge(mnl_attr_parse_nested(el, attrs_cb, eb), 0);
		if (!eb[NFTA_EXPR_NAME] || !attr_is(eb[NFTA_EXPR_NAME], "objref"))
			continue;
		ck_assert_int_ge(mnl_attr_parse_nested(eb[NFTA_EXPR_DATA], attrs_cb, db), 0);
		a = db[NFTA_OBJREF_IMM_NAME];
		ck_assert(a && o->n < RS_MAX_MATCHES);
		snprintf(o->v[o->n++], NFT_OBJ_MAXNAMELEN, "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
	}
}

static void batch_expr(FILE *f, struct nftnl_expr *e, struct objrefs *o)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	int v;

	if (!strcmp(name, "ct")) {
		fputs(" ct", f);
	} else if (!strcmp(name, "lookup")) {
		fprintf(f, " @%s", nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
	} else if (!strcmp(name, "limit") || !strcmp(name, "log")) {
		fprintf(f, " %s", name);
	} else if (!strcmp(name, "objref")) {
		ck_assert_uint_lt(o->next, o->n);
		fprintf(f, " counter %s", o->v[o->next++]);
	} else if (!strcmp(name, "immediate")) {
		v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
		if (v == NF_ACCEPT)
			fputs(" accept", f);
		else if (v == NF_DROP)
			fputs(" drop", f);
		else if (v == NFT_JUMP)
			fprintf(f, " jump %s", nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
		else
			fprintf(f, " verdict %d", v);
	}
}

/* NEWRULE: the chain, the sets looked up and the verdict; DELRULE: a flush. */
static void batch_rule(struct batch_ctx *x, const struct nlmsghdr *nlh, bool del)
{
	struct nftnl_rule *r = xnonnull(nftnl_rule_alloc());
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	struct objrefs o;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	ck_assert_int_ge(nftnl_rule_nlmsg_parse(nlh, r), 0);
	if (del) {
		ck_assert(!nftnl_rule_is_set(r, NFTNL_RULE_HANDLE));
		strv_add(x->l,
			 xasprintf("flush chain %s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)));
		nftnl_rule_free(r);
		return;
	}
	objref_names(nlh, &o);
	f = xnonnull(open_memstream(&buf, &n));
	fprintf(f, "add rule %s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	it = xnonnull(nftnl_expr_iter_create(r));
	while ((e = nftnl_expr_iter_next(it)))
		batch_expr(f, e, &o);
	nftnl_expr_iter_destroy(it);
	fclose(f);
	strv_add(x->l, buf);
	nftnl_rule_free(r);
}

static void batch_counter(struct batch_ctx *x, const struct nlmsghdr *nlh, const char *verb)
{
	struct nftnl_obj *o = xnonnull(nftnl_obj_alloc());

	ck_assert_int_ge(nftnl_obj_nlmsg_parse(nlh, o), 0);
	ck_assert_uint_eq(nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE), NFT_OBJECT_COUNTER);
	strv_add(x->l, xasprintf("%s counter %s", verb, nftnl_obj_get_str(o, NFTNL_OBJ_NAME)));
	nftnl_obj_free(o);
}

static void batch_msg(struct batch_ctx *x, const struct nlmsghdr *nlh)
{
	uint16_t type = nlh->nlmsg_type;

	if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END)
		return;
	ck_assert_uint_eq(type >> 8, NFNL_SUBSYS_NFTABLES);
	switch (type & 0xff) {
	case NFT_MSG_NEWCHAIN:
		batch_chain(x, nlh, "add");
		break;
	case NFT_MSG_DELCHAIN:
		batch_chain(x, nlh, "delete");
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		batch_rule(x, nlh, (type & 0xff) == NFT_MSG_DELRULE);
		break;
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET:
		batch_set(x, nlh, (type & 0xff) == NFT_MSG_DELSET);
		break;
	case NFT_MSG_NEWSETELEM:
		batch_elems(x, nlh, "add");
		break;
	case NFT_MSG_DELSETELEM:
		batch_elems(x, nlh, "delete");
		break;
	case NFT_MSG_NEWOBJ:
		batch_counter(x, nlh, "add");
		break;
	case NFT_MSG_DELOBJ:
		batch_counter(x, nlh, "delete");
		break;
	default:
		ck_abort_msg("unexpected message type %u", type & 0xff);
	}
}

/* Every object of every message of b, in order. */
static void batch_lines(struct build *b, struct strv *l)
{
	struct nftnl_batch *batch = build_batch(b);
	int n = nftnl_batch_iovec_len(batch);
	struct iovec *iov = xcalloc((size_t)n + 1, sizeof(*iov));
	struct batch_ctx x = { .l = l };

	nftnl_batch_iovec(batch, iov, n);
	for (int i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			batch_msg(&x, nlh);
	}
	for (size_t i = 0; i < x.niv; i++)
		ck_assert_msg(!x.iv[i].pending, "set %s: a start without END", x.iv[i].name);
	free(iov);
}

/* -- the golden-diff cases ------------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Decode a manifest file, or every *.yaml, *.yml and *.json of a directory. */
static void load(const char *path, struct cluster *c)
{
	struct diag_list d;
	struct strv files = { 0 };
	struct dirent *de;
	DIR *dir;

	diag_list_init(&d);
	model_cluster_init(c);
	if (!is_dir(path)) {
		strv_add(&files, xstrdup(path));
	} else {
		dir = opendir(path);
		ck_assert_ptr_nonnull(dir);
		while ((de = readdir(dir)))
			if (strstr(de->d_name, ".yaml") || strstr(de->d_name, ".yml") ||
			    strstr(de->d_name, ".json"))
				strv_add(&files, xasprintf("%s/%s", path, de->d_name));
		closedir(dir);
		strv_sort(&files);
	}
	for (size_t i = 0; i < files.n; i++)
		decode_file(files.v[i], c, &d);
	model_cluster_seal(c);
	ck_assert_msg(!d.nerrors, "%s: %zu decoding errors", path, d.nerrors);
	diag_list_fini(&d);
	strv_fini(&files);
}

/* The nodes pods of a or b are on, sorted, unique (the preview's nodes). */
static void nodes_of(const struct cluster *a, const struct cluster *b, struct strv *out)
{
	const struct cluster *cs[2] = { a, b };
	size_t m = 0;

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < cs[k]->npods; i++)
			if (cs[k]->pods[i].node)
				strv_add(out, xstrdup(cs[k]->pods[i].node));
	strv_sort(out);
	for (size_t i = 0; i < out->n; i++)
		if (m && !strcmp(out->v[m - 1], out->v[i]))
			free(out->v[i]);
		else
			out->v[m++] = out->v[i];
	out->n = m;
}

static size_t checked;

/* Compile both for node, and compare the plan's objects with the batch's. */
static void check_node(const char *what, const struct cluster *a, const struct cluster *b,
		       const char *node)
{
	struct strv pl = { 0 }, bl = { 0 };
	struct ruleset ra, rb;
	struct diff_stats st;
	struct diff_plan p;
	struct diag_list d;
	struct build *bu;

	diag_list_init(&d);
	ck_assert_int_eq(compile_cluster(a, node, &ra, &d), 0);
	ck_assert_int_eq(compile_cluster(b, node, &rb, &d), 0);
	ck_assert_int_eq(diff_plan(&ra, &rb, &p), 0);
	plan_lines(&p, &pl);
	bu = build_new(rb.table, 1);
	build_begin(bu, 1);
	ck_assert_int_eq(diff_build(&ra, &rb, bu, &st), 0);
	build_end(bu);
	batch_lines(bu, &bl);
	for (size_t i = 0; i < pl.n || i < bl.n; i++)
		ck_assert_msg(i < pl.n && i < bl.n && !strcmp(pl.v[i], bl.v[i]),
			      "%s, node %s, object %zu: preview '%s', batch '%s'", what, node, i,
			      i < pl.n ? pl.v[i] : "(none)", i < bl.n ? bl.v[i] : "(none)");
	ck_assert(!memcmp(&st, &p.st, sizeof(st)));
	ck_assert_uint_eq(pl.n == 0, diff_stats_empty(&st));
	checked += pl.n;
	build_free(bu);
	diff_plan_fini(&p);
	strv_fini(&pl);
	strv_fini(&bl);
	ruleset_fini(&ra);
	ruleset_fini(&rb);
	diag_list_fini(&d);
}

static bool takes_value(const char *opt)
{
	static const char *const with[] = { "--port", "--node",	  "--delete",	  "--color",
					    "-o",     "--output", "--kubeconfig", "--context" };

	for (size_t i = 0; i < ARRAY_SIZE(with); i++)
		if (!strcmp(opt, with[i]))
			return true;
	return false;
}

/* The OLD and NEW of a case's `diff ...` command line, relative to its directory. */
static bool diff_args(const char *dir, char **old, char **new)
{
	char *path = xasprintf("%s/cmd", dir), line[1024], *tok, *save = NULL;
	struct strv pos = { 0 };
	FILE *f = fopen(path, "r");
	bool skip = false, ok = false;

	free(path);
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && !strncmp(line, "diff ", 5)) {
		for (tok = strtok_r(line + 5, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (!skip && tok[0] != '-')
				strv_add(&pos, xasprintf("%s/%s", dir, tok));
			skip = !skip && takes_value(tok);
		}
		ok = pos.n == 2 && !access(pos.v[0], R_OK) && !access(pos.v[1], R_OK);
	}
	fclose(f);
	if (ok) {
		*old = pos.v[0];
		*new = pos.v[1];
		pos.n = 0;
	}
	strv_fini(&pos);
	return ok;
}

static void check_case(const char *dir, const char *name)
{
	struct cluster a, b;
	struct strv nodes = { 0 };
	char *old, *new, *what;

	if (!diff_args(dir, &old, &new))
		return;
	load(old, &a);
	load(new, &b);
	nodes_of(&a, &b, &nodes);
	what = xasprintf("golden-diff/%s", name);
	for (size_t i = 0; i < nodes.n; i++)
		check_node(what, &a, &b, nodes.v[i]);
	if (!nodes.n)
		check_node(what, &a, &b, NULL);
	free(what);
	free(old);
	free(new);
	strv_fini(&nodes);
	model_cluster_fini(&a);
	model_cluster_fini(&b);
}

START_TEST(preview_is_batch)
{
	const char *src = getenv("NFTPOL_SRC");
	char *root = xasprintf("%s/tests/golden-diff", src ? src : ".");
	struct strv cases = { 0 };
	struct dirent *de;
	DIR *dir = opendir(root);

	ck_assert_msg(dir, "%s: not found (set NFTPOL_SRC)", root);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			strv_add(&cases, xstrdup(de->d_name));
	closedir(dir);
	strv_sort(&cases);
	for (size_t i = 0; i < cases.n; i++) {
		char *d = xasprintf("%s/%s", root, cases.v[i]);

		if (is_dir(d))
			check_case(d, cases.v[i]);
		free(d);
	}
	ck_assert_uint_gt(checked, 0); /* some case changes something */
	strv_fini(&cases);
	free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diff_plan");
	TCase *tc = tcase_create("diff_plan");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, preview_is_batch);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
