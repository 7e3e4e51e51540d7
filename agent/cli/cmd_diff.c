// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol diff OLD NEW` and `nftpol diff --kubeconfig FILE [NEW...]`: every
 * (source pod, destination pod, port) whose verdict changes, grouped by cause,
 * namespaces and the labels the pods share, then per node the nftables objects
 * that change. Exit status as diff(1): 0 nothing changes, 1 something does, 2
 * bad input.
 */
#include "agent/cli/cmd_diff.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/cli/live.h"
#include "agent/cli/nodes.h"
#include "agent/cli/outopt.h"
#include "agent/cli/preview.h"
#include "nft/compile.h"
#include "nft/diff.h"
#include "nft/render.h"
#include "policy/reach_diff.h"
#include "base/xalloc.h"

#define DIFF_PORTS_SHOWN 8 /* ports a line lists; -o json lists them all */

struct diff_opts {
	struct preview_ports ports;
	const char *node; /* borrowed; NULL: every node */
	char **deletes;	  /* borrowed from argv */
	size_t ndeletes;
	bool color;
	struct outopt out;
	bool help; /* --help: usage printed, nothing to run */
	struct live_source src;
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
	      "  --color WHEN         always, never or auto (default: auto)\n",
	      f);
	outopt_usage(f, OUTOPT_TEXT | OUTOPT_JSON, NULL);
	live_usage(f);
}

static void put_pols(FILE *f, const struct cluster *c, const struct reach_diff_side *s)
{
	for (size_t i = 0; i < s->npols; i++)
		fprintf(f, "%s%s/%s", i ? ", " : "", c->pols[s->pols[i]].ns,
			c->pols[s->pols[i]].name);
}

/* Why the verdict changed: each changed direction as it answers now, egress first. */
static void put_cause(FILE *f, const struct cluster *c, const struct reach_diff_cause *cause)
{
	const char *sep = "";

	for (int dir = DIR_EGRESS; dir >= DIR_INGRESS; dir--) {
		const struct reach_diff_side *s = &cause->side[dir];
		const char *d = dir == DIR_INGRESS ? "ingress" : "egress";

		if (!(cause->dirs & DIR_FLAG(dir)))
			continue;
		fprintf(f, "%s%s ", sep, d);
		sep = "; ";
		if (s->why == REACH_DIFF_ISOLATED) {
			fputs("isolated by ", f);
			put_pols(f, c, s);
			fputs(", no rule admits", f);
		} else if (s->why == REACH_DIFF_NOT_ISOLATED) {
			fputs(c->ncnps ? "decided by no policy" : "no longer isolated", f);
		} else if (s->why == REACH_DIFF_BY_CNP) {
			fputs("by ", f);
			preview_put_cnp_rule(f, c, s->pol, dir, s->rule);
		} else {
			fprintf(f, "allowed by %s/%s %s[%zu]", c->pols[s->pol].ns,
				c->pols[s->pol].name, d, s->rule);
		}
	}
}

static char *cause_text(const struct cluster *c, const struct reach_diff_cause *cause)
{
	struct preview_str s;

	put_cause(preview_str_open(&s), c, cause);
	return preview_str_take(&s);
}

/*
 * One end of a group: "x/a, x/b" for up to three pods, else the namespace, the
 * labels they all share and how many they are: "x [app=web] (all 12 pods)".
 */
static void put_end(FILE *f, const struct reach_diff_end *e)
{
	if (e->npods <= 3) {
		for (size_t i = 0; i < e->npods; i++)
			fprintf(f, "%s%s/%s", i ? ", " : "", e->ns, e->pods[i]->name);
		return;
	}
	fputs(e->ns, f);
	for (size_t i = 0; i < e->nshared; i++)
		fprintf(f, "%s%s=%s", i ? "," : " [", e->shared[i]->key, e->shared[i]->value);
	fprintf(f, "%s (%s%zu pods)", e->nshared ? "]" : "", e->npods == e->ns_pods ? "all " : "",
		e->npods);
}

/* "on 80/TCP 443/TCP": the ports, the first DIFF_PORTS_SHOWN of them when many. */
static void put_ports(FILE *f, const struct reach_diff_group *g)
{
	size_t n = g->nports > DIFF_PORTS_SHOWN + 1 ? DIFF_PORTS_SHOWN : g->nports;

	fputs(" on", f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " %u/%s", g->ports[k].port, preview_proto_upper(g->ports[k].proto));
	if (n < g->nports)
		fprintf(f, " and %zu more ports", g->nports - n);
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static void print_reach(const struct cluster *c, const struct reach_diff *r,
			const struct diff_opts *o)
{
	printf("Reachability: %zu change%s (%zu allowed -> denied, %zu denied -> allowed)\n",
	       r->changes, r->changes == 1 ? "" : "s", r->denied, r->changes - r->denied);
	for (size_t i = 0; i < c->npols; i++)
		if (c->pols[i].audit)
			printf("  %s/%s is in audit mode (nftpol.io/enforcement: audit): not "
			       "enforced, what it would deny is counted and logged\n",
			       c->pols[i].ns, c->pols[i].name);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct reach_diff_group *g = &r->groups[i];
		const char *on = o->color ? (g->allowed ? "\033[32m" : "\033[31m") : "";

		printf("%s%s%s ", on, g->allowed ? "+ ALLOWED" : "- DENIED ",
		       o->color ? "\033[0m" : "");
		put_end(stdout, &g->src);
		fputs(" -> ", stdout);
		put_end(stdout, &g->dst);
		put_ports(stdout, g);
		if (r->dual)
			printf(" over %s", family_name(g->family));
		printf(": %zu\n    because ", g->changes);
		put_cause(stdout, c, g->cause);
		putchar('\n');
	}
}

static cJSON *json_pair(const struct reach_diff_pair *p)
{
	cJSON *pair = cJSON_CreateArray();
	char *s = xasprintf("%s/%s", p->src->ns, p->src->name);
	char *d = xasprintf("%s/%s", p->dst->ns, p->dst->name);

	cJSON_AddItemToArray(pair, cJSON_CreateString(s));
	cJSON_AddItemToArray(pair, cJSON_CreateString(d));
	free(s);
	free(d);
	return pair;
}

/* One entry per run: the pairs that change the same way on the same ports. */
static cJSON *json_reach(const struct cluster *c, const struct reach_diff *r)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < r->ngroups; i++) {
		const struct reach_diff_group *g = &r->groups[i];
		char *cause = cause_text(c, g->cause);

		for (size_t j = g->first; j < g->first + g->n; j++) {
			const struct reach_diff_run *run = &r->runs[j];
			cJSON *e = cJSON_CreateObject(), *ports, *pairs;

			cJSON_AddNumberToObject(e, "group", (double)i);
			cJSON_AddStringToObject(e, "change", g->allowed ? "allowed" : "denied");
			cJSON_AddStringToObject(e, "family", family_name(g->family));
			cJSON_AddStringToObject(e, "cause", cause);
			ports = cJSON_AddArrayToObject(e, "ports");
			for (size_t k = 0; k < run->nports; k++) {
				cJSON *p = cJSON_CreateObject();

				cJSON_AddStringToObject(p, "protocol",
							preview_proto_upper(run->ports[k].proto));
				cJSON_AddNumberToObject(p, "port", run->ports[k].port);
				cJSON_AddItemToArray(ports, p);
			}
			pairs = cJSON_AddArrayToObject(e, "pairs");
			for (size_t k = run->first; k < run->first + run->n; k++)
				cJSON_AddItemToArray(pairs, json_pair(&r->pairs[k]));
			cJSON_AddItemToArray(arr, e);
		}
		free(cause);
	}
	return arr;
}

/* The nodes to show, sorted: --node, else every node a pod of either cluster is on. */
static size_t nodes_of(const struct cluster *a, const struct cluster *b, const char *node,
		       const char ***out)
{
	const struct cluster *cs[2] = { a, b };

	if (!node)
		return nodes_of_pods(cs, 2, out);
	*out = xcalloc(1, sizeof(**out));
	(*out)[0] = node;
	return 1;
}

/* Where the lines of one node's plan go: printed, or into a JSON array. */
struct plane_out {
	const char *table;
	bool color;
	cJSON *lines; /* -o json: the lines; NULL: print them */
	size_t n;     /* lines written */
	char *buf;    /* the line being written */
	size_t len;
	FILE *f;
};

static FILE *line_start(struct plane_out *po, const char *verb, const char *what, const char *name)
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
	if (ret) /* the table comment names the node: never so far */
		diff_replace_stats(&ra, &rb, &st);
	if (planes) {
		j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "node",
				      node ? cJSON_CreateString(node) : cJSON_CreateNull());
		po.lines = cJSON_AddArrayToObject(j, "changes");
		cJSON_AddBoolToObject(j, "replace", ret != 0);
		cJSON_AddItemToArray(planes, j);
	} else {
		printf("\nData plane, %s%s: %s", node ? "node " : "", node ? node : "every pod",
		       ret ? "table replaced whole: " : "");
		diff_stats_print(&st, stdout);
		putchar('\n');
	}
	/* the plan sends new counters first and deletes old ones last */
	for (size_t i = 0; i < p.nctr_add; i++)
		put_object(&po, '+', "add", "counter", p.ctr_add[i]->name);
	for (size_t i = 0; i < p.nops; i++)
		put_op(&po, &p.ops[i]);
	for (size_t i = 0; i < p.nctr_del; i++)
		put_object(&po, '-', "delete", "counter", p.ctr_del[i]->name);
	diff_plan_fini(&p);
	ruleset_fini(&ra);
	ruleset_fini(&rb);
	diag_list_fini(&d);
	return po.n + (ret != 0);
}

/* Everything after loading; returns the exit code. */
/* The reachability changes over the ports policies name and --port adds. */
static void reach_of(const struct cluster *old, const struct cluster *new, struct diff_opts *o,
		     struct reach_diff *r)
{
	struct reach_diff_port *v;

	preview_ports_from_policies(old, &o->ports);
	preview_ports_from_policies(new, &o->ports);
	if (!o->ports.n)
		preview_ports_add(&o->ports, IPPROTO_TCP, 80);
	preview_ports_sort(&o->ports);
	v = xcalloc(o->ports.n + 1, sizeof(*v));
	for (size_t i = 0; i < o->ports.n; i++)
		v[i] = (struct reach_diff_port){ o->ports.v[i].proto, o->ports.v[i].port };
	reach_diff_compute(old, new, v, o->ports.n, r);
	free(v);
}

static void print_json(cJSON *root, bool changed, cJSON *planes)
{
	char *text;

	cJSON_AddBoolToObject(root, "changed", changed);
	cJSON_AddItemToObject(root, "dataplane", planes);
	text = xnonnull(cJSON_Print(root));
	puts(text);
	free(text);
	cJSON_Delete(root);
}

/* Everything after loading; returns the exit code. */
static int run(const struct cluster *old, const struct cluster *new, struct diff_opts *o)
{
	cJSON *root = o->out.format == OUTOPT_JSON ? cJSON_CreateObject() : NULL;
	cJSON *planes = cJSON_CreateArray();
	const char **nodes = NULL;
	struct reach_diff r;
	size_t nn, changed;

	reach_of(old, new, o, &r);
	changed = r.changes;
	if (root)
		cJSON_AddItemToObject(root, "reachability", json_reach(new, &r));
	else
		print_reach(new, &r, o);
	reach_diff_fini(&r);
	nn = nodes_of(old, new, o->node, &nodes);
	for (size_t i = 0; i < (nn ? nn : 1); i++)
		changed += plane(old, new, nn ? nodes[i] : NULL, o, root ? planes : NULL);
	if (root)
		print_json(root, changed != 0, planes);
	else
		cJSON_Delete(planes);
	free(nodes);
	return changed ? 1 : 0;
}

/* --color WHEN into *when: 1 always, 0 never, -1 auto (a terminal, no NO_COLOR). */
static int parse_color(const char *s, int *when)
{
	if (!strcmp(s, "always"))
		*when = 1;
	else if (!strcmp(s, "never"))
		*when = 0;
	else if (!strcmp(s, "auto"))
		*when = -1;
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
		{ "help", no_argument, NULL, 'h' },
		OUTOPT_OPTIONS,
		LIVE_OPTIONS,
		{ 0 },
	};
	struct preview_port p;
	int opt, when = -1;

	while ((opt = getopt_long(argc, argv, "p:o:h", opts, NULL)) != -1) {
		if (opt == 'p' && !preview_parse_port(optarg, &p)) {
			preview_ports_add(&o->ports, p.proto, p.port);
		} else if (opt == 'N') {
			o->node = optarg;
		} else if (opt == 'D') {
			o->deletes = xreallocarray(o->deletes, o->ndeletes + 1, sizeof(char *));
			o->deletes[o->ndeletes++] = optarg;
		} else if (opt == 'C' && !parse_color(optarg, &when)) {
			continue;
		} else if (opt == 'o') {
			if (outopt_parse(&o->out, "diff", optarg, OUTOPT_TEXT | OUTOPT_JSON))
				return -EINVAL;
		} else if (opt == OUTOPT_OPT_FILE) {
			o->out.file = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			o->help = true;
			return 0;
		} else if (!live_option(&o->src, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr, "nftpol diff: bad value '%s'\n", optarg);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->src.kubeconfig && (argc - optind != 2 || o->ndeletes)) {
		fputs("nftpol diff: expected OLD and NEW (--delete needs --kubeconfig)\n", stderr);
		return -EINVAL;
	}
	if (when < 0)
		when = !o->out.file && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	o->color = when && o->out.format != OUTOPT_JSON;
	return 0;
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

/* One warning line for each side without pods: no pair of pods to judge there. */
static void warn_no_pods(const struct diff_opts *o, char **files, const struct cluster *old,
			 const struct cluster *new)
{
	const struct cluster *cs[2] = { old, new };
	static const char *const side[2] = { "OLD", "NEW" };
	static const char *const live[2] = { "the live cluster", "the live cluster changed" };

	for (int k = 0; k < 2; k++)
		if (!cs[k]->npods)
			fprintf(stderr,
				"nftpol diff: warning: %s (%s) has no pods: reachability is "
				"judged between pods only\n",
				side[k], o->src.kubeconfig ? live[k] : files[k]);
}

/* Entry point of `nftpol diff`; 0 no change, 1 changes, 2 bad input. */
int cmd_diff_main(int argc, char **argv)
{
	struct diff_opts o = { 0 };
	struct live_cluster old, new;
	int ret = parse_opts(argc, argv, &o) ? 2 : 0;

	if (ret || o.help)
		goto out;
	memset(&old, 0, sizeof(old));
	memset(&new, 0, sizeof(new));
	ret = load_both(&o, argv + optind, argc - optind, &old, &new) ? 2 : 0;
	if (!ret) {
		warn_no_pods(&o, argv + optind, old.c, new.c);
		ret = outopt_begin(&o.out, "diff") ? 2 : run(old.c, new.c, &o);
		if (outopt_end(&o.out, ret != 2, "diff"))
			ret = 2;
	}
	live_cluster_fini(&old);
	live_cluster_fini(&new);
out:
	preview_ports_fini(&o.ports);
	free(o.deletes);
	return ret;
}
