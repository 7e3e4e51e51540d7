// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The YAML front end of manifest.c: libyaml events build cJSON trees, one per
 * document. Plain scalars are typed by the YAML 1.2 core schema for booleans
 * (only true/false; y, yes, no, on, off stay strings, so a namespace called "y"
 * needs no quotes, unlike with kubectl's YAML 1.1 reader) and as kubectl types
 * numbers (0755 is octal); quoted and block scalars are strings. Aliases are
 * expanded by copying, within DECODE_MAX_ALIAS_NODES.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy/decode.h"
#include "policy/manifest_int.h"
#include "base/xalloc.h"

struct yframe {
	cJSON *node; /* the open mapping or sequence (in the document's arena) */
	char *key;   /* mapping: key waiting for its value (in the arena) */
};

struct anchor {
	char *name;	   /* owned */
	const cJSON *node; /* in the document being built */
};

struct ybuild {
	struct manifest_ctx *m;
	struct yframe stack[DECODE_MAX_DEPTH];
	unsigned depth; /* open mappings and sequences */
	cJSON *root;	/* in the document's arena */
	struct anchor *anchors;
	size_t nanchors, capanchors;
	size_t nodes;	    /* values in this document, aliases expanded */
	size_t alias_nodes; /* of which made by expanding aliases */
	bool skip;	    /* error in this document: ignore it to its end */
	bool stop;	    /* too deep: stop reading the stream at all */
	/* streaming the root's items list (MANIFEST_STREAM_ITEMS with an early callback) */
	cJSON *streamed; /* that list, or NULL */
	cJSON *item;	 /* the item being built, or NULL */
	size_t nitems;	 /* items begun */
	bool keep_arena; /* an item was kept or an anchor made: no more resets */
	bool failed;	 /* an item had duplicate keys: the document will not do */
};

static const char *const null_words[] = { "", "~", "null", "Null", "NULL" };
static const char *const true_words[] = { "true", "True", "TRUE" };
static const char *const false_words[] = { "false", "False", "FALSE" };

static bool word_in(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, words[i]))
			return true;
	return false;
}

/* An integer as Go's ParseInt(s, 0, 64): sign, 0x/0o/0b prefixes, leading 0 octal. */
static bool yaml_int(const char *s, double *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	unsigned long long v;
	int base = 10;
	char *end;

	if (d[0] == '0' && d[1] && strchr("xXoObB", d[1])) {
		base = strchr("xX", d[1]) ? 16 : strchr("oO", d[1]) ? 8 : 2;
		d += 2;
	} else if (d[0] == '0' && d[1]) {
		base = 8;
		d++;
	}
	if (!*d || !strchr("0123456789abcdefABCDEF", *d))
		return false;
	errno = 0;
	v = strtoull(d, &end, base);
	if (*end || errno)
		return false;
	*out = *s == '-' ? -(double)v : (double)v;
	return true;
}

/* A float matching [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float(const char *s, double *out)
{
	static const char digits[] = "0123456789";
	const char *p = s + (*s == '+' || *s == '-');
	size_t lead = strspn(p, digits), frac = 0;

	p += lead;
	if (*p == '.') {
		p++;
		frac = strspn(p, digits);
		p += frac;
	}
	if (lead == 0 && frac == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		if (!strspn(p, digits))
			return false;
		p += strspn(p, digits);
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return true;
}

/* Whether plain scalar v is a YAML 1.1 number (underscores ignored), and its value. */
static bool yaml_number(const char *v, double *out)
{
	char buf[64];
	size_t n = 0;
	const char *p;

	for (p = v; *p && n < sizeof(buf) - 1; p++)
		if (*p != '_')
			buf[n++] = *p;
	if (*p || n == 0 || !strchr("0123456789+-.", v[0]))
		return false;
	buf[n] = '\0';
	return yaml_int(buf, out) || yaml_float(buf, out);
}

static cJSON *string_node(struct ybuild *b, const yaml_event_t *ev, unsigned line)
{
	cJSON *n = manifest_node(b->m->doc, cJSON_String, line);

	n->valuestring = manifest_str(b->m->doc, (const char *)ev->data.scalar.value,
				      ev->data.scalar.length);
	return n;
}

static cJSON *scalar_node(struct ybuild *b, const yaml_event_t *ev, unsigned line)
{
	const char *v = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct manifest_doc *doc = b->m->doc;
	double num;
	cJSON *n;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || (tag && !strcmp(tag, YAML_STR_TAG)))
		return string_node(b, ev, line);
	if (word_in(v, null_words, ARRAY_SIZE(null_words)))
		return manifest_node(doc, cJSON_NULL, line);
	if (word_in(v, true_words, ARRAY_SIZE(true_words))) {
		n = manifest_node(doc, cJSON_True, line);
		n->valueint = 1;
		return n;
	}
	if (word_in(v, false_words, ARRAY_SIZE(false_words)))
		return manifest_node(doc, cJSON_False, line);
	if (!yaml_number(v, &num))
		return string_node(b, ev, line);
	n = manifest_node(doc, cJSON_Number, line);
	n->valuedouble = num;
	n->valueint = num >= INT_MAX ? INT_MAX : num <= (double)INT_MIN ? INT_MIN : (int)num;
	return n;
}

static int __attribute__((format(printf, 3, 4)))
yerr(struct ybuild *b, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	manifest_verror(b->m, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static struct yframe *top(struct ybuild *b)
{
	return b->depth ? &b->stack[b->depth - 1] : NULL;
}

/* Whether the next node is a mapping key (which must then be a plain string). */
static bool want_key(struct ybuild *b)
{
	struct yframe *f = top(b);

	return f && cJSON_IsObject(f->node) && !f->key;
}

/* Count a new value against the limits. */
static int count_node(struct ybuild *b, unsigned line)
{
	if (++b->nodes > DECODE_MAX_NODES) {
		manifest_error(b->m, line, "document has more than %u values", DECODE_MAX_NODES);
		return -EINVAL;
	}
	return 0;
}

/* Link node (already counted) into the open container, or make it the root. */
static void attach(struct ybuild *b, cJSON *node)
{
	struct yframe *f = top(b);

	if (!f) {
		b->root = node;
		return;
	}
	if (cJSON_IsObject(f->node)) {
		node->string = f->key;
		f->key = NULL;
	}
	if (f->node == b->streamed)
		b->item = node; /* linked when complete, if kept */
	else
		manifest_append(f->node, node);
}

/* Whether the sequence opening now is the root mapping's items list, to stream. */
static bool is_items_list(const struct ybuild *b, int type)
{
	return type == cJSON_Array && b->depth == 1 && b->m->early &&
	       (b->m->flags & MANIFEST_STREAM_ITEMS) && !b->streamed && b->stack[0].key &&
	       !strcmp(b->stack[0].key, "items");
}

/* An item of the streamed list begins: in the item arena, emptied unless still needed. */
static void item_begin(struct ybuild *b)
{
	struct manifest_doc *doc = b->m->doc;

	if (!b->keep_arena)
		manifest_arena_reset(&doc->item);
	doc->cur = &doc->item;
}

/* The item is complete: the early callback may take it, else it is kept. */
static void item_end(struct ybuild *b)
{
	struct manifest_doc *doc = b->m->doc;
	size_t i = b->nitems++;
	cJSON *item = b->item;

	b->item = NULL;
	doc->cur = &doc->root;
	/* after a failure, items are kept: the document's walk reports their duplicates */
	if (!b->failed && manifest_dup_keys(b->m, item) < 0) {
		b->failed = true;
		return;
	}
	if (!b->failed && b->m->early(b->m->arg, item, i, doc))
		return;
	b->keep_arena = true;
	manifest_append(b->streamed, item);
	XGROW(doc->kept, doc->capkept, doc->nkept);
	doc->kept[doc->nkept++] = (struct manifest_kept){ item, i };
}

static void anchor_add(struct ybuild *b, const yaml_char_t *name, const cJSON *node)
{
	if (!name)
		return;
	b->keep_arena = true; /* aliases may point into any item */
	XGROW(b->anchors, b->capanchors, b->nanchors);
	b->anchors[b->nanchors].name = xstrdup((const char *)name);
	b->anchors[b->nanchors].node = node;
	b->nanchors++;
}

/* The node the newest anchor called name marks, or NULL. */
static const cJSON *anchor_find(const struct ybuild *b, const char *name)
{
	for (size_t i = b->nanchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return b->anchors[i].node;
	return NULL;
}

/* A new value (scalar or container) from the stream: count, link, remember its anchor. */
static int add_node(struct ybuild *b, cJSON *node, const yaml_char_t *anchor, unsigned line)
{
	if (count_node(b, line) < 0)
		return -EINVAL;
	attach(b, node);
	anchor_add(b, anchor, node);
	return 0;
}

static int on_key(struct ybuild *b, const yaml_event_t *ev, unsigned line)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(v, "<<"))
		return yerr(b, line,
			    "YAML merge keys (%s) are not supported: write the "
			    "fields out",
			    v);
	top(b)->key = manifest_str(b->m->doc, v, ev->data.scalar.length);
	return 0;
}

static int on_scalar(struct ybuild *b, const yaml_event_t *ev, unsigned line)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (memchr(v, '\0', ev->data.scalar.length))
		return yerr(b, line, "%s", "a string contains a NUL character (\\0)");
	if (want_key(b))
		return on_key(b, ev, line);
	return add_node(b, scalar_node(b, ev, line), ev->data.scalar.anchor, line);
}

static int on_open(struct ybuild *b, int type, const yaml_char_t *anchor, unsigned line)
{
	cJSON *node;

	if (want_key(b) || b->depth >= DECODE_MAX_DEPTH) {
		/* libyaml's scanner is quadratic in the flow depth: do not read on. */
		b->stop = b->depth >= DECODE_MAX_DEPTH;
		if (b->stop)
			manifest_error(b->m, line,
				       "mappings and sequences nested deeper than %d "
				       "levels",
				       DECODE_MAX_DEPTH);
		else
			manifest_error(b->m, line, "mapping keys must be plain strings");
		return -EINVAL;
	}
	node = manifest_node(b->m->doc, type, line);
	if (is_items_list(b, type)) {
		b->streamed = node;
		b->m->doc->streamed = node;
	}
	if (add_node(b, node, anchor, line) < 0)
		return -EINVAL;
	b->stack[b->depth].node = node;
	b->stack[b->depth].key = NULL;
	b->depth++;
	return 0;
}

/* Copy src for an alias at nesting level depth, within the alias and depth limits. */
static cJSON *dup_node(struct ybuild *b, const cJSON *src, unsigned depth, unsigned line)
{
	const cJSON *c;
	cJSON *n;

	if ((cJSON_IsObject(src) || cJSON_IsArray(src)) && depth >= DECODE_MAX_DEPTH) {
		manifest_error(b->m, line,
			       "an alias expands to mappings and sequences nested "
			       "deeper than %d levels",
			       DECODE_MAX_DEPTH);
		return NULL;
	}
	if (++b->alias_nodes > DECODE_MAX_ALIAS_NODES) {
		manifest_error(b->m, line,
			       "aliases expand to more than %u values: refusing "
			       "what looks like a YAML alias bomb",
			       DECODE_MAX_ALIAS_NODES);
		return NULL;
	}
	if (count_node(b, line) < 0)
		return NULL;
	n = manifest_node(b->m->doc, src->type, line);
	n->valuestring = src->valuestring; /* the arena's: shared, never changed */
	n->valueint = src->valueint;
	n->valuedouble = src->valuedouble;
	n->string = src->string;
	cJSON_ArrayForEach (c, src) {
		cJSON *cc = dup_node(b, c, depth + 1, line);

		if (!cc)
			return NULL;
		manifest_append(n, cc);
	}
	return n;
}

static int on_alias(struct ybuild *b, const yaml_event_t *ev, unsigned line)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const cJSON *src = anchor_find(b, name);
	cJSON *copy;

	if (want_key(b))
		return yerr(b, line, "mapping keys must be plain strings, not an alias (*%s)",
			    name);
	if (!src)
		return yerr(b, line, "alias *%s has no anchor before it in this document", name);
	for (unsigned i = 0; i < b->depth; i++)
		if (b->stack[i].node == src)
			return yerr(b, line, "alias *%s refers to a node that contains it", name);
	copy = dup_node(b, src, b->depth, line);
	if (!copy)
		return -EINVAL;
	attach(b, copy);
	return 0;
}

static int node_event(struct ybuild *b, const yaml_event_t *ev)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev, line);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev, line);
	case YAML_MAPPING_START_EVENT:
		return on_open(b, cJSON_Object, ev->data.mapping_start.anchor, line);
	case YAML_SEQUENCE_START_EVENT:
		return on_open(b, cJSON_Array, ev->data.sequence_start.anchor, line);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Whether the innermost open node is the streamed items list. */
static bool in_streamed(const struct ybuild *b)
{
	return b->streamed && b->depth && b->stack[b->depth - 1].node == b->streamed;
}

/* A node event, with the items of a streamed list begun and ended around it. */
static int on_node(struct ybuild *b, const yaml_event_t *ev)
{
	bool starts = ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
		      ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT;
	int ret;

	if (starts && in_streamed(b))
		item_begin(b);
	ret = node_event(b, ev);
	if (ret == 0 && b->item && in_streamed(b))
		item_end(b);
	return ret;
}

/* Drop the document being built: tree, pending keys, anchors, counters. */
static void doc_reset(struct ybuild *b)
{
	b->depth = 0;
	b->root = NULL;
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
	b->anchors = NULL;
	b->nanchors = b->capanchors = 0;
	b->nodes = b->alias_nodes = 0;
	b->skip = false;
	b->streamed = b->item = NULL;
	b->nitems = 0;
	b->keep_arena = b->failed = false;
	manifest_doc_clear(b->m->doc);
}

static void on_event(struct ybuild *b, const yaml_event_t *ev)
{
	if (ev->type == YAML_DOCUMENT_START_EVENT) {
		doc_reset(b);
		if (b->m->early)
			b->m->early(b->m->arg, NULL, 0, b->m->doc);
	} else if (ev->type == YAML_DOCUMENT_END_EVENT) {
		if (!b->skip && b->root && b->failed)
			manifest_dup_keys(b->m, b->root); /* the rest of its duplicates */
		else if (!b->skip && b->root)
			manifest_finish(b->m, b->root);
		doc_reset(b);
	} else if (!b->skip && on_node(b, ev) < 0) {
		b->skip = true;
	}
}

static void parser_error(struct ybuild *b, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		xoom(0);
	if (p->context)
		manifest_error(b->m, (unsigned)p->problem_mark.line + 1,
			       "invalid YAML: %s %s started on line %u",
			       p->problem ? p->problem : "syntax error", p->context,
			       (unsigned)p->context_mark.line + 1);
	else
		manifest_error(b->m, (unsigned)p->problem_mark.line + 1, "invalid YAML: %s",
			       p->problem ? p->problem : "syntax error");
}

/*
 * Every document of the YAML stream in buf. A syntax error or nesting beyond
 * the limit ends the stream; errors are reported through m.
 */
void manifest_yaml(struct manifest_ctx *m, const char *buf, size_t len)
{
	struct ybuild b = { .m = m };
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		xoom(0);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && !b.stop) {
		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(&b, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		on_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	doc_reset(&b);
	yaml_parser_delete(&p);
}
