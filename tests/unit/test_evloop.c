// SPDX-License-Identifier: MIT
/* Event loop: real pipes, timerfds and a signalfd. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "evloop.h"

#define MS 1000000ULL

struct rec {
	int calls;
	int fd;
	uint32_t events;
};

static void rec_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct rec *r = arg;

	(void)loop;
	r->calls++;
	r->fd = fd;
	r->events = events;
}

static void stop_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	ev_stop(loop);
}

/* Run the loop until a one-shot timer @ms from now stops it. */
static void run_for(struct evloop *loop, unsigned int ms)
{
	int t = ev_timer_new(loop, stop_cb, NULL);

	assert_true(t >= 0);
	assert_int_equal(ev_timer_arm(loop, t, ms * MS, 0), 0);
	assert_int_equal(ev_run(loop), 0);
	ev_timer_free(loop, t);
}

static void test_pipe_callback_fires(void **state)
{
	struct evloop *loop;
	struct rec r = {0};
	int p[2];

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(ev_add(loop, p[0], EPOLLIN, rec_cb, &r), 0);
	/* One handler per fd. */
	assert_int_equal(ev_add(loop, p[0], EPOLLIN, rec_cb, &r), -EEXIST);

	run_for(loop, 5);
	assert_int_equal(r.calls, 0);

	assert_int_equal(write(p[1], "x", 1), 1);
	run_for(loop, 5);
	assert_true(r.calls >= 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.events & EPOLLIN);

	/* ev_mod to no events silences it; ev_del stops it for good. */
	r.calls = 0;
	assert_int_equal(ev_mod(loop, p[0], 0), 0);
	run_for(loop, 5);
	assert_int_equal(r.calls, 0);
	assert_int_equal(ev_del(loop, p[0]), 0);
	assert_int_equal(ev_del(loop, p[0]), -ENOENT);
	assert_int_equal(ev_mod(loop, p[0], EPOLLIN), -ENOENT);

	ev_free(loop);
	/* ev_free() does not close fds it was given. */
	assert_int_equal(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	close(p[0]);
	close(p[1]);
}

/* Two readable pipes in one batch: whichever callback runs first deletes
 * the other handler, which must then not be called. */
struct pair {
	struct rec a, b;
	int fa, fb;
	int deletions;
};

static void del_other_cb(struct evloop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct pair *p = arg;

	(void)events;
	if (fd == p->fa) {
		p->a.calls++;
		if (ev_del(loop, p->fb) == 0) {
			p->deletions++;
		}
	} else {
		p->b.calls++;
		if (ev_del(loop, p->fa) == 0) {
			p->deletions++;
		}
	}
	ev_stop(loop);
}

static void test_deleted_in_batch_not_called(void **state)
{
	struct evloop *loop;
	struct pair p = {0};
	int a[2], b[2];

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	assert_int_equal(pipe2(a, O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK), 0);
	p.fa = a[0];
	p.fb = b[0];
	assert_int_equal(ev_add(loop, a[0], EPOLLIN, del_other_cb, &p), 0);
	assert_int_equal(ev_add(loop, b[0], EPOLLIN, del_other_cb, &p), 0);
	/* Both ready before the loop runs: one epoll_wait returns both. */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(p.deletions, 1);
	assert_int_equal(p.a.calls + p.b.calls, 1);

	ev_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* The first callback closes fd N and opens a new pipe that gets number N
 * again (the lowest free fd), registering a fresh handler. The old handler's
 * event still in the batch must be skipped, and the new handler must not be
 * called with the old one's stale event. */
struct reuse {
	int fa, fb;
	int wa, wb;
	int first_calls, old_calls, new_calls;
	int new_fd, new_w;
};

static void reuse_new_cb(struct evloop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct reuse *r = arg;

	(void)loop;
	(void)fd;
	(void)events;
	r->new_calls++;
}

static void reuse_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct reuse *r = arg;
	int victim = fd == r->fa ? r->fb : r->fa;
	int p[2];

	(void)events;
	if (r->first_calls) {
		r->old_calls++;
		return;
	}
	r->first_calls++;
	assert_int_equal(ev_del(loop, victim), 0);
	close(victim);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	/* The new read end took the victim's number. */
	assert_int_equal(p[0], victim);
	r->new_fd = p[0];
	r->new_w = p[1];
	assert_int_equal(ev_add(loop, p[0], EPOLLIN, reuse_new_cb, r), 0);
	ev_stop(loop);
}

static void test_fd_reuse_within_batch(void **state)
{
	struct evloop *loop;
	struct reuse r = {0};
	int a[2], b[2];

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	assert_int_equal(pipe2(a, O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK), 0);
	r.fa = a[0];
	r.fb = b[0];
	assert_int_equal(ev_add(loop, a[0], EPOLLIN, reuse_cb, &r), 0);
	assert_int_equal(ev_add(loop, b[0], EPOLLIN, reuse_cb, &r), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.first_calls, 1);
	assert_int_equal(r.old_calls, 0);
	/* The new pipe is empty: its handler must not have run. */
	assert_int_equal(r.new_calls, 0);

	/* ...and it works normally afterwards. */
	assert_int_equal(write(r.new_w, "y", 1), 1);
	run_for(loop, 5);
	assert_true(r.new_calls >= 1);

	ev_free(loop);
	close(r.fa == r.new_fd ? r.fb : r.fa);
	close(r.new_fd);
	close(r.new_w);
	close(a[1]);
	close(b[1]);
}

static void test_timer_one_shot(void **state)
{
	struct evloop *loop;
	struct rec r = {0};
	uint64_t t0, buf;
	int t;

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	t = ev_timer_new(loop, rec_cb, &r);
	assert_true(t >= 0);
	/* Disarmed until armed. */
	run_for(loop, 20);
	assert_int_equal(r.calls, 0);

	t0 = ev_now_ns();
	assert_int_equal(ev_timer_arm(loop, t, 5 * MS, 0), 0);
	run_for(loop, 40);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, t);
	assert_true(ev_now_ns() - t0 >= 5 * MS);
	/* The loop consumed the expiration count itself. */
	assert_int_equal(read(t, &buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);

	/* Arming with 0 disarms. */
	assert_int_equal(ev_timer_arm(loop, t, 5 * MS, 0), 0);
	assert_int_equal(ev_timer_arm(loop, t, 0, 0), 0);
	run_for(loop, 20);
	assert_int_equal(r.calls, 1);

	/* Not a timer. */
	assert_int_equal(ev_timer_arm(loop, 0, MS, 0), -EBADF);

	ev_timer_free(loop, t);
	/* ev_timer_free() closed it. */
	assert_int_equal(fcntl(t, F_GETFD), -1);
	ev_free(loop);
}

static void test_timer_periodic(void **state)
{
	struct evloop *loop;
	struct rec r = {0};
	int t;

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	t = ev_timer_new(loop, rec_cb, &r);
	assert_true(t >= 0);
	assert_int_equal(ev_timer_arm(loop, t, 2 * MS, 5 * MS), 0);
	run_for(loop, 60);
	/* ~12 expected; a loaded VM may merge expirations, never invent them. */
	assert_true(r.calls >= 3);
	assert_true(r.calls <= 12);
	/* A timer left armed is closed by ev_free(). */
	ev_free(loop);
	assert_int_equal(fcntl(t, F_GETFD), -1);
}

static void test_stop_ends_run(void **state)
{
	struct evloop *loop;
	int t;

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	t = ev_timer_new(loop, stop_cb, NULL);
	assert_true(t >= 0);
	assert_int_equal(ev_timer_arm(loop, t, MS, MS), 0);
	/* Each ev_run returns after the stop; a later ev_run runs again. */
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(ev_run(loop), 0);
	ev_free(loop);
}

struct sigrec {
	int count;
	int last;
};

static void turn_cb(struct evloop *loop, void *arg)
{
	(void)loop;
	(*(int *)arg)++;
}

/* The turn hook runs once after each dispatched batch, after the
 * callbacks of that batch, and not at all once removed. */
static void test_turn_hook_after_each_batch(void **state)
{
	struct evloop *loop;
	int turns = 0, t;

	(void)state;
	assert_int_equal(ev_new(&loop), 0);
	t = ev_timer_new(loop, stop_cb, NULL);
	assert_true(t >= 0);
	ev_on_turn(loop, turn_cb, &turns);
	assert_int_equal(ev_timer_arm(loop, t, MS, 0), 0);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(turns, 1);
	ev_on_turn(loop, NULL, NULL);
	assert_int_equal(ev_timer_arm(loop, t, MS, 0), 0);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(turns, 1);
	ev_free(loop);
}

static void sig_cb(struct evloop *loop, int signo, void *arg)
{
	struct sigrec *s = arg;

	s->count++;
	s->last = signo;
	ev_stop(loop);
}

static void test_signal_via_signalfd(void **state)
{
	struct evloop *loop;
	struct sigrec s = {0};
	sigset_t set, old, now;

	(void)state;
	sigprocmask(SIG_SETMASK, NULL, &old);
	assert_int_equal(ev_new(&loop), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(ev_signals(loop, &set, sig_cb, &s), 0);
	/* One signalfd per loop. */
	assert_int_equal(ev_signals(loop, &set, sig_cb, &s), -EBUSY);
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_true(sigismember(&now, SIGUSR1));

	/* Blocked, so raise() leaves it pending instead of killing us. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.last, SIGUSR1);

	/* Two different pending signals are both reported. */
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(s.count, 3);

	ev_free(loop);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_callback_fires),
		cmocka_unit_test(test_deleted_in_batch_not_called),
		cmocka_unit_test(test_fd_reuse_within_batch),
		cmocka_unit_test(test_timer_one_shot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_stop_ends_run),
		cmocka_unit_test(test_signal_via_signalfd),
		cmocka_unit_test(test_turn_hook_after_each_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
