/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding and validating the spec of a networking.k8s.io/v1 NetworkPolicy as
 * the API server does, defaults applied.
 */
#ifndef POLICY_DECODE_NETPOL_H
#define POLICY_DECODE_NETPOL_H

#include "policy/field.h"
#include "policy/model.h"

int decode_netpol_spec(struct field_ctx *f, const struct cJSON *obj, struct netpol *np);

#endif
