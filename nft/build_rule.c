// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules as nf_tables messages (see build.h): the expressions nft 1.0.6
 * linearizes a rule to (field loads into registers, the implicit nfproto check,
 * hton in interval concatenations, lookups, ct state, the statements limit, log
 * and counter, the verdict), after checking that the rule fits its sets and
 * counters.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft/build_int.h"
#include "base/xalloc.h"

/* Where a packet field is loaded from, and the family its header implies. */
struct field_load {
	bool meta;    /* meta KEY, else payload BASE + OFFSET */
	uint32_t key; /* NFT_META_* or NFT_PAYLOAD_*_HEADER */
	uint32_t offset, len;
	uint8_t nfproto; /* NFPROTO_IPV4/6 for ip/ip6 header fields, else 0 */
};

static const struct field_load field_loads[] = {
	[RS_F_IP_SADDR] = { false, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFPROTO_IPV4 },
	[RS_F_IP_DADDR] = { false, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFPROTO_IPV4 },
	[RS_F_IP6_SADDR] = { false, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFPROTO_IPV6 },
	[RS_F_IP6_DADDR] = { false, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFPROTO_IPV6 },
	[RS_F_L4PROTO] = { true, NFT_META_L4PROTO, 0, 1, 0 },
	[RS_F_TH_DPORT] = { false, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, 0 },
};

/*
 * nft's register for 32-bit slot k counted from NFT_REG_1: the 128-bit register
 * when the slot starts one, else the 32-bit register.
 */
static uint32_t reg_of(unsigned k)
{
	return k % 4 ? NFT_REG32_00 + k : NFT_REG_1 + k / 4;
}

static struct nftnl_expr *expr_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = xnonnull(nftnl_expr_alloc(name));

	nftnl_rule_add_expr(r, e);
	return e;
}

static void expr_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void expr_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void expr_payload(struct nftnl_rule *r, const struct field_load *f, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, f->key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, f->offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, f->len);
}

/* byteorder reg = hton(reg, len, size) */
static void expr_byteorder(struct nftnl_rule *r, uint32_t reg, uint32_t len, uint32_t size)
{
	struct nftnl_expr *e = expr_add(r, "byteorder");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, size);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
}

/* nft converts host-order fields of a key into an interval concatenation. */
static void expr_hton(struct nftnl_rule *r, uint32_t reg, uint32_t len)
{
	expr_byteorder(r, reg, len, len % 8 == 0 ? 8 : len % 4 == 0 ? 4 : 2);
}

/* nft compares a host-order 32-bit value (meta skuid) in network order. */
static void expr_hton_u32(struct nftnl_rule *r, uint32_t reg)
{
	expr_byteorder(r, reg, 4, 4);
}

static void expr_lookup(struct nftnl_rule *r, const char *set, bool vmap, bool inv)
{
	struct nftnl_expr *e = expr_add(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (inv)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	if (vmap)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
}

/*
 * ct KEY & mask, compared with value by op, as nft linearizes both
 * `ct state A,B` (any bit: != 0) and `ct mark & M == M`.
 */
static void expr_ct_masked(struct nftnl_rule *r, uint32_t key, uint32_t mask, uint32_t op,
			   uint32_t value)
{
	uint32_t zero = 0;
	struct nftnl_expr *e = expr_add(r, "ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e = expr_add(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	expr_cmp(r, op, &value, sizeof(value));
}

/* fib saddr type local: the address type of the source, RTN_LOCAL. */
static void expr_fib_saddr_local(struct nftnl_rule *r)
{
	uint32_t local = RTN_LOCAL;
	struct nftnl_expr *e = expr_add(r, "fib");

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	expr_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

/* meta skuid >= 0: only a packet a local full socket sent has an owner. */
static void expr_local_socket(struct nftnl_rule *r)
{
	uint32_t zero = 0;

	expr_meta(r, NFT_META_SKUID, NFT_REG_1);
	expr_hton_u32(r, NFT_REG_1);
	expr_cmp(r, NFT_CMP_GTE, &zero, sizeof(zero));
}

/* icmpv6 type T: the nfproto and l4proto dependencies nft adds, then the type. */
static void expr_icmpv6_type(struct nftnl_rule *r, uint8_t type, uint8_t *nfproto)
{
	static const struct field_load type_load = { false, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, 0 };
	uint8_t v6 = NFPROTO_IPV6, icmpv6 = IPPROTO_ICMPV6;

	if (!*nfproto) {
		expr_meta(r, NFT_META_NFPROTO, NFT_REG_1);
		expr_cmp(r, NFT_CMP_EQ, &v6, sizeof(v6));
		*nfproto = v6;
	}
	expr_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	expr_cmp(r, NFT_CMP_EQ, &icmpv6, sizeof(icmpv6));
	expr_payload(r, &type_load, NFT_REG_1);
	expr_cmp(r, NFT_CMP_EQ, &type, sizeof(type));
}

/*
 * The statements after the matches, in the order render prints them: limit
 * (packets a second; nft's encoding of `limit rate N/second burst B packets`),
 * log to an NFLOG group, the named counter (an objref).
 */
static void expr_stmts(struct nftnl_rule *r, const struct rs_rule *rr)
{
	struct nftnl_expr *e;

	if (rr->limit_rate) {
		e = expr_add(r, "limit");
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, rr->limit_rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, rr->limit_burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
	}
	if (rr->log) {
		e = expr_add(r, "log");
		if (rr->log_prefix)
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, rr->log_prefix);
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, rr->log_group);
	}
	if (rr->counter) {
		e = expr_add(r, "objref");
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, rr->counter);
	}
}

static void expr_verdict(struct nftnl_rule *r, const struct rs_rule *rr)
{
	struct nftnl_expr *e;

	if (rr->verdict == RS_VERDICT_NONE)
		return;
	e = expr_add(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	switch (rr->verdict) {
	case RS_VERDICT_ACCEPT:
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
		break;
	case RS_VERDICT_DROP:
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
		break;
	default:
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, rr->target);
		break;
	}
}

/*
 * A lookup of the concatenated fields of m: the implicit `meta nfproto` check
 * when the rule has not made one yet, the loads into consecutive registers,
 * hton for host-order fields of interval concatenations, then the lookup.
 */
static void expr_match(struct nftnl_rule *r, const struct rs_match *m, const struct rs_set *s,
		       uint8_t *nfproto)
{
	unsigned slot = 0;

	for (unsigned i = 0; i < m->nf; i++) {
		uint8_t p = field_loads[m->f[i]].nfproto;

		if (p && !*nfproto) {
			expr_meta(r, NFT_META_NFPROTO, NFT_REG_1);
			expr_cmp(r, NFT_CMP_EQ, &p, sizeof(p));
			*nfproto = p;
		}
	}
	for (unsigned i = 0; i < m->nf; i++) {
		const struct field_load *f = &field_loads[m->f[i]];

		if (f->meta)
			expr_meta(r, f->key, reg_of(slot));
		else
			expr_payload(r, f, reg_of(slot));
		if (f->meta && m->nf > 1 && build_set_is_concat_interval(s))
			expr_hton(r, reg_of(slot), f->len);
		slot += (f->len + 3) / 4;
	}
	expr_lookup(r, s->name, m->kind == RS_MATCH_VMAP, m->inv);
}

static int match_check(struct build *b, const struct ruleset *rs, const struct rs_rule *r,
		       const struct rs_match *m, const struct rs_set **sp)
{
	const struct rs_set *s;

	if (m->kind == RS_MATCH_CT_STATE)
		return m->ct_state && m->ct_state < 1u << 4 ? 0 : -EINVAL;
	if (m->kind == RS_MATCH_FIB_SADDR_LOCAL || m->kind == RS_MATCH_ICMPV6_TYPE ||
	    m->kind == RS_MATCH_LOCAL_SOCKET)
		return m->nf ? -EINVAL : 0;
	if (m->kind == RS_MATCH_CT_MARK)
		return m->nf || !m->ct_mark ? -EINVAL : 0;
	if (m->kind != RS_MATCH_SET && m->kind != RS_MATCH_VMAP)
		return -EINVAL;
	s = m->set ? ruleset_find_set(rs, m->set) : NULL;
	if (!s || s->nkey != m->nf)
		return -EINVAL;
	for (unsigned i = 0; i < m->nf; i++)
		if (m->f[i] > RS_F_TH_DPORT || ruleset_field_type(m->f[i]) != s->key[i])
			return -EINVAL;
	if (m->inv && m->kind != RS_MATCH_SET)
		return -EINVAL;
	if (m->kind == RS_MATCH_VMAP && (!(s->flags & RS_SET_VMAP) || r->verdict))
		return -EINVAL;
	if (m->kind == RS_MATCH_SET && (s->flags & RS_SET_VMAP))
		return -EINVAL;
	*sp = s;
	return 0;
}

/* A log prefix nft can quote: not empty, short enough, no quote, backslash or control byte. */
static bool prefix_ok(const char *p)
{
	if (!*p || strlen(p) > RS_LOG_PREFIX_MAX)
		return false;
	for (; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The statements: a limit has a burst, the counter exists, the prefix quotes. */
static int stmts_check(const struct ruleset *rs, const struct rs_rule *r)
{
	bool vmap = r->nm && r->m[r->nm - 1].kind == RS_MATCH_VMAP;

	if (r->limit_rate && !r->limit_burst)
		return -EINVAL;
	if (r->log && r->log_prefix && !prefix_ok(r->log_prefix))
		return -EINVAL;
	if (r->counter && !ruleset_find_counter(rs, r->counter))
		return -EINVAL;
	if (vmap && (r->limit_rate || ruleset_rule_has_stmt(r)))
		return -EINVAL; /* the map's verdict ends the rule */
	return 0;
}

static int rule_check(struct build *b, const struct ruleset *rs, const struct rs_rule *r,
		      const struct rs_set **sets)
{
	uint8_t fam = 0;

	if (r->nm > RS_MAX_MATCHES)
		return -EINVAL;
	for (unsigned i = 0; i < r->nm; i++) {
		sets[i] = NULL;
		if (match_check(b, rs, r, &r->m[i], &sets[i]))
			return -EINVAL;
		for (unsigned j = 0; j <= r->m[i].nf; j++) {
			uint8_t p = j < r->m[i].nf ? field_loads[r->m[i].f[j]].nfproto
				    : r->m[i].kind == RS_MATCH_ICMPV6_TYPE ? NFPROTO_IPV6
									   : 0;

			if (p && fam && p != fam)
				return -EINVAL;
			fam = p ? p : fam;
		}
	}
	if (stmts_check(rs, r))
		return -EINVAL;
	if (r->verdict == RS_VERDICT_JUMP)
		return r->target && strlen(r->target) < NFT_CHAIN_MAXNAMELEN ? 0 : -EINVAL;
	if (r->verdict == RS_VERDICT_NONE)
		return (r->nm && r->m[r->nm - 1].kind == RS_MATCH_VMAP) || ruleset_rule_has_stmt(r)
			       ? 0
			       : -EINVAL;
	return r->verdict <= RS_VERDICT_JUMP ? 0 : -EINVAL;
}

/*
 * NEWRULE appending rule i of chain c, whose sets are looked up in rs. Returns 0,
 * or -EINVAL when the rule is not consistent with its sets (see build_error()).
 */
int build_rule_add(struct build *b, const struct ruleset *rs, const struct rs_chain *c, size_t i)
{
	const struct rs_rule *rr = &c->rules[i];
	const struct rs_set *sets[RS_MAX_MATCHES];
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;
	struct nftnl_rule *r;
	uint8_t nfproto = 0;

	if (rule_check(b, rs, rr, sets))
		return build_fail(b, -EINVAL, "chain %s: rule %zu does not fit its sets or counter",
				  c->name, i + 1);
	r = xnonnull(nftnl_rule_alloc());
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	for (unsigned j = 0; j < rr->nm; j++) {
		if (rr->m[j].kind == RS_MATCH_CT_STATE)
			expr_ct_masked(r, NFT_CT_STATE, rr->m[j].ct_state, NFT_CMP_NEQ, 0);
		else if (rr->m[j].kind == RS_MATCH_CT_MARK)
			expr_ct_masked(r, NFT_CT_MARK, rr->m[j].ct_mark, NFT_CMP_EQ,
				       rr->m[j].ct_mark);
		else if (rr->m[j].kind == RS_MATCH_LOCAL_SOCKET)
			expr_local_socket(r);
		else if (rr->m[j].kind == RS_MATCH_FIB_SADDR_LOCAL)
			expr_fib_saddr_local(r);
		else if (rr->m[j].kind == RS_MATCH_ICMPV6_TYPE)
			expr_icmpv6_type(r, rr->m[j].icmpv6_type, &nfproto);
		else
			expr_match(r, &rr->m[j], sets[j], &nfproto);
	}
	expr_stmts(r, rr);
	expr_verdict(r, rr);
	nlh = build_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	build_next(b);
	build_note(b, lo, BUILD_OP_ADD_RULE, c->name, i);
	return 0;
}

/* NEWRULE for every rule of c, in order (see build_rule_add()). */
int build_rules_add(struct build *b, const struct ruleset *rs, const struct rs_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++) {
		int ret = build_rule_add(b, rs, c, i);

		if (ret)
			return ret;
	}
	return 0;
}
