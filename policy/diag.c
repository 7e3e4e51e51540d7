// SPDX-License-Identifier: GPL-2.0-or-later
/* The diagnostics list (see diag.h). */
#include "policy/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void diag_list_init(struct diag_list *l)
{
	memset(l, 0, sizeof(*l));
}

void diag_list_fini(struct diag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].object);
		free(l->v[i].path);
		free(l->v[i].msg);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Append one diagnostic; every string is copied. */
void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line,
	      const char *object, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(l, sev, file, line, object, path, fmt, ap);
	va_end(ap);
}

/* diag_add() with a va_list (which it consumes). */
void diag_vadd(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line,
	       const char *object, const char *path, const char *fmt, va_list ap)
{
	struct diag *d;

	XGROW(l->v, l->cap, l->n);
	d = &l->v[l->n++];
	d->sev = sev;
	d->file = file ? xstrdup(file) : NULL;
	d->line = line;
	d->object = object ? xstrdup(object) : NULL;
	d->path = path && *path ? xstrdup(path) : NULL;
	d->msg = xvasprintf(fmt, ap);
	if (sev == DIAG_ERROR)
		l->nerrors++;
}

/*
 * Print one diagnostic as "file:line: error: Kind ns/name: path: message", leaving
 * out the parts that are unknown.
 */
void diag_print(const struct diag *d, FILE *f)
{
	if (d->file && d->line)
		fprintf(f, "%s:%u: ", d->file, d->line);
	else if (d->file)
		fprintf(f, "%s: ", d->file);
	fputs(d->sev == DIAG_ERROR ? "error: " : "warning: ", f);
	if (d->object)
		fprintf(f, "%s: ", d->object);
	if (d->path)
		fprintf(f, "%s: ", d->path);
	fprintf(f, "%s\n", d->msg);
}
