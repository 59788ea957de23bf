// SPDX-License-Identifier: MIT
/*
 * The client side (SPEC §5): one Unix SOCK_STREAM listener and up to
 * max_clients non-blocking clients, each with one ordered output queue.
 *
 * Frames never interleave: every byte for a client goes through its one
 * ordered queue, which server_flush() writes from the head, so a frame's
 * tail always follows its head with nothing in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cq.h"
#include "log.h"
#include "request.h"
#include "server.h"

#define SERVER_BACKLOG 128
/* Room for the status frame sent on subscription. */
#define SERVER_STATUS_MAX 4096
/* A closing client whose last frame cannot be flushed within this long is
 * closed anyway: its slot matters more than its final partial line. */
#define SERVER_CLOSE_GRACE_NS (2ULL * 1000000000ULL)

struct client {
	struct client *prev, *next;
	struct server *srv;
	int fd;
	unsigned int id;
	struct ucred cred;
	struct cq q;
	unsigned int subs;
	/* The head frame of q has been partly sent. */
	bool mid_frame;
	bool epollout;
	bool closing;
	/* The client shut down its write side: no more requests, but it
	 * still reads frames (socat with stdin at end of file does this). */
	bool rd_shut;
	const char *reason;
	uint64_t closing_since;
	uint64_t frames;
	size_t line_len;
	char line[REQUEST_MAX_LINE + 1];
};

struct server {
	struct evloop *loop;
	struct counters *counters;
	server_status_cb status_cb;
	void *status_arg;
	unsigned int max_clients;
	size_t client_buffer;
	int lfd;
	bool activated;
	/* What we bound at path, so server_close removes only our own inode. */
	char *path;
	dev_t dev;
	ino_t ino;
	bool accept_paused;
	struct client *clients;
	unsigned int nclients;
	unsigned int nclosing;
	unsigned int next_id;
	struct ratelimit refuse_rl;
	char status[SERVER_STATUS_MAX];
};

static void server_resume_accept(struct server *srv)
{
	if (srv->accept_paused && srv->lfd >= 0) {
		srv->accept_paused = false;
		ev_mod(srv->loop, srv->lfd, EPOLLIN);
	}
}

static void client_close(struct client *c, const char *reason)
{
	struct server *srv = c->srv;

	if (!c->reason) {
		c->reason = reason;
	}
	log_info("client %u disconnected (%s), %llu frames, pid=%d uid=%u "
		 "gid=%u",
		 c->id, c->reason, (unsigned long long)c->frames,
		 (int)c->cred.pid, (unsigned int)c->cred.uid,
		 (unsigned int)c->cred.gid);
	ev_del(srv->loop, c->fd);
	close(c->fd);
	if (c->prev) {
		c->prev->next = c->next;
	} else {
		srv->clients = c->next;
	}
	if (c->next) {
		c->next->prev = c->prev;
	}
	srv->nclients--;
	if (c->closing) {
		srv->nclosing--;
	}
	cq_fini(&c->q);
	free(c);
	/* A freed descriptor lets accept() make progress again. */
	server_resume_accept(srv);
}

static void client_want_out(struct client *c, bool on)
{
	uint32_t ev = c->closing || c->rd_shut ? 0 : EPOLLIN;

	if (on) {
		ev |= EPOLLOUT;
	}
	if (c->epollout != on || c->closing || c->rd_shut) {
		ev_mod(c->srv->loop, c->fd, ev);
	}
	c->epollout = on;
}

/*
 * The daemon ends this client (counted): at once when the queue head is a
 * frame boundary, otherwise after the rest of the partly written frame is
 * flushed, so the reader's last line is whole.
 */
static void client_drop(struct client *c, const char *reason)
{
	c->srv->counters->client_drops++;
	c->reason = reason;
	if (!c->mid_frame || cq_len(&c->q) == 0) {
		client_close(c, reason);
		return;
	}
	cq_trim_to_frame(&c->q);
	c->closing = true;
	c->closing_since = ev_now_ns();
	c->srv->nclosing++;
	/* Stop reading requests; only the flush remains. */
	client_want_out(c, true);
}

static bool send_failed_is_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	       err == ENOBUFS;
}

/*
 * Write what is queued with one send(): frames of a loop turn are
 * coalesced, so a burst costs one system call per client rather than one
 * per frame (and one skb, not hundreds, in the client's receive queue).
 * A partial send leaves the rest queued behind EPOLLOUT; mid_frame records
 * whether the socket now sits inside a frame, so a client closed by the
 * daemon is first given the rest of that frame.
 * Returns false when the client was closed.
 */
static bool client_flush(struct client *c)
{
	while (cq_len(&c->q)) {
		const char *data = cq_data(&c->q);
		ssize_t n = send(c->fd, data, cq_len(&c->q),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (send_failed_is_transient(errno)) {
				break;
			}
			client_close(c, "write failed");
			return false;
		}
		c->mid_frame = data[n - 1] != '\n';
		cq_consume(&c->q, (size_t)n);
		if (cq_len(&c->q)) {
			break;
		}
	}
	if (cq_len(&c->q)) {
		if (!c->epollout) {
			client_want_out(c, true);
		}
		return true;
	}
	if (c->closing) {
		client_close(c, c->reason);
		return false;
	}
	if (c->epollout) {
		client_want_out(c, false);
	}
	return true;
}

/* Queue one whole frame; server_flush() writes it at the end of the loop
 * turn. Returns false when the client was closed or is now closing. */
static bool client_send_frame(struct client *c, const char *frame, size_t len)
{
	int r;

	if (c->closing) {
		return false;
	}
	r = cq_push(&c->q, frame, len);
	if (r < 0) {
		/* Out of memory caused by one client ends that client. */
		client_drop(c, r == -ENOBUFS ? "over --client-buffer"
					     : "out of memory");
		return false;
	}
	c->frames++;
	c->srv->counters->frames_out++;
	return true;
}

void server_flush(struct server *srv)
{
	struct client *c, *next;

	for (c = srv->clients; c; c = next) {
		next = c->next;
		/* with EPOLLOUT armed the socket is full: wait for it */
		if (!c->closing && !c->epollout && cq_len(&c->q)) {
			client_flush(c);
		}
	}
}

void server_broadcast(struct server *srv, unsigned int sub, const char *frame,
		      size_t len)
{
	uint64_t now = srv->nclosing ? ev_now_ns() : 0;
	struct client *c, *next;

	/* Paused by an fd shortage with no client to free one: retry at the
	 * frame cadence rather than spin on a level-triggered listener. */
	server_resume_accept(srv);
	/* next is taken before the body runs: the body may free c (write
	 * error, over the cap) but never any other client. */
	for (c = srv->clients; c; c = next) {
		next = c->next;
		if (c->closing) {
			if (now - c->closing_since > SERVER_CLOSE_GRACE_NS) {
				client_close(c, c->reason);
			}
			continue;
		}
		if (c->subs & sub) {
			client_send_frame(c, frame, len);
		}
	}
}

/* Returns false when the client was closed or is closing. */
static bool client_send_status(struct client *c)
{
	struct server *srv = c->srv;
	int n;

	if (!srv->status_cb) {
		return true;
	}
	n = srv->status_cb(srv->status, sizeof(srv->status), srv->status_arg);
	if (n <= 0 || (size_t)n > sizeof(srv->status)) {
		log_debug("client %u: no status frame (%d)", c->id, n);
		return true;
	}
	return client_send_frame(c, srv->status, (size_t)n);
}

/* Returns false when the client was closed or is closing. */
static bool client_handle_line(struct client *c, const char *line, size_t len)
{
	unsigned int subs;
	const char *why = "invalid request";
	int r = request_parse(line, len, &subs, &why);

	if (r == -ENODATA) {
		return true;
	}
	if (r < 0) {
		log_debug("client %u: %s", c->id, why);
		client_drop(c, why ? why : "invalid request");
		return false;
	}
	c->subs = subs;
	log_debug("client %u subscribed to 0x%x", c->id, subs);
	if (subs & SUB_STATUS) {
		return client_send_status(c);
	}
	return true;
}

/*
 * EOF on read means the client shut down its write side: it sends no more
 * requests, but a half-closed reader (socat with stdin at end of file, a
 * script piping one request) still gets its frames. A client that closed
 * altogether also raises EPOLLHUP, which closes it in client_event().
 * Returns false when the client was closed or is closing.
 */
static bool client_read(struct client *c)
{
	size_t start = c->line_len, done = 0;
	ssize_t n;
	char *nl;

	n = read(c->fd, c->line + c->line_len, sizeof(c->line) - c->line_len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			return true;
		}
		client_close(c, "read failed");
		return false;
	}
	if (n == 0) {
		/* an unterminated request at EOF is discarded, not parsed */
		c->line_len = 0;
		c->rd_shut = true;
		client_want_out(c, c->epollout);
		return true;
	}
	c->line_len += (size_t)n;
	while ((nl = memchr(c->line + start, '\n', c->line_len - start))) {
		size_t end = (size_t)(nl - c->line);

		if (!client_handle_line(c, c->line + done, end - done)) {
			return false;
		}
		done = end + 1;
		start = done;
	}
	if (done) {
		memmove(c->line, c->line + done, c->line_len - done);
		c->line_len -= done;
	}
	/* The buffer holds REQUEST_MAX_LINE bytes plus the '\n'. */
	if (c->line_len == sizeof(c->line)) {
		client_drop(c, "request line too long");
		return false;
	}
	return true;
}

static void client_event(struct evloop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct client *c = arg;

	(void)loop;
	(void)fd;
	if ((events & EPOLLOUT) && !client_flush(c)) {
		return;
	}
	if ((events & EPOLLIN) && !c->closing && !c->rd_shut &&
	    !client_read(c)) {
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		client_close(c, events & EPOLLERR
					? "socket error"
					: "client closed the connection");
	}
}

static void server_accept_one(struct server *srv, int fd)
{
	socklen_t sl = sizeof(struct ucred);
	struct client *c;

	if (srv->nclients >= srv->max_clients) {
		close(fd);
		srv->counters->clients_refused++;
		log_ratelimited(&srv->refuse_rl, LOG_WARNING,
				"client refused: already serving %u clients "
				"(--max-clients)",
				srv->nclients);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		srv->counters->clients_refused++;
		log_ratelimited(&srv->refuse_rl, LOG_WARNING,
				"client refused: out of memory");
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->next_id;
	c->subs = SUB_DEFAULT;
	cq_init(&c->q, srv->client_buffer);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &sl) < 0) {
		c->cred = (struct ucred){
			.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	}
	if (ev_add(srv->loop, fd, EPOLLIN, client_event, c) < 0) {
		close(fd);
		free(c);
		srv->counters->clients_refused++;
		return;
	}
	c->next = srv->clients;
	if (c->next) {
		c->next->prev = c;
	}
	srv->clients = c;
	srv->nclients++;
	log_info("client %u connected pid=%d uid=%u gid=%u", c->id,
		 (int)c->cred.pid, (unsigned int)c->cred.uid,
		 (unsigned int)c->cred.gid);
}

static void server_accept(struct evloop *loop, int lfd, uint32_t events,
			  void *arg)
{
	struct server *srv = arg;
	int fd;

	(void)events;
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			server_accept_one(srv, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED) {
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		}
		/* EMFILE and friends leave the connection pending, and a
		 * level-triggered listener would spin: pause accepting until
		 * a client goes away. */
		log_ratelimited(&srv->refuse_rl, LOG_WARNING,
				"accept: %s; pausing new clients",
				strerror(errno));
		srv->accept_paused = true;
		ev_mod(loop, lfd, 0);
		return;
	}
}

/* Take the listener systemd passed, if it passed exactly one usable one. */
static int server_listen_activated(struct server *srv)
{
	int n = sd_listen_fds(1);
	int fd = SD_LISTEN_FDS_START;
	int fl;

	if (n <= 0) {
		return 0;
	}
	if (n != 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_warning("systemd passed %d descriptors, not one listening "
			    "Unix stream socket; creating the socket path",
			    n);
		return 0;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		return -errno;
	}
	srv->lfd = fd;
	srv->activated = true;
	return 1;
}

/* An existing socket at @path: live (someone accepts connect()) or stale? */
static int server_probe(const struct sockaddr_un *sa, const char **why)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0) {
		*why = "cannot create a probe socket";
		return -errno;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		r = -EADDRINUSE;
	} else if (errno == EAGAIN) {
		/* A full backlog is still a listener. */
		r = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		r = unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
		if (r < 0) {
			*why = "cannot remove the stale socket";
		}
	} else if (errno != ENOENT) {
		r = -errno;
		*why = "cannot probe the existing socket";
	}
	if (r == -EADDRINUSE) {
		*why = "a live instance is listening";
	}
	close(fd);
	return r;
}

static int server_listen_path(struct server *srv, const char *path, mode_t mode,
			      gid_t gid, const char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, r;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		*why = "socket path empty or too long";
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* lstat: a symlink is "not a socket" even when it points at one. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*why = "path exists and is not a socket";
			return -EEXIST;
		}
		r = server_probe(&sa, why);
		if (r < 0) {
			return r;
		}
	} else if (errno != ENOENT) {
		*why = "cannot stat the socket path";
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "cannot create the socket";
		return -errno;
	}
	/* bind() creates the inode with 0777 & ~umask: narrow the umask so the
	 * socket is never, even briefly, wider than configured. The daemon is
	 * single-threaded, so the process-wide umask is ours for this call. */
	old = umask(~mode & 0777);
	r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = -errno;
		*why = r == -ENOENT	  ? "parent directory does not exist"
		       : r == -EADDRINUSE ? "a live instance is listening"
					  : "cannot bind the socket";
		close(fd);
		return r;
	}
	if (lstat(path, &st) < 0) {
		r = -errno;
		*why = "socket path vanished after bind";
		close(fd);
		return r;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	srv->path = strdup(path);
	srv->lfd = fd;
	if (!srv->path) {
		*why = "out of memory";
		return -ENOMEM;
	}
	if (chmod(path, mode) < 0) {
		*why = "cannot set the socket mode";
		return -errno;
	}
	if (gid != (gid_t)-1 && lchown(path, (uid_t)-1, gid) < 0) {
		*why = "cannot set the socket group";
		return -errno;
	}
	if (listen(fd, SERVER_BACKLOG) < 0) {
		*why = "cannot listen on the socket";
		return -errno;
	}
	return 0;
}

int server_open(struct server **srvp, struct evloop *loop,
		const struct server_config *cfg, struct counters *counters,
		server_status_cb status_cb, void *status_arg, const char **why)
{
	struct server *srv = calloc(1, sizeof(*srv));
	const char *dummy;
	int r;

	if (!why) {
		why = &dummy;
	}
	*why = NULL;
	if (!srv) {
		*why = "out of memory";
		return -ENOMEM;
	}
	srv->loop = loop;
	srv->counters = counters;
	srv->status_cb = status_cb;
	srv->status_arg = status_arg;
	srv->max_clients = cfg->max_clients;
	srv->client_buffer = cfg->client_buffer;
	srv->lfd = -1;
	srv->refuse_rl = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);

	r = server_listen_activated(srv);
	if (r < 0) {
		*why = "cannot use the socket passed by systemd";
		goto fail;
	}
	if (r == 0) {
		r = server_listen_path(srv, cfg->path, cfg->mode, cfg->gid,
				       why);
		if (r < 0) {
			goto fail;
		}
	}
	r = ev_add(loop, srv->lfd, EPOLLIN, server_accept, srv);
	if (r < 0) {
		*why = "cannot watch the socket";
		goto fail;
	}
	*srvp = srv;
	return 0;
fail:
	server_close(srv);
	return r;
}

unsigned int server_clients(const struct server *srv)
{
	return srv->nclients;
}

bool server_activated(const struct server *srv)
{
	return srv->activated;
}

void server_close(struct server *srv)
{
	struct stat st;

	if (!srv) {
		return;
	}
	while (srv->clients) {
		client_close(srv->clients, "daemon stopping");
	}
	if (srv->lfd >= 0) {
		ev_del(srv->loop, srv->lfd);
		close(srv->lfd);
		srv->lfd = -1;
	}
	/* Another instance may have replaced the path since (after deciding
	 * ours was stale, say): only our own inode is ours to remove. */
	if (srv->path && lstat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino) {
		unlink(srv->path);
	}
	free(srv->path);
	free(srv);
}
