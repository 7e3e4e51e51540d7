/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy compiler: a sealed cluster in, the nftables ruleset that enforces
 * its NetworkPolicies on one node (or on every pod) out.
 */
#ifndef NFT_COMPILE_H
#define NFT_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/ruleset.h"
#include "policy/diag.h"
#include "policy/model.h"

struct incr;

#define COMPILE_TABLE "nftpol"

/*
 * The conntrack mark bit of a connection a policy change revoked (nft/ctsweep.c
 * sets it): every base chain drops its packets, both ways, before accepting
 * established traffic.
 */
#define COMPILE_CT_REVOKED 0x10000000u

/* What one named counter of the compiled table counts. */
enum compile_ctr_kind {
	COMPILE_CTR_ACCEPT, /* first packets a NetworkPolicy rule admits */
	COMPILE_CTR_DROP,   /* first packets the NetworkPolicies isolating a pod deny */
	COMPILE_CTR_AUDIT,  /* first packets audited NetworkPolicies would deny (allowed) */
	COMPILE_CTR_CNP,    /* first packets a cluster network policy rule matches */
};

struct compile_ctr {
	char *name; /* owned; the counter object's name; denied logs carry it as prefix */
	enum compile_ctr_kind kind;
	enum dir dir;
	char *ns;		/* owned; ACCEPT: the policy's namespace; else "" */
	char *policy;		/* owned; ACCEPT: its name; DROP, AUDIT: "ns/a,ns/b" (the
				   isolating policies); CNP: the cluster policy's name */
	size_t rule;		/* ACCEPT, CNP: the rule's index in its direction */
	char *rule_name;	/* owned; CNP: the rule's name ("" when none) */
	enum cnp_source source; /* CNP */
	enum cnp_tier tier;	/* CNP */
	enum cnp_action action; /* CNP */
};

/* The counters of one compiled table, sorted by name. */
struct compile_meta {
	struct compile_ctr *v;
	size_t n, cap;
};

#define COMPILE_LOG_PREFIX "nftpol " /* NFLOG prefix: this, then the counter's name */
#define COMPILE_LOG_GROUP 7801	     /* the NFLOG group of --log-denied */
#define COMPILE_LOG_RATE 20	     /* --log-denied: packets a second per rule (and lines) */

/* How to compile. Zeroed: as compile_cluster() does. */
struct compile_opts {
	const char *node;	   /* NULL: every pod is local */
	bool no_counters;	   /* leave the named counters out */
	bool audit;		   /* every NetworkPolicy in audit mode (`--audit`) */
	uint16_t log_group;	   /* > 0: denied first packets to this NFLOG group */
	uint32_t log_rate;	   /* ... at most this many a second per rule (kernel side) */
	uint32_t log_burst;	   /* ... with this burst */
	struct compile_meta *meta; /* filled when not NULL (release: compile_meta_fini) */
	struct incr *recipe;	   /* when not NULL (from incr_new()): how the table follows
				      pod changes (nft/incr.h) */
};

int compile_cluster(const struct cluster *c, const char *node, struct ruleset *out,
		    struct diag_list *d);
int compile_cluster_opts(const struct cluster *c, const struct compile_opts *o, struct ruleset *out,
			 struct diag_list *d);
void compile_meta_fini(struct compile_meta *m);
void compile_meta_merge(struct compile_meta *into, struct compile_meta *from);
const struct compile_ctr *compile_meta_find(const struct compile_meta *m, const char *name);

#endif
