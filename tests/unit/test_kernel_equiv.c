// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel tests: a ruleset programmed through netlink lists (and dumps, attribute
 * by attribute) exactly like the same ruleset loaded from its script with nft -f.
 * Runs only inside the namespaces tests/kernel/run creates (see kt.h).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kt_cases.h"
#include "nft/apply.h"
#include "nft/counters.h"
#include "nft/netlink.h"
#include "nft/readback.h"

static void check_equivalent(void)
{
	char *a = kt_list(false), *b = kt_list(true);
	bool same = kt_same("nft list table", a, b);

	ck_assert_msg(!strncmp(a, "table inet " KT_TABLE " {", 18), "no table listed: %s", a);
	if (getenv("NFTPOL_KT_VERBOSE"))
		fputs(a, stderr);
	free(a);
	free(b);
	ck_assert_msg(same, "listings differ");
	a = kt_raw(false);
	b = kt_raw(true);
	same = kt_same("raw netlink dump", a, b);
	free(a);
	free(b);
	ck_assert_msg(same, "kernel objects differ");
}

START_TEST(equivalence_every_construct)
{
	struct netlink_report rep;
	struct ruleset rs;

	every_construct(&rs);
	kt_reset();
	ck_assert_int_eq(kt_ref_load(&rs), 0);
	ck_assert_int_eq(kt_nl_replace(&rs, &rep), 0);
	check_equivalent();
	/* replacing an existing table gives the same result */
	ck_assert_int_eq(kt_nl_replace(&rs, &rep), 0);
	check_equivalent();
	ruleset_fini(&rs);
}
END_TEST

START_TEST(equivalence_empty_table)
{
	struct netlink_report rep;
	struct ruleset rs;

	ruleset_init(&rs, KT_TABLE);
	ruleset_seal(&rs);
	kt_reset();
	ck_assert_int_eq(kt_ref_load(&rs), 0);
	ck_assert_int_eq(kt_nl_replace(&rs, &rep), 0);
	check_equivalent();
	ruleset_fini(&rs);
}
END_TEST

/*
 * A table counting what this namespace sends: chain out (hook output) counts
 * every packet into ctr_out and logs it to NFLOG group 5 (nobody listens),
 * both without verdict; with extra, a last rule counts into that counter too.
 */
static void counting(struct ruleset *rs, const char *comment, const char *extra)
{
	struct rs_chain *c;
	struct rs_rule *r;

	ruleset_init(rs, KT_TABLE);
	ruleset_add_counter(rs, "ctr_out", comment);
	if (extra)
		ruleset_add_counter(rs, extra, NULL);
	c = ruleset_add_chain(rs, "out", NULL);
	c->hook = RS_HOOK_OUTPUT;
	ruleset_rule_set_counter(ruleset_chain_add_rule(c), "ctr_out");
	r = ruleset_chain_add_rule(c);
	r->limit_rate = 1000;
	r->limit_burst = 100;
	ruleset_rule_set_log(r, "nftpol test", 5);
	if (extra) {
		r = ruleset_chain_add_rule(c);
		ruleset_rule_set_counter(r, extra);
		r->verdict = RS_VERDICT_ACCEPT;
	}
	ruleset_seal(rs);
}

/* Send n UDP datagrams to a socket bound on 127.0.0.1 (no ICMP errors back). */
static void send_udp(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert(rx >= 0 && tx >= 0);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(rx, (struct sockaddr *)&a, &len), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(sendto(tx, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	close(rx);
	close(tx);
}

/* The packets counted by counter name, or -1 when there is no such counter. */
static long long packets_of(struct netlink *nl, const char *name)
{
	struct rs_counter_value *v;
	long long p = -1;
	size_t n;

	ck_assert_int_eq(counters_read(nl, KT_TABLE, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			ck_assert_int_lt(strcmp(v[i - 1].name, v[i].name), 0);
		if (!strcmp(v[i].name, name))
			p = (long long)v[i].packets;
	}
	counters_free(v, n);
	return p;
}

static void apply_ok(struct netlink *nl, const struct ruleset *rs, const struct ruleset *last,
		     struct apply_result *res)
{
	int ret = apply_ruleset(nl, rs, last, 0, res);

	ck_assert_msg(!ret, "apply: %d stage %d: %s", ret, res->stage, res->err);
}

/*
 * Counters keep their count through an incremental update that rewrites the
 * chain using them and changes a counter's comment; new counters come in
 * before the rules that use them, removed ones go after.
 */
START_TEST(counters_survive_updates)
{
	struct ruleset a, b, back;
	struct apply_result res;
	struct netlink *nl;
	char why[256];
	uint32_t gen;

	kt_reset();
	ck_assert_int_eq(netlink_open(&nl), 0);
	counting(&a, "what this node sends", NULL);
	counting(&b, "a comment changed", "ctr_new");
	apply_ok(nl, &a, NULL, &res);
	ck_assert(res.full);
	send_udp(5);
	ck_assert_int_eq(packets_of(nl, "ctr_out"), 5);
	apply_ok(nl, &b, &a, &res);
	ck_assert_msg(res.sent && !res.full, "replaced whole: %s", res.why);
	ck_assert_uint_eq(res.st.counters_added, 1);
	ck_assert_uint_eq(res.st.counters_removed, 0);
	ck_assert_uint_eq(res.st.chains_rewritten, 1);
	ck_assert_int_eq(packets_of(nl, "ctr_out"), 5);
	ck_assert_int_eq(packets_of(nl, "ctr_new"), 0);
	send_udp(3);
	ck_assert_int_eq(packets_of(nl, "ctr_out"), 8);
	ck_assert_int_eq(packets_of(nl, "ctr_new"), 3);
	/* read back: the old comment stayed, which is no difference */
	ck_assert_msg(readback_table(nl, KT_TABLE, &back, &gen, why, sizeof(why)) == 0, "%s", why);
	ck_assert_str_eq(ruleset_find_counter(&back, "ctr_out")->comment, "what this node sends");
	apply_ok(nl, &b, &b, &res);
	ck_assert(!res.sent);
	ruleset_fini(&back);
	/* back to a: ctr_new deleted after the rule using it */
	apply_ok(nl, &a, &b, &res);
	ck_assert(res.sent && !res.full);
	ck_assert_uint_eq(res.st.counters_removed, 1);
	ck_assert_int_eq(packets_of(nl, "ctr_out"), 8);
	ck_assert_int_eq(packets_of(nl, "ctr_new"), -1);
	/* an object nftpol does not make: the table is replaced whole */
	ck_assert_int_eq(kt_sh("nft add quota inet %s q 100 mbytes", KT_TABLE), 0);
	ck_assert_int_eq(readback_table(nl, KT_TABLE, &back, &gen, why, sizeof(why)), -ENOTSUP);
	ck_assert_str_eq(why, "object q: not a counter");
	ruleset_fini(&back);
	ck_assert_int_eq(packets_of(nl, "q"), -1);
	apply_ok(nl, &a, &a, &res);
	ck_assert(res.full);
	ck_assert_int_eq(packets_of(nl, "ctr_out"), 0);
	kt_reset();
	ck_assert_int_eq(packets_of(nl, "ctr_out"), -1);
	netlink_close(nl);
	ruleset_fini(&a);
	ruleset_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel_equiv");
	TCase *tc = tcase_create("equiv");
	SRunner *sr;
	int failed;

	if (!kt_guard()) {
		printf("kernel tests skipped: not inside a test network namespace\n");
		return 0;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, equivalence_every_construct);
	tcase_add_test(tc, equivalence_empty_table);
	tcase_add_test(tc, counters_survive_updates);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
