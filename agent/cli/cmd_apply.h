/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol apply`: manifests in, the kernel's table programmed through netlink. */
#ifndef AGENT_CLI_CMD_APPLY_H
#define AGENT_CLI_CMD_APPLY_H

int cmd_apply_main(int argc, char **argv);

#endif
