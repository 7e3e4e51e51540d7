/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data-plane half of `nftpol diff`: the nftables objects and elements that
 * compiling the new cluster adds, removes or rewrites on one node, as nft
 * syntax lines.
 */
#ifndef AGENT_CLI_CMD_DIFF_PLANE_H
#define AGENT_CLI_CMD_DIFF_PLANE_H

#include <stddef.h>

#include "nft/ruleset.h"

/* One line of a data-plane difference. */
struct cmd_diff_plane_line {
	char sign;		/* '+' added, '-' removed */
	char *text;		/* owned; nft syntax: "add element inet nftpol s { 1.2.3.4 }" */
};

struct cmd_diff_plane {
	struct cmd_diff_plane_line *v;
	size_t n, cap;
	size_t sets, chains, rules, elems;	/* objects changed, by kind */
};

void cmd_diff_plane_compute(const struct ruleset *old, const struct ruleset *new,
			    struct cmd_diff_plane *out);
void cmd_diff_plane_fini(struct cmd_diff_plane *p);

#endif
