// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing what the API server sends: the input is a watch stream cut into pieces
 * at sizes taken from its first bytes, framed by linebuf (a small maximum, so
 * the overflow path runs too); each line is decoded as a watch event and its
 * object as a store object of every kind. The whole input is also decoded as a
 * LIST page of every kind.
 */
#include <stdlib.h>

#include "base/linebuf.h"
#include "agent/kube/watch_decode.h"
#include "fuzz_common.h"
#include "policy/diag.h"

static int on_line(char *line, size_t len, void *arg)
{
	struct watch_event ev;
	struct store_obj o;
	struct diag_list d;

	/* As agent/watch.c does: fini whatever the result. */
	if (watch_decode_event(line, len, &ev)) {
		watch_decode_event_fini(&ev);
		return 0;
	}
	watch_decode_gone(&ev.status);
	for (int k = 0; k < STORE_KINDS && ev.object; k++) {
		diag_list_init(&d);
		if (!watch_decode_object(k, ev.object, &o, &d))
			store_obj_fini(&o);
		diag_list_fini(&d);
	}
	watch_decode_event_fini(&ev);
	return 0;
}

static void decode_lists(const uint8_t *data, size_t size)
{
	struct store_obj *objs;
	struct diag_list d;
	char *rv, *cont;
	size_t n;

	for (int k = 0; k < STORE_KINDS; k++) {
		objs = NULL;
		rv = cont = NULL;
		n = 0;
		diag_list_init(&d);
		watch_decode_list(k, (const char *)data, size, &objs, &n, &rv, &cont, &d);
		for (size_t i = 0; i < n; i++)
			store_obj_fini(&objs[i]);
		free(objs);
		free(rv);
		free(cont);
		diag_list_fini(&d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf lb;
	size_t off = 0, chunk;
	unsigned seed;

	if (size < 2)
		return 0;
	seed = data[0] | data[1] << 8;
	linebuf_init(&lb, 1u << (8 + seed % 10));
	data += 2;
	size -= 2;
	while (off < size) {
		chunk = 1 + (seed % 97);
		seed = seed * 1103515245u + 12345u;
		if (chunk > size - off)
			chunk = size - off;
		if (linebuf_feed(&lb, (const char *)data + off, chunk, on_line, NULL))
			linebuf_reset(&lb);
		off += chunk;
	}
	linebuf_fini(&lb);
	decode_lists(data, size);
	return 0;
}
