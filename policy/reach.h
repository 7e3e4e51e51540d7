/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reachability under NetworkPolicy: the verdict of one connection (source pod or
 * address, destination pod or address, protocol, port) over a sealed cluster,
 * with the reasons as data: which policies isolate each end and which rule of
 * which policy admits it. Built on eval.h, the semantics the compiler lowers.
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

/* One direction at one end: egress at the source, ingress at the destination. */
struct reach_side {
	bool isolated; /* some policy selects the end for this direction */
	bool allowed;  /* !isolated, or some rule admits */
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

int reach_end_pod(const struct pod *p, int family, struct reach_end *out);
void reach_end_addr(const struct reach *r, const struct addr *ip, struct reach_end *out);
const struct pod *reach_find_pod(const struct reach *r, const char *ns, const char *name);

bool reach_allowed(const struct reach *r, const struct reach_query *q);
void reach_eval(const struct reach *r, const struct reach_query *q, struct reach_verdict *out);
void reach_verdict_fini(struct reach_verdict *v);

#endif
