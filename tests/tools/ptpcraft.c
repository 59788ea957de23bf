// SPDX-License-Identifier: MIT
/*
 * ptpcraft: a scripted two-step PTP master for the stream-integrity
 * tests. Sends --count SYNC + FOLLOW_UP exchanges (UDPv4, 224.0.1.129,
 * ports 319 and 320) every --interval-us from one sourcePortIdentity,
 * with at most one of each injected defect at a chosen sequenceId:
 *
 *   ptpcraft -i IFACE [--src aabbcc.fffe.ddeeff-1] [--domain N]
 *            [--count N] [--first-seq N] [--interval-us N] [--log N]
 *            [--drop-fup SEQ] [--repeat SEQ] [--skip SEQ] [--swap SEQ]
 *            [--orphan SEQ] [--identities N]
 *
 *   --drop-fup S  SYNC S goes out without its FOLLOW_UP
 *   --repeat S    exchange S goes out twice
 *   --skip S      exchange S never goes out
 *   --swap S      exchange S+1 goes out before exchange S
 *   --orphan S    after exchange S, a FOLLOW_UP for seqId S+30000, a
 *                 SYNC never sent
 *   --identities N  exchange i comes from clockIdentity --src + (i mod N)
 *                 (the last three octets counted up): N forged masters,
 *                 for the stream table's cap
 *
 * Prints one JSON line: what it sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ptp_msg.h"

#define CRAFT_GROUP "224.0.1.129"
#define CRAFT_NONE  (-1)

struct craft {
	const char *ifname;
	struct ptp_port_id src;
	unsigned int domain;
	long count, first_seq, interval_us;
	int log;
	long drop_fup, repeat, skip, swap, orphan;
	long identities; /* 0: one */
	struct ptp_port_id base;
	int fd;
	struct sockaddr_in dst[2];
	unsigned long syncs, fups;
};

static int craft_port_id(const char *s, struct ptp_port_id *id)
{
	unsigned int b[8], port;
	char tail;

	if (sscanf(s, "%2x%2x%2x.%2x%2x.%2x%2x%2x-%u%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &b[6], &b[7], &port, &tail) != 9 ||
	    port > 65535) {
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++) {
		id->clock_id[i] = (uint8_t)b[i];
	}
	id->port = (uint16_t)port;
	return 0;
}

static int craft_parse(struct craft *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"src", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'n'},
		{"first-seq", required_argument, NULL, 'f'},
		{"interval-us", required_argument, NULL, 't'},
		{"log", required_argument, NULL, 'l'},
		{"drop-fup", required_argument, NULL, 'D'},
		{"repeat", required_argument, NULL, 'R'},
		{"skip", required_argument, NULL, 'S'},
		{"swap", required_argument, NULL, 'W'},
		{"orphan", required_argument, NULL, 'O'},
		{"identities", required_argument, NULL, 'I'},
		{NULL, 0, NULL, 0},
	};
	int o;

	while ((o = getopt_long(argc, argv, "i:s:d:n:f:t:l:", opts, NULL)) !=
	       -1) {
		long v = optarg ? strtol(optarg, NULL, 10) : 0;

		switch (o) {
		case 'i':
			c->ifname = optarg;
			break;
		case 's':
			if (craft_port_id(optarg, &c->src)) {
				return -EINVAL;
			}
			break;
		case 'd':
			c->domain = (unsigned int)v & 0xff;
			break;
		case 'n':
			c->count = v;
			break;
		case 'f':
			c->first_seq = v;
			break;
		case 't':
			c->interval_us = v;
			break;
		case 'l':
			c->log = (int)v;
			break;
		case 'D':
			c->drop_fup = v;
			break;
		case 'R':
			c->repeat = v;
			break;
		case 'S':
			c->skip = v;
			break;
		case 'W':
			c->swap = v;
			break;
		case 'O':
			c->orphan = v;
			break;
		case 'I':
			c->identities = v;
			break;
		default:
			return -EINVAL;
		}
	}
	return c->ifname && optind == argc ? 0 : -EINVAL;
}

static int craft_open(struct craft *c)
{
	struct ip_mreqn mreq = {0};
	int one = 1, zero = 0;

	mreq.imr_ifindex = (int)if_nametoindex(c->ifname);
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!mreq.imr_ifindex || c->fd < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname,
		       (socklen_t)strlen(c->ifname)) < 0 ||
	    setsockopt(c->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		       sizeof(mreq)) < 0) {
		fprintf(stderr, "ptpcraft: %s: %m\n", c->ifname);
		return -1;
	}
	/* on the link only, and not back to a ptp4l beside us */
	setsockopt(c->fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	for (int p = 0; p < 2; p++) {
		c->dst[p].sin_family = AF_INET;
		c->dst[p].sin_port = htons(p ? 320 : 319);
		inet_pton(AF_INET, CRAFT_GROUP, &c->dst[p].sin_addr);
	}
	return 0;
}

static int craft_send(struct craft *c, unsigned int type, uint16_t seq)
{
	struct ptp_msg m;
	struct timespec now;
	uint8_t buf[128];
	int n;

	memset(&m, 0, sizeof(m));
	clock_gettime(CLOCK_REALTIME, &now);
	m.hdr.msg_type = (uint8_t)type;
	m.hdr.version = 2;
	m.hdr.domain = (uint8_t)c->domain;
	m.hdr.flags = type == PTP_SYNC ? PTP_FLAG_TWO_STEP : 0;
	m.hdr.src = c->src;
	m.hdr.seq_id = seq;
	m.hdr.control = type == PTP_SYNC ? 0 : 2;
	m.hdr.log_interval = (int8_t)c->log;
	m.sync.origin.sec = (uint64_t)now.tv_sec;
	m.sync.origin.nsec = (uint32_t)now.tv_nsec;
	n = ptp_msg_build(&m, buf, sizeof(buf));
	if (n < 0 || sendto(c->fd, buf, (size_t)n, 0,
			    (const struct sockaddr *)&c->dst[type != PTP_SYNC],
			    sizeof(c->dst[0])) != n) {
		fprintf(stderr, "ptpcraft: send: %m\n");
		return -1;
	}
	if (type == PTP_SYNC) {
		c->syncs++;
	} else {
		c->fups++;
	}
	return 0;
}

/* One exchange: SYNC, then its FOLLOW_UP unless it is to be dropped. */
static int craft_exchange(struct craft *c, long seq)
{
	if (craft_send(c, PTP_SYNC, (uint16_t)seq)) {
		return -1;
	}
	if (seq == c->drop_fup) {
		return 0;
	}
	return craft_send(c, PTP_FOLLOW_UP, (uint16_t)seq);
}

static void craft_sleep_until(struct timespec *t, long us)
{
	t->tv_nsec += us * 1000;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) ==
	       EINTR) {
	}
}

static int craft_run(struct craft *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	c->base = c->src;
	for (long i = 0; i < c->count; i++) {
		long seq = c->first_seq + i;

		if (c->identities > 0) {
			uint32_t k = (uint32_t)(i % c->identities);
			uint32_t low = ((uint32_t)c->base.clock_id[5] << 16 |
					(uint32_t)c->base.clock_id[6] << 8 |
					c->base.clock_id[7]) +
				       k;

			c->src.clock_id[5] = (uint8_t)(low >> 16);
			c->src.clock_id[6] = (uint8_t)(low >> 8);
			c->src.clock_id[7] = (uint8_t)low;
		}

		/* the slot of S carries S+1 and the next slot S */
		if (seq == c->swap) {
			seq++;
		} else if (c->swap != CRAFT_NONE && seq == c->swap + 1) {
			seq--;
		}
		if (seq != c->skip) {
			if (craft_exchange(c, seq)) {
				return -1;
			}
			if (seq == c->repeat && craft_exchange(c, seq)) {
				return -1;
			}
			if (seq == c->orphan &&
			    craft_send(c, PTP_FOLLOW_UP,
				       (uint16_t)(seq + 30000))) {
				return -1;
			}
		}
		craft_sleep_until(&t, c->interval_us);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct craft c = {
		.count = 64,
		.interval_us = 31250,
		.log = -5,
		.drop_fup = CRAFT_NONE,
		.repeat = CRAFT_NONE,
		.skip = CRAFT_NONE,
		.swap = CRAFT_NONE,
		.orphan = CRAFT_NONE,
		.fd = -1,
	};
	char id[PTP_PORT_ID_STRLEN];

	craft_port_id("c4af70.fffe.000001-1", &c.src);
	if (craft_parse(&c, argc, argv)) {
		fprintf(stderr, "usage: see tests/tools/ptpcraft.c\n");
		return 64;
	}
	if (craft_open(&c) || craft_run(&c)) {
		return 71;
	}
	ptp_port_id_str(c.identities > 0 ? &c.base : &c.src, id);
	printf("{\"tool\":\"ptpcraft\",\"src\":\"%s\",\"syncs\":%lu,"
	       "\"followUps\":%lu,\"identities\":%ld}\n",
	       id, c.syncs, c.fups, c.identities > 0 ? c.identities : 1);
	close(c.fd);
	return 0;
}
