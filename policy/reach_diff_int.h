/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by reach_diff.c (which pairs change, and how), reach_diff_rules.c
 * (what one version's rules admit) and reach_diff_group.c (ordering and
 * grouping the changes); nothing else includes this. reach_diff.h is the API.
 */
#ifndef POLICY_REACH_DIFF_INT_H
#define POLICY_REACH_DIFF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/reach_diff.h"
#include "base/xalloc.h"

struct eval;
struct reach;
struct strmap;

#define RD_NONE ((size_t)-1) /* no index */

static inline bool rd_bit(const uint64_t *m, size_t i)
{
	return m[i / 64] >> (i % 64) & 1;
}

static inline void rd_bit_set(uint64_t *m, size_t i)
{
	m[i / 64] |= (uint64_t)1 << (i % 64);
}

/* A mask of words 64-bit words, all zero. */
static inline uint64_t *rd_mask_new(size_t words)
{
	return xcalloc(words ? words : 1, sizeof(uint64_t));
}

/* Pod p's address of family, or NULL. */
static inline const struct addr *rd_addr_of(const struct pod *p, int family)
{
	for (size_t i = 0; i < p->nips; i++)
		if (p->ips[i].family == family)
			return &p->ips[i];
	return NULL;
}

/* One direction of a kind: as reach_diff_side, the policies borrowed. */
struct rd_why {
	enum reach_diff_why why;
	const size_t *pols; /* ISOLATED: borrowed from the new cluster's reach */
	size_t npols;
	size_t pol, rule; /* ALLOWED_BY; BY_CNP: index into cnps, rule */
};

/* One way a pair changes: verdict, family, cause and the ports concerned. */
struct rd_kind {
	bool allowed;
	int family;
	unsigned dirs; /* DIR_FLAG() of the changed directions */
	struct rd_why side[DIR_COUNT];
	uint64_t *mask; /* owned; bits over the port list */
	uint64_t hash;
	size_t cause; /* index into the causes (grouping) */
	size_t rank;  /* position in the kinds' order (grouping) */
	size_t grp;   /* rank of (allowed, family, cause) (grouping) */
};

/* One pair that changes in one way. */
struct rd_rec {
	uint32_t src, dst; /* indexes into new->pods */
	uint32_t kind;
};

/* What the comparison collects, for grouping. */
struct rd_out {
	const struct cluster *c;       /* the new cluster */
	struct reach_diff_port *ports; /* owned; the port list, sorted, each once */
	size_t nports, words;	       /* ports, and 64-bit words of a mask */
	struct rd_kind *kinds;
	size_t nkinds, capkinds;
	size_t *table; /* kind hash table: index + 1, 0 free */
	size_t tcap;
	struct rd_rec *recs;
	size_t nrecs, caprecs;
	size_t *ns_of;	      /* per new pod: index into c->nss */
	size_t (*ns_pods)[2]; /* per namespace: pods compared, IPv4 / IPv6 */
};

/* One version of the cluster, with what is precomputed about its rules. */
struct rd_rules {
	const struct cluster *c; /* borrowed */
	const struct rd_out *o;	 /* borrowed: the port list */
	const uint64_t *ones;	 /* borrowed: every port */
	struct reach *r;
	struct eval *e;
	size_t *base[DIR_COUNT];     /* per policy: the id of its first rule of dir */
	size_t nrules;		     /* rules of both directions */
	const struct netpol **pol;   /* per rule id */
	const struct np_rule **rule; /* per rule id */
	uint64_t **fixed;	     /* per rule id: ports admitted whatever the dst (lazily) */
	bool *named;		     /* per rule id: has a named port */
	size_t *content[DIR_COUNT];  /* per policy: id of the content of its dir rules */
	int family;		     /* the family compared now */
	uint64_t **members;	     /* per rule id: pods its peers stand for (lazily) */
	uint64_t **pod_rules;	     /* per pod: rules whose peers stand for it (candidates) */
	uint64_t *scratch;	     /* reach_diff_rules_ports()' answer for named ports */
};

void reach_diff_rules_init(struct rd_rules *k, const struct cluster *c, const struct rd_out *o,
			   const uint64_t *ones, struct strmap *ids);
void reach_diff_rules_family(struct rd_rules *k, int family);
void reach_diff_rules_fini(struct rd_rules *k);
void reach_diff_rules_pod(struct rd_rules *k, size_t pod);
const uint64_t *reach_diff_rules_members(struct rd_rules *k, size_t id);
bool reach_diff_rules_member(struct rd_rules *k, size_t id, size_t pod);
const uint64_t *reach_diff_rules_ports(struct rd_rules *k, size_t id, const struct pod *dst);
bool reach_diff_rules_admit(struct rd_rules *k, size_t self, size_t other, enum dir dir,
			    uint64_t *out);

void reach_diff_group(struct rd_out *o, struct reach_diff *d);

#endif
