// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The list/watch state machine of one resource (see watch.h). States: a request
 * in flight (LIST page or WATCH), or waiting for a deadline before the next
 * step (backoff). The write callback frames and applies events; anything that
 * ends a stream early is recorded in `abort` and acted on in watch_done().
 */
#include "agent/kube/watch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kube/backoff.h"
#include "base/buf.h"
#include "base/linebuf.h"
#include "base/log.h"
#include "base/now.h"
#include "policy/diag.h"
#include "base/xalloc.h"

#define LIST_TIMEOUT_MS 120000 /* one LIST page, all included */
#define WATCH_GRACE_S 60       /* past timeoutSeconds before we give up */
#define HEALTHY_WATCH_MS 10000 /* a watch this long resets the backoff */
#define ABSENT_RETRY_MS 60000  /* an optional resource not served: look again */
#define CONNECTING_POLL_MS 10  /* another request is opening a connection: look again */

enum state {
	ST_WAITING, /* nothing in flight; `next` starts at `deadline` */
	ST_LISTING,
	ST_WATCHING,
};

enum step {
	STEP_LIST,
	STEP_WATCH,
};

/* Why the write callback stopped a transfer. */
enum abort_reason {
	ABORT_NONE,
	ABORT_GONE,    /* ERROR event 410: relist */
	ABORT_ERROR,   /* another ERROR event */
	ABORT_INVALID, /* an undecodable event line: resume after backoff */
	ABORT_LIMIT,   /* a bound was exceeded: relist after backoff */
};

struct watch {
	enum store_kind kind;
	const struct store_kind_info *res;
	struct kube *kube;	    /* borrowed */
	CURLM *multi;		    /* borrowed */
	struct store *store;	    /* borrowed */
	struct watch_counters *cnt; /* borrowed */
	enum state state;
	enum step next; /* ST_WAITING: what to do at deadline */
	int64_t deadline;
	struct backoff bo;
	int64_t retry_after_ms; /* Retry-After of the last answer, 0: none */
	const char *protocol;	/* static; HTTP version of the last answer */
	char *rv;		/* owned; where a watch resumes; NULL before a list */
	bool synced;		/* a LIST completed at least once */
	bool absent;		/* the last LIST found the resource not served (404) */
	/* the request in flight */
	CURL *easy;
	struct curl_slist *headers;
	int64_t started;
	struct linebuf lb; /* watch stream framing */
	struct buf body;   /* LIST page or error body */
	enum abort_reason abort;
	size_t events; /* events of this watch */
	/* a LIST across pages */
	char *cont;		   /* owned; continue token */
	char *list_rv;		   /* owned */
	struct store_obj *pending; /* owned; items of the pages so far */
	size_t npending;
};

static const char *const restart_names[WATCH_RESTART_KINDS] = {
	[WATCH_RESTART_CLOSED] = "closed",
	[WATCH_RESTART_EXPIRED] = "expired",
	[WATCH_RESTART_FAILED] = "failed",
	[WATCH_RESTART_INVALID] = "invalid",
};

static const char *const error_names[WATCH_ERR_KINDS] = {
	[WATCH_ERR_LIST] = "list", [WATCH_ERR_WATCH] = "watch", [WATCH_ERR_DECODE] = "decode",
	[WATCH_ERR_AUTH] = "auth", [WATCH_ERR_LIMIT] = "limit",
};

/* The label value of a restart reason. */
const char *watch_restart_name(enum watch_restart r)
{
	return restart_names[r];
}

/* The label value of an error kind. */
const char *watch_error_name(enum watch_error e)
{
	return error_names[e];
}

/*
 * A watcher of kind through kube on the multi handle multi (a CURLM *),
 * feeding store and counting into cnt. All four are borrowed and must outlive
 * it. Nothing happens before watch_start().
 */
struct watch *watch_new(enum store_kind kind, struct kube *kube, void *multi, struct store *store,
			struct watch_counters *cnt)
{
	struct watch *w = xcalloc(1, sizeof(*w));

	w->kind = kind;
	w->res = store_kind_info(kind);
	w->kube = kube;
	w->multi = multi;
	w->store = store;
	w->cnt = cnt;
	w->state = ST_WAITING;
	w->deadline = NOW_NEVER;
	backoff_init(&w->bo, BACKOFF_INITIAL_MS, BACKOFF_CAP_MS);
	linebuf_init(&w->lb, WATCH_MAX_LINE);
	return w;
}

static void drop_pending(struct watch *w)
{
	for (size_t i = 0; i < w->npending; i++)
		store_obj_release(w->store, &w->pending[i]);
	free(w->pending);
	w->pending = NULL;
	w->npending = 0;
	free(w->cont);
	w->cont = NULL;
	free(w->list_rv);
	w->list_rv = NULL;
}

static void request_end(struct watch *w)
{
	if (w->easy) {
		kube_easy_done(w->kube, w->easy);
		curl_multi_remove_handle(w->multi, w->easy);
		curl_easy_cleanup(w->easy);
		w->easy = NULL;
	}
	curl_slist_free_all(w->headers);
	w->headers = NULL;
	buf_fini(&w->body);
	linebuf_reset(&w->lb);
}

/* Stop any transfer and free w; NULL is fine. */
void watch_free(struct watch *w)
{
	if (!w)
		return;
	request_end(w);
	drop_pending(w);
	linebuf_fini(&w->lb);
	free(w->rv);
	free(w);
}

/* The API path that lists (and watches) every object of kind ("/api/v1/pods"). */
const char *watch_list_path(enum store_kind kind)
{
	return store_kind_info(kind)->path;
}

/* The resource's name ("pods"), for logs and metrics. */
const char *watch_resource(const struct watch *w)
{
	return w->res->resource;
}

/* Whether a LIST of the resource has completed since the start. */
bool watch_synced(const struct watch *w)
{
	return w->synced;
}

/* When watch_timers() has something to do, or NOW_NEVER. */
int64_t watch_deadline(const struct watch *w)
{
	return w->state == ST_WAITING ? w->deadline : NOW_NEVER;
}

static void error(struct watch *w, enum watch_error e)
{
	w->cnt->errors[e]++;
}

/* -- the write callback: record only ------------------------------------ */

static void log_diags(struct watch *w, const struct diag_list *d, const char *what)
{
	for (size_t i = 0; i < d->n && i < 5; i++)
		log_warnx(d->v[i].sev == DIAG_ERROR
				  ? "object rejected by the decoder; it is not enforced"
				  : "decoder warning",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource), LOG_STR("during", what),
				     LOG_STR("object", d->v[i].object),
				     LOG_STR("field", d->v[i].path),
				     LOG_STR("reason", d->v[i].msg)));
	if (d->nerrors)
		w->cnt->errors[WATCH_ERR_DECODE] += d->nerrors;
}

static int apply_object(struct watch *w, const struct watch_event *ev)
{
	struct store_obj o;
	struct diag_list d;
	int ret;

	diag_list_init(&d);
	ret = watch_decode_object(w->kind, ev->object, &o, &d);
	log_diags(w, &d, "watch");
	diag_list_fini(&d);
	if (ret < 0 && (w->kind == STORE_NETPOL || w->kind >= STORE_CNP)) {
		/*
		 * A policy that no longer decodes keeps its previous version: dropping
		 * it would leave its pods less isolated than before.
		 */
		log_warnx("keeping the previous version of the policy",
			  LOG_FIELDS(LOG_STR("namespace", ev->ns), LOG_STR("name", ev->name)));
		return 0;
	}
	if (ret < 0) {
		/*
		 * A pod or namespace we cannot read is forgotten: its address leaves
		 * the peer sets (it may already be another pod's) and it selects
		 * nothing.
		 */
		store_delete(w->store, w->kind, ev->ns, ev->name);
		return 0;
	}
	if (store_upsert(w->store, &o) == -ENOSPC) {
		log_warnx("too many objects; relisting",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_UINT("max", STORE_MAX_OBJECTS)));
		w->abort = ABORT_LIMIT;
		return -ENOSPC;
	}
	return 0;
}

static int apply_event(struct watch *w, const struct watch_event *ev)
{
	switch (ev->type) {
	case WATCH_ADDED:
	case WATCH_MODIFIED:
		if (apply_object(w, ev) < 0)
			return -ENOSPC;
		break;
	case WATCH_DELETED:
		store_delete(w->store, w->kind, ev->ns, ev->name);
		break;
	case WATCH_BOOKMARK:
		break;
	case WATCH_ERROR:
		log_warnx("watch ended by an ERROR event",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_INT("code", ev->status.code),
				     LOG_STR("reason", ev->status.reason),
				     LOG_STR("message", ev->status.message)));
		w->abort = watch_decode_gone(&ev->status) ? ABORT_GONE : ABORT_ERROR;
		return -EPIPE;
	}
	if (ev->rv) {
		free(w->rv);
		w->rv = xstrdup(ev->rv);
	}
	return 0;
}

static int on_line(char *line, size_t len, void *arg)
{
	struct watch *w = arg;
	struct watch_event ev;
	int ret = watch_decode_event(line, len, &ev);

	if (ret < 0) {
		log_warnx("undecodable watch event; resuming",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_UINT("bytes", len)));
		w->abort = ABORT_INVALID;
	} else {
		w->cnt->events[w->kind][ev.type]++;
		if (ev.type != WATCH_ERROR)
			w->events++;
		ret = apply_event(w, &ev);
	}
	watch_decode_event_fini(&ev);
	return ret;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct watch *w = arg;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		buf_add(&w->body, ptr, n < KUBE_STATUS_MAX ? n : 0); /* best effort */
		return n;
	}
	if (w->state == ST_LISTING) {
		if (buf_add(&w->body, ptr, n) < 0) {
			w->abort = ABORT_LIMIT;
			return 0;
		}
		return n;
	}
	if (linebuf_feed(&w->lb, ptr, n, on_line, w) == -EMSGSIZE) {
		log_warnx("watch event too large; relisting",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_UINT("max", WATCH_MAX_LINE)));
		w->abort = ABORT_LIMIT;
	}
	return w->abort == ABORT_NONE ? n : 0;
}

/* -- starting requests ---------------------------------------------------- */

static int request(struct watch *w, enum state st, char *url, long timeout_ms, int64_t now)
{
	int ret;

	request_end(w);
	w->easy = xnonnull(curl_easy_init());
	ret = kube_easy_setup(w->kube, w->easy, url, timeout_ms, &w->headers, now);
	free(url);
	if (ret < 0)
		return ret;
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->easy, CURLOPT_PRIVATE, w);
	w->state = st;
	w->started = now;
	w->abort = ABORT_NONE;
	w->events = 0;
	buf_init(&w->body, st == ST_LISTING ? WATCH_MAX_LIST : KUBE_STATUS_MAX);
	if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void schedule(struct watch *w, enum step next, int64_t delay, int64_t now);

static void start_list_page(struct watch *w, int64_t now)
{
	char *url = kube_list_url(w->kube, w->res->path, WATCH_PAGE_LIMIT, w->cont);

	if (request(w, ST_LISTING, url, LIST_TIMEOUT_MS, now) < 0) {
		request_end(w);
		schedule(w, STEP_LIST, backoff_next(&w->bo), now);
	}
}

static void start_watch(struct watch *w, int64_t now)
{
	unsigned span = WATCH_TIMEOUT_MAX_S - WATCH_TIMEOUT_MIN_S + 1;
	unsigned timeout = WATCH_TIMEOUT_MIN_S + arc4random_uniform(span);
	char *url = kube_watch_url(w->kube, w->res->path, w->rv, timeout);

	if (request(w, ST_WATCHING, url, (timeout + WATCH_GRACE_S) * 1000L, now) < 0) {
		request_end(w);
		schedule(w, STEP_WATCH, backoff_next(&w->bo), now);
	}
}

/* Wait until `when`, then go to next. */
static void wait_until(struct watch *w, enum step next, int64_t when)
{
	request_end(w);
	w->state = ST_WAITING;
	w->next = next;
	w->deadline = when;
}

static void step(struct watch *w, enum step next, int64_t now)
{
	if (kube_connecting(w->kube, now)) {
		/* share the connection being opened (HTTP/2) rather than open another */
		wait_until(w, next, now + CONNECTING_POLL_MS);
		return;
	}
	if (next == STEP_LIST) {
		drop_pending(w);
		start_list_page(w, now);
	} else {
		start_watch(w, now);
	}
}

/* Go to next after delay milliseconds (0: now). */
static void schedule(struct watch *w, enum step next, int64_t delay, int64_t now)
{
	if (delay <= 0) {
		step(w, next, now);
		return;
	}
	wait_until(w, next, now + delay);
	log_debug("retrying later",
		  LOG_FIELDS(LOG_STR("resource", w->res->resource),
			     LOG_STR("step", next == STEP_LIST ? "list" : "watch"),
			     LOG_INT("delay_ms", delay)));
}

/* Begin: LIST the resource, then WATCH it. */
void watch_start(struct watch *w, int64_t now)
{
	step(w, STEP_LIST, now);
}

/* Run the step whose backoff has passed. */
void watch_timers(struct watch *w, int64_t now)
{
	if (w->state == ST_WAITING && now >= w->deadline) {
		w->deadline = NOW_NEVER;
		step(w, w->next, now);
	}
}

/* -- finished transfers --------------------------------------------------- */

static void restart(struct watch *w, enum watch_restart why, enum step next, int64_t delay,
		    int64_t now)
{
	w->cnt->restarts[w->kind][why]++;
	schedule(w, next, delay, now);
}

/*
 * The delay before retrying after an HTTP error: the backoff, or the server's
 * Retry-After when that is longer (API Priority and Fairness answers 429 with
 * Retry-After; retrying sooner only adds load), at most the backoff cap.
 */
static int64_t retry_delay(struct watch *w)
{
	int64_t delay = backoff_next(&w->bo);

	return w->retry_after_ms > delay ? w->retry_after_ms : delay;
}

/* An HTTP error: log it with its Status, count it, and retry step `next`. */
static void http_failed(struct watch *w, long code, enum step next, int64_t now)
{
	struct kube_status st;

	kube_status_parse(w->body.p ? w->body.p : "", w->body.len, &st);
	log_warnx(next == STEP_LIST ? "list failed" : "watch failed",
		  LOG_FIELDS(LOG_STR("resource", w->res->resource), LOG_INT("http_code", code),
			     LOG_STR("reason", st.reason), LOG_STR("message", st.message)));
	if (code == 401) {
		kube_token_rejected(w->kube);
		error(w, WATCH_ERR_AUTH);
	} else if (code == 403) {
		error(w, WATCH_ERR_AUTH);
	} else {
		error(w, next == STEP_LIST ? WATCH_ERR_LIST : WATCH_ERR_WATCH);
	}
	if (code == 410) {
		restart(w, WATCH_RESTART_EXPIRED, STEP_LIST, 0, now);
		return;
	}
	if (code == 404 && w->res->optional) {
		/* the watch of a custom resource that went away: the list finds out */
		restart(w, WATCH_RESTART_FAILED, STEP_LIST, next == STEP_WATCH ? 0 : retry_delay(w),
			now);
		return;
	}
	restart(w, WATCH_RESTART_FAILED, next, retry_delay(w), now);
}

static void list_complete(struct watch *w, int64_t now)
{
	struct store_relist_stats st;

	store_relist(w->store, w->kind, w->pending, w->npending, &st);
	free(w->pending);
	w->pending = NULL;
	w->npending = 0;
	free(w->rv);
	w->rv = w->list_rv;
	w->list_rv = NULL;
	w->cnt->relists[w->kind]++;
	log_info("list complete",
		 LOG_FIELDS(LOG_STR("resource", w->res->resource),
			    LOG_STR("resource_version", w->rv), LOG_STR("protocol", w->protocol),
			    LOG_UINT("objects", store_count(w->store, w->kind)),
			    LOG_UINT("added", st.added), LOG_UINT("changed", st.changed),
			    LOG_UINT("deleted", st.deleted)));
	w->synced = true;
	w->absent = false;
	backoff_reset(&w->bo);
	start_watch(w, now);
}

/*
 * An optional resource (a custom resource: the cluster network policy CRDs)
 * is not served: the cluster has none of those objects (any the store held are
 * gone with the CRD), which counts as listed; look again later, since the CRD
 * may be installed at any time.
 */
static void absent(struct watch *w, int64_t now)
{
	if (!w->absent)
		log_info("resource not served by this cluster; none of its objects apply",
			 LOG_FIELDS(LOG_STR("resource", w->res->resource),
				    LOG_STR("path", w->res->path),
				    LOG_INT("retry_s", ABSENT_RETRY_MS / 1000)));
	w->absent = true;
	drop_pending(w);
	store_relist(w->store, w->kind, NULL, 0, NULL);
	w->synced = true;
	backoff_reset(&w->bo);
	schedule(w, STEP_LIST, ABSENT_RETRY_MS, now);
}

static void list_page_done(struct watch *w, int64_t now)
{
	size_t first = w->npending;
	struct diag_list d;
	int ret;

	diag_list_init(&d);
	ret = watch_decode_list(w->kind, w->body.p, w->body.len, &w->pending, &w->npending,
				&w->list_rv, &w->cont, &d);
	/* compact now: the pages' decoded strings would otherwise pin the heap */
	for (size_t i = first; i < w->npending; i++)
		store_pack(w->store, &w->pending[i]);
	log_diags(w, &d, "list");
	diag_list_fini(&d);
	if (ret < 0 || w->npending > STORE_MAX_OBJECTS) {
		log_warnx(ret < 0 ? "list page is not a list" : "too many objects",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_UINT("objects", w->npending)));
		error(w, ret < 0 ? WATCH_ERR_LIST : WATCH_ERR_LIMIT);
		restart(w, WATCH_RESTART_INVALID, STEP_LIST, backoff_next(&w->bo), now);
		return;
	}
	if (w->cont) {
		start_list_page(w, now);
		return;
	}
	list_complete(w, now);
}

static void list_done(struct watch *w, CURLcode res, long code, int64_t now)
{
	if (w->abort == ABORT_LIMIT) {
		log_warnx("list page too large", LOG_FIELDS(LOG_STR("resource", w->res->resource),
							    LOG_UINT("max", WATCH_MAX_LIST)));
		error(w, WATCH_ERR_LIMIT);
		restart(w, WATCH_RESTART_INVALID, STEP_LIST, backoff_next(&w->bo), now);
	} else if (res != CURLE_OK) {
		log_warnx("list failed", LOG_FIELDS(LOG_STR("resource", w->res->resource),
						    LOG_STR("error", curl_easy_strerror(res))));
		error(w, WATCH_ERR_LIST);
		restart(w, WATCH_RESTART_FAILED, STEP_LIST, backoff_next(&w->bo), now);
	} else if (code == 404 && w->res->optional) {
		absent(w, now);
	} else if (code != 200) {
		/* 410 here: the continue token expired; start the list over. */
		http_failed(w, code, STEP_LIST, now);
	} else {
		list_page_done(w, now);
	}
}

static void watch_ended(struct watch *w, CURLcode res, long code, int64_t now)
{
	bool healthy = w->events > 0 || now - w->started >= HEALTHY_WATCH_MS;

	if (healthy)
		backoff_reset(&w->bo);
	switch (w->abort) {
	case ABORT_GONE:
		restart(w, WATCH_RESTART_EXPIRED, STEP_LIST, healthy ? 0 : backoff_next(&w->bo),
			now);
		return;
	case ABORT_LIMIT:
		error(w, WATCH_ERR_LIMIT);
		restart(w, WATCH_RESTART_INVALID, STEP_LIST, backoff_next(&w->bo), now);
		return;
	case ABORT_ERROR:
	case ABORT_INVALID:
		error(w, WATCH_ERR_WATCH);
		restart(w, WATCH_RESTART_INVALID, STEP_WATCH, backoff_next(&w->bo), now);
		return;
	case ABORT_NONE:
		break;
	}
	if (res == CURLE_OK && code == 200) {
		log_debug("watch closed by the server",
			  LOG_FIELDS(LOG_STR("resource", w->res->resource),
				     LOG_UINT("events", w->events)));
		restart(w, WATCH_RESTART_CLOSED, STEP_WATCH, healthy ? 0 : backoff_next(&w->bo),
			now);
	} else if (code != 200 && code != 0) {
		http_failed(w, code, STEP_WATCH, now);
	} else {
		log_warnx("watch cut", LOG_FIELDS(LOG_STR("resource", w->res->resource),
						  LOG_STR("error", curl_easy_strerror(res)),
						  LOG_UINT("events", w->events)));
		error(w, WATCH_ERR_WATCH);
		restart(w, WATCH_RESTART_FAILED, STEP_WATCH, backoff_next(&w->bo), now);
	}
}

/*
 * The transfer of w finished with result (a CURLcode): decide and start what
 * comes next (next page, watch, relist, or a backoff).
 */
void watch_done(struct watch *w, int result, int64_t now)
{
	enum state st = w->state;
	curl_off_t after = 0;
	long code = 0;

	curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &code);
	/* read before the handle goes: http_failed() may wait that long */
	if (curl_easy_getinfo(w->easy, CURLINFO_RETRY_AFTER, &after) != CURLE_OK || after < 0)
		after = 0;
	w->retry_after_ms = after > BACKOFF_CAP_MS / 1000 ? BACKOFF_CAP_MS : after * 1000;
	w->protocol = kube_http_version(w->easy);
	kube_easy_done(w->kube, w->easy);
	curl_multi_remove_handle(w->multi, w->easy);
	curl_easy_cleanup(w->easy);
	w->easy = NULL;
	if (st == ST_LISTING)
		list_done(w, (CURLcode)result, code, now);
	else if (st == ST_WATCHING)
		watch_ended(w, (CURLcode)result, code, now);
}
