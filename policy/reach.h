/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reachability under NetworkPolicy and ClusterNetworkPolicy: the verdict of one
 * connection (source pod or address, destination pod or address, protocol,
 * port) over a sealed cluster, with the reasons as data: which tier decided
 * each direction (the Admin tier's rule, the NetworkPolicies isolating the end
 * and which of their rules admit, the Baseline tier's rule, or nothing: allowed).
 * Built on eval.h, the semantics the compiler lowers.
 */
#ifndef POLICY_REACH_H
#define POLICY_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

struct reach;

/* One end of a connection. */
struct reach_end {
	const struct pod *pod; /* borrowed; NULL when the address is no eligible pod's */
	struct addr ip;	       /* the address the connection uses (a host: plen 32/128) */
};

/* A connection to evaluate. */
struct reach_query {
	struct reach_end src, dst;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	uint16_t port; /* destination port */
};

#define REACH_ANY ((size_t)-1) /* a rule without peers (or ports): any */

/* One rule of one policy that admits the connection. */
struct reach_allow {
	size_t pol;  /* index into cluster->pols */
	size_t rule; /* index into pols[pol].rules[dir] */
	size_t peer; /* index into the rule's peers, or REACH_ANY */
	size_t port; /* index into the rule's ports, or REACH_ANY */
};

/* Which tier decided one direction. */
enum reach_by {
	REACH_BY_DEFAULT,  /* nothing did: allowed */
	REACH_BY_ADMIN,	   /* an Admin tier rule: Accept or Deny */
	REACH_BY_NETPOL,   /* the NetworkPolicies isolating the end */
	REACH_BY_BASELINE, /* a Baseline tier rule: Accept or Deny (or Pass: allowed) */
};

/* A rule of a cluster network policy: index into cluster->cnps, and into its rules[dir]. */
struct reach_cnp_rule {
	size_t cnp; /* REACH_ANY: none */
	size_t rule;
};

/* One direction at one end: egress at the source, ingress at the destination. */
struct reach_side {
	enum reach_by by;		  /* who decided */
	struct reach_cnp_rule decided;	  /* by ADMIN or BASELINE: the rule */
	struct reach_cnp_rule admin_pass; /* the Admin tier Pass rule taken, if any */
	bool isolated; /* some NetworkPolicy selects the end for this direction */
	bool allowed;  /* the verdict of this direction */
	size_t *pols;  /* owned; the isolating policies, ascending indexes */
	size_t npols;
	struct reach_allow *allows; /* owned; every admitting rule, in policy order */
	size_t nallows, cap;
};

struct reach_verdict {
	bool allowed;
	bool self; /* a pod to itself: always allowed, sides not consulted */
	struct reach_side side[DIR_COUNT]; /* [DIR_EGRESS] source, [DIR_INGRESS] dest */
};

struct reach *reach_new(const struct cluster *c);
void reach_free(struct reach *r);
const struct cluster *reach_cluster(const struct reach *r);
size_t reach_isolating(const struct reach *r, const struct pod *p, enum dir dir,
		       const size_t **pols);
size_t reach_cnp_subject_of(const struct reach *r, const struct pod *p, const size_t **cnps);

int reach_end_pod(const struct pod *p, int family, struct reach_end *out);
void reach_end_addr(const struct reach *r, const struct addr *ip, struct reach_end *out);
const struct pod *reach_find_pod(const struct reach *r, const char *ns, const char *name);

bool reach_allowed(const struct reach *r, const struct reach_query *q);
void reach_eval(const struct reach *r, const struct reach_query *q, struct reach_verdict *out);
void reach_verdict_fini(struct reach_verdict *v);
size_t reach_audit(const struct reach *r, const struct reach_query *q, enum dir dir,
		   const size_t **pols, bool *would_deny);
bool reach_eval_dir(const struct reach *r, const struct reach_query *q, enum dir dir,
		    struct reach_side *side);
void reach_side_fini(struct reach_side *s);

#endif
