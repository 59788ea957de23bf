// SPDX-License-Identifier: MIT
/*
 * The interface: hardware-timestamping policy applied through the NIC
 * seam, our portIdentity, the PTP sockets' lifetime, and link changes
 * from rtnetlink (down, up, NIC reset, deleted and re-created).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hwts.h"
#include "nic.h"
#include "sidecar_int.h"
#include "slave.h"

/*
 * Probe the NIC and apply --hwts-config for the requested mode. Sets
 * sc->hw, sc->phc and sc->hwts_filter. Returns 0, or the hwts_decide()
 * error (-EOPNOTSUPP: unusable, -EPERM: CAP_NET_ADMIN missing) with
 * @reason filled.
 */
int iface_hw_apply(struct sidecar *sc, char *reason, size_t rlen)
{
	const struct config *cfg = sc->cfg;
	struct hwts_probe p = {
		.ifname = cfg->iface,
		.may_write = cfg->hwts == HWTS_ENSURE,
		.need_tx = cfg->delay_req,
	};
	struct hwts_decision d;
	int fd, r;

	sc->phc = -1;
	sc->hwts_filter = -1;
	if (cfg->ts == TS_SOFTWARE) {
		sc->hw = false;
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
		sc->hw = false;
		return r;
	}
	sc->hw = d.hardware;
	if (!p.info_err && p.info.phc_index >= 0) {
		sc->phc = p.info.phc_index;
	}
	if (!p.get_err) {
		sc->hwts_filter = p.cur.rx_filter;
	}
	return 0;
}

/* ---- link changes ----------------------------------------------------- */

int iface_self_id(struct sidecar *sc)
{
	struct ifreq ifr;
	const uint8_t *mac;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", sc->cfg->iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		r = -errno;
	}
	close(fd);
	if (r) {
		return r;
	}
	/* clockIdentity from the MAC as an EUI-64 (1588-2008 7.5.2.2.2) */
	mac = (const uint8_t *)ifr.ifr_hwaddr.sa_data;
	sc->self.clock_id[0] = mac[0];
	sc->self.clock_id[1] = mac[1];
	sc->self.clock_id[2] = mac[2];
	sc->self.clock_id[3] = 0xff;
	sc->self.clock_id[4] = 0xfe;
	sc->self.clock_id[5] = mac[3];
	sc->self.clock_id[6] = mac[4];
	sc->self.clock_id[7] = mac[5];
	sc->self.port = sc->cfg->port_number;
	return 0;
}

void iface_sockets_close(struct sidecar *sc)
{
	if (!sc->ps_open) {
		return;
	}
	for (int i = 0; i < PTP_SOCK_N; i++) {
		ev_del(sc->loop, sc->ps.fd[i]);
	}
	ptp_sock_close(&sc->ps);
	sc->ps_open = false;
}

int iface_sockets_open(struct sidecar *sc, const char **why)
{
	int r;

	r = ptp_sock_open(&sc->ps, sc->cfg->iface, sc->ifindex,
			  sc->cfg->ts != TS_SOFTWARE, sc->cfg->rcvbuf, why);
	if (r) {
		return r;
	}
	sc->ps_open = true;
	if (sc->loop) {
		for (int i = 0; i < PTP_SOCK_N; i++) {
			r = ev_add(sc->loop, sc->ps.fd[i], EPOLLIN,
				   rx_ptp_event, sc);
			if (r) {
				*why = "epoll";
				iface_sockets_close(sc);
				return r;
			}
		}
	}
	return 0;
}

/* Bring the interface back: re-probe, re-arm hardware stamping (a NIC
 * reset clears it), and reopen the sockets when the ifindex changed (a
 * re-created interface: SO_BINDTODEVICE and memberships named the old
 * one). */
/* Re-apply the hardware config: a NIC reset (or anything else) may have
 * cleared it while we were not looking. */
static void iface_rearm(struct sidecar *sc)
{
	char reason[256];
	int r;

	if (sc->cfg->ts == TS_SOFTWARE) {
		return;
	}
	r = iface_hw_apply(sc, reason, sizeof(reason));
	if (r || (sc->hw_required && !sc->hw)) {
		log_ratelimited(&sc->rl_link, LOG_ERR,
				"%s: hardware timestamping not restored: %s",
				sc->cfg->iface, reason);
	}
}

void iface_link_refresh(struct sidecar *sc, const struct link_event *ev,
			bool rearm)
{
	bool was_up = sc->link_up;
	const char *why = "";
	int r;

	if (ev->deleted || ev->ifindex <= 0) {
		if (sc->link_up || sc->ps_open) {
			log_notice("%s: interface removed; waiting for it to "
				   "return",
				   sc->cfg->iface);
		}
		sc->link_up = false;
		iface_sockets_close(sc);
		if (sc->slave) {
			slave_reset(sc->slave);
		}
		sidecar_notify_status(sc);
		return;
	}
	sc->link_up = ev->up;
	if (ev->ifindex != sc->ifindex || !sc->ps_open) {
		log_notice("%s: interface is back as ifindex %d (was %d); "
			   "reopening sockets",
			   sc->cfg->iface, ev->ifindex, sc->ifindex);
		iface_sockets_close(sc);
		sc->ifindex = ev->ifindex;
		iface_self_id(sc);
		r = iface_sockets_open(sc, &why);
		if (r) {
			log_ratelimited(&sc->rl_link, LOG_ERR,
					"%s: cannot reopen PTP sockets: %s: %s",
					sc->cfg->iface, why, strerror(-r));
		}
	}
	if (sc->link_up && !was_up) {
		log_notice("%s: link up", sc->cfg->iface);
		iface_rearm(sc);
	} else if (sc->link_up && rearm) {
		iface_rearm(sc);
	} else if (!sc->link_up && was_up) {
		log_notice("%s: link down", sc->cfg->iface);
		if (sc->slave) {
			slave_reset(sc->slave);
		}
	}
	sidecar_notify_status(sc);
}

void iface_reprobe(struct sidecar *sc, bool rearm)
{
	struct link_event ev;

	if (link_query(sc->cfg->iface, &ev)) {
		ev = (struct link_event){.deleted = true};
	}
	iface_link_refresh(sc, &ev, rearm);
}

void iface_link_event(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct sidecar *sc = arg;
	char buf[16384];

	(void)loop;
	(void)events;
	for (;;) {
		struct link_event ev;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == ENOBUFS) {
			/* the kernel dropped notifications: ask directly */
			iface_reprobe(sc, false);
			continue;
		}
		if (n <= 0) {
			return;
		}
		if (link_parse(buf, (size_t)n, sc->cfg->iface, &ev) == 1) {
			iface_link_refresh(sc, &ev, false);
		}
	}
}
