// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nodes of the input (see nodes.h): the names the pods' spec.nodeName
 * give, and the warning for a --node no pod is scheduled on, which would
 * otherwise give a table that enforces nothing, without a word.
 */
#include "agent/cli/nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define NODES_NAMED 5 /* nodes the warning names at most */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The names of the nodes some pod of the ncs clusters cs is scheduled on,
 * sorted, each once, in *out (allocated, to be freed by the caller; the names
 * are borrowed from the clusters). Returns how many.
 */
size_t nodes_of_pods(const struct cluster *const *cs, size_t ncs, const char ***out)
{
	size_t n = 0, m = 0, total = 1;

	for (size_t k = 0; k < ncs; k++)
		total += cs[k]->npods;
	*out = xcalloc(total, sizeof(**out));
	for (size_t k = 0; k < ncs; k++)
		for (size_t i = 0; i < cs[k]->npods; i++)
			if (cs[k]->pods[i].node)
				(*out)[n++] = cs[k]->pods[i].node;
	xqsort(*out, n, sizeof(**out), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || strcmp((*out)[m - 1], (*out)[i]))
			(*out)[m++] = (*out)[i];
	return m;
}

/*
 * Whether some pod of c is scheduled on node (or node is NULL: every node).
 * If none is, one warning line on stderr, naming cmd and the nodes that have
 * pods.
 */
bool nodes_check(const struct cluster *c, const char *node, const char *cmd)
{
	const char **names;
	size_t n;

	if (!node)
		return true;
	for (size_t i = 0; i < c->npods; i++)
		if (c->pods[i].node && !strcmp(c->pods[i].node, node))
			return true;
	n = nodes_of_pods(&c, 1, &names);
	fprintf(stderr,
		"nftpol %s: warning: --node %s: no pod of the input is scheduled on it, so the "
		"table enforces nothing for any pod (",
		cmd, node);
	if (!n)
		fputs("no pod of the input names a node", stderr);
	for (size_t i = 0; i < n && i < NODES_NAMED; i++)
		fprintf(stderr, "%s%s", i ? ", " : "pods are on ", names[i]);
	if (n > NODES_NAMED)
		fprintf(stderr, " and %zu more nodes", n - NODES_NAMED);
	fputs(")\n", stderr);
	free(names);
	return false;
}
