/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared, reference-counted copies of strings the store holds many times over
 * (namespace and node names, label keys and values, port names): one copy of
 * each distinct string, however many pods carry it.
 */
#ifndef AGENT_KUBE_INTERN_H
#define AGENT_KUBE_INTERN_H

#include <stddef.h>

struct intern;

struct intern *intern_new(void);
void intern_free(struct intern *t);
char *intern_get(struct intern *t, const char *s);
void intern_put(struct intern *t, char *s);
size_t intern_count(const struct intern *t);

#endif
