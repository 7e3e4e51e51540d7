// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables messages from the ruleset IR (see build.h): tables, chains, sets,
 * elements, and rules with the expressions nft 1.0.6 linearizes them to.
 */
#include "nft/build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "policy/xalloc.h"

/* nftables' own batch geometry: 2 MiB pages, room for one maximal message. */
#define BUILD_PAGE (2u * 1024 * 1024)
#define BUILD_MSG_MAX (UINT16_MAX + 4096u)

/* Elements converted per temporary nftnl_set, to bound memory on huge sets. */
#define BUILD_ELEM_CHUNK 4096

/* nft datatype ids and byte orders (nftables include/datatype.h, expression.h). */
#define NFT_TYPE_BITS 6
#define NFT_BYTEORDER_INVALID 0
#define NFT_BYTEORDER_BIG 2
#define NFT_EXPR_CONCAT 13

struct build_ent {
	uint32_t lo, hi;	/* sequence numbers of the messages */
	enum build_op op;
	char *name;		/* owned; object name, NULL for table/begin/end */
	size_t index;		/* ADD_RULE: rule index; ADD_SET: the NFTA_SET_ID */
};

struct build {
	char *table;			/* owned */
	struct nftnl_batch *batch;
	uint32_t seq;			/* the next message's sequence number */
	uint32_t set_id;		/* last NFTA_SET_ID handed out */
	size_t msgs;
	struct build_ent *ents;
	size_t nents, cap;
	char err[256];
};

/* A NULL from a library allocator: abort through xalloc's out-of-memory path. */
static void *build_nn(void *p)
{
	if (!p)
		xmalloc(SIZE_MAX);
	return p;
}

static int build_fail(struct build *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * A new, empty build for the inet table called table; its messages are numbered
 * from seq. Never NULL (aborts on OOM).
 */
struct build *build_new(const char *table, uint32_t seq)
{
	struct build *b = xcalloc(1, sizeof(*b));

	b->table = xstrdup(table);
	b->batch = build_nn(nftnl_batch_alloc(BUILD_PAGE, BUILD_MSG_MAX));
	b->seq = seq;
	return b;
}

/* Free b and its batch; NULL is fine. */
void build_free(struct build *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nents; i++)
		free(b->ents[i].name);
	free(b->ents);
	if (b->batch)
		nftnl_batch_free(b->batch);
	free(b->table);
	free(b);
}

static void note(struct build *b, uint32_t lo, enum build_op op, const char *name,
		 size_t index)
{
	struct build_ent *e;

	XGROW(b->ents, b->cap, b->nents);
	e = &b->ents[b->nents++];
	e->lo = lo;
	e->hi = b->seq - 1;
	e->op = op;
	e->name = name ? xstrdup(name) : NULL;
	e->index = index;
}

static struct nlmsghdr *build_hdr(struct build *b, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->batch), type, NFPROTO_INET,
				     flags, b->seq);
}

/* Close the message just written: move the batch on, count it. */
static void build_next(struct build *b)
{
	if (nftnl_batch_update(b->batch) < 0)
		xmalloc(SIZE_MAX);
	b->seq++;
	b->msgs++;
}

/*
 * Open the transaction. A non-zero genid makes the kernel refuse the batch with
 * ERESTART when the ruleset generation moved on since it was read.
 */
void build_begin(struct build *b, uint32_t genid)
{
	struct nlmsghdr *nlh = nftnl_batch_begin(nftnl_batch_buffer(b->batch), b->seq);
	uint32_t lo = b->seq;

	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	build_next(b);
	note(b, lo, BUILD_OP_BEGIN, NULL, 0);
}

/* Close the transaction: without this message the kernel only validates. */
void build_end(struct build *b)
{
	uint32_t lo = b->seq;

	nftnl_batch_end(nftnl_batch_buffer(b->batch), b->seq);
	build_next(b);
	note(b, lo, BUILD_OP_END, NULL, 0);
}

/*
 * A comment as nft stores it: the characters render.c cannot quote become '_',
 * at most RS_COMMENT_MAX bytes. out holds RS_COMMENT_MAX + 1 bytes.
 */
void build_comment_clean(const char *in, char *out)
{
	size_t i;

	for (i = 0; in[i] && i < RS_COMMENT_MAX; i++) {
		unsigned char c = in[i];

		out[i] = c == '"' || c == '\\' || c < 0x20 || c >= 0x7f ? '_' : c;
	}
	out[i] = '\0';
}

static void put_comment_udata(struct nftnl_udata_buf *ud, uint8_t type, const char *comment)
{
	char clean[RS_COMMENT_MAX + 1];

	build_comment_clean(comment, clean);
	if (!nftnl_udata_put_strz(ud, type, clean))
		xmalloc(SIZE_MAX);
}

static struct nftnl_table *table_obj(struct build *b)
{
	struct nftnl_table *t = build_nn(nftnl_table_alloc());

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, b->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	return t;
}

/*
 * NEWTABLE: create the table if missing (nft's `table inet NAME`), with flags 0
 * (never the owner flag) and the comment in userdata when comment is not NULL.
 */
void build_table_add(struct build *b, const char *comment)
{
	struct nftnl_table *t = table_obj(b);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	if (comment) {
		struct nftnl_udata_buf *ud = build_nn(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));

		put_comment_udata(ud, NFTNL_UDATA_TABLE_COMMENT, comment);
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
				     nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	nlh = build_hdr(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	build_next(b);
	note(b, lo, BUILD_OP_ADD_TABLE, NULL, 0);
}

/* DELTABLE: the table and everything in it. */
void build_table_del(struct build *b)
{
	struct nftnl_table *t = table_obj(b);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELTABLE, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	build_next(b);
	note(b, lo, BUILD_OP_DEL_TABLE, NULL, 0);
}

static struct nftnl_chain *chain_obj(struct build *b, const char *name)
{
	struct nftnl_chain *c = build_nn(nftnl_chain_alloc());

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, b->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	return c;
}

/* NEWCHAIN without rules: a base chain when c has a hook, its comment in userdata. */
void build_chain_add(struct build *b, const struct rs_chain *c)
{
	struct nftnl_chain *nc = chain_obj(b, c->name);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	if (c->hook == RS_HOOK_FORWARD) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, c->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	if (c->comment) {
		struct nftnl_udata_buf *ud = build_nn(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));

		put_comment_udata(ud, NFTNL_UDATA_CHAIN_COMMENT, c->comment);
		nftnl_chain_set_data(nc, NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(ud),
				     nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	/* EXCL: a chain believed new but already there means our picture of
	 * the kernel is wrong; fail the whole batch rather than append to it. */
	nlh = build_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	build_next(b);
	note(b, lo, BUILD_OP_ADD_CHAIN, c->name, 0);
}

/* DELCHAIN: the chain and its rules; nothing may jump to it any more. */
void build_chain_del(struct build *b, const char *name)
{
	struct nftnl_chain *nc = chain_obj(b, name);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELCHAIN, 0);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	build_next(b);
	note(b, lo, BUILD_OP_DEL_CHAIN, name, 0);
}

/* DELRULE naming only the chain: delete every rule in it (nft flush chain). */
void build_chain_flush(struct build *b, const char *name)
{
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELRULE, 0);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, b->table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, name);
	build_next(b);
	note(b, lo, BUILD_OP_FLUSH_CHAIN, name, 0);
}

/* The nft datatype id of a key: concatenations pack 6 bits per field. */
static uint32_t key_type(const struct rs_set *s)
{
	static const uint32_t ids[] = {
		[RS_TYPE_IPV4] = 7,
		[RS_TYPE_IPV6] = 8,
		[RS_TYPE_PROTO] = 12,
		[RS_TYPE_SERVICE] = 13,
	};
	uint32_t t = 0;

	for (unsigned i = 0; i < s->nkey; i++)
		t = t << NFT_TYPE_BITS | ids[s->key[i]];
	return t;
}

/* nft's byte order of a single-field key: inet_proto has none. */
static uint32_t key_byteorder(const struct rs_set *s)
{
	if (s->nkey > 1 || s->key[0] == RS_TYPE_PROTO)
		return NFT_BYTEORDER_INVALID;
	return NFT_BYTEORDER_BIG;
}

static bool set_is_concat_interval(const struct rs_set *s)
{
	return (s->flags & RS_SET_INTERVAL) && s->nkey > 1;
}

/*
 * The set userdata nft 1.0.6 writes for a `type` declaration: key byte order,
 * for maps the data byte order, for concatenations an empty typeof nest naming
 * the concat expression, for maps the data-interval flag, and the comment.
 */
static struct nftnl_udata_buf *set_udata(const struct rs_set *s)
{
	struct nftnl_udata_buf *ud = build_nn(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
	bool map = s->flags & RS_SET_VMAP;

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, key_byteorder(s));
	if (map)
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER, NFT_BYTEORDER_INVALID);
	if (s->nkey > 1) {
		struct nftnl_udata *n1, *n2;

		n1 = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF);
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR, NFT_EXPR_CONCAT);
		n2 = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_TYPEOF_DATA);
		nftnl_udata_nest_end(ud, n2);
		nftnl_udata_nest_end(ud, n1);
	}
	if (map)
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
	if (s->comment)
		put_comment_udata(ud, NFTNL_UDATA_SET_COMMENT, s->comment);
	return ud;
}

/*
 * Whether data (len bytes) is exactly the userdata build_set_add() gives s:
 * readback uses it to notice sets nftpol would not have made this way.
 */
bool build_set_userdata_eq(const struct rs_set *s, const void *data, size_t len)
{
	struct nftnl_udata_buf *ud = set_udata(s);
	bool eq = nftnl_udata_buf_len(ud) == len &&
		  !memcmp(nftnl_udata_buf_data(ud), data, len);

	nftnl_udata_buf_free(ud);
	return eq;
}

/* The nft datatype id of s's key (exported for readback). */
uint32_t build_key_type(const struct rs_set *s)
{
	return key_type(s);
}

static struct nftnl_set *set_obj(struct build *b, const char *name, uint32_t id)
{
	struct nftnl_set *ns = build_nn(nftnl_set_alloc());

	nftnl_set_set_str(ns, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	if (id)
		nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	return ns;
}

static int set_check(struct build *b, const struct rs_set *s)
{
	if (!s->nkey || s->nkey > RS_MAX_FIELDS)
		return build_fail(b, -EINVAL, "set %s: %u key fields", s->name, s->nkey);
	if (strlen(s->name) >= NFT_SET_MAXNAMELEN)
		return build_fail(b, -EINVAL, "set %s: name too long", s->name);
	if ((s->flags & RS_SET_VMAP) && (s->flags & RS_SET_INTERVAL))
		return build_fail(b, -EOPNOTSUPP, "set %s: interval verdict maps", s->name);
	for (unsigned i = 0; i < s->nkey; i++)
		if (s->key[i] > RS_TYPE_SERVICE)
			return build_fail(b, -EINVAL, "set %s: bad key type", s->name);
	return 0;
}

/*
 * NEWSET for s without elements, with the flags, key type, concat description
 * and userdata nft gives a named set declared with `type`. Returns 0 or -EINVAL
 * (b's error says why) when s cannot be expressed.
 */
int build_set_add(struct build *b, const struct rs_set *s)
{
	uint32_t flags = 0, lo = b->seq;
	struct nftnl_udata_buf *ud;
	struct nlmsghdr *nlh;
	struct nftnl_set *ns;
	int ret;

	ret = set_check(b, s);
	if (ret)
		return ret;
	ns = set_obj(b, s->name, ++b->set_id);
	if (s->flags & RS_SET_INTERVAL)
		flags |= NFT_SET_INTERVAL;
	if (s->flags & RS_SET_VMAP)
		flags |= NFT_SET_MAP;
	if (set_is_concat_interval(s)) {
		uint8_t field_len[NFT_REG32_COUNT] = { 0 };

		flags |= NFT_SET_CONCAT;
		for (unsigned i = 0; i < s->nkey; i++)
			field_len[i] = ruleset_type_len(s->key[i]);
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, field_len, s->nkey);
	}
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, ruleset_key_len(s));
	if (s->flags & RS_SET_VMAP) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, 0);
	}
	ud = set_udata(s);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	nlh = build_hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	build_next(b);
	note(b, lo, BUILD_OP_ADD_SET, s->name, b->set_id);
	return 0;
}

/* DELSET: the set and its elements; no rule may use it any more. */
void build_set_del(struct build *b, const char *name)
{
	struct nftnl_set *ns = set_obj(b, name, 0);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELSET, 0);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	build_next(b);
	note(b, lo, BUILD_OP_DEL_SET, name, 0);
}

/* The NFTA_SET_ID given to set name in this batch, or 0. */
static uint32_t set_id_of(const struct build *b, const char *name)
{
	for (size_t i = b->nents; i-- > 0;)
		if (b->ents[i].op == BUILD_OP_ADD_SET && !strcmp(b->ents[i].name, name))
			return b->ents[i].index;
	return 0;
}

/* Element messages go out in chunks through a temporary nftnl_set. */
struct sink {
	struct build *b;
	const struct rs_set *s;
	struct nftnl_set *ns;
	uint32_t id;
	uint16_t type;
	size_t n;
};

static void sink_flush(struct sink *k)
{
	struct nftnl_set_elems_iter *it;
	struct nlmsghdr *nlh;
	int more;

	if (k->n) {
		it = build_nn(nftnl_set_elems_iter_create(k->ns));
		do {
			nlh = build_hdr(k->b, k->type,
					k->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
			more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
			build_next(k->b);
		} while (more > 0);
		nftnl_set_elems_iter_destroy(it);
	}
	if (k->ns)
		nftnl_set_free(k->ns);
	k->ns = NULL;
	k->n = 0;
}

static struct nftnl_set_elem *sink_elem(struct sink *k, const uint8_t *key)
{
	struct nftnl_set_elem *e;

	if (k->n == BUILD_ELEM_CHUNK)
		sink_flush(k);
	if (!k->ns)
		k->ns = set_obj(k->b, k->s->name, k->id);
	e = build_nn(nftnl_set_elem_alloc());
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, ruleset_key_len(k->s));
	nftnl_set_elem_add(k->ns, e);
	k->n++;
	return e;
}

/* key + 1 into out; false when key is all ones (the range is open at the top). */
static bool key_inc(const uint8_t *key, uint8_t *out, unsigned len)
{
	memcpy(out, key, len);
	for (unsigned i = len; i-- > 0;)
		if (++out[i])
			return true;
	return false;
}

static void elem_flags(struct nftnl_set_elem *e, uint32_t flags)
{
	nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
}

/* nft marks the start of a range that runs to the top of the key space. */
static void elem_open(struct nftnl_set_elem *e)
{
	struct nftnl_udata_buf *ud = build_nn(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_ELEM_FLAGS, NFTNL_SET_ELEM_F_INTERVAL_OPEN);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static int ranges_check(struct build *b, const struct rs_set *s, const struct rs_elem *const *v,
			size_t n)
{
	unsigned len = ruleset_key_len(s);

	for (size_t i = 0; i < n; i++) {
		if (memcmp(v[i]->key, v[i]->key_end, len) > 0)
			return build_fail(b, -EINVAL, "set %s: range ends before it starts",
					  s->name);
		if (i && memcmp(v[i]->key, v[i - 1]->key_end, len) <= 0)
			return build_fail(b, -EINVAL, "set %s: ranges overlap or are unsorted",
					  s->name);
	}
	return 0;
}

/*
 * Ranges the way nft 1.0.6 sends them to an rbtree set: a leading END element at
 * 0 unless the first range starts there, then each start, and an END element at
 * the exclusive end unless the range runs to the top of the key space.
 */
static void interval_elems(struct sink *k, const struct rs_elem *const *v, size_t n)
{
	unsigned len = ruleset_key_len(k->s);
	uint8_t zero[RS_KEY_MAX] = { 0 }, end[RS_KEY_MAX];

	if (n && memcmp(v[0]->key, zero, len))
		elem_flags(sink_elem(k, zero), NFT_SET_ELEM_INTERVAL_END);
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e = sink_elem(k, v[i]->key);

		if (!key_inc(v[i]->key_end, end, len)) {
			elem_open(e);
			continue;
		}
		elem_flags(sink_elem(k, end), NFT_SET_ELEM_INTERVAL_END);
	}
}

static void plain_elems(struct sink *k, const struct rs_elem *const *v, size_t n, bool del)
{
	bool concat_range = set_is_concat_interval(k->s);

	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e = sink_elem(k, v[i]->key);

		if (concat_range)
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, v[i]->key_end,
					   ruleset_key_len(k->s));
		if ((k->s->flags & RS_SET_VMAP) && !del) {
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, v[i]->chain);
		}
	}
}

static int elems_check(struct build *b, const struct rs_set *s, const struct rs_elem *const *v,
		       size_t n, unsigned flags)
{
	if ((s->flags & RS_SET_INTERVAL) && (flags & BUILD_ELEMS_DEL))
		return build_fail(b, -EOPNOTSUPP,
				  "set %s: interval elements are replaced with the set", s->name);
	if ((s->flags & RS_SET_INTERVAL) && s->nkey == 1)
		return ranges_check(b, s, v, n);
	if (!(s->flags & RS_SET_VMAP) || (flags & BUILD_ELEMS_DEL))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i]->chain || strlen(v[i]->chain) >= NFT_CHAIN_MAXNAMELEN)
			return build_fail(b, -EINVAL, "map %s: element without a chain", s->name);
	return 0;
}

/*
 * NEWSETELEM (or DELSETELEM with BUILD_ELEMS_DEL) for the n elements v of s, as
 * many messages as they need. For a single-field interval set v must be the
 * whole, sorted content of a set that is empty; interval elements cannot be
 * deleted (replace the set). Returns 0, -EINVAL or -EOPNOTSUPP.
 */
int build_elems(struct build *b, const struct rs_set *s, const struct rs_elem *const *v,
		size_t n, unsigned flags)
{
	struct sink k = { .b = b, .s = s };
	uint32_t lo = b->seq;
	bool del = flags & BUILD_ELEMS_DEL;
	int ret;

	ret = elems_check(b, s, v, n, flags);
	if (ret || !n)
		return ret;
	k.id = set_id_of(b, s->name);
	k.type = del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
	if ((s->flags & RS_SET_INTERVAL) && s->nkey == 1)
		interval_elems(&k, v, n);
	else
		plain_elems(&k, v, n, del);
	sink_flush(&k);
	note(b, lo, del ? BUILD_OP_DEL_ELEMS : BUILD_OP_ADD_ELEMS, s->name, 0);
	return 0;
}

/* NEWSETELEM for every element of s (see build_elems()). */
int build_set_elems(struct build *b, const struct rs_set *s)
{
	const struct rs_elem **v = xreallocarray(NULL, s->nelems, sizeof(*v));
	int ret;

	for (size_t i = 0; i < s->nelems; i++)
		v[i] = &s->elems[i];
	ret = build_elems(b, s, v, s->nelems, 0);
	free(v);
	return ret;
}

/* Where a packet field is loaded from, and the family its header implies. */
struct field_load {
	bool meta;		/* meta KEY, else payload BASE + OFFSET */
	uint32_t key;		/* NFT_META_* or NFT_PAYLOAD_*_HEADER */
	uint32_t offset, len;
	uint8_t nfproto;	/* NFPROTO_IPV4/6 for ip/ip6 header fields, else 0 */
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
	struct nftnl_expr *e = build_nn(nftnl_expr_alloc(name));

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

/* nft converts host-order fields of a key into an interval concatenation. */
static void expr_hton(struct nftnl_rule *r, uint32_t reg, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "byteorder");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, len % 8 == 0 ? 8 : len % 4 == 0 ? 4 : 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
}

static void expr_lookup(struct nftnl_rule *r, const char *set, bool vmap)
{
	struct nftnl_expr *e = expr_add(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (vmap)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
}

/* ct state A,B: load, mask, match any bit (nft's flag comparison). */
static void expr_ct_state(struct nftnl_rule *r, uint32_t mask)
{
	uint32_t zero = 0;
	struct nftnl_expr *e = expr_add(r, "ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e = expr_add(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	expr_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
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
		if (f->meta && m->nf > 1 && set_is_concat_interval(s))
			expr_hton(r, reg_of(slot), f->len);
		slot += (f->len + 3) / 4;
	}
	expr_lookup(r, s->name, m->kind == RS_MATCH_VMAP);
}

static int match_check(struct build *b, const struct ruleset *rs, const struct rs_rule *r,
		       const struct rs_match *m, const struct rs_set **sp)
{
	const struct rs_set *s;

	if (m->kind == RS_MATCH_CT_STATE)
		return m->ct_state && m->ct_state < 1u << 4 ? 0 : -EINVAL;
	if (m->kind != RS_MATCH_SET && m->kind != RS_MATCH_VMAP)
		return -EINVAL;
	s = m->set ? ruleset_find_set(rs, m->set) : NULL;
	if (!s || s->nkey != m->nf)
		return -EINVAL;
	for (unsigned i = 0; i < m->nf; i++)
		if (m->f[i] > RS_F_TH_DPORT || ruleset_field_type(m->f[i]) != s->key[i])
			return -EINVAL;
	if (m->kind == RS_MATCH_VMAP && (!(s->flags & RS_SET_VMAP) || r->verdict))
		return -EINVAL;
	if (m->kind == RS_MATCH_SET && (s->flags & RS_SET_VMAP))
		return -EINVAL;
	*sp = s;
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
		for (unsigned j = 0; j < r->m[i].nf && r->m[i].kind != RS_MATCH_CT_STATE; j++) {
			uint8_t p = field_loads[r->m[i].f[j]].nfproto;

			if (p && fam && p != fam)
				return -EINVAL;
			fam = p ? p : fam;
		}
	}
	if (r->verdict == RS_VERDICT_JUMP)
		return r->target && strlen(r->target) < NFT_CHAIN_MAXNAMELEN ? 0 : -EINVAL;
	if (r->verdict == RS_VERDICT_NONE)
		return r->nm && r->m[r->nm - 1].kind == RS_MATCH_VMAP ? 0 : -EINVAL;
	return r->verdict <= RS_VERDICT_JUMP ? 0 : -EINVAL;
}

/*
 * NEWRULE appending rule i of chain c, whose sets are looked up in rs. Returns 0,
 * or -EINVAL when the rule is not consistent with its sets (see build_error()).
 */
int build_rule_add(struct build *b, const struct ruleset *rs, const struct rs_chain *c,
		   size_t i)
{
	const struct rs_rule *rr = &c->rules[i];
	const struct rs_set *sets[RS_MAX_MATCHES];
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;
	struct nftnl_rule *r;
	uint8_t nfproto = 0;

	if (rule_check(b, rs, rr, sets))
		return build_fail(b, -EINVAL, "chain %s: rule %zu does not fit its sets",
				  c->name, i + 1);
	r = build_nn(nftnl_rule_alloc());
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	for (unsigned j = 0; j < rr->nm; j++) {
		if (rr->m[j].kind == RS_MATCH_CT_STATE)
			expr_ct_state(r, rr->m[j].ct_state);
		else
			expr_match(r, &rr->m[j], sets[j], &nfproto);
	}
	expr_verdict(r, rr);
	nlh = build_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	build_next(b);
	note(b, lo, BUILD_OP_ADD_RULE, c->name, i);
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

/*
 * The messages that replace the table with rs in one transaction: create it if
 * missing, delete it, create it anew with its chains, sets, elements and rules,
 * in the order nft uses for the script render_ruleset() prints. rs must be
 * sealed and named like b's table. Returns 0 or -EINVAL (see build_error()).
 */
int build_replace(struct build *b, const struct ruleset *rs)
{
	int ret;

	if (strcmp(rs->table, b->table))
		return build_fail(b, -EINVAL, "ruleset is for table %s", rs->table);
	build_table_add(b, NULL);
	build_table_del(b);
	build_table_add(b, rs->comment);
	for (size_t i = 0; i < rs->nchains; i++)
		build_chain_add(b, &rs->chains[i]);
	for (size_t i = 0; i < rs->nsets; i++) {
		ret = build_set_add(b, &rs->sets[i]);
		if (!ret)
			ret = build_set_elems(b, &rs->sets[i]);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < rs->nchains; i++) {
		ret = build_rules_add(b, rs, &rs->chains[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Why the last builder failed. */
const char *build_error(const struct build *b)
{
	return b->err;
}

/* The batch to send; b keeps owning it. */
struct nftnl_batch *build_batch(struct build *b)
{
	return b->batch;
}

/* Messages built so far, BEGIN and END included. */
size_t build_msgs(const struct build *b)
{
	return b->msgs;
}

/* Bytes built so far. */
size_t build_len(const struct build *b)
{
	struct nftnl_batch *batch = b->batch;
	int n = nftnl_batch_iovec_len(batch);
	struct iovec *iov = xreallocarray(NULL, n, sizeof(*iov));
	size_t len = 0;

	nftnl_batch_iovec(batch, iov, n);
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	free(iov);
	return len;
}

/* The sequence number the next message will get. */
uint32_t build_next_seq(const struct build *b)
{
	return b->seq;
}

static const struct build_ent *find_ent(const struct build *b, uint32_t seq)
{
	size_t lo = 0, hi = b->nents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (seq < b->ents[mid].lo)
			hi = mid;
		else if (seq > b->ents[mid].hi)
			lo = mid + 1;
		else
			return &b->ents[mid];
	}
	return NULL;
}

/* What the message with sequence number seq does; BUILD_OP_BEGIN when unknown. */
enum build_op build_seq_op(const struct build *b, uint32_t seq)
{
	const struct build_ent *e = find_ent(b, seq);

	return e ? e->op : BUILD_OP_BEGIN;
}

/*
 * Describe the object the message seq acts on, such as "add rule 3 of chain
 * foo", into buf. Returns false when seq is not one of b's messages.
 */
bool build_describe(const struct build *b, uint32_t seq, char *buf, size_t len)
{
	static const char *const what[] = {
		[BUILD_OP_BEGIN] = "begin the transaction",
		[BUILD_OP_END] = "commit the transaction",
		[BUILD_OP_ADD_TABLE] = "add table",
		[BUILD_OP_DEL_TABLE] = "delete table",
		[BUILD_OP_ADD_CHAIN] = "add chain",
		[BUILD_OP_DEL_CHAIN] = "delete chain",
		[BUILD_OP_FLUSH_CHAIN] = "flush chain",
		[BUILD_OP_ADD_RULE] = "add a rule to chain",
		[BUILD_OP_ADD_SET] = "add set",
		[BUILD_OP_DEL_SET] = "delete set",
		[BUILD_OP_ADD_ELEMS] = "add elements to set",
		[BUILD_OP_DEL_ELEMS] = "delete elements from set",
	};
	const struct build_ent *e = find_ent(b, seq);

	if (!e)
		return false;
	if (e->op == BUILD_OP_ADD_RULE)
		snprintf(buf, len, "add rule %zu of chain %s", e->index + 1, e->name);
	else if (e->name)
		snprintf(buf, len, "%s %s", what[e->op], e->name);
	else if (e->op == BUILD_OP_ADD_TABLE || e->op == BUILD_OP_DEL_TABLE)
		snprintf(buf, len, "%s inet %s", what[e->op], b->table);
	else
		snprintf(buf, len, "%s", what[e->op]);
	return true;
}
