// SPDX-License-Identifier: MIT
/*
 * Per-stream integrity accounting, see streams.h; every figure is defined
 * in docs/protocol.md. Pure: the caller passes "now" (CLOCK_MONOTONIC),
 * stamps come from the classified packets.
 *
 * Nothing on the per-packet path allocates: the table is one array of
 * @cap streams, each with fixed windows (pending FOLLOW_UPs, the latest
 * intervals and jitter samples). A lookup compares a 32-bit hash per slot
 * first, so a miss under an identity spray costs @cap word compares.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonb.h"
#include "streams.h"

#define NSEC_PER_SEC	 1000000000ULL
#define STREAMS_TYPES	 16
#define STREAMS_SEQ_MASK ((1u << STREAMS_SEQ_WINDOW) - 1)
#define STREAMS_MATCHED	 16
/* One stream object of the frame is well under this (about 1.4 KB). */
#define STREAMS_OBJ_MAX 3072
#define STREAMS_HDR_MAX 1024

_Static_assert(STREAMS_SEQ_WINDOW >= 1 && STREAMS_SEQ_WINDOW < 32,
	       "the reorder window is a 32-bit mask");

/*
 * Types whose sequenceId belongs to the sender: tracked for gaps,
 * duplicates and reorderings. DELAY_RESP and the PDELAY responses copy
 * the request's sequenceId (so they run per requester, not per sender),
 * and FOLLOW_UP copies its SYNC's: it is matched to its SYNC instead.
 */
enum streams_sq {
	SQ_SYNC,
	SQ_DELAY_REQ,
	SQ_PDELAY_REQ,
	SQ_ANNOUNCE,
	SQ_SIGNALING,
	SQ_MANAGEMENT,
	SQ_N,
};

static const struct {
	unsigned int type;
	const char *name;
} streams_sq_types[SQ_N] = {
	[SQ_SYNC] = {PTP_SYNC, "sync"},
	[SQ_DELAY_REQ] = {PTP_DELAY_REQ, "delayReq"},
	[SQ_PDELAY_REQ] = {PTP_PDELAY_REQ, "pdelayReq"},
	[SQ_ANNOUNCE] = {PTP_ANNOUNCE, "announce"},
	[SQ_SIGNALING] = {PTP_SIGNALING, "signaling"},
	[SQ_MANAGEMENT] = {PTP_MANAGEMENT, "management"},
};

/* The periodic types whose intervals are measured (a prefix of SQ_*). */
enum streams_iv {
	IV_SYNC,
	IV_DELAY_REQ,
	IV_PDELAY_REQ,
	IV_ANNOUNCE,
	IV_N,
};

/* Message counts, in messageType order. */
static const struct {
	unsigned int type;
	const char *name;
} streams_msg_types[] = {
	{PTP_SYNC, "sync"},
	{PTP_DELAY_REQ, "delayReq"},
	{PTP_PDELAY_REQ, "pdelayReq"},
	{PTP_PDELAY_RESP, "pdelayResp"},
	{PTP_FOLLOW_UP, "followUp"},
	{PTP_DELAY_RESP, "delayResp"},
	{PTP_PDELAY_RESP_FOLLOW_UP, "pdelayRespFollowUp"},
	{PTP_ANNOUNCE, "announce"},
	{PTP_SIGNALING, "signaling"},
	{PTP_MANAGEMENT, "management"},
};
#define STREAMS_NMSG (sizeof(streams_msg_types) / sizeof(streams_msg_types[0]))

enum streams_seq_verdict {
	SEQ_NONE,  /* not a tracked type */
	SEQ_FIRST, /* the first of its type */
	SEQ_NEXT,  /* ahead of every earlier one */
	SEQ_DUP,
	SEQ_LATE,
	SEQ_RESET,
};

/* The table key; no padding (8 + 2 + 1 + 1), compared with memcmp. */
struct streams_key {
	uint8_t clock_id[PTP_CLOCK_ID_LEN];
	uint16_t port;
	uint8_t domain;
	uint8_t transport;
};

struct streams_seq {
	bool init;
	uint16_t hi;	/* the highest sequenceId seen */
	uint32_t seen;	/* bit i: hi - i arrived */
	uint32_t known; /* bit i: hi - i comes after the first one seen */
	uint64_t gaps, dups, reordered;
};

enum { STAMP_HW, STAMP_SW, STAMP_N };

struct streams_ivl {
	bool log_valid;
	int8_t log; /* the latest advertised logMessageInterval */
	bool have_prev[STAMP_N];
	uint16_t prev_seq[STAMP_N];
	uint64_t prev_ns[STAMP_N];
	uint64_t samples;
	uint64_t median; /* of the window, refreshed every 8 samples */
	bool have_worst;
	uint64_t worst, worst_dev;
	uint64_t ring[STREAMS_INTERVAL_SAMPLES];
};

struct streams_jitter {
	uint64_t samples;
	uint32_t ring[STREAMS_JITTER_SAMPLES]; /* |dt - interval|, saturated */
};

struct streams_fup {
	bool used;
	uint16_t seq;
	uint64_t t_ns;
};

struct stream {
	bool silent;
	struct streams_key key;
	uint64_t first_ns, last_ns;
	uint64_t total;
	uint64_t msgs[STREAMS_TYPES];
	uint64_t two_step;
	uint64_t missing_fup, orphan_fup, dup_fup;
	uint64_t seq_resets;
	uint64_t events, missing_hw;
	uint64_t delay_resp_for;
	bool have_corr;
	int64_t corr_min, corr_max;
	struct streams_seq seq[SQ_N];
	struct streams_ivl iv[IV_N];
	struct streams_fup fup[STREAMS_FUP_PENDING];
	uint16_t matched[STREAMS_MATCHED];
	unsigned int matched_n, matched_next;
	struct streams_jitter jit[STAMP_N];
};

struct streams {
	unsigned int cap, n;
	bool hw;
	uint64_t evictions, dropped;
	uint32_t *hash; /* per slot; 0: free */
	struct stream *s;
};

/* ---- the table -------------------------------------------------------- */

int streams_new(struct streams **stp, unsigned int cap)
{
	struct streams *st;

	if (cap == 0 || cap > 65535) {
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		return -ENOMEM;
	}
	st->cap = cap;
	st->hash = calloc(cap, sizeof(*st->hash));
	st->s = calloc(cap, sizeof(*st->s));
	if (!st->hash || !st->s) {
		streams_free(st);
		return -ENOMEM;
	}
	*stp = st;
	return 0;
}

void streams_free(struct streams *st)
{
	if (!st) {
		return;
	}
	free(st->hash);
	free(st->s);
	free(st);
}

void streams_set_mode(struct streams *st, bool hw)
{
	st->hw = hw;
}

static void streams_key_of(struct streams_key *k, uint8_t domain,
			   enum pkt_transport transport,
			   const struct ptp_port_id *id)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->clock_id, id->clock_id, sizeof(k->clock_id));
	k->port = id->port;
	k->domain = domain;
	k->transport = (uint8_t)transport;
}

/* FNV-1a; 0 marks a free slot, so it is never a key's hash. */
static uint32_t streams_hash(const struct streams_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h = (h ^ p[i]) * 16777619u;
	}
	return h ? h : 1;
}

static struct stream *streams_find(const struct streams *st,
				   const struct streams_key *k, uint32_t h)
{
	for (unsigned int i = 0; i < st->cap; i++) {
		if (st->hash[i] == h && !memcmp(&st->s[i].key, k, sizeof(*k))) {
			return &st->s[i];
		}
	}
	return NULL;
}

/*
 * A slot for a new stream: a free one, else the oldest idle stream still
 * on probation, else the oldest idle one of all (evictions counted).
 */
static unsigned int streams_slot(struct streams *st)
{
	unsigned int victim = st->cap, any = 0;

	if (st->n < st->cap) {
		for (unsigned int i = 0; i < st->cap; i++) {
			if (!st->hash[i]) {
				st->n++;
				return i;
			}
		}
	}
	for (unsigned int i = 0; i < st->cap; i++) {
		const struct stream *s = &st->s[i];

		if (s->last_ns < st->s[any].last_ns) {
			any = i;
		}
		if (s->total < STREAMS_PROBATION &&
		    (victim == st->cap || s->last_ns < st->s[victim].last_ns)) {
			victim = i;
		}
	}
	st->evictions++;
	return victim < st->cap ? victim : any;
}

static struct stream *streams_get(struct streams *st,
				  const struct streams_key *k, uint64_t now)
{
	uint32_t h = streams_hash(k);
	struct stream *s = streams_find(st, k, h);
	unsigned int i;

	if (s) {
		return s;
	}
	i = streams_slot(st);
	s = &st->s[i];
	memset(s, 0, sizeof(*s));
	s->key = *k;
	s->first_ns = now;
	st->hash[i] = h;
	return s;
}

static void streams_drop(struct streams *st, unsigned int i)
{
	st->hash[i] = 0;
	memset(&st->s[i].key, 0, sizeof(st->s[i].key));
	st->n--;
}

/* ---- sequenceIds ------------------------------------------------------ */

static enum streams_seq_verdict streams_seq(struct streams_seq *q, uint16_t seq,
					    uint64_t *resets)
{
	int d, p;

	if (!q->init) {
		q->init = true;
		q->hi = seq;
		q->seen = q->known = 1;
		return SEQ_FIRST;
	}
	d = (int16_t)(uint16_t)(seq - q->hi);
	if (d > STREAMS_SEQ_RESET || d < -STREAMS_SEQ_RESET) {
		/* a restarted sender, or one we lost for a long time */
		q->hi = seq;
		q->seen = q->known = 1;
		(*resets)++;
		return SEQ_RESET;
	}
	if (d == 0) {
		q->dups++;
		return SEQ_DUP;
	}
	if (d > 0) {
		/* Old bits i >= W - d leave the window: each one that came
		 * after the first seqId and never arrived is a gap, and so
		 * is each seqId jumped over that never entered it. */
		uint32_t leaving =
			d >= STREAMS_SEQ_WINDOW
				? STREAMS_SEQ_MASK
				: STREAMS_SEQ_MASK &
					  ~((1u << (STREAMS_SEQ_WINDOW - d)) -
					    1);

		q->gaps += (uint64_t)__builtin_popcount(q->known & ~q->seen &
							leaving);
		if (d >= STREAMS_SEQ_WINDOW) {
			q->gaps += (uint64_t)(d - STREAMS_SEQ_WINDOW);
			q->seen = 1;
			q->known = STREAMS_SEQ_MASK;
		} else {
			q->seen = ((q->seen << d) | 1) & STREAMS_SEQ_MASK;
			q->known = ((q->known << d) | ((1u << d) - 1)) &
				   STREAMS_SEQ_MASK;
		}
		q->hi = seq;
		return SEQ_NEXT;
	}
	p = -d;
	if (p < STREAMS_SEQ_WINDOW) {
		uint32_t bit = 1u << p;

		if (q->seen & bit) {
			q->dups++;
			return SEQ_DUP;
		}
		q->seen |= bit;
		q->known |= bit;
		q->reordered++;
		return SEQ_LATE;
	}
	/* Older than the window: counted a gap already (or from before the
	 * stream began); it still arrived out of order. */
	q->reordered++;
	return SEQ_LATE;
}

static int streams_sq_of(unsigned int type)
{
	for (int i = 0; i < SQ_N; i++) {
		if (streams_sq_types[i].type == type) {
			return i;
		}
	}
	return -1;
}

/* ---- FOLLOW_UP matching ----------------------------------------------- */

static void streams_fup_expire(struct stream *s, uint64_t now)
{
	for (int i = 0; i < STREAMS_FUP_PENDING; i++) {
		struct streams_fup *f = &s->fup[i];

		if (f->used && now > f->t_ns &&
		    now - f->t_ns >= STREAMS_FUP_WINDOW_NS) {
			f->used = false;
			s->missing_fup++;
		}
	}
}

static void streams_fup_wait(struct stream *s, uint16_t seq, uint64_t now)
{
	struct streams_fup *slot = NULL;

	streams_fup_expire(s, now);
	for (int i = 0; i < STREAMS_FUP_PENDING; i++) {
		struct streams_fup *f = &s->fup[i];

		if (!f->used) {
			slot = f;
			break;
		}
		if (!slot || f->t_ns < slot->t_ns) {
			slot = f;
		}
	}
	if (slot->used) {
		/* STREAMS_FUP_PENDING later two-step SYNCs and still none */
		s->missing_fup++;
	}
	*slot = (struct streams_fup){.used = true, .seq = seq, .t_ns = now};
}

static void streams_fup_match(struct stream *s, uint16_t seq, uint64_t now)
{
	struct streams_fup *best = NULL;

	streams_fup_expire(s, now);
	for (int i = 0; i < STREAMS_FUP_PENDING; i++) {
		struct streams_fup *f = &s->fup[i];

		if (f->used && f->seq == seq &&
		    (!best || f->t_ns < best->t_ns)) {
			best = f;
		}
	}
	if (best) {
		best->used = false;
		s->matched[s->matched_next] = seq;
		s->matched_next = (s->matched_next + 1) % STREAMS_MATCHED;
		if (s->matched_n < STREAMS_MATCHED) {
			s->matched_n++;
		}
		return;
	}
	for (unsigned int i = 0; i < s->matched_n; i++) {
		if (s->matched[i] == seq) {
			s->dup_fup++;
			return;
		}
	}
	s->orphan_fup++;
}

/* ---- intervals and jitter --------------------------------------------- */

static int streams_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int streams_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least @pct % at or below. */
static size_t streams_rank(size_t n, unsigned int pct)
{
	size_t r = (n * pct + 99) / 100;

	return r ? r - 1 : 0;
}

static uint64_t streams_ivl_median(const struct streams_ivl *v)
{
	uint64_t tmp[STREAMS_INTERVAL_SAMPLES];
	size_t n = v->samples < STREAMS_INTERVAL_SAMPLES
			   ? (size_t)v->samples
			   : STREAMS_INTERVAL_SAMPLES;

	if (!n) {
		return 0;
	}
	memcpy(tmp, v->ring, n * sizeof(tmp[0]));
	qsort(tmp, n, sizeof(tmp[0]), streams_u64_cmp);
	return tmp[streams_rank(n, 50)];
}

/* 1588 logMessageInterval: 0x7f is "not given"; beyond +-10 (1024 s,
 * 1/1024 s) no profile goes, so it is taken as not given either. */
static bool streams_log_ok(int8_t log)
{
	return log >= -10 && log <= 10;
}

static uint64_t streams_log_ns(int8_t log)
{
	return log >= 0 ? NSEC_PER_SEC << log : NSEC_PER_SEC >> -log;
}

/* The interval a type is expected at: advertised, else as observed. */
static uint64_t streams_ivl_ref(const struct streams_ivl *v)
{
	if (v->log_valid) {
		return streams_log_ns(v->log);
	}
	return v->samples >= 8 ? v->median : 0;
}

static uint64_t streams_absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void streams_jitter_add(struct streams_jitter *j, uint64_t v)
{
	j->ring[j->samples % STREAMS_JITTER_SAMPLES] =
		v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	j->samples++;
}

static uint64_t streams_ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * NSEC_PER_SEC + (uint64_t)t->tv_nsec;
}

/*
 * One message of a periodic type. Only a successor of the previous one
 * (seqId + 1) measures an interval: across a gap it would be two. Each
 * stamp kind is differenced with its own kind only (a PHC and
 * CLOCK_REALTIME do not subtract).
 */
static void streams_interval(struct stream *s, enum streams_iv iv,
			     const struct classify_result *r, bool jitter)
{
	struct streams_ivl *v = &s->iv[iv];
	const struct ptp_header *h = &r->msg.hdr;
	uint64_t ref = streams_ivl_ref(v), dt[STAMP_N] = {0};
	bool have[STAMP_N] = {r->hw, r->have_sw}, got[STAMP_N] = {0};
	uint64_t now_ns[STAMP_N] = {
		r->hw ? streams_ts_ns(&r->stamp) : 0,
		r->have_sw ? streams_ts_ns(&r->sw) : 0,
	};
	uint64_t sample;

	for (int k = 0; k < STAMP_N; k++) {
		if (!have[k]) {
			continue;
		}
		if (v->have_prev[k] &&
		    (uint16_t)(v->prev_seq[k] + 1) == h->seq_id &&
		    now_ns[k] >= v->prev_ns[k]) {
			dt[k] = now_ns[k] - v->prev_ns[k];
			got[k] = true;
		}
		v->have_prev[k] = true;
		v->prev_seq[k] = h->seq_id;
		v->prev_ns[k] = now_ns[k];
	}
	if (jitter && ref) {
		for (int k = 0; k < STAMP_N; k++) {
			if (got[k]) {
				streams_jitter_add(&s->jit[k],
						   streams_absdiff(dt[k], ref));
			}
		}
	}
	/* the software stamp when there is one: it is there in every mode */
	if (!got[STAMP_SW] && !got[STAMP_HW]) {
		return;
	}
	sample = got[STAMP_SW] ? dt[STAMP_SW] : dt[STAMP_HW];
	v->ring[v->samples % STREAMS_INTERVAL_SAMPLES] = sample;
	v->samples++;
	if (v->samples % 8 == 0 || v->samples < 8) {
		v->median = streams_ivl_median(v);
	}
	{
		uint64_t dev = v->log_valid
				       ? streams_absdiff(sample,
							 streams_log_ns(v->log))
				       : sample;

		if (!v->have_worst || dev > v->worst_dev) {
			v->have_worst = true;
			v->worst = sample;
			v->worst_dev = dev;
		}
	}
}

/* ---- one packet ------------------------------------------------------- */

void streams_rx(struct streams *st, const struct classify_result *r,
		uint64_t now_ns)
{
	const struct ptp_header *h = &r->msg.hdr;
	unsigned int type = h->msg_type & 0x0f;
	enum streams_seq_verdict sv = SEQ_NONE;
	struct streams_key k;
	struct stream *s;
	int64_t corr;
	int sq;

	if (r->verdict != CLASSIFY_FRAME && r->verdict != CLASSIFY_MISSING_HW) {
		return;
	}
	streams_key_of(&k, h->domain, r->pkt.transport, &h->src);
	s = streams_get(st, &k, now_ns);
	s->last_ns = now_ns;
	s->silent = false;
	s->msgs[type]++;
	s->total++;
	corr = ptp_correction_ns(h->correction);
	if (!s->have_corr || corr < s->corr_min) {
		s->corr_min = corr;
	}
	if (!s->have_corr || corr > s->corr_max) {
		s->corr_max = corr;
	}
	s->have_corr = true;
	/* auto mode publishes a software stamp in place of a missing NIC
	 * stamp: missing all the same */
	if (st->hw && ptp_msg_is_event(type)) {
		s->events++;
		if (!r->hw) {
			s->missing_hw++;
		}
	}
	sq = streams_sq_of(type);
	if (sq >= 0) {
		if (streams_log_ok(h->log_interval) && sq < IV_N) {
			s->iv[sq].log_valid = true;
			s->iv[sq].log = h->log_interval;
		}
		sv = streams_seq(&s->seq[sq], h->seq_id, &s->seq_resets);
	}
	switch (type) {
	case PTP_SYNC:
		if (h->flags & PTP_FLAG_TWO_STEP) {
			s->two_step++;
			streams_fup_wait(s, h->seq_id, now_ns);
		}
		break;
	case PTP_FOLLOW_UP:
		streams_fup_match(s, h->seq_id, now_ns);
		break;
	case PTP_DELAY_RESP: {
		/* the requester's own stream, when we see its DELAY_REQ */
		struct streams_key rk;
		struct stream *req;

		streams_key_of(&rk, h->domain, r->pkt.transport,
			       &r->msg.resp.req_port);
		req = streams_find(st, &rk, streams_hash(&rk));
		if (req) {
			req->delay_resp_for++;
		}
		break;
	}
	default:
		break;
	}
	if (sq >= 0 && sq < IV_N &&
	    (sv == SEQ_NEXT || sv == SEQ_FIRST || sv == SEQ_RESET)) {
		streams_interval(s, (enum streams_iv)sq, r, sq == IV_SYNC);
	}
}

/* ---- silence ---------------------------------------------------------- */

/* The shortest interval the stream keeps; 1 s when none is known. */
static uint64_t streams_stream_interval(const struct stream *s)
{
	uint64_t best = 0;

	for (int i = 0; i < IV_N; i++) {
		uint64_t ref;

		if (!s->msgs[streams_sq_types[i].type]) {
			continue;
		}
		ref = streams_ivl_ref(&s->iv[i]);
		if (!ref && s->iv[i].samples) {
			ref = s->iv[i].median;
		}
		if (ref && (!best || ref < best)) {
			best = ref;
		}
	}
	return best ? best : NSEC_PER_SEC;
}

static uint64_t streams_silence_ns(const struct stream *s)
{
	uint64_t t = STREAMS_SILENT_INTERVALS * streams_stream_interval(s);

	return t < STREAMS_SILENT_MIN_NS ? STREAMS_SILENT_MIN_NS : t;
}

void streams_expire(struct streams *st, uint64_t now_ns)
{
	for (unsigned int i = 0; i < st->cap; i++) {
		struct stream *s = &st->s[i];

		if (!st->hash[i]) {
			continue;
		}
		if (s->silent) {
			streams_drop(st, i);
			st->dropped++;
			continue;
		}
		streams_fup_expire(s, now_ns);
		if (now_ns > s->last_ns &&
		    now_ns - s->last_ns > streams_silence_ns(s)) {
			s->silent = true;
		}
	}
}

unsigned int streams_count(const struct streams *st)
{
	return st->n;
}

uint64_t streams_evictions(const struct streams *st)
{
	return st->evictions;
}

uint64_t streams_dropped(const struct streams *st)
{
	return st->dropped;
}

size_t streams_frame_max(const struct streams *st)
{
	return STREAMS_HDR_MAX + (size_t)st->cap * STREAMS_OBJ_MAX;
}

/* ---- the frame -------------------------------------------------------- */

/* 64-bit nanoseconds go out as decimal strings (JavaScript consumers). */
static void so_ns(struct jsonb *o, const char *key, uint64_t ns)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, ns);
	jsonb_str(o, key, s);
}

static void so_sns(struct jsonb *o, const char *key, int64_t ns)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, ns);
	jsonb_str(o, key, s);
}

static const char *streams_transport(uint8_t t)
{
	return pkt_transport_name((enum pkt_transport)t);
}

static bool streams_is_master(const struct stream *s)
{
	return s->msgs[PTP_SYNC] || s->msgs[PTP_ANNOUNCE];
}

static const char *streams_role(const struct stream *s)
{
	if (streams_is_master(s) || s->msgs[PTP_FOLLOW_UP] ||
	    s->msgs[PTP_DELAY_RESP]) {
		return "master";
	}
	if (s->msgs[PTP_DELAY_REQ]) {
		return "slave";
	}
	if (s->msgs[PTP_PDELAY_REQ] || s->msgs[PTP_PDELAY_RESP] ||
	    s->msgs[PTP_PDELAY_RESP_FOLLOW_UP]) {
		return "peer";
	}
	return "other";
}

static void streams_enc_seq(struct jsonb *o, const char *key,
			    const struct stream *s, int which, bool fup)
{
	struct jsonb c;

	jsonb_begin(&c);
	for (int i = 0; i < SQ_N; i++) {
		const struct streams_seq *q = &s->seq[i];

		jsonb_uint(&c, streams_sq_types[i].name,
			   which == 0	? q->gaps
			   : which == 1 ? q->dups
					: q->reordered);
	}
	if (fup) {
		jsonb_uint(&c, "followUp", s->dup_fup);
	}
	jsonb_child(o, key, &c);
}

static void streams_enc_intervals(struct jsonb *o, const struct stream *s)
{
	struct jsonb c;

	jsonb_begin(&c);
	for (int i = 0; i < IV_N; i++) {
		const struct streams_ivl *v = &s->iv[i];
		struct jsonb d;

		jsonb_begin(&d);
		if (v->log_valid) {
			jsonb_int(&d, "advertisedLog", v->log);
			so_ns(&d, "advertisedNs", streams_log_ns(v->log));
		} else {
			jsonb_null(&d, "advertisedLog");
			jsonb_null(&d, "advertisedNs");
		}
		jsonb_uint(&d, "samples", v->samples);
		if (v->samples) {
			so_ns(&d, "medianNs", streams_ivl_median(v));
			so_ns(&d, "worstNs", v->worst);
		} else {
			jsonb_null(&d, "medianNs");
			jsonb_null(&d, "worstNs");
		}
		jsonb_child(&c, streams_sq_types[i].name, &d);
	}
	jsonb_child(o, "intervals", &c);
}

static void streams_enc_jitter(struct jsonb *o, const struct stream *s)
{
	static const char *const names[STAMP_N] = {"hw", "sw"};
	struct jsonb c;

	jsonb_begin(&c);
	for (int k = 0; k < STAMP_N; k++) {
		const struct streams_jitter *j = &s->jit[k];
		uint32_t tmp[STREAMS_JITTER_SAMPLES];
		size_t n = j->samples < STREAMS_JITTER_SAMPLES
				   ? (size_t)j->samples
				   : STREAMS_JITTER_SAMPLES;
		struct jsonb d;

		jsonb_begin(&d);
		jsonb_uint(&d, "samples", j->samples);
		if (n) {
			memcpy(tmp, j->ring, n * sizeof(tmp[0]));
			qsort(tmp, n, sizeof(tmp[0]), streams_u32_cmp);
			so_ns(&d, "p50Ns", tmp[streams_rank(n, 50)]);
			so_ns(&d, "p99Ns", tmp[streams_rank(n, 99)]);
		} else {
			jsonb_null(&d, "p50Ns");
			jsonb_null(&d, "p99Ns");
		}
		jsonb_child(&c, names[k], &d);
	}
	jsonb_child(o, "syncJitter", &c);
}

static struct json_object *streams_enc_stream(const struct stream *s,
					      uint64_t now)
{
	struct ptp_port_id id;
	char src[PTP_PORT_ID_STRLEN];
	struct jsonb o, c;

	memcpy(id.clock_id, s->key.clock_id, sizeof(id.clock_id));
	id.port = s->key.port;
	ptp_port_id_str(&id, src);
	jsonb_begin(&o);
	jsonb_int(&o, "domain", s->key.domain);
	jsonb_str(&o, "transport", streams_transport(s->key.transport));
	jsonb_str(&o, "src", src);
	jsonb_str(&o, "state", s->silent ? "silent" : "live");
	jsonb_str(&o, "role", streams_role(s));
	so_ns(&o, "idleNs", now > s->last_ns ? now - s->last_ns : 0);
	so_ns(&o, "ageNs", now > s->first_ns ? now - s->first_ns : 0);
	jsonb_begin(&c);
	for (size_t i = 0; i < STREAMS_NMSG; i++) {
		jsonb_uint(&c, streams_msg_types[i].name,
			   s->msgs[streams_msg_types[i].type]);
	}
	jsonb_child(&o, "msgs", &c);
	jsonb_uint(&o, "twoStepSync", s->two_step);
	jsonb_uint(&o, "missingFollowUp", s->missing_fup);
	jsonb_uint(&o, "orphanFollowUp", s->orphan_fup);
	streams_enc_seq(&o, "gaps", s, 0, false);
	streams_enc_seq(&o, "duplicates", s, 1, true);
	streams_enc_seq(&o, "reordered", s, 2, false);
	jsonb_uint(&o, "seqResets", s->seq_resets);
	jsonb_uint(&o, "missingHw", s->missing_hw);
	jsonb_uint(&o, "eventMsgs", s->events);
	jsonb_uint(&o, "missingHwPerMillion",
		   s->events ? s->missing_hw * 1000000 / s->events : 0);
	jsonb_uint(&o, "delayRespReceived", s->delay_resp_for);
	streams_enc_intervals(&o, s);
	streams_enc_jitter(&o, s);
	jsonb_begin(&c);
	if (s->have_corr) {
		so_sns(&c, "minNs", s->corr_min);
		so_sns(&c, "maxNs", s->corr_max);
	} else {
		jsonb_null(&c, "minNs");
		jsonb_null(&c, "maxNs");
	}
	jsonb_child(&o, "correction", &c);
	if (o.err) {
		json_object_put(o.obj);
		return NULL;
	}
	return o.obj;
}

/* Frame order: domain, then sourcePortIdentity, then transport. */
static int streams_order(const void *a, const void *b)
{
	const struct stream *x = *(const struct stream *const *)a;
	const struct stream *y = *(const struct stream *const *)b;
	int c;

	if (x->key.domain != y->key.domain) {
		return x->key.domain - y->key.domain;
	}
	c = memcmp(x->key.clock_id, y->key.clock_id, sizeof(x->key.clock_id));
	if (c) {
		return c;
	}
	if (x->key.port != y->key.port) {
		return x->key.port - y->key.port;
	}
	return x->key.transport - y->key.transport;
}

/* Per domain, the master portIdentities beyond the first (a portIdentity
 * seen on two transports is one master). @v is in frame order, so the
 * streams of one portIdentity are adjacent: one pass, not n^2 compares
 * (a spray of forged masters fills a large table). */
static unsigned int streams_extra_masters(const struct stream *const *v,
					  unsigned int n)
{
	const struct stream *last = NULL; /* the domain's last master */
	unsigned int extra = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (!streams_is_master(v[i])) {
			continue;
		}
		if (last && last->key.domain == v[i]->key.domain &&
		    (memcmp(last->key.clock_id, v[i]->key.clock_id,
			    sizeof(v[i]->key.clock_id)) ||
		     last->key.port != v[i]->key.port)) {
			extra++;
		}
		last = v[i];
	}
	return extra;
}

/* ---- reading the table ------------------------------------------------ */

/* The live streams in frame order (streams_order) into a new array, and
 * how many of them are masters. 0 or -ENOMEM. */
static int streams_sorted(const struct streams *st, const struct stream ***vp,
			  unsigned int *np, unsigned int *masters)
{
	const struct stream **v = malloc(st->cap * sizeof(*v));
	unsigned int n = 0;

	if (!v) {
		return -ENOMEM;
	}
	*masters = 0;
	for (unsigned int i = 0; i < st->cap; i++) {
		if (st->hash[i]) {
			v[n++] = &st->s[i];
			*masters += streams_is_master(&st->s[i]);
		}
	}
	qsort(v, n, sizeof(*v), streams_order);
	*vp = v;
	*np = n;
	return 0;
}

_Static_assert(STREAMS_MSG_TYPES == STREAMS_TYPES,
	       "streams_info arrays are indexed by messageType");

int streams_summary(const struct streams *st, struct streams_summary *sum)
{
	const struct stream **v;
	unsigned int n, masters;
	int r;

	memset(sum, 0, sizeof(*sum));
	r = streams_sorted(st, &v, &n, &masters);
	if (r) {
		return r;
	}
	sum->masters = masters;
	sum->count = n;
	sum->cap = st->cap;
	sum->evictions = st->evictions;
	sum->dropped = st->dropped;
	sum->extra_masters = streams_extra_masters(v, n);
	free(v);
	return 0;
}

bool streams_next(const struct streams *st, unsigned int *pos,
		  struct streams_info *info)
{
	const struct stream *s;

	while (*pos < st->cap && !st->hash[*pos]) {
		(*pos)++;
	}
	if (*pos >= st->cap) {
		return false;
	}
	s = &st->s[(*pos)++];
	memset(info, 0, sizeof(*info));
	memcpy(info->src.clock_id, s->key.clock_id, sizeof(info->src.clock_id));
	info->src.port = s->key.port;
	info->domain = s->key.domain;
	info->transport = (enum pkt_transport)s->key.transport;
	info->silent = s->silent;
	info->role = streams_role(s);
	info->total = s->total;
	memcpy(info->msgs, s->msgs, sizeof(info->msgs));
	for (int i = 0; i < SQ_N; i++) {
		unsigned int t = streams_sq_types[i].type;

		info->gaps[t] = s->seq[i].gaps;
		info->dups[t] = s->seq[i].dups;
		info->reordered[t] = s->seq[i].reordered;
	}
	info->dups[PTP_FOLLOW_UP] = s->dup_fup;
	info->two_step = s->two_step;
	info->missing_fup = s->missing_fup;
	info->orphan_fup = s->orphan_fup;
	info->seq_resets = s->seq_resets;
	info->missing_hw = s->missing_hw;
	info->events = s->events;
	info->delay_resp_for = s->delay_resp_for;
	return true;
}

bool streams_seq_tracked(unsigned int type)
{
	return streams_sq_of(type) >= 0;
}

const char *streams_msg_name(unsigned int type)
{
	for (size_t i = 0; i < STREAMS_NMSG; i++) {
		if (streams_msg_types[i].type == type) {
			return streams_msg_types[i].name;
		}
	}
	return NULL;
}

int streams_encode(const struct streams *st, const struct streams_own *own,
		   uint64_t now_ns, char *buf, size_t size)
{
	const struct stream **v;
	struct json_object *arr;
	struct jsonb o;
	unsigned int n, masters;
	int r = streams_sorted(st, &v, &n, &masters);

	if (r) {
		return r;
	}
	jsonb_begin(&o);
	jsonb_int(&o, "v", 1);
	jsonb_str(&o, "type", "streams");
	jsonb_uint(&o, "count", n);
	jsonb_uint(&o, "cap", st->cap);
	jsonb_uint(&o, "evictions", st->evictions);
	jsonb_uint(&o, "dropped", st->dropped);
	jsonb_uint(&o, "masters", masters);
	jsonb_uint(&o, "extraMasters", streams_extra_masters(v, n));
	if (own) {
		char port[PTP_PORT_ID_STRLEN];
		struct jsonb c;

		ptp_port_id_str(&own->port, port);
		jsonb_begin(&c);
		jsonb_str(&c, "port", port);
		jsonb_uint(&c, "delayReqSent", own->delay_req_sent);
		jsonb_uint(&c, "txStamps", own->tx_stamps);
		jsonb_uint(&c, "delayRespReceived", own->delay_resp);
		jsonb_child(&o, "own", &c);
	}
	arr = json_object_new_array();
	jsonb_add(&o, "streams", arr);
	for (unsigned int i = 0; i < n && !o.err; i++) {
		struct json_object *so = streams_enc_stream(v[i], now_ns);

		if (!so || json_object_array_add(arr, so)) {
			json_object_put(so);
			o.err = -ENOMEM;
		}
	}
	free(v);
	return jsonb_finish(&o, buf, size);
}
