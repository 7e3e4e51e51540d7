// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing the manifest decoder's JSON path: inputs that do not start (after
 * white space) with '{' or '[' are left to the YAML harness.
 */
#include "fuzz_common.h"
#include "policy/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster c;
	struct diag_list d;
	size_t i = 0;

	while (i < size && strchr(" \t\r\n", data[i]) && data[i])
		i++;
	if (i == size || (data[i] != '{' && data[i] != '['))
		return -1;
	model_cluster_init(&c);
	diag_list_init(&d);
	decode_buffer("fuzz.json", (const char *)data, size, &c, &d);
	diag_list_fini(&d);
	model_cluster_fini(&c);
	return 0;
}
