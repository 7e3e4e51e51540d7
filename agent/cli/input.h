/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manifests from the command line: files, directories and "-" decoded into one
 * sealed cluster (and compiled, for compile and apply), with every problem
 * printed to stderr.
 */
#ifndef AGENT_CLI_INPUT_H
#define AGENT_CLI_INPUT_H

#include "nft/ruleset.h"
#include "policy/model.h"

int input_load(char *const *paths, int npaths, struct cluster *c);
int input_compile(char *const *paths, int npaths, const char *node, const char *cmd,
		  struct ruleset *rs);

#endif
