// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: reachability verdicts and their reasons (policy/reach.c), and
 * agreement with the compiled ruleset: for every golden case, every pod pair,
 * non-pod addresses and every port the policies name, reach_allowed() equals
 * the verdict of following the first packet through compile_cluster()'s IR.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/compile.h"
#include "nft/walk.h"
#include "policy/cidr.h"
#include "policy/decode.h"
#include "policy/reach.h"
#include "base/xalloc.h"

static const char cluster_yaml[] =
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {ns: x}}\n---\n"
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: y, labels: {ns: y}}\n---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\n"
	"spec: {nodeName: n1, containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}\n"
	"status: {phase: Running, podIP: 10.0.0.1}\n---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\n"
	"spec: {nodeName: n1, containers: [{name: c, ports: [{name: web, containerPort: 9090}]}]}\n"
	"status: {phase: Running, podIP: 10.0.0.2}\n---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: y, labels: {app: c}}\n"
	"spec: {nodeName: n1, containers: [{name: c}]}\n"
	"status: {phase: Running, podIP: 10.0.1.3}\n---\n"
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
	"metadata: {name: web, namespace: x}\n"
	"spec:\n  podSelector: {}\n  ingress:\n"
	"  - from: [{namespaceSelector: {matchLabels: {ns: y}}}]\n    ports: [{port: web}]\n"
	"  - from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n---\n"
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
	"metadata: {name: out, namespace: y}\n"
	"spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n"
	"  - to: [{podSelector: {matchLabels: {app: a}}, namespaceSelector: {}}]\n"
	"    ports: [{port: 8080, endPort: 8090, protocol: TCP}]\n";

static struct cluster c;
static struct reach *r;

static void setup(void)
{
	struct diag_list d;

	diag_list_init(&d);
	model_cluster_init(&c);
	decode_buffer("test.yaml", cluster_yaml, sizeof(cluster_yaml) - 1, &c, &d);
	model_cluster_seal(&c);
	ck_assert_uint_eq(d.nerrors, 0);
	diag_list_fini(&d);
	r = reach_new(&c);
}

static void teardown(void)
{
	reach_free(r);
	model_cluster_fini(&c);
}

static struct reach_end end(const char *s)
{
	struct reach_end e;
	struct addr a;

	if (strchr(s, '/')) {
		char ns[8] = { 0 };

		memcpy(ns, s, (size_t)(strchr(s, '/') - s));
		ck_assert_int_eq(reach_end_pod(reach_find_pod(r, ns, strchr(s, '/') + 1), 0, &e),
				 0);
		return e;
	}
	ck_assert_int_eq(cidr_parse_addr(s, &a), 0);
	reach_end_addr(r, &a, &e);
	return e;
}

static bool allowed(const char *from, const char *to, uint8_t proto, uint16_t port)
{
	struct reach_query q = { end(from), end(to), proto, port };
	struct reach_verdict v;
	bool ok;

	reach_eval(r, &q, &v);
	ok = v.allowed;
	ck_assert_int_eq(ok, reach_allowed(r, &q));
	reach_verdict_fini(&v);
	return ok;
}

START_TEST(self_always)
{
	ck_assert(allowed("x/a", "x/a", IPPROTO_TCP, 1));
	ck_assert(allowed("10.0.0.1", "x/a", IPPROTO_TCP, 1));
}
END_TEST

START_TEST(not_isolated)
{
	/* x/b's egress and y/c's ingress are not isolated. */
	ck_assert(allowed("x/b", "y/c", IPPROTO_UDP, 53));
	ck_assert(allowed("x/b", "203.0.113.9", IPPROTO_TCP, 443));
}
END_TEST

START_TEST(named_port_on_destination)
{
	/* "web" is 8080 on x/a and 9090 on x/b; y/c may use it (egress 8080-8090). */
	ck_assert(allowed("y/c", "x/a", IPPROTO_TCP, 8080));
	ck_assert(!allowed("y/c", "x/a", IPPROTO_TCP, 9090));
	ck_assert(!allowed("y/c", "x/b", IPPROTO_TCP, 9090)); /* egress: not to app=a */
	ck_assert(!allowed("x/b", "x/a", IPPROTO_TCP, 8080)); /* peer: only ns=y */
}
END_TEST

START_TEST(ipblock_except)
{
	ck_assert(allowed("192.168.2.7", "x/a", IPPROTO_UDP, 1));
	ck_assert(!allowed("192.168.1.7", "x/a", IPPROTO_UDP, 1));
	ck_assert(!allowed("10.9.9.9", "x/a", IPPROTO_UDP, 1));
}
END_TEST

START_TEST(reasons)
{
	struct reach_query q = { end("y/c"), end("x/a"), IPPROTO_TCP, 8080 };
	struct reach_verdict v;

	reach_eval(r, &q, &v);
	ck_assert(v.allowed && !v.self);
	ck_assert(v.side[DIR_EGRESS].isolated);
	ck_assert_uint_eq(v.side[DIR_EGRESS].npols, 1);
	ck_assert_str_eq(c.pols[v.side[DIR_EGRESS].pols[0]].name, "out");
	ck_assert_uint_eq(v.side[DIR_EGRESS].nallows, 1);
	ck_assert_uint_eq(v.side[DIR_EGRESS].allows[0].peer, 0);
	ck_assert_uint_eq(v.side[DIR_EGRESS].allows[0].port, 0);
	ck_assert(v.side[DIR_INGRESS].isolated);
	ck_assert_uint_eq(v.side[DIR_INGRESS].nallows, 1);
	ck_assert_str_eq(c.pols[v.side[DIR_INGRESS].allows[0].pol].name, "web");
	ck_assert_uint_eq(v.side[DIR_INGRESS].allows[0].rule, 0);
	reach_verdict_fini(&v);

	q = (struct reach_query){ end("x/b"), end("x/a"), IPPROTO_TCP, 8080 };
	reach_eval(r, &q, &v);
	ck_assert(!v.allowed);
	ck_assert(!v.side[DIR_EGRESS].isolated && v.side[DIR_EGRESS].allowed);
	ck_assert(v.side[DIR_INGRESS].isolated && !v.side[DIR_INGRESS].allowed);
	ck_assert_uint_eq(v.side[DIR_INGRESS].nallows, 0);
	reach_verdict_fini(&v);
}
END_TEST

/* -- prediction equals the compiled ruleset, over the golden cases ---------- */

/* Both ends of every port of rule (a named or protocol-only port: 80, 8080). */
static size_t rule_ports(const struct np_rule *rule, uint8_t *proto, uint16_t *port, size_t n,
			 size_t max)
{
	for (size_t m = 0; m < rule->nports && n + 2 < max; m++) {
		const struct np_port *p = &rule->ports[m];

		proto[n] = p->proto;
		port[n++] = p->port ? p->port : 80;
		proto[n] = p->proto;
		port[n++] = p->flags & PORT_RANGE ? p->end_port : 8080;
	}
	return n;
}

static size_t ports_of(const struct cluster *k, uint8_t *proto, uint16_t *port, size_t max)
{
	size_t n = 0;

	proto[n] = IPPROTO_TCP;
	port[n++] = 80;
	for (size_t i = 0; i < k->npols; i++)
		for (int dir = 0; dir < DIR_COUNT; dir++)
			for (size_t j = 0; j < k->pols[i].nrules[dir]; j++)
				n = rule_ports(&k->pols[i].rules[dir][j], proto, port, n, max);
	return n;
}

/* Endpoints: every pod address, plus addresses of no pod. */
static size_t ends_of(const struct reach *rr, const struct cluster *k, struct reach_end *e,
		      size_t max)
{
	static const char *const extra[] = { "192.0.2.1",   "10.0.0.1", "172.17.0.9",
					     "192.168.1.1", "fd00::99", "2001:db8::1" };
	size_t n = 0;

	for (size_t i = 0; i < k->npods && n < max; i++)
		for (size_t j = 0; j < k->pods[i].nips && n < max; j++)
			reach_end_addr(rr, &k->pods[i].ips[j], &e[n++]);
	for (size_t i = 0; i < ARRAY_SIZE(extra) && n < max; i++) {
		struct addr a;

		cidr_parse_addr(extra[i], &a);
		reach_end_addr(rr, &a, &e[n++]);
	}
	return n;
}

static size_t check_case(const char *dir)
{
	struct cluster k;
	struct diag_list d;
	struct ruleset rs;
	struct reach *rr;
	struct reach_end e[128];
	uint8_t proto[64];
	uint16_t port[64];
	size_t ne, np, checked = 0;
	char *path = xasprintf("%s/cluster.yaml", dir);

	model_cluster_init(&k);
	diag_list_init(&d);
	decode_file(path, &k, &d);
	free(path);
	path = xasprintf("%s/policies.yaml", dir);
	decode_file(path, &k, &d);
	free(path);
	model_cluster_seal(&k);
	compile_cluster(&k, NULL, &rs, &d);
	rr = reach_new(&k);
	ne = ends_of(rr, &k, e, ARRAY_SIZE(e));
	np = ports_of(&k, proto, port, ARRAY_SIZE(port));
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			for (size_t p = 0; p < np; p++) {
				struct reach_query q = { e[i], e[j], proto[p], port[p] };
				struct walk_pkt pkt = { .saddr = e[i].ip,
							.daddr = e[j].ip,
							.proto = proto[p],
							.dport = port[p] };
				struct walk t;
				char a[CIDR_STR_MAX], b[CIDR_STR_MAX];

				if (e[i].ip.family != e[j].ip.family)
					continue;
				walk_packet(&rs, &pkt, &t);
				cidr_format_addr(&e[i].ip, a, sizeof(a));
				cidr_format_addr(&e[j].ip, b, sizeof(b));
				ck_assert_msg(reach_allowed(rr, &q) == t.accepted,
					      "%s: %s -> %s %u/%u: reach %d, ruleset %d", dir, a, b,
					      proto[p], port[p], reach_allowed(rr, &q), t.accepted);
				checked++;
			}
	reach_free(rr);
	ruleset_fini(&rs);
	diag_list_fini(&d);
	model_cluster_fini(&k);
	return checked;
}

START_TEST(agrees_with_ruleset)
{
	const char *src = getenv("NFTPOL_SRC");
	char *root = xasprintf("%s/tests/golden/cases", src ? src : ".");
	DIR *dir = opendir(root);
	struct dirent *de;
	size_t cases = 0, checked = 0;

	ck_assert_msg(dir != NULL, "cannot open %s", root);
	while ((de = readdir(dir))) {
		char *p = xasprintf("%s/%s", root, de->d_name);
		char *f = xasprintf("%s/policies.yaml", p);
		FILE *fp = de->d_name[0] == '.' ? NULL : fopen(f, "r");

		if (fp) {
			fclose(fp);
			checked += check_case(p);
			cases++;
		}
		free(f);
		free(p);
	}
	closedir(dir);
	free(root);
	ck_assert_uint_gt(cases, 10);
	ck_assert_uint_gt(checked, 1000);
}
END_TEST

static Suite *reach_suite(void)
{
	Suite *s = suite_create("reach");
	TCase *tc = tcase_create("verdicts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, self_always);
	tcase_add_test(tc, not_isolated);
	tcase_add_test(tc, named_port_on_destination);
	tcase_add_test(tc, ipblock_except);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);
	tc = tcase_create("ruleset");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, agrees_with_ruleset);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reach_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
