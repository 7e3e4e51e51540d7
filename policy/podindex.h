/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eligible pods of a sealed cluster indexed by label: for each key=value,
 * the pods that carry it, in cluster order. A selector with a matchLabels
 * entry then visits only the pods that can match, not every pod of a
 * namespace (eval.c).
 */
#ifndef POLICY_PODINDEX_H
#define POLICY_PODINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

struct podindex;

struct podindex *podindex_new(const struct cluster *c);
void podindex_free(struct podindex *x);
size_t podindex_find(const struct podindex *x, const char *key, const char *value,
		     const uint32_t **pods);

#endif
