// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded growable buffer (see buf.h). */
#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define BUF_FIRST 4096 /* bytes allocated by the first buf_add() */

/* An empty buffer that will hold at most max bytes. */
void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* Free the contents; b is empty again with the same maximum. */
void buf_fini(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

/* Forget the contents, keep the memory. */
void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/*
 * Append n bytes of data (n may be 0: the buffer then holds at least an empty
 * string). Returns 0, or -EMSGSIZE when the buffer would exceed its maximum
 * (nothing is then appended).
 */
int buf_add(struct buf *b, const void *data, size_t n)
{
	size_t ncap;

	if (n > b->max - b->len)
		return -EMSGSIZE;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : BUF_FIRST;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		b->p = xrealloc(b->p, ncap);
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * The contents, NUL-terminated (NULL when nothing was ever added), now owned by
 * the caller; b is empty again with the same maximum.
 */
char *buf_take(struct buf *b)
{
	char *p = b->p;

	buf_init(b, b->max);
	return p;
}
