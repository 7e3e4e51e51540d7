/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this build of nftpol is: its version (git describe at build time, or
 * the project version without git) and the versions of the libraries it was
 * built against (pkg-config). The versions of the libraries that have a
 * run-time call (libcurl, libyaml, cJSON) are asked at run time where printed;
 * base/ cannot call them.
 */
#ifndef BASE_VERSION_H
#define BASE_VERSION_H

struct version {
	const char *nftpol;   /* e.g. "0.2.0", "0.2.0-3-gabc1234-dirty" */
	const char *revision; /* git describe --tags --always --dirty, or "unknown" */
	const char *libnftnl; /* the versions built against (pkg-config) */
	const char *libmnl;
	const char *libcurl;
	const char *libyaml;
	const char *cjson;
};

extern const struct version version_build;

#endif
