// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel tests for readback, incremental updates and failures: every step of a
 * sequence applied as a difference ends in the same table as `nft -f` of the
 * step's full script; a rejected batch changes nothing; a table changed behind
 * our back is replaced whole; uninstall removes our table alone, in one
 * transaction. Runs only inside the runner's namespaces (kt.h).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kt_cases.h"
#include "nft/apply.h"
#include "nft/build.h"
#include "nft/diff.h"
#include "nft/netlink.h"
#include "nft/readback.h"
#include "nft/render.h"

static struct netlink *nl;

static void setup(void)
{
	ck_assert_int_eq(netlink_open(&nl), 0);
	kt_reset();
}

static void teardown(void)
{
	netlink_close(nl);
	nl = NULL;
}

static void show(const char *what, const struct apply_result *res)
{
	fprintf(stderr,
		"%s: sent=%d full=%d why=\"%s\" sets +%zu -%zu ~%zu chains +%zu -%zu ~%zu "
		"rules +%zu -%zu elems +%zu -%zu msgs=%zu\n",
		what, res->sent, res->full, res->why, res->st.sets_added, res->st.sets_removed,
		res->st.sets_rebuilt, res->st.chains_added, res->st.chains_removed,
		res->st.chains_rewritten, res->st.rules_added, res->st.rules_removed,
		res->st.elems_added, res->st.elems_removed, res->msgs);
	for (size_t i = 0; i < res->rep.nerrors && i < NETLINK_ERRORS_MAX; i++) {
		char msg[700];

		netlink_error_str(&res->rep.e[i], msg, sizeof(msg));
		fprintf(stderr, "  kernel: %s\n", msg);
	}
	if (res->err[0])
		fprintf(stderr, "  build: %s\n", res->err);
}

/* The table here lists and dumps like `nft -f` of rs in the reference namespace. */
static void check_like_nft(const struct ruleset *rs)
{
	char *a, *b, *na, *nb;
	bool same;

	kt_sh("%s", "true");
	{
		char *pre = kt_ref_prefix();

		kt_sh("%snft flush ruleset", pre);
		free(pre);
	}
	ck_assert_int_eq(kt_ref_load(rs), 0);
	a = kt_list(false);
	b = kt_list(true);
	ck_assert_msg(!strncmp(a, "table inet " KT_TABLE " {", 18), "no table: %s", a);
	na = kt_norm_listing(a);
	nb = kt_norm_listing(b);
	same = kt_same("nft list table (normalized)", na, nb);
	free(a);
	free(b);
	free(na);
	free(nb);
	ck_assert_msg(same, "listing differs from nft -f");
	a = kt_raw_any(false, true);
	b = kt_raw_any(true, true);
	same = kt_same("raw dump (handles masked, sorted)", a, b);
	free(a);
	free(b);
	ck_assert_msg(same, "kernel objects differ from nft -f");
}

static void apply_ok(const struct ruleset *rs, const char *what, bool want_full)
{
	struct apply_result res;
	int ret = apply_ruleset(nl, rs, NULL, 0, &res);

	show(what, &res);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(res.sent, "%s: nothing sent", what);
	ck_assert_msg(res.full == want_full, "%s: full=%d (%s)", what, res.full, res.why);
	check_like_nft(rs);
	/* idempotent: the same ruleset again changes nothing */
	ret = apply_ruleset(nl, rs, NULL, 0, &res);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(!res.sent, "%s: second apply sent a batch", what);
}

START_TEST(readback_roundtrip)
{
	struct netlink_report rep;
	struct ruleset rs, back;
	struct diff_stats st;
	char why[256];
	uint32_t gen;
	struct build *b;
	char *t1 = NULL, *t2 = NULL;
	size_t l1, l2;
	FILE *f;

	every_construct(&rs);
	ck_assert_int_eq(readback_table(nl, KT_TABLE, &back, &gen, why, sizeof(why)), -ENOENT);
	ruleset_fini(&back);
	ck_assert_int_eq(kt_nl_replace(&rs, &rep), 0);
	ck_assert_msg(readback_table(nl, KT_TABLE, &back, &gen, why, sizeof(why)) == 0, "%s", why);
	b = build_new(KT_TABLE, 1);
	ck_assert_int_eq(diff_build(&back, &rs, b, &st), 0);
	ck_assert(diff_stats_empty(&st));
	build_free(b);
	f = open_memstream(&t1, &l1);
	render_ruleset(&rs, f);
	fclose(f);
	f = open_memstream(&t2, &l2);
	render_ruleset(&back, f);
	fclose(f);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	ruleset_fini(&back);
	ruleset_fini(&rs);
}
END_TEST

static struct rs_set *set_of(struct ruleset *rs, const char *name)
{
	struct rs_set *s = ruleset_find_set(rs, name);

	ck_assert_ptr_nonnull(s);
	return s;
}

static void drop_elem(struct rs_set *s, size_t i)
{
	free(s->elems[i].chain);
	free(s->elems[i].key_end);
	memmove(&s->elems[i], &s->elems[i + 1], (s->nelems - i - 1) * sizeof(*s->elems));
	s->nelems--;
}

static void drop_chain(struct ruleset *rs, const char *name)
{
	struct rs_chain *c = ruleset_find_chain(rs, name);
	size_t i = c - rs->chains;

	for (size_t r = 0; r < c->nrules; r++) {
		for (unsigned m = 0; m < c->rules[r].nm; m++)
			free(c->rules[r].m[m].set);
		free(c->rules[r].target);
	}
	free(c->rules);
	free(c->name);
	free(c->comment);
	memmove(c, c + 1, (rs->nchains - i - 1) * sizeof(*c));
	rs->nchains--;
}

static void drop_set(struct ruleset *rs, const char *name)
{
	struct rs_set *s = set_of(rs, name);
	size_t i = s - rs->sets;

	while (s->nelems)
		drop_elem(s, 0);
	free(s->elems);
	free(s->name);
	free(s->comment);
	memmove(s, s + 1, (rs->nsets - i - 1) * sizeof(*s));
	rs->nsets--;
}

/* Elements in and out of hash sets and maps, a map element jumping elsewhere. */
static void step_elements(struct ruleset *rs)
{
	struct rs_set *s = set_of(rs, "s_pods4");

	kt_elem(s, "10.0.9.1", NULL);
	kt_elem(s, "10.0.9.2", NULL);
	drop_elem(s, 0);
	s = set_of(rs, "m_in4");
	free(s->elems[1].chain);
	s->elems[1].chain = xstrdup("pod_a");
	kt_elem(s, "10.0.0.7", "pod_b");
	drop_elem(set_of(rs, "m_in6"), 0);
	kt_elem(set_of(rs, "s_named6"), "fd00::9 . 6 . 443", NULL);
	ruleset_seal(rs);
}

/* Interval sets change: rebuilt as new sets, their rules re-pointed. */
static void step_intervals(struct ruleset *rs)
{
	kt_elem(set_of(rs, "s_cidr4"), "100.64.0.0-100.127.255.255", NULL);
	drop_elem(set_of(rs, "s_pp4"), 0);
	kt_elem(set_of(rs, "s_svc"), "8080-8090", NULL);
	ruleset_seal(rs);
}

/* A new set and a new chain using it; an existing chain jumps to it. */
static void step_new_objects(struct ruleset *rs)
{
	static const enum rs_field f = RS_F_IP_SADDR;
	struct rs_set *s = ruleset_add_set(rs, "a_new", "new peers", V4, 1, 0);
	struct rs_chain *c;

	kt_elem(s, "192.0.2.1", NULL);
	c = ruleset_add_chain(rs, "a_pol_3", "new policy");
	rule_set(c, "a_new", &f, 1, RS_VERDICT_ACCEPT);
	ruleset_seal(rs);
	c = ruleset_find_chain(rs, "pod_b");
	rule_verdict(c, RS_VERDICT_JUMP, "a_pol_3");
}

/* A chain and the sets only it used go away. */
static void step_removals(struct ruleset *rs)
{
	struct rs_chain *c = ruleset_find_chain(rs, "pod_a");

	free(c->rules[1].target);
	memmove(&c->rules[1], &c->rules[2], sizeof(*c->rules));
	c->nrules--;
	drop_chain(rs, "pol_2");
	drop_set(rs, "s_all4");
	drop_set(rs, "s_empty_iv");
	drop_set(rs, "s_cidr6");
	drop_set(rs, "s_empty4");
}

/* Set definitions change: comments, flags. */
static void step_set_defs(struct ruleset *rs)
{
	struct rs_set *s = set_of(rs, "s_ports");

	s->comment = xstrdup("ports now commented");
	s = set_of(rs, "s_pods6");
	free(s->comment);
	s->comment = xstrdup("v6 pods");
}

START_TEST(incremental_sequence)
{
	struct ruleset rs, r0;

	every_construct(&rs);
	every_construct(&r0);
	apply_ok(&rs, "initial", true);
	step_elements(&rs);
	apply_ok(&rs, "elements", false);
	step_intervals(&rs);
	apply_ok(&rs, "intervals", false);
	step_new_objects(&rs);
	apply_ok(&rs, "new objects", false);
	step_removals(&rs);
	apply_ok(&rs, "removals", false);
	step_set_defs(&rs);
	apply_ok(&rs, "set definitions", false);
	free(rs.chains[0].comment);
	rs.chains[0].comment = xstrdup("a chain comment changed");
	apply_ok(&rs, "chain comment", true);
	apply_ok(&r0, "back to the start", false);
	ruleset_fini(&rs);
	ruleset_fini(&r0);
}
END_TEST

/*
 * The agent's path: differences sent from the state it keeps, without reading
 * back, checked by the kernel against the generation after its last commit; a
 * commit by anyone else in between makes it read back, and a change to our
 * table behind our back is then repaired.
 */
START_TEST(delta_from_kept_state)
{
	struct ruleset rs, last;
	struct apply_result res;
	uint32_t gen = 0, before;

	every_construct(&rs);
	every_construct(&last);
	ck_assert_int_eq(apply_delta(nl, &rs, NULL, &gen, &res), 0);
	show("delta: first", &res);
	ck_assert(res.sent && res.full);
	ck_assert_uint_ne(gen, 0);
	check_like_nft(&rs);
	/* quiet namespace: the difference alone, checked against gen */
	step_elements(&rs);
	before = gen;
	ck_assert_int_eq(apply_delta(nl, &rs, &last, &gen, &res), 0);
	show("delta: elements", &res);
	ck_assert(res.sent && !res.full);
	ck_assert_uint_eq(res.genid, before);
	ck_assert_uint_ne(gen, before);
	check_like_nft(&rs);
	step_elements(&last);
	/* nothing to do: nothing sent, generation kept */
	before = gen;
	ck_assert_int_eq(apply_delta(nl, &rs, &last, &gen, &res), 0);
	ck_assert(!res.sent);
	ck_assert_uint_eq(gen, before);
	/* someone else commits (a table made and gone): refused, read back, still right */
	kt_sh("nft add table ip someone_else && nft delete table ip someone_else");
	step_intervals(&rs);
	ck_assert_int_eq(apply_delta(nl, &rs, &last, &gen, &res), 0);
	show("delta: after a foreign commit", &res);
	ck_assert(res.sent && !res.full);
	check_like_nft(&rs);
	step_intervals(&last);
	/* someone edits our table: read back, found changed, replaced whole */
	kt_sh("nft delete element inet " KT_TABLE " s_pods4 '{ 10.0.9.1 }'");
	step_new_objects(&rs);
	ck_assert_int_eq(apply_delta(nl, &rs, &last, &gen, &res), 0);
	show("delta: after our table was edited", &res);
	ck_assert(res.sent && res.full);
	check_like_nft(&rs);
	/* and the fast path works again from there */
	step_new_objects(&last);
	step_removals(&rs);
	before = gen;
	ck_assert_int_eq(apply_delta(nl, &rs, &last, &gen, &res), 0);
	ck_assert(res.sent && !res.full);
	ck_assert_uint_eq(res.genid, before);
	check_like_nft(&rs);
	ruleset_fini(&rs);
	ruleset_fini(&last);
}
END_TEST

START_TEST(rejected_batch_changes_nothing)
{
	struct ruleset rs, bad;
	struct apply_result res;
	char *before, *after;
	struct rs_chain *c;
	struct rs_set *s;
	int ret;

	every_construct(&rs);
	apply_ok(&rs, "initial", true);
	before = kt_list(false);
	every_construct(&bad);
	kt_elem(set_of(&bad, "s_pods4"), "10.9.9.9", NULL);
	c = ruleset_find_chain(&bad, "pol_2");
	rule_verdict(c, RS_VERDICT_JUMP, "no_such_chain");
	ret = apply_ruleset(nl, &bad, NULL, 0, &res);
	show("bad jump", &res);
	ck_assert_int_eq(ret, -ENOENT);
	ck_assert_int_eq(res.stage, APPLY_STAGE_KERNEL);
	ck_assert_uint_ge(res.rep.nerrors, 1);
	ck_assert_str_eq(res.rep.e[0].what, "add rule 7 of chain pol_2");
	after = kt_list(false);
	ck_assert_str_eq(before, after);
	free(after);
	ruleset_fini(&bad);
	/* a map element jumping to a missing chain: rejected whole */
	every_construct(&bad);
	s = set_of(&bad, "m_in4");
	kt_elem(s, "10.0.0.99", "missing");
	ruleset_seal(&bad);
	ret = apply_ruleset(nl, &bad, NULL, APPLY_REPLACE, &res);
	show("bad map element", &res);
	ck_assert_int_ne(ret, 0);
	ck_assert_ptr_nonnull(strstr(res.rep.e[0].what, "m_in4"));
	after = kt_list(false);
	ck_assert_str_eq(before, after);
	free(after);
	/* validate-only: a good change is checked and not committed */
	step_elements(&rs);
	ret = apply_ruleset(nl, &rs, NULL, APPLY_CHECK, &res);
	ck_assert_int_eq(ret, 0);
	ck_assert(res.sent);
	after = kt_list(false);
	ck_assert_str_eq(before, after);
	free(after);
	ret = apply_ruleset(nl, &bad, NULL, APPLY_CHECK | APPLY_REPLACE, &res);
	ck_assert_int_ne(ret, 0);
	free(before);
	ruleset_fini(&bad);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(stale_generation)
{
	struct netlink_report rep;
	struct ruleset rs;
	struct build *b;
	uint32_t gen;
	char *l;

	every_construct(&rs);
	ck_assert_int_eq(netlink_getgen(nl, &gen), 0);
	b = build_new(KT_TABLE, netlink_next_seq(nl));
	build_begin(b, gen - 1);
	ck_assert_int_eq(build_replace(b, &rs), 0);
	build_end(b);
	ck_assert_int_eq(netlink_send(nl, b, &rep), -ERESTART);
	ck_assert_str_eq(rep.e[0].what, "begin the transaction");
	build_free(b);
	l = kt_list(false);
	ck_assert_ptr_nonnull(strstr(l, "No such file"));
	free(l);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(foreign_changes_replace_whole)
{
	struct apply_result res;
	struct ruleset rs;

	every_construct(&rs);
	apply_ok(&rs, "initial", true);
	kt_sh("nft add rule inet " KT_TABLE " pol_1 ip saddr 192.0.2.9 accept");
	ck_assert_int_eq(apply_ruleset(nl, &rs, NULL, 0, &res), 0);
	show("foreign rule", &res);
	ck_assert(res.full && res.sent);
	ck_assert_ptr_nonnull(strstr(res.why, "pol_1"));
	check_like_nft(&rs);
	kt_sh("nft add element inet " KT_TABLE " s_pods4 '{ 192.0.2.10 }'");
	ck_assert_int_eq(apply_ruleset(nl, &rs, &rs, 0, &res), 0);
	show("foreign element, known last", &res);
	ck_assert(res.full && res.sent);
	check_like_nft(&rs);
	kt_sh("nft add element inet " KT_TABLE " s_pods4 '{ 192.0.2.10 }'");
	ck_assert_int_eq(apply_ruleset(nl, &rs, NULL, 0, &res), 0);
	show("foreign element, no last", &res);
	ck_assert(!res.full && res.sent && res.st.elems_removed == 1);
	kt_sh("nft delete table inet " KT_TABLE);
	ck_assert_int_eq(apply_ruleset(nl, &rs, NULL, 0, &res), 0);
	ck_assert(res.full && res.sent);
	check_like_nft(&rs);
	kt_sh("nft add set inet " KT_TABLE " x '{ type ipv4_addr; flags constant; }'");
	ck_assert_int_eq(apply_ruleset(nl, &rs, NULL, 0, &res), 0);
	show("foreign set", &res);
	ck_assert(res.full && res.sent);
	check_like_nft(&rs);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(uninstall_removes_only_its_table)
{
	struct netlink_report rep;
	uint32_t before, after;
	struct ruleset rs;
	char *l;

	every_construct(&rs);
	apply_ok(&rs, "initial", true);
	kt_sh("nft add table inet other && nft add chain inet other c");
	ck_assert_int_eq(netlink_getgen(nl, &before), 0);
	ck_assert_int_eq(apply_uninstall(nl, KT_TABLE, &rep), 0);
	ck_assert_int_eq(netlink_getgen(nl, &after), 0);
	ck_assert_uint_eq(after, before + 1); /* one transaction */
	l = kt_run("nft list tables");
	ck_assert_str_eq(l, "table inet other\n");
	free(l);
	/* again: the kernel finds no table, nothing is committed */
	ck_assert_int_eq(apply_uninstall(nl, KT_TABLE, &rep), -ENOENT);
	ck_assert_uint_eq(rep.nerrors, 1);
	ck_assert_str_eq(rep.e[0].what, "delete table inet " KT_TABLE);
	ck_assert_int_eq(netlink_getgen(nl, &before), 0);
	ck_assert_uint_eq(before, after);
	ruleset_fini(&rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel_apply");
	TCase *tc = tcase_create("apply");
	SRunner *sr;
	int failed;

	if (!kt_guard()) {
		printf("kernel tests skipped: not inside a test network namespace\n");
		return 0;
	}
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, readback_roundtrip);
	tcase_add_test(tc, incremental_sequence);
	tcase_add_test(tc, delta_from_kept_state);
	tcase_add_test(tc, rejected_batch_changes_nothing);
	tcase_add_test(tc, stale_generation);
	tcase_add_test(tc, foreign_changes_replace_whole);
	tcase_add_test(tc, uninstall_removes_only_its_table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
