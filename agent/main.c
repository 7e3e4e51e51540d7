// SPDX-License-Identifier: GPL-2.0-or-later
/* nftpol: the command line; dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nftpol compile|apply|agent ...\n");
		return 2;
	}
	fprintf(stderr, "nftpol: unknown command '%s'\n", argv[1]);
	return 2;
}
