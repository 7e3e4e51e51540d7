// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables messages from the ruleset IR (see build.h): the build and its
 * message bookkeeping, transactions, tables, chains and sets. Set elements are
 * in build_elem.c, rules with their expressions in build_rule.c.
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
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft/build_int.h"
#include "base/xalloc.h"

/* nftables' own batch geometry: 2 MiB pages, room for one maximal message. */
#define BUILD_PAGE (2u * 1024 * 1024)
#define BUILD_MSG_MAX (UINT16_MAX + 4096u)
#define BUILD_RULE_ZERO 8192u /* bytes zeroed where a rule message starts */

/* nft datatype ids and byte orders (nftables include/datatype.h, expression.h). */
#define NFT_TYPE_BITS 6
#define NFT_BYTEORDER_INVALID 0
#define NFT_BYTEORDER_HOST 1
#define NFT_BYTEORDER_BIG 2
#define NFT_EXPR_CONCAT 13

/* Record why a builder failed (see build_error()); returns err. */
int build_fail(struct build *b, int err, const char *fmt, ...)
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
	b->batch = xnonnull(nftnl_batch_alloc(BUILD_PAGE, BUILD_MSG_MAX));
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

/*
 * Remember what the messages from sequence number lo up to the last one built
 * do, for build_describe(); name is copied, NULL for none.
 */
void build_note(struct build *b, uint32_t lo, enum build_op op, const char *name, size_t index)
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

/* Start the next message of the batch: type with flags, family inet, our seq. */
struct nlmsghdr *build_hdr(struct build *b, uint16_t type, uint16_t flags)
{
	/*
	 * libnftnl writes an objref's name (counter name "C") without its NUL
	 * and libmnl leaves the attribute's padding as the buffer held it: zero
	 * where a rule goes, so the name is terminated for any reader of the
	 * batch (the kernel needs no NUL; our tests' parsers, libnftnl's, do).
	 * A rule is far smaller than this; the page always has this much room.
	 */
	if (type == NFT_MSG_NEWRULE)
		memset(nftnl_batch_buffer(b->batch), 0, BUILD_RULE_ZERO);
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->batch), type, NFPROTO_INET, flags,
				     b->seq);
}

/* Close the message just written: move the batch on, count it. */
void build_next(struct build *b)
{
	if (nftnl_batch_update(b->batch) < 0)
		xoom(0);
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
	build_note(b, lo, BUILD_OP_BEGIN, NULL, 0);
}

/* Close the transaction: without this message the kernel only validates. */
void build_end(struct build *b)
{
	uint32_t lo = b->seq;

	nftnl_batch_end(nftnl_batch_buffer(b->batch), b->seq);
	build_next(b);
	build_note(b, lo, BUILD_OP_END, NULL, 0);
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
		xoom(0);
}

/* Userdata holding only a comment of udata type type (table, chain, object). */
static struct nftnl_udata_buf *comment_udata(uint8_t type, const char *comment)
{
	struct nftnl_udata_buf *ud = xnonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));

	put_comment_udata(ud, type, comment);
	return ud;
}

static struct nftnl_table *table_obj(struct build *b)
{
	struct nftnl_table *t = xnonnull(nftnl_table_alloc());

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
		struct nftnl_udata_buf *ud = comment_udata(NFTNL_UDATA_TABLE_COMMENT, comment);

		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
				     nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	nlh = build_hdr(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	build_next(b);
	build_note(b, lo, BUILD_OP_ADD_TABLE, NULL, 0);
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
	build_note(b, lo, BUILD_OP_DEL_TABLE, NULL, 0);
}

static struct nftnl_chain *chain_obj(struct build *b, const char *name)
{
	struct nftnl_chain *c = xnonnull(nftnl_chain_alloc());

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

	if (c->hook != RS_HOOK_NONE) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, ruleset_hook_num(c->hook));
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, c->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	if (c->comment) {
		struct nftnl_udata_buf *ud = comment_udata(NFTNL_UDATA_CHAIN_COMMENT, c->comment);

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
	build_note(b, lo, BUILD_OP_ADD_CHAIN, c->name, 0);
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
	build_note(b, lo, BUILD_OP_DEL_CHAIN, name, 0);
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
	build_note(b, lo, BUILD_OP_FLUSH_CHAIN, name, 0);
}

static struct nftnl_obj *counter_obj(struct build *b, const char *name)
{
	struct nftnl_obj *o = xnonnull(nftnl_obj_alloc());

	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, b->table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	return o;
}

/*
 * NEWOBJ: the named counter c, at zero, its comment in userdata, as nft sends
 * `counter NAME { comment "..." }`. EXCL: a counter believed new but already
 * there fails the batch (its count would otherwise be silently inherited).
 * Returns 0 or -EINVAL when the name does not fit (see build_error()).
 */
int build_counter_add(struct build *b, const struct rs_counter *c)
{
	struct nftnl_obj *o;
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	if (!*c->name || strlen(c->name) >= NFT_OBJ_MAXNAMELEN)
		return build_fail(b, -EINVAL, "counter %s: bad name", c->name);
	o = counter_obj(b, c->name);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	if (c->comment) {
		struct nftnl_udata_buf *ud = comment_udata(NFTNL_UDATA_OBJ_COMMENT, c->comment);

		nftnl_obj_set_data(o, NFTNL_OBJ_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	nlh = build_hdr(b, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	build_next(b);
	build_note(b, lo, BUILD_OP_ADD_COUNTER, c->name, 0);
	return 0;
}

/* DELOBJ: the named counter; no rule may reference it any more. */
void build_counter_del(struct build *b, const char *name)
{
	struct nftnl_obj *o = counter_obj(b, name);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELOBJ, 0);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	build_next(b);
	build_note(b, lo, BUILD_OP_DEL_COUNTER, name, 0);
}

/* The nft datatype id of a key: concatenations pack 6 bits per field. */
static uint32_t key_type(const struct rs_set *s)
{
	static const uint32_t ids[] = {
		[RS_TYPE_IPV4] = 7,	[RS_TYPE_IPV6] = 8,  [RS_TYPE_PROTO] = 12,
		[RS_TYPE_SERVICE] = 13, [RS_TYPE_MARK] = 19,
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
	return s->key[0] == RS_TYPE_MARK ? NFT_BYTEORDER_HOST : NFT_BYTEORDER_BIG;
}

/* Whether s is an interval set with a concatenated key (NFT_SET_CONCAT). */
bool build_set_is_concat_interval(const struct rs_set *s)
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
	struct nftnl_udata_buf *ud = xnonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
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
	bool eq = nftnl_udata_buf_len(ud) == len && !memcmp(nftnl_udata_buf_data(ud), data, len);

	nftnl_udata_buf_free(ud);
	return eq;
}

/* The nft datatype id of s's key (exported for readback). */
uint32_t build_key_type(const struct rs_set *s)
{
	return key_type(s);
}

/* An nftnl_set naming set name of b's table, with NFTA_SET_ID id unless 0. */
struct nftnl_set *build_set_obj(struct build *b, const char *name, uint32_t id)
{
	struct nftnl_set *ns = xnonnull(nftnl_set_alloc());

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
		if (s->key[i] > RS_TYPE_MARK || (s->key[i] == RS_TYPE_MARK && s->nkey > 1))
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
	ns = build_set_obj(b, s->name, ++b->set_id);
	if (s->flags & RS_SET_INTERVAL)
		flags |= NFT_SET_INTERVAL;
	if (s->flags & RS_SET_VMAP)
		flags |= NFT_SET_MAP;
	if (build_set_is_concat_interval(s)) {
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
	build_note(b, lo, BUILD_OP_ADD_SET, s->name, b->set_id);
	return 0;
}

/* DELSET: the set and its elements; no rule may use it any more. */
void build_set_del(struct build *b, const char *name)
{
	struct nftnl_set *ns = build_set_obj(b, name, 0);
	uint32_t lo = b->seq;
	struct nlmsghdr *nlh;

	nlh = build_hdr(b, NFT_MSG_DELSET, 0);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	build_next(b);
	build_note(b, lo, BUILD_OP_DEL_SET, name, 0);
}

/*
 * The messages that replace the table with rs in one transaction: create it if
 * missing, delete it, create it anew with its chains, counters, sets, elements
 * and rules, in the order nft uses for the script render_ruleset() prints. rs
 * must be sealed and named like b's table. Returns 0 or -EINVAL (see
 * build_error()).
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
	for (size_t i = 0; i < rs->ncounters; i++) {
		ret = build_counter_add(b, &rs->counters[i]);
		if (ret)
			return ret;
	}
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
		[BUILD_OP_ADD_COUNTER] = "add counter",
		[BUILD_OP_DEL_COUNTER] = "delete counter",
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
