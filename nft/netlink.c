// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NETLINK_NETFILTER socket (see netlink.h). A batch goes out in one
 * sendmsg(): nfnetlink processes it synchronously, so when sendmsg() returns the
 * transaction is committed or aborted and every error reply is already queued.
 */
#include "nft/netlink.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "nft/build.h"
#include "base/xalloc.h"

/* A receive buffer holds one dump skb: nfnetlink fills up to 64 KiB + a page. */
#define NETLINK_RCVBUF (256u * 1024)
/* How long a dump or request may stay silent before we give up, ms. */
#define NETLINK_TIMEOUT_MS 30000
/* Error replies are small with NETLINK_CAP_ACK; room for this many per batch. */
#define NETLINK_ERR_ROOM 512u
#define NETLINK_RCVBUF_MAX (64u * 1024 * 1024)

struct netlink {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq; /* next sequence number */
	int sndbuf;   /* what SO_SNDBUFFORCE was last set to */
	int rcvbuf;
	char *buf; /* NETLINK_RCVBUF bytes */
};

static int set_opt(struct netlink *nl, int level, int name, int val)
{
	int fd = mnl_socket_get_fd(nl->sock);

	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		return -errno;
	return 0;
}

/*
 * Open a non-blocking NETLINK_NETFILTER socket with extended and capped acks.
 * *out is NULL on failure. Returns 0 or -errno (EPERM without CAP_NET_ADMIN
 * shows up only at the first batch).
 */
int netlink_open(struct netlink **out)
{
	struct netlink *nl = xcalloc(1, sizeof(*nl));
	int ret;

	*out = NULL;
	nl->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl->sock) {
		ret = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	ret = set_opt(nl, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	if (!ret)
		ret = set_opt(nl, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	if (ret)
		goto fail;
	nl->seq = (uint32_t)time(NULL);
	nl->buf = xmalloc(NETLINK_RCVBUF);
	*out = nl;
	return 0;
fail:
	netlink_close(nl);
	return ret;
}

/* Close the socket and free nl; NULL is fine. */
void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

/* The sequence number to start the next build with. */
uint32_t netlink_next_seq(const struct netlink *nl)
{
	return nl->seq;
}

/* Wait up to NETLINK_TIMEOUT_MS for the socket to be readable. */
static int wait_readable(struct netlink *nl)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, NETLINK_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/* One datagram into nl->buf: its length, -EAGAIN when none is queued, or -errno. */
static ssize_t recv_one(struct netlink *nl)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NETLINK_RCVBUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* Throw away whatever an earlier exchange left queued. */
static void drain(struct netlink *nl)
{
	ssize_t n;

	do
		n = recv_one(nl);
	while (n > 0 || n == -ENOBUFS);
}

/* Sequence numbers before seq are answered; the next request starts after. */
static uint32_t take_seq(struct netlink *nl)
{
	return nl->seq++;
}

static int send_buf(struct netlink *nl, const void *buf, size_t len)
{
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -errno;
	return 0;
}

/*
 * Walk one datagram of replies to request seq. Data messages go to cb until
 * the dump is known to be interrupted (NLM_F_DUMP_INTR on any message, the
 * NLMSG_DONE included, sets *intr); messages of other requests are skipped.
 * Returns 1 when the reply is complete (NLMSG_DONE, or the ack), 0 when more
 * is to come, or -errno (the kernel's error, or cb's MNL_CB_ERROR).
 * libmnl's mnl_cb_run() is not used here: it stops at the first interrupted
 * message and drops the rest of the datagram, NLMSG_DONE with it, and the
 * reader would then wait for an end that already came.
 */
static int walk_replies(struct netlink *nl, int len, uint32_t seq, netlink_msg_cb cb, void *data,
			bool *intr)
{
	const struct nlmsghdr *nlh = (const void *)nl->buf;
	const struct nlmsgerr *e;
	int ret;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != seq || (nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid))
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			return 1;
		case NLMSG_ERROR:
			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				return -EBADMSG;
			e = mnl_nlmsg_get_payload(nlh);
			return e->error ? (e->error < 0 ? e->error : -e->error) : 1;
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		}
		if (*intr || !cb)
			continue;
		errno = 0;
		ret = cb(nlh, data);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	}
	return 0;
}

/*
 * Read replies to request seq until it is complete, passing data messages to
 * cb. An interrupted dump (NLM_F_DUMP_INTR) is read to its end, then -EINTR.
 */
static int run_replies(struct netlink *nl, uint32_t seq, netlink_msg_cb cb, void *data)
{
	bool intr = false;
	ssize_t n;
	int ret;

	for (;;) {
		n = recv_one(nl);
		if (n == -EAGAIN) {
			ret = wait_readable(nl);
			if (ret)
				return ret;
			continue;
		}
		if (n < 0)
			return (int)n;
		ret = walk_replies(nl, (int)n, seq, cb, data, &intr);
		if (ret < 0)
			return intr ? -EINTR : ret;
		if (ret)
			return intr ? -EINTR : 0;
	}
}

/*
 * Send the request req (its sequence number is set here) and pass each reply
 * message to cb. For a dump (NLM_F_DUMP) this ends at NLMSG_DONE; otherwise set
 * NLM_F_ACK so that the ack ends it. Returns 0, -EINTR when the dump was
 * interrupted by a ruleset change (retry), or -errno from the kernel.
 */
int netlink_dump(struct netlink *nl, struct nlmsghdr *req, netlink_msg_cb cb, void *data)
{
	int ret;

	drain(nl);
	req->nlmsg_seq = take_seq(nl);
	ret = send_buf(nl, req, req->nlmsg_len);
	if (ret)
		return ret;
	return run_replies(nl, req->nlmsg_seq, cb, data);
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = xnonnull(nftnl_gen_alloc());
	uint32_t *genid = data;

	if (nftnl_gen_nlmsg_parse(nlh, gen) < 0) {
		nftnl_gen_free(gen);
		return MNL_CB_ERROR;
	}
	*genid = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

/* The ruleset generation (NFTA_GEN_ID) into *genid. Returns 0 or -errno. */
int netlink_getgen(struct netlink *nl, uint32_t *genid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, 0);
	*genid = 0;
	return netlink_dump(nl, nlh, gen_cb, genid);
}

/* Raise the socket buffers so the batch (and any error replies) fit. */
static int size_buffers(struct netlink *nl, size_t bytes, size_t msgs)
{
	size_t want = bytes + 64 * 1024, rcv = msgs * NETLINK_ERR_ROOM;
	int ret;

	if (want > INT32_MAX / 2)
		return -EMSGSIZE;
	if ((int)want > nl->sndbuf) {
		ret = set_opt(nl, SOL_SOCKET, SO_SNDBUFFORCE, (int)want);
		if (ret)
			ret = set_opt(nl, SOL_SOCKET, SO_SNDBUF, (int)want);
		if (ret)
			return ret;
		nl->sndbuf = (int)want;
	}
	if (rcv > NETLINK_RCVBUF_MAX)
		rcv = NETLINK_RCVBUF_MAX;
	if ((int)rcv > nl->rcvbuf) {
		if (set_opt(nl, SOL_SOCKET, SO_RCVBUFFORCE, (int)rcv))
			set_opt(nl, SOL_SOCKET, SO_RCVBUF, (int)rcv);
		nl->rcvbuf = (int)rcv;
	}
	return 0;
}

/* The message with sequence number seq in the batch, or NULL. */
static const struct nlmsghdr *batch_msg(const struct iovec *iov, int n, uint32_t seq)
{
	for (int i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_seq == seq)
				return nlh;
	}
	return NULL;
}

/* The type of the attribute at byte offset off of the message we sent. */
static int attr_at(const struct iovec *iov, int n, uint32_t seq, uint32_t off)
{
	const struct nlmsghdr *nlh = batch_msg(iov, n, seq);
	const struct nlattr *a;

	if (!nlh || off + sizeof(*a) > nlh->nlmsg_len)
		return -1;
	a = (const struct nlattr *)((const char *)nlh + off);
	return a->nla_type & NLA_TYPE_MASK;
}

struct ack_tlvs {
	const char *msg;
	uint32_t off;
	bool has_off;
};

static int ack_attr_cb(const struct nlattr *a, void *data)
{
	struct ack_tlvs *t = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			t->msg = mnl_attr_get_str(a);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			t->off = mnl_attr_get_u32(a);
			t->has_off = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/* Parse the extended ack attributes after an nlmsgerr. */
static void ack_tlvs(const struct nlmsghdr *nlh, struct ack_tlvs *t)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned off = sizeof(*e);

	memset(t, 0, sizeof(*t));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	off = MNL_ALIGN(off) + MNL_NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, off - MNL_NLMSG_HDRLEN, ack_attr_cb, t);
}

struct batch_ctx {
	struct build *b;
	struct netlink_report *rep;
	struct iovec *iov;
	int niov;
};

static void record_error(struct batch_ctx *c, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct netlink_error *ne;
	struct ack_tlvs t;
	int type;

	if (c->rep->nerrors++ >= NETLINK_ERRORS_MAX)
		return;
	ne = &c->rep->e[c->rep->nerrors - 1];
	ne->err = e->error;
	ne->seq = e->msg.nlmsg_seq;
	if (!build_describe(c->b, ne->seq, ne->what, sizeof(ne->what)))
		snprintf(ne->what, sizeof(ne->what), "message %u", ne->seq);
	ack_tlvs(nlh, &t);
	type = t.has_off ? attr_at(c->iov, c->niov, ne->seq, t.off) : -1;
	if (t.msg && type >= 0)
		snprintf(ne->msg, sizeof(ne->msg), "%s; attribute type %d at offset %u", t.msg,
			 type, t.off);
	else if (t.msg)
		snprintf(ne->msg, sizeof(ne->msg), "%s", t.msg);
	else if (type >= 0)
		snprintf(ne->msg, sizeof(ne->msg), "attribute type %d at offset %u", type, t.off);
}

/* Collect the error replies queued for the batch; -ENOBUFS when some were lost. */
static int read_acks(struct netlink *nl, struct batch_ctx *c)
{
	const struct nlmsghdr *nlh;
	bool lost = false;
	ssize_t n;
	int len;

	for (;;) {
		n = recv_one(nl);
		if (n == -EAGAIN)
			break;
		if (n == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (nlh = (void *)nl->buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    ((const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error)
				record_error(c, nlh);
	}
	return lost ? -ENOBUFS : 0;
}

/*
 * Send the batch of b in one sendmsg() (one transaction) and read every reply.
 * rep lists the errors, each mapped to the object whose message caused it, with
 * the kernel's extended ack message. Returns 0 when the kernel took the whole
 * batch (committed, or validated when b has no END), else the first error:
 * -ERESTART means the ruleset generation changed (re-read and retry),
 * -EMSGSIZE that the batch did not fit the socket buffer; nothing was applied.
 */
int netlink_send(struct netlink *nl, struct build *b, struct netlink_report *rep)
{
	struct nftnl_batch *batch = build_batch(b);
	struct batch_ctx c = { .b = b, .rep = rep };
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl) };
	ssize_t sent;
	int ret;

	memset(rep, 0, sizeof(*rep));
	c.niov = nftnl_batch_iovec_len(batch);
	c.iov = xreallocarray(NULL, c.niov, sizeof(*c.iov));
	nftnl_batch_iovec(batch, c.iov, c.niov);
	for (int i = 0; i < c.niov; i++)
		rep->bytes += c.iov[i].iov_len;
	ret = size_buffers(nl, rep->bytes, build_msgs(b));
	if (ret)
		goto out;
	drain(nl);
	msg.msg_iov = c.iov;
	msg.msg_iovlen = c.niov;
	sent = sendmsg(mnl_socket_get_fd(nl->sock), &msg, 0);
	if (sent < 0) {
		ret = -errno;
		goto out;
	}
	nl->seq = build_next_seq(b);
	ret = read_acks(nl, &c);
	if (rep->nerrors)
		ret = rep->e[0].err;
out:
	free(c.iov);
	return ret;
}

/* "what: strerror (kernel message)" for one error reply. */
void netlink_error_str(const struct netlink_error *e, char *buf, size_t len)
{
	if (e->msg[0])
		snprintf(buf, len, "%s: %s (%s)", e->what, strerror(-e->err), e->msg);
	else
		snprintf(buf, len, "%s: %s", e->what, strerror(-e->err));
}
