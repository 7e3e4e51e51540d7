// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for policy/decode.c and what it builds on: YAML and JSON into the
 * same cluster, lists, defaulting, empty vs absent, validation messages with
 * paths and lines, and the input limits.
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
#include "policy/manifest.h"
#include "policy/selector.h"
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
	return decode_buffer("t.yaml", text, strlen(text), &c, &d);
}

static int dec_stats(const char *text, struct decode_stats *st)
{
	return decode_buffer_stats("t.yaml", text, strlen(text), &c, &d, st);
}

static char *data_path(const char *name)
{
	const char *src = getenv("NFTPOL_SRC");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/tests/unit/data/%s", src ? src : ".", name);
	return buf;
}

static void dump_diags(void)
{
	for (size_t i = 0; i < d.n; i++)
		diag_print(&d.v[i], stderr);
}

/* Every error at path whose message contains sub, on line (0: any line). */
static bool has_error(const char *path, unsigned line, const char *sub)
{
	for (size_t i = 0; i < d.n; i++) {
		const struct diag *g = &d.v[i];

		if (g->sev != DIAG_ERROR || strcmp(g->path ? g->path : "", path))
			continue;
		if ((!line || g->line == line) && strstr(g->msg, sub))
			return true;
	}
	return false;
}

static void expect_error(const char *text, const char *path, unsigned line, const char *sub)
{
	setup();
	ck_assert_int_eq(dec(text), -EINVAL);
	if (!has_error(path, line, sub)) {
		dump_diags();
		ck_abort_msg("no error at %s line %u containing \"%s\"", path, line, sub);
	}
	ck_assert_uint_eq(c.npols + c.npods + c.nnss, 0);
	teardown();
}

/* ---- a canonical text dump of a cluster, to compare decodings ---- */

static void dump_sel(FILE *f, const char *what, const struct selector *s)
{
	fprintf(f, " %s{", what);
	for (size_t i = 0; i < s->match.n; i++)
		fprintf(f, "%s=%s,", s->match.v[i].key, s->match.v[i].value);
	for (size_t i = 0; i < s->nreqs; i++) {
		fprintf(f, "%s op%d(", s->reqs[i].key, s->reqs[i].op);
		for (size_t j = 0; j < s->reqs[i].nvalues; j++)
			fprintf(f, "%s,", s->reqs[i].values[j]);
		fprintf(f, "),");
	}
	fprintf(f, "}");
}

static void dump_rule(FILE *f, const struct np_rule *r)
{
	char b[CIDR_STR_MAX];

	fprintf(f, "  rule\n");
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer *p = &r->peers[i];

		fprintf(f, "   peer %u", p->flags);
		dump_sel(f, "pod", &p->pod_sel);
		dump_sel(f, "ns", &p->ns_sel);
		cidr_format(&p->cidr, b, sizeof(b));
		fprintf(f, " %s", p->flags & PEER_IPBLOCK ? b : "-");
		for (size_t j = 0; j < p->nexcept; j++) {
			cidr_format(&p->except[j], b, sizeof(b));
			fprintf(f, " except %s", b);
		}
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < r->nports; i++)
		fprintf(f, "   port %u %u %u-%u %s\n", r->ports[i].proto, r->ports[i].flags,
			r->ports[i].port, r->ports[i].end_port,
			r->ports[i].name ? r->ports[i].name : "-");
}

static void dump_pod(FILE *f, const struct pod *p)
{
	char b[CIDR_STR_MAX];

	fprintf(f, "pod %s/%s node=%s host=%d phase=%d", p->ns, p->name, p->node ? p->node : "-",
		p->host_network, p->phase);
	dump_sel(f, "labels", &(struct selector){ .match = p->labels });
	for (size_t i = 0; i < p->nips; i++) {
		cidr_format_addr(&p->ips[i], b, sizeof(b));
		fprintf(f, " ip %s", b);
	}
	for (size_t i = 0; i < p->nports; i++)
		fprintf(f, " %s/%u/%u", p->ports[i].name, p->ports[i].proto, p->ports[i].port);
	fprintf(f, "\n");
}

static char *dump(const struct cluster *cl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < cl->nnss; i++) {
		fprintf(f, "ns %s", cl->nss[i].name);
		dump_sel(f, "labels", &(struct selector){ .match = cl->nss[i].labels });
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < cl->npods; i++)
		dump_pod(f, &cl->pods[i]);
	for (size_t i = 0; i < cl->npols; i++) {
		const struct netpol *np = &cl->pols[i];

		fprintf(f, "np %s/%s types=%u", np->ns, np->name, np->types);
		dump_sel(f, "sel", &np->pod_sel);
		fprintf(f, "\n");
		for (int dir = 0; dir < DIR_COUNT; dir++)
			for (size_t j = 0; j < np->nrules[dir]; j++)
				dump_rule(f, &np->rules[dir][j]);
	}
	fclose(f);
	return buf;
}

START_TEST(test_yaml_json_same)
{
	struct cluster cj;
	char *a, *b;

	setup();
	model_cluster_init(&cj);
	ck_assert_int_eq(decode_file(data_path("cluster.yaml"), &c, &d), 0);
	ck_assert_int_eq(decode_file(data_path("cluster.json"), &cj, &d), 0);
	ck_assert_uint_eq(d.nerrors, 0);
	model_cluster_seal(&c);
	model_cluster_seal(&cj);
	a = dump(&c);
	b = dump(&cj);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(c.npols, 2);
	ck_assert_str_eq(c.pols[1].name, "db");
	ck_assert_uint_eq(c.pols[1].origin.line, 37);
	ck_assert_uint_eq(cj.pols[1].origin.line, 31);
	ck_assert_str_eq(c.pods[0].origin.file, data_path("cluster.yaml"));
	ck_assert_ptr_nonnull(strstr(a, "ip 10.244.1.7 ip fd00:10:244:1::7 admin/6/15000 "
					"dns/17/53 http/6/8080\n"));
	ck_assert_ptr_nonnull(strstr(a, "tier op0(a,b,)"));
	free(a);
	free(b);
	model_cluster_fini(&cj);
	teardown();
}
END_TEST

START_TEST(test_list)
{
	static const char podlist[] =
		"{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[\n"
		" {\"metadata\":{\"name\":\"a\",\"namespace\":\"x\"},\n"
		"  \"status\":{\"podIP\":\"10.0.0.1\"}},\n"
		" {\"metadata\":{\"name\":\"b\"}}]}\n"
		"{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\n"
		" \"items\":[{\"metadata\":{\"name\":\"x\"}}]}\n"
		"{\"kind\":\"NetworkPolicyList\",\"apiVersion\":\"networking.k8s.io/v1\",\"items\":"
		"[{\"metadata\":{\"name\":\"n\"},\"spec\":{\"podSelector\":{}}}]}";

	setup();
	ck_assert_int_eq(decode_file(data_path("list.yaml"), &c, &d), 0);
	ck_assert_uint_eq(c.nnss, 1);
	ck_assert_uint_eq(c.npods, 1);
	ck_assert_uint_eq(c.npols, 1);
	ck_assert(c.pods[0].host_network);
	ck_assert_int_eq(c.pods[0].phase, POD_PHASE_SUCCEEDED);
	ck_assert_str_eq(c.pods[0].node, "node-2");
	ck_assert_uint_eq(c.pols[0].nrules[DIR_INGRESS], 1);
	ck_assert_uint_eq(c.pols[0].origin.line, 35);
	ck_assert_int_eq(dec(podlist), 0);
	ck_assert_uint_eq(c.npods, 3);
	ck_assert_str_eq(c.pods[1].ns, "x");
	ck_assert_uint_eq(c.pods[1].origin.line, 2);
	ck_assert_str_eq(c.pods[2].ns, "default");
	ck_assert_int_eq(c.pods[2].phase, POD_PHASE_PENDING);
	ck_assert_uint_eq(c.nnss, 2);
	ck_assert_uint_eq(c.npols, 2);
	teardown();
}
END_TEST

START_TEST(test_multidoc_skipped)
{
	static const char text[] =
		"---\n---\n# only a comment\n---\n"
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: y}\n"
		"---\napiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\n"
		"metadata: {name: z}\nspec: {selector: all()}\n---\n"
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n...\n"
		"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n";

	setup();
	ck_assert_int_eq(dec(text), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c.nnss, 2);
	ck_assert_uint_eq(c.nss[1].origin.line, 23);
	ck_assert_int_eq(dec(""), 0);
	ck_assert_int_eq(dec("   \n"), 0);
	teardown();
}
END_TEST

/*
 * A YAML List's items are read as each is complete (before the document is):
 * kubectl's key order (items before kind), typed lists whose items name no
 * kind, anchors across items, and a document refused whole for an error found
 * after items were read.
 */
START_TEST(test_yaml_list_streamed)
{
	static const char kubectl[] =
		"apiVersion: v1\nitems:\n"
		"- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n"
		"    labels: &l {team: x}\n"
		"- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b, labels: *l}\n"
		"- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: a}\n"
		"  spec: {hostNetwork: 3}\n"
		"kind: List\nmetadata: {resourceVersion: \"\"}\n";
	static const char typed[] = "apiVersion: v1\nitems:\n- metadata: {name: x}\n"
				    "- apiVersion: v1\n  kind: Namespace\n  metadata: {name: y}\n"
				    "kind: NamespaceList\n";
	static const char dup_later[] =
		"apiVersion: v1\nkind: List\nitems:\n"
		"- {apiVersion: v1, kind: Namespace, metadata: {name: Bad_Name}}\n"
		"- {apiVersion: v1, kind: Namespace, metadata: {name: c, name: d}}\n"
		"---\napiVersion: v1\nkind: List\nitems:\n"
		"- {apiVersion: v1, kind: Namespace, metadata: {name: e}}\n";
	static const char other_list[] =
		"apiVersion: v1\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: f}}\n"
		"kind: DeploymentList\n";

	setup();
	ck_assert_int_eq(dec(kubectl), -EINVAL);
	ck_assert_uint_eq(c.nnss, 2);
	ck_assert_str_eq(c.nss[1].name, "b");
	ck_assert_uint_eq(c.nss[1].origin.line, 8);
	ck_assert_str_eq(model_labels_get(&c.nss[1].labels, "team"), "x");
	ck_assert(has_error("spec.hostNetwork", 14, "expected a boolean"));
	teardown();
	setup();
	ck_assert_int_eq(dec(typed), 0);
	ck_assert_uint_eq(c.nnss, 2);
	ck_assert_str_eq(c.nss[0].name, "y"); /* read early, then the kept item */
	ck_assert_str_eq(c.nss[1].name, "x");
	ck_assert_uint_eq(c.nss[1].origin.line, 3);
	teardown();
	setup();
	ck_assert_int_eq(dec(dup_later), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert(has_error("", 5, "duplicate key \"name\""));
	ck_assert_uint_eq(c.nnss, 1);
	ck_assert_str_eq(c.nss[0].name, "e");
	ck_assert_int_eq(dec(other_list), 0);
	ck_assert_uint_eq(c.nnss, 1);
	teardown();
}
END_TEST

/* What was read, and the kinds skipped with their counts (custom resources apart). */
START_TEST(test_stats)
{
	static const char text[] =
		"apiVersion: v1\nkind: List\nitems:\n"
		"- {apiVersion: apps/v1, kind: Deployment, metadata: {name: a}}\n"
		"- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n"
		"- {apiVersion: apps/v1, kind: Deployment, metadata: {name: b}}\n"
		"---\napiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\n"
		"metadata: {name: z}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n";
	struct decode_stats st = { 0 };

	setup();
	ck_assert_int_eq(dec_stats(text, &st), 0);
	ck_assert_uint_eq(st.objects, 5);
	ck_assert_uint_eq(st.nskipped, 3);
	ck_assert_str_eq(st.skipped[0].kind, "Deployment");
	ck_assert_uint_eq(st.skipped[0].n, 2);
	ck_assert_str_eq(st.skipped[1].kind, "NetworkPolicy in crd.projectcalico.org/v1");
	ck_assert_str_eq(st.skipped[2].kind, "Service");
	ck_assert_uint_eq(st.skipped[2].n, 1);
	decode_stats_fini(&st);
	ck_assert_int_eq(dec_stats("# no\n---\n", &st), 0);
	ck_assert_uint_eq(st.objects, 0);
	ck_assert_int_eq(dec_stats("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}",
				   &st),
			 0);
	ck_assert_uint_eq(st.objects, 0);
	decode_stats_fini(&st);
	teardown();
}
END_TEST

/* Kinds nftpol reads under another built-in apiVersion, or mis-cased, are refused. */
START_TEST(test_kind_version_refused)
{
	expect_error("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: y}\n",
		     "apiVersion", 1,
		     "unsupported apiVersion \"extensions/v1beta1\" for "
		     "NetworkPolicy: expected networking.k8s.io/v1 (extensions/v1beta1");
	expect_error("kind: NetworkPolicy\napiVersion: networking.k8s.io/v2\nmetadata: {name: y}\n",
		     "apiVersion", 2, "expected networking.k8s.io/v1");
	expect_error("apiVersion: v1\nkind: NetworkPolicy\nmetadata: {name: y}\n", "apiVersion", 1,
		     "expected networking.k8s.io/v1");
	expect_error("apiVersion: v2\nkind: Pod\nmetadata: {name: p}\n", "apiVersion", 1,
		     "unsupported apiVersion \"v2\" for Pod: expected v1");
	expect_error("apiVersion: apps/v1\nkind: Namespace\nmetadata: {name: p}\n", "apiVersion", 1,
		     "expected v1");
	expect_error("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1beta1\n  kind: Node\n"
		     "  metadata: {name: n}\n",
		     "items[0].apiVersion", 4, "for Node: expected v1");
	expect_error("apiVersion: networking.k8s.io/v1\nkind: Networkpolicy\nmetadata: {name: y}\n",
		     "kind", 2, "unknown kind \"Networkpolicy\": did you mean NetworkPolicy?");
	expect_error("apiVersion: v1\nkind: pod\nmetadata: {name: y}\n", "kind", 2,
		     "did you mean Pod?");
	expect_error("apiVersion: v1\nkind: podlist\nitems: []\n", "kind", 2,
		     "did you mean PodList?");
	expect_error("apiVersion: policy.networking.k8s.io/v1alpha2\nkind: clusterNetworkPolicy\n"
		     "metadata: {name: y}\n",
		     "kind", 2, "did you mean ClusterNetworkPolicy?");
	setup();
	ck_assert_int_eq(dec("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\n"
			     "metadata: {name: y, namespace: x}\n"),
			 -EINVAL);
	ck_assert_str_eq(d.v[0].object, "NetworkPolicy x/y");
	ck_assert_int_eq(dec("apiVersion: example.com/v1\nkind: Networkpolicy\n"
			     "metadata: {name: y, namespace: x}\n"),
			 0);
	teardown();
}
END_TEST

static const struct netpol *pol(const char *spec)
{
	char *text = xasprintf("apiVersion: networking.k8s.io/v1\n"
			       "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n%s",
			       spec);
	int ret = dec(text);

	free(text);
	if (ret) {
		dump_diags();
		ck_abort_msg("policy did not decode");
	}
	return &c.pols[c.npols - 1];
}

START_TEST(test_defaults)
{
	const struct netpol *np;

	setup();
	np = pol("  podSelector: {}\n");
	ck_assert_str_eq(np->ns, "default");
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS));
	np = pol("  podSelector: {}\n  egress: [{}]\n");
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS) | DIR_FLAG(DIR_EGRESS));
	np = pol("  podSelector: {}\n  policyTypes: []\n  egress: []\n");
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS));
	np = pol("  podSelector: {}\n  policyTypes: [Egress]\n");
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_EGRESS));
	np = pol("  podSelector: {}\n  policyTypes: [Ingress, Ingress]\n  egress: [{}]\n");
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS));
	ck_assert_uint_eq(np->nrules[DIR_EGRESS], 1);
	np = pol("  podSelector: {}\n  ingress: [{ports: [{}, {protocol: UDP}, {port: 53}]}]\n");
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].nports, 3);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].ports[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].ports[0].flags, 0);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].ports[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].ports[2].proto, IPPROTO_TCP);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].ports[2].flags, PORT_NUMBER);
	ck_assert_uint_eq(d.n, 0);
	teardown();
}
END_TEST

/* No podSelector, or no spec: the API server stores them as podSelector {}. */
START_TEST(test_absent_pod_selector)
{
	static const struct labels none = { 0 };
	const struct netpol *np;

	setup();
	np = pol("  egress: [{}]\n");
	ck_assert(selector_matches(&np->pod_sel, &none));
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS) | DIR_FLAG(DIR_EGRESS));
	np = pol("");
	ck_assert(selector_matches(&np->pod_sel, &none));
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS));
	ck_assert_int_eq(dec("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
			     "metadata: {name: q}\n"),
			 0);
	np = &c.pols[c.npols - 1];
	ck_assert(selector_matches(&np->pod_sel, &none));
	ck_assert_uint_eq(np->types, DIR_FLAG(DIR_INGRESS));
	ck_assert_uint_eq(np->nrules[DIR_INGRESS], 0);
	ck_assert_uint_eq(d.n, 0);
	teardown();
}
END_TEST

START_TEST(test_empty_vs_absent)
{
	const struct netpol *np;
	const struct np_rule *r;

	setup();
	np = pol("  podSelector: {}\n  ingress: []\n");
	ck_assert_uint_eq(np->nrules[DIR_INGRESS], 0);
	ck_assert_ptr_null(np->rules[DIR_INGRESS]);
	np = pol("  podSelector: {}\n  ingress: [{}]\n");
	ck_assert_uint_eq(np->nrules[DIR_INGRESS], 1);
	r = &np->rules[DIR_INGRESS][0];
	ck_assert_uint_eq(r->npeers + r->nports, 0);
	np = pol("  podSelector: {}\n  ingress: [{from: [], ports: []}, {from: ~}]\n");
	ck_assert_uint_eq(np->nrules[DIR_INGRESS], 2);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].npeers, 0);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][0].nports, 0);
	ck_assert_uint_eq(np->rules[DIR_INGRESS][1].npeers, 0);
	np = pol("  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n"
		 "    - namespaceSelector: {}\n    - {namespaceSelector: {}, podSelector: {}}\n");
	r = &np->rules[DIR_INGRESS][0];
	ck_assert_uint_eq(r->npeers, 3);
	ck_assert_uint_eq(r->peers[0].flags, PEER_POD_SEL);
	ck_assert_uint_eq(r->peers[1].flags, PEER_NS_SEL);
	ck_assert_uint_eq(r->peers[2].flags, PEER_NS_SEL | PEER_POD_SEL);
	ck_assert_uint_eq(r->peers[2].pod_sel.match.n + r->peers[2].pod_sel.nreqs, 0);
	teardown();
}
END_TEST

START_TEST(test_selector_canonical)
{
	const struct netpol *np;
	const struct selector *s;

	setup();
	np = pol("  podSelector:\n    matchLabels: {z: '1', a: '2', m: ''}\n"
		 "    matchExpressions:\n"
		 "    - {key: b, operator: NotIn, values: [v, u, v]}\n"
		 "    - {key: a, operator: DoesNotExist}\n"
		 "    - {key: b, operator: In, values: [q]}\n"
		 "    - {key: a, operator: Exists, values: []}\n");
	s = &np->pod_sel;
	ck_assert_uint_eq(s->match.n, 3);
	ck_assert_str_eq(s->match.v[0].key, "a");
	ck_assert_str_eq(s->match.v[1].key, "m");
	ck_assert_str_eq(s->match.v[1].value, "");
	ck_assert_uint_eq(s->nreqs, 4);
	ck_assert_int_eq(s->reqs[0].op, SEL_OP_EXISTS);
	ck_assert_int_eq(s->reqs[1].op, SEL_OP_DOES_NOT_EXIST);
	ck_assert_str_eq(s->reqs[2].key, "b");
	ck_assert_int_eq(s->reqs[2].op, SEL_OP_IN);
	ck_assert_int_eq(s->reqs[3].op, SEL_OP_NOT_IN);
	ck_assert_uint_eq(s->reqs[3].nvalues, 2);
	ck_assert_str_eq(s->reqs[3].values[0], "u");
	ck_assert_str_eq(s->reqs[3].values[1], "v");
	np = pol("  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
		 "        cidr: 10.1.2.3/16\n"
		 "        except: [10.1.9.0/24, 10.1.1.0/24, 10.1.9.7/24]\n");
	ck_assert_uint_eq(np->rules[DIR_EGRESS][0].peers[0].nexcept, 2);
	ck_assert_uint_eq(np->rules[DIR_EGRESS][0].peers[0].cidr.a[2], 0);
	ck_assert_uint_eq(np->rules[DIR_EGRESS][0].peers[0].except[0].a[2], 1);
	ck_assert_uint_eq(d.nerrors, 0);
	ck_assert_uint_eq(d.n, 2); /* warnings: 10.1.2.3/16, 10.1.9.7/24 not canonical */
	teardown();
}
END_TEST

START_TEST(test_ports)
{
	const struct netpol *np;
	const struct np_port *p;

	setup();
	np = pol("  podSelector: {}\n  ingress:\n  - ports:\n    - {port: http}\n"
		 "    - {port: 0x50, protocol: SCTP}\n    - {port: 1000, endPort: 1000}\n"
		 "    - {port: 1, endPort: 65535}\n");
	p = np->rules[DIR_INGRESS][0].ports;
	ck_assert_uint_eq(p[0].flags, PORT_NAMED);
	ck_assert_str_eq(p[0].name, "http");
	ck_assert_uint_eq(p[1].flags, PORT_NUMBER);
	ck_assert_uint_eq(p[1].port, 80);
	ck_assert_uint_eq(p[1].proto, IPPROTO_SCTP);
	ck_assert_uint_eq(p[2].flags, PORT_NUMBER | PORT_RANGE);
	ck_assert_uint_eq(p[2].end_port, 1000);
	ck_assert_uint_eq(p[3].end_port, 65535);
	teardown();
}
END_TEST

static const struct pod *one_pod(const char *status)
{
	char *text = xasprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
			       "status:\n%s",
			       status);

	ck_assert_int_eq(dec(text), 0);
	free(text);
	return &c.pods[c.npods - 1];
}

START_TEST(test_pod_ips)
{
	const struct pod *p;
	char b[CIDR_STR_MAX];

	setup();
	p = one_pod("  podIPs: [{ip: 'fd00::7'}, {ip: 10.0.0.7}]\n  podIP: 10.0.0.7\n");
	ck_assert_uint_eq(p->nips, 2);
	ck_assert_uint_eq(p->ips[0].family, AF_INET);
	cidr_format_addr(&p->ips[1], b, sizeof(b));
	ck_assert_str_eq(b, "fd00::7");
	p = one_pod("  podIP: 10.0.0.8\n  phase: Bogus\n");
	ck_assert_uint_eq(p->nips, 1);
	ck_assert_int_eq(p->phase, POD_PHASE_UNKNOWN);
	p = one_pod("  podIPs: []\n  podIP: ''\n  phase: Failed\n");
	ck_assert_uint_eq(p->nips, 0);
	ck_assert_int_eq(p->phase, POD_PHASE_FAILED);
	teardown();
}
END_TEST

struct bad {
	const char *text;
	const char *path;
	unsigned line;
	const char *msg;
};

#define NP "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n"
#define NP_PS NP "  podSelector: {}\n"
#define POD "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"

/* A JSON NetworkPolicy whose ingress port is the number text n, on line 3. */
#define JSON_PORT(n)                                                                               \
	"{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\",\n"                \
	" \"metadata\": {\"name\": \"p\"}, \"spec\": {\"podSelector\": {},\n"                      \
	" \"ingress\": [{\"ports\": [{\"port\": " n "}]}]}}"
#define JSON_PORT_PATH "spec.ingress[0].ports[0].port"

static const struct bad bad_cases[] = {
	{ NP "  podSelector: all\n", "spec.podSelector", 5, "expected a mapping, got a string" },
	{ NP "  podSelector: {matchLabels: {a: [b]}}\n", "spec.podSelector.matchLabels.a", 5,
	  "expected a string, got a list" },
	{ NP "  podSelector: {matchLabels: {a: true}}\n", "spec.podSelector.matchLabels.a", 5,
	  "quote it" },
	{ NP "  podSelector: {matchLabels: {-a: b}}\n", "spec.podSelector.matchLabels", 5,
	  "invalid label key \"-a\"" },
	{ NP "  podSelector: {matchLabels: {a: b c}}\n", "spec.podSelector.matchLabels", 5,
	  "invalid value \"b c\" of label" },
	{ NP "  podSelector:\n    matchExpressions: [{key: a, operator: Foo}]\n",
	  "spec.podSelector.matchExpressions[0].operator", 6, "not a valid selector operator" },
	{ NP "  podSelector:\n    matchExpressions: [{key: a, operator: In}]\n",
	  "spec.podSelector.matchExpressions[0].values", 6, "must be specified when" },
	{ NP "  podSelector:\n    matchExpressions:\n"
	     "    - {key: a, operator: Exists, values: [b]}\n",
	  "spec.podSelector.matchExpressions[0].values", 7, "may not be specified when" },
	{ NP "  podSelector:\n    matchExpressions: [{operator: Exists}]\n",
	  "spec.podSelector.matchExpressions[0].key", 6, "required value" },
	{ NP_PS "  policyTypes: [Ingress, Egress, Ingress]\n", "spec.policyTypes", 6,
	  "more than two policyTypes" },
	{ NP_PS "  policyTypes: [ingress]\n", "spec.policyTypes[0]", 6,
	  "Unsupported value: \"ingress\"" },
	{ NP_PS "  ingress:\n  - from:\n    - {}\n", "spec.ingress[0].from[0]", 8,
	  "must specify a peer" },
	{ NP_PS "  ingress:\n  - from:\n    - podSelector: {}\n      ipBlock: {cidr: 10.0.0.0/8}\n",
	  "spec.ingress[0].from[0]", 8, "may not specify both ipBlock and another peer" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock: {}\n", "spec.egress[0].to[0].ipBlock.cidr", 8,
	  "required value" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/33\n",
	  "spec.egress[0].to[0].ipBlock.cidr", 9,
	  "invalid CIDR \"10.0.0.0/33\": expected an "
	  "address and a prefix length such as 10.0.0.0/8 or fd00::/64" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0\n",
	  "spec.egress[0].to[0].ipBlock.cidr", 9, "invalid CIDR" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n"
		"        except:\n        - 10.0.1.0/24\n        - 10.0.0.0/16\n",
	  "spec.egress[0].to[0].ipBlock.except[1]", 12, "must be a strict subset of `cidr`" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n"
		"        except: [fd00::/64]\n",
	  "spec.egress[0].to[0].ipBlock.except[0]", 10, "must be a strict subset of `cidr`" },
	{ NP_PS "  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n"
		"        except: [10.0.0.0/99]\n",
	  "spec.egress[0].to[0].ipBlock.except[0]", 10, "invalid CIDR" },
	{ NP_PS "  ingress:\n  - ports:\n    - protocol: ICMP\n",
	  "spec.ingress[0].ports[0].protocol", 8,
	  "Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: \"80\"\n", "spec.ingress[0].ports[0].port", 8,
	  "must contain at least one letter" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: 0\n", "spec.ingress[0].ports[0].port", 8,
	  "must be between 1 and 65535" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: 65536\n", "spec.ingress[0].ports[0].port", 8,
	  "must be between 1 and 65535" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: 80.5\n", "spec.ingress[0].ports[0].port", 8,
	  "whole number" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: {a: 1}\n", "spec.ingress[0].ports[0].port", 8,
	  "expected a port number (1-65535) or a port name, got a mapping" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: web--x\n", "spec.ingress[0].ports[0].port", 8,
	  "consecutive hyphens" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: averyveryverylongname\n",
	  "spec.ingress[0].ports[0].port", 8, "no more than 15 characters" },
	{ NP_PS "  ingress:\n  - ports:\n    - {port: http, endPort: 90}\n",
	  "spec.ingress[0].ports[0].endPort", 8,
	  "may not be specified when `port` is non-numeric" },
	{ NP_PS "  ingress:\n  - ports:\n    - {endPort: 90}\n", "spec.ingress[0].ports[0].endPort",
	  8, "may not be specified when `port` is not specified" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: 100\n      endPort: 99\n",
	  "spec.ingress[0].ports[0].endPort", 9, "must be greater than or equal to `port`" },
	{ NP_PS "  ingress:\n  - ports:\n    - port: 100\n      endPort: 70000\n",
	  "spec.ingress[0].ports[0].endPort", 9, "must be between 1 and 65535" },
	{ NP_PS "  ingress:\n  - fromm: []\n", "spec.ingress[0]", 7, "unknown field \"fromm\"" },
	{ NP_PS "  ingress: {from: []}\n", "spec.ingress", 6, "expected a list, got a mapping" },
	{ NP_PS "  egress:\n  - to: [{podSelector: {}}]\n    ports: 53\n", "spec.egress[0].ports",
	  8, "expected a list, got a number" },
	{ NP_PS "  ingress: [{from: [{namespaceSelector: x}]}]\n",
	  "spec.ingress[0].from[0].namespaceSelector", 6, "expected a mapping" },
	{ "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: P_1}\n"
	  "spec: {podSelector: {}}\n",
	  "metadata.name", 3, "RFC 1123 subdomain" },
	{ "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: x}\n"
	  "spec: {podSelector: {}}\n",
	  "metadata.name", 3, "required value" },
	{ "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
	  "metadata: {name: a, namespace: X.y}\nspec: {podSelector: {}}\n",
	  "metadata.namespace", 3, "RFC 1123 label" },
	{ "apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n", "metadata.name", 3,
	  "RFC 1123 label" },
	{ "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: x\n", "metadata.labels",
	  5, "expected a mapping" },
	{ "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a/b/c: x}\n",
	  "metadata.labels", 5, "qualified name" },
	{ "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {-.x/b: x}\n",
	  "metadata.labels", 5, "prefix part" },
	{ POD "spec: {hostNetwork: 'yes'}\n", "spec.hostNetwork", 4, "expected a boolean" },
	{ POD "spec: {nodeName: 7}\n", "spec.nodeName", 4, "expected a string, got a number" },
	{ POD "spec:\n  containers:\n  - ports:\n    - {name: http}\n",
	  "spec.containers[0].ports[0].containerPort", 7, "required value" },
	{ POD "spec:\n  initContainers:\n  - ports:\n    - {name: HTTP, containerPort: 80}\n",
	  "spec.initContainers[0].ports[0].name", 7, "alpha-numeric" },
	{ POD "spec:\n  containers:\n  - ports: [{name: h, containerPort: 80, protocol: tcp}]\n",
	  "spec.containers[0].ports[0].protocol", 6, "Unsupported value" },
	{ POD "status: {podIP: 10.0.0.300}\n", "status.podIP", 4, "invalid IP address" },
	{ POD "status:\n  podIPs:\n  - ip: 10.0.0.1\n  - ip: 10.0.0.2\n", "status.podIPs[1].ip", 7,
	  "at most one IP per family" },
	{ POD "status: {phase: 1}\n", "status.phase", 4, "expected a string" },
	{ "kind: Pod\nmetadata: {name: p}\n", "apiVersion", 1, "required value" },
	{ "apiVersion: v1\nkind: [Pod]\n", "kind", 2, "expected a string, got a list" },
	{ "- a\n- b\n", "", 1, "expected a Kubernetes object" },
	{ "apiVersion: v1\nkind: List\nitems:\n- 7\n", "items[0]", 4,
	  "expected a Kubernetes object" },
	{ "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod}\n", "items[0].apiVersion", 4,
	  "required value" },
	{ "apiVersion: v1\nkind: PodList\nitems: {a: b}\n", "items", 3, "expected a list" },
	{ "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"metadata\": {\"name\": \"p\"},\n"
	  " \"status\": {\"podIP\": \"x\"}}",
	  "status.podIP", 3, "invalid IP address" },
	/* JSON numbers: integers of up to 18 digits are read without strtod */
	{ JSON_PORT("123456789012345678"), JSON_PORT_PATH, 3, "must be between 1 and 65535" },
	{ JSON_PORT("99999999999999999999"), JSON_PORT_PATH, 3, "must be between 1 and 65535" },
	{ JSON_PORT("-0"), JSON_PORT_PATH, 3, "must be between 1 and 65535" },
	{ JSON_PORT("-70000"), JSON_PORT_PATH, 3, "must be between 1 and 65535" },
	{ JSON_PORT("80.5"), JSON_PORT_PATH, 3, "whole number" },
	{ JSON_PORT("8.05e1"), JSON_PORT_PATH, 3, "whole number" },
	{ JSON_PORT("-"), "", 3, "invalid JSON near \"-}]}]}}\"" },
};

START_TEST(test_errors)
{
	const struct bad *b = &bad_cases[_i];

	expect_error(b->text, b->path, b->line, b->msg);
}
END_TEST

START_TEST(test_error_context)
{
	setup();
	ck_assert_int_eq(dec(NP_PS "  ingress: [{ports: [{port: 0}, {protocol: X}]}]\n---\n"
				   "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n"),
			 -EINVAL);
	ck_assert_uint_eq(d.nerrors, 2);
	ck_assert_str_eq(d.v[0].object, "NetworkPolicy default/p");
	ck_assert_str_eq(d.v[0].file, "t.yaml");
	ck_assert_uint_eq(c.nnss, 1);
	ck_assert_uint_eq(c.npols, 0);
	teardown();
	setup();
	ck_assert_int_eq(dec("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: "
			     "{x: '-'}}\n"),
			 -EINVAL);
	ck_assert_str_eq(d.v[0].object, "Namespace a");
	teardown();
}
END_TEST

START_TEST(test_syntax)
{
	setup();
	ck_assert_int_eq(decode_buffer("t.yaml", "kind: Pod\n\0\n", 12, &c, &d), -EINVAL);
	ck_assert(has_error("", 2, "NUL byte at byte offset 10"));
	teardown();
	expect_error("a: b\n c: d: e\n", "", 2, "invalid YAML");
	expect_error("apiVersion: v1\nkind: Pod\nkind: Pod\n", "", 3, "duplicate key \"kind\"");
	expect_error("{\"kind\": \"Pod\",\n \"kind\": \"Pod\"}", "", 2, "duplicate key");
	expect_error("{\"kind\": \"Pod\",\n \"apiVersion\": }", "", 2, "invalid JSON");
	expect_error("{\"kind\": \"Pod\",\n \"apiVersion\": \n", "", 3,
		     "invalid JSON: the input ends inside a value");
	expect_error("{\"kind\": \"Pod\",\n \"apiVersion\": \n\t\x01\"\\ "
		     "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9}",
		     "", 3,
		     "invalid JSON near \"\\\\ "
		     "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"...");
	expect_error("{\"kind\": \"P\\u0000od\"}", "", 1, "\\u0000");
	expect_error("a: \"\\0\"\n", "", 1, "NUL character");
	expect_error("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: "
		     "{a: \"h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}}\n",
		     "metadata.labels", 3, "invalid value");
	expect_error("kind: Pod\n\xff\n", "", 2, "invalid UTF-8");
	expect_error("kind: Pod\n\xc0\x80\n", "", 2, "invalid UTF-8");
	expect_error("kind: Pod\nx: \xed\xa0\x80\n", "", 2, "invalid UTF-8");
	expect_error("base: &b {a: 1}\nx:\n  <<: *b\n", "", 3, "merge keys");
	expect_error("a: *nope\n", "", 1, "no anchor");
	expect_error("? [a]\n: b\n", "", 1, "mapping keys must be plain strings");
}
END_TEST

/* Text quoted for a message: escaped, bounded, UTF-8 sequences kept whole. */
START_TEST(test_quote)
{
	static const struct {
		const char *in;
		size_t max;
		const char *out;
	} cases[] = {
		{ "abc", 20, "\"abc\"" },
		{ "a\nb\tc\rd", 20, "\"a\\nb\\tc\\rd\"" },
		{ "\x01\x7f\"\\", 20, "\"\\x01\\x7f\\\"\\\\\"" },
		{ "abcdef", 4, "\"abcd\"..." },
		{ "a\xc3\xa9\xc3\xa9", 4, "\"a\xc3\xa9\"..." },
		{ "\xff\xc3", 20, "\"\\xff\\xc3\"" },
		{ "", 20, "\"\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *q = manifest_quote(cases[i].in, strlen(cases[i].in), cases[i].max);

		ck_assert_str_eq(q, cases[i].out);
		free(q);
	}
}
END_TEST

START_TEST(test_yaml_typing)
{
	static const char text[] =
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n"
		"    a: 'yes'\n    b: \"1\"\n    c:\n    d: !!str 12\n    e: |-\n      text\n"
		"    f: &v val\n    g: *v\n    h: y\n    i: no\n    j: on\n";
	const struct labels *l;

	setup();
	ck_assert_int_eq(dec(text), 0);
	l = &c.nss[0].labels;
	ck_assert_str_eq(model_labels_get(l, "a"), "yes");
	ck_assert_str_eq(model_labels_get(l, "b"), "1");
	ck_assert_str_eq(model_labels_get(l, "c"), "");
	ck_assert_str_eq(model_labels_get(l, "d"), "12");
	ck_assert_str_eq(model_labels_get(l, "e"), "text");
	ck_assert_str_eq(model_labels_get(l, "g"), "val");
	/* YAML 1.2 core schema: only true/false are booleans */
	ck_assert_str_eq(model_labels_get(l, "h"), "y");
	ck_assert_str_eq(model_labels_get(l, "i"), "no");
	ck_assert_str_eq(model_labels_get(l, "j"), "on");
	teardown();
	expect_error("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a: TRUE}\n",
		     "metadata.labels.a", 5, "got a boolean (true)");
	expect_error("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a: 0755}\n",
		     "metadata.labels.a", 5, "got a number (493)");
	expect_error("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a: 1e3}\n",
		     "metadata.labels.a", 5, "got a number (1000)");
	expect_error("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a: ~}\n"
		     "  x: [",
		     "", 7, "invalid YAML");
}
END_TEST

START_TEST(test_limits)
{
	char *big, *deep;
	size_t n = 100000;

	deep = calloc(2 * n + 8, 1);
	memcpy(deep, "a: ", 3);
	memset(deep + 3, '[', n);
	expect_error(deep, "", 1, "nested deeper than 64");
	memset(deep, '[', n);
	deep[n] = '\0';
	expect_error(deep, "", 1, "nested deeper than 64");
	free(deep);
	expect_error("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
		     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
		     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n"
		     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
		     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f]\n"
		     "h: &h [*g, *g, *g, *g, *g, *g, *g, *g]\n",
		     "", 0, "alias bomb");
	expect_error("a: &a [b, *a]\n", "", 1, "contains it");
	big = malloc((size_t)DECODE_MAX_INPUT + 1);
	memset(big, ' ', (size_t)DECODE_MAX_INPUT + 1);
	setup();
	ck_assert_int_eq(decode_buffer("big", big, (size_t)DECODE_MAX_INPUT + 1, &c, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "more than the limit"));
	teardown();
	free(big);
}
END_TEST

START_TEST(test_files_and_duplicates)
{
	static const char ns[] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
	static const char pod[] = "\n" POD;

	setup();
	ck_assert_int_eq(decode_file(data_path("no-such-file.yaml"), &c, &d), -ENOENT);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "cannot open"));
	ck_assert_int_eq(decode_file(data_path("cluster.yaml"), &c, &d), 0);
	ck_assert_int_eq(decode_buffer("other.yaml", ns, strlen(ns), &c, &d), 0);
	ck_assert_int_eq(decode_buffer("p.yaml", pod, strlen(pod), &c, &d), 0);
	ck_assert_int_eq(decode_buffer("q.yaml", pod, strlen(pod), &c, &d), 0);
	ck_assert_int_eq(decode_file(data_path("cluster.json"), &c, &d), 0);
	model_cluster_seal(&c);
	ck_assert_int_eq(decode_check_duplicates(&c, &d), -EINVAL);
	ck_assert(has_error("", 2, "given twice: at p.yaml:2 and at q.yaml:2"));
	/* cannot open; twice: pod p, ns shop, pod web-1, np db, np deny-all */
	ck_assert_uint_eq(d.nerrors, 6);
	teardown();
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_yaml_json_same);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_multidoc_skipped);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_yaml_list_streamed);
	tcase_add_test(tc, test_kind_version_refused);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_absent_pod_selector);
	tcase_add_test(tc, test_empty_vs_absent);
	tcase_add_test(tc, test_selector_canonical);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_pod_ips);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_error_context);
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_yaml_typing);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_files_and_duplicates);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
