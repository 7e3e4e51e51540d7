/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's view of the cluster: Namespaces, Pods, NetworkPolicies, Nodes and
 * cluster network policies keyed by kind/namespace/name with the resourceVersion they were last
 * seen at. Watch events upsert and delete single objects; a relist replaces every object of a kind
 * at once (objects missing from the new list are deleted). Every change bumps a generation counter,
 * which is how the reconciler knows it has work.
 *
 * The objects live in a struct cluster that the store owns; store_snapshot()
 * seals it for the compiler (sorting its arrays and adding implied namespaces)
 * and re-indexes, so the index never points at a moved object.
 */
#ifndef AGENT_KUBE_STORE_H
#define AGENT_KUBE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

enum store_kind {
	STORE_NAMESPACE,
	STORE_POD,
	STORE_NETPOL,
	STORE_NODE,
	STORE_CNP,  /* policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy */
	STORE_ANP,  /* policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy */
	STORE_BANP, /* policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy */
};
#define STORE_KINDS 7

/* What the API calls a kind, and where it is listed. */
struct store_kind_info {
	const char *kind;	 /* "Pod" */
	const char *api_version; /* "v1" */
	const char *resource;	 /* "pods" */
	const char *path;	 /* "/api/v1/pods": every object, all namespaces */
	bool optional;		 /* a custom resource a cluster may not serve (404): none then */
};
#define STORE_MAX_OBJECTS 1000000u /* objects of one kind; more is an error */

/* One decoded object with its resourceVersion. */
struct store_obj {
	enum store_kind kind;
	bool packed; /* store_pack()ed: free with store_obj_release() only */
	char *rv;    /* owned; may be NULL */
	union {
		struct k8s_ns ns;
		struct pod pod;
		struct netpol pol;
		struct k8s_node node;
		struct cnp cnp; /* STORE_CNP, STORE_ANP, STORE_BANP */
	} u;			/* owned; the member that kind names */
};

/* What a relist changed. */
struct store_relist_stats {
	size_t added, changed, deleted, unchanged;
};

struct store;

/*
 * A pod changed since store_journal_start(): its version then (had), or none.
 * (Namespaces that were there and stay, with other labels, and the names of
 * NetworkPolicies created, changed or deleted are journaled too; any other
 * change makes the journal structural.)
 */
struct store_pod_change {
	char *ns, *name; /* owned */
	bool had;
	struct pod old; /* owned; valid when had */
};

/* A NetworkPolicy created, changed or deleted since store_journal_start(). */
struct store_pol_change {
	char *ns, *name; /* owned */
};

/* A namespace whose labels changed since store_journal_start(): its old self. */
struct store_ns_change {
	struct k8s_ns old; /* owned */
};

struct store_journal {
	bool structural;	       /* something else changed: look at everything */
	struct store_pod_change *pods; /* first change of each pod, in order */
	size_t npods, cap;
	struct store_ns_change *nss; /* first change of each namespace (labels only) */
	size_t nnss, capnss;
	struct store_pol_change *pols; /* each NetworkPolicy changed, once */
	size_t npols, cappols;
};
#define STORE_JOURNAL_MAX 8192 /* pods remembered; more makes the journal structural */

struct store *store_new(void);
void store_free(struct store *s);
void store_obj_fini(struct store_obj *o);
void store_pack(struct store *s, struct store_obj *o);
void store_obj_release(struct store *s, struct store_obj *o);
int store_upsert(struct store *s, struct store_obj *o);
bool store_delete(struct store *s, enum store_kind kind, const char *ns, const char *name);
void store_relist(struct store *s, enum store_kind kind, struct store_obj *objs, size_t n,
		  struct store_relist_stats *st);
const struct cluster *store_snapshot(struct store *s);
uint64_t store_generation(const struct store *s);
size_t store_count(const struct store *s, enum store_kind kind);
const char *store_rv(struct store *s, enum store_kind kind, const char *ns, const char *name);
const char *store_kind_name(enum store_kind kind);
const struct store_kind_info *store_kind_info(enum store_kind kind);
enum store_kind store_cnp_kind(enum cnp_source src);
void store_journal_start(struct store *s);
const struct store_journal *store_journal(const struct store *s);
const struct pod *store_pod(const struct store *s, const char *ns, const char *name);
const struct cluster *store_cluster(const struct store *s);
size_t store_interned(const struct store *s);

#endif
