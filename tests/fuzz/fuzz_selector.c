// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing label selectors and the CIDR parser. The input is a YAML or JSON
 * mapping: `selector` is decoded as a metav1.LabelSelector and matched against
 * the label map `labels`, then formatted; every string under `cidrs` is parsed
 * as a CIDR and as an address, formatted, and the later ones are subtracted
 * from the first as except blocks.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "policy/cidr.h"
#include "policy/diag.h"
#include "policy/field.h"
#include "policy/decode_selector.h"
#include "policy/manifest.h"
#include "policy/selector.h"

#define MAX_CIDRS 64

static void cidrs(const cJSON *list)
{
	struct addr a[MAX_CIDRS], one;
	struct addr_range *r = NULL;
	char buf[CIDR_STR_MAX];
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach (it, list) {
		if (!cJSON_IsString(it) || n == MAX_CIDRS)
			continue;
		if (!cidr_parse_addr(it->valuestring, &one))
			cidr_format_addr(&one, buf, sizeof(buf));
		if (cidr_parse(it->valuestring, &a[n]))
			continue;
		cidr_format(&a[n], buf, sizeof(buf));
		if (n)
			cidr_strict_subset(&a[0], &a[n]);
		n++;
	}
	if (n) {
		cidr_contains_addr(&a[0], &a[n - 1]);
		cidr_subtract(&a[0], a + 1, n - 1, &r);
		free(r);
	}
}

static void on_doc(void *arg, const cJSON *root, const struct manifest_doc *doc)
{
	struct field_ctx f = { .file = "fuzz", .doc = doc, .d = arg };
	struct selector sel = { 0 };
	struct labels l = { 0 };

	if (!cJSON_IsObject(root))
		return;
	cidrs(cJSON_GetObjectItemCaseSensitive(root, "cidrs"));
	if (decode_selector(&f, root, "selector", &sel) < 0)
		goto out;
	field_labels(&f, root, "labels", &l);
	selector_matches(&sel, &l);
	selector_is_empty(&sel);
	free(selector_to_string(&sel));
out:
	model_selector_fini(&sel);
	model_labels_fini(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list d;

	diag_list_init(&d);
	manifest_parse("fuzz", (const char *)data, size, on_doc, &d, &d);
	diag_list_fini(&d);
	return 0;
}
