/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol matrix`: the reachability table of a cluster for some ports. */
#ifndef AGENT_CLI_CMD_MATRIX_H
#define AGENT_CLI_CMD_MATRIX_H

int cmd_matrix_main(int argc, char **argv);

#endif
