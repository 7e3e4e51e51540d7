/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared, reference-counted copies of strings and byte blobs the store holds
 * many times over (namespace and node names, label keys and values, port
 * names; whole label and port arrays of pods made from one template): one copy
 * of each distinct value, however many pods carry it.
 */
#ifndef AGENT_KUBE_INTERN_H
#define AGENT_KUBE_INTERN_H

#include <stddef.h>

struct intern;

struct intern *intern_new(void);
void intern_free(struct intern *t);
char *intern_get(struct intern *t, const char *s);
void *intern_get_blob(struct intern *t, const void *p, size_t len);
void intern_put(struct intern *t, void *p);
unsigned intern_refs(const void *p);
size_t intern_count(const struct intern *t);

#endif
