/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Established connections follow the policy: after a change is committed, read
 * the node's conntrack table over ctnetlink, judge every TCP, UDP and SCTP
 * connection of a local pod as the new ruleset would judge its first packet
 * (nft/walk.c: the original source, the destination after DNAT, the path
 * through the node), and set the revoked bit of the ct mark
 * (COMPILE_CT_REVOKED) of each one it no longer admits: the base chains drop
 * their packets both ways. A connection admitted again has the bit cleared.
 * Connections still admitted are not touched. Talks to the kernel only; the
 * caller decides when (after a commit) and reports.
 */
#ifndef NFT_CTSWEEP_H
#define NFT_CTSWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "nft/netlink.h"
#include "nft/ruleset.h"
#include "policy/model.h"

struct ctsweep_stats {
	size_t seen;	 /* conntrack entries read */
	size_t judged;	 /* of local pods (or carrying the bit): judged */
	size_t cut;	 /* newly revoked */
	size_t restored; /* revoked before, admitted again: bit cleared */
	size_t gone;	 /* ended before their mark could be changed */
};

/* The node's own addresses (path of a connection), from getifaddrs(). */
struct ctsweep_local {
	struct addr *v;
	size_t n, cap;
};

int ctsweep_local_read(struct ctsweep_local *out) __attribute__((warn_unused_result));
void ctsweep_local_fini(struct ctsweep_local *l);

int ctsweep(struct netlink *nl, const struct ruleset *rs, const struct ctsweep_local *local,
	    uint32_t bit, struct ctsweep_stats *st) __attribute__((warn_unused_result));

#endif
