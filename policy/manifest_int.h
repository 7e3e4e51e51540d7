/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between manifest.c and its two front ends, manifest_json.c and
 * manifest_yaml.c; nothing else includes this.
 */
#ifndef POLICY_MANIFEST_INT_H
#define POLICY_MANIFEST_INT_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>

#include "policy/manifest.h"

/* One manifest_parse() call. */
struct manifest_ctx {
	const char *name; /* borrowed; for messages */
	manifest_doc_cb cb;
	void *arg;
	struct diag_list *d;
	struct manifest_doc *doc; /* line table of the current document */
	size_t nerrors;		  /* errors reported so far */
};

struct manifest_doc *manifest_doc_new(void);
void manifest_doc_free(struct manifest_doc *doc);
void manifest_doc_clear(struct manifest_doc *doc);
void manifest_doc_add(struct manifest_doc *doc, const cJSON *node, unsigned line);
/* Values this deep (the objects of a List are at 2) get their lines eagerly. */
#define MANIFEST_SHALLOW_DEPTH 2

void manifest_doc_set_order(struct manifest_doc *doc, const cJSON *root, const unsigned *order,
			    size_t n, const unsigned *shallow, size_t nshallow);

int manifest_finish(struct manifest_ctx *m, const cJSON *root);
void manifest_verror(struct manifest_ctx *m, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void manifest_error(struct manifest_ctx *m, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void manifest_json(struct manifest_ctx *m, const char *buf, size_t len);
void manifest_yaml(struct manifest_ctx *m, const char *buf, size_t len);

#endif
