/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Kubernetes objects nftpol understands, as plain data decoded from the API's
 * JSON: Namespaces, Pods and NetworkPolicies (networking.k8s.io/v1). Presence is
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

struct netpol {
	char *ns;   /* owned */
	char *name; /* owned */
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

/* Everything decoded: the input of the compiler. */
struct cluster {
	struct k8s_ns *nss;
	size_t nnss, capnss;
	struct pod *pods;
	size_t npods, cappods;
	struct netpol *pols;
	size_t npols, cappols;
};

void model_labels_fini(struct labels *l);
const char *model_labels_get(const struct labels *l, const char *key);
void model_labels_set(struct labels *l, const char *key, const char *value);
void model_selector_fini(struct selector *s);
void model_peer_fini(struct peer *p);
void model_rule_fini(struct np_rule *r);
void model_netpol_fini(struct netpol *np);
void model_pod_fini(struct pod *p);
void model_ns_fini(struct k8s_ns *ns);
void model_origin_fini(struct origin *o);

void model_cluster_init(struct cluster *c);
void model_cluster_fini(struct cluster *c);
void model_cluster_seal(struct cluster *c);
const struct k8s_ns *model_cluster_ns(const struct cluster *c, const char *name);

bool model_pod_eligible(const struct pod *p);
const char *model_proto_name(uint8_t proto);

#endif
