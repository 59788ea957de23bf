// SPDX-License-Identifier: MIT
/*
 * The ptp4l UDS client, see ptp4l.h.
 *
 * Which replies are ours (as linuxptp's pmc and phc2sys decide, plus the
 * sequenceId): a MANAGEMENT RESPONSE whose targetPortIdentity is our own
 * portIdentity; from ptp4l's clockIdentity once the first reply taught it
 * (phc2sys's check_clock_identity; forgotten at each reconnect); with
 * boundaryHops 0 the sequenceId of our last request of that managementId
 * (ptp4l copies it), or, for a port-state push of our subscription,
 * startingBoundaryHops and boundaryHops 1 (ptp4l sends its notifications
 * so, with a sequenceId of its own). Anything else is dropped at debug.
 */
#include "ptp4l.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define NSEC_PER_SEC	  1000000000ULL
#define PTP4L_SILENCE_NS  (3 * NSEC_PER_SEC) /* SPEC §11: then unknown */
#define PTP4L_SLOW_TICKS  10		     /* PARENT, TIME_PROPERTIES */
#define PTP4L_SUB_S	  60		     /* subscription duration */
#define PTP4L_SUB_RENEW_S 30		     /* renewed at half of it */
#define PTP4L_MAX_PORTS	  16
#define PTP4L_BUF	  1500
/* Our portNumber: not ptp4l's (1..), not the active slave's (32767) */
#define PTP4L_PORT_NUMBER 0x7ffe
/* --domain any: the next domainNumber after this long without an answer */
#define PTP4L_DOMAIN_TRY_NS (2 * NSEC_PER_SEC)

enum ptp4l_req {
	REQ_PORT_DS,
	REQ_TIME_STATUS,
	REQ_CURRENT_DS,
	REQ_PARENT_DS,
	REQ_TIME_PROPS,
	REQ_PORT_PROPS,
	REQ_SUBSCRIBE,
	REQ_COUNT,
};

static const uint16_t ptp4l_req_id[REQ_COUNT] = {
	[REQ_PORT_DS] = PTP_MID_PORT_DATA_SET,
	[REQ_TIME_STATUS] = PTP_MID_TIME_STATUS_NP,
	[REQ_CURRENT_DS] = PTP_MID_CURRENT_DATA_SET,
	[REQ_PARENT_DS] = PTP_MID_PARENT_DATA_SET,
	[REQ_TIME_PROPS] = PTP_MID_TIME_PROPERTIES_DATA_SET,
	[REQ_PORT_PROPS] = PTP_MID_PORT_PROPERTIES_NP,
	[REQ_SUBSCRIBE] = PTP_MID_SUBSCRIBE_EVENTS_NP,
};

struct ptp4l_port {
	uint16_t number;
	uint8_t state;
	int8_t log_sync_interval;
	bool have_props;
	bool on_iface;
	bool realtime; /* software stamping: ptp4l's clock is CLOCK_REALTIME */
};

struct ptp4l {
	struct ptp4l_config cfg;
	struct evloop *loop;
	int fd;
	int tfd;
	ino_t ino; /* of the path at connect: a new one is a new ptp4l */
	dev_t dev;
	unsigned int binds;
	struct ptp_port_id self;
	uint16_t seq;
	uint8_t domain;		  /* of the requests now */
	uint64_t domain_since_ns; /* when it was last changed */
	bool sent[REQ_COUNT];
	uint16_t last_seq[REQ_COUNT];
	uint64_t connected_ns;
	uint64_t last_answer_ns; /* 0: none since connect */
	uint64_t sub_ns;	 /* when the subscription was last set */
	unsigned int ticks;
	int said_err; /* the connect error last logged, 0 after success */
	bool have_clock_id;
	uint8_t clock_id[PTP_CLOCK_ID_LEN];
	struct ptp4l_port ports[PTP4L_MAX_PORTS];
	unsigned int nports;
	bool props_asked; /* a PORT_PROPERTIES_NP round was answered */
	/* TIME_STATUS_NP */
	bool have_ts;
	bool gm_present;
	int64_t ingress;
	uint64_t ingress_seen_ns; /* when ingress_time last changed */
	bool ingress_changed;
	uint64_t sync_age_ns; /* of the last Sync, at the last reading */
	struct syncstate ss;
	struct ptp4l_view view;
	char reason[192];
	char why_down[160];
};

static int64_t ptp4l_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- the socket -------------------------------------------------------- */

/* A datagram socket bound to an abstract name of our own (ptp4l answers
 * only a bound client; an abstract name needs no directory and vanishes
 * with the socket) and connected to @path. */
static int ptp4l_socket(const char *path, unsigned int n, int *fdp)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	r = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		     PTP4L_CLIENT_PREFIX "/%ld/%u", (long)getpid(), n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  (size_t)r);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	memset(sa.sun_path, 0, sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

static int ptp4l_send(int fd, const struct ptp_port_id *self, uint16_t seq,
		      uint8_t domain, uint16_t id, bool subscribe)
{
	uint8_t data[PTP_MGMT_SUBSCRIBE_LEN];
	uint8_t buf[128];
	struct ptp_mgmt_req req = {
		.src = *self,
		.seq_id = seq,
		.domain = domain,
		.action = PTP_MGMT_GET,
		.id = id,
	};
	int n;

	if (subscribe) {
		struct ptp_subscribe s = {.duration = PTP4L_SUB_S};

		s.bitmask[PTP_MGMT_EVENT_PORT_STATE / 8] =
			1 << (PTP_MGMT_EVENT_PORT_STATE % 8);
		ptp_mgmt_put_subscribe(&s, data);
		req.action = PTP_MGMT_SET;
		req.data = data;
		req.data_len = sizeof(data);
	}
	n = ptp_mgmt_build(&req, buf, sizeof(buf));
	if (n < 0) {
		return n;
	}
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
		return -errno;
	}
	return 0;
}

/* ---- state ------------------------------------------------------------ */

static struct ptp4l_port *ptp4l_port_get(struct ptp4l *p, uint16_t number)
{
	unsigned int i;

	for (i = 0; i < p->nports; i++) {
		if (p->ports[i].number == number) {
			return &p->ports[i];
		}
	}
	if (p->nports == PTP4L_MAX_PORTS) {
		return NULL;
	}
	p->ports[p->nports] = (struct ptp4l_port){.number = number};
	return &p->ports[p->nports++];
}

/* The port to follow: with an interface, the one PORT_PROPERTIES_NP puts
 * on it; without (PHC-only), the only port, else the SLAVE one. */
static struct ptp4l_port *ptp4l_followed(struct ptp4l *p)
{
	struct ptp4l_port *slave = NULL;
	unsigned int i;

	if (p->cfg.iface) {
		for (i = 0; i < p->nports; i++) {
			if (p->ports[i].have_props && p->ports[i].on_iface) {
				return &p->ports[i];
			}
		}
		return NULL;
	}
	if (p->nports == 1) {
		return &p->ports[0];
	}
	for (i = 0; i < p->nports; i++) {
		if (p->ports[i].state == PTP_PS_SLAVE) {
			if (slave) {
				return NULL; /* two slaves: neither */
			}
			slave = &p->ports[i];
		}
	}
	return slave;
}

static void ptp4l_forget(struct ptp4l *p)
{
	p->have_clock_id = false;
	p->nports = 0;
	p->props_asked = false;
	p->have_ts = false;
	p->ingress_changed = false;
	p->last_answer_ns = 0;
	p->sub_ns = 0;
	memset(p->sent, 0, sizeof(p->sent));
	p->view.on_iface = PTP4L_PORT_UNKNOWN;
	p->view.have_port = false;
	p->view.have_gm = false;
	p->view.have_current = false;
	p->view.have_parent = false;
	p->view.have_time_props = false;
}

/* One line for the sync frame and status: the first condition of locked
 * that fails, or why it holds. */
static void ptp4l_reason(struct ptp4l *p, const struct sync_input *in,
			 const struct ptp4l_port *port, int64_t offset)
{
	char *r = p->reason;
	size_t n = sizeof(p->reason);

	if (!in->answering) {
		if (p->fd < 0) {
			snprintf(r, n, "%s", p->why_down);
		} else {
			snprintf(r, n,
				 "no answer from ptp4l at %s for 3 s "
				 "(domainNumber %u%s)",
				 p->cfg.path, p->domain,
				 p->cfg.any_domain && !p->last_answer_ns
					 ? ", trying the next"
					 : "");
		}
	} else if (p->view.state == SYNC_MASTER) {
		snprintf(r, n, "ptp4l is the grandmaster");
	} else if (!port) {
		if (p->view.on_iface == PTP4L_PORT_NO) {
			snprintf(r, n, "ptp4l has no port on %s", p->cfg.iface);
		} else {
			snprintf(r, n, "no port of ptp4l followed yet");
		}
	} else if (in->port_state != PTP_PS_SLAVE) {
		snprintf(r, n, "port %u %s", port->number,
			 ptp_port_state_name(in->port_state));
	} else if (!in->gm_present) {
		snprintf(r, n, "no grandmaster present");
	} else if (in->sync_uncertain) {
		snprintf(r, n, "synchronizationUncertain set");
	} else if (in->sync_age_ns == SYNCSTATE_AGE_UNKNOWN) {
		snprintf(r, n, "no Sync seen yet");
	} else if (in->sync_age_ns >=
		   syncstate_max_sync_age(in->log_sync_interval)) {
		snprintf(r, n, "last Sync %llu ms ago",
			 (unsigned long long)(in->sync_age_ns / 1000000));
	} else if (p->ss.good < SYNCSTATE_GOOD_READINGS) {
		snprintf(r, n,
			 "offset %lld ns: %u of %u readings under %llu ns",
			 (long long)offset, p->ss.good, SYNCSTATE_GOOD_READINGS,
			 (unsigned long long)p->ss.threshold_ns);
	} else {
		snprintf(r, n, "offset %lld ns under %llu ns for %u readings",
			 (long long)offset,
			 (unsigned long long)p->ss.threshold_ns,
			 SYNCSTATE_GOOD_READINGS);
	}
	if (p->view.state == SYNC_HOLDOVER) {
		size_t l = strlen(r);

		snprintf(r + l, n - l, " (holdover up to %u s)",
			 p->cfg.holdover_s);
	}
}

/* Re-evaluate syncState, tell on_sync of a change of syncState, gm or
 * portState. */
static void ptp4l_eval(struct ptp4l *p, uint64_t now)
{
	struct ptp4l_view *v = &p->view;
	struct ptp4l_port *port = ptp4l_followed(p);
	struct sync_input in = {
		.answering = p->fd >= 0 && p->last_answer_ns &&
			     now - p->last_answer_ns < PTP4L_SILENCE_NS,
		.sync_age_ns = SYNCSTATE_AGE_UNKNOWN,
	};
	enum sync_state was = v->state;
	bool had_port = v->have_port, had_gm = v->have_gm;
	uint8_t was_ps = v->port_state, was_gm[PTP_CLOCK_ID_LEN];

	memcpy(was_gm, v->gm, sizeof(was_gm));
	if (port) {
		in.port_state = port->state;
		in.log_sync_interval = port->log_sync_interval;
		v->have_port = true;
		v->port_number = port->number;
		v->port_state = port->state;
	} else {
		v->have_port = false;
	}
	in.gm_present = p->have_ts && p->gm_present;
	in.gm_is_self = v->have_gm && p->have_clock_id &&
			!memcmp(v->gm, p->clock_id, PTP_CLOCK_ID_LEN);
	in.sync_uncertain = v->have_time_props && v->time_props.sync_uncertain;
	if (p->have_ts) {
		in.sync_age_ns = p->sync_age_ns;
	}
	if (!in.answering) {
		v->have_port = false;
		in.port_state = 0;
	}
	v->state = syncstate_eval(&p->ss, &in, now);
	ptp4l_reason(p, &in, port, v->offset_ns);
	v->reason = p->reason;
	if (v->state != was || v->have_port != had_port ||
	    (v->have_port && v->port_state != was_ps) || v->have_gm != had_gm ||
	    (v->have_gm && memcmp(v->gm, was_gm, PTP_CLOCK_ID_LEN))) {
		v->prev_state = was;
		if (v->state != was) {
			log_notice("sync state %s -> %s: %s",
				   syncstate_name(was),
				   syncstate_name(v->state), p->reason);
		}
		v->changed_mono_ns = now;
		v->changed_real_ns = ptp4l_realtime_ns();
		if (p->cfg.on_sync) {
			p->cfg.on_sync(p->cfg.arg, v);
		}
	}
}

static void ptp4l_request(struct ptp4l *p, enum ptp4l_req rq);

static void ptp4l_disconnect(struct ptp4l *p, const char *why, int err)
{
	if (p->fd < 0) {
		return;
	}
	ev_del(p->loop, p->fd);
	close(p->fd);
	p->fd = -1;
	snprintf(p->why_down, sizeof(p->why_down), "%s: %s%s%s", p->cfg.path,
		 why, err ? ": " : "", err ? strerror(err) : "");
	log_warning("ptp4l UDS %s; reconnecting every second", p->why_down);
	ptp4l_forget(p);
	p->said_err = 0;
}

static void ptp4l_recv(struct evloop *loop, int fd, uint32_t events, void *arg);

static void ptp4l_connect(struct ptp4l *p)
{
	struct stat st;
	int r;

	r = ptp4l_socket(p->cfg.path, p->binds++, &p->fd);
	if (r) {
		p->fd = -1;
		if (r == -EACCES || r == -EPERM) {
			snprintf(p->why_down, sizeof(p->why_down),
				 "%s: %s as uid %u (ptp4l's UDS is for root; "
				 "it was not open before the privilege drop "
				 "or ptp4l restarted since)",
				 p->cfg.path, strerror(-r),
				 (unsigned int)geteuid());
		} else if (r == -ENOENT || r == -ECONNREFUSED) {
			snprintf(p->why_down, sizeof(p->why_down),
				 "%s: %s (ptp4l not running?)", p->cfg.path,
				 strerror(-r));
		} else {
			snprintf(p->why_down, sizeof(p->why_down), "%s: %s",
				 p->cfg.path, strerror(-r));
		}
		/* once per cause: retried every second */
		if (r != p->said_err) {
			p->said_err = r;
			if (p->cfg.asked || r != -ENOENT) {
				log_warning("ptp4l UDS %s", p->why_down);
			} else {
				log_info("ptp4l UDS %s", p->why_down);
			}
		}
		return;
	}
	r = ev_add(p->loop, p->fd, EPOLLIN, ptp4l_recv, p);
	if (r) {
		log_err("ptp4l UDS: epoll: %s", strerror(-r));
		close(p->fd);
		p->fd = -1;
		return;
	}
	if (stat(p->cfg.path, &st) == 0) {
		p->ino = st.st_ino;
		p->dev = st.st_dev;
	}
	p->said_err = 0;
	p->connected_ns = ev_now_ns();
	p->domain_since_ns = p->connected_ns;
	ptp4l_forget(p);
	log_info("ptp4l UDS %s: connected", p->cfg.path);
	ptp4l_request(p, REQ_SUBSCRIBE);
	ptp4l_request(p, REQ_PORT_PROPS);
	ptp4l_request(p, REQ_PARENT_DS);
	ptp4l_request(p, REQ_TIME_PROPS);
}

static void ptp4l_request(struct ptp4l *p, enum ptp4l_req rq)
{
	int r;

	if (p->fd < 0) {
		return;
	}
	r = ptp4l_send(p->fd, &p->self, p->seq, p->domain, ptp4l_req_id[rq],
		       rq == REQ_SUBSCRIBE);
	if (r == -ECONNREFUSED || r == -ENOENT || r == -ENOTCONN) {
		/* the ptp4l we connected to is gone */
		ptp4l_disconnect(p, "ptp4l went away", -r);
		return;
	}
	if (r) {
		/* EAGAIN (queue full) and the like: this request is lost
		 * and counts as unanswered */
		log_debug("ptp4l UDS: send: %s", strerror(-r));
		return;
	}
	p->sent[rq] = true;
	p->last_seq[rq] = p->seq++;
	if (rq == REQ_SUBSCRIBE) {
		p->sub_ns = ev_now_ns();
	}
}

/* ---- replies ----------------------------------------------------------- */

static void ptp4l_time_props(struct ptp4l *p, const struct ptp_mgmt *m)
{
	struct ptp_time_prop_ds tp;
	struct ptp4l_view *v = &p->view;

	if (ptp_mgmt_time_prop_ds(m, &tp)) {
		return;
	}
	if (v->have_time_props && !memcmp(&tp, &v->time_props, sizeof(tp))) {
		return;
	}
	v->time_props = tp;
	v->have_time_props = true;
	if (p->cfg.on_time_props) {
		p->cfg.on_time_props(p->cfg.arg, v);
	}
}

/*
 * The last Sync's age as of this TIME_STATUS_NP reading (the 3 s rule
 * covers readings that stop). Where ptp4l's clock is CLOCK_REALTIME
 * (software stamping, PORT_PROPERTIES_NP) ingress_time is compared with
 * it directly; on a PHC it is the age of the last change of ingress_time
 * we saw, which trails the Sync by up to one poll (1 s). ingress_time 0:
 * no Sync since the port (re)started.
 */
static uint64_t ptp4l_sync_age(struct ptp4l *p, uint64_t now)
{
	const struct ptp4l_port *port = ptp4l_followed(p);
	int64_t age;

	if (p->ingress <= 0) {
		return SYNCSTATE_AGE_UNKNOWN;
	}
	if (port && port->have_props && port->realtime) {
		age = ptp4l_realtime_ns() - p->ingress;
		return age > 0 ? (uint64_t)age : 0;
	}
	if (!p->ingress_changed) {
		return SYNCSTATE_AGE_UNKNOWN;
	}
	return now - p->ingress_seen_ns;
}

static void ptp4l_handle(struct ptp4l *p, const struct ptp_mgmt *m, bool push,
			 uint64_t now)
{
	struct ptp4l_view *v = &p->view;
	struct ptp4l_port *port;
	union {
		struct ptp_port_ds pds;
		struct ptp_port_props pp;
		struct ptp_time_status ts;
		struct ptp_current_ds cds;
		struct ptp_parent_ds par;
	} u;

	switch (m->id) {
	case PTP_MID_PORT_DATA_SET:
		if (ptp_mgmt_port_ds(m, &u.pds)) {
			break;
		}
		port = ptp4l_port_get(p, u.pds.port_id.port);
		if (port) {
			port->state = u.pds.port_state;
			port->log_sync_interval = u.pds.log_sync_interval;
		}
		if (push) {
			/* a new state may come with a new parent */
			ptp4l_request(p, REQ_PARENT_DS);
			ptp4l_request(p, REQ_TIME_STATUS);
		}
		break;
	case PTP_MID_PORT_PROPERTIES_NP:
		if (ptp_mgmt_port_props(m, &u.pp)) {
			break;
		}
		port = ptp4l_port_get(p, u.pp.port_id.port);
		if (port) {
			port->have_props = true;
			port->state = u.pp.port_state;
			port->on_iface = p->cfg.iface &&
					 !strcmp(u.pp.iface, p->cfg.iface);
			port->realtime = u.pp.timestamping == 0;
		}
		p->props_asked = true;
		if (!p->cfg.iface) {
			v->on_iface = PTP4L_PORT_UNKNOWN;
		} else if (port && port->on_iface) {
			v->on_iface = PTP4L_PORT_YES;
		} else if (v->on_iface != PTP4L_PORT_YES) {
			v->on_iface = PTP4L_PORT_NO;
		}
		break;
	case PTP_MID_TIME_STATUS_NP:
		if (ptp_mgmt_time_status(m, &u.ts)) {
			break;
		}
		if (p->have_ts && u.ts.ingress_time != p->ingress) {
			p->ingress_changed = true;
			p->ingress_seen_ns = now;
		}
		p->have_ts = true;
		p->ingress = u.ts.ingress_time;
		p->gm_present = u.ts.gm_present;
		p->sync_age_ns = ptp4l_sync_age(p, now);
		if (v->have_gm &&
		    memcmp(u.ts.gm_identity, v->gm, PTP_CLOCK_ID_LEN) &&
		    u.ts.gm_present) {
			ptp4l_request(p, REQ_PARENT_DS);
		}
		break;
	case PTP_MID_CURRENT_DATA_SET:
		if (ptp_mgmt_current_ds(m, &u.cds)) {
			break;
		}
		v->have_current = true;
		v->offset_ns = ptp_correction_ns(u.cds.offset_from_master);
		v->mean_path_delay_ns =
			ptp_correction_ns(u.cds.mean_path_delay);
		v->steps_removed = u.cds.steps_removed;
		syncstate_offset(&p->ss, v->offset_ns);
		break;
	case PTP_MID_PARENT_DATA_SET:
		if (ptp_mgmt_parent_ds(m, &u.par)) {
			break;
		}
		v->have_gm = true;
		memcpy(v->gm, u.par.gm_identity, PTP_CLOCK_ID_LEN);
		v->have_parent = true;
		v->clock_class = u.par.gm_clock_quality.clock_class;
		break;
	case PTP_MID_TIME_PROPERTIES_DATA_SET:
		ptp4l_time_props(p, m);
		break;
	default:
		break;
	}
}

static int ptp4l_req_of(uint16_t id)
{
	int i;

	for (i = 0; i < REQ_COUNT; i++) {
		if (ptp4l_req_id[i] == id) {
			return i;
		}
	}
	return -1;
}

/* Ours, and a push or not; see the file's header. */
static bool ptp4l_accept(struct ptp4l *p, const struct ptp_mgmt *m, bool *push)
{
	int rq = ptp4l_req_of(m->id);

	if (m->mgmt.action != PTP_MGMT_RESPONSE ||
	    !ptp_port_id_equal(&m->mgmt.target, &p->self)) {
		return false;
	}
	if (p->have_clock_id &&
	    memcmp(m->hdr.src.clock_id, p->clock_id, PTP_CLOCK_ID_LEN)) {
		return false;
	}
	*push = m->mgmt.starting_boundary_hops == 1 &&
		m->mgmt.boundary_hops == 1 && m->id == PTP_MID_PORT_DATA_SET;
	if (!*push && (m->mgmt.boundary_hops != 0 || rq < 0 || !p->sent[rq] ||
		       m->hdr.seq_id != p->last_seq[rq])) {
		return false;
	}
	if (!p->have_clock_id) {
		p->have_clock_id = true;
		memcpy(p->clock_id, m->hdr.src.clock_id, PTP_CLOCK_ID_LEN);
	}
	return true;
}

static void ptp4l_recv(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct ptp4l *p = arg;
	uint8_t buf[PTP4L_BUF];
	struct ptp_mgmt m;
	bool any = false, push;
	uint64_t now = ev_now_ns();
	ssize_t n;
	int r;

	(void)loop;
	(void)events;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED) {
				/* an error queued by a send to a dead peer */
				ptp4l_disconnect(p, "ptp4l went away",
						 ECONNREFUSED);
				ptp4l_eval(p, now);
				return;
			}
			if (errno != EAGAIN && errno != EINTR) {
				log_debug("ptp4l UDS: recv: %s",
					  strerror(errno));
			}
			break;
		}
		r = ptp_mgmt_parse(buf, (size_t)n, &m);
		if (r) {
			log_debug("ptp4l UDS: %zd-byte datagram: %s", n,
				  strerror(-r));
			continue;
		}
		if (!ptp4l_accept(p, &m, &push)) {
			log_debug("ptp4l UDS: not an answer to us (seq %u id "
				  "0x%04x)",
				  m.hdr.seq_id, m.id);
			continue;
		}
		p->last_answer_ns = now;
		any = true;
		if (m.tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
			log_debug("ptp4l UDS: 0x%04x: %s", m.id,
				  ptp_mgmt_error_name(m.error));
			continue;
		}
		ptp4l_handle(p, &m, push, now);
		if (p->fd < 0) {
			/* a request it sent found ptp4l gone: @fd is closed */
			break;
		}
	}
	if (any) {
		ptp4l_eval(p, now);
	}
}

/* ---- the second ------------------------------------------------------- */

uint8_t ptp4l_next_domain(uint8_t d)
{
	switch (d) {
	case 0:
		return 24;
	case 24:
		return 44;
	case 44:
		return 1;
	case 23:
		return 25;
	case 43:
		return 45;
	case 255:
		return 0;
	default:
		return (uint8_t)(d + 1);
	}
}

/* --domain any and no answer since connect: ask in the next domain,
 * starting over with what a connect sends. */
static void ptp4l_try_domain(struct ptp4l *p, uint64_t now)
{
	if (!p->cfg.any_domain || p->last_answer_ns ||
	    now - p->domain_since_ns < PTP4L_DOMAIN_TRY_NS) {
		return;
	}
	p->domain = ptp4l_next_domain(p->domain);
	p->domain_since_ns = now;
	log_debug("ptp4l UDS: no answer yet, trying domainNumber %u",
		  p->domain);
	ptp4l_request(p, REQ_SUBSCRIBE);
	ptp4l_request(p, REQ_PORT_PROPS);
	ptp4l_request(p, REQ_PARENT_DS);
	ptp4l_request(p, REQ_TIME_PROPS);
}

static void ptp4l_tick(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct ptp4l *p = arg;
	uint64_t now = ev_now_ns();
	struct stat st;

	(void)loop;
	(void)fd;
	(void)events;
	if (p->fd >= 0 && stat(p->cfg.path, &st) == 0 &&
	    (st.st_ino != p->ino || st.st_dev != p->dev)) {
		/* a restarted ptp4l binds a new socket at the same path */
		ptp4l_disconnect(p, "replaced (ptp4l restarted)", 0);
	}
	if (p->fd < 0) {
		ptp4l_connect(p);
	} else {
		p->ticks++;
		ptp4l_try_domain(p, now);
		ptp4l_request(p, REQ_PORT_DS);
		ptp4l_request(p, REQ_TIME_STATUS);
		ptp4l_request(p, REQ_CURRENT_DS);
		if (p->ticks % PTP4L_SLOW_TICKS == 0 || !p->props_asked) {
			ptp4l_request(p, REQ_PORT_PROPS);
		}
		if (p->ticks % PTP4L_SLOW_TICKS == 0) {
			ptp4l_request(p, REQ_PARENT_DS);
			ptp4l_request(p, REQ_TIME_PROPS);
		}
		if (now - p->sub_ns >= PTP4L_SUB_RENEW_S * NSEC_PER_SEC) {
			ptp4l_request(p, REQ_SUBSCRIBE);
		}
	}
	ptp4l_eval(p, now);
}

int ptp4l_new(struct ptp4l **pp, struct evloop *loop,
	      const struct ptp4l_config *cfg)
{
	struct ptp4l *p = calloc(1, sizeof(*p));
	uint32_t pid = (uint32_t)getpid();

	if (!p) {
		return -ENOMEM;
	}
	p->cfg = *cfg;
	p->loop = loop;
	p->fd = -1;
	p->domain = cfg->domain;
	/* 74626c ("tbl") fffe and the pid: unique on the host, not an
	 * EUI-64 of any NIC, so never ptp4l's nor the active slave's */
	p->self = (struct ptp_port_id){
		.clock_id = {0x74, 0x62, 0x6c, 0xff, 0xfe, (uint8_t)(pid >> 16),
			     (uint8_t)(pid >> 8), (uint8_t)pid},
		.port = PTP4L_PORT_NUMBER,
	};
	syncstate_init(&p->ss, cfg->lock_threshold_ns, cfg->holdover_s);
	p->view.state = p->view.prev_state = SYNC_UNKNOWN;
	snprintf(p->why_down, sizeof(p->why_down), "%s: not connected yet",
		 cfg->path);
	snprintf(p->reason, sizeof(p->reason), "%s", p->why_down);
	p->view.reason = p->reason;
	p->tfd = ev_timer_new(loop, ptp4l_tick, p);
	if (p->tfd < 0) {
		int r = p->tfd;

		free(p);
		return r;
	}
	ev_timer_arm(loop, p->tfd, NSEC_PER_SEC, NSEC_PER_SEC);
	ptp4l_connect(p);
	if (p->fd < 0) {
		snprintf(p->reason, sizeof(p->reason), "%s", p->why_down);
	}
	*pp = p;
	return 0;
}

void ptp4l_free(struct ptp4l *p)
{
	if (!p) {
		return;
	}
	if (p->fd >= 0) {
		ev_del(p->loop, p->fd);
		close(p->fd);
	}
	ev_timer_free(p->loop, p->tfd);
	free(p);
}

const struct ptp4l_view *ptp4l_view(const struct ptp4l *p)
{
	return &p->view;
}

/* ---- --check ------------------------------------------------------------ */

int ptp4l_probe(const char *path, const char *iface, int domain,
		unsigned int timeout_ms, struct ptp4l_probe *out)
{
	/* --domain any: the likeliest three in one go (ptp4l answers only
	 * its own; a burst of 256 would overrun the UDS queue) */
	static const uint8_t any[] = {0, 24, 44};
	size_t i, ndom = domain < 0 ? sizeof(any) : 1;
	const struct ptp_port_id self = {
		.clock_id = {0x74, 0x62, 0x6c, 0xff, 0xfe, 0xc4, 0xec, 0x4b},
		.port = PTP4L_PORT_NUMBER,
	};
	uint8_t buf[PTP4L_BUF];
	uint64_t end = ev_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct ptp_port_props pp;
	struct ptp_mgmt m;
	bool mine = false;
	int fd, r;

	memset(out, 0, sizeof(*out));
	r = ptp4l_socket(path, 0, &fd);
	if (r) {
		snprintf(out->reason, sizeof(out->reason), "%s: %s", path,
			 strerror(-r));
		return r;
	}
	for (i = 0, r = 0; i < ndom && !r; i++) {
		r = ptp4l_send(fd, &self, 0,
			       domain < 0 ? any[i] : (uint8_t)domain,
			       PTP_MID_PORT_PROPERTIES_NP, false);
	}
	if (r) {
		snprintf(out->reason, sizeof(out->reason), "%s: %s", path,
			 strerror(-r));
		close(fd);
		return r;
	}
	for (;;) {
		uint64_t now = ev_now_ns();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (now >= end) {
			break;
		}
		/* every port answers: wait out the whole bound */
		if (poll(&pfd, 1, (int)((end - now) / 1000000) + 1) <= 0) {
			break;
		}
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				continue;
			}
			r = -errno;
			snprintf(out->reason, sizeof(out->reason), "%s: %s",
				 path, strerror(-r));
			close(fd);
			return r;
		}
		if (ptp_mgmt_parse(buf, (size_t)n, &m) ||
		    m.mgmt.action != PTP_MGMT_RESPONSE ||
		    !ptp_port_id_equal(&m.mgmt.target, &self) ||
		    m.hdr.seq_id != 0 || ptp_mgmt_port_props(&m, &pp)) {
			continue;
		}
		out->answers = true;
		if (iface && !strcmp(pp.iface, iface) && !mine) {
			mine = true;
			out->port_number = pp.port_id.port;
			out->port_state = pp.port_state;
		} else if (!iface && !out->port_number) {
			out->port_number = pp.port_id.port;
			out->port_state = pp.port_state;
		}
	}
	close(fd);
	if (!out->answers) {
		snprintf(out->reason, sizeof(out->reason),
			 "%s: no answer in %u ms", path, timeout_ms);
	} else if (!iface) {
		out->on_iface = PTP4L_PORT_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason),
			 "%s: ptp4l answers, port %u %s", path,
			 out->port_number,
			 ptp_port_state_name(out->port_state));
	} else if (mine) {
		out->on_iface = PTP4L_PORT_YES;
		snprintf(out->reason, sizeof(out->reason),
			 "%s: ptp4l answers, port %u on %s, %s", path,
			 out->port_number, iface,
			 ptp_port_state_name(out->port_state));
	} else {
		out->on_iface = PTP4L_PORT_NO;
		snprintf(out->reason, sizeof(out->reason),
			 "%s: ptp4l answers, but has no port on %s", path,
			 iface);
	}
	return 0;
}
