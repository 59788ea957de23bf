// SPDX-License-Identifier: MIT
/*
 * clock: the estimator that carries a PHC stamp into CLOCK_REALTIME (the
 * nearer reading's offset; the bound of docs/clock.md), the measured
 * drift, the refusals (another PHC, stale, unmeasured, overflow), the
 * platform's clock names and sysfs numbers, and the clock frame and the
 * sysNs/sysErrNs keys byte for byte. Times are ns; "T" is 1796153098 s.
 * Each expected value is worked out in the comment above it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "frame.h"

#define T     1796153098LL
#define NS(s) ((s)*1000000000LL)
#define MONO  5000000000ULL /* CLOCK_MONOTONIC of the newer reading */

static struct phc_reading rd(int64_t sys, int64_t offset, int64_t window)
{
	struct phc_reading r = {
		.sys_ns = sys,
		.phc_ns = sys - offset,
		.offset_ns = offset,
		.window_ns = window,
		.uncertainty_ns = (window + 1) / 2,
		.method = PHC_METHOD_EXTENDED,
	};

	return r;
}

/*
 * PHC 2, interval 1 s. A PHC 37 s ahead (TAI) gaining 20 ppm: at sys
 * NS(T) offset -37 s exactly, one second later -37 s - 20000 ns. Windows
 * 300 and 500: uncertainties 150 and 250.
 */
static void two_readings(struct clock_est *e)
{
	struct phc_reading a = rd(NS(T), -NS(37), 300);
	struct phc_reading b = rd(NS(T + 1), -NS(37) - 20000, 500);

	clock_est_init(e, 2, 1);
	clock_est_add(e, &a, MONO - 1000000000ULL);
	clock_est_add(e, &b, MONO);
}

static void test_convert(void **state)
{
	struct clock_est e;
	int64_t sys = 0, err = 0, phc1;

	(void)state;
	two_readings(&e);
	/* phc of the newer reading: NS(T+1) + 37 s + 20000 */
	phc1 = NS(T + 1) + NS(37) + 20000;
	/* at the reading itself: its offset, its uncertainty, age 0 */
	assert_int_equal(clock_est_convert(&e, 2, phc1, MONO, &sys, &err), 0);
	assert_int_equal(sys, NS(T + 1));
	assert_int_equal(err, 250);
	/*
	 * 0.5 s of PHC after it: span = phc1 - phc0 = 10^9 + 20000;
	 * drift term ceil(20000 * 5e8 / span) = ceil(9999.8) = 10000;
	 * estimate term ceil((150 + 250) * 5e8 / span) = ceil(199.996) = 200;
	 * err = 250 + 10000 + 200 = 10450; sys = stamp - 37 s - 20000.
	 */
	assert_int_equal(clock_est_convert(&e, 2, phc1 + 500000000, MONO + 10,
					   &sys, &err),
			 0);
	assert_int_equal(sys, NS(T + 1) + 500000000);
	assert_int_equal(err, 10450);
	/*
	 * A stamp 0.2 s after the older reading is nearer to it: its offset
	 * (-37 s) and uncertainty (150); age 2e8: ceil(20000 * 2e8 / span)
	 * = ceil(3999.92) = 4000, ceil(400 * 2e8 / span) = ceil(79.998) = 80.
	 */
	assert_int_equal(clock_est_convert(&e, 2, NS(T) + NS(37) + 200000000,
					   MONO, &sys, &err),
			 0);
	assert_int_equal(sys, NS(T) + 200000000);
	assert_int_equal(err, 150 + 4000 + 80);
	/* a stamp before both readings (an old rx): the older one, age 1 s:
	 * ceil(2e4 * 1e9 / span) = ceil(19999.6) = 20000, ceil(399.99) = 400 */
	assert_int_equal(
		clock_est_convert(&e, 2, NS(T) + NS(36), MONO, &sys, &err), 0);
	assert_int_equal(sys, NS(T - 1));
	assert_int_equal(err, 150 + 20000 + 400);
}

/* The bound covers the true error of a PHC whose drift is what was
 * measured, at every age, and grows linearly with it. */
static void test_bound_holds(void **state)
{
	struct clock_est e;
	int64_t sys, err, prev = 0;

	(void)state;
	two_readings(&e);
	for (int64_t age = 0; age <= NS(2); age += 100000000) {
		/* truth: PHC p = sys + 37 s + 20000 * (sys - NS(T)) / 1e9 */
		int64_t t = NS(T + 1) + age;
		int64_t p = t + NS(37) + (t - NS(T)) / 50000;
		int64_t miss;

		assert_int_equal(clock_est_convert(&e, 2, p, MONO, &sys, &err),
				 0);
		miss = sys > t ? sys - t : t - sys;
		assert_true(miss <= err);
		assert_true(err >= prev);
		prev = err;
	}
	/* at 2 s: 250 + ceil(2e4 * (2e9 + 4e4) / span) + ceil(400 * ...) */
	assert_int_equal(prev, 250 + 40000 + 800);
}

static void test_drift(void **state)
{
	struct clock_est e;
	struct phc_reading r = rd(NS(T), 0, 0);
	int64_t ppb = 1;

	(void)state;
	clock_est_init(&e, 0, 1);
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), -ENODATA);
	clock_est_add(&e, &r, 1);
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), -ENODATA);
	two_readings(&e);
	/* the offset fell 20000 ns in 1 s: the PHC gains 20000 ppb */
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), 0);
	assert_int_equal(ppb, 20000);
	/* a third reading pushes out the first: 1 s later, offset back up
	 * by 5000: the PHC loses 5000 ppb */
	r = rd(NS(T + 2), -NS(37) - 15000, 0);
	clock_est_add(&e, &r, MONO + 1000000000ULL);
	assert_int_equal(e.n, 2);
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), 0);
	assert_int_equal(ppb, -5000);
	/* readings not in increasing time measure nothing */
	r = rd(NS(T), 0, 0);
	clock_est_add(&e, &r, MONO + 2000000000ULL);
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), -ENODATA);
}

static void test_refusals(void **state)
{
	struct clock_est e;
	struct phc_reading a = rd(NS(T), 0, 0);
	int64_t sys = 7, err = 7, phc = NS(T);

	(void)state;
	/* one reading: no drift measured yet */
	clock_est_init(&e, 2, 1);
	clock_est_add(&e, &a, MONO);
	assert_int_equal(clock_est_convert(&e, 2, phc, MONO, &sys, &err),
			 -ENODATA);
	two_readings(&e);
	phc = NS(T + 1) + NS(37);
	/* another PHC's stamp is never converted, nor an unnamed one */
	assert_int_equal(clock_est_convert(&e, 0, phc, MONO, &sys, &err),
			 -ESRCH);
	assert_int_equal(clock_est_convert(&e, -1, phc, MONO, &sys, &err),
			 -ESRCH);
	/* stale: the newer reading must be younger than 2 x 1 s */
	assert_int_equal(
		clock_est_convert(&e, 2, phc, MONO + 1999999999ULL, &sys, &err),
		0);
	assert_int_equal(
		clock_est_convert(&e, 2, phc, MONO + 2000000000ULL, &sys, &err),
		-ENODATA);
	/* a monotonic time before the reading is no age at all */
	assert_int_equal(clock_est_convert(&e, 2, phc, MONO - 1, &sys, &err),
			 -ENODATA);
	/* two readings at the same PHC time measure no drift */
	sys = 7;
	err = 7;
	clock_est_init(&e, 2, 1);
	clock_est_add(&e, &a, MONO);
	clock_est_add(&e, &a, MONO);
	assert_int_equal(clock_est_convert(&e, 2, NS(T), MONO, &sys, &err),
			 -ENODATA);
	assert_int_equal(sys, 7);
	assert_int_equal(err, 7);
	/* NULL clock: nothing to convert with */
	assert_int_equal(clock_convert(NULL, 2, phc, MONO, &sys, &err),
			 -ENODATA);
}

static void test_overflow(void **state)
{
	struct clock_est e;
	struct phc_reading a = rd(INT64_MAX - NS(2), 0, 0);
	struct phc_reading b = rd(INT64_MAX - NS(1), 0, 0);
	int64_t sys = 0, err = 0;

	(void)state;
	/* sys = stamp + offset past INT64_MAX: refused */
	clock_est_init(&e, 1, 1);
	a.offset_ns = NS(10);
	b.offset_ns = NS(10);
	clock_est_add(&e, &a, MONO);
	clock_est_add(&e, &b, MONO);
	assert_int_equal(
		clock_est_convert(&e, 1, INT64_MAX - NS(1), MONO, &sys, &err),
		-ERANGE);
	/* an age of the whole int64 range: |stamp - reading| overflows */
	assert_int_equal(clock_est_convert(&e, 1, INT64_MIN, MONO, &sys, &err),
			 -ERANGE);
	/* a huge drift over a huge age saturates the bound, never wraps */
	clock_est_init(&e, 1, 1);
	a = rd(0, 0, 0);
	b = rd(1, -NS(1000000), INT64_MAX / 2);
	b.phc_ns = 1;
	clock_est_add(&e, &a, MONO);
	clock_est_add(&e, &b, MONO);
	assert_int_equal(
		clock_est_convert(&e, 1, NS(1000000000), MONO, &sys, &err), 0);
	assert_int_equal(err, INT64_MAX);
	/* offsets whose difference overflows: no drift */
	clock_est_init(&e, 1, 1);
	a = rd(0, INT64_MIN + 1, 0);
	b = rd(1, INT64_MAX, 0);
	a.phc_ns = 0;
	b.phc_ns = 1;
	clock_est_add(&e, &a, MONO);
	clock_est_add(&e, &b, MONO);
	int64_t ppb;
	assert_int_equal(clock_est_drift_ppb(&e, &ppb), -ERANGE);
	assert_int_equal(clock_est_convert(&e, 1, 0, MONO, &sys, &err),
			 -ERANGE);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(clock_name_timescale("ena-ptp-05"), "utc");
	assert_string_equal(clock_name_timescale("KVM virtual PTP"), "utc");
	assert_null(clock_name_timescale("gve clock"));
	assert_null(clock_name_timescale("hyperv"));
	assert_null(clock_name_timescale("ena-ptp"));
	assert_null(clock_name_timescale("KVM virtual PTP2"));
	assert_null(clock_name_timescale(""));
	assert_null(clock_name_timescale(NULL));
}

static void test_timescale(void **state)
{
	struct clock_time_props tp = {.known = false, .ptp_timescale = true};

	(void)state;
	/* nothing known: never a guess */
	assert_string_equal(clock_timescale_of(NULL, NULL), "unknown");
	assert_string_equal(clock_timescale_of(&tp, NULL), "unknown");
	/* the platform's clock name */
	assert_string_equal(clock_timescale_of(&tp, "utc"), "utc");
	/* ptp4l's word outranks it: ptpTimescale 1 is TAI, 0 arbitrary */
	tp.known = true;
	assert_string_equal(clock_timescale_of(&tp, "utc"), "tai");
	tp.ptp_timescale = false;
	assert_string_equal(clock_timescale_of(&tp, NULL), "arb");
}

static void test_parse_u32(void **state)
{
	uint32_t v = 9;

	(void)state;
	assert_int_equal(clock_parse_u32("4321\n", 5, &v), 0);
	assert_int_equal(v, 4321);
	assert_int_equal(clock_parse_u32("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(clock_parse_u32("4294967295\n", 11, &v), 0);
	assert_int_equal(v, 4294967295u);
	v = 9;
	assert_int_equal(clock_parse_u32("4294967296", 10, &v), -EINVAL);
	assert_int_equal(clock_parse_u32("", 0, &v), -EINVAL);
	assert_int_equal(clock_parse_u32("\n", 1, &v), -EINVAL);
	assert_int_equal(clock_parse_u32("-1\n", 3, &v), -EINVAL);
	assert_int_equal(clock_parse_u32("12 \n", 4, &v), -EINVAL);
	assert_int_equal(clock_parse_u32("12\n\n", 4, &v), -EINVAL);
	/* the length is what counts, not a NUL */
	assert_int_equal(clock_parse_u32("12\0003", 4, &v), -EINVAL);
	assert_int_equal(v, 9);
}

static void test_path_index(void **state)
{
	(void)state;
	assert_int_equal(clock_path_index("/dev/ptp0"), 0);
	assert_int_equal(clock_path_index("/dev/ptp17"), 17);
	assert_int_equal(clock_path_index("/dev/ptp_kvm"), -EINVAL);
	assert_int_equal(clock_path_index("/dev/ptp"), -EINVAL);
	assert_int_equal(clock_path_index("/dev/ptp01"), -EINVAL);
	assert_int_equal(clock_path_index("/dev/ptp1x"), -EINVAL);
	assert_int_equal(clock_path_index("/dev/ptp99999999999"), -EINVAL);
	assert_int_equal(clock_path_index("/tmp/ptp0"), -EINVAL);
	assert_int_equal(clock_path_index(NULL), -EINVAL);
}

static void test_clock_frame(void **state)
{
	struct frame_clock c = {
		.phc = 0,
		.device = "/dev/ptp0",
		.clock_name = "ena-ptp-05",
		.method = "extended",
		.phc_ns = NS(T) + 123,
		.sys_ns = NS(T) - NS(37) + 456,
		.offset_ns = -NS(37) + 333,
		.window_ns = 250,
		.uncertainty_ns = 125,
		.timescale = "utc",
		.error_bound_known = true,
		.error_bound_ns = 4321,
		.drift_known = true,
		.drift_ppb = -20000,
	};
	char buf[FRAME_MAX];
	int n;

	(void)state;
	n = frame_encode_clock(&c, buf, sizeof(buf));
	assert_string_equal(
		buf,
		"{\"v\":1,\"type\":\"clock\",\"phc\":0,\"device\":\"/dev/"
		"ptp0\",\"clockName\":\"ena-ptp-05\",\"method\":\"extended\","
		"\"phcNs\":\"1796153098000000123\",\"sysNs\":"
		"\"1796153061000000456\",\"offsetNs\":-36999999667,"
		"\"windowNs\":250,\"uncertaintyNs\":125,\"timescale\":\"utc\","
		"\"utcOffsetS\":null,\"utcOffsetValid\":null,\"leap\":null,"
		"\"errorBoundNs\":4321,\"driftPpb\":-20000}\n");
	assert_int_equal(n, (int)strlen(buf));
	/* ptp4l's properties; no name, no bound, no drift yet; a PHC of its
	 * own epoch may be before 1970 */
	c = (struct frame_clock){
		.phc = -1,
		.device = "/dev/ptp_kvm",
		.method = "precise",
		.phc_ns = -5,
		.sys_ns = 0,
		.offset_ns = 5,
		.timescale = "tai",
		.props_known = true,
		.utc_offset_s = 37,
		.utc_offset_valid = true,
		.leap = -1,
	};
	n = frame_encode_clock(&c, buf, sizeof(buf));
	assert_string_equal(
		buf,
		"{\"v\":1,\"type\":\"clock\",\"phc\":null,\"device\":\"/dev/"
		"ptp_kvm\",\"clockName\":null,\"method\":\"precise\","
		"\"phcNs\":\"-5\",\"sysNs\":\"0\",\"offsetNs\":5,"
		"\"windowNs\":0,\"uncertaintyNs\":0,\"timescale\":\"tai\","
		"\"utcOffsetS\":37,\"utcOffsetValid\":true,\"leap\":-1,"
		"\"errorBoundNs\":null,\"driftPpb\":null}\n");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(frame_encode_clock(&c, buf, 40), -ENOSPC);
}

/* sysNs and sysErrNs close a hardware stamp frame; a software stamp
 * never carries them, whatever the caller set. */
static void test_stamp_sys_keys(void **state)
{
	struct ptp_msg m;
	struct frame_stamp f;
	char buf[FRAME_MAX];
	const char *k;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.hdr.msg_type = PTP_ANNOUNCE;
	f = (struct frame_stamp){
		.msg = &m,
		.stamp = {.tv_sec = T, .tv_nsec = 5},
		.hw = true,
		.phc = 0,
		.has_sys = true,
		.sys_ns = NS(T) - NS(37) + 5,
		.sys_err_ns = 10450,
	};
	assert_true(frame_encode_stamp(&f, buf, sizeof(buf)) > 0);
	k = strstr(buf, ",\"sysNs\"");
	assert_non_null(k);
	assert_string_equal(k,
			    ",\"sysNs\":\"1796153061000000005\",\"sysErrNs\":"
			    "10450}\n");
	f.hw = false;
	assert_true(frame_encode_stamp(&f, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "sysNs"));
	assert_null(strstr(buf, "sysErrNs"));
	f.hw = true;
	f.has_sys = false;
	assert_true(frame_encode_stamp(&f, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "sysNs"));
}

static void test_phc_only_status(void **state)
{
	struct frame_status s = {
		.phc_only = true,
		.iface = "ignored",
		.ifindex = 3,
		.link_up = true,
		.hw = true,
		.phc = 0,
		.version = "0.1.0",
	};
	char buf[FRAME_MAX];

	(void)state;
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf,
			       "{\"v\":1,\"type\":\"status\",\"iface\":null,"
			       "\"ifindex\":null,\"link\":null,\"stamping\":"
			       "\"phc\",\"phc\":0,\"hwtsFilter\":null,"));
}

static void test_convert_ts(void **state)
{
	struct timespec bad = {.tv_sec = T, .tv_nsec = 1000000000};
	int64_t sys, err;

	(void)state;
	assert_int_equal(clock_convert_ts(NULL, 0, &bad, 0, &sys, &err),
			 -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_bound_holds),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_timescale),
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_path_index),
		cmocka_unit_test(test_clock_frame),
		cmocka_unit_test(test_stamp_sys_keys),
		cmocka_unit_test(test_phc_only_status),
		cmocka_unit_test(test_convert_ts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
