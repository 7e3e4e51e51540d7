/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Label selectors: matching a label map, and a canonical text form used both to
 * name shared sets and to describe a selector to a person.
 */
#ifndef POLICY_SELECTOR_H
#define POLICY_SELECTOR_H

#include <stdbool.h>
#include <stdio.h>

#include "policy/model.h"

bool selector_matches(const struct selector *s, const struct labels *l);
bool selector_is_empty(const struct selector *s);
void selector_format(const struct selector *s, FILE *f);
char *selector_to_string(const struct selector *s);

#endif
