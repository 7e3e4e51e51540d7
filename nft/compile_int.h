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
	const char *node; /* NULL: every pod is local */
	struct eval *e;
	struct ruleset *rs;
	struct diag_list *d;
	struct strmap *objs;  /* canonical key -> object name (owned by rs) */
	struct strmap *names; /* object name -> canonical key (in keys) */
	char **keys;	      /* owned copies of canonical keys */
	size_t nkeys, capkeys;
	bool fam4, fam6;			       /* address families pods use */
	struct lower_dispatch_list maps[DIR_COUNT][2]; /* [dir][v6] */
};

const char *lower_dir_name(enum dir dir);
const struct addr *lower_pod_addr(const struct pod *p, enum lower_fam fam);
char *lower_obj_name(struct lower *k, const char *prefix, const char *readable, const char *key);
void lower_put_addr(uint8_t *dst, const struct addr *a);
const char *lower_policy_chain(struct lower *k, const struct netpol *np, enum dir dir);

#endif
