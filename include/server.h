/* SPDX-License-Identifier: MIT */
/*
 * The client side: a Unix SOCK_STREAM listener (self-created, or passed by
 * systemd socket activation), non-blocking clients with bounded per-client
 * queues, subscription requests, and fan-out of serialised frames.
 */
#ifndef TBLK_SERVER_H
#define TBLK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "counters.h"
#include "evloop.h"

struct server;

struct server_config {
	const char *path; /* used only when systemd passes no listener */
	mode_t mode;	  /* of a socket the daemon creates */
	gid_t gid;	  /* (gid_t)-1: leave the group alone */
	unsigned int max_clients;
	size_t client_buffer; /* per-client queued-output cap in bytes */
};

/*
 * Called when a client subscribes to "status": encode the current status
 * frame into @buf and return its length, or a negative errno.
 */
typedef int (*server_status_cb)(char *buf, size_t size, void *arg);

/*
 * Open the listener: the one fd systemd passed (sd_listen_fds), or a socket
 * at cfg->path. Anything but one listening Unix stream socket from systemd
 * is refused (-ENOTSOCK). For a self-created socket: PATH.lock beside it is
 * flock()ed for the server's lifetime (held elsewhere: -EADDRINUSE); an
 * existing path that answers connect() is a live instance (-EADDRINUSE); a
 * dead socket is replaced; a path that is not a socket is never removed
 * (-EEXIST); mode and group are set as bind() creates the inode; a failure
 * after bind() removes the socket again. The caller owns logging of the
 * returned error; *@why points at a short reason.
 */
int server_open(struct server **srv, struct evloop *loop,
		const struct server_config *cfg, server_status_cb status_cb,
		void *status_arg, const char **why);

/* Fill client_drops, clients_refused and frames_out of @c from @srv. */
void server_counters(const struct server *srv, struct counters *c);

/*
 * Queue one serialised frame (newline-terminated) to every client whose
 * subscription set intersects @sub (SUB_* of request.h). A client over its
 * cap is closed at a frame boundary and counted. Never blocks.
 */
void server_broadcast(struct server *srv, unsigned int sub, const char *frame,
		      size_t len);

/*
 * Write every client's queued frames, one send() per client; arm EPOLLOUT
 * only where bytes remain. Called at the end of each loop turn (and after
 * each receive batch), so frames of a burst are coalesced.
 */
void server_flush(struct server *srv);

unsigned int server_clients(const struct server *srv);

/* Whether any client still served subscribes to one of @sub: a frame
 * nobody reads need not be encoded. */
bool server_wants(const struct server *srv, unsigned int sub);

/* The listener came from systemd (and is never unlinked). */
bool server_activated(const struct server *srv);

/* Close every client and the listener; unlink the socket path only when it
 * is still the inode this daemon created, then PATH.lock, and release it. */
void server_close(struct server *srv);

#endif
