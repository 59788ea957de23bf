/* SPDX-License-Identifier: MIT */
/*
 * What a captured packet becomes (SPEC §3, §4): a frame with the stamp it
 * may honestly carry, or exactly one counter and why. Decoding the frame
 * (pkt_decode), validating the PTP message (ptp_msg_parse), the domain and
 * own-port filters and promise 1 — a software stamp is never published as
 * a hardware one, and under --timestamping hardware an event message
 * without a NIC stamp is no frame at all — live here, once. Pure.
 */
#ifndef TBLK_CLASSIFY_H
#define TBLK_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pkt_decode.h"
#include "ptp_msg.h"
#include "ts_cmsg.h"

/* One packet as the capture socket returned it. */
struct cap_pkt {
	const uint8_t *buf; /* from the destination MAC */
	size_t len;
	unsigned int pkttype; /* sll_pkttype */
	struct ts_cmsg tc;    /* its control messages */
	int cmsg_err;	      /* ts_cmsg_parse(): 0, -EMSGSIZE (truncated) */
};

/* The stamping in force, and the filters. */
struct classify_mode {
	bool hw;	  /* NIC stamps are published (hardware or auto+NIC) */
	bool hw_required; /* --timestamping hardware */
	int domain;	  /* -1: any */
	const struct ptp_port_id *self; /* our own portIdentity, or NULL */
};

/* Every packet ends in exactly one of these (the status counters). */
enum classify_verdict {
	CLASSIFY_FRAME,	     /* publish: rx (rxHw or rxSw) */
	CLASSIFY_TRUNCATED,  /* MSG_TRUNC / MSG_CTRUNC */
	CLASSIFY_MALFORMED,  /* a cut or inconsistent header, bad PTP */
	CLASSIFY_FILTERED,   /* not PTP for us, other domain, our own */
	CLASSIFY_MISSING_HW, /* event message, hardware required, no stamp */
	CLASSIFY_UNSTAMPED,  /* the kernel gave no stamp at all */
};

struct classify_result {
	enum classify_verdict verdict;
	const char *why; /* a few words, for debug logs */
	int err;	 /* the decoder's or parser's -errno, else 0 */
	struct pkt_info pkt;
	struct ptp_msg msg;
	/* CLASSIFY_FRAME: the stamp to publish and what it is */
	struct timespec stamp;
	bool hw;
	/* the kernel's software stamp of the same packet, when it gave one */
	bool have_sw;
	struct timespec sw;
};

/* Decide what @p becomes under @m. @r's pkt and msg point into p->buf. */
void classify_packet(const struct cap_pkt *p, const struct classify_mode *m,
		     struct classify_result *r);

/* "frame", "truncated", "malformed", "filtered", "missingHw",
 * "unstamped". */
const char *classify_verdict_name(enum classify_verdict v);

#endif
