/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the API server is and how to talk to it: the in-cluster service account
 * or a kubeconfig file (the subset an agent needs: server, CA, bearer token or
 * token file, client certificate and key, each as a file or inline base64 data).
 * Exec plugins, auth providers, basic auth, proxies and tls-server-name are
 * refused with a clear error.
 */
#ifndef AGENT_KUBE_KUBECONFIG_H
#define AGENT_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX_FILE (1u << 20) /* bytes of a kubeconfig file */

/* Bytes that came as a file path or inline data; at most one is set. */
struct kubeconfig_blob {
	char *file; /* owned; absolute or relative to the working directory */
	char *data; /* owned; decoded bytes, NUL-terminated */
	size_t len; /* bytes in data */
};

struct kubeconfig {
	char *server;		     /* owned; scheme://host[:port] without a trailing slash */
	bool insecure;		     /* insecure-skip-tls-verify: no TLS verification at all */
	struct kubeconfig_blob ca;   /* certificate authority (PEM) */
	struct kubeconfig_blob cert; /* client certificate (PEM) */
	struct kubeconfig_blob key;  /* client key (PEM) */
	char *token;		     /* owned; a static bearer token, or NULL */
	char *token_file;	     /* owned; a token re-read from this path, or NULL */
	char *origin;		     /* owned; "in-cluster" or "FILE context NAME", for logs */
};

void kubeconfig_fini(struct kubeconfig *kc);
int kubeconfig_in_cluster(const char *sa_dir, struct kubeconfig *kc, char **err);
int kubeconfig_load_files(char *const *paths, size_t npaths, const char *context,
			  struct kubeconfig *kc, char **err);
int kubeconfig_load(const char *path, const char *context, struct kubeconfig *kc, char **err);
int kubeconfig_read_token(const char *path, char **token, char **err);
int kubeconfig_b64decode(const char *in, char **out, size_t *outlen);

#endif
