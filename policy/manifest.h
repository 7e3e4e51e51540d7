/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manifest text to JSON trees: a buffer of YAML (a stream of documents) or JSON
 * (one or more concatenated values) becomes one cJSON tree per document, so a
 * single decoder reads both. Every value knows its source line. The trees are
 * nftpol's own (from an arena, never to be given to cJSON_Delete) and live
 * until the callback returns. With MANIFEST_STREAM_ITEMS, the items of a JSON
 * document's top-level "items" list are not in the tree: manifest_each() reads
 * them one at a time, so a List of 100k objects never is one tree. A YAML
 * document's items are offered to an early callback as each is complete (the
 * document is not, and may still turn out to have an error); those it takes
 * are left out of the tree. The limits of decode.h apply here.
 */
#ifndef POLICY_MANIFEST_H
#define POLICY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct diag_list;
struct manifest_doc;

#define MANIFEST_STREAM_ITEMS 0x1u
/*
 * The buffer is a private read-only mapping of a file: what a streamed JSON
 * List has read for the last time is given back (madvise), so the input and
 * the objects decoded from it are not all in memory at once. Pages read again
 * (a message's line number) come back from the file.
 */
#define MANIFEST_DROP_INPUT 0x2u

/*
 * Called once for every document that is not empty. root and doc are borrowed
 * and freed when the callback returns.
 */
typedef void (*manifest_doc_cb)(void *arg, const struct cJSON *root,
				const struct manifest_doc *doc);
/* Called for item i of a list; item is freed when the callback returns. */
typedef void (*manifest_item_cb)(void *arg, const struct cJSON *item, size_t i);
/*
 * YAML with MANIFEST_STREAM_ITEMS: item i of the document's top-level "items"
 * list, complete and free of duplicate keys; true when the callback read it
 * (it is then freed and left out of the tree). Called with item NULL when a
 * document starts: what was read of the one before is void unless its
 * document callback came.
 */
typedef bool (*manifest_early_cb)(void *arg, const struct cJSON *item, size_t i,
				  const struct manifest_doc *doc);

int manifest_parse(const char *name, const char *buf, size_t len, manifest_doc_cb cb, void *arg,
		   struct diag_list *d);
int manifest_parse_flags(const char *name, const char *buf, size_t len, unsigned flags,
			 manifest_doc_cb cb, manifest_early_cb early, void *arg,
			 struct diag_list *d);
void manifest_each(const struct manifest_doc *doc, const struct cJSON *list, manifest_item_cb fn,
		   void *arg);
unsigned manifest_line(const struct manifest_doc *doc, const struct cJSON *node);
char *manifest_quote(const char *s, size_t n, size_t max);

#endif
