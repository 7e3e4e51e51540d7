// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IP addresses and CIDR blocks (see cidr.h). Parsing follows the API server's
 * lenient legacy validation (Go's ParseCIDR before 1.17: leading zeros in IPv4
 * are decimal, host bits are masked off); ranges use big-endian byte arithmetic
 * so IPv4 and IPv6 share one code path.
 */
#include "policy/cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

static unsigned family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* Dotted quad with decimal fields 0-255; leading zeros allowed (as Go's sloppy parser). */
static int parse_v4(const char *s, uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		const char *start;

		if (i > 0 && *s++ != '.')
			return -EINVAL;
		start = s;
		while (*s >= '0' && *s <= '9' && v <= 255)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (s == start || v > 255)
			return -EINVAL;
		a[i] = (uint8_t)v;
	}
	return *s ? -EINVAL : 0;
}

/* An address without prefix: IPv4 first, then IPv6 (inet_pton). */
static int parse_host(const char *s, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (parse_v4(s, out->a) == 0) {
		out->family = AF_INET;
		out->plen = 32;
		return 0;
	}
	memset(out->a, 0, sizeof(out->a));
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		out->plen = 128;
		return 0;
	}
	return -EINVAL;
}

/* Decimal prefix length, at most max; leading zeros allowed as Go's dtoi does. */
static int parse_plen(const char *s, unsigned max, uint8_t *plen)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*plen = (uint8_t)v;
	return 0;
}

static void mask_bits(uint8_t *a, unsigned nbytes, unsigned plen)
{
	for (unsigned i = 0; i < nbytes; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff00u >> (plen - 8 * i));
	}
}

/*
 * Parse "address/length" into out with the host bits cleared: "10.1.2.3/24"
 * gives 10.1.2.0/24, as the API server's lenient validation accepts it.
 * Returns 0, or -EINVAL (out zeroed) for anything else.
 */
int cidr_parse(const char *s, struct addr *out)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : 0;

	memset(out, 0, sizeof(*out));
	if (!slash || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (parse_host(host, out) < 0 || parse_plen(slash + 1, out->plen, &out->plen) < 0) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	mask_bits(out->a, family_bytes(out->family), out->plen);
	return 0;
}

/* Parse a host address (no prefix) into out with plen 32 or 128. 0 or -EINVAL. */
int cidr_parse_addr(const char *s, struct addr *out)
{
	if (parse_host(s, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return 0;
}

/* Whether the first plen bits of a and b are equal. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t m = (uint8_t)(0xff00u >> rest);

	if (memcmp(a, b, full))
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & m) == 0;
}

/*
 * The API's rule for ipBlock.except: same family, inner's network inside outer
 * and inner strictly longer prefix.
 */
bool cidr_strict_subset(const struct addr *outer, const struct addr *inner)
{
	if (outer->family != inner->family || inner->plen <= outer->plen)
		return false;
	return prefix_equal(outer->a, inner->a, outer->plen);
}

/* Whether host address host lies in network net (same family only). */
bool cidr_contains_addr(const struct addr *net, const struct addr *host)
{
	return net->family == host->family && prefix_equal(net->a, host->a, net->plen);
}

/* Order of addresses: family, then address bytes, then prefix length. */
int cidr_cmp(const struct addr *x, const struct addr *y)
{
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->a, y->a, sizeof(x->a));
	if (c)
		return c;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

/* Format the address alone, as inet_ntop does ("10.1.2.0", "fd00::1"). */
void cidr_format_addr(const struct addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->a, tmp, sizeof(tmp)))
		tmp[0] = '\0';
	snprintf(buf, len, "%s", tmp);
}

/* Format as "address/length" ("10.1.2.0/24", "fd00::/64"). */
void cidr_format(const struct addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	cidr_format_addr(a, tmp, sizeof(tmp));
	snprintf(buf, len, "%s/%u", tmp, a->plen);
}

static void net_range(const struct addr *a, struct addr_range *r)
{
	unsigned nb = family_bytes(a->family);

	memset(r, 0, sizeof(*r));
	r->family = a->family;
	memcpy(r->lo, a->a, nb);
	mask_bits(r->lo, nb, a->plen);
	memset(r->hi, 0xff, nb);
	mask_bits(r->hi, nb, a->plen);
	for (unsigned i = 0; i < nb; i++)
		r->hi[i] = (uint8_t)(r->lo[i] | (uint8_t)~r->hi[i]);
}

static void bytes_step(uint8_t *b, unsigned nb, int delta)
{
	for (unsigned i = nb; i-- > 0;) {
		uint8_t old = b[i];

		b[i] = (uint8_t)(b[i] + delta);
		if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0))
			return;
	}
}

static int range_lo_cmp(const void *x, const void *y)
{
	const struct addr_range *a = x, *b = y;

	return memcmp(a->lo, b->lo, sizeof(a->lo));
}

/* The except blocks of net's family that overlap net, as ranges clipped to net, sorted. */
static size_t except_ranges(const struct addr_range *net, const struct addr *except, size_t nexcept,
			    struct addr_range *v)
{
	unsigned nb = family_bytes(net->family);
	size_t n = 0;

	for (size_t i = 0; i < nexcept; i++) {
		struct addr_range *r = &v[n];

		if (except[i].family != net->family)
			continue;
		net_range(&except[i], r);
		if (memcmp(r->hi, net->lo, nb) < 0 || memcmp(r->lo, net->hi, nb) > 0)
			continue;
		if (memcmp(r->lo, net->lo, nb) < 0)
			memcpy(r->lo, net->lo, nb);
		if (memcmp(r->hi, net->hi, nb) > 0)
			memcpy(r->hi, net->hi, nb);
		n++;
	}
	xqsort(v, n, sizeof(*v), range_lo_cmp);
	return n;
}

static void range_emit(struct addr_range **out, size_t *n, size_t *cap, uint8_t family,
		       const uint8_t *lo, const uint8_t *hi)
{
	struct addr_range *r;

	XGROW(*out, *cap, *n);
	r = &(*out)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->family = family;
	memcpy(r->lo, lo, family_bytes(family));
	memcpy(r->hi, hi, family_bytes(family));
}

/*
 * Subtract every except block from net. *out receives a newly allocated array
 * (the caller frees it; NULL when the result is empty) of sorted, disjoint,
 * non-adjacent inclusive ranges; the count is returned. Excepts may overlap each
 * other or reach outside net; those of the other family are ignored.
 */
size_t cidr_subtract(const struct addr *net, const struct addr *except, size_t nexcept,
		     struct addr_range **out)
{
	unsigned nb = family_bytes(net->family);
	struct addr_range whole, *ex = xcalloc(nexcept ? nexcept : 1, sizeof(*ex));
	size_t nex, n = 0, cap = 0;
	uint8_t cur[16];

	*out = NULL;
	net_range(net, &whole);
	nex = except_ranges(&whole, except, nexcept, ex);
	memcpy(cur, whole.lo, sizeof(cur));
	for (size_t i = 0; i < nex; i++) {
		if (memcmp(ex[i].hi, cur, nb) < 0)
			continue;
		if (memcmp(ex[i].lo, cur, nb) > 0) {
			bytes_step(ex[i].lo, nb, -1);
			range_emit(out, &n, &cap, net->family, cur, ex[i].lo);
		}
		if (memcmp(ex[i].hi, whole.hi, nb) >= 0)
			goto out;
		memcpy(cur, ex[i].hi, sizeof(cur));
		bytes_step(cur, nb, 1);
	}
	range_emit(out, &n, &cap, net->family, cur, whole.hi);
out:
	free(ex);
	return n;
}
