// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the pod lists of eval.c, which go through the label index
 * (policy/podindex.c), against a plain scan with the per-pod predicates
 * (eval_selects, eval_peer_matches_in) over random clusters and selectors:
 * matchLabels, In with one and several values, NotIn, Exists, DoesNotExist,
 * labels no pod has, pods that are not eligible, namespaces with no pods.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"
#include "base/xalloc.h"

static const char *const keys[] = { "app", "tier", "v", "rare" };
static const char *const values[] = { "a", "b", "c", "d", "none" };

/* A small deterministic generator (xorshift), so a failure can be replayed. */
static unsigned long long rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* Random labels from the vocabulary; "rare" only now and then, "none" never. */
static void rnd_labels(struct labels *l)
{
	for (size_t i = 0; i < 3; i++)
		if (rnd(4))
			model_labels_set(l, keys[i], values[rnd(4)]);
	if (!rnd(20))
		model_labels_set(l, "rare", "a");
}

static void add_pod(struct cluster *c, unsigned i, unsigned nns)
{
	struct pod *p;
	char buf[32];

	XGROW(c->pods, c->cappods, c->npods);
	p = &c->pods[c->npods++];
	memset(p, 0, sizeof(*p));
	snprintf(buf, sizeof(buf), "ns%u", rnd(nns));
	p->ns = xstrdup(buf);
	snprintf(buf, sizeof(buf), "pod%u", i);
	p->name = xstrdup(buf);
	rnd_labels(&p->labels);
	p->phase = rnd(8) ? POD_PHASE_RUNNING : POD_PHASE_SUCCEEDED;
	p->host_network = !rnd(10);
	p->nips = rnd(10) ? 1 : 0;
	p->ips[0] = (struct addr){ .family = AF_INET, .plen = 32, .a = { 10, 0, i >> 8, i & 255 } };
}

/* nns namespaces (the last one without pods, most likely), npods pods. */
static void rnd_cluster(struct cluster *c, unsigned nns, unsigned npods)
{
	char buf[32];

	model_cluster_init(c);
	for (unsigned i = 0; i < nns; i++) {
		struct k8s_ns *ns;

		XGROW(c->nss, c->capnss, c->nnss);
		ns = &c->nss[c->nnss++];
		memset(ns, 0, sizeof(*ns));
		snprintf(buf, sizeof(buf), "ns%u", i);
		ns->name = xstrdup(buf);
		rnd_labels(&ns->labels);
	}
	for (unsigned i = 0; i < npods; i++)
		add_pod(c, i, nns - 1);
	model_cluster_seal(c);
}

static void add_req(struct selector *s, enum sel_op op, size_t nvalues)
{
	struct sel_req *r;

	s->reqs = xreallocarray(s->reqs, s->nreqs + 1, sizeof(*s->reqs));
	r = &s->reqs[s->nreqs++];
	memset(r, 0, sizeof(*r));
	r->key = xstrdup(keys[rnd(ARRAY_SIZE(keys))]);
	r->op = op;
	/* sorted and unique, as the decoder keeps them */
	for (size_t v = rnd(ARRAY_SIZE(values)); r->nvalues < nvalues && v < ARRAY_SIZE(values);
	     v++) {
		r->values = xreallocarray(r->values, r->nvalues + 1, sizeof(char *));
		r->values[r->nvalues++] = xstrdup(values[v]);
	}
}

/* Up to two matchLabels and one expression of any kind. */
static void rnd_selector(struct selector *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned n = rnd(3); n; n--)
		model_labels_set(&s->match, keys[rnd(ARRAY_SIZE(keys))],
				 values[rnd(ARRAY_SIZE(values))]);
	switch (rnd(6)) {
	case 0:
		add_req(s, SEL_OP_IN, 1);
		break;
	case 1:
		add_req(s, SEL_OP_IN, 1 + rnd(3));
		break;
	case 2:
		add_req(s, SEL_OP_NOT_IN, 1 + rnd(2));
		break;
	case 3:
		add_req(s, rnd(2) ? SEL_OP_EXISTS : SEL_OP_DOES_NOT_EXIST, 0);
		break;
	}
}

/* What a scan over every pod with eval_peer_matches_in() gives. */
static void scan_peer(const struct cluster *c, const struct netpol *np, const struct peer *p,
		      struct pod_list *out)
{
	for (size_t i = 0; i < c->npods; i++)
		if (eval_peer_matches_in(np->ns, p, &c->pods[i],
					 model_cluster_ns(c, c->pods[i].ns))) {
			XGROW(out->v, out->cap, out->n);
			out->v[out->n++] = i;
		}
}

static void scan_targets(const struct eval *e, const struct cluster *c, const struct netpol *np,
			 struct pod_list *out)
{
	for (size_t i = 0; i < c->npods; i++)
		if (eval_selects(e, np, &c->pods[i])) {
			XGROW(out->v, out->cap, out->n);
			out->v[out->n++] = i;
		}
}

static void assert_same(struct pod_list *got, struct pod_list *want, unsigned round)
{
	ck_assert_msg(got->n == want->n, "round %u: %zu pods, want %zu", round, got->n, want->n);
	for (size_t i = 0; i < got->n; i++)
		ck_assert_msg(got->v[i] == want->v[i], "round %u: pod %zu differs", round, i);
	eval_pod_list_fini(got);
	eval_pod_list_fini(want);
}

/* One random peer (and the policy's own podSelector) compared both ways. */
static void one_round(const struct cluster *c, const struct eval *e, unsigned round)
{
	struct netpol np = { 0 };
	struct peer p = { .flags = 1 + rnd(3) };
	struct pod_list got = { 0 }, want = { 0 };
	char ns[32];

	snprintf(ns, sizeof(ns), "ns%u", rnd((unsigned)c->nnss));
	np.ns = ns;
	rnd_selector(&np.pod_sel);
	rnd_selector(&p.pod_sel);
	rnd_selector(&p.ns_sel);
	eval_targets(e, &np, &got);
	scan_targets(e, c, &np, &want);
	assert_same(&got, &want, round);
	eval_peer_pods(e, &np, &p, &got);
	scan_peer(c, &np, &p, &want);
	assert_same(&got, &want, round);
	model_selector_fini(&np.pod_sel);
	model_peer_fini(&p);
}

START_TEST(index_equals_scan)
{
	for (unsigned seed = 1; seed <= 20; seed++) {
		struct cluster c;
		struct eval *e;

		rnd_state = 0x9e3779b97f4a7c15ull * seed;
		rnd_cluster(&c, 2 + rnd(6), rnd(300));
		e = eval_new(&c);
		for (unsigned round = 0; round < 200; round++)
			one_round(&c, e, seed * 1000 + round);
		eval_free(e);
		model_cluster_fini(&c);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, index_equals_scan);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
