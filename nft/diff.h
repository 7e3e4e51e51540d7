/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The difference between two rulesets of one table: set elements added and
 * removed, changed chains rewritten, interval sets whose content changes
 * rebuilt, counters added and removed (never re-created: a counter that stays
 * keeps its count), new objects before what references them, removed objects
 * after.
 * diff_plan() computes it as plain data, the ordered operations of one
 * transaction; diff_plan_build() turns a plan into netlink messages. apply
 * sends that batch and `nftpol diff` prints the same plan, so what the preview
 * shows is what is sent. Pure: never touches a socket.
 */
#ifndef NFT_DIFF_H
#define NFT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "nft/ruleset.h"

struct build;

/* What a difference (or a full replace) does, for the summary line. */
struct diff_stats {
	size_t sets_added, sets_removed, sets_rebuilt;
	size_t chains_added, chains_removed, chains_rewritten;
	size_t rules_added, rules_removed;
	size_t elems_added, elems_removed;
	size_t counters_added, counters_removed;
};

/* What one operation of a plan does, in the order the batch sends them. */
enum diff_op_kind {
	DIFF_ADD_CHAIN,	  /* create the chain, empty (DIFF_ADD_RULES fills it) */
	DIFF_ADD_SET,	  /* create the set with every element (new or rebuilt) */
	DIFF_FLUSH_CHAIN, /* remove every rule (chain removed or rewritten) */
	DIFF_DEL_ELEMS,	  /* remove elements of a hash set or map */
	DIFF_DEL_SET,	  /* delete the set (removed, or rebuilt: DIFF_ADD_SET follows) */
	DIFF_ADD_ELEMS,	  /* add elements to a hash set or map */
	DIFF_ADD_RULES,	  /* append every rule of the chain */
	DIFF_DEL_CHAIN,	  /* delete the chain (flushed before) */
};

/* One operation on one set or chain. */
struct diff_op {
	enum diff_op_kind kind;
	const struct rs_set *set;     /* borrowed; set ops: the new set to add to, else old */
	const struct rs_chain *chain; /* borrowed; chain ops: the new chain to add, else old */
	const struct rs_elem **elems; /* DIFF_*_ELEMS: owned array of borrowed elements */
	size_t nelems;
};

/*
 * The transaction that turns one ruleset into another, as plain data: the
 * counters added come first in the batch (before any rule can reference
 * them), then ops, then the counters removed (after the rules that used them
 * are gone). A counter in both rulesets is kept whatever its comment.
 */
struct diff_plan {
	const struct ruleset *new;	   /* borrowed; the rules added reference its sets */
	const struct rs_counter **ctr_add; /* owned array of borrowed new counters, by name */
	size_t nctr_add;
	struct diff_op *ops; /* owned; in the order of the batch */
	size_t nops, cap;
	const struct rs_counter **ctr_del; /* owned array of borrowed old counters, by name */
	size_t nctr_del;
	struct diff_stats st; /* what the operations change */
};

int diff_plan(const struct ruleset *old, const struct ruleset *new, struct diff_plan *out)
	__attribute__((warn_unused_result));
void diff_plan_fini(struct diff_plan *p);
bool diff_plan_empty(const struct diff_plan *p);
int diff_plan_build(const struct diff_plan *p, struct build *b) __attribute__((warn_unused_result));
int diff_build(const struct ruleset *old, const struct ruleset *new, struct build *b,
	       struct diff_stats *st) __attribute__((warn_unused_result));
void diff_replace_stats(const struct ruleset *old, const struct ruleset *new,
			struct diff_stats *st);
bool diff_stats_empty(const struct diff_stats *st);
void diff_stats_print(const struct diff_stats *st, FILE *f);

#endif
