// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset of compile and apply (see prepare.h): input_load() reads the
 * manifests, the node of --node is looked for among the pods' nodes, and the
 * cluster is compiled with the command's options.
 */
#include "agent/cli/prepare.h"

#include <stdio.h>

#include "agent/cli/input.h"
#include "agent/cli/nodes.h"
#include "policy/diag.h"

/*
 * Load the manifests of paths, warn when co->node names a node no pod is on,
 * and compile them as co says into rs, printing every diagnostic to stderr.
 * Returns 0 with rs to be finalized by the caller, or 2 (the exit code of bad
 * input) with nothing to finalize; cmd names the command in the messages.
 */
int prepare_ruleset(char *const *paths, int npaths, const struct compile_opts *co, const char *cmd,
		    struct ruleset *rs)
{
	struct diag_list d;
	struct cluster c;
	int ret;

	model_cluster_init(&c);
	if (input_load_cmd(cmd, paths, npaths, &c)) {
		model_cluster_fini(&c);
		return 2;
	}
	nodes_check(&c, co->node, cmd);
	diag_list_init(&d);
	ret = compile_cluster_opts(&c, co, rs, &d);
	for (size_t i = 0; i < d.n; i++)
		diag_print(&d.v[i], stderr);
	if (ret || d.nerrors) {
		fprintf(stderr, "nftpol %s: the input does not compile; nothing was changed\n",
			cmd);
		ruleset_fini(rs);
		ret = 2;
	}
	diag_list_fini(&d);
	model_cluster_fini(&c);
	return ret;
}
