// SPDX-License-Identifier: MIT
/* The syncState machine (syncstate.c): every transition, each condition
 * of locked at its boundary, the 5-reading rule, holdover's exact end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ptp_msg.h"
#include "syncstate.h"

#define S  1000000000ULL
#define TH 1000 /* lock threshold, ns */

/* a port SLAVE, a grandmaster, a Sync 100 ms old at logSyncInterval 0 */
static const struct sync_input good = {
	.answering = true,
	.port_state = PTP_PS_SLAVE,
	.gm_present = true,
	.sync_age_ns = S / 10,
	.log_sync_interval = 0,
};

static void feed(struct syncstate *s, int n, int64_t off)
{
	while (n-- > 0) {
		syncstate_offset(s, off);
	}
}

/* Locked at 10 s: 5 good readings. */
static void lock(struct syncstate *s, unsigned int holdover_s)
{
	syncstate_init(s, TH, holdover_s);
	feed(s, 5, 10);
	assert_int_equal(syncstate_eval(s, &good, 10 * S), SYNC_LOCKED);
}

static void test_initial_unknown(void **state)
{
	struct syncstate s;
	struct sync_input in = good;

	(void)state;
	syncstate_init(&s, TH, 5);
	assert_int_equal(s.state, SYNC_UNKNOWN);
	in.answering = false;
	assert_int_equal(syncstate_eval(&s, &in, 0), SYNC_UNKNOWN);
	/* answering, no readings yet: freerun */
	assert_int_equal(syncstate_eval(&s, &good, 1), SYNC_FREERUN);
}

static void test_five_readings(void **state)
{
	struct syncstate s;
	int i;

	(void)state;
	syncstate_init(&s, TH, 5);
	for (i = 1; i <= 4; i++) {
		syncstate_offset(&s, i % 2 ? 999 : -999);
		assert_int_equal(syncstate_eval(&s, &good, (uint64_t)i * S),
				 SYNC_FREERUN);
	}
	syncstate_offset(&s, -999);
	assert_int_equal(syncstate_eval(&s, &good, 5 * S), SYNC_LOCKED);

	/* a reading at the threshold breaks the run: 5 more needed */
	syncstate_init(&s, TH, 0);
	feed(&s, 4, 0);
	syncstate_offset(&s, TH);
	feed(&s, 4, 0);
	assert_int_equal(syncstate_eval(&s, &good, S), SYNC_FREERUN);
	syncstate_offset(&s, 0);
	assert_int_equal(syncstate_eval(&s, &good, S), SYNC_LOCKED);
	/* and -threshold, and INT64_MIN */
	syncstate_offset(&s, -TH);
	assert_int_equal(syncstate_eval(&s, &good, S), SYNC_FREERUN);
	feed(&s, 5, 1);
	syncstate_offset(&s, INT64_MIN);
	assert_int_equal(syncstate_eval(&s, &good, S), SYNC_FREERUN);
}

/* Each condition of locked, failed alone, leaves locked (holdover 0:
 * straight to freerun) and resets the 5-reading run. */
static void test_each_condition(void **state)
{
	struct syncstate s;
	struct sync_input in[7];
	unsigned int i;

	(void)state;
	for (i = 0; i < 7; i++) {
		in[i] = good;
	}
	in[0].port_state = PTP_PS_UNCALIBRATED;
	in[1].port_state = PTP_PS_LISTENING;
	in[2].gm_present = false;
	in[3].sync_uncertain = true;
	in[4].sync_age_ns = 4 * S; /* max(1 s, 4 s) at logSyncInterval 0 */
	in[5].sync_age_ns = SYNCSTATE_AGE_UNKNOWN;
	in[6].port_state = PTP_PS_MASTER; /* MASTER but not the gm itself */
	for (i = 0; i < 7; i++) {
		lock(&s, 0);
		assert_int_equal(syncstate_eval(&s, &in[i], 11 * S),
				 SYNC_FREERUN);
		/* back to good: the run restarts */
		feed(&s, 4, 0);
		assert_int_equal(syncstate_eval(&s, &good, 12 * S),
				 SYNC_FREERUN);
		feed(&s, 1, 0);
		assert_int_equal(syncstate_eval(&s, &good, 13 * S),
				 SYNC_LOCKED);
	}
}

static void test_sync_age_boundary(void **state)
{
	struct syncstate s;
	struct sync_input in = good;

	(void)state;
	assert_int_equal(syncstate_max_sync_age(0), 4 * S);
	assert_int_equal(syncstate_max_sync_age(1), 8 * S);
	assert_int_equal(syncstate_max_sync_age(-2), S);
	assert_int_equal(syncstate_max_sync_age(-3), S); /* the 1 s floor */
	assert_int_equal(syncstate_max_sync_age(-1), 2 * S);
	assert_int_equal(syncstate_max_sync_age(127), (4 * S) << 30);
	assert_int_equal(syncstate_max_sync_age(-128), S);

	lock(&s, 0);
	in.log_sync_interval = -3;
	in.sync_age_ns = S - 1;
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_LOCKED);
	in.sync_age_ns = S;
	assert_int_equal(syncstate_eval(&s, &in, 12 * S), SYNC_FREERUN);
	lock(&s, 0);
	in.log_sync_interval = 0;
	in.sync_age_ns = 4 * S - 1;
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_LOCKED);
}

/* Holdover lasts exactly --holdover: at lost + holdover still holdover,
 * one ns later freerun. */
static void test_holdover_expiry(void **state)
{
	struct syncstate s;
	struct sync_input in = good;

	(void)state;
	lock(&s, 2);
	in.port_state = PTP_PS_LISTENING;
	assert_int_equal(syncstate_eval(&s, &in, 20 * S), SYNC_HOLDOVER);
	assert_int_equal(s.lost_ns, 20 * S);
	assert_int_equal(syncstate_eval(&s, &in, 21 * S), SYNC_HOLDOVER);
	assert_int_equal(syncstate_eval(&s, &in, 22 * S), SYNC_HOLDOVER);
	assert_int_equal(syncstate_eval(&s, &in, 22 * S + 1), SYNC_FREERUN);
	/* freerun stays freerun: holdover only follows locked */
	assert_int_equal(syncstate_eval(&s, &in, 23 * S), SYNC_FREERUN);

	/* holdover back to locked: the conditions and 5 new readings */
	lock(&s, 5);
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_HOLDOVER);
	assert_int_equal(syncstate_eval(&s, &good, 12 * S), SYNC_HOLDOVER);
	feed(&s, 5, 0);
	assert_int_equal(syncstate_eval(&s, &good, 13 * S), SYNC_LOCKED);
	/* a reading over the threshold alone starts holdover too */
	syncstate_offset(&s, TH + 1);
	assert_int_equal(syncstate_eval(&s, &good, 14 * S), SYNC_HOLDOVER);
	/* a second loss inside holdover does not restart its clock */
	assert_int_equal(syncstate_eval(&s, &in, 19 * S), SYNC_HOLDOVER);
	assert_int_equal(syncstate_eval(&s, &in, 19 * S + 1), SYNC_FREERUN);
}

static void test_master(void **state)
{
	struct syncstate s;
	struct sync_input in = good;

	(void)state;
	syncstate_init(&s, TH, 5);
	in.port_state = PTP_PS_MASTER;
	in.gm_is_self = true;
	in.gm_present = false;
	assert_int_equal(syncstate_eval(&s, &in, S), SYNC_MASTER);
	/* MASTER with another clock as gm (a boundary clock's master port)
	 * is not master */
	in.gm_is_self = false;
	assert_int_equal(syncstate_eval(&s, &in, 2 * S), SYNC_FREERUN);
	/* locked -> master: no holdover (ptp4l took over as grandmaster) */
	lock(&s, 5);
	in.gm_is_self = true;
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_MASTER);
	assert_int_equal(syncstate_eval(&s, &good, 12 * S), SYNC_FREERUN);
	/* the gm identity its own but the port SLAVE: not master */
	in = good;
	in.gm_is_self = true;
	assert_int_equal(syncstate_eval(&s, &in, 13 * S), SYNC_FREERUN);
	in.answering = false;
	in.port_state = PTP_PS_MASTER;
	assert_int_equal(syncstate_eval(&s, &in, 14 * S), SYNC_UNKNOWN);
}

/* No answer overrides everything, and forgets holdover and the run. */
static void test_unknown(void **state)
{
	struct syncstate s;
	struct sync_input in = good;

	(void)state;
	lock(&s, 5);
	in.answering = false;
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_UNKNOWN);
	assert_int_equal(syncstate_eval(&s, &good, 12 * S), SYNC_FREERUN);
	feed(&s, 5, 0);
	assert_int_equal(syncstate_eval(&s, &good, 13 * S), SYNC_LOCKED);
	in.port_state = PTP_PS_LISTENING;
	assert_int_equal(syncstate_eval(&s, &in, 14 * S), SYNC_UNKNOWN);
	in.answering = true;
	assert_int_equal(syncstate_eval(&s, &in, 14 * S), SYNC_FREERUN);
	/* holdover -> unknown */
	lock(&s, 5);
	assert_int_equal(syncstate_eval(&s, &in, 11 * S), SYNC_HOLDOVER);
	in.answering = false;
	assert_int_equal(syncstate_eval(&s, &in, 12 * S), SYNC_UNKNOWN);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(syncstate_name(SYNC_LOCKED), "locked");
	assert_string_equal(syncstate_name(SYNC_HOLDOVER), "holdover");
	assert_string_equal(syncstate_name(SYNC_FREERUN), "freerun");
	assert_string_equal(syncstate_name(SYNC_MASTER), "master");
	assert_string_equal(syncstate_name(SYNC_UNKNOWN), "unknown");
	assert_string_equal(syncstate_name((enum sync_state)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_unknown),
		cmocka_unit_test(test_five_readings),
		cmocka_unit_test(test_each_condition),
		cmocka_unit_test(test_sync_age_boundary),
		cmocka_unit_test(test_holdover_expiry),
		cmocka_unit_test(test_master),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
