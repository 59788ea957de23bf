/* SPDX-License-Identifier: MIT */
/*
 * NDJSON frame encoder (protocol v1, SPEC §4), built with json-c.
 * Pure: encodes into a caller-owned buffer, no I/O, no clock reads.
 */
#ifndef TBLK_FRAME_H
#define TBLK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "counters.h"
#include "ptp_msg.h"

/* No frame this encoder writes is longer (status is the longest: its
 * sync keys carry a reason naming the UDS path, escaped in the worst case) */
#define FRAME_MAX 4096
/* 20 digits of uint64 seconds + 9 of nanoseconds + NUL */
#define FRAME_NS_STRLEN 32

struct frame_stamp {
	bool tx;		   /* "tx" rather than "rx" */
	const struct ptp_msg *msg; /* the parsed message */
	struct timespec stamp;	   /* the stamp being published */
	bool hw;		   /* stamp is a NIC hardware stamp */
	const char *iface;	   /* NULL: key omitted */
	int phc; /* PHC index; only written when hw and >= 0 */
	/* "udp4", "udp6", "l2"; NULL omits it with vlan and unicast */
	const char *transport;
	bool tagged;   /* vlan is written */
	uint16_t vlan; /* VLAN id */
	bool unicast;  /* sent to this host, not to a group */
	/* the stamp carried into CLOCK_REALTIME (clock.h); written only
	 * with hw */
	bool has_sys;
	int64_t sys_ns;	    /* sysNs */
	int64_t sys_err_ns; /* sysErrNs */
};

struct frame_sample {
	uint16_t seq_id; /* of the SYNC */
	struct timespec t1, t2, t3, t4;
	int64_t offset_ns;
	int64_t delay_ns;
	bool hw; /* t2 and t3 both hardware stamps */
	uint8_t gm[PTP_CLOCK_ID_LEN];
	uint8_t domain;
};

struct ptp4l_view; /* ptp4l.h */

struct frame_status {
	bool phc_only; /* PHC-only mode: stamping "phc", iface, ifindex and
			* link null */
	const char *iface;
	int ifindex;
	bool link_up;
	bool hw; /* "hardware" or "software" stamping in force */
	int phc; /* -1: null */
	const char *hwts_filter; /* NULL: null */
	/* --delay-req: which TX stamp our DELAY_REQ asks for, and why;
	 * NULL omits the key */
	const char *delay_req_tx;
	unsigned int clients;
	unsigned int streams; /* streams in the table (streams.h) */
	uint64_t uptime_s;
	const char *version;
	const struct counters *counters;
	/* sync state from ptp4l's UDS; NULL: no client (--ptp4l-uds none):
	 * syncState unknown, @sync_reason saying why */
	const struct ptp4l_view *sync;
	const char *sync_reason;
};

/* A clock frame (SPEC §11): one PHC reading. */
struct frame_clock {
	int phc;		/* index; -1: null */
	const char *device;	/* the path read */
	const char *clock_name; /* NULL: null */
	const char *method;	/* "precise", "extended", "basic" */
	int64_t phc_ns, sys_ns, offset_ns, window_ns, uncertainty_ns;
	const char *timescale; /* "tai", "utc", "arb", "unknown" */
	/* ptp4l's time properties; without them the three keys are null */
	bool props_known;
	int utc_offset_s;
	bool utc_offset_valid;
	int leap;		/* 1: leap61, -1: leap59, 0: none */
	bool error_bound_known; /* else errorBoundNs is null */
	uint32_t error_bound_ns;
	bool drift_known; /* else driftPpb is null */
	int64_t drift_ppb;
};

/*
 * Each encoder writes one newline-terminated frame into @buf and returns
 * its length including the '\n' (no NUL is counted), or -ENOSPC when it
 * does not fit in @size, -ENOMEM when json-c fails to allocate.
 */
int frame_encode_stamp(const struct frame_stamp *f, char *buf, size_t size);
int frame_encode_sample(const struct frame_sample *s, char *buf, size_t size);
int frame_encode_status(const struct frame_status *s, char *buf, size_t size);
int frame_encode_clock(const struct frame_clock *c, char *buf, size_t size);

/* The "sync" frame (docs/protocol.md): @v just changed syncState, gm or
 * portState. */
int frame_encode_sync(const struct ptp4l_view *v, char *buf, size_t size);

/* Decimal nanoseconds of (sec, nsec) without 64-bit overflow; sec >= 0. */
void frame_ns_str(uint64_t sec, uint32_t nsec, char buf[FRAME_NS_STRLEN]);

#endif
