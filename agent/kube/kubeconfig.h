/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the API server is and how to talk to it: the in-cluster service account
 * or a kubeconfig file (the subset an agent needs: server, CA, bearer token or
 * token file, client certificate and key, each as a file or inline base64 data).
 * Auth providers, basic auth, proxies and tls-server-name are refused with a
 * clear error. Exec credential plugins (users[].user.exec) are read only when
 * the caller passes KUBECONFIG_EXEC_ALLOWED, which only the preview commands
 * do (agent/kube/execcred.c runs them); the agent runs no other program and
 * refuses such a user.
 */
#ifndef AGENT_KUBE_KUBECONFIG_H
#define AGENT_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX_FILE (1u << 20) /* bytes of a kubeconfig file */

/* Flags of kubeconfig_load_flags(). */
#define KUBECONFIG_EXEC_ALLOWED 0x1u /* take users[].user.exec (never the agent's) */

#define KUBECONFIG_EXEC_V1 "client.authentication.k8s.io/v1"
#define KUBECONFIG_EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"

/* One variable of an exec plugin's environment (exec.env[]). */
struct kubeconfig_env {
	char *name;  /* owned */
	char *value; /* owned; may be empty */
};

/* An exec credential plugin as a kubeconfig user names it (client-go's ExecConfig). */
struct kubeconfig_exec {
	char *api_version; /* owned; client.authentication.k8s.io/v1 or v1beta1 */
	char *command;	   /* owned; a name (looked up on PATH) or a path */
	char **args;	   /* owned; nargs strings */
	size_t nargs;
	struct kubeconfig_env *env; /* owned; nenv entries, in file order */
	size_t nenv;
	char *install_hint; /* owned; installHint, or NULL */
	char *cluster_json; /* owned; spec.cluster of the request, or NULL */
	char *where;	    /* owned; 'FILE user "NAME"', for messages */
};

/* Bytes that came as a file path or inline data; at most one is set. */
struct kubeconfig_blob {
	char *file; /* owned; absolute or relative to the working directory */
	char *data; /* owned; decoded bytes, NUL-terminated */
	size_t len; /* bytes in data */
};

struct kubeconfig {
	char *server;		      /* owned; scheme://host[:port] without a trailing slash */
	bool insecure;		      /* insecure-skip-tls-verify: no TLS verification at all */
	struct kubeconfig_blob ca;    /* certificate authority (PEM) */
	struct kubeconfig_blob cert;  /* client certificate (PEM) */
	struct kubeconfig_blob key;   /* client key (PEM) */
	char *token;		      /* owned; a static bearer token, or NULL */
	char *token_file;	      /* owned; a token re-read from this path, or NULL */
	char *origin;		      /* owned; "in-cluster" or "FILE context NAME", for logs */
	struct kubeconfig_exec *exec; /* owned; the user's exec plugin (EXEC_ALLOWED), or NULL */
};

void kubeconfig_fini(struct kubeconfig *kc);
int kubeconfig_in_cluster(const char *sa_dir, struct kubeconfig *kc, char **err);
int kubeconfig_load_files(char *const *paths, size_t npaths, const char *context,
			  struct kubeconfig *kc, char **err);
int kubeconfig_load(const char *path, const char *context, struct kubeconfig *kc, char **err);
int kubeconfig_load_flags(const char *path, const char *context, unsigned flags,
			  struct kubeconfig *kc, char **err);
void kubeconfig_exec_free(struct kubeconfig_exec *e);
int kubeconfig_read_token(const char *path, char **token, char **err);
int kubeconfig_b64decode(const char *in, char **out, size_t *outlen);

#endif
