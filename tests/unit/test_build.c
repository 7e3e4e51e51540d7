// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: netlink messages built from the IR, parsed back with libnftnl
 * without a socket (what the kernel would receive), and the diff's plan.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft/build.h"
#include "nft/diff.h"
#include "nft/ruleset.h"
#include "nft/walk.h"
#include "base/xalloc.h"

/* Every message of the batch, in order. */
struct msgs {
	const struct nlmsghdr *v[256];
	size_t n;
	struct iovec iov[8];
};

static void collect(struct build *b, struct msgs *m)
{
	struct nftnl_batch *batch = build_batch(b);
	int n = nftnl_batch_iovec_len(batch);

	ck_assert_int_le(n, 8);
	nftnl_batch_iovec(batch, m->iov, n);
	m->n = 0;
	for (int i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = m->iov[i].iov_base;
		int len = (int)m->iov[i].iov_len;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (m->n < 256)
				m->v[m->n++] = nlh;
	}
}

static unsigned type_of(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type & 0xff;
}

/* table t { set cidr interval; set pp ip.proto.port interval; chain c { rule } } */
static void small(struct ruleset *rs)
{
	static const enum rs_type v4 = RS_TYPE_IPV4;
	static const enum rs_type pp[] = { RS_TYPE_IPV4, RS_TYPE_PROTO, RS_TYPE_SERVICE };
	static const enum rs_field f[] = { RS_F_IP_SADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	struct rs_chain *c;
	struct rs_rule *r;
	struct rs_set *s;
	struct rs_elem *e;

	ruleset_init(rs, "t");
	s = ruleset_add_set(rs, "cidr", NULL, &v4, 1, RS_SET_INTERVAL);
	e = ruleset_set_add_elem(s);
	memcpy(e->key, (uint8_t[]){ 10, 0, 0, 0 }, 4);
	memcpy(e->key_end, (uint8_t[]){ 10, 255, 255, 255 }, 4);
	e = ruleset_set_add_elem(s);
	memcpy(e->key, (uint8_t[]){ 192, 168, 0, 0 }, 4);
	memset(e->key_end, 0xff, 4); /* up to 255.255.255.255: open range */
	s = ruleset_add_set(rs, "pp", "ports", pp, 3, RS_SET_INTERVAL);
	c = ruleset_add_chain(rs, "c", "a chain");
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "pp", f, 3);
	r->verdict = RS_VERDICT_ACCEPT;
	ruleset_seal(rs);
}

START_TEST(replace_messages)
{
	static const unsigned want[] = {
		NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE,   NFT_MSG_NEWTABLE, NFT_MSG_NEWCHAIN,
		NFT_MSG_NEWSET,	  NFT_MSG_NEWSETELEM, NFT_MSG_NEWSET,	NFT_MSG_NEWRULE,
	};
	struct ruleset rs;
	struct build *b;
	struct msgs m;
	char what[128];

	small(&rs);
	b = build_new("t", 100);
	build_begin(b, 7);
	ck_assert_int_eq(build_replace(b, &rs), 0);
	build_end(b);
	collect(b, &m);
	ck_assert_uint_eq(m.n, 10);
	ck_assert_uint_eq(m.v[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	ck_assert_uint_eq(m.v[9]->nlmsg_type, NFNL_MSG_BATCH_END);
	for (size_t i = 0; i < 8; i++) {
		ck_assert_uint_eq(type_of(m.v[i + 1]), want[i]);
		ck_assert_uint_eq(m.v[i + 1]->nlmsg_seq, 101 + i);
	}
	ck_assert(m.v[8]->nlmsg_flags & NLM_F_APPEND);
	ck_assert(build_describe(b, 108, what, sizeof(what)));
	ck_assert_str_eq(what, "add rule 1 of chain c");
	ck_assert(build_describe(b, 105, what, sizeof(what)));
	ck_assert_str_eq(what, "add set cidr");
	ck_assert(!build_describe(b, 99, what, sizeof(what)));
	build_free(b);
	ruleset_fini(&rs);
}
END_TEST

/* The elements of a NEWSETELEM message, walked with libmnl. */
struct elems {
	size_t n;
	uint32_t flags[8];
	uint8_t key0[8]; /* first key byte */
	bool udata[8];
};

static int elem_attr_cb(const struct nlattr *a, void *data)
{
	struct elems *ev = data;

	switch (mnl_attr_get_type(a)) {
	case NFTA_SET_ELEM_FLAGS:
		ev->flags[ev->n] = ntohl(mnl_attr_get_u32(a));
		break;
	case NFTA_SET_ELEM_KEY:
		ev->key0[ev->n] = *(const uint8_t *)mnl_attr_get_payload(
			(const struct nlattr *)mnl_attr_get_payload(a));
		break;
	case NFTA_SET_ELEM_USERDATA:
		ev->udata[ev->n] = true;
		break;
	}
	return MNL_CB_OK;
}

static int elem_cb(const struct nlattr *a, void *data)
{
	struct elems *ev = data;

	if (ev->n < 8) {
		mnl_attr_parse_nested(a, elem_attr_cb, ev);
		ev->n++;
	}
	return MNL_CB_OK;
}

static int list_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
		mnl_attr_parse_nested(a, elem_cb, data);
	return MNL_CB_OK;
}

static void elems_of(const struct nlmsghdr *nlh, struct elems *ev)
{
	memset(ev, 0, sizeof(*ev));
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), list_cb, ev);
}

START_TEST(set_and_elements)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct elems ev = { .n = 0 };
	struct ruleset rs;
	struct build *b;
	struct msgs m;
	uint32_t len;

	small(&rs);
	b = build_new("t", 1);
	ck_assert_int_eq(build_replace(b, &rs), 0);
	collect(b, &m);
	/* pp: concatenated interval set: CONCAT, DESC_CONCAT, nft's type id */
	ck_assert_int_eq(nftnl_set_nlmsg_parse(m.v[6], s), 0);
	ck_assert_str_eq(nftnl_set_get_str(s, NFTNL_SET_NAME), "pp");
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_INTERVAL | NFT_SET_CONCAT);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), (7 << 12) | (12 << 6) | 13);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 12);
	ck_assert_ptr_nonnull(nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len));
	nftnl_set_free(s);
	/* cidr elements: leading END at 0, start, exclusive END, open start */
	elems_of(m.v[5], &ev);
	ck_assert_uint_eq(ev.n, 4);
	ck_assert_uint_eq(ev.flags[0], NFT_SET_ELEM_INTERVAL_END);
	ck_assert_uint_eq(ev.key0[0], 0);
	ck_assert_uint_eq(ev.flags[1], 0);
	ck_assert_uint_eq(ev.key0[1], 10);
	ck_assert_uint_eq(ev.flags[2], NFT_SET_ELEM_INTERVAL_END);
	ck_assert_uint_eq(ev.key0[2], 11); /* 10.255.255.255 + 1 */
	ck_assert_uint_eq(ev.key0[3], 192);
	ck_assert(ev.udata[3] && !ev.udata[1]);
	build_free(b);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(rule_bytecode)
{
	static const char *const want[] = { "meta",	 "cmp",	    "payload", "meta",
					    "byteorder", "payload", "lookup",  "immediate" };
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	struct ruleset rs;
	struct build *b;
	struct msgs m;
	size_t n = 0;

	small(&rs);
	b = build_new("t", 1);
	ck_assert_int_eq(build_replace(b, &rs), 0);
	collect(b, &m);
	ck_assert_int_eq(nftnl_rule_nlmsg_parse(m.v[7], r), 0);
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		ck_assert_uint_lt(n, 8);
		ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), want[n]);
		if (n == 3) /* meta l4proto into the second 32-bit register */
			ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG), 9);
		if (n == 5)
			ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG), 10);
		n++;
	}
	nftnl_expr_iter_destroy(it);
	ck_assert_uint_eq(n, 8);
	nftnl_rule_free(r);
	build_free(b);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(bad_ir_rejected)
{
	static const enum rs_field f = RS_F_IP6_SADDR;
	struct ruleset rs;
	struct rs_rule *r;
	struct build *b;

	small(&rs);
	r = ruleset_chain_add_rule(&rs.chains[0]);
	ruleset_rule_add_match(r, RS_MATCH_SET, "cidr", &f, 1); /* ipv6 field, ipv4 set */
	r->verdict = RS_VERDICT_ACCEPT;
	b = build_new("t", 1);
	ck_assert_int_eq(build_replace(b, &rs), -EINVAL);
	ck_assert_ptr_nonnull(strstr(build_error(b), "chain c: rule 2"));
	build_free(b);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(diff_fates)
{
	struct ruleset a, c;
	struct diff_stats st;
	struct build *b;
	struct msgs m;

	small(&a);
	small(&c);
	b = build_new("t", 1);
	ck_assert_int_eq(diff_build(&a, &c, b, &st), 0);
	ck_assert(diff_stats_empty(&st));
	ck_assert_uint_eq(build_msgs(b), 0);
	build_free(b);
	/* an interval set changes: rebuilt; no rule uses it, no chain rewritten */
	c.sets[0].elems[0].key[1] = 1;
	b = build_new("t", 1);
	ck_assert_int_eq(diff_build(&a, &c, b, &st), 0);
	ck_assert_uint_eq(st.sets_rebuilt, 1);
	ck_assert_uint_eq(st.chains_rewritten, 0);
	collect(b, &m);
	ck_assert_uint_eq(type_of(m.v[0]), NFT_MSG_DELSET);
	ck_assert_uint_eq(type_of(m.v[1]), NFT_MSG_NEWSET);
	build_free(b);
	/* a chain comment change needs a full replace */
	free(c.chains[0].comment);
	c.chains[0].comment = xstrdup("other");
	b = build_new("t", 1);
	ck_assert_int_eq(diff_build(&a, &c, b, &st), -EXDEV);
	build_free(b);
	ruleset_fini(&a);
	ruleset_fini(&c);
}
END_TEST

/*
 * small() with counters "cnt_a" (commented) and "cnt_b", and in chain c a
 * rate-limited log without verdict, then a counted drop.
 */
static void counted(struct ruleset *rs)
{
	static const enum rs_field f = RS_F_IP_SADDR;
	struct rs_chain *c;
	struct rs_rule *r;

	small(rs);
	ruleset_add_counter(rs, "cnt_b", NULL);
	ruleset_add_counter(rs, "cnt_a", "drops");
	ruleset_add_counter(rs, "cnt_a", "zz: a repeat, dropped by seal");
	ruleset_seal(rs);
	c = ruleset_find_chain(rs, "c");
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "cidr", &f, 1);
	r->limit_rate = 50;
	r->limit_burst = 20;
	ruleset_rule_set_log(r, "deny \"x\"", 7);
	r = ruleset_chain_add_rule(c);
	ruleset_rule_set_counter(r, "cnt_a");
	r->verdict = RS_VERDICT_DROP;
}

START_TEST(counters_and_statements)
{
	static const char *const want[] = { "meta", "cmp", "payload", "lookup", "limit", "log" };
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	struct ruleset rs;
	struct build *b;
	struct msgs m;
	uint32_t len;
	size_t n = 0;

	counted(&rs);
	ck_assert_uint_eq(rs.ncounters, 2);
	ck_assert_str_eq(rs.counters[0].name, "cnt_a");
	ck_assert_str_eq(rs.counters[0].comment, "drops");
	ck_assert_ptr_nonnull(ruleset_find_counter(&rs, "cnt_b"));
	ck_assert_ptr_null(ruleset_find_counter(&rs, "cnt_c"));
	ck_assert_str_eq(rs.chains[0].rules[1].log_prefix, "deny _x_");
	b = build_new("t", 1);
	ck_assert_int_eq(build_replace(b, &rs), 0);
	collect(b, &m);
	/* table, delete, table, chain, the counters, then the sets */
	ck_assert_uint_eq(type_of(m.v[3]), NFT_MSG_NEWCHAIN);
	ck_assert_uint_eq(type_of(m.v[4]), NFT_MSG_NEWOBJ);
	ck_assert_uint_eq(type_of(m.v[5]), NFT_MSG_NEWOBJ);
	ck_assert_uint_eq(type_of(m.v[6]), NFT_MSG_NEWSET);
	ck_assert_int_eq(nftnl_obj_nlmsg_parse(m.v[4], o), 0);
	ck_assert_str_eq(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), "cnt_a");
	ck_assert_uint_eq(nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE), NFT_OBJECT_COUNTER);
	ck_assert_ptr_nonnull(nftnl_obj_get_data(o, NFTNL_OBJ_USERDATA, &len));
	ck_assert_uint_eq(m.v[4]->nlmsg_flags & NLM_F_EXCL, NLM_F_EXCL);
	/* the rules come last: accept, the logged one, the counted drop */
	ck_assert_uint_eq(type_of(m.v[m.n - 2]), NFT_MSG_NEWRULE);
	ck_assert_int_eq(nftnl_rule_nlmsg_parse(m.v[m.n - 2], r), 0);
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		ck_assert_uint_lt(n, 6);
		ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), want[n]);
		if (n == 4) {
			ck_assert_uint_eq(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), 50);
			ck_assert_uint_eq(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT), 1);
			ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_BURST), 20);
			ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_TYPE),
					  NFT_LIMIT_PKTS);
		}
		if (n == 5) {
			ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX), "deny _x_");
			ck_assert_uint_eq(nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP), 7);
		}
		n++;
	}
	nftnl_expr_iter_destroy(it);
	ck_assert_uint_eq(n, 6); /* no verdict */
	nftnl_rule_free(r);
	r = nftnl_rule_alloc();
	ck_assert_int_eq(nftnl_rule_nlmsg_parse(m.v[m.n - 1], r), 0);
	it = nftnl_expr_iter_create(r);
	e = nftnl_expr_iter_next(it);
	ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "objref");
	ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE), NFT_OBJECT_COUNTER);
	ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME), "cnt_a");
	e = nftnl_expr_iter_next(it);
	ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "immediate");
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
	nftnl_obj_free(o);
	build_free(b);
	ruleset_fini(&rs);
}
END_TEST

/* Build rs after change() made its last rule wrong: -EINVAL naming that rule. */
static void expect_bad(void (*change)(struct rs_rule *r))
{
	struct ruleset rs;
	struct build *b = build_new("t", 1);
	struct rs_chain *c;

	counted(&rs);
	c = ruleset_find_chain(&rs, "c");
	change(&c->rules[c->nrules - 1]);
	ck_assert_int_eq(build_replace(b, &rs), -EINVAL);
	ck_assert_ptr_nonnull(strstr(build_error(b), "chain c: rule 3"));
	build_free(b);
	ruleset_fini(&rs);
}

static void no_burst(struct rs_rule *r)
{
	r->limit_rate = 10;
}

static void no_such_counter(struct rs_rule *r)
{
	ruleset_rule_set_counter(r, "cnt_none");
}

static void nothing_to_do(struct rs_rule *r)
{
	ruleset_rule_set_counter(r, NULL);
	r->verdict = RS_VERDICT_NONE;
}

static void bad_prefix(struct rs_rule *r)
{
	r->log = true;
	r->log_prefix = xstrdup("a \"quote\"");
}

static void log_in_vmap(struct rs_rule *r)
{
	static const enum rs_field f = RS_F_IP_SADDR;

	r->verdict = RS_VERDICT_NONE;
	ruleset_rule_set_counter(r, NULL);
	ruleset_rule_add_match(r, RS_MATCH_VMAP, "cidr", &f, 1);
	ruleset_rule_set_log(r, NULL, 1);
}

START_TEST(bad_statements_rejected)
{
	expect_bad(no_burst);
	expect_bad(no_such_counter);
	expect_bad(nothing_to_do);
	expect_bad(bad_prefix);
	expect_bad(log_in_vmap);
}
END_TEST

/* The ops of a plan as their message types, counters first and last. */
static void plan_types(const struct ruleset *a, const struct ruleset *c, unsigned *types, size_t *n)
{
	struct build *b = build_new("t", 1);
	struct diff_stats st;
	struct msgs m;

	ck_assert_int_eq(diff_build(a, c, b, &st), 0);
	collect(b, &m);
	for (size_t i = 0; i < m.n; i++)
		types[i] = type_of(m.v[i]);
	*n = m.n;
	build_free(b);
}

START_TEST(diff_counters)
{
	struct ruleset a, c;
	struct diff_plan p;
	unsigned t[256];
	size_t n;

	counted(&a);
	counted(&c);
	/* a comment change alone: nothing to do, the count stays */
	free(c.counters[0].comment);
	c.counters[0].comment = xstrdup("renamed");
	ck_assert_int_eq(diff_plan(&a, &c, &p), 0);
	ck_assert(diff_plan_empty(&p));
	ck_assert(diff_stats_empty(&p.st));
	diff_plan_fini(&p);
	/* the chain rewritten to count into a new counter; cnt_b goes */
	free(c.counters[1].name);
	c.counters[1].name = xstrdup("cnt_zz");
	ruleset_add_counter(&c, "cnt_0", NULL);
	ruleset_seal(&c);
	ruleset_rule_set_counter(&c.chains[0].rules[2], "cnt_0");
	ck_assert_int_eq(diff_plan(&a, &c, &p), 0);
	ck_assert_uint_eq(p.nctr_add, 2);
	ck_assert_str_eq(p.ctr_add[0]->name, "cnt_0");
	ck_assert_str_eq(p.ctr_add[1]->name, "cnt_zz");
	ck_assert_uint_eq(p.nctr_del, 1);
	ck_assert_str_eq(p.ctr_del[0]->name, "cnt_b");
	ck_assert_uint_eq(p.st.counters_added, 2);
	ck_assert_uint_eq(p.st.counters_removed, 1);
	ck_assert_uint_eq(p.st.chains_rewritten, 1);
	diff_plan_fini(&p);
	plan_types(&a, &c, t, &n);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(t[0], NFT_MSG_NEWOBJ);
	ck_assert_uint_eq(t[1], NFT_MSG_NEWOBJ);
	ck_assert_uint_eq(t[2], NFT_MSG_DELRULE); /* flush */
	for (size_t i = 3; i < 6; i++)
		ck_assert_uint_eq(t[i], NFT_MSG_NEWRULE);
	ck_assert_uint_eq(t[6], NFT_MSG_DELOBJ);
	ruleset_fini(&a);
	ruleset_fini(&c);
}
END_TEST

/* Rules equal only with equal statements; rendered in nft's order. */
START_TEST(statements_eq)
{
	struct ruleset a, c;
	struct rs_rule *x, *y;

	counted(&a);
	counted(&c);
	x = &a.chains[0].rules[1];
	y = &c.chains[0].rules[1];
	ck_assert(ruleset_rule_eq(x, y));
	y->limit_burst = 21;
	ck_assert(!ruleset_rule_eq(x, y));
	y->limit_burst = 20;
	y->log_group = 8;
	ck_assert(!ruleset_rule_eq(x, y));
	ruleset_rule_set_log(y, "other", 7);
	ck_assert(!ruleset_rule_eq(x, y));
	ruleset_rule_set_log(y, "deny _x_", 7);
	ck_assert(ruleset_rule_eq(x, y));
	ruleset_rule_set_counter(y, "cnt_b");
	ck_assert(!ruleset_rule_eq(x, y));
	ck_assert(ruleset_rule_has_stmt(y));
	ck_assert(!ruleset_rule_has_stmt(&a.chains[0].rules[0]));
	ruleset_fini(&a);
	ruleset_fini(&c);
}
END_TEST

/*
 * The walk through statements: a matching rule without verdict (limit and log)
 * is a step, then the packet goes on; a limit is taken as matching.
 */
START_TEST(walk_statements)
{
	struct walk_pkt p = { .proto = 6, .dport = 80, .path = WALK_FORWARDED };
	struct ruleset rs;
	struct rs_chain *c;
	struct walk w;

	counted(&rs);
	c = ruleset_find_chain(&rs, "c");
	c->hook = RS_HOOK_FORWARD;
	p.saddr.family = p.daddr.family = AF_INET;
	memcpy(p.saddr.a, (uint8_t[]){ 10, 1, 2, 3 }, 4);
	walk_packet(&rs, &p, &w);
	ck_assert(!w.accepted);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_uint_eq(w.steps[0].rule, 1);
	ck_assert_uint_eq(w.steps[1].rule, 2);
	memcpy(p.saddr.a, (uint8_t[]){ 11, 1, 2, 3 }, 4);
	walk_packet(&rs, &p, &w);
	ck_assert(!w.accepted);
	ck_assert_uint_eq(w.nsteps, 1);
	ck_assert_uint_eq(w.steps[0].rule, 2);
	c->rules[2].verdict = RS_VERDICT_NONE; /* counted, on to the policy */
	walk_packet(&rs, &p, &w);
	ck_assert(w.accepted);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_uint_eq(w.steps[1].rule, WALK_POLICY);
	ruleset_fini(&rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("build");
	TCase *tc = tcase_create("build");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, replace_messages);
	tcase_add_test(tc, set_and_elements);
	tcase_add_test(tc, rule_bytecode);
	tcase_add_test(tc, bad_ir_rejected);
	tcase_add_test(tc, diff_fates);
	tcase_add_test(tc, counters_and_statements);
	tcase_add_test(tc, bad_statements_rejected);
	tcase_add_test(tc, diff_counters);
	tcase_add_test(tc, statements_eq);
	tcase_add_test(tc, walk_statements);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
