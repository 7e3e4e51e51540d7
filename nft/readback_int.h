/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by readback.c and readback_rule.c (rules); nothing else includes
 * this. readback.h is the API.
 */
#ifndef NFT_READBACK_INT_H
#define NFT_READBACK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "nft/ruleset.h"

struct netlink;
struct nlmsghdr;

/* One read in progress. */
struct rb {
	struct netlink *nl;
	struct ruleset *rs;
	int err; /* first problem, -ENOTSUP for foreign content */
	char *why;
	size_t whylen;
	uint32_t key_types[RS_KEY_MAX]; /* scratch */
};

int readback_foreign(struct rb *rb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int readback_rule_cb(const struct nlmsghdr *nlh, void *data);

#endif
