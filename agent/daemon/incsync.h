/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's incremental step: the pod changes the store journaled since the
 * last sync, turned by the recipe of the programmed table (nft/incr.h) into
 * element operations. The reconciler and tests/unit/test_incr.c share it.
 */
#ifndef AGENT_DAEMON_INCSYNC_H
#define AGENT_DAEMON_INCSYNC_H

#include "agent/kube/store.h"
#include "nft/incr.h"

int incsync_delta(struct incr *recipe, struct store *s, const struct ruleset *last,
		  struct incr_delta *d) __attribute__((warn_unused_result));

#endif
