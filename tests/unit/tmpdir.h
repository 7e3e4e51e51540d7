/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fresh temporary directory for the files of a unit test (kubeconfigs,
 * plugin scripts), removed with all it holds. Header-only: every function is
 * static inline, for the few tests that include it.
 */
#ifndef TESTS_UNIT_TMPDIR_H
#define TESTS_UNIT_TMPDIR_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Make dir (64 bytes) a new directory /tmp/PREFIX-XXXXXX. */
static inline void tmpdir_make(char dir[64], const char *prefix)
{
	snprintf(dir, 64, "/tmp/%s-XXXXXX", prefix);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline int tmpdir_remove_one(const char *path, const struct stat *st, int flag,
				    struct FTW *ftw)
{
	return remove(path);
}

/* Remove dir and everything below it. */
static inline void tmpdir_remove(const char *dir)
{
	ck_assert_int_eq(nftw(dir, tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/*
 * Write text to dir/name with mode; return the path, in a static buffer that
 * the fifth call after this one reuses.
 */
static inline const char *tmpdir_put(const char *dir, const char *name, const char *text,
				     mode_t mode)
{
	static char paths[4][256];
	static int slot;
	char *p = paths[slot++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

#endif
