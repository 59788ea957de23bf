/* SPDX-License-Identifier: MIT */
/*
 * The interface: its link state from rtnetlink, our portIdentity from its
 * MAC, the hardware-timestamping policy applied through the NIC seam
 * (nic.h, hwts.h), and what follows from a change: the capture socket
 * re-bound to a re-created interface, the stamping mode handed down to the
 * packet path and the active slave, stamping re-armed after a reset.
 */
#ifndef TBLK_IFACE_H
#define TBLK_IFACE_H

#include <stdbool.h>
#include <stddef.h>

#include "active.h"
#include "capture.h"
#include "config.h"
#include "evloop.h"
#include "ptp_msg.h"
#include "rxpath.h"

struct iface;

/* What the status frame and STATUS= say about the interface. */
struct iface_state {
	int ifindex;
	bool link_up;
	bool hw; /* NIC stamps are what we publish for event messages */
	bool hw_required; /* --timestamping hardware */
	int phc;	  /* -1: none */
	int hwts_filter;  /* -1: unknown (driver cannot report it) */
	struct ptp_port_id self;
};

/* Look the interface up. -ENODEV when there is none; another -errno when
 * the lookup itself failed. */
int iface_new(struct iface **ifc, const struct config *cfg);
void iface_free(struct iface *ifc);

/*
 * Probe the NIC and apply --hwts-config for the mode. 0, or -EOPNOTSUPP
 * (the mode cannot run) / -EPERM (CAP_NET_ADMIN missing) with @reason
 * filled; @reason says what runs on success too.
 */
int iface_hw_apply(struct iface *ifc, char *reason, size_t rlen);

const struct iface_state *iface_state(const struct iface *ifc);

/*
 * Start watching the link in @loop and hand every change down to @cap,
 * @rp and @act (NULL without --delay-req); @changed (with @arg) is told
 * after each, for STATUS=. 0 or -errno with *@why.
 */
int iface_watch(struct iface *ifc, struct evloop *loop, struct capture *cap,
		struct rxpath *rp, struct active *act,
		void (*changed)(void *arg), void *arg, const char **why);

/* Ask the kernel for the link state and follow it; @rearm re-applies the
 * hardware config as well (SIGHUP). */
void iface_reprobe(struct iface *ifc, bool rearm);

#endif
