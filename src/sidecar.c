// SPDX-License-Identifier: MIT
/*
 * The daemon's top: it opens the modules in order, wires them downward
 * (iface -> capture, rxpath, active; rxpath -> server), and owns what
 * belongs to no packet: timers, signals, systemd notification, the status
 * frame and privileges. No packet passes through here.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "active.h"
#include "capture.h"
#include "clock.h"
#include "frame.h"
#include "hwts.h"
#include "iface.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "ptp4l.h"
#include "request.h"
#include "rxpath.h"
#include "server.h"
#include "sidecar.h"
#include "streams.h"

#define NSEC_PER_SEC 1000000000ULL

struct sidecar {
	const struct config *cfg;
	struct evloop *loop;
	struct iface *ifc;
	struct capture *cap;
	struct server *srv;
	struct rxpath *rp;
	struct active *act;
	struct streams *streams;
	struct clock *clock;		      /* NULL: no PHC read */
	struct ptp4l *ptp4l;		      /* NULL: --ptp4l-uds none */
	char *streams_frame;		      /* streams_frame_max() bytes */
	struct metrics_writer *metrics;	      /* --metrics-file, else NULL */
	char metrics_gm[PTP_CLOCK_ID_STRLEN]; /* the snapshot's gm label */
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

/* The status frame from one snapshot of the counters and uptime, which
 * the metrics file of the same tick shares. PHC-only mode: no interface,
 * the clock's index as phc. */
static int sidecar_status_frame(struct sidecar *sc, const struct counters *c,
				uint64_t uptime_s, char *buf, size_t size)
{
	struct frame_status fs = {
		.phc_only = !sc->ifc,
		.phc = -1,
		.clients = sc->srv ? server_clients(sc->srv) : 0,
		.uptime_s = uptime_s,
		.version = TBLK_VERSION,
		.counters = c,
		.sync = sc->ptp4l ? ptp4l_view(sc->ptp4l) : NULL,
		.sync_reason = "--ptp4l-uds none",
	};

	if (sc->ifc) {
		const struct iface_state *st = iface_state(sc->ifc);

		fs.iface = sc->cfg->iface;
		fs.ifindex = st->ifindex;
		fs.link_up = st->link_up;
		fs.hw = st->hw;
		fs.phc = st->phc;
		fs.hwts_filter = st->hwts_filter >= 0
					 ? hwts_rx_filter_name(st->hwts_filter)
					 : NULL;
		fs.delay_req_tx = sc->act ? active_tx_kind(sc->act) : NULL;
		fs.streams = sc->streams ? streams_count(sc->streams) : 0;
	} else if (sc->clock) {
		fs.phc = clock_view(sc->clock)->index;
	}
	return frame_encode_status(&fs, buf, size);
}

static int sidecar_status_encode(char *buf, size_t size, void *arg)
{
	struct sidecar *sc = arg;
	struct counters c;

	sidecar_counters(sc, &c);
	return sidecar_status_frame(sc, &c, sidecar_uptime_s(sc), buf, size);
}

/* The metrics file's figures, from the status tick's own snapshot. */
static void sidecar_metrics_snapshot(struct sidecar *sc,
				     const struct counters *c,
				     uint64_t uptime_s,
				     struct metrics_snapshot *m)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	*m = (struct metrics_snapshot){
		.iface = sc->cfg->iface,
		.version = TBLK_VERSION,
		.time_ns = (int64_t)now.tv_sec * (int64_t)NSEC_PER_SEC +
			   now.tv_nsec,
		.uptime_s = uptime_s,
		.clients = sc->srv ? server_clients(sc->srv) : 0,
		.counters = c,
		.streams = sc->streams,
	};
	if (sc->ptp4l) {
		const struct ptp4l_view *v = ptp4l_view(sc->ptp4l);

		/* as the status frame: figures only while the state is known */
		m->sync_state = syncstate_name(v->state);
		if (v->state != SYNC_UNKNOWN) {
			const struct ptp_time_prop_ds *tp = &v->time_props;

			m->port_state =
				v->have_port
					? ptp_port_state_name(v->port_state)
					: NULL;
			if (v->have_gm) {
				ptp_clock_id_str(v->gm, sc->metrics_gm);
				m->gm = sc->metrics_gm;
			}
			m->has_offset = m->has_mean_path_delay =
				m->has_steps_removed = v->have_current;
			m->offset_ns = v->offset_ns;
			m->mean_path_delay_ns = v->mean_path_delay_ns;
			m->steps_removed = v->steps_removed;
			m->has_clock_class = v->have_parent;
			m->clock_class = v->clock_class;
			m->has_utc_offset = m->has_time_flags =
				v->have_time_props;
			m->utc_offset_s = tp->current_utc_offset;
			m->utc_offset_valid = tp->utc_offset_valid;
			m->ptp_timescale = tp->ptp_timescale;
			m->time_traceable = tp->time_traceable;
		}
	}
	if (sc->clock) {
		const struct clock_view *v = clock_view(sc->clock);

		m->phc_device = v->device;
		m->clock_name = v->clock_name[0] ? v->clock_name : NULL;
		m->phc_method = phc_method_name(v->method);
		m->timescale = v->timescale;
		m->has_reading = v->have_reading;
		m->phc_offset_ns = v->last.offset_ns;
		m->uncertainty_ns = v->last.uncertainty_ns;
		m->window_ns = v->last.window_ns;
		m->reading_age_ns = ev_now_ns() - v->last_mono_ns;
		m->has_drift = v->drift_known;
		m->drift_ppb = (double)v->drift_ppb;
		m->has_error_bound = v->error_bound_known;
		m->error_bound_ns = v->error_bound_ns;
		m->has_readings = true;
		m->readings = v->readings;
		m->readings_discarded = v->discarded;
	}
	if (sc->ifc) {
		const struct iface_state *st = iface_state(sc->ifc);

		m->has_link = true;
		m->link_up = st->link_up;
		m->has_stamping = true;
		m->hw = st->hw;
	}
}

/* PHC-only STATUS=: the PHC and its last reading. */
static void sidecar_status_text_phc(struct sidecar *sc, const char *sync,
				    char *text, size_t size)
{
	const struct clock_view *v = clock_view(sc->clock);

	if (!v->have_reading) {
		snprintf(text, size,
			 "PHC %s (%s): no reading yet; %s; %u clients",
			 v->device, v->clock_name[0] ? v->clock_name : "?",
			 sync, server_clients(sc->srv));
		return;
	}
	snprintf(text, size,
		 "PHC %s (%s): offset %" PRId64 " ns +-%" PRId64
		 " (%s), timescale %s; %s; %u clients",
		 v->device, v->clock_name[0] ? v->clock_name : "?",
		 v->last.offset_ns, v->last.uncertainty_ns,
		 phc_method_name(v->method), v->timescale, sync,
		 server_clients(sc->srv));
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
	const struct iface_state *st;
	char text[sizeof(sc->status_text)];
	char sync[64];
	struct counters c;

	sidecar_sync_text(sc, sync, sizeof(sync));
	if (!sc->ifc) {
		sidecar_status_text_phc(sc, sync, text, sizeof(text));
		goto send;
	}
	st = iface_state(sc->ifc);
	sidecar_counters(sc, &c);
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
send:
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

/*
 * What ptp4l says, handed down: to the clock, its time properties as the
 * PHC's timescale — only when the PHC read is the one ptp4l keeps (its
 * port is on our interface, whose PHC we read) and ptp4l has it in step
 * (locked, in holdover, or the grandmaster itself); in PHC-only mode the
 * PHC behind ptp4l's port is unknown, so never. To the active slave,
 * whether a ptp4l port shares the interface's TX stamp slot (SPEC §6):
 * none when no UDS exists at the path.
 */
static void sidecar_ptp4l_hand_down(struct sidecar *sc)
{
	const struct ptp4l_view *v = sc->ptp4l ? ptp4l_view(sc->ptp4l) : NULL;
	struct clock_time_props tp = {0};
	enum active_ptp4l ap = ACTIVE_PTP4L_NONE;

	if (v && sc->ifc && v->have_time_props &&
	    v->on_iface == PTP4L_PORT_YES &&
	    (v->state == SYNC_LOCKED || v->state == SYNC_HOLDOVER ||
	     v->state == SYNC_MASTER) &&
	    sc->clock &&
	    clock_view(sc->clock)->index == iface_state(sc->ifc)->phc) {
		tp = (struct clock_time_props){
			.known = true,
			.ptp_timescale = v->time_props.ptp_timescale,
			.utc_offset = v->time_props.current_utc_offset,
			.utc_offset_valid = v->time_props.utc_offset_valid,
			.leap61 = v->time_props.leap61,
			.leap59 = v->time_props.leap59,
		};
	}
	clock_set_time_props(sc->clock, &tp);
	if (!sc->act) {
		return;
	}
	if (v && v->on_iface == PTP4L_PORT_YES) {
		ap = ACTIVE_PTP4L_PORT;
	} else if (v && v->on_iface == PTP4L_PORT_NO) {
		ap = ACTIVE_PTP4L_NO_PORT;
	} else if (v && access(sc->cfg->ptp4l_uds, F_OK) == 0) {
		/* a socket there, not (yet) answering about our port */
		ap = ACTIVE_PTP4L_UNKNOWN;
	}
	active_set_ptp4l(sc->act, ap);
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
	sidecar_ptp4l_hand_down(sc);
	sidecar_notify_status(sc);
}

/* TIME_PROPERTIES_DATA_SET changed: the timescale's source. */
static void sidecar_time_props_changed(void *arg, const struct ptp4l_view *v)
{
	log_info("ptp4l time properties: currentUtcOffset %d valid %d "
		 "ptpTimescale %d leap61 %d leap59 %d",
		 v->time_props.current_utc_offset,
		 v->time_props.utc_offset_valid, v->time_props.ptp_timescale,
		 v->time_props.leap61, v->time_props.leap59);
	sidecar_ptp4l_hand_down(arg);
}

/* ---- timers and signals ----------------------------------------------- */

/* The streams frame, after the table's housekeeping (silence, FOLLOW_UP
 * windows), so a silent stream is published once as such. */
static void sidecar_streams_publish(struct sidecar *sc, uint64_t now)
{
	struct streams_own own;
	int len;

	/* ~1.8 KB per stream: only for someone who reads it */
	if (!server_wants(sc->srv, SUB_STREAMS)) {
		return;
	}
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
	uint64_t now = ev_now_ns(), uptime_s = sidecar_uptime_s(sc);
	struct counters c;
	int len;

	(void)loop;
	(void)fd;
	(void)events;
	if (sc->streams) {
		streams_expire(sc->streams, now);
	}
	/* PORT_PROPERTIES_NP answers change on_iface without a callback */
	sidecar_ptp4l_hand_down(sc);
	/* one snapshot for the status frame and the metrics file: what a
	 * subscriber read and what the file says agree for the tick */
	sidecar_counters(sc, &c);
	len = sidecar_status_frame(sc, &c, uptime_s, sc->frame,
				   sizeof(sc->frame));
	if (len < 0) {
		log_err("cannot encode the status frame: %s", strerror(-len));
	} else {
		server_broadcast(sc->srv, SUB_STATUS, sc->frame, (size_t)len);
	}
	if (sc->streams) {
		sidecar_streams_publish(sc, now);
	}
	if (sc->metrics) {
		struct metrics_snapshot m;

		sidecar_metrics_snapshot(sc, &c, uptime_s, &m);
		/* a failure is logged by the writer and tried next tick */
		metrics_writer_write(sc->metrics, &m, now);
	}
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
		if (!sc->ifc) {
			break; /* PHC-only: no interface to re-probe */
		}
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

/*
 * The PHC of clock frames (SPEC §11), opened before the privilege drop:
 * --phc PATH must open (a refusal otherwise), the interface's own under
 * auto may fail (the daemon then runs without clock frames).
 */
static int sidecar_open_clock(struct sidecar *sc)
{
	const struct config *cfg = sc->cfg;
	char path[32];
	struct clock_config cc = {
		.interval_s = cfg->clock_interval,
		.srv = sc->srv,
	};
	const char *why = "";
	int r;

	if (cfg->phc == PHC_NONE) {
		return EX_OK;
	}
	if (cfg->phc == PHC_PATH) {
		cc.path = cfg->phc_path;
	} else {
		const struct iface_state *st = iface_state(sc->ifc);

		if (!st->hw || st->phc < 0) {
			log_info("%s: no PHC to read (%s): no clock frames",
				 cfg->iface,
				 st->hw ? "the NIC names none"
					: "software stamps in force");
			return EX_OK;
		}
		snprintf(path, sizeof(path), "/dev/ptp%d", st->phc);
		cc.path = path;
	}
	r = clock_new(&sc->clock, sc->loop, &cc, &why);
	if (!r) {
		return EX_OK;
	}
	if (cfg->phc == PHC_AUTO) {
		log_warning("%s: PHC %s: %s: %s: running without clock frames",
			    cfg->iface, cc.path, why, strerror(-r));
		return EX_OK;
	}
	if (r == -EACCES || r == -EPERM) {
		return sidecar_refuse(EX_NOPERM,
				      "--phc %s: %s: %s (reading a PHC needs "
				      "read access to the device)",
				      cc.path, why, strerror(-r));
	}
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EOPNOTSUPP ||
	    r == -ENOTTY) {
		return sidecar_refuse(EX_UNAVAILABLE, "--phc %s: %s: %s",
				      cc.path, why, strerror(-r));
	}
	return sidecar_refuse(EX_OSERR, "--phc %s: %s: %s", cc.path, why,
			      strerror(-r));
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
			/* PHC-only: a ptp4l there stamps with that PHC */
		config_lock_threshold(cfg, st ? st->hw : true),
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

/*
 * --metrics-file: the first file is written here, after the privilege
 * drop and before READY=1, as the user the daemon runs as from now on: a
 * directory it cannot write is refused at start (EX_CANTCREAT), not found
 * out later. Later failures are only logged (metrics_writer_write).
 */
static int sidecar_open_metrics(struct sidecar *sc)
{
	const char *path = sc->cfg->metrics_file;
	struct metrics_snapshot m;
	struct counters c;
	const char *what = "format";
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!path) {
		return EX_OK;
	}
	r = metrics_writer_new(&sc->metrics, path);
	if (r == -ENAMETOOLONG) {
		return sidecar_refuse(EX_USAGE,
				      "--metrics-file %s: name too long", path);
	}
	if (r) {
		return sidecar_refuse(EX_OSERR, "--metrics-file: %s",
				      strerror(-r));
	}
	sidecar_counters(sc, &c);
	sidecar_metrics_snapshot(sc, &c, sidecar_uptime_s(sc), &m);
	r = metrics_format(&m, &text, &len);
	if (!r) {
		r = metrics_write_file(path, text, len, &what);
	}
	free(text);
	if (r == -ENOMEM) {
		return sidecar_refuse(EX_OSERR, "--metrics-file %s: %s", path,
				      strerror(-r));
	}
	if (r) {
		return sidecar_refuse(
			EX_CANTCREAT,
			"--metrics-file %s: %s %s.tmp as uid %u: %s (its "
			"directory must be writable after the privilege drop; "
			"under systemd: ReadWritePaths=)",
			path, what, path, (unsigned int)geteuid(),
			strerror(-r));
	}
	log_info("metrics file %s written every %u s", path,
		 sc->cfg->status_interval);
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
	code = code ?: sidecar_open_clock(sc);
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
			/* until the ptp4l client answers (hand-down) */
			.ptp4l = cfg->uds != UDS_NONE && access(cfg->ptp4l_uds,
								F_OK) == 0
					 ? ACTIVE_PTP4L_UNKNOWN
					 : ACTIVE_PTP4L_NONE,
			.srv = sc->srv,
			.clock = sc->clock,
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
			.clock = sc->clock,
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
	return sidecar_open_metrics(sc);
}

/* PHC-only mode (SPEC §11): the loop, the client socket, the clock and
 * the timers; no interface, capture or packet path, so no capability is
 * needed and none is kept. */
static int sidecar_setup_phc(struct sidecar *sc, struct privs_user *user,
			     bool have_user, gid_t group)
{
	const char *why = "";
	int code, r;

	r = ev_new(&sc->loop);
	if (r) {
		return sidecar_refuse(EX_OSERR, "epoll: %s", strerror(-r));
	}
	code = sidecar_open_server(sc, group);
	code = code ?: sidecar_open_clock(sc);
	if (code) {
		return code;
	}
	ev_on_turn(sc->loop, sidecar_turn, sc);
	code = sidecar_timers(sc);
	code = code ?: sidecar_open_ptp4l(sc);
	if (code) {
		return code;
	}
	r = privs_drop(have_user ? user : NULL, 0, &sc->kept_caps, &why);
	if (r) {
		return sidecar_refuse(r == -EPERM ? EX_NOPERM : EX_OSERR,
				      "dropping privileges: %s: %s", why,
				      strerror(-r));
	}
	log_info("capabilities kept: none");
	return sidecar_open_metrics(sc);
}

static void sidecar_teardown(struct sidecar *sc)
{
	/* in the reverse order of setup; the metrics file stays (its
	 * tblk_ptp_metrics_timestamp_seconds shows it is stale) */
	metrics_writer_free(sc->metrics);
	ptp4l_free(sc->ptp4l);
	rxpath_fini(sc->rp);
	free(sc->streams_frame);
	streams_free(sc->streams);
	active_free(sc->act);
	clock_free(sc->clock);
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

	if (config_phc_only(cfg)) {
		code = sidecar_setup_phc(sc, &user, have_user, group);
	} else {
		code = sidecar_setup(sc, &user, have_user, group);
	}
	if (code == EX_OK) {
		char ready[320];

		sidecar_notify_status(sc);
		snprintf(ready, sizeof(ready), "READY=1\nSTATUS=%s",
			 sc->status_text);
		sidecar_notify(sc, ready);
		const char *where = server_activated(sc->srv)
					    ? "socket from systemd"
					    : cfg->socket_path;

		if (sc->ifc) {
			log_notice("ready: %s, %s stamps, %s", cfg->iface,
				   iface_state(sc->ifc)->hw ? "hardware"
							    : "software",
				   where);
		} else {
			log_notice("ready: PHC-only %s, %s", cfg->phc_path,
				   where);
		}
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
