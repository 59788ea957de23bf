/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmark tools. Header only, all static inline:
 * the Makefile turns every tests/bench/X.c into its own program, so shared
 * code cannot live in a .c file there.
 */
#ifndef TBLK_BENCH_H
#define TBLK_BENCH_H

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/*
 * Latency histogram, log-linear: exact below 256 ns, then 128 buckets per
 * power of two (under 0.8 % error). Fixed size, so recording a sample never
 * allocates and a long run costs no memory.
 */
#define BENCH_HIST_SUB	   128
#define BENCH_HIST_BUCKETS (2 * BENCH_HIST_SUB + 56 * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t count[BENCH_HIST_BUCKETS];
	uint64_t n;
	uint64_t negative; /* samples below 0 (a clock step), recorded as 0 */
	uint64_t max;
	long double sum;
};

static inline unsigned int bench_hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 2 * BENCH_HIST_SUB) {
		return (unsigned int)v;
	}
	msb = 63 - (unsigned int)__builtin_clzll(v);
	shift = msb - 7;
	return 2 * BENCH_HIST_SUB + (shift - 1) * BENCH_HIST_SUB +
	       (unsigned int)((v >> shift) - BENCH_HIST_SUB);
}

/* Midpoint of bucket @i: the value a percentile falling in it reports. */
static inline uint64_t bench_hist_value(unsigned int i)
{
	unsigned int shift;
	uint64_t top;

	if (i < 2 * BENCH_HIST_SUB) {
		return i;
	}
	shift = (i - 2 * BENCH_HIST_SUB) / BENCH_HIST_SUB + 1;
	top = BENCH_HIST_SUB + (i - 2 * BENCH_HIST_SUB) % BENCH_HIST_SUB;
	return (top << shift) + (1ULL << (shift - 1));
}

static inline void bench_hist_add(struct bench_hist *h, int64_t v)
{
	uint64_t u;

	if (v < 0) {
		h->negative++;
		v = 0;
	}
	u = (uint64_t)v;
	h->count[bench_hist_index(u)]++;
	h->n++;
	h->sum += (long double)u;
	if (u > h->max) {
		h->max = u;
	}
}

/* The smallest recorded value with at least @q of the samples at or
 * below it; 0 for an empty histogram. */
static inline uint64_t bench_hist_pct(const struct bench_hist *h, double q)
{
	uint64_t rank, cum = 0;
	unsigned int i;

	if (h->n == 0) {
		return 0;
	}
	rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n) {
		rank++;
	}
	if (rank == 0) {
		rank = 1;
	}
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		cum += h->count[i];
		if (cum >= rank) {
			uint64_t v = bench_hist_value(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* {"n":…,"p50":…,"p99":…,"p999":…,"max":…,"mean":…,"negative":…} in ns */
static inline struct json_object *bench_hist_json(const struct bench_hist *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int64((int64_t)h->n));
	json_object_object_add(
		o, "p50",
		json_object_new_int64((int64_t)bench_hist_pct(h, 0.5)));
	json_object_object_add(
		o, "p99",
		json_object_new_int64((int64_t)bench_hist_pct(h, 0.99)));
	json_object_object_add(
		o, "p999",
		json_object_new_int64((int64_t)bench_hist_pct(h, 0.999)));
	json_object_object_add(o, "max",
			       json_object_new_int64((int64_t)h->max));
	json_object_object_add(
		o, "mean",
		json_object_new_int64(
			h->n ? (int64_t)(h->sum / (long double)h->n) : 0));
	json_object_object_add(o, "negative",
			       json_object_new_int64((int64_t)h->negative));
	return o;
}

/*
 * Sequence bookkeeping for one receiver. Loss is counted by the caller as
 * offered minus seen: a kernel socket and a stream socket both deliver in
 * order and never duplicate, so "seen" needs no set of seqIds, and a run
 * of lost packets longer than the 16-bit wrap cannot confuse it. Gaps and
 * out-of-order arrivals are kept as a cross-check.
 */
struct bench_seq {
	uint64_t seen;
	uint64_t gap_loss;     /* sum of holes between consecutive seqIds */
	uint64_t out_of_order; /* a seqId not after the previous (or a dup) */
	bool have;
	uint16_t first;
	uint16_t last;
};

static inline void bench_seq_add(struct bench_seq *s, uint16_t seq)
{
	int16_t d;

	s->seen++;
	if (!s->have) {
		s->have = true;
		s->first = seq;
		s->last = seq;
		return;
	}
	d = (int16_t)(uint16_t)(seq - s->last);
	if (d <= 0) {
		s->out_of_order++;
		return;
	}
	s->gap_loss += (uint64_t)(d - 1);
	s->last = seq;
}

static inline uint64_t bench_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* utime + stime of this process in ns, and its peak RSS in KiB. */
static inline void bench_rusage(uint64_t *cpu_ns, long *maxrss_kib)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*cpu_ns =
		((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
			1000000000ULL +
		((uint64_t)ru.ru_utime.tv_usec +
		 (uint64_t)ru.ru_stime.tv_usec) *
			1000ULL;
	*maxrss_kib = ru.ru_maxrss;
}

/* Creates @path (when given) to tell run.sh a tool is ready to measure. */
static inline int bench_ready(const char *path)
{
	FILE *f;

	if (!path) {
		return 0;
	}
	f = fopen(path, "w");
	if (!f) {
		return -errno;
	}
	fputs("ready\n", f);
	fclose(f);
	return 0;
}

/* Prints @o as one line on stdout and releases it. */
static inline void bench_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static inline int bench_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static inline int bench_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

#endif
