// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental compilation (see incr.h). The recipe mirrors what compile.c and
 * lower.c do per pod, one pod at a time: lower_pods_set() fills a set with the
 * addresses of the pods a peer stands for (eval_peer_pods), named_set() with
 * address . proto . port of the pods' named ports, lower_direction() sends a
 * local pod's addresses to the group chain of the policies isolating it,
 * build_self() and failclosed_put() list the local pods. A pod's "elements"
 * are what it puts into those sets; a change removes the old version's and adds
 * the new version's, and the difference is sent. Where a local pod is
 * dispatched to now comes from the policies as they are; where it was, from the
 * table's verdict maps (so policies may have changed in between: then the
 * chains that depend on them are lowered again under their names, see
 * plan_rewrites()).
 */
#include "nft/incr.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nft/compile_int.h"
#include "policy/eval.h"
#include "policy/selector.h"
#include "base/strmap.h"
#include "base/xalloc.h"

struct idx_list {
	size_t *v;
	size_t n, cap;
};

/* A set of the addresses of the pods one selector peer stands for. */
struct pods_rec {
	char *set;
	bool v6;
	char *ns;      /* the policy's namespace (a peer without namespace selector) */
	struct peer p; /* a copy: the recipe outlives the policy */
};

struct named_port {
	char *name;
	uint8_t proto;
};

/* A set of address . proto . port of some named ports of every pod. */
struct named_rec {
	char *set;
	bool v6;
	struct named_port *ports;
	size_t n;
};

/* A group chain and how many map elements send packets to it. */
struct group {
	char *key;
	char *chain; /* NULL: removed (no pod left) */
	size_t refs;
};

/* What one namespace needs looked at. */
struct nsidx {
	struct idx_list own;   /* pods_rec of policies here, without a namespace selector */
	struct idx_list pols;  /* policies here (indexes into the cluster's) */
	struct idx_list match; /* pods_rec with a namespace selector matching it */
	bool matched;	       /* match computed */
};

/* Eligible pods per address: the elements of an address shared are not one pod's. */
struct addr_slot {
	uint8_t a[16];
	uint8_t family; /* 0: free */
	uint32_t count;
};

struct incr_addr_change {
	struct addr a;
	int d;
};

/* A local pod joins (d = 1) or leaves (-1) a group (g, or the need-th new one). */
struct incr_gref {
	struct group *g;
	int d;
	size_t need;
};

/* A group chain the table lacks, made by incr_delta() as the compiler would. */
struct incr_need {
	enum dir dir;
	bool audit;
	size_t *pols;
	size_t n;
	char *key; /* owned; map elements carry it as their chain until it is made */
	struct group *g;
};

/* A chain the table has that a delta makes anew, under the same name. */
struct incr_rewrite {
	enum dir dir;
	bool audit;
	size_t pol;	 /* a policy's chain: the policy's index; SIZE_MAX: a group's */
	struct group *g; /* a group's chain */
	size_t *pols, n; /* the group's policies (indexes), owned */
};

struct incr {
	bool usable; /* recorded from a compilation it can follow */
	char *node;  /* NULL: every pod is local */
	bool audit_all;
	bool fam[2];
	size_t famcount[2]; /* eligible pods with an address of each family */
	struct pods_rec *pods;
	size_t npods, cappods;
	struct named_rec *named;
	size_t nnamed, capnamed;
	struct strmap *groups; /* group key -> struct group */
	struct group **gv;
	size_t ngv, capgv;
	struct strmap *chains; /* chain name -> struct group */
	struct strmap *by_ns;  /* namespace -> struct nsidx */
	struct nsidx **nsv;
	size_t nnsv, capnsv;
	char **nsnames;
	struct idx_list nssel; /* pods_rec with a namespace selector */
	const struct netpol *pols;
	size_t npols;
	struct addr_slot *at;
	size_t atcap, atn;
	/* the compiler's names, to make a new group chain as it would */
	struct strmap *objs, *names;
	char **keys;
	size_t nkeys, capkeys;
	struct compile_opts opts;
	const struct cluster *(*seal)(void *arg); /* the cluster sealed, to lower a policy */
	void *seal_arg;
};

static void idx_add(struct idx_list *l, size_t i)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = i;
}

struct incr *incr_new(void)
{
	struct incr *r = xcalloc(1, sizeof(*r));

	r->groups = strmap_new();
	r->chains = strmap_new();
	r->by_ns = strmap_new();
	r->usable = true;
	return r;
}

void incr_free(struct incr *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npods; i++) {
		free(r->pods[i].set);
		free(r->pods[i].ns);
		model_peer_fini(&r->pods[i].p);
	}
	free(r->pods);
	for (size_t i = 0; i < r->nnamed; i++) {
		for (size_t j = 0; j < r->named[i].n; j++)
			free(r->named[i].ports[j].name);
		free(r->named[i].ports);
		free(r->named[i].set);
	}
	free(r->named);
	for (size_t i = 0; i < r->ngv; i++) {
		free(r->gv[i]->key);
		free(r->gv[i]->chain);
		free(r->gv[i]);
	}
	free(r->gv);
	for (size_t i = 0; i < r->nnsv; i++) {
		free(r->nsv[i]->own.v);
		free(r->nsv[i]->pols.v);
		free(r->nsv[i]->match.v);
		free(r->nsv[i]);
		free(r->nsnames[i]);
	}
	free(r->nsv);
	free(r->nsnames);
	free(r->nssel.v);
	free(r->at);
	free(r->node);
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	strmap_free(r->objs);
	strmap_free(r->names);
	strmap_free(r->groups);
	strmap_free(r->chains);
	strmap_free(r->by_ns);
	free(r);
}

/* Whether the recipe can follow pod changes (no cluster network policies). */
bool incr_usable(const struct incr *r)
{
	return r && r->usable;
}

/* -- recording ------------------------------------------------------------ */

void incr_note_pods(struct incr *r, const char *set, bool v6, const struct netpol *np,
		    const struct peer *p)
{
	if (!np) { /* a cluster network policy's peer, made up on the stack */
		r->usable = false;
		return;
	}
	XGROW(r->pods, r->cappods, r->npods);
	r->pods[r->npods] = (struct pods_rec){ xstrdup(set), v6, xstrdup(np->ns), { 0 } };
	model_peer_copy(&r->pods[r->npods++].p, p);
}

void incr_note_named(struct incr *r, const char *set, bool v6, const struct np_port **v, size_t n)
{
	struct named_rec *nr;

	XGROW(r->named, r->capnamed, r->nnamed);
	nr = &r->named[r->nnamed++];
	*nr = (struct named_rec){ xstrdup(set), v6, xcalloc(n ? n : 1, sizeof(*nr->ports)), n };
	for (size_t i = 0; i < n; i++)
		nr->ports[i] = (struct named_port){ xstrdup(v[i]->name), v[i]->proto };
}

void incr_note_group(struct incr *r, const char *key, const char *chain)
{
	struct group *g = strmap_get(r->groups, key);

	if (g) /* made anew (incr_delta: a policy changed), same name */
		return;
	g = xcalloc(1, sizeof(*g));
	g->chain = xstrdup(chain);
	g->key = xstrdup(key);
	XGROW(r->gv, r->capgv, r->ngv);
	r->gv[r->ngv++] = g;
	strmap_put(r->groups, key, g);
	strmap_put(r->chains, chain, g);
}

static struct nsidx *nsidx_of(struct incr *r, const char *ns, bool create)
{
	struct nsidx *x = strmap_get(r->by_ns, ns);

	if (x || !create)
		return x;
	x = xcalloc(1, sizeof(*x));
	XGROW(r->nsv, r->capnsv, r->nnsv);
	r->nsnames = xrealloc(r->nsnames, r->capnsv * sizeof(*r->nsnames));
	r->nsv[r->nnsv] = x;
	r->nsnames[r->nnsv++] = xstrdup(ns);
	strmap_put(r->by_ns, ns, x);
	return x;
}

static uint64_t addr_hash(const struct addr *a)
{
	uint64_t h = 1469598103934665603ull ^ a->family;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static struct addr slot_addr(const struct addr_slot *sl)
{
	struct addr a = { .family = sl->family };

	memcpy(a.a, sl->a, 16);
	return a;
}

static void addr_grow(struct incr *r)
{
	size_t ncap = r->atcap ? r->atcap * 2 : 256;
	struct addr_slot *n = xcalloc(ncap, sizeof(*n));

	for (size_t i = 0; i < r->atcap; i++) {
		struct addr a = slot_addr(&r->at[i]);
		size_t j;

		if (!r->at[i].family)
			continue;
		for (j = addr_hash(&a) & (ncap - 1); n[j].family; j = (j + 1) & (ncap - 1))
			;
		n[j] = r->at[i];
	}
	free(r->at);
	r->at = n;
	r->atcap = ncap;
}

/* The count of eligible pods holding a (create: a new slot when none). */
static struct addr_slot *addr_slot(struct incr *r, const struct addr *a, bool create)
{
	if (create && (r->atn + 1) * 2 > r->atcap)
		addr_grow(r);
	if (!r->atcap)
		return NULL;
	for (size_t i = addr_hash(a) & (r->atcap - 1);; i = (i + 1) & (r->atcap - 1)) {
		if (!r->at[i].family) {
			if (!create)
				return NULL;
			r->at[i].family = a->family;
			memcpy(r->at[i].a, a->a, 16);
			r->atn++;
			return &r->at[i];
		}
		if (r->at[i].family == a->family && !memcmp(r->at[i].a, a->a, 16))
			return &r->at[i];
	}
}

static void count_pod(struct incr *r, const struct pod *p, int d)
{
	if (!model_pod_eligible(p))
		return;
	for (size_t i = 0; i < p->nips; i++) {
		addr_slot(r, &p->ips[i], true)->count += (uint32_t)d;
		r->famcount[p->ips[i].family == AF_INET6] += (size_t)d;
	}
}

static bool pod_local(const struct incr *r, const struct pod *p);
static int dispatch_of(struct incr *r, const struct ruleset *rs, const struct nsidx *x,
		       const struct pod *p, enum dir dir, struct group **g, bool *audit,
		       struct incr_delta *d, size_t *need);

/* Count the local pods in each group (what makes the compiler create its chain). */
static void count_refs(struct incr *r, const struct cluster *c, const struct ruleset *rs)
{
	for (size_t i = 0; i < c->npods; i++) {
		const struct pod *p = &c->pods[i];
		const struct nsidx *x;

		if (!model_pod_eligible(p) || !pod_local(r, p) ||
		    !(x = strmap_get(r->by_ns, p->ns)))
			continue;
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			struct group *g;
			size_t need;
			bool audit;

			if (dispatch_of(r, rs, x, p, dir, &g, &audit, NULL, &need) > 0)
				g->refs++;
		}
	}
}

/* The compilation is done: index what pod changes need. */
void incr_note_done(struct incr *r, const struct cluster *c, const struct compile_opts *o,
		    const struct ruleset *rs, bool fam4, bool fam6)
{
	if (c->ncnps)
		r->usable = false;
	r->node = o->node ? xstrdup(o->node) : NULL;
	r->audit_all = o->audit;
	r->opts = *o;
	r->opts.node = r->node;
	r->opts.meta = NULL;
	r->opts.recipe = r;
	r->fam[0] = fam4;
	r->fam[1] = fam6;
	r->pols = c->pols;
	r->npols = c->npols;
	for (size_t i = 0; i < c->npols; i++)
		idx_add(&nsidx_of(r, c->pols[i].ns, true)->pols, i);
	for (size_t i = 0; i < r->nnamed; i++) /* swept: no rule used it */
		if (!ruleset_find_set(rs, r->named[i].set)) {
			free(r->named[i].set);
			r->named[i].set = NULL;
		}
	for (size_t i = 0; i < r->npods; i++) {
		if (!ruleset_find_set(rs, r->pods[i].set)) {
			free(r->pods[i].set);
			r->pods[i].set = NULL;
			continue;
		}
		if (r->pods[i].p.flags & PEER_NS_SEL)
			idx_add(&r->nssel, i);
		else
			idx_add(&nsidx_of(r, r->pods[i].ns, true)->own, i);
	}
	for (size_t i = 0; i < c->npods; i++)
		count_pod(r, &c->pods[i], 1);
	count_refs(r, c, rs);
}

/*
 * How to seal the cluster incr_delta() is given (the agent's store), when a
 * policy's chain must be lowered: the compiler's evaluation needs it sealed.
 * Without a sealer, such a change is left to a full compilation.
 */
void incr_set_sealer(struct incr *r, const struct cluster *(*seal)(void *arg), void *arg)
{
	r->seal = seal;
	r->seal_arg = arg;
}

/* The compiler's object names (taken: incr_free() frees them). */
void incr_take_names(struct incr *r, struct strmap *objs, struct strmap *names, char **keys,
		     size_t nkeys, size_t capkeys)
{
	r->objs = objs;
	r->names = names;
	r->keys = keys;
	r->nkeys = nkeys;
	r->capkeys = capkeys;
}

/* -- a pod's elements ----------------------------------------------------- */

struct els {
	struct incr_el *v;
	size_t n, cap;
};

static struct rs_elem *el_add(struct els *l, const char *set)
{
	XGROW(l->v, l->cap, l->n);
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	l->v[l->n].set = set;
	return &l->v[l->n++].e;
}

static const struct addr *pod_addr(const struct pod *p, bool v6)
{
	return lower_pod_addr(p, v6 ? LOWER_FAM_6 : LOWER_FAM_4);
}

static void add_addr_el(struct els *l, const char *set, const struct addr *a)
{
	if (a)
		lower_put_addr(el_add(l, set)->key, a);
}

/* The pods_rec with a namespace selector that namespace ns matches. */
static const struct idx_list *ns_matches(struct incr *r, struct nsidx *x, const struct k8s_ns *ns)
{
	if (!x->matched) {
		for (size_t i = 0; i < r->nssel.n; i++)
			if (selector_matches(&r->pods[r->nssel.v[i]].p.ns_sel, &ns->labels))
				idx_add(&x->match, r->nssel.v[i]);
		x->matched = true;
	}
	return &x->match;
}

/* Forget which namespace-selector peers namespace ns matches: its labels changed. */
static void ns_changed(struct incr *r, const char *ns)
{
	struct nsidx *x = nsidx_of(r, ns, false);

	if (!x)
		return;
	free(x->match.v);
	memset(&x->match, 0, sizeof(x->match));
	x->matched = false;
}

static void peer_els(struct incr *r, const struct pod *p, const struct k8s_ns *ns,
		     const struct idx_list *l, struct els *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct pods_rec *pr = &r->pods[l->v[i]];

		if (pr->set && eval_peer_matches_in(pr->ns, &pr->p, p, ns))
			add_addr_el(out, pr->set, pod_addr(p, pr->v6));
	}
}

static void named_els(const struct incr *r, const struct pod *p, struct els *out)
{
	for (size_t i = 0; i < r->nnamed; i++) {
		const struct named_rec *nr = &r->named[i];
		const struct addr *a = pod_addr(p, nr->v6);
		unsigned off = nr->v6 ? 16 : 4;

		if (!a || !nr->set)
			continue;
		for (size_t j = 0; j < nr->n; j++) {
			const struct pod_port *pp;
			size_t np =
				eval_pod_named_ports(p, nr->ports[j].name, nr->ports[j].proto, &pp);

			for (size_t m = 0; m < np; m++) {
				struct rs_elem *e = el_add(out, nr->set);

				lower_put_addr(e->key, a);
				e->key[off] = pp[m].proto;
				e->key[off + 4] = (uint8_t)(pp[m].port >> 8);
				e->key[off + 5] = (uint8_t)pp[m].port;
			}
		}
	}
}

static bool is_audit(const struct incr *r, const struct netpol *np)
{
	return np->audit || r->audit_all;
}

/*
 * Whether the group chain of policies pols[0..n) in dir can be made as the
 * compiler would: from the policies' chains in the table, or by lowering those
 * missing (which needs the cluster sealed: *lowers is set then).
 */
static bool can_make(const struct incr *r, const size_t *pols, size_t n, enum dir dir, bool *lowers)
{
	if (!r->objs)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct netpol *np = &r->pols[pols[i]];
		char *key;
		bool have;

		if (!np->nrules[dir])
			continue;
		key = xasprintf("pol|%s|%s/%s", lower_dir_name(dir), np->ns, np->name);
		have = strmap_get(r->objs, key) != NULL;
		free(key);
		if (!have && !r->seal)
			return false;
		*lowers |= !have;
	}
	return true;
}

/* The index of the need for key in d, added when new (pols taken). */
static size_t need_of(struct incr_delta *d, char *key, enum dir dir, bool audit, size_t *pols,
		      size_t n)
{
	for (size_t i = 0; i < d->nneeds; i++)
		if (!strcmp(d->needs[i].key, key)) {
			free(key);
			free(pols);
			return i;
		}
	d->needs = xrealloc(d->needs, (d->nneeds + 1) * sizeof(*d->needs));
	d->needs[d->nneeds] = (struct incr_need){ dir, audit, pols, n, key, NULL };
	return d->nneeds++;
}

/*
 * The group of the policies isolating local pod p in dir (audit: those in
 * audit mode): 1 with *g, or with *need when the table lacks its chain but
 * incr_delta() can make it; 0 when no policy isolates p; -EAGAIN when only a
 * full compilation can make its chain.
 */
static int group_of(struct incr *r, const struct nsidx *x, const struct pod *p, enum dir dir,
		    bool audit, struct group **g, struct incr_delta *d, size_t *need)
{
	size_t *pols = xcalloc(x->pols.n + 1, sizeof(*pols)), n = 0;
	char *key;

	*g = NULL;
	*need = SIZE_MAX;
	for (size_t i = 0; i < x->pols.n; i++) {
		const struct netpol *np = &r->pols[x->pols.v[i]];

		if ((np->types & DIR_FLAG(dir)) && is_audit(r, np) == audit &&
		    selector_matches(&np->pod_sel, &p->labels))
			pols[n++] = x->pols.v[i];
	}
	if (!n) {
		free(pols);
		return 0;
	}
	key = lower_group_key(r->pols, dir, audit, pols, n);
	*g = strmap_get(r->groups, key);
	if (*g || !d || !can_make(r, pols, n, dir, &d->lowers)) {
		free(key);
		free(pols);
		return *g ? 1 : -EAGAIN;
	}
	*need = need_of(d, key, dir, audit, pols, n);
	return 1;
}

/*
 * The group local pod p is dispatched to in dir into *g (or *need, see
 * group_of), and whether it is an audit group: 1, or 0 when none, -EAGAIN
 * when the table has none for it.
 */
static int dispatch_of(struct incr *r, const struct ruleset *rs, const struct nsidx *x,
		       const struct pod *p, enum dir dir, struct group **g, bool *audit,
		       struct incr_delta *d, size_t *need)
{
	int ret = group_of(r, x, p, dir, false, g, d, need);

	*audit = false;
	if (!ret) { /* only audited policies isolate it: what would they deny? */
		ret = group_of(r, x, p, dir, true, g, d, need);
		*audit = true;
		if (ret > 0 && !ruleset_find_set(rs, "audit_ingress4"))
			ret = -EAGAIN;
	}
	return ret;
}

/* The verdict maps: [audit][dir][v6]. */
static const char *const map_names[2][DIR_COUNT][2] = {
	{ { "pod_ingress4", "pod_ingress6" }, { "pod_egress4", "pod_egress6" } },
	{ { "audit_ingress4", "audit_ingress6" }, { "audit_egress4", "audit_egress6" } },
};

static void map_els(struct els *out, const struct pod *p, bool audit, enum dir dir, char *chain)
{
	for (size_t i = 0; i < p->nips; i++) {
		bool v6 = p->ips[i].family == AF_INET6;
		struct rs_elem *e = el_add(out, map_names[audit][dir][v6]);

		lower_put_addr(e->key, &p->ips[i]);
		e->chain = chain;
	}
}

/*
 * The group local pod p is dispatched to in dir as table rs has it (*audit:
 * through an audit map): 1 with *g, 0 when it is not dispatched, -EAGAIN when
 * its addresses disagree or the chain is no group's. The table is what the
 * policies were when it was made, whatever they are now.
 */
static int table_dispatch(const struct incr *r, const struct ruleset *rs, const struct pod *p,
			  enum dir dir, struct group **g, bool *audit)
{
	*g = NULL;
	*audit = false;
	for (int a = 0; a < 2; a++) {
		const char *chain = NULL;
		size_t found = 0;

		for (size_t i = 0; i < p->nips; i++) {
			bool v6 = p->ips[i].family == AF_INET6;
			const struct rs_set *s = ruleset_find_set(rs, map_names[a][dir][v6]);
			uint8_t key[RS_KEY_MAX] = { 0 };
			const struct rs_elem *e;

			lower_put_addr(key, &p->ips[i]);
			e = s ? ruleset_set_find_key(s, key) : NULL;
			if (!e)
				continue;
			if (!e->chain || (chain && strcmp(chain, e->chain)))
				return -EAGAIN;
			chain = e->chain;
			found++;
		}
		if (!found)
			continue;
		if (found != p->nips || !(*g = strmap_get(r->chains, chain)))
			return -EAGAIN;
		*audit = a;
		return 1;
	}
	return 0;
}

static bool pod_local(const struct incr *r, const struct pod *p)
{
	return !r->node || (p->node && !strcmp(p->node, r->node));
}

/*
 * The elements pod p (NULL: none) puts into the table, appended to out; the
 * groups it is in, to d with sign. Returns 0, or -EAGAIN when only a full
 * compilation can place them.
 */
static int pod_els(struct incr *r, const struct cluster *c, const struct ruleset *rs,
		   const struct pod *p, const struct k8s_ns *old_ns, struct els *out,
		   struct incr_delta *d, int sign, size_t *gcap)
{
	const struct k8s_ns *ns;
	struct nsidx *x;

	if (!p || !model_pod_eligible(p))
		return 0;
	ns = old_ns ? old_ns : model_cluster_ns(c, p->ns);
	if (!ns)
		return -EAGAIN; /* the compiler would imply it */
	for (size_t i = 0; i < p->nips; i++)
		if (!r->fam[p->ips[i].family == AF_INET6])
			return -EAGAIN;
	x = nsidx_of(r, p->ns, true);
	peer_els(r, p, ns, &x->own, out);
	if (old_ns) /* the namespace as it was: its peers matched anew */
		peer_els(r, p, ns, &r->nssel, out);
	else
		peer_els(r, p, ns, ns_matches(r, x, ns), out);
	named_els(r, p, out);
	if (!pod_local(r, p))
		return 0;
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		struct group *g = NULL;
		size_t need = SIZE_MAX;
		bool audit;
		int ret = sign > 0 ? dispatch_of(r, rs, x, p, dir, &g, &audit, d, &need)
				   : table_dispatch(r, rs, p, dir, &g, &audit);

		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		map_els(out, p, audit, dir, g ? g->chain : d->needs[need].key);
		XGROW(d->grefs, *gcap, d->ngrefs);
		d->grefs[d->ngrefs++] = (struct incr_gref){ g, sign, need };
	}
	for (int v6 = 0; v6 < 2; v6++) {
		const struct addr *a = pod_addr(p, v6);
		unsigned len = v6 ? 16 : 4;
		struct rs_elem *e;

		if (!a)
			continue;
		e = el_add(out, v6 ? "self6" : "self4");
		memcpy(e->key, a->a, len);
		memcpy(e->key + len, a->a, len);
		if (ruleset_find_set(rs, v6 ? "known6" : "known4"))
			add_addr_el(out, v6 ? "known6" : "known4", a);
	}
	return 0;
}

/* -- policy changes ------------------------------------------------------- */

static void count_groups(const struct incr_delta *d, int sign);

/* A local pod joins (d = 1) or leaves (-1) group g (or the need-th new one). */
static void gref_add(struct incr_delta *d, struct group *g, int sign, size_t need, size_t *gcap)
{
	XGROW(d->grefs, *gcap, d->ngrefs);
	d->grefs[d->ngrefs++] = (struct incr_gref){ g, sign, need };
}

/* The policies now in c, indexed per namespace (they are what group_of() reads). */
static void rebind(struct incr *r, const struct cluster *c)
{
	r->pols = c->pols;
	r->npols = c->npols;
	for (size_t i = 0; i < r->nnsv; i++)
		r->nsv[i]->pols.n = 0;
	for (size_t i = 0; i < c->npols; i++)
		idx_add(&nsidx_of(r, c->pols[i].ns, true)->pols, i);
}

/* The index of policy ns/name (name: len bytes) in r->pols, or SIZE_MAX. */
static size_t pol_find(struct incr *r, const char *ns, const char *name, size_t len)
{
	const struct nsidx *x = nsidx_of(r, ns, false);

	for (size_t i = 0; x && i < x->pols.n; i++) {
		const char *have = r->pols[x->pols.v[i]].name;

		if (strlen(have) == len && !memcmp(have, name, len))
			return x->pols.v[i];
	}
	return SIZE_MAX;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Where the policies of a group key start ("grp|dir|ns/a, ns/b", see lower_group_key). */
static const char *key_policies(const char *key)
{
	const char *t = strchr(key, '|');

	t = t ? strchr(t + 1, '|') : NULL;
	return t ? t + 1 : NULL;
}

/* The "ns/name" at *t (NULL: none), its length in *len; *t moves to the next. */
static const char *key_next(const char **t, size_t *len)
{
	const char *tok = *t, *end;

	if (!tok)
		return NULL;
	end = strstr(tok, ", ");
	*len = end ? (size_t)(end - tok) : strlen(tok);
	*t = end ? end + 2 : NULL;
	return tok;
}

/* Whether group key names policy id ("ns/name"). */
static bool key_has(const char *key, const char *id)
{
	size_t len, idlen = strlen(id);

	for (const char *t = key_policies(key), *tok; (tok = key_next(&t, &len));)
		if (len == idlen && !memcmp(tok, id, len))
			return true;
	return false;
}

/*
 * The policies group key names as indexes into r->pols, sorted, into *out (n
 * of them). Returns false when one is gone.
 */
static bool key_pols(struct incr *r, const char *key, size_t **out, size_t *n)
{
	size_t len;
	bool ok = true;

	*n = 0;
	*out = xcalloc(strlen(key) / 3 + 1, sizeof(**out));
	for (const char *t = key_policies(key), *tok; ok && (tok = key_next(&t, &len));) {
		const char *slash = memchr(tok, '/', len);
		char *ns;

		if (!slash)
			return false;
		ns = xstrndup(tok, (size_t)(slash - tok));
		(*out)[*n] = pol_find(r, ns, slash + 1, len - (size_t)(slash - tok) - 1);
		ok = (*out)[(*n)++] != SIZE_MAX;
		free(ns);
	}
	xqsort(*out, *n, sizeof(**out), size_cmp);
	return ok;
}

/* Whether an address of pod p is another eligible pod's too. */
static bool shared(struct incr *r, const struct pod *p)
{
	for (size_t i = 0; i < p->nips; i++) {
		const struct addr_slot *sl = addr_slot(r, &p->ips[i], false);

		if (sl && sl->count > 1)
			return true;
	}
	return false;
}

/*
 * The local pods of namespace ns that the batch does not change otherwise
 * (skip, indexed like c's sealed pods) dispatched anew: from the group the
 * table has to the one the policies now make.
 */
static int regroup_ns(struct incr *r, const struct cluster *c, const struct ruleset *rs,
		      const char *ns, const bool *skip, struct els *olds, struct els *news,
		      struct incr_delta *d, size_t *gcap)
{
	struct nsidx *x = nsidx_of(r, ns, true);

	for (size_t i = model_cluster_first_pod(c, ns); i < c->npods && !strcmp(c->pods[i].ns, ns);
	     i++) {
		const struct pod *p = &c->pods[i];

		if (skip[i] || !model_pod_eligible(p) || !pod_local(r, p))
			continue;
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			struct group *og, *g = NULL;
			bool oaudit, audit = false;
			size_t need = SIZE_MAX;
			int oret = table_dispatch(r, rs, p, dir, &og, &oaudit);
			int ret = oret < 0 ? oret
					   : dispatch_of(r, rs, x, p, dir, &g, &audit, d, &need);

			if (ret < 0)
				return ret;
			if (oret && ret && g == og && audit == oaudit)
				continue;
			if (shared(r, p))
				return -EAGAIN; /* the map has one of the pods: compile */
			if (oret) {
				map_els(olds, p, oaudit, dir, og->chain);
				gref_add(d, og, -1, SIZE_MAX, gcap);
			}
			if (ret) {
				map_els(news, p, audit, dir, g ? g->chain : d->needs[need].key);
				gref_add(d, g, 1, need, gcap);
			}
		}
	}
	return 0;
}

/*
 * The policies changed (pc): the recipe reads the policies c now has, and the
 * local pods of their namespaces are dispatched anew (those in ch are the pod
 * changes' to place). c must be sealed.
 */
static int policies_changed(struct incr *r, const struct cluster *c, const struct ruleset *rs,
			    const struct incr_change *ch, size_t n, const struct incr_polchange *pc,
			    size_t npc, struct els *olds, struct els *news, struct incr_delta *d,
			    size_t *gcap)
{
	bool *skip = xcalloc(c->npods + 1, sizeof(bool));
	struct strmap *done = strmap_new();
	int ret = 0;

	rebind(r, c);
	for (size_t i = 0; i < n; i++)
		if (ch[i].now >= c->pods && ch[i].now < c->pods + c->npods)
			skip[ch[i].now - c->pods] = true;
	for (size_t i = 0; i < npc && !ret; i++) {
		if (strmap_get(done, pc[i].ns))
			continue;
		strmap_put(done, pc[i].ns, (void *)1);
		ret = regroup_ns(r, c, rs, pc[i].ns, skip, olds, news, d, gcap);
	}
	free(skip);
	strmap_free(done);
	return ret;
}

static void rewrite_add(struct incr_delta *d, struct incr_rewrite rw)
{
	d->rw = xrealloc(d->rw, (d->nrw + 1) * sizeof(*d->rw));
	d->rw[d->nrw++] = rw;
}

static bool has_pol(const size_t *v, size_t n, size_t pol)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pol)
			return true;
	return false;
}

/*
 * Which chains of the table the changed policies pc make anew, once the
 * batch's pods are placed (d's group references): each group chain naming one
 * of them that keeps a pod (its rules may jump elsewhere now), and the chain of
 * each of them that a group keeps or a new group uses. The others go when
 * nothing references them (collect_dead).
 */
static int plan_rewrites(struct incr *r, const struct ruleset *rs, const struct incr_polchange *pc,
			 size_t npc, struct incr_delta *d)
{
	int ret = 0;

	count_groups(d, 1);
	for (size_t i = 0; i < r->ngv && !ret; i++) {
		struct group *g = r->gv[i];
		struct incr_rewrite rw = { .pol = SIZE_MAX, .g = g };
		bool touched = false;

		if (!g->chain || !g->refs)
			continue;
		for (size_t j = 0; j < npc && !touched; j++) {
			char *id = xasprintf("%s/%s", pc[j].ns, pc[j].name);

			touched = key_has(g->key, id);
			free(id);
		}
		if (!touched)
			continue;
		rw.audit = g->key[0] == 'a';
		rw.dir = g->key[rw.audit ? 5 : 4] == '0' ? DIR_INGRESS : DIR_EGRESS;
		if (!key_pols(r, g->key, &rw.pols, &rw.n))
			ret = -EAGAIN;
		rewrite_add(d, rw);
	}
	count_groups(d, -1);
	for (size_t j = 0; j < npc && !ret; j++) {
		size_t pi = pol_find(r, pc[j].ns, pc[j].name, strlen(pc[j].name));

		for (int dir = 0; pi != SIZE_MAX && dir < DIR_COUNT; dir++) {
			const struct netpol *np = &r->pols[pi];
			char *key =
				xasprintf("pol|%s|%s/%s", lower_dir_name(dir), np->ns, np->name);
			const char *name = r->objs ? strmap_get(r->objs, key) : NULL;
			bool used = false;

			free(key);
			if (!np->nrules[dir] || !(np->types & DIR_FLAG(dir)) || !name ||
			    !ruleset_find_chain(rs, name))
				continue;
			for (size_t i = 0; i < d->nrw && !used; i++)
				used = d->rw[i].g && d->rw[i].dir == (enum dir)dir &&
				       has_pol(d->rw[i].pols, d->rw[i].n, pi);
			for (size_t i = 0; i < d->nneeds && !used; i++)
				used = d->needs[i].dir == (enum dir)dir &&
				       has_pol(d->needs[i].pols, d->needs[i].n, pi);
			if (used)
				rewrite_add(d, (struct incr_rewrite){ .dir = dir, .pol = pi });
		}
	}
	if (d->nrw && (!r->seal || !r->objs))
		ret = -EAGAIN;
	d->lowers |= d->nrw > 0;
	return ret;
}

/* -- a batch of changes --------------------------------------------------- */

static int el_cmp(const void *a, const void *b)
{
	const struct incr_el *x = a, *y = b;
	int c = strcmp(x->set, y->set);

	if (c)
		return c;
	c = memcmp(x->e.key, y->e.key, sizeof(x->e.key));
	if (c)
		return c;
	return strcmp(x->e.chain ? x->e.chain : "", y->e.chain ? y->e.chain : "");
}

static void addr_changes(struct incr_delta *d, const struct pod *p, int sign, size_t *cap)
{
	if (!p || !model_pod_eligible(p))
		return;
	for (size_t i = 0; i < p->nips; i++) {
		XGROW(d->addrs, *cap, d->naddrs);
		d->addrs[d->naddrs++] = (struct incr_addr_change){ p->ips[i], sign };
	}
}

/*
 * Whether the addresses and families stay as one pod's elements need them:
 * no address held by two eligible pods before or after, no family appearing
 * or vanishing (the compiler's sets and rules per family would change).
 */
static bool addrs_ok(struct incr *r, const struct incr_delta *d)
{
	long fam[2] = { (long)r->famcount[0], (long)r->famcount[1] };
	bool ok = true;

	for (size_t i = 0; i < d->naddrs; i++) {
		struct addr_slot *sl = addr_slot(r, &d->addrs[i].a, true);

		if (sl->count > 1)
			ok = false;
		fam[d->addrs[i].a.family == AF_INET6] += d->addrs[i].d;
	}
	for (size_t i = 0; i < d->naddrs; i++) /* net counts, undone below */
		addr_slot(r, &d->addrs[i].a, false)->count += (uint32_t)d->addrs[i].d;
	for (size_t i = 0; i < d->naddrs; i++)
		if (addr_slot(r, &d->addrs[i].a, false)->count > 1)
			ok = false;
	for (size_t i = 0; i < d->naddrs; i++)
		addr_slot(r, &d->addrs[i].a, false)->count -= (uint32_t)d->addrs[i].d;
	if ((fam[1] > 0) != r->fam[1] || (fam[0] > 0 || fam[1] == 0) != r->fam[0])
		ok = false;
	return ok;
}

/* The element of rs that e stands for: in its set, same key (and chain). */
static bool in_table(const struct ruleset *rs, const struct incr_el *e, bool *found)
{
	const struct rs_set *s = ruleset_find_set(rs, e->set);
	const struct rs_elem *have;

	if (!s || (s->flags & RS_SET_INTERVAL))
		return false;
	have = ruleset_set_find_key(s, e->e.key);
	*found = have && (!(s->flags & RS_SET_VMAP) ||
			  (have->chain && e->e.chain && !strcmp(have->chain, e->e.chain)));
	return true;
}

/* Add to each group's count what the delta does (sign -1: undo). */
static void count_groups(const struct incr_delta *d, int sign)
{
	for (size_t i = 0; i < d->ngrefs; i++)
		if (d->grefs[i].g)
			d->grefs[i].g->refs += (size_t)(long)(d->grefs[i].d * sign);
}

/*
 * Make the group chains d needs, as the compiler makes them (its names, its
 * counters, its log rule), into d->made; the map elements and group counts
 * then name them.
 */
/* Index the pods sets and named-port sets lowered since the first new ones. */
static void index_new_recs(struct incr *r, const struct ruleset *made, size_t pods0, size_t named0)
{
	for (size_t i = named0; i < r->nnamed; i++)
		if (!ruleset_find_set(made, r->named[i].set)) { /* swept */
			free(r->named[i].set);
			r->named[i].set = NULL;
		}
	for (size_t i = pods0; i < r->npods; i++) {
		if (!ruleset_find_set(made, r->pods[i].set)) {
			free(r->pods[i].set);
			r->pods[i].set = NULL;
		} else if (r->pods[i].p.flags & PEER_NS_SEL) {
			idx_add(&r->nssel, i);
		} else {
			idx_add(&nsidx_of(r, r->pods[i].ns, true)->own, i);
		}
	}
	if (r->npods == pods0)
		return;
	for (size_t i = 0; i < r->nnsv; i++) { /* namespace-selector peers: look again */
		free(r->nsv[i]->match.v);
		memset(&r->nsv[i]->match, 0, sizeof(r->nsv[i]->match));
		r->nsv[i]->matched = false;
	}
}

/*
 * Make the group chains d needs, as the compiler makes them (its names, its
 * counters, its log rule; the chains of policies not yet in the table lowered,
 * with their sets filled from the cluster sealed), into d->made; the map
 * elements and group counts then name them.
 */
static void make_needs(struct incr *r, const struct cluster *c, struct incr_delta *d)
{
	struct lower k = { .c = c,
			   .o = &r->opts,
			   .node = r->node,
			   .rs = &d->made,
			   .objs = r->objs,
			   .names = r->names,
			   .keys = r->keys,
			   .nkeys = r->nkeys,
			   .capkeys = r->capkeys,
			   .fam4 = r->fam[0],
			   .fam6 = r->fam[1] };
	size_t pods0 = r->npods, named0 = r->nnamed;
	struct diag_list dl;

	if (!d->nneeds && !d->nrw)
		return;
	diag_list_init(&dl);
	k.d = &dl;
	if (d->lowers) {
		k.c = r->seal(r->seal_arg);
		k.e = eval_new(k.c);
	}
	ruleset_init(&d->made, COMPILE_TABLE);
	r->opts.meta = &d->meta;
	for (size_t i = 0; i < d->nrw; i++) { /* made anew: the names no longer know them */
		const struct incr_rewrite *rw = &d->rw[i];

		if (rw->g) {
			strmap_put(r->objs, rw->g->key, NULL);
			lower_forget(r->objs, r->names, rw->g->chain);
		} else {
			const struct netpol *np = &k.c->pols[rw->pol];
			char *key = xasprintf("pol|%s|%s/%s", lower_dir_name(rw->dir), np->ns,
					      np->name);
			const char *name = strmap_get(r->objs, key);

			if (name)
				lower_forget(r->objs, r->names, name);
			free(key);
		}
	}
	for (size_t i = 0; i < d->nneeds; i++) {
		struct incr_need *nd = &d->needs[i];

		lower_group_chain(&k, nd->dir, nd->audit, nd->pols, nd->n);
		nd->g = strmap_get(r->groups, nd->key);
	}
	for (size_t i = 0; i < d->nrw; i++) {
		const struct incr_rewrite *rw = &d->rw[i];

		if (rw->g)
			lower_group_chain(&k, rw->dir, rw->audit, rw->pols, rw->n);
		else
			lower_policy_chain(&k, &k.c->pols[rw->pol], rw->dir);
	}
	ruleset_seal(&d->made);
	lower_sweep(&k, &d->made, &d->meta);
	r->opts.meta = NULL;
	r->keys = k.keys;
	r->nkeys = k.nkeys;
	r->capkeys = k.capkeys;
	index_new_recs(r, &d->made, pods0, named0);
	eval_free(k.e);
	diag_list_fini(&dl);
	for (size_t i = 0; i < d->nadd; i++)
		for (size_t j = 0; j < d->nneeds; j++)
			if (d->add[i].e.chain == d->needs[j].key)
				d->add[i].e.chain = d->needs[j].g->chain;
	for (size_t i = 0; i < d->ngrefs; i++)
		if (!d->grefs[i].g)
			d->grefs[i].g = d->needs[d->grefs[i].need].g;
}

/* Whether some audit map keeps an element (else the audit chains go: compile). */
static bool audit_ok(const struct ruleset *rs, const struct incr_delta *d)
{
	static const char *const amaps[] = { "audit_ingress4", "audit_ingress6", "audit_egress4",
					     "audit_egress6" };
	size_t audit = 0;

	if (!ruleset_find_set(rs, amaps[0]))
		return true;
	for (size_t i = 0; i < 4; i++)
		audit += ruleset_find_set(rs, amaps[i])->nelems;
	for (size_t i = 0; i < d->ndel; i++)
		audit -= !strncmp(d->del[i].set, "audit_", 6);
	for (size_t i = 0; i < d->nadd; i++)
		audit += !strncmp(d->add[i].set, "audit_", 6);
	return audit > 0;
}

static void name_add(const char ***v, size_t *n, const char *name)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = name;
}

/* What a rule references, resolved: a chain, a set or a counter of the table. */
struct ref {
	enum { REF_CHAIN, REF_SET, REF_CTR } kind;
	size_t i;
};

struct refs {
	struct ref *v;
	size_t n, cap;
};

static void ref_add(struct refs *l, int kind, size_t i)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = (struct ref){ kind, i };
}

/* Append what chain c's rules reference in rs to l. */
static void chain_refs(const struct ruleset *rs, const struct rs_chain *c, struct refs *l)
{
	for (size_t j = 0; j < c->nrules; j++) {
		const struct rs_rule *ru = &c->rules[j];
		const struct rs_chain *t;
		const struct rs_set *st;
		const struct rs_counter *k;

		if (ru->verdict == RS_VERDICT_JUMP && (t = ruleset_find_chain(rs, ru->target)))
			ref_add(l, REF_CHAIN, (size_t)(t - rs->chains));
		for (unsigned m = 0; m < ru->nm; m++)
			if (ru->m[m].set && (st = ruleset_find_set(rs, ru->m[m].set)))
				ref_add(l, REF_SET, (size_t)(st - rs->sets));
		if (ru->counter && (k = ruleset_find_counter(rs, ru->counter)))
			ref_add(l, REF_CTR, (size_t)(k - rs->counters));
	}
}

/* Add sign times the references v[0..n) to the counts. */
static void refs_count(const struct ref *v, size_t n, long sign, size_t *cnt[3])
{
	for (size_t i = 0; i < n; i++)
		cnt[v[i].kind][v[i].i] += (size_t)sign;
}

/*
 * Whether chain i of rs may die now that nothing live jumps to it: not a base
 * chain, not a group's (those die by their pods), not one made anew.
 */
static bool may_die(const struct incr *r, const struct ruleset *rs, size_t i, const bool *dead,
		    const bool *skip, const size_t *cref)
{
	return !dead[i] && !skip[i] && !cref[i] && rs->chains[i].hook == RS_HOOK_NONE &&
	       !strmap_get(r->chains, rs->chains[i].name);
}

/*
 * The chains work[0..nwork) are dead: their references no longer count, and a
 * chain they jumped to that may_die() dies too. work has room for every chain.
 */
static void bury(const struct incr *r, const struct ruleset *rs, const struct refs *all,
		 const size_t *off, size_t *cnt[3], bool *dead, const bool *skip, size_t *work,
		 size_t nwork)
{
	while (nwork) {
		size_t i = work[--nwork];

		refs_count(all->v + off[i], off[i + 1] - off[i], -1, cnt);
		for (size_t j = off[i]; j < off[i + 1]; j++) {
			size_t t = all->v[j].i;

			if (all->v[j].kind == REF_CHAIN &&
			    may_die(r, rs, t, dead, skip, cnt[REF_CHAIN])) {
				dead[t] = true;
				work[nwork++] = t;
			}
		}
	}
}

/*
 * The objects the delta leaves without references, as a full compilation
 * would not make them: the group chains no map element reaches any more, the
 * policy chains only they jumped to, the sets and counters only those used.
 * Their elements leave the delta (the sets go whole).
 */
static void collect_dead(const struct incr *r, const struct ruleset *rs, struct incr_delta *d)
{
	size_t nc = rs->nchains + 1, ns = rs->nsets + 1, nk = rs->ncounters + 1;
	size_t *cref0 = xcalloc(nc, sizeof(size_t)), *cref = xcalloc(nc, sizeof(size_t));
	size_t *sref0 = xcalloc(ns, sizeof(size_t)), *sref = xcalloc(ns, sizeof(size_t));
	size_t *kref0 = xcalloc(nk, sizeof(size_t)), *kref = xcalloc(nk, sizeof(size_t));
	size_t *off = xcalloc(nc + 1, sizeof(size_t)), *work = xcalloc(nc, sizeof(size_t));
	size_t *cnt0[3] = { cref0, sref0, kref0 }, *cnt[3] = { cref, sref, kref };
	bool *dead = xcalloc(nc, sizeof(bool)), *skip = xcalloc(nc, sizeof(bool)), more = false;
	struct refs all = { 0 }, made = { 0 };
	size_t keep, nwork = 0;
	const struct rs_chain *rc;

	/* a chain made anew: its old rules reference nothing any more */
	for (size_t i = 0; d->made.table && i < d->made.nchains; i++)
		if ((rc = ruleset_find_chain(rs, d->made.chains[i].name)))
			more = skip[rc - rs->chains] = true;

	/* a group the delta empties of its last pod */
	for (size_t i = 0; i < d->ngrefs; i++) {
		const struct group *g = d->grefs[i].g;
		const struct rs_chain *c;

		if (d->grefs[i].d < 0 && !g->refs && (c = ruleset_find_chain(rs, g->chain)) &&
		    !dead[c - rs->chains]) {
			dead[c - rs->chains] = more = true;
			work[nwork++] = (size_t)(c - rs->chains);
		}
	}
	if (!more)
		goto out;
	/* what every chain references, resolved once; then counts follow the deaths */
	for (size_t i = 0; i < rs->nchains; i++) {
		off[i] = all.n;
		chain_refs(rs, &rs->chains[i], &all);
	}
	off[rs->nchains] = all.n;
	for (size_t i = 0; d->made.table && i < d->made.nchains; i++)
		chain_refs(rs, &d->made.chains[i], &made);
	refs_count(all.v, all.n, 1, cnt0);
	refs_count(all.v, all.n, 1, cnt);
	refs_count(made.v, made.n, 1, cnt);
	for (size_t i = 0; i < rs->nchains; i++)
		if (skip[i])
			refs_count(all.v + off[i], off[i + 1] - off[i], -1, cnt);
	bury(r, rs, &all, off, cnt, dead, skip, work, nwork);
	/* a chain only the old rules of one made anew jumped to */
	for (size_t i = 0; i < rs->nchains; i++)
		if (cref0[i] && may_die(r, rs, i, dead, skip, cref)) {
			dead[i] = true;
			work[0] = i;
			bury(r, rs, &all, off, cnt, dead, skip, work, 1);
		}
	for (size_t i = 0; i < rs->nchains; i++)
		if (dead[i])
			name_add(&d->dchains, &d->ndchains, rs->chains[i].name);
	for (size_t i = 0; i < rs->nsets; i++)
		if (sref0[i] && !sref[i])
			name_add(&d->dsets, &d->ndsets, rs->sets[i].name);
	for (size_t i = 0; i < rs->ncounters; i++)
		if (kref0[i] && !kref[i])
			name_add(&d->dctrs, &d->ndctrs, rs->counters[i].name);
	keep = 0;
	for (size_t i = 0; i < d->ndel; i++)
		if (!(sref0[ruleset_find_set(rs, d->del[i].set) - rs->sets] &&
		      !sref[ruleset_find_set(rs, d->del[i].set) - rs->sets]))
			d->del[keep++] = d->del[i];
	d->ndel = keep;
	keep = 0;
	for (size_t i = 0; i < d->nadd; i++)
		if (!(sref0[ruleset_find_set(rs, d->add[i].set) - rs->sets] &&
		      !sref[ruleset_find_set(rs, d->add[i].set) - rs->sets]))
			d->add[keep++] = d->add[i];
	d->nadd = keep;
out:
	free(all.v);
	free(made.v);
	free(off);
	free(work);
	free(cref0);
	free(cref);
	free(sref0);
	free(sref);
	free(kref0);
	free(kref);
	free(dead);
	free(skip);
}

/* Keep what is in one list only: a removal, or an addition. */
static void net(struct els *olds, struct els *news, struct incr_delta *d)
{
	size_t i = 0, j = 0, capd = 0, capa = 0;

	xqsort(olds->v, olds->n, sizeof(*olds->v), el_cmp);
	xqsort(news->v, news->n, sizeof(*news->v), el_cmp);
	while (i < olds->n || j < news->n) {
		int c = i == olds->n ? 1 : j == news->n ? -1 : el_cmp(&olds->v[i], &news->v[j]);

		if (!c) {
			i++;
			j++;
		} else if (c < 0) {
			XGROW(d->del, capd, d->ndel);
			d->del[d->ndel++] = olds->v[i++];
		} else {
			XGROW(d->add, capa, d->nadd);
			d->add[d->nadd++] = news->v[j++];
		}
	}
}

/*
 * What the n pod changes ch do to table rs, compiled with recipe r from the
 * cluster c now holds (policies and namespaces as at the compilation), into
 * out (release: incr_delta_fini). Returns 0, or -EAGAIN when a full
 * compilation must do it (out is then empty).
 */
int incr_delta(struct incr *r, const struct cluster *c, const struct ruleset *rs,
	       const struct incr_change *ch, size_t n, const struct incr_polchange *pc, size_t npc,
	       struct incr_delta *out)
{
	struct els olds = { 0 }, news = { 0 };
	size_t acap = 0, gcap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!incr_usable(r))
		return -EAGAIN;
	for (size_t i = 0; i < n; i++)
		if (ch[i].old_ns)
			ns_changed(r, ch[i].old_ns->name);
	if (npc)
		ret = policies_changed(r, c, rs, ch, n, pc, npc, &olds, &news, out, &gcap);
	for (size_t i = 0; i < n && !ret; i++) {
		ret = pod_els(r, c, rs, ch[i].old, ch[i].old_ns, &olds, out, -1, &gcap);
		if (!ret)
			ret = pod_els(r, c, rs, ch[i].now, NULL, &news, out, 1, &gcap);
		out->local_pods += (ch[i].now && pod_local(r, ch[i].now)) -
				   (ch[i].old && pod_local(r, ch[i].old));
		addr_changes(out, ch[i].old, -1, &acap);
		addr_changes(out, ch[i].now, 1, &acap);
	}
	if (!ret && !addrs_ok(r, out))
		ret = -EAGAIN;
	if (!ret)
		net(&olds, &news, out);
	for (size_t i = 0; !ret && i < out->ndel; i++) {
		bool found;

		if (!in_table(rs, &out->del[i], &found) || !found)
			ret = -EAGAIN;
	}
	for (size_t i = 0; !ret && i < out->nadd; i++) {
		const struct rs_set *s = ruleset_find_set(rs, out->add[i].set);
		const struct rs_elem *have = s ? ruleset_set_find_key(s, out->add[i].e.key) : NULL;
		bool replaced = false;

		/* present already only as the map element it replaces */
		for (size_t j = 0; have && j < out->ndel && !replaced; j++)
			replaced = !strcmp(out->del[j].set, out->add[i].set) &&
				   !memcmp(out->del[j].e.key, out->add[i].e.key, RS_KEY_MAX);
		if (!s || (have && !replaced))
			ret = -EAGAIN;
	}
	if (!ret && !audit_ok(rs, out))
		ret = -EAGAIN;
	if (!ret && npc)
		ret = plan_rewrites(r, rs, pc, npc, out);
	if (!ret) {
		make_needs(r, c, out); /* nothing fails after this */
		count_groups(out, 1);
		collect_dead(r, rs, out); /* what the made chains use stays */
		count_groups(out, -1);
	}
	free(olds.v);
	free(news.v);
	if (ret)
		incr_delta_fini(out);
	return ret;
}

/* Add to d the change of the one-element set called set to the value val (len bytes). */
int incr_delta_stamp(struct incr_delta *d, const struct ruleset *rs, const char *set,
		     const void *val, size_t len)
{
	const struct rs_set *s = ruleset_find_set(rs, set);
	struct incr_el e = { .set = set };

	if (!s || len > RS_KEY_MAX)
		return -ENOENT;
	memcpy(e.e.key, val, len);
	if (s->nelems == 1 && !memcmp(s->elems[0].key, e.e.key, RS_KEY_MAX))
		return 0;
	for (size_t i = 0; i < s->nelems; i++) {
		d->del = xrealloc(d->del, (d->ndel + 1) * sizeof(*d->del));
		d->del[d->ndel] = (struct incr_el){ .set = set, .e = s->elems[i] };
		d->del[d->ndel++].e.chain = NULL;
	}
	d->add = xrealloc(d->add, (d->nadd + 1) * sizeof(*d->add));
	d->add[d->nadd++] = e;
	xqsort(d->del, d->ndel, sizeof(*d->del), el_cmp);
	xqsort(d->add, d->nadd, sizeof(*d->add), el_cmp);
	return 0;
}

static void plan_ops(struct diff_plan *p, const struct ruleset *rs, enum diff_op_kind kind,
		     const struct incr_el *v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		struct diff_op *op;

		for (j = i; j < n && !strcmp(v[j].set, v[i].set); j++)
			;
		XGROW(p->ops, p->cap, p->nops);
		op = &p->ops[p->nops++];
		*op = (struct diff_op){ .kind = kind, .set = ruleset_find_set(rs, v[i].set) };
		op->elems = xcalloc(j - i, sizeof(*op->elems));
		for (size_t m = i; m < j; m++)
			op->elems[op->nelems++] = &v[m].e;
	}
}

/*
 * The transaction that makes table rs what d says, as a diff plan (elements
 * removed, then added); borrows from d and rs.
 */
static bool chain_same(const struct rs_chain *a, const struct rs_chain *b)
{
	return !strcmp(a->comment ? a->comment : "", b->comment ? b->comment : "") &&
	       ruleset_chain_rules_eq(a, b);
}

/*
 * Move what d made into rs (names recorded in d), so that the rules of the made
 * chains find their sets there: from then on rs holds them, whether the plan
 * is committed or not. A chain made anew replaces the table's of its name
 * (unless equal: then only the name string moves, which the compiler's names
 * point to).
 */
static void take_made(struct incr_delta *d, struct ruleset *rs)
{
	size_t old = 0;

	if (d->taken)
		return;
	d->taken = true;
	for (size_t i = 0; i < d->made.ncounters; i++) {
		name_add(&d->mctrs, &d->nmctrs, d->made.counters[i].name);
		ruleset_take_counter(rs, &d->made.counters[i]);
	}
	for (size_t i = 0; i < d->made.nsets; i++) {
		name_add(&d->msets, &d->nmsets, d->made.sets[i].name);
		ruleset_take_set(rs, &d->made.sets[i]);
	}
	for (size_t i = 0; i < d->made.nchains; i++) {
		struct rs_chain *have = ruleset_find_chain(rs, d->made.chains[i].name);
		struct rs_chain tmp;

		if (!have) {
			name_add(&d->mchains, &d->nmchains, d->made.chains[i].name);
			ruleset_take_chain(rs, &d->made.chains[i]);
			continue;
		}
		/* made anew: it replaces the table's, which made keeps to free */
		if (!chain_same(have, &d->made.chains[i])) {
			tmp = *have;
			*have = d->made.chains[i];
			d->made.chains[i] = tmp;
			name_add(&d->rwchains, &d->nrwchains, have->name);
		} else { /* the same: only the name (the compiler's names point to it) */
			char *name = have->name;

			have->name = d->made.chains[i].name;
			d->made.chains[i].name = name;
		}
		d->made.chains[old++] = d->made.chains[i];
	}
	d->made.ncounters = d->made.nsets = 0;
	d->made.nchains = old;
}

static void op_add(struct diff_plan *p, struct diff_op op)
{
	XGROW(p->ops, p->cap, p->nops);
	p->ops[p->nops++] = op;
}

/*
 * The transaction that makes table rs what d says, as a diff plan: counters,
 * chains and sets made; chains removed flushed; elements removed; sets removed;
 * elements added; the made chains' rules; chains removed. Borrows from d and
 * rs. The objects d made move into rs here (see take_made).
 */
void incr_plan(struct incr_delta *d, struct ruleset *rs, struct diff_plan *out)
{
	memset(out, 0, sizeof(*out));
	take_made(d, rs);
	out->new = rs;
	out->ctr_add = xcalloc(d->nmctrs + 1, sizeof(*out->ctr_add));
	for (size_t i = 0; i < d->nmctrs; i++)
		out->ctr_add[out->nctr_add++] = ruleset_find_counter(rs, d->mctrs[i]);
	for (size_t i = 0; i < d->nmchains; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_ADD_CHAIN,
					      .chain = ruleset_find_chain(rs, d->mchains[i]) });
	for (size_t i = 0; i < d->nmsets; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_ADD_SET,
					      .set = ruleset_find_set(rs, d->msets[i]) });
	for (size_t i = 0; i < d->ndchains; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_FLUSH_CHAIN,
					      .chain = ruleset_find_chain(rs, d->dchains[i]) });
	for (size_t i = 0; i < d->nrwchains; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_FLUSH_CHAIN,
					      .chain = ruleset_find_chain(rs, d->rwchains[i]) });
	plan_ops(out, rs, DIFF_DEL_ELEMS, d->del, d->ndel);
	for (size_t i = 0; i < d->ndsets; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_DEL_SET,
					      .set = ruleset_find_set(rs, d->dsets[i]) });
	plan_ops(out, rs, DIFF_ADD_ELEMS, d->add, d->nadd);
	for (size_t i = 0; i < d->nmchains + d->nrwchains; i++)
		op_add(out,
		       (struct diff_op){
			       .kind = DIFF_ADD_RULES,
			       .chain = ruleset_find_chain(rs,
							   i < d->nmchains
								   ? d->mchains[i]
								   : d->rwchains[i -
										 d->nmchains]) });
	for (size_t i = 0; i < d->ndchains; i++)
		op_add(out, (struct diff_op){ .kind = DIFF_DEL_CHAIN,
					      .chain = ruleset_find_chain(rs, d->dchains[i]) });
	out->ctr_del = xcalloc(d->ndctrs + 1, sizeof(*out->ctr_del));
	for (size_t i = 0; i < d->ndctrs; i++)
		out->ctr_del[out->nctr_del++] = ruleset_find_counter(rs, d->dctrs[i]);
	out->st.elems_removed = d->ndel;
	out->st.elems_added = d->nadd;
	out->st.chains_removed = d->ndchains;
	out->st.sets_removed = d->ndsets;
	out->st.counters_removed = d->ndctrs;
	out->st.chains_added = d->nmchains;
	out->st.sets_added = d->nmsets;
	out->st.counters_added = d->nmctrs;
	out->st.chains_rewritten = d->nrwchains;
}

/* The objects d removes leave rs, and the recipe forgets them. */
static void commit_dead(struct incr *r, struct ruleset *rs, const struct incr_delta *d)
{
	struct strmap *dsets = strmap_new();

	for (size_t i = 0; i < d->ndsets; i++)
		strmap_put(dsets, d->dsets[i], (void *)1);
	for (size_t i = 0; i < r->npods; i++)
		if (r->pods[i].set && strmap_get(dsets, r->pods[i].set)) {
			free(r->pods[i].set);
			r->pods[i].set = NULL;
		}
	for (size_t i = 0; i < r->nnamed; i++)
		if (r->named[i].set && strmap_get(dsets, r->named[i].set)) {
			free(r->named[i].set);
			r->named[i].set = NULL;
		}
	strmap_free(dsets);
	for (size_t i = 0; i < d->ndchains; i++) {
		struct group *g = strmap_get(r->chains, d->dchains[i]);

		if (g) {
			strmap_put(r->groups, g->key, NULL);
			if (r->objs)
				strmap_put(r->objs, g->key, NULL);
			strmap_put(r->chains, g->chain, NULL);
			free(g->chain);
			g->chain = NULL;
		}
	}
	/* names are the table's: look each up before it goes */
	for (size_t i = d->ndchains; i-- > 0;) {
		if (r->objs)
			lower_forget(r->objs, r->names, d->dchains[i]);
		ruleset_remove_chain(rs, ruleset_find_chain(rs, d->dchains[i]));
	}
	for (size_t i = d->ndsets; i-- > 0;) {
		if (r->objs)
			lower_forget(r->objs, r->names, d->dsets[i]);
		ruleset_remove_set(rs, ruleset_find_set(rs, d->dsets[i]));
	}
	for (size_t i = d->ndctrs; i-- > 0;) {
		if (r->objs)
			lower_forget(r->objs, r->names, d->dctrs[i]);
		ruleset_remove_counter(rs, ruleset_find_counter(rs, d->dctrs[i]));
	}
}

/* d was committed: make rs and the recipe's counts say so. */
void incr_commit(struct incr *r, struct ruleset *rs, struct incr_delta *d)
{
	take_made(d, rs); /* unless incr_plan() did */
	/* set by set (del and add are sorted by set, then key): one pass each */
	for (size_t i = 0, j = 0; i < d->ndel || j < d->nadd;) {
		const char *name =
			i < d->ndel && (j == d->nadd || strcmp(d->del[i].set, d->add[j].set) <= 0)
				? d->del[i].set
				: d->add[j].set;
		size_t i2 = i, j2 = j;
		const struct rs_elem **dv, **av;

		while (i2 < d->ndel && !strcmp(d->del[i2].set, name))
			i2++;
		while (j2 < d->nadd && !strcmp(d->add[j2].set, name))
			j2++;
		dv = xcalloc(i2 - i + 1, sizeof(*dv));
		av = xcalloc(j2 - j + 1, sizeof(*av));
		for (size_t m = i; m < i2; m++)
			dv[m - i] = &d->del[m].e;
		for (size_t m = j; m < j2; m++)
			av[m - j] = &d->add[m].e;
		ruleset_set_merge(ruleset_find_set(rs, name), dv, i2 - i, av, j2 - j);
		free(dv);
		free(av);
		i = i2;
		j = j2;
	}
	count_groups(d, 1);
	for (size_t i = 0; i < d->naddrs; i++) {
		addr_slot(r, &d->addrs[i].a, true)->count += (uint32_t)d->addrs[i].d;
		r->famcount[d->addrs[i].a.family == AF_INET6] += (size_t)(long)d->addrs[i].d;
	}
	commit_dead(r, rs, d);
}

void incr_delta_fini(struct incr_delta *d)
{
	for (size_t i = 0; i < d->nneeds; i++) {
		free(d->needs[i].pols);
		free(d->needs[i].key);
	}
	free(d->needs);
	for (size_t i = 0; i < d->nrw; i++)
		free(d->rw[i].pols);
	free(d->rw);
	free(d->rwchains);
	free(d->mchains);
	free(d->msets);
	free(d->mctrs);
	if (d->made.table)
		ruleset_fini(&d->made);
	compile_meta_fini(&d->meta);
	free(d->grefs);
	free(d->dchains);
	free(d->dsets);
	free(d->dctrs);
	free(d->del);
	free(d->add);
	free(d->addrs);
	memset(d, 0, sizeof(*d));
}
