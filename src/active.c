// SPDX-License-Identifier: MIT
/* The active slave's wiring, see active.h. */
#include <errno.h>
#include <time.h> /* before <linux/errqueue.h>, which needs timespec */
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "active.h"
#include "frame.h"
#include "log.h"
#include "ptp_tx.h"
#include "request.h"
#include "slave.h"
#include "ts_cmsg.h"

#define ACTIVE_ERRQ_MAX 64
/* --delay-req-tx auto waits this long, and for this many answers to our
 * own Delay_Req, with no other requester of this clockIdentity seen,
 * before it takes the NIC's TX stamp slot. */
#define ACTIVE_OBSERVE_NS   (4ULL * 1000000000ULL)
#define ACTIVE_OBSERVE_RESP 8
#define ACTIVE_TRANSPORTS   (PKT_L2 + 1) /* indexed by enum pkt_transport */

struct active;

/* One Delay_Req socket and the context of its error-queue handler. */
struct active_sock {
	struct active *act;
	struct ptp_tx tx;
	bool open;
};

struct active {
	struct evloop *loop;
	const char *iface;
	struct server *srv;
	const struct clock *clock;
	struct slave *slave;
	/* SPEC §6: one socket per transport, opened at start (the packet
	 * socket needs CAP_NET_RAW, gone after the drop) and kept: a
	 * re-created interface is re-targeted, never reopened */
	struct active_sock sock[ACTIVE_TRANSPORTS];
	int ifindex;
	bool link_down;
	bool hw, hw_required;
	/* SPEC §6: our DELAY_REQ takes the NIC's (often single) TX stamp
	 * slot only when no other PTP port of this host exchanges on it */
	enum dreq_tx tx_policy;
	bool tx_hw;		 /* the socket asks for hardware TX stamps */
	enum active_ptp4l ptp4l; /* what ptp4l's UDS says */
	bool other_port;	 /* another port of this host seen exchanging */
	uint64_t observe_from_ns;
	unsigned int own_resp;
	const char *tx_kind;
	int phc;
	struct ptp_port_id self;
	uint64_t tx_frames;
	uint64_t missing_hw;
	struct ratelimit rl;
	char frame[FRAME_MAX];
};

static void active_publish(struct active *act, unsigned int sub, int len)
{
	if (len < 0) {
		log_ratelimited(&act->rl, LOG_ERR, "cannot encode a frame: %s",
				strerror(-len));
		return;
	}
	server_broadcast(act->srv, sub, act->frame, (size_t)len);
}

static int active_send(void *arg, enum pkt_transport t, const uint8_t *buf,
		       size_t len)
{
	struct active *act = arg;

	if ((unsigned int)t >= ACTIVE_TRANSPORTS || !act->sock[t].open) {
		return -EAFNOSUPPORT;
	}
	if (act->link_down) {
		return -ENETDOWN;
	}
	return ptp_tx_send(&act->sock[t].tx, buf, len);
}

static void active_tx_frame(void *arg, enum pkt_transport t,
			    const struct ptp_msg *msg,
			    const struct timespec *ts, bool hw)
{
	struct active *act = arg;
	struct frame_stamp f = {
		.tx = true,
		.msg = msg,
		.stamp = *ts,
		.hw = hw,
		.iface = act->iface,
		.phc = act->phc,
		.transport = pkt_transport_name(t),
	};

	if (hw) {
		f.has_sys =
			clock_convert_ts(act->clock, act->phc, ts, ev_now_ns(),
					 &f.sys_ns, &f.sys_err_ns) == 0;
	}
	/* Promise 1 holds for our own stamps too: under --timestamping
	 * hardware a software-stamped DELAY_REQ is no frame. It is a missing
	 * stamp only when a hardware one was asked for; a software one chosen
	 * to leave the NIC's slot to ptp4l is said by delayReqTx instead. */
	if (act->hw_required && !hw) {
		act->missing_hw += act->tx_hw;
		return;
	}
	act->tx_frames++;
	active_publish(act, SUB_TX,
		       frame_encode_stamp(&f, act->frame, sizeof(act->frame)));
}

static void active_sample(void *arg, const struct frame_sample *s)
{
	struct active *act = arg;

	active_publish(act, SUB_SAMPLE,
		       frame_encode_sample(s, act->frame, sizeof(act->frame)));
}

static const struct slave_ops active_slave_ops = {
	.send = active_send,
	.tx_frame = active_tx_frame,
	.sample = active_sample,
};

/* TX stamps of our Delay_Req from one socket's error queue (IP_RECVERR,
 * IPV6_RECVERR or PACKET_TX_TIMESTAMP beside the stamp), handed to the
 * slave with the socket they came from; anything else the kernel queued
 * there is drained and ignored. */
static void active_errqueue(struct evloop *loop, int fd, uint32_t events,
			    void *arg)
{
	struct active_sock *s = arg;
	struct active *act = s->act;

	(void)loop;
	(void)events;
	for (int i = 0; i < ACTIVE_ERRQ_MAX; i++) {
		uint8_t data[256];
		union {
			char buf[512];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct ts_cmsg tc;
		bool hw;

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			return;
		}
		if (ts_cmsg_parse(&mh, &tc) || !(tc.flags & TS_CMSG_EXTERR) ||
		    tc.ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
		    tc.ee.ee_info != SCM_TSTAMP_SND ||
		    !(tc.flags & (TS_CMSG_HW | TS_CMSG_SW))) {
			continue;
		}
		hw = act->tx_hw && (tc.flags & TS_CMSG_HW);
		slave_tx_stamp(act->slave, s->tx.transport, tc.ee.ee_data,
			       hw ? &tc.hw : &tc.sw, hw);
	}
}

static void active_tx_close(struct active *act)
{
	for (int t = PKT_UDP4; t < ACTIVE_TRANSPORTS; t++) {
		struct active_sock *s = &act->sock[t];

		if (s->open) {
			ev_del(act->loop, s->tx.fd);
			ptp_tx_close(&s->tx);
			s->open = false;
		}
	}
}

static int active_sock_open(struct active *act, enum pkt_transport t,
			    const char **why)
{
	struct active_sock *s = &act->sock[t];
	int r;

	s->act = act;
	r = ptp_tx_open(&s->tx, t, act->ifindex, act->tx_hw, why);
	if (r) {
		return r;
	}
	/* The error queue raises EPOLLERR whatever is asked for. */
	r = ev_add(act->loop, s->tx.fd, 0, active_errqueue, s);
	if (r) {
		*why = "epoll";
		ptp_tx_close(&s->tx);
		return r;
	}
	s->open = true;
	return 0;
}

/* Every transport's socket, now: the packet socket cannot be made after
 * the privilege drop. A kernel without IPv6 (EAFNOSUPPORT) leaves UDPv6
 * out; a master on it then gets no Delay_Req, said at send time. */
static int active_tx_open(struct active *act, const char **why)
{
	int r;

	for (int t = PKT_UDP4; t < ACTIVE_TRANSPORTS; t++) {
		r = active_sock_open(act, (enum pkt_transport)t, why);
		if (r == -EAFNOSUPPORT && t == PKT_UDP6) {
			log_warning("%s: no UDPv6 Delay_Req socket: %s: %s",
				    act->iface, *why, strerror(-r));
			continue;
		}
		if (r) {
			return r;
		}
	}
	return 0;
}

int active_new(struct active **actp, struct evloop *loop,
	       const struct active_config *cfg, const char **why)
{
	struct active *act = calloc(1, sizeof(*act));
	int r;

	if (!act) {
		*why = "out of memory";
		return -ENOMEM;
	}
	act->loop = loop;
	act->iface = cfg->iface;
	act->srv = cfg->srv;
	act->clock = cfg->clock;
	act->ifindex = cfg->ifindex;
	act->phc = -1;
	for (int t = 0; t < ACTIVE_TRANSPORTS; t++) {
		act->sock[t].tx.fd = -1;
	}
	act->tx_policy = cfg->tx_policy;
	act->ptp4l = cfg->ptp4l;
	act->observe_from_ns = ev_now_ns();
	act->tx_kind = "software:no-hardware";
	act->rl = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);
	r = slave_new(&act->slave, loop, &act->self, cfg->domain,
		      &active_slave_ops, act);
	if (r) {
		*why = "active slave";
		free(act);
		return r;
	}
	r = active_tx_open(act, why);
	if (r) {
		active_free(act);
		return r;
	}
	*actp = act;
	return 0;
}

void active_free(struct active *act)
{
	if (!act) {
		return;
	}
	active_tx_close(act);
	slave_free(act->slave);
	free(act);
}

/* The TX stamp kind in force, from the policy and what has been seen;
 * each socket's SO_TIMESTAMPING flags are changed in place when it
 * changes (the packet socket could not be made again). */
static void active_tx_decide(struct active *act)
{
	bool want = false;
	const char *why = "hardware";

	if (!act->hw) {
		why = "software:no-hardware";
	} else if (act->tx_policy == DREQ_TX_SOFTWARE) {
		why = "software:forced";
	} else if (act->tx_policy == DREQ_TX_HARDWARE) {
		want = true;
	} else if (act->other_port || act->ptp4l == ACTIVE_PTP4L_PORT ||
		   act->ptp4l == ACTIVE_PTP4L_UNKNOWN) {
		/* a ptp4l not yet heard from may well run a port here */
		why = "software:ptp4l-present";
	} else if (act->own_resp < ACTIVE_OBSERVE_RESP ||
		   ev_now_ns() - act->observe_from_ns < ACTIVE_OBSERVE_NS) {
		why = "software:observing";
	} else {
		want = true;
	}
	act->tx_kind = why;
	if (want == act->tx_hw) {
		return;
	}
	act->tx_hw = want;
	log_info("%s: Delay_Req TX stamps now %s", act->iface, why);
	for (int t = PKT_UDP4; t < ACTIVE_TRANSPORTS; t++) {
		struct active_sock *s = &act->sock[t];
		int r;

		if (!s->open) {
			continue;
		}
		r = ptp_tx_set_hw(&s->tx, want);
		if (r) {
			log_ratelimited(&act->rl, LOG_ERR,
					"%s: SO_TIMESTAMPING on the %s "
					"Delay_Req socket: %s",
					act->iface,
					pkt_transport_name(s->tx.transport),
					strerror(-r));
		}
	}
}

void active_set_ptp4l(struct active *act, enum active_ptp4l p)
{
	if (p == act->ptp4l) {
		return;
	}
	act->ptp4l = p;
	/* a ptp4l port gone from the interface: observe afresh before
	 * taking the slot */
	act->observe_from_ns = ev_now_ns();
	act->own_resp = 0;
	active_tx_decide(act);
}

const char *active_tx_kind(const struct active *act)
{
	return act->tx_kind;
}

void active_set_mode(struct active *act, bool hw, bool hw_required, int phc,
		     const struct ptp_port_id *self)
{
	act->hw = hw;
	act->hw_required = hw_required;
	act->phc = phc;
	act->self = *self;
	active_tx_decide(act);
}

/*
 * Another PTP port of this host exchanging delay messages on the interface
 * shows in the answers it gets: a DELAY_RESP (or PDELAY_RESP) naming a
 * requester with our clockIdentity but another portNumber. From then on
 * our DELAY_REQ never asks for a hardware TX stamp (SPEC §6).
 */
static void active_watch_requesters(struct active *act, const struct ptp_msg *m)
{
	const struct ptp_port_id *req = &m->resp.req_port;

	if (m->hdr.msg_type != PTP_DELAY_RESP &&
	    m->hdr.msg_type != PTP_PDELAY_RESP) {
		return;
	}
	if (memcmp(req->clock_id, act->self.clock_id, PTP_CLOCK_ID_LEN)) {
		return;
	}
	if (req->port == act->self.port) {
		act->own_resp += m->hdr.msg_type == PTP_DELAY_RESP;
	} else if (!act->other_port) {
		char id[PTP_PORT_ID_STRLEN];

		ptp_port_id_str(req, id);
		act->other_port = true;
		log_notice("%s: another PTP port of this host (%s) exchanges "
			   "delay messages here: Delay_Req TX stamps stay "
			   "software",
			   act->iface, id);
	}
}

void active_rx(struct active *act, const struct classify_result *r)
{
	active_watch_requesters(act, &r->msg);
	if (act->tx_policy == DREQ_TX_AUTO && !act->tx_hw) {
		active_tx_decide(act);
	}
	slave_rx(act->slave, r->pkt.transport, &r->msg, &r->stamp, r->hw,
		 r->have_sw ? &r->sw : NULL);
}

/* The sockets stay open through a link going away: their error queues
 * are drained as ever (a stamp of a send before it is stale, dropped by
 * the slave), and a re-created interface only changes the ifindex they
 * send out of, which needs no privilege. */
void active_link(struct active *act, int ifindex)
{
	if (ifindex < 0) {
		act->link_down = true;
		slave_reset(act->slave);
		return;
	}
	if (ifindex == act->ifindex && !act->link_down) {
		return;
	}
	act->link_down = false;
	slave_reset(act->slave);
	if (ifindex == act->ifindex) {
		return;
	}
	act->ifindex = ifindex;
	for (int t = PKT_UDP4; t < ACTIVE_TRANSPORTS; t++) {
		struct active_sock *s = &act->sock[t];
		int r;

		if (!s->open) {
			continue;
		}
		r = ptp_tx_retarget(&s->tx, ifindex);
		if (r) {
			log_ratelimited(&act->rl, LOG_ERR,
					"%s: cannot move the %s Delay_Req "
					"socket to ifindex %d: %s",
					act->iface,
					pkt_transport_name(s->tx.transport),
					ifindex, strerror(-r));
		}
	}
}

void active_counters(const struct active *act, struct counters *c)
{
	c->tx += act->tx_frames;
	c->missing_hw += act->missing_hw;
	c->tx_timeouts += slave_tx_timeouts(act->slave);
	c->rejected += slave_rejected(act->slave);
}

void active_own(const struct active *act, struct streams_own *own)
{
	struct slave_exchange x;

	slave_exchange(act->slave, &x);
	*own = (struct streams_own){
		.port = act->self,
		.delay_req_sent = x.delay_req_sent,
		.tx_stamps = x.tx_stamps,
		.delay_resp = x.delay_resp,
	};
}
