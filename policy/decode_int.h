/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by decode.c and decode_pod.c; nothing else includes this. */
#ifndef POLICY_DECODE_INT_H
#define POLICY_DECODE_INT_H

#include "policy/field.h"
#include "policy/model.h"

int decode_meta(struct field_ctx *f, const struct cJSON *obj, const char *kind, char **ns,
		char **name);
int decode_pod_fields(struct field_ctx *f, const struct cJSON *obj, struct pod *p);

#endif
