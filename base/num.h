/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one checked number parser (the style bans atoi and unchecked strtoul). */
#ifndef BASE_NUM_H
#define BASE_NUM_H

int num_parse(const char *s, unsigned long min, unsigned long max, unsigned long *out)
	__attribute__((warn_unused_result));

#endif
