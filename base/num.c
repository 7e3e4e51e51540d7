// SPDX-License-Identifier: GPL-2.0-or-later
/* The checked number parser (see num.h). */
#include "base/num.h"

#include <errno.h>
#include <stdlib.h>

/*
 * Parse s as a whole decimal number in [min, max]: digits only (no sign, no
 * space, nothing after). Returns 0 and *out, or -EINVAL (s is not such a
 * number) or -ERANGE (outside the bounds); *out is untouched on failure.
 */
int num_parse(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
