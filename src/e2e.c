// SPDX-License-Identifier: MIT
/*
 * IEEE 1588-2019 11.3 end-to-end delay request-response arithmetic.
 *
 * Everything is computed exactly in units of 2^-17 ns (scaled ns doubled,
 * so the halving in meanPathDelay is exact) in __int128, and rounded once
 * at the end: rounding the delay first and then subtracting it from the
 * offset would round twice and could be off by one nanosecond.
 */
#include <errno.h>
#include <stdint.h>

#include "e2e.h"

typedef __int128 e2e_wide;

#define E2E_NSEC_PER_SEC 1000000000

static e2e_wide e2e_ns(const struct timespec *ts)
{
	return (e2e_wide)ts->tv_sec * E2E_NSEC_PER_SEC + ts->tv_nsec;
}

/* @v / 2^17 rounded to nearest, ties away from zero (as ptp_correction_ns),
 * or -ERANGE when it does not fit in int64. */
static int e2e_round(e2e_wide v, int64_t *out)
{
	const e2e_wide half = (e2e_wide)1 << 16;
	e2e_wide q = (v < 0 ? v - half : v + half) / ((e2e_wide)1 << 17);

	if (q > INT64_MAX || q < INT64_MIN) {
		return -ERANGE;
	}
	*out = (int64_t)q;
	return 0;
}

int e2e_compute(const struct e2e_input *in, int64_t *offset_ns,
		int64_t *delay_ns)
{
	const e2e_wide one = (e2e_wide)1 << 16; /* 1 ns in scaled ns */
	e2e_wide t1 = e2e_ns(&in->t1), t2 = e2e_ns(&in->t2);
	e2e_wide t3 = e2e_ns(&in->t3), t4 = e2e_ns(&in->t4);
	e2e_wide delay2, offset2;
	int64_t offset, delay;
	int r;

	/* 2 * meanPathDelay, scaled ns */
	delay2 = ((t2 - t3) + (t4 - t1)) * one - in->sync_corr - in->resp_corr;
	/* 2 * offsetFromMaster = 2 * (t2 - t1 - sync_corr) - 2 * delay */
	offset2 = 2 * ((t2 - t1) * one - in->sync_corr) - delay2;

	r = e2e_round(delay2, &delay);
	if (r < 0) {
		return r;
	}
	r = e2e_round(offset2, &offset);
	if (r < 0) {
		return r;
	}
	*offset_ns = offset;
	*delay_ns = delay;
	return 0;
}
