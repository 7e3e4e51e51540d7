// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding what the API server sends (see watch_decode.h). Objects go through
 * decode_buffer(), the decoder `nftpol compile` uses, so both read Kubernetes
 * objects identically.
 */
#include "agent/kube/watch_decode.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/decode.h"
#include "policy/diag.h"
#include "base/strmap.h"
#include "base/xalloc.h"

static const char *const type_names[WATCH_EVENT_TYPES] = {
	[WATCH_ADDED] = "ADDED",       [WATCH_MODIFIED] = "MODIFIED", [WATCH_DELETED] = "DELETED",
	[WATCH_BOOKMARK] = "BOOKMARK", [WATCH_ERROR] = "ERROR",
};

/* The wire name of an event type ("ADDED", ...). */
const char *watch_decode_type_name(enum watch_event_type t)
{
	return type_names[t];
}

static char *dup_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static int parse_type(const cJSON *t, enum watch_event_type *out)
{
	if (!cJSON_IsString(t))
		return -EINVAL;
	for (int i = 0; i < WATCH_EVENT_TYPES; i++) {
		if (!strcmp(t->valuestring, type_names[i])) {
			*out = (enum watch_event_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Decode one line of a watch stream: {"type": ..., "object": {...}}. ev is
 * filled (free it with watch_decode_event_fini) and must be freed also on
 * failure. A BOOKMARK carries only a resourceVersion; an ERROR carries a
 * Status. Returns 0, or -EINVAL when the line is not a watch event.
 */
int watch_decode_event(const char *line, size_t len, struct watch_event *ev)
{
	cJSON *root = cJSON_ParseWithLength(line, len);
	const cJSON *meta;
	int ret = -EINVAL;

	memset(ev, 0, sizeof(*ev));
	if (!cJSON_IsObject(root) ||
	    parse_type(cJSON_GetObjectItemCaseSensitive(root, "type"), &ev->type) < 0)
		goto out;
	ev->object = cJSON_DetachItemFromObjectCaseSensitive(root, "object");
	if (!cJSON_IsObject(ev->object))
		goto out;
	if (ev->type == WATCH_ERROR) {
		kube_status_from_json(ev->object, &ev->status);
		ret = 0;
		goto out;
	}
	meta = cJSON_GetObjectItemCaseSensitive(ev->object, "metadata");
	ev->rv = dup_str(meta, "resourceVersion");
	if (ev->type != WATCH_BOOKMARK) {
		ev->ns = dup_str(meta, "namespace");
		ev->name = dup_str(meta, "name");
		if (!ev->name)
			goto out;
	}
	ret = ev->rv ? 0 : -EINVAL;
out:
	cJSON_Delete(root);
	return ret;
}

void watch_decode_event_fini(struct watch_event *ev)
{
	free(ev->rv);
	free(ev->ns);
	free(ev->name);
	cJSON_Delete(ev->object);
	memset(ev, 0, sizeof(*ev));
}

/* Whether a Status says the resourceVersion is too old (relist). */
bool watch_decode_gone(const struct kube_status *st)
{
	return st->code == 410 || !strcmp(st->reason, "Expired") || !strcmp(st->reason, "Gone");
}

/* Move the objects of kind out of c into objs (grown); c keeps the rest. */
static void take(struct cluster *c, enum store_kind kind, struct store_obj **objs, size_t *n,
		 size_t *cap)
{
	size_t count = kind == STORE_NAMESPACE ? c->nnss
		       : kind == STORE_POD     ? c->npods
		       : kind == STORE_NETPOL  ? c->npols
		       : kind == STORE_NODE    ? c->nnodes
					       : c->ncnps;
	size_t kept = 0;

	for (size_t i = 0; i < count; i++) {
		struct store_obj *o;

		if (kind >= STORE_CNP && store_cnp_kind(c->cnps[i].source) != kind) {
			c->cnps[kept++] = c->cnps[i]; /* another kind's: c keeps it */
			continue;
		}
		XGROW(*objs, *cap, *n);
		o = &(*objs)[(*n)++];
		memset(o, 0, sizeof(*o));
		o->kind = kind;
		if (kind == STORE_NAMESPACE)
			o->u.ns = c->nss[i];
		else if (kind == STORE_POD)
			o->u.pod = c->pods[i];
		else if (kind == STORE_NETPOL)
			o->u.pol = c->pols[i];
		else if (kind == STORE_NODE)
			o->u.node = c->nodes[i];
		else
			o->u.cnp = c->cnps[i];
	}
	if (kind == STORE_NAMESPACE)
		c->nnss = 0;
	else if (kind == STORE_POD)
		c->npods = 0;
	else if (kind == STORE_NETPOL)
		c->npols = 0;
	else if (kind == STORE_NODE)
		c->nnodes = 0;
	else
		c->ncnps = kept;
}

/*
 * Decode one API object (a watch event's object; kind and apiVersion are added
 * when missing) into out, with its resourceVersion. Problems go to d. Returns 0,
 * or -EINVAL when the decoder rejected the object (out is then empty).
 */
int watch_decode_object(enum store_kind kind, const struct cJSON *obj, struct store_obj *out,
			struct diag_list *d)
{
	cJSON *copy = xnonnull(cJSON_Duplicate(obj, 1));
	struct store_obj *objs = NULL;
	size_t n = 0, cap = 0;
	struct cluster c;
	char *text;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cJSON_HasObjectItem(copy, "kind"))
		cJSON_AddStringToObject(copy, "kind", store_kind_info(kind)->kind);
	if (!cJSON_HasObjectItem(copy, "apiVersion"))
		cJSON_AddStringToObject(copy, "apiVersion", store_kind_info(kind)->api_version);
	text = xnonnull(cJSON_PrintUnformatted(copy));
	model_cluster_init(&c);
	ret = decode_buffer(store_kind_name(kind), text, strlen(text), &c, d);
	take(&c, kind, &objs, &n, &cap);
	model_cluster_fini(&c);
	if (n == 1 && ret >= 0) {
		*out = objs[0];
		out->rv = dup_str(cJSON_GetObjectItemCaseSensitive(copy, "metadata"),
				  "resourceVersion");
		n = 0;
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		store_obj_fini(&objs[i]);
	free(objs);
	free(text);
	cJSON_Delete(copy);
	return ret;
}

/* "namespace/name" -> resourceVersion of every item of a list (borrowed strings). */
static struct strmap *item_rvs(const cJSON *items)
{
	struct strmap *m = strmap_new();
	const cJSON *it;

	cJSON_ArrayForEach (it, items) {
		const cJSON *meta = cJSON_GetObjectItemCaseSensitive(it, "metadata");
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(meta, "namespace");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
		const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
		char *key;

		if (!cJSON_IsString(name) || !cJSON_IsString(rv))
			continue;
		key = xasprintf("%s/%s", cJSON_IsString(ns) ? ns->valuestring : "",
				name->valuestring);
		strmap_put(m, key, rv->valuestring);
		free(key);
	}
	return m;
}

/* The namespace ("" when cluster-scoped) and name of o. */
static void obj_names(const struct store_obj *o, const char **ns, const char **name)
{
	*ns = "";
	switch (o->kind) {
	case STORE_NAMESPACE:
		*name = o->u.ns.name;
		break;
	case STORE_POD:
		*ns = o->u.pod.ns;
		*name = o->u.pod.name;
		break;
	case STORE_NETPOL:
		*ns = o->u.pol.ns;
		*name = o->u.pol.name;
		break;
	case STORE_NODE:
		*name = o->u.node.name;
		break;
	default:
		*name = o->u.cnp.name;
		break;
	}
}

static void attach_rvs(struct store_obj *objs, size_t n, const struct strmap *rvs)
{
	for (size_t i = 0; i < n; i++) {
		const char *ns, *name, *rv;
		char *key;

		obj_names(&objs[i], &ns, &name);
		key = xasprintf("%s/%s", ns, name);
		rv = strmap_get(rvs, key);
		objs[i].rv = rv ? xstrdup(rv) : NULL;
		free(key);
	}
}

/*
 * The resourceVersion and continue token (NULL when absent or empty) of the
 * LIST page root into *rv and *cont, replacing them. Returns 0, or -EINVAL
 * (nothing replaced) when root is not a list.
 */
static int list_meta(const cJSON *root, char **rv, char **cont)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
	char *lrv = dup_str(meta, "resourceVersion");

	if (!lrv || !(cJSON_IsArray(items) || cJSON_IsNull(items))) {
		free(lrv);
		return -EINVAL;
	}
	free(*rv);
	*rv = lrv;
	free(*cont);
	*cont = dup_str(meta, "continue");
	if (*cont && !**cont) {
		free(*cont);
		*cont = NULL;
	}
	return 0;
}

/*
 * Decode one LIST page (len bytes of body) of kind: its items are appended to
 * *objs (n of them; grown; the caller owns them), the list's resourceVersion
 * and continue token replace *rv and *cont (NULL when absent). Items the decoder
 * rejects are left out, with their problems in d. Returns 0, or -EINVAL when
 * the body is not a list (nothing is then appended).
 */
int watch_decode_list(enum store_kind kind, const char *body, size_t len, struct store_obj **objs,
		      size_t *n, char **rv, char **cont, struct diag_list *d)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
	struct strmap *rvs;
	struct cluster c;
	size_t first = *n, cap = *n;

	if (list_meta(root, rv, cont) < 0) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	rvs = item_rvs(items);
	model_cluster_init(&c);
	if (cJSON_GetArraySize(items) > 0)
		decode_buffer(store_kind_name(kind), body, len, &c, d);
	take(&c, kind, objs, n, &cap);
	if (*n > first) /* *objs may still be NULL: no offset from NULL */
		attach_rvs(*objs + first, *n - first, rvs);
	model_cluster_fini(&c);
	strmap_free(rvs);
	cJSON_Delete(root);
	return 0;
}

/*
 * The continue token of one LIST page (len bytes of body) into *cont, replacing
 * it (NULL on the last page), without decoding the items: for a reader that
 * fetches every page first and decodes them later. Returns 0, or -EINVAL when
 * the body is not a list (*cont is then left as it was).
 */
int watch_decode_list_continue(const char *body, size_t len, char **cont)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	char *rv = NULL;
	int ret = list_meta(root, &rv, cont);

	free(rv);
	cJSON_Delete(root);
	return ret;
}
