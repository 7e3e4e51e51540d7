// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol explain FILE... --from NS/POD|IP --to NS/POD|IP --port PORT/PROTO`:
 * the verdict policy/reach.c gives, then why: which policies isolate each end,
 * which rule admits (or that none does), and the nft chains and rules a packet
 * of the connection traverses in the compiled ruleset (nft/trace.c).
 */
#include "agent/cli/cmd_explain.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "agent/cli/live.h"
#include "agent/cli/outopt.h"
#include "agent/cli/preview.h"
#include "nft/compile.h"
#include "nft/render.h"
#include "nft/walk.h"
#include "policy/cidr.h"
#include "policy/eval.h"
#include "policy/selector.h"
#include "base/xalloc.h"

struct explain_opts {
	const char *from, *to; /* borrowed from argv */
	struct preview_port port;
	bool have_port;
	int family;
	struct live_source src;
	struct outopt out;
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol explain [OPTION]... --from NS/POD|IP --to NS/POD|IP "
	      "--port PORT[/PROTO] FILE...\n"
	      "  Say whether a connection is allowed and why: the policies isolating the\n"
	      "  source (egress) and the destination (ingress), the rule that admits it,\n"
	      "  and the nft chains and rules that implement the verdict.\n"
	      "  Exit status: 0 allowed, 1 denied, 2 bad input.\n"
	      "  --family 4|6         address family for pods given as NS/POD\n",
	      f);
	outopt_usage(f, OUTOPT_TEXT | OUTOPT_JSON,
		     "                       json: one object, what the text says as data:\n"
		     "                       allowed, from, to, protocol, port, family, self,\n"
		     "                       egress and ingress (end, allowed, decided_by, then\n"
		     "                       rule, isolated_by/allowed_by/near_misses or reason;\n"
		     "                       audit, passed_on_by), nft (table, verdict, steps)\n");
	live_usage(f);
}

/* Add s (taken: freed here) to o as the string member key. */
static void add_taken(cJSON *o, const char *key, char *s)
{
	cJSON_AddStringToObject(o, key, s);
	free(s);
}

static void put_end(const struct reach_end *e, const char *arg, FILE *f)
{
	char ip[CIDR_STR_MAX];

	cidr_format_addr(&e->ip, ip, sizeof(ip));
	if (e->pod)
		fprintf(f, "%s/%s (%s)", e->pod->ns, e->pod->name, ip);
	else
		fprintf(f, "%s (%s)", ip,
			strchr(arg, '/') ? "a pod that takes no part in "
					   "NetworkPolicy"
					 : "not a pod");
}

static void put_selector(const char *what, const struct selector *s, FILE *f)
{
	char *t = selector_to_string(s);

	fprintf(f, "%s %s", what, selector_is_empty(s) ? "{} (all)" : t);
	free(t);
}

static void put_peer(const struct np_rule *r, size_t i, enum dir dir, FILE *f)
{
	const struct peer *p;
	char buf[CIDR_STR_MAX];

	if (i == REACH_ANY) {
		fputs(dir == DIR_INGRESS ? "from anywhere" : "to anywhere", f);
		return;
	}
	p = &r->peers[i];
	fprintf(f, "%s[%zu] ", dir == DIR_INGRESS ? "from" : "to", i);
	if (p->flags & PEER_IPBLOCK) {
		cidr_format(&p->cidr, buf, sizeof(buf));
		fprintf(f, "ipBlock %s", buf);
		for (size_t j = 0; j < p->nexcept; j++) {
			cidr_format(&p->except[j], buf, sizeof(buf));
			fprintf(f, "%s%s", j ? "," : " except ", buf);
		}
		return;
	}
	if (p->flags & PEER_NS_SEL)
		put_selector("namespaceSelector", &p->ns_sel, f);
	if ((p->flags & PEER_NS_SEL) && (p->flags & PEER_POD_SEL))
		fputs(" and ", f);
	if (p->flags & PEER_POD_SEL)
		put_selector("podSelector", &p->pod_sel, f);
}

static void put_port(const struct np_rule *r, size_t i, FILE *f)
{
	const struct np_port *p;

	if (i == REACH_ANY) {
		fputs("any port", f);
		return;
	}
	p = &r->ports[i];
	fprintf(f, "ports[%zu] ", i);
	if (p->flags & PORT_NAMED)
		fprintf(f, "named port %s", p->name);
	else if (p->flags & PORT_RANGE)
		fprintf(f, "%u-%u", p->port, p->end_port);
	else if (p->flags & PORT_NUMBER)
		fprintf(f, "%u", p->port);
	else
		fputs("every port", f);
	fprintf(f, "/%s", preview_proto_upper(p->proto));
}

/* How one selector peer of np compares with the other end (a pod, or NULL). */
static void put_peer_miss(const struct cluster *c, const struct netpol *np, const struct peer *p,
			  const struct reach_end *other, FILE *f)
{
	char ip[CIDR_STR_MAX];
	const struct k8s_ns *ns;
	bool ns_ok, pod_ok;

	cidr_format_addr(&other->ip, ip, sizeof(ip));
	if (p->flags & PEER_IPBLOCK) {
		bool in = cidr_contains_addr(&p->cidr, &other->ip);

		fprintf(f,
			in && !eval_ipblock_contains(p, &other->ip) ? "%s is in an except block"
			: in					    ? "%s is inside"
								    : "%s is outside",
			ip);
		return;
	}
	if (!other->pod) {
		fprintf(f, "%s is no pod; selectors stand for pods only", ip);
		return;
	}
	ns = model_cluster_ns(c, other->pod->ns);
	ns_ok = p->flags & PEER_NS_SEL ? ns && selector_matches(&p->ns_sel, &ns->labels)
				       : !strcmp(other->pod->ns, np->ns);
	pod_ok = !(p->flags & PEER_POD_SEL) || selector_matches(&p->pod_sel, &other->pod->labels);
	fprintf(f, "namespace %s %s, pod labels %s", other->pod->ns, ns_ok ? "matches" : "does not",
		pod_ok ? "match" : "do not");
}

/*
 * Why rule j of np in direction dir does not admit the connection of q: each
 * peer and the ports against the other end (" from[0] ...: ...; any port
 * matches"), written after the rule's name.
 */
static void put_rule_miss(const struct cluster *c, const struct netpol *np, enum dir dir, size_t j,
			  const struct reach_query *q, FILE *f)
{
	const struct reach_end *other = dir == DIR_INGRESS ? &q->src : &q->dst;
	const struct np_rule *r = &np->rules[dir][j];
	bool port_ok = !r->nports;

	if (!r->npeers)
		fputs(" any peer matches;", f);
	for (size_t k = 0; k < r->npeers; k++) {
		fputc(' ', f);
		put_peer(r, k, dir, f);
		fputs(": ", f);
		put_peer_miss(c, np, &r->peers[k], other, f);
		fputc(';', f);
	}
	for (size_t k = 0; k < r->nports; k++)
		port_ok |= eval_port_admits(&r->ports[k], q->dst.pod, q->proto, q->port);
	if (!r->nports)
		fputs(" any port matches", f);
	else
		fprintf(f, " %u/%s %s %s", q->port, preview_proto_upper(q->proto),
			port_ok ? "matches" : "matches none of",
			port_ok ? "a port of the rule" : "its ports");
}

/*
 * The near misses of a denied direction: for each rule of each isolating
 * policy, which peers and ports matched the connection and which did not.
 */
static void put_near_misses(const struct cluster *c, const struct reach_side *s, enum dir dir,
			    const struct reach_query *q, FILE *f)
{
	const char *d = dir == DIR_INGRESS ? "ingress" : "egress";

	for (size_t i = 0; i < s->npols; i++) {
		const struct netpol *np = &c->pols[s->pols[i]];

		if (!np->nrules[dir])
			fprintf(f, "    %s/%s: no %s rules (denies all)\n", np->ns, np->name, d);
		for (size_t j = 0; j < np->nrules[dir]; j++) {
			fprintf(f, "    %s/%s %s[%zu]:", np->ns, np->name, d, j);
			put_rule_miss(c, np, dir, j, q, f);
			fputc('\n', f);
		}
	}
}

/* The NetworkPolicy tier's answer for one direction at an end it isolates. */
static void put_netpol(const struct cluster *c, const struct reach_side *s, enum dir dir,
		       const struct reach_query *q, FILE *f)
{
	const char *d = dir == DIR_INGRESS ? "ingress" : "egress";

	fprintf(f, ": isolated by");
	for (size_t i = 0; i < s->npols; i++) {
		const struct netpol *np = &c->pols[s->pols[i]];

		fprintf(f, "%s %s/%s", i ? "," : "", np->ns, np->name);
		if (np->origin.file && np->origin.line)
			fprintf(f, " (%s:%u)", np->origin.file, np->origin.line);
	}
	fputc('\n', f);
	if (!s->nallows) {
		fprintf(f, "  denied: no %s rule of these policies admits it; near misses:\n", d);
		put_near_misses(c, s, dir, q, f);
	}
	for (size_t i = 0; i < s->nallows; i++) {
		const struct reach_allow *a = &s->allows[i];
		const struct netpol *np = &c->pols[a->pol];
		const struct np_rule *r = &np->rules[dir][a->rule];

		fprintf(f, "  allowed by %s/%s %s[%zu]: ", np->ns, np->name, d, a->rule);
		put_peer(r, a->peer, dir, f);
		fputs("; ", f);
		put_port(r, a->port, f);
		fputc('\n', f);
	}
}

/*
 * One direction, tier by tier: the Admin tier's deciding rule, or the Pass
 * that sent it on; the NetworkPolicies isolating the end; the Baseline tier's
 * rule; or nothing (allowed).
 */
/* The policies in audit mode at this end, and what they would do were they enforced. */
static void put_audit(const struct cluster *c, const struct reach *r, const struct reach_query *q,
		      enum dir dir, FILE *f)
{
	const size_t *pols;
	bool deny;
	size_t n = reach_audit(r, q, dir, &pols, &deny);

	if (!n)
		return;
	fputs("  in audit mode (nftpol.io/enforcement: audit, not enforced):", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s/%s", i ? "," : "", c->pols[pols[i]].ns, c->pols[pols[i]].name);
	fprintf(f, "; %s\n",
		deny ? "they would deny it (counted and logged as would-deny)"
		     : "they would not change this verdict");
}

/* Why nothing decided a direction at end e: it is allowed. */
static const char *not_isolated(const struct cluster *c, const struct reach_end *e)
{
	if (!e->pod)
		return "not a pod: only the other end's policies apply";
	if (c->ncnps)
		return "no NetworkPolicy selects it for this direction and no cluster network "
		       "policy rule matches";
	return "no NetworkPolicy selects it for this direction";
}

static void put_side(const struct cluster *c, const struct reach *r, const struct reach_side *s,
		     enum dir dir, const struct reach_query *q, const char *arg, FILE *f)
{
	const struct reach_end *e = dir == DIR_EGRESS ? &q->src : &q->dst;

	fprintf(f, "%s of ", dir == DIR_INGRESS ? "Ingress" : "Egress");
	put_end(e, arg, f);
	if (s->by == REACH_BY_ADMIN || s->by == REACH_BY_BASELINE) {
		fprintf(f, ": %s by the %s tier\n  ", s->allowed ? "allowed" : "denied",
			s->by == REACH_BY_ADMIN ? "Admin" : "Baseline");
		preview_put_cnp_rule(f, c, s->decided.cnp, dir, s->decided.rule);
		fputc('\n', f);
	} else if (s->by == REACH_BY_NETPOL) {
		put_netpol(c, s, dir, q, f);
	} else {
		fprintf(f, ": not isolated (%s); allowed\n", not_isolated(c, e));
	}
	put_audit(c, r, q, dir, f);
	if (s->admin_pass.cnp != REACH_ANY) {
		fputs("  passed on by ", f);
		preview_put_cnp_rule(f, c, s->admin_pass.cnp, dir, s->admin_pass.rule);
		fputc('\n', f);
	}
}

/* One step of the walk: "  chain C rule N: RULE" or "  chain C: policy drop". */
static void put_step(const struct walk_step *s, FILE *f, cJSON *steps)
{
	struct preview_str str;
	cJSON *j;

	if (steps) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "chain", s->chain->name);
		if (s->rule == WALK_POLICY) {
			cJSON_AddStringToObject(j, "policy",
						s->chain->policy_drop ? "drop" : "accept");
		} else {
			cJSON_AddNumberToObject(j, "rule", (double)s->rule);
			render_rule(&s->chain->rules[s->rule], preview_str_open(&str));
			add_taken(j, "nft", preview_str_take(&str));
		}
		cJSON_AddItemToArray(steps, j);
		return;
	}
	fprintf(f, "  chain %s", s->chain->name);
	if (s->rule == WALK_POLICY) {
		fprintf(f, ": policy %s\n", s->chain->policy_drop ? "drop" : "accept");
		return;
	}
	fprintf(f, " rule %zu: ", s->rule);
	render_rule(&s->chain->rules[s->rule], f);
	fputc('\n', f);
}

/*
 * The chains and rules the connection's first packet traverses in the table
 * compiled from c: printed to f, or, with json, added to it as "nft".
 */
static void put_trace(const struct cluster *c, const struct reach_query *q, FILE *f, cJSON *json)
{
	struct walk_pkt pkt = {
		.saddr = q->src.ip, .daddr = q->dst.ip, .proto = q->proto, .dport = q->port
	};
	struct diag_list d;
	struct ruleset rs;
	struct walk t;
	cJSON *nft = NULL, *steps = NULL;

	diag_list_init(&d);
	compile_cluster(c, NULL, &rs, &d);
	walk_packet(&rs, &pkt, &t);
	if (json) {
		nft = cJSON_AddObjectToObject(json, "nft");
		cJSON_AddStringToObject(nft, "table", rs.table);
		cJSON_AddStringToObject(nft, "verdict", t.accepted ? "accept" : "drop");
		steps = cJSON_AddArrayToObject(nft, "steps");
	} else {
		fprintf(f, "nft (table inet %s, first packet, ct state new): %s\n", rs.table,
			t.accepted ? "accept" : "drop");
	}
	for (size_t i = 0; i < t.nsteps; i++)
		put_step(&t.steps[i], f, steps);
	ruleset_fini(&rs);
	diag_list_fini(&d);
}

static cJSON *json_end(const struct reach_end *e, const char *arg)
{
	cJSON *j = cJSON_CreateObject();
	char ip[CIDR_STR_MAX];
	struct preview_str str;

	cidr_format_addr(&e->ip, ip, sizeof(ip));
	if (e->pod)
		add_taken(j, "pod", xasprintf("%s/%s", e->pod->ns, e->pod->name));
	else
		cJSON_AddNullToObject(j, "pod");
	cJSON_AddStringToObject(j, "address", ip);
	put_end(e, arg, preview_str_open(&str));
	add_taken(j, "text", preview_str_take(&str));
	return j;
}

/* {"policy": "NS/NAME", "rule": "ingress[0]"}: rule SIZE_MAX: null. */
static cJSON *json_rule_ref(const struct netpol *np, enum dir dir, size_t rule)
{
	cJSON *j = cJSON_CreateObject();

	add_taken(j, "policy", xasprintf("%s/%s", np->ns, np->name));
	if (rule == SIZE_MAX)
		cJSON_AddNullToObject(j, "rule");
	else
		add_taken(j, "rule",
			  xasprintf("%s[%zu]", dir == DIR_INGRESS ? "ingress" : "egress", rule));
	return j;
}

/* The near misses of a denied direction, as put_near_misses() says them. */
static void json_near_misses(const struct cluster *c, const struct reach_side *s, enum dir dir,
			     const struct reach_query *q, cJSON *arr)
{
	struct preview_str str;
	char *t;

	for (size_t i = 0; i < s->npols; i++) {
		const struct netpol *np = &c->pols[s->pols[i]];
		cJSON *m;

		if (!np->nrules[dir]) {
			m = json_rule_ref(np, dir, SIZE_MAX);
			add_taken(m, "detail",
				  xasprintf("no %s rules (denies all)",
					    dir == DIR_INGRESS ? "ingress" : "egress"));
			cJSON_AddItemToArray(arr, m);
		}
		for (size_t j = 0; j < np->nrules[dir]; j++) {
			m = json_rule_ref(np, dir, j);
			put_rule_miss(c, np, dir, j, q, preview_str_open(&str));
			t = preview_str_take(&str);
			cJSON_AddStringToObject(m, "detail", t + (t[0] == ' '));
			free(t);
			cJSON_AddItemToArray(arr, m);
		}
	}
}

/* The NetworkPolicy tier's answer, as put_netpol() says it. */
static void json_netpol(const struct cluster *c, const struct reach_side *s, enum dir dir,
			const struct reach_query *q, cJSON *j)
{
	cJSON *iso = cJSON_AddArrayToObject(j, "isolated_by");
	cJSON *allows = cJSON_AddArrayToObject(j, "allowed_by");
	struct preview_str str;

	for (size_t i = 0; i < s->npols; i++) {
		const struct netpol *np = &c->pols[s->pols[i]];
		cJSON *p = json_rule_ref(np, dir, SIZE_MAX);

		cJSON_DeleteItemFromObject(p, "rule");
		if (np->origin.file && np->origin.line) {
			cJSON_AddStringToObject(p, "file", np->origin.file);
			cJSON_AddNumberToObject(p, "line", np->origin.line);
		}
		cJSON_AddItemToArray(iso, p);
	}
	for (size_t i = 0; i < s->nallows; i++) {
		const struct reach_allow *a = &s->allows[i];
		const struct np_rule *r = &c->pols[a->pol].rules[dir][a->rule];
		cJSON *p = json_rule_ref(&c->pols[a->pol], dir, a->rule);

		put_peer(r, a->peer, dir, preview_str_open(&str));
		add_taken(p, "peer", preview_str_take(&str));
		put_port(r, a->port, preview_str_open(&str));
		add_taken(p, "port", preview_str_take(&str));
		cJSON_AddItemToArray(allows, p);
	}
	if (!s->nallows)
		json_near_misses(c, s, dir, q, cJSON_AddArrayToObject(j, "near_misses"));
}

static void json_cnp_rule(cJSON *j, const char *key, const struct cluster *c,
			  const struct reach_cnp_rule *cr, enum dir dir)
{
	struct preview_str str;

	preview_put_cnp_rule(preview_str_open(&str), c, cr->cnp, dir, cr->rule);
	add_taken(j, key, preview_str_take(&str));
}

/* The audit-mode policies at this end, as put_audit() says them. */
static void json_audit(const struct cluster *c, const struct reach *r, const struct reach_query *q,
		       enum dir dir, cJSON *j)
{
	const size_t *pols;
	bool deny;
	size_t n = reach_audit(r, q, dir, &pols, &deny);
	cJSON *a, *arr;

	if (!n)
		return;
	a = cJSON_AddObjectToObject(j, "audit");
	arr = cJSON_AddArrayToObject(a, "policies");
	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("%s/%s", c->pols[pols[i]].ns, c->pols[pols[i]].name);

		cJSON_AddItemToArray(arr, cJSON_CreateString(name));
		free(name);
	}
	cJSON_AddBoolToObject(a, "would_deny", deny);
}

/* One direction, as put_side() says it. */
static cJSON *json_side(const struct cluster *c, const struct reach *r, const struct reach_side *s,
			enum dir dir, const struct reach_query *q, const char *arg)
{
	static const char *const by[] = {
		[REACH_BY_DEFAULT] = "none",
		[REACH_BY_ADMIN] = "admin",
		[REACH_BY_NETPOL] = "networkpolicy",
		[REACH_BY_BASELINE] = "baseline",
	};
	const struct reach_end *e = dir == DIR_EGRESS ? &q->src : &q->dst;
	cJSON *j = cJSON_CreateObject();

	cJSON_AddItemToObject(j, "end", json_end(e, arg));
	cJSON_AddBoolToObject(j, "allowed", s->allowed);
	cJSON_AddStringToObject(j, "decided_by", by[s->by]);
	if (s->by == REACH_BY_ADMIN || s->by == REACH_BY_BASELINE)
		json_cnp_rule(j, "rule", c, &s->decided, dir);
	else if (s->by == REACH_BY_NETPOL)
		json_netpol(c, s, dir, q, j);
	else
		cJSON_AddStringToObject(j, "reason", not_isolated(c, e));
	json_audit(c, r, q, dir, j);
	if (s->admin_pass.cnp != REACH_ANY)
		json_cnp_rule(j, "passed_on_by", c, &s->admin_pass, dir);
	return j;
}

/* The whole answer as one JSON object on stdout: what the text says, as data. */
static void print_json(const struct cluster *c, const struct reach *r,
		       const struct reach_verdict *v, const struct reach_query *q,
		       const struct explain_opts *o)
{
	cJSON *root = xnonnull(cJSON_CreateObject());
	char *text;

	cJSON_AddBoolToObject(root, "allowed", v->allowed);
	cJSON_AddItemToObject(root, "from", json_end(&q->src, o->from));
	cJSON_AddItemToObject(root, "to", json_end(&q->dst, o->to));
	cJSON_AddStringToObject(root, "protocol", preview_proto_upper(q->proto));
	cJSON_AddNumberToObject(root, "port", q->port);
	cJSON_AddNumberToObject(root, "family", q->src.ip.family == AF_INET6 ? 6 : 4);
	cJSON_AddBoolToObject(root, "self", v->self);
	cJSON_AddItemToObject(root, "egress",
			      json_side(c, r, &v->side[DIR_EGRESS], DIR_EGRESS, q, o->from));
	cJSON_AddItemToObject(root, "ingress",
			      json_side(c, r, &v->side[DIR_INGRESS], DIR_INGRESS, q, o->to));
	put_trace(c, q, NULL, root);
	text = xnonnull(cJSON_Print(root));
	puts(text);
	free(text);
	cJSON_Delete(root);
}

/* The answer as text on stdout. */
static void print_text(const struct cluster *c, const struct reach *r,
		       const struct reach_verdict *v, const struct reach_query *q,
		       const struct explain_opts *o)
{
	fputs(v->allowed ? "ALLOWED " : "DENIED ", stdout);
	put_end(&q->src, o->from, stdout);
	fputs(" -> ", stdout);
	put_end(&q->dst, o->to, stdout);
	printf(" %u/%s\n", q->port, preview_proto_upper(q->proto));
	if (v->self)
		puts("a pod always reaches itself, whatever its policies say; for other peers:");
	put_side(c, r, &v->side[DIR_EGRESS], DIR_EGRESS, q, o->from, stdout);
	put_side(c, r, &v->side[DIR_INGRESS], DIR_INGRESS, q, o->to, stdout);
	put_trace(c, q, stdout, NULL);
}

static int run(const struct cluster *c, struct explain_opts *o)
{
	struct reach *r = reach_new(c);
	struct reach_query q = { .proto = o->port.proto, .port = o->port.port };
	struct reach_verdict v;
	int ret = preview_parse_end(r, o->from, o->family, &q.src);

	if (!ret)
		ret = preview_parse_end(r, o->to, q.src.ip.family, &q.dst);
	if (ret || q.src.ip.family != q.dst.ip.family) {
		fprintf(stderr, "nftpol explain: --from %s --to %s: %s\n", o->from, o->to,
			ret ? "expected NS/POD of the input or an address"
			    : "the two ends have no address of one family");
		reach_free(r);
		return 2;
	}
	reach_eval(r, &q, &v);
	ret = outopt_begin(&o->out, "explain");
	if (!ret && o->out.format == OUTOPT_JSON)
		print_json(c, r, &v, &q, o);
	else if (!ret)
		print_text(c, r, &v, &q, o);
	if (outopt_end(&o->out, !ret, "explain"))
		ret = -EIO;
	ret = ret ? 2 : v.allowed ? 0 : 1;
	reach_verdict_fini(&v);
	reach_free(r);
	return ret;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct explain_opts *o)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "port", required_argument, NULL, 'p' },
		{ "family", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		OUTOPT_OPTIONS,
		LIVE_OPTIONS,
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "p:f:o:h", opts, NULL)) != -1) {
		if (opt == 'F') {
			o->from = optarg;
		} else if (opt == 'T') {
			o->to = optarg;
		} else if (opt == 'p') {
			if (preview_parse_port(optarg, &o->port)) {
				fprintf(stderr, "nftpol explain: bad port '%s'\n", optarg);
				return -EINVAL;
			}
			o->have_port = true;
		} else if (opt == 'f') {
			if (preview_parse_family(optarg, &o->family)) {
				fprintf(stderr, "nftpol explain: bad family '%s'\n", optarg);
				return -EINVAL;
			}
		} else if (opt == 'o') {
			if (outopt_parse(&o->out, "explain", optarg, OUTOPT_TEXT | OUTOPT_JSON))
				return -EINVAL;
		} else if (opt == OUTOPT_OPT_FILE) {
			o->out.file = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			o->help = true;
			return 0;
		} else if (!live_option(&o->src, opt, optarg)) {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->from || !o->to || !o->have_port) {
		fputs("nftpol explain: --from, --to and --port are required\n", stderr);
		return -EINVAL;
	}
	return 0;
}

/* Entry point of `nftpol explain`; 0 allowed, 1 denied, 2 bad input. */
int cmd_explain_main(int argc, char **argv)
{
	struct explain_opts o = { 0 };
	struct live_cluster lc;
	int ret;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.help)
		return 0;
	ret = live_load(&o.src, argv + optind, argc - optind, "explain", &lc) ? 2 : run(lc.c, &o);
	live_cluster_fini(&lc);
	return ret;
}
