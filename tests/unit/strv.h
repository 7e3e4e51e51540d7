/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable list of owned strings, for unit tests that compare lists of lines. */
#ifndef TESTS_UNIT_STRV_H
#define TESTS_UNIT_STRV_H

#include <stddef.h>

struct strv {
	char **v; /* owned strings */
	size_t n, cap;
};

void strv_add(struct strv *l, char *s);
void strv_sort(struct strv *l);
void strv_fini(struct strv *l);

#endif
