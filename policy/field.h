/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading fields of one Kubernetes object out of a JSON tree with type checks,
 * keeping the JSON path of the field being read (spec.ingress[0].ports[1].port)
 * so that every error can name it, its source line and the object. Used by the
 * decoders in decode.c and netpol.c; nothing here outlives the tree.
 */
#ifndef POLICY_FIELD_H
#define POLICY_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

struct cJSON;
struct diag_list;
struct manifest_doc;

#define FIELD_PATH_MAX 512
#define FIELD_DEPTH_MAX 24 /* path segments kept; deeper ones are left out */
#define FIELD_OBJECT_MAX 400

enum field_type {
	FIELD_STRING,
	FIELD_NUMBER,
	FIELD_BOOL,
	FIELD_OBJECT,
	FIELD_ARRAY,
};

/* One step of a field path: .key, or [index] when key is NULL. */
struct field_seg {
	const char *key; /* borrowed: a literal or a key of the tree */
	size_t index;
};

/*
 * Decoding one object. The path is kept as segments and the object's name as
 * pointers; both are made text only when a message needs them (field_path(),
 * field_object()).
 */
struct field_ctx {
	const char *file;		       /* borrowed; for messages */
	const struct manifest_doc *doc;	       /* borrowed; line of each node */
	struct diag_list *d;		       /* borrowed; where errors go */
	const char *obj_kind;		       /* NULL: no object named yet */
	const char *obj_ns, *obj_name;	       /* borrowed; NULL: none, "(no name)" */
	char object[FIELD_OBJECT_MAX];	       /* field_object()'s text */
	struct field_seg seg[FIELD_DEPTH_MAX]; /* path of the field being read */
	size_t nseg;			       /* may exceed FIELD_DEPTH_MAX */
	char path[FIELD_PATH_MAX];	       /* field_path()'s text */
	unsigned line;			       /* line of the object, when a node has none */
	size_t nerrors;			       /* errors reported through this context */
};

size_t field_push(struct field_ctx *f, const char *key);
size_t field_push_index(struct field_ctx *f, size_t i);
void field_pop(struct field_ctx *f, size_t len);
const char *field_path(struct field_ctx *f);
void field_set_object(struct field_ctx *f, const char *kind, const char *ns, const char *name);
const char *field_object(struct field_ctx *f);
void field_error(struct field_ctx *f, const struct cJSON *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void field_warn(struct field_ctx *f, const struct cJSON *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned field_line(const struct field_ctx *f, const struct cJSON *node);

const struct cJSON *field_get(const struct cJSON *obj, const char *key);
bool field_is(struct field_ctx *f, const struct cJSON *node, enum field_type t);
int field_typed(struct field_ctx *f, const struct cJSON *obj, const char *key, enum field_type t,
		const struct cJSON **out);
int field_string(struct field_ctx *f, const struct cJSON *obj, const char *key, const char **out);
bool field_int(struct field_ctx *f, const struct cJSON *node, long min, long max, long *out);
int field_protocol(struct field_ctx *f, const struct cJSON *obj, uint8_t *out);
int field_labels(struct field_ctx *f, const struct cJSON *obj, const char *key, struct labels *out);
int field_known(struct field_ctx *f, const struct cJSON *obj, const char *const *names);
const char *field_type_name(const struct cJSON *node);
int field_each(struct field_ctx *f, const struct cJSON *arr, const char *key,
	       int (*fn)(struct field_ctx *f, const struct cJSON *item, size_t i, void *arg),
	       void *arg);

#endif
