/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IP addresses and CIDR blocks: parsing as the API server does (host bits of a
 * CIDR masked off), containment, formatting, and subtracting except blocks from
 * a CIDR into a sorted list of inclusive address ranges.
 */
#ifndef POLICY_CIDR_H
#define POLICY_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

/* An inclusive range of addresses of one family. */
struct addr_range {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t lo[16]; /* network order; IPv4 in [0..3] */
	uint8_t hi[16];
};

#define CIDR_STR_MAX 50 /* enough for "ffff:...:ffff/128" and a NUL */

int cidr_parse(const char *s, struct addr *out);
int cidr_parse_addr(const char *s, struct addr *out);
int cidr_cmp(const struct addr *x, const struct addr *y);
bool cidr_strict_subset(const struct addr *outer, const struct addr *inner);
bool cidr_contains_addr(const struct addr *net, const struct addr *host);
void cidr_format(const struct addr *a, char *buf, size_t len);
void cidr_format_addr(const struct addr *a, char *buf, size_t len);
size_t cidr_subtract(const struct addr *net, const struct addr *except, size_t nexcept,
		     struct addr_range **out);

#endif
