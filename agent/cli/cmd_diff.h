/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol diff`: what a change to the cluster's objects changes, before it lands. */
#ifndef AGENT_CLI_CMD_DIFF_H
#define AGENT_CLI_CMD_DIFF_H

int cmd_diff_main(int argc, char **argv);

#endif
