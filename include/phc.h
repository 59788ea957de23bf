/* SPDX-License-Identifier: MIT */
/*
 * PHC reader (SPEC section 11): reads a PTP hardware clock against
 * CLOCK_REALTIME, never adjusts it. The device is opened O_RDONLY (the
 * kernel then refuses clock_adjtime/clock_settime on it with EACCES); the
 * offset ioctl is probed once at open: PTP_SYS_OFFSET_PRECISE, else
 * PTP_SYS_OFFSET_EXTENDED (best of 5 by window), else PTP_SYS_OFFSET.
 * The arithmetic (sample choice, offset, window) is in pure functions.
 */
#ifndef TBLK_PHC_H
#define TBLK_PHC_H

#include <linux/ptp_clock.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Samples per EXTENDED or basic batch (SPEC section 11). */
#define PHC_SAMPLES 5
/* Attempts of an ioctl answering EBUSY (a cross-timestamp in progress). */
#define PHC_EBUSY_TRIES 3

enum phc_method {
	PHC_METHOD_NONE = 0,
	PHC_METHOD_PRECISE = 1,
	PHC_METHOD_EXTENDED = 2,
	PHC_METHOD_BASIC = 3,
};

/* One PHC reading: both clocks at one instant, in nanoseconds. */
struct phc_reading {
	int64_t phc_ns;		/* the PHC */
	int64_t sys_ns;		/* CLOCK_REALTIME at the same instant */
	int64_t offset_ns;	/* sys_ns - phc_ns */
	int64_t window_ns;	/* sys after - sys before the PHC read; 0
				 * for PRECISE (a hardware cross-stamp) */
	int64_t uncertainty_ns; /* window / 2, rounded up */
	enum phc_method method;
};

/* One sys-PHC-sys triple of an EXTENDED or basic batch. */
struct phc_sample {
	int64_t sys1;
	int64_t phc;
	int64_t sys2;
};

struct phc {
	int fd;
	clockid_t clkid;
	enum phc_method method; /* chosen at open */
	unsigned int methods;	/* 1 << enum phc_method: what answered */
	struct ptp_clock_caps caps;
};

/* "precise", "extended", "basic"; "none". */
const char *phc_method_name(enum phc_method m);

/* @t in ns: 0, or -ERANGE for nanoseconds >= 10^9 or outside int64. */
int phc_time_ns(const struct ptp_clock_time *t, int64_t *ns);

/*
 * The sample of @s[0..@n) with the shortest sys2 - sys1 window, into @r
 * (sys at the window's midpoint). Returns its index, -EINVAL for @n 0,
 * -ERANGE when any window is negative (CLOCK_REALTIME stepped during the
 * batch: the whole batch is discarded) or a difference overflows int64.
 */
int phc_best_sample(const struct phc_sample *s, unsigned int n,
		    struct phc_reading *r);

/* The @n triples of an EXTENDED answer (ts[i] = sys, phc, sys). Returns 0
 * or -ERANGE (a bad timestamp), -EINVAL for @n out of 1..PTP_MAX_SAMPLES. */
int phc_samples_extended(const struct ptp_sys_offset_extended *x,
			 struct phc_sample *s, unsigned int n);

/* The @n triples of a basic answer (ts = sys, phc, sys, phc, ..., sys:
 * each PHC read between its neighbours). Returns as above. */
int phc_samples_basic(const struct ptp_sys_offset *x, struct phc_sample *s,
		      unsigned int n);

/* A PRECISE answer as a reading (window 0). 0 or -ERANGE. */
int phc_reading_precise(const struct ptp_sys_offset_precise *x,
			struct phc_reading *r);

/*
 * Open @path O_RDONLY, PTP_CLOCK_GETCAPS, and probe each offset ioctl once
 * (EBUSY retried): the best that answers is p->method. Returns 0, or
 * -errno of open/GETCAPS, -EOPNOTSUPP when no offset ioctl answers.
 */
int phc_open(struct phc *p, const char *path);

/* One reading with p->method (EBUSY retried). 0, -ERANGE for a batch with
 * a negative window (discarded; read again later), or -errno. */
int phc_read(struct phc *p, struct phc_reading *r);

/* clock_gettime on the PHC's dynamic clock id. 0 or -errno. */
int phc_gettime(const struct phc *p, int64_t *ns);

void phc_close(struct phc *p);

#endif
