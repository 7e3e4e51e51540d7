// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reconciler (see reconcile.h). program() is the one place that touches the
 * kernel, always in one netlink transaction. Between full checks it sends the
 * difference from what it programmed last without reading anything back
 * (apply_delta: the kernel refuses the batch if anyone committed since our last
 * commit, and then the table is read back and compared). A full check
 * (apply_ruleset) reads our table back and replaces it whole when it is missing
 * or was changed by someone else.
 */
#include "agent/daemon/reconcile.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/datapath.h"
#include "agent/daemon/incsync.h"
#include "agent/kube/backoff.h"
#include "base/log.h"
#include "base/now.h"
#include "nft/apply.h"
#include "nft/compile.h"
#include "nft/ctsweep.h"
#include "nft/failclosed.h"
#include "nft/incr.h"
#include "nft/netlink.h"
#include "nft/stamp.h"
#include "nft/render.h"
#include "policy/diag.h"
#include "base/xalloc.h"

struct reconcile {
	struct reconcile_opts o; /* node borrowed */
	struct store *store;	 /* borrowed */
	struct metrics *m;	 /* borrowed */
	struct netlink *nl;	 /* owned */
	struct ruleset last;	 /* what was programmed last; valid if have_last */
	bool have_last;
	uint32_t nft_gen;     /* ruleset generation at which the kernel held last */
	uint64_t done_gen;    /* store generation `last` reflects */
	uint64_t seen_gen;    /* generation seen by the previous run */
	int64_t first_change; /* of the pending changes, or NOW_NEVER */
	int64_t last_change;
	int64_t next_full; /* next periodic full check */
	int64_t retry_at;  /* no attempt before this, after a failure */
	struct backoff bo;
	size_t node_cidrs;	  /* --fail-closed from the Node: CIDRs at the last sync, or ~0 */
	int64_t last_sync;	  /* when the last sync ended (NOW_NEVER: none yet) */
	int64_t sync_cost_ms;	  /* how long the last compiled sync took */
	int64_t incr_cost_ms;	  /* how long the last incremental sync took */
	struct compile_meta meta; /* what the counters of `last` count */
	struct compile_meta pending; /* ... of the ruleset being programmed */
	struct incr *recipe;	     /* how `last` follows pod changes; NULL: compile all */
	struct incr *pending_recipe; /* ... of the ruleset being programmed */
};

/*
 * A reconciler for store (borrowed) on node, counting into m (borrowed). Opens
 * the netlink socket. Returns 0 and *out, or -errno with *err (owned by the
 * caller).
 */
int reconcile_new(const struct reconcile_opts *o, struct store *s, struct metrics *m,
		  struct reconcile **out, char **err)
{
	struct reconcile *r;
	struct netlink *nl = NULL;
	int ret = netlink_open(&nl);

	*out = NULL;
	if (ret < 0)
		return xseterr(err, ret, "cannot open the netfilter netlink socket: %s",
			       strerror(-ret));
	r = xcalloc(1, sizeof(*r));
	r->o = *o;
	r->store = s;
	r->m = m;
	r->nl = nl;
	r->seen_gen = store_generation(s);
	r->first_change = NOW_NEVER;
	r->last_sync = NOW_NEVER;
	r->node_cidrs = ~(size_t)0;
	r->next_full = NOW_NEVER;
	backoff_init(&r->bo, BACKOFF_INITIAL_MS, BACKOFF_CAP_MS);
	*out = r;
	return 0;
}

/* Free r; the kernel keeps the rules. NULL is fine. */
void reconcile_free(struct reconcile *r)
{
	if (!r)
		return;
	if (r->have_last)
		ruleset_fini(&r->last);
	compile_meta_fini(&r->meta);
	compile_meta_fini(&r->pending);
	incr_free(r->recipe);
	incr_free(r->pending_recipe);
	netlink_close(r->nl);
	free(r);
}

/* What each counter of the programmed table counts (empty before the first sync). */
const struct compile_meta *reconcile_meta(const struct reconcile *r)
{
	return &r->meta;
}

/* The values of the programmed table's counters, in one dump (counters_read()). */
int reconcile_counters(struct reconcile *r, struct rs_counter_value **v, size_t *n)
{
	return counters_read(r->nl, COMPILE_TABLE, v, n);
}

static void log_apply_error(const struct apply_result *res, int ret)
{
	char buf[640];

	if (res->stage == APPLY_STAGE_KERNEL && res->rep.nerrors) {
		netlink_error_str(&res->rep.e[0], buf, sizeof(buf));
		log_error("the kernel refused the transaction; the previous rules stay",
			  LOG_FIELDS(LOG_STR("error", buf), LOG_UINT("errors", res->rep.nerrors),
				     LOG_UINT("msgs", res->msgs)));
	} else if (res->stage == APPLY_STAGE_BUILD) {
		log_error("cannot build the transaction; the previous rules stay",
			  LOG_FIELDS(LOG_STR("error", res->err)));
	} else {
		log_error("cannot program the table; the previous rules stay",
			  LOG_FIELDS(LOG_STR("error", strerror(-ret)),
				     LOG_INT("stage", res->stage)));
	}
}

/*
 * The one call that changes the kernel: make the table equal to want in one
 * transaction, as a difference from last (NULL: unknown) — read back and
 * compared first on a full check. Returns 0 or -errno (the table is then
 * unchanged).
 */
static int program(struct reconcile *r, const struct ruleset *want, const struct ruleset *last,
		   bool full, struct apply_result *res)
{
	int ret;

	if (full || !last) {
		ret = apply_ruleset(r->nl, want, last, 0, res);
		r->nft_gen = ret ? 0 : res->gen_after;
	} else {
		ret = apply_delta(r->nl, want, last, &r->nft_gen, res);
	}
	if (ret)
		log_apply_error(res, ret);
	return ret;
}

static void count_ruleset(struct metrics *m, const struct ruleset *rs)
{
	static const char *const maps[DIR_COUNT][2] = {
		[DIR_INGRESS] = { "pod_ingress4", "pod_ingress6" },
		[DIR_EGRESS] = { "pod_egress4", "pod_egress6" },
	};

	m->sets = rs->nsets;
	m->chains = rs->nchains;
	m->set_elements = 0;
	m->rules = 0;
	for (size_t i = 0; i < rs->nsets; i++)
		m->set_elements += rs->sets[i].nelems;
	for (size_t i = 0; i < rs->nchains; i++)
		m->rules += rs->chains[i].nrules;
	for (int d = 0; d < DIR_COUNT; d++) {
		m->isolated[d] = 0;
		for (int f = 0; f < 2; f++) {
			const struct rs_set *s = ruleset_find_set(rs, maps[d][f]);

			m->isolated[d] += s ? s->nelems : 0;
		}
	}
}

/*
 * --fail-closed: the pod CIDRs given with --pod-cidr, else this node's
 * spec.podCIDRs from its Node object (said once whenever their number
 * changes: a node without them holds nothing closed).
 */
static void fail_closed(struct reconcile *r, const struct cluster *c, struct ruleset *rs)
{
	const struct k8s_node *node;

	if (r->o.npod_cidrs) {
		failclosed_put(rs, c, r->o.node, r->o.pod_cidrs, r->o.npod_cidrs);
		return;
	}
	node = model_cluster_node(c, r->o.node);
	if (!node || !node->npod_cidrs) {
		if (r->node_cidrs != 0)
			log_warnx("--fail-closed holds nothing closed: this node's Node object has "
				  "no spec.podCIDRs (give --pod-cidr)",
				  LOG_FIELDS(LOG_STR("node", r->o.node),
					     LOG_STR("node_object", node ? "found" : "absent")));
		r->node_cidrs = 0;
		failclosed_put(rs, c, r->o.node, NULL, 0);
		return;
	}
	if (r->node_cidrs != node->npod_cidrs)
		log_info("--fail-closed: pod CIDRs from the Node object",
			 LOG_FIELDS(LOG_STR("node", r->o.node),
				    LOG_UINT("cidrs", node->npod_cidrs)));
	r->node_cidrs = node->npod_cidrs;
	failclosed_put(rs, c, r->o.node, node->pod_cidrs, node->npod_cidrs);
}

/*
 * Compile everything the store holds into rs, stamped with stamp; with
 * recipe, record how rs follows pod changes (and start the store's journal of
 * them). Returns 0 or -errno (rs is then freed).
 */
static int compile_full(struct reconcile *r, struct ruleset *rs, struct incr *recipe,
			uint32_t stamp, struct compile_meta *meta)
{
	const struct cluster *c = store_snapshot(r->store);
	struct diag_list d;
	int ret;

	diag_list_init(&d);
	if (recipe)
		store_journal_start(r->store);
	ret = compile_cluster_opts(c,
				   &(struct compile_opts){ .node = r->o.node,
							   .no_counters = r->o.no_counters,
							   .audit = r->o.audit,
							   .log_group = r->o.log_group,
							   .log_rate = r->o.log_rate,
							   .log_burst = r->o.log_rate,
							   .meta = meta,
							   .recipe = recipe },
				   rs, &d);
	if (ret >= 0 && r->o.fail_closed)
		fail_closed(r, c, rs);
	if (ret >= 0)
		stamp_put(rs, stamp);
	for (size_t i = 0; i < d.n && i < 5 && meta; i++)
		log_warnx("compiler diagnostic", LOG_FIELDS(LOG_STR("object", d.v[i].object),
							    LOG_STR("message", d.v[i].msg)));
	diag_list_fini(&d);
	if (ret < 0)
		ruleset_fini(rs);
	return ret;
}

static int compile(struct reconcile *r, struct ruleset *rs)
{
	const struct cluster *c = store_snapshot(r->store);
	int ret;

	if (metrics_set_domain_rules(r->m, c))
		for (size_t i = 0; i < r->m->ndomain_rules; i++)
			log_warnx("cluster network policy rules with domainNames peers are not "
				  "enforced: such an Accept rule matches nothing",
				  LOG_FIELDS(LOG_STR("kind", r->m->domain_rules[i].kind),
					     LOG_STR("policy", r->m->domain_rules[i].policy),
					     LOG_UINT("rules", r->m->domain_rules[i].rules)));
	compile_meta_fini(&r->pending);
	incr_free(r->pending_recipe);
	r->pending_recipe = r->o.no_incremental ? NULL : incr_new();
	ret = compile_full(r, rs, r->pending_recipe, (uint32_t)now_wall(), &r->pending);
	if (ret < 0) {
		r->m->errors[METRICS_ERR_COMPILE]++;
		log_error("cannot compile the policies; the previous rules stay",
			  LOG_FIELDS(LOG_STR("error", strerror(-ret))));
	}
	return ret;
}

/*
 * Count the pods scheduled on this node. None at the first sync means the node
 * name is almost surely wrong (the agent's own pod runs there): every pod
 * would be remote and nothing enforced here, so say it loudly.
 */
static void count_local(struct reconcile *r)
{
	const struct cluster *c = store_snapshot(r->store);
	size_t n = 0;

	for (size_t i = 0; i < c->npods; i++)
		n += !r->o.node || (c->pods[i].node && !strcmp(c->pods[i].node, r->o.node));
	r->m->local_pods = n;
	if (!n && r->o.node && !r->m->ready)
		log_warnx("no pod in the cluster is scheduled on this node, not even this "
			  "agent's own: check --node-name / NODE_NAME; no pod is enforced here",
			  LOG_FIELDS(LOG_STR("node", r->o.node), LOG_UINT("pods", c->npods)));
}

/* A sync of generation gen is in the kernel: note it. */
static void synced(struct reconcile *r, uint64_t gen, bool full, int64_t now)
{
	r->done_gen = gen;
	if (gen == store_generation(r->store))
		r->first_change = NOW_NEVER;
	if (full)
		r->next_full = now + r->o.full_check_ms;
	r->retry_at = 0;
	backoff_reset(&r->bo);
	count_ruleset(r->m, &r->last);
	r->m->last_sync_success = now_wall();
	r->m->ready = true;
}

static void succeeded(struct reconcile *r, struct ruleset *rs, uint64_t gen, bool full, int64_t now)
{
	if (r->have_last)
		ruleset_fini(&r->last);
	r->last = *rs;
	r->have_last = true;
	compile_meta_fini(&r->meta);
	r->meta = r->pending;
	memset(&r->pending, 0, sizeof(r->pending));
	incr_free(r->recipe);
	r->recipe = r->pending_recipe;
	r->pending_recipe = NULL;
	count_local(r); /* before synced(): it warns at the first sync */
	synced(r, gen, full, now);
}

static void log_sync(const struct apply_result *res, uint64_t gen, bool full, bool incremental,
		     int64_t ms, int64_t compile_ms)
{
	const struct diff_stats *st = &res->st;

	if (!res->sent && !full)
		return;
	log_info(res->full   ? "table replaced"
		 : res->sent ? "table updated"
			     : "table checked",
		 LOG_FIELDS(LOG_UINT("generation", gen), LOG_INT("duration_ms", ms),
			    LOG_STR("how", incremental ? "incremental" : "compiled"),
			    LOG_INT("compile_ms", compile_ms), LOG_STR("why", res->why),
			    LOG_UINT("elems_added", st->elems_added),
			    LOG_UINT("elems_removed", st->elems_removed),
			    LOG_UINT("chains_added", st->chains_added),
			    LOG_UINT("chains_removed", st->chains_removed),
			    LOG_UINT("chains_rewritten", st->chains_rewritten),
			    LOG_UINT("sets_added", st->sets_added),
			    LOG_UINT("sets_removed", st->sets_removed), LOG_UINT("msgs", res->msgs),
			    LOG_UINT("bytes", res->bytes)));
}

/*
 * After a commit that changed the table: cut the established connections of
 * local pods the new table denies (nft/ctsweep.c). A failure is logged; the
 * table stays applied.
 */
static void sweep(struct reconcile *r, const struct ruleset *rs)
{
	struct ctsweep_local local;
	struct ctsweep_stats st;
	int64_t t0 = now_ms();
	int ret = ctsweep_local_read(&local);

	if (!ret) {
		ret = ctsweep(r->nl, rs, &local, COMPILE_CT_REVOKED, &st);
		ctsweep_local_fini(&local);
	}
	if (ret) {
		log_error("established connections were not judged; those the change denies may "
			  "live on",
			  LOG_FIELDS(LOG_STR("error", strerror(-ret))));
		return;
	}
	r->m->conns_cut += st.cut;
	r->m->conns_restored += st.restored;
	if (st.cut || st.restored)
		log_info("established connections follow the change",
			 LOG_FIELDS(LOG_UINT("cut", st.cut), LOG_UINT("restored", st.restored),
				    LOG_UINT("judged", st.judged),
				    LOG_UINT("conntrack_entries", st.seen),
				    LOG_INT("duration_ms", now_ms() - t0)));
}

/*
 * --check-incremental: the table kept incrementally must be what a full
 * compilation makes of the store now (same stamp). A difference is an error
 * (logged with the first line that differs, counted); the next sync is then a
 * full one, which repairs it.
 */
static void check_incremental(struct reconcile *r, uint32_t stamp)
{
	struct ruleset ref;
	char *got = NULL, *want = NULL;
	size_t glen = 0, wlen = 0, k = 0;
	FILE *f;

	if (compile_full(r, &ref, NULL, stamp, NULL) < 0)
		return;
	f = open_memstream(&got, &glen);
	if (f) {
		render_ruleset(&r->last, f);
		fclose(f);
	}
	f = open_memstream(&want, &wlen);
	if (f) {
		render_ruleset(&ref, f);
		fclose(f);
	}
	ruleset_fini(&ref);
	r->m->incr_checks++;
	if (got && want && !strcmp(got, want)) {
		free(got);
		free(want);
		return;
	}
	while (got && want && got[k] && got[k] == want[k])
		k++;
	while (k && got[k - 1] != '\n')
		k--;
	r->m->incr_mismatches++;
	log_error("the incrementally kept table differs from a full compile; a full sync repairs "
		  "it",
		  LOG_FIELDS(LOG_STR("incremental", got ? strndupa(got + k, 160) : ""),
			     LOG_STR("full", want ? strndupa(want + k, 160) : "")));
	incr_free(r->recipe);
	r->recipe = NULL;
	r->next_full = now_ms();
	free(got);
	free(want);
}

/*
 * The incremental sync: when only pods changed since the last sync and the
 * recipe can place every element they change, send those elements (and the
 * new stamp) alone, without compiling or diffing the table. Returns whether it
 * did the sync; false leaves everything for a full compilation (the recipe is
 * dropped when the kernel refused the batch: the table is read back then).
 */
static bool sync_incremental(struct reconcile *r, int64_t now)
{
	uint64_t gen = store_generation(r->store);
	uint32_t stamp = (uint32_t)now_wall();
	int64_t t0 = now_ms(), ms, oldest = r->first_change;
	struct apply_result res;
	struct incr_delta d;
	struct diff_plan plan;
	int ret = incsync_delta(r->recipe, r->store, &r->last, &d);

	if (ret) {
		r->m->incr_fallbacks++;
		return false;
	}
	if (incr_delta_stamp(&d, &r->last, STAMP_SET, &stamp, sizeof(stamp))) {
		incr_delta_fini(&d);
		incr_free(r->recipe); /* it may have named chains the table will not have */
		r->recipe = NULL;
		r->m->incr_fallbacks++;
		return false;
	}
	incr_plan(&d, &r->last, &plan);
	ret = apply_plan(r->nl, &plan, r->last.table, &r->nft_gen, &res);
	diff_plan_fini(&plan);
	if (ret == -ERESTART || ret == -ESTALE) {
		/* someone else committed meanwhile: read back, compare, send */
		incr_commit(r->recipe, &r->last, &d);
		compile_meta_merge(&r->meta, &d.meta);
		ret = apply_ruleset(r->nl, &r->last, NULL, 0, &res);
		r->nft_gen = ret ? 0 : res.gen_after;
		if (ret) {
			log_apply_error(&res, ret);
			/* last holds what we wanted, not what the kernel has */
			ruleset_fini(&r->last);
			r->have_last = false;
		}
	} else if (!ret) {
		incr_commit(r->recipe, &r->last, &d);
		compile_meta_merge(&r->meta, &d.meta);
	} else {
		log_apply_error(&res, ret);
	}
	if (ret) {
		r->m->errors[METRICS_ERR_APPLY]++;
		incr_delta_fini(&d);
		incr_free(r->recipe);
		r->recipe = NULL;
		if (r->have_last) { /* it may hold what the plan made: read back */
			ruleset_fini(&r->last);
			r->have_last = false;
		}
		r->m->incr_fallbacks++;
		return false;
	}
	r->m->local_pods = (size_t)((long)r->m->local_pods + d.local_pods);
	incr_delta_fini(&d);
	store_journal_start(r->store);
	ms = now_ms() - t0;
	r->last_sync = now_ms();
	r->incr_cost_ms = ms;
	r->m->incr_syncs++;
	metrics_observe_sync(r->m, (double)ms / 1000, true);
	if (oldest != NOW_NEVER)
		metrics_hist_observe(&r->m->latency, (double)(r->last_sync - oldest) / 1000);
	log_sync(&res, gen, false, true, ms, 0);
	if (res.sent && !r->o.keep_established)
		sweep(r, &r->last);
	synced(r, gen, false, now);
	if (r->o.check_incremental)
		check_incremental(r, stamp);
	return true;
}

/* Compile and program once; full: count it as a full check. */
static void sync_once(struct reconcile *r, bool full, int64_t now)
{
	uint64_t gen = store_generation(r->store);
	struct apply_result res;
	struct ruleset rs;
	int64_t t0, ms, compile_ms, oldest = r->first_change;
	int ret;

	if (!full && r->have_last && r->recipe && sync_incremental(r, now))
		return;
	t0 = now_ms();
	ret = compile(r, &rs);
	compile_ms = now_ms() - t0;
	if (!ret) {
		ret = program(r, &rs, r->have_last ? &r->last : NULL, full, &res);
		if (ret) {
			r->m->errors[METRICS_ERR_APPLY]++;
			ruleset_fini(&rs);
		}
	}
	ms = now_ms() - t0;
	r->last_sync = now_ms();
	r->sync_cost_ms = ms;
	metrics_observe_sync(r->m, (double)ms / 1000, ret == 0);
	if (!ret && oldest != NOW_NEVER && r->have_last)
		metrics_hist_observe(&r->m->latency, (double)(r->last_sync - oldest) / 1000);
	if (full) {
		r->m->full_syncs++;
		datapath_observe(&datapath_node, r->m);
	}
	if (ret) {
		/* the journal restarted with this compilation: the old recipe is stale */
		incr_free(r->recipe);
		r->recipe = NULL;
		r->retry_at = now + backoff_next(&r->bo);
		log_info("sync failed; retrying later",
			 LOG_FIELDS(LOG_INT("retry_in_ms", r->retry_at - now)));
		malloc_trim(0);
		return;
	}
	log_sync(&res, gen, full, false, ms, compile_ms);
	if (res.sent && !r->o.keep_established)
		sweep(r, &rs);
	succeeded(r, &rs, gen, full, now);
	/* a whole table and the compile's scratch were freed: give back their pages */
	malloc_trim(0);
}

/*
 * When the pending changes are due. A lone change after a quiet spell (no sync
 * for quiet_ms) at once: nothing suggests more will follow, and waiting would
 * only add latency. Otherwise, in a burst, quiet for quiet_ms or old enough,
 * whichever comes first, so the burst is programmed in few commits. "Old
 * enough" follows what the next sync will cost: four times the last one of
 * its kind (incremental while there is a recipe, else compiled), at least
 * 10 ms, at most max_delay_ms. Syncs then take at most a fifth of the time
 * however long the burst, and a burst of cheap (incremental) syncs is
 * programmed every 10 ms or so instead of once a second; a compile now and
 * then (a periodic check, a change only a compile follows) does not hold the
 * incremental syncs after it back.
 */
static int64_t change_due(const struct reconcile *r)
{
	int64_t quiet, oldest, delay = 4 * (r->recipe ? r->incr_cost_ms : r->sync_cost_ms);

	if (r->first_change == NOW_NEVER)
		return NOW_NEVER;
	if (r->first_change == r->last_change &&
	    (r->last_sync == NOW_NEVER || r->first_change - r->last_sync >= r->o.quiet_ms))
		return r->first_change;
	if (delay < 10)
		delay = 10;
	if (delay > r->o.max_delay_ms)
		delay = r->o.max_delay_ms;
	quiet = r->last_change + r->o.quiet_ms;
	oldest = r->first_change + delay;
	return quiet < oldest ? quiet : oldest;
}

/*
 * When reconcile_run() has work next (NOW_NEVER: only after a change).
 * Before the lists are complete there is none.
 */
int64_t reconcile_deadline(const struct reconcile *r, bool lists_complete)
{
	int64_t due;

	if (!lists_complete)
		return NOW_NEVER;
	if (!r->have_last)
		due = r->retry_at;
	else
		due = change_due(r) < r->next_full ? change_due(r) : r->next_full;
	if (due != NOW_NEVER && due < r->retry_at)
		due = r->retry_at;
	return due;
}

/*
 * The before-sleep step: notice store changes, and when the lists are complete
 * and a sync is due (first sync, coalesced changes, periodic full check), run it.
 */
void reconcile_run(struct reconcile *r, bool lists_complete, int64_t now)
{
	uint64_t gen = store_generation(r->store);
	bool full;

	if (gen != r->seen_gen) {
		r->seen_gen = gen;
		r->last_change = now;
		if (r->first_change == NOW_NEVER)
			r->first_change = now;
	}
	if (r->have_last && gen == r->done_gen)
		r->first_change = NOW_NEVER;
	if (now < reconcile_deadline(r, lists_complete))
		return;
	if (!lists_complete)
		return;
	full = !r->have_last || now >= r->next_full;
	sync_once(r, full, now);
}
