/* SPDX-License-Identifier: MIT */
/*
 * The syncState machine of SPEC §11. Pure: readings of ptp4l's datasets
 * and a CLOCK_MONOTONIC time in, a state out; no I/O, no clock reads.
 *
 *   unknown   ptp4l has not answered for 3 s, or there is no UDS
 *   master    ptp4l is the grandmaster (port MASTER, gm = its own clock)
 *   locked    port SLAVE, a grandmaster present, the last Sync younger
 *             than max(1 s, 4 sync intervals), synchronizationUncertain
 *             clear, and |offsetFromMaster| under the threshold for the
 *             last 5 consecutive CURRENT_DATA_SET readings
 *   holdover  was locked, failing that for at most the holdover time
 *   freerun   otherwise
 */
#ifndef TBLK_SYNCSTATE_H
#define TBLK_SYNCSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* consecutive offsetFromMaster readings under the threshold for locked */
#define SYNCSTATE_GOOD_READINGS 5
/* the floor of the last Sync's allowed age (SPEC §11) */
#define SYNCSTATE_MIN_SYNC_AGE_NS 1000000000ULL
/* the last Sync's age when it is not known */
#define SYNCSTATE_AGE_UNKNOWN UINT64_MAX

enum sync_state {
	SYNC_UNKNOWN,
	SYNC_FREERUN,
	SYNC_HOLDOVER,
	SYNC_LOCKED,
	SYNC_MASTER,
};

/* What ptp4l said last, as the daemon holds it between readings. */
struct sync_input {
	bool answering;	    /* an answer within the last 3 s */
	uint8_t port_state; /* enum ptp_port_state of the followed port */
	bool gm_present;    /* TIME_STATUS_NP gmPresent */
	bool gm_is_self;    /* grandmasterIdentity is ptp4l's own clock */
	bool sync_uncertain;
	uint64_t sync_age_ns;	  /* SYNCSTATE_AGE_UNKNOWN: not known */
	int8_t log_sync_interval; /* of the followed port */
};

struct syncstate {
	uint64_t threshold_ns;
	uint64_t holdover_ns;
	enum sync_state state;
	unsigned int good; /* consecutive readings under the threshold */
	uint64_t lost_ns;  /* when locked was lost (holdover's start) */
};

void syncstate_init(struct syncstate *s, uint64_t threshold_ns,
		    unsigned int holdover_s);

/* One CURRENT_DATA_SET offsetFromMaster reading, in ns. */
void syncstate_offset(struct syncstate *s, int64_t offset_ns);

/* max(1 s, 4 sync intervals) for a logSyncInterval (clamped to ±30). */
uint64_t syncstate_max_sync_age(int8_t log_sync_interval);

/* Whether @in, with the readings so far, meets every condition of locked. */
bool syncstate_lock_ok(const struct syncstate *s, const struct sync_input *in);

/* The state now (@now_ns CLOCK_MONOTONIC), after the inputs in @in. Call
 * it on every reading and at least once a second: holdover ends by time. */
enum sync_state syncstate_eval(struct syncstate *s, const struct sync_input *in,
			       uint64_t now_ns);

/* "locked", "holdover", "freerun", "master", "unknown" */
const char *syncstate_name(enum sync_state st);

#endif
