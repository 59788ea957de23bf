// SPDX-License-Identifier: MIT
/*
 * baseline: the bare loop the sidecar is measured against. One UDP socket on
 * 319 opened the way the daemon opens its event socket (SO_REUSEADDR,
 * SO_BINDTODEVICE, 224.0.1.129 joined by ifindex, software RX stamps,
 * SO_RCVBUFFORCE, SO_RXQ_OVFL), then recvmsg after recvmsg. Per packet:
 * latency = CLOCK_REALTIME when recvmsg returns minus the kernel software
 * stamp of the skb.
 *
 *   baseline -i IFACE [--seconds S] [--rcvbuf BYTES] [--ready-file PATH]
 *
 * Runs until SIGINT/SIGTERM or --seconds, then prints one JSON line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define BASELINE_PTP_GROUP  "224.0.1.129"
#define BASELINE_EVENT_PORT 319
/* Signals and --seconds are checked this often (packets), and whenever the
 * socket has been idle for the receive timeout. */
#define BASELINE_CHECK_EVERY 1024

struct baseline {
	const char *ifname;
	double seconds;
	int rcvbuf;
	const char *ready_file;
	int fd;
	int rcvbuf_actual;
	/* results */
	uint64_t packets;
	uint64_t syncs;
	uint64_t no_stamp;
	uint64_t truncated;
	uint32_t kernel_drops; /* SO_RXQ_OVFL: cumulative for the socket */
	struct bench_seq seq;
	struct bench_hist lat;
};

static void baseline_usage(FILE *f)
{
	fprintf(f, "usage: baseline -i IFACE [--seconds S] [--rcvbuf BYTES] "
		   "[--ready-file PATH]\n");
}

static int baseline_parse(struct baseline *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"seconds", required_argument, NULL, 's'},
		{"rcvbuf", required_argument, NULL, 'r'},
		{"ready-file", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "i:s:r:R:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			b->ifname = optarg;
			break;
		case 's':
			if (bench_parse_double(optarg, &b->seconds)) {
				return -EINVAL;
			}
			break;
		case 'r':
			if (bench_parse_u64(optarg, &v) || v > (1U << 30)) {
				return -EINVAL;
			}
			b->rcvbuf = (int)v;
			break;
		case 'R':
			b->ready_file = optarg;
			break;
		case 'h':
			baseline_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!b->ifname || optind != argc) {
		return -EINVAL;
	}
	return 0;
}

static int baseline_open(struct baseline *b)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(BASELINE_EVENT_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct ip_mreqn mreq = {0};
	struct timeval tmo = {.tv_sec = 0, .tv_usec = 100000};
	int one = 1, flags, ifindex;
	socklen_t len = sizeof(b->rcvbuf_actual);

	ifindex = (int)if_nametoindex(b->ifname);
	if (!ifindex) {
		fprintf(stderr, "baseline: %s: %m\n", b->ifname);
		return -ENODEV;
	}
	b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->fd < 0) {
		return -errno;
	}
	/* Multicast is delivered to every SO_REUSEADDR socket on the port, so
	 * this loop and the sidecar each get their own copy of every SYNC. */
	if (setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) <
		    0 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_BINDTODEVICE, b->ifname,
		       (socklen_t)strlen(b->ifname)) < 0 ||
	    bind(b->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "baseline: bind 319 on %s: %m\n", b->ifname);
		return -errno;
	}
	inet_pton(AF_INET, BASELINE_PTP_GROUP, &mreq.imr_multiaddr);
	mreq.imr_ifindex = ifindex;
	if (setsockopt(b->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
		       sizeof(mreq)) < 0) {
		fprintf(stderr, "baseline: IP_ADD_MEMBERSHIP: %m\n");
		return -errno;
	}
	flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	if (setsockopt(b->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
		       sizeof(flags)) < 0) {
		fprintf(stderr, "baseline: SO_TIMESTAMPING: %m\n");
		return -errno;
	}
	/* FORCE ignores net.core.rmem_max (needs CAP_NET_ADMIN), as the
	 * daemon does; the kernel doubles the value for its overhead. */
	if (setsockopt(b->fd, SOL_SOCKET, SO_RCVBUFFORCE, &b->rcvbuf,
		       sizeof(b->rcvbuf)) < 0) {
		setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &b->rcvbuf,
			   sizeof(b->rcvbuf));
	}
	getsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &b->rcvbuf_actual, &len);
	if (setsockopt(b->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0) {
		fprintf(stderr, "baseline: SO_RXQ_OVFL: %m\n");
		return -errno;
	}
	/* An idle socket still lets the loop look at signals and the clock. */
	setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	return 0;
}

/* The software stamp (ts[0] of SCM_TIMESTAMPING) in ns, 0 when absent;
 * picks up the SO_RXQ_OVFL drop counter on the way. */
static uint64_t baseline_cmsgs(struct baseline *b, struct msghdr *mh)
{
	struct cmsghdr *cm;
	uint64_t stamp = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET) {
			continue;
		}
		if (cm->cmsg_type == SO_TIMESTAMPING &&
		    cm->cmsg_len == CMSG_LEN(sizeof(struct scm_timestamping))) {
			struct scm_timestamping ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			stamp = (uint64_t)ts.ts[0].tv_sec * 1000000000ULL +
				(uint64_t)ts.ts[0].tv_nsec;
		} else if (cm->cmsg_type == SO_RXQ_OVFL &&
			   cm->cmsg_len == CMSG_LEN(sizeof(uint32_t))) {
			memcpy(&b->kernel_drops, CMSG_DATA(cm),
			       sizeof(b->kernel_drops));
		}
	}
	return stamp;
}

static bool baseline_stop(uint64_t deadline)
{
	sigset_t pending;

	if (bench_now_ns(CLOCK_MONOTONIC) >= deadline) {
		return true;
	}
	if (sigpending(&pending) < 0) {
		return false;
	}
	return sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGINT) == 1;
}

static void baseline_loop(struct baseline *b, uint64_t deadline)
{
	uint8_t buf[2048];
	union {
		char buf[CMSG_SPACE(sizeof(struct scm_timestamping)) +
			 CMSG_SPACE(sizeof(uint32_t)) + 64];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {0};
	unsigned int since_check = 0;

	for (;;) {
		uint64_t now, stamp;
		ssize_t n;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		mh.msg_flags = 0;
		n = recvmsg(b->fd, &mh, 0);
		now = bench_now_ns(CLOCK_REALTIME);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK) {
				if (baseline_stop(deadline)) {
					return;
				}
				continue;
			}
			fprintf(stderr, "baseline: recvmsg: %m\n");
			return;
		}
		b->packets++;
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			b->truncated++;
		}
		stamp = baseline_cmsgs(b, &mh);
		/* The generator's SYNCs: messageType 0 in the low nibble of
		 * octet 0, sequenceId big-endian at octets 30-31. */
		if (n >= 44 && (buf[0] & 0x0f) == 0) {
			b->syncs++;
			bench_seq_add(&b->seq,
				      (uint16_t)(buf[30] << 8 | buf[31]));
		}
		if (stamp) {
			bench_hist_add(&b->lat, (int64_t)(now - stamp));
		} else {
			b->no_stamp++;
		}
		if (++since_check >= BASELINE_CHECK_EVERY) {
			since_check = 0;
			if (baseline_stop(deadline)) {
				return;
			}
		}
	}
}

static void baseline_report(const struct baseline *b)
{
	struct json_object *o = json_object_new_object();
	uint64_t cpu_ns;
	long maxrss;

	bench_rusage(&cpu_ns, &maxrss);
	json_object_object_add(o, "tool", json_object_new_string("baseline"));
	json_object_object_add(o, "packets",
			       json_object_new_int64((int64_t)b->packets));
	json_object_object_add(o, "seen",
			       json_object_new_int64((int64_t)b->seq.seen));
	json_object_object_add(o, "gapLoss",
			       json_object_new_int64((int64_t)b->seq.gap_loss));
	json_object_object_add(
		o, "outOfOrder",
		json_object_new_int64((int64_t)b->seq.out_of_order));
	json_object_object_add(
		o, "firstSeq",
		json_object_new_int(b->seq.have ? b->seq.first : -1));
	json_object_object_add(
		o, "lastSeq",
		json_object_new_int(b->seq.have ? b->seq.last : -1));
	json_object_object_add(o, "latencyNs", bench_hist_json(&b->lat));
	json_object_object_add(o, "noStamp",
			       json_object_new_int64((int64_t)b->no_stamp));
	json_object_object_add(o, "truncated",
			       json_object_new_int64((int64_t)b->truncated));
	json_object_object_add(o, "kernelDrops",
			       json_object_new_int64(b->kernel_drops));
	json_object_object_add(o, "cpuNs",
			       json_object_new_int64((int64_t)cpu_ns));
	json_object_object_add(
		o, "cpuNsPerPacket",
		json_object_new_double(
			b->packets ? (double)cpu_ns / (double)b->packets : 0));
	json_object_object_add(o, "maxRssKiB", json_object_new_int64(maxrss));
	json_object_object_add(o, "rcvbuf",
			       json_object_new_int(b->rcvbuf_actual));
	bench_print(o);
}

int main(int argc, char **argv)
{
	static struct baseline b; /* the histogram is 58 KiB */
	sigset_t stopset;
	uint64_t deadline;

	b.fd = -1;
	b.rcvbuf = 4 << 20;
	if (baseline_parse(&b, argc, argv) < 0) {
		baseline_usage(stderr);
		return 64;
	}
	/* Stop signals stay pending and are polled (every 1024 packets or
	 * 100 ms idle): no handler, and no extra syscall per packet. */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGTERM);
	sigprocmask(SIG_BLOCK, &stopset, NULL);
	if (baseline_open(&b) < 0) {
		return 71;
	}
	if (bench_ready(b.ready_file) < 0) {
		fprintf(stderr, "baseline: %s: %m\n", b.ready_file);
		return 73;
	}
	deadline = b.seconds > 0 ? bench_now_ns(CLOCK_MONOTONIC) +
					   (uint64_t)(b.seconds * 1e9)
				 : UINT64_MAX;
	baseline_loop(&b, deadline);
	baseline_report(&b);
	close(b.fd);
	return 0;
}
