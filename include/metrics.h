/* SPDX-License-Identifier: MIT */
/*
 * --metrics-file (SPEC §11): a snapshot of the daemon's figures as
 * Prometheus text exposition format 0.0.4, for node_exporter's textfile
 * collector. metrics_format() is pure (snapshot in, text out); the writer
 * replaces the file atomically (a temporary file in the same directory,
 * written whole, then rename(2)), so a reader sees the old file or the
 * new one, never a part. Names, units and labels: docs/operations.md.
 */
#ifndef TBLK_METRICS_H
#define TBLK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "streams.h"

/* Per-stream series are written for at most this many streams (the
 * table may hold thousands of forged identities); the rest are counted
 * in tblk_ptp_metrics_streams_omitted. */
#define METRICS_STREAMS_MAX 32

/*
 * What one file says. Strings may be NULL (absent); each optional figure
 * has its has_* flag. The sync and clock parts are filled by whoever
 * owns those figures; absent ones are left out of the file, never
 * written as 0.
 */
struct metrics_snapshot {
	const char *iface;   /* the interface label; NULL in PHC-only mode */
	const char *version; /* tblk_ptp_build_info{version} */
	int64_t time_ns;     /* CLOCK_REALTIME of the snapshot */
	uint64_t uptime_s;
	bool has_link;
	bool link_up;
	bool has_stamping;
	bool hw; /* NIC stamps in force */
	unsigned int clients;
	const struct counters *counters; /* NULL: no packet path */
	uint64_t write_failures;	 /* metrics files not written so far */

	/* sync, from ptp4l (SPEC §11); sync_state NULL is "unknown" */
	const char *sync_state; /* "locked", "holdover", "freerun", ... */
	const char *port_state; /* ptp4l's portState name, NULL: none */
	const char *gm;		/* grandmaster clockIdentity, NULL: none */
	bool has_offset;
	int64_t offset_ns; /* offsetFromMaster */
	bool has_mean_path_delay;
	int64_t mean_path_delay_ns;
	bool has_steps_removed;
	unsigned int steps_removed;
	bool has_clock_class;
	unsigned int clock_class;
	bool has_utc_offset;
	int utc_offset_s;
	bool utc_offset_valid;
	bool has_time_flags; /* TIME_PROPERTIES_DATA_SET's flags */
	bool ptp_timescale;
	bool time_traceable;

	/* clock, from the PHC readings (SPEC §11) */
	const char *phc_device; /* "/dev/ptp0", NULL: no PHC read */
	const char *clock_name;
	const char *phc_method;	 /* "precise", "extended", "basic" */
	const char *timescale;	 /* "tai", "utc", "arb", "unknown" */
	bool has_reading;	 /* the figures of the latest reading */
	int64_t phc_offset_ns;	 /* sys - phc */
	int64_t uncertainty_ns;	 /* of that reading */
	int64_t window_ns;	 /* sys-PHC-sys window */
	uint64_t reading_age_ns; /* how old it is */
	bool has_drift;
	double drift_ppb; /* PHC against CLOCK_REALTIME, measured */
	bool has_error_bound;
	int64_t error_bound_ns; /* the platform's, e.g. ENA phc_error_bound */
	bool has_readings;
	uint64_t readings, readings_discarded;

	/* per-stream accounting (issue 13), NULL: none */
	const struct streams *streams;
	unsigned int streams_max; /* 0: METRICS_STREAMS_MAX */
};

/* sync_state values the tblk_ptp_sync_state enum gauge always lists. */
extern const char *const metrics_sync_states[];

/*
 * @m as Prometheus text into a malloc'd, NUL-terminated *@text of *@len
 * bytes (the caller frees it). Pure. 0, or -ENOMEM.
 */
int metrics_format(const struct metrics_snapshot *m, char **text, size_t *len);

/* @v into @out (size >= 4 * strlen(@v) + 1) escaped as a label value:
 * backslash, double quote and newline. Returns @out. */
char *metrics_escape_label(const char *v, char *out, size_t size);

/* "<path>.tmp" into @out: the temporary name, which never ends in .prom.
 * 0, or -ENAMETOOLONG. */
int metrics_tmp_path(const char *path, char *out, size_t size);

/*
 * Replace @path with @len bytes of @text: write <path>.tmp (mode 0644
 * whatever the umask, O_NOFOLLOW), then rename it over @path. On failure
 * the temporary file is removed and @path is left as it was. 0, or
 * -errno with *@what naming the step ("open", "write", "rename", ...).
 */
int metrics_write_file(const char *path, const char *text, size_t len,
		       const char **what);

/*
 * The daemon's writer: formats and writes @path every status tick. A
 * failure is logged once as a warning, then at most every 10 minutes
 * with the count held back, and the next tick tries again; never fatal.
 * The recovery is logged too. It fills m->write_failures.
 */
struct metrics_writer;

/* 0, -ENOMEM, or -ENAMETOOLONG for a path without room for ".tmp". */
int metrics_writer_new(struct metrics_writer **w, const char *path);
void metrics_writer_free(struct metrics_writer *w);

/* One file from @m at CLOCK_MONOTONIC @now_ns. 0 or -errno (logged). */
int metrics_writer_write(struct metrics_writer *w, struct metrics_snapshot *m,
			 uint64_t now_ns);

#endif
