/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Kubernetes API over libcurl: request URLs for LIST and WATCH, easy handles
 * set up with the configured TLS and credentials, the bearer token re-read from
 * its file (every minute and after a 401), and Status bodies decoded. Transfers
 * themselves run on the caller's multi handle (kube_multi_new()): HTTP/2 over
 * TLS when the server offers it, every stream on one connection; HTTP/1.1
 * otherwise.
 */
#ifndef AGENT_KUBE_KUBE_H
#define AGENT_KUBE_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/kube/kubeconfig.h"

#define KUBE_TOKEN_REFRESH_MS 60000 /* re-read a token file at least this often */
#define KUBE_STATUS_MAX (64u << 10) /* bytes of an error body kept */

struct kube;
struct curl_slist;
struct cJSON;

/* A metav1.Status, as the API server sends it with errors. */
struct kube_status {
	long code;	   /* HTTP-like code; 0 when absent */
	char reason[64];   /* e.g. "Expired", "Gone", "Forbidden"; may be empty */
	char message[256]; /* human-readable, truncated; may be empty */
};

struct kube *kube_new(struct kubeconfig *kc);
void kube_free(struct kube *k);
const char *kube_origin(const struct kube *k);
char *kube_list_url(const struct kube *k, const char *path, unsigned limit, const char *cont);
char *kube_watch_url(const struct kube *k, const char *path, const char *rv, unsigned timeout_s);
int kube_easy_setup(struct kube *k, void *easy, const char *url, long timeout_ms,
		    struct curl_slist **headers, int64_t now);
void *kube_multi_new(void);
bool kube_connecting(const struct kube *k, int64_t now);
void kube_easy_done(struct kube *k, void *easy);
const char *kube_http_version(void *easy);
void kube_token_rejected(struct kube *k);
int kube_status_from_json(const struct cJSON *obj, struct kube_status *st);
int kube_status_parse(const char *body, size_t len, struct kube_status *st);

#endif
