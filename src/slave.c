// SPDX-License-Identifier: MIT
/*
 * Active slave (SPEC §6). Multicast only: a unicast Delay_Resp would reach
 * only the last socket bound to the port and could be stolen from a
 * co-resident ptp4l. It speaks the master's transport: the one of the
 * SYNC that made it choose; the master's messages on another transport
 * are another exchange and not ours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "e2e.h"
#include "log.h"
#include "slave.h"

#define NSEC_PER_SEC		1000000000ULL
#define SLAVE_TX_TIMEOUT_NS	10000000ULL /* SPEC §6: 10 ms */
#define SLAVE_PENDING		4
#define SLAVE_TRANSPORTS	(PKT_L2 + 1) /* indexed by enum pkt_transport */
#define SLAVE_ANNOUNCE_TIMEOUTS 3
/* SPEC §6: no profile asks a slave for more than 128 Delay_Req/s, nor
 * for fewer than one per 32 s. */
#define SLAVE_LOG_DREQ_MIN -7
#define SLAVE_LOG_DREQ_MAX 5
/* A master is given up after 3 announce intervals, but never sooner than
 * this: a forged logAnnounceInterval of -10 cannot make it 3 ms. */
#define SLAVE_SILENT_MIN_NS NSEC_PER_SEC
#define SLAVE_RL_NS	    (10 * NSEC_PER_SEC)

struct slave_sync {
	bool valid;
	uint16_t seq;
	struct timespec t1;
	struct timespec t2;
	bool t2_hw;
	/* the kernel's software stamp of the same SYNC: t2 when t3 is a
	 * software stamp, so a sample never mixes PHC time with
	 * CLOCK_REALTIME (SPEC §6) */
	bool have_t2_sw;
	struct timespec t2_sw;
	int64_t corr; /* SYNC (+ FOLLOW_UP) correctionField, scaled ns */
	bool need_fup;
	bool have_t1;
};

struct slave_pending {
	bool used;
	uint16_t seq;		      /* our DELAY_REQ sequenceId */
	enum pkt_transport transport; /* the socket it went out on */
	uint32_t key;		      /* OPT_ID of its send on that socket */
	uint64_t sent_ns;
	bool have_t3;
	bool timed_out;
	struct timespec t3;
	bool t3_hw;
	/* a DELAY_RESP may be read before the error queue: keep it */
	bool have_t4;
	struct timespec t4;
	int64_t resp_corr;
	struct slave_sync sync;
};

struct slave {
	struct evloop *loop;
	const struct slave_ops *ops;
	void *arg;
	struct slave_exchange x;
	/* The caller's, kept current: a re-created interface has a new MAC
	 * and so a new clockIdentity. */
	const struct ptp_port_id *self;
	int domain;
	/* the master we follow */
	bool have_master;
	struct ptp_port_id master;
	enum pkt_transport transport; /* the master's: our Delay_Req's too */
	uint8_t gm[PTP_CLOCK_ID_LEN];
	uint8_t master_domain;
	int8_t log_announce;
	int8_t log_delay_req;
	bool delay_req_known;
	uint64_t last_heard_ns;
	/* exchanges */
	struct slave_sync cur;	/* SYNC being completed */
	struct slave_sync last; /* the latest complete one */
	struct slave_pending pend[SLAVE_PENDING];
	uint16_t seq;
	/* each socket's OPT_ID counter (the kernel's sk_tskey), mirrored */
	uint32_t tx_key[SLAVE_TRANSPORTS];
	/* the SYNC the last Delay_Req went out after: one Delay_Req per
	 * SYNC at most, so never faster than the master's SYNC rate */
	bool sent_since_sync;
	int req_tfd;
	int tx_tfd;
	int watch_tfd;
	uint64_t rng;
	uint64_t tx_timeouts;
	uint64_t rejected;
	/* a limit per message, so one flood cannot hide another */
	struct ratelimit rl_follow, rl_silent, rl_send, rl_txto, rl_resync,
		rl_range;
};

static uint64_t slave_rand(struct slave *sl)
{
	/* xorshift64: jitter for Delay_Req spacing needs no more */
	sl->rng ^= sl->rng << 13;
	sl->rng ^= sl->rng >> 7;
	sl->rng ^= sl->rng << 17;
	return sl->rng;
}

/* 2^@log2 seconds, @log2 clamped to [@lo, @hi] first. */
static uint64_t slave_interval_ns(int log2, int lo, int hi)
{
	if (log2 < lo) {
		log2 = lo;
	}
	if (log2 > hi) {
		log2 = hi;
	}
	return log2 >= 0 ? NSEC_PER_SEC << log2 : NSEC_PER_SEC >> -log2;
}

/* 1588-2008 9.5.11.2: successive Delay_Req are spaced by a random interval
 * of mean 2^logMinDelayReqInterval; uniform over [0.5, 1.5] of it keeps
 * the mean and avoids back-to-back requests. The interval a master asks
 * for is clamped (SPEC §6), and slave_send() waits for a SYNC between two
 * requests, so a remote sender cannot raise the rate past either. */
static void slave_schedule(struct slave *sl)
{
	uint64_t base =
		slave_interval_ns(sl->delay_req_known ? sl->log_delay_req : 0,
				  SLAVE_LOG_DREQ_MIN, SLAVE_LOG_DREQ_MAX);
	uint64_t next = base / 2 + slave_rand(sl) % (base + 1);

	ev_timer_arm(sl->loop, sl->req_tfd, next ? next : 1, 0);
}

static void slave_forget(struct slave *sl)
{
	sl->have_master = false;
	sl->delay_req_known = false;
	memset(&sl->cur, 0, sizeof(sl->cur));
	memset(&sl->last, 0, sizeof(sl->last));
	for (int i = 0; i < SLAVE_PENDING; i++) {
		sl->pend[i].used = false;
	}
	ev_timer_arm(sl->loop, sl->req_tfd, 0, 0);
}

void slave_reset(struct slave *sl)
{
	slave_forget(sl);
}

static void slave_sample(struct slave *sl, struct slave_pending *p,
			 const struct timespec *t2, bool t2_hw);

static void slave_complete(struct slave *sl, struct slave_pending *p)
{
	bool t2_hw = p->sync.t2_hw;
	struct timespec t2 = p->sync.t2;

	/* t2 and t3 from one clock, or no sample */
	if (t2_hw && !p->t3_hw) {
		if (!p->sync.have_t2_sw) {
			log_ratelimited(&sl->rl_range, LOG_DEBUG,
					"no software t2 for SYNC %u beside a "
					"software t3: no sample",
					p->sync.seq);
			p->used = false;
			return;
		}
		t2 = p->sync.t2_sw;
		t2_hw = false;
	} else if (!t2_hw && p->t3_hw) {
		log_ratelimited(&sl->rl_range, LOG_DEBUG,
				"software t2 for SYNC %u beside a hardware "
				"t3: no sample",
				p->sync.seq);
		p->used = false;
		return;
	}
	slave_sample(sl, p, &t2, t2_hw);
}

static void slave_sample(struct slave *sl, struct slave_pending *p,
			 const struct timespec *t2, bool t2_hw)
{
	struct e2e_input in = {
		.t1 = p->sync.t1,
		.t2 = *t2,
		.t3 = p->t3,
		.t4 = p->t4,
		.sync_corr = p->sync.corr,
		.resp_corr = p->resp_corr,
	};
	struct frame_sample s = {
		.seq_id = p->sync.seq,
		.t1 = in.t1,
		.t2 = in.t2,
		.t3 = in.t3,
		.t4 = in.t4,
		.hw = t2_hw && p->t3_hw,
		.domain = sl->master_domain,
	};

	memcpy(s.gm, sl->gm, sizeof(s.gm));
	if (e2e_compute(&in, &s.offset_ns, &s.delay_ns)) {
		log_ratelimited(&sl->rl_range, LOG_DEBUG,
				"sample for SYNC %u out of range", p->sync.seq);
	} else {
		sl->ops->sample(sl->arg, &s);
	}
	p->used = false;
}

static struct slave_pending *slave_find_seq(struct slave *sl, uint16_t seq)
{
	for (int i = 0; i < SLAVE_PENDING; i++) {
		if (sl->pend[i].used && sl->pend[i].seq == seq) {
			return &sl->pend[i];
		}
	}
	return NULL;
}

/* Our DELAY_REQ @seq as sent (and as its tx frame describes it). */
static void slave_delay_req(const struct slave *sl, uint16_t seq,
			    struct ptp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->hdr.msg_type = PTP_DELAY_REQ;
	m->hdr.version = 2;
	m->hdr.msg_length = (uint16_t)ptp_msg_min_len(PTP_DELAY_REQ);
	m->hdr.domain = sl->master_domain;
	m->hdr.src = *sl->self;
	m->hdr.seq_id = seq;
	m->hdr.control = 1;	    /* Delay_Req, for 1588v1 hardware */
	m->hdr.log_interval = 0x7f; /* 1588-2008 13.3.2.11 */
}

static void slave_send(struct slave *sl)
{
	struct ptp_msg m;
	struct slave_pending *p = NULL;
	uint8_t buf[64];
	int len, r;

	/* one Delay_Req per SYNC at most: never faster than the master's
	 * SYNC rate, whatever interval it advertises */
	if (!sl->have_master || !sl->last.valid || sl->sent_since_sync) {
		return;
	}
	slave_delay_req(sl, sl->seq, &m);
	len = ptp_msg_build(&m, buf, sizeof(buf));
	if (len < 0) {
		return;
	}
	/* reuse the oldest slot: an exchange older than four intervals is
	 * not coming back */
	for (int i = 0; i < SLAVE_PENDING; i++) {
		if (!sl->pend[i].used) {
			p = &sl->pend[i];
			break;
		}
		if (!p || sl->pend[i].sent_ns < p->sent_ns) {
			p = &sl->pend[i];
		}
	}
	r = sl->ops->send(sl->arg, sl->transport, buf, (size_t)len);
	if (r) {
		log_ratelimited(&sl->rl_send, LOG_WARNING,
				"sending Delay_Req: %s", strerror(-r));
		return;
	}
	sl->sent_since_sync = true;
	sl->x.delay_req_sent++;
	*p = (struct slave_pending){
		.used = true,
		.seq = sl->seq,
		.transport = sl->transport,
		.key = sl->tx_key[sl->transport],
		.sent_ns = ev_now_ns(),
		.sync = sl->last,
	};
	/* OPT_ID numbers every packet sent on a socket from 0 */
	sl->tx_key[sl->transport]++;
	sl->seq++;
	ev_timer_arm(sl->loop, sl->tx_tfd, SLAVE_TX_TIMEOUT_NS, 0);
}

static void slave_req_tick(struct evloop *loop, int fd, uint32_t events,
			   void *arg)
{
	struct slave *sl = arg;

	(void)loop;
	(void)fd;
	(void)events;
	slave_send(sl);
	if (sl->have_master) {
		slave_schedule(sl);
	}
}

/* A TX stamp not seen within 10 ms is counted; its late arrival is then
 * drained without a frame. */
static void slave_tx_tick(struct evloop *loop, int fd, uint32_t events,
			  void *arg)
{
	struct slave *sl = arg;
	uint64_t now = ev_now_ns();

	(void)loop;
	(void)fd;
	(void)events;
	for (int i = 0; i < SLAVE_PENDING; i++) {
		struct slave_pending *p = &sl->pend[i];

		if (p->used && !p->have_t3 && !p->timed_out &&
		    now - p->sent_ns >= SLAVE_TX_TIMEOUT_NS) {
			p->timed_out = true;
			sl->tx_timeouts++;
			log_ratelimited(
				&sl->rl_txto, LOG_WARNING,
				"no TX timestamp for Delay_Req %u within 10 ms",
				p->seq);
		}
	}
}

static void slave_watch_tick(struct evloop *loop, int fd, uint32_t events,
			     void *arg)
{
	struct slave *sl = arg;
	uint64_t limit;

	(void)loop;
	(void)fd;
	(void)events;
	if (!sl->have_master) {
		return;
	}
	limit = SLAVE_ANNOUNCE_TIMEOUTS *
		slave_interval_ns(sl->log_announce, -7, 7);
	if (limit < SLAVE_SILENT_MIN_NS) {
		limit = SLAVE_SILENT_MIN_NS;
	}
	if (ev_now_ns() - sl->last_heard_ns > limit) {
		char id[PTP_PORT_ID_STRLEN];

		ptp_port_id_str(&sl->master, id);
		log_ratelimited(&sl->rl_silent, LOG_NOTICE,
				"master %s silent for 3 announce intervals; "
				"choosing again",
				id);
		slave_forget(sl);
	}
}

static struct slave_pending *slave_find_key(struct slave *sl,
					    enum pkt_transport t, uint32_t key)
{
	for (int i = 0; i < SLAVE_PENDING; i++) {
		if (sl->pend[i].used && sl->pend[i].transport == t &&
		    sl->pend[i].key == key) {
			return &sl->pend[i];
		}
	}
	return NULL;
}

/*
 * The kernel numbers the packets of each socket from 0 once OPT_ID is set
 * (sk_tskey, reported in ee_data; a UDP socket's and, seen on 6.18, a
 * packet socket's alike) and we mirror each socket's count. A mirror
 * drifts when a send failed after the kernel had numbered it (an error
 * from the device queue). A stamp from a socket that no pending send of
 * that socket expects, arriving while exactly one send of that socket
 * awaits its stamp and that send is the socket's newest, can only be that
 * send's: adopt the kernel's numbering. Anything else is a stale stamp
 * and is dropped; a stamp never completes a send of another socket.
 */
static struct slave_pending *slave_resync(struct slave *sl,
					  enum pkt_transport t, uint32_t key)
{
	struct slave_pending *waiting = NULL, *newest = NULL;
	int n = 0;

	for (int i = 0; i < SLAVE_PENDING; i++) {
		struct slave_pending *p = &sl->pend[i];

		if (!p->used || p->transport != t) {
			continue;
		}
		if (!newest || p->sent_ns > newest->sent_ns) {
			newest = p;
		}
		if (!p->have_t3 && !p->timed_out) {
			waiting = p;
			n++;
		}
	}
	if (n != 1 || waiting != newest) {
		return NULL;
	}
	log_ratelimited(&sl->rl_resync, LOG_INFO,
			"%s TX stamp key %u where %u was expected: following "
			"the kernel's count",
			pkt_transport_name(t), key, waiting->key);
	waiting->key = key;
	sl->tx_key[t] = key + 1;
	return waiting;
}

void slave_tx_stamp(struct slave *sl, enum pkt_transport t, uint32_t key,
		    const struct timespec *ts, bool hw)
{
	struct slave_pending *p;
	struct ptp_msg m;

	if ((unsigned int)t >= SLAVE_TRANSPORTS) {
		return;
	}
	p = slave_find_key(sl, t, key);
	if (!p) {
		p = slave_resync(sl, t, key);
	}
	if (!p || p->have_t3) {
		return;
	}
	sl->x.tx_stamps++;
	if (p->timed_out) {
		/* counted already; a late stamp is drained, not published */
		p->used = false;
		return;
	}
	p->have_t3 = true;
	p->t3 = *ts;
	p->t3_hw = hw;
	slave_delay_req(sl, p->seq, &m);
	sl->ops->tx_frame(sl->arg, p->transport, &m, ts, hw);
	if (p->have_t4) {
		slave_complete(sl, p);
	}
}

static void slave_take_master(struct slave *sl, enum pkt_transport t,
			      const struct ptp_msg *msg)
{
	char id[PTP_PORT_ID_STRLEN];

	sl->have_master = true;
	sl->transport = t;
	sl->master = msg->hdr.src;
	sl->master_domain = msg->hdr.domain;
	memcpy(sl->gm, msg->hdr.src.clock_id, sizeof(sl->gm));
	sl->log_announce = 1; /* until an ANNOUNCE says: 1588 default range */
	sl->last_heard_ns = ev_now_ns();
	ptp_port_id_str(&sl->master, id);
	/* a forged SYNC can make us choose: rate limited, like every line a
	 * remote sender can cause */
	log_ratelimited(&sl->rl_follow, LOG_NOTICE,
			"following master %s in domain %u over %s", id,
			sl->master_domain, pkt_transport_name(t));
	slave_schedule(sl);
}

/*
 * A DELAY_RESP naming our portIdentity completes an exchange only when it
 * comes from the master we follow, in its domain, on the transport our
 * Delay_Req went out on, for a Delay_Req still outstanding, and only once;
 * anything else addressed to us is forged or stale: counted, never acted
 * on. One for another port is someone else's exchange (ptp4l's) and none
 * of our business.
 */
static void slave_delay_resp(struct slave *sl, enum pkt_transport t,
			     const struct ptp_msg *msg)
{
	const struct ptp_header *h = &msg->hdr;
	struct slave_pending *p;

	if (!ptp_port_id_equal(&msg->resp.req_port, sl->self)) {
		return;
	}
	if (!sl->have_master || h->domain != sl->master_domain ||
	    !ptp_port_id_equal(&h->src, &sl->master) || t != sl->transport) {
		sl->rejected++;
		return;
	}
	/* the playbook's gate is DELAY_RESP == DELAY_REQ: duplicates count */
	sl->x.delay_resp++;
	p = slave_find_seq(sl, h->seq_id);
	if (!p || p->transport != t || p->have_t4) {
		sl->rejected++;
		return;
	}
	sl->last_heard_ns = ev_now_ns();
	/* 0x7f: "not applicable"; the rate is clamped where it is used */
	if (h->log_interval != 0x7f) {
		sl->log_delay_req = h->log_interval;
		sl->delay_req_known = true;
	}
	p->have_t4 = true;
	p->t4.tv_sec = (time_t)msg->resp.ts.sec;
	p->t4.tv_nsec = (long)msg->resp.ts.nsec;
	p->resp_corr = h->correction;
	if (p->have_t3) {
		slave_complete(sl, p);
	} else if (p->timed_out) {
		/* no TX stamp: the exchange cannot be completed */
		p->used = false;
	}
	/* else the error queue has not been read yet: the stamp completes
	 * the exchange (slave_tx_stamp) */
}

void slave_rx(struct slave *sl, enum pkt_transport t, const struct ptp_msg *msg,
	      const struct timespec *ts, bool hw, const struct timespec *sw)
{
	const struct ptp_header *h = &msg->hdr;

	if ((unsigned int)t >= SLAVE_TRANSPORTS || t == 0) {
		return;
	}
	if (sl->domain >= 0 && h->domain != sl->domain) {
		return;
	}
	if (h->msg_type == PTP_DELAY_RESP) {
		slave_delay_resp(sl, t, msg);
		return;
	}
	if (!sl->have_master) {
		if (h->msg_type != PTP_SYNC) {
			return;
		}
		slave_take_master(sl, t, msg);
	}
	/* the same portIdentity on another transport is another exchange:
	 * a FOLLOW_UP there must not complete our SYNC */
	if (h->domain != sl->master_domain ||
	    !ptp_port_id_equal(&h->src, &sl->master) || t != sl->transport) {
		return;
	}
	sl->last_heard_ns = ev_now_ns();
	switch (h->msg_type) {
	case PTP_SYNC:
		sl->cur = (struct slave_sync){
			.valid = false,
			.seq = h->seq_id,
			.t2 = *ts,
			.t2_hw = hw,
			.have_t2_sw = sw != NULL,
			.t2_sw = sw ? *sw : (struct timespec){0, 0},
			.corr = h->correction,
			.need_fup = h->flags & PTP_FLAG_TWO_STEP,
		};
		if (!sl->cur.need_fup) {
			sl->cur.t1.tv_sec = (time_t)msg->sync.origin.sec;
			sl->cur.t1.tv_nsec = (long)msg->sync.origin.nsec;
			sl->cur.valid = true;
			sl->last = sl->cur;
			sl->sent_since_sync = false;
		}
		break;
	case PTP_FOLLOW_UP:
		if (!sl->cur.need_fup || sl->cur.seq != h->seq_id) {
			break;
		}
		sl->cur.t1.tv_sec = (time_t)msg->sync.origin.sec;
		sl->cur.t1.tv_nsec = (long)msg->sync.origin.nsec;
		sl->cur.corr += h->correction;
		sl->cur.need_fup = false;
		sl->cur.valid = true;
		sl->last = sl->cur;
		sl->sent_since_sync = false;
		break;
	case PTP_ANNOUNCE:
		sl->log_announce = h->log_interval;
		memcpy(sl->gm, msg->announce.gm_identity, sizeof(sl->gm));
		break;
	default:
		break;
	}
}

int slave_new(struct slave **slp, struct evloop *loop,
	      const struct ptp_port_id *self, int domain,
	      const struct slave_ops *ops, void *arg)
{
	struct slave *sl = calloc(1, sizeof(*sl));

	if (!sl) {
		return -ENOMEM;
	}
	sl->req_tfd = sl->tx_tfd = sl->watch_tfd = -1;
	sl->loop = loop;
	sl->ops = ops;
	sl->arg = arg;
	sl->self = self;
	sl->domain = domain;
	sl->rl_follow = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	sl->rl_silent = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	sl->rl_send = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	sl->rl_txto = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	sl->rl_resync = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	sl->rl_range = (struct ratelimit)RATELIMIT_INIT(SLAVE_RL_NS, 5);
	if (getrandom(&sl->rng, sizeof(sl->rng), 0) != sizeof(sl->rng) ||
	    !sl->rng) {
		sl->rng = ev_now_ns() | 1;
	}
	sl->req_tfd = ev_timer_new(loop, slave_req_tick, sl);
	if (sl->req_tfd >= 0) {
		sl->tx_tfd = ev_timer_new(loop, slave_tx_tick, sl);
	}
	if (sl->tx_tfd >= 0) {
		sl->watch_tfd = ev_timer_new(loop, slave_watch_tick, sl);
	}
	if (sl->watch_tfd < 0) {
		int r = sl->req_tfd < 0	 ? sl->req_tfd
			: sl->tx_tfd < 0 ? sl->tx_tfd
					 : sl->watch_tfd;

		slave_free(sl);
		return r;
	}
	ev_timer_arm(loop, sl->watch_tfd, NSEC_PER_SEC / 4, NSEC_PER_SEC / 4);
	*slp = sl;
	return 0;
}

uint64_t slave_tx_timeouts(const struct slave *sl)
{
	return sl->tx_timeouts;
}

uint64_t slave_rejected(const struct slave *sl)
{
	return sl->rejected;
}

void slave_exchange(const struct slave *sl, struct slave_exchange *x)
{
	*x = sl->x;
}

void slave_free(struct slave *sl)
{
	if (sl->req_tfd >= 0) {
		ev_timer_free(sl->loop, sl->req_tfd);
	}
	if (sl->tx_tfd >= 0) {
		ev_timer_free(sl->loop, sl->tx_tfd);
	}
	if (sl->watch_tfd >= 0) {
		ev_timer_free(sl->loop, sl->watch_tfd);
	}
	free(sl);
}
