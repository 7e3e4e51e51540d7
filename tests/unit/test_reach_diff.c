// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the reachability difference (policy/reach_diff.c), as data.
 *
 * Agreement: for many pairs of clusters (each golden compile case without and
 * with its policies, every golden case against every other, and hand-made
 * edits: relabelled pods and namespaces, moved addresses, renamed ports,
 * renamed and tightened policies), the changes reach_diff_compute() reports,
 * expanded to (family, source, destination, port, verdict, cause), are exactly
 * those found by asking reach.c about every pair on every port in both
 * clusters. That checks the shortcuts (only candidate pairs compared, ports as
 * masks, causes split by first admitting rule) against the plain evaluation.
 *
 * Shape: groups, their order, ends (pods, shared labels, counts), ports sorted
 * and unique whatever the input order, counts, self pairs left out.
 */
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "strv.h"
#include "policy/decode.h"
#include "policy/eval.h"
#include "policy/reach.h"
#include "policy/reach_diff.h"
#include "base/xalloc.h"

/* -- helpers ----------------------------------------------------------------------- */

static void load_buf(const char *yaml, struct cluster *c)
{
	struct diag_list d;

	diag_list_init(&d);
	model_cluster_init(c);
	decode_buffer("test.yaml", yaml, strlen(yaml), c, &d);
	model_cluster_seal(c);
	ck_assert_msg(!d.nerrors, "%s", d.n ? d.v[0].msg : "");
	diag_list_fini(&d);
}

/* Decode the files (NULL-terminated) into c. */
static void load_files(const char *const *files, struct cluster *c)
{
	struct diag_list d;

	diag_list_init(&d);
	model_cluster_init(c);
	for (size_t i = 0; files[i]; i++)
		decode_file(files[i], c, &d);
	model_cluster_seal(c);
	ck_assert_msg(!d.nerrors, "%s: %zu errors", files[0], d.nerrors);
	diag_list_fini(&d);
}

/* The ports policies of c name (numbers, range ends, named as pods resolve them). */
static void ports_of(const struct cluster *c, struct reach_diff_port *v, size_t *n, size_t max)
{
	for (size_t i = 0; i < c->npols; i++)
		for (int dir = 0; dir < DIR_COUNT; dir++)
			for (size_t j = 0; j < c->pols[i].nrules[dir]; j++) {
				const struct np_rule *r = &c->pols[i].rules[dir][j];

				for (size_t k = 0; k < r->nports && *n + 2 < max; k++) {
					v[(*n)++] = (struct reach_diff_port){ r->ports[k].proto,
									      r->ports[k].port };
					v[(*n)++] =
						(struct reach_diff_port){ r->ports[k].proto,
									  r->ports[k].end_port };
				}
			}
	for (size_t i = 0; i < c->npods; i++)
		for (size_t j = 0; j < c->pods[i].nports && *n < max; j++)
			v[(*n)++] = (struct reach_diff_port){ c->pods[i].ports[j].proto,
							      c->pods[i].ports[j].port };
}

static int port_cmp(const void *a, const void *b)
{
	const struct reach_diff_port *x = a, *y = b;

	return x->proto != y->proto ? x->proto - y->proto : x->port - y->port;
}

/* Sort v and drop repeats (the brute force must ask once per port). */
static size_t ports_unique(struct reach_diff_port *v, size_t n)
{
	size_t m = 0;

	xqsort(v, n, sizeof(*v), port_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || port_cmp(&v[m - 1], &v[i]))
			v[m++] = v[i];
	return m;
}

static void put_side(FILE *f, const struct cluster *c, int dir, enum reach_diff_why why,
		     const size_t *pols, size_t npols, size_t pol, size_t rule)
{
	fprintf(f, " %s:", dir == DIR_EGRESS ? "egress" : "ingress");
	if (why == REACH_DIFF_ISOLATED) {
		fputs("isolated", f);
		for (size_t i = 0; i < npols; i++)
			fprintf(f, ",%s/%s", c->pols[pols[i]].ns, c->pols[pols[i]].name);
	} else if (why == REACH_DIFF_NOT_ISOLATED) {
		fputs("open", f);
	} else if (why == REACH_DIFF_BY_CNP) {
		fprintf(f, "by cnp %s[%zu]", c->cnps[pol].name, rule);
	} else {
		fprintf(f, "by %s/%s[%zu]", c->pols[pol].ns, c->pols[pol].name, rule);
	}
}

static char *change_line(int family, const struct pod *s, const struct pod *d,
			 const struct reach_diff_port *p, bool allowed, char *cause)
{
	char *line = xasprintf("IPv%d %s/%s -> %s/%s %u/%u %s%s", family == AF_INET ? 4 : 6, s->ns,
			       s->name, d->ns, d->name, p->proto, p->port,
			       allowed ? "allowed" : "denied", cause);

	free(cause);
	return line;
}

/* -- what reach_diff says, one line per (pair, port) -------------------------------- */

static char *diff_cause(const struct cluster *c, const struct reach_diff_cause *k)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&buf, &len));

	for (int dir = DIR_EGRESS; dir >= DIR_INGRESS; dir--)
		if (k->dirs & DIR_FLAG(dir))
			put_side(f, c, dir, k->side[dir].why, k->side[dir].pols, k->side[dir].npols,
				 k->side[dir].pol, k->side[dir].rule);
	fclose(f);
	return buf;
}

static void diff_lines(const struct cluster *c, const struct reach_diff *r, struct strv *out)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct reach_diff_group *g = &r->groups[i];

		for (size_t j = g->first; j < g->first + g->n; j++)
			for (size_t k = r->runs[j].first; k < r->runs[j].first + r->runs[j].n; k++)
				for (size_t p = 0; p < r->runs[j].nports; p++)
					strv_add(out,
						 change_line(g->family, r->pairs[k].src,
							     r->pairs[k].dst, &r->runs[j].ports[p],
							     g->allowed, diff_cause(c, g->cause)));
	}
}

/* -- what reach.c says about every pair ---------------------------------------------- */

static const struct pod *find(const struct cluster *c, const struct pod *p)
{
	for (size_t i = 0; i < c->npods; i++)
		if (!strcmp(c->pods[i].ns, p->ns) && !strcmp(c->pods[i].name, p->name))
			return &c->pods[i];
	return NULL;
}

static bool has_family(const struct cluster *c, int family)
{
	struct reach_end e;

	for (size_t i = 0; i < c->npods; i++)
		if (model_pod_eligible(&c->pods[i]) && !reach_end_pod(&c->pods[i], family, &e))
			return true;
	return false;
}

/* The ends of new pod p in both clusters, if it is compared in family. */
static bool ends(const struct cluster *old, const struct pod *p, int family, struct reach_end *eo,
		 struct reach_end *en)
{
	const struct pod *q = find(old, p);

	return q && model_pod_eligible(p) && model_pod_eligible(q) &&
	       !reach_end_pod(q, family, eo) && !reach_end_pod(p, family, en);
}

static char *eval_cause(const struct cluster *c, const struct reach_verdict *vo,
			const struct reach_verdict *vn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&buf, &len));

	for (int dir = DIR_EGRESS; dir >= DIR_INGRESS; dir--) {
		const struct reach_side *s = &vn->side[dir];

		if (vo->side[dir].allowed == s->allowed)
			continue;
		if (s->by == REACH_BY_ADMIN || s->by == REACH_BY_BASELINE)
			put_side(f, c, dir, REACH_DIFF_BY_CNP, NULL, 0, s->decided.cnp,
				 s->decided.rule);
		else
			put_side(f, c, dir,
				 !s->allowed	? REACH_DIFF_ISOLATED
				 : !s->isolated ? REACH_DIFF_NOT_ISOLATED
						: REACH_DIFF_ALLOWED_BY,
				 s->pols, s->npols, s->nallows ? s->allows[0].pol : 0,
				 s->nallows ? s->allows[0].rule : 0);
	}
	fclose(f);
	return buf;
}

static void eval_pair(const struct reach *ro, const struct reach *rn, struct reach_query *qo,
		      struct reach_query *qn, const struct reach_diff_port *ports, size_t nports,
		      int family, struct strv *out)
{
	for (size_t k = 0; k < nports; k++) {
		struct reach_verdict vo, vn;

		qo->proto = qn->proto = ports[k].proto;
		qo->port = qn->port = ports[k].port;
		if (reach_allowed(ro, qo) == reach_allowed(rn, qn))
			continue;
		reach_eval(ro, qo, &vo);
		reach_eval(rn, qn, &vn);
		strv_add(out, change_line(family, qn->src.pod, qn->dst.pod, &ports[k], vn.allowed,
					  eval_cause(reach_cluster(rn), &vo, &vn)));
		reach_verdict_fini(&vo);
		reach_verdict_fini(&vn);
	}
}

static void eval_lines(const struct cluster *old, const struct cluster *new,
		       const struct reach_diff_port *ports, size_t nports, struct strv *out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct reach *ro = reach_new(old), *rn = reach_new(new);

	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		if (!has_family(new, families[f]))
			continue;
		for (size_t i = 0; i < new->npods; i++)
			for (size_t j = 0; j < new->npods; j++) {
				struct reach_query qo = { 0 }, qn = { 0 };

				if (i != j &&
				    ends(old, &new->pods[i], families[f], &qo.src, &qn.src) &&
				    ends(old, &new->pods[j], families[f], &qo.dst, &qn.dst))
					eval_pair(ro, rn, &qo, &qn, ports, nports, families[f],
						  out);
			}
	}
	reach_free(ro);
	reach_free(rn);
}

/* -- agreement --------------------------------------------------------------------- */

/* reach_diff of old -> new equals asking reach.c about every pair; returns changes. */
static size_t agree(const char *what, const struct cluster *old, const struct cluster *new)
{
	struct reach_diff_port ports[256] = { { IPPROTO_TCP, 80 }, { IPPROTO_UDP, 53 } };
	size_t nports = 2;
	struct strv a = { 0 }, b = { 0 };
	struct reach_diff r;
	size_t n;

	ports_of(old, ports, &nports, ARRAY_SIZE(ports));
	ports_of(new, ports, &nports, ARRAY_SIZE(ports));
	nports = ports_unique(ports, nports);
	reach_diff_compute(old, new, ports, nports, &r);
	diff_lines(new, &r, &a);
	eval_lines(old, new, ports, nports, &b);
	strv_sort(&a);
	strv_sort(&b);
	for (size_t i = 0; i < a.n || i < b.n; i++)
		ck_assert_msg(i < a.n && i < b.n && !strcmp(a.v[i], b.v[i]),
			      "%s: change %zu: reach_diff '%s', reach '%s'", what, i,
			      i < a.n ? a.v[i] : "(none)", i < b.n ? b.v[i] : "(none)");
	ck_assert_uint_eq(r.changes, a.n);
	n = a.n;
	strv_fini(&a);
	strv_fini(&b);
	reach_diff_fini(&r);
	return n;
}

static void golden_cases(struct strv *out)
{
	const char *src = getenv("NFTPOL_SRC");
	char *root = xasprintf("%s/tests/golden/cases", src ? src : ".");
	DIR *dir = opendir(root);
	struct dirent *de;

	ck_assert_msg(dir, "cannot open %s (set NFTPOL_SRC)", root);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			strv_add(out, xasprintf("%s/%s", root, de->d_name));
	closedir(dir);
	free(root);
	strv_sort(out);
}

/* A golden case: its cluster.yaml alone, or every manifest of it. */
static void load_case(const char *dir, bool policies, struct cluster *c)
{
	struct strv files = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".yaml") &&
		    (policies || !strcmp(de->d_name, "cluster.yaml")))
			strv_add(&files, xasprintf("%s/%s", dir, de->d_name));
	closedir(d);
	strv_sort(&files);
	strv_add(&files, NULL);
	load_files((const char *const *)files.v, c);
	files.n--;
	strv_fini(&files);
}

START_TEST(agrees_over_golden_cases)
{
	struct strv cases = { 0 };
	struct cluster *bare, *full;
	size_t changes = 0;

	golden_cases(&cases);
	bare = xcalloc(cases.n + 1, sizeof(*bare));
	full = xcalloc(cases.n + 1, sizeof(*full));
	for (size_t i = 0; i < cases.n; i++) {
		load_case(cases.v[i], false, &bare[i]);
		load_case(cases.v[i], true, &full[i]);
	}
	for (size_t i = 0; i < cases.n; i++) {
		changes += agree(cases.v[i], &bare[i], &full[i]);
		changes += agree(cases.v[i], &full[i], &bare[i]);
		for (size_t j = 0; j < cases.n; j++)
			if (i != j)
				changes += agree(cases.v[j], &full[i], &full[j]);
	}
	for (size_t i = 0; i < cases.n; i++) {
		model_cluster_fini(&bare[i]);
		model_cluster_fini(&full[i]);
	}
	ck_assert_uint_gt(cases.n, 10);
	ck_assert_uint_gt(changes, 1000);
	free(bare);
	free(full);
	strv_fini(&cases);
}
END_TEST

/* Every tests/golden-diff case with old/ and new/ versions, both ways. */
START_TEST(agrees_over_diff_cases)
{
	const char *src = getenv("NFTPOL_SRC");
	char *root = xasprintf("%s/tests/golden-diff", src ? src : ".");
	DIR *dir = opendir(root);
	struct dirent *de;
	size_t pairs = 0;

	ck_assert_msg(dir, "cannot open %s (set NFTPOL_SRC)", root);
	while ((de = readdir(dir))) {
		char *o = xasprintf("%s/%s/old", root, de->d_name);
		char *n = xasprintf("%s/%s/new", root, de->d_name);
		DIR *probe = de->d_name[0] == '.' ? NULL : opendir(o);
		struct cluster a, b;

		if (probe) {
			closedir(probe);
			load_case(o, true, &a);
			load_case(n, true, &b);
			agree(n, &a, &b);
			agree(o, &b, &a);
			model_cluster_fini(&a);
			model_cluster_fini(&b);
			pairs++;
		}
		free(o);
		free(n);
	}
	closedir(dir);
	free(root);
	ck_assert_uint_gt(pairs, 3);
}
END_TEST

/* -- hand-made edits ----------------------------------------------------------------- */

/* What varies between the versions of the cluster below. */
struct world {
	const char *y_team; /* namespace y's team label */
	const char *b_app;  /* pod x/b's app label */
	const char *yb_ip;  /* pod y/b's IPv4 address */
	int web;	    /* the number of x/a's port "web" */
	bool c_host;	    /* pod x/c on the host network (not a peer or target) */
	bool d_gone;	    /* pod y/d deleted */
	const char *pols;   /* the NetworkPolicies */
};

static char *pod_yaml(const char *ns, const char *name, const char *app, const char *ip4,
		      const char *ip6, int web, bool host)
{
	return xasprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s, "
			 "labels: {app: %s, tier: t1}}\nspec: {nodeName: n1, hostNetwork: %s, "
			 "containers: [{name: c, ports: [{name: web, containerPort: %d}]}]}\n"
			 "status: {phase: Running, podIP: %s, podIPs: [{ip: %s}, {ip: %s}]}\n---\n",
			 name, ns, app, host ? "true" : "false", web, ip4, ip4, ip6);
}

static char *world_yaml(const struct world *w)
{
	char *p[7] = {
		pod_yaml("x", "a", "web", "10.0.0.1", "fd00::1", w->web, false),
		pod_yaml("x", "b", w->b_app, "10.0.0.2", "fd00::2", 8080, false),
		pod_yaml("x", "c", "api", "10.0.0.3", "fd00::3", 8080, w->c_host),
		pod_yaml("y", "a", "api", "10.0.1.1", "fd00::11", 8080, false),
		pod_yaml("y", "b", "db", w->yb_ip, "fd00::12", 8080, false),
		pod_yaml("y", "c", "db", "10.0.1.3", "fd00::13", 8080, false),
		w->d_gone ? xstrdup("")
			  : pod_yaml("y", "d", "db", "10.0.1.4", "fd00::14", 8080, false),
	};
	char *s = xasprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: "
			    "{team: a}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: y, "
			    "labels: {team: %s}}\n---\n%s%s%s%s%s%s%s%s",
			    w->y_team, p[0], p[1], p[2], p[3], p[4], p[5], p[6], w->pols);

	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		free(p[i]);
	return s;
}

#define NETPOL "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"

#define WEB_SPEC                                                                                   \
	"spec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n"                            \
	"  - from: [{podSelector: {matchLabels: {app: api}}, namespaceSelector: {}}]\n"            \
	"    ports: [{port: web}, {port: 443}]\n"                                                  \
	"  - from: [{ipBlock: {cidr: 10.0.1.0/24, except: [10.0.1.4/32]}}]\n---\n"
#define OUT_POLICY                                                                                 \
	NETPOL "metadata: {name: out, namespace: y}\nspec:\n"                                      \
	       "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Egress]\n  egress:\n"     \
	       "  - to: [{namespaceSelector: {matchLabels: {team: a}}}]\n"                         \
	       "    ports: [{port: 8000, endPort: 8100}, {port: 53, protocol: UDP}]\n"

static const char pols_base[] = NETPOL "metadata: {name: web, namespace: x}\n" WEB_SPEC OUT_POLICY;

/* pols_base with "web" renamed: the same content. */
static const char pols_renamed[] =
	NETPOL "metadata: {name: web2, namespace: x}\n" WEB_SPEC OUT_POLICY;

/* pols_base tightened: "web" admits 443 only, "out" a narrower range. */
static const char pols_tight[] = NETPOL
	"metadata: {name: web, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: web}}\n"
	"  ingress:\n  - from: [{podSelector: {matchLabels: {app: api}}, namespaceSelector: {}}]\n"
	"    ports: [{port: 443}]\n---\n" NETPOL
	"metadata: {name: out, namespace: y}\nspec:\n  podSelector: {matchLabels: {app: db}}\n"
	"  policyTypes: [Egress]\n  egress:\n"
	"  - to: [{namespaceSelector: {matchLabels: {team: a}}}]\n"
	"    ports: [{port: 8050, endPort: 8060}]\n---\n" NETPOL
	"metadata: {name: deny-in, namespace: y}\nspec:\n  podSelector: {}\n";

/* pols_base and one more policy for pods already isolated: only its peers can change. */
static const char pols_more[] =
	NETPOL "metadata: {name: web, namespace: x}\n" WEB_SPEC OUT_POLICY "---\n" NETPOL
	       "metadata: {name: more, namespace: x}\nspec:\n"
	       "  podSelector: {matchLabels: {app: web}}\n  ingress:\n"
	       "  - from: [{podSelector: {matchLabels: {app: db}}, namespaceSelector: {}}]\n"
	       "    ports: [{port: 8050}]\n";

static const struct world base = { "b", "api", "10.0.1.2", 8080, false, false, pols_base };

static size_t agree_worlds(const char *what, const struct world *a, const struct world *b)
{
	struct cluster ca, cb;
	char *ya = world_yaml(a), *yb = world_yaml(b);
	size_t n;

	load_buf(ya, &ca);
	load_buf(yb, &cb);
	n = agree(what, &ca, &cb);
	model_cluster_fini(&ca);
	model_cluster_fini(&cb);
	free(ya);
	free(yb);
	return n;
}

START_TEST(agrees_over_edits)
{
	struct world w[] = { base, base, base, base, base, base, base, base, base };
	static const char *const what[] = {
		"ns relabelled", "pod relabelled", "pod moved", "port renumbered", "host network",
		"pod deleted",	 "tightened",	   "nothing",	"one more policy"
	};
	size_t n[ARRAY_SIZE(w)];

	w[0].y_team = "a";
	w[1].b_app = "web";
	w[2].yb_ip = "10.0.2.2";
	w[3].web = 9090;
	w[4].c_host = true;
	w[5].d_gone = true;
	w[6].pols = pols_tight;
	w[7].pols = pols_renamed;
	w[8].pols = pols_more;
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		n[i] = agree_worlds(what[i], &base, &w[i]);
		ck_assert_uint_eq(agree_worlds(what[i], &w[i], &base), n[i]);
	}
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(n[i] > 0, "%s: no change found", what[i]);
	ck_assert_uint_eq(n[5], 0); /* pairs with y/d are gone, no others change */
	ck_assert_uint_gt(n[6], 0);
	ck_assert_uint_eq(n[7], 0); /* renaming a policy changes nothing */
	ck_assert_uint_gt(n[8], 0);
}
END_TEST

/* -- shape ------------------------------------------------------------------------------ */

static char *shape_yaml(const char *pols)
{
	static const char *const y[] = { "a", "b", "c", "d", "e" };
	char *s = xstrdup(pols), *t;

	for (size_t i = 0; i < 3; i++) {
		t = xasprintf("%sapiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: x, "
			      "labels: {app: web}}\nspec: {nodeName: n1}\nstatus: {phase: Running, "
			      "podIP: 10.0.0.%zu}\n---\n",
			      s, y[i], i + 1);
		free(s);
		s = t;
	}
	for (size_t i = 0; i < ARRAY_SIZE(y); i++) {
		t = xasprintf("%sapiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: y, "
			      "labels: {app: db, tier: t%zu}}\nspec: {nodeName: n1}\nstatus: "
			      "{phase: Running, podIP: 10.0.1.%zu}\n---\n",
			      s, y[i], i, i + 1);
		free(s);
		s = t;
	}
	return s;
}

static const char deny_egress_y[] = NETPOL "metadata: {name: deny-egress, namespace: y}\n"
					   "spec: {podSelector: {}, policyTypes: [Egress]}\n---\n";

static const char dns_from_y[] =
	NETPOL "metadata: {name: dns, namespace: y}\n"
	       "spec:\n  podSelector: {matchLabels: {tier: t0}}\n  policyTypes: [Egress]\n"
	       "  egress:\n  - to: [{namespaceSelector: {}}]\n    ports: [{port: 53, protocol: "
	       "UDP}]\n---\n";

static void compute_yaml(const char *old_pols, const char *new_pols,
			 const struct reach_diff_port *ports, size_t n, struct cluster *a,
			 struct cluster *b, struct reach_diff *r)
{
	char *ya = shape_yaml(old_pols), *yb = shape_yaml(new_pols);

	load_buf(ya, a);
	load_buf(yb, b);
	free(ya);
	free(yb);
	reach_diff_compute(a, b, ports, n, r);
}

static void check_end(const struct reach_diff_end *e, const char *ns, size_t npods, size_t ns_pods,
		      const char *first)
{
	ck_assert_str_eq(e->ns, ns);
	ck_assert_uint_eq(e->npods, npods);
	ck_assert_uint_eq(e->ns_pods, ns_pods);
	ck_assert_str_eq(e->pods[0]->name, first);
	for (size_t i = 1; i < e->npods; i++)
		ck_assert_int_lt(strcmp(e->pods[i - 1]->name, e->pods[i]->name), 0);
}

START_TEST(groups_of_default_deny)
{
	/* unsorted, repeated: compared once each, listed sorted by protocol, port */
	static const struct reach_diff_port ports[] = {
		{ IPPROTO_UDP, 53 }, { IPPROTO_TCP, 443 }, { IPPROTO_TCP, 80 },
		{ IPPROTO_TCP, 80 }, { IPPROTO_UDP, 53 },
	};
	struct cluster a, b;
	struct reach_diff r;
	const struct reach_diff_group *g;

	compute_yaml("", deny_egress_y, ports, ARRAY_SIZE(ports), &a, &b, &r);
	ck_assert_uint_eq(r.ngroups, 2);
	ck_assert(!r.dual);
	ck_assert_uint_eq(r.changes, 5 * 3 * 3 + 5 * 4 * 3); /* no pod to itself */
	ck_assert_uint_eq(r.denied, r.changes);
	for (size_t i = 0; i < r.ngroups; i++) {
		g = &r.groups[i];
		ck_assert(!g->allowed);
		ck_assert_int_eq(g->family, AF_INET);
		ck_assert_uint_eq(g->nports, 3);
		ck_assert(g->ports[0].proto == IPPROTO_TCP && g->ports[0].port == 80);
		ck_assert(g->ports[1].proto == IPPROTO_TCP && g->ports[1].port == 443);
		ck_assert(g->ports[2].proto == IPPROTO_UDP && g->ports[2].port == 53);
		ck_assert_uint_eq(g->cause->dirs, DIR_FLAG(DIR_EGRESS));
		ck_assert_int_eq(g->cause->side[DIR_EGRESS].why, REACH_DIFF_ISOLATED);
		ck_assert_uint_eq(g->cause->side[DIR_EGRESS].npols, 1);
		ck_assert_str_eq(b.pols[g->cause->side[DIR_EGRESS].pols[0]].name, "deny-egress");
		check_end(&g->src, "y", 5, 5, "a");
		ck_assert_uint_eq(g->src.nshared, 1); /* app=db; tier differs */
		ck_assert_str_eq(g->src.shared[0]->key, "app");
		ck_assert_uint_eq(g->n, 1);
		ck_assert_uint_eq(r.runs[g->first].nports, 3);
	}
	check_end(&r.groups[0].dst, "x", 3, 3, "a"); /* x before y */
	check_end(&r.groups[1].dst, "y", 5, 5, "a");
	ck_assert_uint_eq(r.groups[0].changes, 45);
	ck_assert_uint_eq(r.runs[r.groups[1].first].n, 20);
	ck_assert_str_eq(r.pairs[0].src->name, "a");
	ck_assert_str_eq(r.pairs[0].dst->ns, "x");
	ck_assert_str_eq(r.pairs[1].dst->name, "b");
	reach_diff_fini(&r);
	model_cluster_fini(&a);
	model_cluster_fini(&b);
}
END_TEST

START_TEST(allowed_by_first_rule)
{
	static const struct reach_diff_port ports[] = { { IPPROTO_TCP, 80 }, { IPPROTO_UDP, 53 } };
	char *with = xasprintf("%s%s", deny_egress_y, dns_from_y);
	struct cluster a, b;
	struct reach_diff r;
	const struct reach_diff_group *g;

	compute_yaml(deny_egress_y, with, ports, ARRAY_SIZE(ports), &a, &b, &r);
	ck_assert_uint_eq(r.ngroups, 2); /* y/a (tier t0) to x, and to y */
	for (size_t i = 0; i < r.ngroups; i++) {
		g = &r.groups[i];
		ck_assert(g->allowed);
		ck_assert_uint_eq(g->nports, 1);
		ck_assert(g->ports[0].proto == IPPROTO_UDP && g->ports[0].port == 53);
		ck_assert_int_eq(g->cause->side[DIR_EGRESS].why, REACH_DIFF_ALLOWED_BY);
		ck_assert_str_eq(b.pols[g->cause->side[DIR_EGRESS].pol].name, "dns");
		ck_assert_uint_eq(g->cause->side[DIR_EGRESS].rule, 0);
		check_end(&g->src, "y", 1, 5, "a");
	}
	ck_assert_uint_eq(r.changes, 3 + 4);
	ck_assert_uint_eq(r.denied, 0);
	reach_diff_fini(&r);
	reach_diff_compute(&b, &b, ports, ARRAY_SIZE(ports), &r);
	ck_assert_uint_eq(r.ngroups, 0);
	ck_assert_uint_eq(r.changes, 0);
	reach_diff_fini(&r);
	model_cluster_fini(&a);
	model_cluster_fini(&b);
	free(with);
}
END_TEST

START_TEST(dual_stack_says_family)
{
	static const struct reach_diff_port ports[] = { { IPPROTO_TCP, 443 } };
	struct world t = base;
	struct cluster a, b;
	struct reach_diff r;
	char *ya = world_yaml(&base), *yb;
	bool v4 = false, v6 = false;

	t.pols = pols_tight;
	yb = world_yaml(&t);
	load_buf(ya, &a);
	load_buf(yb, &b);
	reach_diff_compute(&a, &b, ports, ARRAY_SIZE(ports), &r);
	ck_assert(r.dual);
	for (size_t i = 0; i < r.ngroups; i++) {
		v4 |= r.groups[i].family == AF_INET;
		v6 |= r.groups[i].family == AF_INET6;
		ck_assert(!i || r.groups[i - 1].family <= r.groups[i].family ||
			  r.groups[i - 1].allowed != r.groups[i].allowed ||
			  r.groups[i - 1].cause != r.groups[i].cause);
	}
	ck_assert(v4 && v6);
	reach_diff_fini(&r);
	model_cluster_fini(&a);
	model_cluster_fini(&b);
	free(ya);
	free(yb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reach_diff");
	TCase *tc = tcase_create("reach_diff");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, agrees_over_golden_cases);
	tcase_add_test(tc, agrees_over_diff_cases);
	tcase_add_test(tc, agrees_over_edits);
	tcase_add_test(tc, groups_of_default_deny);
	tcase_add_test(tc, allowed_by_first_rule);
	tcase_add_test(tc, dual_stack_says_family);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
