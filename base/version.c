// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The version strings (see version.h): nftpol's from the header the build
 * generates (cmake/version.cmake), the libraries' from CMake's compile
 * definitions.
 */
#include "base/version.h"

#ifdef NFTPOL_VERSION_H
#include "nftpol_version.h"
#endif

#ifndef NFTPOL_VERSION
#define NFTPOL_VERSION "unknown"
#endif
#ifndef NFTPOL_REVISION
#define NFTPOL_REVISION "unknown"
#endif
#ifndef NFTPOL_LIBNFTNL_VERSION
#define NFTPOL_LIBNFTNL_VERSION "unknown"
#endif
#ifndef NFTPOL_LIBMNL_VERSION
#define NFTPOL_LIBMNL_VERSION "unknown"
#endif
#ifndef NFTPOL_LIBCURL_VERSION
#define NFTPOL_LIBCURL_VERSION "unknown"
#endif
#ifndef NFTPOL_LIBYAML_VERSION
#define NFTPOL_LIBYAML_VERSION "unknown"
#endif
#ifndef NFTPOL_CJSON_VERSION
#define NFTPOL_CJSON_VERSION "unknown"
#endif

/* This build: what the build knew when it compiled this file. */
const struct version version_build = {
	.nftpol = NFTPOL_VERSION,
	.revision = NFTPOL_REVISION,
	.libnftnl = NFTPOL_LIBNFTNL_VERSION,
	.libmnl = NFTPOL_LIBMNL_VERSION,
	.libcurl = NFTPOL_LIBCURL_VERSION,
	.libyaml = NFTPOL_LIBYAML_VERSION,
	.cjson = NFTPOL_CJSON_VERSION,
};
