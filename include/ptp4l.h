/* SPDX-License-Identifier: MIT */
/*
 * A read-only PTP management client of ptp4l's UDS inside the event loop
 * (SPEC §11): polls its datasets, follows the port on our interface, and
 * keeps the syncState machine (syncstate.h) fed. It never sends a SET but
 * SUBSCRIBE_EVENTS_NP, and nothing it sends leaves the host (boundaryHops
 * 0). Non-blocking throughout: a request never answered counts toward the
 * 3 s of silence that make syncState unknown.
 */
#ifndef TBLK_PTP4L_H
#define TBLK_PTP4L_H

#include <stdbool.h>
#include <stdint.h>

#include "evloop.h"
#include "ptp_msg.h"
#include "syncstate.h"

struct ptp4l;

/* Does the ptp4l behind the UDS run a port on our interface? */
enum ptp4l_port_on_iface {
	PTP4L_PORT_UNKNOWN, /* no PORT_PROPERTIES_NP answer (yet) */
	PTP4L_PORT_YES,
	PTP4L_PORT_NO,
};

/* What the client knows; each have_* false: the keys are null. */
struct ptp4l_view {
	enum sync_state state;
	enum sync_state prev_state; /* before the last frame's change */
	/* why the state is what it is, one line ("port 1 LISTENING", "no
	 * answer from ptp4l for 3 s", "/var/run/ptp4l: Permission denied
	 * ..."); never NULL */
	const char *reason;
	enum ptp4l_port_on_iface on_iface;
	bool have_port;
	uint16_t port_number; /* the port followed */
	uint8_t port_state;
	bool have_gm;
	uint8_t gm[PTP_CLOCK_ID_LEN]; /* PARENT_DATA_SET grandmasterIdentity */
	bool have_current;	      /* CURRENT_DATA_SET */
	int64_t offset_ns;
	int64_t mean_path_delay_ns;
	uint16_t steps_removed;
	bool have_parent;
	uint8_t clock_class;
	bool have_time_props; /* TIME_PROPERTIES_DATA_SET */
	struct ptp_time_prop_ds time_props;
	/* when syncState, gm or portState last changed */
	uint64_t changed_mono_ns;
	int64_t changed_real_ns;
};

typedef void (*ptp4l_cb)(void *arg, const struct ptp4l_view *v);

struct ptp4l_config {
	const char *path; /* ptp4l's UDS */
	/* --ptp4l-uds PATH was given (its absence is warned about); else
	 * the default path, followed silently until it appears */
	bool asked;
	const char *iface; /* NULL: PHC-only, follow the one (SLAVE) port */
	/* domainNumber of the requests: ptp4l ignores management from
	 * another domain. @any_domain (--domain any): start at @domain and,
	 * while unanswered, try the next (ptp4l_next_domain) every 2 s */
	uint8_t domain;
	bool any_domain;
	uint64_t lock_threshold_ns;
	unsigned int holdover_s;
	ptp4l_cb on_sync;	/* syncState, gm or portState changed */
	ptp4l_cb on_time_props; /* TIME_PROPERTIES_DATA_SET changed */
	void *arg;
};

/*
 * Make the client and try to connect at once (call it before dropping
 * privileges: the connected socket then needs no access to the path). A
 * ptp4l not there yet is not an error: the client retries every second.
 * Returns 0 or -errno (no memory, no timerfd).
 */
int ptp4l_new(struct ptp4l **p, struct evloop *loop,
	      const struct ptp4l_config *cfg);
void ptp4l_free(struct ptp4l *p);

const struct ptp4l_view *ptp4l_view(const struct ptp4l *p);

/* The domainNumber tried after @d while ptp4l does not answer: 0, 24
 * (G.8275.1), 44 (G.8275.2), then 1..255 in order, then 0 again. */
uint8_t ptp4l_next_domain(uint8_t d);

/* A one-shot answer for --check. */
struct ptp4l_probe {
	bool answers;
	enum ptp4l_port_on_iface on_iface;
	uint16_t port_number; /* the port on @iface, when on_iface YES */
	uint8_t port_state;
	char reason[160]; /* one line: what was found or why not */
};

/* Ask ptp4l at @path for PORT_PROPERTIES_NP in @domain (-1: 0, 24 and
 * 44), waiting @timeout_ms for every port's answer. Returns 0 (see
 * out->answers) or -errno when it could not ask. */
int ptp4l_probe(const char *path, const char *iface, int domain,
		unsigned int timeout_ms, struct ptp4l_probe *out);

/* The bound abstract-namespace name of a client: "tblk-ptp-sidecar/PID/N".
 * ptp4l answers it from the same network namespace only. */
#define PTP4L_CLIENT_PREFIX "tblk-ptp-sidecar"

#endif
