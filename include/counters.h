/* SPDX-License-Identifier: MIT */
/* The daemon's counters, as published in status frames (SPEC §4). */
#ifndef TBLK_COUNTERS_H
#define TBLK_COUNTERS_H

#include <stdint.h>

struct counters {
	uint64_t rx;	       /* rx frames published */
	uint64_t tx;	       /* tx frames published */
	uint64_t rx_hw;	       /* packets received with a hardware stamp */
	uint64_t rx_sw;	       /* packets received with only a software stamp */
	uint64_t missing_hw;   /* event messages dropped: no hardware stamp */
	uint64_t malformed;    /* failed ptp_msg_parse */
	uint64_t truncated;    /* MSG_TRUNC / MSG_CTRUNC */
	uint64_t filtered;     /* other domain, or our own portIdentity */
	uint64_t kernel_drops; /* SO_RXQ_OVFL, summed over sockets */
	uint64_t tx_timeouts;  /* TX stamp not seen within 10 ms */
	uint64_t client_drops; /* clients disconnected by the daemon */
	uint64_t clients_refused; /* over --max-clients */
	uint64_t frames_out;	  /* frames queued to clients, all types */
	uint64_t unstamped;	  /* packets the kernel gave no stamp at all */
	uint64_t rejected;	  /* DELAY_RESP for our port, not accepted */
};

#endif
