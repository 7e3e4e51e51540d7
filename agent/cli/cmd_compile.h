/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol compile`: manifests in, the nft script that enforces them out. */
#ifndef AGENT_CLI_CMD_COMPILE_H
#define AGENT_CLI_CMD_COMPILE_H

int cmd_compile_main(int argc, char **argv);

#endif
