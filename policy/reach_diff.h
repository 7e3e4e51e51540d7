/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The difference in reachability between two versions of a cluster: every
 * (source pod, destination pod, port) whose verdict changes, over each address
 * family the new cluster's pods use, with the cause as data and grouped as
 * `nftpol diff` shows it (one group per verdict, family, cause and pair of
 * namespaces). Verdicts are reach.h's. Only the pairs an edit can reach are
 * evaluated, so the work grows with the pods whose policies or attributes
 * change, not with the square of the cluster — but when either version has
 * cluster network policies, every pair is compared (their peers reach across
 * the whole cluster; narrowing that is future work).
 */
#ifndef POLICY_REACH_DIFF_H
#define POLICY_REACH_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

/* A destination port to compare on. */
struct reach_diff_port {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	uint16_t port;
};

/* How one direction answers in the new cluster, where its answer changed. */
enum reach_diff_why {
	REACH_DIFF_ISOLATED,	 /* denied: isolated, no rule admits */
	REACH_DIFF_NOT_ISOLATED, /* allowed: no policy selects the end any more */
	REACH_DIFF_ALLOWED_BY,	 /* allowed by one rule of one policy */
	REACH_DIFF_BY_CNP,	 /* decided by a rule of a cluster network policy (Admin or
				    Baseline tier: Accept, Deny; or a Baseline Pass) */
};

struct reach_diff_side {
	enum reach_diff_why why;
	size_t *pols; /* ISOLATED: owned; the isolating policies, indexes into new->pols */
	size_t npols;
	size_t pol, rule; /* ALLOWED_BY: the first admitting rule (pols[pol].rules[dir][rule]);
			     BY_CNP: the rule new->cnps[pol].rules[dir][rule] */
};

/* Why a verdict changed: each direction whose answer changed, as it is now. */
struct reach_diff_cause {
	unsigned dirs; /* DIR_FLAG() of the changed directions */
	struct reach_diff_side side[DIR_COUNT];
};

/* One end of a group: the pods of one namespace that change. */
struct reach_diff_end {
	const char *ns;		 /* borrowed from the new cluster */
	const struct pod **pods; /* owned array; each pod once, sorted by name */
	size_t npods;
	size_t ns_pods;		     /* pods of ns compared in this family */
	const struct label **shared; /* owned array; the labels every pod has (borrowed) */
	size_t nshared;
};

/* A source and a destination pod of the new cluster. */
struct reach_diff_pair {
	const struct pod *src, *dst;
};

/* Pairs of one group that change on exactly the same ports. */
struct reach_diff_run {
	struct reach_diff_port *ports; /* owned; sorted by protocol and port */
	size_t nports;
	size_t first, n; /* pairs[first, first + n) */
};

/* Changes of one verdict, family, cause, source and destination namespace. */
struct reach_diff_group {
	bool allowed;			      /* the new verdict */
	int family;			      /* AF_INET or AF_INET6 */
	const struct reach_diff_cause *cause; /* borrowed from the reach_diff */
	struct reach_diff_end src, dst;
	struct reach_diff_port *ports; /* owned; every port of the runs, sorted, once */
	size_t nports;
	size_t changes;	 /* (pair, port) changes */
	size_t first, n; /* runs[first, first + n) */
};

/*
 * Groups sorted by verdict (denied first), family (IPv4 first), cause, source
 * and destination namespace; runs of a group by their ports; pairs of a run by
 * source and destination (namespace, name).
 */
struct reach_diff {
	struct reach_diff_group *groups; /* owned */
	size_t ngroups;
	struct reach_diff_run *runs; /* owned */
	size_t nruns;
	struct reach_diff_pair *pairs; /* owned; pods borrowed from the new cluster */
	size_t npairs;
	struct reach_diff_cause *causes; /* owned; what groups point to */
	size_t ncauses;
	size_t changes, denied; /* (pair, port) changes; allowed -> denied */
	bool dual;		/* pods of both families were compared */
};

void reach_diff_compute(const struct cluster *old, const struct cluster *new,
			const struct reach_diff_port *ports, size_t nports, struct reach_diff *out);
void reach_diff_fini(struct reach_diff *d);

#endif
