/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by build.c and its two parts, build_elem.c (set elements) and
 * build_rule.c (rules); nothing else includes this. build.h is the API.
 */
#ifndef NFT_BUILD_INT_H
#define NFT_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/build.h"

struct nlmsghdr;
struct nftnl_set;

/* What a run of messages does, for build_describe(). */
struct build_ent {
	uint32_t lo, hi; /* sequence numbers of the messages */
	enum build_op op;
	char *name;   /* owned; object name, NULL for table/begin/end */
	size_t index; /* ADD_RULE: rule index; ADD_SET: the NFTA_SET_ID */
};

struct build {
	char *table; /* owned */
	struct nftnl_batch *batch;
	uint32_t seq;	 /* the next message's sequence number */
	uint32_t set_id; /* last NFTA_SET_ID handed out */
	size_t msgs;
	struct build_ent *ents;
	size_t nents, cap;
	char err[256];
};

int build_fail(struct build *b, int err, const char *fmt, ...);
void build_note(struct build *b, uint32_t lo, enum build_op op, const char *name, size_t index);
struct nlmsghdr *build_hdr(struct build *b, uint16_t type, uint16_t flags);
void build_next(struct build *b);

bool build_set_is_concat_interval(const struct rs_set *s);
struct nftnl_set *build_set_obj(struct build *b, const char *name, uint32_t id);

#endif
