/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the compiler: its state for one compilation, and the lowering of one
 * policy direction into the IR (its chain and the sets its rules match, shared
 * by canonical key). compile.c groups pods and dispatches; lower.c lowers.
 */
#ifndef NFT_COMPILE_INT_H
#define NFT_COMPILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/compile.h"
#include "nft/ruleset.h"
#include "policy/diag.h"
#include "policy/model.h"

struct eval;
struct strmap;

enum lower_fam {
	LOWER_FAM_ANY = 0,
	LOWER_FAM_4 = 4,
	LOWER_FAM_6 = 6,
};

/* One local pod address that a verdict map sends to a group chain. */
struct lower_dispatch {
	const struct addr *ip; /* borrowed from the cluster */
	const char *chain;     /* borrowed from the ruleset */
	const struct pod *pod;
};

struct lower_dispatch_list {
	struct lower_dispatch *v;
	size_t n, cap;
};

/* The state of one compilation. */
struct lower {
	const struct cluster *c;
	const struct compile_opts *o;
	const char *node; /* NULL: every pod is local */
	struct eval *e;
	struct ruleset *rs;
	struct diag_list *d;
	struct strmap *objs;  /* canonical key -> object name (owned by rs) */
	struct strmap *names; /* object name -> canonical key (in keys) */
	char **keys;	      /* owned copies of canonical keys */
	size_t nkeys, capkeys;
	bool fam4, fam6;				/* address families pods use */
	struct lower_dispatch_list maps[DIR_COUNT][2];	/* [dir][v6] */
	struct lower_dispatch_list amaps[DIR_COUNT][2]; /* audit maps: [dir][v6] */
};

/* One way to match the peer address of a rule; set NULL: any address. */
struct amatch {
	enum lower_fam fam;
	const char *set;
};

enum pm_kind {
	PM_ANY,
	PM_PORTS, /* meta l4proto . th dport @set */
	PM_NAMED, /* ip daddr . meta l4proto . th dport @set */
};

struct pmatch {
	enum lower_fam fam;
	enum pm_kind kind;
	const char *set;
};
#define LOWER_PMATCH_MAX 5 /* any; exact; ranges; named per family */

const char *lower_dir_name(enum dir dir);
char *lower_group_key(const struct netpol *all, enum dir dir, bool audit, const size_t *pols,
		      size_t n);
void lower_sweep(struct lower *k, struct ruleset *rs, struct compile_meta *meta);
const char *lower_group_chain(struct lower *k, enum dir dir, bool audit, const size_t *pols,
			      size_t n);
const struct addr *lower_pod_addr(const struct pod *p, enum lower_fam fam);
char *lower_obj_name(struct lower *k, const char *prefix, const char *readable, const char *key);
void lower_forget(struct strmap *objs, struct strmap *names, const char *name);
void lower_put_addr(uint8_t *dst, const struct addr *a);
const char *lower_policy_chain(struct lower *k, const struct netpol *np, enum dir dir);
struct rs_set *lower_new_set(struct lower *k, const char *name, const char *key,
			     const char *comment, const enum rs_type *t, unsigned nt,
			     unsigned flags);
const char *lower_pods_set(struct lower *k, const struct netpol *np, const struct peer *p,
			   enum lower_fam fam);
void lower_fam_list(const struct lower *k, enum lower_fam *out, size_t *n);
size_t lower_pmatches(struct lower *k, const struct np_port *ports, size_t nports,
		      struct pmatch *out);
/* What a rule does once it matches: log first (when log_prefix), count, decide. */
struct lower_action {
	enum rs_verdict verdict;
	const char *target;  /* RS_VERDICT_JUMP */
	const char *counter; /* NULL: none */
	bool log;	     /* a rule before it sends the packet to NFLOG */
};

void lower_emit(struct lower *k, struct rs_chain *c, enum dir dir, const struct amatch *a,
		const struct pmatch *p, const struct lower_action *act);
/* What a counter counts, as lower_counter() records it (strings copied). */
struct lower_ctr_info {
	enum compile_ctr_kind kind;
	enum dir dir;
	const char *ns, *policy, *rule_name; /* as in struct compile_ctr; NULL: "" */
	size_t rule;
	enum cnp_source source;
	enum cnp_tier tier;
	enum cnp_action action;
};

const char *lower_counter(struct lower *k, char *key, char *readable, char *comment,
			  const struct lower_ctr_info *info);
void lower_log(struct lower *k, struct rs_rule *r, const char *counter);
const char *lower_cnp_target(struct lower *k, enum dir dir, const size_t *cnps, size_t ncnps,
			     const char *np_group);

#endif
