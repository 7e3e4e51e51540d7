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
#include <sys/socket.h>

#include "agent/cli/live.h"
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
	live_usage(f);
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
 * The near misses of a denied direction: for each rule of each isolating
 * policy, which peers and ports matched the connection and which did not.
 */
static void put_near_misses(const struct cluster *c, const struct reach_side *s, enum dir dir,
			    const struct reach_query *q, FILE *f)
{
	const struct reach_end *other = dir == DIR_INGRESS ? &q->src : &q->dst;
	const char *d = dir == DIR_INGRESS ? "ingress" : "egress";

	for (size_t i = 0; i < s->npols; i++) {
		const struct netpol *np = &c->pols[s->pols[i]];

		if (!np->nrules[dir])
			fprintf(f, "    %s/%s: no %s rules (denies all)\n", np->ns, np->name, d);
		for (size_t j = 0; j < np->nrules[dir]; j++) {
			const struct np_rule *r = &np->rules[dir][j];
			bool port_ok = !r->nports;

			fprintf(f, "    %s/%s %s[%zu]:", np->ns, np->name, d, j);
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
				port_ok |= eval_port_admits(&r->ports[k], q->dst.pod, q->proto,
							    q->port);
			if (!r->nports)
				fputs(" any port matches\n", f);
			else
				fprintf(f, " %u/%s %s %s\n", q->port, preview_proto_upper(q->proto),
					port_ok ? "matches" : "matches none of",
					port_ok ? "a port of the rule" : "its ports");
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
		fprintf(f, ": not isolated (%s); allowed\n",
			!e->pod	   ? "not a pod: only the other end's policies apply"
			: c->ncnps ? "no NetworkPolicy selects it for this direction and no "
				     "cluster network policy rule matches"
				   : "no NetworkPolicy selects it for this direction");
	}
	put_audit(c, r, q, dir, f);
	if (s->admin_pass.cnp != REACH_ANY) {
		fputs("  passed on by ", f);
		preview_put_cnp_rule(f, c, s->admin_pass.cnp, dir, s->admin_pass.rule);
		fputc('\n', f);
	}
}

static void put_trace(const struct cluster *c, const struct reach_query *q, FILE *f)
{
	struct walk_pkt pkt = {
		.saddr = q->src.ip, .daddr = q->dst.ip, .proto = q->proto, .dport = q->port
	};
	struct diag_list d;
	struct ruleset rs;
	struct walk t;

	diag_list_init(&d);
	compile_cluster(c, NULL, &rs, &d);
	walk_packet(&rs, &pkt, &t);
	fprintf(f, "nft (table inet %s, first packet, ct state new): %s\n", rs.table,
		t.accepted ? "accept" : "drop");
	for (size_t i = 0; i < t.nsteps; i++) {
		const struct walk_step *s = &t.steps[i];

		fprintf(f, "  chain %s", s->chain->name);
		if (s->rule == WALK_POLICY) {
			fprintf(f, ": policy %s\n", s->chain->policy_drop ? "drop" : "accept");
			continue;
		}
		fprintf(f, " rule %zu: ", s->rule);
		render_rule(&s->chain->rules[s->rule], f);
		fputc('\n', f);
	}
	ruleset_fini(&rs);
	diag_list_fini(&d);
}

static int run(const struct cluster *c, const struct explain_opts *o)
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
	fputs(v.allowed ? "ALLOWED " : "DENIED ", stdout);
	put_end(&q.src, o->from, stdout);
	fputs(" -> ", stdout);
	put_end(&q.dst, o->to, stdout);
	printf(" %u/%s\n", q.port, preview_proto_upper(q.proto));
	if (v.self)
		puts("a pod always reaches itself, whatever its policies say; for other peers:");
	put_side(c, r, &v.side[DIR_EGRESS], DIR_EGRESS, &q, o->from, stdout);
	put_side(c, r, &v.side[DIR_INGRESS], DIR_INGRESS, &q, o->to, stdout);
	put_trace(c, &q, stdout);
	ret = v.allowed ? 0 : 1;
	reach_verdict_fini(&v);
	reach_free(r);
	return fflush(stdout) ? 2 : ret;
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
		LIVE_OPTIONS,
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "p:f:h", opts, NULL)) != -1) {
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
