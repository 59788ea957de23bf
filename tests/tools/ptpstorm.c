// SPDX-License-Identifier: MIT
/*
 * ptpstorm: a hostile PTP sender for the torture suite. Offers a paced mix
 * of malformed PTPv2 packets of every kind and valid SYNCs to the PTP
 * multicast groups on one interface, and reports exactly what it sent, so
 * the test can hold the daemon's counters and frames against it.
 *
 *   ptpstorm -i IFACE [--malformed N] [--valid N] [--rate PPS] [--seed S]
 *            [--first-seq N] [--no-oversize]
 *
 * The valid SYNCs are spread evenly through the malformed ones; their
 * sourcePortIdentity is 5e5707.fffe.000001-1 and their sequenceIds run
 * from --first-seq. Every malformed packet fails the daemon's validator
 * (SPEC section 3) by construction: one broken rule per packet, cycling
 * through every messageType. Oversize datagrams (bigger than any PTP
 * message) leave as IPv4 fragments; the daemon's capture path does not
 * reassemble, so each counts once as `filtered` (its first fragment):
 * they are reported apart ("oversize"). After the storm a pause and a trailer (one valid SYNC to
 * 319, one short packet to 320) make the kernel report any receive-buffer
 * drops (SO_RXQ_OVFL rides on the next packet queued to each socket).
 *
 * The steady SYNC generator for benchmarks is tests/bench/ptpgen.c; this
 * tool is about malformed variety and exact accounting. Prints one JSON
 * line with the counts per kind and per messageType.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ptp_msg.h"

#define STORM_BATCH   64
#define STORM_PKT_MAX 3000
#define STORM_PRIMARY "224.0.1.129"
/* 1588 Annex D: peer delay messages go to 224.0.0.107. */
#define STORM_PDELAY	   "224.0.0.107"
#define STORM_EVENT_PORT   319
#define STORM_GENERAL_PORT 320
/* A stalled sender catches up at most this far behind its schedule; the
 * rest of a longer stall shifts the schedule instead of bursting. */
#define STORM_LAG_NS	 10000000ULL
#define STORM_TRAILER_NS 200000000L

enum storm_kind {
	STORM_SHORT,	     /* fewer than the 34 header octets */
	STORM_VERSION,	     /* versionPTP not 2 */
	STORM_MINOR,	     /* minorVersionPTP above 1 */
	STORM_UNKNOWN_TYPE,  /* messageType 4-7, 14, 15 */
	STORM_LEN_BELOW_MIN, /* messageLength below the type's minimum */
	STORM_LEN_LYING,     /* messageLength beyond the datagram */
	STORM_TLV_BROKEN,    /* a TLV longer than what messageLength leaves */
	STORM_NS_RANGE,	     /* a carried timestamp with ns >= 10^9 */
	STORM_RANDOM,	     /* random bytes, versionPTP forced off 2 */
	STORM_OVERSIZE,	     /* bigger than any PTP message: MSG_TRUNC */
	STORM_NKINDS,
};

static const char *const storm_kind_names[STORM_NKINDS] = {
	[STORM_SHORT] = "short",
	[STORM_VERSION] = "wrongVersion",
	[STORM_MINOR] = "wrongMinorVersion",
	[STORM_UNKNOWN_TYPE] = "unknownType",
	[STORM_LEN_BELOW_MIN] = "lengthBelowMinimum",
	[STORM_LEN_LYING] = "lyingLength",
	[STORM_TLV_BROKEN] = "brokenTlv",
	[STORM_NS_RANGE] = "nsOutOfRange",
	[STORM_RANDOM] = "random",
	[STORM_OVERSIZE] = "oversize",
};

static const unsigned int storm_types[] = {
	PTP_SYNC,
	PTP_DELAY_REQ,
	PTP_PDELAY_REQ,
	PTP_PDELAY_RESP,
	PTP_FOLLOW_UP,
	PTP_DELAY_RESP,
	PTP_PDELAY_RESP_FOLLOW_UP,
	PTP_ANNOUNCE,
	PTP_SIGNALING,
	PTP_MANAGEMENT,
};
#define STORM_NTYPES (sizeof(storm_types) / sizeof(storm_types[0]))

/* Types that carry a timestamp right after the header. */
static const unsigned int storm_ts_types[] = {
	PTP_SYNC,
	PTP_DELAY_REQ,
	PTP_PDELAY_REQ,
	PTP_PDELAY_RESP,
	PTP_FOLLOW_UP,
	PTP_DELAY_RESP,
	PTP_PDELAY_RESP_FOLLOW_UP,
	PTP_ANNOUNCE,
};
#define STORM_NTS_TYPES (sizeof(storm_ts_types) / sizeof(storm_ts_types[0]))

static const unsigned int storm_unknown_types[] = {4, 5, 6, 7, 14, 15};

struct storm {
	const char *ifname;
	uint64_t malformed; /* to send, oversize included */
	uint64_t valid;
	double rate; /* packets/s, 0: flat out */
	uint64_t rng;
	uint16_t first_seq;
	bool oversize;
	int fd;
	struct sockaddr_in dst[2][2]; /* [pdelay group][general port] */
	uint8_t pkt[STORM_BATCH][STORM_PKT_MAX];
	struct iovec iov[STORM_BATCH];
	struct mmsghdr mm[STORM_BATCH];
	/* results */
	uint64_t sent_valid, sent_bad, sent_oversize;
	uint64_t per_kind[STORM_NKINDS];
	uint64_t per_type[16];
	uint64_t accidental; /* "malformed" packets the validator accepts */
	uint64_t send_errors;
	uint64_t elapsed_ns;
};

static uint64_t storm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible from --seed, no global state */
static uint64_t storm_rand(struct storm *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

static unsigned int storm_below(struct storm *s, unsigned int n)
{
	return (unsigned int)(storm_rand(s) % n);
}

static void storm_usage(FILE *f)
{
	fprintf(f, "usage: ptpstorm -i IFACE [--malformed N] [--valid N] "
		   "[--rate PPS] [--seed S] [--first-seq N] [--no-oversize]\n");
}

static int storm_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || !*s || *end || *s == '-' ? -EINVAL : 0;
}

static int storm_parse(struct storm *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"malformed", required_argument, NULL, 'm'},
		{"valid", required_argument, NULL, 'v'},
		{"rate", required_argument, NULL, 'r'},
		{"seed", required_argument, NULL, 'S'},
		{"first-seq", required_argument, NULL, 'f'},
		{"no-oversize", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "i:m:v:r:S:f:Oh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			s->ifname = optarg;
			break;
		case 'm':
			if (storm_parse_u64(optarg, &s->malformed)) {
				return -EINVAL;
			}
			break;
		case 'v':
			if (storm_parse_u64(optarg, &s->valid)) {
				return -EINVAL;
			}
			break;
		case 'r':
			if (storm_parse_u64(optarg, &v)) {
				return -EINVAL;
			}
			s->rate = (double)v;
			break;
		case 'S':
			if (storm_parse_u64(optarg, &v)) {
				return -EINVAL;
			}
			s->rng = v ? v : 1;
			break;
		case 'f':
			if (storm_parse_u64(optarg, &v) || v > 65535) {
				return -EINVAL;
			}
			s->first_seq = (uint16_t)v;
			break;
		case 'O':
			s->oversize = false;
			break;
		case 'h':
			storm_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return s->ifname && optind == argc ? 0 : -EINVAL;
}

static int storm_open(struct storm *s)
{
	struct ip_mreqn mreq = {0};
	int one = 1, zero = 0, sndbuf = 4 << 20;
	const char *groups[2] = {STORM_PRIMARY, STORM_PDELAY};
	const int ports[2] = {STORM_EVENT_PORT, STORM_GENERAL_PORT};

	mreq.imr_ifindex = (int)if_nametoindex(s->ifname);
	if (!mreq.imr_ifindex) {
		fprintf(stderr, "ptpstorm: %s: %m\n", s->ifname);
		return -ENODEV;
	}
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
		       (socklen_t)strlen(s->ifname)) < 0 ||
	    setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		       sizeof(mreq)) < 0) {
		fprintf(stderr, "ptpstorm: socket setup: %m\n");
		return -errno;
	}
	/* TTL 1 keeps the storm on the link; no loop back to a ptp4l beside
	 * us in the sending namespace. */
	setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one));
	setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0) {
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			   sizeof(sndbuf));
	}
	for (int g = 0; g < 2; g++) {
		for (int p = 0; p < 2; p++) {
			s->dst[g][p].sin_family = AF_INET;
			s->dst[g][p].sin_port = htons((uint16_t)ports[p]);
			inet_pton(AF_INET, groups[g], &s->dst[g][p].sin_addr);
		}
	}
	return 0;
}

/* A well-formed message of @type from the storm's own portIdentity. */
static size_t storm_base(uint8_t *buf, unsigned int type, uint16_t seq)
{
	static const uint8_t clock_id[PTP_CLOCK_ID_LEN] = {
		0x5e, 0x57, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x01};
	struct ptp_msg m;
	struct timespec now;
	int n;

	memset(&m, 0, sizeof(m));
	clock_gettime(CLOCK_REALTIME, &now);
	m.hdr.msg_type = (uint8_t)type;
	m.hdr.version = 2;
	memcpy(m.hdr.src.clock_id, clock_id, sizeof(clock_id));
	m.hdr.src.port = 1;
	m.hdr.seq_id = seq;
	m.hdr.log_interval = 0x7f;
	m.sync.origin.sec = (uint64_t)now.tv_sec;
	m.sync.origin.nsec = (uint32_t)now.tv_nsec;
	n = ptp_msg_build(&m, buf, STORM_PKT_MAX);
	return n > 0 ? (size_t)n : 0;
}

static void storm_put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void storm_fill_random(struct storm *s, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		p[i] = (uint8_t)storm_rand(s);
	}
}

/*
 * One malformed packet of @kind into @p; returns its length and sets
 * *@type to the messageType it claims (16: none). Each kind breaks exactly
 * the rule its name says and keeps every rule checked before it.
 */
static size_t storm_bad(struct storm *s, enum storm_kind kind, uint8_t *p,
			unsigned int *type)
{
	unsigned int t = storm_types[storm_below(s, STORM_NTYPES)];
	size_t len, min = ptp_msg_min_len(t);
	uint16_t seq = (uint16_t)storm_rand(s);

	*type = t;
	switch (kind) {
	case STORM_SHORT:
		len = storm_below(s, PTP_HDR_LEN);
		storm_fill_random(s, p, len);
		*type = 16;
		return len;
	case STORM_VERSION: {
		unsigned int v = storm_below(s, 15);

		len = storm_base(p, t, seq);
		/* 0..15 without 2 */
		p[1] = (uint8_t)((p[1] & 0xf0) | (v >= 2 ? v + 1 : v));
		return len;
	}
	case STORM_MINOR:
		len = storm_base(p, t, seq);
		p[1] = (uint8_t)((2 + storm_below(s, 14)) << 4 | 2);
		return len;
	case STORM_UNKNOWN_TYPE:
		t = storm_unknown_types[storm_below(s, 6)];
		len = storm_base(p, PTP_SYNC, seq) + storm_below(s, 32);
		memset(p + 44, 0, len - 44);
		p[0] = (uint8_t)((p[0] & 0xf0) | t);
		*type = t;
		return len;
	case STORM_LEN_BELOW_MIN:
		len = storm_base(p, t, seq);
		storm_put16(p + 2, storm_below(s, (unsigned int)min));
		return len;
	case STORM_LEN_LYING:
		len = storm_base(p, t, seq);
		storm_put16(p + 2,
			    (unsigned int)len + 1 +
				    storm_below(s, 65535 - (unsigned int)len));
		return len;
	case STORM_TLV_BROKEN: {
		/* a TLV header claiming more than messageLength leaves */
		unsigned int body = storm_below(s, 64);

		len = storm_base(p, t, seq);
		memset(p + len, 0, 4 + body);
		storm_put16(p + len, 1 + storm_below(s, 0x7fff));
		storm_put16(p + len + 2,
			    body + 1 + storm_below(s, 65535 - body - 1));
		len += 4 + body;
		storm_put16(p + 2, (unsigned int)len);
		return len;
	}
	case STORM_NS_RANGE: {
		uint32_t ns =
			1000000000u + (uint32_t)(storm_rand(s) % 3294967296ULL);

		t = storm_ts_types[storm_below(s, STORM_NTS_TYPES)];
		*type = t;
		len = storm_base(p, t, seq);
		p[PTP_HDR_LEN + 6] = (uint8_t)(ns >> 24);
		p[PTP_HDR_LEN + 7] = (uint8_t)(ns >> 16);
		p[PTP_HDR_LEN + 8] = (uint8_t)(ns >> 8);
		p[PTP_HDR_LEN + 9] = (uint8_t)ns;
		return len;
	}
	case STORM_RANDOM:
		len = PTP_HDR_LEN + storm_below(s, 1400 - PTP_HDR_LEN);
		storm_fill_random(s, p, len);
		if ((p[1] & 0x0f) == 2) {
			p[1] ^= 0x01;
		}
		*type = p[0] & 0x0f;
		return len;
	case STORM_OVERSIZE:
		/* IPv4 fragments: the capture path counts the first one
		 * filtered and never sees the others (BPF). */
		len = storm_base(p, PTP_SYNC, seq);
		len = 1600 + storm_below(s, STORM_PKT_MAX - 1600);
		memset(p + 44, 0, len - 44);
		*type = PTP_SYNC;
		return len;
	default:
		return 0;
	}
}

/* Slot @j of @total carries a valid SYNC when the even spread of the
 * valid ones says so. */
static bool storm_slot_valid(const struct storm *s, uint64_t j, uint64_t total)
{
	return (j + 1) * s->valid / total > j * s->valid / total;
}

/* Fill message @i of the batch with the packet of slot @j. */
static void storm_fill(struct storm *s, unsigned int i, uint64_t j,
		       uint64_t total)
{
	unsigned int type = PTP_SYNC;
	int pdelay = 0, general = 0;
	size_t len;

	if (storm_slot_valid(s, j, total)) {
		len = storm_base(s->pkt[i], PTP_SYNC,
				 (uint16_t)(s->first_seq + s->sent_valid));
		s->sent_valid++;
	} else {
		unsigned int nk = s->oversize ? STORM_NKINDS : STORM_OVERSIZE;
		enum storm_kind k = (enum storm_kind)storm_below(s, nk);
		struct ptp_msg m;

		len = storm_bad(s, k, s->pkt[i], &type);
		/* The daemon's own validator must refuse it, or the
		 * accounting below would be wrong: checked, not assumed. */
		if (k != STORM_OVERSIZE &&
		    ptp_msg_parse(s->pkt[i], len, &m) == 0) {
			s->accidental++;
		}
		s->per_kind[k]++;
		if (type < 16) {
			s->per_type[type]++;
		}
		if (k == STORM_OVERSIZE) {
			s->sent_oversize++;
		} else {
			s->sent_bad++;
		}
		pdelay = type == PTP_PDELAY_REQ || type == PTP_PDELAY_RESP ||
			 type == PTP_PDELAY_RESP_FOLLOW_UP;
		/* both of the daemon's sockets see their share */
		general = (int)(j & 1);
	}
	s->iov[i].iov_base = s->pkt[i];
	s->iov[i].iov_len = len;
	s->mm[i].msg_hdr = (struct msghdr){
		.msg_name = &s->dst[pdelay][general],
		.msg_namelen = sizeof(s->dst[0][0]),
		.msg_iov = &s->iov[i],
		.msg_iovlen = 1,
	};
}

/* Send the first @n prepared messages, retrying what the device queue
 * refused: every packet built is offered, so the counts are exact. */
static int storm_send(struct storm *s, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		int r = sendmmsg(s->fd, s->mm + done, n - done, 0);

		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == ENOBUFS || errno == EAGAIN) {
				s->send_errors++;
				sched_yield();
				continue;
			}
			fprintf(stderr, "ptpstorm: sendmmsg: %m\n");
			return -errno;
		}
		done += (unsigned int)r;
	}
	return 0;
}

static void storm_sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ULL),
			      .tv_nsec = (long)(t % 1000000000ULL)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR) {
	}
}

static int storm_run(struct storm *s)
{
	uint64_t total = s->malformed + s->valid, j = 0;
	uint64_t start = storm_now(), next = start;
	/* one sendmmsg about every 0.5 ms when paced */
	unsigned int batch = s->rate > 0 ? (unsigned int)(s->rate / 2000) : 32;
	double per_pkt_ns = s->rate > 0 ? 1e9 / s->rate : 0;
	struct timespec pause = {.tv_nsec = STORM_TRAILER_NS};
	unsigned int ignored;
	int r;

	batch = batch < 1 ? 1 : batch > STORM_BATCH ? STORM_BATCH : batch;
	while (j < total) {
		unsigned int n = 0;
		uint64_t now = storm_now();

		if (per_pkt_ns > 0) {
			if (now < next) {
				storm_sleep_until(next);
			} else if (now - next > STORM_LAG_NS) {
				next = now - STORM_LAG_NS;
			}
		}
		while (n < batch && j < total) {
			storm_fill(s, n++, j++, total);
		}
		r = storm_send(s, n);
		if (r) {
			return r;
		}
		next += (uint64_t)(per_pkt_ns * n);
	}
	/* Trailer: SO_RXQ_OVFL is reported on the next packet each socket
	 * queues after a drop, so give each socket one more. */
	nanosleep(&pause, NULL);
	s->valid++;
	storm_fill(s, 0, 0, 1); /* with valid > 0 slot 0 of 1 is valid */
	s->sent_bad++;
	s->per_kind[STORM_SHORT]++;
	s->iov[1].iov_base = s->pkt[1];
	s->iov[1].iov_len = storm_bad(s, STORM_SHORT, s->pkt[1], &ignored);
	s->mm[1].msg_hdr = (struct msghdr){
		.msg_name = &s->dst[0][1],
		.msg_namelen = sizeof(s->dst[0][0]),
		.msg_iov = &s->iov[1],
		.msg_iovlen = 1,
	};
	r = storm_send(s, 2);
	s->elapsed_ns = storm_now() - start;
	return r;
}

static void storm_report(const struct storm *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *kinds = json_object_new_object();
	struct json_object *types = json_object_new_object();
	double secs = (double)s->elapsed_ns / 1e9;
	uint64_t sent = s->sent_valid + s->sent_bad + s->sent_oversize;

	for (int k = 0; k < STORM_NKINDS; k++) {
		json_object_object_add(
			kinds, storm_kind_names[k],
			json_object_new_int64((int64_t)s->per_kind[k]));
	}
	for (int t = 0; t < 16; t++) {
		char key[4];

		snprintf(key, sizeof(key), "%d", t);
		json_object_object_add(
			types, key,
			json_object_new_int64((int64_t)s->per_type[t]));
	}
	json_object_object_add(o, "tool", json_object_new_string("ptpstorm"));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)sent));
	json_object_object_add(o, "valid",
			       json_object_new_int64((int64_t)s->sent_valid));
	json_object_object_add(o, "malformed",
			       json_object_new_int64((int64_t)s->sent_bad));
	json_object_object_add(
		o, "oversize",
		json_object_new_int64((int64_t)s->sent_oversize));
	json_object_object_add(o, "firstSeq",
			       json_object_new_int(s->first_seq));
	json_object_object_add(o, "src",
			       json_object_new_string("5e5707.fffe.000001-1"));
	json_object_object_add(o, "seconds", json_object_new_double(secs));
	json_object_object_add(
		o, "rateAchieved",
		json_object_new_double(secs > 0 ? (double)sent / secs : 0));
	json_object_object_add(o, "accidentallyValid",
			       json_object_new_int64((int64_t)s->accidental));
	json_object_object_add(o, "sendRetries",
			       json_object_new_int64((int64_t)s->send_errors));
	json_object_object_add(o, "kinds", kinds);
	json_object_object_add(o, "types", types);
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	static struct storm s; /* 190 KiB of packets: not on the stack */
	int r;

	s.fd = -1;
	s.rng = 0x5707;
	s.oversize = true;
	if (storm_parse(&s, argc, argv) < 0) {
		storm_usage(stderr);
		return 64;
	}
	/* Default timer slack is 50 us: too coarse for 0.5 ms pacing. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (storm_open(&s) < 0) {
		return 71;
	}
	r = storm_run(&s);
	storm_report(&s);
	close(s.fd);
	return r < 0 ? 71 : 0;
}
