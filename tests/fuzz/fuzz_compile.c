// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing the whole path of `nftpol compile`: decode → seal → check duplicates →
 * compile (for every pod, and for node "n1") → render the nft script.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "nft/compile.h"
#include "nft/render.h"
#include "policy/decode.h"

static void compile_render(const struct cluster *c, const char *node)
{
	struct ruleset rs;
	struct diag_list d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	diag_list_init(&d);
	compile_cluster(c, node, &rs, &d);
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	render_ruleset(&rs, f);
	fclose(f);
	free(buf);
	ruleset_fini(&rs);
	diag_list_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster c;
	struct diag_list d;

	model_cluster_init(&c);
	diag_list_init(&d);
	decode_buffer("fuzz.yaml", (const char *)data, size, &c, &d);
	model_cluster_seal(&c);
	if (!d.nerrors && !decode_check_duplicates(&c, &d)) {
		compile_render(&c, NULL);
		compile_render(&c, "n1");
	}
	diag_list_fini(&d);
	model_cluster_fini(&c);
	return 0;
}
