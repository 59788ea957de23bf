// SPDX-License-Identifier: MIT
/*
 * fakephc.so: an LD_PRELOAD shim that gives a process a PTP hardware clock
 * on a machine without one (LAB.md), so the PHC reader (src/phc.c) and
 * whatever uses it can be tested unchanged. It intercepts:
 *
 *  open, open64, openat, openat64, __open_2, __open64_2
 *                  of FAKEPHC_DEV: answered with a spare descriptor (a
 *                  real open of /dev/null with the caller's flags) that
 *                  the calls below then treat as the PHC; an open asking
 *                  for write access is logged
 *                  of /sys/class/ptp/ptpN/clock_name (N: the digits ending
 *                  FAKEPHC_DEV) with FAKEPHC_CLOCK_NAME set: a memfd
 *                  holding that name and a newline, as sysfs prints it;
 *                  of /sys/class/ptp/ptpN/device/phc_error_bound with
 *                  FAKEPHC_ERROR_BOUND_FILE set: that file instead, so a
 *                  test can change the bound while the process runs
 *  close           forgets a fake descriptor
 *  ioctl           on a fake descriptor: PTP_CLOCK_GETCAPS(2),
 *                  PTP_SYS_OFFSET_PRECISE(2), PTP_SYS_OFFSET_EXTENDED(2),
 *                  PTP_SYS_OFFSET(2) from the clock model below; anything
 *                  else ENOTTY. Other descriptors pass through.
 *  clock_gettime, clock_getres  of FD_TO_CLOCKID(fake fd)
 *  clock_adjtime, clock_settime, adjtimex, ntp_adjtime, settimeofday
 *                  a call that would change any clock (clock_adjtime and
 *                  adjtimex with modes != 0, every clock_settime and
 *                  settimeofday) fails with EPERM and is logged, so a
 *                  test can assert it never happened; clock_adjtime with
 *                  modes 0 on the fake clock reads a zero frequency.
 *
 * The clock model: phc(sys) = sys + OFFSET + (sys - t0) * DRIFT / 10^9,
 * where sys is CLOCK_REALTIME and t0 is CLOCK_REALTIME at load. Each
 * EXTENDED/basic sample reads CLOCK_REALTIME afresh as sys1, reports sys2
 * = sys1 + w and the PHC at sys1 + w / 2, with w cycling WINDOW x 3, 2, 1,
 * 4, 2: the shortest window of a batch of 5 is WINDOW, at index 2. So a
 * reader taking the midpoint gets offset sys - phc = -(OFFSET + (sys - t0)
 * * DRIFT / 10^9) exactly.
 *
 * Environment (read once at load):
 *  FAKEPHC_DEV           the device path to fake (e.g. /dev/ptp0); unset:
 *                        the shim does nothing but refuse clock changes
 *  FAKEPHC_OFFSET_NS     PHC - CLOCK_REALTIME at load (default 37000000000,
 *                        a TAI PHC)
 *  FAKEPHC_DRIFT_PPB     the PHC runs fast by this (default 0; may be < 0)
 *  FAKEPHC_T0_NS         t0 of the model (default CLOCK_REALTIME at load),
 *                        so a test knows the truth to the nanosecond
 *  FAKEPHC_WINDOW_NS     the shortest sys-PHC-sys window (default 400)
 *  FAKEPHC_NO_PRECISE=1  PRECISE answers EOPNOTSUPP, as AWS ENA's driver
 *                        (and cross_timestamping is 0 in the caps)
 *  FAKEPHC_NO_EXTENDED=1 EXTENDED answers EOPNOTSUPP as well
 *  FAKEPHC_EBUSY=N       the first N offset ioctls answer EBUSY
 *  FAKEPHC_NEGATIVE_EVERY=N  every Nth EXTENDED/basic batch has one
 *                        sample with sys2 = sys1 - 1 (a stepped clock)
 *  FAKEPHC_CLOCK_NAME    the PHC's sysfs clock_name (e.g. "ena-ptp-05")
 *  FAKEPHC_ERROR_BOUND_FILE  a file answering the ENA phc_error_bound
 *                        attribute (text: ns and a newline)
 *  FAKEPHC_LOG           append one line per refused clock change
 *                        ("clock_adjtime clk=N modes=0xM", "clock_settime
 *                        clk=N", "adjtimex modes=0xM", "settimeofday") and
 *                        per writable open ("open-writable")
 *  FAKEPHC_TRACE         append the name of each PHC ioctl answered
 *                        ("getcaps", "precise", "extended", "basic", or
 *                        "ebusy"/"eopnotsupp" when refused)
 *
 * No allocation, no stdio on the intercepted paths; state is atomics.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#ifndef FD_TO_CLOCKID
/* computed unsigned: the kernel's ~fd << 3 shifts a negative int */
#define FD_TO_CLOCKID(fd) ((clockid_t)((~(unsigned int)(fd) << 3) | 3u))
#endif
/* The strict-flag twins of linux 5.8+; 6.1 headers have them. */
#ifndef PTP_CLOCK_GETCAPS2
#define PTP_CLOCK_GETCAPS2 _IOR(PTP_CLK_MAGIC, 10, struct ptp_clock_caps)
#endif
#ifndef PTP_SYS_OFFSET2
#define PTP_SYS_OFFSET2 _IOW(PTP_CLK_MAGIC, 14, struct ptp_sys_offset)
#endif
#ifndef PTP_SYS_OFFSET_PRECISE2
#define PTP_SYS_OFFSET_PRECISE2                                                \
	_IOWR(PTP_CLK_MAGIC, 17, struct ptp_sys_offset_precise)
#endif
#ifndef PTP_SYS_OFFSET_EXTENDED2
#define PTP_SYS_OFFSET_EXTENDED2                                               \
	_IOWR(PTP_CLK_MAGIC, 18, struct ptp_sys_offset_extended)
#endif

#define NSEC	     1000000000LL
#define MAX_FAKE_FDS 8

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*close_fn)(int);
typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*adjtime_fn)(clockid_t, struct timex *);
typedef int (*adjtimex_fn)(struct timex *);

static struct {
	int ready;
	ioctl_fn ioctl;
	close_fn close;
	gettime_fn gettime;
	gettime_fn getres;
	adjtime_fn adjtime;
	adjtimex_fn adjtimex;
	adjtimex_fn ntp_adjtime;
	char dev[256];
	char log[512];
	char trace[512];
	char name[64];	      /* FAKEPHC_CLOCK_NAME */
	char name_path[128];  /* /sys/class/ptp/ptpN/clock_name */
	char bound_file[256]; /* FAKEPHC_ERROR_BOUND_FILE */
	char bound_path[128]; /* .../ptpN/device/phc_error_bound */
	int64_t offset;
	int64_t drift_ppb;
	int64_t window;
	int64_t t0;
	bool no_precise;
	bool no_extended;
	long ebusy;
	long negative_every;
	unsigned long batches;
	int fds[MAX_FAKE_FDS]; /* -1: free */
} fp;

static long fakephc_env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v) {
		return def;
	}
	n = strtol(v, &end, 0);
	return *end ? def : n;
}

static void fakephc_env_str(const char *name, char *buf, size_t len)
{
	const char *v = getenv(name);

	buf[0] = '\0';
	if (v && strlen(v) < len) {
		memcpy(buf, v, strlen(v) + 1);
	}
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	fp.gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* The sysfs paths of the PHC named by FAKEPHC_DEV's trailing digits. */
static void fakephc_sysfs_paths(void)
{
	size_t n = strlen(fp.dev), i = n;
	static const char pre[] = "/sys/class/ptp/ptp";

	while (i > 0 && fp.dev[i - 1] >= '0' && fp.dev[i - 1] <= '9') {
		i--;
	}
	if (i == n || n - i > 6) {
		return;
	}
	memcpy(fp.name_path, pre, sizeof(pre) - 1);
	memcpy(fp.name_path + sizeof(pre) - 1, fp.dev + i, n - i);
	memcpy(fp.bound_path, fp.name_path, sizeof(pre) - 1 + n - i);
	memcpy(fp.name_path + sizeof(pre) - 1 + n - i, "/clock_name",
	       sizeof("/clock_name"));
	memcpy(fp.bound_path + sizeof(pre) - 1 + n - i,
	       "/device/phc_error_bound", sizeof("/device/phc_error_bound"));
}

__attribute__((constructor)) static void fakephc_init(void)
{
	int i;

	if (__atomic_load_n(&fp.ready, __ATOMIC_ACQUIRE)) {
		return;
	}
	fp.ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	fp.close = (close_fn)dlsym(RTLD_NEXT, "close");
	fp.gettime = (gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	fp.getres = (gettime_fn)dlsym(RTLD_NEXT, "clock_getres");
	fp.adjtime = (adjtime_fn)dlsym(RTLD_NEXT, "clock_adjtime");
	fp.adjtimex = (adjtimex_fn)dlsym(RTLD_NEXT, "adjtimex");
	fp.ntp_adjtime = (adjtimex_fn)dlsym(RTLD_NEXT, "ntp_adjtime");
	fakephc_env_str("FAKEPHC_DEV", fp.dev, sizeof(fp.dev));
	fakephc_env_str("FAKEPHC_LOG", fp.log, sizeof(fp.log));
	fakephc_env_str("FAKEPHC_TRACE", fp.trace, sizeof(fp.trace));
	fakephc_env_str("FAKEPHC_CLOCK_NAME", fp.name, sizeof(fp.name));
	fakephc_env_str("FAKEPHC_ERROR_BOUND_FILE", fp.bound_file,
			sizeof(fp.bound_file));
	fakephc_sysfs_paths();
	fp.offset = fakephc_env_long("FAKEPHC_OFFSET_NS", 37 * NSEC);
	fp.drift_ppb = fakephc_env_long("FAKEPHC_DRIFT_PPB", 0);
	fp.window = fakephc_env_long("FAKEPHC_WINDOW_NS", 400);
	if (fp.window < 0) {
		fp.window = 0;
	}
	fp.no_precise = fakephc_env_long("FAKEPHC_NO_PRECISE", 0) == 1;
	fp.no_extended = fakephc_env_long("FAKEPHC_NO_EXTENDED", 0) == 1;
	fp.ebusy = fakephc_env_long("FAKEPHC_EBUSY", 0);
	fp.negative_every = fakephc_env_long("FAKEPHC_NEGATIVE_EVERY", 0);
	for (i = 0; i < MAX_FAKE_FDS; i++) {
		fp.fds[i] = -1;
	}
	fp.t0 = fakephc_env_long("FAKEPHC_T0_NS", 0);
	if (!fp.t0) {
		fp.t0 = realtime_ns();
	}
	__atomic_store_n(&fp.ready, 1, __ATOMIC_RELEASE);
}

/* Append @a @b (either may be NULL) and a newline to @path with raw
 * syscalls: no stdio, and no recursion into the open() below. */
static void fakephc_append(const char *path, const char *a, const char *b)
{
	char line[160];
	size_t n = 0, k;
	const char *parts[2] = {a, b};
	int fd, i;

	if (!path[0]) {
		return;
	}
	for (i = 0; i < 2; i++) {
		if (!parts[i]) {
			continue;
		}
		k = strlen(parts[i]);
		if (n + k + 2 > sizeof(line)) {
			k = sizeof(line) - n - 2;
		}
		memcpy(line + n, parts[i], k);
		n += k;
	}
	line[n++] = '\n';
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, line, n);

		(void)w;
		syscall(SYS_close, fd);
	}
}

/* " key=VALUE" in decimal (or hex with @hex) appended to @buf at *@n. */
static void fakephc_num(char *buf, size_t *n, const char *key, long long v,
			bool hex)
{
	char d[24];
	unsigned long long u =
		v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int k = 0;

	while (*key) {
		buf[(*n)++] = *key++;
	}
	if (v < 0) {
		buf[(*n)++] = '-';
	}
	if (hex) {
		buf[(*n)++] = '0';
		buf[(*n)++] = 'x';
	}
	do {
		d[k++] = "0123456789abcdef"[u % (hex ? 16 : 10)];
		u /= hex ? 16 : 10;
	} while (u);
	while (k) {
		buf[(*n)++] = d[--k];
	}
	buf[*n] = '\0';
}

static void fakephc_log_change(const char *what, bool with_clk, clockid_t clk,
			       bool with_modes, unsigned int modes)
{
	char s[96];
	size_t n = 0;

	if (with_clk) {
		fakephc_num(s, &n, " clk=", clk, false);
	}
	if (with_modes) {
		fakephc_num(s, &n, " modes=", modes, true);
	}
	s[n] = '\0';
	fakephc_append(fp.log, what, s);
}

static bool fakephc_is_fd(int fd)
{
	int i;

	for (i = 0; i < MAX_FAKE_FDS; i++) {
		if (__atomic_load_n(&fp.fds[i], __ATOMIC_ACQUIRE) == fd &&
		    fd >= 0) {
			return true;
		}
	}
	return false;
}

static bool fakephc_is_clock(clockid_t clk)
{
	int i, fd;

	for (i = 0; i < MAX_FAKE_FDS; i++) {
		fd = __atomic_load_n(&fp.fds[i], __ATOMIC_ACQUIRE);
		if (fd >= 0 && FD_TO_CLOCKID(fd) == clk) {
			return true;
		}
	}
	return false;
}

static int64_t fakephc_at(int64_t sys)
{
	__int128 d = (__int128)(sys - fp.t0) * fp.drift_ppb / NSEC;

	return sys + fp.offset + (int64_t)d;
}

static struct ptp_clock_time fakephc_ct(int64_t ns)
{
	struct ptp_clock_time t;

	memset(&t, 0, sizeof(t));
	t.sec = ns / NSEC;
	if (ns % NSEC < 0) {
		t.sec--;
	}
	t.nsec = (uint32_t)(ns - t.sec * NSEC);
	return t;
}

static int fakephc_open(const char *path, int flags, mode_t mode, int dirfd)
{
	int fd, i;

	fakephc_init();
	if (fp.name[0] && fp.name_path[0] && !strcmp(path, fp.name_path)) {
		size_t k = strlen(fp.name);

		fd = (int)syscall(SYS_memfd_create, "fakephc-name",
				  MFD_CLOEXEC);
		if (fd < 0) {
			return fd;
		}
		if (write(fd, fp.name, k) != (ssize_t)k ||
		    write(fd, "\n", 1) != 1) {
			syscall(SYS_close, fd);
			errno = EIO;
			return -1;
		}
		lseek(fd, 0, SEEK_SET);
		return fd;
	}
	if (fp.bound_file[0] && fp.bound_path[0] &&
	    !strcmp(path, fp.bound_path)) {
		return (int)syscall(SYS_openat, AT_FDCWD, fp.bound_file,
				    O_RDONLY | O_CLOEXEC, 0);
	}
	if (!fp.dev[0] || strcmp(path, fp.dev) != 0) {
		return (int)syscall(SYS_openat, dirfd, path, flags, mode);
	}
	if ((flags & O_ACCMODE) != O_RDONLY) {
		fakephc_append(fp.log, "open-writable", NULL);
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
			  flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK), 0);
	if (fd < 0) {
		return fd;
	}
	for (i = 0; i < MAX_FAKE_FDS; i++) {
		int free_slot = -1;

		if (__atomic_compare_exchange_n(&fp.fds[i], &free_slot, fd,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			return fd;
		}
	}
	syscall(SYS_close, fd);
	errno = EMFILE;
	return -1;
}

static mode_t fakephc_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | __O_TMPFILE)) {
		return (mode_t)va_arg(ap, int);
	}
	return 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = fakephc_mode(flags, ap);
	va_end(ap);
	return fakephc_open(path, flags, mode, AT_FDCWD);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = fakephc_mode(flags, ap);
	va_end(ap);
	return fakephc_open(path, flags, mode, AT_FDCWD);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = fakephc_mode(flags, ap);
	va_end(ap);
	return fakephc_open(path, flags, mode, dirfd);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = fakephc_mode(flags, ap);
	va_end(ap);
	return fakephc_open(path, flags, mode, dirfd);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return fakephc_open(path, flags, 0, AT_FDCWD);
}

int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
	return fakephc_open(path, flags, 0, AT_FDCWD);
}

int close(int fd)
{
	int i;

	fakephc_init();
	for (i = 0; i < MAX_FAKE_FDS; i++) {
		int want = fd;

		if (fd >= 0 && __atomic_compare_exchange_n(
				       &fp.fds[i], &want, -1, false,
				       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			break;
		}
	}
	return fp.close(fd);
}

/* Window of sample @i: WINDOW x 3, 2, 1, 4, 2, ... */
static int64_t fakephc_window(unsigned int i)
{
	static const int mult[5] = {3, 2, 1, 4, 2};

	return fp.window * mult[i % 5];
}

/* One sample: sys1 now, sys2 = sys1 + w, the PHC at the midpoint. */
static void fakephc_sample(unsigned int i, bool negative, int64_t *sys1,
			   int64_t *phc, int64_t *sys2)
{
	int64_t w = fakephc_window(i);

	*sys1 = realtime_ns();
	*phc = fakephc_at(*sys1 + w / 2);
	*sys2 = negative ? *sys1 - 1 : *sys1 + w;
}

static bool fakephc_batch_negative(void)
{
	unsigned long b = __atomic_add_fetch(&fp.batches, 1, __ATOMIC_ACQ_REL);

	return fp.negative_every > 0 &&
	       b % (unsigned long)fp.negative_every == 0;
}

static int fakephc_ioctl(unsigned long req, void *arg)
{
	struct ptp_sys_offset_precise *pr = arg;
	struct ptp_sys_offset_extended *ext = arg;
	struct ptp_sys_offset *basic = arg;
	struct ptp_clock_caps *caps = arg;
	int64_t s1, phc, s2;
	struct timespec raw;
	unsigned int i, n;
	bool neg;

	if (req == PTP_CLOCK_GETCAPS || req == PTP_CLOCK_GETCAPS2) {
		memset(caps, 0, sizeof(*caps));
		caps->max_adj = 100000000;
		caps->cross_timestamping = !fp.no_precise;
		fakephc_append(fp.trace, "getcaps", NULL);
		return 0;
	}
	if (req != PTP_SYS_OFFSET_PRECISE && req != PTP_SYS_OFFSET_PRECISE2 &&
	    req != PTP_SYS_OFFSET_EXTENDED && req != PTP_SYS_OFFSET_EXTENDED2 &&
	    req != PTP_SYS_OFFSET && req != PTP_SYS_OFFSET2) {
		errno = ENOTTY;
		return -1;
	}
	if (((req == PTP_SYS_OFFSET_PRECISE ||
	      req == PTP_SYS_OFFSET_PRECISE2) &&
	     fp.no_precise) ||
	    ((req == PTP_SYS_OFFSET_EXTENDED ||
	      req == PTP_SYS_OFFSET_EXTENDED2) &&
	     fp.no_extended)) {
		/* what the kernel answers for a driver without
		 * getcrosststamp / gettimex64 */
		fakephc_append(fp.trace, "eopnotsupp", NULL);
		errno = EOPNOTSUPP;
		return -1;
	}
	if (__atomic_load_n(&fp.ebusy, __ATOMIC_ACQUIRE) > 0 &&
	    __atomic_sub_fetch(&fp.ebusy, 1, __ATOMIC_ACQ_REL) >= 0) {
		fakephc_append(fp.trace, "ebusy", NULL);
		errno = EBUSY;
		return -1;
	}
	if (req == PTP_SYS_OFFSET_PRECISE || req == PTP_SYS_OFFSET_PRECISE2) {
		s1 = realtime_ns();
		fp.gettime(CLOCK_MONOTONIC_RAW, &raw);
		memset(pr, 0, sizeof(*pr));
		pr->device = fakephc_ct(fakephc_at(s1));
		pr->sys_realtime = fakephc_ct(s1);
		pr->sys_monoraw =
			fakephc_ct((int64_t)raw.tv_sec * NSEC + raw.tv_nsec);
		fakephc_append(fp.trace, "precise", NULL);
		return 0;
	}
	if (req == PTP_SYS_OFFSET_EXTENDED || req == PTP_SYS_OFFSET_EXTENDED2) {
		n = ext->n_samples;
		if (!n || n > PTP_MAX_SAMPLES) {
			errno = EINVAL;
			return -1;
		}
		neg = fakephc_batch_negative();
		for (i = 0; i < n; i++) {
			fakephc_sample(i, neg && i == n - 1, &s1, &phc, &s2);
			ext->ts[i][0] = fakephc_ct(s1);
			ext->ts[i][1] = fakephc_ct(phc);
			ext->ts[i][2] = fakephc_ct(s2);
		}
		fakephc_append(fp.trace, "extended", NULL);
		return 0;
	}
	/* basic: sys, phc, sys, ..., sys; sample i's sys2 is sample i+1's
	 * sys1, so the system stamps are built as a running sum */
	n = basic->n_samples;
	if (!n || n > PTP_MAX_SAMPLES) {
		errno = EINVAL;
		return -1;
	}
	neg = fakephc_batch_negative();
	s1 = realtime_ns();
	for (i = 0; i < n; i++) {
		int64_t w = fakephc_window(i);

		if (neg && i == n - 1) {
			w = -1;
		}
		basic->ts[2 * i] = fakephc_ct(s1);
		basic->ts[2 * i + 1] = fakephc_ct(fakephc_at(s1 + w / 2));
		s1 += w;
	}
	basic->ts[2 * n] = fakephc_ct(s1);
	fakephc_append(fp.trace, "basic", NULL);
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	fakephc_init();
	if (!fakephc_is_fd(fd)) {
		return fp.ioctl(fd, req, arg);
	}
	if (!arg) {
		errno = EFAULT;
		return -1;
	}
	return fakephc_ioctl(req, arg);
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int64_t ns;

	fakephc_init();
	if (!fakephc_is_clock(clk)) {
		return fp.gettime(clk, ts);
	}
	ns = fakephc_at(realtime_ns());
	ts->tv_sec = ns / NSEC;
	ts->tv_nsec = ns % NSEC;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += NSEC;
	}
	return 0;
}

int clock_getres(clockid_t clk, struct timespec *ts)
{
	fakephc_init();
	if (!fakephc_is_clock(clk)) {
		return fp.getres(clk, ts);
	}
	if (ts) {
		ts->tv_sec = 0;
		ts->tv_nsec = 1;
	}
	return 0;
}

int clock_adjtime(clockid_t clk, struct timex *tx)
{
	fakephc_init();
	if (tx->modes != 0) {
		fakephc_log_change("clock_adjtime", true, clk, true, tx->modes);
		errno = EPERM;
		return -1;
	}
	if (fakephc_is_clock(clk)) {
		memset(tx, 0, sizeof(*tx));
		return TIME_OK;
	}
	return fp.adjtime(clk, tx);
}

int clock_settime(clockid_t clk, const struct timespec *ts)
{
	(void)ts;
	fakephc_init();
	fakephc_log_change("clock_settime", true, clk, false, 0);
	errno = EPERM;
	return -1;
}

int adjtimex(struct timex *tx)
{
	fakephc_init();
	if (tx->modes != 0) {
		fakephc_log_change("adjtimex", false, 0, true, tx->modes);
		errno = EPERM;
		return -1;
	}
	return fp.adjtimex(tx);
}

int ntp_adjtime(struct timex *tx)
{
	fakephc_init();
	if (tx->modes != 0) {
		fakephc_log_change("ntp_adjtime", false, 0, true, tx->modes);
		errno = EPERM;
		return -1;
	}
	return fp.ntp_adjtime(tx);
}

int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	(void)tv;
	(void)tz;
	fakephc_init();
	fakephc_log_change("settimeofday", false, 0, false, 0);
	errno = EPERM;
	return -1;
}
