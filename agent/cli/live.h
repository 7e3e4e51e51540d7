/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The input of the preview subcommands: manifests named on the command line, or
 * the live objects of a cluster (one LIST of Namespaces, Pods and
 * NetworkPolicies through the agent's API client) with manifests applied on top
 * and objects removed.
 */
#ifndef AGENT_CLI_LIVE_H
#define AGENT_CLI_LIVE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "agent/kube/store.h"
#include "policy/model.h"

struct store;

enum {
	LIVE_OPT_KUBECONFIG = 0x1000, /* getopt values of the shared options */
	LIVE_OPT_CONTEXT,
};

#define LIVE_OPTIONS                                                                               \
	{ "kubeconfig", required_argument, NULL, LIVE_OPT_KUBECONFIG },                            \
	{                                                                                          \
		"context", required_argument, NULL, LIVE_OPT_CONTEXT                               \
	}

/* Where a cluster comes from. */
struct live_source {
	const char *kubeconfig; /* borrowed; NULL: manifests only */
	const char *context;	/* borrowed; NULL: the current context */
};

/* The raw LIST pages of one fetch, decodable any number of times. */
struct live_pages {
	char **body[STORE_KINDS]; /* owned; per store kind */
	size_t *len[STORE_KINDS];
	size_t n[STORE_KINDS];
};

/* A loaded cluster: c points into files or into the store. */
struct live_cluster {
	struct cluster files;
	struct store *store;
	const struct cluster *c; /* borrowed from files or store */
};

bool live_option(struct live_source *src, int opt, const char *arg);
void live_usage(FILE *f);
int live_fetch(const struct live_source *src, const char *cmd, struct live_pages *out);
void live_pages_fini(struct live_pages *pg);
int live_build(const struct live_pages *pg, char *const *files, int nfiles, char *const *deletes,
	       size_t ndeletes, const char *cmd, struct live_cluster *out);
int live_load(const struct live_source *src, char *const *files, int nfiles, const char *cmd,
	      struct live_cluster *out);
void live_cluster_fini(struct live_cluster *lc);

#endif
