// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the object store. Upsert and delete, resourceVersion dedup,
 * relist reconcile (objects missing from the new list are deleted), snapshots
 * (sealing sorts the arrays and adds implied namespaces; the index must follow),
 * a 10k-pod churn that checks the index against the arrays throughout, and
 * policy changes sealed by sorting the policies alone.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/kube/store.h"
#include "base/xalloc.h"

static struct store_obj mk_ns(const char *name, const char *rv)
{
	struct store_obj o = { .kind = STORE_NAMESPACE };

	o.rv = rv ? xstrdup(rv) : NULL;
	o.u.ns.name = xstrdup(name);
	model_labels_set(&o.u.ns.labels, "team", name);
	return o;
}

static struct store_obj mk_pod(const char *ns, const char *name, const char *rv)
{
	struct store_obj o = { .kind = STORE_POD };

	o.rv = rv ? xstrdup(rv) : NULL;
	o.u.pod.ns = xstrdup(ns);
	o.u.pod.name = xstrdup(name);
	o.u.pod.node = xstrdup("node-1");
	o.u.pod.phase = POD_PHASE_RUNNING;
	model_labels_set(&o.u.pod.labels, "rv", rv ? rv : "none");
	return o;
}

static struct store_obj mk_pol(const char *ns, const char *name, const char *rv)
{
	struct store_obj o = { .kind = STORE_NETPOL };

	o.rv = rv ? xstrdup(rv) : NULL;
	o.u.pol.ns = xstrdup(ns);
	o.u.pol.name = xstrdup(name);
	o.u.pol.types = DIR_FLAG(DIR_INGRESS);
	return o;
}

static void upsert(struct store *s, struct store_obj o)
{
	ck_assert_int_eq(store_upsert(s, &o), 0);
}

START_TEST(upsert_delete_and_rv)
{
	struct store *s = store_new();
	uint64_t g;

	upsert(s, mk_pod("x", "a", "1"));
	upsert(s, mk_pod("x", "b", "2"));
	ck_assert_uint_eq(store_count(s, STORE_POD), 2);
	ck_assert_str_eq(store_rv(s, STORE_POD, "x", "a"), "1");
	g = store_generation(s);
	upsert(s, mk_pod("x", "a", "1")); /* same RV: no change */
	ck_assert_uint_eq(store_generation(s), g);
	upsert(s, mk_pod("x", "a", "3"));
	ck_assert_uint_gt(store_generation(s), g);
	ck_assert_str_eq(store_rv(s, STORE_POD, "x", "a"), "3");
	ck_assert(store_delete(s, STORE_POD, "x", "a"));
	ck_assert(!store_delete(s, STORE_POD, "x", "a"));
	ck_assert(!store_delete(s, STORE_NETPOL, "x", "b")); /* kinds are separate */
	ck_assert_ptr_null(store_rv(s, STORE_POD, "x", "a"));
	ck_assert_str_eq(store_rv(s, STORE_POD, "x", "b"), "2");
	ck_assert_uint_eq(store_count(s, STORE_POD), 1);
	store_free(s);
}
END_TEST

START_TEST(relist_reconciles)
{
	struct store *s = store_new();
	struct store_relist_stats st;
	struct store_obj *objs = calloc(3, sizeof(*objs));
	const struct cluster *c;

	upsert(s, mk_pod("x", "stays", "1"));
	upsert(s, mk_pod("x", "changes", "1"));
	upsert(s, mk_pod("x", "goes", "1"));
	upsert(s, mk_pol("x", "p", "1"));
	objs[0] = mk_pod("x", "stays", "1");
	objs[1] = mk_pod("x", "changes", "9");
	objs[2] = mk_pod("y", "new", "9");
	store_relist(s, STORE_POD, objs, 3, &st);
	free(objs);
	ck_assert_uint_eq(st.added, 1);
	ck_assert_uint_eq(st.changed, 1);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(st.deleted, 1);
	ck_assert_uint_eq(store_count(s, STORE_POD), 3);
	ck_assert_ptr_null(store_rv(s, STORE_POD, "x", "goes"));
	ck_assert_str_eq(store_rv(s, STORE_POD, "x", "changes"), "9");
	ck_assert_uint_eq(store_count(s, STORE_NETPOL), 1); /* other kinds untouched */
	c = store_snapshot(s);
	ck_assert_uint_eq(c->npods, 3);
	ck_assert_str_eq(model_labels_get(&c->pods[0].labels, "rv"), "9"); /* x/changes */
	ck_assert_str_eq(c->pods[1].name, "stays");
	ck_assert_str_eq(c->pods[2].ns, "y");

	/* an empty relist deletes every object of the kind */
	store_relist(s, STORE_POD, NULL, 0, &st);
	ck_assert_uint_eq(st.deleted, 3);
	ck_assert_uint_eq(store_count(s, STORE_POD), 0);
	store_free(s);
}
END_TEST

START_TEST(implied_namespaces)
{
	struct store *s = store_new();
	const struct cluster *c;
	uint64_t g;

	upsert(s, mk_pod("b", "p1", "1"));
	upsert(s, mk_pol("a", "deny", "1"));
	upsert(s, mk_ns("c", "1"));
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 3);
	ck_assert_str_eq(c->nss[0].name, "a");
	ck_assert_str_eq(model_labels_get(&c->nss[0].labels, "kubernetes.io/metadata.name"), "a");
	ck_assert_ptr_null(model_labels_get(&c->nss[0].labels, "team"));
	ck_assert_uint_eq(store_count(s, STORE_NAMESPACE), 1);
	ck_assert_ptr_null(store_rv(s, STORE_NAMESPACE, NULL, "a"));
	ck_assert(!store_delete(s, STORE_NAMESPACE, NULL, "a")); /* implied: not ours */

	/* the real namespace arrives and replaces the implied one */
	g = store_generation(s);
	upsert(s, mk_ns("a", "5"));
	ck_assert_uint_gt(store_generation(s), g);
	ck_assert_uint_eq(store_count(s, STORE_NAMESPACE), 2);
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 3);
	ck_assert_str_eq(model_labels_get(&c->nss[0].labels, "team"), "a");

	/* the pod goes: its implied namespace goes with the next snapshot */
	ck_assert(store_delete(s, STORE_POD, "b", "p1"));
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 2);
	ck_assert_str_eq(c->nss[1].name, "c");

	/* the real namespace is deleted while its policy stays: implied again */
	ck_assert(store_delete(s, STORE_NAMESPACE, NULL, "a"));
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 2);
	ck_assert_ptr_null(model_labels_get(&c->nss[0].labels, "team"));
	store_free(s);
}
END_TEST

/* Every array element is found under its own key with the right RV. */
static void check_index(struct store *s, size_t npods)
{
	const struct cluster *c = store_snapshot(s);

	ck_assert_uint_eq(c->npods, npods);
	ck_assert_uint_eq(store_count(s, STORE_POD), npods);
	for (size_t i = 0; i < c->npods; i++) {
		const char *rv = store_rv(s, STORE_POD, c->pods[i].ns, c->pods[i].name);

		ck_assert_ptr_nonnull(rv);
		ck_assert_str_eq(rv, model_labels_get(&c->pods[i].labels, "rv"));
		if (i)
			ck_assert_int_le(strcmp(c->pods[i - 1].ns, c->pods[i].ns), 0);
	}
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

START_TEST(churn_10k)
{
	struct store *s = store_new();
	char ns[32], name[32], rv[32];
	struct timespec t0, t1;
	size_t n = 0;

	srandom(7);
	for (int i = 0; i < 10000; i++) {
		snprintf(ns, sizeof(ns), "ns-%d", i % 97);
		snprintf(name, sizeof(name), "pod-%d", i);
		snprintf(rv, sizeof(rv), "%d", i);
		upsert(s, mk_pod(ns, name, rv));
	}
	n = 10000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_snapshot(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "snapshot of 10000 pods (first seal): %.1f ms\n", secs(&t0, &t1) * 1e3);
	for (int round = 0; round < 20; round++) {
		for (int j = 0; j < 200; j++) {
			int i = (int)(random() % 12000);

			snprintf(ns, sizeof(ns), "ns-%d", i % 97);
			snprintf(name, sizeof(name), "pod-%d", i);
			if (random() % 2 && store_delete(s, STORE_POD, ns, name)) {
				n--;
				continue;
			}
			snprintf(rv, sizeof(rv), "r%d-%d", round, j);
			if (!store_rv(s, STORE_POD, ns, name))
				n++;
			upsert(s, mk_pod(ns, name, rv));
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		store_snapshot(s);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (round == 19)
			fprintf(stderr, "snapshot after 200 changes: %.1f ms\n",
				secs(&t0, &t1) * 1e3);
		check_index(s, n);
	}
	store_free(s);
}
END_TEST

/*
 * Policies and pods added, changed and deleted, snapshot after snapshot (the
 * seal that sorts the policies and merges the pods that moved back in): both
 * stay sorted and found; a policy in a namespace not listed still implies it.
 */
START_TEST(policy_seal)
{
	struct store *s = store_new();
	const struct cluster *c;
	char ns[32], name[32], rv[32];
	size_t npols = 0, npods = 500;

	srandom(11);
	for (int i = 0; i < 10; i++) {
		snprintf(ns, sizeof(ns), "ns-%d", i);
		upsert(s, mk_ns(ns, "1"));
	}
	for (int i = 0; i < 500; i++) {
		snprintf(ns, sizeof(ns), "ns-%d", i % 10);
		snprintf(name, sizeof(name), "pod-%d", i);
		upsert(s, mk_pod(ns, name, "1"));
	}
	store_snapshot(s);
	for (int round = 0; round < 40; round++) {
		for (int j = 0; j < 5; j++) {
			int i = (int)(random() % 60);

			snprintf(ns, sizeof(ns), "ns-%d", i % 10);
			snprintf(name, sizeof(name), "np-%d", i);
			snprintf(rv, sizeof(rv), "r%d-%d", round, j);
			if (random() % 3 == 0) {
				npols -= store_delete(s, STORE_NETPOL, ns, name);
				continue;
			}
			npols += !store_rv(s, STORE_NETPOL, ns, name);
			upsert(s, mk_pol(ns, name, rv));
			snprintf(name, sizeof(name), "pod-%d", i);
			npods += !store_rv(s, STORE_POD, ns, name);
			upsert(s, mk_pod(ns, name, rv)); /* in place, unless it went */
		}
		for (int j = 0; j < (round % 4 == 3 ? 300 : 4); j++) { /* pods come and go */
			int i = (int)(random() % 700);

			snprintf(ns, sizeof(ns), "ns-%d", i % 10);
			snprintf(name, sizeof(name), "pod-%d", i);
			snprintf(rv, sizeof(rv), "q%d-%d", round, j);
			if (random() % 2) {
				npods -= store_delete(s, STORE_POD, ns, name);
				continue;
			}
			npods += !store_rv(s, STORE_POD, ns, name);
			upsert(s, mk_pod(ns, name, rv));
		}
		c = store_snapshot(s);
		ck_assert_uint_eq(c->nnss, 10);
		ck_assert_uint_eq(c->npols, npols);
		for (size_t i = 0; i < c->npols; i++) {
			ck_assert_ptr_nonnull(
				store_rv(s, STORE_NETPOL, c->pols[i].ns, c->pols[i].name));
			if (i) {
				int cmp = strcmp(c->pols[i - 1].ns, c->pols[i].ns);

				ck_assert(cmp < 0 || (!cmp && strcmp(c->pols[i - 1].name,
								     c->pols[i].name) < 0));
			}
		}
		check_index(s, npods);
		for (size_t i = 1; i < c->npods; i++)
			ck_assert_int_lt(model_pod_cmp(&c->pods[i - 1], &c->pods[i]), 0);
	}
	upsert(s, mk_pol("zz", "np", "1"));
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 11);
	ck_assert_str_eq(c->nss[10].name, "zz");
	ck_assert(store_delete(s, STORE_NETPOL, "zz", "np"));
	c = store_snapshot(s);
	ck_assert_uint_eq(c->nnss, 10);
	store_free(s);
}
END_TEST

/* A Node's status update that leaves its labels and addresses is no change. */
START_TEST(node_heartbeat)
{
	struct store *s = store_new();
	struct store_obj o = { .kind = STORE_NODE };
	uint64_t g;

	o.rv = xstrdup("1");
	o.u.node.name = xstrdup("node-1");
	model_labels_set(&o.u.node.labels, "zone", "a");
	upsert(s, o);
	store_snapshot(s);
	store_journal_start(s);
	g = store_generation(s);
	for (int i = 0; i < 3; i++) {
		o = (struct store_obj){ .kind = STORE_NODE, .rv = xasprintf("%d", 2 + i) };
		o.u.node.name = xstrdup("node-1");
		model_labels_set(&o.u.node.labels, "zone", i < 2 ? "a" : "b");
		upsert(s, o);
		ck_assert_str_eq(store_rv(s, STORE_NODE, NULL, "node-1"),
				 i ? i < 2 ? "3" : "4" : "2");
		if (i == 1) {
			ck_assert_uint_eq(store_generation(s), g);
			ck_assert(!store_journal(s)->structural);
		}
	}
	ck_assert_uint_gt(store_generation(s), g);
	ck_assert(store_journal(s)->structural);
	store_free(s);
}
END_TEST

/* A pod of template k (0 or 1) in ns-(i % 3) on node-(i % 4), labelled app=app. */
static struct store_obj mk_tpl_pod(int i, int k, const char *app, const char *rv)
{
	char ns[16], name[16], node[16];
	struct store_obj o;

	snprintf(ns, sizeof(ns), "ns-%d", i % 3);
	snprintf(name, sizeof(name), "p-%d", i);
	snprintf(node, sizeof(node), "node-%d", i % 4);
	o = mk_pod(ns, name, rv);
	free(o.u.pod.node);
	o.u.pod.node = xstrdup(node);
	model_labels_fini(&o.u.pod.labels);
	model_labels_set(&o.u.pod.labels, "app", app);
	model_labels_set(&o.u.pod.labels, "tier", k ? "fe" : "be");
	o.u.pod.nports = 1 + (size_t)k;
	o.u.pod.ports = xcalloc(2, sizeof(*o.u.pod.ports));
	o.u.pod.ports[0] = (struct pod_port){ xstrdup("http"), 6, 80 };
	if (k)
		o.u.pod.ports[1] = (struct pod_port){ xstrdup("dns"), 17, 53 };
	o.u.pod.origin.file = xstrdup("f");
	return o;
}

/*
 * Pods share their namespace, node, label and port strings and whole label and
 * port arrays; every holder, the journal's old versions too, gives its counts
 * back: once the pods are gone, nothing is left.
 */
START_TEST(shared_strings)
{
	struct store *s = store_new();
	const struct pod *p;
	char rv[16];

	store_journal_start(s);
	for (int i = 0; i < 300; i++)
		upsert(s, mk_tpl_pod(i, i % 2, i % 2 ? "web" : "db", "1"));
	/* ns 3, nodes 4, app tier web db fe be, http dns, f; 2 label and 2 port arrays */
	ck_assert_uint_eq(store_interned(s), 3 + 4 + 6 + 2 + 1 + 4);
	p = store_pod(s, "ns-1", "p-7");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(model_labels_get(&p->labels, "app"), "web");
	ck_assert_str_eq(model_labels_get(&p->labels, "tier"), "fe");
	ck_assert_str_eq(p->node, "node-3");
	ck_assert_uint_eq(p->nports, 2);
	ck_assert_str_eq(p->ports[1].name, "dns");
	ck_assert_uint_eq(p->ports[1].port, 53);
	ck_assert_ptr_eq(p->labels.v, store_pod(s, "ns-0", "p-3")->labels.v);
	store_journal_start(s);
	for (int i = 0; i < 300; i++) {
		snprintf(rv, sizeof(rv), "%d", 2 + i);
		upsert(s, mk_tpl_pod(i, i % 2, "api", rv));
	}
	ck_assert_uint_eq(store_journal(s)->npods, 300); /* the journal holds the old ones */
	ck_assert_uint_eq(store_interned(s), 3 + 4 + 7 + 2 + 1 + 6);
	store_journal_start(s);
	ck_assert_uint_eq(store_interned(s), 3 + 4 + 5 + 2 + 1 + 4);
	ck_assert_str_eq(model_labels_get(&store_pod(s, "ns-2", "p-5")->labels, "app"), "api");
	for (int i = 0; i < 300; i += 2) {
		char ns[16], name[16];

		snprintf(ns, sizeof(ns), "ns-%d", i % 3);
		snprintf(name, sizeof(name), "p-%d", i);
		ck_assert(store_delete(s, STORE_POD, ns, name));
	}
	store_relist(s, STORE_POD, NULL, 0, NULL);
	ck_assert_uint_eq(store_count(s, STORE_POD), 0);
	store_journal_start(s);
	ck_assert_uint_eq(store_interned(s), 0);
	store_free(s);
}
END_TEST

/*
 * resourceVersions are kept as numbers when they are canonical decimals, as
 * text otherwise: the same version is no change, another spelling is one.
 */
START_TEST(rv_forms)
{
	static const char *const rvs[] = {
		"7", "7", "007", "007", "18446744073709551615", "18446744073709551615",
		"0", "0", "x1",	 "x1"
	};
	struct store *s = store_new();
	uint64_t g = store_generation(s);

	for (size_t i = 0; i < sizeof(rvs) / sizeof(*rvs); i++) {
		upsert(s, mk_pod("a", "p", rvs[i]));
		ck_assert_str_eq(store_rv(s, STORE_POD, "a", "p"), rvs[i]);
		ck_assert_uint_eq(store_generation(s), g + i / 2 + 1);
	}
	store_free(s);
}
END_TEST

/*
 * Pods packed before the store takes them (a LIST's pages): the relist takes
 * some, the others are released; nothing is left once the pods are gone.
 */
START_TEST(packed_objects)
{
	struct store *s = store_new();
	struct store_obj objs[4], extra;

	for (int i = 0; i < 4; i++) {
		objs[i] = mk_tpl_pod(i, i % 2, "web", "1");
		store_pack(s, &objs[i]);
		store_pack(s, &objs[i]); /* twice: no change */
	}
	extra = mk_tpl_pod(9, 0, "db", "1");
	store_pack(s, &extra);
	ck_assert_str_eq(model_labels_get(&objs[1].u.pod.labels, "tier"), "fe");
	store_relist(s, STORE_POD, objs, 4, NULL);
	ck_assert_uint_eq(store_count(s, STORE_POD), 4);
	store_obj_release(s, &extra); /* a page dropped before its relist */
	ck_assert_str_eq(store_pod(s, "ns-2", "p-2")->node, "node-2");
	store_relist(s, STORE_POD, NULL, 0, NULL);
	ck_assert_uint_eq(store_interned(s), 0);
	store_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, upsert_delete_and_rv);
	tcase_add_test(tc, relist_reconciles);
	tcase_add_test(tc, implied_namespaces);
	tcase_add_test(tc, churn_10k);
	tcase_add_test(tc, policy_seal);
	tcase_add_test(tc, node_heartbeat);
	tcase_add_test(tc, shared_strings);
	tcase_add_test(tc, rv_forms);
	tcase_add_test(tc, packed_objects);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
