// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

#define EV_BATCH 64

enum ev_kind {
	EV_FD,
	EV_TIMER,
	EV_SIGNAL,
};

struct ev_handler {
	int fd;
	enum ev_kind kind;
	bool dead;
	ev_fd_cb cb;
	ev_signal_cb sig_cb;
	void *arg;
	struct ev_handler *next_dead;
};

struct evloop {
	int epfd;
	bool stop;
	/* Live handlers indexed by fd number (fds are small and dense). */
	struct ev_handler **by_fd;
	size_t nby_fd;
	/* Removed handlers, freed only after the current epoll_wait batch:
	 * that batch may still hold their data.ptr. */
	struct ev_handler *dead;
	int sigfd;
	/* Called once after each batch of events: work that is cheaper done
	 * once per turn than once per event (client writes). */
	ev_turn_cb turn_cb;
	void *turn_arg;
};

int ev_new(struct evloop **loop)
{
	struct evloop *l = calloc(1, sizeof(*l));

	if (!l) {
		return -ENOMEM;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	l->sigfd = -1;
	*loop = l;
	return 0;
}

static void ev_reap(struct evloop *loop)
{
	while (loop->dead) {
		struct ev_handler *h = loop->dead;

		loop->dead = h->next_dead;
		free(h);
	}
}

static struct ev_handler *ev_find(const struct evloop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nby_fd) {
		return NULL;
	}
	return loop->by_fd[fd];
}

static int ev_add_handler(struct evloop *loop, int fd, uint32_t events,
			  struct ev_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	if (fd < 0) {
		return -EBADF;
	}
	if (ev_find(loop, fd)) {
		return -EEXIST;
	}
	if ((size_t)fd >= loop->nby_fd) {
		size_t n = (size_t)fd + 16;
		struct ev_handler **t = realloc(loop->by_fd, n * sizeof(*t));

		if (!t) {
			return -ENOMEM;
		}
		memset(t + loop->nby_fd, 0, (n - loop->nby_fd) * sizeof(*t));
		loop->by_fd = t;
		loop->nby_fd = n;
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		return -errno;
	}
	h->fd = fd;
	loop->by_fd[fd] = h;
	return 0;
}

int ev_add(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct ev_handler *h = calloc(1, sizeof(*h));
	int r;

	if (!h) {
		return -ENOMEM;
	}
	h->kind = EV_FD;
	h->cb = cb;
	h->arg = arg;
	r = ev_add_handler(loop, fd, events, h);
	if (r < 0) {
		free(h);
	}
	return r;
}

int ev_mod(struct evloop *loop, int fd, uint32_t events)
{
	struct ev_handler *h = ev_find(loop, fd);
	struct epoll_event ev = {.events = events, .data.ptr = h};

	if (!h) {
		return -ENOENT;
	}
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int ev_del(struct evloop *loop, int fd)
{
	struct ev_handler *h = ev_find(loop, fd);

	if (!h) {
		return -ENOENT;
	}
	/* The fd may already be closed by the caller; epoll then dropped it
	 * on its own, so an error here is not interesting. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->by_fd[fd] = NULL;
	/* Events of this handler already fetched in the running batch are
	 * skipped by the flag, not by the fd number: the number may be reused
	 * by an accept() in a later callback of the same batch. */
	h->dead = true;
	h->next_dead = loop->dead;
	loop->dead = h;
	return 0;
}

int ev_timer_new(struct evloop *loop, ev_fd_cb cb, void *arg)
{
	struct ev_handler *h;
	int tfd, r;

	h = calloc(1, sizeof(*h));
	if (!h) {
		return -ENOMEM;
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0) {
		r = -errno;
		free(h);
		return r;
	}
	h->kind = EV_TIMER;
	h->cb = cb;
	h->arg = arg;
	r = ev_add_handler(loop, tfd, EPOLLIN, h);
	if (r < 0) {
		close(tfd);
		free(h);
		return r;
	}
	return tfd;
}

static struct timespec ev_ts(uint64_t ns)
{
	return (struct timespec){.tv_sec = (time_t)(ns / 1000000000ULL),
				 .tv_nsec = (long)(ns % 1000000000ULL)};
}

int ev_timer_arm(struct evloop *loop, int tfd, uint64_t first_ns,
		 uint64_t interval_ns)
{
	struct itimerspec its = {.it_value = ev_ts(first_ns),
				 .it_interval = ev_ts(interval_ns)};
	struct ev_handler *h = ev_find(loop, tfd);

	if (!h || h->kind != EV_TIMER) {
		return -EBADF;
	}
	return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

void ev_timer_free(struct evloop *loop, int tfd)
{
	struct ev_handler *h = ev_find(loop, tfd);

	if (!h || h->kind != EV_TIMER) {
		return;
	}
	ev_del(loop, tfd);
	close(tfd);
}

int ev_signals(struct evloop *loop, const sigset_t *signals, ev_signal_cb cb,
	       void *arg)
{
	struct ev_handler *h;
	int fd, r;

	if (loop->sigfd >= 0) {
		return -EBUSY;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		return -ENOMEM;
	}
	/* A signalfd only sees signals that are blocked; otherwise the default
	 * disposition (or a handler) consumes them first. */
	if (sigprocmask(SIG_BLOCK, signals, NULL) < 0) {
		r = -errno;
		free(h);
		return r;
	}
	fd = signalfd(-1, signals, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(h);
		return r;
	}
	h->kind = EV_SIGNAL;
	h->sig_cb = cb;
	h->arg = arg;
	r = ev_add_handler(loop, fd, EPOLLIN, h);
	if (r < 0) {
		close(fd);
		free(h);
		return r;
	}
	loop->sigfd = fd;
	return 0;
}

static void ev_dispatch_signals(struct evloop *loop, struct ev_handler *h)
{
	struct signalfd_siginfo si[8];
	ssize_t n;

	/* Standard signals coalesce while pending, so read until empty and
	 * report each one read; stop if the callback removed the handler. */
	while (!h->dead) {
		n = read(h->fd, si, sizeof(si));
		if (n < (ssize_t)sizeof(si[0])) {
			return;
		}
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]) && !h->dead;
		     i++) {
			h->sig_cb(loop, (int)si[i].ssi_signo, h->arg);
		}
	}
}

static void ev_dispatch(struct evloop *loop, struct ev_handler *h,
			uint32_t events)
{
	uint64_t expirations;

	switch (h->kind) {
	case EV_TIMER:
		/* Read the count here so no callback can forget to and leave a
		 * level-triggered timerfd spinning. EAGAIN means it was re-armed
		 * or disarmed since epoll_wait: nothing to report. */
		if (read(h->fd, &expirations, sizeof(expirations)) !=
		    sizeof(expirations)) {
			return;
		}
		h->cb(loop, h->fd, events, h->arg);
		break;
	case EV_SIGNAL:
		ev_dispatch_signals(loop, h);
		break;
	case EV_FD:
		h->cb(loop, h->fd, events, h->arg);
		break;
	}
}

int ev_run(struct evloop *loop)
{
	struct epoll_event evs[EV_BATCH];
	int n;

	loop->stop = false;
	while (!loop->stop) {
		n = epoll_wait(loop->epfd, evs, EV_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct ev_handler *h = evs[i].data.ptr;

			if (!h->dead) {
				ev_dispatch(loop, h, evs[i].events);
			}
		}
		ev_reap(loop);
		if (loop->turn_cb) {
			loop->turn_cb(loop, loop->turn_arg);
		}
	}
	return 0;
}

void ev_on_turn(struct evloop *loop, ev_turn_cb cb, void *arg)
{
	loop->turn_cb = cb;
	loop->turn_arg = arg;
}

void ev_stop(struct evloop *loop)
{
	loop->stop = true;
}

uint64_t ev_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void ev_free(struct evloop *loop)
{
	if (!loop) {
		return;
	}
	for (size_t fd = 0; fd < loop->nby_fd; fd++) {
		struct ev_handler *h = loop->by_fd[fd];

		if (!h) {
			continue;
		}
		ev_del(loop, (int)fd);
		/* Timers and the signalfd are ours; other fds are the caller's. */
		if (h->kind != EV_FD) {
			close((int)fd);
		}
	}
	ev_reap(loop);
	free(loop->by_fd);
	close(loop->epfd);
	free(loop);
}
