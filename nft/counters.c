// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the named counters of a table (see counters.h): one GETOBJ dump of
 * the counter objects, done again when a ruleset change interrupts it.
 */
#include "nft/counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>

#include "nft/netlink.h"
#include "base/xalloc.h"

#define COUNTERS_TRIES 5

/* The counters read so far. */
struct ctr_read {
	struct rs_counter_value *v;
	size_t n, cap;
};

static uint64_t obj_u64(struct nftnl_obj *o, uint16_t attr)
{
	return nftnl_obj_is_set(o, attr) ? nftnl_obj_get_u64(o, attr) : 0;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = xnonnull(nftnl_obj_alloc());
	struct ctr_read *x = data;
	struct rs_counter_value *c;
	const char *name;

	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	if (name && nftnl_obj_is_set(o, NFTNL_OBJ_TYPE) &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER) {
		XGROW(x->v, x->cap, x->n);
		c = &x->v[x->n++];
		c->name = xstrdup(name);
		c->packets = obj_u64(o, NFTNL_OBJ_CTR_PKTS);
		c->bytes = obj_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

static int value_cmp(const void *a, const void *b)
{
	const struct rs_counter_value *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* One dump of the counter objects of table into x. */
static int read_once(struct netlink *nl, const char *table, struct ctr_read *x)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP, 0);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	return netlink_dump(nl, nlh, obj_cb, x);
}

/*
 * Read the packets and bytes of every named counter of table inet `table` in
 * one dump, into *out (n of them, sorted by name; release with
 * counters_free()). Reading does not reset them. A table that does not exist
 * has no counters (0, *n 0). Returns 0; -EAGAIN when ruleset changes kept
 * interrupting the dump; or -errno. *out is NULL and *n 0 on failure.
 */
int counters_read(struct netlink *nl, const char *table, struct rs_counter_value **out, size_t *n)
{
	struct ctr_read x = { 0 };
	int ret = -EAGAIN;

	for (int i = 0; i < COUNTERS_TRIES && ret == -EAGAIN; i++) {
		ret = read_once(nl, table, &x);
		if (!ret)
			break;
		counters_free(x.v, x.n);
		memset(&x, 0, sizeof(x));
		if (ret == -EINTR)
			ret = -EAGAIN;
	}
	xqsort(x.v, x.n, sizeof(*x.v), value_cmp);
	*out = x.v;
	*n = x.n;
	return ret;
}

/* Free n counter values v (NULL is fine). */
void counters_free(struct rs_counter_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
