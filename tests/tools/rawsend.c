// SPDX-License-Identifier: MIT
/*
 * rawsend: whole Ethernet frames from an AF_PACKET SOCK_RAW socket on one
 * interface, for the capture-path tests (SPEC section 3). This kernel has
 * no 8021q, so a VLAN-tagged PTP frame can only be written by hand; and a
 * non-PTP flood shows what the daemon's BPF filter keeps from it.
 *
 *   rawsend -i IFACE --sync N [--rate PPS] [--vlan VID] [--first-seq N]
 *           [--clock-id HEX16] [--port N] [--src-ip A.B.C.D]
 *   rawsend -i IFACE --flood SECONDS --rate PPS [--max N]
 *           [--dst-mac MAC] [--dst-ip A.B.C.D] [--src-ip A.B.C.D]
 *           [--arp-target A.B.C.D]
 *
 * --sync: N valid one-step PTPv2 SYNCs (IEEE 1588-2008 section 13.6) in
 * IPv4/UDP to 224.0.1.129:319 (MAC 01:00:5e:00:01:81), from the given
 * sourcePortIdentity (default 7a7a7a.fffe.000001-1), sequenceIds
 * counting up from --first-seq, originTimestamp the time of sending;
 * with --vlan one 802.1Q tag (TPID 0x8100, PCP 0) carrying that VID.
 * --flood: for SECONDS, alternately UDP to --dst-ip port 9999 (not PTP)
 * and ARP requests for --arp-target (an address nobody holds: no
 * replies), paced at PPS. Both are bounded: counts, rate and duration
 * have hard limits, and every frame leaves only through IFACE.
 *
 * Prints one JSON line: what was sent, per kind, and the rate achieved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define RAWSEND_BATCH	   64
#define RAWSEND_FRAME_MAX  128
#define RAWSEND_MAX_RATE   1000000ULL
#define RAWSEND_MAX_SECS   60ULL
#define RAWSEND_MAX_SYNC   100000ULL
#define RAWSEND_FLOOD_PORT 9999
#define RAWSEND_PTP_EVENT  319
#define RAWSEND_SYNC_LEN   44
/* A stalled sender catches up at most this far behind its schedule. */
#define RAWSEND_LAG_NS 10000000ULL

enum rawsend_kind {
	RAWSEND_SYNC,
	RAWSEND_UDP,
	RAWSEND_ARP,
	RAWSEND_NKINDS,
};

struct rawsend {
	const char *ifname;
	int ifindex;
	int fd;
	uint8_t src_mac[ETH_ALEN];
	uint8_t dst_mac[ETH_ALEN]; /* flood UDP */
	struct in_addr src_ip, dst_ip, arp_target;
	/* --sync */
	uint64_t sync;
	int vlan; /* -1: untagged */
	uint16_t first_seq;
	uint8_t clock_id[8];
	uint16_t port;
	/* --flood */
	uint64_t flood_secs;
	uint64_t max;
	uint64_t rate; /* packets/s; 0 with --sync: 100/s */
	uint16_t ip_id;
	/* results */
	uint64_t sent[RAWSEND_NKINDS];
	uint64_t retries;
	uint64_t elapsed_ns;
	uint8_t frame[RAWSEND_BATCH][RAWSEND_FRAME_MAX];
	struct iovec iov[RAWSEND_BATCH];
	struct mmsghdr mm[RAWSEND_BATCH];
};

static const uint8_t rawsend_ptp_mac[ETH_ALEN] = {0x01, 0x00, 0x5e,
						  0x00, 0x01, 0x81};

static uint64_t rawsend_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void rawsend_usage(FILE *f)
{
	fprintf(f,
		"usage: rawsend -i IFACE --sync N [--rate PPS] [--vlan VID] "
		"[--first-seq N] [--clock-id HEX16] [--port N] "
		"[--src-ip IP]\n"
		"       rawsend -i IFACE --flood SECONDS --rate PPS [--max N] "
		"[--dst-mac MAC] [--dst-ip IP] [--src-ip IP] "
		"[--arp-target IP]\n");
}

static int rawsend_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || !*s || *end || *s == '-' || *v > max ? -EINVAL : 0;
}

static int rawsend_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != ETH_ALEN) {
		return -EINVAL;
	}
	for (int i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff) {
			return -EINVAL;
		}
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int rawsend_clock_id(const char *s, uint8_t *id)
{
	if (strlen(s) != 16) {
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1) {
			return -EINVAL;
		}
		id[i] = (uint8_t)b;
	}
	return 0;
}

static int rawsend_ip(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -EINVAL;
}

static int rawsend_parse(struct rawsend *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"sync", required_argument, NULL, 'n'},
		{"flood", required_argument, NULL, 'F'},
		{"rate", required_argument, NULL, 'r'},
		{"max", required_argument, NULL, 'm'},
		{"vlan", required_argument, NULL, 'v'},
		{"first-seq", required_argument, NULL, 'f'},
		{"clock-id", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"dst-mac", required_argument, NULL, 'D'},
		{"dst-ip", required_argument, NULL, 'd'},
		{"src-ip", required_argument, NULL, 's'},
		{"arp-target", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c, e = 0;

	while ((c = getopt_long(argc, argv, "i:n:F:r:m:v:f:c:p:D:d:s:a:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			s->ifname = optarg;
			break;
		case 'n':
			e = rawsend_u64(optarg, RAWSEND_MAX_SYNC, &s->sync);
			break;
		case 'F':
			e = rawsend_u64(optarg, RAWSEND_MAX_SECS,
					&s->flood_secs);
			break;
		case 'r':
			e = rawsend_u64(optarg, RAWSEND_MAX_RATE, &s->rate);
			break;
		case 'm':
			e = rawsend_u64(optarg,
					RAWSEND_MAX_RATE * RAWSEND_MAX_SECS,
					&s->max);
			break;
		case 'v':
			/* VIDs 0 and 4095 are reserved (802.1Q 9.6) */
			e = rawsend_u64(optarg, 4094, &v);
			s->vlan = e || v == 0 ? -1 : (int)v;
			e = e || v == 0 ? -EINVAL : 0;
			break;
		case 'f':
			e = rawsend_u64(optarg, 65535, &v);
			s->first_seq = (uint16_t)v;
			break;
		case 'c':
			e = rawsend_clock_id(optarg, s->clock_id);
			break;
		case 'p':
			e = rawsend_u64(optarg, 65535, &v);
			s->port = (uint16_t)v;
			break;
		case 'D':
			e = rawsend_mac(optarg, s->dst_mac);
			break;
		case 'd':
			e = rawsend_ip(optarg, &s->dst_ip);
			break;
		case 's':
			e = rawsend_ip(optarg, &s->src_ip);
			break;
		case 'a':
			e = rawsend_ip(optarg, &s->arp_target);
			break;
		case 'h':
			rawsend_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (e) {
			fprintf(stderr, "rawsend: bad value for -%c: %s\n", c,
				optarg);
			return -EINVAL;
		}
	}
	if (!s->ifname || optind != argc || !s->sync == !s->flood_secs) {
		return -EINVAL;
	}
	if (s->flood_secs && !s->rate) {
		fprintf(stderr, "rawsend: --flood needs --rate\n");
		return -EINVAL;
	}
	return 0;
}

static int rawsend_open(struct rawsend *s)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	struct ifreq ifr = {0};
	int sndbuf = 4 << 20;

	if (strlen(s->ifname) >= IFNAMSIZ) {
		fprintf(stderr, "rawsend: interface name too long\n");
		return -EINVAL;
	}
	s->ifindex = (int)if_nametoindex(s->ifname);
	if (!s->ifindex) {
		fprintf(stderr, "rawsend: %s: %m\n", s->ifname);
		return -errno;
	}
	/* Protocol 0: this socket sends only, it is handed nothing. */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		fprintf(stderr, "rawsend: socket(AF_PACKET): %m\n");
		return -errno;
	}
	strcpy(ifr.ifr_name, s->ifname);
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "rawsend: SIOCGIFHWADDR %s: %m\n", s->ifname);
		return -errno;
	}
	memcpy(s->src_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	/* Bound to the interface: no frame can leave through another. */
	sll.sll_ifindex = s->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "rawsend: bind %s: %m\n", s->ifname);
		return -errno;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return 0;
}

static uint8_t *rawsend_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *rawsend_eth(const struct rawsend *s, uint8_t *p,
			    const uint8_t *dst, int vlan, uint16_t type)
{
	memcpy(p, dst, ETH_ALEN);
	memcpy(p + ETH_ALEN, s->src_mac, ETH_ALEN);
	p += 2 * ETH_ALEN;
	if (vlan >= 0) {
		p = rawsend_put16(p, 0x8100);
		p = rawsend_put16(p, (uint16_t)vlan); /* PCP 0, DEI 0 */
	}
	return rawsend_put16(p, type);
}

/* RFC 1071 over the 20-octet header. */
static uint16_t rawsend_ip_csum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2) {
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* IPv4 + UDP headers for @payload octets; returns where they go. The UDP
 * checksum is 0: optional over IPv4 (RFC 768). */
static uint8_t *rawsend_ip_udp(struct rawsend *s, uint8_t *p,
			       struct in_addr dst, uint16_t port,
			       size_t payload, uint8_t ttl)
{
	uint8_t *ip = p;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	rawsend_put16(ip + 2, (uint16_t)(28 + payload));
	rawsend_put16(ip + 4, s->ip_id++);
	ip[8] = ttl;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s->src_ip, 4);
	memcpy(ip + 16, &dst, 4);
	rawsend_put16(ip + 10, rawsend_ip_csum(ip));
	rawsend_put16(ip + 20, port);
	rawsend_put16(ip + 22, port);
	rawsend_put16(ip + 24, (uint16_t)(8 + payload));
	return ip + 28;
}

/* A one-step SYNC, IEEE 1588-2008 13.3 header + 13.6 body. */
static size_t rawsend_sync(struct rawsend *s, uint8_t *frame, uint16_t seq)
{
	struct in_addr grp = {.s_addr = htonl(0xe0000181)}; /* 224.0.1.129 */
	uint64_t now = rawsend_now(CLOCK_REALTIME);
	uint64_t sec = now / 1000000000ULL;
	uint32_t nsec = (uint32_t)(now % 1000000000ULL);
	uint8_t *p = rawsend_eth(s, frame, rawsend_ptp_mac, s->vlan, 0x0800);
	uint8_t *m;

	/* TTL 1 as 1588 Annex D asks of the PTP groups */
	m = rawsend_ip_udp(s, p, grp, RAWSEND_PTP_EVENT, RAWSEND_SYNC_LEN, 1);
	memset(m, 0, RAWSEND_SYNC_LEN);
	m[0] = 0x00; /* transportSpecific 0, messageType SYNC */
	m[1] = 0x02; /* versionPTP 2 */
	rawsend_put16(m + 2, RAWSEND_SYNC_LEN);
	/* domain 0, flags 0 (one-step), correction 0 */
	memcpy(m + 20, s->clock_id, 8);
	rawsend_put16(m + 28, s->port);
	rawsend_put16(m + 30, seq);
	m[32] = 0x00;	     /* controlField: Sync */
	m[33] = (uint8_t)-3; /* logMessageInterval */
	for (int i = 0; i < 6; i++) {
		m[34 + i] = (uint8_t)(sec >> (8 * (5 - i)));
	}
	m[40] = (uint8_t)(nsec >> 24);
	m[41] = (uint8_t)(nsec >> 16);
	m[42] = (uint8_t)(nsec >> 8);
	m[43] = (uint8_t)nsec;
	return (size_t)(m + RAWSEND_SYNC_LEN - frame);
}

static size_t rawsend_udp(struct rawsend *s, uint8_t *frame)
{
	uint8_t *p = rawsend_eth(s, frame, s->dst_mac, -1, 0x0800);
	uint8_t *m =
		rawsend_ip_udp(s, p, s->dst_ip, RAWSEND_FLOOD_PORT, 18, 64);

	memset(m, 0xa5, 18); /* 64-octet frame with the FCS */
	return (size_t)(m + 18 - frame);
}

/* An ARP request (RFC 826) for an address nobody holds. */
static size_t rawsend_arp(struct rawsend *s, uint8_t *frame)
{
	static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff,
						0xff, 0xff, 0xff};
	uint8_t *p = rawsend_eth(s, frame, bcast, -1, 0x0806);

	p = rawsend_put16(p, 1);      /* hardware type Ethernet */
	p = rawsend_put16(p, 0x0800); /* protocol IPv4 */
	*p++ = ETH_ALEN;
	*p++ = 4;
	p = rawsend_put16(p, 1); /* request */
	memcpy(p, s->src_mac, ETH_ALEN);
	memcpy(p + 6, &s->src_ip, 4);
	memset(p + 10, 0, ETH_ALEN);
	memcpy(p + 16, &s->arp_target, 4);
	p += 20;
	memset(p, 0, 18); /* pad to the 60-octet minimum */
	return (size_t)(p + 18 - frame);
}

/* Frame @k of the run: SYNCs, or the flood's UDP and ARP in turn. */
static enum rawsend_kind rawsend_kind(const struct rawsend *s, uint64_t k)
{
	if (s->sync) {
		return RAWSEND_SYNC;
	}
	return k & 1 ? RAWSEND_ARP : RAWSEND_UDP;
}

/* Offer the first @n prepared frames, retrying what the device queue
 * refused, so the counts are what left. */
static int rawsend_send(struct rawsend *s, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		int r = sendmmsg(s->fd, s->mm + done, n - done, 0);

		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == ENOBUFS || errno == EAGAIN) {
				s->retries++;
				sched_yield();
				continue;
			}
			fprintf(stderr, "rawsend: sendmmsg: %m\n");
			return -errno;
		}
		done += (unsigned int)r;
	}
	return 0;
}

static void rawsend_sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ULL),
			      .tv_nsec = (long)(t % 1000000000ULL)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR) {
	}
}

static int rawsend_run(struct rawsend *s)
{
	uint64_t start = rawsend_now(CLOCK_MONOTONIC), next = start;
	uint64_t end = start + s->flood_secs * 1000000000ULL;
	uint64_t total = s->sync ? s->sync : s->max;
	uint64_t done = 0;
	double per_pkt_ns = 1e9 / (double)s->rate;
	/* one sendmmsg about every 0.5 ms */
	unsigned int batch = (unsigned int)(s->rate / 2000);
	int r;

	batch = batch < 1 ? 1 : batch > RAWSEND_BATCH ? RAWSEND_BATCH : batch;
	while (done < total) {
		uint64_t now = rawsend_now(CLOCK_MONOTONIC);
		unsigned int n = 0;

		if (s->flood_secs && now >= end) {
			break;
		}
		if (now < next) {
			rawsend_sleep_until(next);
		} else if (now - next > RAWSEND_LAG_NS) {
			next = now - RAWSEND_LAG_NS;
		}
		while (n < batch && done + n < total) {
			uint8_t *f = s->frame[n];
			size_t len;

			switch (rawsend_kind(s, done + n)) {
			case RAWSEND_SYNC:
				len = rawsend_sync(
					s, f,
					(uint16_t)(s->first_seq + done + n));
				break;
			case RAWSEND_ARP:
				len = rawsend_arp(s, f);
				break;
			default:
				len = rawsend_udp(s, f);
				break;
			}
			s->iov[n] = (struct iovec){f, len};
			s->mm[n].msg_hdr = (struct msghdr){
				.msg_iov = &s->iov[n],
				.msg_iovlen = 1,
			};
			n++;
		}
		r = rawsend_send(s, n);
		if (r) {
			return r;
		}
		for (unsigned int i = 0; i < n; i++) {
			s->sent[rawsend_kind(s, done + i)]++;
		}
		done += n;
		next += (uint64_t)(per_pkt_ns * n);
	}
	s->elapsed_ns = rawsend_now(CLOCK_MONOTONIC) - start;
	return 0;
}

static void rawsend_report(const struct rawsend *s)
{
	struct json_object *o = json_object_new_object();
	double secs = (double)s->elapsed_ns / 1e9;
	uint64_t sent = s->sent[RAWSEND_SYNC] + s->sent[RAWSEND_UDP] +
			s->sent[RAWSEND_ARP];
	char src[32];

	snprintf(src, sizeof(src), "%02x%02x%02x.%02x%02x.%02x%02x%02x-%u",
		 s->clock_id[0], s->clock_id[1], s->clock_id[2], s->clock_id[3],
		 s->clock_id[4], s->clock_id[5], s->clock_id[6], s->clock_id[7],
		 s->port);
	json_object_object_add(o, "tool", json_object_new_string("rawsend"));
	json_object_object_add(
		o, "mode", json_object_new_string(s->sync ? "sync" : "flood"));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)sent));
	json_object_object_add(
		o, "sync",
		json_object_new_int64((int64_t)s->sent[RAWSEND_SYNC]));
	json_object_object_add(
		o, "udp", json_object_new_int64((int64_t)s->sent[RAWSEND_UDP]));
	json_object_object_add(
		o, "arp", json_object_new_int64((int64_t)s->sent[RAWSEND_ARP]));
	if (s->sync) {
		json_object_object_add(o, "firstSeq",
				       json_object_new_int(s->first_seq));
		json_object_object_add(o, "src", json_object_new_string(src));
		json_object_object_add(
			o, "vlan",
			s->vlan >= 0 ? json_object_new_int(s->vlan) : NULL);
	}
	json_object_object_add(o, "seconds", json_object_new_double(secs));
	json_object_object_add(
		o, "rateAchieved",
		json_object_new_double(secs > 0 ? (double)sent / secs : 0));
	json_object_object_add(o, "sendRetries",
			       json_object_new_int64((int64_t)s->retries));
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	static struct rawsend s; /* the frame batch: not on the stack */
	static const uint8_t def_id[8] = {0x7a, 0x7a, 0x7a, 0xff,
					  0xfe, 0x00, 0x00, 0x01};
	int r;

	s.fd = -1;
	s.vlan = -1;
	s.port = 1;
	memcpy(s.clock_id, def_id, sizeof(def_id));
	memset(s.dst_mac, 0xff, ETH_ALEN);
	inet_pton(AF_INET, "10.99.0.1", &s.src_ip);
	inet_pton(AF_INET, "10.99.0.2", &s.dst_ip);
	inet_pton(AF_INET, "10.99.0.250", &s.arp_target);
	if (rawsend_parse(&s, argc, argv) < 0) {
		rawsend_usage(stderr);
		return 64;
	}
	if (s.sync && !s.rate) {
		s.rate = 100;
	}
	if (s.flood_secs) {
		uint64_t cap = s.rate * s.flood_secs;

		s.max = s.max && s.max < cap ? s.max : cap;
	}
	/* Default timer slack is 50 us: too coarse for 0.5 ms pacing. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (rawsend_open(&s) < 0) {
		return 71;
	}
	r = rawsend_run(&s);
	rawsend_report(&s);
	close(s.fd);
	return r < 0 ? 71 : 0;
}
