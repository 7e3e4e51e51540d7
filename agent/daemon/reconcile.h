/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping the kernel's table equal to what the store demands. Runs in the
 * loop's before-sleep step: nothing happens until every initial LIST is
 * complete; then changes are coalesced (a quiet period after the last change,
 * bounded after the first), compiled for this node and programmed as one
 * transaction. A periodic full check reads the table back and repairs drift.
 * A failure keeps the previous ruleset and is retried with backoff.
 */
#ifndef AGENT_DAEMON_RECONCILE_H
#define AGENT_DAEMON_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/daemon/metrics.h"
#include "agent/kube/store.h"
#include "nft/compile.h"
#include "nft/counters.h"

struct reconcile_opts {
	const char *node;	      /* borrowed; whose pods get chains */
	int64_t quiet_ms;	      /* sync this long after the last change ... */
	int64_t max_delay_ms;	      /* ... but at most this long after the first */
	int64_t full_check_ms;	      /* read back and repair every so often */
	bool keep_established;	      /* do not cut connections a change denies */
	bool fail_closed;	      /* drop unknown addresses of the pod CIDRs */
	const struct addr *pod_cidrs; /* borrowed; this node's pod CIDRs */
	size_t npod_cidrs;
	bool no_counters;	/* no counters on the policy rules */
	bool audit;		/* every policy in audit mode */
	uint16_t log_group;	/* > 0: denied first packets to this NFLOG group */
	uint32_t log_rate;	/* ... at most so many a second per rule */
	bool no_incremental;	/* compile everything at every sync */
	bool check_incremental; /* after each incremental sync, compare with a full compile */
};

struct reconcile;

int reconcile_new(const struct reconcile_opts *o, struct store *s, struct metrics *m,
		  struct reconcile **out, char **err);
void reconcile_free(struct reconcile *r);
void reconcile_run(struct reconcile *r, bool lists_complete, int64_t now);
int64_t reconcile_deadline(const struct reconcile *r, bool lists_complete);
const struct compile_meta *reconcile_meta(const struct reconcile *r);
int reconcile_counters(struct reconcile *r, struct rs_counter_value **v, size_t *n);

#endif
