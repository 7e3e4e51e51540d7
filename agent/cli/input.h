/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manifests from the command line: files, directories and "-" decoded into one
 * sealed cluster, with every problem printed to stderr; the compile options
 * compile and apply share.
 */
#ifndef AGENT_CLI_INPUT_H
#define AGENT_CLI_INPUT_H

#include <stdio.h>

#include "nft/compile.h"
#include "nft/ruleset.h"
#include "policy/model.h"

int input_load(char *const *paths, int npaths, struct cluster *c);
int input_load_cmd(const char *cmd, char *const *paths, int npaths, struct cluster *c);
/* getopt values of the compile options compile and apply share */
enum { INPUT_OPT_NO_COUNTERS = 0x300, INPUT_OPT_AUDIT, INPUT_OPT_LOG_DENIED };

#define INPUT_COMPILE_OPTIONS                                                                      \
	{ "no-counters", no_argument, NULL, INPUT_OPT_NO_COUNTERS },                               \
		{ "audit", no_argument, NULL, INPUT_OPT_AUDIT },                                   \
	{                                                                                          \
		"log-denied", optional_argument, NULL, INPUT_OPT_LOG_DENIED                        \
	}

int input_compile_option(struct compile_opts *co, int opt, const char *arg, const char *cmd);
void input_compile_usage(FILE *f);

#endif
