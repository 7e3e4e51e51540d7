/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading Kubernetes manifests (YAML or JSON, as kubectl accepts them) into the
 * object model, validating Namespaces, Pods, Nodes, NetworkPolicies and cluster
 * network policies (ClusterNetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy) as the API server does. Every problem is appended
 * to a diagnostics list.
 *
 * Input limits (exceeding one is an error, never a crash or unbounded memory):
 *   DECODE_MAX_INPUT        bytes in one file or buffer
 *   DECODE_MAX_DEPTH        nesting of mappings/sequences (objects/arrays)
 *   DECODE_MAX_NODES        values in one document, aliases expanded
 *   DECODE_MAX_ALIAS_NODES  values one document may create by expanding YAML
 *                           aliases (stops "billion laughs")
 * The input must be UTF-8 without NUL bytes. YAML merge keys ("<<") and
 * non-scalar mapping keys are rejected; duplicate keys in a mapping are errors
 * (kubectl's strict field validation rejects them too).
 */
#ifndef POLICY_DECODE_H
#define POLICY_DECODE_H

#include <stddef.h>

#include "policy/diag.h"
#include "policy/model.h"

#define DECODE_MAX_INPUT (64u << 20)
#define DECODE_MAX_DEPTH 64
#define DECODE_MAX_NODES 4000000u
#define DECODE_MAX_ALIAS_NODES 100000u

/* A kind nftpol does not use and how many objects of it the input had. */
struct decode_skipped {
	char *kind; /* owned */
	size_t n;
};

/* What an input held besides the objects decoded: for the CLI's messages. */
struct decode_stats {
	size_t objects;			/* objects read: decoded, refused or skipped */
	struct decode_skipped *skipped; /* owned; by kind, in the order first seen */
	size_t nskipped, capskipped;
};

int decode_file(const char *path, struct cluster *c, struct diag_list *d);
int decode_file_stats(const char *path, struct cluster *c, struct diag_list *d,
		      struct decode_stats *st);
int decode_buffer(const char *name, const char *buf, size_t len, struct cluster *c,
		  struct diag_list *d);
int decode_buffer_stats(const char *name, const char *buf, size_t len, struct cluster *c,
			struct diag_list *d, struct decode_stats *st);
void decode_stats_fini(struct decode_stats *st);
int decode_check_duplicates(const struct cluster *c, struct diag_list *d);

#endif
