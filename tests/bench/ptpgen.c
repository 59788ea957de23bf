// SPDX-License-Identifier: MIT
/*
 * ptpgen: offers PTPv2 SYNC packets to 224.0.1.129:319 on one interface at
 * a fixed rate, for the benchmark. Run it in the sending namespace.
 *
 *   ptpgen -i IFACE [--rate PPS] [--count N] [--seconds S] [--batch N]
 *          [--domain N] [--first-seq N]
 *
 * --rate 0 sends flat out. Ends after --count packets or --seconds, or on
 * SIGINT/SIGTERM, and prints one JSON line: how many the kernel accepted
 * and the seqId range.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "ptp_msg.h"

#define PTPGEN_MAX_BATCH  256
#define PTPGEN_PKT_LEN	  44
#define PTPGEN_PTP_GROUP  "224.0.1.129"
#define PTPGEN_EVENT_PORT 319
/* Credit a paced sender may bank after being descheduled (a token bucket's
 * depth): it catches up on a short stall with one burst, and gives up the
 * packets of a longer one rather than bursting them all (counted as lag). */
#define PTPGEN_BURST_NS 10000000ULL

struct ptpgen {
	const char *ifname;
	double rate;
	uint64_t count; /* 0: unlimited */
	double seconds; /* 0: unlimited */
	unsigned int batch;
	uint8_t domain;
	uint16_t first_seq;
	int fd;
	struct sockaddr_in dst;
	uint8_t pkt[PTPGEN_MAX_BATCH][PTPGEN_PKT_LEN];
	struct iovec iov[PTPGEN_MAX_BATCH];
	struct mmsghdr mm[PTPGEN_MAX_BATCH];
	struct ptp_msg sync;
	/* results */
	uint64_t sent;
	uint64_t send_errors;
	uint64_t lag_events;
	uint64_t elapsed_ns;
};

static void ptpgen_usage(FILE *f)
{
	fprintf(f, "usage: ptpgen -i IFACE [--rate PPS (0 = flat out)] "
		   "[--count N] [--seconds S] [--batch N] [--domain N] "
		   "[--first-seq N]\n");
}

static int ptpgen_parse(struct ptpgen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"rate", required_argument, NULL, 'r'},
		{"count", required_argument, NULL, 'c'},
		{"seconds", required_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},
		{"domain", required_argument, NULL, 'd'},
		{"first-seq", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "i:r:c:s:b:d:f:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			g->ifname = optarg;
			break;
		case 'r':
			if (bench_parse_double(optarg, &g->rate)) {
				return -EINVAL;
			}
			break;
		case 'c':
			if (bench_parse_u64(optarg, &g->count)) {
				return -EINVAL;
			}
			break;
		case 's':
			if (bench_parse_double(optarg, &g->seconds)) {
				return -EINVAL;
			}
			break;
		case 'b':
			if (bench_parse_u64(optarg, &v) || v == 0 ||
			    v > PTPGEN_MAX_BATCH) {
				return -EINVAL;
			}
			g->batch = (unsigned int)v;
			break;
		case 'd':
			if (bench_parse_u64(optarg, &v) || v > 255) {
				return -EINVAL;
			}
			g->domain = (uint8_t)v;
			break;
		case 'f':
			if (bench_parse_u64(optarg, &v) || v > 65535) {
				return -EINVAL;
			}
			g->first_seq = (uint16_t)v;
			break;
		case 'h':
			ptpgen_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!g->ifname || optind != argc) {
		return -EINVAL;
	}
	if (!g->batch) {
		/* Paced: one sendmmsg about every 0.5 ms, so the offered
		 * stream stays smooth at 1k/s and cheap at 100k/s. */
		double b = g->rate > 0 ? g->rate / 2000.0 : 64;

		g->batch = b < 1 ? 1 : b > 64 ? 64 : (unsigned int)b;
	}
	return 0;
}

static int ptpgen_open(struct ptpgen *g)
{
	struct ip_mreqn mreq = {0};
	int ifindex, one = 1, zero = 0, sndbuf = 4 << 20;

	ifindex = (int)if_nametoindex(g->ifname);
	if (!ifindex) {
		fprintf(stderr, "ptpgen: %s: %m\n", g->ifname);
		return -ENODEV;
	}
	g->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		return -errno;
	}
	if (setsockopt(g->fd, SOL_SOCKET, SO_BINDTODEVICE, g->ifname,
		       (socklen_t)strlen(g->ifname)) < 0) {
		fprintf(stderr, "ptpgen: SO_BINDTODEVICE: %m\n");
		return -errno;
	}
	mreq.imr_ifindex = ifindex;
	if (setsockopt(g->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		       sizeof(mreq)) < 0) {
		fprintf(stderr, "ptpgen: IP_MULTICAST_IF: %m\n");
		return -errno;
	}
	/* TTL 1 (the default) keeps it on the link; no loop back to us. */
	setsockopt(g->fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one));
	setsockopt(g->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	/* A large send buffer keeps a flat-out batch from blocking on
	 * sk_wmem while veth is still handing skbs to the peer. */
	if (setsockopt(g->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0) {
		setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			   sizeof(sndbuf));
	}
	g->dst.sin_family = AF_INET;
	g->dst.sin_port = htons(PTPGEN_EVENT_PORT);
	inet_pton(AF_INET, PTPGEN_PTP_GROUP, &g->dst.sin_addr);
	return 0;
}

static void ptpgen_init_msgs(struct ptpgen *g)
{
	/* A fixed, recognisable sourcePortIdentity: be:0c:00:ff:fe:00:00:01-1 */
	static const uint8_t clock_id[PTP_CLOCK_ID_LEN] = {
		0xbe, 0x0c, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01};
	unsigned int i;

	memset(&g->sync, 0, sizeof(g->sync));
	g->sync.hdr.msg_type = PTP_SYNC;
	g->sync.hdr.version = 2;
	g->sync.hdr.domain = g->domain;
	memcpy(g->sync.hdr.src.clock_id, clock_id, sizeof(clock_id));
	g->sync.hdr.src.port = 1;
	g->sync.hdr.control = 0; /* controlField 0: Sync */
	g->sync.hdr.log_interval = -7;
	for (i = 0; i < PTPGEN_MAX_BATCH; i++) {
		g->iov[i].iov_base = g->pkt[i];
		g->iov[i].iov_len = PTPGEN_PKT_LEN;
		g->mm[i].msg_hdr.msg_name = &g->dst;
		g->mm[i].msg_hdr.msg_namelen = sizeof(g->dst);
		g->mm[i].msg_hdr.msg_iov = &g->iov[i];
		g->mm[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Fills @n packets from seqId first_seq + sent on, all carrying one
 * originTimestamp read just before the batch leaves. */
static int ptpgen_fill(struct ptpgen *g, unsigned int n)
{
	struct timespec now;
	unsigned int i;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	g->sync.sync.origin.sec = (uint64_t)now.tv_sec;
	g->sync.sync.origin.nsec = (uint32_t)now.tv_nsec;
	for (i = 0; i < n; i++) {
		g->sync.hdr.seq_id = (uint16_t)(g->first_seq + g->sent + i);
		r = ptp_msg_build(&g->sync, g->pkt[i], PTPGEN_PKT_LEN);
		if (r != PTPGEN_PKT_LEN) {
			return r < 0 ? r : -EPROTO;
		}
	}
	return 0;
}

static bool ptpgen_stop_requested(const sigset_t *stopset)
{
	sigset_t pending;
	int s;

	if (sigpending(&pending) < 0) {
		return false;
	}
	for (s = 1; s < NSIG; s++) {
		if (sigismember(stopset, s) == 1 &&
		    sigismember(&pending, s) == 1) {
			return true;
		}
	}
	return false;
}

static int ptpgen_run(struct ptpgen *g, const sigset_t *stopset)
{
	uint64_t start = bench_now_ns(CLOCK_MONOTONIC);
	uint64_t deadline = g->seconds > 0
				    ? start + (uint64_t)(g->seconds * 1e9)
				    : UINT64_MAX;
	double interval = g->rate > 0 ? 1e9 / g->rate : 0;
	double next = (double)start; /* when the next packet is due */
	uint64_t now = start;
	int r;

	while (!g->count || g->sent < g->count) {
		unsigned int n = g->batch;

		now = bench_now_ns(CLOCK_MONOTONIC);
		if (now >= deadline || ptpgen_stop_requested(stopset)) {
			break;
		}
		if (interval > 0) {
			double due;

			if ((double)now < next) {
				struct timespec ts = {
					.tv_sec = (time_t)(next / 1e9),
					.tv_nsec =
						(long)(next -
						       (double)(uint64_t)(next /
									  1e9) *
							       1e9),
				};

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&ts, NULL);
				continue;
			}
			if ((double)now - next > (double)PTPGEN_BURST_NS) {
				next = (double)(now - PTPGEN_BURST_NS);
				g->lag_events++;
			}
			due = ((double)now - next) / interval + 1;
			if (due < n) {
				n = (unsigned int)due;
			}
		}
		if (g->count && g->count - g->sent < n) {
			n = (unsigned int)(g->count - g->sent);
		}
		r = ptpgen_fill(g, n);
		if (r < 0) {
			return r;
		}
		r = sendmmsg(g->fd, g->mm, n, 0);
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == ENOBUFS || errno == EAGAIN) {
				/* The device queue is full: nothing left,
				 * so nothing was offered. Let it drain. */
				g->send_errors++;
				sched_yield();
				continue;
			}
			fprintf(stderr, "ptpgen: sendmmsg: %m\n");
			return -errno;
		}
		g->sent += (uint64_t)r;
		next += interval * r;
	}
	g->elapsed_ns = bench_now_ns(CLOCK_MONOTONIC) - start;
	return 0;
}

static void ptpgen_report(const struct ptpgen *g)
{
	struct json_object *o = json_object_new_object();
	double secs = (double)g->elapsed_ns / 1e9;
	uint64_t last = g->first_seq + (g->sent ? g->sent - 1 : 0);

	json_object_object_add(o, "tool", json_object_new_string("ptpgen"));
	json_object_object_add(o, "sent",
			       json_object_new_int64((int64_t)g->sent));
	json_object_object_add(o, "firstSeq",
			       json_object_new_int(g->first_seq));
	json_object_object_add(o, "lastSeq",
			       json_object_new_int((int)(last & 0xffff)));
	json_object_object_add(o, "wraps",
			       json_object_new_int64((int64_t)(last >> 16)));
	json_object_object_add(o, "rateOffered",
			       json_object_new_double(g->rate));
	json_object_object_add(
		o, "rateAchieved",
		json_object_new_double(secs > 0 ? (double)g->sent / secs : 0));
	json_object_object_add(o, "seconds", json_object_new_double(secs));
	json_object_object_add(o, "batch", json_object_new_int((int)g->batch));
	json_object_object_add(o, "sendErrors",
			       json_object_new_int64((int64_t)g->send_errors));
	json_object_object_add(o, "lagEvents",
			       json_object_new_int64((int64_t)g->lag_events));
	bench_print(o);
}

int main(int argc, char **argv)
{
	static struct ptpgen g; /* 11 KiB of packets: not on the stack */
	sigset_t stopset;
	int r;

	g.fd = -1;
	if (ptpgen_parse(&g, argc, argv) < 0) {
		ptpgen_usage(stderr);
		return 64;
	}
	/* Signals stay pending and are polled between batches, so a stop
	 * never tears a sendmmsg and needs no handler state. */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGTERM);
	sigprocmask(SIG_BLOCK, &stopset, NULL);
	/* Default timer slack is 50 us: too coarse for 0.5 ms pacing. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (ptpgen_open(&g) < 0) {
		return 71;
	}
	ptpgen_init_msgs(&g);
	r = ptpgen_run(&g, &stopset);
	ptpgen_report(&g);
	close(g.fd);
	/* A pending SIGINT now ends us by that signal: a shell waiting on us
	 * in the foreground only acts on Ctrl-C (its trap, its own exit) when
	 * the child died of SIGINT, not when it exited. */
	sigprocmask(SIG_UNBLOCK, &stopset, NULL);
	return r < 0 ? 71 : 0;
}
