// SPDX-License-Identifier: MIT
/*
 * phc: the pure arithmetic of a PHC reading (best of N by window, offset,
 * midpoint, uncertainty) on batches laid out as the kernel fills them, and
 * the open path's refusals. Each expected value is worked out in the
 * comment above it; times are ns, "T" is 1796153098 s.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "phc.h"

#define T     1796153098LL
#define NS(s) ((s)*1000000000LL)

static struct ptp_clock_time ct(int64_t sec, uint32_t nsec)
{
	struct ptp_clock_time t = {.sec = sec, .nsec = nsec};

	return t;
}

static void test_time_ns(void **state)
{
	struct ptp_clock_time t;
	int64_t ns = 7;

	(void)state;
	t = ct(T, 999999999);
	assert_int_equal(phc_time_ns(&t, &ns), 0);
	assert_int_equal(ns, NS(T) + 999999999);
	/* a PHC of its own epoch may be before 1970: sec carries the sign */
	t = ct(-1, 500000000);
	assert_int_equal(phc_time_ns(&t, &ns), 0);
	assert_int_equal(ns, -500000000);
	t = ct(T, 1000000000);
	assert_int_equal(phc_time_ns(&t, &ns), -ERANGE);
	t = ct(INT64_MAX / 1000000000 + 1, 0);
	assert_int_equal(phc_time_ns(&t, &ns), -ERANGE);
	/* 9223372036 s 854775807 ns is INT64_MAX exactly; one more is not */
	t = ct(9223372036LL, 854775807);
	assert_int_equal(phc_time_ns(&t, &ns), 0);
	assert_int_equal(ns, INT64_MAX);
	t = ct(9223372036LL, 854775808);
	assert_int_equal(phc_time_ns(&t, &ns), -ERANGE);
	t = ct(INT64_MIN / 1000000000 - 1, 0);
	assert_int_equal(phc_time_ns(&t, &ns), -ERANGE);
}

/* Five EXTENDED samples: PHC 37 s ahead (TAI), windows 900, 400, 401, 2000,
 * 400 ns; the first shortest (index 1) wins. */
static void test_best_of_extended(void **state)
{
	static const int64_t w[5] = {900, 400, 401, 2000, 400};
	struct ptp_sys_offset_extended x;
	struct phc_sample s[5];
	struct phc_reading r;
	unsigned int i;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.n_samples = 5;
	for (i = 0; i < 5; i++) {
		int64_t sys1 = 1000 * (int64_t)i;

		x.ts[i][0] = ct(T, (uint32_t)(sys1));
		/* the PHC read 100 ns into the window */
		x.ts[i][1] = ct(T + 37, (uint32_t)(sys1 + 100));
		x.ts[i][2] = ct(T, (uint32_t)(sys1 + w[i]));
	}
	assert_int_equal(phc_samples_extended(&x, s, 5), 0);
	assert_int_equal(s[3].sys2 - s[3].sys1, 2000);
	assert_int_equal(phc_best_sample(s, 5, &r), 1);
	/* sample 1: sys1 = T + 1000, phc = T + 37 s + 1100, sys2 = sys1 +
	 * 400: sys = sys1 + 200 = T + 1200; offset = sys - phc = -37 s + 100 */
	assert_int_equal(r.window_ns, 400);
	assert_int_equal(r.uncertainty_ns, 200);
	assert_int_equal(r.sys_ns, NS(T) + 1200);
	assert_int_equal(r.phc_ns, NS(T + 37) + 1100);
	assert_int_equal(r.offset_ns, -NS(37) + 100);
}

/* Basic layout: sys, phc, sys, phc, ..., sys (2n + 1 stamps); sample i is
 * (ts[2i], ts[2i+1], ts[2i+2]), so neighbours share a system stamp. */
static void test_best_of_basic(void **state)
{
	/* sys stamps 0, 500, 800, 1500, 1600, 2600: windows 500, 300, 700,
	 * 100, 1000 -> sample 3 (1500 .. 1600) */
	static const int64_t sys[6] = {0, 500, 800, 1500, 1600, 2600};
	struct ptp_sys_offset x;
	struct phc_sample s[5];
	struct phc_reading r;
	unsigned int i;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.n_samples = 5;
	for (i = 0; i < 6; i++) {
		x.ts[2 * i] = ct(T, (uint32_t)sys[i]);
	}
	/* the PHC 250 ns behind the system clock, read mid-window: sample
	 * 3's PHC is T + (1500 + 1600) / 2 - 250 = T + 1300 */
	for (i = 0; i < 5; i++) {
		x.ts[2 * i + 1] =
			ct(T, (uint32_t)((sys[i] + sys[i + 1]) / 2 - 250));
	}
	assert_int_equal(phc_samples_basic(&x, s, 5), 0);
	assert_int_equal(s[0].sys2, s[1].sys1);
	assert_int_equal(phc_best_sample(s, 5, &r), 3);
	/* sys = 1500 + 100 / 2 = 1550; offset 1550 - 1300 = 250 */
	assert_int_equal(r.window_ns, 100);
	assert_int_equal(r.uncertainty_ns, 50);
	assert_int_equal(r.sys_ns, NS(T) + 1550);
	assert_int_equal(r.phc_ns, NS(T) + 1300);
	assert_int_equal(r.offset_ns, 250);
}

/* A batch with one negative window (CLOCK_REALTIME stepped back within
 * it) is discarded whole, even when another sample looks fine. */
static void test_negative_window_discards_batch(void **state)
{
	struct phc_sample s[3] = {
		{NS(T), NS(T) + 10, NS(T) + 20},
		{NS(T) + 100, NS(T) + 105, NS(T) + 99}, /* -1 */
		{NS(T) + 200, NS(T) + 202, NS(T) + 204},
	};
	struct phc_reading r;

	(void)state;
	assert_int_equal(phc_best_sample(s, 3, &r), -ERANGE);
	assert_int_equal(phc_best_sample(s, 1, &r), 0);
	assert_int_equal(phc_best_sample(s + 2, 1, &r), 0);
	assert_int_equal(r.window_ns, 4);
	assert_int_equal(phc_best_sample(s, 0, &r), -EINVAL);
	/* a zero window is fine */
	s[1].sys2 = s[1].sys1;
	assert_int_equal(phc_best_sample(s, 3, &r), 1);
	assert_int_equal(r.window_ns, 0);
	assert_int_equal(r.uncertainty_ns, 0);
	assert_int_equal(r.offset_ns, -5);
}

/* Odd windows round the uncertainty up: half of 401 ns is 201, never 200;
 * the midpoint itself rounds down (sys1 + 200). */
static void test_odd_window(void **state)
{
	struct phc_sample s = {NS(T), NS(T), NS(T) + 401};
	struct phc_reading r;

	(void)state;
	assert_int_equal(phc_best_sample(&s, 1, &r), 0);
	assert_int_equal(r.uncertainty_ns, 201);
	assert_int_equal(r.sys_ns, NS(T) + 200);
	assert_int_equal(r.offset_ns, 200);
}

static void test_overflow(void **state)
{
	struct phc_sample s = {INT64_MIN + 10, 0, INT64_MAX - 10};
	struct phc_reading r;

	(void)state;
	/* the window itself does not fit */
	assert_int_equal(phc_best_sample(&s, 1, &r), -ERANGE);
	/* a PHC near its INT64_MIN against a system clock in 2026 */
	s.sys1 = NS(T);
	s.sys2 = NS(T) + 10;
	s.phc = INT64_MIN + 5;
	assert_int_equal(phc_best_sample(&s, 1, &r), -ERANGE);
}

static void test_bad_stamps(void **state)
{
	struct ptp_sys_offset_extended x;
	struct ptp_sys_offset b;
	struct phc_sample s[PTP_MAX_SAMPLES];

	(void)state;
	memset(&x, 0, sizeof(x));
	x.ts[2][1].nsec = 1000000000;
	assert_int_equal(phc_samples_extended(&x, s, 2), 0);
	assert_int_equal(phc_samples_extended(&x, s, 3), -ERANGE);
	assert_int_equal(phc_samples_extended(&x, s, 0), -EINVAL);
	assert_int_equal(phc_samples_extended(&x, s, PTP_MAX_SAMPLES + 1),
			 -EINVAL);
	memset(&b, 0, sizeof(b));
	b.ts[2 * PTP_MAX_SAMPLES].nsec = 1000000000; /* the last sys */
	assert_int_equal(phc_samples_basic(&b, s, PTP_MAX_SAMPLES - 1), 0);
	assert_int_equal(phc_samples_basic(&b, s, PTP_MAX_SAMPLES), -ERANGE);
	assert_int_equal(phc_samples_basic(&b, s, 0), -EINVAL);
}

static void test_precise(void **state)
{
	struct ptp_sys_offset_precise p;
	struct phc_reading r;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.device = ct(T + 37, 123);
	p.sys_realtime = ct(T, 456);
	p.sys_monoraw = ct(5, 0);
	assert_int_equal(phc_reading_precise(&p, &r), 0);
	assert_int_equal(r.method, PHC_METHOD_PRECISE);
	assert_int_equal(r.phc_ns, NS(T + 37) + 123);
	assert_int_equal(r.sys_ns, NS(T) + 456);
	assert_int_equal(r.offset_ns, -NS(37) + 333);
	assert_int_equal(r.window_ns, 0);
	assert_int_equal(r.uncertainty_ns, 0);
	p.sys_realtime.nsec = 1000000000;
	assert_int_equal(phc_reading_precise(&p, &r), -ERANGE);
}

/* Not a PHC: the open path gives the kernel's answer back and no fd. */
static void test_open_refusals(void **state)
{
	struct phc p;

	(void)state;
	assert_int_equal(phc_open(&p, "/nonexistent/ptp0"), -ENOENT);
	assert_int_equal(p.fd, -1);
	/* PTP_CLOCK_GETCAPS on a character device that is not a PHC */
	assert_int_equal(phc_open(&p, "/dev/null"), -ENOTTY);
	assert_int_equal(p.fd, -1);
	phc_close(&p); /* harmless twice */
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(phc_method_name(PHC_METHOD_PRECISE), "precise");
	assert_string_equal(phc_method_name(PHC_METHOD_EXTENDED), "extended");
	assert_string_equal(phc_method_name(PHC_METHOD_BASIC), "basic");
	assert_string_equal(phc_method_name(PHC_METHOD_NONE), "none");
	assert_string_equal(phc_method_name((enum phc_method)9), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_ns),
		cmocka_unit_test(test_best_of_extended),
		cmocka_unit_test(test_best_of_basic),
		cmocka_unit_test(test_negative_window_discards_batch),
		cmocka_unit_test(test_odd_window),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_bad_stamps),
		cmocka_unit_test(test_precise),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
