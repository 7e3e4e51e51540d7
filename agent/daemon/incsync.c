// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's incremental step (see incsync.h). */
#include "agent/daemon/incsync.h"

#include <errno.h>
#include <stdlib.h>

#include "base/strmap.h"
#include "base/xalloc.h"

static const struct cluster *seal(void *store)
{
	return store_snapshot(store);
}

/*
 * What the pods, namespace labels and NetworkPolicies changed since
 * store_journal_start() do to last, the table compiled with recipe, into d
 * (release: incr_delta_fini). Returns 0, or -EAGAIN when only a full
 * compilation can tell: anything else changed, too many pods did, or
 * incr_delta() says so (the recipe may then have followed part of the way:
 * the caller replaces it with a full compilation's).
 */
int incsync_delta(struct incr *recipe, struct store *s, const struct ruleset *last,
		  struct incr_delta *d)
{
	const struct store_journal *j = store_journal(s);
	const struct cluster *c = store_cluster(s);
	struct strmap *nss = strmap_new(), *seen = strmap_new();
	struct incr_polchange *pc = NULL;
	struct incr_change *ch;
	size_t n = 0, cap;
	int ret;

	if (!j || j->structural || !incr_usable(recipe)) {
		strmap_free(nss);
		strmap_free(seen);
		return -EAGAIN;
	}
	incr_set_sealer(recipe, seal, s);
	if (j->npols) { /* the policies' order changes: sealed before anything points in */
		c = store_snapshot(s);
		pc = xcalloc(j->npols, sizeof(*pc));
		for (size_t i = 0; i < j->npols; i++)
			pc[i] = (struct incr_polchange){ j->pols[i].ns, j->pols[i].name };
	}
	for (size_t i = 0; i < j->nnss; i++)
		strmap_put(nss, j->nss[i].old.name, (void *)&j->nss[i].old);
	cap = j->npods + 1;
	ch = xcalloc(cap, sizeof(*ch));
	for (size_t i = 0; i < j->npods; i++) {
		char *key = xasprintf("%s/%s", j->pods[i].ns, j->pods[i].name);

		ch[n].old = j->pods[i].had ? &j->pods[i].old : NULL;
		ch[n].now = store_pod(s, j->pods[i].ns, j->pods[i].name);
		ch[n++].old_ns = strmap_get(nss, j->pods[i].ns);
		strmap_put(seen, key, (void *)1);
		free(key);
	}
	/* the other pods of a namespace whose labels changed: same pod, other peers */
	for (size_t i = 0; j->nnss && i < c->npods; i++) {
		const struct k8s_ns *old = strmap_get(nss, c->pods[i].ns);
		char *key;

		if (!old)
			continue;
		key = xasprintf("%s/%s", c->pods[i].ns, c->pods[i].name);
		if (!strmap_get(seen, key)) {
			XGROW(ch, cap, n);
			ch[n++] = (struct incr_change){ &c->pods[i], &c->pods[i], old };
		}
		free(key);
	}
	ret = incr_delta(recipe, c, last, ch, n, pc, j->npols, d);
	free(pc);
	free(ch);
	strmap_free(nss);
	strmap_free(seen);
	return ret;
}
