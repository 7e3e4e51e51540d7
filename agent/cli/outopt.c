// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -o/--output and --output-file (see outopt.h). The output file is written
 * the way a shell redirection would be, except that it appears only when the
 * command has written all of it: stdout points at a temporary file beside it
 * meanwhile, renamed over it at the end, removed on failure. A file that is
 * there and is not a regular file (/dev/null, a FIFO, a terminal) is written
 * straight: renaming over it would replace the device with a file.
 */
#include "agent/cli/outopt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

static const struct {
	const char *name;
	unsigned bit;
} formats_known[] = {
	{ "text", OUTOPT_TEXT },
	{ "json", OUTOPT_JSON },
};

#define NFORMATS (sizeof(formats_known) / sizeof(formats_known[0]))

/* Whether arg names an output format (one some command writes). */
bool outopt_is_format(const char *arg)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(arg, formats_known[i].name))
			return true;
	return false;
}

/* "text or json": the formats of the mask, for messages and usage. */
static void put_formats(FILE *f, unsigned formats)
{
	size_t n = 0, total = 0;

	for (size_t i = 0; i < NFORMATS; i++)
		total += !!(formats & formats_known[i].bit);
	for (size_t i = 0; i < NFORMATS; i++) {
		if (!(formats & formats_known[i].bit))
			continue;
		fprintf(f, "%s%s", n ? (n + 1 == total ? " or " : ", ") : "",
			formats_known[i].name);
		n++;
	}
}

/* s between double quotes, a quote, backslash or unprintable byte escaped. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (isprint(*p))
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
	fputc('"', f);
}

/*
 * Take -o's value arg for command cmd, which writes the formats of the mask
 * formats, into o->format. Returns 0, or -EINVAL with the reason printed (the
 * same words in every command).
 */
int outopt_parse(struct outopt *o, const char *cmd, const char *arg, unsigned formats)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		if (strcmp(arg, formats_known[i].name) || !(formats & formats_known[i].bit))
			continue;
		o->format = formats_known[i].bit;
		return 0;
	}
	fprintf(stderr, "nftpol %s: -o: ", cmd);
	if (outopt_is_format(arg)) {
		fprintf(stderr, "%s writes no %s output", cmd, arg);
	} else {
		fputs("unknown output format ", stderr);
		put_quoted(stderr, arg);
	}
	fputs(": expected ", stderr);
	put_formats(stderr, formats);
	fputc('\n', stderr);
	return -EINVAL;
}

/*
 * The usage lines of -o and --output-file for a command writing formats;
 * note (NULL: none), indented by the caller, says more of the formats.
 */
void outopt_usage(FILE *f, unsigned formats, const char *note)
{
	fputs("  -o, --output FORMAT  ", f);
	put_formats(f, formats);
	fputs(" (default text)\n", f);
	if (note)
		fputs(note, f);
	fputs("  --output-file FILE   write the output to FILE instead of stdout (it appears\n"
	      "                       whole once written; nothing is left on failure)\n",
	      f);
}

/*
 * With --output-file, point stdout at a temporary file beside it until
 * outopt_end(); without, do nothing. Returns 0, or -errno with the reason
 * printed (naming cmd).
 */
int outopt_begin(struct outopt *o, const char *cmd)
{
	mode_t mask;
	int fd;

	struct stat st;

	o->saved_fd = -1;
	if (!o->file)
		return 0;
	if (!stat(o->file, &st) && !S_ISREG(st.st_mode)) { /* a device, a FIFO: written straight */
		fd = open(o->file, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0 || fflush(stdout))
			goto fail;
		o->saved_fd = dup(STDOUT_FILENO);
		if (o->saved_fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			goto fail;
		close(fd);
		o->direct = true;
		return 0;
	}
	o->tmp = xasprintf("%s.tmpXXXXXX", o->file);
	fd = mkstemp(o->tmp);
	if (fd < 0 || fflush(stdout))
		goto fail;
	mask = umask(0);
	umask(mask);
	o->saved_fd = dup(STDOUT_FILENO);
	if (fchmod(fd, 0666 & ~mask) || o->saved_fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	fprintf(stderr, "nftpol %s: cannot write %s: %s\n", cmd, o->file, strerror(errno));
	if (fd >= 0) {
		close(fd);
		if (o->tmp)
			unlink(o->tmp);
	}
	if (o->saved_fd >= 0)
		close(o->saved_fd);
	o->saved_fd = -1;
	free(o->tmp);
	o->tmp = NULL;
	return -EIO;
}

/*
 * Flush stdout; with --output-file, give stdout back and rename the
 * temporary file over the output file when keep (the command succeeded),
 * else remove it. Returns 0, or -EIO with the reason printed (naming cmd).
 */
int outopt_end(struct outopt *o, bool keep, const char *cmd)
{
	int ret = fflush(stdout) ? -errno : 0;

	if (o->direct) {
		if (dup2(o->saved_fd, STDOUT_FILENO) < 0 && !ret)
			ret = -errno;
		close(o->saved_fd);
		o->direct = false;
		goto out;
	}
	if (!o->tmp)
		goto out;
	if (dup2(o->saved_fd, STDOUT_FILENO) < 0 && !ret)
		ret = -errno;
	close(o->saved_fd);
	if (keep && !ret && rename(o->tmp, o->file))
		ret = -errno;
	if (!keep || ret)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
out:
	if (ret)
		fprintf(stderr, "nftpol %s: cannot write %s: %s\n", cmd,
			o->file ? o->file : "stdout", strerror(-ret));
	return ret ? -EIO : 0;
}
