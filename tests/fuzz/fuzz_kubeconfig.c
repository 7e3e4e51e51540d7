// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing the kubeconfig loader: the input is the file (passed through a memfd,
 * read as /proc/self/fd/N), loaded with the current context and with context
 * "c", and as the preview commands load it (exec plugins read, never run);
 * and the base64 decoder on the raw bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/kube/kubeconfig.h"
#include "fuzz_common.h"

static void load(const char *path, const char *context, unsigned flags)
{
	struct kubeconfig kc = { 0 };
	char *err = NULL;

	if (!kubeconfig_load_flags(path, context, flags, &kc, &err))
		kubeconfig_fini(&kc);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *s, *out = NULL;
	size_t outlen = 0;
	int fd = memfd_create("fuzz-kubeconfig", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	load(path, NULL, 0);
	load(path, "c", 0);
	/* the exec section as the previews read it (parsed only: nothing is run) */
	load(path, NULL, KUBECONFIG_EXEC_ALLOWED);
	close(fd);
	s = fuzz_strndup(data, size);
	if (!kubeconfig_b64decode(s, &out, &outlen))
		free(out);
	free(s);
	return 0;
}
