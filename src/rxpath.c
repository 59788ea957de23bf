// SPDX-License-Identifier: MIT
/* The packet path, see rxpath.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "frame.h"
#include "log.h"
#include "request.h"
#include "rxpath.h"

/* A wake-up reads at most this many batches, so timers and clients are
 * served under a flood too. */
#define RXPATH_BATCHES_PER_WAKEUP 8

struct rxpath {
	struct evloop *loop;
	const char *iface;
	struct capture *cap;
	struct server *srv;
	struct active *act;
	struct streams *streams;
	const struct clock *clock;
	struct classify_mode mode;
	struct ptp_port_id self; /* mode.self points here */
	int phc;
	struct counters c;
	/* each its own limit: a flood of one kind cannot hide another */
	struct ratelimit rl_bad, rl_read, rl_enc;
	char frame[FRAME_MAX];
};

/* Every packet lands in exactly one counter. */
static void rxpath_count(struct rxpath *rp, const struct classify_result *r)
{
	switch (r->verdict) {
	case CLASSIFY_FRAME:
		rp->c.rx++;
		if (r->hw) {
			rp->c.rx_hw++;
		} else {
			rp->c.rx_sw++;
		}
		break;
	case CLASSIFY_TRUNCATED:
		rp->c.truncated++;
		break;
	case CLASSIFY_MALFORMED:
		rp->c.malformed++;
		break;
	case CLASSIFY_FILTERED:
		rp->c.filtered++;
		break;
	case CLASSIFY_MISSING_HW:
		rp->c.missing_hw++;
		break;
	case CLASSIFY_UNSTAMPED:
		rp->c.unstamped++;
		break;
	}
}

static void rxpath_packet(struct rxpath *rp, const struct cap_pkt *p,
			  uint64_t now)
{
	struct classify_result r;
	struct frame_stamp f;
	int len;

	classify_packet(p, &rp->mode, &r);
	rxpath_count(rp, &r);
	/* frames and missing stamps alike: streams.h picks what it counts */
	if (rp->streams) {
		streams_rx(rp->streams, &r, now);
	}
	if (r.verdict != CLASSIFY_FRAME) {
		/* a remote sender controls these: debug, and rate limited */
		if (r.verdict == CLASSIFY_MALFORMED ||
		    r.verdict == CLASSIFY_TRUNCATED) {
			log_ratelimited(&rp->rl_bad, LOG_DEBUG,
					"dropped a %s packet (%zu bytes): %s",
					classify_verdict_name(r.verdict),
					p->len, r.why);
		}
		return;
	}
	f = (struct frame_stamp){
		.msg = &r.msg,
		.stamp = r.stamp,
		.hw = r.hw,
		.iface = rp->iface,
		.phc = rp->phc,
		.transport = pkt_transport_name(r.pkt.transport),
		.tagged = r.pkt.vlan >= 0,
		.vlan = (uint16_t)(r.pkt.vlan >= 0 ? r.pkt.vlan : 0),
		.unicast = r.pkt.unicast,
	};
	if (r.hw) {
		f.has_sys = clock_convert_ts(rp->clock, rp->phc, &r.stamp, now,
					     &f.sys_ns, &f.sys_err_ns) == 0;
	}
	len = frame_encode_stamp(&f, rp->frame, sizeof(rp->frame));
	if (len < 0) {
		log_ratelimited(&rp->rl_enc, LOG_ERR,
				"cannot encode a frame: %s", strerror(-len));
	} else {
		server_broadcast(rp->srv, SUB_RX, rp->frame, (size_t)len);
	}
	if (rp->act) {
		active_rx(rp->act, &r);
	}
}

static void rxpath_event(struct evloop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct rxpath *rp = arg;

	(void)loop;
	(void)fd;
	(void)events;
	for (int b = 0; b < RXPATH_BATCHES_PER_WAKEUP; b++) {
		const struct cap_pkt *pkts;
		int n = capture_read(rp->cap, &pkts);
		uint64_t now;

		if (n < 0) {
			/* ENETDOWN: the device went down or away (the link
			 * watcher reports that); reading cleared it. */
			if (n != -ENETDOWN) {
				log_ratelimited(&rp->rl_read, LOG_WARNING,
						"%s: capture socket: %s",
						rp->iface, strerror(-n));
			}
			return;
		}
		/* one reading per batch: the packets of a batch arrived
		 * together */
		now = ev_now_ns();
		for (int i = 0; i < n; i++) {
			rxpath_packet(rp, &pkts[i], now);
		}
		/* one write per client per batch keeps queues short and the
		 * latency of the first frame of a batch bounded */
		server_flush(rp->srv);
		if (n < CAPTURE_BATCH) {
			return;
		}
	}
}

int rxpath_init(struct rxpath **rpp, struct evloop *loop,
		const struct rxpath_config *cfg)
{
	struct rxpath *rp = calloc(1, sizeof(*rp));
	int r;

	if (!rp) {
		return -ENOMEM;
	}
	rp->loop = loop;
	rp->iface = cfg->iface;
	rp->cap = cfg->cap;
	rp->srv = cfg->srv;
	rp->act = cfg->act;
	rp->streams = cfg->streams;
	rp->clock = cfg->clock;
	rp->phc = -1;
	rp->mode.domain = -1;
	rp->rl_bad = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);
	rp->rl_read = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);
	rp->rl_enc = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);
	r = ev_add(loop, capture_fd(rp->cap), EPOLLIN, rxpath_event, rp);
	if (r) {
		free(rp);
		return r;
	}
	*rpp = rp;
	return 0;
}

void rxpath_fini(struct rxpath *rp)
{
	if (!rp) {
		return;
	}
	ev_del(rp->loop, capture_fd(rp->cap));
	free(rp);
}

void rxpath_set_mode(struct rxpath *rp, const struct classify_mode *m, int phc)
{
	rp->mode = *m;
	if (m->self) {
		rp->self = *m->self;
		rp->mode.self = &rp->self;
	}
	rp->phc = phc;
	if (rp->streams) {
		streams_set_mode(rp->streams, m->hw);
	}
}

void rxpath_counters(const struct rxpath *rp, struct counters *c)
{
	c->rx += rp->c.rx;
	c->rx_hw += rp->c.rx_hw;
	c->rx_sw += rp->c.rx_sw;
	c->missing_hw += rp->c.missing_hw;
	c->malformed += rp->c.malformed;
	c->truncated += rp->c.truncated;
	c->filtered += rp->c.filtered;
	c->unstamped += rp->c.unstamped;
	c->kernel_drops += capture_kernel_drops(rp->cap);
}
