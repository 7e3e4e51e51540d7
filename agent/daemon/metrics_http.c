// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The metrics and health listener (see metrics_http.h). Sockets are
 * non-blocking; a request is read until the end of its head, the whole
 * response is rendered at once and written as the socket accepts it.
 */
#include "agent/daemon/metrics_http.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/now.h"
#include "base/xalloc.h"

struct client {
	int fd; /* -1: free */
	char req[METRICS_HTTP_REQ_MAX + 1];
	size_t reqlen;
	char *out; /* owned; the response, once the request is read */
	size_t outlen, outoff;
	int64_t deadline;
};

struct metrics_http {
	int lfd;		 /* listening socket */
	const struct metrics *m; /* borrowed */
	struct client c[METRICS_HTTP_CLIENTS];
};

/* Split "host:port" or "[v6]:port" into host and port (both owned by the caller). */
static int split_addr(const char *addr, char **host, char **port)
{
	const char *colon;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		*host = xstrndup(addr + 1, (size_t)(end - addr - 1));
		*port = xstrdup(end + 2);
		return 0;
	}
	colon = strrchr(addr, ':');
	if (!colon || strchr(addr, ':') != colon)
		return -EINVAL;
	*host = xstrndup(addr, (size_t)(colon - addr));
	*port = xstrdup(colon + 1);
	return 0;
}

static int listen_on(const char *addr, char **err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char *host = NULL, *port = NULL;
	int fd = -1, one = 1, ret;

	if (split_addr(addr, &host, &port) < 0)
		return xseterr(err, -EINVAL, "metrics address %s: expected HOST:PORT", addr);
	ret = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (ret) {
		xseterr(err, -EINVAL, "metrics address %s: %s", addr, gai_strerror(ret));
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		xseterr(err, -errno, "metrics address %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (ai)
		freeaddrinfo(ai);
	free(host);
	free(port);
	return fd < 0 ? -EINVAL : fd;
}

/*
 * Listen on addr ("127.0.0.1:9465", "[::1]:9465", ":9465" for every address)
 * and serve m (borrowed). Returns 0 and *out, or -errno with *err (owned by the
 * caller) saying why.
 */
int metrics_http_new(const char *addr, const struct metrics *m, struct metrics_http **out,
		     char **err)
{
	struct metrics_http *h;
	int fd = listen_on(addr, err);

	*out = NULL;
	if (fd < 0)
		return fd;
	h = xcalloc(1, sizeof(*h));
	h->lfd = fd;
	h->m = m;
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		h->c[i].fd = -1;
	*out = h;
	return 0;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return;
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		client_close(&h->c[i]);
	close(h->lfd);
	free(h);
}

/*
 * The descriptors to poll: the listener (while a client slot is free) and every
 * client, reading or writing. Returns how many of fds (max entries) were filled.
 */
size_t metrics_http_pollfds(const struct metrics_http *h, struct pollfd *fds, size_t max)
{
	size_t n = 0, used = 0;

	for (int i = 0; i < METRICS_HTTP_CLIENTS && n < max; i++) {
		if (h->c[i].fd < 0)
			continue;
		used++;
		fds[n].fd = h->c[i].fd;
		fds[n].events = h->c[i].out ? POLLOUT : POLLIN;
		fds[n++].revents = 0;
	}
	if (used < METRICS_HTTP_CLIENTS && n < max) {
		fds[n].fd = h->lfd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	return n;
}

/* The earliest client deadline, or NOW_NEVER. */
int64_t metrics_http_deadline(const struct metrics_http *h)
{
	int64_t d = NOW_NEVER;

	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		if (h->c[i].fd >= 0 && h->c[i].deadline < d)
			d = h->c[i].deadline;
	return d;
}

static void accept_clients(struct metrics_http *h, int64_t now)
{
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++) {
		int fd;

		if (h->c[i].fd >= 0)
			continue;
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		h->c[i].fd = fd;
		h->c[i].deadline = now + METRICS_HTTP_TIMEOUT_MS;
	}
}

static void respond(struct client *c, int code, const char *reason, const char *type,
		    const char *body, size_t len)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = xnonnull(open_memstream(&out, &outlen));

	fprintf(f,
		"HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n",
		code, reason, type, len);
	fwrite(body, 1, len, f);
	if (fclose(f))
		xoom(0);
	c->out = out;
	c->outlen = outlen;
	c->outoff = 0;
}

static void respond_metrics(struct metrics_http *h, struct client *c)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&body, &len));

	metrics_render(h->m, f);
	if (fclose(f))
		xoom(0);
	respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
	free(body);
}

static void route(struct metrics_http *h, struct client *c)
{
	char method[8] = "", path[64] = "";
	const char *text = "text/plain; charset=utf-8";

	if (sscanf(c->req, "%7s %63s", method, path) != 2) {
		respond(c, 400, "Bad Request", text, "bad request\n", 12);
		return;
	}
	if (strcmp(method, "GET")) {
		respond(c, 405, "Method Not Allowed", text, "GET only\n", 9);
		return;
	}
	path[strcspn(path, "?")] = '\0';
	if (!strcmp(path, "/metrics"))
		respond_metrics(h, c);
	else if (!strcmp(path, "/healthz"))
		respond(c, 200, "OK", text, "ok\n", 3);
	else if (!strcmp(path, "/readyz") && h->m->ready)
		respond(c, 200, "OK", text, "ok\n", 3);
	else if (!strcmp(path, "/readyz"))
		respond(c, 503, "Service Unavailable", text, "not ready: no complete sync yet\n",
			32);
	else
		respond(c, 404, "Not Found", text, "not found\n", 10);
}

static void client_read(struct metrics_http *h, struct client *c)
{
	ssize_t r = read(c->fd, c->req + c->reqlen, METRICS_HTTP_REQ_MAX - c->reqlen);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_close(c);
		return;
	}
	c->reqlen += (size_t)r;
	c->req[c->reqlen] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		route(h, c);
	else if (c->reqlen == METRICS_HTTP_REQ_MAX)
		client_close(c);
}

static void client_write(struct client *c)
{
	ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {
		client_close(c);
		return;
	}
	c->outoff += (size_t)w;
	if (c->outoff == c->outlen)
		client_close(c);
}

static struct client *client_of(struct metrics_http *h, int fd)
{
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		if (h->c[i].fd == fd)
			return &h->c[i];
	return NULL;
}

/* Serve what poll() reported in fds (n entries, as metrics_http_pollfds() filled them). */
void metrics_http_handle(struct metrics_http *h, const struct pollfd *fds, size_t n, int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		struct client *c;

		if (!fds[i].revents)
			continue;
		if (fds[i].fd == h->lfd) {
			accept_clients(h, now);
			continue;
		}
		c = client_of(h, fds[i].fd);
		if (!c)
			continue;
		if (c->out)
			client_write(c);
		else
			client_read(h, c);
	}
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		if (h->c[i].fd >= 0 && now >= h->c[i].deadline)
			client_close(&h->c[i]);
}
