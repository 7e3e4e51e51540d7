/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's counters and gauges, as plain data every module updates, and
 * their Prometheus text exposition (served by metrics_http).
 */
#ifndef AGENT_METRICS_H
#define AGENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/store.h"
#include "agent/watch.h"
#include "policy/model.h"

enum metrics_error {
	METRICS_ERR_LIST,	/* a LIST failed */
	METRICS_ERR_WATCH,	/* a WATCH failed or was cut */
	METRICS_ERR_DECODE,	/* an object the decoder rejected */
	METRICS_ERR_AUTH,	/* 401 or 403 from the API server */
	METRICS_ERR_LIMIT,	/* a bound on network input was exceeded */
	METRICS_ERR_COMPILE,	/* compile_cluster failed */
	METRICS_ERR_APPLY,	/* the kernel refused a transaction */
};
#define METRICS_ERR_KINDS 7

#define METRICS_SYNC_BUCKETS 12

struct metrics {
	uint64_t syncs_ok, syncs_failed;
	uint64_t sync_buckets[METRICS_SYNC_BUCKETS];	/* not cumulative */
	double sync_seconds_sum;
	double last_sync_success;	/* Unix time, seconds; 0: never */
	uint64_t full_syncs;		/* full replaces (first, periodic, repair) */
	uint64_t events[STORE_KINDS][WATCH_EVENT_TYPES];
	uint64_t restarts[STORE_KINDS][WATCH_RESTART_KINDS];
	uint64_t relists[STORE_KINDS];	/* completed LISTs */
	size_t objects[STORE_KINDS];	/* objects in the store */
	size_t isolated[DIR_COUNT];	/* local pod addresses isolated per direction */
	size_t local_pods;		/* pods in the store scheduled on this node */
	size_t sets, set_elements, chains, rules;	/* the programmed ruleset */
	uint64_t errors[METRICS_ERR_KINDS];
	bool ready;			/* the first complete sync is done */
};

void metrics_observe_sync(struct metrics *m, double seconds, bool ok);
int metrics_render(const struct metrics *m, FILE *f);
const char *metrics_error_name(enum metrics_error e);

#endif
