// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers of the kernel tests (see kt.h). The only C file allowed to run other
 * programs (`nft`, `ip`, `diff`, `sort`; tests/security/check): only ever inside
 * the network namespaces tests/kernel/run created.
 */
#include "kt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
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
#include "base/xalloc.h"

/*
 * True only in the network namespace /run/netns/$NFTPOL_KT_NETNS that the runner
 * created for this test, never in the namespace it was started from.
 */
bool kt_guard(void)
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
char *kt_run(const char *fmt, ...)
{
	char *cmd, *out = NULL;
	size_t len = 0;
	FILE *p, *m;
	va_list ap;
	int c;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	m = xnonnull(open_memstream(&out, &len));
	while (p && (c = fgetc(p)) != EOF)
		fputc(c, m);
	if (p)
		pclose(p);
	fclose(m);
	free(cmd);
	return out;
}

/* Run a shell command; its system() status. */
int kt_sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	ret = system(cmd);
	free(cmd);
	return ret;
}

/* Prefix running a command in the reference namespace. */
char *kt_ref_prefix(void)
{
	return xasprintf("ip netns exec %s ", getenv("NFTPOL_KT_REF"));
}

/* Empty both namespaces' rulesets (only ever the test namespaces). */
void kt_reset(void)
{
	char *ref = kt_ref_prefix();

	kt_sh("nft flush ruleset");
	kt_sh("%snft flush ruleset", ref);
	free(ref);
}

/* `nft list table inet nftpol` here (ref false) or in the reference namespace. */
char *kt_list(bool ref)
{
	char *pre = ref ? kt_ref_prefix() : xstrdup("");
	char *out = kt_run("%snft list table inet %s 2>&1", pre, KT_TABLE);

	free(pre);
	return out;
}

/* Load rs into the reference namespace the way an operator would: nft -f. */
int kt_ref_load(const struct ruleset *rs)
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
int kt_nl_replace(const struct ruleset *rs, struct netlink_report *rep)
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
struct dump {
	FILE *out;
	bool mask;     /* leave out chain, set and rule handles too */
	unsigned type; /* of the message being printed */
	char sets[256][NFT_SET_MAXNAMELEN];
	int nsets;
	char **lines;
	size_t nlines;
};

static void hex(FILE *f, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", c[i]);
}

/* Print a top-level attribute; a table's handle counts tables ever made: skip it. */
static int attr_cb(const struct nlattr *a, void *data)
{
	struct dump *d = data;

	unsigned t = mnl_attr_get_type(a);

	if (d->type == NFT_MSG_NEWTABLE && t == NFTA_TABLE_HANDLE)
		return MNL_CB_OK;
	if (d->mask &&
	    ((d->type == NFT_MSG_NEWCHAIN && t == NFTA_CHAIN_HANDLE) ||
	     (d->type == NFT_MSG_NEWSET && t == NFTA_SET_HANDLE) ||
	     (d->type == NFT_MSG_NEWOBJ && t == NFTA_OBJ_HANDLE) ||
	     (d->type == NFT_MSG_NEWRULE && (t == NFTA_RULE_HANDLE || t == NFTA_RULE_POSITION))))
		return MNL_CB_OK;
	hex(d->out, a, a->nla_len);
	fputc(' ', d->out);
	if (d->type == NFT_MSG_NEWSET && mnl_attr_get_type(a) == NFTA_SET_NAME && d->nsets < 256)
		snprintf(d->sets[d->nsets++], NFT_SET_MAXNAMELEN, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;

	d->type = nlh->nlmsg_type & 0xff;
	fprintf(d->out, "msg %u: ", d->type);
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, d);
	fputc('\n', d->out);
	return MNL_CB_OK;
}

static int elem_cb(const struct nlattr *a, void *data)
{
	struct dump *d = data;
	char *line = NULL;
	size_t len = 0;
	FILE *m;

	m = xnonnull(open_memstream(&line, &len));
	hex(m, a, a->nla_len);
	fclose(m);
	d->lines = xreallocarray(d->lines, d->nlines + 1, sizeof(*d->lines));
	d->lines[d->nlines++] = line;
	return MNL_CB_OK;
}

static int elems_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
		mnl_attr_parse_nested(a, elem_cb, data);
	return MNL_CB_OK;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), elems_attr_cb, data);
	return MNL_CB_OK;
}

/* strcmp() for qsort() over an array of strings. */
static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dump_one(struct mnl_socket *s, uint16_t type, const char *set, mnl_cb_t cb,
		    struct dump *d)
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
static int dump_here(FILE *out, bool mask)
{
	static const uint16_t types[] = { NFT_MSG_GETTABLE, NFT_MSG_GETCHAIN, NFT_MSG_GETSET,
					  NFT_MSG_GETOBJ, NFT_MSG_GETRULE };
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	struct dump d = { .out = out, .mask = mask };
	int ret = 0;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	for (size_t i = 0; !ret && i < sizeof(types) / sizeof(types[0]); i++)
		ret = dump_one(s, types[i], NULL, msg_cb, &d);
	for (int i = 0; !ret && i < d.nsets; i++) {
		d.nlines = 0;
		d.lines = NULL;
		ret = dump_one(s, NFT_MSG_GETSETELEM, d.sets[i], elems_cb, &d);
		xqsort(d.lines, d.nlines, sizeof(*d.lines), str_ptr_cmp);
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

/*
 * The raw dump here (ref false) or in the reference namespace, as a string.
 * With mask, handles are left out and lines sorted: objects made in another
 * order (incremental updates) compare equal when their content is.
 */
char *kt_raw_any(bool ref, bool mask)
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
		_exit(dump_here(f, mask) ? 1 : (fclose(f), 0));
	}
	close(fd);
	waitpid(pid, &status, 0);
	out = kt_run("%s %s; %s", mask ? "sort" : "cat", path,
		     WIFEXITED(status) && !WEXITSTATUS(status) ? "" : "echo DUMP FAILED");
	unlink(path);
	return out;
}

/* The raw dump here (ref false) or in the reference namespace, handles kept. */
char *kt_raw(bool ref)
{
	return kt_raw_any(ref, false);
}

/* Append the elements list starting at lines[*i] to m, one sorted element a line. */
static void norm_elems(char **lines, size_t n, size_t *i, FILE *m)
{
	char *all = NULL, **v = NULL, *p, *save = NULL;
	size_t len = 0, nv = 0;
	FILE *j = xnonnull(open_memstream(&all, &len));

	for (; *i < n; (*i)++) {
		char *l = strchr(lines[*i], '{') && strstr(lines[*i], "elements")
				  ? strchr(lines[*i], '{') + 1
				  : lines[*i];
		char *close = strrchr(l, '}');

		fprintf(j, "%.*s,", close ? (int)(close - l) : (int)strlen(l), l);
		if (close)
			break;
	}
	fclose(j);
	for (p = strtok_r(all, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		for (char *e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		v = xreallocarray(v, nv + 1, sizeof(*v));
		v[nv++] = p;
	}
	xqsort(v, nv, sizeof(*v), str_ptr_cmp);
	fputs("\t\telements = {\n", m);
	for (size_t k = 0; k < nv; k++)
		fprintf(m, "\t\t\t%s\n", v[k]);
	fputs("\t\t}\n", m);
	free(v);
	free(all);
}

/*
 * `nft list table` text with the counter, set, map and chain blocks sorted by name and
 * the elements of each sorted, one a line: the order the kernel keeps objects
 * in (creation order) and hash set elements in (seeded per set) is not content.
 */
char *kt_norm_listing(const char *text)
{
	char *copy = xstrdup(text), **lines = NULL, **blocks = NULL, *out = NULL, *save = NULL;
	size_t n = 0, nb = 0, len = 0, blen = 0, i;
	FILE *m = xnonnull(open_memstream(&out, &len)), *b = NULL;
	char *blk = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lines = xreallocarray(lines, n + 1, sizeof(*lines));
		lines[n++] = l;
	}
	for (i = 0; i < n; i++) {
		char *l = lines[i];

		if (!b && (!strncmp(l, "\tset ", 5) || !strncmp(l, "\tmap ", 5) ||
			   !strncmp(l, "\tchain ", 7) || !strncmp(l, "\tcounter ", 9))) {
			b = xnonnull(open_memstream(&blk, &blen));
		}
		if (!b) {
			if (strcmp(l, "}"))
				fprintf(m, "%s\n", l);
			continue;
		}
		if (strstr(l, "elements = {"))
			norm_elems(lines, n, &i, b);
		else
			fprintf(b, "%s\n", l);
		if (!strcmp(l, "\t}")) {
			fclose(b);
			b = NULL;
			blocks = xreallocarray(blocks, nb + 1, sizeof(*blocks));
			blocks[nb++] = blk;
		}
	}
	if (b)
		fclose(b);
	xqsort(blocks, nb, sizeof(*blocks), str_ptr_cmp);
	for (i = 0; i < nb; i++) {
		fputs(blocks[i], m);
		free(blocks[i]);
	}
	fputs("}\n", m);
	fclose(m);
	free(blocks);
	free(lines);
	free(copy);
	return out;
}

/*
 * Parse one field value of type t ("10.0.0.1", "fd00::1", "6", "80") into p; a
 * malformed address is a bug in the test calling it: abort.
 */
static void parse_value(enum rs_type t, const char *v, uint8_t *p)
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
	case RS_TYPE_MARK: {
		uint32_t m = (uint32_t)n;

		memcpy(p, &m, sizeof(m));
		break;
	}
	}
}

/*
 * Add an element written as "lo[-hi] . lo[-hi] ..." (fields in key order,
 * protocols as numbers) with an optional jump target to s.
 */
void kt_elem(struct rs_set *s, const char *text, const char *chain)
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
		parse_value(s->key[i], f, e->key + off);
		if (e->key_end)
			parse_value(s->key[i], dash ? dash + 1 : f, e->key_end + off);
	}
	if (chain)
		e->chain = xstrdup(chain);
	free(copy);
}

/* Show a unified diff of two texts on stderr when they differ; true if equal. */
bool kt_same(const char *what, const char *a, const char *b)
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
