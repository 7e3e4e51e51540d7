// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The preview subcommands' input (see live.h). A live cluster is LISTed once,
 * page by page, with the agent's kubeconfig handling and TLS settings; the pages
 * are kept raw (only their continue token is read while fetching) and decoded
 * by each cluster built from them: once for explain and matrix, once for each
 * side of diff (today, and today with the new manifests on top). A kubeconfig
 * user's exec credential plugin is run here (and only here), its credential
 * kept until it expires or the server answers 401. Problems are printed to
 * stderr: this is command-line code, called only from the subcommands.
 */
#include "agent/cli/live.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/cli/input.h"
#include "agent/kube/execcred.h"
#include "agent/kube/kube.h"
#include "agent/kube/kubeconfig.h"
#include "base/now.h"
#include "agent/kube/store.h"
#include "agent/kube/watch.h"
#include "agent/kube/watch_decode.h"
#include "base/buf.h"
#include "policy/diag.h"
#include "base/xalloc.h"

#define LIVE_TIMEOUT_MS 60000L /* one LIST page */
#define LIVE_MAX_PAGES 10000u  /* pages of one kind */

/* Take a shared option (LIVE_OPTIONS); false when opt is not one. */
bool live_option(struct live_source *src, int opt, const char *arg)
{
	if (opt == LIVE_OPT_KUBECONFIG)
		src->kubeconfig = arg;
	else if (opt == LIVE_OPT_CONTEXT)
		src->context = arg;
	else
		return false;
	return true;
}

void live_usage(FILE *f)
{
	fputs("  --kubeconfig FILE    LIST the live cluster's objects instead of reading files\n"
	      "  --context NAME       the kubeconfig context (default: current-context)\n",
	      f);
}

/* One LIST page as it arrives. */
struct body {
	struct buf b; /* at most WATCH_MAX_LIST bytes */
	bool toobig;  /* the page was larger */
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	if (buf_add(&b->b, p, size * n) < 0) {
		b->toobig = true;
		return 0;
	}
	return size * n;
}

/* The API client of one fetch. */
struct client {
	struct kube *k;
	struct execcred *x; /* the user's exec plugin, or NULL */
	const char *cmd;    /* the subcommand, for messages */
};

/* Give easy the exec plugin's credential: a bearer token, a client certificate. */
static int use_exec_cred(struct client *cl, CURL *easy, struct curl_slist **h)
{
	const struct execcred_cred *c;
	char *note = NULL, *err = NULL, *auth;
	struct curl_blob cert, key;
	int ret = execcred_get(cl->x, &c, &note, &err);

	if (note)
		fprintf(stderr, "nftpol %s: %s\n", cl->cmd, note);
	free(note);
	if (ret) {
		fprintf(stderr, "nftpol %s: %s\n", cl->cmd, err);
		free(err);
		return ret;
	}
	if (c->token) {
		auth = xasprintf("Authorization: Bearer %s", c->token);
		*h = xnonnull(curl_slist_append(*h, auth));
		explicit_bzero(auth, strlen(auth));
		free(auth);
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, *h);
	}
	if (c->cert) {
		cert = (struct curl_blob){ c->cert, strlen(c->cert), CURL_BLOB_COPY };
		key = (struct curl_blob){ c->key, strlen(c->key), CURL_BLOB_COPY };
		curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
	}
	return 0;
}

/*
 * One GET of url into b: *code is the HTTP status (0 without an answer).
 * Returns 0 with *res curl's result, or -EIO when no request could be made
 * (the reason printed).
 */
static int get_once(struct client *cl, const char *url, struct body *b, long *code, CURLcode *res)
{
	CURL *easy = xnonnull(curl_easy_init());
	struct curl_slist *h = NULL;
	int ret = -EIO;

	*code = 0;
	if (kube_easy_setup(cl->k, easy, url, LIVE_TIMEOUT_MS, &h, now_ms()) < 0)
		goto out;
	if (cl->x && use_exec_cred(cl, easy, &h) < 0)
		goto out;
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, b);
	*res = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, code);
	ret = 0;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(easy);
	return ret;
}

/* What the answer to a GET means: 0 (200), -ENOENT (404 of an optional kind) or -EIO (printed). */
static int judge(const struct client *cl, const char *url, bool optional, const struct body *b,
		 long code, CURLcode res)
{
	if (res != CURLE_OK)
		fprintf(stderr, "nftpol %s: GET %s: %s\n", cl->cmd, url,
			b->toobig ? "response too large" : curl_easy_strerror(res));
	else if (code == 200)
		return 0;
	else if (code == 404 && optional)
		return -ENOENT; /* a custom resource this cluster does not serve */
	else
		fprintf(stderr, "nftpol %s: GET %s: HTTP %ld: %.200s\n", cl->cmd, url, code,
			b->b.p ? b->b.p : "");
	return -EIO;
}

/*
 * GET url into *page (owned by the caller, *len bytes and a NUL). A 401 to the
 * credential of an exec plugin runs the plugin again and retries once (the
 * server may have revoked or rotated it). Returns 0, -ENOENT for a 404 of an
 * optional kind, or -EIO with the reason printed (*page is then NULL).
 */
static int get(struct client *cl, const char *url, bool optional, char **page, size_t *len)
{
	struct body b = { .toobig = false };
	CURLcode res = CURLE_OK;
	long code = 0;
	int ret;

	buf_init(&b.b, WATCH_MAX_LIST);
	ret = get_once(cl, url, &b, &code, &res);
	if (!ret && res == CURLE_OK && code == 401 && cl->x) {
		execcred_rejected(cl->x);
		buf_reset(&b.b);
		ret = get_once(cl, url, &b, &code, &res);
	}
	if (!ret)
		ret = judge(cl, url, optional, &b, code, res);
	if (ret == -EIO && code == 401 && cl->x)
		fprintf(stderr,
			"nftpol %s: the exec plugin's credential was refused, and so was the "
			"one it gave when run again\n",
			cl->cmd);
	*len = b.b.len;
	*page = ret ? NULL : b.b.p ? buf_take(&b.b) : xstrdup("");
	buf_fini(&b.b);
	return ret;
}

static int fetch_kind(struct client *cl, enum store_kind kind, struct live_pages *pg)
{
	char *cont = NULL;

	do {
		char *url = kube_list_url(cl->k, watch_list_path(kind), WATCH_PAGE_LIMIT, cont);
		char *page;
		size_t len;
		int ret = get(cl, url, store_kind_info(kind)->optional, &page, &len);

		free(url);
		free(cont);
		cont = NULL;
		if (ret == -ENOENT)
			return 0; /* not served: none of that kind */
		if (ret)
			return ret;
		pg->body[kind] = xreallocarray(pg->body[kind], pg->n[kind] + 1, sizeof(char *));
		pg->len[kind] = xreallocarray(pg->len[kind], pg->n[kind] + 1, sizeof(size_t));
		pg->body[kind][pg->n[kind]] = page;
		pg->len[kind][pg->n[kind]++] = len;
		/* the items are decoded once, by live_build() */
		watch_decode_list_continue(page, len, &cont);
	} while (cont && pg->n[kind] < LIVE_MAX_PAGES);
	free(cont);
	return 0;
}

/*
 * LIST Namespaces, Pods and NetworkPolicies of the cluster src names into out
 * (zeroed first; release with live_pages_fini). Returns 0 or a negative errno,
 * with the reason printed.
 */
int live_fetch(const struct live_source *src, const char *cmd, struct live_pages *out)
{
	struct kubeconfig kc = { 0 };
	struct client cl = { .cmd = cmd };
	char *err = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	/* a preview runs on a person's machine: exec plugins (EKS, GKE, AKS) are allowed */
	ret = kubeconfig_load_flags(src->kubeconfig, src->context, KUBECONFIG_EXEC_ALLOWED, &kc,
				    &err);
	if (ret) {
		fprintf(stderr, "nftpol %s: %s\n", cmd, err ? err : strerror(-ret));
		free(err);
		return ret;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (kc.exec)
		cl.x = execcred_new(kc.exec);
	kc.exec = NULL;
	cl.k = kube_new(&kc);
	for (int kind = 0; kind < STORE_KINDS && !ret; kind++)
		ret = fetch_kind(&cl, kind, out);
	kube_free(cl.k);
	execcred_free(cl.x);
	curl_global_cleanup();
	return ret;
}

void live_pages_fini(struct live_pages *pg)
{
	for (int kind = 0; kind < STORE_KINDS; kind++) {
		for (size_t i = 0; i < pg->n[kind]; i++)
			free(pg->body[kind][i]);
		free(pg->body[kind]);
		free(pg->len[kind]);
	}
	memset(pg, 0, sizeof(*pg));
}

static void print_diags(const struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		diag_print(&d->v[i], stderr);
}

/*
 * Objects read from the API server have no file: forget the decoder's
 * stand-in origin ("NetworkPolicy", line 1), so that explain and diff do not
 * cite it as if it were one.
 */
static void forget_origin(struct store_obj *o)
{
	struct origin * or = o->kind == STORE_POD      ? &o->u.pod.origin
			     : o->kind == STORE_NETPOL ? &o->u.pol.origin
			     : o->kind == STORE_NODE   ? &o->u.node.origin
			     : o->kind >= STORE_CNP    ? &o->u.cnp.origin
						       : &o->u.ns.origin;

	free(or->file);
	or->file = NULL;
	or->line = 0;
}

static int decode_pages(const struct live_pages *pg, struct store *s)
{
	struct diag_list d;
	int ret = 0;

	diag_list_init(&d);
	for (int kind = 0; kind < STORE_KINDS && !ret; kind++) {
		struct store_obj *objs = NULL;
		size_t n = 0;

		for (size_t i = 0; i < pg->n[kind] && !ret; i++) {
			char *rv = NULL, *cont = NULL;

			ret = watch_decode_list(kind, pg->body[kind][i], pg->len[kind][i], &objs,
						&n, &rv, &cont, &d);
			free(rv);
			free(cont);
		}
		for (size_t i = 0; i < n; i++)
			forget_origin(&objs[i]);
		store_relist(s, kind, objs, n, NULL);
		free(objs);
	}
	print_diags(&d);
	diag_list_fini(&d);
	return ret;
}

static int put(struct store *s, struct store_obj *o, int ret)
{
	int r = store_upsert(s, o);

	return ret ? ret : r;
}

/*
 * Move every object of c into s, replacing those with the same kind/ns/name.
 * After a failure the rest are still moved and freed by the store.
 */
static int overlay(struct cluster *c, struct store *s)
{
	int ret = 0;

	for (size_t i = 0; i < c->nnss; i++) {
		struct store_obj o = { .kind = STORE_NAMESPACE, .u.ns = c->nss[i] };

		/* Implied by sealing (no file): the live namespace's labels stand. */
		if (!c->nss[i].origin.file)
			model_ns_fini(&c->nss[i]);
		else
			ret = put(s, &o, ret);
	}
	for (size_t i = 0; i < c->npods; i++) {
		struct store_obj o = { .kind = STORE_POD, .u.pod = c->pods[i] };

		ret = put(s, &o, ret);
	}
	for (size_t i = 0; i < c->npols; i++) {
		struct store_obj o = { .kind = STORE_NETPOL, .u.pol = c->pols[i] };

		ret = put(s, &o, ret);
	}
	for (size_t i = 0; i < c->nnodes; i++) {
		struct store_obj o = { .kind = STORE_NODE, .u.node = c->nodes[i] };

		ret = put(s, &o, ret);
	}
	for (size_t i = 0; i < c->ncnps; i++) {
		struct store_obj o = { .kind = store_cnp_kind(c->cnps[i].source),
				       .u.cnp = c->cnps[i] };

		ret = put(s, &o, ret);
	}
	c->nnss = c->npods = c->npols = c->nnodes = c->ncnps = 0;
	return ret;
}

static int parse_kind(const char *s, size_t len, enum store_kind *kind)
{
	static const struct {
		const char *name;
		enum store_kind kind;
	} names[] = {
		{ "namespace", STORE_NAMESPACE },
		{ "ns", STORE_NAMESPACE },
		{ "pod", STORE_POD },
		{ "po", STORE_POD },
		{ "networkpolicy", STORE_NETPOL },
		{ "netpol", STORE_NETPOL },
		{ "node", STORE_NODE },
		{ "no", STORE_NODE },
		{ "clusternetworkpolicy", STORE_CNP },
		{ "cnp", STORE_CNP },
		{ "adminnetworkpolicy", STORE_ANP },
		{ "anp", STORE_ANP },
		{ "baselineadminnetworkpolicy", STORE_BANP },
		{ "banp", STORE_BANP },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i].name) == len && !strncasecmp(s, names[i].name, len)) {
			*kind = names[i].kind;
			return 0;
		}
	return -EINVAL;
}

/* Remove "KIND/NS/NAME" (cluster-scoped kinds: "KIND/NAME") from s. 0, -EINVAL or -ENOENT. */
static int remove_one(struct store *s, const char *spec)
{
	const char *a = strchr(spec, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	enum store_kind kind;
	char *ns;
	bool found;

	if (!a || parse_kind(spec, (size_t)(a - spec), &kind))
		return -EINVAL;
	if (kind != STORE_POD && kind != STORE_NETPOL)
		return !b && a[1] && store_delete(s, kind, NULL, a + 1) ? 0 : -ENOENT;
	if (!b || b == a + 1 || !b[1] || strchr(b + 1, '/'))
		return -EINVAL;
	ns = xstrndup(a + 1, (size_t)(b - a - 1));
	found = store_delete(s, kind, ns, b + 1);
	free(ns);
	return found ? 0 : -ENOENT;
}

/*
 * Build a cluster into out from the live pages pg, the manifests in files on top
 * (same kind/namespace/name replaces) and the objects deletes names removed.
 * Returns 0, or -EINVAL on bad input (printed).
 */
int live_build(const struct live_pages *pg, char *const *files, int nfiles, char *const *deletes,
	       size_t ndeletes, const char *cmd, struct live_cluster *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	model_cluster_init(&out->files);
	out->store = store_new();
	ret = decode_pages(pg, out->store);
	if (!ret && nfiles)
		ret = input_load(files, nfiles, &out->files);
	if (!ret)
		ret = overlay(&out->files, out->store);
	for (size_t i = 0; i < ndeletes && !ret; i++) {
		ret = remove_one(out->store, deletes[i]);
		if (ret)
			fprintf(stderr, "nftpol %s: --delete %s: %s\n", cmd, deletes[i],
				ret == -ENOENT ? "no such object in the cluster"
					       : "expected KIND/NAMESPACE/NAME or namespace/NAME");
	}
	if (ret)
		return -EINVAL;
	out->c = store_snapshot(out->store);
	return 0;
}

/*
 * Load the cluster of a command that reads either the live cluster (src names a
 * kubeconfig; then files must be empty) or files. Returns 0 or -EINVAL (printed).
 */
int live_load(const struct live_source *src, char *const *files, int nfiles, const char *cmd,
	      struct live_cluster *out)
{
	struct live_pages pg;
	int ret;

	memset(out, 0, sizeof(*out));
	model_cluster_init(&out->files);
	if (!src->kubeconfig) {
		if (!nfiles) {
			fprintf(stderr, "nftpol %s: no input files (or --kubeconfig)\n", cmd);
			return -EINVAL;
		}
		ret = input_load(files, nfiles, &out->files);
		out->c = &out->files;
		return ret ? -EINVAL : 0;
	}
	if (nfiles) {
		fprintf(stderr, "nftpol %s: --kubeconfig reads the live cluster; no files\n", cmd);
		return -EINVAL;
	}
	if (live_fetch(src, cmd, &pg)) {
		live_pages_fini(&pg);
		return -EINVAL;
	}
	ret = live_build(&pg, NULL, 0, NULL, 0, cmd, out);
	live_pages_fini(&pg);
	return ret;
}

void live_cluster_fini(struct live_cluster *lc)
{
	model_cluster_fini(&lc->files);
	store_free(lc->store);
	memset(lc, 0, sizeof(*lc));
}
