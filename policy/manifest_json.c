// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON front end of manifest.c: one or more concatenated JSON values. A scan
 * ahead of cJSON finds where each value ends, enforces the depth and node limits
 * before cJSON allocates anything, and records the line where every value starts;
 * cJSON builds values in the same order, so a pre-order walk pairs them up when
 * a message first needs a line.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/decode.h"
#include "policy/manifest_int.h"
#include "base/xalloc.h"

struct jscan {
	const char *buf;
	size_t len, pos;
	unsigned line;	   /* 1-based line of pos */
	unsigned *lines;   /* line of each value in document order */
	unsigned *shallow; /* the same for values at depth 0..2 only */
	size_t nshallow, capshallow;
	size_t n, cap;
	uint64_t objects; /* bit d set: nesting level d is an object */
	unsigned depth;
	bool want_key; /* the next string is an object key */
};

static int scan_value(struct manifest_ctx *m, struct jscan *s)
{
	if (s->n >= DECODE_MAX_NODES) {
		manifest_error(m, s->line, "document has more than %u values", DECODE_MAX_NODES);
		return -EINVAL;
	}
	XGROW(s->lines, s->cap, s->n);
	s->lines[s->n++] = s->line;
	if (s->depth <= MANIFEST_SHALLOW_DEPTH) {
		XGROW(s->shallow, s->capshallow, s->nshallow);
		s->shallow[s->nshallow++] = s->line;
	}
	return 0;
}

static int scan_open(struct manifest_ctx *m, struct jscan *s)
{
	bool object = s->buf[s->pos] == '{';

	if (scan_value(m, s) < 0)
		return -EINVAL;
	if (s->depth >= DECODE_MAX_DEPTH) {
		manifest_error(m, s->line, "objects and arrays nested deeper than %d levels",
			       DECODE_MAX_DEPTH);
		return -EINVAL;
	}
	if (object)
		s->objects |= UINT64_C(1) << s->depth;
	else
		s->objects &= ~(UINT64_C(1) << s->depth);
	s->depth++;
	s->want_key = object;
	s->pos++;
	return 0;
}

static bool in_object(const struct jscan *s)
{
	return s->depth > 0 && (s->objects >> (s->depth - 1)) & 1;
}

/* Skip a string; a \u0000 escape is refused because C strings cannot hold it. */
static int scan_string(struct manifest_ctx *m, struct jscan *s)
{
	if (!(s->want_key && in_object(s)) && scan_value(m, s) < 0)
		return -EINVAL;
	s->want_key = false;
	for (s->pos++; s->pos < s->len; s->pos++) {
		const char *p = s->buf + s->pos;

		if (*p == '"') {
			s->pos++;
			return 0;
		}
		if (*p == '\n')
			s->line++;
		if (*p != '\\')
			continue;
		if (s->len - s->pos >= 6 && !strncmp(p, "\\u0000", 6)) {
			manifest_error(m, s->line, "string contains \\u0000: NUL is not allowed");
			return -EINVAL;
		}
		s->pos++;
	}
	return 0;
}

static int scan_token(struct manifest_ctx *m, struct jscan *s)
{
	char c = s->buf[s->pos];

	switch (c) {
	case '\n':
		s->line++;
		/* fall through */
	case ' ':
	case '\t':
	case '\r':
		s->pos++;
		return 0;
	case '{':
	case '[':
		return scan_open(m, s);
	case '}':
	case ']':
		s->depth -= s->depth > 0;
		s->pos++;
		return 0;
	case ':':
	case ',':
		s->want_key = c == ',' && in_object(s);
		s->pos++;
		return 0;
	case '"':
		return scan_string(m, s);
	}
	if (scan_value(m, s) < 0)
		return -EINVAL;
	while (s->pos < s->len && !strchr(",:{}[]\" \t\r\n", s->buf[s->pos]))
		s->pos++;
	return 0;
}

/* Scan the value starting at s->pos (after white space); s->pos ends just past it. */
static int scan_one(struct manifest_ctx *m, struct jscan *s)
{
	s->n = 0;
	s->nshallow = 0;
	s->depth = 0;
	s->want_key = false;
	do {
		if (scan_token(m, s) < 0)
			return -EINVAL;
	} while (s->depth > 0 && s->pos < s->len);
	return 0;
}

static void skip_space(struct jscan *s)
{
	while (s->pos < s->len && strchr(" \t\r\n", s->buf[s->pos])) {
		if (s->buf[s->pos] == '\n')
			s->line++;
		s->pos++;
	}
}

static unsigned line_at(const char *buf, const char *at)
{
	unsigned line = 1;

	for (const char *p = buf; p < at; p++)
		line += *p == '\n';
	return line;
}

/* cJSON stopped at end: quote what follows, escaped, or say that the input ended. */
static void syntax_error(struct manifest_ctx *m, const struct jscan *s, const char *end)
{
	const char *stop = s->buf + s->len, *p = end;
	char *q;

	while (p < stop && strchr(" \t\r\n", *p))
		p++;
	if (p == stop) {
		manifest_error(m, line_at(s->buf, stop),
			       "invalid JSON: the input ends inside a value (truncated?)");
		return;
	}
	/* buf need not be NUL-terminated: quote at most what is left of it */
	q = manifest_quote(end, (size_t)(stop - end), 20);
	manifest_error(m, line_at(s->buf, end), "invalid JSON near %s", q);
	free(q);
}

/* Parse one scanned value with cJSON and pass it on; -EINVAL for a syntax error. */
static int parse_one(struct manifest_ctx *m, struct jscan *s, size_t start)
{
	const char *end = NULL;
	cJSON *root;

	root = cJSON_ParseWithLengthOpts(s->buf + start, s->pos - start, &end, false);
	if (!root || end != s->buf + s->pos) {
		if (!end || end < s->buf + start)
			end = s->buf + start;
		syntax_error(m, s, end);
		cJSON_Delete(root);
		return -EINVAL;
	}
	manifest_doc_clear(m->doc);
	manifest_doc_set_order(m->doc, root, s->lines, s->n, s->shallow, s->nshallow);
	manifest_finish(m, root);
	manifest_doc_clear(m->doc);
	cJSON_Delete(root);
	return 0;
}

/*
 * Every JSON value in buf, one after another, as documents. A syntax error ends
 * the input; errors are reported through m.
 */
void manifest_json(struct manifest_ctx *m, const char *buf, size_t len)
{
	struct jscan s = { .buf = buf, .len = len, .line = 1 };

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		s.pos = 3;
	for (skip_space(&s); s.pos < s.len; skip_space(&s)) {
		size_t start = s.pos;

		if (scan_one(m, &s) < 0 || parse_one(m, &s, start) < 0)
			break;
	}
	free(s.lines);
	free(s.shallow);
}
