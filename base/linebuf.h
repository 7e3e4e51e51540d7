/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Framing of newline-delimited streams (Kubernetes watch events): bytes arrive
 * split anywhere; complete lines come out. The buffer is bounded: a line longer
 * than the maximum is an error, after which the stream must be abandoned.
 */
#ifndef BASE_LINEBUF_H
#define BASE_LINEBUF_H

#include <stddef.h>

#include "base/buf.h"

struct linebuf {
	struct buf line; /* the partial line; its maximum is the longest line */
};

/* Called with each complete line (without '\n', NUL-terminated); non-zero stops. */
typedef int (*linebuf_line_cb)(char *line, size_t len, void *arg);

void linebuf_init(struct linebuf *lb, size_t max);
void linebuf_fini(struct linebuf *lb);
void linebuf_reset(struct linebuf *lb);
int linebuf_feed(struct linebuf *lb, const char *data, size_t len, linebuf_line_cb cb, void *arg);
size_t linebuf_pending(const struct linebuf *lb);

#endif
