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

struct active {
	struct evloop *loop;
	const char *iface;
	struct server *srv;
	struct slave *slave;
	struct ptp_tx tx;
	bool tx_open;
	int ifindex;
	bool hw, hw_required;
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

static int active_send(void *arg, const uint8_t *buf, size_t len)
{
	struct active *act = arg;

	if (!act->tx_open) {
		return -ENETDOWN;
	}
	return ptp_tx_send(&act->tx, buf, len);
}

static void active_tx_frame(void *arg, const struct ptp_msg *msg,
			    const struct timespec *ts, bool hw)
{
	struct active *act = arg;
	const struct frame_stamp f = {
		.tx = true,
		.msg = msg,
		.stamp = *ts,
		.hw = hw,
		.iface = act->iface,
		.phc = act->phc,
		.transport = "udp4",
	};

	/* Promise 1 holds for our own stamps too. */
	if (act->hw_required && !hw) {
		act->missing_hw++;
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

/* TX stamps of our Delay_Req; anything else the kernel queued there is
 * drained and ignored. */
static void active_errqueue(struct evloop *loop, int fd, uint32_t events,
			    void *arg)
{
	struct active *act = arg;

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
		hw = act->hw && (tc.flags & TS_CMSG_HW);
		slave_tx_stamp(act->slave, tc.ee.ee_data, hw ? &tc.hw : &tc.sw,
			       hw);
	}
}

static void active_tx_close(struct active *act)
{
	if (act->tx_open) {
		ev_del(act->loop, act->tx.fd);
		ptp_tx_close(&act->tx);
		act->tx_open = false;
	}
}

static int active_tx_open(struct active *act, const char **why)
{
	int r;

	active_tx_close(act);
	r = ptp_tx_open(&act->tx, act->ifindex, act->hw, why);
	if (r) {
		return r;
	}
	/* The error queue raises EPOLLERR whatever is asked for. */
	r = ev_add(act->loop, act->tx.fd, 0, active_errqueue, act);
	if (r) {
		*why = "epoll";
		ptp_tx_close(&act->tx);
		return r;
	}
	act->tx_open = true;
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
	act->ifindex = cfg->ifindex;
	act->phc = -1;
	act->tx.fd = -1;
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

void active_set_mode(struct active *act, bool hw, bool hw_required, int phc,
		     const struct ptp_port_id *self)
{
	bool reopen = hw != act->hw && act->tx_open;
	const char *why = "";

	act->hw = hw;
	act->hw_required = hw_required;
	act->phc = phc;
	act->self = *self;
	if (reopen && active_tx_open(act, &why)) {
		log_ratelimited(&act->rl, LOG_ERR,
				"%s: cannot reopen the Delay_Req socket: %s",
				act->iface, why);
	}
}

void active_rx(struct active *act, const struct classify_result *r)
{
	slave_rx(act->slave, &r->msg, &r->stamp, r->hw);
}

void active_link(struct active *act, int ifindex)
{
	const char *why = "";
	int r;

	if (ifindex < 0) {
		active_tx_close(act);
		slave_reset(act->slave);
		return;
	}
	if (ifindex == act->ifindex && act->tx_open) {
		return;
	}
	act->ifindex = ifindex;
	slave_reset(act->slave);
	r = active_tx_open(act, &why);
	if (r) {
		log_ratelimited(&act->rl, LOG_ERR,
				"%s: cannot reopen the Delay_Req socket: %s: "
				"%s",
				act->iface, why, strerror(-r));
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
