/* SPDX-License-Identifier: MIT */
/*
 * The single-threaded event loop: owns one epoll instance. Handlers are
 * (fd, events, callback, arg); timers are timerfds on CLOCK_MONOTONIC;
 * signals arrive through a signalfd. A handler removed during a batch
 * never sees its remaining events of that batch.
 */
#ifndef TBLK_EVLOOP_H
#define TBLK_EVLOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct evloop;
struct ev_handler;

typedef void (*ev_fd_cb)(struct evloop *loop, int fd, uint32_t events,
			 void *arg);
typedef void (*ev_signal_cb)(struct evloop *loop, int signo, void *arg);
typedef void (*ev_turn_cb)(struct evloop *loop, void *arg);

/* Returns 0 or -errno. */
int ev_new(struct evloop **loop);
/* Closes the timers and signalfd it created, not the fds it was given. */
void ev_free(struct evloop *loop);

/* Watch @fd for @events (EPOLLIN, EPOLLOUT, ...). One handler per fd. */
int ev_add(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb,
	   void *arg);
int ev_mod(struct evloop *loop, int fd, uint32_t events);
/* Stop watching @fd; safe from inside any callback. Does not close @fd. */
int ev_del(struct evloop *loop, int fd);

/*
 * A timerfd on CLOCK_MONOTONIC calling @cb (with fd = the timerfd) when it
 * expires. Returns the timer's fd (>= 0) or -errno. Disarmed until
 * ev_timer_arm(). Removed and closed with ev_timer_free().
 */
int ev_timer_new(struct evloop *loop, ev_fd_cb cb, void *arg);
/* First expiry after @first_ns (0 disarms), then every @interval_ns
 * (0: one-shot). */
int ev_timer_arm(struct evloop *loop, int tfd, uint64_t first_ns,
		 uint64_t interval_ns);
void ev_timer_free(struct evloop *loop, int tfd);

/* Block @signals and deliver them through one signalfd to @cb. */
int ev_signals(struct evloop *loop, const sigset_t *signals, ev_signal_cb cb,
	       void *arg);

/* Call @cb once after every batch of events has been dispatched (NULL
 * removes it). */
void ev_on_turn(struct evloop *loop, ev_turn_cb cb, void *arg);

/* Run until ev_stop(); returns 0, or -errno when epoll_wait fails. */
int ev_run(struct evloop *loop);
void ev_stop(struct evloop *loop);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ev_now_ns(void);

#endif
