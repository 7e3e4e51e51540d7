// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manifest text to cJSON trees (see manifest.h): the arenas the trees' nodes
 * come from, each node with its line; duplicate keys, errors and quoting for
 * messages; the text checks (UTF-8, no NUL) and the choice of front end:
 * manifest_json.c (nftpol's own reader) or manifest_yaml.c (libyaml's events,
 * plain scalars typed as kubectl types them, aliases expanded within a budget).
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

/* A chunk of an arena; the space follows it. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* bytes after the header */
	max_align_t space[];
};

#define ARENA_FIRST_CHUNK (64u << 10)

/* n bytes (8-aligned) from doc's current arena; aborts on OOM, as xmalloc. */
void *manifest_alloc(struct manifest_doc *doc, size_t n)
{
	struct manifest_arena *a = doc->cur;
	struct arena_chunk *c;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if ((size_t)(a->end - a->p) < n) {
		size = a->chunks ? a->chunks->size * 2 : ARENA_FIRST_CHUNK;
		if (size > (16u << 20))
			size = 16u << 20;
		if (size < n)
			size = n;
		c = xmalloc(sizeof(*c) + size);
		c->next = a->chunks;
		c->size = size;
		a->chunks = c;
		a->p = (char *)c->space;
		a->end = a->p + size;
	}
	p = a->p;
	a->p += n;
	return p;
}

/* Empty a: keep its newest (largest) chunk for what comes next, free the rest. */
void manifest_arena_reset(struct manifest_arena *a)
{
	struct arena_chunk *c = a->chunks, *next;

	if (!c)
		return;
	for (struct arena_chunk *o = c->next; o; o = next) {
		next = o->next;
		free(o);
	}
	c->next = NULL;
	a->p = (char *)c->space;
	a->end = a->p + c->size;
}

void manifest_arena_fini(struct manifest_arena *a)
{
	manifest_arena_reset(a);
	free(a->chunks);
	memset(a, 0, sizeof(*a));
}

/* A new value of cJSON type type (cJSON_Object...) starting on line, all else zero. */
cJSON *manifest_node(struct manifest_doc *doc, int type, unsigned line)
{
	struct manifest_node *n = manifest_alloc(doc, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->j.type = type;
	n->line = line;
	return &n->j;
}

/* s (n bytes) as a NUL-terminated string in doc's current arena. */
char *manifest_str(struct manifest_doc *doc, const char *s, size_t n)
{
	char *p = manifest_alloc(doc, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Link child after the last child of parent, as cJSON does (the first's prev is the last). */
void manifest_append(cJSON *parent, cJSON *child)
{
	cJSON *first = parent->child;

	child->next = NULL;
	if (!first) {
		parent->child = child;
		child->prev = child;
		return;
	}
	child->prev = first->prev;
	first->prev->next = child;
	first->prev = child;
}

static struct manifest_doc *doc_new(void)
{
	struct manifest_doc *doc = xcalloc(1, sizeof(*doc));

	doc->self = doc;
	doc->cur = &doc->root;
	return doc;
}

static void doc_free(struct manifest_doc *doc)
{
	if (!doc)
		return;
	manifest_arena_fini(&doc->root);
	manifest_arena_fini(&doc->item);
	free(doc->kept);
	free(doc);
}

/* The document is done with: its tree and any streamed item are gone. */
void manifest_doc_clear(struct manifest_doc *doc)
{
	manifest_arena_reset(&doc->root);
	manifest_arena_reset(&doc->item);
	doc->cur = &doc->root;
	doc->streamed = NULL;
	doc->items = NULL;
	doc->nkept = 0;
}

/* The 1-based source line of node (of doc's tree), or 0 when it is not known. */
unsigned manifest_line(const struct manifest_doc *doc, const cJSON *node)
{
	if (!doc || !node)
		return 0;
	return ((const struct manifest_node *)node)->line;
}

/*
 * Call fn for every item of list (a list of doc's tree) in order: the streamed
 * items of a List read one at a time, or the children of list.
 */
void manifest_each(const struct manifest_doc *doc, const cJSON *list, manifest_item_cb fn,
		   void *arg)
{
	const cJSON *it;
	size_t i = 0;

	if (doc && list == doc->streamed && doc->items) {
		manifest_json_each(doc->self, fn, arg);
		return;
	}
	if (doc && list == doc->streamed) {
		for (size_t k = 0; k < doc->nkept; k++)
			fn(arg, doc->kept[k].node, doc->kept[k].index);
		return;
	}
	cJSON_ArrayForEach (it, list)
		fn(arg, it, i++);
}

static int key_ptr_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* Report a key given twice in one mapping (its second value is on line). */
void manifest_dup_error(struct manifest_ctx *m, unsigned line, const char *key)
{
	manifest_error(m, line, "duplicate key \"%s\" in a mapping: each field may be given once",
		       key);
}

static int report_dup(struct manifest_ctx *m, const cJSON *key)
{
	manifest_dup_error(m, manifest_line(m->doc, key), key->string);
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

/* Report every key given twice in one mapping of the tree node; 0 or -EINVAL. */
int manifest_dup_keys(struct manifest_ctx *m, const cJSON *node)
{
	const cJSON *c;
	int ret = 0;

	if (cJSON_IsObject(node) && object_dup_keys(m, node) < 0)
		ret = -EINVAL;
	cJSON_ArrayForEach (c, node)
		if (manifest_dup_keys(m, c) < 0)
			ret = -EINVAL;
	return ret;
}

/*
 * A document (YAML) is complete: refuse duplicate keys, hand it to the
 * callback. The tree stays the caller's.
 */
int manifest_finish(struct manifest_ctx *m, const cJSON *root)
{
	if (manifest_dup_keys(m, root) < 0)
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
	return manifest_parse_flags(name, buf, len, 0, cb, NULL, arg, d);
}

/*
 * manifest_parse() with flags: MANIFEST_STREAM_ITEMS leaves the items of a
 * document's top-level "items" list out of its tree, for manifest_each() (JSON)
 * or early (YAML; those early does not take are read by manifest_each()).
 */
int manifest_parse_flags(const char *name, const char *buf, size_t len, unsigned flags,
			 manifest_doc_cb cb, manifest_early_cb early, void *arg,
			 struct diag_list *d)
{
	struct manifest_ctx m = {
		.name = name, .cb = cb, .early = early, .arg = arg, .d = d, .flags = flags
	};

	if (len > DECODE_MAX_INPUT) {
		manifest_error(&m, 0, "input is %zu bytes, more than the limit of %u bytes", len,
			       DECODE_MAX_INPUT);
		return -EINVAL;
	}
	if (check_text(&m, buf, len) < 0)
		return -EINVAL;
	m.doc = doc_new();
	if (looks_like_json(buf, len))
		manifest_json(&m, buf, len);
	else
		manifest_yaml(&m, buf, len);
	doc_free(m.doc);
	return m.nerrors ? -EINVAL : 0;
}
