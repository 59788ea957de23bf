// SPDX-License-Identifier: MIT
/*
 * tclient: a small client of the sidecar's Unix socket for the integration
 * tests. Connects, optionally sends one subscribe request, copies every
 * received line to stdout (so two clients' streams can be compared) and
 * prints a summary to stderr.
 *
 *   tclient [--subscribe rx,tx,status] [--seconds S] [--frames N]
 *           [--wait-ms MS] PATH
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define TCLIENT_BUF 65536

struct tclient {
	const char *path;
	const char *subscribe; /* comma-separated list, NULL: say nothing */
	double seconds;	       /* 0: no time limit */
	long frames;	       /* 0: no frame limit */
	long wait_ms;	       /* keep retrying connect() this long */
	long lines, invalid, rx, tx, status, other;
	char buf[TCLIENT_BUF];
	size_t used;
};

static double tclient_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void tclient_usage(FILE *f)
{
	fprintf(f, "usage: tclient [--subscribe LIST] [--seconds S] "
		   "[--frames N] [--wait-ms MS] PATH\n");
}

static int tclient_connect(const struct tclient *c)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	double deadline = tclient_now() + c->wait_ms / 1000.0;
	int fd;

	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, c->path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return -errno;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			return fd;
		}
		int err = errno;

		close(fd);
		if (tclient_now() >= deadline) {
			return -err;
		}
		usleep(10000);
	}
}

/* Build {"subscribe":[...]} with json-c from a comma-separated list. */
static int tclient_send_request(int fd, const char *list)
{
	json_object *req = json_object_new_object();
	json_object *arr = json_object_new_array();
	char *copy = strdup(list);
	char *save = NULL;
	int ret = 0;

	if (!req || !arr || !copy) {
		json_object_put(req);
		json_object_put(arr);
		free(copy);
		return -ENOMEM;
	}
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		json_object_array_add(arr, json_object_new_string(t));
	}
	json_object_object_add(req, "subscribe", arr);

	const char *s =
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);

	if (send(fd, s, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		ret = -errno;
	}
	json_object_put(req);
	free(copy);
	return ret;
}

static void tclient_count(struct tclient *c, const char *line)
{
	json_object *o = json_tokener_parse(line);
	json_object *type;

	c->lines++;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "type", &type)) {
		c->invalid++;
		json_object_put(o);
		return;
	}
	const char *t = json_object_get_string(type);

	if (!strcmp(t, "rx")) {
		c->rx++;
	} else if (!strcmp(t, "tx")) {
		c->tx++;
	} else if (!strcmp(t, "status")) {
		c->status++;
	} else {
		c->other++;
	}
	json_object_put(o);
}

/* Print and count each complete line; returns true when --frames is met. */
static bool tclient_drain_lines(struct tclient *c)
{
	char *start = c->buf;
	char *nl;

	while ((nl = memchr(start, '\n', c->used - (start - c->buf)))) {
		*nl = '\0';
		fputs(start, stdout);
		fputc('\n', stdout);
		tclient_count(c, start);
		start = nl + 1;
		if (c->frames && c->lines >= c->frames) {
			return true;
		}
	}
	c->used -= start - c->buf;
	memmove(c->buf, start, c->used);
	return false;
}

static int tclient_run(struct tclient *c)
{
	double t0 = tclient_now();
	double deadline = c->seconds > 0 ? t0 + c->seconds : 0;
	const char *why = "frame limit";
	int fd = tclient_connect(c);

	if (fd < 0) {
		fprintf(stderr, "tclient: connect %s: %s\n", c->path,
			strerror(-fd));
		return 1;
	}
	if (c->subscribe) {
		int r = tclient_send_request(fd, c->subscribe);

		if (r < 0) {
			fprintf(stderr, "tclient: send: %s\n", strerror(-r));
			close(fd);
			return 1;
		}
	}
	for (;;) {
		int timeout = -1;

		if (deadline) {
			double left = deadline - tclient_now();

			if (left <= 0) {
				why = "time limit";
				break;
			}
			timeout = (int)(left * 1000) + 1;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = poll(&pfd, 1, timeout);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			why = strerror(errno);
			break;
		}
		if (n == 0) {
			continue;
		}
		if (c->used == sizeof(c->buf)) {
			why = "line longer than the buffer";
			break;
		}
		ssize_t r =
			read(fd, c->buf + c->used, sizeof(c->buf) - c->used);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			why = r == 0 ? "closed by the daemon" : strerror(errno);
			break;
		}
		c->used += r;
		if (tclient_drain_lines(c)) {
			break;
		}
	}
	close(fd);
	fflush(stdout);
	fprintf(stderr,
		"tclient: %ld lines (rx %ld, tx %ld, status %ld, other %ld, "
		"invalid %ld) in %.3f s, stopped by %s\n",
		c->lines, c->rx, c->tx, c->status, c->other, c->invalid,
		tclient_now() - t0, why);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"subscribe", required_argument, NULL, 'S'},
		{"seconds", required_argument, NULL, 's'},
		{"frames", required_argument, NULL, 'n'},
		{"wait-ms", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct tclient c = {0};
	int o;

	while ((o = getopt_long(argc, argv, "S:s:n:w:h", opts, NULL)) != -1) {
		switch (o) {
		case 'S':
			c.subscribe = optarg;
			break;
		case 's':
			c.seconds = strtod(optarg, NULL);
			break;
		case 'n':
			c.frames = strtol(optarg, NULL, 10);
			break;
		case 'w':
			c.wait_ms = strtol(optarg, NULL, 10);
			break;
		case 'h':
			tclient_usage(stdout);
			return 0;
		default:
			tclient_usage(stderr);
			return 64;
		}
	}
	if (optind != argc - 1) {
		tclient_usage(stderr);
		return 64;
	}
	c.path = argv[optind];
	/* Lines are compared after the run: block-buffer them. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	return tclient_run(&c);
}
