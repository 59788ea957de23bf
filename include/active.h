/* SPDX-License-Identifier: MIT */
/*
 * The active slave's wiring (--delay-req, SPEC §6): the slave state
 * machine (slave.h), its send-only Delay_Req sockets — UDPv4, UDPv6 and
 * L2, the one the followed master uses is spoken (ptp_tx.h) — and their
 * error queues, and the publication of its tx frames and samples. The
 * capture path hands it every rx frame it publishes.
 */
#ifndef TBLK_ACTIVE_H
#define TBLK_ACTIVE_H

#include <stdbool.h>

#include "classify.h"
#include "clock.h"
#include "config.h"
#include "counters.h"
#include "evloop.h"
#include "server.h"
#include "streams.h"

struct active;

/* What ptp4l's UDS says about a port of its own on this interface: the
 * auto TX policy (SPEC §6) leaves the NIC's TX stamp slot to such a port. */
enum active_ptp4l {
	ACTIVE_PTP4L_NONE,    /* no ptp4l management socket on this host */
	ACTIVE_PTP4L_UNKNOWN, /* one, with no answer about this interface */
	ACTIVE_PTP4L_PORT,    /* ptp4l runs a port on this interface */
	ACTIVE_PTP4L_NO_PORT, /* ptp4l answers and runs none on it */
};

struct active_config {
	const char *iface;
	int ifindex;
	int domain;		/* -1: follow the first SYNC's */
	enum dreq_tx tx_policy; /* --delay-req-tx */
	/* until the ptp4l client says more (active_set_ptp4l) */
	enum active_ptp4l ptp4l;
	struct server *srv;
	/* carries hardware TX stamps into CLOCK_REALTIME; NULL: none */
	const struct clock *clock;
};

/* 0 or -errno with *@why naming the step. Opens every transport's socket:
 * the L2 one needs CAP_NET_RAW, so this runs before the privilege drop. */
int active_new(struct active **act, struct evloop *loop,
	       const struct active_config *cfg, const char **why);
void active_free(struct active *act);

/*
 * The stamping in force: @hw asks for hardware TX stamps, @hw_required
 * drops a software-stamped tx frame (counted missingHw), @phc names a
 * hardware stamp's clock. @self is our portIdentity (copied).
 */
void active_set_mode(struct active *act, bool hw, bool hw_required, int phc,
		     const struct ptp_port_id *self);

/* What ptp4l's UDS says now (the ptp4l client's view, on each change). */
void active_set_ptp4l(struct active *act, enum active_ptp4l p);

/* An rx frame just published. */
void active_rx(struct active *act, const struct classify_result *r);

/* The interface is back as @ifindex (the same sockets send out of it), or
 * gone (@ifindex < 0: forget the master and the pending exchanges). */
void active_link(struct active *act, int ifindex);

/* Which TX stamp our DELAY_REQ asks for and why (status `delayReqTx`):
 * "hardware", "software:ptp4l-present" (ptp4l's UDS reports a port on this
 * interface or has not answered about it, or another port of this host
 * was seen exchanging), "software:observing",
 * "software:forced" or "software:no-hardware". */
const char *active_tx_kind(const struct active *act);

/* tx, txTimeouts, rejected and the tx part of missingHw, added into @c. */
void active_counters(const struct active *act, struct counters *c);

/* Our own port's exchange for the streams frame: portIdentity, DELAY_REQ
 * sent, TX stamps received, DELAY_RESP received. */
void active_own(const struct active *act, struct streams_own *own);

#endif
