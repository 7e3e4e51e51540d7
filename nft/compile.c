// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy compiler (see compile.h). Pods selected by the same policies share
 * one chain per direction, reached through verdict maps keyed by pod IP; each
 * policy direction is one chain; peers, CIDRs and ports are sets shared by their
 * canonical key, so two policies with the same peer selector use one set.
 */
#include "nft/compile.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nft/compile_int.h"
#include "nft/incr.h"
#include "policy/eval.h"
#include "base/strmap.h"
#include "base/xalloc.h"

static bool pod_is_local(const struct lower *k, const struct pod *p)
{
	return !k->node || (p->node && !strcmp(p->node, k->node));
}

/* A local pod selected, in one direction, by one policy. */
struct assign {
	size_t pod;
	size_t pol;
};

static int assign_cmp(const void *a, const void *b)
{
	const struct assign *x = a, *y = b;

	if (x->pod != y->pod)
		return x->pod < y->pod ? -1 : 1;
	return (x->pol > y->pol) - (x->pol < y->pol);
}

/* Whether np is in audit mode: compiled, counted, logged, not enforced. */
static bool is_audit(const struct lower *k, const struct netpol *np)
{
	return np->audit || k->o->audit;
}

/*
 * Every (local pod, policy) pair where the policy isolates the pod in dir,
 * sorted; the policies in audit mode (audit) or the enforced ones.
 */
static size_t collect_assigns(struct lower *k, enum dir dir, bool audit, struct assign **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < k->c->npols; i++) {
		const struct netpol *np = &k->c->pols[i];
		struct pod_list pl = { 0 };

		if (!(np->types & DIR_FLAG(dir)) || is_audit(k, np) != audit)
			continue;
		eval_targets(k->e, np, &pl);
		for (size_t j = 0; j < pl.n; j++) {
			if (!pod_is_local(k, &k->c->pods[pl.v[j]]))
				continue;
			XGROW(*out, cap, n);
			(*out)[n++] = (struct assign){ pl.v[j], i };
		}
		eval_pod_list_fini(&pl);
	}
	xqsort(*out, n, sizeof(**out), assign_cmp);
	return n;
}

/* "ns/name, ns/name" of the policies all[pols[0..n)]. */
static char *group_text(const struct netpol *all, const size_t *pols, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&buf, &len));

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s/%s", i ? ", " : "", all[pols[i]].ns, all[pols[i]].name);
	fclose(f);
	return buf;
}

/*
 * The key of a group: its policies' namespace/name (indexes into all), so that
 * it holds while other policies come and go (nft/incr.c keys its groups so too).
 */
char *lower_group_key(const struct netpol *all, enum dir dir, bool audit, const size_t *pols,
		      size_t n)
{
	char *text = group_text(all, pols, n);
	char *key = xasprintf("%s|%d|%s", audit ? "agrp" : "grp", dir, text);

	free(text);
	return key;
}

/* The counter of the first packets the policies of a group (text) deny, or would. */
static const char *group_counter(struct lower *k, enum dir dir, bool audit, const char *text,
				 const char *key)
{
	struct lower_ctr_info info = { .kind = audit ? COMPILE_CTR_AUDIT : COMPILE_CTR_DROP,
				       .dir = dir,
				       .policy = text };

	return lower_counter(k, xstrdup(key),
			     xstrdup(audit ? (dir == DIR_INGRESS ? "audit_in" : "audit_out")
					   : (dir == DIR_INGRESS ? "drop_in" : "drop_out")),
			     xasprintf("%s %s of pods selected by %s", lower_dir_name(dir),
				       audit ? "would-deny (audit)" : "drop", text),
			     &info);
}

/*
 * The chain of the pods isolated in dir by exactly the policies pols[0..n)
 * (indexes into the cluster's, sorted): it
 * tries each policy's chain in turn and drops what none of them accepts. Its
 * name derives from the policies' namespace/name, not from their indexes. An
 * audit group (policies in audit mode, judged after the real verdict allowed
 * the packet) counts and logs what they would deny, and accepts it.
 */
const char *lower_group_chain(struct lower *k, enum dir dir, bool audit, const size_t *pols,
			      size_t n)
{
	char *key = lower_group_key(k->c->pols, dir, audit, pols, n);
	char *name = strmap_get(k->objs, key);
	const char **targets;
	char *text, *nkey, *comment, *oname;
	const char *ctr;
	struct rs_chain *c;
	struct rs_rule *r;

	if (name) {
		free(key);
		return name;
	}
	targets = xcalloc(n, sizeof(*targets));
	for (size_t i = 0; i < n; i++)
		targets[i] = lower_policy_chain(k, &k->c->pols[pols[i]], dir);
	text = group_text(k->c->pols, pols, n);
	nkey = xasprintf("%s|%s|%s", audit ? "agrp" : "grp", lower_dir_name(dir), text);
	ctr = group_counter(k, dir, audit, text, nkey);
	comment = xasprintf("%s of pods selected by %s%s", lower_dir_name(dir), text,
			    audit ? " (audit: not enforced)" : "");
	comment[strnlen(comment, RS_COMMENT_MAX)] = '\0';
	oname = lower_obj_name(k,
			       audit ? (dir == DIR_INGRESS ? "agrp_in" : "agrp_out")
				     : (dir == DIR_INGRESS ? "grp_in" : "grp_out"),
			       "", nkey);
	c = ruleset_add_chain(k->rs, oname, comment);
	for (size_t i = 0; i < n; i++) {
		if (!targets[i])
			continue;
		r = ruleset_chain_add_rule(c);
		r->verdict = RS_VERDICT_JUMP;
		r->target = xstrdup(targets[i]);
	}
	if (k->o->log_group && ctr)
		lower_log(k, ruleset_chain_add_rule(c), ctr);
	r = ruleset_chain_add_rule(c);
	if (ctr)
		ruleset_rule_set_counter(r, ctr);
	r->verdict = audit ? RS_VERDICT_ACCEPT : RS_VERDICT_DROP;
	name = c->name;
	strmap_put(k->objs, key, name);
	if (k->o->recipe)
		incr_note_group(k->o->recipe, key, name);
	free(targets);
	free(text);
	free(nkey);
	free(comment);
	free(oname);
	free(key);
	return name;
}

/* lower_group_chain() of the policies of assignments a[0..n). */
static const char *assigned_chain(struct lower *k, enum dir dir, bool audit, const struct assign *a,
				  size_t n)
{
	size_t *pols = xcalloc(n ? n : 1, sizeof(*pols));
	const char *chain;

	for (size_t i = 0; i < n; i++)
		pols[i] = a[i].pol;
	chain = lower_group_chain(k, dir, audit, pols, n);
	free(pols);
	return chain;
}

static void dispatch_add(struct lower_dispatch_list *l, const struct addr *ip, const char *chain,
			 const struct pod *pod)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = (struct lower_dispatch){ ip, chain, pod };
}

static void dispatch_pod(struct lower_dispatch_list (*maps)[2], enum dir dir, const struct pod *pod,
			 const char *chain)
{
	for (size_t f = 0; f < pod->nips; f++)
		dispatch_add(&maps[dir][pod->ips[f].family == AF_INET6], &pod->ips[f], chain, pod);
}

/* Per local pod: the cluster network policies selecting it, in evaluation order. */
struct subjects {
	struct pod_list *of; /* indexed like k->c->pods; lists of cnp indexes */
};

static void subjects_init(struct lower *k, struct subjects *s)
{
	s->of = xcalloc(k->c->npods ? k->c->npods : 1, sizeof(*s->of));
	for (size_t i = 0; i < k->c->ncnps; i++) {
		struct pod_list pl = { 0 };

		eval_cnp_subjects(k->e, &k->c->cnps[i], &pl);
		for (size_t j = 0; j < pl.n; j++) {
			struct pod_list *l = &s->of[pl.v[j]];

			if (!pod_is_local(k, &k->c->pods[pl.v[j]]))
				continue;
			XGROW(l->v, l->cap, l->n);
			l->v[l->n++] = i;
		}
		eval_pod_list_fini(&pl);
	}
}

static void subjects_fini(const struct lower *k, struct subjects *s)
{
	for (size_t i = 0; i < k->c->npods; i++)
		eval_pod_list_fini(&s->of[i]);
	free(s->of);
}

/*
 * Record where each local pod IP dispatches in dir: the group chain of the
 * NetworkPolicies isolating it, behind the chains of the cluster network
 * policies selecting it (lower_cnp.c); pods nothing selects are not dispatched.
 */
static void lower_direction(struct lower *k, enum dir dir, const struct subjects *subj)
{
	struct assign *a = NULL, *aa = NULL;
	size_t n = collect_assigns(k, dir, false, &a), na = collect_assigns(k, dir, true, &aa);

	for (size_t i = 0, j = 0, ja = 0; i < k->c->npods; i++) {
		const struct pod *pod = &k->c->pods[i];
		const char *chain = NULL;
		size_t end = j, aend = ja;

		while (end < n && a[end].pod == i)
			end++;
		while (aend < na && aa[aend].pod == i)
			aend++;
		if (end > j)
			chain = assigned_chain(k, dir, false, &a[j], end - j);
		else if (aend > ja) /* only audited policies isolate it: what would they deny? */
			dispatch_pod(k->amaps, dir, pod,
				     assigned_chain(k, dir, true, &aa[ja], aend - ja));
		j = end;
		ja = aend;
		if (subj->of[i].n)
			chain = lower_cnp_target(k, dir, subj->of[i].v, subj->of[i].n, chain);
		if (chain)
			dispatch_pod(k->maps, dir, pod, chain);
	}
	free(a);
	free(aa);
}

static int dispatch_cmp(const void *a, const void *b)
{
	const struct lower_dispatch *x = a, *y = b;

	return memcmp(x->ip->a, y->ip->a, 16);
}

/*
 * A verdict map from local pod address to group chain. Two local pods holding
 * one address (a stale pod not yet gone) cannot both be dispatched: the first by
 * namespace/name keeps it and a warning names both.
 */
static void build_map(struct lower *k, enum dir dir, bool v6, bool audit)
{
	struct lower_dispatch_list *l = audit ? &k->amaps[dir][v6] : &k->maps[dir][v6];
	enum rs_type t = v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *name = xasprintf("%s_%s%d", audit ? "audit" : "pod", lower_dir_name(dir), v6 ? 6 : 4);
	char *comment = xasprintf(audit ? "local pod IPv%d address to the %s chain of its audited "
					  "policies (what they would deny)"
					: "local pod IPv%d address to the %s chain of its policies",
				  v6 ? 6 : 4, lower_dir_name(dir));
	struct rs_set *s = ruleset_add_set(k->rs, name, comment, &t, 1, RS_SET_VMAP);

	xqsort(l->v, l->n, sizeof(*l->v), dispatch_cmp);
	for (size_t i = 0; i < l->n; i++) {
		struct rs_elem *e;

		if (i && !dispatch_cmp(&l->v[i - 1], &l->v[i])) {
			diag_add(k->d, DIAG_WARNING, NULL, 0, NULL, NULL,
				 "pods %s/%s and %s/%s share an address; %s is enforced for %s/%s",
				 l->v[i - 1].pod->ns, l->v[i - 1].pod->name, l->v[i].pod->ns,
				 l->v[i].pod->name, lower_dir_name(dir), l->v[i - 1].pod->ns,
				 l->v[i - 1].pod->name);
			continue;
		}
		e = ruleset_set_add_elem(s);
		lower_put_addr(e->key, l->v[i].ip);
		e->chain = xstrdup(l->v[i].chain);
	}
	free(l->v);
	free(name);
	free(comment);
}

/* pod address . pod address for every local pod: a pod may always reach itself. */
static void build_self(struct lower *k, bool v6)
{
	enum rs_type t[] = { v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4, v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4 };
	unsigned len = v6 ? 16 : 4;
	struct rs_set *s =
		ruleset_add_set(k->rs, v6 ? "self6" : "self4",
				"local pod to itself (hairpin through its Service)", t, 2, 0);

	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];
		const struct addr *a = lower_pod_addr(p, v6 ? LOWER_FAM_6 : LOWER_FAM_4);
		struct rs_elem *e;

		if (!a || !model_pod_eligible(p) || !pod_is_local(k, p))
			continue;
		e = ruleset_set_add_elem(s);
		memcpy(e->key, a->a, len);
		memcpy(e->key + len, a->a, len);
	}
}

static void add_match(struct rs_rule *r, enum rs_match_kind kind, const char *set, enum rs_field f1,
		      enum rs_field f2)
{
	enum rs_field f[] = { f1, f2 };

	ruleset_rule_add_match(r, kind, set, f, set && f2 != f1 ? 2 : 1);
}

/* A rule of one match that needs no set: ct state, fib, icmpv6 type. */
static struct rs_rule *add_plain(struct rs_chain *c, enum rs_match_kind kind, uint32_t arg,
				 enum rs_verdict v)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);
	struct rs_match *m = &r->m[r->nm++];

	m->kind = kind;
	if (kind == RS_MATCH_CT_STATE)
		m->ct_state = arg;
	else if (kind == RS_MATCH_CT_MARK)
		m->ct_mark = arg;
	else if (kind == RS_MATCH_ICMPV6_TYPE)
		m->icmpv6_type = (uint8_t)arg;
	r->verdict = v;
	return r;
}

/*
 * Where a direction is judged: both on postrouting before any SNAT (srcnat - 5,
 * - 4), which every forwarded packet crosses after its DNAT, bridged ones through
 * br_netfilter, and packets IPVS rewrites on input and sends out again; the
 * sender's egress to this node itself on input, after IPVS's input hooks (98,
 * 99: a packet IPVS takes is judged once, on postrouting). See docs/datapaths.md.
 */
enum base_kind {
	BASE_INGRESS,
	BASE_EGRESS,
	BASE_EGRESS_NODE,
	BASE_AUDIT_INGRESS,
	BASE_AUDIT_EGRESS,
	BASE_AUDIT_EGRESS_NODE,
};

/*
 * The audit chains come after the enforcing ones of their hook: they see only
 * packets the real verdict let through, and judge them by the policies in
 * audit mode of pods only those isolate (nothing they say is enforced).
 */
static const struct {
	const char *name, *comment;
	enum rs_hook hook;
	int prio;
	enum dir dir;
	bool audit, node; /* an audit chain; the pod -> this node path */
} bases[] = {
	[BASE_INGRESS] = { "base_ingress", "NetworkPolicy ingress: packets to local pods",
			   RS_HOOK_POSTROUTING, 95, DIR_INGRESS, false, false },
	[BASE_EGRESS] = { "base_egress", "NetworkPolicy egress: packets from local pods",
			  RS_HOOK_POSTROUTING, 96, DIR_EGRESS, false, false },
	[BASE_EGRESS_NODE] = { "base_egress_node",
			       "NetworkPolicy egress: packets from local pods to this node",
			       RS_HOOK_INPUT, 101, DIR_EGRESS, false, true },
	[BASE_AUDIT_INGRESS] = { "base_audit_ingress",
				 "audit mode: what policies not enforced would deny, ingress",
				 RS_HOOK_POSTROUTING, 97, DIR_INGRESS, true, false },
	[BASE_AUDIT_EGRESS] = { "base_audit_egress",
				"audit mode: what policies not enforced would deny, egress",
				RS_HOOK_POSTROUTING, 98, DIR_EGRESS, true, false },
	[BASE_AUDIT_EGRESS_NODE] = { "base_audit_egress_node",
				     "audit mode: what policies not enforced would deny, egress "
				     "to this node",
				     RS_HOOK_INPUT, 102, DIR_EGRESS, true, true },
};

/*
 * A base chain: connections a policy change revoked stay cut (both ways),
 * replies pass, a pod reaches itself, the node reaches its own
 * pods (a packet a local socket sent from a local address), IPv6 neighbour discovery passes (a pod
 * must resolve its gateway and its peers whatever its policies), and every other packet to
 * (ingress) or from (egress) a local isolated pod goes to the chain of its policies through the
 * verdict maps.
 */
static void build_base(struct lower *k, enum base_kind b)
{
	bool in = bases[b].dir == DIR_INGRESS;
	const char *map = bases[b].audit ? "audit" : "pod";
	char *m4 = xasprintf("%s_%s4", map, lower_dir_name(bases[b].dir));
	char *m6 = xasprintf("%s_%s6", map, lower_dir_name(bases[b].dir));
	struct rs_chain *c = ruleset_add_chain(k->rs, bases[b].name, bases[b].comment);
	struct rs_rule *r;

	c->hook = bases[b].hook;
	c->prio = bases[b].prio;
	if (!bases[b].audit)
		add_plain(c, RS_MATCH_CT_MARK, COMPILE_CT_REVOKED, RS_VERDICT_DROP);
	add_plain(c, RS_MATCH_CT_STATE, RS_CT_ESTABLISHED | RS_CT_RELATED, RS_VERDICT_ACCEPT);
	if (!bases[b].node) {
		add_match(r = ruleset_chain_add_rule(c), RS_MATCH_SET, "self4", RS_F_IP_SADDR,
			  RS_F_IP_DADDR);
		r->verdict = RS_VERDICT_ACCEPT;
		add_match(r = ruleset_chain_add_rule(c), RS_MATCH_SET, "self6", RS_F_IP6_SADDR,
			  RS_F_IP6_DADDR);
		r->verdict = RS_VERDICT_ACCEPT;
	}
	if (bases[b].dir == DIR_INGRESS) {
		/* sent by a socket of the node, from its address: a pod cannot
		 * fake that (on a bridge it can fake the node's address alone) */
		r = add_plain(c, RS_MATCH_LOCAL_SOCKET, 0, RS_VERDICT_ACCEPT);
		r->m[r->nm++].kind = RS_MATCH_FIB_SADDR_LOCAL;
	}
	add_plain(c, RS_MATCH_ICMPV6_TYPE, RS_ICMPV6_ND_NEIGHBOR_SOLICIT, RS_VERDICT_ACCEPT);
	add_plain(c, RS_MATCH_ICMPV6_TYPE, RS_ICMPV6_ND_NEIGHBOR_ADVERT, RS_VERDICT_ACCEPT);
	add_match(ruleset_chain_add_rule(c), RS_MATCH_VMAP, m4, in ? RS_F_IP_DADDR : RS_F_IP_SADDR,
		  in ? RS_F_IP_DADDR : RS_F_IP_SADDR);
	add_match(ruleset_chain_add_rule(c), RS_MATCH_VMAP, m6,
		  in ? RS_F_IP6_DADDR : RS_F_IP6_SADDR, in ? RS_F_IP6_DADDR : RS_F_IP6_SADDR);
	free(m4);
	free(m6);
}

static void find_families(struct lower *k)
{
	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];

		if (!model_pod_eligible(p))
			continue;
		k->fam4 |= lower_pod_addr(p, LOWER_FAM_4) != NULL;
		k->fam6 |= lower_pod_addr(p, LOWER_FAM_6) != NULL;
	}
	if (!k->fam6)
		k->fam4 = true;
}

/*
 * Remove the sets and counters of sealed rs that no rule references: a port
 * set lowered for a family no peer of its rule has, the counter of a rule that
 * matched nothing. They do nothing, and without them the table is what its
 * rules need (which is what nft/incr.c keeps when a policy's last pod leaves).
 */
void lower_sweep(struct lower *k, struct ruleset *rs, struct compile_meta *meta)
{
	bool *sused = xcalloc(rs->nsets + 1, sizeof(bool));
	bool *kused = xcalloc(rs->ncounters + 1, sizeof(bool));
	size_t keep = 0;

	for (size_t i = 0; i < rs->nchains; i++)
		for (size_t j = 0; j < rs->chains[i].nrules; j++) {
			const struct rs_rule *r = &rs->chains[i].rules[j];
			const struct rs_set *st;
			const struct rs_counter *kc;

			for (unsigned m = 0; m < r->nm; m++)
				if (r->m[m].set && (st = ruleset_find_set(rs, r->m[m].set)))
					sused[st - rs->sets] = true;
			if (r->counter && (kc = ruleset_find_counter(rs, r->counter)))
				kused[kc - rs->counters] = true;
		}
	for (size_t i = rs->nsets; i-- > 0;)
		if (!sused[i]) {
			lower_forget(k->objs, k->names, rs->sets[i].name);
			ruleset_remove_set(rs, &rs->sets[i]);
		}
	for (size_t i = rs->ncounters; i-- > 0;)
		if (!kused[i]) {
			lower_forget(k->objs, k->names, rs->counters[i].name);
			ruleset_remove_counter(rs, &rs->counters[i]);
		}
	for (size_t i = 0; meta && i < meta->n; i++) {
		if (ruleset_find_counter(rs, meta->v[i].name)) {
			meta->v[keep++] = meta->v[i];
			continue;
		}
		free(meta->v[i].name);
		free(meta->v[i].ns);
		free(meta->v[i].policy);
		free(meta->v[i].rule_name);
	}
	if (meta)
		meta->n = keep;
	free(sused);
	free(kused);
}

/*
 * Compile the NetworkPolicies and cluster network policies of sealed cluster c for node (NULL:
 * treat every pod as local) into out, which must be uninitialised; the caller frees it with
 * ruleset_fini(). Warnings go to d. Returns 0.
 */
int compile_cluster(const struct cluster *c, const char *node, struct ruleset *out,
		    struct diag_list *d)
{
	struct compile_opts o = { .node = node };

	return compile_cluster_opts(c, &o, out, d);
}

void compile_meta_fini(struct compile_meta *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].ns);
		free(m->v[i].policy);
		free(m->v[i].rule_name);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int ctr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct compile_ctr *)a)->name, ((const struct compile_ctr *)b)->name);
}

static int ctr_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct compile_ctr *)elem)->name);
}

/* Move the counters of from into into, which stays sorted by name. */
void compile_meta_merge(struct compile_meta *into, struct compile_meta *from)
{
	for (size_t i = 0; i < from->n; i++) {
		XGROW(into->v, into->cap, into->n);
		into->v[into->n++] = from->v[i];
	}
	free(from->v);
	memset(from, 0, sizeof(*from));
	xqsort(into->v, into->n, sizeof(*into->v), ctr_cmp);
}

/* What the counter called name counts, or NULL (m is sorted by name). */
const struct compile_ctr *compile_meta_find(const struct compile_meta *m, const char *name)
{
	return xbsearch(name, m->v, m->n, sizeof(*m->v), ctr_key_cmp);
}

/*
 * Compile as o says (node, counters, audit, denied logging; o->meta, when
 * given, receives what each counter counts), into out, which must be
 * uninitialised; the caller frees it with ruleset_fini(). Returns 0.
 */
int compile_cluster_opts(const struct cluster *c, const struct compile_opts *o, struct ruleset *out,
			 struct diag_list *d)
{
	const char *node = o->node;
	struct lower k = { .c = c, .o = o, .node = node, .rs = out, .d = d };
	struct subjects subj;
	bool audit;

	ruleset_init(out, COMPILE_TABLE);
	out->comment =
		node ? xasprintf("Kubernetes NetworkPolicy for node %s, managed by nftpol", node)
		     : xstrdup("Kubernetes NetworkPolicy, managed by nftpol");
	out->comment[strnlen(out->comment, RS_COMMENT_MAX)] = '\0';
	k.e = eval_new(c);
	k.objs = strmap_new();
	k.names = strmap_new();
	find_families(&k);
	subjects_init(&k, &subj);
	for (int dir = 0; dir < DIR_COUNT; dir++)
		lower_direction(&k, dir, &subj);
	subjects_fini(&k, &subj);
	audit = false;
	for (int dir = 0; dir < DIR_COUNT; dir++)
		audit |= k.amaps[dir][0].n || k.amaps[dir][1].n;
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		build_map(&k, dir, false, false);
		build_map(&k, dir, true, false);
		if (audit) {
			build_map(&k, dir, false, true);
			build_map(&k, dir, true, true);
		}
	}
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
		if (!bases[b].audit || audit)
			build_base(&k, b);
	build_self(&k, false);
	build_self(&k, true);
	ruleset_seal(out);
	lower_sweep(&k, out, o->meta);
	if (o->recipe) {
		incr_note_done(o->recipe, c, o, out, k.fam4, k.fam6);
		incr_take_names(o->recipe, k.objs, k.names, k.keys, k.nkeys, k.capkeys);
		k.objs = k.names = NULL;
		k.keys = NULL;
		k.nkeys = 0;
	}
	if (o->meta)
		xqsort(o->meta->v, o->meta->n, sizeof(*o->meta->v), ctr_cmp);
	for (size_t i = 0; i < k.nkeys; i++)
		free(k.keys[i]);
	free(k.keys);
	strmap_free(k.objs);
	strmap_free(k.names);
	eval_free(k.e);
	return 0;
}
