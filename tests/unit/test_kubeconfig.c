// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: kubeconfig files (paths and inline data, relative paths, merged
 * KUBECONFIG lists, contexts, unsupported fields) and the in-cluster
 * configuration. Files live in a fresh temporary directory.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/kube/kubeconfig.h"
#include "tmpdir.h"

static char dir[64];

static void setup(void)
{
	tmpdir_make(dir, "nftpol-kc");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

/* Write text to dir/name; return the path (see tmpdir_put). */
static const char *put(const char *name, const char *text)
{
	return tmpdir_put(dir, name, text, 0644);
}

static int load(const char *path, const char *context, struct kubeconfig *kc, char **err)
{
	char *p = strdup(path);
	int ret = kubeconfig_load_files(&p, 1, context, kc, err);

	free(p);
	return ret;
}

/* base64 of "PEM-CA\n" */
#define CA_B64 "UEVNLUNBCg=="

static const char *const basic = "apiVersion: v1\n"
				 "kind: Config\n"
				 "current-context: dev\n"
				 "clusters:\n"
				 "- name: c1\n"
				 "  cluster:\n"
				 "    server: https://127.0.0.1:6443/\n"
				 "    certificate-authority-data: " CA_B64 "\n"
				 "- name: c2\n"
				 "  cluster:\n"
				 "    server: https://[fd00::1]:443\n"
				 "    certificate-authority: certs/ca.pem\n"
				 "users:\n"
				 "- name: u1\n"
				 "  user:\n"
				 "    token: secret-token\n"
				 "- name: u2\n"
				 "  user:\n"
				 "    client-certificate: certs/client.pem\n"
				 "    client-key-data: " CA_B64 "\n"
				 "contexts:\n"
				 "- name: dev\n"
				 "  context: {cluster: c1, user: u1}\n"
				 "- name: prod\n"
				 "  context: {cluster: c2, user: u2, namespace: kube-system}\n";

START_TEST(inline_data_and_token)
{
	struct kubeconfig kc;
	char *err = NULL;

	ck_assert_int_eq(load(put("config", basic), NULL, &kc, &err), 0);
	ck_assert_str_eq(kc.server, "https://127.0.0.1:6443");
	ck_assert_ptr_null(kc.ca.file);
	ck_assert_uint_eq(kc.ca.len, 7);
	ck_assert_str_eq(kc.ca.data, "PEM-CA\n");
	ck_assert_str_eq(kc.token, "secret-token");
	ck_assert_ptr_null(kc.token_file);
	ck_assert(!kc.insecure);
	ck_assert_ptr_nonnull(strstr(kc.origin, "context dev"));
	kubeconfig_fini(&kc);
}
END_TEST

START_TEST(relative_paths_and_context)
{
	struct kubeconfig kc;
	char *err = NULL, sub[128];
	const char *path = put("config", basic);

	snprintf(sub, sizeof(sub), "%s/certs", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	put("certs/ca.pem", "CA");
	put("certs/client.pem", "CERT");
	ck_assert_int_eq(load(path, "prod", &kc, &err), 0);
	ck_assert_str_eq(kc.server, "https://[fd00::1]:443");
	snprintf(sub, sizeof(sub), "%s/certs/ca.pem", dir);
	ck_assert_str_eq(kc.ca.file, sub);
	snprintf(sub, sizeof(sub), "%s/certs/client.pem", dir);
	ck_assert_str_eq(kc.cert.file, sub);
	ck_assert_str_eq(kc.key.data, "PEM-CA\n");
	ck_assert_ptr_null(kc.token);
	kubeconfig_fini(&kc);
}
END_TEST

START_TEST(missing_file_referenced)
{
	struct kubeconfig kc;
	char *err = NULL;

	ck_assert_int_eq(load(put("config", basic), "prod", &kc, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "certificate-authority"));
	ck_assert_ptr_nonnull(strstr(err, "certs/ca.pem"));
	free(err);
}
END_TEST

static void expect_error(const char *text, const char *context, int code, const char *words)
{
	struct kubeconfig kc;
	char *err = NULL;

	ck_assert_int_eq(load(put("bad", text), context, &kc, &err), code);
	ck_assert_ptr_nonnull(err);
	if (!strstr(err, words))
		ck_abort_msg("error \"%s\" does not mention \"%s\"", err, words);
	free(err);
}

START_TEST(errors)
{
	expect_error(basic, "nope", -ENOENT, "context \"nope\" not found");
	expect_error("clusters: []\ncontexts: []\n", NULL, -ENOENT, "no current-context");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n", NULL,
		     -ENOENT, "cluster \"c\" not found");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		     "clusters:\n- name: c\n  cluster: {server: 'https://a'}\n"
		     "users:\n- name: u\n  user:\n    exec: {command: aws}\n",
		     NULL, -ENOTSUP, "runs an exec credential plugin, and the agent runs no");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		     "clusters:\n- name: c\n  cluster: {server: 'https://a'}\n"
		     "users:\n- name: u\n  user:\n    auth-provider: {name: gcp}\n",
		     NULL, -ENOTSUP, "auth-provider");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
		     "clusters:\n- name: c\n  cluster: {server: 'https://a', "
		     "certificate-authority-data: '!!!'}\n",
		     NULL, -EINVAL, "not valid base64");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
		     "clusters:\n- name: c\n  cluster: {server: 'ftp://a'}\n",
		     NULL, -EINVAL, "only https://");
	expect_error("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
		     "clusters:\n- name: c\n  cluster: {}\n",
		     NULL, -EINVAL, "has no server");
	expect_error("a: [1,\n", NULL, -EINVAL, "kubeconfig");
}
END_TEST

START_TEST(merged_list_first_wins)
{
	const char *a = "current-context: ctx\n"
			"contexts:\n- name: ctx\n  context: {cluster: c, user: u}\n"
			"users:\n- name: u\n  user: {tokenFile: tok}\n";
	const char *b = "current-context: other\n"
			"clusters:\n- name: c\n  cluster:\n    server: http://10.0.0.1:8080\n"
			"    insecure-skip-tls-verify: true\n"
			"users:\n- name: u\n  user: {token: loser}\n";
	char *paths[3], *err = NULL, tokpath[128];
	struct kubeconfig kc;

	paths[0] = strdup(put("a", a));
	paths[1] = strdup("/nonexistent/kubeconfig");
	paths[2] = strdup(put("b", b));
	put("tok", "  file-token\n");
	ck_assert_int_eq(kubeconfig_load_files(paths, 3, NULL, &kc, &err), 0);
	ck_assert_str_eq(kc.server, "http://10.0.0.1:8080");
	ck_assert(kc.insecure);
	snprintf(tokpath, sizeof(tokpath), "%s/tok", dir);
	ck_assert_str_eq(kc.token_file, tokpath);
	ck_assert_ptr_null(kc.token);
	kubeconfig_fini(&kc);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
}
END_TEST

START_TEST(json_kubeconfig)
{
	struct kubeconfig kc;
	char *err = NULL;

	ck_assert_int_eq(load(put("config.json",
				  "{\"current-context\":\"j\",\"contexts\":[{\"name\":\"j\","
				  "\"context\":{\"cluster\":\"c\"}}],\"clusters\":[{\"name\":\"c\","
				  "\"cluster\":{\"server\":\"https://h:1\"}}]}"),
			      NULL, &kc, &err),
			 0);
	ck_assert_str_eq(kc.server, "https://h:1");
	ck_assert_ptr_null(kc.token);
	kubeconfig_fini(&kc);
}
END_TEST

START_TEST(in_cluster)
{
	struct kubeconfig kc;
	char *err = NULL, *tok = NULL, want[128];

	put("token", "\n sa-token \n");
	put("ca.crt", "CA");
	setenv("KUBERNETES_SERVICE_HOST", "fd00:96::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(kubeconfig_in_cluster(dir, &kc, &err), 0);
	ck_assert_str_eq(kc.server, "https://[fd00:96::1]:443");
	snprintf(want, sizeof(want), "%s/ca.crt", dir);
	ck_assert_str_eq(kc.ca.file, want);
	ck_assert_int_eq(kubeconfig_read_token(kc.token_file, &tok, &err), 0);
	ck_assert_str_eq(tok, "sa-token");
	free(tok);
	kubeconfig_fini(&kc);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	ck_assert_int_eq(kubeconfig_in_cluster(dir, &kc, &err), 0);
	ck_assert_str_eq(kc.server, "https://10.96.0.1:443");
	kubeconfig_fini(&kc);

	put("token", "   \n");
	ck_assert_int_eq(kubeconfig_in_cluster(dir, &kc, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	free(err);
	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(kubeconfig_in_cluster(dir, &kc, &err), -ENOENT);
	free(err);
}
END_TEST

START_TEST(base64)
{
	char *out;
	size_t len;

	ck_assert_int_eq(kubeconfig_b64decode("aGVsbG8=", &out, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(out, "hello");
	free(out);
	ck_assert_int_eq(kubeconfig_b64decode("aGVs\nbG8", &out, &len), 0);
	ck_assert_str_eq(out, "hello");
	free(out);
	ck_assert_int_eq(kubeconfig_b64decode("", &out, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(out);
	ck_assert_int_eq(kubeconfig_b64decode("aGV*", &out, &len), -EINVAL);
	ck_assert_int_eq(kubeconfig_b64decode("a", &out, &len), -EINVAL);
	ck_assert_int_eq(kubeconfig_b64decode("aG=V", &out, &len), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kubeconfig");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inline_data_and_token);
	tcase_add_test(tc, relative_paths_and_context);
	tcase_add_test(tc, missing_file_referenced);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, merged_list_first_wins);
	tcase_add_test(tc, json_kubeconfig);
	tcase_add_test(tc, in_cluster);
	tcase_add_test(tc, base64);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
