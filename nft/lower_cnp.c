// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lowering cluster network policies (see compile_int.h). One direction of a
 * local pod is decided by the chain its verdict map entry names:
 *
 *   the Admin chain of the Admin-tier policies selecting it (their rules
 *   inline, in evaluation order: Accept accept, Deny drop, Pass jump NEXT),
 *   ending in jump NEXT; where NEXT is
 *   the pod's NetworkPolicy group chain when a NetworkPolicy isolates it (it
 *   accepts or drops, never returns), else
 *   the Baseline chain of the Baseline-tier policies selecting it (Accept and
 *   Pass accept, Deny drop), ending in accept, else nothing (allowed).
 *
 * NEXT always ends in a verdict, so jumping there is final: Pass skips the rest
 * of the Admin tier without a flag in the packet. A pod no Admin policy
 * selects is dispatched to NEXT directly; pods nothing selects are not
 * dispatched, as before. Chains are shared by every pod with the same
 * policies (and the same NEXT); peer, network, node and port sets are shared
 * by content with NetworkPolicy's.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nft/compile_int.h"
#include "policy/cidr.h"
#include "policy/eval.h"
#include "policy/selector.h"
#include "base/strmap.h"
#include "base/xalloc.h"

static enum rs_type addr_type(enum lower_fam fam)
{
	return fam == LOWER_FAM_6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
}

static int af_of(enum lower_fam fam)
{
	return fam == LOWER_FAM_6 ? AF_INET6 : AF_INET;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct addr *x = a, *y = b;
	int c = memcmp(x->a, y->a, 16);

	return c ? c : (x->plen > y->plen) - (x->plen < y->plen);
}

static char *cidrs_text(const struct addr *v, size_t n)
{
	char *text = xstrdup(""), buf[CIDR_STR_MAX];

	for (size_t i = 0; i < n; i++) {
		char *next;

		cidr_format(&v[i], buf, sizeof(buf));
		next = xasprintf("%s%s%s", text, i ? "," : "", buf);
		free(text);
		text = next;
	}
	return text;
}

/*
 * The interval set of the CIDRs of family fam among v (n of them), with the
 * ones inside another left out (CIDRs nest or are disjoint); NULL when none
 * is of that family. prefix names it ("nets", "nodes").
 */
static const char *cidr_set(struct lower *k, const char *prefix, const char *what,
			    const struct addr *v, size_t n, enum lower_fam fam)
{
	struct addr *c = xcalloc(n ? n : 1, sizeof(*c));
	enum rs_type t = addr_type(fam);
	size_t m = 0, kept = 0;
	char *text, *key;
	const char *name;

	for (size_t i = 0; i < n; i++)
		if (v[i].family == af_of(fam))
			c[m++] = v[i];
	xqsort(c, m, sizeof(*c), addr_cmp);
	for (size_t i = 0; i < m; i++)
		if (!kept || !cidr_contains_addr(&c[kept - 1], &c[i]))
			c[kept++] = c[i];
	if (!kept) {
		free(c);
		return NULL;
	}
	text = cidrs_text(c, kept);
	key = xasprintf("%s%d|%s", prefix, fam, text);
	name = strmap_get(k->objs, key);
	if (!name) {
		char *comment = xasprintf("%s %s", what, text);
		char *pfx = xasprintf("%s%d", prefix, fam);
		char *oname = lower_obj_name(k, pfx, text, key);
		struct rs_set *s = lower_new_set(k, oname, key, comment, &t, 1, RS_SET_INTERVAL);

		for (size_t i = 0; i < kept; i++) {
			struct addr_range *r = NULL;
			struct rs_elem *e = ruleset_set_add_elem(s);

			cidr_subtract(&c[i], NULL, 0, &r);
			memcpy(e->key, r[0].lo, fam == LOWER_FAM_6 ? 16 : 4);
			memcpy(e->key_end, r[0].hi, fam == LOWER_FAM_6 ? 16 : 4);
			free(r);
		}
		name = s->name;
		free(comment);
		free(pfx);
		free(oname);
	}
	free(text);
	free(key);
	free(c);
	return name;
}

/* The addresses (hosts) of the nodes a nodes peer selects. */
static size_t node_addrs(const struct lower *k, const struct cnp_peer *p, struct addr **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < k->c->nnodes; i++) {
		const struct k8s_node *node = &k->c->nodes[i];

		if (!eval_cnp_peer_node(p, node))
			continue;
		for (size_t j = 0; j < node->naddrs; j++) {
			XGROW(*out, cap, n);
			(*out)[n++] = node->addrs[j];
		}
	}
	return n;
}

/*
 * The address matches of one peer of a rule with action, appended to out
 * (room for 2): per family a set, or one "any address" (an unknown peer of a
 * Deny or Pass rule: fail closed), or none (domain names; an unknown peer of
 * an Accept rule).
 */
static size_t peer_amatches(struct lower *k, const struct cnp_peer *p, enum cnp_action action,
			    struct amatch *out)
{
	enum lower_fam fams[2];
	size_t nf, n = 0;
	struct addr *addrs;
	size_t na;

	lower_fam_list(k, fams, &nf);
	switch (p->kind) {
	case CNP_PEER_NAMESPACES:
	case CNP_PEER_PODS: {
		struct peer np = { .flags = PEER_NS_SEL | PEER_POD_SEL,
				   .ns_sel = p->ns_sel,
				   .pod_sel = p->pod_sel };

		for (size_t j = 0; j < nf; j++)
			out[n++] =
				(struct amatch){ fams[j], lower_pods_set(k, NULL, &np, fams[j]) };
		return n;
	}
	case CNP_PEER_NETWORKS:
		for (enum lower_fam f = LOWER_FAM_4; f <= LOWER_FAM_6; f += 2) {
			const char *set = cidr_set(k, "nets", "networks", p->nets, p->nnets, f);

			if (set)
				out[n++] = (struct amatch){ f, set };
		}
		return n;
	case CNP_PEER_NODES: {
		char *sel = selector_to_string(&p->node_sel);
		char *what = xasprintf("addresses of nodes %s:", sel);

		na = node_addrs(k, p, &addrs);
		for (enum lower_fam f = LOWER_FAM_4; f <= LOWER_FAM_6; f += 2) {
			const char *set = cidr_set(k, "nodes", what, addrs, na, f);

			if (set)
				out[n++] = (struct amatch){ f, set };
		}
		free(addrs);
		free(what);
		free(sel);
		return n;
	}
	case CNP_PEER_DOMAINS:
		return 0;
	case CNP_PEER_UNKNOWN:
		if (action == CNP_ACCEPT)
			return 0;
		out[n++] = (struct amatch){ LOWER_FAM_ANY, NULL };
		return n;
	}
	return 0;
}

/* The counter of the packets rule ri of p's dir matches. */
static const char *cnp_counter(struct lower *k, const struct cnp *p, enum dir dir, size_t ri)
{
	const struct cnp_rule *r = &p->rules[dir][ri];
	const char *src = p->source == CNP_SRC_CNP   ? "cnp"
			  : p->source == CNP_SRC_ANP ? "anp"
						     : "banp";
	struct lower_ctr_info info = { .kind = COMPILE_CTR_CNP,
				       .dir = dir,
				       .policy = p->name,
				       .rule = ri,
				       .rule_name = r->name,
				       .source = p->source,
				       .tier = p->tier,
				       .action = r->action };

	return lower_counter(k,
			     xasprintf("cnp|%s|%s:%s|%zu", lower_dir_name(dir), src, p->name, ri),
			     xasprintf("%s_%s_%s%zu", src, p->name,
				       dir == DIR_INGRESS ? "in" : "out", ri),
			     xasprintf("%s %s %s[%zu]%s%s%s %s", model_cnp_source_kind(p->source),
				       p->name, lower_dir_name(dir), ri, *r->name ? " \"" : "",
				       r->name, *r->name ? "\"" : "",
				       model_cnp_action_name(r->action)),
			     &info);
}

/*
 * Append the nft rules of rule ri of cluster network policy p to c: one per
 * peer address match and port match, counted, with the rule's verdict (pass:
 * jump to next, or accept when nothing comes next); a Deny is logged first
 * with --log-denied.
 */
static void lower_cnp_rule(struct lower *k, size_t ci, enum dir dir, const struct cnp *p, size_t ri,
			   enum rs_verdict pass, const char *next)
{
	const struct cnp_rule *r = &p->rules[dir][ri];
	struct amatch am[2];
	struct pmatch pm[LOWER_PMATCH_MAX];
	size_t npm = lower_pmatches(k, r->ports, r->nports, pm);
	/* --audit: a Deny is counted and logged, and what it would drop passes */
	struct lower_action act = { .verdict = r->action == CNP_ACCEPT ? RS_VERDICT_ACCEPT
					       : r->action == CNP_DENY
						       ? (k->o->audit ? RS_VERDICT_ACCEPT
								      : RS_VERDICT_DROP)
						       : pass,
				    .log = r->action == CNP_DENY,
				    .counter = cnp_counter(k, p, dir, ri) };

	act.target = act.verdict == RS_VERDICT_JUMP ? next : NULL;
	for (size_t i = 0; i < r->npeers; i++) {
		size_t na = peer_amatches(k, &r->peers[i], r->action, am);

		for (size_t a = 0; a < na; a++)
			for (size_t j = 0; j < npm; j++)
				if (!am[a].fam || !pm[j].fam || am[a].fam == pm[j].fam)
					lower_emit(k, &k->rs->chains[ci], dir, &am[a], &pm[j],
						   &act);
	}
}

/* "name1, name2" of the policies cnps[0..n) (for keys and comments). */
static char *cnp_names(const struct lower *k, const size_t *cnps, size_t n)
{
	char *text = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		const struct cnp *p = &k->c->cnps[cnps[i]];
		char *next = xasprintf("%s%s%s%s", text, i ? ", " : "",
				       p->source == CNP_SRC_CNP	  ? ""
				       : p->source == CNP_SRC_ANP ? "anp:"
								  : "banp:",
				       p->name);

		free(text);
		text = next;
	}
	return text;
}

/*
 * The chain of the rules of the policies cnps[0..n) of one tier in direction
 * dir, made on first use: Admin (next: where Pass and the end go, NULL: allow)
 * or Baseline (ends in accept).
 */
static const char *tier_chain(struct lower *k, enum dir dir, enum cnp_tier tier, const size_t *cnps,
			      size_t n, const char *next)
{
	bool admin = tier == CNP_TIER_ADMIN;
	char *names = cnp_names(k, cnps, n);
	char *key = xasprintf("%s|%s|%s|%s", admin ? "adm" : "bl", lower_dir_name(dir), names,
			      next ? next : "-");
	const char *name = strmap_get(k->objs, key);
	enum rs_verdict pass = admin && next ? RS_VERDICT_JUMP : RS_VERDICT_ACCEPT;
	char *comment, *oname;
	struct rs_chain *c;
	size_t ci;

	if (name) {
		free(names);
		free(key);
		return name;
	}
	comment = xasprintf("%s tier %s of pods selected by %s", model_cnp_tier_name(tier),
			    lower_dir_name(dir), names);
	comment[strnlen(comment, RS_COMMENT_MAX)] = '\0';
	oname = lower_obj_name(k,
			       admin ? (dir == DIR_INGRESS ? "adm_in" : "adm_out")
				     : (dir == DIR_INGRESS ? "bl_in" : "bl_out"),
			       names, key);
	c = ruleset_add_chain(k->rs, oname, comment);
	ci = k->rs->nchains - 1;
	name = c->name;
	strmap_put(k->objs, key, c->name);
	for (size_t i = 0; i < n; i++) {
		const struct cnp *p = &k->c->cnps[cnps[i]];

		for (size_t j = 0; j < p->nrules[dir]; j++)
			lower_cnp_rule(k, ci, dir, p, j, pass, next);
	}
	c = &k->rs->chains[ci];
	if (!admin) {
		ruleset_chain_add_rule(c)->verdict = RS_VERDICT_ACCEPT;
	} else if (next) {
		struct rs_rule *r = ruleset_chain_add_rule(c);

		r->verdict = RS_VERDICT_JUMP;
		r->target = xstrdup(next);
	}
	free(names);
	free(key);
	free(comment);
	free(oname);
	return name;
}

/*
 * The chain deciding direction dir of a local pod that the cluster network
 * policies cnps[0..ncnps) select (in evaluation order; those without rules in
 * dir are passed over) and, when a NetworkPolicy isolates it, whose group
 * chain is np_group (else NULL). NULL: nothing decides, the pod is allowed.
 */
const char *lower_cnp_target(struct lower *k, enum dir dir, const size_t *cnps, size_t ncnps,
			     const char *np_group)
{
	size_t *admin = xcalloc(ncnps ? ncnps : 1, sizeof(*admin));
	size_t *base = xcalloc(ncnps ? ncnps : 1, sizeof(*base));
	size_t na = 0, nb = 0;
	const char *next;

	for (size_t i = 0; i < ncnps; i++) {
		const struct cnp *p = &k->c->cnps[cnps[i]];

		if (!p->nrules[dir])
			continue;
		if (p->tier == CNP_TIER_ADMIN)
			admin[na++] = cnps[i];
		else
			base[nb++] = cnps[i];
	}
	next = np_group;
	if (!next && nb)
		next = tier_chain(k, dir, CNP_TIER_BASELINE, base, nb, NULL);
	if (na)
		next = tier_chain(k, dir, CNP_TIER_ADMIN, admin, na, next);
	free(admin);
	free(base);
	return next;
}
