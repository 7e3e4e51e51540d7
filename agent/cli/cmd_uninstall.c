// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol uninstall [--table NAME]`: remove table inet nftpol (or NAME) from
 * the current network namespace through netlink, in one transaction. Running
 * it where there is no such table is fine. Exit 0 removed or nothing to do,
 * 1 the kernel refused (the table is left as it was), 2 bad usage.
 */
#include "agent/cli/cmd_uninstall.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nft/apply.h"
#include "nft/compile.h"
#include "nft/netlink.h"

struct uninstall_opts {
	const char *table; /* borrowed from argv, or COMPILE_TABLE */
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol uninstall [--table NAME]\n"
	      "  Remove table inet " COMPILE_TABLE " (everything nftpol programmed) from this\n"
	      "  network namespace through netlink, in one transaction. Nothing else is\n"
	      "  touched. Where there is no such table there is nothing to do.\n"
	      "  Stop the agent first: a running agent programs the table again.\n"
	      "  --table NAME  remove table inet NAME instead\n"
	      "exit status: 0 removed or nothing to do, 1 the kernel refused (the table is\n"
	      "left as it was), 2 bad usage\n",
	      f);
}

/* Say why the table is still there; the exit code. */
static int failure(const char *table, const struct netlink_report *rep, int ret)
{
	char msg[700];

	if (rep->nerrors) {
		netlink_error_str(&rep->e[0], msg, sizeof(msg));
		fprintf(stderr, "nftpol uninstall: the kernel refused: %s\n", msg);
	} else {
		fprintf(stderr, "nftpol uninstall: sending the batch failed: %s\n", strerror(-ret));
	}
	if (ret == -EPERM)
		fputs("nftpol uninstall: CAP_NET_ADMIN in this network namespace is needed\n",
		      stderr);
	fprintf(stderr, "nftpol uninstall: table inet %s was left as it was\n", table);
	return 1;
}

static int uninstall(const char *table)
{
	struct netlink_report rep;
	struct netlink *nl;
	int ret;

	ret = netlink_open(&nl);
	if (ret) {
		fprintf(stderr, "nftpol uninstall: netlink: %s\n", strerror(-ret));
		return 1;
	}
	ret = apply_uninstall(nl, table, &rep);
	netlink_close(nl);
	if (ret == -ENOENT)
		printf("nftpol uninstall: no table inet %s (nothing to do)\n", table);
	else if (!ret)
		printf("nftpol uninstall: table inet %s removed\n", table);
	else
		return failure(table, &rep, ret);
	return 0;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct uninstall_opts *o)
{
	static const struct option opts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	o->table = COMPILE_TABLE;
	while ((opt = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			o->table = optarg;
			break;
		case 'h':
			usage(stdout);
			o->help = true;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nftpol uninstall: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	if (!o->table[0] || strlen(o->table) > APPLY_TABLE_NAME_MAX) {
		fprintf(stderr, "nftpol uninstall: --table: a name of 1 to %d bytes is needed\n",
			APPLY_TABLE_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Entry point of `nftpol uninstall`; returns the exit code. */
int cmd_uninstall_main(int argc, char **argv)
{
	struct uninstall_opts o = { 0 };

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.help)
		return 0;
	return uninstall(o.table);
}
