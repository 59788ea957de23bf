/* SPDX-License-Identifier: MIT */
/* IEEE 1588 end-to-end delay request-response arithmetic. Pure. */
#ifndef TBLK_E2E_H
#define TBLK_E2E_H

#include <stdint.h>
#include <time.h>

struct e2e_input {
	struct timespec t1; /* SYNC origin / FOLLOW_UP preciseOrigin (master) */
	struct timespec t2; /* SYNC reception (slave) */
	struct timespec t3; /* DELAY_REQ transmission (slave) */
	struct timespec t4; /* DELAY_RESP receiveTimestamp (master) */
	int64_t sync_corr;  /* scaled ns: SYNC + FOLLOW_UP correctionField */
	int64_t resp_corr;  /* scaled ns: DELAY_RESP correctionField */
};

/*
 * IEEE 1588-2019 11.3: meanPathDelay = ((t2 - t3) + (t4 - t1)
 * - sync_corr - resp_corr) / 2 and offsetFromMaster = t2 - t1 -
 * meanPathDelay - sync_corr, rounded to the nearest nanosecond.
 * Returns 0, or -ERANGE when a result does not fit in int64.
 */
int e2e_compute(const struct e2e_input *in, int64_t *offset_ns,
		int64_t *delay_ns);

#endif
