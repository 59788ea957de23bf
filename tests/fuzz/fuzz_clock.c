// SPDX-License-Identifier: MIT
/*
 * The clock module's pure parts on arbitrary bytes: clock_parse_u32 (a
 * sysfs number, checked against a plain reference), clock_path_index and
 * clock_name_timescale on a NUL-terminated copy, and the estimator fed two
 * readings and a stamp taken from the bytes: it must never overflow
 * (UBSan), and a success must carry a bound >= the nearer reading's
 * uncertainty.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_u32(const char *s, size_t len, uint32_t *v)
{
	char digits[16];
	size_t i = 0;
	unsigned long long n;

	if (len && s[len - 1] == '\n') {
		len--;
	}
	if (!len) {
		return -EINVAL;
	}
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9') {
			return -EINVAL;
		}
	}
	/* leading zeros are harmless; more than 10 digits are too many */
	while (i + 1 < len && s[i] == '0') {
		i++;
	}
	if (len - i > 10) {
		return -EINVAL;
	}
	memcpy(digits, s + i, len - i);
	digits[len - i] = '\0';
	n = strtoull(digits, NULL, 10);
	if (n > UINT32_MAX) {
		return -EINVAL;
	}
	*v = (uint32_t)n;
	return 0;
}

static int64_t take(const uint8_t **p, size_t *n)
{
	int64_t v = 0;

	if (*n >= sizeof(v)) {
		memcpy(&v, *p, sizeof(v));
		*p += sizeof(v);
		*n -= sizeof(v);
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t a = 0xdead, b = 0xdead;
	struct clock_est e;
	struct phc_reading r[2];
	const uint8_t *p = data;
	size_t n = size;
	int64_t sys, err, stamp;
	uint64_t now;
	char *s;
	int ra, rb;

	s = malloc(size + 1);
	if (!s) {
		return 0;
	}
	memcpy(s, data, size);
	ra = clock_parse_u32(s, size, &a);
	rb = ref_u32(s, size, &b);
	if (ra != rb || (ra == 0 && a != b)) {
		abort();
	}
	s[size] = '\0';
	(void)clock_path_index(s);
	(void)clock_name_timescale(s);
	free(s);

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 2; i++) {
		r[i].phc_ns = take(&p, &n);
		r[i].offset_ns = take(&p, &n);
		r[i].sys_ns = take(&p, &n);
		/* phc.c never yields a negative window or uncertainty */
		r[i].uncertainty_ns = take(&p, &n) & INT64_MAX;
	}
	stamp = take(&p, &n);
	now = (uint64_t)take(&p, &n);
	clock_est_init(&e, 0, 1);
	clock_est_add(&e, &r[0], 0);
	clock_est_add(&e, &r[1], now % 3000000000ULL);
	if (clock_est_convert(&e, 0, stamp, now % 4000000000ULL, &sys, &err) ==
		    0 &&
	    err < (r[0].uncertainty_ns < r[1].uncertainty_ns
			   ? r[0].uncertainty_ns
			   : r[1].uncertainty_ns)) {
		abort();
	}
	(void)clock_est_drift_ppb(&e, &sys);
	return 0;
}
