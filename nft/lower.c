// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lowering one policy direction (see lower.h): a chain with one rule per peer
 * and port form, matching sets shared by canonical key across policies (peer
 * pods by selector, ipBlocks and port lists by content, named ports resolved on
 * every pod that declares them), and the stable, readable names of objects.
 */
#include "nft/compile_int.h"
#include "nft/incr.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "policy/eval.h"
#include "policy/selector.h"
#include "base/strmap.h"
#include "base/xalloc.h"

#define READABLE_MAX 40 /* bytes of an object name taken from Kubernetes names */

/* Port tuples gathered from one rule, for the shared port sets. */
struct prange {
	uint8_t proto;
	uint16_t lo, hi;
};

#define PRANGE_JOIN_ADJACENT 0x1 /* prange_merge(): join ranges that touch */

static const char *const dir_names[DIR_COUNT] = { "ingress", "egress" };

/* "ingress" or "egress". */
const char *lower_dir_name(enum dir dir)
{
	return dir_names[dir];
}

/* The address of family fam of pod p, or NULL. */
const struct addr *lower_pod_addr(const struct pod *p, enum lower_fam fam)
{
	int af = fam == LOWER_FAM_6 ? AF_INET6 : AF_INET;

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
char *lower_obj_name(struct lower *k, const char *prefix, const char *readable, const char *key)
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

/*
 * The object called name is gone: its canonical key no longer names it (objs),
 * and the name is free again (names), as in a compilation that never made it.
 */
void lower_forget(struct strmap *objs, struct strmap *names, const char *name)
{
	const char *key = strmap_get(names, name);

	if (key)
		strmap_put(objs, key, NULL);
	strmap_put(names, name, NULL);
}

/* Write the address a into an element key at dst (4 or 16 bytes). */
void lower_put_addr(uint8_t *dst, const struct addr *a)
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

struct rs_set *lower_new_set(struct lower *k, const char *name, const char *key,
			     const char *comment, const enum rs_type *t, unsigned nt,
			     unsigned flags)
{
	struct rs_set *s = ruleset_add_set(k->rs, name, comment, t, nt, flags);

	strmap_put(k->objs, key, s->name);
	return s;
}

static void fill_pods(struct lower *k, struct rs_set *s, const struct pod_list *pl,
		      enum lower_fam fam)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct addr *a = lower_pod_addr(&k->c->pods[pl->v[i]], fam);

		if (a)
			lower_put_addr(ruleset_set_add_elem(s)->key, a);
	}
}

/*
 * The set of the addresses of family fam of the pods a selector peer of np
 * stands for (np may be NULL when the peer has a namespace selector).
 */
const char *lower_pods_set(struct lower *k, const struct netpol *np, const struct peer *p,
			   enum lower_fam fam)
{
	enum rs_type t = fam == LOWER_FAM_6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *psel = p->flags & PEER_POD_SEL ? selector_to_string(&p->pod_sel) : xstrdup("{}");
	char *nsel = p->flags & PEER_NS_SEL ? selector_to_string(&p->ns_sel) : NULL;
	char *key = xasprintf("pods%d|%s|%s|%s", fam, nsel ? "*" : np->ns, nsel ? nsel : "-", psel);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = nsel ? xasprintf("pods %s in namespaces %s", psel, nsel)
				     : xasprintf("pods %s in namespace %s", psel, np->ns);
		char *readable = xasprintf("%s_%s", nsel ? nsel : np->ns, psel);
		char *oname =
			lower_obj_name(k, fam == LOWER_FAM_6 ? "pods6" : "pods4", readable, key);
		struct pod_list pl = { 0 };
		struct rs_set *s = lower_new_set(k, oname, key, comment, &t, 1, 0);

		eval_peer_pods(k->e, np, p, &pl);
		fill_pods(k, s, &pl, fam);
		if (k->o->recipe)
			incr_note_pods(k->o->recipe, s->name, fam == LOWER_FAM_6, np, p);
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
static const char *ipblock_set(struct lower *k, const struct peer *p)
{
	bool v6 = p->cidr.family == AF_INET6;
	enum rs_type t = v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	char *text = ipblock_text(p);
	char *key = xasprintf("cidr|%s", text);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = xasprintf("ipBlock %s", text);
		char *oname = lower_obj_name(k, v6 ? "cidr6" : "cidr4", text, key);
		struct rs_set *s = lower_new_set(k, oname, key, comment, &t, 1, RS_SET_INTERVAL);
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

/*
 * Sort v and merge ranges of one protocol that overlap (sets reject overlaps),
 * and with PRANGE_JOIN_ADJACENT also those that touch (80-81 and 82-90 make
 * 80-90). Exact ports must not join: an element holds one port, so 80 and 81
 * joined would program 80 alone.
 */
static size_t prange_merge(struct prange *v, size_t n, unsigned flags)
{
	uint32_t gap = flags & PRANGE_JOIN_ADJACENT ? 1 : 0;
	size_t m = 0;

	xqsort(v, n, sizeof(*v), prange_cmp);
	for (size_t i = 0; i < n; i++) {
		struct prange *last = m ? &v[m - 1] : NULL;

		if (last && last->proto == v[i].proto &&
		    (uint32_t)v[i].lo <= (uint32_t)last->hi + gap) {
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
static const char *ports_set(struct lower *k, const struct prange *v, size_t n, bool ranges)
{
	static const enum rs_type t[] = { RS_TYPE_PROTO, RS_TYPE_SERVICE };
	char *text = prange_text(v, n, ranges);
	char *key = xasprintf("%s|%s", ranges ? "prange" : "ports", text);
	const char *name = strmap_get(k->objs, key);

	if (!name) {
		char *comment = xasprintf("%s %s", ranges ? "port ranges" : "ports", text);
		char *oname = lower_obj_name(k, ranges ? "prange" : "ports", text, key);
		struct rs_set *s =
			lower_new_set(k, oname, key, comment, t, 2, ranges ? RS_SET_INTERVAL : 0);

		for (size_t i = 0; i < n; i++) {
			struct rs_elem *e = ruleset_set_add_elem(s);

			elem_put_proto_port(e->key, v[i].proto, v[i].lo);
			if (ranges)
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

static void fill_named(struct lower *k, struct rs_set *s, const struct np_port **v, size_t n,
		       enum lower_fam fam)
{
	unsigned off = fam == LOWER_FAM_6 ? 16 : 4;

	for (size_t i = 0; i < k->c->npods; i++) {
		const struct pod *p = &k->c->pods[i];
		const struct addr *a = lower_pod_addr(p, fam);
		const struct pod_port *pp;

		if (!a || !model_pod_eligible(p))
			continue;
		for (size_t j = 0; j < n; j++) {
			size_t np = eval_pod_named_ports(p, v[j]->name, v[j]->proto, &pp);

			for (size_t m = 0; m < np; m++) {
				struct rs_elem *e = ruleset_set_add_elem(s);

				lower_put_addr(e->key, a);
				elem_put_proto_port(e->key + off, pp[m].proto, pp[m].port);
			}
		}
	}
}

/*
 * The set of pod address . proto . port for named ports, resolved on every pod
 * that declares them: matched against the destination of a packet, it admits a
 * connection exactly when the destination pod gives the name that number.
 */
static const char *named_set(struct lower *k, const struct np_port **v, size_t n,
			     enum lower_fam fam)
{
	enum rs_type t[] = { fam == LOWER_FAM_6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4, RS_TYPE_PROTO,
			     RS_TYPE_SERVICE };
	char *text = xstrdup("");
	char *key, *next;
	const char *name;

	for (size_t i = 0; i < n; i++) {
		next = xasprintf("%s%s%s/%s", text, i ? "," : "", v[i]->name,
				 v[i]->proto ? model_proto_name(v[i]->proto) : "any");
		free(text);
		text = next;
	}
	key = xasprintf("named%d|%s", fam, text);
	name = strmap_get(k->objs, key);
	if (!name) {
		char *comment = xasprintf("named ports %s of all pods", text);
		char *oname =
			lower_obj_name(k, fam == LOWER_FAM_6 ? "named6" : "named4", text, key);
		struct rs_set *s = lower_new_set(k, oname, key, comment, t, 3, 0);

		fill_named(k, s, v, n, fam);
		name = s->name;
		if (k->o->recipe)
			incr_note_named(k->o->recipe, s->name, fam == LOWER_FAM_6, v, n);
		free(comment);
		free(oname);
	}
	free(text);
	free(key);
	return name;
}

/* The address families pods use, in out (at most 2); how many in *n. */
void lower_fam_list(const struct lower *k, enum lower_fam *out, size_t *n)
{
	*n = 0;
	if (k->fam4)
		out[(*n)++] = LOWER_FAM_4;
	if (k->fam6)
		out[(*n)++] = LOWER_FAM_6;
}

/* The address matches of a rule: one per peer (and family), or "any". */
static size_t rule_amatches(struct lower *k, const struct netpol *np, const struct np_rule *r,
			    struct amatch **out)
{
	enum lower_fam fams[2];
	size_t nf, n = 0;

	lower_fam_list(k, fams, &nf);
	if (!r->npeers) {
		*out = xcalloc(1, sizeof(**out));
		return 1;
	}
	*out = xcalloc(r->npeers * 2, sizeof(**out));
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer *p = &r->peers[i];

		if (p->flags & PEER_IPBLOCK) {
			(*out)[n].fam = p->cidr.family == AF_INET6 ? LOWER_FAM_6 : LOWER_FAM_4;
			(*out)[n++].set = ipblock_set(k, p);
			continue;
		}
		for (size_t j = 0; j < nf; j++) {
			(*out)[n].fam = fams[j];
			(*out)[n++].set = lower_pods_set(k, np, p, fams[j]);
		}
	}
	return n;
}

/*
 * The port matches of a rule's nports ports (at most LOWER_PMATCH_MAX): exact
 * ports, ranges, named ports per family, or "any" when there are none.
 */
size_t lower_pmatches(struct lower *k, const struct np_port *ports, size_t nports,
		      struct pmatch *out)
{
	struct prange *exact = xcalloc(nports, sizeof(*exact));
	struct prange *ranges = xcalloc(nports, sizeof(*ranges));
	const struct np_port **named = xcalloc(nports, sizeof(*named));
	size_t ne = 0, nr = 0, nn = 0, n = 0, nf;
	enum lower_fam fams[2];

	for (size_t i = 0; i < nports; i++) {
		const struct np_port *p = &ports[i];

		if (p->flags & PORT_NAMED)
			named[nn++] = p;
		else if (p->flags & PORT_RANGE)
			ranges[nr++] = (struct prange){ p->proto, p->port, p->end_port };
		else if (p->flags & PORT_NUMBER)
			exact[ne++] = (struct prange){ p->proto, p->port, p->port };
		else
			ranges[nr++] = (struct prange){ p->proto, 0, 65535 };
	}
	if (!nports)
		out[n++] = (struct pmatch){ LOWER_FAM_ANY, PM_ANY, NULL };
	if (ne)
		out[n++] =
			(struct pmatch){ LOWER_FAM_ANY, PM_PORTS,
					 ports_set(k, exact, prange_merge(exact, ne, 0), false) };
	if (nr)
		out[n++] = (struct pmatch){
			LOWER_FAM_ANY, PM_PORTS,
			ports_set(k, ranges, prange_merge(ranges, nr, PRANGE_JOIN_ADJACENT), true)
		};
	if (nn) {
		size_t m = 0;

		xqsort(named, nn, sizeof(*named), named_cmp);
		for (size_t i = 0; i < nn; i++)
			if (!m || named_cmp(&named[m - 1], &named[i]))
				named[m++] = named[i];
		lower_fam_list(k, fams, &nf);
		for (size_t j = 0; j < nf; j++)
			out[n++] = (struct pmatch){ fams[j], PM_NAMED,
						    named_set(k, named, m, fams[j]) };
	}
	free(exact);
	free(ranges);
	free(named);
	return n;
}

static enum rs_field addr_field(enum lower_fam fam, bool src)
{
	if (fam == LOWER_FAM_6)
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

/* Append to c a rule of the matches of a and p (none yet for the statements). */
static struct rs_rule *add_matched(struct rs_chain *c, enum dir dir, const struct amatch *a,
				   const struct pmatch *p)
{
	enum lower_fam fam = a->fam ? a->fam : p->fam;
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
	return r;
}

/* Drop the last rule of c again when an equal one is already there. */
static void drop_if_repeated(struct rs_chain *c)
{
	struct rs_rule *r = &c->rules[c->nrules - 1];

	if (!rule_exists(c, r))
		return;
	for (unsigned i = 0; i < r->nm; i++)
		free(r->m[i].set);
	free(r->target);
	free(r->counter);
	free(r->log_prefix);
	c->nrules--;
}

/*
 * Make r send the packet to the denied-log NFLOG group, rate-limited in the
 * kernel, with the counter's name as prefix (the agent finds what it counts
 * by it). Nothing without --log-denied.
 */
void lower_log(struct lower *k, struct rs_rule *r, const char *counter)
{
	char *prefix;

	if (!k->o->log_group || !counter)
		return;
	prefix = xasprintf("%s%s", COMPILE_LOG_PREFIX, counter);
	r->limit_rate = k->o->log_rate;
	r->limit_burst = k->o->log_burst;
	ruleset_rule_set_log(r, prefix, k->o->log_group);
	free(prefix);
}

/*
 * Append "[peer address] [ports] [counter] verdict" to c (target: the chain of
 * a jump), unless an equal rule is there; with act->log, a rule with the same
 * matches that logs the packet comes first.
 */
void lower_emit(struct lower *k, struct rs_chain *c, enum dir dir, const struct amatch *a,
		const struct pmatch *p, const struct lower_action *act)
{
	struct rs_rule *r;

	if (act->log && k->o->log_group && act->counter) {
		lower_log(k, add_matched(c, dir, a, p), act->counter);
		drop_if_repeated(c);
	}
	r = add_matched(c, dir, a, p);
	r->verdict = act->verdict;
	r->target = act->target ? xstrdup(act->target) : NULL;
	if (act->counter)
		ruleset_rule_set_counter(r, act->counter);
	drop_if_repeated(c);
}

/*
 * The named counter of canonical key (made on first use, with comment, and
 * recorded with what it counts for the metrics); NULL with --no-counters.
 * Takes key, readable and comment (all freed here).
 */
const char *lower_counter(struct lower *k, char *key, char *readable, char *comment,
			  const struct lower_ctr_info *info)
{
	char *ckey = xasprintf("ctr|%s", key), *oname;
	const char *name = strmap_get(k->objs, ckey);
	struct rs_counter *rc;
	struct compile_ctr *m;

	free(key);
	if (k->o->no_counters || name) {
		free(ckey);
		free(readable);
		free(comment);
		return name;
	}
	comment[strnlen(comment, RS_COMMENT_MAX)] = '\0';
	oname = lower_obj_name(k, "ctr", readable, ckey);
	rc = ruleset_add_counter(k->rs, oname, comment);
	name = rc->name;
	strmap_put(k->objs, ckey, rc->name);
	if (k->o->meta) {
		XGROW(k->o->meta->v, k->o->meta->cap, k->o->meta->n);
		m = &k->o->meta->v[k->o->meta->n++];
		*m = (struct compile_ctr){ .kind = info->kind,
					   .dir = info->dir,
					   .rule = info->rule,
					   .source = info->source,
					   .tier = info->tier,
					   .action = info->action };
		m->name = xstrdup(oname);
		m->ns = xstrdup(info->ns ? info->ns : "");
		m->policy = xstrdup(info->policy ? info->policy : "");
		m->rule_name = xstrdup(info->rule_name ? info->rule_name : "");
	}
	free(oname);
	free(ckey);
	free(readable);
	free(comment);
	return name;
}

/* The counter of the packets rule ri of np's dir admits. */
static const char *rule_counter(struct lower *k, const struct netpol *np, enum dir dir, size_t ri)
{
	struct lower_ctr_info info = {
		.kind = COMPILE_CTR_ACCEPT, .dir = dir, .ns = np->ns, .policy = np->name, .rule = ri
	};

	return lower_counter(k, xasprintf("np|%s|%s/%s|%zu", dir_names[dir], np->ns, np->name, ri),
			     xasprintf("%s_%s_%s%zu", np->ns, np->name,
				       dir == DIR_INGRESS ? "in" : "out", ri),
			     xasprintf("NetworkPolicy %s/%s %s[%zu] accept", np->ns, np->name,
				       dir_names[dir], ri),
			     &info);
}

static void lower_rule(struct lower *k, const struct netpol *np, enum dir dir, size_t ri,
		       size_t chain)
{
	const struct np_rule *r = &np->rules[dir][ri];
	struct amatch *am = NULL;
	struct pmatch pm[LOWER_PMATCH_MAX];
	size_t na = rule_amatches(k, np, r, &am);
	size_t np_ = lower_pmatches(k, r->ports, r->nports, pm);
	struct lower_action act = { .verdict = RS_VERDICT_ACCEPT,
				    .counter = rule_counter(k, np, dir, ri) };
	struct rs_chain *c = &k->rs->chains[chain]; /* only sets are added below */

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < np_; j++)
			if (!am[i].fam || !pm[j].fam || am[i].fam == pm[j].fam)
				lower_emit(k, c, dir, &am[i], &pm[j], &act);
	free(am);
}

/* The chain of one policy direction, made on first use; NULL when it has no rule. */
const char *lower_policy_chain(struct lower *k, const struct netpol *np, enum dir dir)
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
	oname = lower_obj_name(k, dir == DIR_INGRESS ? "pol_in" : "pol_out", readable, key);
	comment = xasprintf("NetworkPolicy %s/%s %s", np->ns, np->name, dir_names[dir]);
	name = ruleset_add_chain(k->rs, oname, comment)->name;
	ci = k->rs->nchains - 1;
	strmap_put(k->objs, key, name);
	for (size_t i = 0; i < np->nrules[dir]; i++)
		lower_rule(k, np, dir, i, ci);
	free(key);
	free(readable);
	free(oname);
	free(comment);
	return name;
}
