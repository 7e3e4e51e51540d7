/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol explain`: the verdict of one connection and why. */
#ifndef AGENT_CLI_CMD_EXPLAIN_H
#define AGENT_CLI_CMD_EXPLAIN_H

int cmd_explain_main(int argc, char **argv);

#endif
