// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading the API server's address and credentials (see kubeconfig.h). Kubeconfig
 * files are YAML or JSON read with the project's manifest reader; several files
 * (KUBECONFIG=a:b) merge as client-go merges them: the first file that sets
 * current-context, or defines a named context, cluster or user, wins.
 */
#include "agent/kube/kubeconfig.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/diag.h"
#include "policy/manifest.h"
#include "base/xalloc.h"

#define TOKEN_MAX (64u << 10) /* bytes of a bearer token file */

/* One parsed kubeconfig file. */
struct kcfile {
	char *path;  /* owned */
	char *dir;   /* owned; directory that relative paths are resolved in */
	cJSON *root; /* owned; the first document */
};

static void blob_fini(struct kubeconfig_blob *b)
{
	free(b->file);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Free what kc holds; it may be partly filled. */
void kubeconfig_fini(struct kubeconfig *kc)
{
	free(kc->server);
	blob_fini(&kc->ca);
	blob_fini(&kc->cert);
	blob_fini(&kc->key);
	free(kc->token);
	free(kc->token_file);
	free(kc->origin);
	kubeconfig_exec_free(kc->exec);
	memset(kc, 0, sizeof(*kc));
}

/* Free an exec plugin's configuration; NULL is fine. */
void kubeconfig_exec_free(struct kubeconfig_exec *e)
{
	if (!e)
		return;
	free(e->api_version);
	free(e->command);
	for (size_t i = 0; i < e->nargs; i++)
		free(e->args[i]);
	free(e->args);
	for (size_t i = 0; i < e->nenv; i++) {
		free(e->env[i].name);
		free(e->env[i].value);
	}
	free(e->env);
	free(e->install_hint);
	free(e->cluster_json);
	free(e->where);
	free(e);
}

/*
 * Read a whole file of at most max bytes into a NUL-terminated buffer. Returns 0
 * and sets *out (owned by the caller) and *len, or -errno (-EFBIG when larger).
 */
static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;

	*out = NULL;
	if (fd < 0)
		return -errno;
	buf = xmalloc(max + 2);
	do {
		r = read(fd, buf + n, max + 1 - n);
		if (r > 0)
			n += (size_t)r;
	} while ((r > 0 && n <= max) || (r < 0 && errno == EINTR));
	close(fd);
	if (r < 0 || n > max) {
		free(buf);
		return r < 0 ? -errno : -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

/*
 * Decode standard base64 (white space ignored, padding optional) into a new
 * NUL-terminated buffer *out of *outlen bytes. Returns 0 or -EINVAL.
 */
int kubeconfig_b64decode(const char *in, char **out, size_t *outlen)
{
	size_t n = 0, len = strlen(in);
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0;
	char *buf = xmalloc(len / 4 * 3 + 4);

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int v = b64val(*p);

		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (v < 0 || pad)
			goto fail;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)(acc >> bits & 0xff);
		}
	}
	if (bits >= 6 || pad > 2)
		goto fail;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
fail:
	free(buf);
	*out = NULL;
	return -EINVAL;
}

/* Read a bearer token file, trimming white space around it. */
int kubeconfig_read_token(const char *path, char **token, char **err)
{
	char *buf, *start, *end;
	size_t len;
	int ret = read_file(path, TOKEN_MAX, &buf, &len);

	*token = NULL;
	if (ret < 0)
		return xseterr(err, ret, "cannot read token file %s: %s", path, strerror(-ret));
	if (memchr(buf, '\0', len)) {
		free(buf);
		return xseterr(err, -EINVAL, "token file %s holds a NUL byte", path);
	}
	start = buf;
	while (*start && strchr(" \t\r\n", *start))
		start++;
	end = start + strlen(start);
	while (end > start && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	if (*start)
		*token = xstrdup(start);
	else
		ret = xseterr(err, -EINVAL, "token file %s is empty", path);
	free(buf);
	return ret;
}

/* Whether a file can be read now; for early, clear errors. */
static int check_readable(const char *what, const char *path, char **err)
{
	if (access(path, R_OK) < 0)
		return xseterr(err, -errno, "%s %s: %s", what, path, strerror(errno));
	return 0;
}

/*
 * The in-cluster configuration: https://KUBERNETES_SERVICE_HOST:PORT (IPv6 hosts
 * in brackets), the CA and token under sa_dir (NULL: the standard directory). The
 * token is read once here to fail early; the caller re-reads it by path.
 */
int kubeconfig_in_cluster(const char *sa_dir, struct kubeconfig *kc, char **err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char *tok = NULL;
	int ret;

	memset(kc, 0, sizeof(*kc));
	*err = NULL;
	if (!host || !*host || !port || !*port)
		return xseterr(err, -ENOENT,
			       "not in a cluster: KUBERNETES_SERVICE_HOST and "
			       "KUBERNETES_SERVICE_PORT must be set");
	if (!sa_dir)
		sa_dir = KUBECONFIG_SA_DIR;
	if (strchr(host, ':') && host[0] != '[')
		kc->server = xasprintf("https://[%s]:%s", host, port);
	else
		kc->server = xasprintf("https://%s:%s", host, port);
	kc->token_file = xasprintf("%s/token", sa_dir);
	kc->ca.file = xasprintf("%s/ca.crt", sa_dir);
	kc->origin = xstrdup("in-cluster");
	ret = check_readable("service account CA", kc->ca.file, err);
	if (!ret)
		ret = kubeconfig_read_token(kc->token_file, &tok, err);
	free(tok);
	if (ret)
		kubeconfig_fini(kc);
	return ret;
}

static void doc_cb(void *arg, const struct cJSON *root, const struct manifest_doc *doc)
{
	cJSON **out = arg;

	if (*out)
		return;
	*out = xnonnull(cJSON_Duplicate(root, 1));
}

static int kcfile_load(struct kcfile *f, const char *path, char **err)
{
	struct diag_list d;
	char *buf, *slash;
	size_t len;
	int ret = read_file(path, KUBECONFIG_MAX_FILE, &buf, &len);

	memset(f, 0, sizeof(*f));
	if (ret == -ENOENT)
		return ret;
	if (ret < 0)
		return xseterr(err, ret, "cannot read kubeconfig %s: %s", path,
			       ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
	diag_list_init(&d);
	ret = manifest_parse(path, buf, len, doc_cb, &f->root, &d);
	if (ret < 0 || !cJSON_IsObject(f->root)) {
		ret = xseterr(err, -EINVAL, "kubeconfig %s: %s", path,
			      d.n ? d.v[0].msg : "not a mapping");
		cJSON_Delete(f->root);
		f->root = NULL;
	} else {
		f->path = xstrdup(path);
		slash = strrchr(path, '/');
		f->dir = slash ? xstrndup(path, (size_t)(slash - path) + 1) : xstrdup("");
	}
	diag_list_fini(&d);
	free(buf);
	return ret;
}

static void kcfile_fini(struct kcfile *f)
{
	free(f->path);
	free(f->dir);
	cJSON_Delete(f->root);
	memset(f, 0, sizeof(*f));
}

/* The string member key of obj, or NULL when absent, null or not a string. */
static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * The body (member inner, e.g. "cluster") of the entry called name in list
 * (e.g. "clusters"), from the first file that defines it; *from is that file.
 */
static const cJSON *find_named(const struct kcfile *fs, size_t n, const char *list,
			       const char *inner, const char *name, const struct kcfile **from)
{
	const cJSON *e;

	for (size_t i = 0; i < n; i++) {
		cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(fs[i].root, list)) {
			const char *en = str_of(e, "name");

			if (en && !strcmp(en, name)) {
				*from = &fs[i];
				return cJSON_GetObjectItemCaseSensitive(e, inner);
			}
		}
	}
	return NULL;
}

/* path relative to the kubeconfig that named it, as kubectl resolves it. */
static char *resolve(const struct kcfile *f, const char *path)
{
	if (path[0] == '/' || !f->dir[0])
		return xstrdup(path);
	return xasprintf("%s%s", f->dir, path);
}

/* Fill b from the file field or the base64 data field of obj; data wins. */
static int get_blob(const struct kcfile *f, const cJSON *obj, const char *file_key,
		    const char *data_key, struct kubeconfig_blob *b, char **err)
{
	const char *file = str_of(obj, file_key), *data = str_of(obj, data_key);

	if (data && *data) {
		if (kubeconfig_b64decode(data, &b->data, &b->len) < 0)
			return xseterr(err, -EINVAL, "kubeconfig %s: %s is not valid base64",
				       f->path, data_key);
		return 0;
	}
	if (!file || !*file)
		return 0;
	b->file = resolve(f, file);
	return check_readable(file_key, b->file, err);
}

static int load_cluster(const struct kcfile *f, const cJSON *cl, struct kubeconfig *kc, char **err)
{
	const char *server = str_of(cl, "server");
	size_t len;

	if (!server || !*server)
		return xseterr(err, -EINVAL, "kubeconfig %s: cluster has no server", f->path);
	if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
		return xseterr(err, -EINVAL,
			       "kubeconfig %s: server %s: only https:// (or http://) "
			       "URLs are supported",
			       f->path, server);
	if (str_of(cl, "proxy-url") || str_of(cl, "tls-server-name"))
		return xseterr(err, -ENOTSUP,
			       "kubeconfig %s: proxy-url and tls-server-name are "
			       "not supported",
			       f->path);
	kc->server = xstrdup(server);
	len = strlen(kc->server);
	while (len > 0 && kc->server[len - 1] == '/')
		kc->server[--len] = '\0';
	kc->insecure =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cl, "insecure-skip-tls-verify"));
	return get_blob(f, cl, "certificate-authority", "certificate-authority-data", &kc->ca, err);
}

/* Whether obj has member key with a value other than null. */
static bool has(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v && !cJSON_IsNull(v);
}

static int check_user_supported(const struct kcfile *f, const char *uname, const cJSON *u,
				unsigned flags, char **err)
{
	static const char *const unsupported[] = {
		"auth-provider", "username", "password", "as", "as-groups",
	};

	if (has(u, "exec") && !(flags & KUBECONFIG_EXEC_ALLOWED))
		return xseterr(err, -ENOTSUP,
			       "kubeconfig %s: user \"%s\" runs an exec credential plugin, and "
			       "the agent runs no other program (in a cluster it uses its "
			       "service account; elsewhere give it a bearer token, a token file "
			       "or a client certificate). Exec plugins work with the preview "
			       "commands (diff, matrix, explain --kubeconfig)",
			       f->path, uname);
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
		if (has(u, unsupported[i]))
			return xseterr(err, -ENOTSUP,
				       "kubeconfig %s: user field \"%s\" is not "
				       "supported (use a bearer token, a token file or a client "
				       "certificate)",
				       f->path, unsupported[i]);
	return 0;
}

/*
 * exec.interactiveMode: Never and IfAvailable run the plugin without a
 * terminal, as nftpol always does; v1 wants it set (client-go's rule), v1beta1
 * means IfAvailable when it is absent.
 */
static int check_interactive(const char *where, const cJSON *ex, const char *version, char **err)
{
	const char *mode = str_of(ex, "interactiveMode");

	if (!mode || !*mode) {
		if (strcmp(version, KUBECONFIG_EXEC_V1))
			return 0;
		return xseterr(err, -EINVAL,
			       "kubeconfig %s: exec: interactiveMode must be set with "
			       "apiVersion %s (Never or IfAvailable)",
			       where, version);
	}
	if (!strcmp(mode, "Never") || !strcmp(mode, "IfAvailable"))
		return 0;
	if (!strcmp(mode, "Always"))
		return xseterr(err, -ENOTSUP,
			       "kubeconfig %s: exec: interactiveMode Always needs a terminal; "
			       "nftpol runs credential plugins without one (stdin closed): use "
			       "Never or IfAvailable",
			       where);
	return xseterr(err, -EINVAL,
		       "kubeconfig %s: exec: interactiveMode \"%.64s\": expected Never, "
		       "IfAvailable or Always",
		       where, mode);
}

/* exec.args: a list of strings (or absent). */
static int exec_args(const char *where, const cJSON *ex, struct kubeconfig_exec *e, char **err)
{
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(ex, "args"), *a;

	if (!args || cJSON_IsNull(args))
		return 0;
	if (!cJSON_IsArray(args))
		return xseterr(err, -EINVAL, "kubeconfig %s: exec.args: expected a list of strings",
			       where);
	e->args = xcalloc((size_t)cJSON_GetArraySize(args) + 1, sizeof(char *));
	cJSON_ArrayForEach (a, args) {
		if (!cJSON_IsString(a))
			return xseterr(err, -EINVAL,
				       "kubeconfig %s: exec.args[%zu]: expected a string", where,
				       e->nargs);
		e->args[e->nargs++] = xstrdup(a->valuestring);
	}
	return 0;
}

/* exec.env: a list of {name, value} (or absent); a name is required. */
static int exec_env(const char *where, const cJSON *ex, struct kubeconfig_exec *e, char **err)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(ex, "env"), *v;

	if (!env || cJSON_IsNull(env))
		return 0;
	if (!cJSON_IsArray(env))
		return xseterr(err, -EINVAL,
			       "kubeconfig %s: exec.env: expected a list of {name, value}", where);
	e->env = xcalloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(*e->env));
	cJSON_ArrayForEach (v, env) {
		const char *name = str_of(v, "name"), *value = str_of(v, "value");

		if (!name || !*name || strchr(name, '='))
			return xseterr(err, -EINVAL,
				       "kubeconfig %s: exec.env[%zu]: expected a name (without "
				       "\"=\")",
				       where, e->nenv);
		if (has(v, "value") && !value)
			return xseterr(err, -EINVAL,
				       "kubeconfig %s: exec.env[%zu] (%s): value must be a string",
				       where, e->nenv, name);
		e->env[e->nenv].name = xstrdup(name);
		e->env[e->nenv++].value = xstrdup(value ? value : "");
	}
	return 0;
}

/*
 * The exec plugin of user uname (object ex) into *out. The command is kept as
 * a name, to be looked up on PATH, when it has no slash; a relative path is
 * resolved against the kubeconfig's directory (as client-go does).
 */
static int load_exec(const struct kcfile *f, const char *uname, const cJSON *ex,
		     struct kubeconfig_exec **out, char **err)
{
	struct kubeconfig_exec *e = xcalloc(1, sizeof(*e));
	const char *version = str_of(ex, "apiVersion"), *cmd = str_of(ex, "command");
	const char *hint = str_of(ex, "installHint");
	int ret;

	e->where = xasprintf("%s user \"%s\"", f->path, uname);
	if (!cJSON_IsObject(ex))
		ret = xseterr(err, -EINVAL, "kubeconfig %s: exec: expected a mapping", e->where);
	else if (!cmd || !*cmd)
		ret = xseterr(err, -EINVAL, "kubeconfig %s: exec: command must be set", e->where);
	else if (!version ||
		 (strcmp(version, KUBECONFIG_EXEC_V1) && strcmp(version, KUBECONFIG_EXEC_V1BETA1)))
		ret = xseterr(err, -EINVAL,
			      "kubeconfig %s: exec: apiVersion \"%.80s\": expected %s or %s",
			      e->where, version ? version : "", KUBECONFIG_EXEC_V1,
			      KUBECONFIG_EXEC_V1BETA1);
	else
		ret = check_interactive(e->where, ex, version, err);
	if (!ret)
		ret = exec_args(e->where, ex, e, err);
	if (!ret)
		ret = exec_env(e->where, ex, e, err);
	if (ret) {
		kubeconfig_exec_free(e);
		return ret;
	}
	e->api_version = xstrdup(version);
	e->command = strchr(cmd, '/') ? resolve(f, cmd) : xstrdup(cmd);
	if (hint && *hint)
		e->install_hint = xstrdup(hint);
	*out = e;
	return 0;
}

static int load_user(const struct kcfile *f, const char *uname, const cJSON *u, unsigned flags,
		     struct kubeconfig *kc, char **err)
{
	const char *token = str_of(u, "token"), *token_file = str_of(u, "tokenFile");
	int ret = check_user_supported(f, uname, u, flags, err);

	if (!ret)
		ret = get_blob(f, u, "client-certificate", "client-certificate-data", &kc->cert,
			       err);
	if (!ret)
		ret = get_blob(f, u, "client-key", "client-key-data", &kc->key, err);
	if (ret)
		return ret;
	if (!(kc->cert.file || kc->cert.data) != !(kc->key.file || kc->key.data))
		return xseterr(err, -EINVAL,
			       "kubeconfig %s: a client certificate needs a client "
			       "key and the other way round",
			       f->path);
	if (token && *token)
		kc->token = xstrdup(token);
	else if (token_file && *token_file) {
		kc->token_file = resolve(f, token_file);
		ret = check_readable("tokenFile", kc->token_file, err);
	}
	if (ret || !has(u, "exec"))
		return ret;
	ret = load_exec(f, uname, cJSON_GetObjectItemCaseSensitive(u, "exec"), &kc->exec, err);
	/* As client-go: a token or a client certificate given wins over the plugin. */
	if (!ret && (kc->token || kc->token_file || kc->cert.file || kc->cert.data)) {
		kubeconfig_exec_free(kc->exec);
		kc->exec = NULL;
	}
	return ret;
}

/* Standard base64 of n bytes at p, NUL-terminated; the caller frees it. */
static char *b64encode(const unsigned char *p, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		v |= i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0;
		v |= i + 2 < n ? p[i + 2] : 0;
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The CA bytes of kc as base64, or NULL when there are none. */
static int ca_b64(const struct kubeconfig *kc, char **out, char **err)
{
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	if (kc->ca.data) {
		*out = b64encode((const unsigned char *)kc->ca.data, kc->ca.len);
		return 0;
	}
	if (!kc->ca.file)
		return 0;
	ret = read_file(kc->ca.file, KUBECONFIG_MAX_FILE, &buf, &len);
	if (ret < 0)
		return xseterr(err, ret, "certificate-authority %s: %s", kc->ca.file,
			       strerror(-ret));
	*out = b64encode((const unsigned char *)buf, len);
	free(buf);
	return 0;
}

/*
 * With exec.provideClusterInfo, the request's spec.cluster: the server, its
 * CA, insecure-skip-tls-verify and the cluster's extension named
 * client.authentication.k8s.io/exec as "config" (client-go's Cluster).
 */
static int exec_cluster(const cJSON *cl, const cJSON *u, struct kubeconfig *kc, char **err)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(u, "exec"), *x;
	cJSON *c;
	char *ca;
	int ret;

	if (!kc->exec || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "provideClusterInfo")))
		return 0;
	ret = ca_b64(kc, &ca, err);
	if (ret)
		return ret;
	c = xnonnull(cJSON_CreateObject());
	cJSON_AddStringToObject(c, "server", kc->server);
	if (ca)
		cJSON_AddStringToObject(c, "certificate-authority-data", ca);
	if (kc->insecure)
		cJSON_AddTrueToObject(c, "insecure-skip-tls-verify");
	cJSON_ArrayForEach (x, cJSON_GetObjectItemCaseSensitive(cl, "extensions")) {
		const char *name = str_of(x, "name");

		if (name && !strcmp(name, "client.authentication.k8s.io/exec") &&
		    has(x, "extension"))
			cJSON_AddItemToObject(c, "config",
					      xnonnull(cJSON_Duplicate(
						      cJSON_GetObjectItemCaseSensitive(x,
										       "extension"),
						      1)));
	}
	kc->exec->cluster_json = xnonnull(cJSON_PrintUnformatted(c));
	cJSON_Delete(c);
	free(ca);
	return 0;
}

static int load_context(const struct kcfile *fs, size_t n, const char *context, unsigned flags,
			struct kubeconfig *kc, char **err)
{
	const struct kcfile *from = NULL, *cfrom = NULL, *ufrom = NULL;
	const cJSON *ctx, *cl, *u = NULL;
	const char *clname, *uname;
	int ret;

	ctx = find_named(fs, n, "contexts", "context", context, &from);
	if (!ctx)
		return xseterr(err, -ENOENT, "kubeconfig %s: context \"%s\" not found", fs[0].path,
			       context);
	clname = str_of(ctx, "cluster");
	uname = str_of(ctx, "user");
	cl = clname ? find_named(fs, n, "clusters", "cluster", clname, &cfrom) : NULL;
	if (!cl)
		return xseterr(err, -ENOENT,
			       "kubeconfig %s: context \"%s\": cluster \"%s\" not "
			       "found",
			       from->path, context, clname ? clname : "");
	if (uname && *uname) {
		u = find_named(fs, n, "users", "user", uname, &ufrom);
		if (!u)
			return xseterr(err, -ENOENT,
				       "kubeconfig %s: context \"%s\": user \"%s\" "
				       "not found",
				       from->path, context, uname);
	}
	ret = load_cluster(cfrom, cl, kc, err);
	if (!ret && u)
		ret = load_user(ufrom, uname, u, flags, kc, err);
	if (!ret && u)
		ret = exec_cluster(cl, u, kc, err);
	if (!ret)
		kc->origin = xasprintf("%s context %s", from->path, context);
	return ret;
}

static int load_files(char *const *paths, size_t npaths, const char *context, unsigned flags,
		      struct kubeconfig *kc, char **err)
{
	struct kcfile *fs = xcalloc(npaths ? npaths : 1, sizeof(*fs));
	size_t n = 0;
	int ret = 0;

	memset(kc, 0, sizeof(*kc));
	*err = NULL;
	for (size_t i = 0; i < npaths && !ret; i++) {
		ret = kcfile_load(&fs[n], paths[i], err);
		if (!ret)
			n++;
		else if (ret == -ENOENT)
			ret = 0;
	}
	if (!ret && n == 0)
		ret = xseterr(err, -ENOENT, "no kubeconfig file found (%s)",
			      npaths ? paths[0] : "none given");
	for (size_t i = 0; i < n && !ret && !context; i++) {
		context = str_of(fs[i].root, "current-context");
		if (context && !*context)
			context = NULL;
	}
	if (!ret && !context)
		ret = xseterr(err, -ENOENT, "kubeconfig %s: no current-context and no --context",
			      fs[0].path);
	if (!ret)
		ret = load_context(fs, n, context, flags, kc, err);
	for (size_t i = 0; i < n; i++)
		kcfile_fini(&fs[i]);
	free(fs);
	if (ret)
		kubeconfig_fini(kc);
	return ret;
}

/*
 * Load the configuration of context (NULL: the current context) from the
 * kubeconfig files paths, merged: the first file that defines a name wins.
 * Files that do not exist are skipped, but at least one must. A user with an
 * exec plugin is refused. Returns 0, or -errno with *err (owned by the caller)
 * saying what is wrong.
 */
int kubeconfig_load_files(char *const *paths, size_t npaths, const char *context,
			  struct kubeconfig *kc, char **err)
{
	return load_files(paths, npaths, context, 0, kc, err);
}

static int load_env_list(const char *list, const char *context, unsigned flags,
			 struct kubeconfig *kc, char **err)
{
	char *copy = xstrdup(list), *p = copy, **paths = NULL;
	size_t n = 0, cap = 0;
	int ret;

	for (char *tok = strsep(&p, ":"); tok; tok = strsep(&p, ":")) {
		if (!*tok)
			continue;
		XGROW(paths, cap, n);
		paths[n++] = tok;
	}
	ret = load_files(paths, n, context, flags, kc, err);
	free(paths);
	free(copy);
	return ret;
}

/*
 * Find and load the configuration as an agent should: the file path when
 * given (--kubeconfig), else the files in $KUBECONFIG, else the in-cluster
 * service account when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config.
 * context (--context) overrides the current context of kubeconfig files. A
 * user with an exec plugin is refused: the agent runs no other program.
 */
int kubeconfig_load(const char *path, const char *context, struct kubeconfig *kc, char **err)
{
	return kubeconfig_load_flags(path, context, 0, kc, err);
}

/*
 * kubeconfig_load() with flags: KUBECONFIG_EXEC_ALLOWED takes a user's exec
 * plugin into kc->exec (for the preview commands, which run it) instead of
 * refusing it. Returns 0, or -errno with *err (owned by the caller).
 */
int kubeconfig_load_flags(const char *path, const char *context, unsigned flags,
			  struct kubeconfig *kc, char **err)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	char *def;
	int ret;

	if (env && *env && !path)
		return load_env_list(env, context, flags, kc, err);
	if (getenv("KUBERNETES_SERVICE_HOST") && !path)
		return kubeconfig_in_cluster(NULL, kc, err);
	def = path ? xstrdup(path) : xasprintf("%s/.kube/config", home ? home : "");
	ret = load_files(&def, 1, context, flags, kc, err);
	free(def);
	return ret;
}
