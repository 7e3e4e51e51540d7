// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel test at scale: 100,000 elements in each of a hash set, an interval set,
 * a concatenated hash set, an interval concatenation and a verdict map, all in
 * one transaction; then incremental updates. Prints the times it measured.
 * Runs only inside the runner's namespaces (kt.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kt_cases.h"
#include "nft/apply.h"

#define N 100000

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void ip4(uint8_t *p, uint32_t a)
{
	uint32_t be = htonl(a);

	memcpy(p, &be, 4);
}

static void big_sets(struct ruleset *rs)
{
	struct rs_set *h = ruleset_add_set(rs, "big4", NULL, V4, 1, 0);
	struct rs_set *iv = ruleset_add_set(rs, "bigcidr", NULL, V4, 1, RS_SET_INTERVAL);
	struct rs_set *cc = ruleset_add_set(rs, "bigcc", NULL, V4PS, 3, 0);
	struct rs_set *pp = ruleset_add_set(rs, "bigpp", NULL, V4PS, 3, RS_SET_INTERVAL);
	struct rs_set *vm = ruleset_add_set(rs, "bigmap", NULL, V4, 1, RS_SET_VMAP);

	for (uint32_t i = 0; i < N; i++) {
		uint32_t a = 0x0a000000 + i, r = 0x14000000 + 4 * i;
		struct rs_elem *e;

		ip4(ruleset_set_add_elem(h)->key, a);
		e = ruleset_set_add_elem(iv);
		ip4(e->key, r);
		ip4(e->key_end, r + 2);
		e = ruleset_set_add_elem(cc);
		ip4(e->key, a);
		e->key[4] = 6;
		e->key[8] = 0x1f;
		e->key[9] = 0x90;
		e = ruleset_set_add_elem(pp);
		ip4(e->key, r);
		ip4(e->key_end, r + 3);
		e->key[4] = e->key_end[4] = 17;
		e->key_end[8] = 0x10;
		e = ruleset_set_add_elem(vm);
		ip4(e->key, a);
		e->chain = xstrdup(i % 2 ? "pod_a" : "pod_b");
	}
}

static void big_ruleset(struct ruleset *rs)
{
	static const enum rs_field sa = RS_F_IP_SADDR;
	static const enum rs_field s4[] = { RS_F_IP_SADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	struct rs_chain *c;

	ruleset_init(rs, KT_TABLE);
	big_sets(rs);
	c = ruleset_add_chain(rs, "dispatch", NULL);
	c->hook = RS_HOOK_FORWARD;
	rule_vmap(c, "bigmap", RS_F_IP_DADDR);
	c = ruleset_add_chain(rs, "pod_a", NULL);
	rule_set(c, "big4", &sa, 1, RS_VERDICT_ACCEPT);
	rule_set(c, "bigcidr", &sa, 1, RS_VERDICT_ACCEPT);
	c = ruleset_add_chain(rs, "pod_b", NULL);
	rule_set(c, "bigcc", s4, 3, RS_VERDICT_ACCEPT);
	rule_set(c, "bigpp", s4, 3, RS_VERDICT_ACCEPT);
	rule_verdict(c, RS_VERDICT_DROP, NULL);
	ruleset_seal(rs);
}

static void timed_apply(struct netlink *nl, const struct ruleset *rs, const char *what,
			bool want_sent)
{
	struct apply_result res;
	double t0 = now_ms();
	int ret = apply_ruleset(nl, rs, NULL, 0, &res);

	fprintf(stderr, "scale: %-44s %9.1f ms  (%zu messages, %zu bytes, full=%d)\n", what,
		now_ms() - t0, res.msgs, res.bytes, res.full);
	for (size_t i = 0; ret && i < res.rep.nerrors && i < NETLINK_ERRORS_MAX; i++) {
		char msg[700];

		netlink_error_str(&res.rep.e[i], msg, sizeof(msg));
		fprintf(stderr, "  kernel: %s\n", msg);
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(res.sent, want_sent);
}

START_TEST(hundred_thousand)
{
	struct netlink *nl;
	struct ruleset rs;
	char *a, *b, *na, *nb;
	double t0;

	ck_assert_int_eq(netlink_open(&nl), 0);
	kt_reset();
	big_ruleset(&rs);
	timed_apply(nl, &rs, "full load, 5 x 100k elements, one batch", true);
	timed_apply(nl, &rs, "no change (reads 500k elements back)", false);
	ip4(ruleset_set_add_elem(&rs.sets[0])->key, 0x0b000001); /* big4 */
	ruleset_seal(&rs);
	timed_apply(nl, &rs, "one element into the 100k hash set", true);
	rs.sets[0].nelems--;
	timed_apply(nl, &rs, "one element out of it again", true);
	ip4(rs.sets[2].elems[0].key_end, 0x14000001); /* bigcidr: shrink a range */
	timed_apply(nl, &rs, "interval set changed: rebuilt (100k)", true);
	t0 = now_ms();
	ck_assert_int_eq(kt_ref_load(&rs), 0);
	fprintf(stderr, "scale: %-44s %9.1f ms\n", "reference: nft -f of the same ruleset",
		now_ms() - t0);
	a = kt_list(false);
	b = kt_list(true);
	na = kt_norm_listing(a);
	nb = kt_norm_listing(b);
	ck_assert_msg(kt_same("100k listing (normalized)", na, nb), "listing differs");
	free(a);
	free(b);
	free(na);
	free(nb);
	ruleset_fini(&rs);
	netlink_close(nl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel_scale");
	TCase *tc = tcase_create("scale");
	SRunner *sr;
	int failed;

	if (!kt_guard()) {
		printf("kernel tests skipped: not inside a test network namespace\n");
		return 0;
	}
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, hundred_thousand);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
