// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Established connections follow the policy (see ctsweep.h): one ctnetlink dump
 * of the conntrack table, a userspace walk of each local pod's connection
 * through the new ruleset, and one mark update per connection whose verdict
 * changed.
 */
#include "nft/ctsweep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nft/walk.h"
#include "base/xalloc.h"

/* One connection as the dump shows it: ports in network order. */
struct ct_entry {
	uint8_t family, proto;
	uint8_t osrc[16], odst[16]; /* original direction, as the pod sent it */
	uint8_t rsrc[16];	    /* reply source: the destination after DNAT */
	uint16_t osport, odport, rsport;
	bool has_zone;
	uint16_t zone; /* host order */
	uint32_t mark; /* host order */
};

struct dump {
	struct ct_entry *v;
	size_t n, cap, seen;
};

/* Read the node's own addresses into out. Returns 0 or -errno. */
int ctsweep_local_read(struct ctsweep_local *out)
{
	struct ifaddrs *ifa, *i;

	memset(out, 0, sizeof(*out));
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct addr *a;

		if (!i->ifa_addr ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		XGROW(out->v, out->cap, out->n);
		a = &out->v[out->n++];
		memset(a, 0, sizeof(*a));
		a->family = i->ifa_addr->sa_family;
		if (a->family == AF_INET) {
			a->plen = 32;
			memcpy(a->a, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else {
			a->plen = 128;
			memcpy(a->a, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
	return 0;
}

void ctsweep_local_fini(struct ctsweep_local *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* mnl_attr_parse*() callback: the attributes by type, up to max. */
struct attrs {
	const struct nlattr *a[CTA_MAX + 1];
	unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->a[type] = a;
	return MNL_CB_OK;
}

static void nested(const struct nlattr *nest, unsigned max, struct attrs *out)
{
	memset(out, 0, sizeof(*out));
	out->max = max;
	if (nest)
		mnl_attr_parse_nested(nest, attr_cb, out);
}

static bool get_addr(const struct nlattr *a, unsigned len, uint8_t *out)
{
	if (!a || mnl_attr_get_payload_len(a) != len)
		return false;
	memcpy(out, mnl_attr_get_payload(a), len);
	return true;
}

static bool get_port(const struct nlattr *a, uint16_t *out)
{
	if (!a || mnl_attr_get_payload_len(a) != 2)
		return false;
	memcpy(out, mnl_attr_get_payload(a), 2);
	return true;
}

/* A CTA_TUPLE_* nest: addresses and ports of one direction. */
static bool parse_tuple(const struct nlattr *tuple, uint8_t family, uint8_t *proto, uint8_t *src,
			uint8_t *dst, uint16_t *sport, uint16_t *dport)
{
	struct attrs t, ip, pr;
	bool v4 = family == AF_INET;

	nested(tuple, CTA_TUPLE_MAX, &t);
	nested(t.a[CTA_TUPLE_IP], CTA_IP_MAX, &ip);
	nested(t.a[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &pr);
	if (!pr.a[CTA_PROTO_NUM] || mnl_attr_get_payload_len(pr.a[CTA_PROTO_NUM]) != 1)
		return false;
	*proto = mnl_attr_get_u8(pr.a[CTA_PROTO_NUM]);
	return get_addr(ip.a[v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], v4 ? 4 : 16, src) &&
	       get_addr(ip.a[v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST], v4 ? 4 : 16, dst) &&
	       get_port(pr.a[CTA_PROTO_SRC_PORT], sport) &&
	       get_port(pr.a[CTA_PROTO_DST_PORT], dport);
}

/* netlink_dump() callback: keep every TCP, UDP and SCTP connection. */
static int entry_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	struct ct_entry e = { .family = g->nfgen_family };
	uint8_t rproto, rdst[16];
	uint16_t rdport;
	struct attrs t;

	d->seen++;
	if (e.family != AF_INET && e.family != AF_INET6)
		return MNL_CB_OK;
	memset(&t, 0, sizeof(t));
	t.max = CTA_MAX;
	if (mnl_attr_parse(nlh, sizeof(*g), attr_cb, &t) < 0)
		return MNL_CB_OK;
	if (!parse_tuple(t.a[CTA_TUPLE_ORIG], e.family, &e.proto, e.osrc, e.odst, &e.osport,
			 &e.odport) ||
	    !parse_tuple(t.a[CTA_TUPLE_REPLY], e.family, &rproto, e.rsrc, rdst, &e.rsport, &rdport))
		return MNL_CB_OK;
	if (e.proto != IPPROTO_TCP && e.proto != IPPROTO_UDP && e.proto != IPPROTO_SCTP)
		return MNL_CB_OK;
	if (t.a[CTA_MARK] && mnl_attr_get_payload_len(t.a[CTA_MARK]) == 4)
		e.mark = ntohl(mnl_attr_get_u32(t.a[CTA_MARK]));
	if (t.a[CTA_ZONE] && mnl_attr_get_payload_len(t.a[CTA_ZONE]) == 2) {
		e.has_zone = true;
		e.zone = ntohs(mnl_attr_get_u16(t.a[CTA_ZONE]));
	}
	XGROW(d->v, d->cap, d->n);
	d->v[d->n++] = e;
	return MNL_CB_OK;
}

static int dump_table(struct netlink *nl, struct dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return netlink_dump(nl, nlh, entry_cb, d);
}

/* Whether the verdict map name of rs has an element for address a. */
static bool in_map(const struct ruleset *rs, const char *name, const uint8_t *a)
{
	const struct rs_set *s = ruleset_find_set(rs, name);

	return s && ruleset_set_find_key(s, a);
}

static bool is_local(const struct ctsweep_local *l, uint8_t family, const uint8_t *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == family && !memcmp(l->v[i].a, a, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Whether rs admits connection e as it would admit its first packet. */
static bool admitted(const struct ruleset *rs, const struct ctsweep_local *l,
		     const struct ct_entry *e)
{
	unsigned len = e->family == AF_INET ? 4 : 16;
	struct walk_pkt p = { .proto = e->proto, .dport = ntohs(e->rsport) };
	struct walk w;

	p.saddr.family = p.daddr.family = e->family;
	p.saddr.plen = p.daddr.plen = (uint8_t)(len * 8);
	memcpy(p.saddr.a, e->osrc, len);
	memcpy(p.daddr.a, e->rsrc, len);
	if (is_local(l, e->family, e->osrc))
		p.path = WALK_FROM_NODE;
	else if (is_local(l, e->family, e->rsrc))
		p.path = WALK_TO_NODE;
	walk_packet(rs, &p, &w);
	return w.accepted;
}

/* Set (or clear) bit in the mark of e: 0, -ENOENT when it ended, or -errno. */
static int set_mark(struct netlink *nl, const struct ct_entry *e, uint32_t bit, bool on)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned len = e->family == AF_INET ? 4 : 16;
	struct nlattr *tuple, *nest;
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK; /* no CREATE: change it if it is there */
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = e->family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, e->family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, len, e->osrc);
	mnl_attr_put(nlh, e->family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST, len, e->odst);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, e->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, e->osport);
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, e->odport);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
	if (e->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(e->zone));
	/* the kernel keeps the bits outside the mask: (mark & ~mask) ^ value */
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(on ? bit : 0));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(bit));
	return netlink_dump(nl, nlh, NULL, NULL);
}

/*
 * Judge every connection of a local pod of rs (or whose mark carries bit) and
 * set or clear bit in its conntrack mark to match the verdict (see ctsweep.h);
 * local: the node's addresses. Counts into st (overwritten). Returns 0, or
 * -errno when the table cannot be read or a mark cannot be changed (the
 * connections changed so far stay changed).
 */
int ctsweep(struct netlink *nl, const struct ruleset *rs, const struct ctsweep_local *local,
	    uint32_t bit, struct ctsweep_stats *st)
{
	struct dump d = { 0 };
	int ret;

	memset(st, 0, sizeof(*st));
	ret = dump_table(nl, &d);
	st->seen = d.seen;
	for (size_t i = 0; !ret && i < d.n; i++) {
		const struct ct_entry *e = &d.v[i];
		bool v4 = e->family == AF_INET;
		bool was = e->mark & bit, ok;

		if (!was && !in_map(rs, v4 ? "pod_egress4" : "pod_egress6", e->osrc) &&
		    !in_map(rs, v4 ? "pod_ingress4" : "pod_ingress6", e->rsrc))
			continue;
		st->judged++;
		ok = admitted(rs, local, e);
		if (ok != was)
			continue;
		ret = set_mark(nl, e, bit, !ok);
		if (ret == -ENOENT) {
			st->gone++;
			ret = 0;
		} else if (!ret) {
			*(ok ? &st->restored : &st->cut) += 1;
		}
	}
	free(d.v);
	return ret;
}
