/* SPDX-License-Identifier: MIT */
/*
 * Clock truth (SPEC section 11): the daemon's PHC, read every
 * --clock-interval from a timerfd in the loop (phc.h does the ioctls), each
 * reading published as a `clock` frame; the last two readings carry a
 * hardware stamp of that PHC into CLOCK_REALTIME with an honest bound. The
 * PHC is opened O_RDONLY before the privilege drop and never adjusted.
 *
 * The estimator (clock_est_*), the sysfs text parser and the clock-name
 * table are pure and unit-tested; struct clock adds the device, the timer
 * and the frames.
 */
#ifndef TBLK_CLOCK_H
#define TBLK_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "evloop.h"
#include "phc.h"
#include "server.h"

#define CLOCK_NAME_MAX 64 /* sysfs clock_name: ptp_clock_info.name[32] */
#define CLOCK_PATH_MAX 256

/* ---- pure: the estimator --------------------------------------------- */

/* The last two readings of one PHC and when (CLOCK_MONOTONIC) each was
 * taken: r[1] is the newest. */
struct clock_est {
	int index;		 /* N of /dev/ptpN; -1: unknown */
	uint64_t max_age_ns;	 /* 2 x --clock-interval */
	unsigned int n;		 /* readings held: 0, 1 or 2 */
	struct phc_reading r[2]; /* r[n - 1] is the newest */
	uint64_t mono_ns[2];	 /* CLOCK_MONOTONIC of each */
};

void clock_est_init(struct clock_est *e, int index, unsigned int interval_s);

/* Keep @r (taken at @mono_ns) as the newest; the older one stays. */
void clock_est_add(struct clock_est *e, const struct phc_reading *r,
		   uint64_t mono_ns);

/*
 * The measured PHC-system drift in ppb: how many ns the PHC gains per
 * second of CLOCK_REALTIME between the two readings (-(off1 - off0) * 10^9
 * / (sys1 - sys0), rounded toward zero). 0, or -ENODATA with fewer than two
 * readings or readings not in increasing time, -ERANGE on overflow.
 */
int clock_est_drift_ppb(const struct clock_est *e, int64_t *ppb);

/*
 * Carry the stamp @phc_ns of PHC @phc_index into CLOCK_REALTIME:
 *   *sys = phc_ns + offset of the reading nearer to the stamp (in PHC time)
 *   *err = ceil(window/2) of that reading
 *        + ceil(|off1 - off0| * age / (phc1 - phc0))     the drift over age
 *        + ceil((u0 + u1) * age / (phc1 - phc0))         its own error
 * with age = |phc_ns - phc of that reading| (docs/clock.md). Returns 0;
 * -ESRCH when @phc_index is not this PHC's (never convert another clock's
 * stamp); -ENODATA without two readings, when the newest is not younger
 * than 2 x --clock-interval at @now_mono_ns, or when the drift cannot be
 * measured; -ERANGE when the result does not fit int64. @err saturates at
 * INT64_MAX rather than fail.
 */
int clock_est_convert(const struct clock_est *e, int phc_index, int64_t phc_ns,
		      uint64_t now_mono_ns, int64_t *sys_ns, int64_t *err_ns);

/* ---- pure: what the platform says ------------------------------------ */

/*
 * "utc" for the clock names of PHCs the platform keeps in UTC: AWS ENA
 * ("ena-ptp-%02x", drivers/net/ethernet/amazon/ena/ena_phc.c) and ptp_kvm
 * ("KVM virtual PTP", drivers/ptp/ptp_kvm_common.c: the host's
 * CLOCK_REALTIME); NULL for any other name.
 */
const char *clock_name_timescale(const char *name);

/* A sysfs number ("123\n"): decimal digits, an optional trailing newline,
 * nothing else, at most UINT32_MAX. 0 or -EINVAL. */
int clock_parse_u32(const char *s, size_t len, uint32_t *v);

/* N of a device path "/dev/ptpN" (after symlinks are resolved by the
 * caller), or -EINVAL. */
int clock_path_index(const char *path);

/* ---- the daemon's clock ---------------------------------------------- */

struct clock;
struct clock_time_props;

/* From ptp4l's TIME_PROPERTIES_DATA_SET, set by the ptp4l client. */
struct clock_time_props {
	bool known; /* false: ptp4l says nothing (unreachable / no port) */
	bool ptp_timescale;
	int16_t utc_offset; /* currentUtcOffset, s */
	bool utc_offset_valid;
	bool leap61, leap59;
};

/* What status and metrics may show: a snapshot owned by the clock,
 * valid until the next loop turn. */
struct clock_view {
	const char *device;	/* the path opened */
	int index;		/* N of /dev/ptpN; -1: unknown */
	const char *clock_name; /* sysfs clock_name; "" when unreadable */
	enum phc_method method; /* the offset ioctl in use */
	bool have_reading;	/* last is a reading */
	struct phc_reading last;
	uint64_t last_mono_ns; /* CLOCK_MONOTONIC of last; its age is
				* ev_now_ns() - last_mono_ns */
	bool drift_known;
	int64_t drift_ppb;     /* clock_est_drift_ppb() of the last two */
	const char *timescale; /* "tai", "utc", "arb" or "unknown" */
	bool error_bound_known;
	uint32_t error_bound_ns; /* the platform's, read with last */
	uint64_t readings;	 /* readings published */
	uint64_t discarded;	 /* batches with a negative window */
	uint64_t busy;		 /* ticks lost to EBUSY (read again next) */
	uint64_t errors;	 /* other failed reads */
};

struct clock_config {
	const char *path;	 /* the PHC device */
	unsigned int interval_s; /* --clock-interval */
	struct server *srv;	 /* clock frames go here */
	/* sysfs root of the PTP class, "/sys/class/ptp" */
	const char *sysfs;
};

/*
 * Open the PHC at cfg->path O_RDONLY (phc_open: probes the offset ioctl),
 * resolve its index and clock name, take the first reading and arm the
 * timer in @loop. Runs before the privilege drop. Returns 0, or -errno of
 * the open with *@why naming the step.
 */
int clock_new(struct clock **ck, struct evloop *loop,
	      const struct clock_config *cfg, const char **why);
void clock_free(struct clock *ck);

/* ptp4l's time properties: timescale, utcOffsetS, utcOffsetValid and leap
 * of the following clock frames. */
void clock_set_time_props(struct clock *ck, const struct clock_time_props *tp);

const struct clock_view *clock_view(const struct clock *ck);

/* The timescale a clock frame states (pure): ptp4l's word when @tp is
 * known (ptpTimescale: "tai", else "arb"), else @by_name (from
 * clock_name_timescale()), else "unknown". */
const char *clock_timescale_of(const struct clock_time_props *tp,
			       const char *by_name);

/* clock_est_convert() with the clock's readings; -ENODATA for a NULL @ck. */
int clock_convert(const struct clock *ck, int phc_index, int64_t phc_stamp_ns,
		  uint64_t now_mono_ns, int64_t *sys_ns, int64_t *err_ns);

/* clock_convert() of a kernel stamp; -ERANGE for one out of range. */
int clock_convert_ts(const struct clock *ck, int phc_index,
		     const struct timespec *stamp, uint64_t now_mono_ns,
		     int64_t *sys_ns, int64_t *err_ns);

#endif
