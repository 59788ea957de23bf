// SPDX-License-Identifier: MIT
/*
 * benchclient: N clients of the sidecar in one epoll loop. Each reads the
 * v1 frame stream; per frame, latency = CLOCK_REALTIME when the read()
 * that carried it returned minus the frame's "unixNs" (the kernel software
 * stamp), so the figure covers stamp -> sidecar -> client socket -> client.
 *
 *   benchclient --socket PATH [-n N] [--seconds S] [--ready-file PATH]
 *               [--connect-timeout S]
 *
 * One more connection subscribes to "status": its first reply proves every
 * data client (connected before it; accept() is FIFO) is being served, and
 * a last one at the end gives the sidecar's own counters. Runs until
 * SIGINT/SIGTERM or --seconds; prints one JSON line.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"

#define BC_MAX_CLIENTS 1024
#define BC_BUF	       65536
/* Status connection's epoll tag, distinct from data client indexes. */
#define BC_TAG_STATUS	  (BC_MAX_CLIENTS + 1)
#define BC_TAG_SIGNAL	  (BC_MAX_CLIENTS + 2)
#define BC_STATUS_WAIT_NS 3000000000ULL

struct bc_conn {
	int fd;
	size_t len;
	uint64_t frames;
	uint64_t bytes;
	bool eof;
	struct bench_seq seq;
	char buf[BC_BUF];
};

struct benchclient {
	const char *path;
	unsigned int n;
	double seconds;
	double connect_timeout;
	const char *ready_file;
	int ep;
	int sfd;
	struct bc_conn *c;
	struct bc_conn status;
	struct json_object *last_status;
	uint64_t status_replies;
	bool ready;
	bool status_ready;
	bool stopping;
	uint64_t parse_errors;
	uint64_t other_frames;
	struct bench_hist lat;
};

static void bc_usage(FILE *f)
{
	fprintf(f,
		"usage: benchclient --socket PATH [-n CLIENTS] [--seconds S] "
		"[--ready-file PATH] [--connect-timeout S]\n");
}

static int bc_parse(struct benchclient *bc, int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"clients", required_argument, NULL, 'n'},
		{"seconds", required_argument, NULL, 't'},
		{"ready-file", required_argument, NULL, 'R'},
		{"connect-timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:t:R:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			bc->path = optarg;
			break;
		case 'n':
			if (bench_parse_u64(optarg, &v) || v == 0 ||
			    v > BC_MAX_CLIENTS) {
				return -EINVAL;
			}
			bc->n = (unsigned int)v;
			break;
		case 't':
			if (bench_parse_double(optarg, &bc->seconds)) {
				return -EINVAL;
			}
			break;
		case 'R':
			bc->ready_file = optarg;
			break;
		case 'T':
			if (bench_parse_double(optarg, &bc->connect_timeout)) {
				return -EINVAL;
			}
			break;
		case 'h':
			bc_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!bc->path || optind != argc ||
	    strlen(bc->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		return -EINVAL;
	}
	return 0;
}

/* Connects to the sidecar, retrying while the socket does not exist yet or
 * refuses (the daemon is still starting). Returns the fd or -errno. */
static int bc_connect(const struct benchclient *bc, uint64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	memcpy(sa.sun_path, bc->path, strlen(bc->path));
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return -errno;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			return fd;
		}
		err = errno;
		close(fd);
		if ((err != ENOENT && err != ECONNREFUSED && err != EAGAIN) ||
		    bench_now_ns(CLOCK_MONOTONIC) >= deadline) {
			return -err;
		}
		usleep(10000);
	}
}

/* Asks for one status frame (subscribing to status sends one at once). */
static int bc_status_request(struct benchclient *bc)
{
	struct json_object *req = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	const char *s;
	char line[128];
	int len;
	ssize_t w;

	json_object_array_add(arr, json_object_new_string("status"));
	json_object_object_add(req, "subscribe", arr);
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	len = snprintf(line, sizeof(line), "%s\n", s);
	json_object_put(req);
	w = send(bc->status.fd, line, (size_t)len, MSG_NOSIGNAL);
	return w == len ? 0 : -EIO;
}

static int bc_setup(struct benchclient *bc)
{
	uint64_t deadline = bench_now_ns(CLOCK_MONOTONIC) +
			    (uint64_t)(bc->connect_timeout * 1e9);
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;
	unsigned int i;
	int fd;

	bc->ep = epoll_create1(EPOLL_CLOEXEC);
	if (bc->ep < 0) {
		return -errno;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	bc->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (bc->sfd < 0) {
		return -errno;
	}
	ev.data.u64 = BC_TAG_SIGNAL;
	epoll_ctl(bc->ep, EPOLL_CTL_ADD, bc->sfd, &ev);

	bc->c = calloc(bc->n, sizeof(*bc->c));
	if (!bc->c) {
		return -ENOMEM;
	}
	for (i = 0; i < bc->n; i++) {
		fd = bc_connect(bc, deadline);
		if (fd < 0) {
			fprintf(stderr, "benchclient: connect %s: %s\n",
				bc->path, strerror(-fd));
			return fd;
		}
		bc->c[i].fd = fd;
		ev.data.u64 = i;
		epoll_ctl(bc->ep, EPOLL_CTL_ADD, fd, &ev);
	}
	fd = bc_connect(bc, deadline);
	if (fd < 0) {
		fprintf(stderr, "benchclient: connect %s: %s\n", bc->path,
			strerror(-fd));
		return fd;
	}
	bc->status.fd = fd;
	ev.data.u64 = BC_TAG_STATUS;
	epoll_ctl(bc->ep, EPOLL_CTL_ADD, fd, &ev);
	return bc_status_request(bc);
}

/* Digits after @key in [@p, @end): 0, or -EINVAL when missing. */
static int bc_field_u64(const char *p, const char *end, const char *key,
			size_t klen, uint64_t *out)
{
	const char *k = memmem(p, (size_t)(end - p), key, klen);
	uint64_t v = 0;

	if (!k) {
		return -EINVAL;
	}
	k += klen;
	if (k >= end || *k < '0' || *k > '9') {
		return -EINVAL;
	}
	while (k < end && *k >= '0' && *k <= '9') {
		v = v * 10 + (uint64_t)(*k - '0');
		k++;
	}
	*out = v;
	return 0;
}

#define BC_KEY(s) (s), (sizeof(s) - 1)

/* One v1 frame line (without its newline) read at @arrival. */
static void bc_frame(struct benchclient *bc, struct bc_conn *c,
		     const char *line, size_t len, uint64_t arrival)
{
	const char *end = line + len;
	uint64_t type, seq, stamp;

	/* A measuring tool: the core keys come in SPEC order, so plain
	 * searches for them are enough (and cheaper than a JSON parse). */
	if (!memmem(line, len, BC_KEY("\"type\":\"rx\""))) {
		bc->other_frames++;
		return;
	}
	if (bc_field_u64(line, end, BC_KEY("\"msgType\":"), &type) ||
	    bc_field_u64(line, end, BC_KEY("\"seqId\":"), &seq) ||
	    bc_field_u64(line, end, BC_KEY("\"unixNs\":\""), &stamp) ||
	    seq > 65535) {
		bc->parse_errors++;
		return;
	}
	if (type != 0) {
		bc->other_frames++;
		return;
	}
	c->frames++;
	bench_seq_add(&c->seq, (uint16_t)seq);
	bench_hist_add(&bc->lat, (int64_t)(arrival - stamp));
}

static void bc_status_line(struct benchclient *bc, const char *line, size_t len)
{
	struct json_object *o = json_tokener_parse(line);
	struct json_object *t;

	(void)len;
	if (!o) {
		bc->parse_errors++;
		return;
	}
	if (json_object_object_get_ex(o, "type", &t) &&
	    !strcmp(json_object_get_string(t), "status")) {
		json_object_put(bc->last_status);
		bc->last_status = o;
		bc->status_replies++;
		bc->status_ready = true;
		return;
	}
	json_object_put(o);
}

/* Reads what @c has, hands each complete line on. Returns false at EOF. */
static bool bc_read(struct benchclient *bc, struct bc_conn *c, bool status)
{
	uint64_t arrival;
	char *p, *nl, *end;
	ssize_t n;

	if (c->len == BC_BUF) {
		/* A line longer than the buffer: no frame is; drop it. */
		bc->parse_errors++;
		c->len = 0;
	}
	n = read(c->fd, c->buf + c->len, BC_BUF - c->len);
	arrival = bench_now_ns(CLOCK_REALTIME);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			return true;
		}
		c->eof = true;
		return false;
	}
	c->bytes += (uint64_t)n;
	c->len += (size_t)n;
	p = c->buf;
	end = c->buf + c->len;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		*nl = '\0';
		if (status) {
			bc_status_line(bc, p, (size_t)(nl - p));
		} else {
			bc_frame(bc, c, p, (size_t)(nl - p), arrival);
		}
		p = nl + 1;
	}
	c->len = (size_t)(end - p);
	memmove(c->buf, p, c->len);
	return true;
}

static void bc_drop(struct benchclient *bc, struct bc_conn *c)
{
	epoll_ctl(bc->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void bc_loop(struct benchclient *bc)
{
	struct epoll_event evs[64];
	uint64_t start = bench_now_ns(CLOCK_MONOTONIC);
	uint64_t deadline = UINT64_MAX, stop_at = 0, before = 0;

	for (;;) {
		uint64_t now = bench_now_ns(CLOCK_MONOTONIC);
		int i, n, tmo = -1;

		if (!bc->ready &&
		    (bc->status_ready || now - start >= BC_STATUS_WAIT_NS)) {
			bc->ready = true;
			bench_ready(bc->ready_file);
			if (bc->seconds > 0) {
				deadline = now + (uint64_t)(bc->seconds * 1e9);
			}
		}
		if (!bc->stopping && now >= deadline) {
			bc->stopping = true;
		}
		if (bc->stopping && !stop_at) {
			/* Ask for the sidecar's final counters; wait up to
			 * 1 s for them while still draining frames. */
			stop_at = now + 1000000000ULL;
			before = bc->status_replies;
			if (bc->status.fd < 0 || bc_status_request(bc) < 0) {
				return;
			}
		}
		if (stop_at &&
		    (now >= stop_at || bc->status_replies > before)) {
			return;
		}
		if (!bc->ready) {
			tmo = 10;
		} else if (stop_at) {
			tmo = (int)((stop_at - now) / 1000000) + 1;
		} else if (deadline != UINT64_MAX) {
			tmo = (int)((deadline - now) / 1000000) + 1;
		}
		n = epoll_wait(bc->ep, evs, 64, tmo);
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == BC_TAG_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(bc->sfd, &si, sizeof(si)) > 0) {
				}
				bc->stopping = true;
			} else if (tag == BC_TAG_STATUS) {
				if (!bc_read(bc, &bc->status, true)) {
					bc_drop(bc, &bc->status);
				}
			} else if (bc->c[tag].fd >= 0) {
				if (!bc_read(bc, &bc->c[tag], false)) {
					bc_drop(bc, &bc->c[tag]);
				}
			}
		}
	}
}

static void bc_report(struct benchclient *bc)
{
	struct json_object *o = json_object_new_object();
	struct json_object *seen = json_object_new_array();
	struct json_object *gaps = json_object_new_array();
	uint64_t frames = 0, bytes = 0, ooo = 0, eof = 0, cpu_ns;
	long maxrss;
	unsigned int i;

	for (i = 0; i < bc->n; i++) {
		const struct bc_conn *c = &bc->c[i];

		json_object_array_add(
			seen, json_object_new_int64((int64_t)c->frames));
		json_object_array_add(
			gaps, json_object_new_int64((int64_t)c->seq.gap_loss));
		frames += c->frames;
		bytes += c->bytes;
		ooo += c->seq.out_of_order;
		eof += c->eof;
	}
	bench_rusage(&cpu_ns, &maxrss);
	json_object_object_add(o, "tool",
			       json_object_new_string("benchclient"));
	json_object_object_add(o, "clients", json_object_new_int((int)bc->n));
	json_object_object_add(o, "statusReady",
			       json_object_new_boolean(bc->status_ready));
	json_object_object_add(o, "seen", seen);
	json_object_object_add(o, "gapLoss", gaps);
	json_object_object_add(o, "frames",
			       json_object_new_int64((int64_t)frames));
	json_object_object_add(o, "bytes",
			       json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "outOfOrder",
			       json_object_new_int64((int64_t)ooo));
	json_object_object_add(o, "disconnected",
			       json_object_new_int64((int64_t)eof));
	json_object_object_add(
		o, "otherFrames",
		json_object_new_int64((int64_t)bc->other_frames));
	json_object_object_add(
		o, "parseErrors",
		json_object_new_int64((int64_t)bc->parse_errors));
	json_object_object_add(o, "latencyNs", bench_hist_json(&bc->lat));
	json_object_object_add(o, "cpuNs",
			       json_object_new_int64((int64_t)cpu_ns));
	json_object_object_add(o, "maxRssKiB", json_object_new_int64(maxrss));
	json_object_object_add(o, "sidecarStatus",
			       json_object_get(bc->last_status));
	bench_print(o);
}

int main(int argc, char **argv)
{
	static struct benchclient bc; /* the histogram is 58 KiB */
	unsigned int i;
	int r;

	bc.n = 1;
	bc.connect_timeout = 5;
	bc.status.fd = -1;
	if (bc_parse(&bc, argc, argv) < 0) {
		bc_usage(stderr);
		return 64;
	}
	r = bc_setup(&bc);
	if (r < 0) {
		return r == -ENOMEM ? 71 : 69;
	}
	bc_loop(&bc);
	bc_report(&bc);
	for (i = 0; i < bc.n; i++) {
		if (bc.c[i].fd >= 0) {
			close(bc.c[i].fd);
		}
	}
	json_object_put(bc.last_status);
	free(bc.c);
	return 0;
}
