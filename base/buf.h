/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable byte buffer with a maximum (curl's dynbuf with its `toobig`):
 * what the network feeds us is collected here, and more than the maximum is an
 * error, never a larger allocation. The contents stay NUL-terminated.
 */
#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stddef.h>

struct buf {
	char *p;    /* owned; NULL until the first buf_add() */
	size_t len; /* bytes held, without the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* most bytes it may hold */
};

void buf_init(struct buf *b, size_t max);
void buf_fini(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *data, size_t n);
char *buf_take(struct buf *b);

#endif
