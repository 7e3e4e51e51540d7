/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation that never returns NULL: running out of memory aborts the process
 * with a message (the kubelet restarts us). Every other failure is returned.
 */
#ifndef BASE_XALLOC_H
#define BASE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#define MUST_CHECK __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void xoom(size_t size) __attribute__((noreturn));
void *xnonnull(void *p);
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int xseterr(char **err, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Grow *v (holding *cap elements of size sz) so that index n fits. */
void xgrow(void **v, size_t *cap, size_t n, size_t sz);

#define XGROW(v, cap, n) xgrow((void **)&(v), &(cap), (n), sizeof(*(v)))

void xqsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void xqsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
	      void *arg);
void *xbsearch(const void *key, const void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *));

#endif
