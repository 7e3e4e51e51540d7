/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1
 * ExecCredential), as kubectl runs them: the kubeconfig user's command with its
 * args and env, the request in KUBERNETES_EXEC_INFO, no stdin, the credential
 * read from its stdout and kept until its expirationTimestamp. This is the one
 * place where nftpol runs another program, and only for the preview commands
 * (agent/cli/live.c): the agent never loads an exec plugin (tests/security).
 */
#ifndef AGENT_KUBE_EXECCRED_H
#define AGENT_KUBE_EXECCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/kube/kubeconfig.h"

#define EXECCRED_TIMEOUT_MS 60000   /* a plugin is killed after this long */
#define EXECCRED_MAX_OUT (1u << 20) /* bytes of a plugin's stdout */
#define EXECCRED_MAX_STDERR 2048    /* bytes of its stderr quoted in messages */

/* What a plugin returned (ExecCredential status). */
struct execcred_cred {
	char *token;	/* owned; bearer token, or NULL */
	char *cert;	/* owned; client certificate (PEM), or NULL */
	char *key;	/* owned; its key (PEM); set exactly when cert is */
	bool expires;	/* expirationTimestamp was given */
	int64_t expiry; /* then: seconds since the epoch */
};

struct execcred;

void execcred_cred_fini(struct execcred_cred *c);
char *execcred_request(const struct kubeconfig_exec *e);
int execcred_parse_time(const char *s, int64_t *t);
int execcred_parse(const struct kubeconfig_exec *e, const char *out, size_t len,
		   struct execcred_cred *c, char **err);
char *execcred_quote(const char *p, size_t len, size_t max);
int execcred_run(const struct kubeconfig_exec *e, long timeout_ms, struct execcred_cred *c,
		 char **note, char **err);

struct execcred *execcred_new(struct kubeconfig_exec *e);
void execcred_free(struct execcred *x);
int execcred_get(struct execcred *x, const struct execcred_cred **c, char **note, char **err);
void execcred_rejected(struct execcred *x);
unsigned execcred_runs(const struct execcred *x);

#endif
