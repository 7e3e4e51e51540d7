/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Denied connections, named (`nftpol agent --log-denied[=RATE]`): the drop
 * rules of the table send each denied first packet to an NFLOG group, rate-
 * limited per rule in the kernel; this reads the group (nft/nflog.c), finds by
 * the rule's prefix what denied it (the counter the compiler recorded), names
 * both ends as pods of the store, and writes one log line per connection
 * attempt (retransmissions of one attempt are folded), at most RATE lines a
 * second; what it does not write is counted.
 */
#ifndef AGENT_DAEMON_DENIED_H
#define AGENT_DAEMON_DENIED_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/kube/store.h"
#include "nft/compile.h"

#define DENIED_GROUP 7801      /* the NFLOG group of the table's denied-log rules */
#define DENIED_RATE_DEFAULT 20 /* lines a second, and packets a second per rule */

struct denied;

/* What the reader has done, for /metrics. */
struct denied_stats {
	uint64_t logged;     /* lines written */
	uint64_t folded;     /* packets of an attempt already logged (retransmissions) */
	uint64_t suppressed; /* packets over the line rate, lost by the socket, or unknown */
	uint64_t received;   /* packets read from the group */
};

int denied_new(uint16_t group, uint32_t rate, struct denied **out, char **err);
void denied_free(struct denied *d);
int denied_fd(const struct denied *d);
void denied_handle(struct denied *d, const struct store *s, const struct cluster *c,
		   const struct compile_meta *meta, bool audit_all, int64_t now_ms);
void denied_stats(const struct denied *d, struct denied_stats *out);

#endif
