// SPDX-License-Identifier: MIT
/*
 * ptpforge: a forged PTP master for the active slave's tests (SPEC §6,
 * tests/integration/test_forged_master.py). UDPv4 multicast on one
 * interface (224.0.1.129, event 319 / general 320, TTL 1, no loop):
 *
 *   ptpforge -i IFACE --duration-ms N [--src ID] [--domain N]
 *            [--sync-rate HZ] [--one-step] [--sync-log N]
 *            [--announce-rate HZ] [--announce-log N] [--identities N]
 *            [--answer-log N] [--target ID]
 *            [--blind-rate HZ] [--forge LIST] [--forge-log N]
 *            [--foreign-src ID] [--pause START_MS:LEN_MS]...
 *            [--anchor-req N --window-ms N]
 *
 *   --sync-rate     SYNC (+ FOLLOW_UP unless --one-step) per second
 *   --announce-rate ANNOUNCE per second, logMessageInterval --announce-log
 *   --identities N  SYNC and ANNOUNCE each rotate over N sourcePortIdentities
 *                   (the --src clockIdentity with its last two octets
 *                   counting from 1): a storm of would-be masters
 *   --answer-log N  answer every Delay_Req with a DELAY_RESP from --src
 *                   carrying logMessageInterval N (absent: no answers)
 *   --target ID     the port the forgeries name (default: the source of
 *                   the first Delay_Req seen); forgeries start only once a
 *                   Delay_Req has been seen
 *   --blind-rate HZ DELAY_RESP from --src naming the target, for the
 *                   latest Delay_Req's seqId, logMessageInterval
 *                   --forge-log, whether or not it was answered
 *   --forge LIST    before each answer, one DELAY_RESP of each listed kind
 *                   (logMessageInterval --forge-log, default -10):
 *                     other-port  from --src, for the Delay_Req's seqId,
 *                                 naming another port of the target's
 *                                 clockIdentity
 *                     foreign     from --foreign-src (default --src with
 *                                 portNumber + 1), naming the target, for
 *                                 the Delay_Req's seqId
 *                     wrong-seq   from --src, naming the target, for the
 *                                 Delay_Req's seqId + 1000
 *   --pause S:L     send nothing (and answer nothing) for L ms from S ms
 *   --anchor-req N  count --pause and --window-ms from the Nth Delay_Req of
 *                   the target instead of from the start: the slave asks
 *                   at 1 s until its first answer, so its rate is the
 *                   master's only from its second Delay_Req on
 *   --window-ms N   end N ms after the anchor (--duration-ms stays the cap)
 *
 * Every forged DELAY_RESP (blind or --forge) carries a receiveTimestamp
 * whose nanoseconds end in 777, and no answer does: a sample built from a
 * forgery is recognisable by its t4. Prints one JSON line: what was sent,
 * with CLOCK_REALTIME nanoseconds of the first and last send and of each
 * pause.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ptp_msg.h"

#define FORGE_GROUP	   "224.0.1.129"
#define FORGE_PAUSES	   4
#define FORGE_MARK	   777 /* receiveTimestamp ns % 1000 of forgeries */
#define FORGE_WRONG_SEQ	   1000
#define FORGE_LAG_NS	   10000000ULL
#define FORGE_NS_PER_SEC   1000000000ULL
#define FORGE_OTHER_PORT   (1u << 0)
#define FORGE_FOREIGN	   (1u << 1)
#define FORGE_WRONG_SEQ_OK (1u << 2)

struct forge_pause {
	uint64_t start_ns, len_ns;     /* from the start, monotonic */
	uint64_t real_start, real_end; /* CLOCK_REALTIME, as it happened */
};

struct forge {
	const char *ifname;
	uint64_t duration_ns;
	struct ptp_port_id src, foreign, target;
	bool have_target, have_foreign;
	unsigned int domain;
	double sync_rate, announce_rate, blind_rate;
	bool one_step;
	int sync_log, announce_log;
	bool sync_log_set;
	unsigned int identities;
	bool answer;
	int answer_log, forge_log;
	unsigned int forge;
	struct forge_pause pause[FORGE_PAUSES];
	unsigned int npause;
	unsigned long anchor_req;
	uint64_t window_ns;
	/* monotonic: what pauses count from (0: not yet), and the end */
	uint64_t origin, end;
	uint64_t anchor_real;
	int fd;
	struct sockaddr_in dst[2];
	/* state */
	bool have_req;
	uint16_t req_seq;
	uint16_t sync_seq, announce_seq;
	uint64_t sync_n, announce_n;
	/* results */
	unsigned long syncs, fups, announces, reqs_seen, reqs_target, answers,
		blind, other_port, foreign_sent, wrong_seq, reqs_paused;
	uint64_t first_real, last_real;
};

static uint64_t forge_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FORGE_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t forge_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * FORGE_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int forge_port_id(const char *s, struct ptp_port_id *id)
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

static int forge_long(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || !*s || *end || *v < lo || *v > hi ? -EINVAL : 0;
}

static int forge_rate(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return !*s || *end || !(*v >= 0) || *v > 1e6 ? -EINVAL : 0;
}

static int forge_kinds(const char *s, unsigned int *kinds)
{
	char buf[128], *save = NULL;

	if (strlen(s) >= sizeof(buf)) {
		return -EINVAL;
	}
	strcpy(buf, s);
	for (char *k = strtok_r(buf, ",", &save); k;
	     k = strtok_r(NULL, ",", &save)) {
		if (!strcmp(k, "other-port")) {
			*kinds |= FORGE_OTHER_PORT;
		} else if (!strcmp(k, "foreign")) {
			*kinds |= FORGE_FOREIGN;
		} else if (!strcmp(k, "wrong-seq")) {
			*kinds |= FORGE_WRONG_SEQ_OK;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int forge_pause_arg(struct forge *f, const char *s)
{
	unsigned long start, len;
	char tail;

	if (f->npause >= FORGE_PAUSES ||
	    sscanf(s, "%lu:%lu%c", &start, &len, &tail) != 2) {
		return -EINVAL;
	}
	f->pause[f->npause++] = (struct forge_pause){
		.start_ns = start * 1000000ULL,
		.len_ns = len * 1000000ULL,
	};
	return 0;
}

static int forge_parse(struct forge *f, int argc, char **argv)
{
	enum {
		O_DURATION = 256,
		O_SYNC_RATE,
		O_ONE_STEP,
		O_SYNC_LOG,
		O_ANN_RATE,
		O_ANN_LOG,
		O_IDENTITIES,
		O_ANSWER_LOG,
		O_TARGET,
		O_BLIND_RATE,
		O_FORGE,
		O_FORGE_LOG,
		O_FOREIGN,
		O_PAUSE,
		O_ANCHOR,
		O_WINDOW,
	};
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"src", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"duration-ms", required_argument, NULL, O_DURATION},
		{"sync-rate", required_argument, NULL, O_SYNC_RATE},
		{"one-step", no_argument, NULL, O_ONE_STEP},
		{"sync-log", required_argument, NULL, O_SYNC_LOG},
		{"announce-rate", required_argument, NULL, O_ANN_RATE},
		{"announce-log", required_argument, NULL, O_ANN_LOG},
		{"identities", required_argument, NULL, O_IDENTITIES},
		{"answer-log", required_argument, NULL, O_ANSWER_LOG},
		{"target", required_argument, NULL, O_TARGET},
		{"blind-rate", required_argument, NULL, O_BLIND_RATE},
		{"forge", required_argument, NULL, O_FORGE},
		{"forge-log", required_argument, NULL, O_FORGE_LOG},
		{"foreign-src", required_argument, NULL, O_FOREIGN},
		{"pause", required_argument, NULL, O_PAUSE},
		{"anchor-req", required_argument, NULL, O_ANCHOR},
		{"window-ms", required_argument, NULL, O_WINDOW},
		{NULL, 0, NULL, 0},
	};
	long v;
	int o, r = 0;

	while (!r &&
	       (o = getopt_long(argc, argv, "i:s:d:", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			f->ifname = optarg;
			break;
		case 's':
			r = forge_port_id(optarg, &f->src);
			break;
		case 'd':
			r = forge_long(optarg, 0, 255, &v);
			f->domain = (unsigned int)v;
			break;
		case O_DURATION:
			r = forge_long(optarg, 1, 3600000, &v);
			f->duration_ns = (uint64_t)v * 1000000ULL;
			break;
		case O_SYNC_RATE:
			r = forge_rate(optarg, &f->sync_rate);
			break;
		case O_ONE_STEP:
			f->one_step = true;
			break;
		case O_SYNC_LOG:
			r = forge_long(optarg, -128, 127, &v);
			f->sync_log = (int)v;
			f->sync_log_set = true;
			break;
		case O_ANN_RATE:
			r = forge_rate(optarg, &f->announce_rate);
			break;
		case O_ANN_LOG:
			r = forge_long(optarg, -128, 127, &v);
			f->announce_log = (int)v;
			break;
		case O_IDENTITIES:
			r = forge_long(optarg, 1, 65535, &v);
			f->identities = (unsigned int)v;
			break;
		case O_ANSWER_LOG:
			r = forge_long(optarg, -128, 127, &v);
			f->answer = true;
			f->answer_log = (int)v;
			break;
		case O_TARGET:
			r = forge_port_id(optarg, &f->target);
			f->have_target = true;
			break;
		case O_BLIND_RATE:
			r = forge_rate(optarg, &f->blind_rate);
			break;
		case O_FORGE:
			r = forge_kinds(optarg, &f->forge);
			break;
		case O_FORGE_LOG:
			r = forge_long(optarg, -128, 127, &v);
			f->forge_log = (int)v;
			break;
		case O_FOREIGN:
			r = forge_port_id(optarg, &f->foreign);
			f->have_foreign = true;
			break;
		case O_PAUSE:
			r = forge_pause_arg(f, optarg);
			break;
		case O_ANCHOR:
			r = forge_long(optarg, 1, 65535, &v);
			f->anchor_req = (unsigned long)v;
			break;
		case O_WINDOW:
			r = forge_long(optarg, 1, 3600000, &v);
			f->window_ns = (uint64_t)v * 1000000ULL;
			break;
		default:
			r = -EINVAL;
		}
	}
	if (r || !f->ifname || !f->duration_ns || optind != argc ||
	    !f->anchor_req != !f->window_ns) {
		return -EINVAL;
	}
	if (!f->have_foreign) {
		f->foreign = f->src;
		f->foreign.port++;
	}
	/* logMessageInterval: the power of two nearest the SYNC period (p:
	 * the rate it stands for) */
	for (double p = 1.0; !f->sync_log_set && f->sync_rate > 0;) {
		if (f->sync_rate >= 1.5 * p && f->sync_log > -30) {
			p *= 2;
			f->sync_log--;
		} else if (f->sync_rate < 0.75 * p && f->sync_log < 30) {
			p /= 2;
			f->sync_log++;
		} else {
			break;
		}
	}
	return 0;
}

static int forge_open(struct forge *f)
{
	struct ip_mreqn mreq = {0};
	struct sockaddr_in any = {
		.sin_family = AF_INET,
		.sin_port = htons(319),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, zero = 0;

	mreq.imr_ifindex = (int)if_nametoindex(f->ifname);
	inet_pton(AF_INET, FORGE_GROUP, &mreq.imr_multiaddr);
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* bound to 319 with the group joined: the Delay_Req to answer */
	if (!mreq.imr_ifindex || f->fd < 0 ||
	    setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) <
		    0 ||
	    setsockopt(f->fd, SOL_SOCKET, SO_BINDTODEVICE, f->ifname,
		       (socklen_t)strlen(f->ifname)) < 0 ||
	    bind(f->fd, (const struct sockaddr *)&any, sizeof(any)) < 0 ||
	    setsockopt(f->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
		       sizeof(mreq)) < 0 ||
	    setsockopt(f->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		       sizeof(mreq)) < 0 ||
	    setsockopt(f->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) <
		    0) {
		fprintf(stderr, "ptpforge: %s: %m\n", f->ifname);
		return -1;
	}
	/* on the link only, and never back to ourselves */
	setsockopt(f->fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one));
	setsockopt(f->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	for (int p = 0; p < 2; p++) {
		f->dst[p].sin_family = AF_INET;
		f->dst[p].sin_port = htons(p ? 320 : 319);
		inet_pton(AF_INET, FORGE_GROUP, &f->dst[p].sin_addr);
	}
	return 0;
}

static int forge_send(struct forge *f, const struct ptp_msg *m)
{
	uint8_t buf[128];
	int n = ptp_msg_build(m, buf, sizeof(buf));

	if (n < 0 || sendto(f->fd, buf, (size_t)n, 0,
			    (const struct sockaddr *)&f
				    ->dst[!ptp_msg_is_event(m->hdr.msg_type)],
			    sizeof(f->dst[0])) != n) {
		fprintf(stderr, "ptpforge: send: %m\n");
		return -1;
	}
	f->last_real = forge_real();
	if (!f->first_real) {
		f->first_real = f->last_real;
	}
	return 0;
}

static void forge_header(const struct forge *f, struct ptp_msg *m,
			 unsigned int type, const struct ptp_port_id *src,
			 uint16_t seq, int log)
{
	static const uint8_t control[16] = {
		[PTP_SYNC] = 0,	      [PTP_DELAY_REQ] = 1, [PTP_FOLLOW_UP] = 2,
		[PTP_DELAY_RESP] = 3, [PTP_ANNOUNCE] = 5,
	};

	memset(m, 0, sizeof(*m));
	m->hdr.msg_type = (uint8_t)type;
	m->hdr.version = 2;
	m->hdr.domain = (uint8_t)f->domain;
	m->hdr.src = *src;
	m->hdr.seq_id = seq;
	m->hdr.control = control[type & 15];
	m->hdr.log_interval = (int8_t)log;
}

static void forge_now(struct ptp_ts *ts)
{
	uint64_t now = forge_real();

	ts->sec = now / FORGE_NS_PER_SEC;
	ts->nsec = (uint32_t)(now % FORGE_NS_PER_SEC);
}

/* Identity @n of the rotation: --src with its last two octets n + 1. */
static void forge_identity(const struct forge *f, uint64_t n,
			   struct ptp_port_id *id)
{
	uint16_t k = (uint16_t)(n % f->identities);

	*id = f->src;
	if (f->identities > 1) {
		id->clock_id[6] = (uint8_t)((k + 1) >> 8);
		id->clock_id[7] = (uint8_t)(k + 1);
	}
}

static int forge_sync(struct forge *f)
{
	struct ptp_port_id id;
	struct ptp_msg m;
	uint16_t seq = f->sync_seq++;

	forge_identity(f, f->sync_n++, &id);
	forge_header(f, &m, PTP_SYNC, &id, seq, f->sync_log);
	m.hdr.flags = f->one_step ? 0 : PTP_FLAG_TWO_STEP;
	forge_now(&m.sync.origin);
	if (forge_send(f, &m)) {
		return -1;
	}
	f->syncs++;
	if (f->one_step) {
		return 0;
	}
	forge_header(f, &m, PTP_FOLLOW_UP, &id, seq, f->sync_log);
	forge_now(&m.sync.origin);
	if (forge_send(f, &m)) {
		return -1;
	}
	f->fups++;
	return 0;
}

static int forge_announce(struct forge *f)
{
	struct ptp_port_id id;
	struct ptp_msg m;

	forge_identity(f, f->announce_n++, &id);
	forge_header(f, &m, PTP_ANNOUNCE, &id, f->announce_seq++,
		     f->announce_log);
	forge_now(&m.announce.origin);
	m.announce.current_utc_offset = 37;
	m.announce.gm_priority1 = 128;
	m.announce.gm_clock_class = 248;
	m.announce.gm_clock_accuracy = 0xfe;
	m.announce.gm_offset_scaled_log_variance = 0xffff;
	m.announce.gm_priority2 = 128;
	memcpy(m.announce.gm_identity, id.clock_id, PTP_CLOCK_ID_LEN);
	m.announce.time_source = 0xa0;
	if (forge_send(f, &m)) {
		return -1;
	}
	f->announces++;
	return 0;
}

/* A DELAY_RESP from @src for @seq naming @req; @t4 NULL: a forgery,
 * stamped now with the marker. */
static int forge_resp(struct forge *f, const struct ptp_port_id *src,
		      uint16_t seq, const struct ptp_port_id *req, int log,
		      const struct ptp_ts *t4)
{
	struct ptp_msg m;

	forge_header(f, &m, PTP_DELAY_RESP, src, seq, log);
	m.resp.req_port = *req;
	if (t4) {
		m.resp.ts = *t4;
	} else {
		forge_now(&m.resp.ts);
		m.resp.ts.nsec -= m.resp.ts.nsec % 1000;
		m.resp.ts.nsec += FORGE_MARK;
	}
	return forge_send(f, &m);
}

static int forge_blind(struct forge *f)
{
	if (!f->have_req || !f->have_target) {
		return 0;
	}
	f->blind++;
	return forge_resp(f, &f->src, f->req_seq, &f->target, f->forge_log,
			  NULL);
}

/* Before the answer: the forgeries asked for, for this Delay_Req. */
static int forge_before_answer(struct forge *f, uint16_t seq)
{
	if (f->forge & FORGE_OTHER_PORT) {
		struct ptp_port_id other = f->target;

		other.port = other.port == 1 ? 2 : 1;
		if (forge_resp(f, &f->src, seq, &other, f->forge_log, NULL)) {
			return -1;
		}
		f->other_port++;
	}
	if (f->forge & FORGE_FOREIGN) {
		if (forge_resp(f, &f->foreign, seq, &f->target, f->forge_log,
			       NULL)) {
			return -1;
		}
		f->foreign_sent++;
	}
	if (f->forge & FORGE_WRONG_SEQ_OK) {
		if (forge_resp(f, &f->src, (uint16_t)(seq + FORGE_WRONG_SEQ),
			       &f->target, f->forge_log, NULL)) {
			return -1;
		}
		f->wrong_seq++;
	}
	return 0;
}

static int forge_delay_req(struct forge *f, const struct ptp_msg *m,
			   const struct timespec *rx, bool paused)
{
	struct ptp_ts t4 = {
		.sec = (uint64_t)rx->tv_sec,
		.nsec = (uint32_t)rx->tv_nsec,
	};

	f->reqs_seen++;
	if (m->hdr.domain != f->domain) {
		return 0;
	}
	if (!f->have_target) {
		f->target = m->hdr.src;
		f->have_target = true;
	}
	if (!ptp_port_id_equal(&m->hdr.src, &f->target)) {
		return 0;
	}
	f->reqs_target++;
	if (f->anchor_req && f->reqs_target == f->anchor_req) {
		uint64_t now = forge_mono();

		f->origin = now;
		f->anchor_real = forge_real();
		if (now + f->window_ns < f->end) {
			f->end = now + f->window_ns;
		}
	}
	if (paused) {
		f->reqs_paused++;
		return 0;
	}
	f->have_req = true;
	f->req_seq = m->hdr.seq_id;
	if (forge_before_answer(f, m->hdr.seq_id)) {
		return -1;
	}
	if (!f->answer) {
		return 0;
	}
	/* an answer's t4 never carries the forgeries' marker */
	if (t4.nsec % 1000 == FORGE_MARK) {
		t4.nsec++;
	}
	f->answers++;
	return forge_resp(f, &f->src, m->hdr.seq_id, &m->hdr.src, f->answer_log,
			  &t4);
}

static int forge_read(struct forge *f, bool paused)
{
	for (;;) {
		uint8_t buf[256];
		union {
			char buf[256];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct timespec rx = {0, 0};
		struct ptp_msg m;
		ssize_t n = recvmsg(f->fd, &mh, 0);

		if (n < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
		     c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len == CMSG_LEN(sizeof(rx))) {
				memcpy(&rx, CMSG_DATA(c), sizeof(rx));
			}
		}
		if (!rx.tv_sec) {
			clock_gettime(CLOCK_REALTIME, &rx);
		}
		if (ptp_msg_parse(buf, (size_t)n, &m) == 0 &&
		    m.hdr.msg_type == PTP_DELAY_REQ &&
		    forge_delay_req(f, &m, &rx, paused)) {
			return -1;
		}
	}
}

/* The pause in force at @t (from the start), recording when it began
 * and ended; NULL outside every pause. */
static struct forge_pause *forge_paused(struct forge *f, uint64_t t)
{
	for (unsigned int i = 0; i < f->npause; i++) {
		struct forge_pause *p = &f->pause[i];

		if (t >= p->start_ns && t < p->start_ns + p->len_ns) {
			if (!p->real_start) {
				p->real_start = forge_real();
			}
			return p;
		}
		if (t >= p->start_ns + p->len_ns && p->real_start &&
		    !p->real_end) {
			p->real_end = forge_real();
		}
	}
	return NULL;
}

struct forge_timer {
	double rate;
	uint64_t next;
};

/* Due at @now: advance; a stall shifts the schedule rather than burst. */
static bool forge_due(struct forge_timer *t, uint64_t now)
{
	uint64_t period;

	if (t->rate <= 0 || now < t->next) {
		return false;
	}
	period = (uint64_t)(1e9 / t->rate);
	if (now - t->next > FORGE_LAG_NS) {
		t->next = now - FORGE_LAG_NS;
	}
	t->next += period ? period : 1;
	return true;
}

static uint64_t forge_min(uint64_t a, const struct forge_timer *t)
{
	return t->rate > 0 && t->next < a ? t->next : a;
}

static int forge_run(struct forge *f)
{
	uint64_t start = forge_mono();
	struct forge_timer sync = {f->sync_rate, start};
	struct forge_timer ann = {f->announce_rate, start};
	struct forge_timer blind = {f->blind_rate, start};

	f->end = start + f->duration_ns;
	f->origin = f->anchor_req ? 0 : start;
	for (;;) {
		uint64_t now = forge_mono(), wake;
		bool paused =
			f->origin && forge_paused(f, now - f->origin) != NULL;
		struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
		struct timespec to;

		if (now >= f->end) {
			if (f->origin) {
				/* close a pause still open */
				forge_paused(f, f->end - f->origin);
			}
			return 0;
		}
		if (forge_read(f, paused)) {
			return -1;
		}
		if (forge_due(&sync, now) && !paused && forge_sync(f)) {
			return -1;
		}
		if (forge_due(&ann, now) && !paused && forge_announce(f)) {
			return -1;
		}
		if (forge_due(&blind, now) && !paused && forge_blind(f)) {
			return -1;
		}
		wake = forge_min(forge_min(forge_min(f->end, &sync), &ann),
				 &blind);
		/* a pause boundary wakes us too, so its times are exact */
		for (unsigned int i = 0; f->origin && i < f->npause; i++) {
			uint64_t b[2] = {f->origin + f->pause[i].start_ns,
					 f->origin + f->pause[i].start_ns +
						 f->pause[i].len_ns};

			for (int j = 0; j < 2; j++) {
				if (b[j] > now && b[j] < wake) {
					wake = b[j];
				}
			}
		}
		now = forge_mono();
		wake = wake > now ? wake - now : 0;
		to.tv_sec = (time_t)(wake / FORGE_NS_PER_SEC);
		to.tv_nsec = (long)(wake % FORGE_NS_PER_SEC);
		if (ppoll(&pfd, 1, &to, NULL) < 0 && errno != EINTR) {
			fprintf(stderr, "ptpforge: ppoll: %m\n");
			return -1;
		}
	}
}

static void forge_add_u(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void forge_report(const struct forge *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pauses = json_object_new_array();
	char id[PTP_PORT_ID_STRLEN];

	json_object_object_add(o, "tool", json_object_new_string("ptpforge"));
	ptp_port_id_str(&f->src, id);
	json_object_object_add(o, "src", json_object_new_string(id));
	ptp_port_id_str(&f->foreign, id);
	json_object_object_add(o, "foreignSrc", json_object_new_string(id));
	if (f->have_target) {
		ptp_port_id_str(&f->target, id);
		json_object_object_add(o, "target", json_object_new_string(id));
	}
	forge_add_u(o, "syncs", f->syncs);
	forge_add_u(o, "followUps", f->fups);
	forge_add_u(o, "announces", f->announces);
	forge_add_u(o, "delayReqSeen", f->reqs_seen);
	forge_add_u(o, "delayReqTarget", f->reqs_target);
	forge_add_u(o, "delayReqPaused", f->reqs_paused);
	forge_add_u(o, "answers", f->answers);
	forge_add_u(o, "blind", f->blind);
	forge_add_u(o, "otherPort", f->other_port);
	forge_add_u(o, "foreign", f->foreign_sent);
	forge_add_u(o, "wrongSeq", f->wrong_seq);
	forge_add_u(o, "firstSendNs", f->first_real);
	forge_add_u(o, "lastSendNs", f->last_real);
	forge_add_u(o, "anchorNs", f->anchor_real);
	for (unsigned int i = 0; i < f->npause; i++) {
		struct json_object *p = json_object_new_array();

		json_object_array_add(
			p,
			json_object_new_int64((int64_t)f->pause[i].real_start));
		json_object_array_add(
			p,
			json_object_new_int64((int64_t)f->pause[i].real_end));
		json_object_array_add(pauses, p);
	}
	json_object_object_add(o, "pauses", pauses);
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	struct forge f = {
		.identities = 1,
		.forge_log = -10,
		.fd = -1,
	};
	int r;

	forge_port_id("f09e5d.fffe.000001-1", &f.src);
	if (forge_parse(&f, argc, argv)) {
		fprintf(stderr, "usage: see tests/tools/ptpforge.c\n");
		return 64;
	}
	if (forge_open(&f)) {
		return 71;
	}
	r = forge_run(&f);
	forge_report(&f);
	close(f.fd);
	return r ? 71 : 0;
}
