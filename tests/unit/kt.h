/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the kernel tests (test_kernel_*.c). They program nf_tables, so
 * they run only inside network namespaces tests/kernel/run created: this one
 * (NFTPOL_KT_NETNS) and a reference one (NFTPOL_KT_REF) where `nft -f` loads
 * the rendered script. Outside them every kernel test skips itself.
 */
#ifndef TESTS_KT_H
#define TESTS_KT_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft/build.h"
#include "nft/netlink.h"
#include "nft/render.h"
#include "nft/ruleset.h"
#include "policy/xalloc.h"

#define KT_TABLE "nftpol"

/*
 * True only in the network namespace /run/netns/$NFTPOL_KT_NETNS that the runner
 * created for this test, never in the namespace it was started from.
 */
static bool kt_guard(void)
{
	const char *ns = getenv("NFTPOL_KT_NETNS");
	struct stat self, named;
	char *path;
	int ret;

	if (!ns || !getenv("NFTPOL_KT_REF") || strchr(ns, '/'))
		return false;
	path = xasprintf("/run/netns/%s", ns);
	ret = stat(path, &named);
	free(path);
	if (ret || stat("/proc/self/ns/net", &self))
		return false;
	return self.st_ino == named.st_ino && self.st_dev == named.st_dev;
}

/* Run a shell command, return its stdout (and stderr) as a string. */
static char *kt_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *kt_run(const char *fmt, ...)
{
	char *cmd, *out = NULL;
	size_t len = 0;
	FILE *p, *m;
	va_list ap;
	int c;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = popen(cmd, "r");
	m = open_memstream(&out, &len);
	while (p && (c = fgetc(p)) != EOF)
		fputc(c, m);
	if (p)
		pclose(p);
	fclose(m);
	free(cmd);
	return out;
}

static int kt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int kt_sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	ret = system(cmd);
	free(cmd);
	return ret;
}

/* Prefix running a command in the reference namespace. */
static char *kt_ref_prefix(void)
{
	return xasprintf("ip netns exec %s ", getenv("NFTPOL_KT_REF"));
}

/* Empty both namespaces' rulesets (only ever the test namespaces). */
static void kt_reset(void)
{
	char *ref = kt_ref_prefix();

	kt_sh("nft flush ruleset");
	kt_sh("%snft flush ruleset", ref);
	free(ref);
}

/* `nft list table inet nftpol` here (ref false) or in the reference namespace. */
static char *kt_list(bool ref)
{
	char *pre = ref ? kt_ref_prefix() : xstrdup("");
	char *out = kt_run("%snft list table inet %s 2>&1", pre, KT_TABLE);

	free(pre);
	return out;
}

/* Load rs into the reference namespace the way an operator would: nft -f. */
static int kt_ref_load(const struct ruleset *rs)
{
	char path[] = "/tmp/nftpol-kt-XXXXXX";
	char *pre = kt_ref_prefix();
	int fd = mkstemp(path), ret;
	FILE *f = fdopen(fd, "w");

	render_ruleset(rs, f);
	fclose(f);
	ret = kt_sh("%snft -f %s", pre, path);
	if (ret)
		kt_sh("cat %s >&2", path);
	unlink(path);
	free(pre);
	return ret;
}

/* Replace the table with rs here through netlink, one transaction. */
static int kt_nl_replace(const struct ruleset *rs, struct netlink_report *rep)
{
	struct netlink *nl;
	struct build *b;
	uint32_t genid;
	int ret;

	ret = netlink_open(&nl);
	if (ret)
		return ret;
	ret = netlink_getgen(nl, &genid);
	b = build_new(rs->table, netlink_next_seq(nl));
	build_begin(b, genid);
	if (!ret)
		ret = build_replace(b, rs);
	build_end(b);
	if (ret)
		fprintf(stderr, "build: %s\n", build_error(b));
	if (!ret)
		ret = netlink_send(nl, b, rep);
	for (size_t i = 0; ret && i < rep->nerrors && i < NETLINK_ERRORS_MAX; i++) {
		char msg[700];

		netlink_error_str(&rep->e[i], msg, sizeof(msg));
		fprintf(stderr, "kernel: %s\n", msg);
	}
	build_free(b);
	netlink_close(nl);
	return ret;
}

/* The raw dump: every message's attributes in hex, set elements sorted. */
struct kt_dump {
	FILE *out;
	unsigned type;		/* of the message being printed */
	char sets[256][NFT_SET_MAXNAMELEN];
	int nsets;
	char **lines;
	size_t nlines;
};

static void kt_hex(FILE *f, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", c[i]);
}

/* Print a top-level attribute; a table's handle counts tables ever made: skip it. */
static int kt_attr_cb(const struct nlattr *a, void *data)
{
	struct kt_dump *d = data;

	if (d->type == NFT_MSG_NEWTABLE && mnl_attr_get_type(a) == NFTA_TABLE_HANDLE)
		return MNL_CB_OK;
	kt_hex(d->out, a, a->nla_len);
	fputc(' ', d->out);
	if (d->type == NFT_MSG_NEWSET && mnl_attr_get_type(a) == NFTA_SET_NAME && d->nsets < 256)
		snprintf(d->sets[d->nsets++], NFT_SET_MAXNAMELEN, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int kt_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kt_dump *d = data;

	d->type = nlh->nlmsg_type & 0xff;
	fprintf(d->out, "msg %u: ", d->type);
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), kt_attr_cb, d);
	fputc('\n', d->out);
	return MNL_CB_OK;
}

static int kt_elem_cb(const struct nlattr *a, void *data)
{
	struct kt_dump *d = data;
	char *line = NULL;
	size_t len = 0;
	FILE *m;

	m = open_memstream(&line, &len);
	kt_hex(m, a, a->nla_len);
	fclose(m);
	d->lines = xreallocarray(d->lines, d->nlines + 1, sizeof(*d->lines));
	d->lines[d->nlines++] = line;
	return MNL_CB_OK;
}

static int kt_elems_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
		mnl_attr_parse_nested(a, kt_elem_cb, data);
	return MNL_CB_OK;
}

static int kt_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), kt_elems_attr_cb, data);
	return MNL_CB_OK;
}

static int kt_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int kt_dump_one(struct mnl_socket *s, uint16_t type, const char *set,
		       mnl_cb_t cb, struct kt_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 32];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	static uint32_t seq = 1;
	int n, ret;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = set ? NFPROTO_INET : NFPROTO_UNSPEC;
	g->version = NFNETLINK_V0;
	if (set) {
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, KT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	}
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, 0, cb, d);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/* Write the raw dump of the current namespace's ruleset to out. */
static int kt_dump_here(FILE *out)
{
	static const uint16_t types[] = { NFT_MSG_GETTABLE, NFT_MSG_GETCHAIN, NFT_MSG_GETSET,
					  NFT_MSG_GETRULE };
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	struct kt_dump d = { .out = out };
	int ret = 0;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	for (size_t i = 0; !ret && i < sizeof(types) / sizeof(types[0]); i++)
		ret = kt_dump_one(s, types[i], NULL, kt_msg_cb, &d);
	for (int i = 0; !ret && i < d.nsets; i++) {
		d.nlines = 0;
		d.lines = NULL;
		ret = kt_dump_one(s, NFT_MSG_GETSETELEM, d.sets[i], kt_elems_cb, &d);
		qsort(d.lines, d.nlines, sizeof(*d.lines), kt_strcmp);
		fprintf(out, "elements of %s: %zu\n", d.sets[i], d.nlines);
		for (size_t j = 0; j < d.nlines; j++) {
			fprintf(out, "  %s\n", d.lines[j]);
			free(d.lines[j]);
		}
		free(d.lines);
	}
	mnl_socket_close(s);
	return ret;
}

/* The raw dump here (ref false) or in the reference namespace, as a string. */
static char *kt_raw(bool ref)
{
	char path[] = "/tmp/nftpol-kt-raw-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;
	char *out;

	pid = fork();
	if (pid == 0) {
		FILE *f = fdopen(fd, "w");

		if (ref) {
			char *ns = xasprintf("/run/netns/%s", getenv("NFTPOL_KT_REF"));
			int nsfd = open(ns, O_RDONLY);

			if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
				_exit(2);
		}
		_exit(kt_dump_here(f) ? 1 : (fclose(f), 0));
	}
	close(fd);
	waitpid(pid, &status, 0);
	out = kt_run("cat %s; %s", path,
		     WIFEXITED(status) && !WEXITSTATUS(status) ? "" : "echo DUMP FAILED");
	unlink(path);
	return out;
}

/* Parse one field value of type t ("10.0.0.1", "fd00::1", "6", "80") into p. */
static void kt_value(enum rs_type t, const char *v, uint8_t *p)
{
	unsigned long n = strtoul(v, NULL, 10);

	switch (t) {
	case RS_TYPE_IPV4:
		if (inet_pton(AF_INET, v, p) != 1)
			abort();
		break;
	case RS_TYPE_IPV6:
		if (inet_pton(AF_INET6, v, p) != 1)
			abort();
		break;
	case RS_TYPE_PROTO:
		p[0] = (uint8_t)n;
		break;
	case RS_TYPE_SERVICE:
		p[0] = (uint8_t)(n >> 8);
		p[1] = (uint8_t)n;
		break;
	}
}

/*
 * Add an element written as "lo[-hi] . lo[-hi] ..." (fields in key order,
 * protocols as numbers) with an optional jump target to s.
 */
static void kt_elem(struct rs_set *s, const char *text, const char *chain)
{
	struct rs_elem *e = ruleset_set_add_elem(s);
	char *copy = xstrdup(text), *f = copy, *next;

	for (unsigned i = 0; f; i++, f = next) {
		unsigned off = s->nkey == 1 ? 0 : ruleset_field_offset(s, i);
		char *dash;

		next = strstr(f, " . ");
		if (next) {
			*next = '\0';
			next += 3;
		}
		dash = strchr(f, '-');
		if (dash)
			*dash = '\0';
		kt_value(s->key[i], f, e->key + off);
		kt_value(s->key[i], dash ? dash + 1 : f, e->key_end + off);
	}
	if (chain)
		e->chain = xstrdup(chain);
	free(copy);
}

/* Show a unified diff of two texts on stderr when they differ; true if equal. */
static bool kt_same(const char *what, const char *a, const char *b)
{
	char pa[] = "/tmp/nftpol-kt-a-XXXXXX", pb[] = "/tmp/nftpol-kt-b-XXXXXX";
	int fa, fb;

	if (!strcmp(a, b))
		return true;
	fa = mkstemp(pa);
	fb = mkstemp(pb);
	if (write(fa, a, strlen(a)) < 0 || write(fb, b, strlen(b)) < 0)
		abort();
	close(fa);
	close(fb);
	fprintf(stderr, "%s differs (--- netlink, +++ nft -f):\n", what);
	kt_sh("diff -u %s %s >&2", pa, pb);
	unlink(pa);
	unlink(pb);
	return false;
}

#endif
