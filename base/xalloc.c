// SPDX-License-Identifier: GPL-2.0-or-later
/* Allocation wrappers that abort on out-of-memory (see xalloc.h). */
#include "base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/*
 * Out of memory: say so and abort. Also for a library's allocation that failed
 * without a NULL to hand to xnonnull() (size 0: unknown).
 */
void xoom(size_t size)
{
	log_fatal("out of memory", LOG_FIELDS(LOG_UINT("bytes", size)));
	abort();
}

/*
 * p, the result of a library's allocating call (libnftnl, cJSON, libcurl,
 * open_memstream); NULL, which they return only when out of memory, aborts
 * through xoom().
 */
void *xnonnull(void *p)
{
	if (!p)
		xoom(0);
	return p;
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		xoom(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		xoom(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		xoom(size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p = reallocarray(ptr, nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		xoom(nmemb * size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		xoom(strlen(s));
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		xoom(n);
	return p;
}

/* A newly allocated formatted string (the caller frees it). */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* xasprintf() with a va_list (which it consumes). */
char *xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		xoom(0);
	return p;
}

/*
 * Set *err to a newly allocated formatted message (the caller frees it) and
 * return ret: the tail of a function that explains its failure through a
 * `char **err` out-parameter (`return xseterr(err, -EINVAL, "...", ...);`).
 */
int xseterr(char **err, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*err = xvasprintf(fmt, ap);
	va_end(ap);
	return ret;
}

/* Grow an array geometrically so that element n can be written. */
void xgrow(void **v, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;

	if (n < *cap)
		return;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap <= n)
		ncap *= 2;
	*v = xreallocarray(*v, ncap, sz);
	*cap = ncap;
}

/* qsort() for arrays that may be empty and NULL (qsort must not get NULL). */
void xqsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* qsort_r() (cmp gets arg as its third argument) for arrays that may be empty and NULL. */
void xqsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
	      void *arg)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, arg);
}

/* bsearch() for arrays that may be empty and NULL. */
void *xbsearch(const void *key, const void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}
