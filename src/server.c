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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/fsuid.h>
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
	/* Ours alone; server_counters() copies them out. */
	uint64_t client_drops;
	uint64_t clients_refused;
	uint64_t frames_out;
	server_status_cb status_cb;
	void *status_arg;
	unsigned int max_clients;
	size_t client_buffer;
	int lfd;
	bool activated;
	/* What we bound at path, so server_close removes only our own inode. */
	char *path;
	bool bound;
	dev_t dev;
	ino_t ino;
	/* PATH.lock, flock()ed for as long as we own path. */
	char *lock_path;
	int lock_fd;
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
	c->srv->client_drops++;
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
	c->srv->frames_out++;
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

bool server_wants(const struct server *srv, unsigned int sub)
{
	for (const struct client *c = srv->clients; c; c = c->next) {
		if (!c->closing && (c->subs & sub)) {
			return true;
		}
	}
	return false;
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
		srv->clients_refused++;
		log_ratelimited(&srv->refuse_rl, LOG_WARNING,
				"client refused: already serving %u clients "
				"(--max-clients)",
				srv->nclients);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		srv->clients_refused++;
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
		srv->clients_refused++;
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

/*
 * Take the listener systemd passed. No LISTEN_FDS for us: 0, create the
 * path. Anything but exactly one listening Unix stream socket is a unit
 * misconfiguration, refused rather than papered over with a path nobody
 * asked for.
 */
static int server_listen_activated(struct server *srv, const char **why)
{
	static char reason[128];
	int n = sd_listen_fds(1);
	int fd = SD_LISTEN_FDS_START;
	int fl;

	if (n == 0) {
		return 0;
	}
	if (n < 0) {
		*why = "cannot take the sockets systemd passed (LISTEN_FDS)";
		return n;
	}
	if (n != 1) {
		snprintf(reason, sizeof(reason),
			 "systemd passed %d file descriptors (LISTEN_FDS), "
			 "not one listening Unix stream socket",
			 n);
		*why = reason;
		return -ENOTSOCK;
	}
	if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		*why = "the descriptor systemd passed (LISTEN_FDS) is not a "
		       "listening Unix stream socket";
		return -ENOTSOCK;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		*why = "cannot use the socket passed by systemd";
		return -errno;
	}
	srv->lfd = fd;
	srv->activated = true;
	return 1;
}

/*
 * PATH.lock, beside the socket: whoever holds its flock owns the path.
 * Without it two instances starting together could both find the old
 * socket dead, and the second would unlink the first one's fresh socket
 * and bind its own, leaving the first serving an orphaned inode. Held
 * until server_close(), so a second instance is refused here even before
 * the first one listens. A lock file whose inode is no longer at the path
 * (its holder unlinked it on the way out while we waited) is not a lock.
 */
static int server_lock(struct server *srv, const char *path, const char **why)
{
	struct stat fst, pst;
	size_t len = strlen(path) + sizeof(".lock");
	int fd, tries;

	srv->lock_path = malloc(len);
	if (!srv->lock_path) {
		*why = "out of memory";
		return -ENOMEM;
	}
	snprintf(srv->lock_path, len, "%s.lock", path);
	for (tries = 0; tries < 8; tries++) {
		/* Read-only is enough for flock and for a lock file another
		 * user created; O_NOFOLLOW: a symlink is never a lock. */
		fd = open(srv->lock_path,
			  O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
				  O_NOCTTY,
			  0644);
		if (fd < 0) {
			*why = errno == ENOENT
				       ? "parent directory does not exist"
			       : errno == ELOOP ? "the lock file is a symlink"
						: "cannot open the lock file";
			return -errno;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;

			close(fd);
			if (err == EWOULDBLOCK) {
				*why = "another instance is starting or "
				       "running (it holds the .lock file "
				       "beside the socket)";
				return -EADDRINUSE;
			}
			*why = "cannot lock the lock file";
			return -err;
		}
		if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode)) {
			close(fd);
			*why = "the lock file is not a regular file";
			return -EEXIST;
		}
		if (lstat(srv->lock_path, &pst) == 0 &&
		    pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino) {
			srv->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	*why = "the lock file keeps changing";
	return -EBUSY;
}

/* Remove PATH.lock while we still hold it, then let go. */
static void server_unlock(struct server *srv)
{
	struct stat fst, pst;

	if (srv->lock_fd < 0) {
		return;
	}
	if (fstat(srv->lock_fd, &fst) == 0 &&
	    lstat(srv->lock_path, &pst) == 0 && pst.st_dev == fst.st_dev &&
	    pst.st_ino == fst.st_ino) {
		unlink(srv->lock_path);
	}
	close(srv->lock_fd);
	srv->lock_fd = -1;
}

/*
 * An existing socket at @path, lstat()ed as @st: live (someone accepts
 * connect()) or stale? A stale one is removed, and only if it is still
 * the inode we judged.
 */
static int server_probe(const struct sockaddr_un *sa, const struct stat *st,
			const char **why)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct stat now;
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
		if (lstat(sa->sun_path, &now) < 0 || now.st_dev != st->st_dev ||
		    now.st_ino != st->st_ino) {
			*why = "the socket path changed while probing it";
			r = -EEXIST;
		} else if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
			r = -errno;
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

/*
 * bind() creates the inode with 0777 & ~umask and the fsgid's group:
 * both are set for the call, so the socket is never, even briefly, wider
 * than configured and no chmod() or chown() by path (which a symlink
 * swapped in after the bind would redirect) is needed. The daemon is
 * single-threaded, so umask and fsgid are ours for this call. setfsgid()
 * needs CAP_SETGID for a group that is not already ours; without it the
 * caller falls back to lchown(), which never follows a symlink.
 */
static int server_bind(int fd, const struct sockaddr_un *sa, mode_t mode,
		       gid_t gid)
{
	gid_t old_gid = 0;
	mode_t old_mask;
	int r, err;

	if (gid != (gid_t)-1) {
		old_gid = (gid_t)setfsgid(gid);
	}
	old_mask = umask(~mode & 0777);
	r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	umask(old_mask);
	if (gid != (gid_t)-1) {
		setfsgid(old_gid);
	}
	errno = err;
	return r;
}

static int server_listen_path(struct server *srv, const char *path, mode_t mode,
			      gid_t gid, const char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		*why = "socket path empty or too long";
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	srv->path = strdup(path);
	if (!srv->path) {
		*why = "out of memory";
		return -ENOMEM;
	}
	r = server_lock(srv, path, why);
	if (r < 0) {
		return r;
	}
	/* lstat: a symlink is "not a socket" even when it points at one. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*why = "path exists and is not a socket";
			return -EEXIST;
		}
		r = server_probe(&sa, &st, why);
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
	srv->lfd = fd;
	if (server_bind(fd, &sa, mode, gid) < 0) {
		r = -errno;
		*why = r == -ENOENT	  ? "parent directory does not exist"
		       : r == -EADDRINUSE ? "a live instance is listening"
					  : "cannot bind the socket";
		return r;
	}
	/* From here on every failure removes the socket again
	 * (server_close() unlinks the inode recorded here). */
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		*why = "socket path vanished after bind";
		return -ENOENT;
	}
	srv->bound = true;
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (gid != (gid_t)-1 && st.st_gid != gid &&
	    lchown(path, (uid_t)-1, gid) < 0) {
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
		const struct server_config *cfg, server_status_cb status_cb,
		void *status_arg, const char **why)
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
	srv->status_cb = status_cb;
	srv->status_arg = status_arg;
	srv->max_clients = cfg->max_clients;
	srv->client_buffer = cfg->client_buffer;
	srv->lfd = -1;
	srv->lock_fd = -1;
	srv->refuse_rl = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);

	r = server_listen_activated(srv, why);
	if (r < 0) {
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

void server_counters(const struct server *srv, struct counters *c)
{
	c->client_drops = srv->client_drops;
	c->clients_refused = srv->clients_refused;
	c->frames_out = srv->frames_out;
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
	if (srv->bound && lstat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino) {
		unlink(srv->path);
	}
	/* The lock goes last: the path is free once it is released. */
	server_unlock(srv);
	free(srv->lock_path);
	free(srv->path);
	free(srv);
}
