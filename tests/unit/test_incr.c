// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: incremental compilation equals full compilation. Random
 * clusters (namespaces, pods on this node and another, IPv4, IPv6 and dual
 * stack, named ports, phases, host network, shared addresses, policies with
 * pod, namespace and ipBlock peers, named and numbered ports, audit mode) go
 * through thousands of random event batches: pods created, deleted, relabelled,
 * moved, readdressed, finished; namespaces relabelled; policies created,
 * changed (selector, types, rules, audit mode) and deleted.
 * After every batch the table kept up to date incrementally (the agent's own
 * step, agent/daemon/incsync.c) must render exactly as a full compilation of
 * the cluster as it now is. Where the incremental step declines (a family
 * appearing, a shared address, ...), the full compilation takes over, as in
 * the agent; the test also checks that most batches, with and without policy
 * changes, do go the incremental way, so that it tests something.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "agent/daemon/incsync.h"
#include "agent/kube/watch_decode.h"
#include "nft/compile.h"
#include "nft/incr.h"
#include "nft/render.h"
#include "policy/diag.h"
#include "base/xalloc.h"

#define NNS 4
#define NPODS 40
#define NPOLS 8

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *g, uint32_t n)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return (uint32_t)(g->s % n);
}

struct world {
	struct rng g;
	struct store *s;
	unsigned rv;
	bool pod_there[NPODS];
	bool pol_there[NPOLS];
};

static void put_json(struct world *w, enum store_kind kind, char *json)
{
	cJSON *o = cJSON_Parse(json);
	struct store_obj obj;
	struct diag_list d;

	ck_assert_msg(o, "bad test JSON: %s", json);
	diag_list_init(&d);
	ck_assert_int_eq(watch_decode_object(kind, o, &obj, &d), 0);
	ck_assert_int_eq(store_upsert(w->s, &obj), 0);
	diag_list_fini(&d);
	cJSON_Delete(o);
	free(json);
}

static const char *const apps[] = { "a", "b", "c" };

static void put_ns(struct world *w, unsigned i)
{
	put_json(w, STORE_NAMESPACE,
		 xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
			   "\"ns%u\",\"resourceVersion\":\"%u\",\"labels\":{\"team\":\"%s\","
			   "\"kubernetes.io/metadata.name\":\"ns%u\"}}}",
			   i, ++w->rv, apps[rnd(&w->g, 2)], i));
}

/* Pod i: random namespace (ns9 is never declared), labels, node, addresses, ports. */
static void put_pod(struct world *w, unsigned i)
{
	static const char *const phases[] = { "Running", "Running",   "Running",
					      "Pending", "Succeeded", "Failed" };
	unsigned fam = rnd(&w->g, 4), ip = rnd(&w->g, 12) ? i + 1 : rnd(&w->g, NPODS) + 1;
	char ips[128], ports[160], ns[8];

	if (fam == 0)
		(void)snprintf(ips, sizeof(ips), "{\"ip\":\"10.0.0.%u\"}", ip);
	else if (fam == 1)
		(void)snprintf(ips, sizeof(ips), "{\"ip\":\"fd00::%x\"}", ip);
	else
		(void)snprintf(ips, sizeof(ips), "{\"ip\":\"10.0.0.%u\"},{\"ip\":\"fd00::%x\"}", ip,
			       ip);
	(void)snprintf(ports, sizeof(ports),
		       rnd(&w->g, 2)
			       ? "{\"name\":\"http\",\"containerPort\":%u,\"protocol\":\"TCP\"}"
			       : "{\"name\":\"dns\",\"containerPort\":%u,\"protocol\":\"UDP\"}",
		       rnd(&w->g, 2) ? 8080 : 53);
	(void)snprintf(ns, sizeof(ns), "ns%u", rnd(&w->g, 40) ? rnd(&w->g, NNS) : 9);
	put_json(w, STORE_POD,
		 xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%u\","
			   "\"namespace\":\"%s\",\"resourceVersion\":\"%u\",\"labels\":{\"app\":"
			   "\"%s\"%s}},\"spec\":{\"nodeName\":\"n%u\",\"hostNetwork\":%s,"
			   "\"containers\":[{\"name\":\"c\",\"ports\":[%s]}]},\"status\":{"
			   "\"phase\":\"%s\",\"podIPs\":[%s]}}",
			   i, ns, ++w->rv, apps[rnd(&w->g, 3)],
			   rnd(&w->g, 2) ? ",\"tier\":\"x\"" : "", 1 + rnd(&w->g, 3) / 2,
			   rnd(&w->g, 30) ? "false" : "true", ports, phases[rnd(&w->g, 6)], ips));
	w->pod_there[i] = true;
}

static char *peer(struct world *w)
{
	switch (rnd(&w->g, 5)) {
	case 0:
		return xasprintf("{\"podSelector\":{\"matchLabels\":{\"app\":\"%s\"}}}",
				 apps[rnd(&w->g, 3)]);
	case 1:
		return xasprintf("{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"%s\"}}}",
				 apps[rnd(&w->g, 2)]);
	case 2:
		return xasprintf("{\"namespaceSelector\":{},\"podSelector\":{\"matchExpressions\":"
				 "[{\"key\":\"tier\",\"operator\":\"%s\"}]}}",
				 rnd(&w->g, 2) ? "Exists" : "DoesNotExist");
	case 3:
		return xasprintf("{\"ipBlock\":{\"cidr\":\"%s\"}}",
				 rnd(&w->g, 2) ? "10.0.0.0/28" : "fd00::/120");
	default:
		return xasprintf("{\"podSelector\":{}}");
	}
}

static char *rule(struct world *w, const char *key)
{
	char *p1 = peer(w), *p2 = peer(w), *r;
	const char *port = rnd(&w->g, 3) == 0 ? "{\"port\":\"http\"}"
			   : rnd(&w->g, 2)    ? "{\"port\":8080,\"protocol\":\"TCP\"}"
					      : "{\"port\":\"dns\",\"protocol\":\"UDP\"}";

	bool two = rnd(&w->g, 2);

	r = xasprintf("{\"%s\":[%s%s%s],\"ports\":[%s]}", key, p1, two ? "," : "", two ? p2 : "",
		      port);
	free(p1);
	free(p2);
	return r;
}

static void put_pol(struct world *w, unsigned i)
{
	static const char *const types[] = { "\"Ingress\"", "\"Egress\"",
					     "\"Ingress\",\"Egress\"" };
	/* now and then no rule in a direction: it isolates and allows nothing */
	char *in = rnd(&w->g, 8) ? rule(w, "from") : xstrdup(""),
	     *out = rnd(&w->g, 8) ? rule(w, "to") : xstrdup("");
	char sel[64];

	if (rnd(&w->g, 4))
		(void)snprintf(sel, sizeof(sel), "{\"matchLabels\":{\"app\":\"%s\"}}",
			       apps[rnd(&w->g, 3)]);
	else
		(void)snprintf(sel, sizeof(sel), "{}");
	put_json(w, STORE_NETPOL,
		 xasprintf("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\","
			   "\"metadata\":{\"name\":\"np%u\",\"namespace\":\"ns%u\","
			   "\"resourceVersion\":\"%u\"%s},\"spec\":{\"podSelector\":%s,"
			   "\"policyTypes\":[%s],\"ingress\":[%s],\"egress\":[%s]}}",
			   i, rnd(&w->g, NNS), ++w->rv,
			   rnd(&w->g, 6) ? ""
					 : ",\"annotations\":{\"nftpol.io/enforcement\":\"audit\"}",
			   sel, types[rnd(&w->g, 3)], in, out));
	free(in);
	free(out);
	w->pol_there[i] = true;
}

static char *render(const struct ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(render_ruleset(rs, f), 0);
	fclose(f);
	return buf;
}

struct state {
	struct ruleset rs;
	struct incr *recipe;
};

static void full(struct world *w, struct state *st, bool audit)
{
	struct diag_list d;

	if (st->recipe) {
		ruleset_fini(&st->rs);
		incr_free(st->recipe);
	}
	st->recipe = incr_new();
	diag_list_init(&d);
	ck_assert_int_eq(compile_cluster_opts(store_snapshot(w->s),
					      &(struct compile_opts){ .node = "n1",
								      .audit = audit,
								      .recipe = st->recipe },
					      &st->rs, &d),
			 0);
	diag_list_fini(&d);
	store_journal_start(w->s);
}

/* One random event; whether it left the policies alone (pods, namespace labels). */
static bool event(struct world *w)
{
	unsigned k = rnd(&w->g, 100), i;

	if (k < 2) {
		put_ns(w, rnd(&w->g, NNS));
		return true;
	}
	if (k < 8) {
		i = rnd(&w->g, NPOLS);
		if (w->pol_there[i] && rnd(&w->g, 2)) {
			char name[16];

			(void)snprintf(name, sizeof(name), "np%u", i);
			for (unsigned n = 0; n < NNS; n++) {
				char ns[8];

				(void)snprintf(ns, sizeof(ns), "ns%u", n);
				store_delete(w->s, STORE_NETPOL, ns, name);
			}
			w->pol_there[i] = false;
		} else {
			put_pol(w, i);
		}
		return false;
	}
	i = rnd(&w->g, NPODS);
	if (w->pod_there[i] && k < 35) {
		const struct cluster *c = store_cluster(w->s);

		for (size_t j = 0; j < c->npods; j++) {
			char name[16];

			(void)snprintf(name, sizeof(name), "p%u", i);
			if (!strcmp(c->pods[j].name, name)) {
				char *ns = xstrdup(c->pods[j].ns);

				ck_assert(store_delete(w->s, STORE_POD, ns, name));
				free(ns);
				break;
			}
		}
		w->pod_there[i] = false;
		return true;
	}
	if (w->pod_there[i]) { /* an update keeps the namespace: delete first to move */
		const struct cluster *c = store_cluster(w->s);
		char name[16];

		(void)snprintf(name, sizeof(name), "p%u", i);
		for (size_t j = 0; j < c->npods; j++)
			if (!strcmp(c->pods[j].name, name)) {
				char *ns = xstrdup(c->pods[j].ns);

				store_delete(w->s, STORE_POD, ns, name);
				free(ns);
				break;
			}
	}
	put_pod(w, i);
	return true;
}

struct tally {
	unsigned pod_batches, pod_incremental; /* without policy changes */
	unsigned pol_batches, pol_incremental; /* with */
};

/* Run one seed: steps batches; counts into t. */
static void run_seed(uint64_t seed, unsigned steps, bool audit, struct tally *t)
{
	struct world w = { .g = { seed * 2654435761u + 1 }, .s = store_new() };
	struct state st = { 0 };

	for (unsigned i = 0; i < NNS; i++)
		put_ns(&w, i);
	for (unsigned i = 0; i < NPOLS; i++)
		if (rnd(&w.g, 3))
			put_pol(&w, i);
	for (unsigned i = 0; i < NPODS; i++)
		if (rnd(&w.g, 4))
			put_pod(&w, i);
	full(&w, &st, audit);
	for (unsigned step = 0; step < steps; step++) {
		/* now and then a burst: more than 16 changes to a set are merged in one pass */
		unsigned nev = rnd(&w.g, 20) ? 1 + (rnd(&w.g, 4) ? 0 : rnd(&w.g, 6)) : 40;
		bool pods_only = true;
		struct incr_delta d;
		char *got, *want;
		struct state ref = { 0 };
		int ret;

		for (unsigned e = 0; e < nev; e++)
			pods_only &= event(&w);
		t->pod_batches += pods_only;
		t->pol_batches += !pods_only;
		ret = incsync_delta(st.recipe, w.s, &st.rs, &d);
		ck_assert_msg(ret == 0 || ret == -EAGAIN, "seed %llu step %u: %d",
			      (unsigned long long)seed, step, ret);
		if (ret) {
			full(&w, &st, audit);
			continue;
		}
		t->pod_incremental += pods_only;
		t->pol_incremental += !pods_only;
		incr_commit(st.recipe, &st.rs, &d);
		incr_delta_fini(&d);
		got = render(&st.rs);
		full(&w, &ref, audit);
		want = render(&ref.rs);
		if (strcmp(got, want)) {
			size_t k = 0;

			while (got[k] == want[k])
				k++;
			while (k && got[k - 1] != '\n')
				k--;
			ck_abort_msg("seed %llu step %u: incremental differs from full at:\n"
				     "incremental: %.300s\nfull:        %.300s",
				     (unsigned long long)seed, step, got + k, want + k);
		}
		free(got);
		free(want);
		ruleset_fini(&ref.rs);
		incr_free(ref.recipe);
		store_journal_start(w.s);
	}
	ruleset_fini(&st.rs);
	incr_free(st.recipe);
	store_free(w.s);
}

START_TEST(incremental_equals_full)
{
	/* under valgrind (tests/valgrind/run), a sample: memory errors show on few */
	uint64_t seeds = RUNNING_ON_VALGRIND ? 2 : 24;
	struct tally t = { 0 };

	for (uint64_t seed = 1; seed <= seeds; seed++) {
		/* odd seeds merge every change to a set in one pass, even ones move a few */
		ruleset_merge_small = seed % 2 ? 0 : 16;
		run_seed(seed, 250, seed % 6 == 0 || seed == 2, &t);
	}
	fprintf(stderr,
		"test_incr: incremental: %u of %u batches without policy changes, %u of %u "
		"with (%llu batches)\n",
		t.pod_incremental, t.pod_batches, t.pol_incremental, t.pol_batches,
		(unsigned long long)seeds * 250);
	ck_assert_uint_gt(t.pod_incremental * 2, t.pod_batches);
	ck_assert_uint_gt(t.pol_incremental * 2, t.pol_batches);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("incr");
	TCase *tc = tcase_create("incr");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, incremental_equals_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
