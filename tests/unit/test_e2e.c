// SPDX-License-Identifier: MIT
/*
 * e2e_compute: IEEE 1588 end-to-end offset and delay, each expected value
 * worked out by hand in the comment above it. Shorthand: all times in ns
 * within the second shown, d = meanPathDelay, o = offsetFromMaster,
 * sc/rc = sync/resp correction in ns (scaled / 2^16):
 *   d = ((t2 - t3) + (t4 - t1) - sc - rc) / 2
 *   o = t2 - t1 - d - sc
 * rounded once, to the nearest ns, ties away from zero.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e2e.h"

#define NS(s, n)                                                               \
	{                                                                      \
		.tv_sec = (s), .tv_nsec = (n)                                  \
	}
#define SCALED(ns) ((int64_t)(ns)*65536)
/* 2^48 - 1: the largest PTP Timestamp seconds value */
#define SEC48 281474976710655LL

static void check(const struct e2e_input *in, int64_t offset, int64_t delay)
{
	int64_t o = 0x5a5a, d = 0x5a5a;

	assert_int_equal(e2e_compute(in, &o, &d), 0);
	assert_int_equal(o, offset);
	assert_int_equal(d, delay);
}

static void check_range(const struct e2e_input *in)
{
	int64_t o = 0x5a5a, d = 0x5a5a;

	assert_int_equal(e2e_compute(in, &o, &d), -ERANGE);
	/* nothing half-written on failure */
	assert_int_equal(o, 0x5a5a);
	assert_int_equal(d, 0x5a5a);
}

/*
 * Clocks in step, 1 us each way, no corrections.
 * t1 = 100.000000000  t2 = 100.000001000  t3 = 100.000500000
 * t4 = 100.000501000
 * d = ((1000 - 500000) + (501000 - 0)) / 2 = 2000 / 2 = 1000
 * o = 1000 - 0 - 1000 = 0
 */
static void test_zero_corrections(void **state)
{
	struct e2e_input in = {
		.t1 = NS(100, 0),
		.t2 = NS(100, 1000),
		.t3 = NS(100, 500000),
		.t4 = NS(100, 501000),
	};

	(void)state;
	check(&in, 0, 1000);
}

/*
 * Symmetric 2.3 us path (veth), slave 250 ns ahead of the master.
 * t1 = 1000.000000000 (master)
 * t2 = t1 + 2300 + 250 = 1000.000002550 (slave)
 * t3 = 1000.000100000 (slave) = 1000.000099750 master
 * t4 = 1000.000099750 + 2300 = 1000.000102050 (master)
 * d = ((2550 - 100000) + (102050 - 0)) / 2 = 4600 / 2 = 2300
 * o = 2550 - 0 - 2300 = 250
 */
static void test_symmetric_path(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 2550),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 102050),
	};

	(void)state;
	check(&in, 250, 2300);
}

/*
 * Slave 1.5 us behind the master, same path.
 * t1 = 1000.000000000  t2 = t1 + 2300 - 1500 = 1000.000000800
 * t3 = 1000.000100000 (slave) = 1000.000101500 master
 * t4 = 1000.000101500 + 2300 = 1000.000103800
 * d = ((800 - 100000) + 103800) / 2 = 4600 / 2 = 2300
 * o = 800 - 2300 = -1500
 * One ns more on t4: d = 4601 / 2 = 2300.5 -> 2301 (tie, away from 0)
 * o = 800 - 2300.5 = -1500.5 -> -1501 (tie, away from zero)
 */
static void test_negative_offset(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 800),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 103800),
	};

	(void)state;
	check(&in, -1500, 2300);
	in.t4.tv_nsec = 103801;
	check(&in, -1501, 2301);
}

/*
 * Slave 10 s behind (just started, clock unset): nothing saturates.
 * t1 = 1010.000000000  t2 = 1000.000002300
 * t3 = 1000.000100000 (= 1010.000100000 master)  t4 = 1010.000102300
 * t2 - t3 = -97700, t4 - t1 = 102300, d = 4600 / 2 = 2300
 * o = (1000.000002300 - 1010.000000000) - 2300 = -9999997700 - 2300
 *   = -10000000000
 */
static void test_large_negative_offset(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1010, 0),
		.t2 = NS(1000, 2300),
		.t3 = NS(1000, 100000),
		.t4 = NS(1010, 102300),
	};

	(void)state;
	check(&in, -10000000000LL, 2300);
}

/*
 * Corrections with sub-ns fractions, both positive, on the
 * test_symmetric_path times (t2 - t1 = 2550, raw sum 4600):
 * sc = 100.25 ns = 6553600 + 16384 = 6569984 scaled
 * rc = 50.5 ns = 3276800 + 32768 = 3309568 scaled
 * d = (4600 - 100.25 - 50.5) / 2 = 4449.25 / 2 = 2224.625 -> 2225
 * o = 2550 - 2224.625 - 100.25 = 225.125 -> 225
 */
static void test_positive_corrections(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 2550),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 102050),
		.sync_corr = 6569984,
		.resp_corr = 3309568,
	};

	(void)state;
	check(&in, 225, 2225);
}

/*
 * Negative corrections (asymmetry corrections can be):
 * sc = -0.75 ns = -49152 scaled, rc = -2.25 ns = -147456 scaled
 * d = (4600 + 0.75 + 2.25) / 2 = 4603 / 2 = 2301.5 -> 2302 (tie, away)
 * o = 2550 - 2301.5 + 0.75 = 249.25 -> 249
 */
static void test_negative_corrections(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 2550),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 102050),
		.sync_corr = -49152,
		.resp_corr = -147456,
	};

	(void)state;
	check(&in, 249, 2302);
}

/*
 * Opposite signs, and only one rounding: rc = -3 ns exactly, sc = 0.
 * d = (4600 + 3) / 2 = 2301.5 -> 2302
 * o = 2550 - 2301.5 = 248.5 -> 249 (tie, away from zero).
 * Rounding d first would give 2550 - 2302 = 248: off by one.
 * Then sc = +1.5 ns = 98304, rc = -1.5 ns = -98304:
 * d = (4600 - 1.5 + 1.5) / 2 = 2300, o = 2550 - 2300 - 1.5 = 248.5 -> 249
 */
static void test_mixed_corrections(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 2550),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 102050),
		.resp_corr = SCALED(-3),
	};

	(void)state;
	check(&in, 249, 2302);
	in.sync_corr = 98304;
	in.resp_corr = -98304;
	check(&in, 249, 2300);
}

/*
 * A fraction below half a ns in each direction:
 * sc = 1 scaled (1/65536 ns), rc = 0:
 * d = (4600 - 0.0000153) / 2 = 2299.99999 -> 2300
 * o = 2550 - 2299.99999 - 0.0000153 = 250.0000076 -> 250
 */
static void test_tiny_corrections(void **state)
{
	struct e2e_input in = {
		.t1 = NS(1000, 0),
		.t2 = NS(1000, 2550),
		.t3 = NS(1000, 100000),
		.t4 = NS(1000, 102050),
		.sync_corr = 1,
	};

	(void)state;
	check(&in, 250, 2300);
}

/*
 * t1/t2 and t3/t4 straddle second boundaries.
 * t1 = 41.999999000  t2 = 42.000001300 (t2 - t1 = 2300)
 * t3 = 42.999999999  t4 = 43.000002299 (t4 - t3 = 2300)
 * t2 - t3 = 1300 - 999999999 = -999998699
 * t4 - t1 = 1000000000 + 2299 + 1000 = 1000003299
 * d = (-999998699 + 1000003299) / 2 = 4600 / 2 = 2300
 * o = 2300 - 2300 = 0
 */
static void test_second_boundary(void **state)
{
	struct e2e_input in = {
		.t1 = NS(41, 999999000),
		.t2 = NS(42, 1300),
		.t3 = NS(42, 999999999),
		.t4 = NS(43, 2299),
	};

	(void)state;
	check(&in, 0, 2300);
}

/*
 * 48-bit seconds: sec = 2^48 - 1 = 281474976710655 is 2.8e23 ns, far past
 * int64 ns (9.2e18), yet the differences are small.
 * Same offsets as test_symmetric_path: o = 250, d = 2300.
 * And t1 at 2^48 - 1 .999999000, t2 one second later (2^48 .000001550):
 * t2 - t1 = 2550, t3 = 2^48 .000100000, t4 = 2^48 .000102050:
 * d = ((1550 - 100000) + (1000000000 + 102050 - 999999000)) / 2
 *   = (-98450 + 103050) / 2 = 2300, o = 2550 - 2300 = 250
 */
static void test_48bit_seconds(void **state)
{
	struct e2e_input in = {
		.t1 = NS(SEC48, 0),
		.t2 = NS(SEC48, 2550),
		.t3 = NS(SEC48, 100000),
		.t4 = NS(SEC48, 102050),
	};

	(void)state;
	check(&in, 250, 2300);
	in.t1 = (struct timespec)NS(SEC48, 999999000);
	in.t2 = (struct timespec)NS(SEC48 + 1, 1550);
	in.t3 = (struct timespec)NS(SEC48 + 1, 100000);
	in.t4 = (struct timespec)NS(SEC48 + 1, 102050);
	check(&in, 250, 2300);
}

/*
 * The edges of int64 ns. t3 = t2 and t4 = t1 make d = 0, o = t2 - t1.
 * t1 = 0, t2 = 9223372036.854775807 s: o = INT64_MAX exactly: fits.
 * t2 one ns later: o = INT64_MAX + 1: -ERANGE.
 * t1 = 9223372036.854775808, t2 = 0: o = -2^63 = INT64_MIN: fits.
 * t1 one ns later: o = INT64_MIN - 1: -ERANGE.
 */
static void test_int64_edges(void **state)
{
	struct e2e_input in = {
		.t1 = NS(0, 0),
		.t2 = NS(9223372036, 854775807),
		.t3 = NS(9223372036, 854775807),
		.t4 = NS(0, 0),
	};

	(void)state;
	check(&in, INT64_MAX, 0);
	in.t2.tv_nsec = in.t3.tv_nsec = 854775808;
	check_range(&in);

	in.t1 = (struct timespec)NS(9223372036, 854775808);
	in.t4 = in.t1;
	in.t2 = (struct timespec)NS(0, 0);
	in.t3 = in.t2;
	check(&in, INT64_MIN, 0);
	in.t1.tv_nsec = in.t4.tv_nsec = 854775809;
	check_range(&in);
}

/*
 * Overflow -> -ERANGE.
 * Slave at 2^48 - 1 s, master at 0 (an unset PHC against TAI):
 * t1 = 0, t2 = SEC48.000000000, t3 = SEC48.000100000, t4 = 0.000102050
 * d = (-100000 + 102050) / 2 = 1025 (fits), o = 2.8e23 - 1025: -ERANGE.
 * Delay overflowing instead: t2 and t4 huge, t1 and t3 zero:
 * d = (2.8e23 + 2.8e23) / 2: -ERANGE.
 */
static void test_overflow(void **state)
{
	struct e2e_input in = {
		.t1 = NS(0, 0),
		.t2 = NS(SEC48, 0),
		.t3 = NS(SEC48, 100000),
		.t4 = NS(0, 102050),
	};

	(void)state;
	check_range(&in);
	in.t3 = (struct timespec)NS(0, 0);
	in.t4 = (struct timespec)NS(SEC48, 0);
	check_range(&in);
	/* the largest time_t values stay inside __int128 */
	in.t1 = (struct timespec)NS(INT64_MIN, 0);
	in.t2 = (struct timespec)NS(INT64_MAX, 999999999);
	check_range(&in);
}

/*
 * Extreme correctionFields never overflow: with all t = 0 and
 * sc = rc = INT64_MIN (-2^63 scaled = -2^47 ns):
 * d = (0 + 2^47 + 2^47) / 2 = 2^47 = 140737488355328
 * o = 0 - 2^47 + 2^47 = 0
 * and sc = rc = INT64_MAX (2^47 - 2^-16 ns):
 * d = -(2^47 - 2^-16) -> -2^47 (the nearest ns)
 * o = 0 + (2^47 - 2^-16) - (2^47 - 2^-16) = 0
 */
static void test_extreme_corrections(void **state)
{
	struct e2e_input in = {
		.sync_corr = INT64_MIN,
		.resp_corr = INT64_MIN,
	};

	(void)state;
	check(&in, 0, 140737488355328LL);
	in.sync_corr = INT64_MAX;
	in.resp_corr = INT64_MAX;
	check(&in, 0, -140737488355328LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_corrections),
		cmocka_unit_test(test_symmetric_path),
		cmocka_unit_test(test_negative_offset),
		cmocka_unit_test(test_large_negative_offset),
		cmocka_unit_test(test_positive_corrections),
		cmocka_unit_test(test_negative_corrections),
		cmocka_unit_test(test_mixed_corrections),
		cmocka_unit_test(test_tiny_corrections),
		cmocka_unit_test(test_second_boundary),
		cmocka_unit_test(test_48bit_seconds),
		cmocka_unit_test(test_int64_edges),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_extreme_corrections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
