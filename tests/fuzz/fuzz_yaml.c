// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing the manifest decoder with YAML (or whatever the bytes are): text →
 * documents → Namespaces, Pods and NetworkPolicies, validated, with diagnostics.
 */
#include "fuzz_common.h"
#include "policy/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster c;
	struct diag_list d;

	model_cluster_init(&c);
	diag_list_init(&d);
	decode_buffer("fuzz.yaml", (const char *)data, size, &c, &d);
	model_cluster_seal(&c);
	decode_check_duplicates(&c, &d);
	diag_list_fini(&d);
	model_cluster_fini(&c);
	return 0;
}
