// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Kubernetes API client (see kube.h). It never logs a token: the token goes
 * only into the Authorization header of a request.
 */
#include "agent/kube/kube.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

#define CONNECT_TIMEOUT_MS 10000
#define KEEPALIVE_IDLE_S 30
#define KEEPALIVE_INTERVAL_S 10

struct kube {
	struct kubeconfig kc;  /* owned */
	char *token;	       /* owned; the token in use, or NULL */
	int64_t token_read_ms; /* when token_file was last read */
	bool token_stale;      /* re-read before the next request (a 401 came) */
	void *opener;	       /* not owned; the last request set up, until it has a connection */
	int64_t opener_since;  /* when opener was set up */
};

/* A client for the configuration in kc, whose contents move into it (kc is zeroed). */
struct kube *kube_new(struct kubeconfig *kc)
{
	struct kube *k = xcalloc(1, sizeof(*k));

	k->kc = *kc;
	memset(kc, 0, sizeof(*kc));
	if (k->kc.token)
		k->token = xstrdup(k->kc.token);
	k->token_stale = k->kc.token_file != NULL;
	return k;
}

void kube_free(struct kube *k)
{
	if (!k)
		return;
	kubeconfig_fini(&k->kc);
	free(k->token);
	free(k);
}

/* Where the configuration came from, for logs. */
const char *kube_origin(const struct kube *k)
{
	return k->kc.origin ? k->kc.origin : "?";
}

/* The API server rejected the token: read the token file again before the next request. */
void kube_token_rejected(struct kube *k)
{
	k->token_stale = k->kc.token_file != NULL;
}

static void token_refresh(struct kube *k, int64_t now)
{
	char *tok = NULL, *err = NULL;

	if (!k->kc.token_file)
		return;
	if (!k->token_stale && now - k->token_read_ms < KUBE_TOKEN_REFRESH_MS)
		return;
	k->token_read_ms = now;
	k->token_stale = false;
	if (kubeconfig_read_token(k->kc.token_file, &tok, &err) < 0) {
		log_warnx("cannot re-read the token; keeping the previous one",
			  LOG_FIELDS(LOG_STR("reason", err)));
		free(err);
		return;
	}
	if (k->token && strcmp(k->token, tok))
		log_info("token file changed; using the new token",
			 LOG_FIELDS(LOG_STR("file", k->kc.token_file)));
	free(k->token);
	k->token = tok;
}

static char *escape(const char *s)
{
	char *e = xnonnull(curl_easy_escape(NULL, s, 0)), *out;

	out = xstrdup(e);
	curl_free(e);
	return out;
}

/*
 * URL of one page of a LIST of path (e.g. "/api/v1/pods"): limit items, after
 * the continue token cont (NULL for the first page). The first page asks for
 * the most recent state (no resourceVersion), which is also what makes the
 * server honour limit. The caller frees the result.
 */
char *kube_list_url(const struct kube *k, const char *path, unsigned limit, const char *cont)
{
	char *c, *url;

	if (!cont)
		return xasprintf("%s%s?limit=%u", k->kc.server, path, limit);
	c = escape(cont);
	url = xasprintf("%s%s?limit=%u&continue=%s", k->kc.server, path, limit, c);
	free(c);
	return url;
}

/*
 * URL of a WATCH of path from resourceVersion rv, with bookmarks, ended by the
 * server after timeout_s seconds. The caller frees the result.
 */
char *kube_watch_url(const struct kube *k, const char *path, const char *rv, unsigned timeout_s)
{
	char *v = escape(rv), *url;

	url = xasprintf("%s%s?watch=true&resourceVersion=%s&allowWatchBookmarks=true"
			"&timeoutSeconds=%u",
			k->kc.server, path, v, timeout_s);
	free(v);
	return url;
}

static void set_blob(CURL *easy, CURLoption file_opt, CURLoption blob_opt,
		     const struct kubeconfig_blob *b)
{
	struct curl_blob blob;

	if (b->data) {
		blob.data = b->data;
		blob.len = b->len;
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(easy, blob_opt, &blob);
	} else if (b->file) {
		curl_easy_setopt(easy, file_opt, b->file);
	}
}

static void setup_tls(struct kube *k, CURL *easy)
{
	if (k->kc.insecure) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
		return;
	}
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	set_blob(easy, CURLOPT_CAINFO, CURLOPT_CAINFO_BLOB, &k->kc.ca);
	set_blob(easy, CURLOPT_SSLCERT, CURLOPT_SSLCERT_BLOB, &k->kc.cert);
	set_blob(easy, CURLOPT_SSLKEY, CURLOPT_SSLKEY_BLOB, &k->kc.key);
}

static struct curl_slist *append(struct curl_slist *l, const char *s)
{
	return xnonnull(curl_slist_append(l, s));
}

/*
 * CURLOPT_PREREQFUNCTION: a transfer has its connection (new or reused, TLS
 * and ALPN done). Only the opener can be waiting for one: kube_connecting()
 * holds the other requests back meanwhile.
 */
static int on_connected(void *arg, char *remote_ip, char *local_ip, int remote_port, int local_port)
{
	struct kube *k = arg;

	(void)remote_ip, (void)local_ip, (void)remote_port, (void)local_port;
	k->opener = NULL;
	return CURL_PREREQFUNC_OK;
}

/*
 * Whether a request set up by kube_easy_setup() is still waiting for its
 * connection (at most the connect timeout): a request started now should wait.
 * A new connection's protocol is unknown until its TLS handshake is over, and
 * libcurl (7.88) opens a connection per request started meanwhile once it
 * knows the server multiplexes (CURLOPT_PIPEWAIT waits only before it knows):
 * after a GOAWAY, watches restarting together would each open one.
 */
bool kube_connecting(const struct kube *k, int64_t now)
{
	return k->opener && now - k->opener_since < CONNECT_TIMEOUT_MS;
}

/* The transfer of easy is over (or was never started); easy may be freed. */
void kube_easy_done(struct kube *k, void *easy)
{
	if (k->opener == easy)
		k->opener = NULL;
}

/*
 * Prepare easy (a fresh or reset handle) for a GET of url with the configured
 * TLS settings and credentials; timeout_ms bounds the whole transfer (0: none).
 * *headers receives the header list, which the caller frees with
 * curl_slist_free_all() once the transfer is over, when it also calls
 * kube_easy_done(). Returns 0 or -EINVAL.
 */
int kube_easy_setup(struct kube *k, void *easy, const char *url, long timeout_ms,
		    struct curl_slist **headers, int64_t now)
{
	struct curl_slist *h = append(NULL, "Accept: application/json");
	char *auth;

	token_refresh(k, now);
	if (k->token) {
		auth = xasprintf("Authorization: Bearer %s", k->token);
		h = append(h, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	*headers = h;
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK)
		return -EINVAL;
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "nftpol-agent/0.1");
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, (long)KEEPALIVE_IDLE_S);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, (long)KEEPALIVE_INTERVAL_S);
	/*
	 * HTTP/2 when the server offers it in ALPN (an API server does), HTTP/1.1
	 * otherwise; a request made while the first connection is still being
	 * set up waits for it rather than opening another, so every watch shares
	 * one connection.
	 */
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_connected);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, k);
	k->opener = easy;
	k->opener_since = now;
	setup_tls(k, easy);
	return 0;
}

/*
 * A multi handle for the transfers of kube_easy_setup() handles: HTTP/2
 * streams multiplexed on one connection per server. The caller frees it with
 * curl_multi_cleanup().
 */
void *kube_multi_new(void)
{
	CURLM *multi = xnonnull(curl_multi_init());

	curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return multi;
}

/* "HTTP/2", "HTTP/1.1"... : the protocol easy's transfer used, for logs. */
const char *kube_http_version(void *easy)
{
	long v = 0;

	curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
	switch (v) {
	case CURL_HTTP_VERSION_1_0:
		return "HTTP/1.0";
	case CURL_HTTP_VERSION_1_1:
		return "HTTP/1.1";
	case CURL_HTTP_VERSION_2_0:
		return "HTTP/2";
	case CURL_HTTP_VERSION_3:
		return "HTTP/3";
	default:
		return "none";
	}
}

static void copy_str(char *dst, size_t size, const cJSON *v)
{
	if (cJSON_IsString(v))
		snprintf(dst, size, "%s", v->valuestring);
	else
		dst[0] = '\0';
}

/*
 * Fill st from a metav1.Status object. Returns 0, or -EINVAL when obj is not a
 * Status (st then holds zero code and empty strings).
 */
int kube_status_from_json(const struct cJSON *obj, struct kube_status *st)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");

	memset(st, 0, sizeof(*st));
	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Status"))
		return -EINVAL;
	/* an HTTP status code; anything else (4e24, NaN, -1) is none */
	st->code = cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble <= 999
			   ? (long)code->valuedouble
			   : 0;
	copy_str(st->reason, sizeof(st->reason), cJSON_GetObjectItemCaseSensitive(obj, "reason"));
	copy_str(st->message, sizeof(st->message),
		 cJSON_GetObjectItemCaseSensitive(obj, "message"));
	return 0;
}

/* Decode a metav1.Status from len bytes of body (see kube_status_from_json). */
int kube_status_parse(const char *body, size_t len, struct kube_status *st)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	int ret = kube_status_from_json(root, st);

	cJSON_Delete(root);
	return ret;
}
