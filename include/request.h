/* SPDX-License-Identifier: MIT */
/* Client request parser (SPEC §5), built with json-c. Pure. */
#ifndef TBLK_REQUEST_H
#define TBLK_REQUEST_H

#include <stddef.h>

#define REQUEST_MAX_LINE 1024

enum request_sub {
	SUB_RX = 1 << 0,
	SUB_TX = 1 << 1,
	SUB_SAMPLE = 1 << 2,
	SUB_STATUS = 1 << 3,
	SUB_STREAMS = 1 << 4, /* per-stream integrity (streams.h) */
	SUB_CLOCK = 1 << 5,   /* PHC readings (clock.h) */
	SUB_SYNC = 1 << 6,    /* syncState changes (ptp4l.h) */
};
#define SUB_DEFAULT (SUB_RX | SUB_TX)

/*
 * Parse one request line of @len bytes (without its '\n'; a trailing '\r'
 * is tolerated). On success stores the new subscription set in *@subs and
 * returns 0. Otherwise returns -EMSGSIZE (longer than REQUEST_MAX_LINE),
 * -ENODATA (blank line: nothing to do) or -EINVAL, and points *@why at a
 * static string saying what was wrong.
 */
int request_parse(const char *line, size_t len, unsigned int *subs,
		  const char **why);

#endif
