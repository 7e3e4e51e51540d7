/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Kubernetes objects nftpol understands, as plain data decoded from the API's
 * JSON: Namespaces, Pods, Nodes, NetworkPolicies (networking.k8s.io/v1) and
 * cluster network policies (policy.networking.k8s.io: v1alpha2
 * ClusterNetworkPolicy, and v1alpha1 AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy converted into the same model). Presence is
 * explicit where Kubernetes distinguishes "absent" from "empty".
 */
#ifndef POLICY_MODEL_H
#define POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address with a prefix length (32/128 for a host). */
struct addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;	/* prefix length */
	uint8_t a[16];	/* network order; IPv4 uses a[0..3], rest zero */
};

struct label {
	char *key;   /* owned */
	char *value; /* owned */
};

/* A label map, sorted by key, keys unique. */
struct labels {
	struct label *v;
	size_t n;
};

enum sel_op {
	SEL_OP_IN,
	SEL_OP_NOT_IN,
	SEL_OP_EXISTS,
	SEL_OP_DOES_NOT_EXIST,
};

struct sel_req {
	char *key; /* owned */
	enum sel_op op;
	char **values; /* owned, sorted, unique; none for (Does)Exist(s) */
	size_t nvalues;
};

/* A metav1.LabelSelector: matchLabels AND every matchExpression. Empty: all. */
struct selector {
	struct labels match;
	struct sel_req *reqs; /* sorted by key, op, values */
	size_t nreqs;
};

enum {
	PEER_POD_SEL = 1 << 0, /* podSelector present */
	PEER_NS_SEL = 1 << 1,  /* namespaceSelector present */
	PEER_IPBLOCK = 1 << 2, /* ipBlock present (exclusive with the others) */
};

/* One NetworkPolicyPeer. */
struct peer {
	unsigned flags; /* PEER_* */
	struct selector pod_sel;
	struct selector ns_sel;
	struct addr cidr;    /* ipBlock.cidr, host bits masked off */
	struct addr *except; /* ipBlock.except, masked, sorted */
	size_t nexcept;
};

enum {
	PORT_NUMBER = 1 << 0, /* port given as a number */
	PORT_NAMED = 1 << 1,  /* port given as a name */
	PORT_RANGE = 1 << 2,  /* endPort given (only with PORT_NUMBER) */
};

/* One NetworkPolicyPort; protocol defaulted to TCP. */
struct np_port {
	uint8_t proto;	   /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	unsigned flags;	   /* PORT_*; none: every port of proto */
	uint16_t port;	   /* PORT_NUMBER */
	uint16_t end_port; /* PORT_RANGE: inclusive */
	char *name;	   /* PORT_NAMED, owned */
};

/* One ingress or egress rule. No peers: any peer. No ports: any port, any protocol. */
struct np_rule {
	struct peer *peers;
	size_t npeers;
	struct np_port *ports;
	size_t nports;
};

enum dir {
	DIR_INGRESS = 0,
	DIR_EGRESS = 1,
};
#define DIR_COUNT 2
#define DIR_FLAG(d) (1u << (d))

/* Where an object was read from, for messages. */
struct origin {
	char *file;    /* owned; "-" for stdin */
	unsigned line; /* 1-based; 0 when unknown (JSON) */
};

/* The annotation that puts a NetworkPolicy in audit mode ("audit") or not ("enforce"). */
#define NFTPOL_ENFORCEMENT_ANNOTATION "nftpol.io/enforcement"

struct netpol {
	char *ns;   /* owned */
	char *name; /* owned */
	bool audit; /* nftpol.io/enforcement: audit: compiled, not enforced */
	struct selector pod_sel;
	unsigned types; /* DIR_FLAG(DIR_INGRESS) | DIR_FLAG(DIR_EGRESS), defaulted */
	struct np_rule *rules[DIR_COUNT];
	size_t nrules[DIR_COUNT];
	struct origin origin;
};

enum pod_phase {
	POD_PHASE_PENDING,
	POD_PHASE_RUNNING,
	POD_PHASE_SUCCEEDED,
	POD_PHASE_FAILED,
	POD_PHASE_UNKNOWN,
};

/* A containerPort that has a name (only those matter to NetworkPolicy). */
struct pod_port {
	char *name; /* owned */
	uint8_t proto;
	uint16_t port;
};

struct pod {
	char *ns;   /* owned */
	char *name; /* owned */
	char *node; /* owned; NULL when not scheduled */
	struct labels labels;
	bool host_network;
	enum pod_phase phase;
	struct addr ips[2]; /* status.podIPs (or podIP): at most one per family */
	size_t nips;
	struct pod_port *ports; /* named container ports, sorted by name, proto, port */
	size_t nports;
	struct origin origin;
};

struct k8s_ns {
	char *name;	      /* owned */
	struct labels labels; /* includes kubernetes.io/metadata.name */
	struct origin origin;
};

/* A Node: its labels (for `nodes` peers), addresses and pod CIDRs. */
struct k8s_node {
	char *name; /* owned */
	struct labels labels;
	struct addr *addrs; /* status.addresses that are IPs (hosts), sorted, unique */
	size_t naddrs;
	struct addr *pod_cidrs; /* spec.podCIDRs (or spec.podCIDR), masked */
	size_t npod_cidrs;
	struct origin origin;
};

/* Cluster network policies: tiers, in evaluation order. */
enum cnp_tier {
	CNP_TIER_ADMIN,
	CNP_TIER_BASELINE,
};

enum cnp_action {
	CNP_ACCEPT, /* v1alpha1 "Allow" */
	CNP_DENY,
	CNP_PASS,
};

/* Where a cluster network policy came from (for messages and explain). */
enum cnp_source {
	CNP_SRC_CNP,  /* policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy */
	CNP_SRC_ANP,  /* policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy */
	CNP_SRC_BANP, /* policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy */
};

enum cnp_peer_kind {
	CNP_PEER_NAMESPACES, /* ns_sel; every (non-host-network) pod of those namespaces */
	CNP_PEER_PODS,	     /* ns_sel AND pod_sel */
	CNP_PEER_NETWORKS,   /* nets: CIDRs, matching any address, pods' too */
	CNP_PEER_NODES,	     /* node_sel: the addresses of the nodes it selects */
	CNP_PEER_DOMAINS,    /* domains: decoded, matches nothing (not implemented) */
	CNP_PEER_UNKNOWN,    /* no known field set (a newer API): fails closed */
};

struct cnp_peer {
	enum cnp_peer_kind kind;
	struct selector ns_sel;	  /* NAMESPACES, PODS */
	struct selector pod_sel;  /* PODS */
	struct selector node_sel; /* NODES */
	struct addr *nets;	  /* NETWORKS: masked, in the order given */
	size_t nnets;
	char **domains; /* DOMAINS: owned */
	size_t ndomains;
};

/*
 * One rule. ports as NetworkPolicy's struct np_port: proto with PORT_NUMBER
 * (and PORT_RANGE) or no flags (every port of proto); a named port has
 * PORT_NAMED, name, and proto 0: any protocol of the destination pod's
 * container port of that name. No ports: all traffic (any protocol, ICMP too).
 */
struct cnp_rule {
	char *name; /* owned; "" when not given */
	enum cnp_action action;
	struct cnp_peer *peers;
	size_t npeers;
	struct np_port *ports;
	size_t nports;
};

/*
 * A cluster network policy. The subject is pods matching pod_sel in namespaces
 * matching ns_sel (a `namespaces` subject: pod_sel empty, every pod); never
 * host-network pods.
 */
struct cnp {
	char *name; /* owned */
	enum cnp_source source;
	enum cnp_tier tier;
	int32_t priority;  /* 0..1000, lower first; BANP: 0 */
	bool subject_pods; /* subject given as `pods` (else `namespaces`) */
	struct selector subject_ns_sel;
	struct selector subject_pod_sel;
	struct cnp_rule *rules[DIR_COUNT];
	size_t nrules[DIR_COUNT];
	struct origin origin;
};

/* Everything decoded: the input of the compiler. */
struct cluster {
	struct k8s_ns *nss;
	size_t nnss, capnss;
	struct pod *pods;
	size_t npods, cappods;
	struct netpol *pols;
	size_t npols, cappols;
	struct k8s_node *nodes; /* sorted by name after seal */
	size_t nnodes, capnodes;
	struct cnp *cnps; /* after seal: in evaluation order (tier, priority, name) */
	size_t ncnps, capcnps;
};

void model_labels_fini(struct labels *l);
const char *model_labels_get(const struct labels *l, const char *key);
bool model_labels_eq(const struct labels *a, const struct labels *b);
void model_labels_set(struct labels *l, const char *key, const char *value);
void model_selector_fini(struct selector *s);
void model_peer_fini(struct peer *p);
void model_selector_copy(struct selector *out, const struct selector *s);
void model_peer_copy(struct peer *out, const struct peer *p);
void model_rule_fini(struct np_rule *r);
void model_netpol_fini(struct netpol *np);
void model_pod_fini(struct pod *p);
void model_ns_fini(struct k8s_ns *ns);
void model_origin_fini(struct origin *o);
void model_node_fini(struct k8s_node *n);
void model_cnp_peer_fini(struct cnp_peer *p);
void model_cnp_rule_fini(struct cnp_rule *r);
void model_cnp_fini(struct cnp *p);
const char *model_cnp_tier_name(enum cnp_tier t);
const char *model_cnp_action_name(enum cnp_action a);
const char *model_cnp_source_kind(enum cnp_source s);

void model_cluster_init(struct cluster *c);
void model_cluster_fini(struct cluster *c);
void model_cluster_seal(struct cluster *c);
void model_cluster_sort_pols(struct cluster *c);
int model_pod_cmp(const struct pod *x, const struct pod *y);
void model_pods_sort(struct pod *v, size_t n);
const struct k8s_ns *model_cluster_ns(const struct cluster *c, const char *name);
size_t model_cluster_first_pod(const struct cluster *c, const char *ns);
const struct k8s_node *model_cluster_node(const struct cluster *c, const char *name);

bool model_pod_eligible(const struct pod *p);
const char *model_proto_name(uint8_t proto);

#endif
