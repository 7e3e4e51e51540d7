// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON front end of manifest.c: one or more concatenated JSON values, each
 * a document. A first pass checks a value's syntax, the depth and node limits
 * and duplicate keys without allocating a tree, so that a document with an
 * error is refused whole, as before anything of it is decoded; a second pass
 * builds the tree in the document's arena, each node with its line. The items
 * of a top-level "items" list are located by the first pass and built one at
 * a time when the decoder asks (manifest_each), into an arena emptied for each.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/decode.h"
#include "policy/manifest_int.h"
#include "base/xalloc.h"

/* Where an item of the list starts. */
struct item_pos {
	size_t off;
	unsigned line;
};

/* Where the items of a document's top-level "items" list start. */
struct manifest_json_items {
	const char *buf; /* the input, borrowed */
	size_t len;
	struct item_pos *v; /* owned */
	size_t n, cap;
	uintptr_t kept;	  /* MANIFEST_DROP_INPUT: input before this address was dropped */
	bool drop;	  /* MANIFEST_DROP_INPUT */
	size_t list;	  /* offset of the list's '[' (0: no list found) */
	size_t end;	  /* offset just past its ']' */
	unsigned endline; /* the line there */
};

/* A key of an object being checked: its raw text between the quotes. */
struct jkey {
	const char *p;
	size_t n;
	unsigned line; /* where its value starts */
	bool escaped;  /* contains a backslash */
};

/* A duplicate key found, reported once the document is known to be well-formed. */
struct jdup {
	size_t object; /* pre-order index of its object: the order of the reports */
	size_t seq;
	unsigned line;
	char *key; /* owned, unescaped */
};

/* The first pass over one value. */
struct jcheck {
	struct manifest_ctx *m;
	const char *buf;
	size_t len, pos;
	unsigned line;	   /* line of pos */
	size_t nvalues;	   /* values so far */
	unsigned depth;	   /* open objects and arrays */
	size_t err;	   /* syntax error: its offset (len: the input ended) */
	bool syntax;	   /* a syntax error was found */
	bool limit;	   /* a limit error was reported: the input ends here */
	struct jkey *keys; /* keys of the open objects, innermost last */
	size_t nkeys, capkeys;
	struct jdup *dups;
	size_t ndups, capdups;
	struct manifest_json_items *items; /* NULL: do not stream */
};

static bool is_space(char c)
{
	return (unsigned char)c <= ' ';
}

/* Skip white space as cJSON does (every byte up to ' '), counting lines. */
static inline void skip_ws(const char *buf, size_t len, size_t *pos, unsigned *line)
{
	size_t i = *pos;

	if (i < len && !is_space(buf[i]))
		return; /* compact JSON: nearly always */
	while (i < len && is_space(buf[i])) {
		*line += buf[i] == '\n';
		i++;
	}
	*pos = i;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The high bit of every byte of w that equals c. */
static inline uint64_t bytes_eq(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (ONES * c);

	return (x - ONES) & ~x & HIGHS;
}

/*
 * Offset from i of the first quote, backslash or newline in buf (len bytes), or
 * len: the inside of a string is skipped eight bytes at a time.
 */
static size_t string_stop(const char *buf, size_t len, size_t i)
{
	uint64_t w, m;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, buf + i, 8);
		m = bytes_eq(w, '"') | bytes_eq(w, '\\') | bytes_eq(w, '\n');
		if (m)
			return i + (size_t)__builtin_ctzll(m) / 8;
	}
	while (i < len && buf[i] != '"' && buf[i] != '\\' && buf[i] != '\n')
		i++;
	return i;
}

static int syntax_at(struct jcheck *c, size_t at)
{
	if (!c->syntax) {
		c->syntax = true;
		c->err = at;
	}
	return -EINVAL;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
			     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
			     : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
						      : 16u;

		if (d == 16)
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/*
 * The \u escape at p (n bytes left): its code point into *cp and its length (6,
 * or 12 for a surrogate pair), or 0 when it is not valid.
 */
static size_t u_escape(const char *p, size_t n, unsigned *cp)
{
	unsigned hi, lo;

	if (n < 6 || hex4(p + 2, &hi) < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 6;
	}
	if (n < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 || lo < 0xdc00 ||
	    lo > 0xdfff)
		return 0;
	*cp = 0x10000 + (((hi & 0x3ff) << 10) | (lo & 0x3ff));
	return 12;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The raw string text p (n bytes, checked) unescaped into out (n + 1 bytes); its length. */
static size_t unescape(const char *p, size_t n, char *out)
{
	static const char from[] = "bfnrt\"\\/", to[] = "\b\f\n\r\t\"\\/";
	size_t i = 0, o = 0;
	unsigned cp;

	while (i < n) {
		const char *e = p[i] == '\\' && i + 1 < n ? strchr(from, p[i + 1]) : NULL;

		if (p[i] != '\\') {
			out[o++] = p[i++];
		} else if (e && *e) {
			out[o++] = to[e - from];
			i += 2;
		} else {
			size_t k = u_escape(p + i, n - i, &cp);

			o += put_utf8(out + o, k ? cp : 0xfffd);
			i += k ? k : 2;
		}
	}
	out[o] = '\0';
	return o;
}

/* Check the escape at c->pos (a backslash); advance past it. */
static int check_escape(struct jcheck *c)
{
	const char *p = c->buf + c->pos;
	size_t left = c->len - c->pos, k;
	unsigned cp;

	if (left < 2)
		return syntax_at(c, c->len);
	if (p[1] && strchr("bfnrt\"\\/", p[1])) {
		c->pos += 2;
		return 0;
	}
	k = p[1] == 'u' ? u_escape(p, left, &cp) : 0;
	if (!k)
		return syntax_at(c, left < 6 ? c->len : c->pos);
	if (cp == 0) {
		manifest_error(c->m, c->line, "string contains \\u0000: NUL is not allowed");
		c->limit = true;
		return -EINVAL;
	}
	c->pos += k;
	return 0;
}

/* A string at c->pos (its opening quote); *key set to its raw text when asked. */
static int check_string(struct jcheck *c, struct jkey *key)
{
	size_t start = c->pos;
	bool escaped = false;

	for (c->pos++; (c->pos = string_stop(c->buf, c->len, c->pos)) < c->len;) {
		char ch = c->buf[c->pos];

		if (ch == '"')
			break;
		if (ch == '\\') {
			escaped = true;
			if (check_escape(c) < 0)
				return -EINVAL;
			continue;
		}
		c->line++;
		c->pos++;
	}
	if (c->pos >= c->len)
		return syntax_at(c, c->len);
	if (key) {
		key->p = c->buf + start + 1;
		key->n = c->pos - start - 1;
		key->escaped = escaped;
	}
	c->pos++;
	return 0;
}

/*
 * The length of the number at p (at most n bytes) as cJSON reads one: the
 * longest run of number characters, as much of it as strtod takes. 0: none.
 */
static bool is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

/*
 * The run at p (n bytes) when it is an integer of at most 18 digits and
 * nothing else, as strtod would read it: its length and value (exact, so
 * rounded once to a double as strtod rounds); 0 when it is not one.
 */
static size_t integer_len(const char *p, size_t n, double *v)
{
	size_t i = n && p[0] == '-', start = i;
	uint64_t u = 0;

	for (; i < n && i - start < 19 && p[i] >= '0' && p[i] <= '9'; i++)
		u = u * 10 + (uint64_t)(p[i] - '0');
	if (i == start || i - start > 18 || (i < n && is_number_char(p[i])))
		return 0;
	*v = p[0] == '-' ? -(double)u : (double)u;
	return i;
}

static size_t number_len(const char *p, size_t n, double *v)
{
	char tmp[64], *end;
	size_t i = integer_len(p, n, v);

	if (i)
		return i; /* nearly always: ports, counts */
	for (i = 0; i < n && i < sizeof(tmp) - 1 && is_number_char(p[i]); i++)
		tmp[i] = p[i];
	tmp[i] = '\0';
	*v = strtod(tmp, &end);
	return (size_t)(end - tmp);
}

static int check_value(struct jcheck *c, const char *key);

static int key_cmp(const void *a, const void *b)
{
	const struct jkey *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int r = memcmp(x->p, y->p, n);

	if (r)
		return r;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->p < y->p ? -1 : x->p > y->p;
}

/* A key's text unescaped, in a new string. */
static char *key_text(const struct jkey *k)
{
	char *s = xmalloc(k->n + 1);

	if (k->escaped) {
		unescape(k->p, k->n, s);
		return s;
	}
	memcpy(s, k->p, k->n);
	s[k->n] = '\0';
	return s;
}

static bool key_eq(const struct jkey *a, const struct jkey *b)
{
	char *x, *y;
	bool eq;

	if (!a->escaped && !b->escaped)
		return a->n == b->n && !memcmp(a->p, b->p, a->n);
	x = key_text(a);
	y = key_text(b);
	eq = !strcmp(x, y);
	free(x);
	free(y);
	return eq;
}

static void add_dup(struct jcheck *c, size_t object, const struct jkey *k)
{
	XGROW(c->dups, c->capdups, c->ndups);
	c->dups[c->ndups] = (struct jdup){ object, c->ndups, k->line, key_text(k) };
	c->ndups++;
}

/*
 * Keys given twice among n keys of one object (pre-order index object). Small
 * objects (nearly all) compare pairs; large ones are sorted, which needs
 * unescaped keys to compare equal as text: an escaped key takes the slow path.
 */
static void object_dups(struct jcheck *c, size_t object, struct jkey *k, size_t n)
{
	bool escaped = false;

	for (size_t i = 0; i < n; i++)
		escaped |= k[i].escaped;
	if (n <= 16 || escaped) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (key_eq(&k[i], &k[j]))
					add_dup(c, object, &k[j]);
		return;
	}
	xqsort(k, n, sizeof(*k), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (k[i - 1].n == k[i].n && !memcmp(k[i - 1].p, k[i].p, k[i].n))
			add_dup(c, object, &k[i]);
}

/* Whether the array at c->pos is the items list of the document's root object. */
static bool is_items_list(const struct jcheck *c, const char *key)
{
	return c->items && c->depth == 1 && key && !strcmp(key, "items") && !c->items->list;
}

static int check_members(struct jcheck *c, size_t object)
{
	size_t first = c->nkeys;
	struct jkey k;
	char name[6];

	for (;;) {
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		if (c->pos >= c->len || c->buf[c->pos] != '"')
			return syntax_at(c, c->pos);
		if (check_string(c, &k) < 0)
			return -EINVAL;
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		if (c->pos >= c->len || c->buf[c->pos] != ':')
			return syntax_at(c, c->pos);
		c->pos++;
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		k.line = c->line;
		XGROW(c->keys, c->capkeys, c->nkeys);
		c->keys[c->nkeys++] = k;
		name[0] = '\0';
		if (k.n < sizeof(name) && !k.escaped) {
			memcpy(name, k.p, k.n);
			name[k.n] = '\0';
		}
		if (check_value(c, name) < 0)
			return -EINVAL;
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		if (c->pos < c->len && c->buf[c->pos] == ',') {
			c->pos++;
			continue;
		}
		if (c->pos >= c->len || c->buf[c->pos] != '}')
			return syntax_at(c, c->pos);
		c->pos++;
		object_dups(c, object, c->keys + first, c->nkeys - first);
		c->nkeys = first;
		return 0;
	}
}

static int check_elements(struct jcheck *c, bool items)
{
	for (;;) {
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		if (items) {
			XGROW(c->items->v, c->items->cap, c->items->n);
			c->items->v[c->items->n++] = (struct item_pos){ c->pos, c->line };
		}
		if (check_value(c, NULL) < 0)
			return -EINVAL;
		skip_ws(c->buf, c->len, &c->pos, &c->line);
		if (c->pos < c->len && c->buf[c->pos] == ',') {
			c->pos++;
			continue;
		}
		if (c->pos >= c->len || c->buf[c->pos] != ']')
			return syntax_at(c, c->pos);
		c->pos++;
		return 0;
	}
}

/* An object or array at c->pos. */
static int check_container(struct jcheck *c, const char *key)
{
	bool object = c->buf[c->pos] == '{';
	bool items = !object && is_items_list(c, key);
	size_t index = c->nvalues - 1;
	int ret;

	if (c->depth >= DECODE_MAX_DEPTH) {
		manifest_error(c->m, c->line, "objects and arrays nested deeper than %d levels",
			       DECODE_MAX_DEPTH);
		c->limit = true;
		return -EINVAL;
	}
	if (items)
		c->items->list = c->pos;
	c->depth++;
	c->pos++;
	skip_ws(c->buf, c->len, &c->pos, &c->line);
	if (c->pos < c->len && c->buf[c->pos] == (object ? '}' : ']')) {
		c->pos++;
		ret = 0;
	} else {
		ret = object ? check_members(c, index) : check_elements(c, items);
	}
	c->depth--;
	if (items) {
		c->items->end = c->pos;
		c->items->endline = c->line;
	}
	return ret;
}

/* The value at c->pos (white space skipped); key: its member name when short, or NULL. */
static int check_value(struct jcheck *c, const char *key)
{
	static const char *const words[] = { "null", "false", "true" };
	const char *p = c->buf + c->pos;
	size_t left = c->len - c->pos, n;
	double v;

	if (c->nvalues++ >= DECODE_MAX_NODES) {
		manifest_error(c->m, c->line, "document has more than %u values", DECODE_MAX_NODES);
		c->limit = true;
		return -EINVAL;
	}
	if (!left)
		return syntax_at(c, c->len);
	if (*p == '{' || *p == '[')
		return check_container(c, key);
	if (*p == '"')
		return check_string(c, NULL);
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		n = number_len(p, left, &v);
		if (!n)
			return syntax_at(c, c->pos);
		c->pos += n;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		n = strlen(words[i]);
		if (left >= n && !memcmp(p, words[i], n)) {
			c->pos += n;
			return 0;
		}
	}
	return syntax_at(c, c->pos);
}

static unsigned line_at(const char *buf, size_t off)
{
	unsigned line = 1;

	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + off - p))); p++)
		line++;
	return line;
}

/* The first pass found a syntax error: quote the text there, or say the input ended. */
static void syntax_error(struct jcheck *c)
{
	size_t at = c->err, p = at, n;
	const char *nl;
	char *q;

	while (p < c->len && strchr(" \t\r\n", c->buf[p]))
		p++;
	if (p == c->len) {
		manifest_error(c->m, line_at(c->buf, c->len),
			       "invalid JSON: the input ends inside a value (truncated?)");
		return;
	}
	/* buf need not be NUL-terminated: quote at most what is left of the line */
	nl = memchr(c->buf + at, '\n', c->len - at);
	n = nl ? (size_t)(nl - (c->buf + at)) : c->len - at;
	q = manifest_quote(c->buf + at, n ? n : 1, 20);
	manifest_error(c->m, line_at(c->buf, at), "invalid JSON near %s", q);
	free(q);
}

static int dup_cmp(const void *a, const void *b)
{
	const struct jdup *x = a, *y = b;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Report the duplicate keys in document order (outer objects first). */
static void report_dups(struct jcheck *c)
{
	xqsort(c->dups, c->ndups, sizeof(*c->dups), dup_cmp);
	for (size_t i = 0; i < c->ndups; i++)
		manifest_dup_error(c->m, c->dups[i].line, c->dups[i].key);
}

static void clear_dups(struct jcheck *c)
{
	for (size_t i = 0; i < c->ndups; i++)
		free(c->dups[i].key);
	c->ndups = 0;
}

/* The second pass: build what the first pass checked. */
struct jbuild {
	struct manifest_doc *doc;
	const char *buf;
	size_t len, pos;
	unsigned line;
	const struct manifest_json_items *items; /* skip the root's items list; NULL: none */
};

static cJSON *build_value(struct jbuild *b, unsigned depth);

/* The string at b->pos (its quote), unescaped into the arena. */
static char *build_string(struct jbuild *b)
{
	size_t start = ++b->pos;
	bool escaped = false;
	char *s;

	while ((b->pos = string_stop(b->buf, b->len, b->pos)) < b->len && b->buf[b->pos] != '"') {
		char ch = b->buf[b->pos];

		b->line += ch == '\n';
		escaped |= ch == '\\';
		b->pos += ch == '\\' ? 2 : 1;
	}
	if (b->pos > b->len)
		b->pos = b->len;
	if (!escaped) {
		s = manifest_str(b->doc, b->buf + start, b->pos - start);
	} else {
		s = manifest_alloc(b->doc, b->pos - start + 1);
		unescape(b->buf + start, b->pos - start, s);
	}
	b->pos++;
	return s;
}

static void build_members(struct jbuild *b, cJSON *obj, unsigned depth)
{
	for (;;) {
		char *key;
		cJSON *v;

		skip_ws(b->buf, b->len, &b->pos, &b->line);
		if (b->pos >= b->len || b->buf[b->pos] != '"') {
			b->pos++; /* '}' */
			return;
		}
		key = build_string(b);
		skip_ws(b->buf, b->len, &b->pos, &b->line);
		b->pos++; /* ':' */
		skip_ws(b->buf, b->len, &b->pos, &b->line);
		if (depth == 0 && b->items && b->pos == b->items->list) {
			/* the items of a List: read one at a time by manifest_each() */
			v = manifest_node(b->doc, cJSON_Array, b->line);
			b->doc->streamed = v;
			b->pos = b->items->end;
			b->line = b->items->endline;
		} else {
			v = build_value(b, depth + 1);
		}
		v->string = key;
		manifest_append(obj, v);
		skip_ws(b->buf, b->len, &b->pos, &b->line);
		if (b->pos >= b->len || b->buf[b->pos++] != ',')
			return;
	}
}

static void build_elements(struct jbuild *b, cJSON *arr, unsigned depth)
{
	for (;;) {
		skip_ws(b->buf, b->len, &b->pos, &b->line);
		if (b->pos >= b->len || b->buf[b->pos] == ']') {
			b->pos++;
			return;
		}
		manifest_append(arr, build_value(b, depth + 1));
		skip_ws(b->buf, b->len, &b->pos, &b->line);
		if (b->pos >= b->len || b->buf[b->pos++] != ',')
			return;
	}
}

/* The value at b->pos, checked by the first pass; depth: of the value. */
static cJSON *build_value(struct jbuild *b, unsigned depth)
{
	const char *p = b->buf + b->pos;
	cJSON *n;
	double v;

	switch (b->pos < b->len ? *p : '\0') {
	case '{':
		n = manifest_node(b->doc, cJSON_Object, b->line);
		b->pos++;
		build_members(b, n, depth);
		return n;
	case '[':
		n = manifest_node(b->doc, cJSON_Array, b->line);
		b->pos++;
		build_elements(b, n, depth);
		return n;
	case '"':
		n = manifest_node(b->doc, cJSON_String, b->line);
		n->valuestring = build_string(b);
		return n;
	case 'n':
		b->pos += 4;
		return manifest_node(b->doc, cJSON_NULL, b->line);
	case 't':
		b->pos += 4;
		n = manifest_node(b->doc, cJSON_True, b->line);
		n->valueint = 1;
		return n;
	case 'f':
		b->pos += 5;
		return manifest_node(b->doc, cJSON_False, b->line);
	}
	n = manifest_node(b->doc, cJSON_Number, b->line);
	b->pos += number_len(p, b->len - b->pos, &v);
	n->valuedouble = v;
	n->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
	return n;
}

/* The pages of the input before offset off are read for the last time: drop them. */
static void drop_before(struct manifest_json_items *it, size_t off)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t end = ((uintptr_t)it->buf + off) & ~(page - 1);

	if (!it->drop || end < it->kept + (1u << 20))
		return;
	madvise((void *)it->kept, end - it->kept, MADV_DONTNEED);
	it->kept = end;
}

/*
 * Build item by item the streamed list of doc (see manifest_each()), each into
 * the item arena, emptied after fn returned.
 */
void manifest_json_each(struct manifest_doc *doc, manifest_item_cb fn, void *arg)
{
	struct manifest_json_items *it = doc->items;
	struct jbuild b = { .doc = doc, .buf = it->buf, .len = it->len };

	for (size_t i = 0; i < it->n; i++) {
		manifest_arena_reset(&doc->item);
		doc->cur = &doc->item;
		b.pos = it->v[i].off;
		b.line = it->v[i].line;
		fn(arg, build_value(&b, 2), i);
		drop_before(it, b.pos);
	}
	manifest_arena_reset(&doc->item);
	doc->cur = &doc->root;
}

/* Check, then build and hand on the value at c->pos; -EINVAL ends the input. */
static int one_value(struct jcheck *c)
{
	size_t start = c->pos;
	unsigned line = c->line;
	struct jbuild b = {
		.doc = c->m->doc, .buf = c->buf, .len = c->len, .pos = start, .line = line
	};
	cJSON *root;

	c->nvalues = 0;
	c->depth = 0;
	c->nkeys = 0;
	clear_dups(c);
	if (c->items)
		c->items->n = c->items->list = 0;
	if (check_value(c, NULL) < 0) {
		if (c->syntax)
			syntax_error(c);
		return -EINVAL;
	}
	if (c->ndups) {
		report_dups(c);
		return 0;
	}
	if (c->items && c->items->list) {
		b.items = c->items;
		c->m->doc->items = c->items;
	}
	root = build_value(&b, 0);
	if (!cJSON_IsNull(root))
		c->m->cb(c->m->arg, root, c->m->doc);
	manifest_doc_clear(c->m->doc);
	return 0;
}

/*
 * Every JSON value in buf, one after another, as documents. A syntax error or
 * an exceeded limit ends the input; errors are reported through m.
 */
void manifest_json(struct manifest_ctx *m, const char *buf, size_t len)
{
	struct manifest_json_items items = { .buf = buf,
					     .len = len,
					     .kept = (uintptr_t)buf,
					     .drop = m->flags & MANIFEST_DROP_INPUT };
	struct jcheck c = { .m = m, .buf = buf, .len = len, .line = 1 };

	if (m->flags & MANIFEST_STREAM_ITEMS)
		c.items = &items;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		c.pos = 3;
	for (;;) {
		while (c.pos < len && strchr(" \t\r\n", buf[c.pos]) && buf[c.pos]) {
			c.line += buf[c.pos] == '\n';
			c.pos++;
		}
		if (c.pos >= len || one_value(&c) < 0)
			break;
	}
	clear_dups(&c);
	free(c.dups);
	free(c.keys);
	free(items.v);
}
