/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The difference between two rulesets of one table as netlink messages: set
 * elements added and removed, changed chains rewritten, interval sets whose
 * content changes rebuilt, new objects before what references them, removed
 * objects after. Pure: writes into a build, never touches a socket.
 */
#ifndef NFT_DIFF_H
#define NFT_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "nft/ruleset.h"

struct build;

/* What a difference (or a full replace) does, for the summary line. */
struct diff_stats {
	size_t sets_added, sets_removed, sets_rebuilt;
	size_t chains_added, chains_removed, chains_rewritten;
	size_t rules_added, rules_removed;
	size_t elems_added, elems_removed;
};

int diff_build(const struct ruleset *old, const struct ruleset *new, struct build *b,
	       struct diff_stats *st) __attribute__((warn_unused_result));
void diff_replace_stats(const struct ruleset *old, const struct ruleset *new,
			struct diff_stats *st);
bool diff_stats_empty(const struct diff_stats *st);

#endif
