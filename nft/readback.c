// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Our table read back into the IR (see readback.h). The parsers accept exactly
 * the shapes nft/build.c and its parts emit: set userdata byte by byte, and
 * interval elements are turned back into inclusive ranges. Rules are parsed in
 * readback_rule.c.
 */
#include "nft/readback.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft/build.h"
#include "nft/netlink.h"
#include "nft/readback_int.h"
#include "base/xalloc.h"

#define READBACK_TRIES 5

/*
 * Record the first problem: -ENOTSUP, with why the table is not nftpol's
 * (fmt) in rb's buffer. Returns MNL_CB_ERROR, to end the dump.
 */
int readback_foreign(struct rb *rb, const char *fmt, ...)
{
	va_list ap;

	if (!rb->err) {
		rb->err = -ENOTSUP;
		va_start(ap, fmt);
		vsnprintf(rb->why, rb->whylen, fmt, ap);
		va_end(ap);
	}
	return MNL_CB_ERROR;
}

/* libnftnl's u32 getters read through NULL when an attribute is absent: 0 then. */
static uint32_t table_u32(const struct nftnl_table *t, uint16_t attr)
{
	return nftnl_table_is_set(t, attr) ? nftnl_table_get_u32(t, attr) : 0;
}

static uint32_t chain_u32(const struct nftnl_chain *c, uint16_t attr)
{
	return nftnl_chain_is_set(c, attr) ? nftnl_chain_get_u32(c, attr) : 0;
}

static uint32_t set_u32(const struct nftnl_set *s, uint16_t attr)
{
	return nftnl_set_is_set(s, attr) ? nftnl_set_get_u32(s, attr) : 0;
}

static uint32_t elem_u32(struct nftnl_set_elem *e, uint16_t attr)
{
	return nftnl_set_elem_is_set(e, attr) ? nftnl_set_elem_get_u32(e, attr) : 0;
}

/* The comment in a table or chain userdata, or NULL; false if anything else is there. */
static bool udata_comment(const void *data, uint32_t len, uint8_t type, char **comment)
{
	const struct nftnl_udata *a;

	*comment = NULL;
	nftnl_udata_for_each_data(data, len, a)
	{
		const char *v = nftnl_udata_get(a);
		uint8_t n = nftnl_udata_len(a);

		if ((const char *)a + 2 + n > (const char *)data + len)
			return false;
		if (nftnl_udata_type(a) != type || *comment || !n || v[n - 1])
			return false;
		*comment = xstrdup(v);
	}
	return true;
}

/* The comment among a set's userdata attributes, or NULL; false if malformed. */
static bool udata_set_comment(const void *data, uint32_t len, char **comment)
{
	const struct nftnl_udata *a;

	*comment = NULL;
	nftnl_udata_for_each_data(data, len, a)
	{
		const char *v = nftnl_udata_get(a);
		uint8_t n = nftnl_udata_len(a);

		if ((const char *)a + 2 + n > (const char *)data + len)
			return false;
		if (nftnl_udata_type(a) != NFTNL_UDATA_SET_COMMENT)
			continue;
		if (*comment || !n || v[n - 1])
			return false;
		*comment = xstrdup(v);
	}
	return true;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = xnonnull(nftnl_table_alloc());
	struct rb *rb = data;
	const void *ud;
	uint32_t len;
	int ret = MNL_CB_OK;

	if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		ret = readback_foreign(rb, "table: cannot parse");
	else if (table_u32(t, NFTNL_TABLE_FLAGS))
		ret = readback_foreign(rb, "table has flags %#x", table_u32(t, NFTNL_TABLE_FLAGS));
	ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
	if (ret == MNL_CB_OK && ud &&
	    !udata_comment(ud, len, NFTNL_UDATA_TABLE_COMMENT, &rb->rs->comment))
		ret = readback_foreign(rb, "table userdata");
	nftnl_table_free(t);
	return ret;
}

static int chain_base(struct rb *rb, const struct nftnl_chain *nc, struct rs_chain *c)
{
	const char *type = nftnl_chain_get_str(nc, NFTNL_CHAIN_TYPE);
	uint32_t policy = chain_u32(nc, NFTNL_CHAIN_POLICY);

	if (!nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM))
		return 0;
	if (ruleset_hook_of(chain_u32(nc, NFTNL_CHAIN_HOOKNUM)) == RS_HOOK_NONE ||
	    !nftnl_chain_is_set(nc, NFTNL_CHAIN_PRIO) || !type || strcmp(type, "filter") ||
	    nftnl_chain_is_set(nc, NFTNL_CHAIN_DEV) || (policy != NF_ACCEPT && policy != NF_DROP))
		return readback_foreign(rb, "chain %s: hook", c->name);
	if (chain_u32(nc, NFTNL_CHAIN_FLAGS) & ~(uint32_t)NFT_CHAIN_BASE)
		return readback_foreign(rb, "chain %s: flags", c->name);
	c->hook = ruleset_hook_of(chain_u32(nc, NFTNL_CHAIN_HOOKNUM));
	c->prio = nftnl_chain_get_s32(nc, NFTNL_CHAIN_PRIO);
	c->policy_drop = policy == NF_DROP;
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *nc = xnonnull(nftnl_chain_alloc());
	struct rb *rb = data;
	struct rs_chain *c;
	const void *ud;
	char *comment;
	uint32_t len;
	int ret;

	if (nftnl_chain_nlmsg_parse(nlh, nc) < 0) {
		nftnl_chain_free(nc);
		return readback_foreign(rb, "chain: cannot parse");
	}
	ud = nftnl_chain_get_data(nc, NFTNL_CHAIN_USERDATA, &len);
	c = ruleset_add_chain(rb->rs, nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME), NULL);
	if (ud && !udata_comment(ud, len, NFTNL_UDATA_CHAIN_COMMENT, &comment))
		ret = readback_foreign(rb, "chain %s: userdata", c->name);
	else
		ret = chain_base(rb, nc, c);
	if (ud && !ret)
		c->comment = comment;
	nftnl_chain_free(nc);
	return ret ? MNL_CB_ERROR : MNL_CB_OK;
}

/*
 * A named counter; its values are not part of the IR. Any other object type
 * is not nftpol's.
 */
static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = xnonnull(nftnl_obj_alloc());
	struct rb *rb = data;
	struct rs_counter *c;
	const char *name;
	const void *ud;
	uint32_t len;
	int ret = MNL_CB_OK;

	if (nftnl_obj_nlmsg_parse(nlh, o) < 0 || !nftnl_obj_get_str(o, NFTNL_OBJ_NAME)) {
		nftnl_obj_free(o);
		return readback_foreign(rb, "object: cannot parse");
	}
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	ud = nftnl_obj_get_data(o, NFTNL_OBJ_USERDATA, &len);
	if (!nftnl_obj_is_set(o, NFTNL_OBJ_TYPE) ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER) {
		ret = readback_foreign(rb, "object %s: not a counter", name);
	} else {
		c = ruleset_add_counter(rb->rs, name, NULL);
		if (ud && !udata_comment(ud, len, NFTNL_UDATA_OBJ_COMMENT, &c->comment))
			ret = readback_foreign(rb, "counter %s: userdata", name);
	}
	nftnl_obj_free(o);
	return ret;
}

/* Split an nft datatype id back into key fields; false if not ours. */
static bool key_fields(uint32_t t, struct rs_set *s)
{
	enum rs_type v[RS_MAX_FIELDS + 1];
	unsigned n = 0;

	while (t && n <= RS_MAX_FIELDS) {
		switch (t & 63) {
		case 7:
			v[n++] = RS_TYPE_IPV4;
			break;
		case 8:
			v[n++] = RS_TYPE_IPV6;
			break;
		case 12:
			v[n++] = RS_TYPE_PROTO;
			break;
		case 13:
			v[n++] = RS_TYPE_SERVICE;
			break;
		case 19:
			v[n++] = RS_TYPE_MARK;
			break;
		default:
			return false;
		}
		t >>= 6;
	}
	if (!n || n > RS_MAX_FIELDS || t)
		return false;
	for (unsigned i = 0; i < n; i++)
		s->key[i] = v[n - 1 - i];
	s->nkey = n;
	return true;
}

static int set_parse(struct rb *rb, const struct nftnl_set *ns, struct rs_set *s)
{
	uint32_t flags = set_u32(ns, NFTNL_SET_FLAGS), want, len;
	const void *ud;

	if (flags & ~(uint32_t)(NFT_SET_INTERVAL | NFT_SET_MAP | NFT_SET_CONCAT))
		return readback_foreign(rb, "set %s: flags %#x", s->name, flags);
	if (nftnl_set_is_set(ns, NFTNL_SET_TIMEOUT) || nftnl_set_is_set(ns, NFTNL_SET_EXPR) ||
	    nftnl_set_is_set(ns, NFTNL_SET_OBJ_TYPE))
		return readback_foreign(rb, "set %s: timeout, expressions or objects", s->name);
	if (!key_fields(set_u32(ns, NFTNL_SET_KEY_TYPE), s))
		return readback_foreign(rb, "set %s: key type", s->name);
	s->flags = (flags & NFT_SET_INTERVAL ? RS_SET_INTERVAL : 0) |
		   (flags & NFT_SET_MAP ? RS_SET_VMAP : 0);
	want = (s->flags & RS_SET_INTERVAL) && s->nkey > 1 ? NFT_SET_CONCAT : 0;
	if ((flags & NFT_SET_CONCAT) != want ||
	    set_u32(ns, NFTNL_SET_KEY_LEN) != ruleset_key_len(s))
		return readback_foreign(rb, "set %s: key layout", s->name);
	if ((flags & NFT_SET_MAP) && set_u32(ns, NFTNL_SET_DATA_TYPE) != (uint32_t)NFT_DATA_VERDICT)
		return readback_foreign(rb, "map %s: not a verdict map", s->name);
	ud = nftnl_set_get_data(ns, NFTNL_SET_USERDATA, &len);
	if (ud && !udata_set_comment(ud, len, &s->comment))
		return readback_foreign(rb, "set %s: userdata", s->name);
	if (!ud || !build_set_userdata_eq(s, ud, len))
		return readback_foreign(rb, "set %s: userdata differs from nftpol's", s->name);
	return 0;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *ns = xnonnull(nftnl_set_alloc());
	struct rb *rb = data;
	struct rs_set *s;
	int ret;

	if (nftnl_set_nlmsg_parse(nlh, ns) < 0) {
		nftnl_set_free(ns);
		return readback_foreign(rb, "set: cannot parse");
	}
	s = ruleset_add_set(rb->rs, nftnl_set_get_str(ns, NFTNL_SET_NAME), NULL, NULL, 0, 0);
	ret = set_parse(rb, ns, s);
	nftnl_set_free(ns);
	return ret ? MNL_CB_ERROR : MNL_CB_OK;
}

/* One kernel element of a single-field interval set. */
struct bound {
	uint8_t key[RS_KEY_MAX];
	bool end;  /* NFT_SET_ELEM_INTERVAL_END */
	bool open; /* start of a range that runs to the top */
};

struct elems_ctx {
	struct rb *rb;
	struct rs_set *s;
	struct bound *b; /* single-field interval sets */
	size_t nb, capb;
};

static bool elem_key(struct nftnl_set_elem *e, uint16_t attr, unsigned len, uint8_t *out)
{
	uint32_t n = 0;
	const void *k = nftnl_set_elem_get(e, attr, &n);

	if (!k || n != len)
		return false;
	memcpy(out, k, len);
	return true;
}

static bool elem_open(struct nftnl_set_elem *e)
{
	const struct nftnl_udata *a;
	uint32_t len = 0;
	const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);

	if (!ud)
		return false;
	nftnl_udata_for_each_data(ud, len,
				  a) if (nftnl_udata_type(a) == NFTNL_UDATA_SET_ELEM_FLAGS &&
					 nftnl_udata_len(a) == 4) return nftnl_udata_get_u32(a) &
		NFTNL_SET_ELEM_F_INTERVAL_OPEN;
	return false;
}

static int elem_one(struct elems_ctx *x, struct nftnl_set_elem *e)
{
	struct rs_set *s = x->s;
	unsigned len = ruleset_key_len(s);
	struct rs_elem *re;

	if ((s->flags & RS_SET_INTERVAL) && s->nkey == 1) {
		struct bound *b;

		XGROW(x->b, x->capb, x->nb);
		b = &x->b[x->nb++];
		b->end = elem_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
		b->open = elem_open(e);
		return elem_key(e, NFTNL_SET_ELEM_KEY, len, b->key) ? 0 : -1;
	}
	re = ruleset_set_add_elem(s);
	if (!elem_key(e, NFTNL_SET_ELEM_KEY, len, re->key))
		return -1;
	if ((s->flags & RS_SET_INTERVAL) && !elem_key(e, NFTNL_SET_ELEM_KEY_END, len, re->key_end))
		return -1;
	if (!(s->flags & RS_SET_VMAP))
		return 0;
	if (elem_u32(e, NFTNL_SET_ELEM_VERDICT) != (uint32_t)NFT_JUMP ||
	    !nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN))
		return -1;
	re->chain = xstrdup(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
	return 0;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *ns = xnonnull(nftnl_set_alloc());
	struct elems_ctx *x = data;
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	int ret = 0;

	if (nftnl_set_elems_nlmsg_parse(nlh, ns) < 0) {
		nftnl_set_free(ns);
		return readback_foreign(x->rb, "set %s: cannot parse elements", x->s->name);
	}
	it = xnonnull(nftnl_set_elems_iter_create(ns));
	/* _next() returns the element it is at, then moves on */
	while (!ret && (e = nftnl_set_elems_iter_next(it)))
		ret = elem_one(x, e);
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(ns);
	if (ret)
		return readback_foreign(x->rb, "set %s: element not made by nftpol", x->s->name);
	return MNL_CB_OK;
}

/* Order bounds by key for qsort_r(); set is the struct rs_set they belong to. */
static int bound_cmp(const void *a, const void *b, void *set)
{
	const struct bound *x = a, *y = b;
	int c = memcmp(x->key, y->key, ruleset_key_len(set));

	return c ? c : (int)y->end - (int)x->end; /* END before a start at the same key */
}

/* Inclusive ranges from sorted start/END elements (see build_elem.c interval_elems). */
static int ranges_from_bounds(struct elems_ctx *x)
{
	unsigned len = ruleset_key_len(x->s);
	struct rs_elem *re = NULL;

	xqsort_r(x->b, x->nb, sizeof(*x->b), bound_cmp, x->s);
	for (size_t i = 0; i < x->nb; i++) {
		const struct bound *b = &x->b[i];

		if (b->end && !re && i == 0)
			continue; /* the leading END at 0 */
		if (b->end && !re)
			return -1;
		if (b->end) {
			memcpy(re->key_end, b->key, len);
			for (unsigned j = len; j-- > 0;)
				if (re->key_end[j]--)
					break;
			re = NULL;
			continue;
		}
		if (re)
			return -1; /* two starts in a row */
		re = ruleset_set_add_elem(x->s);
		memcpy(re->key, b->key, len);
		memset(re->key_end, 0xff, len);
		if (b->open)
			re = NULL;
	}
	return re ? -1 : 0;
}

static int dump_elems(struct rb *rb, struct rs_set *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *ns = xnonnull(nftnl_set_alloc());
	struct elems_ctx x = { .rb = rb, .s = s };
	struct nlmsghdr *nlh;
	int ret;

	nftnl_set_set_str(ns, NFTNL_SET_TABLE, rb->rs->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, 0);
	nftnl_set_elems_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	ret = netlink_dump(rb->nl, nlh, elems_cb, &x);
	if (!ret && x.b && ranges_from_bounds(&x))
		ret = readback_foreign(rb, "set %s: ranges not made by nftpol", s->name);
	free(x.b);
	return ret;
}

/* Dump one object type of the table through cb. */
static int dump(struct rb *rb, uint16_t type, netlink_msg_cb cb)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint16_t flags = type == NFT_MSG_GETTABLE ? NLM_F_ACK : NLM_F_DUMP;
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, flags, 0);
	/* NFTA_{TABLE_NAME,CHAIN_TABLE,SET_TABLE,RULE_TABLE,OBJ_TABLE} are all attribute 1 */
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, rb->rs->table);
	ret = netlink_dump(rb->nl, nlh, cb, rb);
	return rb->err ? rb->err : ret;
}

/*
 * Whether a chain, set or counter was dumped twice (the ruleset is sealed, so
 * names are sorted; sealing keeps one counter of a name: ncounters is their
 * number before). The kernel holds one object per name: a repeat means the dump raced
 * with another writer's transaction in progress, which the generation does
 * not show (see apply.c, stale_view()); read again.
 */
static bool duplicate_names(const struct ruleset *rs, size_t ncounters)
{
	if (rs->ncounters != ncounters)
		return true;
	for (size_t i = 1; i < rs->nchains; i++)
		if (!strcmp(rs->chains[i - 1].name, rs->chains[i].name))
			return true;
	for (size_t i = 1; i < rs->nsets; i++)
		if (!strcmp(rs->sets[i - 1].name, rs->sets[i].name))
			return true;
	return false;
}

/* One attempt: every dump between two reads of the generation. */
static int read_once(struct rb *rb, uint32_t *genid)
{
	uint32_t after;
	int ret;

	ret = netlink_getgen(rb->nl, genid);
	if (!ret)
		ret = dump(rb, NFT_MSG_GETTABLE, table_cb);
	if (!ret)
		ret = dump(rb, NFT_MSG_GETCHAIN, chain_cb);
	if (!ret)
		ret = dump(rb, NFT_MSG_GETSET, set_cb);
	for (size_t i = 0; !ret && i < rb->rs->nsets; i++)
		ret = dump_elems(rb, &rb->rs->sets[i]);
	if (!ret)
		ret = dump(rb, NFT_MSG_GETOBJ, obj_cb);
	if (!ret)
		ret = rb->err;
	if (!ret) {
		size_t ncounters = rb->rs->ncounters;

		ruleset_seal(rb->rs);
		ret = duplicate_names(rb->rs, ncounters) ? -EINTR : 0;
	}
	if (!ret)
		ret = dump(rb, NFT_MSG_GETRULE, readback_rule_cb);
	/*
	 * A change in between makes it a retry, also when it made a dump fail
	 * (a set deleted after the set dump answers its element dump ENOENT).
	 */
	if (ret != -EINTR) {
		int gen = netlink_getgen(rb->nl, &after);

		if (!gen && after != *genid)
			ret = -EINTR;
		else if (!ret)
			ret = gen;
	}
	return ret;
}

/*
 * Read table inet `table` into out (initialized here, sealed; the caller
 * finalizes it whatever the result) and the generation it was read at into
 * *genid (for NFNL_BATCH_GENID). Returns 0; -ENOENT when there is no such
 * table; -ENOTSUP when it holds something nftpol does not make (why says what:
 * replace the table); -EAGAIN when it kept changing during the read; -errno.
 */
int readback_table(struct netlink *nl, const char *table, struct ruleset *out, uint32_t *genid,
		   char *why, size_t whylen)
{
	struct rb rb = { .nl = nl, .rs = out, .why = why, .whylen = whylen };
	int ret = -EAGAIN;

	ruleset_init(out, table);
	if (whylen)
		why[0] = '\0';
	for (int i = 0; i < READBACK_TRIES; i++) {
		ret = read_once(&rb, genid);
		if (ret != -EINTR)
			break;
		ruleset_fini(out);
		ruleset_init(out, table);
		rb.err = 0;
		ret = -EAGAIN;
	}
	if (!ret)
		ruleset_seal(out);
	return ret;
}
