// SPDX-License-Identifier: MIT
/* Clock truth: PHC readings, clock frames, converted stamps. See clock.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "log.h"
#include "request.h"

#define NSEC_PER_SEC 1000000000LL

/* ---- the estimator ---------------------------------------------------- */

void clock_est_init(struct clock_est *e, int index, unsigned int interval_s)
{
	memset(e, 0, sizeof(*e));
	e->index = index;
	e->max_age_ns = 2ULL * interval_s * (uint64_t)NSEC_PER_SEC;
}

void clock_est_add(struct clock_est *e, const struct phc_reading *r,
		   uint64_t mono_ns)
{
	if (e->n == 2) {
		e->r[0] = e->r[1];
		e->mono_ns[0] = e->mono_ns[1];
		e->n = 1;
	}
	e->r[e->n] = *r;
	e->mono_ns[e->n] = mono_ns;
	e->n++;
}

/* a * b / c rounded up, a, b >= 0, c > 0; INT64_MAX when it overflows. */
static int64_t clock_muldiv_up(int64_t a, int64_t b, int64_t c)
{
	unsigned __int128 p = (unsigned __int128)(uint64_t)a * (uint64_t)b;
	unsigned __int128 q = (p + (uint64_t)c - 1) / (uint64_t)c;

	return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

static int64_t clock_sat_add(int64_t a, int64_t b)
{
	int64_t s;

	return __builtin_add_overflow(a, b, &s) ? INT64_MAX : s;
}

static int64_t clock_abs_diff(int64_t a, int64_t b, bool *ovf)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d) || d == INT64_MIN) {
		*ovf = true;
		return 0;
	}
	return d < 0 ? -d : d;
}

int clock_est_drift_ppb(const struct clock_est *e, int64_t *ppb)
{
	int64_t doff, dsys;
	__int128 q;

	if (e->n < 2) {
		return -ENODATA;
	}
	if (__builtin_sub_overflow(e->r[1].offset_ns, e->r[0].offset_ns,
				   &doff) ||
	    __builtin_sub_overflow(e->r[1].sys_ns, e->r[0].sys_ns, &dsys)) {
		return -ERANGE;
	}
	if (dsys <= 0) {
		return -ENODATA;
	}
	/* offset = sys - phc falls as the PHC gains */
	q = -(__int128)doff * NSEC_PER_SEC / dsys;
	if (q > INT64_MAX || q < INT64_MIN) {
		return -ERANGE;
	}
	*ppb = (int64_t)q;
	return 0;
}

int clock_est_convert(const struct clock_est *e, int phc_index, int64_t phc_ns,
		      uint64_t now_mono_ns, int64_t *sys_ns, int64_t *err_ns)
{
	const struct phc_reading *a, *b, *near;
	int64_t span, age0, age1, age, doff, sum_u, err;
	bool ovf = false;

	if (phc_index < 0 || phc_index != e->index) {
		return -ESRCH;
	}
	if (e->n < 2) {
		return -ENODATA;
	}
	if (now_mono_ns < e->mono_ns[1] ||
	    now_mono_ns - e->mono_ns[1] >= e->max_age_ns) {
		return -ENODATA;
	}
	a = &e->r[0];
	b = &e->r[1];
	/* the drift is measured in PHC time between the two readings */
	if (__builtin_sub_overflow(b->phc_ns, a->phc_ns, &span) || span <= 0) {
		return -ENODATA;
	}
	age0 = clock_abs_diff(phc_ns, a->phc_ns, &ovf);
	age1 = clock_abs_diff(phc_ns, b->phc_ns, &ovf);
	doff = clock_abs_diff(b->offset_ns, a->offset_ns, &ovf);
	if (ovf) {
		return -ERANGE;
	}
	/* the nearer reading; the newer one on a tie */
	near = age0 < age1 ? a : b;
	age = age0 < age1 ? age0 : age1;
	if (__builtin_add_overflow(phc_ns, near->offset_ns, sys_ns)) {
		return -ERANGE;
	}
	sum_u = clock_sat_add(a->uncertainty_ns, b->uncertainty_ns);
	err = clock_sat_add(near->uncertainty_ns,
			    clock_muldiv_up(doff, age, span));
	err = clock_sat_add(err, clock_muldiv_up(sum_u, age, span));
	*err_ns = err;
	return 0;
}

/* ---- what the platform says ------------------------------------------ */

const char *clock_name_timescale(const char *name)
{
	static const char ena[] = "ena-ptp-";

	if (!name) {
		return NULL;
	}
	if (!strncmp(name, ena, sizeof(ena) - 1) ||
	    !strcmp(name, "KVM virtual PTP")) {
		return "utc";
	}
	return NULL;
}

int clock_parse_u32(const char *s, size_t len, uint32_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (len && s[len - 1] == '\n') {
		len--;
	}
	if (!len) {
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -EINVAL;
		}
		n = n * 10 + (uint64_t)(s[i] - '0');
		if (n > UINT32_MAX) {
			return -EINVAL;
		}
	}
	*v = (uint32_t)n;
	return 0;
}

int clock_path_index(const char *path)
{
	static const char pre[] = "/dev/ptp";
	const char *p;
	long n = 0;

	if (!path || strncmp(path, pre, sizeof(pre) - 1)) {
		return -EINVAL;
	}
	p = path + sizeof(pre) - 1;
	if (!*p || (*p == '0' && p[1])) {
		return -EINVAL;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			return -EINVAL;
		}
		n = n * 10 + (*p - '0');
		if (n > INT_MAX / 10) {
			return -EINVAL;
		}
	}
	return (int)n;
}

/* ---- the daemon's clock ----------------------------------------------- */

struct clock {
	struct evloop *loop;
	struct server *srv;
	struct phc phc;
	bool open;
	int tfd;
	struct clock_est est;
	struct clock_view view;
	struct clock_time_props tp;
	const char *name_timescale; /* from the clock name, or NULL */
	char device[CLOCK_PATH_MAX];
	char name[CLOCK_NAME_MAX];
	char bound_path[CLOCK_PATH_MAX]; /* "": no index, nothing to read */
	int last_err;	     /* of the last read: logged on change */
	struct ratelimit rl; /* and a PHC that flaps, bounded */
	char frame[FRAME_MAX];
};

/* A small sysfs file into @buf (NUL-terminated, at most @size - 1 bytes).
 * open(2), not stdio: one read of an attribute is its whole value. */
static ssize_t clock_read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return -errno;
	}
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
	}
	close(fd);
	if (n >= 0) {
		buf[n] = '\0';
	}
	return n;
}

/* The device's index: a /dev/ptpN path, or what its symlinks name
 * (/dev/ptp_kvm, /dev/ptp_hyperv are udev links to a /dev/ptpN). */
static int clock_resolve_index(const char *path)
{
	char real[PATH_MAX];
	int i = clock_path_index(path);

	if (i >= 0) {
		return i;
	}
	if (realpath(path, real)) {
		return clock_path_index(real);
	}
	return -EINVAL;
}

static void clock_read_name(struct clock *ck, const char *sysfs)
{
	char path[CLOCK_PATH_MAX];
	ssize_t n;

	ck->name[0] = '\0';
	if (ck->est.index < 0) {
		return;
	}
	snprintf(path, sizeof(path), "%s/ptp%d/clock_name", sysfs,
		 ck->est.index);
	n = clock_read_small(path, ck->name, sizeof(ck->name));
	if (n < 0) {
		log_info("%s: no clock name (%s: %s)", ck->device, path,
			 strerror((int)-n));
		ck->name[0] = '\0';
		return;
	}
	ck->name[strcspn(ck->name, "\n")] = '\0';
}

/* AWS ENA publishes its PHC's error bound in ns as an attribute of the PCI
 * device (ena_sysfs.c, "%u\n"); the PTP clock's parent is that device, so
 * it is /sys/class/ptp/ptpN/device/phc_error_bound (S_IRUGO: readable
 * after the drop). Read right after each reading: the driver caches the
 * device's bound at every PHC read, so it is this reading's. */
static void clock_read_bound(struct clock *ck)
{
	char buf[24];
	uint32_t v;
	ssize_t n;

	ck->view.error_bound_known = false;
	if (!ck->bound_path[0]) {
		return;
	}
	n = clock_read_small(ck->bound_path, buf, sizeof(buf));
	if (n >= 0 && clock_parse_u32(buf, (size_t)n, &v) == 0) {
		ck->view.error_bound_known = true;
		ck->view.error_bound_ns = v;
	}
}

const char *clock_timescale_of(const struct clock_time_props *tp,
			       const char *by_name)
{
	/* ptp4l first: what it steers the PHC to outranks what the
	 * platform's driver name suggests */
	if (tp && tp->known) {
		return tp->ptp_timescale ? "tai" : "arb";
	}
	return by_name ? by_name : "unknown";
}

static const char *clock_timescale(const struct clock *ck)
{
	return clock_timescale_of(&ck->tp, ck->name_timescale);
}

static void clock_publish(struct clock *ck)
{
	const struct clock_view *v = &ck->view;
	struct frame_clock fc = {
		.phc = v->index,
		.device = v->device,
		.clock_name = v->clock_name[0] ? v->clock_name : NULL,
		.method = phc_method_name(v->last.method),
		.phc_ns = v->last.phc_ns,
		.sys_ns = v->last.sys_ns,
		.offset_ns = v->last.offset_ns,
		.window_ns = v->last.window_ns,
		.uncertainty_ns = v->last.uncertainty_ns,
		.timescale = v->timescale,
		.props_known = ck->tp.known,
		.utc_offset_s = ck->tp.utc_offset,
		.utc_offset_valid = ck->tp.utc_offset_valid,
		.leap = ck->tp.leap61	? 1
			: ck->tp.leap59 ? -1
					: 0,
		.error_bound_known = v->error_bound_known,
		.error_bound_ns = v->error_bound_ns,
		.drift_known = v->drift_known,
		.drift_ppb = v->drift_ppb,
	};
	int len;

	if (!ck->srv) {
		return;
	}
	len = frame_encode_clock(&fc, ck->frame, sizeof(ck->frame));
	if (len < 0) {
		log_err("cannot encode a clock frame: %s", strerror(-len));
		return;
	}
	server_broadcast(ck->srv, SUB_CLOCK, ck->frame, (size_t)len);
}

/* A failure is said when it differs from the last one, and the recovery
 * once: a PHC that keeps failing logs one line, not one per interval; one
 * that flaps is bounded by the rate limit. */
static void clock_note(struct clock *ck, int r)
{
	if (r == ck->last_err) {
		return;
	}
	ck->last_err = r;
	if (!r) {
		log_ratelimited(&ck->rl, LOG_NOTICE, "%s: readings again",
				ck->device);
	} else if (r == -ERANGE) {
		log_ratelimited(&ck->rl, LOG_INFO,
				"%s: a batch with a negative window "
				"(CLOCK_REALTIME stepped): discarded, read "
				"again next interval",
				ck->device);
	} else if (r == -EBUSY) {
		log_ratelimited(&ck->rl, LOG_INFO,
				"%s: busy, read again next interval",
				ck->device);
	} else {
		log_ratelimited(&ck->rl, LOG_WARNING,
				"%s: cannot read the PHC: %s (read again "
				"every interval)",
				ck->device, strerror(-r));
	}
}

static void clock_read(struct clock *ck)
{
	struct phc_reading r;
	int64_t ppb;
	int e;

	e = phc_read(&ck->phc, &r);
	clock_note(ck, e);
	if (e == -ERANGE) {
		ck->view.discarded++;
		return;
	}
	if (e == -EBUSY) {
		ck->view.busy++;
		return;
	}
	if (e) {
		ck->view.errors++;
		return;
	}
	clock_est_add(&ck->est, &r, ev_now_ns());
	clock_read_bound(ck);
	ck->view.have_reading = true;
	ck->view.last = r;
	ck->view.last_mono_ns = ck->est.mono_ns[ck->est.n - 1];
	ck->view.method = r.method;
	ck->view.drift_known = clock_est_drift_ppb(&ck->est, &ppb) == 0;
	ck->view.drift_ppb = ck->view.drift_known ? ppb : 0;
	ck->view.timescale = clock_timescale(ck);
	ck->view.readings++;
	clock_publish(ck);
}

static void clock_tick(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	clock_read(arg);
}

int clock_new(struct clock **ckp, struct evloop *loop,
	      const struct clock_config *cfg, const char **why)
{
	const char *sysfs = cfg->sysfs ? cfg->sysfs : "/sys/class/ptp";
	uint64_t iv = (uint64_t)cfg->interval_s * NSEC_PER_SEC;
	struct clock *ck;
	int r;

	if (!cfg->path || strlen(cfg->path) >= CLOCK_PATH_MAX || !iv) {
		*why = "bad configuration";
		return -EINVAL;
	}
	ck = calloc(1, sizeof(*ck));
	if (!ck) {
		*why = "out of memory";
		return -ENOMEM;
	}
	ck->loop = loop;
	ck->srv = cfg->srv;
	ck->tfd = -1;
	ck->rl = (struct ratelimit)RATELIMIT_INIT(60000000000ULL, 6);
	snprintf(ck->device, sizeof(ck->device), "%s", cfg->path);
	r = phc_open(&ck->phc, cfg->path);
	if (r) {
		*why = r == -EOPNOTSUPP ? "no PTP_SYS_OFFSET ioctl answers"
					: "open";
		free(ck);
		return r;
	}
	ck->open = true;
	clock_est_init(&ck->est, clock_resolve_index(cfg->path),
		       cfg->interval_s);
	clock_read_name(ck, sysfs);
	ck->name_timescale = clock_name_timescale(ck->name);
	if (ck->est.index >= 0) {
		snprintf(ck->bound_path, sizeof(ck->bound_path),
			 "%s/ptp%d/device/phc_error_bound", sysfs,
			 ck->est.index);
	}
	ck->view = (struct clock_view){
		.device = ck->device,
		.index = ck->est.index,
		.clock_name = ck->name,
		.method = ck->phc.method,
		.timescale = clock_timescale(ck),
	};
	ck->tfd = ev_timer_new(loop, clock_tick, ck);
	if (ck->tfd < 0) {
		r = ck->tfd;
		*why = "timerfd";
		clock_free(ck);
		return r;
	}
	r = ev_timer_arm(loop, ck->tfd, iv, iv);
	if (r) {
		*why = "timerfd";
		clock_free(ck);
		return r;
	}
	log_info("%s: PHC %d \"%s\", %s, timescale %s", ck->device,
		 ck->est.index, ck->name, phc_method_name(ck->phc.method),
		 ck->view.timescale);
	/* the first reading now: clients see a clock frame one interval
	 * sooner, and conversions start after the second */
	clock_read(ck);
	*ckp = ck;
	return 0;
}

void clock_free(struct clock *ck)
{
	if (!ck) {
		return;
	}
	if (ck->tfd >= 0) {
		ev_timer_free(ck->loop, ck->tfd);
	}
	if (ck->open) {
		phc_close(&ck->phc);
	}
	free(ck);
}

void clock_set_time_props(struct clock *ck, const struct clock_time_props *tp)
{
	if (!ck) {
		return;
	}
	ck->tp = *tp;
	ck->view.timescale = clock_timescale(ck);
}

const struct clock_view *clock_view(const struct clock *ck)
{
	return ck ? &ck->view : NULL;
}

int clock_convert(const struct clock *ck, int phc_index, int64_t phc_stamp_ns,
		  uint64_t now_mono_ns, int64_t *sys_ns, int64_t *err_ns)
{
	if (!ck) {
		return -ENODATA;
	}
	return clock_est_convert(&ck->est, phc_index, phc_stamp_ns, now_mono_ns,
				 sys_ns, err_ns);
}

int clock_convert_ts(const struct clock *ck, int phc_index,
		     const struct timespec *stamp, uint64_t now_mono_ns,
		     int64_t *sys_ns, int64_t *err_ns)
{
	int64_t ns;

	if (!ck) {
		return -ENODATA;
	}
	if (stamp->tv_nsec < 0 || stamp->tv_nsec >= NSEC_PER_SEC ||
	    __builtin_mul_overflow((int64_t)stamp->tv_sec, NSEC_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)stamp->tv_nsec, &ns)) {
		return -ERANGE;
	}
	return clock_convert(ck, phc_index, ns, now_mono_ns, sys_ns, err_ns);
}
