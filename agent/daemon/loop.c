// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The poll loop (see loop.h). Signals only write a byte to a pipe the loop
 * polls; curl_multi_poll() waits on curl's sockets and on our descriptors.
 */
#include "agent/daemon/loop.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/now.h"

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	stop_signal = sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

/* Install the SIGTERM/SIGINT handlers and the self-pipe. Returns 0 or -errno. */
int loop_signals_init(void)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* Restore default signal handling and close the self-pipe. */
void loop_signals_fini(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}

static bool lists_complete(const struct loop_parts *p)
{
	for (int k = 0; k < STORE_KINDS; k++)
		if (!watch_synced(p->watches[k]))
			return false;
	return true;
}

static int64_t earliest(const struct loop_parts *p, bool complete)
{
	int64_t d = reconcile_deadline(p->rec, complete), x;

	for (int k = 0; k < STORE_KINDS; k++) {
		x = watch_deadline(p->watches[k]);
		d = x < d ? x : d;
	}
	if (p->http) {
		x = metrics_http_deadline(p->http);
		d = x < d ? x : d;
	}
	return d;
}

static void before_sleep(struct loop_parts *p, int64_t now)
{
	bool complete;

	for (int k = 0; k < STORE_KINDS; k++)
		watch_timers(p->watches[k], now);
	complete = lists_complete(p);
	for (int k = 0; k < STORE_KINDS; k++)
		p->m->objects[k] = store_count(p->store, k);
	reconcile_run(p->rec, complete, now);
}

static void wait_events(struct loop_parts *p, int64_t now)
{
	struct curl_waitfd wfds[METRICS_HTTP_FDS + 2];
	struct pollfd pfds[METRICS_HTTP_FDS];
	size_t n = p->http ? metrics_http_pollfds(p->http, pfds, METRICS_HTTP_FDS) : 0;
	int64_t timeout = earliest(p, lists_complete(p)) - now;
	unsigned extra = 1;

	timeout = timeout < 0 ? 0 : timeout > LOOP_MAX_SLEEP_MS ? LOOP_MAX_SLEEP_MS : timeout;
	wfds[0].fd = sig_pipe[0];
	wfds[0].events = CURL_WAIT_POLLIN;
	wfds[0].revents = 0;
	if (p->denied) {
		wfds[n + 1].fd = denied_fd(p->denied);
		wfds[n + 1].events = CURL_WAIT_POLLIN;
		wfds[n + 1].revents = 0;
		extra++;
	}
	for (size_t i = 0; i < n; i++) {
		wfds[i + 1].fd = pfds[i].fd;
		wfds[i + 1].events = (short)((pfds[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
					     (pfds[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0));
		wfds[i + 1].revents = 0;
	}
	if (curl_multi_poll(p->multi, wfds, (unsigned)n + extra, (int)timeout, NULL) != CURLM_OK)
		log_warnx("curl_multi_poll failed", NULL);
	for (size_t i = 0; i < n; i++)
		pfds[i].revents = wfds[i + 1].revents ? POLLIN : 0;
	if (p->http)
		metrics_http_handle(p->http, pfds, n, now_ms());
	if (p->denied && wfds[n + 1].revents)
		denied_handle(p->denied, p->store, store_snapshot(p->store), reconcile_meta(p->rec),
			      p->audit, now_ms());
}

static void transfers(struct loop_parts *p)
{
	struct CURLMsg *msg;
	int running, left;

	curl_multi_perform(p->multi, &running);
	for (;;) {
		struct watch *w = NULL;
		CURL *easy;
		CURLcode res;

		msg = curl_multi_info_read(p->multi, &left);
		if (!msg)
			break;
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* watch_done() removes the handle, which frees msg: copy first. */
		easy = msg->easy_handle;
		res = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&w);
		if (w)
			watch_done(w, res, now_ms());
	}
}

/*
 * Run until SIGTERM or SIGINT. The watches must have been started. Returns
 * the signal number that ended the loop.
 */
int loop_run(struct loop_parts *p)
{
	while (!stop_signal) {
		before_sleep(p, now_ms());
		wait_events(p, now_ms());
		transfers(p);
	}
	return stop_signal;
}
