// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the decoding of Nodes and cluster network policies
 * (policy/decode_node.c, decode_cnp.c, decode_anp.c): every field of a v1alpha2
 * ClusterNetworkPolicy, a v1alpha1 AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy into the same model, a Node's addresses and pod
 * CIDRs, warnings, duplicates and the sealed order.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "policy/decode.h"
#include "base/xalloc.h"

static struct cluster c;
static struct diag_list d;

static void setup(void)
{
	model_cluster_init(&c);
	diag_list_init(&d);
}

static void teardown(void)
{
	model_cluster_fini(&c);
	diag_list_fini(&d);
}

static int dec(const char *text)
{
	int ret = decode_buffer("t.yaml", text, strlen(text), &c, &d);

	for (size_t i = 0; ret && i < d.n; i++)
		diag_print(&d.v[i], stderr);
	return ret;
}

static void assert_cidr(const struct addr *a, const char *want)
{
	char buf[CIDR_STR_MAX];

	cidr_format(a, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

/* The warning whose message contains sub, at path; NULL when none. */
static const struct diag *warning(const char *path, const char *sub)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].sev == DIAG_WARNING && d.v[i].path && !strcmp(d.v[i].path, path) &&
		    strstr(d.v[i].msg, sub))
			return &d.v[i];
	return NULL;
}

static const char cnp_full[] =
	"apiVersion: policy.networking.k8s.io/v1alpha2\n"
	"kind: ClusterNetworkPolicy\n"
	"metadata:\n"
	"  name: guard.prod\n"
	"spec:\n"
	"  tier: Admin\n"
	"  priority: 10\n"
	"  subject:\n"
	"    pods:\n"
	"      namespaceSelector: {matchLabels: {env: prod}}\n"
	"      podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}\n"
	"  ingress:\n"
	"  - name: deny-others\n"
	"    action: Deny\n"
	"    from:\n"
	"    - namespaces: {matchLabels: {team: x}}\n"
	"    - pods: {podSelector: {matchLabels: {app: db}}}\n"
	"    protocols:\n"
	"    - tcp: {destinationPort: {number: 80}}\n"
	"    - udp: {destinationPort: {range: {start: 1000, end: 2000}}}\n"
	"    - destinationNamedPort: http\n"
	"  egress:\n"
	"  - action: Accept\n"
	"    to:\n"
	"    - networks: [\"10.1.2.3/8\", \"fd00::1/64\"]\n"
	"    - nodes: {matchLabels: {role: infra}}\n"
	"    - domainNames: [\"*.example.com\", \"kubernetes.io.\"]\n"
	"    protocols:\n"
	"    - sctp: {destinationPort: {number: 9}}\n"
	"  - name: future\n"
	"    action: Pass\n"
	"    to:\n"
	"    - aNewerPeer: {x: 1}\n";

START_TEST(test_cnp_full)
{
	const struct cnp *p;
	const struct cnp_rule *r;

	setup();
	ck_assert_int_eq(dec(cnp_full), 0);
	ck_assert_uint_eq(c.ncnps, 1);
	p = &c.cnps[0];
	ck_assert_str_eq(p->name, "guard.prod");
	ck_assert_int_eq(p->source, CNP_SRC_CNP);
	ck_assert_int_eq(p->tier, CNP_TIER_ADMIN);
	ck_assert_int_eq(p->priority, 10);
	ck_assert(p->subject_pods);
	ck_assert_str_eq(model_labels_get(&p->subject_ns_sel.match, "env"), "prod");
	ck_assert_uint_eq(p->subject_pod_sel.nreqs, 1);
	ck_assert_str_eq(p->subject_pod_sel.reqs[0].key, "app");
	ck_assert_uint_eq(p->nrules[DIR_INGRESS], 1);
	ck_assert_uint_eq(p->nrules[DIR_EGRESS], 2);

	r = &p->rules[DIR_INGRESS][0];
	ck_assert_str_eq(r->name, "deny-others");
	ck_assert_int_eq(r->action, CNP_DENY);
	ck_assert_uint_eq(r->npeers, 2);
	ck_assert_int_eq(r->peers[0].kind, CNP_PEER_NAMESPACES);
	ck_assert_str_eq(model_labels_get(&r->peers[0].ns_sel.match, "team"), "x");
	ck_assert_int_eq(r->peers[1].kind, CNP_PEER_PODS);
	ck_assert_uint_eq(r->peers[1].ns_sel.match.n, 0);
	ck_assert_str_eq(model_labels_get(&r->peers[1].pod_sel.match, "app"), "db");
	ck_assert_uint_eq(r->nports, 3);
	ck_assert_uint_eq(r->ports[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(r->ports[0].flags, PORT_NUMBER);
	ck_assert_uint_eq(r->ports[0].port, 80);
	ck_assert_uint_eq(r->ports[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(r->ports[1].flags, PORT_NUMBER | PORT_RANGE);
	ck_assert_uint_eq(r->ports[1].port, 1000);
	ck_assert_uint_eq(r->ports[1].end_port, 2000);
	ck_assert_uint_eq(r->ports[2].proto, 0);
	ck_assert_uint_eq(r->ports[2].flags, PORT_NAMED);
	ck_assert_str_eq(r->ports[2].name, "http");

	r = &p->rules[DIR_EGRESS][0];
	ck_assert_str_eq(r->name, "");
	ck_assert_int_eq(r->action, CNP_ACCEPT);
	ck_assert_uint_eq(r->npeers, 3);
	ck_assert_int_eq(r->peers[0].kind, CNP_PEER_NETWORKS);
	ck_assert_uint_eq(r->peers[0].nnets, 2);
	assert_cidr(&r->peers[0].nets[0], "10.0.0.0/8");
	assert_cidr(&r->peers[0].nets[1], "fd00::/64");
	ck_assert_int_eq(r->peers[1].kind, CNP_PEER_NODES);
	ck_assert_str_eq(model_labels_get(&r->peers[1].node_sel.match, "role"), "infra");
	ck_assert_int_eq(r->peers[2].kind, CNP_PEER_DOMAINS);
	ck_assert_uint_eq(r->peers[2].ndomains, 2);
	ck_assert_str_eq(r->peers[2].domains[0], "*.example.com");
	ck_assert_str_eq(r->peers[2].domains[1], "kubernetes.io.");
	ck_assert_uint_eq(r->ports[0].proto, IPPROTO_SCTP);
	ck_assert_uint_eq(r->ports[0].port, 9);

	r = &p->rules[DIR_EGRESS][1];
	ck_assert_str_eq(r->name, "future");
	ck_assert_int_eq(r->action, CNP_PASS);
	ck_assert_int_eq(r->peers[0].kind, CNP_PEER_UNKNOWN);
	ck_assert_uint_eq(r->nports, 0);

	ck_assert_uint_eq(d.nerrors, 0);
	ck_assert_ptr_nonnull(warning("spec.egress[0].to[0].networks[0]", "not canonical"));
	ck_assert_ptr_nonnull(
		warning("spec.egress[0].to[2]", "domainNames peers are not enforced by nftpol"));
	ck_assert_str_eq(warning("spec.egress[0].to[2]", "domainNames")->object,
			 "ClusterNetworkPolicy guard.prod");
	ck_assert_ptr_nonnull(warning("spec.egress[1].to[0]", "fails closed"));
	teardown();
}
END_TEST

/* A namespaces subject: every pod of the selected namespaces. */
START_TEST(test_cnp_namespaces_subject)
{
	static const char text[] = "apiVersion: policy.networking.k8s.io/v1alpha2\n"
				   "kind: ClusterNetworkPolicy\n"
				   "metadata: {name: base}\n"
				   "spec:\n"
				   "  tier: Baseline\n"
				   "  priority: 0\n"
				   "  subject: {namespaces: {matchLabels: {a: b}}}\n"
				   "  ingress:\n"
				   "  - action: Deny\n"
				   "    from: [{namespaces: {}}]\n";
	const struct cnp *p;

	setup();
	ck_assert_int_eq(dec(text), 0);
	p = &c.cnps[0];
	ck_assert_int_eq(p->tier, CNP_TIER_BASELINE);
	ck_assert(!p->subject_pods);
	ck_assert_str_eq(model_labels_get(&p->subject_ns_sel.match, "a"), "b");
	ck_assert_uint_eq(p->subject_pod_sel.match.n + p->subject_pod_sel.nreqs, 0);
	ck_assert_uint_eq(p->nrules[DIR_EGRESS], 0);
	ck_assert_uint_eq(p->rules[DIR_INGRESS][0].nports, 0);
	ck_assert_uint_eq(d.n, 0);
	teardown();
}
END_TEST

START_TEST(test_anp)
{
	static const char text[] =
		"apiVersion: policy.networking.k8s.io/v1alpha1\n"
		"kind: AdminNetworkPolicy\n"
		"metadata: {name: anp}\n"
		"spec:\n"
		"  priority: 1000\n"
		"  subject:\n"
		"    pods: {namespaceSelector: {}, podSelector: {}}\n"
		"  ingress:\n"
		"  - {name: a, action: Allow, from: [{namespaces: {}}],\n"
		"     ports: [{portNumber: {port: 53}},\n"
		"             {portNumber: {protocol: UDP, port: 53}},\n"
		"             {namedPort: dns},\n"
		"             {portRange: {protocol: SCTP, start: 5, end: 6}}]}\n"
		"  egress:\n"
		"  - {action: Pass, to: [{networks: [192.0.2.0/24]}]}\n";
	const struct cnp *p;
	const struct np_port *pt;

	setup();
	ck_assert_int_eq(dec(text), 0);
	p = &c.cnps[0];
	ck_assert_int_eq(p->source, CNP_SRC_ANP);
	ck_assert_int_eq(p->tier, CNP_TIER_ADMIN);
	ck_assert_int_eq(p->priority, 1000);
	ck_assert(p->subject_pods);
	ck_assert_int_eq(p->rules[DIR_INGRESS][0].action, CNP_ACCEPT);
	pt = p->rules[DIR_INGRESS][0].ports;
	ck_assert_uint_eq(p->rules[DIR_INGRESS][0].nports, 4);
	ck_assert_uint_eq(pt[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(pt[0].flags, PORT_NUMBER);
	ck_assert_uint_eq(pt[0].port, 53);
	ck_assert_uint_eq(pt[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(pt[2].proto, 0);
	ck_assert_uint_eq(pt[2].flags, PORT_NAMED);
	ck_assert_str_eq(pt[2].name, "dns");
	ck_assert_uint_eq(pt[3].proto, IPPROTO_SCTP);
	ck_assert_uint_eq(pt[3].flags, PORT_NUMBER | PORT_RANGE);
	ck_assert_uint_eq(pt[3].port, 5);
	ck_assert_uint_eq(pt[3].end_port, 6);
	ck_assert_int_eq(p->rules[DIR_EGRESS][0].action, CNP_PASS);
	ck_assert_int_eq(p->rules[DIR_EGRESS][0].peers[0].kind, CNP_PEER_NETWORKS);
	assert_cidr(&p->rules[DIR_EGRESS][0].peers[0].nets[0], "192.0.2.0/24");
	teardown();
}
END_TEST

START_TEST(test_banp)
{
	static const char text[] = "apiVersion: policy.networking.k8s.io/v1alpha1\n"
				   "kind: BaselineAdminNetworkPolicy\n"
				   "metadata: {name: default}\n"
				   "spec:\n"
				   "  subject: {namespaces: {}}\n"
				   "  egress:\n"
				   "  - {action: Deny, to: [{nodes: {}}]}\n"
				   "  - {action: Allow, to: [{pods: {namespaceSelector: {},\n"
				   "                                podSelector: {}}}]}\n";
	const struct cnp *p;

	setup();
	ck_assert_int_eq(dec(text), 0);
	p = &c.cnps[0];
	ck_assert_int_eq(p->source, CNP_SRC_BANP);
	ck_assert_int_eq(p->tier, CNP_TIER_BASELINE);
	ck_assert_int_eq(p->priority, 0);
	ck_assert(!p->subject_pods);
	ck_assert_uint_eq(p->nrules[DIR_EGRESS], 2);
	ck_assert_int_eq(p->rules[DIR_EGRESS][0].action, CNP_DENY);
	ck_assert_int_eq(p->rules[DIR_EGRESS][0].peers[0].kind, CNP_PEER_NODES);
	ck_assert_int_eq(p->rules[DIR_EGRESS][1].action, CNP_ACCEPT);
	ck_assert_int_eq(p->rules[DIR_EGRESS][1].peers[0].kind, CNP_PEER_PODS);
	teardown();
}
END_TEST

START_TEST(test_node)
{
	static const char text[] = "apiVersion: v1\n"
				   "kind: NodeList\n"
				   "items:\n"
				   "- metadata:\n"
				   "    name: node-1.example\n"
				   "    labels: {role: infra}\n"
				   "  spec:\n"
				   "    podCIDR: 10.9.9.0/24\n"
				   "    podCIDRs: [10.244.1.7/24, \"fd00:10:244:1::/64\"]\n"
				   "    taints: [{key: k, effect: NoSchedule}]\n"
				   "  status:\n"
				   "    addresses:\n"
				   "    - {type: InternalIP, address: 192.168.1.10}\n"
				   "    - {type: Hostname, address: node-1}\n"
				   "    - {type: ExternalIP, address: \"2001:db8::1\"}\n"
				   "    - {type: InternalIP, address: 192.168.1.10}\n"
				   "    - {type: InternalDNS, address: 10.0.0.5}\n"
				   "    capacity: {cpu: \"4\"}\n"
				   "- metadata: {name: node-0}\n"
				   "  spec: {podCIDR: 10.244.0.0/24}\n";
	const struct k8s_node *n;

	setup();
	ck_assert_int_eq(dec(text), 0);
	ck_assert_uint_eq(c.nnodes, 2);
	model_cluster_seal(&c);
	n = model_cluster_node(&c, "node-1.example");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(model_labels_get(&n->labels, "role"), "infra");
	ck_assert_uint_eq(n->naddrs, 3);
	assert_cidr(&n->addrs[0], "10.0.0.5/32");
	assert_cidr(&n->addrs[1], "192.168.1.10/32");
	assert_cidr(&n->addrs[2], "2001:db8::1/128");
	ck_assert_uint_eq(n->npod_cidrs, 2);
	assert_cidr(&n->pod_cidrs[0], "10.244.1.0/24");
	assert_cidr(&n->pod_cidrs[1], "fd00:10:244:1::/64");
	n = model_cluster_node(&c, "node-0");
	ck_assert_uint_eq(n->naddrs, 0);
	ck_assert_uint_eq(n->npod_cidrs, 1);
	assert_cidr(&n->pod_cidrs[0], "10.244.0.0/24");
	teardown();
}
END_TEST

#define CNP_DOC(kind, api, name, extra)                                                            \
	"---\napiVersion: policy.networking.k8s.io/" api "\nkind: " kind                           \
	"\nmetadata: {name: " name "}\nspec:\n" extra "  subject: {namespaces: {}}\n"

/* Sealed: tier, then priority, then name, then kind (ClusterNetworkPolicy first). */
START_TEST(test_seal_order)
{
	static const char text[] = CNP_DOC("BaselineAdminNetworkPolicy", "v1alpha1", "default", "")
		CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "b",
			"  tier: Baseline\n  priority: 0\n")
			CNP_DOC("AdminNetworkPolicy", "v1alpha1", "z", "  priority: 7\n")
				CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "z",
					"  tier: Admin\n  priority: 7\n")
					CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "a",
						"  tier: Admin\n  priority: 7\n")
						CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "y",
							"  tier: Admin\n  priority: 3\n");
	static const char *const want[][2] = {
		{ "y", "ClusterNetworkPolicy" }, { "a", "ClusterNetworkPolicy" },
		{ "z", "ClusterNetworkPolicy" }, { "z", "AdminNetworkPolicy" },
		{ "b", "ClusterNetworkPolicy" }, { "default", "BaselineAdminNetworkPolicy" },
	};

	setup();
	ck_assert_int_eq(dec(text), 0);
	model_cluster_seal(&c);
	ck_assert_uint_eq(c.ncnps, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_str_eq(c.cnps[i].name, want[i][0]);
		ck_assert_str_eq(model_cnp_source_kind(c.cnps[i].source), want[i][1]);
	}
	/* a ClusterNetworkPolicy and an AdminNetworkPolicy "z" are two objects */
	ck_assert_int_eq(decode_check_duplicates(&c, &d), 0);
	teardown();
}
END_TEST

START_TEST(test_duplicates)
{
	static const char text[] = CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "z",
					   "  tier: Admin\n  priority: 1\n")
		CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "a", "  tier: Admin\n  priority: 5\n")
			CNP_DOC("ClusterNetworkPolicy", "v1alpha2", "z",
				"  tier: Admin\n  priority: 9\n") "---\napiVersion: v1\nkind: "
								  "Node\nmetadata: {name: n}\n"
								  "---\napiVersion: v1\nkind: "
								  "Node\nmetadata: {name: n}\n";

	setup();
	ck_assert_int_eq(dec(text), 0);
	model_cluster_seal(&c);
	ck_assert_int_eq(decode_check_duplicates(&c, &d), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 2);
	ck_assert_str_eq(d.v[0].object, "Node n");
	ck_assert_str_eq(d.v[1].object, "ClusterNetworkPolicy z");
	ck_assert_ptr_nonnull(strstr(d.v[1].msg, "given twice: at t.yaml:2 and at t.yaml:18"));
	teardown();
}
END_TEST

/* Another version of the group is an error naming the one nftpol reads. */
START_TEST(test_other_version)
{
	static const char text[] = "apiVersion: policy.networking.k8s.io/v1beta1\n"
				   "kind: ClusterNetworkPolicyList\n"
				   "items: []\n"
				   "---\n"
				   "apiVersion: policy.networking.k8s.io/v1alpha2\n"
				   "kind: AdminNetworkPolicy\n"
				   "metadata: {name: x}\n"
				   "---\n"
				   "apiVersion: example.com/v1\n"
				   "kind: ClusterNetworkPolicy\n"
				   "metadata: {name: other-group}\n";

	setup();
	ck_assert_int_eq(decode_buffer("t.yaml", text, strlen(text), &c, &d), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 2);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "expected policy.networking.k8s.io/v1alpha2"));
	ck_assert_ptr_null(d.v[0].object);
	ck_assert_str_eq(d.v[1].object, "AdminNetworkPolicy x");
	ck_assert_ptr_nonnull(strstr(d.v[1].msg, "expected policy.networking.k8s.io/v1alpha1"));
	ck_assert_uint_eq(c.ncnps, 0);
	teardown();
}
END_TEST

static Suite *decode_cnp_suite(void)
{
	Suite *s = suite_create("decode_cnp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cnp_full);
	tcase_add_test(tc, test_cnp_namespaces_subject);
	tcase_add_test(tc, test_anp);
	tcase_add_test(tc, test_banp);
	tcase_add_test(tc, test_node);
	tcase_add_test(tc, test_seal_order);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_other_version);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_cnp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
