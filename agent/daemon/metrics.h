/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's counters and gauges, as plain data every module updates, and
 * their Prometheus text exposition (served by metrics_http).
 */
#ifndef AGENT_DAEMON_METRICS_H
#define AGENT_DAEMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/daemon/datapath.h"
#include "agent/kube/store.h"
#include "agent/kube/watch.h"
#include "policy/model.h"

/* Errors of the daemon itself; the watches count theirs in struct watch_counters. */
enum metrics_error {
	METRICS_ERR_COMPILE, /* compile_cluster failed */
	METRICS_ERR_APPLY,   /* the kernel refused a transaction */
};
#define METRICS_ERR_KINDS 2

#define METRICS_SYNC_BUCKETS 12

/* A Prometheus histogram over the same bucket bounds (1 ms ... 5 s). */
struct metrics_hist {
	uint64_t buckets[METRICS_SYNC_BUCKETS]; /* not cumulative */
	uint64_t count;
	double sum;
};

/* A cluster network policy with rules nftpol does not enforce (domainNames peers). */
struct metrics_cnp_ignored {
	const char *kind; /* static: "ClusterNetworkPolicy", ... */
	char *policy;	  /* owned */
	size_t rules;	  /* rules with a domainNames peer */
};

struct metrics {
	uint64_t syncs_ok, syncs_failed;
	struct metrics_hist sync;    /* compile and program */
	struct metrics_hist latency; /* a change's arrival to its commit's acknowledgement */
	double last_sync_success;    /* Unix time, seconds; 0: never */
	uint64_t full_syncs;	     /* full replaces (first, periodic, repair) */
	uint64_t incr_syncs;	     /* syncs done incrementally (pod changes alone) */
	uint64_t incr_fallbacks;     /* changes the incremental way could not place */
	uint64_t incr_checks, incr_mismatches;	  /* --check-incremental: compared, differed */
	uint64_t conns_cut, conns_restored;	  /* established connections a change cut/let be */
	struct watch_counters watch;		  /* events, restarts, LISTs, API errors */
	size_t objects[STORE_KINDS];		  /* objects in the store */
	size_t isolated[DIR_COUNT];		  /* local pod addresses isolated per direction */
	size_t local_pods;			  /* pods in the store scheduled on this node */
	size_t sets, set_elements, chains, rules; /* the programmed ruleset */
	uint64_t errors[METRICS_ERR_KINDS];
	size_t unenforced[DATAPATH_REASONS];	  /* bridges the datapath check found blind */
	bool ready;				  /* the first complete sync is done */
	struct metrics_cnp_ignored *domain_rules; /* owned; as of the last compile */
	size_t ndomain_rules;
	/* more series, written after these at each scrape (the policies' counters) */
	void (*extra)(void *ctx, FILE *f);
	void *extra_ctx;
};

void metrics_observe_sync(struct metrics *m, double seconds, bool ok);
void metrics_hist_observe(struct metrics_hist *h, double seconds);
int metrics_render(const struct metrics *m, FILE *f);
bool metrics_set_domain_rules(struct metrics *m, const struct cluster *c);
void metrics_fini(struct metrics *m);

#endif
