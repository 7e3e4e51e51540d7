// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: datapath_check() over fake sysfs/procfs trees, for the case a
 * test kernel cannot show (br_netfilter absent) and the report's order;
 * tests/kernel/t_check_node.sh checks the real kernel.
 */
#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/daemon/datapath.h"
#include "base/xalloc.h"

static char root[] = "/tmp/nftpol-datapath-XXXXXX";

static void mk(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);

	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
}

static void put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static struct datapath_paths paths(bool with_bridge_dir)
{
	static char net[128], br[128];

	snprintf(net, sizeof(net), "%s/net", root);
	snprintf(br, sizeof(br), "%s/%s", root, with_bridge_dir ? "bridge" : "missing");
	return (struct datapath_paths){ net, br };
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	mk("net");
	mk("net/lo");
	mk("net/cni0");
	mk("net/cni0/brif");
	mk("net/cni0/brif/veth1");
	mk("net/cni0/brif/veth2");
	mk("net/docker0");
	mk("net/docker0/brif"); /* a bridge without ports */
	mk("bridge");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	/* the tree is small and ours: remove it depth first */
	nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
}

START_TEST(absent_br_netfilter)
{
	struct datapath_paths p = paths(false);
	struct datapath_report r = { 0 };
	char *text;

	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.v[0].reason, DATAPATH_BR_NETFILTER_ABSENT);
	ck_assert_str_eq(r.v[0].dev, "cni0");
	ck_assert_uint_eq(r.v[0].ports, 2);
	text = datapath_finding_text(&r.v[0]);
	ck_assert_ptr_nonnull(strstr(text, "br_netfilter is not loaded"));
	free(text);
	datapath_report_fini(&r);
}
END_TEST

START_TEST(sysctls)
{
	struct datapath_paths p = paths(true);
	struct datapath_report r = { 0 };

	put("bridge/bridge-nf-call-iptables", "1\n");
	put("bridge/bridge-nf-call-ip6tables", "0\n");
	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.v[0].reason, DATAPATH_BRIDGE_NF6_OFF);
	datapath_report_fini(&r);
	put("bridge/bridge-nf-call-ip6tables", "1\n");
	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 0);
	datapath_report_fini(&r);
	put("bridge/bridge-nf-call-iptables", "0\n");
	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(datapath_reason_name(r.v[0].reason), "bridge_nf_call_iptables_off");
	datapath_report_fini(&r);
	/* the bridge's own nf_call_iptables option overrides a sysctl of 0 */
	mk("net/cni0/bridge");
	put("net/cni0/bridge/nf_call_iptables", "1\n");
	put("net/cni0/bridge/nf_call_ip6tables", "0\n");
	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 0);
	datapath_report_fini(&r);
	put("bridge/bridge-nf-call-ip6tables", "0\n");
	ck_assert_int_eq(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.v[0].reason, DATAPATH_BRIDGE_NF6_OFF);
	datapath_report_fini(&r);
}
END_TEST

START_TEST(no_interfaces_dir)
{
	struct datapath_paths p = { "/nonexistent/nftpol", "/nonexistent/nftpol" };
	struct datapath_report r = { 0 };

	ck_assert_int_lt(datapath_check(&p, &r), 0);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("datapath");
	TCase *tc = tcase_create("check");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, absent_br_netfilter);
	tcase_add_test(tc, sysctls);
	tcase_add_test(tc, no_interfaces_dir);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
