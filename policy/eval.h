/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The meaning of NetworkPolicy and ClusterNetworkPolicy over a sealed cluster:
 * which pods a policy selects, which pods (nodes, networks) a peer stands for,
 * whether a pod is isolated, and whether a port rule admits a given
 * destination port. The compiler lowers these answers
 * into nftables objects; explain and matrix use them directly.
 */
#ifndef POLICY_EVAL_H
#define POLICY_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

struct eval;

/* A list of indexes into cluster->pods. */
struct pod_list {
	size_t *v;
	size_t n, cap;
};

struct eval *eval_new(const struct cluster *c);
void eval_free(struct eval *e);

void eval_pod_list_fini(struct pod_list *l);
void eval_targets(const struct eval *e, const struct netpol *np, struct pod_list *out);
void eval_peer_pods(const struct eval *e, const struct netpol *np, const struct peer *p,
		    struct pod_list *out);
bool eval_selects(const struct eval *e, const struct netpol *np, const struct pod *pod);
bool eval_ipblock_contains(const struct peer *p, const struct addr *ip);
bool eval_peer_matches_in(const char *np_ns, const struct peer *p, const struct pod *pod,
			  const struct k8s_ns *ns);
bool eval_peer_matches(const struct eval *e, const struct netpol *np, const struct peer *p,
		       const struct pod *pod);
bool eval_port_admits(const struct np_port *port, const struct pod *dst, uint8_t proto,
		      uint16_t dport);
size_t eval_pod_named_ports(const struct pod *pod, const char *name, uint8_t proto,
			    const struct pod_port **first);

bool eval_cnp_subject(const struct eval *e, const struct cnp *cnp, const struct pod *pod);
void eval_cnp_subjects(const struct eval *e, const struct cnp *cnp, struct pod_list *out);
void eval_cnp_peer_pods(const struct eval *e, const struct cnp_peer *peer, struct pod_list *out);
bool eval_cnp_peer_node(const struct cnp_peer *peer, const struct k8s_node *node);
bool eval_cnp_peer_matches(const struct eval *e, const struct cnp_peer *peer,
			   enum cnp_action action, const struct pod *pod, const struct addr *ip);

#endif
