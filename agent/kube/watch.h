/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LIST then WATCH of one resource (pods, namespaces or networkpolicies,
 * cluster-wide) on a libcurl multi handle, feeding the store. Pages are
 * collected and applied as one relist; the watch resumes from the last
 * resourceVersion seen (bookmarks included); 410 Gone, as HTTP status or ERROR
 * event, means relist; failures back off exponentially with jitter. Everything
 * fed by the network is bounded: a line, a list body, an object count.
 *
 * The curl callbacks only record (store updates); watch_done() and
 * watch_timers() are called from the loop to move the state machine on.
 */
#ifndef AGENT_KUBE_WATCH_H
#define AGENT_KUBE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/kube/kube.h"
#include "agent/kube/watch_decode.h"
#include "agent/kube/store.h"

#define WATCH_MAX_LINE (16u << 20) /* bytes of one watch event */
#define WATCH_PAGE_LIMIT 500	   /* items asked for per LIST page */
#define WATCH_TIMEOUT_MIN_S 300	   /* watches last a random time in [MIN, MAX] */
#define WATCH_TIMEOUT_MAX_S 600

/* Why a watch (or list) was started again. */
enum watch_restart {
	WATCH_RESTART_CLOSED,  /* the server ended the stream normally */
	WATCH_RESTART_EXPIRED, /* 410: relist */
	WATCH_RESTART_FAILED,  /* transfer or HTTP error: backoff */
	WATCH_RESTART_INVALID, /* bad or oversized data: relist after backoff */
};
#define WATCH_RESTART_KINDS 4

/* What failed, for the error counters. */
enum watch_error {
	WATCH_ERR_LIST,	  /* a LIST failed */
	WATCH_ERR_WATCH,  /* a WATCH failed or was cut */
	WATCH_ERR_DECODE, /* an object the decoder rejected */
	WATCH_ERR_AUTH,	  /* 401 or 403 from the API server */
	WATCH_ERR_LIMIT,  /* a bound on network input was exceeded */
};
#define WATCH_ERR_KINDS 5

/* Counters the watches of one client update; the daemon exports them. */
struct watch_counters {
	uint64_t events[STORE_KINDS][WATCH_EVENT_TYPES];
	uint64_t restarts[STORE_KINDS][WATCH_RESTART_KINDS];
	uint64_t relists[STORE_KINDS]; /* completed LISTs */
	uint64_t errors[WATCH_ERR_KINDS];
};

struct watch;

const char *watch_restart_name(enum watch_restart r);
const char *watch_error_name(enum watch_error e);

struct watch *watch_new(enum store_kind kind, struct kube *kube, void *multi, struct store *store,
			struct watch_counters *cnt);
void watch_free(struct watch *w);
void watch_start(struct watch *w, int64_t now);
void watch_done(struct watch *w, int result, int64_t now);
void watch_timers(struct watch *w, int64_t now);
int64_t watch_deadline(const struct watch *w);
bool watch_synced(const struct watch *w);
const char *watch_resource(const struct watch *w);
const char *watch_list_path(enum store_kind kind);

#endif
