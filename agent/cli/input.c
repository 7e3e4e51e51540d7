// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading manifests named on the command line (see input.h). A directory stands
 * for its *.yaml, *.yml and *.json files in name order.
 */
#include "agent/cli/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nft/compile.h"
#include "policy/decode.h"
#include "policy/diag.h"
#include "base/num.h"
#include "base/xalloc.h"

static bool manifest_name(const char *name)
{
	size_t n = strlen(name);
	static const char *const exts[] = { ".yaml", ".yml", ".json" };

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && !strcmp(name + n - e, exts[i]))
			return true;
	}
	return false;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One file: an input without a single object is an error (nothing to enforce). */
static void load_file(const char *path, struct cluster *c, struct diag_list *d,
		      struct decode_stats *st)
{
	size_t objects = st->objects, errors = d->nerrors;

	decode_file_stats(path, c, d, st);
	if (st->objects == objects && d->nerrors == errors)
		diag_add(d, DIAG_ERROR, path, 0, NULL, NULL, "no objects in the input");
}

static void load_dir(const char *path, struct cluster *c, struct diag_list *d,
		     struct decode_stats *st)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!dir) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, NULL, "cannot open directory: %s",
			 strerror(errno));
		return;
	}
	while ((de = readdir(dir))) {
		if (!manifest_name(de->d_name))
			continue;
		XGROW(names, cap, n);
		names[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(dir);
	xqsort(names, n, sizeof(*names), str_cmp);
	if (n == 0) {
		char *dname = xasprintf("%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/");

		diag_add(d, DIAG_ERROR, dname, 0, NULL, NULL, "no *.yaml, *.yml or *.json files");
		free(dname);
	}
	for (size_t i = 0; i < n; i++) {
		load_file(names[i], c, d, st);
		free(names[i]);
	}
	free(names);
}

static int skipped_cmp(const void *a, const void *b)
{
	const struct decode_skipped *x = a, *y = b;

	return strcmp(x->kind, y->kind);
}

/* One line for every object of a kind nftpol does not use: "Deployment (2), ...". */
static void warn_skipped(const char *cmd, struct decode_stats *st)
{
	size_t total = 0;

	if (!st->nskipped)
		return;
	xqsort(st->skipped, st->nskipped, sizeof(*st->skipped), skipped_cmp);
	for (size_t i = 0; i < st->nskipped; i++)
		total += st->skipped[i].n;
	fprintf(stderr,
		"nftpol%s%s: skipped %zu object%s of kind%s nftpol does not use: ", cmd ? " " : "",
		cmd ? cmd : "", total, total == 1 ? "" : "s", st->nskipped == 1 ? "" : "s");
	for (size_t i = 0; i < st->nskipped; i++)
		fprintf(stderr, "%s%s (%zu)", i ? ", " : "", st->skipped[i].kind, st->skipped[i].n);
	fputc('\n', stderr);
}

/*
 * Decode every path (file, directory or "-") into c and seal it, as cmd (NULL:
 * none) for the messages. Diagnostics are printed to stderr, with one warning
 * line for the objects of kinds nftpol does not use. An input without objects
 * is an error. Returns 0, or -EINVAL when any input had an error (then nothing
 * should be done with c but freeing it).
 */
static int load(const char *cmd, char *const *paths, int npaths, struct cluster *c)
{
	struct decode_stats ds = { 0 };
	struct diag_list d;
	struct stat st;
	int ret = 0;

	diag_list_init(&d);
	for (int i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") && !stat(paths[i], &st) && S_ISDIR(st.st_mode))
			load_dir(paths[i], c, &d, &ds);
		else
			load_file(paths[i], c, &d, &ds);
	}
	model_cluster_seal(c);
	if (!d.nerrors)
		decode_check_duplicates(c, &d);
	for (size_t i = 0; i < d.n; i++)
		diag_print(&d.v[i], stderr);
	warn_skipped(cmd, &ds);
	decode_stats_fini(&ds);
	if (d.nerrors) {
		fprintf(stderr, "nftpol: %zu error%s in the input; nothing was done\n", d.nerrors,
			d.nerrors == 1 ? "" : "s");
		ret = -EINVAL;
	}
	diag_list_fini(&d);
	return ret;
}

/* load() for the preview commands: the messages name no command. */
int input_load(char *const *paths, int npaths, struct cluster *c)
{
	return load(NULL, paths, npaths, c);
}

/* load() for command cmd ("compile"), which the messages name. */
int input_load_cmd(const char *cmd, char *const *paths, int npaths, struct cluster *c)
{
	return load(cmd, paths, npaths, c);
}

/*
 * Take one of INPUT_COMPILE_OPTIONS into co: 1 when opt was one (0 if not),
 * -EINVAL for a bad value (printed, naming cmd).
 */
int input_compile_option(struct compile_opts *co, int opt, const char *arg, const char *cmd)
{
	unsigned long v;

	switch (opt) {
	case INPUT_OPT_NO_COUNTERS:
		co->no_counters = true;
		return 1;
	case INPUT_OPT_AUDIT:
		co->audit = true;
		return 1;
	case INPUT_OPT_LOG_DENIED:
		co->log_group = COMPILE_LOG_GROUP;
		co->log_rate = co->log_burst = COMPILE_LOG_RATE;
		if (!arg)
			return 1;
		if (num_parse(arg, 1, 100000, &v)) {
			fprintf(stderr,
				"nftpol %s: --log-denied=%s: expected a rate, packets a second per "
				"rule, 1 to 100000\n",
				cmd, arg);
			return -EINVAL;
		}
		co->log_rate = co->log_burst = (uint32_t)v;
		return 1;
	default:
		return 0;
	}
}

void input_compile_usage(FILE *f)
{
	fputs("  --no-counters        no named counters on the policies' rules\n"
	      "  --audit              every NetworkPolicy in audit mode: what it would deny\n"
	      "                       passes, counted (and logged with --log-denied)\n"
	      "  --log-denied[=RATE]  denied first packets to NFLOG group 7801, at most RATE\n"
	      "                       a second per rule (20): what `nftpol agent --log-denied`\n"
	      "                       programs\n",
	      f);
}
