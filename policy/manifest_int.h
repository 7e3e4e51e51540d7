/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between manifest.c and its two front ends, manifest_json.c and
 * manifest_yaml.c; nothing else includes this. Trees are made of struct
 * manifest_node, each a cJSON with its source line, allocated from an arena
 * that is emptied when the document (or the streamed item) is done with.
 */
#ifndef POLICY_MANIFEST_INT_H
#define POLICY_MANIFEST_INT_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>

#include "policy/manifest.h"

/* A value of a tree: cJSON first, so a const cJSON * of ours is one of these. */
struct manifest_node {
	cJSON j;
	unsigned line; /* 1-based source line where the value starts */
};

struct arena_chunk;

/* Bump allocation in chunks; freed all at once. */
struct manifest_arena {
	struct arena_chunk *chunks; /* newest (largest) first, owned */
	char *p, *end;		    /* free space of the newest chunk */
};

void manifest_arena_reset(struct manifest_arena *a);
void manifest_arena_fini(struct manifest_arena *a);

struct manifest_json_items; /* manifest_json.c: the items of a List to stream */

/*
 * The document being read, and what streaming its List needs. Callbacks get it
 * const; self is how manifest_each() still reaches the arenas.
 */
struct manifest_doc {
	struct manifest_doc *self;
	struct manifest_arena root;	   /* the document's tree */
	struct manifest_arena item;	   /* the streamed item being decoded */
	struct manifest_arena *cur;	   /* where new nodes go */
	const cJSON *streamed;		   /* the items array left empty, or NULL */
	struct manifest_json_items *items; /* JSON: borrowed; set with streamed */
	struct manifest_kept *kept;	   /* YAML: items not taken early, owned */
	size_t nkept, capkept;
};

/* An item of a streamed YAML list that the early callback did not take. */
struct manifest_kept {
	const cJSON *node;
	size_t index;
};

/* One manifest_parse() call. */
struct manifest_ctx {
	const char *name; /* borrowed; for messages */
	manifest_doc_cb cb;
	manifest_early_cb early; /* may be NULL */
	void *arg;
	struct diag_list *d;
	struct manifest_doc *doc; /* the current document */
	size_t nerrors;		  /* errors reported so far */
	unsigned flags;		  /* MANIFEST_STREAM_ITEMS */
};

void *manifest_alloc(struct manifest_doc *doc, size_t n);
cJSON *manifest_node(struct manifest_doc *doc, int type, unsigned line);
char *manifest_str(struct manifest_doc *doc, const char *s, size_t n);
void manifest_append(cJSON *parent, cJSON *child);
void manifest_doc_clear(struct manifest_doc *doc);

int manifest_finish(struct manifest_ctx *m, const cJSON *root);
int manifest_dup_keys(struct manifest_ctx *m, const cJSON *node);
void manifest_verror(struct manifest_ctx *m, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void manifest_error(struct manifest_ctx *m, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void manifest_dup_error(struct manifest_ctx *m, unsigned line, const char *key);

void manifest_json(struct manifest_ctx *m, const char *buf, size_t len);
void manifest_json_each(struct manifest_doc *doc, manifest_item_cb fn, void *arg);
void manifest_yaml(struct manifest_ctx *m, const char *buf, size_t len);

#endif
