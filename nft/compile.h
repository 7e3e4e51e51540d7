/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy compiler: a sealed cluster in, the nftables ruleset that enforces
 * its NetworkPolicies on one node (or on every pod) out.
 */
#ifndef NFT_COMPILE_H
#define NFT_COMPILE_H

#include "nft/ruleset.h"
#include "policy/diag.h"
#include "policy/model.h"

#define COMPILE_TABLE "nftpol"

/*
 * The conntrack mark bit of a connection a policy change revoked (nft/ctsweep.c
 * sets it): every base chain drops its packets, both ways, before accepting
 * established traffic.
 */
#define COMPILE_CT_REVOKED 0x10000000u

int compile_cluster(const struct cluster *c, const char *node, struct ruleset *out,
		    struct diag_list *d);

#endif
