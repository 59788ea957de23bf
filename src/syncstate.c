// SPDX-License-Identifier: MIT
/* The syncState machine, see syncstate.h. */
#include "syncstate.h"

#include "ptp_msg.h"

#define NSEC_PER_SEC 1000000000ULL

void syncstate_init(struct syncstate *s, uint64_t threshold_ns,
		    unsigned int holdover_s)
{
	*s = (struct syncstate){
		.threshold_ns = threshold_ns,
		.holdover_ns = (uint64_t)holdover_s * NSEC_PER_SEC,
		.state = SYNC_UNKNOWN,
	};
}

void syncstate_offset(struct syncstate *s, int64_t offset_ns)
{
	/* |INT64_MIN| does not fit: it is over any threshold anyway */
	uint64_t mag = offset_ns < 0 ? (uint64_t)0 - (uint64_t)offset_ns
				     : (uint64_t)offset_ns;

	if (mag < s->threshold_ns) {
		if (s->good < SYNCSTATE_GOOD_READINGS) {
			s->good++;
		}
	} else {
		s->good = 0;
	}
}

uint64_t syncstate_max_sync_age(int8_t log_sync_interval)
{
	int l = log_sync_interval;
	uint64_t four;

	if (l > 30) {
		l = 30;
	}
	if (l < -30) {
		l = -30;
	}
	four = l >= 0 ? (4 * NSEC_PER_SEC) << l : (4 * NSEC_PER_SEC) >> -l;
	return four > SYNCSTATE_MIN_SYNC_AGE_NS ? four
						: SYNCSTATE_MIN_SYNC_AGE_NS;
}

/* Every condition of locked but the offsets. */
static bool syncstate_slave_ok(const struct sync_input *in)
{
	return in->answering && in->port_state == PTP_PS_SLAVE &&
	       in->gm_present && !in->sync_uncertain &&
	       in->sync_age_ns != SYNCSTATE_AGE_UNKNOWN &&
	       in->sync_age_ns < syncstate_max_sync_age(in->log_sync_interval);
}

bool syncstate_lock_ok(const struct syncstate *s, const struct sync_input *in)
{
	return syncstate_slave_ok(in) && s->good >= SYNCSTATE_GOOD_READINGS;
}

enum sync_state syncstate_eval(struct syncstate *s, const struct sync_input *in,
			       uint64_t now_ns)
{
	enum sync_state was = s->state;

	if (!in->answering) {
		/* what went on while ptp4l was silent is not known: a later
		 * answer starts from freerun, not from holdover */
		s->good = 0;
		s->state = SYNC_UNKNOWN;
		return s->state;
	}
	if (!syncstate_slave_ok(in)) {
		/* 5 consecutive readings, all while the rest held */
		s->good = 0;
	}
	if (in->port_state == PTP_PS_MASTER && in->gm_is_self) {
		s->state = SYNC_MASTER;
	} else if (syncstate_lock_ok(s, in)) {
		s->state = SYNC_LOCKED;
	} else if (was == SYNC_LOCKED && s->holdover_ns) {
		s->lost_ns = now_ns;
		s->state = SYNC_HOLDOVER;
	} else if (was == SYNC_HOLDOVER &&
		   now_ns - s->lost_ns <= s->holdover_ns) {
		s->state = SYNC_HOLDOVER;
	} else {
		s->state = SYNC_FREERUN;
	}
	return s->state;
}

const char *syncstate_name(enum sync_state st)
{
	switch (st) {
	case SYNC_LOCKED:
		return "locked";
	case SYNC_HOLDOVER:
		return "holdover";
	case SYNC_FREERUN:
		return "freerun";
	case SYNC_MASTER:
		return "master";
	case SYNC_UNKNOWN:
		break;
	}
	return "unknown";
}
