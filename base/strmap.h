/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A string-keyed hash map (open addressing); keys are copied, values borrowed. */
#ifndef BASE_STRMAP_H
#define BASE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
void strmap_put(struct strmap *m, const char *key, void *value);
size_t strmap_count(const struct strmap *m);
uint64_t strmap_hash(const char *s);

#endif
