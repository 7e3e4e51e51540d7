/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Make the kernel's table equal to a ruleset, in one transaction: read the table
 * back, send only the difference when it holds what nftpol programmed, replace
 * it whole otherwise (missing, changed by someone else, or asked to), and retry
 * when the ruleset generation moved on meanwhile. Any failure leaves the table
 * as it was. Also remove the table (uninstall), in one transaction too.
 */
#ifndef NFT_APPLY_H
#define NFT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/diff.h"
#include "nft/netlink.h"
#include "nft/ruleset.h"

enum {
	APPLY_CHECK = 1 << 0,	/* no BATCH_END: the kernel validates, commits nothing */
	APPLY_REPLACE = 1 << 1, /* replace the table whole even if a difference would do */
};

/* The longest table name the kernel takes: NFT_TABLE_MAXNAMELEN less the NUL. */
#define APPLY_TABLE_NAME_MAX 255

enum apply_stage {
	APPLY_STAGE_NONE,
	APPLY_STAGE_READ,   /* reading the table back failed */
	APPLY_STAGE_BUILD,  /* the ruleset cannot be expressed (see err) */
	APPLY_STAGE_KERNEL, /* the kernel rejected the batch (see rep) */
};

struct apply_result {
	bool sent;		   /* a batch went to the kernel */
	bool full;		   /* it replaced the whole table */
	char why[256];		   /* why the table was replaced whole, or "" */
	struct diff_stats st;	   /* what changed (or would, with APPLY_CHECK) */
	size_t msgs, bytes;	   /* batch size */
	int tries;		   /* attempts (a generation change costs one) */
	enum apply_stage stage;	   /* where it failed */
	char err[256];		   /* builder message when stage is BUILD */
	struct netlink_report rep; /* kernel errors when stage is KERNEL */
	uint32_t genid;		   /* the generation the batch was checked against */
	uint32_t gen_after;	   /* generation holding the wanted table (0: unknown) */
};

int apply_ruleset(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		  unsigned flags, struct apply_result *res) __attribute__((warn_unused_result));
int apply_delta(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		uint32_t *gen, struct apply_result *res) __attribute__((warn_unused_result));
int apply_plan(struct netlink *nl, const struct diff_plan *p, const char *table, uint32_t *gen,
	       struct apply_result *res) __attribute__((warn_unused_result));
int apply_uninstall(struct netlink *nl, const char *table, struct netlink_report *rep)
	__attribute__((warn_unused_result));

#endif
