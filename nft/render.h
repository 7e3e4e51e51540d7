/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Render the ruleset IR as an nft script. The script replaces any previous table
 * of the same name in one transaction when loaded with `nft -f`; it is the
 * canonical text of a ruleset (golden tests compare it).
 */
#ifndef NFT_RENDER_H
#define NFT_RENDER_H

#include <stdio.h>

#include "nft/ruleset.h"

int render_ruleset(const struct ruleset *rs, FILE *f);
void render_elem(const struct rs_set *s, const struct rs_elem *e, FILE *f);
void render_rule(const struct rs_rule *r, FILE *f);
void render_set_type(const struct rs_set *s, FILE *f);

#endif
