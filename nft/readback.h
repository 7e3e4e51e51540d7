/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading our table back from the kernel into the ruleset IR, consistently: the
 * generation is read before and after the dumps and everything is read again
 * when it moved or a dump was interrupted. Anything nftpol would not have
 * programmed this way (a foreign rule, set flag, userdata) is reported, so the
 * caller replaces the table instead of patching it.
 */
#ifndef NFT_READBACK_H
#define NFT_READBACK_H

#include <stddef.h>
#include <stdint.h>

#include "nft/ruleset.h"

struct netlink;

int readback_table(struct netlink *nl, const char *table, struct ruleset *out, uint32_t *genid,
		   char *why, size_t whylen) __attribute__((warn_unused_result));

#endif
