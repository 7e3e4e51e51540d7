// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Set elements as nf_tables messages (see build.h): NEWSETELEM and DELSETELEM in
 * chunks, with single-field ranges sent the way nft 1.0.6 sends them to an
 * rbtree set (start and END elements).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "nft/build_int.h"
#include "base/xalloc.h"

/* Elements converted per temporary nftnl_set, to bound memory on huge sets. */
#define BUILD_ELEM_CHUNK 4096

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
		it = xnonnull(nftnl_set_elems_iter_create(k->ns));
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
		k->ns = build_set_obj(k->b, k->s->name, k->id);
	e = xnonnull(nftnl_set_elem_alloc());
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
	struct nftnl_udata_buf *ud = xnonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));

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
	bool concat_range = build_set_is_concat_interval(k->s);

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
int build_elems(struct build *b, const struct rs_set *s, const struct rs_elem *const *v, size_t n,
		unsigned flags)
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
	build_note(b, lo, del ? BUILD_OP_DEL_ELEMS : BUILD_OP_ADD_ELEMS, s->name, 0);
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
