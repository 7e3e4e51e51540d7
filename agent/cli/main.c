// SPDX-License-Identifier: GPL-2.0-or-later
/* nftpol: the command line; dispatches to the subcommands, and says what they are. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/cmd_agent.h"
#include "agent/cli/cmd_apply.h"
#include "agent/cli/cmd_compile.h"
#include "agent/cli/cmd_diff.h"
#include "agent/cli/cmd_explain.h"
#include "agent/cli/cmd_matrix.h"
#include "agent/cli/cmd_uninstall.h"
#include "agent/cli/cmd_version.h"

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

static int help_main(int argc, char **argv);

static const struct command commands[] = {
	{ "compile", cmd_compile_main, "manifests in, the nft script that enforces them out" },
	{ "apply", cmd_apply_main, "compile and program the kernel through netlink, once" },
	{ "agent", cmd_agent_main, "watch the Kubernetes API and enforce continuously" },
	{ "diff", cmd_diff_main, "what a change to the objects changes: reachability, rules" },
	{ "explain", cmd_explain_main, "whether one connection is allowed, and why" },
	{ "matrix", cmd_matrix_main, "which pod reaches which: the reachability table" },
	{ "uninstall", cmd_uninstall_main, "remove table inet nftpol from this node, once" },
	{ "version", cmd_version_main, "this build's version and its libraries' (also --version)" },
	{ "help", help_main, "the commands, or the options of one: help COMMAND" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: nftpol COMMAND [OPTION]... [FILE]...\ncommands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("Run 'nftpol help COMMAND' or 'nftpol COMMAND --help' for its options.\n", f);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static int unknown(const char *who, const char *name)
{
	fprintf(stderr, "%s: unknown command '%s'\n", who, name);
	usage(stderr);
	return 2;
}

/* `nftpol help [COMMAND]`: the command list, or COMMAND --help. */
static int help_main(int argc, char **argv)
{
	char help[] = "--help";
	const struct command *c;
	char *args[3];

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "nftpol help: one COMMAND at most, not '%s'\n", argv[2]);
		return 2;
	}
	c = find(argv[1]);
	if (!c)
		return unknown("nftpol help", argv[1]);
	args[0] = argv[1];
	args[1] = help;
	args[2] = NULL;
	return c->main(2, args);
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return help_main(1, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version_main(argc - 1, argv + 1);
	c = find(argv[1]);
	if (!c)
		return unknown("nftpol", argv[1]);
	return c->main(argc - 1, argv + 1);
}
