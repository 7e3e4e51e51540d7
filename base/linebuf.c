// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded newline framing (see linebuf.h). */
#include "base/linebuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void linebuf_fini(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

/* Forget any partial line (a new stream starts). */
void linebuf_reset(struct linebuf *lb)
{
	lb->len = 0;
}

/* Bytes of an unfinished line held. */
size_t linebuf_pending(const struct linebuf *lb)
{
	return lb->len;
}

static int append(struct linebuf *lb, const char *data, size_t len)
{
	size_t ncap;

	if (lb->len + len > lb->max)
		return -EMSGSIZE;
	if (lb->len + len + 1 > lb->cap) {
		ncap = lb->cap ? lb->cap : 4096;
		while (ncap < lb->len + len + 1)
			ncap *= 2;
		lb->buf = xrealloc(lb->buf, ncap);
		lb->cap = ncap;
	}
	memcpy(lb->buf + lb->len, data, len);
	lb->len += len;
	lb->buf[lb->len] = '\0';
	return 0;
}

/*
 * Feed len bytes; cb runs once per completed line, in order. Empty lines are
 * skipped. Returns 0, -EMSGSIZE when a line exceeds the maximum, or the first
 * non-zero value cb returned (the rest of the data is then dropped).
 */
int linebuf_feed(struct linebuf *lb, const char *data, size_t len, linebuf_line_cb cb,
		 void *arg)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t chunk = nl ? (size_t)(nl - data) : len;
		int ret = append(lb, data, chunk);

		if (ret)
			return ret;
		if (!nl)
			return 0;
		data += chunk + 1;
		len -= chunk + 1;
		if (lb->len && lb->buf[lb->len - 1] == '\r')
			lb->buf[--lb->len] = '\0';
		if (lb->len) {
			ret = cb(lb->buf, lb->len, arg);
			lb->len = 0;
			if (ret)
				return ret;
		}
	}
	return 0;
}
