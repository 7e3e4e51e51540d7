/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental compilation: how a compiled table follows changes without
 * compiling again. A full compilation (compile_opts.recipe) records its recipe:
 * which set each pod selector fills (with a copy of the selector), which
 * named-port sets there are, which group chain each combination of isolating
 * policies has (keyed by the policies' namespace/name). A pod that appears,
 * changes or goes then changes exactly its own elements: its addresses in the
 * sets of the selectors it matches (or stops matching), its verdict map entries,
 * its named ports, its self and fail-closed entries. A NetworkPolicy created,
 * changed or deleted re-dispatches the local pods of its namespace, makes anew
 * (same names, flushed and refilled) the chains that depend on it, lowers what
 * is new and removes what nothing references any more. incr_delta() computes
 * all of it as element operations and chains made, rewritten and removed; when a
 * change needs more (an address family appearing or vanishing, an address two
 * pods share, a namespace the table has not seen, cluster network policies,
 * nodes), it says so and the caller compiles everything.
 *
 * Pure: never touches a socket. The full compilation stays the reference:
 * tests/unit/test_incr.c and the agent's --check-incremental compare the two.
 */
#ifndef NFT_INCR_H
#define NFT_INCR_H

#include <stdbool.h>
#include <stddef.h>

#include "nft/compile.h"
#include "nft/diff.h"
#include "nft/ruleset.h"
#include "policy/model.h"

struct incr;
struct incr_addr_change;
struct incr_gref;
struct incr_need;
struct incr_rewrite;

/* One element to add to or remove from a set of the table. */
struct incr_el {
	const char *set;  /* borrowed from the recipe or the table */
	struct rs_elem e; /* e.chain borrowed from the recipe */
};

/*
 * A pod whose version changed: old (NULL: it did not exist) and now (NULL:
 * gone); old_ns: its namespace as it was, when the namespace's labels changed
 * (NULL: as it is).
 */
struct incr_change {
	const struct pod *old, *now;
	const struct k8s_ns *old_ns;
};

/* A NetworkPolicy created, changed or deleted (by name: the table says what it was). */
struct incr_polchange {
	const char *ns, *name;
};

/* What a batch of pod changes does to the table. */
struct incr_delta {
	struct incr_el *del, *add; /* owned arrays, sorted by set, then key */
	size_t ndel, nadd;
	long local_pods;		/* change in the number of pods scheduled on the node */
	struct incr_addr_change *addrs; /* owned; eligible pod addresses that come and go */
	size_t naddrs;
	struct incr_gref *grefs; /* owned; local pods joining and leaving groups */
	size_t ngrefs;
	struct incr_need *needs; /* owned; group chains to make */
	size_t nneeds;
	bool lowers;		 /* a policy's chain must be lowered for them */
	struct incr_rewrite *rw; /* owned; chains made anew (policies changed) */
	size_t nrw;
	const char **rwchains; /* their names, once they replaced the table's */
	size_t nrwchains;
	bool taken;	     /* what was made moved into the table */
	struct ruleset made; /* the chains, sets, counters made for them (valid: made.table) */
	const char **mchains, **msets, **mctrs; /* their names, once moved into the table */
	size_t nmchains, nmsets, nmctrs;
	struct compile_meta meta; /* what those counters count (see compile_meta_merge) */
	/* objects no longer referenced (a group chain whose last pod left, the
	   policy chains, sets and counters only it used): owned arrays of names
	   borrowed from the table, removed by incr_commit() */
	const char **dchains, **dsets, **dctrs;
	size_t ndchains, ndsets, ndctrs;
};

struct incr *incr_new(void);
void incr_free(struct incr *r);
bool incr_usable(const struct incr *r);

/* Recording, called by the compiler. */
void incr_note_pods(struct incr *r, const char *set, bool v6, const struct netpol *np,
		    const struct peer *p);
void incr_note_named(struct incr *r, const char *set, bool v6, const struct np_port **v, size_t n);
void incr_note_group(struct incr *r, const char *key, const char *chain);
void incr_note_done(struct incr *r, const struct cluster *c, const struct compile_opts *o,
		    const struct ruleset *rs, bool fam4, bool fam6);
struct strmap;
void incr_take_names(struct incr *r, struct strmap *objs, struct strmap *names, char **keys,
		     size_t nkeys, size_t capkeys);

int incr_delta(struct incr *r, const struct cluster *c, const struct ruleset *rs,
	       const struct incr_change *ch, size_t n, const struct incr_polchange *pc, size_t npc,
	       struct incr_delta *out) __attribute__((warn_unused_result));
int incr_delta_stamp(struct incr_delta *d, const struct ruleset *rs, const char *set,
		     const void *val, size_t len);
void incr_plan(struct incr_delta *d, struct ruleset *rs, struct diff_plan *out);
void incr_set_sealer(struct incr *r, const struct cluster *(*seal)(void *arg), void *arg);
void incr_commit(struct incr *r, struct ruleset *rs, struct incr_delta *d);
void incr_delta_fini(struct incr_delta *d);

#endif
