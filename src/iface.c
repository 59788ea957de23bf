// SPDX-License-Identifier: MIT
/*
 * The interface, see iface.h. Link changes come from rtnetlink; a failed
 * question (a probe that errs, notifications the kernel dropped with
 * ENOBUFS) is never taken for a deleted interface: it is asked again a
 * second later, and until then nothing is torn down.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hwts.h"
#include "iface.h"
#include "link.h"
#include "log.h"
#include "nic.h"

#define IFACE_RETRY_NS 1000000000ULL

struct iface {
	const struct config *cfg;
	struct iface_state st;
	bool present; /* the kernel has an interface of that name */
	struct evloop *loop;
	int link_fd;
	int retry_tfd;
	struct capture *cap;
	struct rxpath *rp;
	struct active *act;
	void (*changed)(void *arg);
	void *changed_arg;
	struct ratelimit rl;
};

const struct iface_state *iface_state(const struct iface *ifc)
{
	return &ifc->st;
}

/* Our portIdentity from the MAC as an EUI-64 (1588-2008 7.5.2.2.2). */
static int iface_self_id(struct iface *ifc)
{
	struct ptp_port_id *self = &ifc->st.self;
	struct ifreq ifr;
	const uint8_t *mac;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifc->cfg->iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		r = -errno;
	}
	close(fd);
	if (r) {
		return r;
	}
	mac = (const uint8_t *)ifr.ifr_hwaddr.sa_data;
	self->clock_id[0] = mac[0];
	self->clock_id[1] = mac[1];
	self->clock_id[2] = mac[2];
	self->clock_id[3] = 0xff;
	self->clock_id[4] = 0xfe;
	self->clock_id[5] = mac[3];
	self->clock_id[6] = mac[4];
	self->clock_id[7] = mac[5];
	self->port = ifc->cfg->port_number;
	return 0;
}

int iface_new(struct iface **ifcp, const struct config *cfg)
{
	struct iface *ifc = calloc(1, sizeof(*ifc));
	struct link_event ev;
	int r;

	if (!ifc) {
		return -ENOMEM;
	}
	ifc->cfg = cfg;
	ifc->link_fd = ifc->retry_tfd = -1;
	ifc->st.phc = -1;
	ifc->st.hwts_filter = -1;
	ifc->st.hw_required = cfg->ts == TS_HARDWARE;
	ifc->rl = (struct ratelimit)RATELIMIT_INIT(10000000000ULL, 5);
	r = link_query(cfg->iface, &ev);
	if (r) {
		free(ifc);
		return r;
	}
	ifc->present = true;
	ifc->st.ifindex = ev.ifindex;
	ifc->st.link_up = ev.up;
	iface_self_id(ifc);
	*ifcp = ifc;
	return 0;
}

void iface_free(struct iface *ifc)
{
	if (!ifc) {
		return;
	}
	if (ifc->retry_tfd >= 0) {
		ev_timer_free(ifc->loop, ifc->retry_tfd);
	}
	if (ifc->link_fd >= 0) {
		ev_del(ifc->loop, ifc->link_fd);
		close(ifc->link_fd);
	}
	free(ifc);
}

int iface_hw_apply(struct iface *ifc, char *reason, size_t rlen)
{
	const struct config *cfg = ifc->cfg;
	struct hwts_probe p = {
		.ifname = cfg->iface,
		.may_write = cfg->hwts == HWTS_ENSURE,
		.need_tx = cfg->delay_req,
	};
	struct hwts_decision d;
	int fd, r;

	ifc->st.phc = -1;
	ifc->st.hwts_filter = -1;
	if (cfg->ts == TS_SOFTWARE) {
		ifc->st.hw = false;
		snprintf(reason, rlen, "%s: kernel software stamps",
			 cfg->iface);
		return 0;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(reason, rlen, "socket: %s", strerror(-r));
		return r;
	}
	p.info_err = nic_ts_info(fd, cfg->iface, &p.info);
	p.get_err = nic_hwtstamp_get(fd, cfg->iface, &p.cur);
	r = hwts_decide(cfg->ts, &p, &d);
	if (r == 0 && d.write) {
		struct hwtstamp_config applied = d.want;

		p.set_err = nic_hwtstamp_set(fd, cfg->iface, &applied);
		if (!p.set_err && !hwts_readback_ok(&applied)) {
			p.set_err = -ERANGE;
		}
		if (p.set_err) {
			r = hwts_decide(cfg->ts, &p, &d);
		} else {
			log_notice("%s: hardware timestamping set: tx %s, rx "
				   "filter %s",
				   cfg->iface,
				   hwts_tx_type_name(applied.tx_type),
				   hwts_rx_filter_name(applied.rx_filter));
			p.cur = applied;
			p.get_err = 0;
		}
	}
	close(fd);
	snprintf(reason, rlen, "%s", d.reason);
	if (r) {
		ifc->st.hw = false;
		return r;
	}
	ifc->st.hw = d.hardware;
	if (!p.info_err && p.info.phc_index >= 0) {
		ifc->st.phc = p.info.phc_index;
	}
	if (!p.get_err) {
		ifc->st.hwts_filter = p.cur.rx_filter;
	}
	return 0;
}

/* The stamping in force, handed down to those who publish stamps. */
static void iface_push_mode(struct iface *ifc)
{
	const struct classify_mode m = {
		.hw = ifc->st.hw,
		.hw_required = ifc->st.hw_required,
		.domain = ifc->cfg->domain,
		.self = &ifc->st.self,
	};
	int phc = ifc->st.hw ? ifc->st.phc : -1;

	rxpath_set_mode(ifc->rp, &m, phc);
	if (ifc->act) {
		active_set_mode(ifc->act, ifc->st.hw, ifc->st.hw_required, phc,
				&ifc->st.self);
	}
}

/* A NIC reset (or anything else) may have cleared the hardware config
 * while we were not looking: apply it again. */
static void iface_rearm(struct iface *ifc)
{
	char reason[256];
	int r;

	if (ifc->cfg->ts == TS_SOFTWARE) {
		return;
	}
	r = iface_hw_apply(ifc, reason, sizeof(reason));
	if (r || (ifc->st.hw_required && !ifc->st.hw)) {
		log_ratelimited(&ifc->rl, LOG_ERR,
				"%s: hardware timestamping not restored: %s",
				ifc->cfg->iface, reason);
	}
	iface_push_mode(ifc);
}

static void iface_gone(struct iface *ifc)
{
	if (ifc->present) {
		log_notice("%s: interface removed; waiting for it to return",
			   ifc->cfg->iface);
	}
	ifc->present = false;
	ifc->st.link_up = false;
	capture_unbind(ifc->cap);
	if (ifc->act) {
		active_link(ifc->act, -1);
	}
}

/* Back as a new ifindex: the same capture socket is bound to it, which
 * needs no privilege. */
static void iface_back(struct iface *ifc, int ifindex)
{
	const char *why = "";
	int r;

	log_notice("%s: interface is back as ifindex %d (was %d)",
		   ifc->cfg->iface, ifindex, ifc->st.ifindex);
	ifc->st.ifindex = ifindex;
	ifc->present = true;
	iface_self_id(ifc);
	r = capture_rebind(ifc->cap, ifindex, &why);
	if (r) {
		log_ratelimited(&ifc->rl, LOG_ERR,
				"%s: cannot re-bind the capture socket: %s: "
				"%s",
				ifc->cfg->iface, why, strerror(-r));
	}
	if (ifc->act) {
		active_link(ifc->act, ifindex);
	}
	iface_push_mode(ifc);
}

static void iface_follow(struct iface *ifc, const struct link_event *ev,
			 bool rearm)
{
	bool was_up = ifc->st.link_up;

	if (ev->deleted || ev->ifindex <= 0) {
		iface_gone(ifc);
		ifc->changed(ifc->changed_arg);
		return;
	}
	if (!ifc->present || ev->ifindex != ifc->st.ifindex) {
		iface_back(ifc, ev->ifindex);
	}
	ifc->st.link_up = ev->up;
	if (ifc->st.link_up && !was_up) {
		log_notice("%s: link up", ifc->cfg->iface);
		if (ifc->act) {
			active_link(ifc->act, ifc->st.ifindex);
		}
		iface_rearm(ifc);
	} else if (ifc->st.link_up && rearm) {
		iface_rearm(ifc);
	} else if (!ifc->st.link_up && was_up) {
		log_notice("%s: link down", ifc->cfg->iface);
		if (ifc->act) {
			active_link(ifc->act, -1);
		}
	}
	ifc->changed(ifc->changed_arg);
}

void iface_reprobe(struct iface *ifc, bool rearm)
{
	struct link_event ev;
	int r = link_query(ifc->cfg->iface, &ev);

	if (r == -ENODEV) {
		ev = (struct link_event){.deleted = true};
	} else if (r) {
		/* The question failed, not the interface: ask again. */
		log_ratelimited(&ifc->rl, LOG_WARNING,
				"%s: cannot read the link state: %s; asking "
				"again in 1 s",
				ifc->cfg->iface, strerror(-r));
		ev_timer_arm(ifc->loop, ifc->retry_tfd, IFACE_RETRY_NS, 0);
		return;
	}
	iface_follow(ifc, &ev, rearm);
}

static void iface_retry(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	iface_reprobe(arg, false);
}

static void iface_link_event(struct evloop *loop, int fd, uint32_t events,
			     void *arg)
{
	struct iface *ifc = arg;
	char buf[16384];

	(void)loop;
	(void)events;
	for (;;) {
		struct link_event ev;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == ENOBUFS) {
			/* the kernel dropped notifications: ask directly */
			iface_reprobe(ifc, false);
			continue;
		}
		if (n <= 0) {
			return;
		}
		if (link_parse(buf, (size_t)n, ifc->cfg->iface, &ev) == 1) {
			iface_follow(ifc, &ev, false);
		}
	}
}

int iface_watch(struct iface *ifc, struct evloop *loop, struct capture *cap,
		struct rxpath *rp, struct active *act,
		void (*changed)(void *arg), void *arg, const char **why)
{
	int r;

	ifc->loop = loop;
	ifc->cap = cap;
	ifc->rp = rp;
	ifc->act = act;
	ifc->changed = changed;
	ifc->changed_arg = arg;
	iface_push_mode(ifc);
	ifc->retry_tfd = ev_timer_new(loop, iface_retry, ifc);
	if (ifc->retry_tfd < 0) {
		*why = "timerfd";
		return ifc->retry_tfd;
	}
	ifc->link_fd = link_open();
	if (ifc->link_fd < 0) {
		*why = "rtnetlink";
		return ifc->link_fd;
	}
	r = ev_add(loop, ifc->link_fd, EPOLLIN, iface_link_event, ifc);
	if (r) {
		*why = "epoll";
		close(ifc->link_fd);
		ifc->link_fd = -1;
		return r;
	}
	/* whatever changed between iface_new() and the subscription */
	iface_reprobe(ifc, false);
	return 0;
}
