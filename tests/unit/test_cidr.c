// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for policy/cidr.c: parsing, masking, containment, formatting, subtraction. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"

static void assert_parse(const char *in, const char *want)
{
	char buf[CIDR_STR_MAX];
	struct addr a;

	ck_assert_msg(cidr_parse(in, &a) == 0, "cidr_parse(\"%s\") failed", in);
	cidr_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

START_TEST(test_parse_v4)
{
	struct addr a;

	assert_parse("10.0.0.0/8", "10.0.0.0/8");
	assert_parse("10.1.2.3/24", "10.1.2.0/24");
	assert_parse("10.1.2.3/32", "10.1.2.3/32");
	assert_parse("0.0.0.0/0", "0.0.0.0/0");
	assert_parse("255.255.255.255/1", "128.0.0.0/1");
	assert_parse("192.168.1.77/4", "192.0.0.0/4");
	assert_parse("010.001.2.3/024", "10.1.2.0/24");
	assert_parse("172.17.255.255/17", "172.17.128.0/17");
	ck_assert_int_eq(cidr_parse("10.1.2.3/24", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.plen, 24);
	ck_assert_int_eq(a.a[3], 0);
	ck_assert_int_eq(a.a[4], 0);
}
END_TEST

START_TEST(test_parse_v6)
{
	struct addr a;

	assert_parse("fd00::/64", "fd00::/64");
	assert_parse("2001:db8::1/64", "2001:db8::/64");
	assert_parse("2001:DB8:0:0:0:0:0:1/128", "2001:db8::1/128");
	assert_parse("::/0", "::/0");
	assert_parse("2001:db8:ffff:ffff::/33", "2001:db8:8000::/33");
	assert_parse("fd00:10:244:1::7/127", "fd00:10:244:1::6/127");
	ck_assert_int_eq(cidr_parse("fd00::1/64", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.plen, 64);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const bad[] = {
		"",
		"/",
		"10.0.0.0",
		"10.0.0.0/",
		"10.0.0.0/33",
		"10.0.0.0/-1",
		"10.0.0.0/8a",
		"10.0.0/8",
		"10.0.0.0.0/8",
		"256.0.0.0/8",
		"10.0.0.0 /8",
		" 10.0.0.0/8",
		"10.0.0.0/8 ",
		"fd00::/129",
		"fd00:::/64",
		"fd00::%eth0/64",
		"garbage",
		"10.0.0.0/+8",
		"1.2.3.4/99999999999999999999",
		"fd00::/64/64",
		"a.b.c.d/8",
	};
	struct addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cidr_parse(bad[i], &a) == -EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert_int_eq(a.family, 0);
	}
}
END_TEST

START_TEST(test_parse_addr)
{
	char buf[CIDR_STR_MAX];
	struct addr a;

	ck_assert_int_eq(cidr_parse_addr("10.244.1.7", &a), 0);
	ck_assert_int_eq(a.plen, 32);
	cidr_format_addr(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.244.1.7");
	ck_assert_int_eq(cidr_parse_addr("FD00:10:244:1:0::7", &a), 0);
	ck_assert_int_eq(a.plen, 128);
	cidr_format_addr(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fd00:10:244:1::7");
	cidr_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fd00:10:244:1::7/128");
	ck_assert_int_eq(cidr_parse_addr("10.0.0.1/32", &a), -EINVAL);
	ck_assert_int_eq(cidr_parse_addr("", &a), -EINVAL);
	ck_assert_int_eq(cidr_parse_addr("10.0.0", &a), -EINVAL);
}
END_TEST

static struct addr net(const char *s)
{
	struct addr a;

	ck_assert_msg(cidr_parse(s, &a) == 0, "bad test CIDR %s", s);
	return a;
}

static struct addr host(const char *s)
{
	struct addr a;

	ck_assert_msg(cidr_parse_addr(s, &a) == 0, "bad test address %s", s);
	return a;
}

START_TEST(test_subset_contains)
{
	struct addr o = net("172.17.0.0/16");
	struct addr i = net("172.17.1.0/24");
	struct addr o6 = net("fd00::/64"), i6 = net("fd00::1:0/112");

	ck_assert(cidr_strict_subset(&o, &i));
	ck_assert(!cidr_strict_subset(&i, &o));
	ck_assert(!cidr_strict_subset(&o, &o));
	i = net("172.18.1.0/24");
	ck_assert(!cidr_strict_subset(&o, &i));
	i = net("172.17.0.0/17");
	ck_assert(cidr_strict_subset(&o, &i));
	ck_assert(cidr_strict_subset(&o6, &i6));
	ck_assert(!cidr_strict_subset(&o, &i6));
	o = net("0.0.0.0/0");
	ck_assert(cidr_strict_subset(&o, &i));
	ck_assert(!cidr_strict_subset(&o, &i6));

	o = net("10.1.2.3/24");
	i = host("10.1.2.200");
	ck_assert(cidr_contains_addr(&o, &i));
	i = host("10.1.3.0");
	ck_assert(!cidr_contains_addr(&o, &i));
	i6 = host("fd00::ffff");
	ck_assert(cidr_contains_addr(&o6, &i6));
	ck_assert(!cidr_contains_addr(&o, &i6));
	i6 = host("fd00:0:0:1::");
	ck_assert(!cidr_contains_addr(&o6, &i6));
}
END_TEST

/* The ranges of net minus excepts, formatted "lo-hi lo-hi ...". */
static char *subtract(const char *n, const char *const *ex, size_t nex)
{
	struct addr nt = net(n), e[8];
	struct addr_range *r = NULL;
	static char out[1024];
	size_t cnt;

	for (size_t i = 0; i < nex; i++)
		e[i] = net(ex[i]);
	cnt = cidr_subtract(&nt, e, nex, &r);
	out[0] = '\0';
	for (size_t i = 0; i < cnt; i++) {
		struct addr lo = { .family = r[i].family }, hi = { .family = r[i].family };
		char a[CIDR_STR_MAX], b[CIDR_STR_MAX];
		size_t used = strlen(out);

		memcpy(lo.a, r[i].lo, 16);
		memcpy(hi.a, r[i].hi, 16);
		cidr_format_addr(&lo, a, sizeof(a));
		cidr_format_addr(&hi, b, sizeof(b));
		snprintf(out + used, sizeof(out) - used, "%s%s-%s", i ? " " : "", a, b);
	}
	if (cnt == 0)
		ck_assert_ptr_null(r);
	free(r);
	return out;
}

START_TEST(test_subtract)
{
	static const char *const one[] = { "10.0.1.0/24" };
	static const char *const overlap[] = { "10.0.2.0/24", "10.0.0.0/23", "10.0.1.128/25",
					       "10.0.4.0/22" };
	static const char *const edges[] = { "10.0.0.0/24", "10.0.3.0/24" };
	static const char *const all[] = { "10.0.0.0/23", "10.0.2.0/23" };
	static const char *const top[] = { "255.255.255.0/24" };
	static const char *const v6[] = { "fd00::8000:0/97", "fd00::/112" };
	static const char *const mixed[] = { "fd00::/8", "10.0.0.0/25", "192.168.0.0/16" };

	ck_assert_str_eq(subtract("10.0.0.0/16", NULL, 0), "10.0.0.0-10.0.255.255");
	ck_assert_str_eq(subtract("10.0.0.0/16", one, 1),
			 "10.0.0.0-10.0.0.255 10.0.2.0-10.0.255.255");
	ck_assert_str_eq(subtract("10.0.0.0/16", overlap, 4),
			 "10.0.3.0-10.0.3.255 10.0.8.0-10.0.255.255");
	ck_assert_str_eq(subtract("10.0.0.0/22", edges, 2), "10.0.1.0-10.0.2.255");
	ck_assert_str_eq(subtract("10.0.0.0/22", all, 2), "");
	ck_assert_str_eq(subtract("10.0.0.0/22", all, 1), "10.0.2.0-10.0.3.255");
	ck_assert_str_eq(subtract("0.0.0.0/0", top, 1), "0.0.0.0-255.255.254.255");
	ck_assert_str_eq(subtract("0.0.0.0/0", edges, 1),
			 "0.0.0.0-9.255.255.255 10.0.1.0-255.255.255.255");
	ck_assert_str_eq(subtract("fd00::/64", v6, 2),
			 "fd00::1:0-fd00::7fff:ffff fd00::1:0:0-fd00::ffff:ffff:ffff:ffff");
	ck_assert_str_eq(subtract("fd00::/126", v6 + 1, 1), "");
	ck_assert_str_eq(subtract("10.0.0.0/24", mixed, 3), "10.0.0.128-10.0.0.255");
	ck_assert_str_eq(subtract("10.0.0.0/24", mixed + 2, 1), "10.0.0.0-10.0.0.255");
}
END_TEST

static Suite *cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_v4);
	tcase_add_test(tc, test_parse_v6);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_addr);
	tcase_add_test(tc, test_subset_contains);
	tcase_add_test(tc, test_subtract);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cidr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
