/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Follow one new connection's first packet through a ruleset IR as the kernel's
 * hooks on its path would: base chains in priority order, verdict maps, jumps, set
 * lookups. Pure: it answers which chain and rule decide, so a preview can name
 * the nft objects that implement a NetworkPolicy verdict. A walk in userspace,
 * not nft's kernel tracing (nftrace). Statements do not change the path: a
 * `limit` is taken as matching (one first packet is never over a rate), log and
 * counters do nothing here, and a rule without verdict that matches is a step
 * after which the packet goes on to the next rule.
 */
#ifndef NFT_WALK_H
#define NFT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/ruleset.h"
#include "policy/model.h"

/* Where a packet goes through the node, which decides the hooks it crosses. */
enum walk_path {
	WALK_FORWARDED, /* routed or bridged through: prerouting, forward, postrouting */
	WALK_TO_NODE,	/* to an address of the node: prerouting, input */
	WALK_FROM_NODE, /* sent by the node itself: output, postrouting */
};

/* The first packet of a connection (conntrack state NEW). */
struct walk_pkt {
	struct addr saddr, daddr; /* one family */
	uint8_t proto;
	uint16_t dport;	     /* host order */
	uint8_t icmpv6_type; /* proto IPPROTO_ICMPV6 */
	enum walk_path path;
};

#define WALK_POLICY ((size_t)-1) /* the base chain's policy decided */
#define WALK_MAX_STEPS 32

/* One rule that matched (or a base chain's policy), in the order traversed. */
struct walk_step {
	const struct rs_chain *chain; /* borrowed from the ruleset */
	size_t rule;		      /* index into chain->rules, or WALK_POLICY */
};

struct walk {
	bool accepted; /* every base chain accepted */
	struct walk_step steps[WALK_MAX_STEPS];
	size_t nsteps;
};

void walk_packet(const struct ruleset *rs, const struct walk_pkt *p, struct walk *out);

#endif
