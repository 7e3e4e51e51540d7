/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol uninstall`: remove the table nftpol programs from the kernel. */
#ifndef AGENT_CLI_CMD_UNINSTALL_H
#define AGENT_CLI_CMD_UNINSTALL_H

int cmd_uninstall_main(int argc, char **argv);

#endif
