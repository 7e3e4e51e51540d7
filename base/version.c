// SPDX-License-Identifier: GPL-2.0-or-later
/* The version strings (see version.h), from CMake's compile definitions. */
#include "base/version.h"

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

/* This build: what CMake knew when it configured it. */
const struct version version_build = {
	.nftpol = NFTPOL_VERSION,
	.revision = NFTPOL_REVISION,
	.libnftnl = NFTPOL_LIBNFTNL_VERSION,
	.libmnl = NFTPOL_LIBMNL_VERSION,
	.libcurl = NFTPOL_LIBCURL_VERSION,
};
