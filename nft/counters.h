/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The values of the named counters of our table, read in one netlink dump
 * (for the agent's /metrics). The counters themselves are part of the ruleset
 * IR (struct rs_counter); their values are not.
 */
#ifndef NFT_COUNTERS_H
#define NFT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

struct netlink;

/* One named counter's values. */
struct rs_counter_value {
	char *name;	  /* owned */
	uint64_t packets; /* since the counter was created */
	uint64_t bytes;
};

int counters_read(struct netlink *nl, const char *table, struct rs_counter_value **out, size_t *n)
	__attribute__((warn_unused_result));
void counters_free(struct rs_counter_value *v, size_t n);

#endif
