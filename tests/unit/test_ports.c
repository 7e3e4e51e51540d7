// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the port sets the compiler builds from one rule's `ports`
 * (nft/lower.c). For each shape — single, adjacent, repeated, overlapping,
 * ranges touching singles, named ports declared twice — the exact elements
 * programmed, and, for every protocol and every port 0-65535, that a first
 * packet through the compiled IR is accepted exactly when eval_port_admits()
 * (the preview's semantics) admits it.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/compile.h"
#include "nft/walk.h"
#include "policy/cidr.h"
#include "policy/decode.h"
#include "policy/eval.h"
#include "base/xalloc.h"

/* Pod x/a at 10.0.0.1 declares "web" twice (two containers) and "dns" once. */
static const char pod_yaml[] =
	"apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
	"spec:\n  nodeName: n1\n  containers:\n"
	"  - {name: c1, ports: [{name: web, containerPort: 8443}, {name: dns, containerPort: 53,"
	" protocol: UDP}]}\n"
	"  - {name: c2, ports: [{name: web, containerPort: 80}, {name: web, containerPort: 80}]}\n"
	"status: {phase: Running, podIP: 10.0.0.1}\n---\n"
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n"
	"spec:\n  podSelector: {}\n  ingress:\n  - ports: ";

struct ports_case {
	const char *ports; /* the flow sequence of the rule's ports */
	const char *elems; /* the port sets' elements, as elems_text() prints them */
};

static const struct ports_case cases[] = {
	{ "[{port: 8080}, {port: 8081}, {port: 8082}]", "tcp.8080 tcp.8081 tcp.8082" },
	{ "[{port: 80}, {port: 81}]", "tcp.80 tcp.81" },
	{ "[{port: 81}, {port: 80}]", "tcp.80 tcp.81" },
	{ "[{port: 80}, {port: 80}, {port: 81}, {port: 80}]", "tcp.80 tcp.81" },
	{ "[{port: 79}, {port: 80}, {port: 90, endPort: 95}]", "tcp.79 tcp.80 | tcp.90-95" },
	{ "[{port: 65534}, {port: 65535}]", "tcp.65534 tcp.65535" },
	{ "[{port: 53, protocol: UDP}, {port: 54, protocol: UDP}, {port: 53}]",
	  "tcp.53 udp.53 udp.54" },
	{ "[{port: 1, protocol: SCTP}, {port: 2, protocol: SCTP}]", "sctp.1 sctp.2" },
	{ "[{port: 80, endPort: 81}, {port: 82, endPort: 90}]", "| tcp.80-90" },
	{ "[{port: 80, endPort: 85}, {port: 83, endPort: 90}, {port: 85}]", "tcp.85 | tcp.80-90" },
	{ "[{port: 100, endPort: 200}, {port: 99}, {port: 201}]", "tcp.99 tcp.201 | tcp.100-200" },
	{ "[{protocol: UDP}, {port: 53}]", "tcp.53 | udp.0-65535" },
	{ "[{port: web}]", "named: 10.0.0.1.tcp.80 10.0.0.1.tcp.8443" },
	{ "[{port: web}, {port: 8443}, {port: dns, protocol: UDP}]",
	  "tcp.8443 named: 10.0.0.1.tcp.80 10.0.0.1.tcp.8443 10.0.0.1.udp.53" },
	{ "[{port: web, protocol: UDP}]", "named:" },
};

static const char *proto_text(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "sctp";
}

static unsigned port_at(const uint8_t *k)
{
	return (unsigned)k[4] << 8 | k[5];
}

/* Append one set's elements to buf: "tcp.80", "tcp.90-95", "10.0.0.1.tcp.80". */
static void set_text(const struct rs_set *s, char *buf, size_t max)
{
	bool named = !strncmp(s->name, "named4_", 7);

	for (size_t i = 0; i < s->nelems; i++) {
		const uint8_t *k = s->elems[i].key, *e = s->elems[i].key_end;
		size_t n = strlen(buf);

		if (named)
			snprintf(buf + n, max - n, " %u.%u.%u.%u.%s.%u", k[0], k[1], k[2], k[3],
				 proto_text(k[4]), port_at(k + 4));
		else if (s->flags & RS_SET_INTERVAL)
			snprintf(buf + n, max - n, " %s.%u-%u", proto_text(k[0]), port_at(k),
				 port_at(e));
		else
			snprintf(buf + n, max - n, " %s.%u", proto_text(k[0]), port_at(k));
	}
}

/* Exact ports, then "|" and ranges, then "named:" and named ports. */
static void elems_text(const struct ruleset *rs, char *buf, size_t max)
{
	static const char *const kinds[] = { "ports_", "prange_", "named4_" };
	static const char *const marks[] = { "", " |", " named:" };

	buf[0] = '\0';
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < rs->nsets; i++) {
			size_t n = strlen(buf);

			if (strncmp(rs->sets[i].name, kinds[k], strlen(kinds[k])))
				continue;
			snprintf(buf + n, max - n, "%s", marks[k]);
			set_text(&rs->sets[i], buf, max);
		}
}

static void load(const char *ports, struct cluster *c, struct ruleset *rs)
{
	char *text = xasprintf("%s%s\n", pod_yaml, ports);
	struct diag_list d;

	diag_list_init(&d);
	model_cluster_init(c);
	decode_buffer("ports.yaml", text, strlen(text), c, &d);
	model_cluster_seal(c);
	ck_assert_msg(d.nerrors == 0, "%s: does not decode", ports);
	ck_assert_int_eq(compile_cluster(c, NULL, rs, &d), 0);
	diag_list_fini(&d);
	free(text);
}

START_TEST(port_set_elements)
{
	const struct ports_case *t = &cases[_i];
	struct cluster c;
	struct ruleset rs;
	char buf[512];

	load(t->ports, &c, &rs);
	elems_text(&rs, buf, sizeof(buf));
	ck_assert_msg(!strcmp(buf + (buf[0] == ' '), t->elems),
		      "%s: programmed \"%s\", want \"%s\"", t->ports, buf, t->elems);
	ruleset_fini(&rs);
	model_cluster_fini(&c);
}
END_TEST

/* Whether any port of the policy's only rule admits proto/port to pod a. */
static bool policy_admits(const struct cluster *c, uint8_t proto, uint16_t port)
{
	const struct np_rule *r = &c->pols[0].rules[DIR_INGRESS][0];

	for (size_t i = 0; i < r->nports; i++)
		if (eval_port_admits(&r->ports[i], &c->pods[0], proto, port))
			return true;
	return false;
}

START_TEST(every_port_as_evaluated)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	const struct ports_case *t = &cases[_i];
	struct walk_pkt pkt = { 0 };
	struct cluster c;
	struct ruleset rs;

	load(t->ports, &c, &rs);
	ck_assert_int_eq(cidr_parse_addr("192.0.2.9", &pkt.saddr), 0);
	pkt.daddr = c.pods[0].ips[0];
	for (size_t p = 0; p < 3; p++)
		for (unsigned port = 0; port <= 65535; port++) {
			struct walk tr;

			pkt.proto = protos[p];
			pkt.dport = (uint16_t)port;
			walk_packet(&rs, &pkt, &tr);
			if (tr.accepted != policy_admits(&c, protos[p], (uint16_t)port))
				ck_abort_msg("%s: %s/%u: compiled %s, evaluated %s", t->ports,
					     proto_text(protos[p]), port,
					     tr.accepted ? "accept" : "drop",
					     tr.accepted ? "deny" : "allow");
		}
	ruleset_fini(&rs);
	model_cluster_fini(&c);
}
END_TEST

/* Every number a pod gives a name declared twice, sorted. */
START_TEST(named_port_numbers)
{
	struct cluster c;
	struct ruleset rs;
	const struct pod_port *pp;
	size_t n;

	load("[{port: web}]", &c, &rs);
	n = eval_pod_named_ports(&c.pods[0], "web", IPPROTO_TCP, &pp);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(pp[0].port, 80);
	ck_assert_uint_eq(pp[1].port, 8443);
	ck_assert_uint_eq(eval_pod_named_ports(&c.pods[0], "web", IPPROTO_UDP, &pp), 0);
	ck_assert_ptr_null(pp);
	ck_assert_uint_eq(eval_pod_named_ports(&c.pods[0], "dns", IPPROTO_UDP, &pp), 1);
	ruleset_fini(&rs);
	model_cluster_fini(&c);
}
END_TEST

static Suite *ports_suite(void)
{
	Suite *s = suite_create("ports");
	TCase *tc = tcase_create("sets");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, port_set_elements, 0, n);
	tcase_add_loop_test(tc, every_port_as_evaluated, 0, n);
	tcase_add_test(tc, named_port_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ports_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
