/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output convention every subcommand shares: -o/--output names a format
 * (text or json), --output-file names the file the output goes to, replaced
 * atomically once the command has written all of it. One parser, so a bad
 * value reads the same in every command.
 */
#ifndef AGENT_CLI_OUTOPT_H
#define AGENT_CLI_OUTOPT_H

#include <stdbool.h>
#include <stdio.h>

/* Output formats, as bits: what a command writes, and what -o chose. */
enum {
	OUTOPT_TEXT = 1 << 0,
	OUTOPT_JSON = 1 << 1,
};

/* getopt value of --output-file (-o is 'o', --output its long name) */
enum { OUTOPT_OPT_FILE = 0x2000 };

#define OUTOPT_OPTIONS                                                                             \
	{ "output", required_argument, NULL, 'o' },                                                \
	{                                                                                          \
		"output-file", required_argument, NULL, OUTOPT_OPT_FILE                            \
	}

struct outopt {
	unsigned format;  /* OUTOPT_TEXT (default) or OUTOPT_JSON */
	const char *file; /* --output-file, borrowed from argv; NULL: stdout */
	char *tmp;	  /* owned: the temporary file while stdout is redirected */
	int saved_fd;	  /* stdout's descriptor while redirected */
	bool direct;	  /* the file is no regular file: written straight, not renamed over */
};

bool outopt_is_format(const char *arg);
int outopt_parse(struct outopt *o, const char *cmd, const char *arg, unsigned formats);
void outopt_usage(FILE *f, unsigned formats, const char *note);
int outopt_begin(struct outopt *o, const char *cmd);
int outopt_end(struct outopt *o, bool keep, const char *cmd);

#endif
