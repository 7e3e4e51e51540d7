/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics as data: the decoder and the compiler append what they find wrong
 * to a list; the caller decides whether to print, log or count it.
 */
#ifndef POLICY_DIAG_H
#define POLICY_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_severity sev;
	char *file;    /* owned; NULL when not from a file */
	unsigned line; /* 1-based, 0 when unknown */
	char *object;  /* owned; "Kind namespace/name", or NULL */
	char *path;    /* owned; JSON field path, e.g. spec.ingress[0].ports[1].port */
	char *msg;     /* owned; what is wrong and what was expected */
};

struct diag_list {
	struct diag *v;
	size_t n, cap;
	size_t nerrors;
};

void diag_list_init(struct diag_list *l);
void diag_list_fini(struct diag_list *l);
void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line,
	      const char *object, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void diag_vadd(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line,
	       const char *object, const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));
void diag_print(const struct diag *d, FILE *f);

#endif
