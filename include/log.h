/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr: "<N>" priority prefixes under journald (JOURNAL_STREAM),
 * a plain timestamped format otherwise. The macros test the level before
 * evaluating their arguments.
 */
#ifndef TBLK_LOG_H
#define TBLK_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Called once at startup, before any other thread or loop exists: the
 * threshold and output format are the process's only logging state. */
void log_setup(int level, bool journal);
int log_get_level(void);

/* Parses "err", "warning", "notice", "info", "debug"; -EINVAL otherwise. */
int log_level_parse(const char *name);

/* True when JOURNAL_STREAM names our stderr (systemd.exec(5)). */
bool log_stderr_is_journal(void);

/* One line at @level; %m names errno as it was at the call, and errno is
 * left as it was. */
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_at(level, ...)                                                     \
	do {                                                                   \
		if ((level) <= log_get_level())                                \
			log_msg((level), __VA_ARGS__);                         \
	} while (0)

#define log_err(...)	 log_at(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_at(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 log_at(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_at(LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket for messages a remote peer or client can trigger: at most
 * @burst messages per @interval_ns; the next allowed message reports how
 * many were suppressed. Owned by the caller's context.
 */
struct ratelimit {
	uint64_t interval_ns;
	unsigned int burst;
	uint64_t begin_ns;
	unsigned int printed;
	unsigned int suppressed;
};

#define RATELIMIT_INIT(interval, n)                                            \
	{                                                                      \
		.interval_ns = (interval), .burst = (n)                        \
	}

/* Returns true when a message may be printed at monotonic time @now_ns;
 * *@suppressed receives the count held back since the last one. */
bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ns,
		  unsigned int *suppressed);

/* log_at() through @rl; CLOCK_MONOTONIC is read only when the level passes. */
void log_ratelimited(struct ratelimit *rl, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
