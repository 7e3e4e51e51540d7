// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded newline framing (see linebuf.h). */
#include "base/linebuf.h"

#include <string.h>

void linebuf_init(struct linebuf *lb, size_t max)
{
	buf_init(&lb->line, max);
}

void linebuf_fini(struct linebuf *lb)
{
	buf_fini(&lb->line);
}

/* Forget any partial line (a new stream starts). */
void linebuf_reset(struct linebuf *lb)
{
	buf_reset(&lb->line);
}

/* Bytes of an unfinished line held. */
size_t linebuf_pending(const struct linebuf *lb)
{
	return lb->line.len;
}

/*
 * Feed len bytes; cb runs once per completed line, in order. Empty lines are
 * skipped. Returns 0, -EMSGSIZE when a line exceeds the maximum, or the first
 * non-zero value cb returned (the rest of the data is then dropped).
 */
int linebuf_feed(struct linebuf *lb, const char *data, size_t len, linebuf_line_cb cb, void *arg)
{
	struct buf *l = &lb->line;

	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t chunk = nl ? (size_t)(nl - data) : len;
		int ret = buf_add(l, data, chunk);

		if (ret)
			return ret;
		if (!nl)
			return 0;
		data += chunk + 1;
		len -= chunk + 1;
		if (l->len && l->p[l->len - 1] == '\r')
			l->p[--l->len] = '\0';
		if (l->len) {
			ret = cb(l->p, l->len, arg);
			buf_reset(l);
			if (ret)
				return ret;
		}
	}
	return 0;
}
