// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The object store (see store.h): a struct cluster holding the objects, and an
 * open-addressing hash index (linear probing, backward-shift deletion) from
 * "kind/namespace/name" to the object's position in its cluster array.
 */
#include "agent/kube/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kube/intern.h"
#include "base/strmap.h"
#include "base/xalloc.h"

#define EMPTY SIZE_MAX

/*
 * An index entry. It keeps no key of its own: the object's name pointer (which
 * moves with the object when arrays are sorted or compacted) identifies it,
 * and a lookup by name compares with the object at pos.
 */
struct ent {
	const char *name; /* the object's own name; NULL: free slot */
	union {
		uint64_t n; /* RV_NUM */
		char *s;    /* RV_STR: owned */
	} rv;		    /* the resourceVersion (rv_set()) */
	uint32_t hash;	    /* key_hash() of kind, namespace and name */
	uint32_t pos;	    /* index into the cluster array of kind */
	uint32_t mark;	    /* epoch of the last upsert, for relists */
	uint8_t kind;	    /* enum store_kind */
	bool implied;	    /* a namespace model_cluster_seal() added */
	uint8_t rvk;	    /* RV_NONE, RV_NUM or RV_STR */
};

/* How an entry holds its resourceVersion: none, a number, a string. */
enum { RV_NONE, RV_NUM, RV_STR };

static void rv_clear(struct ent *e)
{
	if (e->rvk == RV_STR)
		free(e->rv.s);
	e->rvk = RV_NONE;
}

/* What names an object: its kind, namespace (NULL: cluster-scoped) and name. */
struct ident {
	enum store_kind kind;
	const char *ns, *name;
};

struct store {
	struct cluster c; /* owns the objects */
	struct ent *slots;
	size_t cap;		   /* power of two, or 0 */
	size_t n;		   /* slots in use */
	size_t count[STORE_KINDS]; /* objects from the API (implied ones not counted) */
	uint64_t gen;		   /* bumped by every change */
	uint64_t sealed_gen;	   /* gen at the last store_snapshot(), or ~0 */
	uint32_t epoch;		   /* current relist epoch */
	unsigned dirty;		   /* since the last seal: DIRTY_ORDER(arr), DIRTY_NS */
	bool pol_ns_unknown;	   /* a policy came in a namespace not listed (then) */
	bool pod_ns_unknown;	   /* so did a pod */
	uint32_t *moved;	   /* pod positions appended or refilled since the seal */
	size_t nmoved, capmoved;
	bool moved_all;		/* too many to list: the next seal sorts every pod */
	size_t nimplied;	/* namespaces model_cluster_seal() added */
	struct store_journal j; /* changes since store_journal_start() */
	struct strmap *jidx;	/* pod key -> 1 + index into j.pods; NULL: no journal */
	struct intern *in;	/* the strings pods share (pod_pack) */
	char rvbuf[24];		/* store_rv()'s text of a numeric resourceVersion */
};

/* What store_snapshot() must redo: an array's order, the namespaces. */
#define DIRTY_ORDER(a) (1u << (a))
#define DIRTY_NS (1u << 8)

static const char kind_letter[STORE_KINDS] = { 'N', 'P', 'K', 'O', 'C', 'A', 'B' };

static const struct store_kind_info kind_info[STORE_KINDS] = {
	[STORE_NAMESPACE] = { "Namespace", "v1", "namespaces", "/api/v1/namespaces", false },
	[STORE_POD] = { "Pod", "v1", "pods", "/api/v1/pods", false },
	[STORE_NETPOL] = { "NetworkPolicy", "networking.k8s.io/v1", "networkpolicies",
			   "/apis/networking.k8s.io/v1/networkpolicies", false },
	[STORE_NODE] = { "Node", "v1", "nodes", "/api/v1/nodes", false },
	[STORE_CNP] = { "ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2",
			"clusternetworkpolicies",
			"/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies", true },
	[STORE_ANP] = { "AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1",
			"adminnetworkpolicies",
			"/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies", true },
	[STORE_BANP] = { "BaselineAdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1",
			 "baselineadminnetworkpolicies",
			 "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies",
			 true },
};

/* "Namespace", "Pod", "NetworkPolicy", ... */
const char *store_kind_name(enum store_kind kind)
{
	return kind_info[kind].kind;
}

const struct store_kind_info *store_kind_info(enum store_kind kind)
{
	return &kind_info[kind];
}

/* The store kind of a cluster network policy decoded from src. */
enum store_kind store_cnp_kind(enum cnp_source src)
{
	return src == CNP_SRC_CNP ? STORE_CNP : src == CNP_SRC_ANP ? STORE_ANP : STORE_BANP;
}

static void journal_drop(struct store *s);

struct store *store_new(void)
{
	struct store *s = xcalloc(1, sizeof(*s));

	model_cluster_init(&s->c);
	s->sealed_gen = ~(uint64_t)0;
	s->in = intern_new();
	return s;
}

/*
 * A pod's labels, shared: one array of interned strings for all pods with
 * these labels (those of one template); the array holds one count of each
 * string, however many pods share it.
 */
static struct label *share_labels(struct store *s, const struct labels *l)
{
	struct label *v = xcalloc(l->n + 1, sizeof(*v)), *shared = NULL;

	for (size_t i = 0; i < l->n; i++) {
		v[i].key = intern_get(s->in, l->v[i].key);
		v[i].value = intern_get(s->in, l->v[i].value);
	}
	if (l->n)
		shared = intern_get_blob(s->in, v, l->n * sizeof(*v));
	if (shared && intern_refs(shared) > 1) /* it was there: it has its strings */
		for (size_t i = 0; i < l->n; i++) {
			intern_put(s->in, v[i].key);
			intern_put(s->in, v[i].value);
		}
	free(v);
	return shared;
}

/* A pod's named ports, shared as its labels are. */
static struct pod_port *share_ports(struct store *s, const struct pod_port *p, size_t n)
{
	struct pod_port *v = xcalloc(n + 1, sizeof(*v)), *shared = NULL; /* padding zeroed */

	for (size_t i = 0; i < n; i++)
		v[i] = (struct pod_port){ intern_get(s->in, p[i].name), p[i].proto, p[i].port };
	if (n)
		shared = intern_get_blob(s->in, v, n * sizeof(*v));
	for (size_t i = 0; shared && intern_refs(shared) > 1 && i < n; i++)
		intern_put(s->in, v[i].name);
	free(v);
	return shared;
}

/*
 * A pod as the store keeps it (in place of p, whose other strings are freed):
 * its name its own, its namespace, node and origin interned, its labels and
 * ports shared (share_labels). Such a pod is read as any struct pod but freed
 * only by pod_release().
 */
static void pod_pack(struct store *s, struct pod *p)
{
	struct pod q = *p;

	q.ns = intern_get(s->in, p->ns);
	q.node = intern_get(s->in, p->node);
	q.labels.v = share_labels(s, &p->labels);
	q.ports = share_ports(s, p->ports, p->nports);
	q.origin.file = intern_get(s->in, p->origin.file);
	p->name = NULL; /* taken */
	model_pod_fini(p);
	*p = q;
}

/* Free what a pod_pack()ed pod holds (nothing when it is zeroed) and zero it. */
static void pod_release(struct store *s, struct pod *p)
{
	struct label *l = p->labels.v;
	struct pod_port *pp = p->ports;

	for (size_t i = 0; l && intern_refs(l) == 1 && i < p->labels.n; i++) {
		intern_put(s->in, l[i].key);
		intern_put(s->in, l[i].value);
	}
	for (size_t i = 0; pp && intern_refs(pp) == 1 && i < p->nports; i++)
		intern_put(s->in, pp[i].name);
	intern_put(s->in, l);
	intern_put(s->in, pp);
	intern_put(s->in, p->ns);
	intern_put(s->in, p->node);
	intern_put(s->in, p->origin.file);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

/*
 * Put o, an object not yet handed to the store, into the form the store keeps
 * (pods: pod_pack()) now, while the caller still holds it: a LIST's pages of
 * pods are then kept compact until the relist, not as decoded. Once packed,
 * o is freed by store_obj_release() (or handed to the store).
 */
void store_pack(struct store *s, struct store_obj *o)
{
	if (o->kind == STORE_POD && !o->packed)
		pod_pack(s, &o->u.pod);
	o->packed = true;
}

/* Free what an object holds, packed or not (one that was not handed to the store). */
void store_obj_release(struct store *s, struct store_obj *o)
{
	if (o->packed && o->kind == STORE_POD) {
		pod_release(s, &o->u.pod);
		free(o->rv);
		o->rv = NULL;
	} else {
		store_obj_fini(o);
	}
	o->packed = false;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		rv_clear(&s->slots[i]);
	free(s->slots);
	for (size_t i = 0; i < s->c.npods; i++)
		pod_release(s, &s->c.pods[i]);
	model_cluster_fini(&s->c);
	if (s->jidx)
		journal_drop(s);
	strmap_free(s->jidx);
	intern_free(s->in);
	free(s->moved);
	free(s);
}

/*
 * Free what an object holds (one that was not handed to the store, nor
 * store_pack()ed).
 */
void store_obj_fini(struct store_obj *o)
{
	free(o->rv);
	o->rv = NULL;
	switch (o->kind) {
	case STORE_NAMESPACE:
		model_ns_fini(&o->u.ns);
		break;
	case STORE_POD:
		model_pod_fini(&o->u.pod);
		break;
	case STORE_NETPOL:
		model_netpol_fini(&o->u.pol);
		break;
	case STORE_NODE:
		model_node_fini(&o->u.node);
		break;
	case STORE_CNP:
	case STORE_ANP:
	case STORE_BANP:
		model_cnp_fini(&o->u.cnp);
		break;
	}
}

/* "K/ns/name" (K: the kind's letter), without printf: reindexing makes 100k of them. */
static char *make_key(enum store_kind kind, const char *ns, const char *name)
{
	size_t nl = ns ? strlen(ns) : 0, ml = strlen(name);
	char *key = xmalloc(nl + ml + 4);

	key[0] = kind_letter[kind];
	key[1] = '/';
	if (nl)
		memcpy(key + 2, ns, nl);
	key[2 + nl] = '/';
	memcpy(key + 3 + nl, name, ml + 1);
	return key;
}

/*
 * The cluster arrays the objects live in: one per kind, but the three kinds of
 * cluster network policy share c->cnps (the object's source tells them apart).
 */
enum arr {
	ARR_NS,
	ARR_POD,
	ARR_POL,
	ARR_NODE,
	ARR_CNP,
};
#define ARRS 5

static enum arr arr_of(enum store_kind kind)
{
	static const enum arr a[STORE_KINDS] = {
		[STORE_NAMESPACE] = ARR_NS, [STORE_POD] = ARR_POD, [STORE_NETPOL] = ARR_POL,
		[STORE_NODE] = ARR_NODE,    [STORE_CNP] = ARR_CNP, [STORE_ANP] = ARR_CNP,
		[STORE_BANP] = ARR_CNP,
	};

	return a[kind];
}

/* Who the object at pos of array a is. */
static struct ident pos_ident(const struct cluster *c, enum arr a, size_t pos)
{
	switch (a) {
	case ARR_NS:
		return (struct ident){ STORE_NAMESPACE, NULL, c->nss[pos].name };
	case ARR_POD:
		return (struct ident){ STORE_POD, c->pods[pos].ns, c->pods[pos].name };
	case ARR_POL:
		return (struct ident){ STORE_NETPOL, c->pols[pos].ns, c->pols[pos].name };
	case ARR_NODE:
		return (struct ident){ STORE_NODE, NULL, c->nodes[pos].name };
	default:
		return (struct ident){ store_cnp_kind(c->cnps[pos].source), NULL,
				       c->cnps[pos].name };
	}
}

static struct ident obj_ident(const struct store_obj *o)
{
	switch (o->kind) {
	case STORE_NAMESPACE:
		return (struct ident){ o->kind, NULL, o->u.ns.name };
	case STORE_POD:
		return (struct ident){ o->kind, o->u.pod.ns, o->u.pod.name };
	case STORE_NETPOL:
		return (struct ident){ o->kind, o->u.pol.ns, o->u.pol.name };
	case STORE_NODE:
		return (struct ident){ o->kind, NULL, o->u.node.name };
	default:
		return (struct ident){ o->kind, NULL, o->u.cnp.name };
	}
}

/* "kind/namespace/name", the journal's key of an object. */
static char *ident_key(const struct ident *id)
{
	return make_key(id->kind, id->ns, id->name);
}

/* FNV-1a of ident_key(id), without making it. */
static uint32_t key_hash(const struct ident *id)
{
	const char *parts[3] = { id->ns ? id->ns : "", "/", id->name };
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ (unsigned char)kind_letter[id->kind]) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (int k = 0; k < 3; k++)
		for (const char *p = parts[k]; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return (uint32_t)h;
}

static size_t arr_len(const struct cluster *c, enum arr a)
{
	const size_t n[ARRS] = { c->nnss, c->npods, c->npols, c->nnodes, c->ncnps };

	return n[a];
}

/* -- the index -------------------------------------------------------------- */

static bool ns_equal(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The namespace of the object e stands for (NULL: cluster-scoped). */
static const char *ent_ns(const struct store *s, const struct ent *e)
{
	if (e->kind == STORE_POD)
		return s->c.pods[e->pos].ns;
	return e->kind == STORE_NETPOL ? s->c.pols[e->pos].ns : NULL;
}

/* The slot of the object id names (hash: key_hash(id)), or EMPTY. */
static size_t find(const struct store *s, const struct ident *id, uint32_t hash)
{
	if (!s->cap)
		return EMPTY;
	for (size_t i = hash & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		const struct ent *e = &s->slots[i];

		if (!e->name)
			return EMPTY;
		if (e->hash == hash && e->kind == id->kind && !strcmp(e->name, id->name) &&
		    ns_equal(ent_ns(s, e), id->ns))
			return i;
	}
}

/* The slot of the object whose name is the string at name, or EMPTY. */
static size_t find_own(const struct store *s, uint32_t hash, const char *name)
{
	if (!s->cap)
		return EMPTY;
	for (size_t i = hash & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i].name)
			return EMPTY;
		if (s->slots[i].name == name)
			return i;
	}
}

static size_t place(struct ent *slots, size_t cap, const struct ent *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i].name)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
	return i;
}

static void grow(struct store *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64;
	struct ent *n = xcalloc(ncap, sizeof(*n));

	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].name)
			place(n, ncap, &s->slots[i]);
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
}

/* Add an entry for the object called name (its own string) and return it. */
static struct ent *insert(struct store *s, uint32_t hash, const char *name)
{
	struct ent e = { .name = name, .hash = hash };

	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	s->n++;
	return &s->slots[place(s->slots, s->cap, &e)];
}

/* Free slot i and shift the entries after it back so that probing still works. */
static void remove_slot(struct store *s, size_t i)
{
	size_t mask = s->cap - 1, j = i;

	rv_clear(&s->slots[i]);
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!s->slots[j].name)
			break;
		home = s->slots[j].hash & mask;
		/* Leave j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		s->slots[i] = s->slots[j];
		i = j;
	}
	memset(&s->slots[i], 0, sizeof(s->slots[i]));
	s->n--;
}

static struct ent *lookup(const struct store *s, enum store_kind kind, const char *ns,
			  const char *name)
{
	struct ident id = { kind, ns, name };
	size_t i = find(s, &id, key_hash(&id));

	return i == EMPTY ? NULL : &s->slots[i];
}

/* -- the object arrays ---------------------------------------------------- */

/* Move the object of o into a new last element of its array; return its position. */
static size_t arr_append(struct cluster *c, struct store_obj *o)
{
	switch (arr_of(o->kind)) {
	case ARR_NS:
		XGROW(c->nss, c->capnss, c->nnss);
		c->nss[c->nnss] = o->u.ns;
		return c->nnss++;
	case ARR_POD:
		XGROW(c->pods, c->cappods, c->npods);
		c->pods[c->npods] = o->u.pod;
		return c->npods++;
	case ARR_POL:
		XGROW(c->pols, c->cappols, c->npols);
		c->pols[c->npols] = o->u.pol;
		return c->npols++;
	case ARR_NODE:
		XGROW(c->nodes, c->capnodes, c->nnodes);
		c->nodes[c->nnodes] = o->u.node;
		return c->nnodes++;
	default:
		XGROW(c->cnps, c->capcnps, c->ncnps);
		c->cnps[c->ncnps] = o->u.cnp;
		return c->ncnps++;
	}
}

/* Free the object at pos of array a; with o, move its object there. */
static void arr_put(struct store *s, enum arr a, size_t pos, struct store_obj *o)
{
	struct cluster *c = &s->c;

	switch (a) {
	case ARR_NS:
		model_ns_fini(&c->nss[pos]);
		if (o)
			c->nss[pos] = o->u.ns;
		break;
	case ARR_POD:
		pod_release(s, &c->pods[pos]);
		if (o)
			c->pods[pos] = o->u.pod;
		break;
	case ARR_POL:
		model_netpol_fini(&c->pols[pos]);
		if (o)
			c->pols[pos] = o->u.pol;
		break;
	case ARR_NODE:
		model_node_fini(&c->nodes[pos]);
		if (o)
			c->nodes[pos] = o->u.node;
		break;
	case ARR_CNP:
		model_cnp_fini(&c->cnps[pos]);
		if (o)
			c->cnps[pos] = o->u.cnp;
		break;
	}
}

/* Move the last object of array a to pos (already freed) and shorten the array. */
static void arr_move_last(struct cluster *c, enum arr a, size_t pos)
{
	switch (a) {
	case ARR_NS:
		c->nss[pos] = c->nss[--c->nnss];
		break;
	case ARR_POD:
		c->pods[pos] = c->pods[--c->npods];
		break;
	case ARR_POL:
		c->pols[pos] = c->pols[--c->npols];
		break;
	case ARR_NODE:
		c->nodes[pos] = c->nodes[--c->nnodes];
		break;
	case ARR_CNP:
		c->cnps[pos] = c->cnps[--c->ncnps];
		break;
	}
}

/* The pod now at pos may be out of the sealed order (see resort_pods()). */
static void pod_moved(struct store *s, size_t pos)
{
	if (s->moved_all || (s->nmoved >= 64 && s->nmoved > s->c.npods / 4)) {
		s->moved_all = true; /* too many: the next seal sorts them all */
		return;
	}
	XGROW(s->moved, s->capmoved, s->nmoved);
	s->moved[s->nmoved++] = (uint32_t)pos;
}

/* Free the object at pos; the last object of the array moves into its place. */
static void arr_remove(struct store *s, enum store_kind kind, size_t pos)
{
	struct cluster *c = &s->c;
	enum arr a = arr_of(kind);
	size_t last = arr_len(c, a) - 1;
	struct ident id;
	size_t i;

	arr_put(s, a, pos, NULL);
	arr_move_last(c, a, pos);
	if (pos == last)
		return;
	if (a == ARR_POD)
		pod_moved(s, pos);
	id = pos_ident(c, a, pos);
	i = find_own(s, key_hash(&id), id.name);
	if (i != EMPTY)
		s->slots[i].pos = (uint32_t)pos;
}

/* -- the journal ---------------------------------------------------------- */

static void journal_drop(struct store *s)
{
	for (size_t i = 0; i < s->j.npods; i++) {
		free(s->j.pods[i].ns);
		free(s->j.pods[i].name);
		if (s->j.pods[i].had)
			pod_release(s, &s->j.pods[i].old);
	}
	free(s->j.pods);
	s->j.pods = NULL;
	s->j.npods = s->j.cap = 0;
	for (size_t i = 0; i < s->j.nnss; i++)
		model_ns_fini(&s->j.nss[i].old);
	free(s->j.nss);
	s->j.nss = NULL;
	s->j.nnss = s->j.capnss = 0;
	for (size_t i = 0; i < s->j.npols; i++) {
		free(s->j.pols[i].ns);
		free(s->j.pols[i].name);
	}
	free(s->j.pols);
	s->j.pols = NULL;
	s->j.npols = s->j.cappols = 0;
	strmap_free(s->jidx);
	s->jidx = strmap_new();
}

/* A change to anything but a pod: the journal can no longer tell what changed. */
static void journal_structural(struct store *s)
{
	if (!s->jidx || s->j.structural)
		return;
	s->j.structural = true;
	journal_drop(s);
}

/*
 * Pod at pos (key) is about to change or go: remember its version as of the
 * journal's start (the first change only), taking it out of the array (pos
 * then holds a zeroed pod); had: it existed (else it is new since the start).
 */
static void journal_pod(struct store *s, const char *key, const struct pod *p, size_t pos, bool had)
{
	struct store_pod_change *ch;

	if (!s->jidx || s->j.structural || strmap_get(s->jidx, key))
		return;
	if (s->j.npods >= STORE_JOURNAL_MAX) {
		journal_structural(s);
		return;
	}
	XGROW(s->j.pods, s->j.cap, s->j.npods);
	ch = &s->j.pods[s->j.npods++];
	memset(ch, 0, sizeof(*ch));
	ch->had = had;
	ch->ns = xstrdup(p->ns);
	ch->name = xstrdup(p->name);
	if (had) {
		ch->old = s->c.pods[pos];
		memset(&s->c.pods[pos], 0, sizeof(s->c.pods[pos]));
	}
	strmap_put(s->jidx, key, (void *)(uintptr_t)s->j.npods);
}

/*
 * Namespace at pos (key, listed: not implied) gets new labels: remember its
 * old self (the first change only), taking it out of the array.
 */
static void journal_ns(struct store *s, const char *key, size_t pos)
{
	char *nkey;

	if (!s->jidx || s->j.structural)
		return;
	nkey = xasprintf("%s#ns", key);
	if (strmap_get(s->jidx, nkey)) {
		free(nkey);
		return;
	}
	XGROW(s->j.nss, s->j.capnss, s->j.nnss);
	s->j.nss[s->j.nnss++].old = s->c.nss[pos];
	memset(&s->c.nss[pos], 0, sizeof(s->c.nss[pos]));
	strmap_put(s->jidx, nkey, (void *)(uintptr_t)s->j.nnss);
	free(nkey);
}

/* NetworkPolicy ns/name (key) is created, changed or deleted: note its name (once). */
static void journal_pol(struct store *s, const char *key, const char *ns, const char *name)
{
	char *pkey;

	if (!s->jidx || s->j.structural)
		return;
	if (s->j.npols >= STORE_JOURNAL_MAX) {
		journal_structural(s);
		return;
	}
	pkey = xasprintf("%s#pol", key);
	if (!strmap_get(s->jidx, pkey)) {
		XGROW(s->j.pols, s->j.cappols, s->j.npols);
		s->j.pols[s->j.npols++] = (struct store_pol_change){ xstrdup(ns), xstrdup(name) };
		strmap_put(s->jidx, pkey, (void *)(uintptr_t)s->j.npols);
	}
	free(pkey);
}

/*
 * Start (or restart) recording changes: from now on the store remembers, for
 * every pod that changes, its version at this moment; a change to any other
 * kind marks the journal structural (the caller must then look at everything).
 */
void store_journal_start(struct store *s)
{
	if (!s->jidx)
		s->jidx = strmap_new();
	journal_drop(s);
	s->j.structural = false;
}

/* The changes since store_journal_start() (NULL before it). */
const struct store_journal *store_journal(const struct store *s)
{
	return s->jidx ? &s->j : NULL;
}

/* The pod ns/name as it is now, or NULL. */
const struct pod *store_pod(const struct store *s, const char *ns, const char *name)
{
	const struct ent *e = lookup(s, STORE_POD, ns, name);

	return e ? &s->c.pods[e->pos] : NULL;
}

/*
 * The objects as they are, unsealed: pods in no particular order; the other
 * arrays as the last store_snapshot() left them when the journal is not
 * structural.
 */
const struct cluster *store_cluster(const struct store *s)
{
	return &s->c;
}

/* -- public operations ---------------------------------------------------- */

/*
 * The value of a resourceVersion that is a canonical decimal number (what
 * etcd's revisions are): no sign, no leading zero, at most 19 digits.
 */
static bool rv_num(const char *rv, uint64_t *v)
{
	size_t len = rv ? strlen(rv) : 0;
	uint64_t n = 0;

	if (!len || len > 19 || (rv[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (rv[i] < '0' || rv[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(rv[i] - '0');
	}
	*v = n;
	return true;
}

/* Give e resourceVersion rv (taken; may be NULL): as a number when it is one. */
static void rv_set(struct ent *e, char *rv)
{
	uint64_t n;

	rv_clear(e);
	if (rv_num(rv, &n)) {
		e->rvk = RV_NUM;
		e->rv.n = n;
		free(rv);
	} else if (rv) {
		e->rvk = RV_STR;
		e->rv.s = rv;
	}
}

/* Whether e was last seen at resourceVersion rv (never when either is unknown). */
static bool rv_equal(const struct ent *e, const char *rv)
{
	uint64_t n;

	if (e->rvk == RV_NUM)
		return rv_num(rv, &n) && n == e->rv.n;
	return e->rvk == RV_STR && rv && !strcmp(e->rv.s, rv);
}

static bool addrs_same(const struct addr *a, size_t na, const struct addr *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/*
 * Whether node n says what node o says, as far as policies go (its labels,
 * addresses and pod CIDRs): kubelets update their Node's status every few
 * minutes, and a cluster of 1,000 nodes would otherwise recompile every
 * second.
 */
static bool node_same(const struct k8s_node *o, const struct k8s_node *n)
{
	return model_labels_eq(&o->labels, &n->labels) &&
	       addrs_same(o->addrs, o->naddrs, n->addrs, n->naddrs) &&
	       addrs_same(o->pod_cidrs, o->npod_cidrs, n->pod_cidrs, n->npod_cidrs);
}

/*
 * Add or replace the object o describes; the store takes what o holds (also on
 * failure, when it is freed). An object seen at the same resourceVersion as
 * before is not a change, nor a Node whose labels and addresses stay. Returns 0, or -ENOSPC when
 * the kind already has STORE_MAX_OBJECTS objects.
 */
int store_upsert(struct store *s, struct store_obj *o)
{
	struct ident id = obj_ident(o);
	uint32_t hash = key_hash(&id);
	size_t i = find(s, &id, hash);
	char *key = ident_key(&id);
	enum arr a = arr_of(o->kind);
	struct ent *e;

	if (i == EMPTY && s->count[o->kind] >= STORE_MAX_OBJECTS) {
		free(key);
		store_obj_release(s, o);
		return -ENOSPC;
	}
	if (i != EMPTY) {
		e = &s->slots[i];
		e->mark = s->epoch;
		if (!e->implied && rv_equal(e, o->rv)) {
			free(key);
			store_obj_release(s, o);
			return 0;
		}
		if (o->kind == STORE_NODE && node_same(&s->c.nodes[e->pos], &o->u.node)) {
			rv_set(e, o->rv); /* a watch resumes from it */
			o->rv = NULL;
			free(key);
			store_obj_release(s, o);
			return 0;
		}
		if (o->kind == STORE_POD)
			journal_pod(s, key, &s->c.pods[e->pos], e->pos, true);
		else if (o->kind == STORE_NAMESPACE && !e->implied)
			journal_ns(s, key, e->pos); /* same name, same place */
		else if (o->kind == STORE_NETPOL)
			journal_pol(s, key, o->u.pol.ns, o->u.pol.name);
		else
			journal_structural(s);
		free(key);
		store_pack(s, o);
		arr_put(s, a, e->pos, o);
		e->name = pos_ident(&s->c, a, e->pos).name;
		if (e->implied) {
			s->count[o->kind]++;
			s->nimplied--;
		}
		e->implied = false;
		/* same key, same place in the order; a namespace's labels are sealed */
		s->dirty |= o->kind == STORE_NAMESPACE ? DIRTY_NS : 0;
	} else {
		if (o->kind == STORE_POD)
			journal_pod(s, key, &o->u.pod, 0, false);
		else if (o->kind == STORE_NETPOL)
			journal_pol(s, key, o->u.pol.ns, o->u.pol.name);
		else
			journal_structural(s);
		free(key);
		store_pack(s, o);
		i = arr_append(&s->c, o);
		e = insert(s, hash, pos_ident(&s->c, a, i).name);
		e->kind = (uint8_t)o->kind;
		e->mark = s->epoch;
		e->pos = (uint32_t)i;
		s->count[o->kind]++;
		s->dirty |=
			DIRTY_ORDER(arr_of(o->kind)) | (o->kind == STORE_NAMESPACE ? DIRTY_NS : 0);
		if (o->kind == STORE_NETPOL)
			s->pol_ns_unknown |= (s->dirty & DIRTY_NS) ||
					     !model_cluster_ns(&s->c, s->c.pols[e->pos].ns);
		if (o->kind == STORE_POD) {
			s->pod_ns_unknown |= (s->dirty & DIRTY_NS) ||
					     !model_cluster_ns(&s->c, s->c.pods[e->pos].ns);
			pod_moved(s, e->pos);
		}
	}
	rv_set(e, o->rv);
	o->rv = NULL;
	s->gen++;
	return 0;
}

static void delete_slot(struct store *s, size_t i)
{
	enum store_kind kind = s->slots[i].kind;
	size_t pos = s->slots[i].pos;

	if (kind == STORE_POD || kind == STORE_NETPOL) {
		struct ident id = pos_ident(&s->c, arr_of(kind), pos);
		char *key = ident_key(&id);

		if (kind == STORE_POD)
			journal_pod(s, key, &s->c.pods[pos], pos, true);
		else
			journal_pol(s, key, id.ns, id.name);
		free(key);
	} else if (!s->slots[i].implied)
		journal_structural(s);

	if (!s->slots[i].implied)
		s->count[kind]--;
	else
		s->nimplied--;
	s->dirty |= DIRTY_ORDER(arr_of(kind)) | (kind == STORE_NAMESPACE ? DIRTY_NS : 0);
	remove_slot(s, i);
	arr_remove(s, kind, pos);
}

/* Delete an object (ns is ignored for cluster-scoped kinds). Returns whether it was there. */
bool store_delete(struct store *s, enum store_kind kind, const char *ns, const char *name)
{
	struct ent *e =
		lookup(s, kind, kind == STORE_POD || kind == STORE_NETPOL ? ns : NULL, name);

	if (!e || e->implied)
		return false;
	delete_slot(s, (size_t)(e - s->slots));
	s->gen++;
	return true;
}

static void classify(const struct store *s, const struct store_obj *o,
		     struct store_relist_stats *st)
{
	struct ident id = obj_ident(o);
	size_t i = find(s, &id, key_hash(&id));

	if (i == EMPTY || s->slots[i].implied)
		st->added++;
	else if (rv_equal(&s->slots[i], o->rv))
		st->unchanged++;
	else
		st->changed++;
}

/*
 * Make the objects of kind exactly objs (n of them, all of that kind; the store
 * takes what they hold and the caller frees only the array): each is upserted,
 * and every other object of kind is deleted. st (may be NULL) says what changed.
 */
void store_relist(struct store *s, enum store_kind kind, struct store_obj *objs, size_t n,
		  struct store_relist_stats *st)
{
	struct store_relist_stats local = { 0 };
	struct ent *gone = NULL;
	size_t ngone = 0, cap = 0;

	s->epoch++;
	for (size_t i = 0; i < n; i++) {
		classify(s, &objs[i], &local);
		if (store_upsert(s, &objs[i]) < 0)
			local.added--;
	}
	for (size_t i = 0; i < s->cap; i++) {
		const struct ent *e = &s->slots[i];

		if (!e->name || e->kind != kind || e->implied || e->mark == s->epoch)
			continue;
		XGROW(gone, cap, ngone);
		gone[ngone++] = *e;
	}
	/*
	 * Deleting shifts slots and moves objects, so find each by its name
	 * string, which stays where it is until its own object goes.
	 */
	for (size_t i = 0; i < ngone; i++) {
		size_t j = find_own(s, gone[i].hash, gone[i].name);

		if (j != EMPTY)
			delete_slot(s, j);
	}
	local.deleted = ngone;
	if (ngone)
		s->gen++;
	free(gone);
	if (st)
		*st = local;
}

static void drop_implied(struct store *s)
{
	for (size_t i = 0; i < s->cap;) {
		if (s->slots[i].name && s->slots[i].implied) {
			delete_slot(s, i);
			continue; /* slot i now holds a shifted entry (or is free) */
		}
		i++;
	}
}

/* Point the index at where the objects of array a now are. */
static void reindex_arr(struct store *s, enum arr a)
{
	for (size_t pos = 0; pos < arr_len(&s->c, a); pos++) {
		struct ident id = pos_ident(&s->c, a, pos);
		uint32_t hash = key_hash(&id);
		size_t i = find_own(s, hash, id.name);
		struct ent *e;

		if (i != EMPTY) {
			s->slots[i].pos = (uint32_t)pos;
			continue;
		}
		/* only namespaces are ever implied */
		e = insert(s, hash, id.name);
		e->kind = STORE_NAMESPACE;
		e->pos = (uint32_t)pos;
		e->implied = true;
		s->nimplied++;
	}
}

/*
 * Put the pods back in order when only a few moved since the last seal
 * (s->moved: appended, or the last one moved into a deleted one's place; the
 * others kept their order): take those out, sort them, merge them back, and
 * point the index at the positions from the first that changed. Returns false
 * (nothing done) when too many moved.
 */
static bool resort_pods(struct store *s)
{
	struct pod *v = s->c.pods, *side;
	size_t n = s->c.npods, m = 0, k = 0, lo = n, w = n, i, j;
	bool *mark;

	if (s->moved_all)
		return false;
	mark = xcalloc(n + 1, sizeof(bool));
	for (size_t t = 0; t < s->nmoved; t++)
		if (s->moved[t] < n && !mark[s->moved[t]]) {
			mark[s->moved[t]] = true;
			k++;
		}
	side = xcalloc(k + 1, sizeof(*side));
	k = 0;
	for (i = 0; i < n; i++) {
		if (mark[i]) {
			side[k++] = v[i];
			lo = i < lo ? i : lo;
			continue;
		}
		v[m++] = v[i];
	}
	model_pods_sort(side, k);
	for (i = m, j = k; j > 0;) { /* merge from the end */
		if (i > 0 && model_pod_cmp(&v[i - 1], &side[j - 1]) > 0) {
			v[--w] = v[--i];
		} else {
			v[--w] = side[--j];
			lo = w < lo ? w : lo;
		}
	}
	for (size_t pos = lo; pos < n; pos++) {
		struct ident id = pos_ident(&s->c, ARR_POD, pos);
		size_t e = find_own(s, key_hash(&id), id.name);

		if (e != EMPTY)
			s->slots[e].pos = (uint32_t)pos;
	}
	free(side);
	free(mark);
	return true;
}

/*
 * Seal after pods and policies came and went (or changed in place), when
 * nothing is implied and every pod's and policy's namespace is listed: sort
 * the policies, put the few pods that moved back in order (what
 * model_cluster_seal() would do, without sorting 100k pods again).
 */
static bool seal_partial(struct store *s)
{
	if (s->dirty & ~(DIRTY_ORDER(ARR_POL) | DIRTY_ORDER(ARR_POD)) || s->nimplied ||
	    s->pol_ns_unknown || s->pod_ns_unknown)
		return false;
	if ((s->dirty & DIRTY_ORDER(ARR_POD)) && !resort_pods(s))
		return false;
	if (s->dirty & DIRTY_ORDER(ARR_POL)) {
		model_cluster_sort_pols(&s->c);
		reindex_arr(s, ARR_POL);
	}
	return true;
}

/*
 * The objects as a sealed cluster for the compiler: arrays sorted, namespaces
 * that pods or policies live in but the API did not list are implied. The
 * store keeps owning it; it stays valid until the next change to the store.
 */
const struct cluster *store_snapshot(struct store *s)
{
	if (s->sealed_gen == s->gen)
		return &s->c;
	if (s->sealed_gen == ~(uint64_t)0 || !seal_partial(s)) {
		drop_implied(s);
		model_cluster_seal(&s->c);
		for (enum arr a = 0; a < ARRS; a++)
			reindex_arr(s, a);
	}
	s->dirty = 0;
	s->pol_ns_unknown = s->pod_ns_unknown = false;
	s->nmoved = 0;
	s->moved_all = false;
	s->sealed_gen = s->gen;
	return &s->c;
}

/* Distinct strings and label or port arrays the pods share (see pod_pack()). */
size_t store_interned(const struct store *s)
{
	return intern_count(s->in);
}

/* A counter that changes whenever the objects change. */
uint64_t store_generation(const struct store *s)
{
	return s->gen;
}

/* Objects of kind that came from the API. */
size_t store_count(const struct store *s, enum store_kind kind)
{
	return s->count[kind];
}

/*
 * The resourceVersion an object was last seen at, or NULL (absent or unknown);
 * a number's text is valid until the next call.
 */
const char *store_rv(struct store *s, enum store_kind kind, const char *ns, const char *name)
{
	const struct ent *e =
		lookup(s, kind, kind == STORE_POD || kind == STORE_NETPOL ? ns : NULL, name);

	if (!e || e->implied || e->rvk == RV_NONE)
		return NULL;
	if (e->rvk == RV_STR)
		return e->rv.s;
	snprintf(s->rvbuf, sizeof(s->rvbuf), "%" PRIu64, e->rv.n);
	return s->rvbuf;
}
