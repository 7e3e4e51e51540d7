/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The nodes the pods of the input are scheduled on, and --node checked against them. */
#ifndef AGENT_CLI_NODES_H
#define AGENT_CLI_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

size_t nodes_of_pods(const struct cluster *const *cs, size_t ncs, const char ***out);
bool nodes_check(const struct cluster *c, const char *node, const char *cmd);

#endif
