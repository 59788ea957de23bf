/* SPDX-License-Identifier: MIT */
/*
 * Per-stream integrity accounting (issue 13): what the timestamp path
 * lost, mixed up or delayed, per stream, where a stream is (domain,
 * transport, sourcePortIdentity). Fed with classified packets and the
 * caller's CLOCK_MONOTONIC "now"; the table is bounded (a cap, allocated
 * once, the oldest idle stream evicted), a stream silent for 3 of its
 * intervals is marked and then dropped. Every figure is defined in
 * docs/protocol.md ("streams"). Pure: no I/O, no clock reads.
 */
#ifndef TBLK_STREAMS_H
#define TBLK_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "ptp_msg.h"

/* The table's size when the caller has no reason to pick another. */
#define STREAMS_CAP_DEFAULT 64
/* A missing seqId is a gap once this many later seqIds have arrived;
 * one arriving before that is reordered. */
#define STREAMS_SEQ_WINDOW 8
/* A jump of more than this many seqIds either way re-anchors the
 * sequence (a restarted sender): counted in seqResets, not as gaps. */
#define STREAMS_SEQ_RESET 1024
/* A two-step SYNC waits this long for its FOLLOW_UP ... */
#define STREAMS_FUP_WINDOW_NS 1000000000ULL
/* ... and at most this many two-step SYNCs wait at once. */
#define STREAMS_FUP_PENDING 16
/* Silence: this many of the stream's intervals, but never less than
 * STREAMS_SILENT_MIN_NS (a stalled loop is not a silent master). */
#define STREAMS_SILENT_INTERVALS 3
#define STREAMS_SILENT_MIN_NS	 250000000ULL
/* A stream with fewer messages is on probation: evicted before any
 * established one, so a sender spraying identities cannot push out the
 * real masters. */
#define STREAMS_PROBATION 8
/* Sliding windows of the latest SYNC jitter samples and intervals. */
#define STREAMS_JITTER_SAMPLES	 256
#define STREAMS_INTERVAL_SAMPLES 64

struct streams;

/* --delay-req: the sidecar's own exchange (from active_exchange()). */
struct streams_own {
	struct ptp_port_id port;
	uint64_t delay_req_sent;
	uint64_t tx_stamps;
	uint64_t delay_resp;
};

/* A table of @cap streams (1..65535), allocated at once. 0 or -errno. */
int streams_new(struct streams **st, unsigned int cap);
void streams_free(struct streams *st);

/* NIC stamps are in force: an event message without one is missingHw. */
void streams_set_mode(struct streams *st, bool hw);

/* One classified packet at @now_ns. Only CLASSIFY_FRAME and
 * CLASSIFY_MISSING_HW are accounted; the other verdicts carry no
 * trustworthy message and are ignored. */
void streams_rx(struct streams *st, const struct classify_result *r,
		uint64_t now_ns);

/*
 * Housekeeping at @now_ns, once per report: drops the streams marked
 * silent by the previous call, marks those silent now, and counts the
 * two-step SYNCs whose FOLLOW_UP window has passed. A silent stream is
 * thus reported once as "silent" (encode after expire), then dropped.
 */
void streams_expire(struct streams *st, uint64_t now_ns);

/* Streams in the table, live or silent. */
unsigned int streams_count(const struct streams *st);
/* Streams evicted to make room, and dropped after silence, so far. */
uint64_t streams_evictions(const struct streams *st);
uint64_t streams_dropped(const struct streams *st);

/* The table as a whole, as the streams frame's header gives it. */
struct streams_summary {
	unsigned int count, cap;
	uint64_t evictions, dropped;
	unsigned int masters, extra_masters;
};

/* @sum for the table now. 0, or -ENOMEM (it sorts a copy of the index). */
int streams_summary(const struct streams *st, struct streams_summary *sum);

/* Message types of struct streams_info's per-type arrays. */
#define STREAMS_MSG_TYPES 16

/* One stream, read-only, with the figures of its frame object. */
struct streams_info {
	struct ptp_port_id src;
	uint8_t domain;
	enum pkt_transport transport;
	bool silent;
	const char *role; /* "master", "slave", "peer", "other" */
	uint64_t total;
	uint64_t msgs[STREAMS_MSG_TYPES]; /* by messageType */
	/* by messageType; only the types the frame lists are non-zero:
	 * gaps/reordered for the sender's own seqIds, duplicates also for
	 * FOLLOW_UP (dupFollowUp) */
	uint64_t gaps[STREAMS_MSG_TYPES];
	uint64_t dups[STREAMS_MSG_TYPES];
	uint64_t reordered[STREAMS_MSG_TYPES];
	uint64_t two_step, missing_fup, orphan_fup;
	uint64_t seq_resets, missing_hw, events, delay_resp_for;
};

/*
 * The streams of the table in slot order (not the frame's): start with
 * *@pos = 0; each call fills @info with the next one and returns true,
 * false when there is none left. Valid until the table next changes.
 */
bool streams_next(const struct streams *st, unsigned int *pos,
		  struct streams_info *info);

/* Whether messageType @type's sequenceIds are the sender's own, tracked
 * for gaps, duplicates and reorderings (the frame's "gaps" keys). */
bool streams_seq_tracked(unsigned int type);

/* The frame's names of messageType @type ("sync", "followUp", ...), NULL
 * for a type the frame does not list. */
const char *streams_msg_name(unsigned int type);

/* A buffer this big always holds streams_encode()'s frame. */
size_t streams_frame_max(const struct streams *st);

/*
 * The "streams" frame (docs/protocol.md) at @now_ns into @buf, with the
 * own-port figures when @own is not NULL. Returns its length including
 * the '\n', or -ENOSPC, -ENOMEM, as frame.h's encoders.
 */
int streams_encode(const struct streams *st, const struct streams_own *own,
		   uint64_t now_ns, char *buf, size_t size);

#endif
