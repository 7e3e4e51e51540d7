// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running exec credential plugins (see execcred.h). The plugin is started with
 * posix_spawn: stdin is /dev/null, stdout and stderr are pipes read together
 * with poll (so neither can fill up and stall the plugin), every other file
 * descriptor is closed, signals are reset, and it gets a process group of its
 * own so that a plugin that overstays its time is killed with its children.
 */
#include "agent/kube/execcred.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/now.h"
#include "base/xalloc.h"

extern char **environ;

struct execcred {
	struct kubeconfig_exec *e; /* owned */
	struct execcred_cred cred; /* the last credential the plugin gave */
	bool have;		   /* cred is set and not rejected */
	int64_t deadline_ms;	   /* CLOCK_MONOTONIC; cred is used until then */
	unsigned runs;		   /* times the plugin was run */
};

/* Free what c holds; it may be partly filled. */
void execcred_cred_fini(struct execcred_cred *c)
{
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	if (c->key)
		explicit_bzero(c->key, strlen(c->key));
	free(c->token);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

/*
 * The ExecCredential request of e, as KUBERNETES_EXEC_INFO carries it:
 * apiVersion, kind, spec.interactive false (stdin is never given) and, with
 * provideClusterInfo, spec.cluster. The caller frees it.
 */
char *execcred_request(const struct kubeconfig_exec *e)
{
	cJSON *req = xnonnull(cJSON_CreateObject()), *spec;
	char *out;

	cJSON_AddStringToObject(req, "kind", "ExecCredential");
	cJSON_AddStringToObject(req, "apiVersion", e->api_version);
	spec = xnonnull(cJSON_AddObjectToObject(req, "spec"));
	if (e->cluster_json)
		cJSON_AddItemToObject(spec, "cluster", xnonnull(cJSON_Parse(e->cluster_json)));
	cJSON_AddFalseToObject(spec, "interactive");
	out = xnonnull(cJSON_PrintUnformatted(req));
	cJSON_Delete(req);
	return out;
}

/* The number in the n digits at s (checked by the caller). */
static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The "Z" or "+HH:MM"/"-HH:MM" of an RFC 3339 time, in seconds east of UTC. */
static bool zone(const char *p, int *off)
{
	static const char layout[] = "+dd:dd";
	int sign = *p == '-' ? -1 : 1;

	*off = 0;
	if ((*p == 'Z' || *p == 'z') && !p[1])
		return true;
	if ((*p != '+' && *p != '-') || strlen(p) != sizeof(layout) - 1)
		return false;
	for (size_t i = 1; i < sizeof(layout) - 1; i++)
		if (layout[i] == 'd' ? p[i] < '0' || p[i] > '9' : p[i] != layout[i])
			return false;
	if (num(p + 1, 2) > 23 || num(p + 4, 2) > 59)
		return false;
	*off = sign * (num(p + 1, 2) * 3600 + num(p + 4, 2) * 60);
	return true;
}

/*
 * Parse an RFC 3339 time ("2026-12-03T15:04:05Z", fractions and offsets
 * allowed; the fraction is dropped) into seconds since the epoch. 0 or -EINVAL.
 */
int execcred_parse_time(const char *s, int64_t *t)
{
	static const char layout[] = "dddd-dd-ddTdd:dd:dd";
	const size_t n = sizeof(layout) - 1;
	struct tm tm = { 0 }, back;
	const char *p = s + n;
	time_t secs;
	int off;

	if (strlen(s) <= n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (layout[i] == 'd' ? s[i] < '0' || s[i] > '9'
				     : s[i] != layout[i] && !(layout[i] == 'T' && s[i] == 't'))
			return -EINVAL;
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	if (!zone(p, &off) || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -EINVAL;
	secs = timegm(&tm);
	/* timegm() rolls 31 February over into March (in tm too): refuse such dates */
	if (!gmtime_r(&secs, &back) || back.tm_mday != num(s + 8, 2) ||
	    back.tm_mon != num(s + 5, 2) - 1)
		return -EINVAL;
	*t = (int64_t)secs - off;
	return 0;
}

/*
 * Escape n bytes at p into o, which has room for 5 * n: control bytes as \xNN;
 * in a quoted string (!block) also quotes, backslashes, newlines and tabs; in
 * a block, a newline starts an indented line. Returns the end of the text.
 */
static char *escape(char *o, const char *p, size_t n, bool block)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (block && ch == '\n') {
			memcpy(o, "\n    ", 5);
			o += 5;
		} else if (block && ch == '\t') {
			*o++ = '\t';
		} else if (!block && (ch == '"' || ch == '\\' || ch == '\n' || ch == '\t')) {
			*o++ = '\\';
			*o++ = ch == '\n' ? 'n' : ch == '\t' ? 't' : (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else {
			*o++ = (char)ch;
		}
	}
	return o;
}

/*
 * p (len bytes, at most max of them shown) in double quotes, with quotes,
 * backslashes and control bytes escaped, "..." after it when cut: text a
 * plugin wrote, safe to print on one line. The caller frees it.
 */
char *execcred_quote(const char *p, size_t len, size_t max)
{
	size_t n = len < max ? len : max;
	char *out = xmalloc(5 * n + 6), *o = out;

	*o++ = '"';
	o = escape(o, p, n, false);
	*o++ = '"';
	if (n < len)
		for (int k = 0; k < 3; k++)
			*o++ = '.';
	*o = '\0';
	return out;
}

/* Member key of status as an owned string into *out (absent or null: NULL). */
static int status_str(const struct kubeconfig_exec *e, const cJSON *status, const char *key,
		      char **out, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(status, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return xseterr(err, -EINVAL, "exec plugin %s (%s): status.%s is not a string",
			       e->command, e->where, key);
	if (*v->valuestring)
		*out = xstrdup(v->valuestring);
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The credential of an ExecCredential's status into c. */
static int parse_status(const struct kubeconfig_exec *e, const cJSON *status,
			struct execcred_cred *c, char **err)
{
	char *exp = NULL, *q;
	int ret = status_str(e, status, "token", &c->token, err);

	if (!ret)
		ret = status_str(e, status, "clientCertificateData", &c->cert, err);
	if (!ret)
		ret = status_str(e, status, "clientKeyData", &c->key, err);
	if (!ret)
		ret = status_str(e, status, "expirationTimestamp", &exp, err);
	if (ret)
		return ret;
	if (c->token && has_control(c->token))
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): status.token holds a control character",
			      e->command, e->where);
	else if (!c->cert != !c->key)
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): status.clientCertificateData and "
			      "status.clientKeyData must be given together",
			      e->command, e->where);
	else if (!c->token && !c->cert)
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): its ExecCredential has neither status.token "
			      "nor status.clientCertificateData and clientKeyData",
			      e->command, e->where);
	else if (exp && execcred_parse_time(exp, &c->expiry) < 0) {
		q = execcred_quote(exp, strlen(exp), 64);
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): status.expirationTimestamp %s is not an RFC "
			      "3339 time",
			      e->command, e->where, q);
		free(q);
	}
	c->expires = exp != NULL;
	free(exp);
	return ret;
}

/*
 * Parse a plugin's stdout (len bytes at out) as the ExecCredential answering
 * e's request into c: its apiVersion must be e's. Nothing of out is quoted in
 * errors (it may hold a secret). Returns 0 or -EINVAL with *err set.
 */
int execcred_parse(const struct kubeconfig_exec *e, const char *out, size_t len,
		   struct execcred_cred *c, char **err)
{
	cJSON *root = cJSON_ParseWithLength(out, len);
	const char *kind, *version;
	char *q = NULL;
	int ret;

	memset(c, 0, sizeof(*c));
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "kind"));
	version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "apiVersion"));
	if (!cJSON_IsObject(root))
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): its output (%zu bytes) is not a JSON "
			      "ExecCredential",
			      e->command, e->where, len);
	else if (!kind || strcmp(kind, "ExecCredential"))
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): its output has kind %s, expected "
			      "ExecCredential",
			      e->command, e->where,
			      (q = execcred_quote(kind ? kind : "", kind ? strlen(kind) : 0, 64)));
	else if (!version || strcmp(version, e->api_version))
		ret = xseterr(err, -EINVAL,
			      "exec plugin %s (%s): it answered with apiVersion %s; the "
			      "kubeconfig asks for %s",
			      e->command, e->where,
			      (q = execcred_quote(version ? version : "",
						  version ? strlen(version) : 0, 64)),
			      e->api_version);
	else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "status")))
		ret = xseterr(err, -EINVAL, "exec plugin %s (%s): its ExecCredential has no status",
			      e->command, e->where);
	else
		ret = parse_status(e, cJSON_GetObjectItemCaseSensitive(root, "status"), c, err);
	free(q);
	cJSON_Delete(root);
	if (ret)
		execcred_cred_fini(c);
	return ret;
}

/* A running plugin. */
struct child {
	pid_t pid;
	int pidfd;	     /* readable once the plugin has exited; -1 if none */
	struct pollfd pf[3]; /* stdout and stderr (fd -1 once at their end), pidfd */
	struct buf out;	     /* stdout, at most EXECCRED_MAX_OUT bytes */
	struct buf err;	     /* the start of stderr, one byte more than is quoted */
};

static bool same_name(const char *var, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(var, name, len) && var[len] == '=';
}

/* Whether e (or the request) sets variable var ("NAME=value"), or a later entry does. */
static bool set_later(const struct kubeconfig_exec *e, size_t from, const char *var)
{
	if (same_name(var, "KUBERNETES_EXEC_INFO"))
		return true;
	for (size_t i = from; i < e->nenv; i++)
		if (same_name(var, e->env[i].name))
			return true;
	return false;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * The plugin's environment, as client-go makes it: ours, then e's entries, then
 * KUBERNETES_EXEC_INFO; of two variables of one name the later one is kept.
 */
static char **plugin_env(const struct kubeconfig_exec *e)
{
	char **env = NULL, *info = execcred_request(e);
	size_t n = 0, cap = 0;

	for (char **p = environ; p && *p; p++) {
		if (set_later(e, 0, *p))
			continue;
		XGROW(env, cap, n);
		env[n++] = xstrdup(*p);
	}
	for (size_t i = 0; i < e->nenv; i++) {
		char *var = xasprintf("%s=%s", e->env[i].name, e->env[i].value);

		if (set_later(e, i + 1, var)) {
			free(var);
			continue;
		}
		XGROW(env, cap, n);
		env[n++] = var;
	}
	XGROW(env, cap, n + 1);
	env[n++] = xasprintf("KUBERNETES_EXEC_INFO=%s", info);
	env[n] = NULL;
	free(info);
	return env;
}

/*
 * In the plugin: stdin /dev/null, stdout and stderr the write ends out and
 * errfd, nothing else open; signals as at boot; a process group of its own.
 */
static void spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int out, int errfd)
{
	sigset_t none, all;

	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(fa, out, 1);
	posix_spawn_file_actions_adddup2(fa, errfd, 2);
	/* the pipes are close-on-exec; whatever else is open (sockets) is closed too */
	posix_spawn_file_actions_addclosefrom_np(fa, 3);
	posix_spawnattr_init(at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(at, &none);
	posix_spawnattr_setsigdefault(at, &all);
	posix_spawnattr_setpgroup(at, 0);
	posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					     POSIX_SPAWN_SETPGROUP);
}

/*
 * The file to run for command into *out: itself when it has a slash, else the
 * first executable of that name in a directory of our PATH (as Go's exec
 * looks it up; an empty entry is the current directory). Returns 0, ENOENT or
 * EACCES. Checked here rather than left to posix_spawn(), whose failures some
 * spawn implementations only report as an exit status of 127.
 */
static int find_command(const char *command, char **out)
{
	const char *path = getenv("PATH"), *p, *end;

	*out = NULL;
	if (strchr(command, '/')) {
		if (access(command, X_OK))
			return errno == ENOENT || errno == ENOTDIR ? ENOENT : EACCES;
		*out = xstrdup(command);
		return 0;
	}
	if (!*command)
		return ENOENT;
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin";; p = end + 1) {
		char *file;

		end = strchrnul(p, ':');
		file = end > p ? xasprintf("%.*s/%s", (int)(end - p), p, command)
			       : xasprintf("./%s", command);
		if (!access(file, X_OK)) {
			*out = file;
			return 0;
		}
		free(file);
		if (!*end)
			return ENOENT;
	}
}

/* Start e's command into ch. 0 or -errno (-ENOENT: not found). */
static int spawn(const struct kubeconfig_exec *e, struct child *ch)
{
	char **argv = xcalloc(e->nargs + 2, sizeof(char *)), **envp = plugin_env(e);
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, ret = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;

	argv[0] = e->command;
	for (size_t i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
		ret = errno;
	spawn_setup(&fa, &at, po[1], pe[1]);
	if (!ret) {
		char *path;

		ret = find_command(e->command, &path);
		if (!ret)
			ret = posix_spawn(&ch->pid, path, &fa, &at, argv, envp);
		free(path);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	strv_free(envp);
	/* without a pidfd (a kernel before 5.3) the pipes' ends are awaited */
	ch->pidfd = ret ? -1 : pidfd_open(ch->pid, 0);
	for (int i = 0; i < 3; i++) {
		ch->pf[i].fd = i == 2 ? ch->pidfd : i ? pe[0] : po[0];
		ch->pf[i].events = POLLIN;
	}
	if (po[1] >= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	return -ret;
}

static void close_pipes(struct child *ch)
{
	for (int i = 0; i < 2; i++) {
		if (ch->pf[i].fd >= 0)
			close(ch->pf[i].fd);
		ch->pf[i].fd = -1;
	}
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	ch->pidfd = ch->pf[2].fd = -1;
}

/* Read what pipe i has; at its end, close it. -EMSGSIZE: stdout too large. */
static int drain(struct child *ch, int i)
{
	char chunk[4096];
	ssize_t r = read(ch->pf[i].fd, chunk, sizeof(chunk));
	size_t room = ch->err.max - ch->err.len;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		close(ch->pf[i].fd);
		ch->pf[i].fd = -1;
		return 0;
	}
	if (i == 0)
		return buf_add(&ch->out, chunk, (size_t)r);
	/* the rest of a long stderr is read and dropped */
	return buf_add(&ch->err, chunk, (size_t)r < room ? (size_t)r : room);
}

/*
 * Read stdout and stderr to their ends, or, once the plugin has exited, to
 * what it wrote: a process it left behind may hold the pipes open for long
 * (Go's WaitDelay idea). 0, -ETIMEDOUT, -EMSGSIZE or -errno.
 */
static int pump(struct child *ch, int64_t deadline)
{
	bool exited = false;

	while (ch->pf[0].fd >= 0 || ch->pf[1].fd >= 0) {
		int64_t left = deadline - now_ms();
		int ret;

		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(ch->pf, 3, exited ? 0 : left > 1000 ? 1000 : (int)left);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret == 0 && exited)
			return 0; /* the pipes hold nothing more that it wrote */
		if (ret > 0 && ch->pf[2].revents) {
			exited = true;
			ch->pf[2].fd = -1;
		}
		for (int i = 0; i < 2 && ret > 0; i++) {
			if (ch->pf[i].fd < 0 || !ch->pf[i].revents)
				continue;
			ret = drain(ch, i);
			if (ret < 0)
				return ret;
			ret = 1;
		}
	}
	return 0;
}

/*
 * Wait for the plugin to end; kill its process group at once when kill_now
 * (or when deadline passes). Returns true when it was killed.
 */
static bool reap(struct child *ch, int64_t deadline, bool kill_now, int *status)
{
	bool killed = false;
	pid_t r;

	for (;;) {
		if (!killed && (kill_now || now_ms() >= deadline)) {
			kill(-ch->pid, SIGKILL);
			kill(ch->pid, SIGKILL);
			killed = true;
		}
		r = waitpid(ch->pid, status, killed ? 0 : WNOHANG);
		if (r == ch->pid || (r < 0 && errno != EINTR))
			return killed;
		if (r == 0)
			poll(NULL, 0, 10);
	}
}

/* The installHint on lines of its own, indented, control bytes escaped. */
static char *hint_text(const char *hint)
{
	size_t len = strlen(hint);
	char *out, *o;

	while (len && strchr(" \t\r\n", hint[len - 1]))
		len--;
	if (len > 4096)
		len = 4096;
	out = xmalloc(5 * len + 32);
	o = out + snprintf(out, 32, "\n  install hint: ");
	*escape(o, hint, len, true) = '\0';
	return out;
}

/* The start of the plugin's stderr (errb, may be NULL), quoted; NULL when empty. */
static char *quote_stderr(const struct buf *errb)
{
	size_t len = errb ? errb->len : 0;

	/* trailing white space is dropped unless the text was cut */
	while (len && len <= EXECCRED_MAX_STDERR && strchr(" \t\r\n", errb->p[len - 1]))
		len--;
	return len ? execcred_quote(errb->p, len, EXECCRED_MAX_STDERR) : NULL;
}

static void child_fini(struct child *ch)
{
	close_pipes(ch);
	if (ch->out.p)
		explicit_bzero(ch->out.p, ch->out.len);
	buf_fini(&ch->out);
	buf_fini(&ch->err);
}

/*
 * *err: the plugin failed (what), with the start of its stderr (errb, may be
 * NULL) and the installHint.
 */
static int failed(const struct kubeconfig_exec *e, const struct buf *errb, const char *what,
		  char **err)
{
	char *q = quote_stderr(errb), *hint = e->install_hint ? hint_text(e->install_hint) : NULL;
	int ret = xseterr(err, -EIO, "exec plugin %s (%s): %s%s%s%s", e->command, e->where, what,
			  q ? "; its stderr: " : "", q ? q : "", hint ? hint : "");

	free(q);
	free(hint);
	return ret;
}

/* Why the plugin could not be started (errno code), as failed() says it. */
static int not_started(const struct kubeconfig_exec *e, int code, char **err)
{
	char *what;
	int ret;

	if (code == ENOENT && !strchr(e->command, '/'))
		what = xstrdup("command not found on PATH");
	else if (code == ENOENT)
		what = xstrdup("no such file");
	else
		what = xasprintf("cannot run it: %s", strerror(code));
	ret = failed(e, NULL, what, err);
	free(what);
	return ret;
}

/* How the plugin ended, for failed(); NULL when it exited with status 0. */
static char *how_it_ended(int ret, bool killed, int status, long timeout_ms)
{
	if (ret == -ETIMEDOUT || (killed && !ret))
		return xasprintf("it did not finish within %g s and was killed",
				 (double)timeout_ms / 1000);
	if (ret == -EMSGSIZE)
		return xasprintf("it wrote more than %u bytes on stdout", EXECCRED_MAX_OUT);
	if (ret)
		return xasprintf("reading its output: %s", strerror(-ret));
	if (WIFSIGNALED(status))
		return xasprintf("it was killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return xasprintf("it exited with status %d", WEXITSTATUS(status));
	return NULL;
}

/*
 * Run e's plugin once (killed after timeout_ms) and parse its credential into
 * c. *note receives a line with the plugin's stderr, quoted, when it wrote
 * some and succeeded (kubectl shows it), else NULL. Returns 0, or -EIO or
 * -EINVAL with *err saying what went wrong, the plugin's stderr and its
 * installHint included.
 */
int execcred_run(const struct kubeconfig_exec *e, long timeout_ms, struct execcred_cred *c,
		 char **note, char **err)
{
	struct child ch = { .pid = -1, .pidfd = -1 };
	int64_t deadline = now_ms() + timeout_ms;
	int ret, status = 0;
	bool killed;
	char *what;

	memset(c, 0, sizeof(*c));
	*note = NULL;
	buf_init(&ch.out, EXECCRED_MAX_OUT);
	buf_init(&ch.err, EXECCRED_MAX_STDERR + 1);
	ret = spawn(e, &ch);
	if (ret) {
		child_fini(&ch);
		return not_started(e, -ret, err);
	}
	ret = pump(&ch, deadline);
	close_pipes(&ch);
	killed = reap(&ch, deadline, ret < 0, &status);
	what = how_it_ended(ret, killed, status, timeout_ms);
	if (what)
		ret = failed(e, &ch.err, what, err);
	else
		ret = execcred_parse(e, ch.out.p ? ch.out.p : "", ch.out.len, c, err);
	free(what);
	what = ret ? NULL : quote_stderr(&ch.err);
	if (what)
		*note = xasprintf("exec plugin %s (%s) wrote on stderr: %s", e->command, e->where,
				  what);
	free(what);
	child_fini(&ch);
	return ret;
}

/* A plugin with its cache of one credential; e moves into it. */
struct execcred *execcred_new(struct kubeconfig_exec *e)
{
	struct execcred *x = xcalloc(1, sizeof(*x));

	x->e = e;
	return x;
}

void execcred_free(struct execcred *x)
{
	if (!x)
		return;
	execcred_cred_fini(&x->cred);
	kubeconfig_exec_free(x->e);
	free(x);
}

/*
 * The credential to use now (*c, owned by x, valid until the next call): the
 * cached one until its expirationTimestamp or until execcred_rejected(), else
 * a new one from running the plugin. *note: as with execcred_run(). Returns 0,
 * or a negative errno with *err set.
 */
int execcred_get(struct execcred *x, const struct execcred_cred **c, char **note, char **err)
{
	struct execcred_cred fresh;
	int64_t now = now_ms(), left;
	int ret;

	*note = NULL;
	if (x->have && now < x->deadline_ms) {
		*c = &x->cred;
		return 0;
	}
	x->runs++;
	ret = execcred_run(x->e, EXECCRED_TIMEOUT_MS, &fresh, note, err);
	if (ret)
		return ret;
	execcred_cred_fini(&x->cred);
	x->cred = fresh;
	x->have = true;
	x->deadline_ms = NOW_NEVER;
	if (fresh.expires) {
		/* the expiry is a wall-clock time; the deadline runs on the monotonic clock */
		left = fresh.expiry * 1000 - (int64_t)(now_wall() * 1000);
		x->deadline_ms = left > 0 ? now_ms() + left : now_ms();
	}
	*c = &x->cred;
	return 0;
}

/* The server refused the credential (401): the next execcred_get() runs the plugin. */
void execcred_rejected(struct execcred *x)
{
	x->have = false;
}

/* How many times the plugin was run. */
unsigned execcred_runs(const struct execcred *x)
{
	return x->runs;
}
