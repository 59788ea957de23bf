// SPDX-License-Identifier: MIT
/*
 * The daemon: one epoll loop, the PTP sockets, the client server, systemd
 * notification, rtnetlink, signals. Everything a packet goes through on its
 * way to a client is in sidecar_packet().
 */
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "counters.h"
#include "evloop.h"
#include "frame.h"
#include "hwts.h"
#include "link.h"
#include "log.h"
#include "nic.h"
#include "privs.h"
#include "ptp_msg.h"
#include "ptp_sock.h"
#include "request.h"
#include "server.h"
#include "sidecar.h"
#include "slave.h"
#include "ts_cmsg.h"

#define RX_BATCH	      32
#define RX_BATCHES_PER_WAKEUP 8
/* PTP messages fit well inside one Ethernet frame; anything longer is
 * reported by the kernel with MSG_TRUNC and dropped as truncated. */
#define RX_PKT_MAX   1536
#define RX_CTRL_MAX  512
#define NSEC_PER_SEC 1000000000ULL

struct sidecar {
	const struct config *cfg;
	struct evloop *loop;
	struct server *srv;
	struct slave *slave;
	struct ptp_sock ps;
	bool ps_open;
	int link_fd;
	int status_tfd;
	int watchdog_tfd;
	struct counters c;
	struct ratelimit rl_bad;  /* malformed / truncated from the wire */
	struct ratelimit rl_link; /* link and re-arm trouble */
	uint64_t start_ns;
	/* the interface */
	int ifindex;
	bool link_up;
	struct ptp_port_id self;
	/* the stamping in force */
	bool hw; /* NIC stamps are what we publish for event messages */
	bool hw_required; /* --timestamping hardware */
	int phc;	  /* -1: none */
	int hwts_filter;  /* -1: unknown (driver cannot report it) */
	unsigned int kept_caps;
	char status_text[256];
	int exit_code;
	/* receive batch, reused for every packet: nothing is allocated on
	 * the per-packet path */
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	uint8_t pkt[RX_BATCH][RX_PKT_MAX];
	union {
		char buf[RX_CTRL_MAX];
		struct cmsghdr align;
	} ctl[RX_BATCH];
	char frame[FRAME_MAX];
};

static uint64_t sidecar_uptime_s(const struct sidecar *sc)
{
	return (ev_now_ns() - sc->start_ns) / NSEC_PER_SEC;
}

static void sidecar_publish(struct sidecar *sc, unsigned int sub, int len)
{
	if (len < 0) {
		log_ratelimited(&sc->rl_link, LOG_ERR,
				"cannot encode a frame: %s", strerror(-len));
		return;
	}
	server_broadcast(sc->srv, sub, sc->frame, (size_t)len);
}

/* The kernel counts packets dropped at a full receive queue per socket
 * (sk_drops). SO_RXQ_OVFL reports it on the next packet queued after a
 * drop; SO_MEMINFO reads it at any time, so drops at the end of a burst
 * are not missed. Both are the same cumulative count. */
static void sidecar_drops_seen(struct sidecar *sc, int which, uint32_t drops)
{
	uint32_t delta = drops - sc->ps.drops[which];

	/* the count only grows; a smaller value is an older report */
	if (delta && delta < (1U << 31)) {
		sc->c.kernel_drops += delta;
		sc->ps.drops[which] = drops;
	}
}

static void sidecar_drops(struct sidecar *sc, int which,
			  const struct ts_cmsg *tc)
{
	if (tc->flags & TS_CMSG_OVFL) {
		sidecar_drops_seen(sc, which, tc->drops);
	}
}

static void sidecar_drops_poll(struct sidecar *sc)
{
	if (!sc->ps_open) {
		return;
	}
	for (int i = 0; i < PTP_SOCK_N; i++) {
		uint32_t mem[SK_MEMINFO_VARS];
		socklen_t len = sizeof(mem);

		if (!getsockopt(sc->ps.fd[i], SOL_SOCKET, SO_MEMINFO, mem,
				&len) &&
		    len > SK_MEMINFO_DROPS * sizeof(mem[0])) {
			sidecar_drops_seen(sc, i, mem[SK_MEMINFO_DROPS]);
		}
	}
}

static int sidecar_status_encode(char *buf, size_t size, void *arg)
{
	struct sidecar *sc = arg;
	struct frame_status st;

	sidecar_drops_poll(sc);
	st = (struct frame_status){
		.iface = sc->cfg->iface,
		.ifindex = sc->ifindex,
		.link_up = sc->link_up,
		.hw = sc->hw,
		.phc = sc->phc,
		.hwts_filter = sc->hwts_filter >= 0
				       ? hwts_rx_filter_name(sc->hwts_filter)
				       : NULL,
		.clients = sc->srv ? server_clients(sc->srv) : 0,
		.uptime_s = sidecar_uptime_s(sc),
		.version = TBLK_VERSION,
		.counters = &sc->c,
	};

	return frame_encode_status(&st, buf, size);
}

/* STATUS= for systemctl status: sent when the text changes, which the
 * status timer bounds to once per --status-interval for counter changes. */
static void sidecar_notify_status(struct sidecar *sc)
{
	char text[sizeof(sc->status_text)];

	snprintf(text, sizeof(text),
		 "%s %s, %s stamps%s; %u clients; rx %llu tx %llu frames, "
		 "%llu malformed, %llu kernel drops",
		 sc->cfg->iface, sc->link_up ? "up" : "down",
		 sc->hw ? "hardware" : "software",
		 sc->hw_required && !sc->hw ? " (hardware unavailable)" : "",
		 sc->srv ? server_clients(sc->srv) : 0,
		 (unsigned long long)sc->c.rx, (unsigned long long)sc->c.tx,
		 (unsigned long long)sc->c.malformed,
		 (unsigned long long)sc->c.kernel_drops);
	if (strcmp(text, sc->status_text)) {
		memcpy(sc->status_text, text, sizeof(text));
		sd_notifyf(0, "STATUS=%s", text);
	}
}

static void sidecar_packet(struct sidecar *sc, int which, const uint8_t *buf,
			   size_t len, const struct msghdr *mh)
{
	struct ptp_msg msg;
	struct ts_cmsg tc;
	struct frame_stamp f;
	bool hw;
	int r;

	r = ts_cmsg_parse(mh, &tc);
	sidecar_drops(sc, which, &tc);
	if (r == -EMSGSIZE) {
		sc->c.truncated++;
		log_ratelimited(
			&sc->rl_bad, LOG_DEBUG,
			"dropped a truncated packet (%zu bytes, flags 0x%x)",
			len, (unsigned int)mh->msg_flags);
		return;
	}
	r = ptp_msg_parse(buf, len, &msg);
	if (r) {
		sc->c.malformed++;
		log_ratelimited(
			&sc->rl_bad, LOG_DEBUG,
			"dropped a malformed PTP message (%zu bytes): %s", len,
			strerror(-r));
		return;
	}
	if ((sc->cfg->domain >= 0 && msg.hdr.domain != sc->cfg->domain) ||
	    ptp_port_id_equal(&msg.hdr.src, &sc->self)) {
		sc->c.filtered++;
		return;
	}
	hw = tc.flags & TS_CMSG_HW;
	if (hw) {
		sc->c.rx_hw++;
	} else {
		sc->c.rx_sw++;
	}
	/* Promise 1: under --timestamping hardware an event message is
	 * published with a NIC stamp or not at all. */
	if (!hw && sc->hw_required && ptp_msg_is_event(msg.hdr.msg_type)) {
		sc->c.missing_hw++;
		return;
	}
	/* Software stamping is enabled on every socket, so this needs a kernel
	 * that stamped nothing at all; there is no time to publish. */
	if (!hw && !(tc.flags & TS_CMSG_SW)) {
		sc->c.unstamped++;
		return;
	}
	f = (struct frame_stamp){
		.tx = false,
		.msg = &msg,
		.stamp = hw ? tc.hw : tc.sw,
		.hw = hw,
		.iface = sc->cfg->iface,
		.phc = sc->phc,
	};
	if (sc->slave) {
		slave_rx(sc->slave, &msg, &f.stamp, hw);
	}
	sc->c.rx++;
	sidecar_publish(sc, SUB_RX,
			frame_encode_stamp(&f, sc->frame, sizeof(sc->frame)));
}

static void sidecar_recv(struct sidecar *sc, int which)
{
	int fd = sc->ps.fd[which];

	for (int b = 0; b < RX_BATCHES_PER_WAKEUP; b++) {
		int n;

		for (int i = 0; i < RX_BATCH; i++) {
			struct msghdr *mh = &sc->mm[i].msg_hdr;

			sc->iov[i].iov_base = sc->pkt[i];
			sc->iov[i].iov_len = sizeof(sc->pkt[i]);
			*mh = (struct msghdr){
				.msg_iov = &sc->iov[i],
				.msg_iovlen = 1,
				.msg_control = sc->ctl[i].buf,
				.msg_controllen = sizeof(sc->ctl[i].buf),
			};
		}
		n = recvmmsg(fd, sc->mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_ratelimited(&sc->rl_link, LOG_WARNING,
						"recvmmsg on UDP %d: %m",
						which == PTP_SOCK_EVENT ? 319
									: 320);
			}
			return;
		}
		for (int i = 0; i < n; i++) {
			sidecar_packet(sc, which, sc->pkt[i], sc->mm[i].msg_len,
				       &sc->mm[i].msg_hdr);
		}
		/* one write per client per batch keeps queues short and the
		 * latency of the first frame of a batch bounded */
		server_flush(sc->srv);
		if (n < RX_BATCH) {
			return;
		}
	}
}

/* TX stamps of our own DELAY_REQ (and anything else the kernel queued on
 * the error queue, such as ICMP errors, which are drained and ignored). */
static void sidecar_errqueue(struct sidecar *sc, int which)
{
	for (int i = 0; i < 64; i++) {
		uint8_t data[RX_PKT_MAX];
		union {
			char buf[RX_CTRL_MAX];
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
		ssize_t n;

		n = recvmsg(sc->ps.fd[which], &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			return;
		}
		if (ts_cmsg_parse(&mh, &tc) || !(tc.flags & TS_CMSG_EXTERR) ||
		    tc.ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
		    tc.ee.ee_info != SCM_TSTAMP_SND) {
			continue;
		}
		if (!sc->slave || !(tc.flags & (TS_CMSG_HW | TS_CMSG_SW))) {
			continue;
		}
		slave_tx_stamp(sc->slave, tc.ee.ee_data,
			       (tc.flags & TS_CMSG_HW) ? &tc.hw : &tc.sw,
			       tc.flags & TS_CMSG_HW);
	}
}

static void sidecar_ptp_event(struct evloop *loop, int fd, uint32_t events,
			      void *arg)
{
	struct sidecar *sc = arg;
	int which = fd == sc->ps.fd[PTP_SOCK_EVENT] ? PTP_SOCK_EVENT
						    : PTP_SOCK_GENERAL;

	(void)loop;
	if (events & EPOLLERR) {
		sidecar_errqueue(sc, which);
	}
	if (events & EPOLLIN) {
		sidecar_recv(sc, which);
	}
}

/* ---- hardware stamping ------------------------------------------------ */

/*
 * Probe the NIC and apply --hwts-config for the requested mode. Sets
 * sc->hw, sc->phc and sc->hwts_filter. Returns 0, or the hwts_decide()
 * error (-EOPNOTSUPP: unusable, -EPERM: CAP_NET_ADMIN missing) with
 * @reason filled.
 */
static int sidecar_hw_apply(struct sidecar *sc, char *reason, size_t rlen)
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
		snprintf(reason, rlen, "socket: %s", strerror(errno));
		return -errno;
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

static int sidecar_self_id(struct sidecar *sc)
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

static void sidecar_sockets_close(struct sidecar *sc)
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

static int sidecar_sockets_open(struct sidecar *sc, const char **why)
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
				   sidecar_ptp_event, sc);
			if (r) {
				*why = "epoll";
				sidecar_sockets_close(sc);
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
static void sidecar_link_refresh(struct sidecar *sc,
				 const struct link_event *ev)
{
	bool was_up = sc->link_up;
	char reason[256];
	const char *why = "";
	int r;

	if (ev->deleted || ev->ifindex <= 0) {
		if (sc->link_up || sc->ps_open) {
			log_notice("%s: interface removed; waiting for it to "
				   "return",
				   sc->cfg->iface);
		}
		sc->link_up = false;
		sidecar_sockets_close(sc);
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
		sidecar_sockets_close(sc);
		sc->ifindex = ev->ifindex;
		sidecar_self_id(sc);
		r = sidecar_sockets_open(sc, &why);
		if (r) {
			log_ratelimited(&sc->rl_link, LOG_ERR,
					"%s: cannot reopen PTP sockets: %s: %s",
					sc->cfg->iface, why, strerror(-r));
		}
	}
	if (sc->link_up && !was_up) {
		log_notice("%s: link up", sc->cfg->iface);
		if (sc->cfg->ts != TS_SOFTWARE) {
			r = sidecar_hw_apply(sc, reason, sizeof(reason));
			if (r || (sc->hw_required && !sc->hw)) {
				log_ratelimited(&sc->rl_link, LOG_ERR,
						"%s: hardware timestamping not "
						"restored: %s",
						sc->cfg->iface, reason);
			}
		}
	} else if (!sc->link_up && was_up) {
		log_notice("%s: link down", sc->cfg->iface);
		if (sc->slave) {
			slave_reset(sc->slave);
		}
	}
	sidecar_notify_status(sc);
}

static void sidecar_link_event(struct evloop *loop, int fd, uint32_t events,
			       void *arg)
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
			if (link_query(sc->cfg->iface, &ev)) {
				ev = (struct link_event){.deleted = true};
			}
			sidecar_link_refresh(sc, &ev);
			continue;
		}
		if (n <= 0) {
			return;
		}
		if (link_parse(buf, (size_t)n, sc->cfg->iface, &ev) == 1) {
			sidecar_link_refresh(sc, &ev);
		}
	}
}

/* ---- timers and signals ----------------------------------------------- */

static void sidecar_status_tick(struct evloop *loop, int fd, uint32_t events,
				void *arg)
{
	struct sidecar *sc = arg;

	(void)loop;
	(void)fd;
	(void)events;
	sidecar_publish(
		sc, SUB_STATUS,
		sidecar_status_encode(sc->frame, sizeof(sc->frame), sc));
	sidecar_notify_status(sc);
}

static void sidecar_watchdog_tick(struct evloop *loop, int fd, uint32_t events,
				  void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	(void)arg;
	/* From the loop itself: a wedged loop stops the pings. */
	sd_notify(0, "WATCHDOG=1");
}

static void sidecar_log_counters(struct sidecar *sc)
{
	const struct counters *c = &sc->c;

	sidecar_drops_poll(sc);
	log_notice(
		"counters: rx %llu tx %llu rxHw %llu rxSw %llu missingHw %llu "
		"malformed %llu truncated %llu filtered %llu kernelDrops %llu "
		"txTimeouts %llu clientDrops %llu clientsRefused %llu "
		"framesOut %llu unstamped %llu clients %u",
		(unsigned long long)c->rx, (unsigned long long)c->tx,
		(unsigned long long)c->rx_hw, (unsigned long long)c->rx_sw,
		(unsigned long long)c->missing_hw,
		(unsigned long long)c->malformed,
		(unsigned long long)c->truncated,
		(unsigned long long)c->filtered,
		(unsigned long long)c->kernel_drops,
		(unsigned long long)c->tx_timeouts,
		(unsigned long long)c->client_drops,
		(unsigned long long)c->clients_refused,
		(unsigned long long)c->frames_out,
		(unsigned long long)c->unstamped, server_clients(sc->srv));
}

static void sidecar_signal(struct evloop *loop, int signo, void *arg)
{
	struct sidecar *sc = arg;
	struct link_event ev;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_notice("%s: stopping", strsignal(signo));
		sd_notify(0, "STOPPING=1");
		ev_stop(loop);
		break;
	case SIGHUP:
		log_notice("SIGHUP: re-probing %s", sc->cfg->iface);
		if (link_query(sc->cfg->iface, &ev)) {
			ev = (struct link_event){.deleted = true};
		}
		/* force the hardware config to be re-applied */
		sc->link_up = false;
		sidecar_link_refresh(sc, &ev);
		break;
	case SIGUSR1:
		sidecar_log_counters(sc);
		break;
	}
}

/* ---- slave glue ------------------------------------------------------- */

static int sidecar_slave_send(void *arg, const uint8_t *buf, size_t len)
{
	struct sidecar *sc = arg;

	if (!sc->ps_open) {
		return -ENETDOWN;
	}
	return ptp_sock_send(&sc->ps, PTP_SOCK_EVENT, buf, len);
}

static void sidecar_slave_tx(void *arg, const struct ptp_msg *msg,
			     const struct timespec *ts, bool hw)
{
	struct sidecar *sc = arg;
	const struct frame_stamp f = {
		.tx = true,
		.msg = msg,
		.stamp = *ts,
		.hw = hw,
		.iface = sc->cfg->iface,
		.phc = sc->phc,
	};

	if (sc->hw_required && !hw) {
		sc->c.missing_hw++;
		return;
	}
	sc->c.tx++;
	sidecar_publish(sc, SUB_TX,
			frame_encode_stamp(&f, sc->frame, sizeof(sc->frame)));
}

static void sidecar_slave_sample(void *arg, const struct frame_sample *s)
{
	struct sidecar *sc = arg;

	sidecar_publish(sc, SUB_SAMPLE,
			frame_encode_sample(s, sc->frame, sizeof(sc->frame)));
}

static const struct slave_ops sidecar_slave_ops = {
	.send = sidecar_slave_send,
	.tx_frame = sidecar_slave_tx,
	.sample = sidecar_slave_sample,
};

/* ---- setup ------------------------------------------------------------ */

static void sidecar_turn(struct evloop *loop, void *arg)
{
	struct sidecar *sc = arg;

	(void)loop;
	server_flush(sc->srv);
}

static int sidecar_refuse(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Every refusal is one line on stderr saying what and why. */
static int sidecar_refuse(int code, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err("%s", line);
	return code;
}

static int sidecar_setup(struct sidecar *sc, struct privs_user *user,
			 bool have_user, gid_t group)
{
	const struct config *cfg = sc->cfg;
	const struct server_config scfg = {
		.path = cfg->socket_path,
		.mode = cfg->socket_mode,
		.gid = group,
		.max_clients = cfg->max_clients,
		.client_buffer = cfg->client_buffer,
	};
	struct link_event ev;
	char reason[256];
	const char *why = "";
	unsigned int keep;
	sigset_t sigs;
	uint64_t wd_usec = 0;
	int r;

	r = link_query(cfg->iface, &ev);
	if (r == -ENODEV) {
		return sidecar_refuse(EX_UNAVAILABLE, "%s: no such interface",
				      cfg->iface);
	}
	if (r) {
		return sidecar_refuse(EX_OSERR,
				      "%s: cannot read link state: %s",
				      cfg->iface, strerror(-r));
	}
	sc->ifindex = ev.ifindex;
	sc->link_up = ev.up;
	sidecar_self_id(sc);

	r = sidecar_hw_apply(sc, reason, sizeof(reason));
	if (r == -EPERM) {
		return sidecar_refuse(EX_NOPERM, "%s: %s (needs CAP_NET_ADMIN)",
				      cfg->iface, reason);
	}
	if (r) {
		return sidecar_refuse(
			EX_UNAVAILABLE, "%s: --timestamping %s cannot run: %s",
			cfg->iface, config_ts_mode_name(cfg->ts), reason);
	}
	if (cfg->ts == TS_AUTO && !sc->hw) {
		log_notice("%s: auto mode runs on software stamps: %s",
			   cfg->iface, reason);
	}

	r = ev_new(&sc->loop);
	if (r) {
		return sidecar_refuse(EX_OSERR, "epoll: %s", strerror(-r));
	}
	r = sidecar_sockets_open(sc, &why);
	if (r == -EACCES || r == -EPERM) {
		return sidecar_refuse(EX_NOPERM,
				      "%s: %s: %s (binding UDP ports 319/320 "
				      "needs CAP_NET_BIND_SERVICE)",
				      cfg->iface, why, strerror(-r));
	}
	if (r == -ENODEV) {
		return sidecar_refuse(EX_UNAVAILABLE,
				      "%s: %s: no such interface", cfg->iface,
				      why);
	}
	if (r) {
		return sidecar_refuse(EX_OSERR, "%s: %s: %s", cfg->iface, why,
				      strerror(-r));
	}
	if (sc->ps.rcvbuf < cfg->rcvbuf) {
		log_warning("receive buffer is %d bytes, not the %d asked for "
			    "(SO_RCVBUFFORCE needs CAP_NET_ADMIN; see "
			    "net.core.rmem_max)",
			    sc->ps.rcvbuf / 2, cfg->rcvbuf);
	}

	r = server_open(&sc->srv, sc->loop, &scfg, &sc->c,
			sidecar_status_encode, sc, &why);
	if (r == -EADDRINUSE || r == -EEXIST || r == -ENOENT ||
	    r == -ENOTSOCK) {
		return sidecar_refuse(EX_UNAVAILABLE, "socket %s: %s",
				      cfg->socket_path, why);
	}
	if (r == -EACCES || r == -EPERM) {
		return sidecar_refuse(EX_NOPERM, "socket %s: %s: %s",
				      cfg->socket_path, why, strerror(-r));
	}
	if (r) {
		return sidecar_refuse(EX_OSERR, "socket %s: %s: %s",
				      cfg->socket_path, why, strerror(-r));
	}

	ev_on_turn(sc->loop, sidecar_turn, sc);

	sc->link_fd = link_open();
	if (sc->link_fd < 0) {
		return sidecar_refuse(EX_OSERR, "rtnetlink: %s",
				      strerror(-sc->link_fd));
	}
	ev_add(sc->loop, sc->link_fd, EPOLLIN, sidecar_link_event, sc);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	r = ev_signals(sc->loop, &sigs, sidecar_signal, sc);
	if (r) {
		return sidecar_refuse(EX_OSERR, "signalfd: %s", strerror(-r));
	}
	signal(SIGPIPE, SIG_IGN);

	sc->status_tfd = ev_timer_new(sc->loop, sidecar_status_tick, sc);
	if (sc->status_tfd < 0) {
		return sidecar_refuse(EX_OSERR, "timerfd: %s",
				      strerror(-sc->status_tfd));
	}
	ev_timer_arm(sc->loop, sc->status_tfd,
		     cfg->status_interval * NSEC_PER_SEC,
		     cfg->status_interval * NSEC_PER_SEC);
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		sc->watchdog_tfd =
			ev_timer_new(sc->loop, sidecar_watchdog_tick, sc);
		if (sc->watchdog_tfd < 0) {
			return sidecar_refuse(EX_OSERR, "timerfd: %s",
					      strerror(-sc->watchdog_tfd));
		}
		/* half the timeout, as sd_watchdog_enabled(3) recommends */
		ev_timer_arm(sc->loop, sc->watchdog_tfd, wd_usec * 500,
			     wd_usec * 500);
	}
	if (cfg->delay_req) {
		r = slave_new(&sc->slave, sc->loop, &sc->self, cfg->domain,
			      &sidecar_slave_ops, sc, &sc->c);
		if (r) {
			return sidecar_refuse(EX_OSERR, "active slave: %s",
					      strerror(-r));
		}
	}

	/* Keep only what run time needs: CAP_NET_BIND_SERVICE to reopen
	 * 319/320 after the interface is re-created, CAP_NET_ADMIN to re-arm
	 * SIOCSHWTSTAMP after a NIC reset (hardware modes with ensure). */
	keep = PRIVS_KEEP_BIND_SERVICE;
	if (cfg->ts != TS_SOFTWARE && cfg->hwts == HWTS_ENSURE) {
		keep |= PRIVS_KEEP_NET_ADMIN;
	}
	r = privs_drop(have_user ? user : NULL, keep, &sc->kept_caps, &why);
	if (r) {
		return sidecar_refuse(r == -EPERM ? EX_NOPERM : EX_OSERR,
				      "dropping privileges: %s: %s", why,
				      strerror(-r));
	}
	log_info("capabilities kept:%s%s%s",
		 sc->kept_caps & PRIVS_KEEP_NET_ADMIN ? " cap_net_admin" : "",
		 sc->kept_caps & PRIVS_KEEP_BIND_SERVICE
			 ? " cap_net_bind_service"
			 : "",
		 sc->kept_caps ? "" : " none");
	return EX_OK;
}

int sidecar_run(const struct config *cfg)
{
	struct sidecar *sc;
	struct privs_user user;
	bool have_user = false;
	gid_t group = (gid_t)-1;
	int code, r;

	if (cfg->user) {
		if (privs_lookup_user(cfg->user, &user)) {
			log_err("--user %s: no such user", cfg->user);
			return EX_NOUSER;
		}
		if (geteuid() != 0 && user.uid != geteuid()) {
			log_err("--user %s: switching user needs root "
				"(CAP_SETUID and CAP_SETGID)",
				cfg->user);
			return EX_NOPERM;
		}
		have_user = true;
	}
	if (cfg->socket_group &&
	    privs_lookup_group(cfg->socket_group, &group)) {
		log_err("--socket-group %s: no such group", cfg->socket_group);
		return EX_NOUSER;
	}

	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		log_err("out of memory");
		return EX_OSERR;
	}
	sc->cfg = cfg;
	sc->link_fd = -1;
	sc->status_tfd = -1;
	sc->watchdog_tfd = -1;
	sc->phc = -1;
	sc->hwts_filter = -1;
	sc->hw_required = cfg->ts == TS_HARDWARE;
	sc->ps.fd[0] = sc->ps.fd[1] = -1;
	sc->rl_bad = (struct ratelimit)RATELIMIT_INIT(10 * NSEC_PER_SEC, 5);
	sc->rl_link = (struct ratelimit)RATELIMIT_INIT(10 * NSEC_PER_SEC, 5);
	sc->start_ns = ev_now_ns();

	code = sidecar_setup(sc, &user, have_user, group);
	if (code == EX_OK) {
		char ready[320];

		sidecar_notify_status(sc);
		snprintf(ready, sizeof(ready), "READY=1\nSTATUS=%s",
			 sc->status_text);
		sd_notify(0, ready);
		log_notice("ready: %s, %s stamps, %s%s", cfg->iface,
			   sc->hw ? "hardware" : "software",
			   server_activated(sc->srv) ? "socket from systemd"
						     : "socket ",
			   server_activated(sc->srv) ? "" : cfg->socket_path);
		r = ev_run(sc->loop);
		if (r) {
			log_err("event loop: %s", strerror(-r));
			code = EX_OSERR;
		}
		sidecar_log_counters(sc);
	}

	if (sc->slave) {
		slave_free(sc->slave);
	}
	if (sc->srv) {
		server_close(sc->srv);
	}
	sidecar_sockets_close(sc);
	if (sc->link_fd >= 0) {
		if (sc->loop) {
			ev_del(sc->loop, sc->link_fd);
		}
		close(sc->link_fd);
	}
	if (sc->loop) {
		if (sc->status_tfd >= 0) {
			ev_timer_free(sc->loop, sc->status_tfd);
		}
		if (sc->watchdog_tfd >= 0) {
			ev_timer_free(sc->loop, sc->watchdog_tfd);
		}
		ev_free(sc->loop);
	}
	free(sc);
	return code;
}
