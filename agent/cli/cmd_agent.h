/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol agent`: watch the Kubernetes API and enforce NetworkPolicy continuously. */
#ifndef AGENT_CLI_CMD_AGENT_H
#define AGENT_CLI_CMD_AGENT_H

int cmd_agent_main(int argc, char **argv);

#endif
