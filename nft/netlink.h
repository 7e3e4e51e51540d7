/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NETLINK_NETFILTER socket: send a built batch as one transaction and read
 * every reply, mapping errors back to the objects that caused them; ask the
 * ruleset generation; run dumps. One socket per process, kept open.
 */
#ifndef NFT_NETLINK_H
#define NFT_NETLINK_H

#include <stddef.h>
#include <stdint.h>

struct build;
struct netlink;
struct nlmsghdr;

#define NETLINK_ERRORS_MAX 8

/* One error reply of a batch. */
struct netlink_error {
	int err;	/* negative errno */
	uint32_t seq;	/* sequence number of the message it answers */
	char what[300]; /* the object, as build_describe() says it */
	char msg[256];	/* the kernel's extended ack message, or "" */
};

/* What the kernel said to a batch: nothing means it was applied (or validated). */
struct netlink_report {
	size_t nerrors;				    /* error replies received */
	struct netlink_error e[NETLINK_ERRORS_MAX]; /* the first of them */
	size_t bytes;				    /* batch size sent */
};

/* Called for each data message of a reply; returns MNL_CB_OK or MNL_CB_ERROR (errno set). */
typedef int (*netlink_msg_cb)(const struct nlmsghdr *nlh, void *data);

int netlink_open(struct netlink **out) __attribute__((warn_unused_result));
void netlink_close(struct netlink *nl);
int netlink_getgen(struct netlink *nl, uint32_t *genid) __attribute__((warn_unused_result));
int netlink_send(struct netlink *nl, struct build *b, struct netlink_report *rep)
	__attribute__((warn_unused_result));
int netlink_dump(struct netlink *nl, struct nlmsghdr *req, netlink_msg_cb cb, void *data)
	__attribute__((warn_unused_result));
uint32_t netlink_next_seq(const struct netlink *nl);
void netlink_error_str(const struct netlink_error *e, char *buf, size_t len);

#endif
