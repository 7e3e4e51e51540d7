// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol version` (and `nftpol --version`, `-V`): nftpol's version as the
 * build found it in git (base/version.h; the version label of
 * nftpol_build_info on /metrics is the same string), then one line per
 * library: the version loaded where the library can say (libyaml, libcurl,
 * cJSON), else the one built against (libnftnl, libmnl).
 */
#include "agent/cli/cmd_version.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <yaml.h>

#include "base/version.h"

static void usage(FILE *f)
{
	fputs("usage: nftpol version\n"
	      "  Print nftpol's version (from git when it was built) and the versions of the\n"
	      "  libraries it uses: loaded, or built against where a library cannot say.\n",
	      f);
}

/* Entry point of `nftpol version`; returns the exit code. */
int cmd_version_main(int argc, char **argv)
{
	const struct version *v = &version_build;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "nftpol version: unexpected argument '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	printf("nftpol %s\n", v->nftpol);
	if (strcmp(v->revision, "unknown"))
		printf("  git %s\n", v->revision);
	printf("  libnftnl %s (built against)\n", v->libnftnl);
	printf("  libmnl %s (built against)\n", v->libmnl);
	printf("  libyaml %s (built against %s)\n", yaml_get_version_string(), v->libyaml);
	printf("  libcurl %s (built against %s)\n", curl_version_info(CURLVERSION_NOW)->version,
	       v->libcurl);
	printf("  cJSON %s (built against %s)\n", cJSON_Version(), v->cjson);
	return fflush(stdout) ? 2 : 0;
}
