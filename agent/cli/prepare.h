/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What compile and apply program: the manifests loaded, --node checked, compiled. */
#ifndef AGENT_CLI_PREPARE_H
#define AGENT_CLI_PREPARE_H

#include "nft/compile.h"
#include "nft/ruleset.h"

int prepare_ruleset(char *const *paths, int npaths, const struct compile_opts *co, const char *cmd,
		    struct ruleset *rs);

#endif
