// SPDX-License-Identifier: MIT
/*
 * The daemon's top: it opens the modules in order, wires them downward
 * (iface -> capture, rxpath, active; rxpath -> server), and owns what
 * belongs to no packet: timers, signals, systemd notification, the status
 * frame and privileges. No packet passes through here.
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

#include "active.h"
#include "capture.h"
#include "frame.h"
#include "hwts.h"
#include "iface.h"
#include "log.h"
#include "privs.h"
#include "ptp4l.h"
#include "request.h"
#include "rxpath.h"
#include "server.h"
#include "sidecar.h"
#include "streams.h"

#define NSEC_PER_SEC	  1000000000ULL
#define SIDECAR_PTP4L_UDS "/var/run/ptp4l"

struct sidecar {
	const struct config *cfg;
	struct evloop *loop;
	struct iface *ifc;
	struct capture *cap;
	struct server *srv;
	struct rxpath *rp;
	struct active *act;
	struct streams *streams;
	struct ptp4l *ptp4l; /* NULL: --ptp4l-uds none */
	char *streams_frame; /* streams_frame_max() bytes */
	int status_tfd;
	int watchdog_tfd;
	uint64_t start_ns;
	unsigned int kept_caps;
	bool notify_warned;
	char status_text[256];
	char frame[FRAME_MAX];
};

static uint64_t sidecar_uptime_s(const struct sidecar *sc)
{
	return (ev_now_ns() - sc->start_ns) / NSEC_PER_SEC;
}

/* Every module's counters, summed into one snapshot. */
static void sidecar_counters(struct sidecar *sc, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	if (sc->srv) {
		server_counters(sc->srv, c);
	}
	if (sc->rp) {
		rxpath_counters(sc->rp, c);
	}
	if (sc->act) {
		active_counters(sc->act, c);
	}
}

static int sidecar_status_encode(char *buf, size_t size, void *arg)
{
	struct sidecar *sc = arg;
	const struct iface_state *st = iface_state(sc->ifc);
	struct counters c;
	struct frame_status fs;

	sidecar_counters(sc, &c);
	fs = (struct frame_status){
		.iface = sc->cfg->iface,
		.ifindex = st->ifindex,
		.link_up = st->link_up,
		.hw = st->hw,
		.phc = st->phc,
		.hwts_filter = st->hwts_filter >= 0
				       ? hwts_rx_filter_name(st->hwts_filter)
				       : NULL,
		.delay_req_tx = sc->act ? active_tx_kind(sc->act) : NULL,
		.clients = sc->srv ? server_clients(sc->srv) : 0,
		.streams = sc->streams ? streams_count(sc->streams) : 0,
		.uptime_s = sidecar_uptime_s(sc),
		.version = TBLK_VERSION,
		.counters = &c,
		.sync = sc->ptp4l ? ptp4l_view(sc->ptp4l) : NULL,
		.sync_reason = "--ptp4l-uds none",
	};
	return frame_encode_status(&fs, buf, size);
}

/* "locked gm aabbcc.fffe.ddeeff offset 12 ns", briefly, for STATUS= */
static void sidecar_sync_text(struct sidecar *sc, char *buf, size_t size)
{
	const struct ptp4l_view *v = sc->ptp4l ? ptp4l_view(sc->ptp4l) : NULL;
	char gm[PTP_CLOCK_ID_STRLEN];

	if (!v || v->state == SYNC_UNKNOWN) {
		snprintf(buf, size, "sync unknown");
	} else if (v->state == SYNC_MASTER || !v->have_gm) {
		snprintf(buf, size, "sync %s", syncstate_name(v->state));
	} else {
		ptp_clock_id_str(v->gm, gm);
		snprintf(buf, size, "sync %s gm %s offset %lld ns",
			 syncstate_name(v->state), gm,
			 v->have_current ? (long long)v->offset_ns : 0LL);
	}
}

/* STATUS= for systemctl status: sent when the text changes, which the
 * status timer bounds to once per --status-interval for counter changes. */
static void sidecar_notify_status(struct sidecar *sc)
{
	const struct iface_state *st = iface_state(sc->ifc);
	char text[sizeof(sc->status_text)];
	char sync[64];
	struct counters c;

	sidecar_counters(sc, &c);
	sidecar_sync_text(sc, sync, sizeof(sync));
	snprintf(text, sizeof(text),
		 "%s %s, %s stamps%s; %s; %u clients; rx %llu tx %llu frames, "
		 "%llu malformed, %llu kernel drops",
		 sc->cfg->iface, st->link_up ? "up" : "down",
		 st->hw ? "hardware" : "software",
		 st->hw_required && !st->hw ? " (hardware unavailable)" : "",
		 sync, sc->srv ? server_clients(sc->srv) : 0,
		 (unsigned long long)c.rx, (unsigned long long)c.tx,
		 (unsigned long long)c.malformed,
		 (unsigned long long)c.kernel_drops);
	if (strcmp(text, sc->status_text)) {
		memcpy(sc->status_text, text, sizeof(text));
		sd_notifyf(0, "STATUS=%s", text);
	}
}

/* READY=1 and STOPPING=1 are told once each; one that cannot be delivered
 * is said once (under Type=notify a lost READY ends with systemd killing
 * the service at its start timeout). 0 from sd_notify: no NOTIFY_SOCKET. */
static void sidecar_notify(struct sidecar *sc, const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0 && !sc->notify_warned) {
		sc->notify_warned = true;
		log_warning("sd_notify %.*s: %s%s", (int)strcspn(msg, "\n"),
			    msg, strerror(-r),
			    strncmp(msg, "READY", 5)
				    ? ""
				    : " (systemd will stop the service at its "
				      "start timeout)");
	}
}

static void sidecar_iface_changed(void *arg)
{
	sidecar_notify_status(arg);
}

/* syncState, gm or portState changed: a sync frame and STATUS= */
static void sidecar_sync_changed(void *arg, const struct ptp4l_view *v)
{
	struct sidecar *sc = arg;
	int len = frame_encode_sync(v, sc->frame, sizeof(sc->frame));

	if (len < 0) {
		log_err("cannot encode the sync frame: %s", strerror(-len));
	} else if (sc->srv) {
		server_broadcast(sc->srv, SUB_SYNC, sc->frame, (size_t)len);
	}
	if (sc->ifc) {
		sidecar_notify_status(sc);
	}
}

/* TIME_PROPERTIES_DATA_SET changed: the timescale's source. The clock
 * side takes it from v->time_props (clock_set_time_props()). */
static void sidecar_time_props_changed(void *arg, const struct ptp4l_view *v)
{
	(void)arg;
	log_info("ptp4l time properties: currentUtcOffset %d valid %d "
		 "ptpTimescale %d leap61 %d leap59 %d",
		 v->time_props.current_utc_offset,
		 v->time_props.utc_offset_valid, v->time_props.ptp_timescale,
		 v->time_props.leap61, v->time_props.leap59);
}

/* ---- timers and signals ----------------------------------------------- */

/* The streams frame, after the table's housekeeping (silence, FOLLOW_UP
 * windows), so a silent stream is published once as such. */
static void sidecar_streams_publish(struct sidecar *sc, uint64_t now)
{
	struct streams_own own;
	int len;

	if (sc->act) {
		active_own(sc->act, &own);
	}
	len = streams_encode(sc->streams, sc->act ? &own : NULL, now,
			     sc->streams_frame, streams_frame_max(sc->streams));
	if (len < 0) {
		log_err("cannot encode the streams frame: %s", strerror(-len));
		return;
	}
	server_broadcast(sc->srv, SUB_STREAMS, sc->streams_frame, (size_t)len);
}

static void sidecar_status_tick(struct evloop *loop, int fd, uint32_t events,
				void *arg)
{
	struct sidecar *sc = arg;
	uint64_t now = ev_now_ns();
	int len;

	(void)loop;
	(void)fd;
	(void)events;
	streams_expire(sc->streams, now);
	len = sidecar_status_encode(sc->frame, sizeof(sc->frame), sc);
	if (len < 0) {
		log_err("cannot encode the status frame: %s", strerror(-len));
	} else {
		server_broadcast(sc->srv, SUB_STATUS, sc->frame, (size_t)len);
	}
	sidecar_streams_publish(sc, now);
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
	struct counters c;

	sidecar_counters(sc, &c);
	log_notice(
		"counters: rx %llu tx %llu rxHw %llu rxSw %llu missingHw %llu "
		"malformed %llu truncated %llu filtered %llu kernelDrops %llu "
		"txTimeouts %llu clientDrops %llu clientsRefused %llu "
		"framesOut %llu unstamped %llu rejected %llu clients %u",
		(unsigned long long)c.rx, (unsigned long long)c.tx,
		(unsigned long long)c.rx_hw, (unsigned long long)c.rx_sw,
		(unsigned long long)c.missing_hw,
		(unsigned long long)c.malformed,
		(unsigned long long)c.truncated, (unsigned long long)c.filtered,
		(unsigned long long)c.kernel_drops,
		(unsigned long long)c.tx_timeouts,
		(unsigned long long)c.client_drops,
		(unsigned long long)c.clients_refused,
		(unsigned long long)c.frames_out,
		(unsigned long long)c.unstamped, (unsigned long long)c.rejected,
		sc->srv ? server_clients(sc->srv) : 0);
}

static void sidecar_signal(struct evloop *loop, int signo, void *arg)
{
	struct sidecar *sc = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_notice("%s: stopping", strsignal(signo));
		sidecar_notify(sc, "STOPPING=1");
		ev_stop(loop);
		break;
	case SIGHUP:
		log_notice("SIGHUP: re-probing %s", sc->cfg->iface);
		iface_reprobe(sc->ifc, true);
		break;
	case SIGUSR1:
		sidecar_log_counters(sc);
		break;
	}
}

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

static int sidecar_open_capture(struct sidecar *sc)
{
	const struct config *cfg = sc->cfg;
	const struct iface_state *st = iface_state(sc->ifc);
	const struct capture_config cc = {
		.ifname = cfg->iface,
		.ifindex = st->ifindex,
		.hw = cfg->ts != TS_SOFTWARE,
		.rcvbuf = cfg->rcvbuf,
	};
	const char *why = "";
	bool forced;
	int r, got;

	r = capture_open(&sc->cap, &cc, &why);
	if (r == -EPERM || r == -EACCES) {
		return sidecar_refuse(EX_NOPERM,
				      "%s: %s: %s (a packet socket needs "
				      "CAP_NET_RAW)",
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
	/* The kernel reports twice what was set (socket(7)). */
	got = capture_rcvbuf(sc->cap, &forced) / 2;
	if (got < cfg->rcvbuf) {
		log_warning("receive buffer is %d bytes, not the %d asked for "
			    "(SO_RCVBUFFORCE needs CAP_NET_ADMIN; see "
			    "net.core.rmem_max)",
			    got, cfg->rcvbuf);
	}
	return EX_OK;
}

static int sidecar_open_server(struct sidecar *sc, gid_t group)
{
	const struct config *cfg = sc->cfg;
	const struct server_config scfg = {
		.path = cfg->socket_path,
		.mode = cfg->socket_mode,
		.gid = group,
		.max_clients = cfg->max_clients,
		.client_buffer = cfg->client_buffer,
	};
	const char *why = "";
	int r;

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
	return EX_OK;
}

/* Before privs_drop: the socket is connected as root, so sending on it
 * later needs no access to ptp4l's 0660 root:root path. */
static int sidecar_open_ptp4l(struct sidecar *sc)
{
	const struct config *cfg = sc->cfg;
	const struct iface_state *st = sc->ifc ? iface_state(sc->ifc) : NULL;
	const struct ptp4l_config pc = {
		.path = cfg->ptp4l_uds,
		.asked = cfg->uds == UDS_PATH,
		.iface = cfg->iface,
		.domain = cfg->domain >= 0 ? (uint8_t)cfg->domain : 0,
		.any_domain = cfg->domain < 0,
		.lock_threshold_ns =
			config_lock_threshold(cfg, st ? st->hw : false),
		.holdover_s = cfg->holdover_s,
		.on_sync = sidecar_sync_changed,
		.on_time_props = sidecar_time_props_changed,
		.arg = sc,
	};
	int r;

	if (cfg->uds == UDS_NONE) {
		return EX_OK;
	}
	r = ptp4l_new(&sc->ptp4l, sc->loop, &pc);
	if (r) {
		return sidecar_refuse(EX_OSERR, "ptp4l client: %s",
				      strerror(-r));
	}
	return EX_OK;
}

static int sidecar_timers(struct sidecar *sc)
{
	uint64_t wd_usec = 0;
	uint64_t iv = sc->cfg->status_interval * NSEC_PER_SEC;
	sigset_t sigs;
	int r;

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
	ev_timer_arm(sc->loop, sc->status_tfd, iv, iv);
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
	return EX_OK;
}

static int sidecar_setup(struct sidecar *sc, struct privs_user *user,
			 bool have_user, gid_t group)
{
	const struct config *cfg = sc->cfg;
	char reason[256];
	const char *why = "";
	unsigned int keep = 0;
	int code, r;

	r = iface_new(&sc->ifc, cfg);
	if (r == -ENODEV) {
		return sidecar_refuse(EX_UNAVAILABLE, "%s: no such interface",
				      cfg->iface);
	}
	if (r) {
		return sidecar_refuse(EX_OSERR,
				      "%s: cannot read link state: %s",
				      cfg->iface, strerror(-r));
	}
	r = iface_hw_apply(sc->ifc, reason, sizeof(reason));
	if (r == -EPERM) {
		return sidecar_refuse(EX_NOPERM, "%s: %s (needs CAP_NET_ADMIN)",
				      cfg->iface, reason);
	}
	if (r) {
		return sidecar_refuse(
			EX_UNAVAILABLE, "%s: --timestamping %s cannot run: %s",
			cfg->iface, config_ts_mode_name(cfg->ts), reason);
	}
	if (cfg->ts == TS_AUTO && !iface_state(sc->ifc)->hw) {
		log_notice("%s: auto mode runs on software stamps: %s",
			   cfg->iface, reason);
	}

	r = ev_new(&sc->loop);
	if (r) {
		return sidecar_refuse(EX_OSERR, "epoll: %s", strerror(-r));
	}
	code = sidecar_open_capture(sc);
	code = code ?: sidecar_open_server(sc, group);
	if (code) {
		return code;
	}
	if (cfg->delay_req) {
		const struct active_config ac = {
			.iface = cfg->iface,
			.ifindex = iface_state(sc->ifc)->ifindex,
			.domain = cfg->domain,
			.tx_policy = cfg->delay_req_tx,
			/* SPEC §2's default --ptp4l-uds: until its answers
			 * are read (issue 11), its existence alone counts
			 * as a ptp4l that may share the TX stamp slot */
			.ptp4l_uds = access(SIDECAR_PTP4L_UDS, F_OK) == 0,
			.srv = sc->srv,
		};

		/* before privs_drop: the L2 Delay_Req socket is a packet
		 * socket (CAP_NET_RAW), made once and kept */
		r = active_new(&sc->act, sc->loop, &ac, &why);
		if (r == -EPERM || r == -EACCES) {
			return sidecar_refuse(EX_NOPERM,
					      "active slave: %s: %s (a packet "
					      "socket needs CAP_NET_RAW)",
					      why, strerror(-r));
		}
		if (r) {
			return sidecar_refuse(EX_OSERR, "active slave: %s: %s",
					      why, strerror(-r));
		}
	}
	r = streams_new(&sc->streams, STREAMS_CAP_DEFAULT);
	if (!r) {
		sc->streams_frame = malloc(streams_frame_max(sc->streams));
		r = sc->streams_frame ? 0 : -ENOMEM;
	}
	if (r) {
		return sidecar_refuse(EX_OSERR, "stream table: %s",
				      strerror(-r));
	}
	{
		const struct rxpath_config rc = {
			.iface = cfg->iface,
			.cap = sc->cap,
			.srv = sc->srv,
			.act = sc->act,
			.streams = sc->streams,
		};

		r = rxpath_init(&sc->rp, sc->loop, &rc);
		if (r) {
			return sidecar_refuse(EX_OSERR, "packet path: %s",
					      strerror(-r));
		}
	}
	ev_on_turn(sc->loop, sidecar_turn, sc);
	r = iface_watch(sc->ifc, sc->loop, sc->cap, sc->rp, sc->act,
			sidecar_iface_changed, sc, &why);
	if (r) {
		return sidecar_refuse(EX_OSERR, "%s: %s", why, strerror(-r));
	}
	code = sidecar_timers(sc);
	code = code ?: sidecar_open_ptp4l(sc);
	if (code) {
		return code;
	}

	/* SPEC §7: nothing at run time needs a capability but re-arming
	 * SIOCSHWTSTAMP after a NIC reset (hardware modes with ensure). The
	 * capture socket and the Delay_Req sockets are open; re-binding the
	 * one and re-targeting the others need none. */
	if (cfg->ts != TS_SOFTWARE && cfg->hwts == HWTS_ENSURE) {
		keep |= PRIVS_KEEP_NET_ADMIN;
	}
	r = privs_drop(have_user ? user : NULL, keep, &sc->kept_caps, &why);
	if (r) {
		return sidecar_refuse(r == -EPERM ? EX_NOPERM : EX_OSERR,
				      "dropping privileges: %s: %s", why,
				      strerror(-r));
	}
	log_info("capabilities kept:%s", sc->kept_caps & PRIVS_KEEP_NET_ADMIN
						 ? " cap_net_admin"
						 : " none");
	return EX_OK;
}

static void sidecar_teardown(struct sidecar *sc)
{
	/* in the reverse order of setup */
	ptp4l_free(sc->ptp4l);
	rxpath_fini(sc->rp);
	free(sc->streams_frame);
	streams_free(sc->streams);
	active_free(sc->act);
	iface_free(sc->ifc);
	if (sc->srv) {
		server_close(sc->srv);
	}
	capture_close(sc->cap);
	if (sc->loop) {
		if (sc->status_tfd >= 0) {
			ev_timer_free(sc->loop, sc->status_tfd);
		}
		if (sc->watchdog_tfd >= 0) {
			ev_timer_free(sc->loop, sc->watchdog_tfd);
		}
		ev_free(sc->loop);
	}
}

int sidecar_run(const struct config *cfg)
{
	sigset_t sigs;
	struct sidecar *sc;
	struct privs_user user;
	bool have_user = false;
	gid_t group = (gid_t)-1;
	int code, r;

	if (!cfg->iface) {
		/* issue 11 builds it; until then a clear refusal */
		log_err("--phc %s without --interface: PHC-only mode is not "
			"built yet",
			cfg->phc_path);
		return EX_UNAVAILABLE;
	}
	if (cfg->user) {
		r = privs_lookup_user(cfg->user, &user);
		if (r == -ENOENT) {
			log_err("--user %s: no such user", cfg->user);
			return EX_NOUSER;
		}
		if (r) {
			log_err("--user %s: cannot look the user up: %s",
				cfg->user, strerror(-r));
			return EX_OSERR;
		}
		if (geteuid() != 0 && user.uid != geteuid()) {
			log_err("--user %s: switching user needs root "
				"(CAP_SETUID and CAP_SETGID)",
				cfg->user);
			return EX_NOPERM;
		}
		have_user = true;
	}
	if (cfg->socket_group) {
		r = privs_lookup_group(cfg->socket_group, &group);
		if (r == -ENOENT) {
			log_err("--socket-group %s: no such group",
				cfg->socket_group);
			return EX_NOUSER;
		}
		if (r) {
			log_err("--socket-group %s: cannot look the group up: "
				"%s",
				cfg->socket_group, strerror(-r));
			return EX_OSERR;
		}
	}

	/* Block the loop's signals before anything can be seen from outside
	 * (the client socket accepts connections before the signalfd
	 * exists): a SIGTERM during setup waits for the loop and ends in a
	 * clean stop instead of the default action. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		log_err("out of memory");
		return EX_OSERR;
	}
	sc->cfg = cfg;
	sc->status_tfd = -1;
	sc->watchdog_tfd = -1;
	sc->start_ns = ev_now_ns();

	code = sidecar_setup(sc, &user, have_user, group);
	if (code == EX_OK) {
		const struct iface_state *st = iface_state(sc->ifc);
		char ready[320];

		sidecar_notify_status(sc);
		snprintf(ready, sizeof(ready), "READY=1\nSTATUS=%s",
			 sc->status_text);
		sidecar_notify(sc, ready);
		log_notice("ready: %s, %s stamps, %s%s", cfg->iface,
			   st->hw ? "hardware" : "software",
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
	sidecar_teardown(sc);
	free(sc);
	return code;
}
