// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Written once by log_setup() before the event loop starts, read-only after. */
static struct {
	int level;
	bool journal;
} log_cfg = {LOG_NOTICE, false};

static const char *const level_names[] = {
	[LOG_ERR] = "err",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_setup(int level, bool journal)
{
	log_cfg.level = level;
	log_cfg.journal = journal;
}

int log_get_level(void)
{
	return log_cfg.level;
}

int log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (level_names[i] && !strcmp(name, level_names[i])) {
			return (int)i;
		}
	}
	return -EINVAL;
}

bool log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* systemd sets "dev:ino" of the stream it connected to stderr; a child
	 * that inherited the variable but not the stream must not use it. */
	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2) {
		return false;
	}
	if (fstat(STDERR_FILENO, &st) < 0) {
		return false;
	}
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static void log_vmsg(int level, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * @err is errno as the caller had it: %m must name the caller's error,
 * not one left by clock_gettime() or localtime_r() (tzset() opening a
 * zone file) on the way here.
 */
static void log_vmsg(int level, int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (log_cfg.journal) {
		n = snprintf(line, sizeof(line), "<%d>", level);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      ".%06ld %s: ", ts.tv_nsec / 1000,
			      level >= 0 && level <= LOG_DEBUG &&
					      level_names[level]
				      ? level_names[level]
				      : "?");
	}
	errno = err;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line, so concurrent writers never interleave it. */
	fprintf(stderr, "%s\n", line);
	/* Logging never changes the caller's errno either. */
	errno = err;
}

void log_msg(int level, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, err, fmt, ap);
	va_end(ap);
}

bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ns,
		  unsigned int *suppressed)
{
	*suppressed = 0;
	if (rl->begin_ns == 0 || now_ns - rl->begin_ns >= rl->interval_ns) {
		*suppressed = rl->suppressed;
		rl->begin_ns = now_ns ? now_ns : 1;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void log_ratelimited(struct ratelimit *rl, int level, const char *fmt, ...)
{
	int err = errno;
	unsigned int suppressed;
	struct timespec ts;
	va_list ap;

	if (level > log_cfg.level) {
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!ratelimit_ok(rl,
			  (uint64_t)ts.tv_sec * 1000000000ULL +
				  (uint64_t)ts.tv_nsec,
			  &suppressed)) {
		errno = err;
		return;
	}
	if (suppressed) {
		log_msg(level, "%u similar messages suppressed", suppressed);
	}
	va_start(ap, fmt);
	log_vmsg(level, err, fmt, ap);
	va_end(ap);
}
