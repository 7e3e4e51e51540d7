// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NFLOG reader (see nflog.h): a NETLINK_NETFILTER socket bound to one
 * nfnetlink_log group, and the decoder of its packet messages. The decoder
 * trusts no length: the netlink header, every attribute and every IP and L4
 * header is checked against the bytes that are really there.
 */
#include "nft/nflog.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include "base/xalloc.h"

/* One recv: the kernel batches messages into skbs of at most 128 KiB. */
#define NFLOG_BUF (128u * 1024 + 4096)
/* Socket receive buffer: room for a burst of several thousand messages. */
#define NFLOG_RCVBUF (4 * 1024 * 1024)
/* The kernel sends a batch when it holds this many messages ... */
#define NFLOG_QTHRESH 32
/* ... or this long after its first one, in 1/100 s. */
#define NFLOG_TIMEOUT 1
/*
 * The kernel's batch buffer (it accepts 4 KiB - 128 KiB): about NFLOG_QTHRESH
 * messages, small enough that with the skb's shared info it stays in 16 KiB.
 */
#define NFLOG_NLBUFSIZ (16u * 1024 - 512)
/* How long nflog_open() waits for the kernel's answer, ms. */
#define NFLOG_ACK_MS 2000

struct nflog {
	struct mnl_socket *sock;
	uint16_t group;
	uint32_t seq;	   /* of our configuration request */
	int ack;	   /* its answer: 1 acked, -errno refused, 0 none yet */
	uint32_t next_seq; /* the kernel's message counter we expect next */
	struct nflog_stats st;
	nflog_raw_cb raw_cb; /* or NULL */
	void *raw_arg;
	uint8_t *buf; /* NFLOG_BUF bytes, the last datagram */
	size_t len;   /* bytes in buf */
	size_t off;   /* next message in buf */
};

/* --- the decoder ------------------------------------------------------- */

static uint16_t load16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t load64(const uint8_t *p)
{
	return (uint64_t)load32(p) << 32 | load32(p + 4);
}

/* The transport header: p holds the len bytes of it the packet carried. */
static void decode_l4(const uint8_t *p, size_t len, struct nflog_pkt *o)
{
	switch (o->l4proto) {
	case IPPROTO_TCP:
		if (len >= 14) {
			o->tcp_flags = p[13];
			o->has |= NFLOG_HAS_TCPFLAGS;
		}
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		if (len < 4)
			break;
		o->sport = load16(p);
		o->dport = load16(p + 2);
		o->has |= NFLOG_HAS_PORTS;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((o->l4proto == IPPROTO_ICMP) != (o->family == AF_INET) || len < 2)
			break;
		o->icmp_type = p[0];
		o->icmp_code = p[1];
		o->has |= NFLOG_HAS_ICMP;
		return;
	default:
		return;
	}
	if (len < (o->l4proto == IPPROTO_TCP ? 14u : 4u))
		o->has |= NFLOG_L4_TRUNCATED;
}

static void decode_ip4(const uint8_t *p, size_t len, struct nflog_pkt *o)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < 20 || (p[0] & 0x0f) < 5)
		return;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = load16(p + 2);
	o->family = AF_INET;
	memcpy(o->saddr, p + 12, 4);
	memcpy(o->daddr, p + 16, 4);
	o->l4proto = p[9];
	o->has |= NFLOG_HAS_ADDRS | NFLOG_HAS_L4PROTO;
	frag = load16(p + 6);
	if (frag & 0x3fff)
		o->has |= NFLOG_FRAGMENT;
	if (frag & 0x1fff)
		return; /* not the first fragment: no transport header */
	if (tot < len)
		len = tot;
	if (len < ihl) {
		o->has |= NFLOG_L4_TRUNCATED;
		return;
	}
	decode_l4(p + ihl, len - ihl, o);
}

/* The length of the IPv6 extension header nh at p (8 bytes there at least). */
static size_t ip6_exthdr_len(uint8_t nh, const uint8_t *p)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
		return ((size_t)p[1] + 1) * 8;
	case IPPROTO_AH:
		return ((size_t)p[1] + 2) * 4;
	default: /* IPPROTO_FRAGMENT */
		return 8;
	}
}

static bool ip6_is_exthdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_MH || nh == IPPROTO_AH || nh == IPPROTO_FRAGMENT;
}

/* Walk at most NFLOG_EXTHDR_MAX extension headers to the transport header. */
static void decode_ip6_next(const uint8_t *p, size_t len, uint8_t nh, struct nflog_pkt *o)
{
	size_t off = 40, hl;

	for (int i = 0; ip6_is_exthdr(nh); i++) {
		if (i == NFLOG_EXTHDR_MAX || len - off < 8) {
			o->has |= NFLOG_L4_TRUNCATED;
			return;
		}
		hl = ip6_exthdr_len(nh, p + off);
		if (nh == IPPROTO_FRAGMENT) {
			o->has |= NFLOG_FRAGMENT;
			if (load16(p + off + 2) & 0xfff8) {
				o->l4proto = p[off];
				o->has |= NFLOG_HAS_L4PROTO;
				return; /* not the first fragment */
			}
		}
		nh = p[off];
		if (hl > len - off) {
			o->has |= NFLOG_L4_TRUNCATED;
			return;
		}
		off += hl;
	}
	o->l4proto = nh;
	o->has |= NFLOG_HAS_L4PROTO;
	decode_l4(p + off, len - off, o);
}

static void decode_ip6(const uint8_t *p, size_t len, struct nflog_pkt *o)
{
	size_t plen;

	if (len < 40)
		return;
	o->family = AF_INET6;
	memcpy(o->saddr, p + 8, 16);
	memcpy(o->daddr, p + 24, 16);
	o->has |= NFLOG_HAS_ADDRS;
	plen = load16(p + 4);
	if (plen && 40 + plen < len)
		len = 40 + plen; /* 0: a jumbogram, the packet's length is all we know */
	decode_ip6_next(p, len, p[6], o);
}

/* NFULA_PAYLOAD: the packet from its network header on, cut at the copy range. */
static void decode_payload(const struct nlattr *a, struct nflog_pkt *o)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	o->caplen = (uint32_t)len;
	if (!len)
		return;
	if (p[0] >> 4 == 4)
		decode_ip4(p, len, o);
	else if (p[0] >> 4 == 6)
		decode_ip6(p, len, o);
}

static void decode_prefix(const struct nlattr *a, struct nflog_pkt *o)
{
	const char *s = mnl_attr_get_payload(a);
	size_t len = strnlen(s, mnl_attr_get_payload_len(a));

	if (len >= sizeof(o->prefix)) {
		len = sizeof(o->prefix) - 1;
		o->has |= NFLOG_PREFIX_TRUNCATED;
	}
	memcpy(o->prefix, s, len);
	o->prefix[len] = '\0';
	o->has |= NFLOG_HAS_PREFIX;
}

/* The least payload each attribute we read must have. */
static const uint16_t attr_min[NFULA_MAX + 1] = {
	[NFULA_PACKET_HDR] = sizeof(struct nfulnl_msg_packet_hdr),
	[NFULA_TIMESTAMP] = sizeof(struct nfulnl_msg_packet_timestamp),
	[NFULA_IFINDEX_INDEV] = sizeof(uint32_t),
	[NFULA_IFINDEX_OUTDEV] = sizeof(uint32_t),
	[NFULA_SEQ] = sizeof(uint32_t),
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFULA_MAX) < 0)
		return MNL_CB_OK; /* a newer kernel's attribute */
	if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC, attr_min[t]) < 0)
		return MNL_CB_ERROR;
	tb[t] = a;
	return MNL_CB_OK;
}

static void decode_attrs(const struct nlattr **tb, struct nflog_pkt *o)
{
	const uint8_t *p;

	if (tb[NFULA_PACKET_HDR]) {
		p = mnl_attr_get_payload(tb[NFULA_PACKET_HDR]);
		o->hw_protocol = load16(p);
		o->hook = p[2];
		o->has |= NFLOG_HAS_HWPROTO;
	}
	if (tb[NFULA_TIMESTAMP]) {
		p = mnl_attr_get_payload(tb[NFULA_TIMESTAMP]);
		o->ts_sec = load64(p);
		o->ts_usec = (uint32_t)load64(p + 8);
		o->has |= NFLOG_HAS_TIMESTAMP;
	}
	if (tb[NFULA_IFINDEX_INDEV]) {
		o->indev = load32(mnl_attr_get_payload(tb[NFULA_IFINDEX_INDEV]));
		o->has |= NFLOG_HAS_INDEV;
	}
	if (tb[NFULA_IFINDEX_OUTDEV]) {
		o->outdev = load32(mnl_attr_get_payload(tb[NFULA_IFINDEX_OUTDEV]));
		o->has |= NFLOG_HAS_OUTDEV;
	}
	if (tb[NFULA_SEQ]) {
		o->seq = load32(mnl_attr_get_payload(tb[NFULA_SEQ]));
		o->has |= NFLOG_HAS_SEQ;
	}
	if (tb[NFULA_PREFIX])
		decode_prefix(tb[NFULA_PREFIX], o);
	if (tb[NFULA_PAYLOAD])
		decode_payload(tb[NFULA_PAYLOAD], o);
}

/*
 * The bytes the message at buf takes with its padding, 0 unless they are all
 * within len and the message is at least min bytes long. (libmnl's
 * mnl_nlmsg_ok() compares lengths as int: one of 2 GiB or more passes.)
 */
static size_t msg_size(const void *buf, size_t len, size_t min)
{
	const struct nlmsghdr *nlh = buf;
	size_t sz;

	if ((uintptr_t)buf % 4 || len < sizeof(*nlh) || nlh->nlmsg_len < min ||
	    nlh->nlmsg_len < sizeof(*nlh))
		return 0;
	sz = ((size_t)nlh->nlmsg_len + 3) / 4 * 4;
	return sz <= len ? sz : 0;
}

/*
 * Decode one nfnetlink_log packet message (nlmsghdr, nfgenmsg, attributes) of
 * len bytes at buf, which must be 4-byte aligned as netlink buffers are. *out
 * is filled from scratch; what the message lacks, or carries cut short, is
 * left zero and its NFLOG_HAS_* bit clear. Returns 0, or -EINVAL for anything
 * that is not a well-formed packet message (*out is then zeroed).
 */
int nflog_decode(const void *buf, size_t len, struct nflog_pkt *out)
{
	const struct nlattr *tb[NFULA_MAX + 1] = { NULL };
	const struct nlmsghdr *nlh = buf;
	const struct nfgenmsg *nfg;

	memset(out, 0, sizeof(*out));
	if (msg_size(buf, len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg))) == 0 ||
	    nlh->nlmsg_type != (NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET))
		return -EINVAL;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, tb) < 0)
		return -EINVAL;
	out->nfproto = nfg->nfgen_family;
	out->group = ntohs(nfg->res_id);
	decode_attrs(tb, out);
	return 0;
}

/* True for a TCP segment with SYN and without ACK: a connection attempt. */
bool nflog_pkt_is_syn(const struct nflog_pkt *p)
{
	return (p->has & NFLOG_HAS_TCPFLAGS) && p->l4proto == IPPROTO_TCP &&
	       (p->tcp_flags & (NFLOG_TCP_SYN | NFLOG_TCP_ACK)) == NFLOG_TCP_SYN;
}

/* --- the socket -------------------------------------------------------- */

/* One datagram into nf->buf. 0, -EAGAIN when nothing is pending, or -errno. */
static int fill(struct nflog *nf)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = nf->buf, .iov_len = NFLOG_BUF };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1
	};
	ssize_t r;

	nf->len = nf->off = 0;
	do
		r = recvmsg(mnl_socket_get_fd(nf->sock), &m, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ENOBUFS) {
		/* the kernel dropped messages: the next seq gap says how many */
		nf->st.overruns++;
		return 0;
	}
	if (r < 0)
		return -errno;
	if (m.msg_namelen != sizeof(from) || from.nl_pid != 0) {
		nf->st.malformed++; /* not from the kernel: another process forging */
		return 0;
	}
	if (m.msg_flags & MSG_TRUNC)
		nf->st.malformed++; /* the cut tail shows as a seq gap */
	nf->len = (size_t)r;
	return 0;
}

static void account(struct nflog *nf, const struct nflog_pkt *p)
{
	uint32_t gap;

	if (!(p->has & NFLOG_HAS_SEQ))
		return;
	gap = p->seq - nf->next_seq;
	if (gap < 1u << 31)
		nf->st.lost += gap;
	nf->next_seq = p->seq + 1;
}

static void on_error(struct nflog *nf, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) || nlh->nlmsg_seq != nf->seq || nf->ack)
		return;
	nf->ack = e->error ? (e->error < 0 ? e->error : -e->error) : 1;
}

/*
 * The next message of nf->buf: 1 when it was a packet decoded into *out, 0
 * when it was something else. While opening (out NULL) packets are dropped
 * and counted lost.
 */
static int next_msg(struct nflog *nf, struct nflog_pkt *out)
{
	const struct nlmsghdr *nlh = (const void *)(nf->buf + nf->off);
	size_t left = nf->len - nf->off, sz;
	struct nflog_pkt drop, *p = out ? out : &drop;

	sz = msg_size(nlh, left, sizeof(*nlh));
	if (!sz) {
		nf->st.malformed++;
		nf->off = nf->len;
		return 0;
	}
	nf->off += sz;
	if (nf->raw_cb)
		nf->raw_cb(nlh, sz, nf->raw_arg);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		on_error(nf, nlh);
		return 0;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return 0; /* NLMSG_DONE closing a batch, NLMSG_NOOP */
	if (nflog_decode(nlh, sz, p) < 0) {
		nf->st.malformed++;
		return 0;
	}
	account(nf, p);
	if (!out) {
		nf->st.lost++;
		return 0;
	}
	nf->st.received++;
	return 1;
}

/*
 * Read what is pending into out[0..max): *n packets. Messages the kernel
 * dropped (the socket overran) are counted in nflog_stats(), not errors; so
 * are malformed ones. When *n == max more may be buffered: call again (the fd
 * need not be readable). Returns 0 (also when nothing is pending) or -errno.
 */
int nflog_read(struct nflog *nf, struct nflog_pkt *out, size_t max, size_t *n)
{
	int ret;

	*n = 0;
	while (*n < max) {
		if (nf->off < nf->len) {
			*n += (size_t)next_msg(nf, &out[*n]);
			continue;
		}
		ret = fill(nf);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return ret;
	}
	return 0;
}

/* Wait for the answer to our configuration request; packets meanwhile are lost. */
static int wait_ack(struct nflog *nf)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(nf->sock), .events = POLLIN };
	int ret;

	while (!nf->ack) {
		if (nf->off < nf->len) {
			next_msg(nf, NULL);
			continue;
		}
		ret = fill(nf);
		if (ret == -EAGAIN && poll(&p, 1, NFLOG_ACK_MS) == 0)
			return -ETIMEDOUT;
		if (ret && ret != -EAGAIN)
			return ret;
	}
	return nf->ack < 0 ? nf->ack : 0;
}

static void put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

/* Bind the group: copy NFLOG_COPY_RANGE bytes, batch briefly, number messages. */
static int configure(struct nflog *nf)
{
	char req[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(NFLOG_COPY_RANGE),
					       .copy_mode = NFULNL_COPY_PACKET };
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = nf->seq = (uint32_t)time(NULL);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(nf->group);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	put_u32(nlh, NFULA_CFG_NLBUFSIZ, NFLOG_NLBUFSIZ);
	put_u32(nlh, NFULA_CFG_QTHRESH, NFLOG_QTHRESH);
	put_u32(nlh, NFULA_CFG_TIMEOUT, NFLOG_TIMEOUT);
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ));
	if (mnl_socket_sendto(nf->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return wait_ack(nf);
}

/* A large receive buffer (forced where we may), so bursts do not overrun. */
static void grow_rcvbuf(struct nflog *nf)
{
	int fd = mnl_socket_get_fd(nf->sock), v = NFLOG_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/*
 * Open a non-blocking reader of NFLOG group `group` in this network namespace.
 * Only the group is bound: binding nfnetlink_log per family (PF_BIND) would
 * make it the namespace's default logger, which `log group N` rules do not
 * need. *out is NULL on failure, *err then says why (the caller frees it).
 * Returns 0 or -errno (-EPERM: another socket has the group, or we lack
 * CAP_NET_ADMIN).
 */
int nflog_open(uint16_t group, struct nflog **out, char **err)
{
	struct nflog *nf = xcalloc(1, sizeof(*nf));
	int ret;

	*out = NULL;
	nf->group = group;
	nf->buf = xmalloc(NFLOG_BUF);
	nf->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nf->sock || mnl_socket_bind(nf->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		nflog_close(nf);
		return xseterr(err, ret, "nflog: netlink socket: %s", strerror(-ret));
	}
	grow_rcvbuf(nf);
	ret = configure(nf);
	if (ret) {
		nflog_close(nf);
		return xseterr(err, ret, "nflog: binding group %u: %s%s", group, strerror(-ret),
			       ret == -EPERM
				       ? " (another socket has the group, or no CAP_NET_ADMIN)"
				       : "");
	}
	*out = nf;
	return 0;
}

/* The socket to poll for POLLIN. */
int nflog_fd(const struct nflog *nf)
{
	return mnl_socket_get_fd(nf->sock);
}

/* Counters since nflog_open(). */
void nflog_stats(const struct nflog *nf, struct nflog_stats *st)
{
	*st = nf->st;
}

/* Have cb called with every message received from now on (NULL: no more). */
void nflog_set_raw_cb(struct nflog *nf, nflog_raw_cb cb, void *arg)
{
	nf->raw_cb = cb;
	nf->raw_arg = arg;
}

/* Close the socket (the kernel unbinds the group) and free nf; NULL is fine. */
void nflog_close(struct nflog *nf)
{
	if (!nf)
		return;
	if (nf->sock)
		mnl_socket_close(nf->sock);
	free(nf->buf);
	free(nf);
}
