/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fail-closed pod start (`nftpol agent --fail-closed`): in a compiled ruleset,
 * drop traffic to or from an address inside this node's pod CIDRs that is not
 * a local pod the agent knows, until a sync programs it. Sets podcidr4/6 (the
 * CIDRs, intervals) and known4/6 (the addresses of local running pods); in each
 * base chain, before the verdict maps:
 *
 *   base_ingress      ip daddr @podcidr4 ip daddr != @known4 drop
 *   base_egress       meta skuid >= 0 fib saddr type local accept
 *                     ip saddr @podcidr4 ip saddr != @known4 drop
 *   base_egress_node  fib saddr type local accept
 *                     ip saddr @podcidr4 ip saddr != @known4 drop
 *
 * (and the same over IPv6). Known pods are judged exactly as without it; the
 * node's own addresses (a gateway inside the CIDR) are never affected.
 */
#ifndef NFT_FAILCLOSED_H
#define NFT_FAILCLOSED_H

#include <stddef.h>

#include "nft/ruleset.h"
#include "policy/model.h"

void failclosed_put(struct ruleset *rs, const struct cluster *c, const char *node,
		    const struct addr *cidrs, size_t ncidrs);

#endif
