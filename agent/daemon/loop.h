/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's single thread: one poll over the libcurl multi handle's sockets,
 * the metrics listener and a signal self-pipe, with the earliest deadline as
 * timeout. Each turn runs due timers, the before-sleep reconcile step, the
 * poll, the listener and the finished transfers. SIGTERM and SIGINT end it.
 */
#ifndef AGENT_DAEMON_LOOP_H
#define AGENT_DAEMON_LOOP_H

#include "agent/daemon/denied.h"
#include "agent/daemon/metrics.h"
#include "agent/daemon/metrics_http.h"
#include "agent/daemon/reconcile.h"
#include "agent/kube/store.h"
#include "agent/kube/watch.h"

#define LOOP_MAX_SLEEP_MS 1000 /* wake at least this often */

/* What the loop drives; all borrowed. */
struct loop_parts {
	void *multi; /* CURLM * */
	struct watch *watches[STORE_KINDS];
	struct reconcile *rec;
	struct metrics_http *http; /* may be NULL */
	struct metrics *m;
	struct store *store;
	struct denied *denied; /* may be NULL: --log-denied not given */
	bool audit;	       /* --audit */
};

int loop_signals_init(void);
void loop_signals_fini(void);
int loop_run(struct loop_parts *p);

#endif
