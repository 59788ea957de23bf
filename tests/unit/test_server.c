// SPDX-License-Identifier: MIT
/*
 * Server: real Unix sockets in a private directory under /tmp, driven by a
 * real event loop that a one-shot timer stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "counters.h"
#include "evloop.h"
#include "request.h"
#include "server.h"

#define STATUS_FRAME "{\"v\":1,\"type\":\"status\"}\n"
#define RX_FRAME     "{\"v\":1,\"type\":\"rx\",\"msgType\":0,\"seqId\":1}\n"
#define TX_FRAME     "{\"v\":1,\"type\":\"tx\",\"msgType\":1,\"seqId\":2}\n"

struct fx {
	char dir[64];
	char path[128];
	struct evloop *loop;
	struct server_config cfg;
	int status_calls;
};

static int status_cb(char *buf, size_t size, void *arg)
{
	struct fx *f = arg;

	f->status_calls++;
	if (size < sizeof(STATUS_FRAME)) {
		return -ENOBUFS;
	}
	memcpy(buf, STATUS_FRAME, sizeof(STATUS_FRAME) - 1);
	return (int)sizeof(STATUS_FRAME) - 1;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/server-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sidecar.sock", f->dir);
	assert_int_equal(ev_new(&f->loop), 0);
	f->cfg = (struct server_config){.path = f->path,
					.mode = 0660,
					.gid = (gid_t)-1,
					.max_clients = 64,
					.client_buffer = 262144};
	*state = f;
	return 0;
}

static int rm_entry(const char *p, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ev_free(f->loop);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The server's counters as the daemon reads them. */
static struct counters cnt(const struct server *srv)
{
	struct counters c;

	memset(&c, 0xa5, sizeof(c));
	server_counters(srv, &c);
	return c;
}

static void stop_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	ev_stop(loop);
}

/* Let the loop handle whatever is ready for @us microseconds. */
/* What the daemon does per frame and at the end of a loop turn. */
static void broadcast(struct server *srv, unsigned int sub, const char *frame,
		      size_t len)
{
	server_broadcast(srv, sub, frame, len);
	server_flush(srv);
}

static void step(struct evloop *loop, unsigned int us)
{
	int t = ev_timer_new(loop, stop_cb, NULL);

	assert_true(t >= 0);
	assert_int_equal(ev_timer_arm(loop, t, us * 1000ULL, 0), 0);
	assert_int_equal(ev_run(loop), 0);
	ev_timer_free(loop, t);
}

static void flush_turn(struct evloop *loop, void *arg)
{
	(void)loop;
	server_flush(arg);
}

static struct server *open_ok(struct fx *f)
{
	struct server *srv = NULL;
	const char *why = NULL;

	int r = server_open(&srv, f->loop, &f->cfg, status_cb, f, &why);

	if (r < 0) {
		print_error("server_open: %s: %s\n", strerror(-r), why);
	}
	assert_int_equal(r, 0);
	assert_non_null(srv);
	/* as the daemon does: queued frames go out at the end of each turn */
	ev_on_turn(f->loop, flush_turn, srv);
	return srv;
}

static int open_err(struct fx *f, const char **why)
{
	struct server *srv = NULL;
	int r;

	*why = NULL;
	r = server_open(&srv, f->loop, &f->cfg, status_cb, f, why);
	assert_true(r < 0);
	assert_null(srv);
	return r;
}

static int sock_at(const char *path, bool do_listen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen) {
		assert_int_equal(listen(fd, 4), 0);
	}
	return fd;
}

static int client_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Connect and let the server accept. */
static int client_new(struct fx *f)
{
	int fd = client_connect(f->path);

	step(f->loop, 2000);
	return fd;
}

static void client_say(struct fx *f, int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	step(f->loop, 2000);
}

/* Read what is available without blocking; *eof set when the server closed. */
static size_t recv_avail(int fd, char *buf, size_t size, bool *eof)
{
	size_t got = 0;
	ssize_t n;

	*eof = false;
	while (got < size) {
		n = recv(fd, buf + got, size - got, MSG_DONTWAIT);
		if (n == 0) {
			*eof = true;
			break;
		}
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == ECONNRESET);
			*eof = errno == ECONNRESET;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

static void expect_stream(int fd, const char *want)
{
	char buf[4096];
	bool eof;
	size_t n = recv_avail(fd, buf, sizeof(buf) - 1, &eof);

	buf[n] = 0;
	assert_string_equal(buf, want);
	assert_false(eof);
}

static void expect_eof(int fd)
{
	char buf[4096];
	bool eof;

	recv_avail(fd, buf, sizeof(buf), &eof);
	assert_true(eof);
}

/* --- the listener ------------------------------------------------------ */

static void test_create_mode_and_group(void **state)
{
	struct fx *f = *state;
	struct server *srv;
	struct stat st;

	f->cfg.gid = 4242;
	srv = open_ok(f);
	assert_false(server_activated(srv));
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, 4242);
	server_close(srv);
	/* Our own inode is removed at close. */
	assert_int_equal(lstat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* A different mode is honoured too (not just the default), whatever
	 * the process umask; gid -1 leaves the group alone. */
	umask(0077);
	f->cfg.mode = 0604;
	f->cfg.gid = (gid_t)-1;
	srv = open_ok(f);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(st.st_gid, getegid());
	server_close(srv);
	umask(0022);
}

static void test_live_instance_refused(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	const char *why;
	struct stat st1, st2;
	int c;

	assert_int_equal(lstat(f->path, &st1), 0);
	/* Another instance of ours: refused at its lock, before it even
	 * looks at the socket. */
	assert_int_equal(open_err(f, &why), -EADDRINUSE);
	assert_non_null(strstr(why, "holds the .lock file"));
	/* The live instance keeps its socket and still serves. */
	assert_int_equal(lstat(f->path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	c = client_new(f);
	assert_int_equal(server_clients(srv), 1);
	close(c);
	server_close(srv);
}

static void test_foreign_listener_refused(void **state)
{
	struct fx *f = *state;
	int live = sock_at(f->path, true);
	char lock[160];
	const char *why;
	struct stat st;

	/* Something listening that does not take our lock: connect() says
	 * it is alive. */
	assert_int_equal(open_err(f, &why), -EADDRINUSE);
	assert_string_equal(why, "a live instance is listening");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* A refusal leaves no lock file behind. */
	snprintf(lock, sizeof(lock), "%s.lock", f->path);
	assert_int_equal(lstat(lock, &st), -1);
	close(live);
}

/* Two instances starting together: the one that does not hold PATH.lock
 * must not judge (and unlink) the socket, even a stale one. */
static void test_lock_held_elsewhere(void **state)
{
	struct fx *f = *state;
	struct stat st1, st2;
	char lock[160];
	const char *why;
	int lfd;

	close(sock_at(f->path, true)); /* stale */
	assert_int_equal(lstat(f->path, &st1), 0);
	snprintf(lock, sizeof(lock), "%s.lock", f->path);
	lfd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(lfd >= 0);
	assert_int_equal(flock(lfd, LOCK_EX), 0);
	assert_int_equal(open_err(f, &why), -EADDRINUSE);
	assert_non_null(strstr(why, "holds the .lock file"));
	assert_int_equal(lstat(f->path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	/* ...and leaves the holder's lock file alone. */
	assert_int_equal(lstat(lock, &st2), 0);
	close(lfd);
	/* Released: the stale socket is now judged and replaced. */
	server_close(open_ok(f));
	assert_int_equal(lstat(f->path, &st2), -1);
	assert_int_equal(lstat(lock, &st2), -1);
}

static void test_lock_file_lifetime(void **state)
{
	struct fx *f = *state;
	struct server *srv;
	struct stat st;
	char lock[160];
	int lfd;

	snprintf(lock, sizeof(lock), "%s.lock", f->path);
	/* A lock file a crashed instance left behind is taken over. */
	lfd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(lfd >= 0);
	close(lfd);
	srv = open_ok(f);
	assert_int_equal(lstat(lock, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* Held for the server's lifetime. */
	lfd = open(lock, O_RDONLY | O_CLOEXEC);
	assert_true(lfd >= 0);
	assert_int_equal(flock(lfd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(lfd);
	server_close(srv);
	assert_int_equal(lstat(lock, &st), -1);
	assert_int_equal(lstat(f->path, &st), -1);

	/* A symlink is never a lock (nor followed). */
	assert_int_equal(symlink("/nonexistent", lock), 0);
	{
		const char *why;

		assert_int_equal(open_err(f, &why), -ELOOP);
		assert_string_equal(why, "the lock file is a symlink");
	}
	assert_int_equal(lstat(lock, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(f->path, &st), -1);
	unlink(lock);
}

/*
 * A step after bind() that fails removes the socket it created: run as
 * nobody, asking for root's group, which setfsgid() cannot give and
 * lchown() must refuse.
 */
static void test_failed_step_after_bind_cleans_up(void **state)
{
	struct fx *f = *state;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
	}
	assert_int_equal(chmod(f->dir, 0777), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct server *srv = NULL;
		const char *why = NULL;
		char lock[160];
		struct stat st;
		int r;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			_exit(10);
		}
		f->cfg.gid = 0;
		r = server_open(&srv, f->loop, &f->cfg, status_cb, f, &why);
		if (r != -EPERM || srv ||
		    strcmp(why, "cannot set the socket group")) {
			_exit(11);
		}
		snprintf(lock, sizeof(lock), "%s.lock", f->path);
		if (lstat(f->path, &st) == 0 || lstat(lock, &st) == 0) {
			_exit(12);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_stale_socket_replaced(void **state)
{
	struct fx *f = *state;
	struct server *srv;
	struct stat st1, st2;
	int old = sock_at(f->path, true), c;
	char keep[160];

	/* A dead instance: its listener closed, its path left behind. A
	 * second link keeps the old inode alive, so its number cannot be
	 * reused for the new socket. */
	close(old);
	snprintf(keep, sizeof(keep), "%s/old.sock", f->dir);
	assert_int_equal(link(f->path, keep), 0);
	assert_int_equal(lstat(f->path, &st1), 0);
	srv = open_ok(f);
	assert_int_equal(lstat(f->path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	c = client_new(f);
	assert_int_equal(server_clients(srv), 1);
	close(c);
	server_close(srv);
}

static void test_not_a_socket_never_removed(void **state)
{
	struct fx *f = *state;
	char target[160];
	const char *why;
	struct stat st;
	int fd, live;

	/* Regular file. */
	fd = open(f->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(open_err(f, &why), -EEXIST);
	assert_string_equal(why, "path exists and is not a socket");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4);
	unlink(f->path);

	/* Directory. */
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(open_err(f, &why), -EEXIST);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	rmdir(f->path);

	/* Symlink to a stale socket: lstat sees the link, not the socket, so
	 * neither the link nor its target is touched. */
	snprintf(target, sizeof(target), "%s/target.sock", f->dir);
	close(sock_at(target, true));
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(open_err(f, &why), -EEXIST);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(target, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	unlink(f->path);

	/* Symlink to a live socket: still not ours to judge. */
	unlink(target);
	live = sock_at(target, true);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(open_err(f, &why), -EEXIST);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(live);
}

static void test_missing_parent(void **state)
{
	struct fx *f = *state;
	const char *why;
	char path[160];

	snprintf(path, sizeof(path), "%s/no-such-dir/sidecar.sock", f->dir);
	f->cfg.path = path;
	assert_int_equal(open_err(f, &why), -ENOENT);
	assert_string_equal(why, "parent directory does not exist");
}

static void test_close_unlinks_own_inode_only(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	struct stat st1, st2;
	int other;

	/* Someone removed our path and bound their own socket there. */
	assert_int_equal(unlink(f->path), 0);
	other = sock_at(f->path, true);
	assert_int_equal(lstat(f->path, &st1), 0);
	server_close(srv);
	assert_int_equal(lstat(f->path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	close(other);
}

/* --- clients ----------------------------------------------------------- */

static void test_two_clients_same_frames(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	int a = client_new(f), b = client_new(f);

	assert_int_equal(server_clients(srv), 2);
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	broadcast(srv, SUB_TX, TX_FRAME, strlen(TX_FRAME));
	/* Nobody subscribed to samples by default. */
	broadcast(srv, SUB_SAMPLE, "{\"type\":\"sample\"}\n", 18);
	expect_stream(a, RX_FRAME TX_FRAME);
	expect_stream(b, RX_FRAME TX_FRAME);
	assert_int_equal(cnt(srv).frames_out, 4);

	/* A client that leaves is closed, not counted as a drop. */
	close(a);
	step(f->loop, 2000);
	assert_int_equal(server_clients(srv), 1);
	assert_int_equal(cnt(srv).client_drops, 0);
	close(b);
	server_close(srv);
}

/* A client that shuts down its write side (socat with stdin at EOF) keeps
 * receiving frames; only a full close ends it. */
static void test_half_closed_reader_keeps_streaming(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	int a = client_new(f);

	client_say(f, a, "{\"subscribe\":[\"rx\"]}\n");
	assert_int_equal(shutdown(a, SHUT_WR), 0);
	step(f->loop, 2000);
	assert_int_equal(server_clients(srv), 1);
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	broadcast(srv, SUB_TX, TX_FRAME, strlen(TX_FRAME));
	/* the request before the shutdown still took effect: rx only */
	expect_stream(a, RX_FRAME);
	close(a);
	step(f->loop, 2000);
	assert_int_equal(server_clients(srv), 0);
	assert_int_equal(cnt(srv).client_drops, 0);
	server_close(srv);
}

static void test_subscribe_replaces_set(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	int a = client_new(f), b = client_new(f);

	/* Split across writes: the line buffer joins the pieces. */
	client_say(f, a, "{\"subscri");
	client_say(f, a, "be\":[\"tx\"]}\n");
	/* A blank line is nothing to do, not an error. */
	client_say(f, b, "\n");
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	broadcast(srv, SUB_TX, TX_FRAME, strlen(TX_FRAME));
	expect_stream(a, TX_FRAME);
	expect_stream(b, RX_FRAME TX_FRAME);
	/* b keeps the default set; nobody asked for streams */
	assert_true(server_wants(srv, SUB_TX));
	assert_true(server_wants(srv, SUB_RX));
	assert_false(server_wants(srv, SUB_STREAMS));
	client_say(f, a, "{\"subscribe\":[\"streams\"]}\n");
	broadcast(srv, SUB_STATUS, RX_FRAME, strlen(RX_FRAME));
	assert_true(server_wants(srv, SUB_STREAMS | SUB_SAMPLE));
	assert_int_equal(f->status_calls, 0);
	assert_int_equal(cnt(srv).client_drops, 0);
	close(a);
	close(b);
	server_close(srv);
}

static void test_status_subscription_immediate(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	int a = client_new(f);

	client_say(f, a, "{\"subscribe\":[\"status\",\"rx\"]}\n");
	/* Before any broadcast: exactly one status frame. */
	assert_int_equal(f->status_calls, 1);
	expect_stream(a, STATUS_FRAME);
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	expect_stream(a, RX_FRAME);
	assert_int_equal(cnt(srv).frames_out, 2);
	close(a);
	server_close(srv);
}

static void test_invalid_request_drops(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	int a = client_new(f), b = client_new(f);

	client_say(f, a, "{\"subscribe\":\"rx\"\n");
	expect_eof(a);
	assert_int_equal(server_clients(srv), 1);
	assert_int_equal(cnt(srv).client_drops, 1);
	/* The other client is unaffected. */
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	expect_stream(b, RX_FRAME);
	close(a);
	close(b);
	server_close(srv);
}

static void test_long_line(void **state)
{
	struct fx *f = *state;
	struct server *srv = open_ok(f);
	const char *req = "{\"subscribe\":[\"tx\"]}";
	char line[REQUEST_MAX_LINE + 2];
	int a = client_new(f), b = client_new(f);

	/* Exactly REQUEST_MAX_LINE bytes before the '\n': accepted. */
	memset(line, ' ', REQUEST_MAX_LINE);
	memcpy(line + REQUEST_MAX_LINE - strlen(req), req, strlen(req));
	line[REQUEST_MAX_LINE] = '\n';
	line[REQUEST_MAX_LINE + 1] = 0;
	client_say(f, a, line);
	broadcast(srv, SUB_RX | SUB_TX, TX_FRAME, strlen(TX_FRAME));
	expect_stream(a, TX_FRAME);
	assert_int_equal(cnt(srv).client_drops, 0);

	/* One byte more without a newline: disconnected. */
	memset(line, 'a', REQUEST_MAX_LINE + 1);
	line[REQUEST_MAX_LINE + 1] = 0;
	client_say(f, b, line);
	expect_eof(b);
	assert_int_equal(cnt(srv).client_drops, 1);
	assert_int_equal(server_clients(srv), 1);
	close(a);
	close(b);
	server_close(srv);
}

static void test_max_clients(void **state)
{
	struct fx *f = *state;
	struct server *srv;
	int a, b, c;

	f->cfg.max_clients = 2;
	srv = open_ok(f);
	a = client_new(f);
	b = client_new(f);
	c = client_new(f);
	assert_int_equal(server_clients(srv), 2);
	assert_int_equal(cnt(srv).clients_refused, 1);
	expect_eof(c);
	expect_stream(a, "");
	/* A freed slot is available again. */
	close(a);
	step(f->loop, 2000);
	close(c);
	c = client_new(f);
	assert_int_equal(server_clients(srv), 2);
	assert_int_equal(cnt(srv).clients_refused, 1);
	close(b);
	close(c);
	server_close(srv);
}

/* Fixed-width numbered frames so order and wholeness can be checked. */
static size_t make_frame(char *buf, size_t size, unsigned int seq, size_t pad)
{
	int n = snprintf(buf, size,
			 "{\"v\":1,\"type\":\"rx\",\"seqId\":%06u,\"p\":\"",
			 seq);

	assert_true(n > 0 && (size_t)n + pad + 3 <= size);
	memset(buf + n, 'x', pad);
	memcpy(buf + n + pad, "\"}\n", 3);
	return (size_t)n + pad + 3;
}

static void check_lines(const char *buf, size_t len, size_t frame_len)
{
	assert_true(len > 0);
	assert_int_equal(len % frame_len, 0);
	assert_int_equal(buf[len - 1], '\n');
	for (size_t i = 0; i < len / frame_len; i++) {
		unsigned int seq;

		assert_int_equal(sscanf(buf + i * frame_len,
					"{\"v\":1,\"type\":\"rx\",\"seqId\":%u",
					&seq),
				 1);
		assert_int_equal(seq, i);
		assert_int_equal(buf[(i + 1) * frame_len - 1], '\n');
	}
}

static void test_slow_client_dropped(void **state)
{
	struct fx *f = *state;
	enum { FRAMES = 3000 };
	static char fast_buf[FRAMES * 128], slow_buf[FRAMES * 128];
	size_t fast_len = 0, slow_len, flen = 0;
	struct server *srv;
	char frame[128];
	bool eof;
	int fast, slow;

	f->cfg.client_buffer = 4096;
	srv = open_ok(f);
	slow = client_new(f);
	fast = client_new(f);
	for (unsigned int i = 0; i < FRAMES; i++) {
		flen = make_frame(frame, sizeof(frame), i, 50);
		broadcast(srv, SUB_RX, frame, flen);
		fast_len += recv_avail(fast, fast_buf + fast_len,
				       sizeof(fast_buf) - fast_len, &eof);
		assert_false(eof);
		step(f->loop, 1);
	}
	assert_int_equal(cnt(srv).client_drops, 1);
	assert_int_equal(server_clients(srv), 1);
	/* The fast client got every frame, in order, whole. */
	assert_int_equal(fast_len, (size_t)FRAMES * flen);
	check_lines(fast_buf, fast_len, flen);
	/* The slow one got a prefix of whole frames, then EOF. */
	slow_len = recv_avail(slow, slow_buf, sizeof(slow_buf), &eof);
	assert_true(eof);
	assert_true(slow_len < fast_len);
	check_lines(slow_buf, slow_len, flen);
	close(fast);
	close(slow);
	server_close(srv);
}

/* Frames larger than one AF_UNIX send chunk are written in parts, so the
 * client is over its cap in the middle of a frame: the daemon must finish
 * that frame before closing. */
static void test_over_cap_mid_frame_flushes_to_boundary(void **state)
{
	struct fx *f = *state;
	enum { BIG = 150000, N = 12 };
	static char frame[BIG + 64], got[(BIG + 64) * N];
	size_t flen = 0, len = 0;
	struct server *srv;
	unsigned int i;
	bool eof = false;
	int slow;

	f->cfg.client_buffer = 4 * BIG;
	srv = open_ok(f);
	slow = client_new(f);
	for (i = 0; i < N && !cnt(srv).client_drops; i++) {
		flen = make_frame(frame, sizeof(frame), i, BIG);
		broadcast(srv, SUB_RX, frame, flen);
	}
	assert_int_equal(cnt(srv).client_drops, 1);
	/* Still connected: the partly written frame is being finished. */
	assert_int_equal(server_clients(srv), 1);
	/* Later frames are not queued to a closing client. */
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	for (int tries = 0; tries < 2000 && !eof; tries++) {
		len += recv_avail(slow, got + len, sizeof(got) - len, &eof);
		step(f->loop, 100);
	}
	assert_true(eof);
	assert_int_equal(server_clients(srv), 0);
	check_lines(got, len, flen);
	close(slow);
	server_close(srv);
}

/* --- socket activation ------------------------------------------------- */

/* A second listener path beside the first. */
static const char *lpath2(struct fx *f, char *buf)
{
	snprintf(buf, 160, "%s/systemd2.sock", f->dir);
	return buf;
}

static void test_socket_activation(void **state)
{
	struct fx *f = *state;
	char lpath[160], pid[32];
	struct server *srv;
	struct stat st;
	int saved3, l, c;

	/* fd 3 is probably the loop's epoll fd: make room, then take a new
	 * loop, which cannot land on 3 while the listener holds it. */
	ev_free(f->loop);
	saved3 = fcntl(3, F_DUPFD_CLOEXEC, 10);
	snprintf(lpath, sizeof(lpath), "%s/systemd.sock", f->dir);
	l = sock_at(lpath, true);
	if (l != 3) {
		assert_int_equal(dup2(l, 3), 3);
		close(l);
	}
	assert_int_equal(ev_new(&f->loop), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);

	srv = open_ok(f);
	assert_true(server_activated(srv));
	/* sd_listen_fds(1) consumed the variables. */
	assert_null(getenv("LISTEN_FDS"));
	/* The configured path is not created. */
	assert_int_equal(lstat(f->path, &st), -1);
	c = client_connect(lpath);
	step(f->loop, 2000);
	assert_int_equal(server_clients(srv), 1);
	broadcast(srv, SUB_RX, RX_FRAME, strlen(RX_FRAME));
	expect_stream(c, RX_FRAME);
	close(c);
	server_close(srv);
	/* systemd's socket is never unlinked. */
	assert_int_equal(lstat(lpath, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(fcntl(3, F_GETFD), -1);

	/* Broken variants are refused with a reason, never replaced by a
	 * socket at the configured path: fd 3 not a listening socket... */
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c != 3) {
		assert_int_equal(dup2(c, 3), 3);
		close(c);
	}
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	{
		const char *why;

		assert_int_equal(open_err(f, &why), -ENOTSOCK);
		assert_non_null(strstr(why, "not a listening Unix stream"));
	}
	assert_int_equal(lstat(f->path, &st), -1);

	/* ...or two descriptors where one is expected. */
	l = sock_at(lpath2(f, lpath), true);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(dup2(l, 3), 3);
	assert_int_equal(dup2(c, 4), 4);
	close(l);
	close(c);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_PID", pid, 1);
	{
		const char *why;

		assert_int_equal(open_err(f, &why), -ENOTSOCK);
		assert_non_null(strstr(why, "passed 2 file descriptors"));
	}
	assert_int_equal(lstat(f->path, &st), -1);
	close(4);

	if (saved3 >= 0) {
		dup2(saved3, 3);
		close(saved3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_mode_and_group,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_instance_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_listener_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_held_elsewhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_file_lifetime, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_step_after_bind_cleans_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket_never_removed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_close_unlinks_own_inode_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_clients_same_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_half_closed_reader_keeps_streaming, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_replaces_set,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_status_subscription_immediate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_request_drops,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_client_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_over_cap_mid_frame_flushes_to_boundary, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_socket_activation, setup,
						teardown),
	};

	/* Clients that vanish must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
