// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder for the manifest decoder (see decode.h) until it lands. */
#include "policy/decode.h"

#include <errno.h>

int decode_file(const char *path, struct cluster *c, struct diag_list *d)
{
	diag_add(d, DIAG_ERROR, path, 0, NULL, NULL, "decoding is not implemented yet");
	return -ENOSYS;
}

int decode_buffer(const char *name, const char *buf, size_t len, struct cluster *c,
		  struct diag_list *d)
{
	diag_add(d, DIAG_ERROR, name, 0, NULL, NULL, "decoding is not implemented yet");
	return -ENOSYS;
}

int decode_check_duplicates(const struct cluster *c, struct diag_list *d)
{
	return 0;
}
