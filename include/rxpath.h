/* SPDX-License-Identifier: MIT */
/*
 * The packet path, straight down: capture (capture.h) -> classify
 * (classify.h: decode, validate, the honesty rule) -> encode (frame.h) ->
 * fan-out (server.h), one write per client per receive batch; rx frames
 * are then handed to the active slave (active.h), so a sample always
 * follows the rx frame that completed it. Every classified packet is also
 * accounted per stream (streams.h). Owns the rx counters.
 */
#ifndef TBLK_RXPATH_H
#define TBLK_RXPATH_H

#include <stdbool.h>

#include "active.h"
#include "capture.h"
#include "clock.h"
#include "counters.h"
#include "evloop.h"
#include "server.h"
#include "streams.h"

struct rxpath;

struct rxpath_config {
	const char *iface;
	struct capture *cap;
	struct server *srv;
	struct active *act;	 /* NULL without --delay-req */
	struct streams *streams; /* fed every classified packet; NULL: none */
	/* carries hardware stamps of its PHC into CLOCK_REALTIME (sysNs);
	 * NULL: none */
	const struct clock *clock;
};

/* Registers the capture socket in @loop. 0 or -errno. */
int rxpath_init(struct rxpath **rp, struct evloop *loop,
		const struct rxpath_config *cfg);
void rxpath_fini(struct rxpath *rp);

/* The stamping and filters in force (copied), and the PHC that names a
 * hardware stamp's clock (-1: none). */
void rxpath_set_mode(struct rxpath *rp, const struct classify_mode *m, int phc);

/* The rx counters (and the capture socket's kernel drops) into @c. */
void rxpath_counters(const struct rxpath *rp, struct counters *c);

#endif
