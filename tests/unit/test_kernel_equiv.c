// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel tests: a ruleset programmed through netlink lists (and dumps, attribute
 * by attribute) exactly like the same ruleset loaded from its script with nft -f.
 * Runs only inside the namespaces tests/kernel/run creates (see kt.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kt_cases.h"
#include "nft/netlink.h"

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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
