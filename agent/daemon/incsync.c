// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's incremental step (see incsync.h). */
#include "agent/daemon/incsync.h"

#include <errno.h>
#include <stdlib.h>

#include "base/xalloc.h"

static const struct cluster *seal(void *store)
{
	return store_snapshot(store);
}

/*
 * What the pods changed since store_journal_start() do to last, the table
 * compiled with recipe, into d (release: incr_delta_fini). Returns 0, or
 * -EAGAIN when only a full compilation can tell: anything but pods changed,
 * too many pods did, or incr_delta() says so.
 */
int incsync_delta(struct incr *recipe, struct store *s, const struct ruleset *last,
		  struct incr_delta *d)
{
	const struct store_journal *j = store_journal(s);
	struct incr_change *ch;
	int ret;

	if (!j || j->structural || !incr_usable(recipe))
		return -EAGAIN;
	incr_set_sealer(recipe, seal, s);
	ch = xcalloc(j->npods + 1, sizeof(*ch));
	for (size_t i = 0; i < j->npods; i++) {
		ch[i].old = j->pods[i].had ? &j->pods[i].old : NULL;
		ch[i].now = store_pod(s, j->pods[i].ns, j->pods[i].name);
	}
	ret = incr_delta(recipe, store_cluster(s), last, ch, j->npods, d);
	free(ch);
	return ret;
}
