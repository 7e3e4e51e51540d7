/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding a metav1.LabelSelector (matchLabels and matchExpressions) from JSON,
 * validated as the API server does and put into the canonical order of
 * struct selector.
 */
#ifndef POLICY_DECODE_SELECTOR_H
#define POLICY_DECODE_SELECTOR_H

#include "policy/field.h"
#include "policy/model.h"

int decode_selector(struct field_ctx *f, const struct cJSON *obj, const char *key,
		    struct selector *out);

#endif
