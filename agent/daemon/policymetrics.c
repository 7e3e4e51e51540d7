// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the policies did, on /metrics (see policymetrics.h): the programmed
 * table's named counters, read in one netlink dump per scrape, turned into
 * series by what the compiler recorded each one counts. Series are bounded by
 * policies and rules, never by pods or addresses.
 */
#include "agent/daemon/policymetrics.h"

#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "base/xalloc.h"

/* Write s as a Prometheus label value: \, " and newline escaped. */
static void put_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* One NetworkPolicy series being summed (a group's drops count on each of its policies). */
struct np_series {
	char *ns, *policy;
	enum dir dir;
	size_t rule; /* SIZE_MAX: none (deny, would_deny) */
	const char *verdict;
	uint64_t packets, bytes;
};

struct np_sums {
	struct np_series *v;
	size_t n, cap;
	struct strmap *idx; /* key -> index + 1 */
};

static void np_add(struct np_sums *s, const char *ns, const char *policy, enum dir dir, size_t rule,
		   const char *verdict, const struct rs_counter_value *cv)
{
	char *key = xasprintf("%s/%s|%d|%zu|%s", ns, policy, dir, rule, verdict);
	uintptr_t i = (uintptr_t)strmap_get(s->idx, key);

	if (!i) {
		XGROW(s->v, s->cap, s->n);
		s->v[s->n] = (struct np_series){
			xstrdup(ns), xstrdup(policy), dir, rule, verdict, 0, 0
		};
		i = ++s->n;
		strmap_put(s->idx, key, (void *)i);
	}
	s->v[i - 1].packets += cv->packets;
	s->v[i - 1].bytes += cv->bytes;
	free(key);
}

/* Add a group's counter (policy: "ns/a, ns/b") to each of its policies. */
static void np_add_group(struct np_sums *s, const struct compile_ctr *k, const char *verdict,
			 const struct rs_counter_value *cv)
{
	char *list = xstrdup(k->policy), *save = NULL;

	for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *slash = strchr(t, '/');

		if (!slash)
			continue;
		*slash = '\0';
		np_add(s, t, slash + 1, k->dir, SIZE_MAX, verdict, cv);
	}
	free(list);
}

static int series_cmp(const void *a, const void *b)
{
	const struct np_series *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	if (!c)
		c = strcmp(x->policy, y->policy);
	if (!c)
		c = (x->dir > y->dir) - (x->dir < y->dir);
	if (!c)
		c = strcmp(x->verdict, y->verdict);
	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

static const char *dir_name(enum dir d)
{
	return d == DIR_INGRESS ? "ingress" : "egress";
}

static void put_np(FILE *f, const struct np_sums *s, bool bytes)
{
	const char *name = bytes ? "nftpol_policy_bytes_total" : "nftpol_policy_packets_total";

	fprintf(f,
		"# HELP %s %s of first packets (connection attempts: ct state new) NetworkPolicy "
		"decided, by policy, direction, rule and verdict (deny and would_deny: the "
		"policies isolating the end, each counted).\n# TYPE %s counter\n",
		name, bytes ? "Bytes" : "Packets", name);
	for (size_t i = 0; i < s->n; i++) {
		const struct np_series *x = &s->v[i];

		fprintf(f, "%s{namespace=\"%s\",policy=\"%s\",direction=\"%s\",rule=\"", name,
			x->ns, x->policy, dir_name(x->dir));
		if (x->rule != SIZE_MAX)
			fprintf(f, "%zu", x->rule);
		fprintf(f, "\",verdict=\"%s\"} %lu\n", x->verdict,
			(unsigned long)(bytes ? x->bytes : x->packets));
	}
}

static void put_cnp(FILE *f, const struct compile_meta *m, const struct rs_counter_value *v,
		    size_t n, bool bytes)
{
	const char *name =
		bytes ? "nftpol_cluster_policy_bytes_total" : "nftpol_cluster_policy_packets_total";

	fprintf(f,
		"# HELP %s %s of first packets each rule of a cluster network policy matched.\n"
		"# TYPE %s counter\n",
		name, bytes ? "Bytes" : "Packets", name);
	for (size_t i = 0; i < n; i++) {
		const struct compile_ctr *k = compile_meta_find(m, v[i].name);

		if (!k || k->kind != COMPILE_CTR_CNP)
			continue;
		fprintf(f,
			"%s{kind=\"%s\",policy=\"%s\",tier=\"%s\",direction=\"%s\",rule=\"%zu\","
			"rule_name=\"",
			name, model_cnp_source_kind(k->source), k->policy,
			model_cnp_tier_name(k->tier), dir_name(k->dir), k->rule);
		put_value(f, k->rule_name);
		fprintf(f, "\",action=\"%s\"} %lu\n", model_cnp_action_name(k->action),
			(unsigned long)(bytes ? v[i].bytes : v[i].packets));
	}
}

/*
 * Write the policy series of the table r programmed, and of the denied-log
 * reader d (may be NULL). A table that cannot be read writes none.
 */
void policy_metrics_render(struct reconcile *r, const struct denied *d, bool audit_all, FILE *f)
{
	const struct compile_meta *m = reconcile_meta(r);
	struct rs_counter_value *v = NULL;
	struct np_sums s = { .idx = strmap_new() };
	uint64_t denied[DIR_COUNT] = { 0 }, denied_all = 0;
	size_t n = 0;

	if (reconcile_counters(r, &v, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct compile_ctr *k = compile_meta_find(m, v[i].name);

		if (!k)
			continue;
		if (k->kind == COMPILE_CTR_ACCEPT)
			np_add(&s, k->ns, k->policy, k->dir, k->rule, "accept", &v[i]);
		else if (k->kind == COMPILE_CTR_DROP)
			np_add_group(&s, k, audit_all ? "would_deny" : "deny", &v[i]);
		else if (k->kind == COMPILE_CTR_AUDIT)
			np_add_group(&s, k, "would_deny", &v[i]);
		if ((k->kind == COMPILE_CTR_DROP && !audit_all) ||
		    (k->kind == COMPILE_CTR_CNP && k->action == CNP_DENY && !audit_all))
			denied[k->dir] += v[i].packets;
		if (k->kind == COMPILE_CTR_DROP || k->kind == COMPILE_CTR_AUDIT ||
		    (k->kind == COMPILE_CTR_CNP && k->action == CNP_DENY))
			denied_all += v[i].packets;
	}
	xqsort(s.v, s.n, sizeof(*s.v), series_cmp);
	put_np(f, &s, false);
	put_np(f, &s, true);
	put_cnp(f, m, v, n, false);
	put_cnp(f, m, v, n, true);
	fputs("# HELP nftpol_denied_packets_total First packets denied by a policy (NetworkPolicy "
	      "or cluster network policy), by direction.\n"
	      "# TYPE nftpol_denied_packets_total counter\n",
	      f);
	for (int dir = 0; dir < DIR_COUNT; dir++)
		fprintf(f, "nftpol_denied_packets_total{direction=\"%s\"} %lu\n", dir_name(dir),
			(unsigned long)denied[dir]);
	if (d) {
		struct denied_stats st;
		uint64_t unseen;

		denied_stats(d, &st);
		/* denied first packets the kernel's rate limit kept from the log */
		unseen = denied_all > st.received ? denied_all - st.received : 0;
		fputs("# HELP nftpol_denied_log_lines_total Lines written for denied connection "
		      "attempts.\n# TYPE nftpol_denied_log_lines_total counter\n",
		      f);
		fprintf(f, "nftpol_denied_log_lines_total %lu\n", (unsigned long)st.logged);
		fputs("# HELP nftpol_denied_log_suppressed_total Denied first packets not logged: "
		      "over "
		      "the kernel's or the agent's rate, or lost by the socket (retransmissions of "
		      "a "
		      "logged attempt not included).\n"
		      "# TYPE nftpol_denied_log_suppressed_total counter\n",
		      f);
		fprintf(f, "nftpol_denied_log_suppressed_total %lu\n",
			(unsigned long)(st.suppressed + unseen));
	}
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].ns);
		free(s.v[i].policy);
	}
	free(s.v);
	strmap_free(s.idx);
	counters_free(v, n);
}
