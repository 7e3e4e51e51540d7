// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol apply [--node NAME] [--check] [--replace] [--keep-established] FILE...`:
 * decode, compile, read the kernel's table back, send the difference (or the
 * whole table) in one transaction, print one summary line; then cut the
 * established connections the new table no longer admits (nft/ctsweep.c). Exit 0 ok, 2 bad input, 3
 * kernel failure; a failure leaves the previous ruleset in the kernel as it was.
 */
#include "agent/cli/cmd_apply.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/cli/input.h"
#include "agent/cli/prepare.h"
#include "nft/apply.h"
#include "nft/compile.h"
#include "nft/ctsweep.h"
#include "nft/netlink.h"

struct apply_opts {
	const char *node; /* borrowed from argv; NULL: every node */
	struct compile_opts co;
	unsigned flags; /* APPLY_CHECK, APPLY_REPLACE */
	bool keep_established;
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol apply [--node NAME] [--check] [--replace] [--keep-established] "
	      "FILE...\n"
	      "  Compile Namespaces, Pods and NetworkPolicies (YAML or JSON; '-' for stdin,\n"
	      "  a directory for its *.yaml/*.yml/*.json) and program table\n"
	      "  inet " COMPILE_TABLE " through netlink in one transaction: only the difference\n"
	      "  to what the kernel holds, or the whole table when it is missing or was changed\n"
	      "  by someone else.\n"
	      "  --node NAME   enforce only for pods scheduled on NAME (peers: whole cluster);\n"
	      "                a NAME no pod is on is warned about\n"
	      "  --check       let the kernel validate the batch, commit nothing\n"
	      "  --replace     replace the whole table even if a difference would do\n"
	      "  --keep-established\n"
	      "                let established connections the new table denies live on\n"
	      "                (by default their packets are dropped from now on)\n"
	      "exit status: 0 ok, 2 bad input, 3 kernel failure (the table is left as it was)\n",
	      f);
	input_compile_usage(f);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void summary(const struct ruleset *rs, const struct apply_result *res, bool check, double ms)
{
	printf("nftpol apply: table inet %s: ", rs->table);
	if (!res->sent) {
		printf("no change (%zu sets, %zu chains); %.1f ms\n", rs->nsets, rs->nchains, ms);
		return;
	}
	if (res->full)
		printf("replaced whole (%s): ", res->why);
	else
		printf("updated: ");
	diff_stats_print(&res->st, stdout);
	printf("; %zu messages, %zu bytes%s", res->msgs, res->bytes,
	       check ? "; validated by the kernel, nothing committed" : "");
	if (res->tries > 1)
		printf("; attempt %d (the table changed while it was read)", res->tries);
	printf("; %.1f ms\n", ms);
}

/* Say why nothing was programmed; the exit code. */
static int failure(const struct apply_result *res, int ret)
{
	char msg[700];

	switch (res->stage) {
	case APPLY_STAGE_BUILD:
		fprintf(stderr, "nftpol apply: the ruleset cannot be programmed: %s\n", res->err);
		return 2;
	case APPLY_STAGE_KERNEL:
		if (ret == -EMSGSIZE || !res->rep.nerrors)
			fprintf(stderr, "nftpol apply: sending the batch failed: %s\n",
				strerror(-ret));
		for (size_t i = 0; i < res->rep.nerrors && i < NETLINK_ERRORS_MAX; i++) {
			netlink_error_str(&res->rep.e[i], msg, sizeof(msg));
			fprintf(stderr, "nftpol apply: kernel rejected the batch: %s\n", msg);
		}
		if (res->rep.nerrors > NETLINK_ERRORS_MAX)
			fprintf(stderr, "nftpol apply: ... and %zu more errors\n",
				res->rep.nerrors - NETLINK_ERRORS_MAX);
		break;
	default:
		fprintf(stderr, "nftpol apply: reading table inet %s back failed: %s\n",
			COMPILE_TABLE, strerror(-ret));
		break;
	}
	fputs("nftpol apply: nothing was changed\n", stderr);
	return 3;
}

/* After a commit: cut what the new table denies; a failure only warns. */
static void sweep(struct netlink *nl, const struct ruleset *rs)
{
	struct ctsweep_local local;
	struct ctsweep_stats st;
	int ret = ctsweep_local_read(&local);

	if (!ret) {
		ret = ctsweep(nl, rs, &local, COMPILE_CT_REVOKED, &st);
		ctsweep_local_fini(&local);
	}
	if (ret) {
		fprintf(stderr,
			"nftpol apply: warning: established connections were not judged: %s "
			"(the table is applied; connections it denies may live on)\n",
			strerror(-ret));
		return;
	}
	printf("nftpol apply: established connections: %zu of local pods judged, %zu cut, "
	       "%zu admitted again\n",
	       st.judged, st.cut, st.restored);
}

static int program(const struct ruleset *rs, unsigned flags, bool keep_established)
{
	struct apply_result res;
	struct netlink *nl;
	struct timespec t0;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = netlink_open(&nl);
	if (ret) {
		fprintf(stderr, "nftpol apply: netlink: %s\n", strerror(-ret));
		return 3;
	}
	ret = apply_ruleset(nl, rs, NULL, flags, &res);
	if (ret) {
		netlink_close(nl);
		return failure(&res, ret);
	}
	summary(rs, &res, flags & APPLY_CHECK, ms_since(&t0));
	if (res.sent && !(flags & APPLY_CHECK) && !keep_established)
		sweep(nl, rs);
	netlink_close(nl);
	return 0;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct apply_opts *o)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'c' },
		{ "replace", no_argument, NULL, 'r' },
		{ "keep-established", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		INPUT_COMPILE_OPTIONS,
		{ 0 },
	};
	int opt, r;

	while ((opt = getopt_long(argc, argv, "n:crkh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->node = optarg;
			break;
		case 'c':
			o->flags |= APPLY_CHECK;
			break;
		case 'r':
			o->flags |= APPLY_REPLACE;
			break;
		case 'k':
			o->keep_established = true;
			break;
		case 'h':
			usage(stdout);
			o->help = true;
			return 0;
		default:
			r = input_compile_option(&o->co, opt, optarg, "apply");
			if (r > 0)
				break;
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fputs("nftpol apply: no input files\n", stderr);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Entry point of `nftpol apply`; returns the exit code. */
int cmd_apply_main(int argc, char **argv)
{
	struct apply_opts o = { 0 };
	struct ruleset rs;
	int ret;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.help)
		return 0;
	o.co.node = o.node;
	if (prepare_ruleset(argv + optind, argc - optind, &o.co, "apply", &rs))
		return 2;
	ret = program(&rs, o.flags, o.keep_established);
	ruleset_fini(&rs);
	return ret;
}
