/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manifest text to JSON trees: a buffer of YAML (a stream of documents) or JSON
 * (one or more concatenated values) becomes one cJSON tree per document, so a
 * single decoder reads both. Each tree comes with the source line of every
 * value. The limits of decode.h apply here.
 */
#ifndef POLICY_MANIFEST_H
#define POLICY_MANIFEST_H

#include <stddef.h>

struct cJSON;
struct diag_list;
struct manifest_doc;

/*
 * Called once for every document that is not empty. root and doc are borrowed
 * and freed when the callback returns.
 */
typedef void (*manifest_doc_cb)(void *arg, const struct cJSON *root,
				const struct manifest_doc *doc);

int manifest_parse(const char *name, const char *buf, size_t len, manifest_doc_cb cb, void *arg,
		   struct diag_list *d);
unsigned manifest_line(const struct manifest_doc *doc, const struct cJSON *node);
char *manifest_quote(const char *s, size_t n, size_t max);

#endif
