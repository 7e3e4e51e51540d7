/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nftpol version`: this build's version and its libraries'. */
#ifndef AGENT_CLI_CMD_VERSION_H
#define AGENT_CLI_CMD_VERSION_H

int cmd_version_main(int argc, char **argv);

#endif
