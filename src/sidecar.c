// SPDX-License-Identifier: MIT
/*
 * The daemon: one epoll loop, the PTP sockets, the client server, systemd
 * notification, rtnetlink, signals. Everything a packet goes through on its
 * way to a client is in rx_packet().
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "hwts.h"
#include "link.h"
#include "privs.h"
#include "request.h"
#include "server.h"
#include "sidecar.h"
#include "sidecar_int.h"
#include "slave.h"

static uint64_t sidecar_uptime_s(const struct sidecar *sc)
{
	return (ev_now_ns() - sc->start_ns) / NSEC_PER_SEC;
}

void sidecar_publish(struct sidecar *sc, unsigned int sub, int len)
{
	if (len < 0) {
		log_ratelimited(&sc->rl_link, LOG_ERR,
				"cannot encode a frame: %s", strerror(-len));
		return;
	}
	server_broadcast(sc->srv, sub, sc->frame, (size_t)len);
}

static int sidecar_status_encode(char *buf, size_t size, void *arg)
{
	struct sidecar *sc = arg;
	struct frame_status st;
	struct counters c;

	rx_drops_poll(sc);
	c = sc->c;
	if (sc->srv) {
		server_counters(sc->srv, &c);
	}
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
		.counters = &c,
	};

	return frame_encode_status(&st, buf, size);
}

/* STATUS= for systemctl status: sent when the text changes, which the
 * status timer bounds to once per --status-interval for counter changes. */
void sidecar_notify_status(struct sidecar *sc)
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

	rx_drops_poll(sc);
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

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_notice("%s: stopping", strsignal(signo));
		sd_notify(0, "STOPPING=1");
		ev_stop(loop);
		break;
	case SIGHUP:
		log_notice("SIGHUP: re-probing %s", sc->cfg->iface);
		iface_reprobe(sc, true);
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
	iface_self_id(sc);

	r = iface_hw_apply(sc, reason, sizeof(reason));
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
	r = iface_sockets_open(sc, &why);
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

	r = server_open(&sc->srv, sc->loop, &scfg, sidecar_status_encode, sc,
			&why);
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
	ev_add(sc->loop, sc->link_fd, EPOLLIN, iface_link_event, sc);

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
	rx_init(sc);

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
	iface_sockets_close(sc);
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
