// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol diff OLD NEW` and `nftpol diff --kubeconfig FILE [NEW...]`: every
 * (source pod, destination pod, port) whose verdict changes, grouped by cause,
 * namespaces and the labels the pods share, then per node the nftables objects
 * that change. Exit status as diff(1): 0 nothing changes, 1 something does, 2
 * bad input.
 */
#include "agent/cli/cmd_diff.h"

#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/cli/live.h"
#include "agent/cli/preview.h"
#include "nft/compile.h"
#include "nft/diff.h"
#include "nft/render.h"
#include "base/xalloc.h"

struct diff_opts {
	struct preview_ports ports;
	const char *node;		/* borrowed; NULL: every node */
	char **deletes;			/* borrowed from argv */
	size_t ndeletes;
	bool json, color;
	struct live_source src;
};

/* One changed (source, destination, port), as pods of the new cluster. */
struct change {
	const struct pod *src, *dst;
	struct preview_port port;
	int family;			/* AF_INET or AF_INET6: the addresses used */
	bool allowed;			/* the new verdict */
	char *cause;			/* owned */
};

/* Changes that read as one line: same verdict, cause and namespaces. */
struct group {
	size_t first, n;		/* changes[first, first + n) after sorting */
};

struct diff_result {
	struct change *v;
	size_t n, cap;
	bool dual;			/* pods of both families: say which one changes */
};

static void usage(FILE *f)
{
	fputs("usage: nftpol diff [OPTION]... OLD NEW\n"
	      "       nftpol diff --kubeconfig FILE [--delete KIND/NS/NAME]... [NEW]...\n"
	      "  Show what changes from OLD to NEW (files, directories or '-'): the pod pairs\n"
	      "  whose reachability changes and why, and per node the nftables objects.\n"
	      "  With --kubeconfig, OLD is the live cluster and NEW is it with the given\n"
	      "  manifests applied (same kind/namespace/name replaces) and --delete removed.\n"
	      "  Exit status: 0 nothing changes, 1 something does, 2 bad input.\n"
	      "  --port PORT[/PROTO]  a port to check besides those the policies name\n"
	      "  --node NAME          data plane of NAME only (default: every node)\n"
	      "  --delete KIND/NS/NAME  remove an object (pod, networkpolicy, namespace/NAME)\n"
	      "  --color WHEN         always, never or auto (default: auto)\n"
	      "  -o text|json         output format (default text)\n",
	      f);
	live_usage(f);
}

static const struct pod *find_pod(const struct cluster *c, const struct pod *p)
{
	for (size_t i = 0; i < c->npods; i++)
		if (!strcmp(c->pods[i].ns, p->ns) && !strcmp(c->pods[i].name, p->name))
			return &c->pods[i];
	return NULL;
}

static void put_pols(FILE *f, const struct cluster *c, const struct reach_side *s)
{
	for (size_t i = 0; i < s->npols; i++)
		fprintf(f, "%s%s/%s", i ? ", " : "", c->pols[s->pols[i]].ns,
			c->pols[s->pols[i]].name);
}

/* Why one direction's answer changed, from the new verdict's reasons. */
static void put_cause(FILE *f, const struct cluster *c, const struct reach_side *s,
		      enum dir dir)
{
	const char *d = dir == DIR_INGRESS ? "ingress" : "egress";

	if (!s->allowed) {
		fprintf(f, "%s isolated by ", d);
		put_pols(f, c, s);
		fputs(", no rule admits", f);
	} else if (!s->isolated) {
		fprintf(f, "%s no longer isolated", d);
	} else {
		const struct netpol *np = &c->pols[s->allows[0].pol];

		fprintf(f, "%s allowed by %s/%s %s[%zu]", d, np->ns, np->name, d,
			s->allows[0].rule);
	}
}

static char *cause_of(const struct reach *ro, const struct reach *rn,
		      const struct reach_query *qo, const struct reach_query *qn)
{
	struct reach_verdict vo, vn;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *sep = "";

	if (!f)
		abort();
	reach_eval(ro, qo, &vo);
	reach_eval(rn, qn, &vn);
	for (int dir = DIR_EGRESS; dir >= DIR_INGRESS; dir--) {
		if (vo.side[dir].allowed == vn.side[dir].allowed)
			continue;
		fputs(sep, f);
		sep = "; ";
		put_cause(f, reach_cluster(rn), &vn.side[dir], dir);
	}
	fclose(f);
	reach_verdict_fini(&vo);
	reach_verdict_fini(&vn);
	return buf;
}

/* Compare one pair on every port; record the changes. */
static void compare_pair(const struct reach *ro, const struct reach *rn,
			 const struct reach_query *base_o, const struct reach_query *base_n,
			 const struct preview_ports *ports, struct diff_result *out)
{
	struct reach_query qo = *base_o, qn = *base_n;

	for (size_t k = 0; k < ports->n; k++) {
		bool a, b;

		qo.proto = qn.proto = ports->v[k].proto;
		qo.port = qn.port = ports->v[k].port;
		a = reach_allowed(ro, &qo);
		b = reach_allowed(rn, &qn);
		if (a == b)
			continue;
		XGROW(out->v, out->cap, out->n);
		out->v[out->n++] = (struct change){ qn.src.pod, qn.dst.pod, ports->v[k],
						    qn.src.ip.family, b,
						    cause_of(ro, rn, &qo, &qn) };
	}
}

/* The ends of pod p (of the new cluster) in both clusters; false if not in both. */
static bool ends_of(const struct cluster *old, const struct pod *p, int family,
		    struct reach_end *eo, struct reach_end *en)
{
	const struct pod *q = find_pod(old, p);

	return q && model_pod_eligible(p) && model_pod_eligible(q) &&
	       !reach_end_pod(q, family, eo) && !reach_end_pod(p, family, en);
}

/*
 * Every pair of pods in both clusters, over each address family the new
 * cluster's pods use (an ipBlock can treat IPv4 and IPv6 differently), on
 * every port.
 */
static void compute(const struct cluster *old, const struct cluster *new,
		    const struct preview_ports *ports, struct diff_result *out)
{
	struct reach *ro = reach_new(old), *rn = reach_new(new);
	static const int families[] = { AF_INET, AF_INET6 };
	size_t nfam = 0;

	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		int family = families[f];

		if (!preview_has_family(new, family))
			continue;
		nfam++;
		for (size_t i = 0; i < new->npods; i++) {
			struct reach_query qo = { 0 }, qn = { 0 };

			if (!ends_of(old, &new->pods[i], family, &qo.src, &qn.src))
				continue;
			for (size_t j = 0; j < new->npods; j++)
				if (ends_of(old, &new->pods[j], family, &qo.dst, &qn.dst))
					compare_pair(ro, rn, &qo, &qn, ports, out);
		}
	}
	out->dual = nfam > 1;
	reach_free(ro);
	reach_free(rn);
}

static int change_cmp(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int c;

	if (x->allowed != y->allowed)
		return x->allowed ? 1 : -1;
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	c = strcmp(x->cause, y->cause);
	c = c ? c : strcmp(x->src->ns, y->src->ns);
	c = c ? c : strcmp(x->dst->ns, y->dst->ns);
	c = c ? c : strcmp(x->src->name, y->src->name);
	c = c ? c : strcmp(x->dst->name, y->dst->name);
	if (c)
		return c;
	if (x->port.proto != y->port.proto)
		return x->port.proto < y->port.proto ? -1 : 1;
	return (x->port.port > y->port.port) - (x->port.port < y->port.port);
}

static bool same_group(const struct change *x, const struct change *y)
{
	return x->allowed == y->allowed && x->family == y->family && !strcmp(x->cause, y->cause) &&
	       !strcmp(x->src->ns, y->src->ns) && !strcmp(x->dst->ns, y->dst->ns);
}

static size_t make_groups(struct diff_result *r, struct group **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	xqsort(r->v, r->n, sizeof(*r->v), change_cmp);
	for (size_t i = 0; i < r->n; i++) {
		if (n && same_group(&r->v[(*out)[n - 1].first], &r->v[i])) {
			(*out)[n - 1].n++;
			continue;
		}
		XGROW(*out, cap, n);
		(*out)[n++] = (struct group){ i, 1 };
	}
	return n;
}

/* "ns [k=v,...] (N pods)": the labels every pod of one end of a group shares. */
static void put_side_desc(FILE *f, const struct change *v, size_t n, bool src)
{
	const struct pod *first = src ? v[0].src : v[0].dst;
	size_t pods = 0;
	const char *sep = "";

	fprintf(f, "%s [", first->ns);
	for (size_t k = 0; k < first->labels.n; k++) {
		const struct label *l = &first->labels.v[k];
		bool all = true;

		for (size_t i = 1; i < n && all; i++) {
			const char *x = model_labels_get(src ? &v[i].src->labels
							     : &v[i].dst->labels, l->key);

			all = x && !strcmp(x, l->value);
		}
		if (all) {
			fprintf(f, "%s%s=%s", sep, l->key, l->value);
			sep = ",";
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = (src ? v[j].src : v[j].dst) == (src ? v[i].src : v[i].dst);
		pods += !seen;
	}
	fprintf(f, "%s] (%zu pod%s)", *sep ? "" : "*", pods, pods == 1 ? "" : "s");
}

static void put_ports(FILE *f, const struct change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !memcmp(&v[j].port, &v[i].port, sizeof(v[i].port));
		if (!seen)
			fprintf(f, " %u/%s", v[i].port.port, preview_proto_upper(v[i].port.proto));
	}
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static void print_reach(const struct diff_result *r, const struct group *g, size_t ng,
			const struct diff_opts *o)
{
	size_t denied = 0;

	for (size_t i = 0; i < r->n; i++)
		denied += !r->v[i].allowed;
	printf("Reachability: %zu change%s (%zu allowed -> denied, %zu denied -> allowed)\n",
	       r->n, r->n == 1 ? "" : "s", denied, r->n - denied);
	for (size_t i = 0; i < ng; i++) {
		const struct change *v = &r->v[g[i].first];
		const char *on = o->color ? (v->allowed ? "\033[32m" : "\033[31m") : "";

		printf("%s%s%s ", on, v->allowed ? "+ ALLOWED" : "- DENIED ",
		       o->color ? "\033[0m" : "");
		put_side_desc(stdout, v, g[i].n, true);
		fputs(" -> ", stdout);
		put_side_desc(stdout, v, g[i].n, false);
		fputs(" on", stdout);
		put_ports(stdout, v, g[i].n);
		if (r->dual)
			printf(" over %s", family_name(v->family));
		printf(": %zu\n    because %s\n", g[i].n, v->cause);
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The nodes to show, sorted: --node, else every node a pod of either cluster is on. */
static size_t nodes_of(const struct cluster *a, const struct cluster *b, const char *node,
		       const char ***out)
{
	const struct cluster *cs[2] = { a, b };
	size_t n = 0, m = 0;

	*out = xcalloc(a->npods + b->npods + 1, sizeof(**out));
	if (node) {
		(*out)[n++] = node;
		return n;
	}
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < cs[k]->npods; i++)
			if (cs[k]->pods[i].node)
				(*out)[n++] = cs[k]->pods[i].node;
	xqsort(*out, n, sizeof(**out), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || strcmp((*out)[m - 1], (*out)[i]))
			(*out)[m++] = (*out)[i];
	return m;
}

/* Where the lines of one node's plan go: printed, or into a JSON array. */
struct plane_out {
	const char *table;
	bool color;
	cJSON *lines;		/* -o json: the lines; NULL: print them */
	size_t n;		/* lines written */
	char *buf;		/* the line being written */
	size_t len;
	FILE *f;
};

static FILE *line_start(struct plane_out *po, const char *verb, const char *what,
			const char *name)
{
	po->f = xnonnull(open_memstream(&po->buf, &po->len));
	fprintf(po->f, "%s %s inet %s %s", verb, what, po->table, name);
	return po->f;
}

static void line_end(struct plane_out *po, char sign)
{
	const char *on = sign == '+' ? "\033[32m" : "\033[31m";
	cJSON *l;

	fclose(po->f);
	po->n++;
	if (!po->lines) {
		printf("%s%c %s%s\n", po->color ? on : "", sign, po->buf,
		       po->color ? "\033[0m" : "");
	} else {
		l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "op", sign == '+' ? "add" : "remove");
		cJSON_AddStringToObject(l, "nft", po->buf);
		cJSON_AddItemToArray(po->lines, l);
	}
	free(po->buf);
}

static const char *set_word(const struct rs_set *s)
{
	return s->flags & RS_SET_VMAP ? "map" : "set";
}

static void put_elem(struct plane_out *po, char sign, const struct rs_set *s,
		     const struct rs_elem *e)
{
	FILE *f = line_start(po, sign == '+' ? "add" : "delete", "element", s->name);

	fputs(" { ", f);
	render_elem(s, e, f);
	fputs(" }", f);
	line_end(po, sign);
}

static void put_set_add(struct plane_out *po, const struct rs_set *s)
{
	FILE *f = line_start(po, "add", set_word(s), s->name);

	fputs(" { type ", f);
	render_set_type(s, f);
	fputs(s->flags & RS_SET_INTERVAL ? "; flags interval; }" : "; }", f);
	line_end(po, '+');
	for (size_t i = 0; i < s->nelems; i++)
		put_elem(po, '+', s, &s->elems[i]);
}

static void put_rules(struct plane_out *po, const struct rs_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++) {
		FILE *f = line_start(po, "add", "rule", c->name);

		fputc(' ', f);
		render_rule(&c->rules[i], f);
		line_end(po, '+');
	}
}

/* A line naming one object: "delete chain inet nftpol NAME". */
static void put_object(struct plane_out *po, char sign, const char *verb, const char *what,
		       const char *name)
{
	line_start(po, verb, what, name);
	line_end(po, sign);
}

/* The lines of one operation of the plan, as nft commands. */
static void put_op(struct plane_out *po, const struct diff_op *op)
{
	bool add = op->kind == DIFF_ADD_ELEMS;

	switch (op->kind) {
	case DIFF_ADD_CHAIN:
		put_object(po, '+', "add", "chain", op->chain->name);
		break;
	case DIFF_ADD_SET:
		put_set_add(po, op->set);
		break;
	case DIFF_FLUSH_CHAIN:
		put_object(po, '-', "flush", "chain", op->chain->name);
		break;
	case DIFF_DEL_ELEMS:
	case DIFF_ADD_ELEMS:
		for (size_t i = 0; i < op->nelems; i++)
			put_elem(po, add ? '+' : '-', op->set, op->elems[i]);
		break;
	case DIFF_DEL_SET:
		put_object(po, '-', "delete", set_word(op->set), op->set->name);
		break;
	case DIFF_ADD_RULES:
		put_rules(po, op->chain);
		break;
	case DIFF_DEL_CHAIN:
		put_object(po, '-', "delete", "chain", op->chain->name);
		break;
	}
}

/*
 * One node's data plane: the plan apply would send to turn the table compiled
 * from the old cluster into the new one (nft/diff.c, the same plan apply
 * builds its batch from), in the plan's order. Returns the lines written.
 */
static size_t plane(const struct cluster *a, const struct cluster *b, const char *node,
		    const struct diff_opts *o, cJSON *planes)
{
	struct plane_out po = { .color = o->color };
	struct ruleset ra, rb;
	struct diff_stats st;
	struct diff_plan p;
	struct diag_list d;
	cJSON *j = NULL;
	int ret;

	diag_list_init(&d);
	compile_cluster(a, node, &ra, &d);
	compile_cluster(b, node, &rb, &d);
	po.table = rb.table;
	ret = diff_plan(&ra, &rb, &p);
	st = p.st;
	if (ret)	/* the table comment names the node: never so far */
		diff_replace_stats(&ra, &rb, &st);
	if (planes) {
		j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "node", node ? cJSON_CreateString(node)
						      : cJSON_CreateNull());
		po.lines = cJSON_AddArrayToObject(j, "changes");
		cJSON_AddBoolToObject(j, "replace", ret != 0);
		cJSON_AddItemToArray(planes, j);
	} else {
		printf("\nData plane, %s%s: %s", node ? "node " : "",
		       node ? node : "every pod", ret ? "table replaced whole: " : "");
		diff_stats_print(&st, stdout);
		putchar('\n');
	}
	for (size_t i = 0; i < p.nops; i++)
		put_op(&po, &p.ops[i]);
	diff_plan_fini(&p);
	ruleset_fini(&ra);
	ruleset_fini(&rb);
	diag_list_fini(&d);
	return po.n + (ret != 0);
}

static cJSON *json_change_list(const struct diff_result *r, const struct group *g, size_t ng)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < ng; i++)
		for (size_t j = g[i].first; j < g[i].first + g[i].n; j++) {
			const struct change *v = &r->v[j];
			cJSON *o = cJSON_CreateObject(), *pairs = cJSON_CreateArray();
			char *s = xasprintf("%s/%s", v->src->ns, v->src->name);
			char *d = xasprintf("%s/%s", v->dst->ns, v->dst->name);
			cJSON *pair = cJSON_CreateArray();

			cJSON_AddNumberToObject(o, "group", (double)i);
			cJSON_AddStringToObject(o, "change", v->allowed ? "allowed" : "denied");
			cJSON_AddStringToObject(o, "protocol", preview_proto_upper(v->port.proto));
			cJSON_AddNumberToObject(o, "port", v->port.port);
			cJSON_AddStringToObject(o, "family", family_name(v->family));
			cJSON_AddStringToObject(o, "cause", v->cause);
			cJSON_AddItemToArray(pair, cJSON_CreateString(s));
			cJSON_AddItemToArray(pair, cJSON_CreateString(d));
			cJSON_AddItemToArray(pairs, pair);
			cJSON_AddItemToObject(o, "pairs", pairs);
			cJSON_AddItemToArray(arr, o);
			free(s);
			free(d);
		}
	return arr;
}

/* Everything after loading; returns the exit code. */
static int run(const struct cluster *old, const struct cluster *new, struct diff_opts *o)
{
	struct diff_result r = { 0 };
	struct group *g = NULL;
	const char **nodes = NULL;
	size_t ng, nn, changed;
	cJSON *root = o->json ? cJSON_CreateObject() : NULL, *planes = cJSON_CreateArray();

	preview_ports_from_policies(old, &o->ports);
	preview_ports_from_policies(new, &o->ports);
	if (!o->ports.n)
		preview_ports_add(&o->ports, IPPROTO_TCP, 80);
	preview_ports_sort(&o->ports);
	compute(old, new, &o->ports, &r);
	ng = make_groups(&r, &g);
	changed = r.n;
	if (root)
		cJSON_AddItemToObject(root, "reachability", json_change_list(&r, g, ng));
	else
		print_reach(&r, g, ng, o);
	nn = nodes_of(old, new, o->node, &nodes);
	for (size_t i = 0; i < (nn ? nn : 1); i++)
		changed += plane(old, new, nn ? nodes[i] : NULL, o, root ? planes : NULL);
	if (root) {
		char *text;

		cJSON_AddBoolToObject(root, "changed", changed != 0);
		cJSON_AddItemToObject(root, "dataplane", planes);
		text = cJSON_Print(root);
		if (!text)
			xoom(0);
		puts(text);
		free(text);
		cJSON_Delete(root);
	} else {
		cJSON_Delete(planes);
	}
	for (size_t i = 0; i < r.n; i++)
		free(r.v[i].cause);
	free(r.v);
	free(g);
	free(nodes);
	if (fflush(stdout))
		return 2;
	return changed ? 1 : 0;
}

static int parse_color(const char *s, bool *color)
{
	if (!strcmp(s, "always"))
		*color = true;
	else if (!strcmp(s, "never"))
		*color = false;
	else if (!strcmp(s, "auto"))
		*color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	else
		return -1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct diff_opts *o)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "node", required_argument, NULL, 'N' },
		{ "delete", required_argument, NULL, 'D' },
		{ "color", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		LIVE_OPTIONS,
		{ 0 },
	};
	struct preview_port p;
	int opt;

	o->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	while ((opt = getopt_long(argc, argv, "p:o:h", opts, NULL)) != -1) {
		if (opt == 'p' && !preview_parse_port(optarg, &p)) {
			preview_ports_add(&o->ports, p.proto, p.port);
		} else if (opt == 'N') {
			o->node = optarg;
		} else if (opt == 'D') {
			o->deletes = xreallocarray(o->deletes, o->ndeletes + 1, sizeof(char *));
			o->deletes[o->ndeletes++] = optarg;
		} else if (opt == 'C' && !parse_color(optarg, &o->color)) {
			continue;
		} else if (opt == 'o' && (!strcmp(optarg, "json") || !strcmp(optarg, "text"))) {
			o->json = !strcmp(optarg, "json");
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else if (!live_option(&o->src, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr, "nftpol diff: bad value '%s'\n", optarg);
			usage(stderr);
			return 2;
		}
	}
	if (!o->src.kubeconfig && (argc - optind != 2 || o->ndeletes)) {
		fputs("nftpol diff: expected OLD and NEW (--delete needs --kubeconfig)\n", stderr);
		return 2;
	}
	if (o->json)
		o->color = false;
	return -1;
}

static int load_both(struct diff_opts *o, char **files, int nfiles, struct live_cluster *old,
		     struct live_cluster *new)
{
	struct live_source none = { 0 };
	struct live_pages pg;
	int ret;

	if (!o->src.kubeconfig) {
		ret = live_load(&none, files, 1, "diff", old);
		return ret ? ret : live_load(&none, files + 1, 1, "diff", new);
	}
	ret = live_fetch(&o->src, "diff", &pg);
	if (!ret)
		ret = live_build(&pg, NULL, 0, NULL, 0, "diff", old);
	if (!ret)
		ret = live_build(&pg, files, nfiles, o->deletes, o->ndeletes, "diff", new);
	live_pages_fini(&pg);
	return ret;
}

/* Entry point of `nftpol diff`; 0 no change, 1 changes, 2 bad input. */
int cmd_diff_main(int argc, char **argv)
{
	struct diff_opts o = { 0 };
	struct live_cluster old, new;
	int ret = parse_opts(argc, argv, &o);

	if (ret >= 0)
		goto out;
	memset(&old, 0, sizeof(old));
	memset(&new, 0, sizeof(new));
	ret = load_both(&o, argv + optind, argc - optind, &old, &new) ? 2
								       : run(old.c, new.c, &o);
	live_cluster_fini(&old);
	live_cluster_fini(&new);
out:
	preview_ports_fini(&o.ports);
	free(o.deletes);
	return ret;
}
