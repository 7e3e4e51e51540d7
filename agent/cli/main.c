// SPDX-License-Identifier: GPL-2.0-or-later
/* nftpol: the command line; dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/cmd_agent.h"
#include "agent/cli/cmd_apply.h"
#include "agent/cli/cmd_compile.h"
#include "agent/cli/cmd_diff.h"
#include "agent/cli/cmd_explain.h"
#include "agent/cli/cmd_matrix.h"
#include "agent/cli/cmd_uninstall.h"

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "compile", cmd_compile_main, "manifests in, the nft script that enforces them out" },
	{ "apply", cmd_apply_main, "compile and program the kernel through netlink, once" },
	{ "agent", cmd_agent_main, "watch the Kubernetes API and enforce continuously" },
	{ "diff", cmd_diff_main, "what a change to the objects changes: reachability, rules" },
	{ "explain", cmd_explain_main, "whether one connection is allowed, and why" },
	{ "matrix", cmd_matrix_main, "which pod reaches which: the reachability table" },
	{ "uninstall", cmd_uninstall_main, "remove table inet nftpol from this node, once" },
};

static void usage(FILE *f)
{
	fputs("usage: nftpol COMMAND [OPTION]... [FILE]...\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("Run 'nftpol COMMAND --help' for its options.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "nftpol: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
