/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this build of nftpol is: its version, the git revision it was
 * configured from and the versions of the libraries pkg-config found, all
 * fixed when CMake configures the build (CMakeLists.txt). libcurl's version at
 * run time comes from curl_version_info(), which base/ cannot call.
 */
#ifndef BASE_VERSION_H
#define BASE_VERSION_H

struct version {
	const char *nftpol;   /* the project version, e.g. "0.2.0-dev" */
	const char *revision; /* git describe --always --dirty, or "unknown" */
	const char *libnftnl; /* the versions built against (pkg-config) */
	const char *libmnl;
	const char *libcurl;
};

extern const struct version version_build;

#endif
