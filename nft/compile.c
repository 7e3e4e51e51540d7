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

#include "policy/cidr.h"
#include "policy/eval.h"
#include "policy/selector.h"
#include "policy/strmap.h"
#include "policy/xalloc.h"

#define READABLE_MAX 40		/* bytes of an object name taken from Kubernetes names */

enum fam {
	FAM_ANY = 0,
	FAM_4 = 4,
	FAM_6 = 6,
};

/* One local pod address that a verdict map sends to a group chain. */
struct dispatch {
	const struct addr *ip;		/* borrowed from the cluster */
	const char *chain;		/* borrowed from the ruleset */
	const struct pod *pod;
};

struct dispatch_list {
	struct dispatch *v;
	size_t n, cap;
};

struct comp {
	const struct cluster *c;
	const char *node;		/* NULL: every pod is local */
	struct eval *e;
	struct ruleset *rs;
	struct diag_list *d;
	struct strmap *objs;		/* canonical key -> object name (owned by rs) */
	struct strmap *names;		/* object name -> canonical key (in keys) */
	char **keys;			/* owned copies of canonical keys */
	size_t nkeys, capkeys;
	bool fam4, fam6;		/* address families pods use */
	struct dispatch_list maps[DIR_COUNT][2];	/* [dir][v6] */
};

/* One way to match the peer address of a rule; set NULL: any address. */
struct amatch {
	enum fam fam;
	const char *set;
};

enum pm_kind {
	PM_ANY,
	PM_PORTS,		/* meta l4proto . th dport @set */
	PM_NAMED,		/* ip daddr . meta l4proto . th dport @set */
};

struct pmatch {
	enum fam fam;
	enum pm_kind kind;
	const char *set;
};

/* Port tuples gathered from one rule, for the shared port sets. */
struct prange {
	uint8_t proto;
	uint16_t lo, hi;
};

static const char *const dir_names[DIR_COUNT] = { "ingress", "egress" };

static bool pod_is_local(const struct comp *k, const struct pod *p)
{
	return !k->node || (p->node && !strcmp(p->node, k->node));
}

static const struct addr *pod_addr(const struct pod *p, enum fam fam)
{
	int af = fam == FAM_6 ? AF_INET6 : AF_INET;

	for (size_t i = 0; i < p->nips; i++)
		if (p->ips[i].family == af)
			return &p->ips[i];
	return NULL;
}

/* Lower-case letters, digits and '_' only: nft keywords and syntax stay out. */
static void sanitize(const char *in, char *out, size_t max)
{
	size_t n = 0;

	for (; *in && n < max; in++) {
		char ch = *in;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		if (ch == '_' && n && out[n - 1] == '_')
			continue;
		out[n++] = ch;
	}
	while (n && out[n - 1] == '_')
		n--;
	out[n] = '\0';
}

/* Spread FNV's output so that keys differing in one byte get unrelated names. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/*
 * A name for the object with canonical key: prefix, a readable part and 48 bits
 * of the key's hash, so names are stable across runs and nodes. A hash collision
 * with another key is resolved by salting, deterministically.
 */
static char *obj_name(struct comp *k, const char *prefix, const char *readable,
		      const char *key)
{
	char r[READABLE_MAX + 1];

	sanitize(readable, r, READABLE_MAX);
	for (unsigned salt = 0;; salt++) {
		char *salted = xasprintf("%s#%u", key, salt);
		uint64_t h = mix(strmap_hash(salt ? salted : key)) & 0xffffffffffffull;
		char *name = *r ? xasprintf("%s_%s_%012llx", prefix, r, (unsigned long long)h)
				: xasprintf("%s_%012llx", prefix, (unsigned long long)h);

		free(salted);
		if (!strmap_get(k->names, name)) {
			XGROW(k->keys, k->capkeys, k->nkeys);
			k->keys[k->nkeys] = xstrdup(key);
			strmap_put(k->names, name, k->keys[k->nkeys++]);
			return name;
		}
		free(name);
	}
}

static void elem_put_addr(uint8_t *dst, const struct addr *a)
{
	memcpy(dst, a->a, a->family == AF_INET6 ? 16 : 4);
}

/* Write proto . port at off into a concatenated key (each field padded to 4). */
static void elem_put_proto_port(uint8_t *dst, uint8_t proto, uint16_t port)
{
	dst[0] = proto;
	dst[4] = (uint8_t)(port >> 8);
	dst[5] = (uint8_t)port;
}

static struct rs_set *new_set(struct comp *k, const char *name, const char *key,
			      const char *comment, const enum rs_type *t, unsigned nt,
			      unsigned flags)
{
	struct rs_set *s = ruleset_add_set(k->rs, name, comment, t, nt, flags);

	strmap_put(k->objs, key, s->name);
	return s;
}

static void fill_pods(struct comp *k, struct rs_set *s, const struct pod_list *pl,
		      enum fam fam)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct addr *a = pod_addr(&k->c->pods[pl->v[i]], fam);

		if (a)
			elem_put_addr(ruleset_set_add_elem(s)->key, a);
	}
}

/* The set of the addresses of family fam of the pods a selector peer stands for. */
static const char *peer_pods_set(struct comp *k, const struct netpol *np,
				 const struct peer *p, enum fam fam)
{
	enum rs_type t = fam == FAM_6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *psel = p->flags & PEER_POD_SEL ? selector_to_string(&p->pod_sel) : xstrdup("{}");
	char *nsel = p->flags & PEER_NS_SEL ? selector_to_string(&p->ns_sel) : NULL;
	char *key = xasprintf("pods%d|%s|%s|%s", fam, nsel ? "*" : np->ns, nsel ? nsel : "-", psel);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = nsel ? xasprintf("pods %s in namespaces %s", psel, nsel)
				     : xasprintf("pods %s in namespace %s", psel, np->ns);
		char *readable = xasprintf("%s_%s", nsel ? nsel : np->ns, psel);
		char *oname = obj_name(k, fam == FAM_6 ? "pods6" : "pods4", readable, key);
		struct pod_list pl = { 0 };
		struct rs_set *s = new_set(k, oname, key, comment, &t, 1, 0);

		eval_peer_pods(k->e, np, p, &pl);
		fill_pods(k, s, &pl, fam);
		name = s->name;
		eval_pod_list_fini(&pl);
		free(comment);
		free(readable);
		free(oname);
	}
	free(psel);
	free(nsel);
	free(key);
	return name;
}

static char *ipblock_text(const struct peer *p)
{
	char buf[CIDR_STR_MAX];
	char *text, *next;

	cidr_format(&p->cidr, buf, sizeof(buf));
	text = xstrdup(buf);
	for (size_t i = 0; i < p->nexcept; i++) {
		cidr_format(&p->except[i], buf, sizeof(buf));
		next = xasprintf("%s%s%s", text, i ? "," : " except ", buf);
		free(text);
		text = next;
	}
	return text;
}

/* The interval set of an ipBlock: its CIDR with the except blocks taken out. */
static const char *ipblock_set(struct comp *k, const struct peer *p)
{
	bool v6 = p->cidr.family == AF_INET6;
	enum rs_type t = v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *text = ipblock_text(p);
	char *key = xasprintf("cidr|%s", text);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = xasprintf("ipBlock %s", text);
		char *oname = obj_name(k, v6 ? "cidr6" : "cidr4", text, key);
		struct rs_set *s = new_set(k, oname, key, comment, &t, 1, RS_SET_INTERVAL);
		struct addr_range *r = NULL;
		size_t n = cidr_subtract(&p->cidr, p->except, p->nexcept, &r);

		for (size_t i = 0; i < n; i++) {
			struct rs_elem *e = ruleset_set_add_elem(s);

			memcpy(e->key, r[i].lo, v6 ? 16 : 4);
			memcpy(e->key_end, r[i].hi, v6 ? 16 : 4);
		}
		name = s->name;
		free(r);
		free(comment);
		free(oname);
	}
	free(text);
	free(key);
	return name;
}

static int prange_cmp(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Sort and merge overlapping or adjacent ranges of one protocol (sets reject overlaps). */
static size_t prange_merge(struct prange *v, size_t n)
{
	size_t m = 0;

	xqsort(v, n, sizeof(*v), prange_cmp);
	for (size_t i = 0; i < n; i++) {
		struct prange *last = m ? &v[m - 1] : NULL;

		if (last && last->proto == v[i].proto && (uint32_t)v[i].lo <= (uint32_t)last->hi + 1) {
			if (v[i].hi > last->hi)
				last->hi = v[i].hi;
			continue;
		}
		v[m++] = v[i];
	}
	return m;
}

static char *prange_text(const struct prange *v, size_t n, bool ranges)
{
	char *text = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next;

		if (!ranges)
			next = xasprintf("%s%s%s/%u", text, i ? "," : "",
					 model_proto_name(v[i].proto), v[i].lo);
		else if (v[i].lo == 0 && v[i].hi == 65535)
			next = xasprintf("%s%s%s/all", text, i ? "," : "",
					 model_proto_name(v[i].proto));
		else
			next = xasprintf("%s%s%s/%u-%u", text, i ? "," : "",
					 model_proto_name(v[i].proto), v[i].lo, v[i].hi);
		free(text);
		text = next;
	}
	return text;
}

/* The set of proto . port tuples (ranges: an interval set). v is sorted and merged. */
static const char *ports_set(struct comp *k, const struct prange *v, size_t n, bool ranges)
{
	static const enum rs_type t[] = { RS_TYPE_PROTO, RS_TYPE_SERVICE };
	char *text = prange_text(v, n, ranges);
	char *key = xasprintf("%s|%s", ranges ? "prange" : "ports", text);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = xasprintf("%s %s", ranges ? "port ranges" : "ports", text);
		char *oname = obj_name(k, ranges ? "prange" : "ports", text, key);
		struct rs_set *s = new_set(k, oname, key, comment, t, 2,
					   ranges ? RS_SET_INTERVAL : 0);

		for (size_t i = 0; i < n; i++) {
			struct rs_elem *e = ruleset_set_add_elem(s);

			elem_put_proto_port(e->key, v[i].proto, v[i].lo);
			elem_put_proto_port(e->key_end, v[i].proto, v[i].hi);
		}
		name = s->name;
		free(comment);
		free(oname);
	}
	free(text);
	free(key);
	return name;
}

static int named_cmp(const void *a, const void *b)
{
	const struct np_port *x = *(const struct np_port *const *)a;
	const struct np_port *y = *(const struct np_port *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->proto > y->proto) - (x->proto < y->proto);
}

static void fill_named(struct comp *k, struct rs_set *s, const struct np_port **v, size_t n,
		       enum fam fam)
{
	unsigned off = fam == FAM_6 ? 16 : 4;

	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];
		const struct addr *a = pod_addr(p, fam);
		uint16_t port;

		if (!a || !model_pod_eligible(p))
			continue;
		for (size_t j = 0; j < n; j++) {
			struct rs_elem *e;

			if (!eval_pod_named_port(p, v[j]->name, v[j]->proto, &port))
				continue;
			e = ruleset_set_add_elem(s);
			elem_put_addr(e->key, a);
			elem_put_proto_port(e->key + off, v[j]->proto, port);
		}
	}
}

/*
 * The set of pod address . proto . port for named ports, resolved on every pod
 * that declares them: matched against the destination of a packet, it admits a
 * connection exactly when the destination pod gives the name that number.
 */
static const char *named_set(struct comp *k, const struct np_port **v, size_t n, enum fam fam)
{
	enum rs_type t[] = { fam == FAM_6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4, RS_TYPE_PROTO,
			     RS_TYPE_SERVICE };
	char *text = xstrdup("");
	char *key, *next;
	const char *name;

	for (size_t i = 0; i < n; i++) {
		next = xasprintf("%s%s%s/%s", text, i ? "," : "", v[i]->name,
				 model_proto_name(v[i]->proto));
		free(text);
		text = next;
	}
	key = xasprintf("named%d|%s", fam, text);
	name = strmap_get(k->objs, key);
	if (!name) {
		char *comment = xasprintf("named ports %s of all pods", text);
		char *oname = obj_name(k, fam == FAM_6 ? "named6" : "named4", text, key);
		struct rs_set *s = new_set(k, oname, key, comment, t, 3, 0);

		fill_named(k, s, v, n, fam);
		name = s->name;
		free(comment);
		free(oname);
	}
	free(text);
	free(key);
	return name;
}

static void fam_list(const struct comp *k, enum fam *out, size_t *n)
{
	*n = 0;
	if (k->fam4)
		out[(*n)++] = FAM_4;
	if (k->fam6)
		out[(*n)++] = FAM_6;
}

/* The address matches of a rule: one per peer (and family), or "any". */
static size_t rule_amatches(struct comp *k, const struct netpol *np, const struct np_rule *r,
			    struct amatch **out)
{
	enum fam fams[2];
	size_t nf, n = 0;

	fam_list(k, fams, &nf);
	if (!r->npeers) {
		*out = xcalloc(1, sizeof(**out));
		return 1;
	}
	*out = xcalloc(r->npeers * 2, sizeof(**out));
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer *p = &r->peers[i];

		if (p->flags & PEER_IPBLOCK) {
			(*out)[n].fam = p->cidr.family == AF_INET6 ? FAM_6 : FAM_4;
			(*out)[n++].set = ipblock_set(k, p);
			continue;
		}
		for (size_t j = 0; j < nf; j++) {
			(*out)[n].fam = fams[j];
			(*out)[n++].set = peer_pods_set(k, np, p, fams[j]);
		}
	}
	return n;
}

/* The port matches of a rule: exact ports, ranges, named ports per family, or "any". */
static size_t rule_pmatches(struct comp *k, const struct np_rule *r, struct pmatch *out)
{
	struct prange *exact = xcalloc(r->nports, sizeof(*exact));
	struct prange *ranges = xcalloc(r->nports, sizeof(*ranges));
	const struct np_port **named = xcalloc(r->nports, sizeof(*named));
	size_t ne = 0, nr = 0, nn = 0, n = 0, nf;
	enum fam fams[2];

	for (size_t i = 0; i < r->nports; i++) {
		const struct np_port *p = &r->ports[i];

		if (p->flags & PORT_NAMED)
			named[nn++] = p;
		else if (p->flags & PORT_RANGE)
			ranges[nr++] = (struct prange){ p->proto, p->port, p->end_port };
		else if (p->flags & PORT_NUMBER)
			exact[ne++] = (struct prange){ p->proto, p->port, p->port };
		else
			ranges[nr++] = (struct prange){ p->proto, 0, 65535 };
	}
	if (!r->nports)
		out[n++] = (struct pmatch){ FAM_ANY, PM_ANY, NULL };
	if (ne)
		out[n++] = (struct pmatch){ FAM_ANY, PM_PORTS,
					    ports_set(k, exact, prange_merge(exact, ne), false) };
	if (nr)
		out[n++] = (struct pmatch){ FAM_ANY, PM_PORTS,
					    ports_set(k, ranges, prange_merge(ranges, nr), true) };
	if (nn) {
		size_t m = 0;

		xqsort(named, nn, sizeof(*named), named_cmp);
		for (size_t i = 0; i < nn; i++)
			if (!m || named_cmp(&named[m - 1], &named[i]))
				named[m++] = named[i];
		fam_list(k, fams, &nf);
		for (size_t j = 0; j < nf; j++)
			out[n++] = (struct pmatch){ fams[j], PM_NAMED,
						    named_set(k, named, m, fams[j]) };
	}
	free(exact);
	free(ranges);
	free(named);
	return n;
}

static enum rs_field addr_field(enum fam fam, bool src)
{
	if (fam == FAM_6)
		return src ? RS_F_IP6_SADDR : RS_F_IP6_DADDR;
	return src ? RS_F_IP_SADDR : RS_F_IP_DADDR;
}

static bool rule_exists(const struct rs_chain *c, const struct rs_rule *r)
{
	for (size_t i = 0; i + 1 < c->nrules; i++)
		if (ruleset_rule_eq(&c->rules[i], r))
			return true;
	return false;
}

/* Append "[peer address] [ports] accept" to c, unless an equal rule is there. */
static void emit_rule(struct rs_chain *c, enum dir dir, const struct amatch *a,
		      const struct pmatch *p)
{
	enum fam fam = a->fam ? a->fam : p->fam;
	struct rs_rule *r = ruleset_chain_add_rule(c);

	if (a->set) {
		enum rs_field f = addr_field(fam, dir == DIR_INGRESS);

		ruleset_rule_add_match(r, RS_MATCH_SET, a->set, &f, 1);
	}
	if (p->kind == PM_PORTS) {
		static const enum rs_field f[] = { RS_F_L4PROTO, RS_F_TH_DPORT };

		ruleset_rule_add_match(r, RS_MATCH_SET, p->set, f, 2);
	} else if (p->kind == PM_NAMED) {
		enum rs_field f[] = { addr_field(fam, false), RS_F_L4PROTO, RS_F_TH_DPORT };

		ruleset_rule_add_match(r, RS_MATCH_SET, p->set, f, 3);
	}
	r->verdict = RS_VERDICT_ACCEPT;
	if (rule_exists(c, r)) {
		for (unsigned i = 0; i < r->nm; i++)
			free(r->m[i].set);
		c->nrules--;
	}
}

static void lower_rule(struct comp *k, const struct netpol *np, enum dir dir,
		       const struct np_rule *r, size_t chain)
{
	struct amatch *am = NULL;
	struct pmatch pm[5];
	size_t na = rule_amatches(k, np, r, &am);
	size_t np_ = rule_pmatches(k, r, pm);
	struct rs_chain *c = &k->rs->chains[chain];	/* only sets are added below */

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < np_; j++)
			if (!am[i].fam || !pm[j].fam || am[i].fam == pm[j].fam)
				emit_rule(c, dir, &am[i], &pm[j]);
	free(am);
}

/* The chain of one policy direction, made on first use; NULL when it has no rule. */
static const char *policy_chain(struct comp *k, const struct netpol *np, enum dir dir)
{
	char *key, *readable, *oname, *comment, *name;
	size_t ci;

	if (!np->nrules[dir])
		return NULL;
	key = xasprintf("pol|%s|%s/%s", dir_names[dir], np->ns, np->name);
	name = strmap_get(k->objs, key);
	if (name) {
		free(key);
		return name;
	}
	readable = xasprintf("%s_%s", np->ns, np->name);
	oname = obj_name(k, dir == DIR_INGRESS ? "pol_in" : "pol_out", readable, key);
	comment = xasprintf("NetworkPolicy %s/%s %s", np->ns, np->name, dir_names[dir]);
	name = ruleset_add_chain(k->rs, oname, comment)->name;
	ci = k->rs->nchains - 1;
	strmap_put(k->objs, key, name);
	for (size_t i = 0; i < np->nrules[dir]; i++)
		lower_rule(k, np, dir, &np->rules[dir][i], ci);
	free(key);
	free(readable);
	free(oname);
	free(comment);
	return name;
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

/* Every (local pod, policy) pair where the policy isolates the pod in dir, sorted. */
static size_t collect_assigns(struct comp *k, enum dir dir, struct assign **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < k->c->npols; i++) {
		const struct netpol *np = &k->c->pols[i];
		struct pod_list pl = { 0 };

		if (!(np->types & DIR_FLAG(dir)))
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

static char *group_text(const struct comp *k, const struct assign *a, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s/%s", i ? ", " : "", k->c->pols[a[i].pol].ns,
			k->c->pols[a[i].pol].name);
	fclose(f);
	return buf;
}

/* The key of a group: its policies' indexes (stable within one compilation). */
static char *group_key(enum dir dir, const struct assign *a, size_t n)
{
	size_t cap = 16 + n * 21, len;
	char *buf = xmalloc(cap);

	len = (size_t)snprintf(buf, cap, "grp|%d", dir);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, ",%zu", a[i].pol);
	return buf;
}

/*
 * The chain of the pods isolated in dir by exactly the policies of a[0..n): it
 * tries each policy's chain in turn and drops what none of them accepts. Its
 * name derives from the policies' namespace/name, not from their indexes.
 */
static const char *group_chain(struct comp *k, enum dir dir, const struct assign *a, size_t n)
{
	char *key = group_key(dir, a, n);
	char *name = strmap_get(k->objs, key);
	const char **targets;
	char *text, *nkey, *comment, *oname;
	struct rs_chain *c;

	if (name) {
		free(key);
		return name;
	}
	targets = xcalloc(n, sizeof(*targets));
	for (size_t i = 0; i < n; i++)
		targets[i] = policy_chain(k, &k->c->pols[a[i].pol], dir);
	text = group_text(k, a, n);
	nkey = xasprintf("grp|%s|%s", dir_names[dir], text);
	comment = xasprintf("%s of pods selected by %s", dir_names[dir], text);
	oname = obj_name(k, dir == DIR_INGRESS ? "grp_in" : "grp_out", "", nkey);
	c = ruleset_add_chain(k->rs, oname, comment);
	for (size_t i = 0; i < n; i++) {
		struct rs_rule *r;

		if (!targets[i])
			continue;
		r = ruleset_chain_add_rule(c);
		r->verdict = RS_VERDICT_JUMP;
		r->target = xstrdup(targets[i]);
	}
	ruleset_chain_add_rule(c)->verdict = RS_VERDICT_DROP;
	name = c->name;
	strmap_put(k->objs, key, name);
	free(targets);
	free(text);
	free(nkey);
	free(comment);
	free(oname);
	free(key);
	return name;
}

static void dispatch_add(struct dispatch_list *l, const struct addr *ip, const char *chain,
			 const struct pod *pod)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = (struct dispatch){ ip, chain, pod };
}

/* Group the local pods isolated in dir and record where each pod IP dispatches. */
static void lower_direction(struct comp *k, enum dir dir)
{
	struct assign *a = NULL;
	size_t n = collect_assigns(k, dir, &a);

	for (size_t i = 0, j; i < n; i = j) {
		const struct pod *pod = &k->c->pods[a[i].pod];
		const char *chain;

		for (j = i; j < n && a[j].pod == a[i].pod; j++)
			;
		chain = group_chain(k, dir, &a[i], j - i);
		for (size_t f = 0; f < pod->nips; f++)
			dispatch_add(&k->maps[dir][pod->ips[f].family == AF_INET6], &pod->ips[f],
				     chain, pod);
	}
	free(a);
}

static int dispatch_cmp(const void *a, const void *b)
{
	const struct dispatch *x = a, *y = b;

	return memcmp(x->ip->a, y->ip->a, 16);
}

/*
 * A verdict map from local pod address to group chain. Two local pods holding
 * one address (a stale pod not yet gone) cannot both be dispatched: the first by
 * namespace/name keeps it and a warning names both.
 */
static void build_map(struct comp *k, enum dir dir, bool v6)
{
	struct dispatch_list *l = &k->maps[dir][v6];
	enum rs_type t = v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *name = xasprintf("pod_%s%d", dir_names[dir], v6 ? 6 : 4);
	char *comment = xasprintf("local pod IPv%d address to the %s chain of its policies",
				  v6 ? 6 : 4, dir_names[dir]);
	struct rs_set *s = ruleset_add_set(k->rs, name, comment, &t, 1, RS_SET_VMAP);

	xqsort(l->v, l->n, sizeof(*l->v), dispatch_cmp);
	for (size_t i = 0; i < l->n; i++) {
		struct rs_elem *e;

		if (i && !dispatch_cmp(&l->v[i - 1], &l->v[i])) {
			diag_add(k->d, DIAG_WARNING, NULL, 0, NULL, NULL,
				 "pods %s/%s and %s/%s share an address; %s is enforced for %s/%s",
				 l->v[i - 1].pod->ns, l->v[i - 1].pod->name, l->v[i].pod->ns,
				 l->v[i].pod->name, dir_names[dir], l->v[i - 1].pod->ns,
				 l->v[i - 1].pod->name);
			continue;
		}
		e = ruleset_set_add_elem(s);
		elem_put_addr(e->key, l->v[i].ip);
		e->chain = xstrdup(l->v[i].chain);
	}
	free(l->v);
	free(name);
	free(comment);
}

/* pod address . pod address for every local pod: a pod may always reach itself. */
static void build_self(struct comp *k, bool v6)
{
	enum rs_type t[] = { v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4, v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4 };
	unsigned len = v6 ? 16 : 4;
	struct rs_set *s = ruleset_add_set(k->rs, v6 ? "self6" : "self4",
					   "local pod to itself (hairpin through its Service)",
					   t, 2, 0);

	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];
		const struct addr *a = pod_addr(p, v6 ? FAM_6 : FAM_4);
		struct rs_elem *e;

		if (!a || !model_pod_eligible(p) || !pod_is_local(k, p))
			continue;
		e = ruleset_set_add_elem(s);
		memcpy(e->key, a->a, len);
		memcpy(e->key + len, a->a, len);
	}
}

static void add_match(struct rs_rule *r, enum rs_match_kind kind, const char *set,
		      enum rs_field f1, enum rs_field f2)
{
	enum rs_field f[] = { f1, f2 };

	ruleset_rule_add_match(r, kind, set, f, set && f2 != f1 ? 2 : 1);
}

/*
 * A base chain on the forward hook: replies pass, a pod reaches itself, and
 * every other packet to (ingress) or from (egress) a local isolated pod goes to
 * the chain of its policies through the verdict maps.
 */
static void build_base(struct comp *k, enum dir dir)
{
	bool in = dir == DIR_INGRESS;
	char *name = xasprintf("base_%s", dir_names[dir]);
	char *m4 = xasprintf("pod_%s4", dir_names[dir]), *m6 = xasprintf("pod_%s6", dir_names[dir]);
	struct rs_chain *c = ruleset_add_chain(k->rs, name, in ?
		"NetworkPolicy ingress: packets to local pods" :
		"NetworkPolicy egress: packets from local pods");
	struct rs_rule *r;

	c->hook = RS_HOOK_FORWARD;
	c->prio = in ? 0 : 1;
	r = ruleset_chain_add_rule(c);
	r->m[r->nm].kind = RS_MATCH_CT_STATE;
	r->m[r->nm++].ct_state = RS_CT_ESTABLISHED | RS_CT_RELATED;
	r->verdict = RS_VERDICT_ACCEPT;
	add_match(r = ruleset_chain_add_rule(c), RS_MATCH_SET, "self4", RS_F_IP_SADDR,
		  RS_F_IP_DADDR);
	r->verdict = RS_VERDICT_ACCEPT;
	add_match(r = ruleset_chain_add_rule(c), RS_MATCH_SET, "self6", RS_F_IP6_SADDR,
		  RS_F_IP6_DADDR);
	r->verdict = RS_VERDICT_ACCEPT;
	add_match(ruleset_chain_add_rule(c), RS_MATCH_VMAP, m4,
		  in ? RS_F_IP_DADDR : RS_F_IP_SADDR, in ? RS_F_IP_DADDR : RS_F_IP_SADDR);
	add_match(ruleset_chain_add_rule(c), RS_MATCH_VMAP, m6,
		  in ? RS_F_IP6_DADDR : RS_F_IP6_SADDR, in ? RS_F_IP6_DADDR : RS_F_IP6_SADDR);
	free(name);
	free(m4);
	free(m6);
}

static void find_families(struct comp *k)
{
	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];

		if (!model_pod_eligible(p))
			continue;
		k->fam4 |= pod_addr(p, FAM_4) != NULL;
		k->fam6 |= pod_addr(p, FAM_6) != NULL;
	}
	if (!k->fam6)
		k->fam4 = true;
}

/*
 * Compile the NetworkPolicies of sealed cluster c for node (NULL: treat every pod
 * as local) into out, which must be uninitialised; the caller frees it with
 * ruleset_fini(). Warnings go to d. Returns 0.
 */
int compile_cluster(const struct cluster *c, const char *node, struct ruleset *out,
		    struct diag_list *d)
{
	struct comp k = { .c = c, .node = node, .rs = out, .d = d };

	ruleset_init(out, COMPILE_TABLE);
	out->comment = node ? xasprintf("Kubernetes NetworkPolicy for node %s, managed by nftpol",
					node)
			    : xstrdup("Kubernetes NetworkPolicy, managed by nftpol");
	out->comment[strnlen(out->comment, RS_COMMENT_MAX)] = '\0';
	k.e = eval_new(c);
	k.objs = strmap_new();
	k.names = strmap_new();
	find_families(&k);
	for (int dir = 0; dir < DIR_COUNT; dir++)
		lower_direction(&k, dir);
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		build_map(&k, dir, false);
		build_map(&k, dir, true);
		build_base(&k, dir);
	}
	build_self(&k, false);
	build_self(&k, true);
	ruleset_seal(out);
	for (size_t i = 0; i < k.nkeys; i++)
		free(k.keys[i]);
	free(k.keys);
	strmap_free(k.objs);
	strmap_free(k.names);
	eval_free(k.e);
	return 0;
}
