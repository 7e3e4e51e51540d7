// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol matrix [--namespace NS]... [--port PORT/PROTO]... FILE...`: every pod
 * against every pod, one table per port, in the format of the upstream
 * conformance tests and tests/connectivity (rows from, columns to, "." allowed,
 * "X" denied), or as JSON. The verdicts come from policy/reach.c.
 */
#include "agent/cli/cmd_matrix.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/cli/live.h"
#include "agent/cli/outopt.h"
#include "agent/cli/preview.h"
#include "base/xalloc.h"

#include <cjson/cJSON.h>

struct matrix_opts {
	struct preview_ports ports;
	char **nss; /* borrowed from argv */
	size_t nnss;
	int family; /* AF_INET, AF_INET6, 0: default of the cluster */
	struct outopt out;
	struct live_source src;
	bool help;
};

/* The pods of the table: eligible, with an address of family, in the namespaces. */
struct matrix_pods {
	const struct pod **v;
	struct reach_end *ends;
	size_t n;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol matrix [OPTION]... FILE...\n"
	      "       nftpol matrix --kubeconfig FILE [OPTION]...\n"
	      "  Print which pod reaches which under the NetworkPolicies of the input:\n"
	      "  rows are sources, columns destinations, '.' allowed, 'X' denied.\n"
	      "  --port PORT[/PROTO]  a port to tabulate (repeatable; default: every port\n"
	      "                       the policies name, else 80/TCP)\n"
	      "  --namespace NS       only pods of NS (repeatable)\n"
	      "  --family 4|6         address family of the connections (default: IPv4 if any)\n",
	      f);
	outopt_usage(f, OUTOPT_TEXT | OUTOPT_JSON, NULL);
	live_usage(f);
}

static bool ns_wanted(const struct matrix_opts *o, const char *ns)
{
	if (!o->nnss)
		return true;
	for (size_t i = 0; i < o->nnss; i++)
		if (!strcmp(o->nss[i], ns))
			return true;
	return false;
}

static void collect_pods(const struct cluster *c, const struct matrix_opts *o,
			 struct matrix_pods *mp)
{
	mp->v = xcalloc(c->npods ? c->npods : 1, sizeof(*mp->v));
	mp->ends = xcalloc(c->npods ? c->npods : 1, sizeof(*mp->ends));
	for (size_t i = 0; i < c->npods; i++) {
		const struct pod *p = &c->pods[i];

		if (!model_pod_eligible(p) || !ns_wanted(o, p->ns) ||
		    reach_end_pod(p, o->family, &mp->ends[mp->n]))
			continue;
		mp->v[mp->n++] = p;
	}
}

static char *pod_key(const struct pod *p)
{
	return xasprintf("%s/%s", p->ns, p->name);
}

static void print_table(const struct reach *r, const struct matrix_pods *mp,
			const struct preview_port *port, int family, FILE *f)
{
	struct reach_query q = { .proto = port->proto, .port = port->port };
	int w = 1;

	for (size_t i = 0; i < mp->n; i++) {
		int len = (int)(strlen(mp->v[i]->ns) + 1 + strlen(mp->v[i]->name));

		w = len > w ? len : w;
	}
	fprintf(f, "%s/%u%s\n%-*s", model_proto_name(port->proto), port->port,
		family == AF_INET6 ? "@v6" : "", w, "-");
	for (size_t j = 0; j < mp->n; j++) {
		char *k = pod_key(mp->v[j]);

		fprintf(f, " %-*s", j + 1 < mp->n ? w : 0, k);
		free(k);
	}
	fputc('\n', f);
	for (size_t i = 0; i < mp->n; i++) {
		char *k = pod_key(mp->v[i]);

		fprintf(f, "%-*s", w, k);
		free(k);
		q.src = mp->ends[i];
		for (size_t j = 0; j < mp->n; j++) {
			q.dst = mp->ends[j];
			fprintf(f, " %-*s", j + 1 < mp->n ? w : 0,
				reach_allowed(r, &q) ? "." : "X");
		}
		fputc('\n', f);
	}
}

static cJSON *json_table(const struct reach *r, const struct matrix_pods *mp,
			 const struct preview_port *port, int family)
{
	struct reach_query q = { .proto = port->proto, .port = port->port };
	cJSON *t = cJSON_CreateObject(), *rows = cJSON_CreateArray();

	cJSON_AddStringToObject(t, "protocol", preview_proto_upper(port->proto));
	cJSON_AddNumberToObject(t, "port", port->port);
	cJSON_AddNumberToObject(t, "family", family == AF_INET6 ? 6 : 4);
	for (size_t i = 0; i < mp->n; i++) {
		cJSON *row = cJSON_CreateArray();

		q.src = mp->ends[i];
		for (size_t j = 0; j < mp->n; j++) {
			q.dst = mp->ends[j];
			cJSON_AddItemToArray(row, cJSON_CreateBool(reach_allowed(r, &q)));
		}
		cJSON_AddItemToArray(rows, row);
	}
	cJSON_AddItemToObject(t, "allowed", rows);
	return t;
}

static int print_json(const struct reach *r, const struct matrix_pods *mp,
		      const struct matrix_opts *o, FILE *f)
{
	cJSON *root = cJSON_CreateObject(), *pods = cJSON_CreateArray();
	cJSON *tables = cJSON_CreateArray();
	char *text;

	if (!root || !pods || !tables)
		xoom(0);
	for (size_t i = 0; i < mp->n; i++) {
		char *k = pod_key(mp->v[i]);

		cJSON_AddItemToArray(pods, cJSON_CreateString(k));
		free(k);
	}
	cJSON_AddItemToObject(root, "pods", pods);
	for (size_t i = 0; i < o->ports.n; i++)
		cJSON_AddItemToArray(tables, json_table(r, mp, &o->ports.v[i], o->family));
	cJSON_AddItemToObject(root, "tables", tables);
	text = cJSON_Print(root);
	if (!text)
		xoom(0);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(root);
	return 0;
}

static int run(const struct cluster *c, struct matrix_opts *o)
{
	struct reach *r = reach_new(c);
	struct matrix_pods mp = { 0 };

	if (!o->family)
		o->family = preview_default_family(c);
	if (!o->ports.n)
		preview_ports_from_policies(c, &o->ports);
	if (!o->ports.n)
		preview_ports_add(&o->ports, IPPROTO_TCP, 80);
	preview_ports_sort(&o->ports);
	collect_pods(c, o, &mp);
	if (!c->npods)
		fprintf(stderr, "nftpol matrix: warning: %s has no pods: the table is empty\n",
			o->src.kubeconfig ? "the live cluster" : "the input");
	if (o->out.format == OUTOPT_JSON) {
		print_json(r, &mp, o, stdout);
	} else {
		printf("# %zu pods; rows: from, columns: to; . allowed, X denied\n", mp.n);
		for (size_t i = 0; i < o->ports.n; i++) {
			if (i)
				putchar('\n');
			print_table(r, &mp, &o->ports.v[i], o->family, stdout);
		}
	}
	free(mp.v);
	free(mp.ends);
	reach_free(r);
	return 0;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct matrix_opts *o)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "family", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		OUTOPT_OPTIONS,
		LIVE_OPTIONS,
		{ 0 },
	};
	struct preview_port p;
	int opt;

	while ((opt = getopt_long(argc, argv, "p:n:f:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (preview_parse_port(optarg, &p)) {
				fprintf(stderr, "nftpol matrix: bad port '%s' (PORT[/PROTO])\n",
					optarg);
				return -EINVAL;
			}
			preview_ports_add(&o->ports, p.proto, p.port);
			break;
		case 'n':
			o->nss = xreallocarray(o->nss, o->nnss + 1, sizeof(*o->nss));
			o->nss[o->nnss++] = optarg;
			break;
		case 'f':
			if (preview_parse_family(optarg, &o->family)) {
				fprintf(stderr, "nftpol matrix: bad family '%s' (4 or 6)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			if (outopt_parse(&o->out, "matrix", optarg, OUTOPT_TEXT | OUTOPT_JSON))
				return -EINVAL;
			break;
		case OUTOPT_OPT_FILE:
			o->out.file = optarg;
			break;
		case 'h':
			usage(stdout);
			o->help = true;
			return 0;
		default:
			if (live_option(&o->src, opt, optarg))
				break;
			usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

/* Entry point of `nftpol matrix`; returns the exit code (0, or 2 on bad input). */
int cmd_matrix_main(int argc, char **argv)
{
	struct matrix_opts o = { 0 };
	struct live_cluster lc;
	int ret = parse_opts(argc, argv, &o) ? 2 : 0;

	if (ret)
		goto out;
	if (o.help)
		goto out;
	ret = live_load(&o.src, argv + optind, argc - optind, "matrix", &lc) ? 2 : 0;
	if (!ret) {
		ret = outopt_begin(&o.out, "matrix") ? 2 : run(lc.c, &o);
		if (outopt_end(&o.out, !ret, "matrix"))
			ret = 2;
	}
	live_cluster_fini(&lc);
out:
	preview_ports_fini(&o.ports);
	free(o.nss);
	return ret;
}
