// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * In-process timer of the agent's two ways to follow a pod change, for
 * scripts/bench (not a test; prints figures, asserts nothing about them
 * except that both ways agree where it compares them).
 *
 *   bench_incr [--node N] [--reps R] [--check K] FILE
 *
 * Loads FILE into the agent's object store, compiles it whole once (with the
 * recipe), then R times picks a random pod of node N and relabels it (labels
 * of another pod of its namespace), deletes it, and creates it again; each
 * change is synced the incremental way (agent/daemon/incsync.c: the delta,
 * the stamp, the plan, the netlink batch built in memory, the commit into the
 * kept table) and timed. For comparison, the full way (seal the store,
 * compile, diff against the kept table, build the batch) is timed for every
 * change of the first K repetitions, and its table compared with the kept
 * one. Then R/4 times it creates a NetworkPolicy in the namespace of a random
 * pod of node N (selecting the pods with its labels, ingress from its
 * namespace on TCP 8080), changes it (port 8081) and deletes it, each synced
 * and timed the same way (and compared the first K times).
 * One line per figure: "KIND key=value ...". Wall times in ms.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agent/daemon/incsync.h"
#include "agent/kube/store.h"
#include "nft/build.h"
#include "nft/compile.h"
#include "nft/diff.h"
#include "nft/render.h"
#include "nft/stamp.h"
#include "policy/decode.h"
#include "policy/diag.h"
#include "base/num.h"
#include "base/xalloc.h"

static const char *node;

/* Bytes malloc hands out now (small chunks and mmapped ones). */
static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_incr: %s\n", what);
	exit(1);
}

/* FILE's objects, moved into a new store. */
static struct store *load(const char *path)
{
	struct store *s = store_new();
	struct diag_list d;
	struct cluster c;

	diag_list_init(&d);
	model_cluster_init(&c);
	if (decode_file(path, &c, &d) < 0 || d.nerrors)
		die("cannot decode the input");
	diag_list_fini(&d);
	for (size_t i = 0; i < c.nnss; i++)
		(void)store_upsert(s, &(struct store_obj){ .kind = STORE_NAMESPACE,
							   .rv = xstrdup("1"),
							   .u.ns = c.nss[i] });
	for (size_t i = 0; i < c.npods; i++)
		(void)store_upsert(s, &(struct store_obj){ .kind = STORE_POD,
							   .rv = xstrdup("1"),
							   .u.pod = c.pods[i] });
	for (size_t i = 0; i < c.npols; i++)
		(void)store_upsert(s, &(struct store_obj){ .kind = STORE_NETPOL,
							   .rv = xstrdup("1"),
							   .u.pol = c.pols[i] });
	free(c.nss);
	free(c.pods);
	free(c.pols);
	c.nss = NULL;
	c.pods = NULL;
	c.pols = NULL;
	c.nnss = c.npods = c.npols = 0;
	model_cluster_fini(&c);
	return s;
}

static struct pod pod_copy(const struct pod *p, const struct labels *labels)
{
	struct pod q = *p;

	q.ns = xstrdup(p->ns);
	q.name = xstrdup(p->name);
	q.node = p->node ? xstrdup(p->node) : NULL;
	memset(&q.labels, 0, sizeof(q.labels));
	for (size_t i = 0; i < labels->n; i++)
		model_labels_set(&q.labels, labels->v[i].key, labels->v[i].value);
	q.ports = xcalloc(p->nports + 1, sizeof(*q.ports));
	for (size_t i = 0; i < p->nports; i++) {
		q.ports[i] = p->ports[i];
		q.ports[i].name = xstrdup(p->ports[i].name);
	}
	memset(&q.origin, 0, sizeof(q.origin));
	return q;
}

struct samples {
	double *v;
	size_t n, cap;
};

static void sample(struct samples *s, double ms)
{
	XGROW(s->v, s->cap, s->n);
	s->v[s->n++] = ms;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *kind, struct samples *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), dcmp);
	printf("%s n=%zu median_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", kind, s->n, s->v[s->n / 2],
	       s->v[(s->n * 99) / 100 < s->n ? (s->n * 99) / 100 : s->n - 1], s->v[s->n - 1]);
	free(s->v);
}

struct state {
	struct store *s;
	struct ruleset last;
	struct incr *recipe;
	uint32_t stamp;
	size_t fallbacks;
};

static void compile_all(struct state *st, struct ruleset *rs, struct incr *recipe)
{
	struct diag_list d;

	diag_list_init(&d);
	if (recipe)
		store_journal_start(st->s);
	if (compile_cluster_opts(store_snapshot(st->s),
				 &(struct compile_opts){ .node = node, .recipe = recipe }, rs,
				 &d) < 0)
		die("cannot compile");
	stamp_put(rs, st->stamp);
	diag_list_fini(&d);
}

/* The incremental way; false when it declined (then done the full way). */
static bool sync_incr(struct state *st)
{
	struct incr_delta d;
	struct diff_plan plan;
	struct build *b;

	st->stamp++;
	if (incsync_delta(st->recipe, st->s, &st->last, &d)) {
		st->fallbacks++;
		ruleset_fini(&st->last);
		incr_free(st->recipe);
		st->recipe = incr_new();
		compile_all(st, &st->last, st->recipe);
		return false;
	}
	(void)incr_delta_stamp(&d, &st->last, STAMP_SET, &st->stamp, sizeof(st->stamp));
	incr_plan(&d, &st->last, &plan);
	b = build_new(st->last.table, 1);
	build_begin(b, 1);
	if (diff_plan_build(&plan, b))
		die("cannot build the plan");
	build_end(b);
	build_free(b);
	diff_plan_fini(&plan);
	incr_commit(st->recipe, &st->last, &d);
	incr_delta_fini(&d);
	store_journal_start(st->s);
	return true;
}

/* The full way, timed into full; its table compared with the kept one. */
static void sync_full(struct state *st, struct samples *full)
{
	struct ruleset rs;
	struct build *b = build_new(st->last.table, 1);
	struct diff_stats ds;
	double t0 = now_ms();
	char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	FILE *f;

	compile_all(st, &rs, NULL);
	build_begin(b, 1);
	if (diff_build(&st->last, &rs, b, &ds))
		die("cannot diff");
	build_end(b);
	sample(full, now_ms() - t0);
	build_free(b);
	f = open_memstream(&x, &xl);
	render_ruleset(&rs, f);
	fclose(f);
	f = open_memstream(&y, &yl);
	render_ruleset(&st->last, f);
	fclose(f);
	if (strcmp(x, y))
		die("the incremental table differs from the full compile");
	free(x);
	free(y);
	ruleset_fini(&rs);
}

/* NetworkPolicy ns/name selecting pods labelled sel, ingress from ns on TCP port. */
static struct netpol bench_pol(const char *ns, const char *name, const struct labels *sel,
			       uint16_t port)
{
	struct netpol np = { .ns = xstrdup(ns), .name = xstrdup(name) };
	struct np_rule *r = xcalloc(1, sizeof(*r));

	for (size_t i = 0; i < sel->n; i++)
		model_labels_set(&np.pod_sel.match, sel->v[i].key, sel->v[i].value);
	np.types = DIR_FLAG(DIR_INGRESS);
	r->peers = xcalloc(1, sizeof(*r->peers));
	r->npeers = 1;
	r->peers[0].flags = PEER_POD_SEL;
	r->ports = xcalloc(1, sizeof(*r->ports));
	r->nports = 1;
	r->ports[0] = (struct np_port){ .proto = 6, .flags = PORT_NUMBER, .port = port };
	np.rules[DIR_INGRESS] = r;
	np.nrules[DIR_INGRESS] = 1;
	return np;
}

/* Create, change and delete a policy selecting pods of node's pods reps times. */
static void policy_events(struct state *st, int reps, int check, struct samples *full)
{
	struct samples t[3] = { 0 };
	const char *what[3] = { "incr_policy_create", "incr_policy_update", "incr_policy_delete" };

	for (int rep = 0; rep < reps; rep++) {
		const struct cluster *c = store_cluster(st->s);
		size_t i, tries = 0;
		char *ns, *name = xasprintf("bench-np-%d", rep);
		struct labels sel = { 0 };

		do
			i = (size_t)rand() % c->npods;
		while (node && (!c->pods[i].node || strcmp(c->pods[i].node, node)) &&
		       ++tries < 100000);
		ns = xstrdup(c->pods[i].ns);
		for (size_t k = 0; k < c->pods[i].labels.n; k++)
			model_labels_set(&sel, c->pods[i].labels.v[k].key,
					 c->pods[i].labels.v[k].value);
		for (int step = 0; step < 3; step++) {
			struct store_obj o = { .kind = STORE_NETPOL };
			double t1 = now_ms();

			if (step < 2) {
				o.rv = xasprintf("np%d.%d", rep, step);
				o.u.pol = bench_pol(ns, name, &sel, step ? 8081 : 8080);
				(void)store_upsert(st->s, &o);
			} else {
				store_delete(st->s, STORE_NETPOL, ns, name);
			}
			if (sync_incr(st))
				sample(&t[step], now_ms() - t1);
			if (rep < check)
				sync_full(st, full);
		}
		model_labels_fini(&sel);
		free(ns);
		free(name);
	}
	for (int k = 0; k < 3; k++)
		report(what[k], &t[k]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "node", required_argument, NULL, 'n' },
					      { "reps", required_argument, NULL, 'r' },
					      { "check", required_argument, NULL, 'k' },
					      { 0 } };
	struct samples t[3] = { 0 }, full = { 0 };
	const char *what[3] = { "incr_relabel", "incr_delete", "incr_create" };
	struct state st = { .stamp = 1 };
	int reps = 100, check = 3, opt;
	double t0;
	size_t heap0, heap1;
	long rss0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long v = 0;

		if (opt == 'n')
			node = optarg;
		else if ((opt == 'r' || opt == 'k') && !num_parse(optarg, 0, 1000000, &v))
			*(opt == 'r' ? &reps : &check) = (int)v;
		else
			die("usage: bench_incr [--node N] [--reps R] [--check K] FILE");
	}
	if (optind != argc - 1)
		die("usage: bench_incr [--node N] [--reps R] [--check K] FILE");
	st.s = load(argv[optind]);
	(void)store_snapshot(st.s);
	malloc_trim(0);
	heap0 = heap_bytes();
	rss0 = maxrss_kb();
	t0 = now_ms();
	compile_all(&st, &st.last, NULL);
	printf("full_compile ms=%.1f\n", now_ms() - t0);
	heap1 = heap_bytes();
	ruleset_fini(&st.last);
	st.recipe = incr_new();
	t0 = now_ms();
	compile_all(&st, &st.last, st.recipe);
	printf("full_compile_with_recipe ms=%.1f pods=%zu policies=%zu\n", now_ms() - t0,
	       store_count(st.s, STORE_POD), store_count(st.s, STORE_NETPOL));
	printf("heap store_bytes=%zu table_bytes=%zu recipe_bytes=%zu\n", heap0, heap1 - heap0,
	       heap_bytes() - heap1);
	srand(1);
	for (int rep = 0; rep < reps; rep++) {
		const struct cluster *c = store_cluster(st.s);
		size_t i, j, tries = 0;
		struct pod saved;

		do
			i = (size_t)rand() % c->npods;
		while (node && (!c->pods[i].node || strcmp(c->pods[i].node, node)) &&
		       ++tries < 100000);
		j = (size_t)rand() % c->npods;
		for (size_t k = 0; k < c->npods && strcmp(c->pods[j].ns, c->pods[i].ns); k++)
			j = (j + 1) % c->npods;
		saved = pod_copy(&c->pods[i], &c->pods[i].labels);
		for (int step = 0; step < 3; step++) {
			struct store_obj o = { .kind = STORE_POD };
			double t1 = now_ms();
			bool done;

			c = store_cluster(st.s);
			o.rv = xasprintf("%d.%d", rep, step);
			if (step == 0) {
				const struct pod *p = store_pod(st.s, saved.ns, saved.name);
				const struct pod *q = &c->pods[j];

				o.u.pod = pod_copy(p, &q->labels);
				(void)store_upsert(st.s, &o);
			} else if (step == 1) {
				free(o.rv);
				store_delete(st.s, STORE_POD, saved.ns, saved.name);
			} else {
				o.u.pod = pod_copy(&saved, &saved.labels);
				(void)store_upsert(st.s, &o);
			}
			done = sync_incr(&st);
			if (done)
				sample(&t[step], now_ms() - t1);
			if (rep < check)
				sync_full(&st, &full);
		}
		model_pod_fini(&saved);
	}
	for (int k = 0; k < 3; k++)
		report(what[k], &t[k]);
	policy_events(&st, reps / 4, check, &full);
	report("full_way", &full);
	printf("fallbacks n=%zu of %d\n", st.fallbacks, reps * 3 + reps / 4 * 3);
	printf("rss store_kb=%ld peak_kb=%ld\n", rss0, maxrss_kb());
	ruleset_fini(&st.last);
	incr_free(st.recipe);
	store_free(st.s);
	return 0;
}
