// SPDX-License-Identifier: GPL-2.0-or-later
/* Counters and their Prometheus text exposition, format 0.0.4 (see metrics.h). */
#include "agent/daemon/metrics.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/version.h"
#include "base/xalloc.h"

static const double bucket_le[METRICS_SYNC_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

static const char *const error_names[METRICS_ERR_KINDS] = {
	[METRICS_ERR_COMPILE] = "compile",
	[METRICS_ERR_APPLY] = "apply",
};

void metrics_hist_observe(struct metrics_hist *h, double seconds)
{
	size_t i = 0;

	while (i < METRICS_SYNC_BUCKETS && seconds > bucket_le[i])
		i++;
	if (i < METRICS_SYNC_BUCKETS)
		h->buckets[i]++;
	h->count++;
	h->sum += seconds;
}

/* Count one sync (compile and program) that took seconds; ok: it succeeded. */
void metrics_observe_sync(struct metrics *m, double seconds, bool ok)
{
	if (ok)
		m->syncs_ok++;
	else
		m->syncs_failed++;
	metrics_hist_observe(&m->sync, seconds);
}

static void render_hist(FILE *f, const char *name, const struct metrics_hist *h)
{
	uint64_t cum = 0;

	for (int i = 0; i < METRICS_SYNC_BUCKETS; i++) {
		cum += h->buckets[i];
		fprintf(f, "%s_bucket{le=\"%g\"} %lu\n", name, bucket_le[i], cum);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %lu\n", name, h->count);
	fprintf(f, "%s_sum %.6f\n", name, h->sum);
	fprintf(f, "%s_count %lu\n", name, h->count);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_sync(const struct metrics *m, FILE *f)
{
	head(f, "nftpol_syncs_total", "counter", "Compile-and-program runs by result.");
	fprintf(f, "nftpol_syncs_total{result=\"ok\"} %lu\n", m->syncs_ok);
	fprintf(f, "nftpol_syncs_total{result=\"error\"} %lu\n", m->syncs_failed);
	head(f, "nftpol_full_syncs_total", "counter",
	     "Syncs that replaced or checked the whole table (start, periodic check, repair).");
	fprintf(f, "nftpol_full_syncs_total %lu\n", m->full_syncs);
	head(f, "nftpol_incremental_syncs_total", "counter",
	     "Syncs that sent only the elements the changed pods changed, without compiling "
	     "the table.");
	fprintf(f, "nftpol_incremental_syncs_total %lu\n", m->incr_syncs);
	head(f, "nftpol_incremental_fallbacks_total", "counter",
	     "Pod-only changes the incremental way could not place (a new combination of "
	     "policies, an address family appearing, a shared address...): compiled whole.");
	fprintf(f, "nftpol_incremental_fallbacks_total %lu\n", m->incr_fallbacks);
	head(f, "nftpol_incremental_checks_total", "counter",
	     "--check-incremental: incremental syncs compared with a full compile, by result.");
	fprintf(f, "nftpol_incremental_checks_total{result=\"equal\"} %lu\n",
		m->incr_checks - m->incr_mismatches);
	fprintf(f, "nftpol_incremental_checks_total{result=\"different\"} %lu\n",
		m->incr_mismatches);
	head(f, "nftpol_established_connections_cut_total", "counter",
	     "Established connections of local pods a policy change denied: their packets are "
	     "dropped from then on.");
	fprintf(f, "nftpol_established_connections_cut_total %lu\n", m->conns_cut);
	head(f, "nftpol_established_connections_restored_total", "counter",
	     "Cut connections a later change admitted again.");
	fprintf(f, "nftpol_established_connections_restored_total %lu\n", m->conns_restored);
	head(f, "nftpol_sync_duration_seconds", "histogram",
	     "Time to compile and program the ruleset.");
	render_hist(f, "nftpol_sync_duration_seconds", &m->sync);
	head(f, "nftpol_enforcement_latency_seconds", "histogram",
	     "From the arrival of a watch event (the oldest a sync programs) to the kernel's "
	     "acknowledgement of the commit that enforces it.");
	render_hist(f, "nftpol_enforcement_latency_seconds", &m->latency);
	head(f, "nftpol_last_sync_success_timestamp_seconds", "gauge",
	     "Unix time of the last successful sync (0: none yet).");
	fprintf(f, "nftpol_last_sync_success_timestamp_seconds %.3f\n", m->last_sync_success);
}

static void render_watch(const struct metrics *m, FILE *f)
{
	head(f, "nftpol_watch_events_total", "counter", "Watch events received.");
	for (int k = 0; k < STORE_KINDS; k++)
		for (int t = 0; t < WATCH_EVENT_TYPES; t++)
			fprintf(f, "nftpol_watch_events_total{resource=\"%s\",type=\"%s\"} %lu\n",
				store_kind_info(k)->resource, watch_decode_type_name(t),
				m->watch.events[k][t]);
	head(f, "nftpol_watch_restarts_total", "counter",
	     "Watches and lists started again, by reason.");
	for (int k = 0; k < STORE_KINDS; k++)
		for (int r = 0; r < WATCH_RESTART_KINDS; r++)
			fprintf(f,
				"nftpol_watch_restarts_total{resource=\"%s\",reason=\"%s\"} "
				"%lu\n",
				store_kind_info(k)->resource, watch_restart_name(r),
				m->watch.restarts[k][r]);
	head(f, "nftpol_lists_total", "counter", "Completed LISTs (initial and relists).");
	for (int k = 0; k < STORE_KINDS; k++)
		fprintf(f, "nftpol_lists_total{resource=\"%s\"} %lu\n",
			store_kind_info(k)->resource, m->watch.relists[k]);
	head(f, "nftpol_store_objects", "gauge", "Objects in the agent's store.");
	for (int k = 0; k < STORE_KINDS; k++)
		fprintf(f, "nftpol_store_objects{kind=\"%s\"} %zu\n", store_kind_name(k),
			m->objects[k]);
}

static void render_ruleset(const struct metrics *m, FILE *f)
{
	head(f, "nftpol_local_pods", "gauge",
	     "Pods in the store scheduled on this node (any phase, hostNetwork too).");
	fprintf(f, "nftpol_local_pods %zu\n", m->local_pods);
	head(f, "nftpol_isolated_pod_addresses", "gauge",
	     "Addresses of local pods isolated by some policy, per direction.");
	fprintf(f, "nftpol_isolated_pod_addresses{direction=\"ingress\"} %zu\n",
		m->isolated[DIR_INGRESS]);
	fprintf(f, "nftpol_isolated_pod_addresses{direction=\"egress\"} %zu\n",
		m->isolated[DIR_EGRESS]);
	head(f, "nftpol_ruleset_sets", "gauge", "Sets and maps in the programmed table.");
	fprintf(f, "nftpol_ruleset_sets %zu\n", m->sets);
	head(f, "nftpol_ruleset_set_elements", "gauge", "Set and map elements programmed.");
	fprintf(f, "nftpol_ruleset_set_elements %zu\n", m->set_elements);
	head(f, "nftpol_ruleset_chains", "gauge", "Chains in the programmed table.");
	fprintf(f, "nftpol_ruleset_chains %zu\n", m->chains);
	head(f, "nftpol_ruleset_rules", "gauge", "Rules in the programmed table.");
	fprintf(f, "nftpol_ruleset_rules %zu\n", m->rules);
}

static void clear_domain_rules(struct metrics *m)
{
	for (size_t i = 0; i < m->ndomain_rules; i++)
		free(m->domain_rules[i].policy);
	free(m->domain_rules);
	m->domain_rules = NULL;
	m->ndomain_rules = 0;
}

/*
 * Record the cluster network policies of c whose rules have domainNames peers
 * (decoded, not enforced: such an Accept rule matches nothing). Returns
 * whether the list changed, so the caller can say it once.
 */
bool metrics_set_domain_rules(struct metrics *m, const struct cluster *c)
{
	struct metrics_cnp_ignored *v = NULL;
	size_t n = 0, cap = 0;
	bool changed;

	for (size_t i = 0; i < c->ncnps; i++) {
		const struct cnp *p = &c->cnps[i];
		size_t rules = 0;

		for (int d = 0; d < DIR_COUNT; d++)
			for (size_t j = 0; j < p->nrules[d]; j++)
				for (size_t k = 0; k < p->rules[d][j].npeers; k++)
					if (p->rules[d][j].peers[k].kind == CNP_PEER_DOMAINS) {
						rules++;
						break;
					}
		if (!rules)
			continue;
		XGROW(v, cap, n);
		v[n++] = (struct metrics_cnp_ignored){ model_cnp_source_kind(p->source),
						       xstrdup(p->name), rules };
	}
	changed = n != m->ndomain_rules;
	for (size_t i = 0; i < n && !changed; i++)
		changed = strcmp(v[i].policy, m->domain_rules[i].policy) ||
			  strcmp(v[i].kind, m->domain_rules[i].kind) ||
			  v[i].rules != m->domain_rules[i].rules;
	clear_domain_rules(m);
	m->domain_rules = v;
	m->ndomain_rules = n;
	return changed;
}

void metrics_fini(struct metrics *m)
{
	clear_domain_rules(m);
}

/* A label value, with '\\', '"' and newline escaped as the exposition format wants. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * nftpol_build_info: this build (base/version.h), libnftnl's and libmnl's
 * versions as built against, libcurl's as loaded.
 */
static void render_build_info(FILE *f)
{
	const struct version *v = &version_build;
	const char *labels[][2] = {
		{ "version", v->nftpol },
		{ "revision", v->revision },
		{ "libnftnl", v->libnftnl },
		{ "libmnl", v->libmnl },
		{ "libcurl", curl_version_info(CURLVERSION_NOW)->version },
	};

	head(f, "nftpol_build_info", "gauge",
	     "Always 1; the labels name this build and the libraries it runs with.");
	fputs("nftpol_build_info{", f);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i][0]);
		label_value(f, labels[i][1]);
		fputc('"', f);
	}
	fputs("} 1\n", f);
}

/* Write every metric to f in the Prometheus text format. Returns 0 or -EIO. */
int metrics_render(const struct metrics *m, FILE *f)
{
	render_build_info(f);
	render_sync(m, f);
	render_watch(m, f);
	render_ruleset(m, f);
	head(f, "nftpol_datapath_unenforced", "gauge",
	     "Linux bridges whose switched traffic never reaches netfilter, by reason "
	     "(nothing nftpol programs is enforced on it).");
	for (int r = 0; r < DATAPATH_REASONS; r++)
		fprintf(f, "nftpol_datapath_unenforced{reason=\"%s\"} %zu\n",
			datapath_reason_name(r), m->unenforced[r]);
	head(f, "nftpol_errors_total", "counter", "Errors by kind.");
	for (int e = 0; e < WATCH_ERR_KINDS; e++)
		fprintf(f, "nftpol_errors_total{kind=\"%s\"} %lu\n", watch_error_name(e),
			m->watch.errors[e]);
	for (int e = 0; e < METRICS_ERR_KINDS; e++)
		fprintf(f, "nftpol_errors_total{kind=\"%s\"} %lu\n", error_names[e], m->errors[e]);
	head(f, "nftpol_cluster_policy_rules_unenforced", "gauge",
	     "Rules of cluster network policies with domainNames peers: decoded, not "
	     "enforced (an Accept rule of them matches nothing).");
	for (size_t i = 0; i < m->ndomain_rules; i++)
		fprintf(f,
			"nftpol_cluster_policy_rules_unenforced{kind=\"%s\",policy=\"%s\","
			"reason=\"domainNames\"} %zu\n",
			m->domain_rules[i].kind, m->domain_rules[i].policy,
			m->domain_rules[i].rules);
	if (m->extra)
		m->extra(m->extra_ctx, f);
	head(f, "nftpol_ready", "gauge", "1 once the first complete sync is programmed.");
	fprintf(f, "nftpol_ready %d\n", m->ready ? 1 : 0);
	return ferror(f) ? -EIO : 0;
}
