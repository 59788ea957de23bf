// SPDX-License-Identifier: MIT
/*
 * ptpgen: offers PTPv2 SYNC packets on one interface at a fixed rate, for
 * the benchmark. Run it in the sending namespace.
 *
 *   ptpgen -i IFACE [-4 | -6 | -2 | --flood] [--dst ADDR] [--dst-mac MAC]
 *          [--rate PPS] [--count N] [--seconds S] [--batch N]
 *          [--domain N] [--first-seq N]
 *
 *   -4       UDPv4 to 224.0.1.129:319 (the default), or to --dst
 *   -6       UDPv6 to [ff0e::181]:319, or to --dst
 *   -2       IEEE 1588 over Ethernet (0x88F7) to 01:1b:19:00:00:00, or to
 *            --dst-mac, written whole on an AF_PACKET socket
 *   --flood  no PTP at all: alternately a UDPv4 datagram to --dst (needs
 *            --dst-mac) on a port other than 319/320 and an ARP request
 *            for an address of the subnet nobody holds, both written whole
 *            on an AF_PACKET socket; the traffic a capture filter must drop
 *
 * --rate 0 sends flat out. Ends after --count packets or --seconds, or on
 * SIGINT/SIGTERM, and prints one JSON line: how many the kernel accepted
 * and the seqId range.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "ptp_msg.h"

#define PTPGEN_MAX_BATCH   256
#define PTPGEN_PKT_LEN	   44
#define PTPGEN_PTP_GROUP   "224.0.1.129"
#define PTPGEN_PTP_GROUP6  "ff0e::181"
#define PTPGEN_EVENT_PORT  319
#define PTPGEN_ETH_HLEN	   14
#define PTPGEN_ETHERTYPE   0x88f7
#define PTPGEN_FRAME_MAX   128
#define PTPGEN_FLOOD_UDP   44 /* payload bytes of a flood datagram */
#define PTPGEN_FLOOD_PORT0 5000
/* Credit a paced sender may bank after being descheduled (a token bucket's
 * depth): it catches up on a short stall with one burst, and gives up the
 * packets of a longer one rather than bursting them all (counted as lag). */
#define PTPGEN_BURST_NS 10000000ULL

enum ptpgen_mode {
	PTPGEN_UDP4,
	PTPGEN_UDP6,
	PTPGEN_L2,
	PTPGEN_FLOOD,
};

struct ptpgen {
	const char *ifname;
	enum ptpgen_mode mode;
	const char *dst_addr; /* NULL: the PTP group */
	const char *dst_mac;  /* NULL: the L2 PTP group */
	double rate;
	uint64_t count; /* 0: unlimited */
	double seconds; /* 0: unlimited */
	unsigned int batch;
	uint8_t domain;
	uint16_t first_seq;
	int fd;
	union {
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_ll ll;
	} dst;
	socklen_t dst_len;
	/* frames written whole (-2, --flood): the Ethernet header's bytes */
	uint8_t mac_dst[ETH_ALEN];
	uint8_t mac_src[ETH_ALEN];
	struct in_addr ip_src, ip_dst;
	size_t ptp_off; /* where the PTP message starts in pkt[i] */
	uint8_t pkt[PTPGEN_MAX_BATCH][PTPGEN_FRAME_MAX];
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
	fprintf(f, "usage: ptpgen -i IFACE [-4 | -6 | -2 | --flood] "
		   "[--dst ADDR] [--dst-mac MAC] [--rate PPS (0 = flat out)] "
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
		{"dst", required_argument, NULL, 'D'},
		{"dst-mac", required_argument, NULL, 'M'},
		{"flood", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "i:r:c:s:b:d:f:h462", opts,
				NULL)) != -1) {
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
		case '4':
			g->mode = PTPGEN_UDP4;
			break;
		case '6':
			g->mode = PTPGEN_UDP6;
			break;
		case '2':
			g->mode = PTPGEN_L2;
			break;
		case 'F':
			g->mode = PTPGEN_FLOOD;
			break;
		case 'D':
			g->dst_addr = optarg;
			break;
		case 'M':
			g->dst_mac = optarg;
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
	if (g->mode == PTPGEN_FLOOD && (!g->dst_addr || !g->dst_mac)) {
		fprintf(stderr, "ptpgen: --flood needs --dst and --dst-mac\n");
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

static int ptpgen_parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int v[ETH_ALEN];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &tail) != ETH_ALEN) {
		return -EINVAL;
	}
	for (int i = 0; i < ETH_ALEN; i++) {
		if (v[i] > 0xff) {
			return -EINVAL;
		}
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* A large send buffer keeps a flat-out batch from blocking on sk_wmem
 * while veth is still handing skbs to the peer. */
static void ptpgen_sndbuf(int fd)
{
	int sndbuf = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
}

static int ptpgen_open_udp4(struct ptpgen *g, int ifindex)
{
	struct ip_mreqn mreq = {0};
	int one = 1, zero = 0;

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
	ptpgen_sndbuf(g->fd);
	g->dst.in4.sin_family = AF_INET;
	g->dst.in4.sin_port = htons(PTPGEN_EVENT_PORT);
	if (inet_pton(AF_INET, g->dst_addr ? g->dst_addr : PTPGEN_PTP_GROUP,
		      &g->dst.in4.sin_addr) != 1) {
		fprintf(stderr, "ptpgen: bad IPv4 address %s\n", g->dst_addr);
		return -EINVAL;
	}
	g->dst_len = sizeof(g->dst.in4);
	return 0;
}

static int ptpgen_open_udp6(struct ptpgen *g, int ifindex)
{
	int one = 1, zero = 0;

	g->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		return -errno;
	}
	if (setsockopt(g->fd, SOL_SOCKET, SO_BINDTODEVICE, g->ifname,
		       (socklen_t)strlen(g->ifname)) < 0) {
		fprintf(stderr, "ptpgen: SO_BINDTODEVICE: %m\n");
		return -errno;
	}
	if (setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
		       sizeof(ifindex)) < 0) {
		fprintf(stderr, "ptpgen: IPV6_MULTICAST_IF: %m\n");
		return -errno;
	}
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &one, sizeof(one));
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero,
		   sizeof(zero));
	ptpgen_sndbuf(g->fd);
	g->dst.in6.sin6_family = AF_INET6;
	g->dst.in6.sin6_port = htons(PTPGEN_EVENT_PORT);
	g->dst.in6.sin6_scope_id = (uint32_t)ifindex;
	if (inet_pton(AF_INET6, g->dst_addr ? g->dst_addr : PTPGEN_PTP_GROUP6,
		      &g->dst.in6.sin6_addr) != 1) {
		fprintf(stderr, "ptpgen: bad IPv6 address %s\n", g->dst_addr);
		return -EINVAL;
	}
	g->dst_len = sizeof(g->dst.in6);
	return 0;
}

/* -2 and --flood: whole frames on a packet socket. Protocol 0 on the
 * socket and in bind(): it receives nothing. */
static int ptpgen_open_packet(struct ptpgen *g, int ifindex)
{
	static const uint8_t l2_group[ETH_ALEN] = {0x01, 0x1b, 0x19,
						   0x00, 0x00, 0x00};
	struct ifreq ifr = {0};

	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		fprintf(stderr, "ptpgen: socket(AF_PACKET): %m\n");
		return -errno;
	}
	g->dst.ll.sll_family = AF_PACKET;
	g->dst.ll.sll_ifindex = ifindex;
	g->dst.ll.sll_halen = ETH_ALEN;
	if (bind(g->fd, (struct sockaddr *)&g->dst.ll, sizeof(g->dst.ll)) < 0) {
		fprintf(stderr, "ptpgen: bind(AF_PACKET): %m\n");
		return -errno;
	}
	ptpgen_sndbuf(g->fd);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", g->ifname);
	if (ioctl(g->fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "ptpgen: SIOCGIFHWADDR: %m\n");
		return -errno;
	}
	memcpy(g->mac_src, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(g->mac_dst, l2_group, ETH_ALEN);
	if (g->dst_mac && ptpgen_parse_mac(g->dst_mac, g->mac_dst) < 0) {
		fprintf(stderr, "ptpgen: bad MAC %s\n", g->dst_mac);
		return -EINVAL;
	}
	if (g->mode == PTPGEN_FLOOD) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int r = s < 0 ? -1 : ioctl(s, SIOCGIFADDR, &ifr);

		if (s >= 0) {
			close(s);
		}
		if (r < 0) {
			fprintf(stderr, "ptpgen: SIOCGIFADDR %s: %m\n",
				g->ifname);
			return -errno;
		}
		memcpy(&g->ip_src,
		       &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr,
		       sizeof(g->ip_src));
		if (inet_pton(AF_INET, g->dst_addr, &g->ip_dst) != 1) {
			fprintf(stderr, "ptpgen: bad IPv4 address %s\n",
				g->dst_addr);
			return -EINVAL;
		}
	}
	g->dst_len = sizeof(g->dst.ll);
	return 0;
}

static int ptpgen_open(struct ptpgen *g)
{
	int ifindex = (int)if_nametoindex(g->ifname);

	if (!ifindex) {
		fprintf(stderr, "ptpgen: %s: %m\n", g->ifname);
		return -ENODEV;
	}
	switch (g->mode) {
	case PTPGEN_UDP4:
		return ptpgen_open_udp4(g, ifindex);
	case PTPGEN_UDP6:
		return ptpgen_open_udp6(g, ifindex);
	default:
		return ptpgen_open_packet(g, ifindex);
	}
}

static void ptpgen_put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The Ethernet header of a frame written whole. */
static void ptpgen_eth(const struct ptpgen *g, uint8_t *p, const uint8_t *dst,
		       unsigned int ethertype)
{
	memcpy(p, dst, ETH_ALEN);
	memcpy(p + ETH_ALEN, g->mac_src, ETH_ALEN);
	ptpgen_put16(p + 2 * ETH_ALEN, ethertype);
}

/* A UDPv4 datagram to --dst, port 5000-5999 (never 319/320), checksum 0.
 * Returns the frame's length. */
static size_t ptpgen_flood_udp(struct ptpgen *g, uint8_t *p, uint64_t n)
{
	uint8_t *ip = p + PTPGEN_ETH_HLEN, *udp = ip + 20;
	unsigned int tot = 20 + 8 + PTPGEN_FLOOD_UDP;
	uint32_t sum = 0;

	ptpgen_eth(g, p, g->mac_dst, ETH_P_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ptpgen_put16(ip + 2, tot);
	ptpgen_put16(ip + 4, (unsigned int)n);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &g->ip_src, 4);
	memcpy(ip + 16, &g->ip_dst, 4);
	for (int i = 0; i < 20; i += 2) {
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	ptpgen_put16(ip + 10, ~sum & 0xffff);
	ptpgen_put16(udp, 40000);
	ptpgen_put16(udp + 2, PTPGEN_FLOOD_PORT0 + (unsigned int)(n % 1000));
	ptpgen_put16(udp + 4, 8 + PTPGEN_FLOOD_UDP);
	ptpgen_put16(udp + 6, 0);
	memset(udp + 8, 0x5a, PTPGEN_FLOOD_UDP);
	return PTPGEN_ETH_HLEN + tot;
}

/* A broadcast ARP request from our address for 10.x.y.(100 + n % 100) of
 * the --dst subnet's /24: a neighbour nobody holds, so nobody answers. */
static size_t ptpgen_flood_arp(struct ptpgen *g, uint8_t *p, uint64_t n)
{
	static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff,
						0xff, 0xff, 0xff};
	uint8_t *a = p + PTPGEN_ETH_HLEN;
	uint8_t target[4];

	memcpy(target, &g->ip_dst, 4);
	target[3] = (uint8_t)(100 + n % 100);
	ptpgen_eth(g, p, bcast, ETH_P_ARP);
	ptpgen_put16(a, 1); /* Ethernet */
	ptpgen_put16(a + 2, ETH_P_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	ptpgen_put16(a + 6, 1); /* request */
	memcpy(a + 8, g->mac_src, ETH_ALEN);
	memcpy(a + 14, &g->ip_src, 4);
	memset(a + 18, 0, ETH_ALEN);
	memcpy(a + 24, target, 4);
	return PTPGEN_ETH_HLEN + 28;
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
	g->ptp_off = g->mode == PTPGEN_L2 ? PTPGEN_ETH_HLEN : 0;
	for (i = 0; i < PTPGEN_MAX_BATCH; i++) {
		g->iov[i].iov_base = g->pkt[i];
		g->iov[i].iov_len = g->ptp_off + PTPGEN_PKT_LEN;
		g->mm[i].msg_hdr.msg_name = &g->dst;
		g->mm[i].msg_hdr.msg_namelen = g->dst_len;
		g->mm[i].msg_hdr.msg_iov = &g->iov[i];
		g->mm[i].msg_hdr.msg_iovlen = 1;
		if (g->mode == PTPGEN_L2) {
			ptpgen_eth(g, g->pkt[i], g->mac_dst, PTPGEN_ETHERTYPE);
		}
	}
}

/* Fills @n packets from seqId first_seq + sent on, all carrying one
 * originTimestamp read just before the batch leaves; or @n flood frames. */
static int ptpgen_fill(struct ptpgen *g, unsigned int n)
{
	struct timespec now;
	unsigned int i;
	int r;

	if (g->mode == PTPGEN_FLOOD) {
		for (i = 0; i < n; i++) {
			uint64_t k = g->sent + i;

			g->iov[i].iov_len =
				k & 1 ? ptpgen_flood_arp(g, g->pkt[i], k / 2)
				      : ptpgen_flood_udp(g, g->pkt[i], k / 2);
		}
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	g->sync.sync.origin.sec = (uint64_t)now.tv_sec;
	g->sync.sync.origin.nsec = (uint32_t)now.tv_nsec;
	for (i = 0; i < n; i++) {
		g->sync.hdr.seq_id = (uint16_t)(g->first_seq + g->sent + i);
		r = ptp_msg_build(&g->sync, g->pkt[i] + g->ptp_off,
				  PTPGEN_PKT_LEN);
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
	static const char *const modes[] = {"udp4", "udp6", "l2", "flood"};
	struct json_object *o = json_object_new_object();
	double secs = (double)g->elapsed_ns / 1e9;
	uint64_t last = g->first_seq + (g->sent ? g->sent - 1 : 0);
	uint64_t cpu_ns;
	long maxrss;

	bench_rusage(&cpu_ns, &maxrss);
	json_object_object_add(o, "tool", json_object_new_string("ptpgen"));
	json_object_object_add(o, "mode",
			       json_object_new_string(modes[g->mode]));
	json_object_object_add(o, "sent",
			       json_object_new_int64((int64_t)g->sent));
	if (g->mode != PTPGEN_FLOOD) {
		json_object_object_add(o, "firstSeq",
				       json_object_new_int(g->first_seq));
		json_object_object_add(
			o, "lastSeq",
			json_object_new_int((int)(last & 0xffff)));
		json_object_object_add(
			o, "wraps",
			json_object_new_int64((int64_t)(last >> 16)));
	}
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
	if (g->mode == PTPGEN_FLOOD) {
		/* even packets are UDP, odd ones ARP */
		json_object_object_add(
			o, "floodUdp",
			json_object_new_int64((int64_t)(g->sent + 1) / 2));
		json_object_object_add(
			o, "floodArp",
			json_object_new_int64((int64_t)g->sent / 2));
	}
	/* its own CPU; on veth that includes the receiving side's softirq
	 * work, which runs in the sender's context */
	json_object_object_add(o, "cpuNs",
			       json_object_new_int64((int64_t)cpu_ns));
	bench_print(o);
}

int main(int argc, char **argv)
{
	static struct ptpgen g; /* 32 KiB of packets: not on the stack */
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
