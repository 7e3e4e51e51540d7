// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: exec credential plugins. The kubeconfig's exec section (refused
 * without KUBECONFIG_EXEC_ALLOWED), the ExecCredential request and answer,
 * RFC 3339 times, and plugins run for real: small /bin/sh scripts written to
 * a fresh temporary directory (args, env, stdin, failures, timeouts, a
 * process left behind holding stdout, the credential cache).
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/kube/execcred.h"
#include "agent/kube/kubeconfig.h"
#include "base/now.h"
#include "tmpdir.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

static char dir[64];

static void setup(void)
{
	tmpdir_make(dir, "nftpol-ec");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

/* Write text to dir/name with mode; return the path (see tmpdir_put). */
static const char *put(const char *name, const char *text, mode_t mode)
{
	return tmpdir_put(dir, name, text, mode);
}

static void expect_in(const char *text, const char *words)
{
	ck_assert_ptr_nonnull(text);
	if (!strstr(text, words))
		ck_abort_msg("\"%s\" does not mention \"%s\"", text, words);
}

/* ---------------------------------------------------------------- kubeconfig */

#define KC_HEAD                                                                                    \
	"current-context: x\n"                                                                     \
	"contexts:\n- name: x\n  context: {cluster: c, user: u}\n"                                 \
	"clusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n"                    \
	"    certificate-authority-data: UEVNLUNBCg==\n"                                           \
	"    extensions:\n    - name: client.authentication.k8s.io/exec\n"                         \
	"      extension: {audience: a1}\n"                                                        \
	"users:\n- name: u\n  user:\n"

static int load_exec(const char *user, struct kubeconfig *kc, char **err)
{
	char *text;
	int ret;

	ck_assert_int_ge(asprintf(&text, "%s%s", KC_HEAD, user), 0);
	ret = kubeconfig_load_flags(put("config", text, 0600), NULL, KUBECONFIG_EXEC_ALLOWED, kc,
				    err);
	free(text);
	return ret;
}

START_TEST(kubeconfig_exec)
{
	struct kubeconfig kc;
	char *err = NULL, want[128];

	ck_assert_int_eq(load_exec("    exec:\n"
				   "      apiVersion: client.authentication.k8s.io/v1\n"
				   "      command: bin/plugin\n"
				   "      args: [get-token, --cluster, 'a b']\n"
				   "      env: [{name: A, value: '1'}, {name: B}]\n"
				   "      interactiveMode: IfAvailable\n"
				   "      installHint: install it\n"
				   "      provideClusterInfo: true\n",
				   &kc, &err),
			 0);
	ck_assert_ptr_nonnull(kc.exec);
	snprintf(want, sizeof(want), "%s/bin/plugin", dir);
	ck_assert_str_eq(kc.exec->command, want);
	ck_assert_uint_eq(kc.exec->nargs, 3);
	ck_assert_str_eq(kc.exec->args[2], "a b");
	ck_assert_uint_eq(kc.exec->nenv, 2);
	ck_assert_str_eq(kc.exec->env[0].name, "A");
	ck_assert_str_eq(kc.exec->env[0].value, "1");
	ck_assert_str_eq(kc.exec->env[1].value, "");
	ck_assert_str_eq(kc.exec->install_hint, "install it");
	ck_assert_str_eq(kc.exec->cluster_json,
			 "{\"server\":\"https://10.0.0.1:6443\",\"certificate-authority-data\":"
			 "\"UEVNLUNBCg==\",\"config\":{\"audience\":\"a1\"}}");
	ck_assert_ptr_null(kc.token);
	kubeconfig_fini(&kc);

	/* v1beta1 may leave interactiveMode out; a bare command stays a name */
	ck_assert_int_eq(load_exec("    exec: {apiVersion: client.authentication.k8s.io/v1beta1, "
				   "command: aws}\n",
				   &kc, &err),
			 0);
	ck_assert_str_eq(kc.exec->command, "aws");
	ck_assert_ptr_null(kc.exec->cluster_json);
	ck_assert_uint_eq(kc.exec->nargs, 0);
	kubeconfig_fini(&kc);

	/* a token given wins over the plugin, as with client-go */
	ck_assert_int_eq(load_exec("    token: t\n    exec: {apiVersion: "
				   "client.authentication.k8s.io/v1beta1, command: aws}\n",
				   &kc, &err),
			 0);
	ck_assert_ptr_null(kc.exec);
	ck_assert_str_eq(kc.token, "t");
	kubeconfig_fini(&kc);
}
END_TEST

static void exec_error(const char *user, const char *words)
{
	struct kubeconfig kc;
	char *err = NULL;

	ck_assert_int_lt(load_exec(user, &kc, &err), 0);
	expect_in(err, words);
	free(err);
}

START_TEST(kubeconfig_exec_errors)
{
	struct kubeconfig kc;
	char *text, *err = NULL;

	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}\n",
		   "interactiveMode must be set");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, "
		   "interactiveMode: Always}\n",
		   "interactiveMode Always needs a terminal");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, "
		   "interactiveMode: Sometimes}\n",
		   "expected Never, IfAvailable or Always");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}\n",
		   "expected client.authentication.k8s.io/v1 or");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1beta1}\n",
		   "command must be set");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, "
		   "args: [x, {a: b}]}\n",
		   "exec.args[1]: expected a string");
	exec_error("    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, "
		   "env: [{value: x}]}\n",
		   "exec.env[0]: expected a name");
	exec_error("    exec: [aws]\n", "exec: expected a mapping");

	/* without KUBECONFIG_EXEC_ALLOWED (the agent): refused, saying why */
	ck_assert_int_ge(asprintf(&text, "%s%s", KC_HEAD,
				  "    exec: {apiVersion: client.authentication.k8s.io/v1beta1, "
				  "command: aws}\n"),
			 0);
	ck_assert_int_eq(kubeconfig_load(put("config", text, 0600), NULL, &kc, &err), -ENOTSUP);
	expect_in(err, "user \"u\" runs an exec credential plugin, and the agent runs no other "
		       "program");
	free(err);
	free(text);
}
END_TEST

/* ------------------------------------------------------- request and answer */

static struct kubeconfig_exec *exec_new(const char *command)
{
	struct kubeconfig_exec *e = calloc(1, sizeof(*e));

	e->api_version = strdup(KUBECONFIG_EXEC_V1);
	e->command = strdup(command);
	e->where = strdup("config user \"u\"");
	return e;
}

START_TEST(request)
{
	struct kubeconfig_exec *e = exec_new("p");
	char *r = execcred_request(e);

	ck_assert_str_eq(r,
			 "{\"kind\":\"ExecCredential\",\"apiVersion\":"
			 "\"client.authentication.k8s.io/v1\",\"spec\":{\"interactive\":false}}");
	free(r);
	e->cluster_json = strdup("{\"server\":\"https://h\"}");
	r = execcred_request(e);
	ck_assert_str_eq(r, "{\"kind\":\"ExecCredential\",\"apiVersion\":"
			    "\"client.authentication.k8s.io/v1\",\"spec\":{\"cluster\":{\"server\":"
			    "\"https://h\"},\"interactive\":false}}");
	free(r);
	kubeconfig_exec_free(e);
}
END_TEST

START_TEST(times)
{
	int64_t t;

	ck_assert_int_eq(execcred_parse_time("2026-12-03T15:04:05Z", &t), 0);
	ck_assert_int_eq(t, 1796310245);
	ck_assert_int_eq(execcred_parse_time("2026-12-03t15:04:05.123456z", &t), 0);
	ck_assert_int_eq(t, 1796310245);
	ck_assert_int_eq(execcred_parse_time("2026-12-03T16:04:05.5+01:00", &t), 0);
	ck_assert_int_eq(t, 1796310245);
	ck_assert_int_eq(execcred_parse_time("2026-12-03T14:34:05-00:30", &t), 0);
	ck_assert_int_eq(t, 1796310245);
	ck_assert_int_eq(execcred_parse_time("2024-02-29T23:59:59Z", &t), 0);
	ck_assert_int_eq(t, 1709251199);
	static const char *const bad[] = {
		"",
		"2026-12-03T15:04:05",
		"2026-12-03 15:04:05Z",
		"2026-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-12-03T24:00:00Z",
		"2026-12-03T15:60:00Z",
		"2026-12-03T15:04:60Z",
		"2026-12-03T15:04:05.Z",
		"2026-12-03T15:04:05+1:00",
		"2026-12-03T15:04:05+01:00x",
		"2026-12-03T15:04:05Zjunk",
		"26-12-03T15:04:05Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (execcred_parse_time(bad[i], &t) != -EINVAL)
			ck_abort_msg("\"%s\" taken as a time", bad[i]);
}
END_TEST

static int parse(const struct kubeconfig_exec *e, const char *out, struct execcred_cred *c,
		 char **err)
{
	*err = NULL;
	return execcred_parse(e, out, strlen(out), c, err);
}

START_TEST(answers)
{
	struct kubeconfig_exec *e = exec_new("p");
	struct execcred_cred c;
	char *err;

	ck_assert_int_eq(parse(e,
			       "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
			       "\"ExecCredential\",\"status\":{\"token\":\"tok\","
			       "\"expirationTimestamp\":\"2026-12-03T15:04:05Z\"}}",
			       &c, &err),
			 0);
	ck_assert_str_eq(c.token, "tok");
	ck_assert(c.expires);
	ck_assert_int_eq(c.expiry, 1796310245);
	ck_assert_ptr_null(c.cert);
	execcred_cred_fini(&c);

	ck_assert_int_eq(parse(e,
			       "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
			       "\"ExecCredential\",\"status\":{\"clientCertificateData\":\"C\","
			       "\"clientKeyData\":\"K\",\"expirationTimestamp\":null}}",
			       &c, &err),
			 0);
	ck_assert_str_eq(c.cert, "C");
	ck_assert_str_eq(c.key, "K");
	ck_assert_ptr_null(c.token);
	ck_assert(!c.expires);
	execcred_cred_fini(&c);
	kubeconfig_exec_free(e);
}
END_TEST

static void bad_answer(const char *out, const char *words)
{
	struct kubeconfig_exec *e = exec_new("p");
	struct execcred_cred c;
	char *err;

	ck_assert_int_eq(parse(e, out, &c, &err), -EINVAL);
	expect_in(err, words);
	/* a secret in the answer is never quoted */
	ck_assert_ptr_null(strstr(err, "s3cret"));
	ck_assert_ptr_null(c.token);
	free(err);
	kubeconfig_exec_free(e);
}

#define ANSWER(status)                                                                             \
	"{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","         \
	"\"status\":" status "}"

START_TEST(bad_answers)
{
	bad_answer("token: s3cret", "its output (13 bytes) is not a JSON ExecCredential");
	bad_answer("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"Secret\","
		   "\"status\":{\"token\":\"s3cret\"}}",
		   "kind \"Secret\", expected ExecCredential");
	bad_answer("{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
		   "\"ExecCredential\",\"status\":{\"token\":\"s3cret\"}}",
		   "apiVersion \"client.authentication.k8s.io/v1beta1\"; the kubeconfig asks for "
		   "client.authentication.k8s.io/v1");
	bad_answer("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
		   "\"ExecCredential\"}",
		   "has no status");
	bad_answer(ANSWER("{}"), "neither status.token nor");
	bad_answer(ANSWER("{\"token\":\"\"}"), "neither status.token nor");
	bad_answer(ANSWER("{\"clientCertificateData\":\"C\"}"), "must be given together");
	bad_answer(ANSWER("{\"token\":42}"), "status.token is not a string");
	bad_answer(ANSWER("{\"token\":\"s3cret\\r\\nX-Evil: 1\"}"),
		   "status.token holds a control character");
	bad_answer(ANSWER("{\"token\":\"s3cret\",\"expirationTimestamp\":\"tomorrow\\u001b\"}"),
		   "status.expirationTimestamp \"tomorrow\\x1b\" is not an RFC 3339 time");
}
END_TEST

START_TEST(quote)
{
	char *q = execcred_quote("a\"b\\c\nd\te\x1b[0m\x7f\xc3\xa9", 16, 100);

	ck_assert_str_eq(q, "\"a\\\"b\\\\c\\nd\\te\\x1b[0m\\x7f\xc3\xa9\"");
	free(q);
	q = execcred_quote("abcdef", 6, 3);
	ck_assert_str_eq(q, "\"abc\"...");
	free(q);
}
END_TEST

/* ------------------------------------------------------------------- running */

#define OK_ANSWER(token)                                                                           \
	"printf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1\","                        \
	"\"kind\":\"ExecCredential\",\"status\":{\"token\":\"'\"" token "\"'\"}}'\n"

/* A plugin: a shell script with body, run as dir/name. */
static struct kubeconfig_exec *plugin(const char *name, const char *body)
{
	char *text;
	struct kubeconfig_exec *e;

	ck_assert_int_ge(asprintf(&text, "#!/bin/sh\n%s", body), 0);
	e = exec_new(put(name, text, 0700));
	free(text);
	return e;
}

START_TEST(run_args_env_stdin)
{
	struct kubeconfig_exec *e =
		plugin("p", "read -r line && exit 9\n"
			    "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; "
			    "*) exit 8;; esac\n" OK_ANSWER("$1|$2|$A|$B|$KEEP"));
	struct execcred_cred c;
	char *note, *err = NULL;

	e->args = calloc(3, sizeof(char *));
	e->args[e->nargs++] = strdup("x y");
	e->args[e->nargs++] = strdup("");
	e->env = calloc(3, sizeof(*e->env));
	e->env[0] = (struct kubeconfig_env){ strdup("A"), strdup("first") };
	e->env[1] = (struct kubeconfig_env){ strdup("B"), strdup("b=1") };
	e->env[2] = (struct kubeconfig_env){ strdup("A"), strdup("later") };
	e->nenv = 3;
	setenv("B", "from-us", 1);
	setenv("KEEP", "kept", 1);
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), 0);
	/* stdin is empty (read fails), later env entries win, ours are kept */
	ck_assert_str_eq(c.token, "x y||later|b=1|kept");
	ck_assert_ptr_null(note);
	execcred_cred_fini(&c);
	unsetenv("B");
	unsetenv("KEEP");
	kubeconfig_exec_free(e);
}
END_TEST

START_TEST(run_failures)
{
	struct kubeconfig_exec *e = plugin("p", "echo 'no credentials: \033[1mlogin' >&2\n"
						"echo 'second line' >&2\nexit 4\n");
	struct execcred_cred c;
	char *note, *err = NULL;

	e->install_hint = strdup("Run:\n  login --now\n");
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), -EIO);
	expect_in(err, "exec plugin ");
	expect_in(err, "(config user \"u\"): it exited with status 4; its stderr: \"no "
		       "credentials: \\x1b[1mlogin\\nsecond line\"\n  install hint: Run:\n      "
		       "login --now");
	free(err);
	kubeconfig_exec_free(e);

	e = exec_new("nftpol-no-such-plugin");
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), -EIO);
	expect_in(err, "exec plugin nftpol-no-such-plugin (config user \"u\"): command not found "
		       "on PATH");
	free(err);
	kubeconfig_exec_free(e);

	e = plugin("p", "kill -TERM $$\n");
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), -EIO);
	expect_in(err, "killed by signal 15");
	free(err);
	kubeconfig_exec_free(e);

	e = plugin("p", "echo warning: slow >&2\necho '{\"kind\":\"ExecCredential\"' \n");
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), -EINVAL);
	expect_in(err, "is not a JSON ExecCredential");
	ck_assert_ptr_null(note);
	free(err);
	kubeconfig_exec_free(e);

	e = exec_new(put("not-executable", "#!/bin/sh\n", 0600));
	ck_assert_int_eq(execcred_run(e, 5000, &c, &note, &err), -EIO);
	expect_in(err, "cannot run it: Permission denied");
	free(err);
	kubeconfig_exec_free(e);
}
END_TEST

START_TEST(run_bounds)
{
	/* 3 MB of stderr while answering: read along, so the plugin never stalls */
	struct kubeconfig_exec *e =
		plugin("p", "head -c 3000000 /dev/zero | tr '\\0' e >&2\n" OK_ANSWER("t"));
	struct execcred_cred c;
	char *note, *err = NULL;
	int64_t t0 = now_ms();

	ck_assert_int_eq(execcred_run(e, 20000, &c, &note, &err), 0);
	ck_assert_str_eq(c.token, "t");
	expect_in(note, "wrote on stderr: \"eeee");
	ck_assert_uint_lt(strlen(note), EXECCRED_MAX_STDERR + 200);
	execcred_cred_fini(&c);
	free(note);
	kubeconfig_exec_free(e);

	e = plugin("p", "head -c 2000000 /dev/zero\n");
	ck_assert_int_eq(execcred_run(e, 20000, &c, &note, &err), -EIO);
	expect_in(err, "wrote more than 1048576 bytes on stdout");
	free(err);
	kubeconfig_exec_free(e);

	/* too slow: killed (with what it started) at the deadline */
	t0 = now_ms();
	e = plugin("p", "sleep 30 &\nsleep 30\n");
	ck_assert_int_eq(execcred_run(e, 300, &c, &note, &err), -EIO);
	expect_in(err, "it did not finish within 0.3 s and was killed");
	ck_assert_int_lt(now_ms() - t0, 3000);
	free(err);
	kubeconfig_exec_free(e);

	/*
	 * a process it leaves behind holding stdout does not hold us (the plugin's
	 * exit is seen through a pidfd, which valgrind does not emulate: without
	 * one the pipes' ends are awaited, so not under valgrind)
	 */
	t0 = now_ms();
	e = plugin("p", OK_ANSWER("t") "sleep 3 &\n");
	ck_assert_int_eq(execcred_run(e, 20000, &c, &note, &err), 0);
	ck_assert_str_eq(c.token, "t");
	if (!RUNNING_ON_VALGRIND)
		ck_assert_int_lt(now_ms() - t0, 2000);
	execcred_cred_fini(&c);
	kubeconfig_exec_free(e);
}
END_TEST

START_TEST(cache)
{
	char *body, *note, *err = NULL, past[32], future[32];
	time_t now = time(NULL), later = now + 3600, earlier = now - 10;
	const struct execcred_cred *c;
	struct execcred *x;

	strftime(past, sizeof(past), "%Y-%m-%dT%H:%M:%SZ", gmtime(&earlier));
	strftime(future, sizeof(future), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	/* the token counts the runs; the expiry comes from the file "exp" */
	ck_assert_int_ge(asprintf(&body,
				  "echo x >>%s/runs\nn=$(wc -l <%s/runs)\n"
				  "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
				  "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t%%s\","
				  "\"expirationTimestamp\":\"%%s\"}}' $n $(cat %s/exp)\n",
				  dir, dir, dir),
			 0);
	x = execcred_new(plugin("p", body));
	free(body);
	put("exp", future, 0600);
	ck_assert_int_eq(execcred_get(x, &c, &note, &err), 0);
	ck_assert_str_eq(c->token, "t1");
	ck_assert_int_eq(execcred_get(x, &c, &note, &err), 0);
	ck_assert_str_eq(c->token, "t1"); /* kept until it expires */
	execcred_rejected(x);		  /* a 401 */
	ck_assert_int_eq(execcred_get(x, &c, &note, &err), 0);
	ck_assert_str_eq(c->token, "t2");
	put("exp", past, 0600);
	execcred_rejected(x);
	ck_assert_int_eq(execcred_get(x, &c, &note, &err), 0);
	ck_assert_str_eq(c->token, "t3"); /* used once though already expired */
	ck_assert_int_eq(execcred_get(x, &c, &note, &err), 0);
	ck_assert_str_eq(c->token, "t4");
	ck_assert_uint_eq(execcred_runs(x), 4);
	execcred_free(x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("execcred");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kubeconfig_exec);
	tcase_add_test(tc, kubeconfig_exec_errors);
	tcase_add_test(tc, request);
	tcase_add_test(tc, times);
	tcase_add_test(tc, answers);
	tcase_add_test(tc, bad_answers);
	tcase_add_test(tc, quote);
	tcase_add_test(tc, run_args_env_stdin);
	tcase_add_test(tc, run_failures);
	tcase_add_test(tc, run_bounds);
	tcase_add_test(tc, cache);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
