// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manifest text to cJSON trees (see manifest.h). JSON goes through cJSON after a
 * light scan that bounds depth and size and records the line of every value;
 * YAML goes through libyaml's event parser into the same trees, typing plain
 * scalars as YAML 1.1 (kubectl) does and expanding aliases within a budget.
 */
#include "policy/manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/decode.h"
#include "policy/diag.h"
#include "policy/manifest_int.h"
#include "base/xalloc.h"

struct line_ent {
	const cJSON *node;
	unsigned line;
};

/*
 * Node to line table of one document: a hash table keyed by node address.
 * JSON documents record the lines of their values in document order
 * (pre-order). The values near the top (objects of a List and their fields,
 * whose lines every decoded object records) are paired with cJSON nodes at
 * once; the walk over the whole tree waits until a message needs the line of a
 * deeper node.
 */
struct line_table {
	struct line_ent *slots; /* open addressing; node NULL: empty */
	size_t n, cap;		/* cap: 0 or a power of two */
	const cJSON *root;	/* JSON: tree to pair with order[], borrowed */
	const unsigned *order;	/* JSON: line of each value in pre-order, borrowed */
	size_t norder;
};

struct manifest_doc {
	struct line_table *t; /* owned; filled lazily through const lookups */
};

struct manifest_doc *manifest_doc_new(void)
{
	struct manifest_doc *doc = xcalloc(1, sizeof(*doc));

	doc->t = xcalloc(1, sizeof(*doc->t));
	return doc;
}

void manifest_doc_free(struct manifest_doc *doc)
{
	if (!doc)
		return;
	free(doc->t->slots);
	free(doc->t);
	free(doc);
}

void manifest_doc_clear(struct manifest_doc *doc)
{
	struct line_table *t = doc->t;

	if (t->n)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->n = 0;
	t->root = NULL;
	t->order = NULL;
	t->norder = 0;
}

static size_t slot_of(const struct line_table *t, const cJSON *node)
{
	uint64_t h = (uint64_t)(uintptr_t)node * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (t->cap - 1);

	while (t->slots[i].node && t->slots[i].node != node)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void table_put(struct line_table *t, const cJSON *node, unsigned line)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		struct line_ent *old = t->slots;
		size_t oldcap = t->cap;

		t->cap = t->cap ? t->cap * 2 : 1024;
		t->slots = xcalloc(t->cap, sizeof(*t->slots));
		for (size_t j = 0; j < oldcap; j++)
			if (old[j].node)
				t->slots[slot_of(t, old[j].node)] = old[j];
		free(old);
	}
	i = slot_of(t, node);
	if (!t->slots[i].node)
		t->n++;
	t->slots[i].node = node;
	t->slots[i].line = line;
}

void manifest_doc_add(struct manifest_doc *doc, const cJSON *node, unsigned line)
{
	table_put(doc->t, node, line);
}

static void pair_shallow(struct line_table *t, const cJSON *node, unsigned depth,
			 const unsigned *lines, size_t n, size_t *i)
{
	const cJSON *c;

	table_put(t, node, *i < n ? lines[*i] : 0);
	(*i)++;
	if (depth == MANIFEST_SHALLOW_DEPTH)
		return;
	cJSON_ArrayForEach (c, node)
		pair_shallow(t, c, depth + 1, lines, n, i);
}

/*
 * A JSON document: order[i] is the line of the i-th value in pre-order,
 * shallow[i] that of the i-th value no deeper than MANIFEST_SHALLOW_DEPTH.
 * root and order must stay valid until the document is cleared.
 */
void manifest_doc_set_order(struct manifest_doc *doc, const cJSON *root, const unsigned *order,
			    size_t n, const unsigned *shallow, size_t nshallow)
{
	size_t i = 0;

	pair_shallow(doc->t, root, 0, shallow, nshallow, &i);
	doc->t->root = root;
	doc->t->order = order;
	doc->t->norder = n;
}

static void pair_lines(struct line_table *t, const cJSON *node, size_t *i)
{
	const cJSON *c;

	table_put(t, node, *i < t->norder ? t->order[*i] : 0);
	(*i)++;
	cJSON_ArrayForEach (c, node)
		pair_lines(t, c, i);
}

/* The 1-based source line of node, or 0 when it is not known. */
unsigned manifest_line(const struct manifest_doc *doc, const cJSON *node)
{
	struct line_table *t = doc ? doc->t : NULL;
	size_t i, next = 0;

	if (!t || !node)
		return 0;
	if (t->n) {
		i = slot_of(t, node);
		if (t->slots[i].node)
			return t->slots[i].line;
	}
	if (!t->root)
		return 0;
	pair_lines(t, t->root, &next);
	t->root = NULL;
	i = slot_of(t, node);
	return t->slots[i].node ? t->slots[i].line : 0;
}

static int key_ptr_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static int report_dup(struct manifest_ctx *m, const cJSON *key)
{
	manifest_error(m, manifest_line(m->doc, key),
		       "duplicate key \"%s\" in a mapping: each field may be given once",
		       key->string);
	return -EINVAL;
}

/* Report keys that appear twice in one object (sorted, then neighbours compared). */
static int object_dup_keys(struct manifest_ctx *m, const cJSON *obj)
{
	const cJSON **keys, *c, *d;
	size_t n = 0;
	int ret = 0;

	cJSON_ArrayForEach (c, obj)
		n++;
	if (n < 2)
		return 0;
	if (n <= 16) {
		/* small mappings (nearly all): compare pairs, no allocation */
		for (c = obj->child; c; c = c->next)
			for (d = c->next; d; d = d->next)
				if (!strcmp(c->string, d->string))
					ret = report_dup(m, d);
		return ret;
	}
	keys = xcalloc(n, sizeof(*keys));
	n = 0;
	cJSON_ArrayForEach (c, obj)
		keys[n++] = c;
	xqsort(keys, n, sizeof(*keys), key_ptr_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(keys[i - 1]->string, keys[i]->string))
			continue;
		ret = report_dup(m, keys[i]);
	}
	free(keys);
	return ret;
}

static int dup_keys(struct manifest_ctx *m, const cJSON *node)
{
	const cJSON *c;
	int ret = 0;

	if (cJSON_IsObject(node) && object_dup_keys(m, node) < 0)
		ret = -EINVAL;
	cJSON_ArrayForEach (c, node)
		if (dup_keys(m, c) < 0)
			ret = -EINVAL;
	return ret;
}

/*
 * A document is complete: refuse duplicate keys, hand it to the callback. The
 * tree stays the caller's.
 */
int manifest_finish(struct manifest_ctx *m, const cJSON *root)
{
	if (dup_keys(m, root) < 0)
		return -EINVAL;
	if (!cJSON_IsNull(root))
		m->cb(m->arg, root, m->doc);
	return 0;
}

/* Report an error about the input as a whole (no object, no field path). */
void manifest_verror(struct manifest_ctx *m, unsigned line, const char *fmt, va_list ap)
{
	diag_vadd(m->d, DIAG_ERROR, m->name, line, NULL, NULL, fmt, ap);
	m->nerrors++;
}

void manifest_error(struct manifest_ctx *m, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	manifest_verror(m, line, fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence that lead byte c starts (2-4), or 0 when invalid. */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = utf8_len(s[0]);
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (len == 0 || len > n)
		return 0;
	cp = s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return cp >= 0xd800 && cp <= 0xdfff ? 0 : len;
}

/*
 * s (n bytes; NUL also ends it) double-quoted for a message, in a new string:
 * at most max bytes of it, a quote and a backslash escaped, control bytes as
 * \n, \t, \r or \xNN, bytes that do not start valid UTF-8 as \xNN, and "..."
 * after the closing quote when s was cut (never inside a UTF-8 sequence).
 */
char *manifest_quote(const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char *out = xmalloc(4 * max + 8), *o = out;
	size_t i = 0, k;

	*o++ = '"';
	while (i < n && u[i]) {
		k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (i + (k ? k : 1) > max)
			break;
		if (k > 1) {
			memcpy(o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		if (u[i] == '"' || u[i] == '\\') {
			*o++ = '\\';
			*o++ = s[i];
		} else if (u[i] == '\n' || u[i] == '\t' || u[i] == '\r') {
			*o++ = '\\';
			*o++ = u[i] == '\n' ? 'n' : u[i] == '\t' ? 't' : 'r';
		} else if (u[i] < 0x20 || u[i] >= 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[u[i] >> 4];
			*o++ = hex[u[i] & 15];
		} else {
			*o++ = s[i];
		}
		i++;
	}
	*o++ = '"';
	if (i < n && u[i])
		for (int j = 0; j < 3; j++)
			*o++ = '.';
	*o = '\0';
	return out;
}

/* The 1-based line of byte offset off in buf. */
static unsigned line_of(const char *buf, size_t off)
{
	unsigned line = 1;

	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + off - p))); p++)
		line++;
	return line;
}

/* Bytes at s (at most n) before the first one that is NUL or not ASCII. */
static size_t ascii_run(const unsigned char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ull, low = 0x0101010101010101ull;
	size_t i = 0;
	uint64_t w;

	/* eight bytes at a time: no high bit set and no byte zero */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w | ((w - low) & ~w)) & high)
			break;
	}
	while (i < n && s[i] && s[i] < 0x80)
		i++;
	return i;
}

/*
 * The input must be UTF-8 text: no NUL bytes, no invalid sequences. The line is
 * counted only for the message.
 */
static int check_text(struct manifest_ctx *m, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;

	for (size_t i = ascii_run(s, len); i < len; i += ascii_run(s + i, len - i)) {
		size_t n = s[i] ? utf8_seq(s + i, len - i) : 0;

		if (n == 0) {
			manifest_error(m, line_of(buf, i),
				       s[i] ? "invalid UTF-8 at byte offset %zu: "
					      "manifests must be UTF-8 text"
					    : "NUL byte at byte offset "
					      "%zu: manifests must be UTF-8 text",
				       i);
			return -EINVAL;
		}
		i += n;
	}
	return 0;
}

/* JSON if the first byte after white space and a byte order mark is '{' or '['. */
static bool looks_like_json(const char *buf, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	return i < len && (buf[i] == '{' || buf[i] == '[');
}

/*
 * Parse buf (len bytes; name for messages) as YAML or JSON and call cb for each
 * document that is not empty. Errors go to d: a syntax error ends the input, an
 * error inside a document (limits, duplicate keys) skips that document only.
 * Returns 0, or -EINVAL when anything was wrong.
 */
int manifest_parse(const char *name, const char *buf, size_t len, manifest_doc_cb cb, void *arg,
		   struct diag_list *d)
{
	struct manifest_ctx m = { .name = name, .cb = cb, .arg = arg, .d = d };

	if (len > DECODE_MAX_INPUT) {
		manifest_error(&m, 0, "input is %zu bytes, more than the limit of %u bytes", len,
			       DECODE_MAX_INPUT);
		return -EINVAL;
	}
	if (check_text(&m, buf, len) < 0)
		return -EINVAL;
	m.doc = manifest_doc_new();
	if (looks_like_json(buf, len))
		manifest_json(&m, buf, len);
	else
		manifest_yaml(&m, buf, len);
	manifest_doc_free(m.doc);
	return m.nerrors ? -EINVAL : 0;
}
