// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol compile [--node NAME] [--output-file FILE] FILE...`: decode, compile,
 * render. Every error of the input is found before the first byte of the
 * script is written; rendering itself fails only when writing does, and an
 * output file appears only whole (outopt.c).
 */
#include "agent/cli/cmd_compile.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli/input.h"
#include "agent/cli/outopt.h"
#include "agent/cli/prepare.h"
#include "nft/compile.h"
#include "nft/render.h"

struct compile_cli_opts {
	const char *node; /* borrowed from argv; NULL: every node */
	struct compile_opts co;
	struct outopt out;
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol compile [--node NAME] [--output-file FILE] FILE...\n"
	      "  Compile Namespaces, Pods and NetworkPolicies (YAML or JSON; '-' for stdin,\n"
	      "  a directory for its *.yaml/*.yml/*.json) into an nft script that replaces\n"
	      "  table inet " COMPILE_TABLE " when loaded with nft -f.\n"
	      "  --node NAME          enforce only for pods scheduled on NAME (peers: whole\n"
	      "                       cluster); a NAME no pod is on is warned about\n",
	      f);
	outopt_usage(f, OUTOPT_TEXT,
		     "                       the nft script; compile writes no JSON (`nft -j list\n"
		     "                       table inet " COMPILE_TABLE
		     "` shows a loaded table so)\n"
		     "  -o FILE              deprecated: --output-file FILE (a FILE that is no\n"
		     "                       format name still works in 0.2, with a warning)\n");
	input_compile_usage(f);
}

/* Render rs to stdout (or --output-file's). */
static int emit(const struct ruleset *rs)
{
	int ret = render_ruleset(rs, stdout);

	if (ret)
		fprintf(stderr, "nftpol compile: writing the script failed: %s\n", strerror(-ret));
	return ret;
}

/* -o: a format; in 0.2 still a file name with a warning when it names none. */
static int take_output(struct compile_cli_opts *o, const char *arg)
{
	if (outopt_is_format(arg))
		return outopt_parse(&o->out, "compile", arg, OUTOPT_TEXT);
	fprintf(stderr,
		"nftpol compile: warning: -o FILE is deprecated and goes after 0.2: use "
		"--output-file %s (-o names an output format: text)\n",
		arg);
	o->out.file = arg;
	return 0;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct compile_cli_opts *o)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		OUTOPT_OPTIONS,
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
			if (take_output(o, optarg))
				return -EINVAL;
			break;
		case OUTOPT_OPT_FILE:
			o->out.file = optarg;
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
	/*
	 * No fastbins: freeing the model of every pod at once otherwise leaves
	 * a million small chunks for one malloc_consolidate() pass at the next
	 * large allocation; merged as they are freed they cost less (100k pods:
	 * ~70 of 760 ms CPU).
	 */
	mallopt(M_MXFAST, 0);
	o.co.node = o.node;
	if (prepare_ruleset(argv + optind, argc - optind, &o.co, "compile", &rs))
		return 2;
	ret = outopt_begin(&o.out, "compile");
	if (!ret)
		ret = emit(&rs);
	if (outopt_end(&o.out, !ret, "compile"))
		ret = -EIO;
	ruleset_fini(&rs);
	return ret ? 2 : 0;
}
