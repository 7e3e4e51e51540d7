/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the kernel tests (test_kernel_*.c; compiled once in kt.c). They
 * program nf_tables, so they run only inside network namespaces tests/kernel/run
 * created: this one (NFTPOL_KT_NETNS) and a reference one (NFTPOL_KT_REF) where
 * `nft -f` loads the rendered script. Outside them every kernel test skips
 * itself (kt_guard()). Strings returned are owned by the caller.
 */
#ifndef TESTS_KT_H
#define TESTS_KT_H

#include <stdbool.h>

#define KT_TABLE "nftpol"

struct netlink_report;
struct rs_set;
struct ruleset;

bool kt_guard(void);
char *kt_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *kt_ref_prefix(void);
void kt_reset(void);
char *kt_list(bool ref);
int kt_ref_load(const struct ruleset *rs);
int kt_nl_replace(const struct ruleset *rs, struct netlink_report *rep);
char *kt_raw_any(bool ref, bool mask);
char *kt_raw(bool ref);
char *kt_norm_listing(const char *text);
void kt_elem(struct rs_set *s, const char *text, const char *chain);
bool kt_same(const char *what, const char *a, const char *b);

#endif
