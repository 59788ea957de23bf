// SPDX-License-Identifier: MIT
/*
 * baseline: the bare loop the sidecar is measured against: one socket, then
 * recvmsg after recvmsg. Per packet: latency = CLOCK_REALTIME when recvmsg
 * returns minus the kernel software stamp of the skb. The socket (--mode):
 *
 *   udp4    UDP on 319 the way the first daemon opened its event socket
 *           (SO_REUSEADDR, SO_BINDTODEVICE, 224.0.1.129 joined by ifindex)
 *   udp6    the same over IPv6: [::]:319, IPV6_V6ONLY, ff0e::181 joined
 *   packet  the daemon's capture socket: AF_PACKET SOCK_RAW bound to the
 *           ifindex, the daemon's own BPF filter (ptp_bpf_program),
 *           PACKET_IGNORE_OUTGOING, the PTP MAC memberships; sees UDPv4,
 *           UDPv6 and L2 PTP alike
 *
 * all with software RX stamps, SO_RCVBUFFORCE and SO_RXQ_OVFL.
 *
 *   baseline -i IFACE [--mode udp4|udp6|packet] [--seconds S]
 *            [--rcvbuf BYTES] [--ready-file PATH]
 *
 * Runs until SIGINT/SIGTERM or --seconds, then prints one JSON line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
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
#include "ptp_bpf.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define BASELINE_PTP_GROUP  "224.0.1.129"
#define BASELINE_PTP_GROUP6 "ff0e::181"
#define BASELINE_EVENT_PORT 319
/* Signals and --seconds are checked this often (packets), and whenever the
 * socket has been idle for the receive timeout. */
#define BASELINE_CHECK_EVERY 1024

enum baseline_mode {
	BASELINE_UDP4,
	BASELINE_UDP6,
	BASELINE_PACKET,
};

static const char *const baseline_modes[] = {"udp4", "udp6", "packet"};

struct baseline {
	const char *ifname;
	enum baseline_mode mode;
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
	uint64_t not_ptp;      /* packet mode: a frame the loop cannot place */
	uint32_t kernel_drops; /* SO_RXQ_OVFL: cumulative for the socket */
	struct bench_seq seq;
	struct bench_hist lat;
};

static void baseline_usage(FILE *f)
{
	fprintf(f, "usage: baseline -i IFACE [--mode udp4|udp6|packet] "
		   "[--seconds S] [--rcvbuf BYTES] [--ready-file PATH]\n");
}

static int baseline_parse(struct baseline *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"seconds", required_argument, NULL, 's'},
		{"rcvbuf", required_argument, NULL, 'r'},
		{"ready-file", required_argument, NULL, 'R'},
		{"mode", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "i:s:r:R:m:h", opts, NULL)) != -1) {
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
		case 'm':
			for (v = 0; v < 3; v++) {
				if (!strcmp(optarg, baseline_modes[v])) {
					break;
				}
			}
			if (v == 3) {
				return -EINVAL;
			}
			b->mode = (enum baseline_mode)v;
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

static int baseline_open_udp4(struct baseline *b, int ifindex)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(BASELINE_EVENT_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct ip_mreqn mreq = {0};
	int one = 1;

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
	return 0;
}

static int baseline_open_udp6(struct baseline *b, int ifindex)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(BASELINE_EVENT_PORT),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct ipv6_mreq mreq = {.ipv6mr_interface = (unsigned int)ifindex};
	int one = 1;

	b->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->fd < 0) {
		return -errno;
	}
	if (setsockopt(b->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) <
		    0 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) <
		    0 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_BINDTODEVICE, b->ifname,
		       (socklen_t)strlen(b->ifname)) < 0 ||
	    bind(b->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "baseline: bind [::]:319 on %s: %m\n",
			b->ifname);
		return -errno;
	}
	inet_pton(AF_INET6, BASELINE_PTP_GROUP6, &mreq.ipv6mr_multiaddr);
	if (setsockopt(b->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq,
		       sizeof(mreq)) < 0) {
		fprintf(stderr, "baseline: IPV6_ADD_MEMBERSHIP: %m\n");
		return -errno;
	}
	return 0;
}

/* The daemon's capture socket, less its IGMP/MLD joins (veth does not
 * snoop, and the UDP baselines join the groups anyway). */
static int baseline_open_packet(struct baseline *b, int ifindex)
{
	static const uint8_t macs[][ETH_ALEN] = {
		{0x01, 0x00, 0x5e, 0x00, 0x01, 0x81},
		{0x01, 0x00, 0x5e, 0x00, 0x00, 0x6b},
		{0x33, 0x33, 0x00, 0x00, 0x01, 0x81},
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x6b},
		{0x01, 0x1b, 0x19, 0x00, 0x00, 0x00},
		{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e},
	};
	struct sock_filter prog[PTP_BPF_MAX];
	struct sock_fprog fp = {.filter = prog};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int one = 1, n;

	/* Protocol 0: nothing is queued before the filter is on. */
	b->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (b->fd < 0) {
		fprintf(stderr, "baseline: socket(AF_PACKET): %m\n");
		return -errno;
	}
	n = ptp_bpf_program(prog, PTP_BPF_MAX);
	if (n < 0) {
		return n;
	}
	fp.len = (unsigned short)n;
	if (setsockopt(b->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) <
		    0 ||
	    setsockopt(b->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0 ||
	    bind(b->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "baseline: packet socket on %s: %m\n",
			b->ifname);
		return -errno;
	}
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		struct packet_mreq mr = {
			.mr_ifindex = ifindex,
			.mr_type = PACKET_MR_MULTICAST,
			.mr_alen = ETH_ALEN,
		};

		memcpy(mr.mr_address, macs[i], ETH_ALEN);
		if (setsockopt(b->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) < 0) {
			fprintf(stderr,
				"baseline: PACKET_ADD_MEMBERSHIP: %m\n");
			return -errno;
		}
	}
	return 0;
}

static int baseline_open(struct baseline *b)
{
	struct timeval tmo = {.tv_sec = 0, .tv_usec = 100000};
	int one = 1, flags, ifindex, r;
	socklen_t len = sizeof(b->rcvbuf_actual);

	ifindex = (int)if_nametoindex(b->ifname);
	if (!ifindex) {
		fprintf(stderr, "baseline: %s: %m\n", b->ifname);
		return -ENODEV;
	}
	switch (b->mode) {
	case BASELINE_UDP4:
		r = baseline_open_udp4(b, ifindex);
		break;
	case BASELINE_UDP6:
		r = baseline_open_udp6(b, ifindex);
		break;
	default:
		r = baseline_open_packet(b, ifindex);
		break;
	}
	if (r < 0) {
		return r;
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

/* Where the PTP message starts in a captured frame (packet mode), or -1:
 * what the filter passes, without the decoder's checks (a bare loop). */
static ssize_t baseline_ptp_offset(const uint8_t *p, size_t n)
{
	unsigned int type;

	if (n < 14) {
		return -1;
	}
	type = (unsigned int)(p[12] << 8 | p[13]);
	if (type == 0x88f7) {
		return 14;
	}
	if (type == 0x0800 && n >= 15) {
		return 14 + 4 * (p[14] & 0x0f) + 8;
	}
	if (type == 0x86dd) {
		return 14 + 40 + 8;
	}
	return -1;
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
	struct sockaddr_ll from;
	struct msghdr mh = {0};
	unsigned int since_check = 0;

	for (;;) {
		const uint8_t *ptp = buf;
		uint64_t now, stamp;
		ssize_t n, off;

		/* packet mode: the sender's address, as the daemon asks for
		 * it (its packet type); the UDP loops ask for none */
		if (b->mode == BASELINE_PACKET) {
			mh.msg_name = &from;
			mh.msg_namelen = sizeof(from);
		}
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
		if (b->mode == BASELINE_PACKET) {
			off = baseline_ptp_offset(buf, (size_t)n);
			if (off < 0 || off > n) {
				b->not_ptp++;
				off = n;
			}
			ptp = buf + off;
			n -= off;
		}
		/* The generator's SYNCs: messageType 0 in the low nibble of
		 * octet 0, sequenceId big-endian at octets 30-31. */
		if (n >= 44 && (ptp[0] & 0x0f) == 0) {
			b->syncs++;
			bench_seq_add(&b->seq,
				      (uint16_t)(ptp[30] << 8 | ptp[31]));
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
	json_object_object_add(o, "mode",
			       json_object_new_string(baseline_modes[b->mode]));
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
	json_object_object_add(o, "notPtp",
			       json_object_new_int64((int64_t)b->not_ptp));
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
