// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules read back into the IR (see readback.h): the bytecode of each rule is
 * matched expression by expression against the shapes nft/build_rule.c emits
 * (registers, the implicit nfproto check, hton in interval concatenations), and
 * the rule must fit its sets as the builder would check them.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft/readback_int.h"
#include "base/xalloc.h"

#define READBACK_MAX_EXPRS 64

/* The expressions of one rule, and where the parser is. */
struct cursor {
	struct nftnl_expr *e[READBACK_MAX_EXPRS];
	size_t n, i;
};

static bool at(const struct cursor *c, const char *name)
{
	return c->i < c->n && !strcmp(nftnl_expr_get_str(c->e[c->i], NFTNL_EXPR_NAME), name);
}

static uint32_t get(const struct cursor *c, uint16_t attr)
{
	return nftnl_expr_is_set(c->e[c->i], attr) ? nftnl_expr_get_u32(c->e[c->i], attr) : ~0u;
}

static bool get_data(const struct cursor *c, uint16_t attr, void *out, uint32_t len)
{
	uint32_t n = 0;
	const void *p = nftnl_expr_get(c->e[c->i], attr, &n);

	if (!p || n != len)
		return false;
	memcpy(out, p, len);
	return true;
}

/* The cmp eq M that ends ct mark & M == M. */
static bool parse_ct_mark_cmp(struct cursor *c, struct rs_rule *r, uint32_t mask)
{
	uint32_t v;

	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ || !get_data(c, NFTNL_EXPR_CMP_DATA, &v, 4) ||
	    v != mask || !mask || r->nm >= RS_MAX_MATCHES)
		return false;
	c->i++;
	r->m[r->nm++] = (struct rs_match){ .kind = RS_MATCH_CT_MARK, .ct_mark = mask };
	return true;
}

/*
 * ct load state; bitwise & mask ^ 0; cmp neq 0 (ct state A,B), or
 * ct load mark; bitwise & M ^ 0; cmp eq M (ct mark & M == M).
 */
static bool parse_ct(struct cursor *c, struct rs_rule *r)
{
	uint32_t mask, zero, key = get(c, NFTNL_EXPR_CT_KEY);
	struct rs_match *m;

	if ((key != NFT_CT_STATE && key != NFT_CT_MARK) ||
	    get(c, NFTNL_EXPR_CT_DREG) != NFT_REG_1 ||
	    nftnl_expr_is_set(c->e[c->i], NFTNL_EXPR_CT_DIR))
		return false;
	c->i++;
	if (!at(c, "bitwise") || get(c, NFTNL_EXPR_BITWISE_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_BITWISE_DREG) != NFT_REG_1 || get(c, NFTNL_EXPR_BITWISE_LEN) != 4 ||
	    !get_data(c, NFTNL_EXPR_BITWISE_MASK, &mask, 4) ||
	    !get_data(c, NFTNL_EXPR_BITWISE_XOR, &zero, 4) || zero)
		return false;
	c->i++;
	if (key == NFT_CT_MARK)
		return parse_ct_mark_cmp(c, r, mask);
	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_NEQ ||
	    !get_data(c, NFTNL_EXPR_CMP_DATA, &zero, 4) || zero || !mask || mask >= 1u << 4 ||
	    r->nm >= RS_MAX_MATCHES)
		return false;
	c->i++;
	m = &r->m[r->nm++];
	memset(m, 0, sizeof(*m));
	m->kind = RS_MATCH_CT_STATE;
	m->ct_state = mask;
	return true;
}

/* meta load nfproto => reg 1; cmp eq reg 1 <2|10>: the family, or 0 if not there. */
static uint8_t parse_nfproto(struct cursor *c)
{
	uint8_t p = 0;

	if (!at(c, "meta") || get(c, NFTNL_EXPR_META_KEY) != NFT_META_NFPROTO ||
	    get(c, NFTNL_EXPR_META_DREG) != NFT_REG_1 || c->i + 1 >= c->n)
		return 0;
	c->i++;
	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ || !get_data(c, NFTNL_EXPR_CMP_DATA, &p, 1) ||
	    (p != NFPROTO_IPV4 && p != NFPROTO_IPV6)) {
		c->i--;
		return 0;
	}
	c->i++;
	return p;
}

static uint32_t reg_of(unsigned k)
{
	return k % 4 ? NFT_REG32_00 + k : NFT_REG_1 + k / 4;
}

/* One field load into the register of slot; the field, or -1. */
static int parse_load(struct cursor *c, unsigned slot)
{
	static const struct {
		uint32_t base, off, len;
		enum rs_field f;
	} payloads[] = {
		{ NFT_PAYLOAD_NETWORK_HEADER, 12, 4, RS_F_IP_SADDR },
		{ NFT_PAYLOAD_NETWORK_HEADER, 16, 4, RS_F_IP_DADDR },
		{ NFT_PAYLOAD_NETWORK_HEADER, 8, 16, RS_F_IP6_SADDR },
		{ NFT_PAYLOAD_NETWORK_HEADER, 24, 16, RS_F_IP6_DADDR },
		{ NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, RS_F_TH_DPORT },
	};

	if (at(c, "meta") && get(c, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO &&
	    get(c, NFTNL_EXPR_META_DREG) == reg_of(slot)) {
		c->i++;
		return RS_F_L4PROTO;
	}
	if (!at(c, "payload") || get(c, NFTNL_EXPR_PAYLOAD_DREG) != reg_of(slot))
		return -1;
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++)
		if (get(c, NFTNL_EXPR_PAYLOAD_BASE) == payloads[i].base &&
		    get(c, NFTNL_EXPR_PAYLOAD_OFFSET) == payloads[i].off &&
		    get(c, NFTNL_EXPR_PAYLOAD_LEN) == payloads[i].len) {
			c->i++;
			return payloads[i].f;
		}
	return -1;
}

/* byteorder reg = hton(reg, 2, 1), as build_rule.c emits it after meta l4proto. */
static bool parse_hton(struct cursor *c, unsigned slot)
{
	if (!at(c, "byteorder") || get(c, NFTNL_EXPR_BYTEORDER_SREG) != reg_of(slot) ||
	    get(c, NFTNL_EXPR_BYTEORDER_DREG) != reg_of(slot) ||
	    get(c, NFTNL_EXPR_BYTEORDER_OP) != NFT_BYTEORDER_HTON ||
	    get(c, NFTNL_EXPR_BYTEORDER_LEN) != 1 || get(c, NFTNL_EXPR_BYTEORDER_SIZE) != 2)
		return false;
	c->i++;
	return true;
}

static unsigned field_slots(enum rs_field f)
{
	return (ruleset_type_len(ruleset_field_type(f)) + 3) / 4;
}

static uint8_t field_family(enum rs_field f)
{
	if (f == RS_F_IP_SADDR || f == RS_F_IP_DADDR)
		return NFPROTO_IPV4;
	if (f == RS_F_IP6_SADDR || f == RS_F_IP6_DADDR)
		return NFPROTO_IPV6;
	return 0;
}

/* Loads then a lookup; fam carries the family checked so far in the rule. */
static bool parse_lookup(struct rb *rb, struct cursor *c, struct rs_rule *r, uint8_t *fam,
			 uint8_t dep)
{
	enum rs_field f[RS_MAX_FIELDS];
	unsigned nf = 0, slot = 0, hton = 0, l4 = 0;
	const struct rs_set *s;
	const char *name;
	uint8_t mf = 0;
	uint32_t flags;
	int x;

	while (!at(c, "lookup")) {
		if (nf == RS_MAX_FIELDS)
			return false;
		x = parse_load(c, slot);
		if (x < 0)
			return false;
		f[nf++] = x;
		mf = mf ? mf : field_family(x);
		l4 += x == RS_F_L4PROTO;
		if (x == RS_F_L4PROTO && at(c, "byteorder")) {
			if (!parse_hton(c, slot))
				return false;
			hton++;
		}
		slot += field_slots(x);
	}
	name = nftnl_expr_get_str(c->e[c->i], NFTNL_EXPR_LOOKUP_SET);
	s = name ? ruleset_find_set(rb->rs, name) : NULL;
	flags = get(c, NFTNL_EXPR_LOOKUP_FLAGS);
	if (!nf || !s || hton != ((s->flags & RS_SET_INTERVAL) && nf > 1 ? l4 : 0) ||
	    get(c, NFTNL_EXPR_LOOKUP_SREG) != NFT_REG_1 ||
	    (flags != ~0u && flags != 0 && flags != NFT_LOOKUP_F_INV) ||
	    (flags == NFT_LOOKUP_F_INV && get(c, NFTNL_EXPR_LOOKUP_DREG) != ~0u))
		return false;
	/* the nfproto check comes right before the rule's first ip/ip6 match */
	if ((dep && (*fam || dep != mf)) || (!dep && mf && *fam != mf))
		return false;
	*fam = mf ? mf : *fam;
	if (r->nm >= RS_MAX_MATCHES)
		return false;
	ruleset_rule_add_match(r,
			       get(c, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT ? RS_MATCH_VMAP
										 : RS_MATCH_SET,
			       name, f, nf);
	r->m[r->nm - 1].inv = flags == NFT_LOOKUP_F_INV;
	c->i++;
	return true;
}

/* fib saddr type => reg 1; cmp eq reg 1 RTN_LOCAL */
static bool parse_fib(struct cursor *c, struct rs_rule *r)
{
	uint32_t type;

	if (get(c, NFTNL_EXPR_FIB_RESULT) != NFT_FIB_RESULT_ADDRTYPE ||
	    get(c, NFTNL_EXPR_FIB_FLAGS) != NFTA_FIB_F_SADDR ||
	    get(c, NFTNL_EXPR_FIB_DREG) != NFT_REG_1)
		return false;
	c->i++;
	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ ||
	    !get_data(c, NFTNL_EXPR_CMP_DATA, &type, 4) || type != RTN_LOCAL ||
	    r->nm >= RS_MAX_MATCHES)
		return false;
	c->i++;
	r->m[r->nm++] = (struct rs_match){ .kind = RS_MATCH_FIB_SADDR_LOCAL };
	return true;
}

/* meta load skuid => reg 1; byteorder reg 1 = hton(reg 1, 4, 4); cmp gte reg 1 0 */
static bool parse_local_socket(struct cursor *c, struct rs_rule *r)
{
	uint32_t zero;

	if (get(c, NFTNL_EXPR_META_DREG) != NFT_REG_1 || c->i + 2 >= c->n)
		return false;
	c->i++;
	if (!at(c, "byteorder") || get(c, NFTNL_EXPR_BYTEORDER_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_BYTEORDER_DREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_BYTEORDER_OP) != NFT_BYTEORDER_HTON ||
	    get(c, NFTNL_EXPR_BYTEORDER_LEN) != 4 || get(c, NFTNL_EXPR_BYTEORDER_SIZE) != 4)
		return false;
	c->i++;
	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_GTE ||
	    !get_data(c, NFTNL_EXPR_CMP_DATA, &zero, 4) || zero || r->nm >= RS_MAX_MATCHES)
		return false;
	c->i++;
	r->m[r->nm++] = (struct rs_match){ .kind = RS_MATCH_LOCAL_SOCKET };
	return true;
}

/* cmp eq reg 1 <one byte>, the byte in *v. */
static bool parse_cmp_u8(struct cursor *c, uint8_t *v)
{
	if (!at(c, "cmp") || get(c, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 ||
	    get(c, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ || !get_data(c, NFTNL_EXPR_CMP_DATA, v, 1))
		return false;
	c->i++;
	return true;
}

/*
 * Whether an icmpv6 type match starts here (meta l4proto => reg 1 followed by a
 * cmp, not a lookup); then it must be: cmp eq 58; payload load 1b @ transport
 * header + 0 => reg 1; cmp eq TYPE. Sets *ok to whether it was.
 */
static bool parse_icmpv6(struct cursor *c, struct rs_rule *r, uint8_t *fam, uint8_t dep, bool *ok)
{
	uint8_t proto, type;

	if (!at(c, "meta") || get(c, NFTNL_EXPR_META_KEY) != NFT_META_L4PROTO ||
	    get(c, NFTNL_EXPR_META_DREG) != NFT_REG_1 || c->i + 1 >= c->n ||
	    strcmp(nftnl_expr_get_str(c->e[c->i + 1], NFTNL_EXPR_NAME), "cmp"))
		return false;
	c->i++;
	*ok = parse_cmp_u8(c, &proto) && proto == IPPROTO_ICMPV6 && at(c, "payload") &&
	      get(c, NFTNL_EXPR_PAYLOAD_DREG) == NFT_REG_1 &&
	      get(c, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_TRANSPORT_HEADER &&
	      get(c, NFTNL_EXPR_PAYLOAD_OFFSET) == 0 && get(c, NFTNL_EXPR_PAYLOAD_LEN) == 1;
	if (*ok) {
		c->i++;
		*ok = parse_cmp_u8(c, &type) && r->nm < RS_MAX_MATCHES &&
		      (dep ? !*fam && dep == NFPROTO_IPV6 : *fam == NFPROTO_IPV6);
	}
	if (*ok) {
		*fam = NFPROTO_IPV6;
		r->m[r->nm++] =
			(struct rs_match){ .kind = RS_MATCH_ICMPV6_TYPE, .icmpv6_type = type };
	}
	return true;
}

static uint64_t get64(const struct cursor *c, uint16_t attr)
{
	return nftnl_expr_is_set(c->e[c->i], attr) ? nftnl_expr_get_u64(c->e[c->i], attr) : 0;
}

static bool zero_or_unset(const struct cursor *c, uint16_t attr)
{
	uint32_t v = get(c, attr);

	return v == 0 || v == ~0u;
}

/* limit rate N/second burst B packets: unit 1 s, type packets, not inverted. */
static bool parse_limit(struct cursor *c, struct rs_rule *r)
{
	uint64_t rate = get64(c, NFTNL_EXPR_LIMIT_RATE);
	uint32_t burst = get(c, NFTNL_EXPR_LIMIT_BURST);

	if (!rate || rate > UINT32_MAX || get64(c, NFTNL_EXPR_LIMIT_UNIT) != 1 || !burst ||
	    burst == ~0u || get(c, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS ||
	    !zero_or_unset(c, NFTNL_EXPR_LIMIT_FLAGS))
		return false;
	r->limit_rate = (uint32_t)rate;
	r->limit_burst = burst;
	c->i++;
	return true;
}

/* log [prefix P] group G: to NFLOG, without level, flags, snaplen or threshold. */
static bool parse_log(struct cursor *c, struct rs_rule *r)
{
	const struct nftnl_expr *e = c->e[c->i];
	const char *prefix = nftnl_expr_is_set(e, NFTNL_EXPR_LOG_PREFIX)
				     ? nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX)
				     : NULL;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_LOG_GROUP) ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_LOG_LEVEL) ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_LOG_FLAGS) ||
	    !zero_or_unset(c, NFTNL_EXPR_LOG_SNAPLEN) ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_QTHRESHOLD) &&
	     nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD)) ||
	    (prefix && !*prefix))
		return false;
	r->log = true;
	r->log_group = nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP);
	r->log_prefix = prefix ? xstrdup(prefix) : NULL;
	c->i++;
	return true;
}

/* objref of a named counter. */
static bool parse_objref(struct cursor *c, struct rs_rule *r)
{
	const char *name = nftnl_expr_get_str(c->e[c->i], NFTNL_EXPR_OBJREF_IMM_NAME);

	if (get(c, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_COUNTER || !name ||
	    nftnl_expr_is_set(c->e[c->i], NFTNL_EXPR_OBJREF_SET_NAME))
		return false;
	r->counter = xstrdup(name);
	c->i++;
	return true;
}

/*
 * The statements after the matches, each at most once and in the order
 * build_rule.c emits them: limit, log, objref. *stage is how far the rule got
 * (1 limit, 2 log, 3 counter); false when this one comes out of order.
 */
static bool parse_stmt(struct cursor *c, struct rs_rule *r, unsigned *stage)
{
	static const char *const names[] = { "limit", "log", "objref" };
	unsigned k;

	for (k = 0; k < 3 && !at(c, names[k]); k++)
		;
	if (k == 3 || k + 1 <= *stage)
		return false;
	*stage = k + 1;
	if (k == 0)
		return parse_limit(c, r);
	return k == 1 ? parse_log(c, r) : parse_objref(c, r);
}

static bool is_stmt(const struct cursor *c)
{
	return at(c, "limit") || at(c, "log") || at(c, "objref");
}

static bool parse_verdict(struct cursor *c, struct rs_rule *r)
{
	const char *chain;

	if (get(c, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT || c->i + 1 != c->n)
		return false;
	switch ((int32_t)get(c, NFTNL_EXPR_IMM_VERDICT)) {
	case NF_ACCEPT:
		r->verdict = RS_VERDICT_ACCEPT;
		break;
	case NF_DROP:
		r->verdict = RS_VERDICT_DROP;
		break;
	case NFT_JUMP:
		chain = nftnl_expr_get_str(c->e[c->i], NFTNL_EXPR_IMM_CHAIN);
		if (!chain)
			return false;
		r->verdict = RS_VERDICT_JUMP;
		r->target = xstrdup(chain);
		break;
	default:
		return false;
	}
	c->i++;
	return true;
}

static bool parse_exprs(struct rb *rb, struct cursor *c, struct rs_rule *r)
{
	uint8_t fam = 0, dep;
	unsigned stage = 0;
	bool ok;

	while (c->i < c->n) {
		if (at(c, "immediate")) {
			if (!parse_verdict(c, r))
				return false;
			continue;
		}
		if (is_stmt(c)) {
			if (!parse_stmt(c, r, &stage))
				return false;
			continue;
		}
		if (stage)
			return false; /* a match after a statement */
		if (at(c, "ct")) {
			if (!parse_ct(c, r))
				return false;
			continue;
		}
		if (at(c, "meta") && get(c, NFTNL_EXPR_META_KEY) == NFT_META_SKUID) {
			if (!parse_local_socket(c, r))
				return false;
			continue;
		}
		if (at(c, "fib")) {
			if (!parse_fib(c, r))
				return false;
			continue;
		}
		dep = parse_nfproto(c);
		if (parse_icmpv6(c, r, &fam, dep, &ok)) {
			if (!ok)
				return false;
			continue;
		}
		if (!parse_lookup(rb, c, r, &fam, dep))
			return false;
	}
	if (r->nm && r->m[r->nm - 1].kind == RS_MATCH_VMAP)
		return !r->verdict && !stage;
	return r->verdict || ruleset_rule_has_stmt(r);
}

/*
 * The rule's checks as the builder validates them: sets exist and fit the
 * fields, the counter exists.
 */
static bool rule_fits(const struct ruleset *rs, const struct rs_rule *r)
{
	if (r->counter && !ruleset_find_counter(rs, r->counter))
		return false;
	for (unsigned i = 0; i < r->nm; i++) {
		const struct rs_match *m = &r->m[i];
		const struct rs_set *s = m->set ? ruleset_find_set(rs, m->set) : NULL;

		if (m->kind == RS_MATCH_CT_STATE || m->kind == RS_MATCH_CT_MARK ||
		    m->kind == RS_MATCH_FIB_SADDR_LOCAL || m->kind == RS_MATCH_LOCAL_SOCKET ||
		    m->kind == RS_MATCH_ICMPV6_TYPE)
			continue;
		if (!s || s->nkey != m->nf ||
		    (m->kind == RS_MATCH_VMAP) != !!(s->flags & RS_SET_VMAP))
			return false;
		for (unsigned j = 0; j < m->nf; j++)
			if (ruleset_field_type(m->f[j]) != s->key[j])
				return false;
	}
	return true;
}

/*
 * The netlink_dump() callback for a rule dump, data the struct rb: each rule
 * appended to its chain in rb's ruleset, or rb's error set when the rule is not
 * one nftpol makes (MNL_CB_ERROR then).
 */
int readback_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *nr = xnonnull(nftnl_rule_alloc());
	struct rb *rb = data;
	struct cursor c = { .n = 0 };
	struct nftnl_expr_iter *it;
	struct rs_chain *ch;
	struct nftnl_expr *e;
	bool ok;

	if (nftnl_rule_nlmsg_parse(nlh, nr) < 0) {
		nftnl_rule_free(nr);
		return readback_foreign(rb, "rule: cannot parse");
	}
	ch = ruleset_find_chain(rb->rs, nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN));
	ok = ch && !nftnl_rule_is_set(nr, NFTNL_RULE_USERDATA);
	it = xnonnull(nftnl_expr_iter_create(nr));
	for (e = nftnl_expr_iter_next(it); e && ok; e = nftnl_expr_iter_next(it)) {
		ok = c.n < READBACK_MAX_EXPRS;
		if (ok)
			c.e[c.n++] = e;
	}
	nftnl_expr_iter_destroy(it);
	if (ok) {
		struct rs_rule *r = ruleset_chain_add_rule(ch);

		ok = parse_exprs(rb, &c, r) && rule_fits(rb->rs, r);
	}
	if (!ok)
		readback_foreign(rb, "chain %s: rule %" PRIu64 " not made by nftpol",
				 nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN),
				 nftnl_rule_is_set(nr, NFTNL_RULE_HANDLE)
					 ? nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE)
					 : 0);
	nftnl_rule_free(nr);
	return ok ? MNL_CB_OK : MNL_CB_ERROR;
}
