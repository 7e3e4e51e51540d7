/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's sync stamp: a one-element set `agent_sync` (type mark) in the
 * table holding the Unix time, in seconds, of the agent's last sync. The
 * table itself cannot carry it (the kernel does not update a table's or a
 * chain's comment); an element can be swapped in the same transaction as the
 * rules. `nftpol agent --check-node` reads it to report a table nobody keeps
 * any more. `nftpol apply` and `compile` write no stamp.
 */
#ifndef NFT_STAMP_H
#define NFT_STAMP_H

#include <stdint.h>

#include "nft/ruleset.h"

#define STAMP_SET "agent_sync"

void stamp_put(struct ruleset *rs, uint32_t unix_secs);
int stamp_get(const struct ruleset *rs, uint32_t *unix_secs);

#endif
