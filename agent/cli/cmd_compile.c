// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol compile [--node NAME] [-o FILE] FILE...`: decode, compile, render. The
 * script is rendered in memory first, so a failure never leaves half a script
 * on stdout or in the output file.
 */
#include "agent/cli/cmd_compile.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/input.h"
#include "nft/compile.h"
#include "nft/render.h"
#include "base/xalloc.h"

struct compile_cli_opts {
	const char *node; /* borrowed from argv; NULL: every node */
	struct compile_opts co;
	const char *out; /* borrowed from argv; NULL: stdout */
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol compile [--node NAME] [-o FILE] FILE...\n"
	      "  Compile Namespaces, Pods and NetworkPolicies (YAML or JSON; '-' for stdin,\n"
	      "  a directory for its *.yaml/*.yml/*.json) into an nft script that replaces\n"
	      "  table inet " COMPILE_TABLE " when loaded with nft -f.\n"
	      "  --node NAME   enforce only for pods scheduled on NAME (peers: whole cluster)\n"
	      "  -o FILE       write the script to FILE instead of stdout\n",
	      f);
	input_compile_usage(f);
}

/* Write buf to path atomically (a temporary file renamed over it). */
static int write_file(const char *path, const char *buf, size_t len)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	int ret = 0;
	FILE *f;

	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
	}
out:
	free(tmp);
	return ret;
}

static int emit(const struct ruleset *rs, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = xnonnull(open_memstream(&buf, &len));
	int ret;

	ret = render_ruleset(rs, mem);
	fclose(mem);
	if (!ret && out)
		ret = write_file(out, buf, len);
	else if (!ret && (fwrite(buf, 1, len, stdout) != len || fflush(stdout)))
		ret = -errno;
	if (ret)
		fprintf(stderr, "nftpol: cannot write %s: %s\n", out ? out : "stdout",
			strerror(-ret));
	free(buf);
	return ret;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct compile_cli_opts *o)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		INPUT_COMPILE_OPTIONS,
		{ 0 },
	};
	int opt, r;

	while ((opt = getopt_long(argc, argv, "n:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->node = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			usage(stdout);
			o->help = true;
			return 0;
		default:
			r = input_compile_option(&o->co, opt, optarg, "compile");
			if (r > 0)
				break;
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fputs("nftpol compile: no input files\n", stderr);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Entry point of `nftpol compile`; returns the exit code. */
int cmd_compile_main(int argc, char **argv)
{
	struct compile_cli_opts o = { 0 };
	struct ruleset rs;
	int ret;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.help)
		return 0;
	o.co.node = o.node;
	if (input_compile(argv + optind, argc - optind, &o.co, "compile", &rs))
		return 2;
	ret = emit(&rs, o.out) ? 2 : 0;
	ruleset_fini(&rs);
	return ret;
}
