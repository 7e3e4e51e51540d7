/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the API server sends, decoded: one watch event line, one object into the
 * store's form (through the project's manifest decoder, so the agent validates
 * exactly as `nftpol compile` does), one LIST page.
 */
#ifndef AGENT_KUBE_WATCH_DECODE_H
#define AGENT_KUBE_WATCH_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/kube/kube.h"
#include "agent/kube/store.h"

#define WATCH_MAX_LIST (64u << 20) /* bytes of one LIST page */

struct cJSON;
struct diag_list;

enum watch_event_type {
	WATCH_ADDED,
	WATCH_MODIFIED,
	WATCH_DELETED,
	WATCH_BOOKMARK,
	WATCH_ERROR,
};
#define WATCH_EVENT_TYPES 5

/* One decoded line of a watch stream. */
struct watch_event {
	enum watch_event_type type;
	char *rv;		   /* owned; metadata.resourceVersion, or NULL */
	char *ns;		   /* owned; metadata.namespace, or NULL */
	char *name;		   /* owned; metadata.name, or NULL */
	struct cJSON *object;	   /* owned; the object (ADDED, MODIFIED, DELETED) */
	struct kube_status status; /* WATCH_ERROR: the Status */
};

int watch_decode_event(const char *line, size_t len, struct watch_event *ev);
void watch_decode_event_fini(struct watch_event *ev);
bool watch_decode_gone(const struct kube_status *st);
int watch_decode_object(enum store_kind kind, const struct cJSON *obj, struct store_obj *out,
			struct diag_list *d);
int watch_decode_list(enum store_kind kind, const char *body, size_t len, struct store_obj **objs,
		      size_t *n, char **rv, char **cont, struct diag_list *d);
int watch_decode_list_continue(const char *body, size_t len, char **cont);
const char *watch_decode_type_name(enum watch_event_type t);

#endif
