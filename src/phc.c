// SPDX-License-Identifier: MIT
/*
 * PHC reader. Only reads: the fd is O_RDONLY and nothing here calls
 * clock_adjtime or clock_settime (the kernel's posix-clock layer refuses
 * both on a descriptor opened without FMODE_WRITE, a second guard).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "phc.h"

#define NSEC_PER_SEC 1000000000LL

/* Dynamic POSIX clock id of an open /dev/ptpN (the kernel's
 * include/linux/posix-timers.h: CLOCKFD 3, fd in the high bits). */
#ifndef FD_TO_CLOCKID
/* computed unsigned: the kernel's ~fd << 3 shifts a negative int */
#define FD_TO_CLOCKID(fd) ((clockid_t)((~(unsigned int)(fd) << 3) | 3u))
#endif

const char *phc_method_name(enum phc_method m)
{
	switch (m) {
	case PHC_METHOD_PRECISE:
		return "precise";
	case PHC_METHOD_EXTENDED:
		return "extended";
	case PHC_METHOD_BASIC:
		return "basic";
	default:
		return "none";
	}
}

int phc_time_ns(const struct ptp_clock_time *t, int64_t *ns)
{
	/* sec is signed and applies to the whole value; nsec is unsigned
	 * (linux/ptp_clock.h). Guard the product against overflow. */
	if (t->nsec >= NSEC_PER_SEC) {
		return -ERANGE;
	}
	if (t->sec > (INT64_MAX - (int64_t)t->nsec) / NSEC_PER_SEC ||
	    t->sec < INT64_MIN / NSEC_PER_SEC) {
		return -ERANGE;
	}
	*ns = t->sec * NSEC_PER_SEC + t->nsec;
	return 0;
}

/* sys2 - sys1 without signed overflow: -ERANGE when it would not fit. */
static int window(const struct phc_sample *s, int64_t *w)
{
	if (__builtin_sub_overflow(s->sys2, s->sys1, w)) {
		return -ERANGE;
	}
	return 0;
}

/* @s with a window already known to be >= 0 and to fit. A PHC far from
 * the system clock (its own epoch) may still give an offset beyond int64:
 * -ERANGE. */
static int reading_from(const struct phc_sample *s, struct phc_reading *r)
{
	int64_t w = s->sys2 - s->sys1, sys = s->sys1 + w / 2, off;

	if (__builtin_sub_overflow(sys, s->phc, &off)) {
		return -ERANGE;
	}
	r->phc_ns = s->phc;
	r->sys_ns = sys;
	r->offset_ns = off;
	r->window_ns = w;
	r->uncertainty_ns = w / 2 + (w & 1);
	return 0;
}

int phc_best_sample(const struct phc_sample *s, unsigned int n,
		    struct phc_reading *r)
{
	unsigned int i, best = 0;
	int64_t w, best_w = INT64_MAX;

	if (!n) {
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (window(&s[i], &w) < 0 || w < 0) {
			return -ERANGE;
		}
		if (w < best_w) {
			best_w = w;
			best = i;
		}
	}
	if (reading_from(&s[best], r) < 0) {
		return -ERANGE;
	}
	return (int)best;
}

int phc_samples_extended(const struct ptp_sys_offset_extended *x,
			 struct phc_sample *s, unsigned int n)
{
	unsigned int i;

	if (!n || n > PTP_MAX_SAMPLES) {
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (phc_time_ns(&x->ts[i][0], &s[i].sys1) < 0 ||
		    phc_time_ns(&x->ts[i][1], &s[i].phc) < 0 ||
		    phc_time_ns(&x->ts[i][2], &s[i].sys2) < 0) {
			return -ERANGE;
		}
	}
	return 0;
}

int phc_samples_basic(const struct ptp_sys_offset *x, struct phc_sample *s,
		      unsigned int n)
{
	unsigned int i;

	if (!n || n > PTP_MAX_SAMPLES) {
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (phc_time_ns(&x->ts[2 * i], &s[i].sys1) < 0 ||
		    phc_time_ns(&x->ts[2 * i + 1], &s[i].phc) < 0 ||
		    phc_time_ns(&x->ts[2 * i + 2], &s[i].sys2) < 0) {
			return -ERANGE;
		}
	}
	return 0;
}

int phc_reading_precise(const struct ptp_sys_offset_precise *x,
			struct phc_reading *r)
{
	struct phc_sample s;

	if (phc_time_ns(&x->device, &s.phc) < 0 ||
	    phc_time_ns(&x->sys_realtime, &s.sys1) < 0) {
		return -ERANGE;
	}
	s.sys2 = s.sys1;
	if (reading_from(&s, r) < 0) {
		return -ERANGE;
	}
	r->method = PHC_METHOD_PRECISE;
	return 0;
}

static int phc_ioctl(int fd, unsigned long req, void *arg)
{
	int i;

	for (i = 0; i < PHC_EBUSY_TRIES; i++) {
		if (ioctl(fd, req, arg) == 0) {
			return 0;
		}
		if (errno != EBUSY && errno != EINTR) {
			return -errno;
		}
	}
	return -EBUSY;
}

static int read_method(int fd, enum phc_method m, struct phc_reading *r)
{
	struct ptp_sys_offset_precise pr;
	struct ptp_sys_offset_extended ext;
	struct ptp_sys_offset basic;
	struct phc_sample s[PHC_SAMPLES];
	int err;

	switch (m) {
	case PHC_METHOD_PRECISE:
		memset(&pr, 0, sizeof(pr));
		err = phc_ioctl(fd, PTP_SYS_OFFSET_PRECISE, &pr);
		if (err < 0) {
			return err;
		}
		return phc_reading_precise(&pr, r);
	case PHC_METHOD_EXTENDED:
		/* rsv[0] is the clockid on kernels >= 6.11 (0 means
		 * CLOCK_REALTIME); zeroed, every kernel reads REALTIME. */
		memset(&ext, 0, sizeof(ext));
		ext.n_samples = PHC_SAMPLES;
		err = phc_ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &ext);
		if (err < 0) {
			return err;
		}
		err = phc_samples_extended(&ext, s, PHC_SAMPLES);
		break;
	case PHC_METHOD_BASIC:
		memset(&basic, 0, sizeof(basic));
		basic.n_samples = PHC_SAMPLES;
		err = phc_ioctl(fd, PTP_SYS_OFFSET, &basic);
		if (err < 0) {
			return err;
		}
		err = phc_samples_basic(&basic, s, PHC_SAMPLES);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (err < 0) {
		return err;
	}
	err = phc_best_sample(s, PHC_SAMPLES, r);
	if (err < 0) {
		return err;
	}
	r->method = m;
	return 0;
}

/* A driver without an ioctl answers EOPNOTSUPP (PRECISE without
 * getcrosststamp, EXTENDED without gettimex64) or, on older kernels,
 * ENOTTY/EINVAL; anything else is a real failure worth reporting. */
static bool not_offered(int err)
{
	return err == -EOPNOTSUPP || err == -ENOTTY || err == -EINVAL;
}

int phc_open(struct phc *p, const char *path)
{
	static const enum phc_method order[] = {
		PHC_METHOD_PRECISE,
		PHC_METHOD_EXTENDED,
		PHC_METHOD_BASIC,
	};
	struct phc_reading r;
	unsigned int i;
	int err, first_err = 0;

	memset(p, 0, sizeof(*p));
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		p->fd = -1;
		return -errno;
	}
	p->clkid = FD_TO_CLOCKID(p->fd);
	if (ioctl(p->fd, PTP_CLOCK_GETCAPS, &p->caps) < 0) {
		err = -errno;
		phc_close(p);
		return err;
	}
	/* Each once, so --check can say which the clock answers; the first
	 * that does is the method from now on. A negative window (-ERANGE)
	 * still proves the ioctl works. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		err = read_method(p->fd, order[i], &r);
		if (err == 0 || err == -ERANGE) {
			p->methods |= 1u << order[i];
			if (!p->method) {
				p->method = order[i];
			}
		} else if (!not_offered(err) && !first_err) {
			first_err = err;
		}
	}
	if (!p->method) {
		phc_close(p);
		return first_err ? first_err : -EOPNOTSUPP;
	}
	return 0;
}

int phc_read(struct phc *p, struct phc_reading *r)
{
	return read_method(p->fd, p->method, r);
}

int phc_gettime(const struct phc *p, int64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(p->clkid, &ts) < 0) {
		return -errno;
	}
	*ns = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

void phc_close(struct phc *p)
{
	if (p->fd >= 0) {
		close(p->fd);
	}
	p->fd = -1;
	p->method = PHC_METHOD_NONE;
}
