// SPDX-License-Identifier: MIT
/*
 * streams: synthetic streams fed as classified packets, each defect
 * injected once and found in exactly its counter with the exact count
 * (every other defect counter of the frame checked to be zero), the
 * intervals and jitter against known stamps, silence, and the table cap
 * under 10,000 forged sourcePortIdentities. Figures are read back from
 * the encoded frame, so the encoder is checked on the way.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "streams.h"

#define MS	 1000000ULL
#define SYNC_IV	 (125 * MS) /* logSyncInterval -3 */
#define T0	 (1000 * 1000 * MS)
#define SW_EPOCH 1795403254ULL /* CLOCK_REALTIME seconds of the run */
#define HW_EPOCH 1795403291ULL /* a PHC 37 s ahead (TAI) */

/* Grandmaster aabbcc.fffe.ddeeff-1 and a second one 001122.fffe.334455-1;
 * a slave 5e5707.fffe.000002-1. */
static const struct ptp_port_id gm_a = {
	{0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff}, 1};
static const struct ptp_port_id gm_b = {
	{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}, 1};
static const struct ptp_port_id slave_c = {
	{0x5e, 0x57, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x02}, 1};
#define GM_A	"aabbcc.fffe.ddeeff-1"
#define GM_B	"001122.fffe.334455-1"
#define SLAVE_C "5e5707.fffe.000002-1"

/* One packet as classify_packet() would have left it. */
struct pkt {
	unsigned int type;
	const struct ptp_port_id *src;
	uint16_t seq;
	bool two_step;
	int8_t log;
	uint64_t now;	/* monotonic, the caller's */
	int64_t sw_off; /* software stamp: T - T0 + this */
	int64_t hw_off; /* hardware stamp, likewise */
	bool hw;	/* a NIC stamp came with it */
	enum classify_verdict verdict;
	int64_t corr_ns;
	const struct ptp_port_id *req; /* DELAY_RESP requestingPortIdentity */
};

static struct timespec ts_of(uint64_t epoch, uint64_t ns)
{
	return (struct timespec){(time_t)(epoch + ns / 1000000000ULL),
				 (long)(ns % 1000000000ULL)};
}

static void feed(struct streams *st, const struct pkt *p)
{
	struct classify_result r;

	memset(&r, 0, sizeof(r));
	r.verdict = p->verdict;
	r.pkt.transport = PKT_UDP4;
	r.pkt.vlan = -1;
	r.msg.hdr.msg_type = (uint8_t)p->type;
	r.msg.hdr.version = 2;
	r.msg.hdr.src = *p->src;
	r.msg.hdr.seq_id = p->seq;
	r.msg.hdr.flags = p->two_step ? PTP_FLAG_TWO_STEP : 0;
	r.msg.hdr.log_interval = p->log;
	r.msg.hdr.correction = p->corr_ns * 65536;
	if (p->req) {
		r.msg.resp.req_port = *p->req;
	}
	r.have_sw = true;
	r.sw = ts_of(SW_EPOCH, (uint64_t)((int64_t)(p->now - T0) + p->sw_off));
	if (p->hw && p->verdict == CLASSIFY_FRAME) {
		r.hw = true;
		r.stamp = ts_of(HW_EPOCH,
				(uint64_t)((int64_t)(p->now - T0) + p->hw_off));
	} else if (p->verdict == CLASSIFY_FRAME) {
		r.stamp = r.sw;
	}
	streams_rx(st, &r, p->now);
}

/* A two-step SYNC, and its FOLLOW_UP unless @fup is false. */
static void exchange(struct streams *st, const struct ptp_port_id *src,
		     uint16_t seq, uint64_t now, bool fup)
{
	struct pkt p = {.type = PTP_SYNC,
			.src = src,
			.seq = seq,
			.two_step = true,
			.log = -3,
			.now = now,
			.hw = true,
			.verdict = CLASSIFY_FRAME};

	feed(st, &p);
	if (fup) {
		p.type = PTP_FOLLOW_UP;
		p.two_step = false;
		p.now += 50000; /* 50 us later */
		feed(st, &p);
	}
}

/* @n exchanges of @src from seqId 0, SYNC_IV apart from T0. */
static void master(struct streams *st, const struct ptp_port_id *src, int n)
{
	for (int i = 0; i < n; i++) {
		exchange(st, src, (uint16_t)i, T0 + (uint64_t)i * SYNC_IV,
			 true);
	}
}

static struct json_object *encode(const struct streams *st, uint64_t now)
{
	size_t size = streams_frame_max(st);
	char *buf = malloc(size);
	struct json_object *j;
	int n;

	assert_non_null(buf);
	n = streams_encode(st, NULL, now, buf, size);
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(strchr(buf, ' '));
	j = json_tokener_parse(buf);
	free(buf);
	assert_non_null(j);
	return j;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v)) {
		fail_msg("no key %s in %s", key, json_object_get_string(o));
	}
	return v;
}

static uint64_t u(struct json_object *o, const char *key)
{
	return json_object_get_uint64(get(o, key));
}

static const char *s(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : NULL;
}

static struct json_object *stream_of(struct json_object *frame, const char *src)
{
	struct json_object *arr = get(frame, "streams");

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (!strcmp(s(o, "src"), src)) {
			return o;
		}
	}
	fail_msg("no stream %s", src);
	return NULL;
}

/*
 * Every defect counter of stream @o: the ones named in @want ("key" or
 * "group.type" = count, NULL-terminated) equal theirs, all others zero.
 */
struct want {
	const char *key;
	uint64_t n;
};

static uint64_t wanted(const struct want *w, const char *key)
{
	for (; w && w->key; w++) {
		if (!strcmp(w->key, key)) {
			return w->n;
		}
	}
	return 0;
}

static void assert_defects(struct json_object *o, const struct want *w)
{
	static const char *const plain[] = {"missingFollowUp", "orphanFollowUp",
					    "seqResets", "missingHw"};
	static const char *const groups[] = {"gaps", "duplicates", "reordered"};
	char key[64];

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		uint64_t got = u(o, plain[i]);

		if (got != wanted(w, plain[i])) {
			fail_msg("%s: %s is %llu, want %llu", s(o, "src"),
				 plain[i], (unsigned long long)got,
				 (unsigned long long)wanted(w, plain[i]));
		}
	}
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		json_object_object_foreach(get(o, groups[g]), k, v)
		{
			uint64_t got = json_object_get_uint64(v);

			snprintf(key, sizeof(key), "%s.%s", groups[g], k);
			if (got != wanted(w, key)) {
				fail_msg("%s: %s is %llu, want %llu",
					 s(o, "src"), key,
					 (unsigned long long)got,
					 (unsigned long long)wanted(w, key));
			}
		}
	}
}

static struct streams *table(unsigned int cap)
{
	struct streams *st = NULL;

	assert_int_equal(streams_new(&st, cap), 0);
	streams_set_mode(st, true);
	return st;
}

/* 100 clean exchanges: counts, no defect, intervals as advertised. */
static void test_clean_master(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *o, *iv, *jit;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	master(st, &gm_a, 100);
	streams_expire(st, end);
	j = encode(st, end);
	assert_string_equal(s(j, "type"), "streams");
	assert_int_equal(u(j, "count"), 1);
	assert_int_equal(u(j, "masters"), 1);
	assert_int_equal(u(j, "extraMasters"), 0);
	o = stream_of(j, GM_A);
	assert_defects(o, NULL);
	assert_string_equal(s(o, "state"), "live");
	assert_string_equal(s(o, "role"), "master");
	assert_string_equal(s(o, "transport"), "udp4");
	assert_int_equal(u(get(o, "msgs"), "sync"), 100);
	assert_int_equal(u(get(o, "msgs"), "followUp"), 100);
	assert_int_equal(u(o, "twoStepSync"), 100);
	assert_int_equal(u(o, "eventMsgs"), 100);
	assert_int_equal(u(o, "missingHwPerMillion"), 0);
	iv = get(get(o, "intervals"), "sync");
	assert_int_equal(json_object_get_int(get(iv, "advertisedLog")), -3);
	assert_string_equal(s(iv, "advertisedNs"), "125000000");
	assert_int_equal(u(iv, "samples"), 99);
	assert_string_equal(s(iv, "medianNs"), "125000000");
	assert_string_equal(s(iv, "worstNs"), "125000000");
	/* no ANNOUNCE: nothing advertised, nothing measured */
	iv = get(get(o, "intervals"), "announce");
	assert_null(get(iv, "advertisedLog"));
	assert_null(get(iv, "medianNs"));
	jit = get(get(o, "syncJitter"), "hw");
	assert_int_equal(u(jit, "samples"), 99);
	assert_string_equal(s(jit, "p50Ns"), "0");
	assert_string_equal(s(jit, "p99Ns"), "0");
	json_object_put(j);
	streams_free(st);
}

/* Dropped FOLLOW_UP: missingFollowUp 1, once its window has passed. */
static void test_dropped_follow_up(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		exchange(st, &gm_a, (uint16_t)i, T0 + (uint64_t)i * SYNC_IV,
			 i != 50);
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_defects(
		stream_of(j, GM_A),
		(const struct want[]){{"missingFollowUp", 1}, {NULL, 0}});
	assert_int_equal(u(get(stream_of(j, GM_A), "msgs"), "followUp"), 99);
	json_object_put(j);
	streams_free(st);
}

/* Within its window a FOLLOW_UP still pending is no defect yet; at
 * 1 s it is, from streams_expire() alone (the stream went quiet). */
static void test_follow_up_window(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t t = T0;

	(void)state;
	exchange(st, &gm_a, 7, t, false);
	streams_expire(st, t + 300 * MS);
	j = encode(st, t + 300 * MS);
	assert_defects(stream_of(j, GM_A), NULL);
	json_object_put(j);
	streams_expire(st, t + STREAMS_FUP_WINDOW_NS);
	j = encode(st, t + STREAMS_FUP_WINDOW_NS);
	assert_defects(
		stream_of(j, GM_A),
		(const struct want[]){{"missingFollowUp", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* A repeated seqId (the whole exchange twice): duplicates.sync 1. */
static void test_repeated_seq(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t end = T0 + 101 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		exchange(st, &gm_a, (uint16_t)i, T0 + (uint64_t)i * SYNC_IV,
			 true);
		if (i == 50) {
			exchange(st, &gm_a, 50,
				 T0 + (uint64_t)i * SYNC_IV + 10 * MS, true);
		}
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_defects(
		stream_of(j, GM_A),
		(const struct want[]){{"duplicates.sync", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* A lone repeated FOLLOW_UP: duplicates.followUp 1. */
static void test_repeated_follow_up(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	struct pkt p = {.type = PTP_FOLLOW_UP,
			.src = &gm_a,
			.seq = 50,
			.now = T0 + 50 * SYNC_IV + MS,
			.verdict = CLASSIFY_FRAME};

	(void)state;
	for (int i = 0; i < 100; i++) {
		exchange(st, &gm_a, (uint16_t)i, T0 + (uint64_t)i * SYNC_IV,
			 true);
		if (i == 50) {
			feed(st, &p);
		}
	}
	streams_expire(st, T0 + 100 * SYNC_IV);
	j = encode(st, T0 + 100 * SYNC_IV);
	assert_defects(
		stream_of(j, GM_A),
		(const struct want[]){{"duplicates.followUp", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* A skipped seqId: gaps.sync 1, once STREAMS_SEQ_WINDOW later ones came;
 * the one interval across it is not measured. */
static void test_skipped_seq(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		if (i != 50) {
			exchange(st, &gm_a, (uint16_t)i,
				 T0 + (uint64_t)i * SYNC_IV, true);
		}
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_defects(stream_of(j, GM_A),
		       (const struct want[]){{"gaps.sync", 1}, {NULL, 0}});
	assert_string_equal(
		s(get(get(stream_of(j, GM_A), "intervals"), "sync"), "worstNs"),
		"125000000");
	json_object_put(j);
	streams_free(st);

	/* not yet a gap while inside the window */
	st = table(8);
	for (int i = 0; i < 50 + STREAMS_SEQ_WINDOW; i++) {
		if (i != 50) {
			exchange(st, &gm_a, (uint16_t)i,
				 T0 + (uint64_t)i * SYNC_IV, true);
		}
	}
	j = encode(st, end);
	assert_defects(stream_of(j, GM_A), NULL);
	json_object_put(j);
	exchange(st, &gm_a, 50 + STREAMS_SEQ_WINDOW, end, true);
	j = encode(st, end);
	assert_defects(stream_of(j, GM_A),
		       (const struct want[]){{"gaps.sync", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* Two SYNCs swapped (each with its FOLLOW_UP): reordered.sync 1. */
static void test_swapped_syncs(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		int seq = i == 50 ? 51 : i == 51 ? 50 : i;

		exchange(st, &gm_a, (uint16_t)seq, T0 + (uint64_t)i * SYNC_IV,
			 true);
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_defects(stream_of(j, GM_A),
		       (const struct want[]){{"reordered.sync", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* A FOLLOW_UP for a SYNC never seen: orphanFollowUp 1. */
static void test_orphan_follow_up(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	struct pkt p = {.type = PTP_FOLLOW_UP,
			.src = &gm_a,
			.seq = 1000,
			.now = T0 + 50 * SYNC_IV + MS,
			.verdict = CLASSIFY_FRAME};

	(void)state;
	master(st, &gm_a, 100);
	feed(st, &p);
	streams_expire(st, T0 + 100 * SYNC_IV);
	j = encode(st, T0 + 100 * SYNC_IV);
	assert_defects(stream_of(j, GM_A),
		       (const struct want[]){{"orphanFollowUp", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* A second master in the domain: its own stream, extraMasters 1, no
 * defect in either; in another domain it is no competitor. */
static void test_second_master(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		uint64_t t = T0 + (uint64_t)i * SYNC_IV;

		exchange(st, &gm_a, (uint16_t)i, t, true);
		exchange(st, &gm_b, (uint16_t)(i + 3000), t + 7 * MS, true);
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_int_equal(u(j, "count"), 2);
	assert_int_equal(u(j, "masters"), 2);
	assert_int_equal(u(j, "extraMasters"), 1);
	assert_defects(stream_of(j, GM_A), NULL);
	assert_defects(stream_of(j, GM_B), NULL);
	/* frame order: domain, then sourcePortIdentity */
	assert_string_equal(
		s(json_object_array_get_idx(get(j, "streams"), 0), "src"),
		GM_B);
	json_object_put(j);
	streams_free(st);
}

/* Event messages without a NIC stamp in a hardware mode: missingHw per
 * stream (dropped under hardware, software-stamped under auto). */
static void test_missing_hw(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *o;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		struct pkt p = {.type = PTP_SYNC,
				.src = &gm_a,
				.seq = (uint16_t)i,
				.log = -3,
				.now = T0 + (uint64_t)i * SYNC_IV,
				.hw = true,
				.verdict = CLASSIFY_FRAME};

		if (i == 10) {
			p.verdict = CLASSIFY_MISSING_HW; /* hardware */
		} else if (i == 20) {
			p.hw = false; /* auto: a software stamp instead */
		}
		feed(st, &p);
	}
	streams_expire(st, end);
	j = encode(st, end);
	o = stream_of(j, GM_A);
	assert_defects(o, (const struct want[]){{"missingHw", 2}, {NULL, 0}});
	assert_int_equal(u(o, "eventMsgs"), 100);
	assert_int_equal(u(o, "missingHwPerMillion"), 20000);
	/* the hardware differences skip the two holes, software has all */
	assert_int_equal(u(get(get(o, "syncJitter"), "hw"), "samples"), 95);
	assert_int_equal(u(get(get(o, "syncJitter"), "sw"), "samples"), 99);
	json_object_put(j);

	/* software stamping: nothing is missing */
	streams_free(st);
	st = table(8);
	streams_set_mode(st, false);
	for (int i = 0; i < 10; i++) {
		struct pkt p = {.type = PTP_SYNC,
				.src = &gm_a,
				.seq = (uint16_t)i,
				.now = T0 + (uint64_t)i * SYNC_IV,
				.verdict = CLASSIFY_FRAME};

		feed(st, &p);
	}
	j = encode(st, end);
	o = stream_of(j, GM_A);
	assert_defects(o, NULL);
	assert_int_equal(u(o, "eventMsgs"), 0);
	json_object_put(j);
	streams_free(st);
}

/* Jitter: hardware and software apart, p50/p99 by nearest rank. */
static void test_jitter(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *o;
	uint64_t end = T0 + 101 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 101; i++) {
		struct pkt p = {.type = PTP_SYNC,
				.src = &gm_a,
				.seq = (uint16_t)i,
				.log = -3,
				.now = T0 + (uint64_t)i * SYNC_IV,
				.hw = true,
				.verdict = CLASSIFY_FRAME};

		/* software stamps 2 us late on every odd SYNC: each of
		 * the 100 intervals is 2 us off; hardware: SYNC 50 is
		 * 30 us late, two intervals 30 us off */
		p.sw_off = i % 2 ? 2000 : 0;
		p.hw_off = i == 50 ? 30000 : 0;
		feed(st, &p);
	}
	j = encode(st, end);
	o = get(stream_of(j, GM_A), "syncJitter");
	assert_int_equal(u(get(o, "sw"), "samples"), 100);
	assert_string_equal(s(get(o, "sw"), "p50Ns"), "2000");
	assert_string_equal(s(get(o, "sw"), "p99Ns"), "2000");
	assert_int_equal(u(get(o, "hw"), "samples"), 100);
	assert_string_equal(s(get(o, "hw"), "p50Ns"), "0");
	/* rank ceil(0.99 * 100) = 99: the second largest */
	assert_string_equal(s(get(o, "hw"), "p99Ns"), "30000");
	json_object_put(j);
	streams_free(st);
}

/* Observed against advertised: a master that says -3 and sends at 4/s. */
static void test_interval_mismatch(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *iv;

	(void)state;
	for (int i = 0; i < 20; i++) {
		struct pkt p = {.type = PTP_ANNOUNCE,
				.src = &gm_a,
				.seq = (uint16_t)i,
				.log = 0,
				.now = T0 + (uint64_t)i * 1000 * MS,
				.verdict = CLASSIFY_FRAME};

		feed(st, &p);
		p.type = PTP_SYNC;
		p.log = -3;
		for (int k = 0; k < 4; k++) {
			p.seq = (uint16_t)(4 * i + k);
			p.now = T0 + (uint64_t)i * 1000 * MS +
				(uint64_t)k * 250 * MS +
				(k == 3 && i == 9 ? 40 * MS : 0);
			feed(st, &p);
		}
	}
	j = encode(st, T0 + 20000 * MS);
	iv = get(get(stream_of(j, GM_A), "intervals"), "sync");
	assert_string_equal(s(iv, "advertisedNs"), "125000000");
	assert_string_equal(s(iv, "medianNs"), "250000000");
	assert_string_equal(s(iv, "worstNs"), "290000000");
	iv = get(get(stream_of(j, GM_A), "intervals"), "announce");
	assert_string_equal(s(iv, "advertisedNs"), "1000000000");
	assert_int_equal(u(iv, "samples"), 19);
	assert_string_equal(s(iv, "medianNs"), "1000000000");
	json_object_put(j);
	streams_free(st);
}

static void test_correction(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *c;
	static const int64_t corr[] = {0, 1500, -250, 42};

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct pkt p = {.type = PTP_SYNC,
				.src = &gm_a,
				.seq = (uint16_t)i,
				.now = T0 + (uint64_t)i * SYNC_IV,
				.corr_ns = corr[i],
				.verdict = CLASSIFY_FRAME};

		feed(st, &p);
	}
	j = encode(st, T0);
	c = get(stream_of(j, GM_A), "correction");
	assert_string_equal(s(c, "minNs"), "-250");
	assert_string_equal(s(c, "maxNs"), "1500");
	json_object_put(j);
	streams_free(st);
}

/* Silent for 3 of its intervals: marked, reported once, then dropped. */
static void test_silence(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;
	uint64_t last = T0 + 99 * SYNC_IV + 50000;

	(void)state;
	master(st, &gm_a, 100);
	/* 3 intervals of 125 ms, floored to 250 ms... is 375 ms */
	streams_expire(st, last + 3 * SYNC_IV);
	j = encode(st, last + 3 * SYNC_IV);
	assert_string_equal(s(stream_of(j, GM_A), "state"), "live");
	json_object_put(j);
	streams_expire(st, last + 3 * SYNC_IV + 1);
	j = encode(st, last + 3 * SYNC_IV + 1);
	assert_string_equal(s(stream_of(j, GM_A), "state"), "silent");
	assert_int_equal(u(j, "count"), 1);
	json_object_put(j);
	streams_expire(st, last + 4 * SYNC_IV);
	assert_int_equal(streams_count(st), 0);
	assert_int_equal(streams_dropped(st), 1);
	j = encode(st, last + 4 * SYNC_IV);
	assert_int_equal(u(j, "count"), 0);
	assert_int_equal(u(j, "dropped"), 1);
	assert_int_equal(json_object_array_length(get(j, "streams")), 0);
	json_object_put(j);
	streams_free(st);
}

/* A stream heard again after being marked is live again, not dropped. */
static void test_silence_revived(void **state)
{
	struct streams *st = table(8);
	uint64_t t = T0 + 10 * 1000 * MS;

	(void)state;
	master(st, &gm_a, 10);
	streams_expire(st, t);
	exchange(st, &gm_a, 10, t + MS, true);
	streams_expire(st, t + 2 * MS);
	assert_int_equal(streams_count(st), 1);
	assert_int_equal(streams_dropped(st), 0);
	streams_free(st);
}

/*
 * 10,000 forged sourcePortIdentities, one SYNC each, with a real master
 * exchanging every 10 of them: the table stays at its cap, every forged
 * one beyond it is an eviction, and the real master is kept whole.
 */
static void test_table_cap(void **state)
{
	enum { CAP = 64, FORGED = 10000 };
	struct streams *st = table(CAP);
	struct json_object *j, *o;
	uint64_t t = T0;
	int seq = 0;

	(void)state;
	for (int i = 0; i < FORGED; i++) {
		struct ptp_port_id id = {{0x02, 0x00, 0x00, 0xff, 0xfe,
					  (uint8_t)(i >> 16), (uint8_t)(i >> 8),
					  (uint8_t)i},
					 1};
		struct pkt p = {.type = PTP_SYNC,
				.src = &id,
				.seq = (uint16_t)i,
				.now = t,
				.verdict = CLASSIFY_FRAME};

		feed(st, &p);
		t += 100000; /* 10,000 identities/s */
		if (i % 10 == 9) {
			exchange(st, &gm_a, (uint16_t)seq++, t, true);
		}
		assert_true(streams_count(st) <= CAP);
	}
	assert_int_equal(streams_count(st), CAP);
	/* the master takes one slot, the first CAP - 1 forged fill the
	 * rest: every later one evicts an earlier one */
	assert_int_equal(streams_evictions(st), FORGED - (CAP - 1));
	j = encode(st, t);
	assert_int_equal(u(j, "count"), CAP);
	assert_int_equal(u(j, "cap"), CAP);
	assert_int_equal(u(j, "evictions"), FORGED - (CAP - 1));
	o = stream_of(j, GM_A);
	assert_int_equal(u(get(o, "msgs"), "sync"), FORGED / 10);
	assert_int_equal(u(get(o, "msgs"), "followUp"), FORGED / 10);
	assert_defects(o, NULL);
	json_object_put(j);
	streams_free(st);
}

/* A full table of established streams: the oldest idle one goes. */
static void test_evict_oldest_idle(void **state)
{
	struct streams *st = table(2);
	struct json_object *j;
	struct pkt p = {.type = PTP_SYNC,
			.src = &slave_c,
			.now = T0 + 1000 * SYNC_IV,
			.verdict = CLASSIFY_FRAME};

	(void)state;
	master(st, &gm_a, 20);
	for (int i = 0; i < 20; i++) {
		exchange(st, &gm_b, (uint16_t)i, T0 + 500 * SYNC_IV + i * MS,
			 true);
	}
	feed(st, &p);
	j = encode(st, p.now);
	assert_int_equal(u(j, "evictions"), 1);
	stream_of(j, GM_B);
	stream_of(j, SLAVE_C);
	json_object_put(j);
	streams_free(st);
}

/* DELAY_REQ of a slave and the master's DELAY_RESP naming it; a gap in
 * the slave's DELAY_REQ sequence. */
static void test_delay_exchange(void **state)
{
	struct streams *st = table(8);
	struct json_object *j, *o;

	(void)state;
	for (int i = 0; i < 20; i++) {
		uint64_t t = T0 + (uint64_t)i * SYNC_IV;
		struct pkt rq = {.type = PTP_DELAY_REQ,
				 .src = &slave_c,
				 .seq = (uint16_t)i,
				 .log = 0x7f,
				 .now = t,
				 .hw = true,
				 .verdict = CLASSIFY_FRAME};
		struct pkt rs = {.type = PTP_DELAY_RESP,
				 .src = &gm_a,
				 .seq = (uint16_t)i,
				 .log = -3,
				 .now = t + MS,
				 .req = &slave_c,
				 .verdict = CLASSIFY_FRAME};

		if (i == 5) {
			continue; /* lost on the way */
		}
		feed(st, &rq);
		feed(st, &rs);
	}
	j = encode(st, T0 + 20 * SYNC_IV);
	o = stream_of(j, SLAVE_C);
	assert_string_equal(s(o, "role"), "slave");
	assert_int_equal(u(get(o, "msgs"), "delayReq"), 19);
	assert_int_equal(u(o, "delayRespReceived"), 19);
	assert_defects(o,
		       (const struct want[]){{"gaps.delayReq", 1}, {NULL, 0}});
	/* 0x7f: nothing advertised; the observed median stands in */
	assert_null(get(get(get(o, "intervals"), "delayReq"), "advertisedNs"));
	assert_string_equal(s(get(get(o, "intervals"), "delayReq"), "medianNs"),
			    "125000000");
	o = stream_of(j, GM_A);
	assert_int_equal(u(get(o, "msgs"), "delayResp"), 19);
	assert_defects(o, NULL);
	json_object_put(j);
	streams_free(st);
}

/* A restarted sender (seqId back to 0): seqResets 1, no gap, no dup. */
static void test_seq_reset(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;

	(void)state;
	for (int i = 0; i < 40; i++) {
		int seq = i < 20 ? 5000 + i : i - 20;

		exchange(st, &gm_a, (uint16_t)seq, T0 + (uint64_t)i * SYNC_IV,
			 true);
	}
	j = encode(st, T0 + 40 * SYNC_IV);
	assert_defects(stream_of(j, GM_A),
		       (const struct want[]){{"seqResets", 1}, {NULL, 0}});
	json_object_put(j);
	streams_free(st);
}

/* seqId wraps 65535 -> 0 without a defect. */
static void test_seq_wrap(void **state)
{
	struct streams *st = table(8);
	struct json_object *j;

	(void)state;
	for (int i = 0; i < 40; i++) {
		exchange(st, &gm_a, (uint16_t)(65520 + i),
			 T0 + (uint64_t)i * SYNC_IV, true);
	}
	j = encode(st, T0 + 40 * SYNC_IV);
	assert_defects(stream_of(j, GM_A), NULL);
	assert_int_equal(
		u(get(get(stream_of(j, GM_A), "intervals"), "sync"), "samples"),
		39);
	json_object_put(j);
	streams_free(st);
}

/* Verdicts without a trustworthy message are not accounted. */
static void test_other_verdicts_ignored(void **state)
{
	static const enum classify_verdict v[] = {
		CLASSIFY_TRUNCATED, CLASSIFY_MALFORMED, CLASSIFY_FILTERED,
		CLASSIFY_UNSTAMPED};
	struct streams *st = table(8);

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pkt p = {.type = PTP_SYNC,
				.src = &gm_a,
				.now = T0,
				.verdict = v[i]};

		feed(st, &p);
	}
	assert_int_equal(streams_count(st), 0);
	streams_free(st);
}

/* Key order of the frame and of a stream, and -ENOSPC. */
static void test_frame_layout(void **state)
{
	static const char *const top[] = {
		"v",	   "type",    "count",	      "cap", "evictions",
		"dropped", "masters", "extraMasters", "own", "streams"};
	static const char *const obj[] = {"domain",
					  "transport",
					  "src",
					  "state",
					  "role",
					  "idleNs",
					  "ageNs",
					  "msgs",
					  "twoStepSync",
					  "missingFollowUp",
					  "orphanFollowUp",
					  "gaps",
					  "duplicates",
					  "reordered",
					  "seqResets",
					  "missingHw",
					  "eventMsgs",
					  "missingHwPerMillion",
					  "delayRespReceived",
					  "intervals",
					  "syncJitter",
					  "correction"};
	const struct streams_own own = {.port = slave_c,
					.delay_req_sent = 10,
					.tx_stamps = 9,
					.delay_resp = 8};
	struct streams *st = table(8);
	char buf[8192];
	struct json_object *j, *o;
	size_t i = 0;
	int n;

	(void)state;
	master(st, &gm_a, 3);
	n = streams_encode(st, &own, T0, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true((size_t)n < streams_frame_max(st));
	assert_non_null(strstr(buf, "{\"v\":1,\"type\":\"streams\","));
	j = json_tokener_parse(buf);
	json_object_object_foreach(j, k, v)
	{
		(void)v;
		assert_true(i < sizeof(top) / sizeof(top[0]));
		assert_string_equal(k, top[i++]);
	}
	assert_int_equal(i, sizeof(top) / sizeof(top[0]));
	o = get(j, "own");
	assert_string_equal(s(o, "port"), SLAVE_C);
	assert_int_equal(u(o, "delayReqSent"), 10);
	assert_int_equal(u(o, "txStamps"), 9);
	assert_int_equal(u(o, "delayRespReceived"), 8);
	i = 0;
	json_object_object_foreach(stream_of(j, GM_A), k2, v2)
	{
		(void)v2;
		assert_true(i < sizeof(obj) / sizeof(obj[0]));
		assert_string_equal(k2, obj[i++]);
	}
	assert_int_equal(i, sizeof(obj) / sizeof(obj[0]));
	json_object_put(j);
	assert_int_equal(streams_encode(st, &own, T0, buf, (size_t)n - 10),
			 -ENOSPC);
	streams_free(st);
}

/* A full table of the longest stream objects fits streams_frame_max(). */
static void test_frame_max(void **state)
{
	enum { CAP = 32 };
	struct streams *st = table(CAP);
	size_t size = streams_frame_max(st);
	char *buf = malloc(size);

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < CAP; i++) {
		struct ptp_port_id id = {
			{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, (uint8_t)i},
			65535};

		for (int k = 0; k < 300; k++) {
			struct pkt p = {.type = PTP_SYNC,
					.src = &id,
					.seq = (uint16_t)(k * 7),
					.two_step = true,
					.log = -7,
					.now = T0 + (uint64_t)k * 4000 * MS,
					.hw = true,
					.hw_off = (int64_t)k * 3999999,
					.corr_ns = k % 2 ? INT64_MAX / 65536
							 : INT64_MIN / 65536,
					.verdict = CLASSIFY_FRAME};

			feed(st, &p);
		}
	}
	assert_true(streams_encode(st, NULL, UINT64_MAX, buf, size) > 0);
	free(buf);
	streams_free(st);
}

/* The read-only iterator and the summary (metrics.c reads the table
 * through them) say exactly what the frame says, defects included. */
static void test_iterator_matches_frame(void **state)
{
	struct streams *st = table(8);
	struct streams_summary sum;
	struct streams_info info;
	struct json_object *j;
	unsigned int pos = 0, seen = 0;
	uint64_t end = T0 + 100 * SYNC_IV;

	(void)state;
	for (int i = 0; i < 100; i++) {
		uint64_t t = T0 + (uint64_t)i * SYNC_IV;
		int seq = i == 20 ? 21 : i == 21 ? 20 : i;
		struct pkt rq = {.type = PTP_DELAY_REQ,
				 .src = &slave_c,
				 .seq = (uint16_t)i,
				 .log = 0x7f,
				 .now = t + 2 * MS,
				 .hw = i != 7,
				 .verdict = i != 7 ? CLASSIFY_FRAME
						   : CLASSIFY_MISSING_HW};
		struct pkt rs = {.type = PTP_DELAY_RESP,
				 .src = &gm_a,
				 .seq = (uint16_t)i,
				 .log = -3,
				 .now = t + 3 * MS,
				 .req = &slave_c,
				 .verdict = CLASSIFY_FRAME};

		if (i != 50) {
			exchange(st, &gm_a, (uint16_t)seq, t, i != 60);
		}
		if (i == 70) {
			exchange(st, &gm_a, (uint16_t)seq, t + MS, true);
		}
		exchange(st, &gm_b, (uint16_t)(i + 3000), t + 7 * MS, true);
		if (i % 3) {
			feed(st, &rq);
			feed(st, &rs);
		}
	}
	streams_expire(st, end);
	j = encode(st, end);
	assert_int_equal(streams_summary(st, &sum), 0);
	assert_int_equal(sum.count, u(j, "count"));
	assert_int_equal(sum.count, 3);
	assert_int_equal(sum.cap, u(j, "cap"));
	assert_int_equal(sum.evictions, u(j, "evictions"));
	assert_int_equal(sum.dropped, u(j, "dropped"));
	assert_int_equal(sum.masters, u(j, "masters"));
	assert_int_equal(sum.extra_masters, u(j, "extraMasters"));
	assert_int_equal(sum.extra_masters, 1);
	while (streams_next(st, &pos, &info)) {
		static const struct {
			const char *key;
			size_t off;
		} groups[] = {
			{"msgs", offsetof(struct streams_info, msgs)},
			{"gaps", offsetof(struct streams_info, gaps)},
			{"duplicates", offsetof(struct streams_info, dups)},
			{"reordered", offsetof(struct streams_info, reordered)},
		};
		char src[PTP_PORT_ID_STRLEN];
		struct json_object *o;
		uint64_t defects = 0;

		ptp_port_id_str(&info.src, src);
		o = stream_of(j, src);
		seen++;
		assert_int_equal(info.domain, u(o, "domain"));
		assert_string_equal(pkt_transport_name(info.transport),
				    s(o, "transport"));
		assert_string_equal(info.role, s(o, "role"));
		assert_string_equal(info.silent ? "silent" : "live",
				    s(o, "state"));
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]);
		     g++) {
			const uint64_t *arr =
				(const uint64_t *)((const char *)&info +
						   groups[g].off);
			unsigned int keys = 0, names = 0;

			json_object_object_foreach(get(o, groups[g].key), k, v)
			{
				unsigned int t;

				for (t = 0; t < STREAMS_MSG_TYPES; t++) {
					const char *n = streams_msg_name(t);

					if (n && !strcmp(n, k)) {
						break;
					}
				}
				assert_true(t < STREAMS_MSG_TYPES);
				assert_int_equal(arr[t],
						 json_object_get_uint64(v));
				if (g) {
					defects += arr[t];
					/* gaps/reordered: the tracked types */
					assert_true(
						streams_seq_tracked(t) ||
						(g == 2 && t == PTP_FOLLOW_UP));
				}
				keys++;
			}
			for (unsigned int t = 0; t < STREAMS_MSG_TYPES; t++) {
				names += g ? streams_seq_tracked(t) ||
							 (g == 2 &&
							  t == PTP_FOLLOW_UP)
					   : streams_msg_name(t) != NULL;
			}
			assert_int_equal(keys, names);
		}
		assert_int_equal(info.two_step, u(o, "twoStepSync"));
		assert_int_equal(info.missing_fup, u(o, "missingFollowUp"));
		assert_int_equal(info.orphan_fup, u(o, "orphanFollowUp"));
		assert_int_equal(info.seq_resets, u(o, "seqResets"));
		assert_int_equal(info.missing_hw, u(o, "missingHw"));
		assert_int_equal(info.events, u(o, "eventMsgs"));
		assert_int_equal(info.delay_resp_for,
				 u(o, "delayRespReceived"));
		if (!strcmp(src, GM_A)) {
			/* the gap, the swap, the repeated SYNC (its own
			 * FOLLOW_UP matches it: no duplicate FOLLOW_UP),
			 * and one missing FOLLOW_UP */
			assert_int_equal(defects, 3);
			assert_int_equal(info.gaps[PTP_SYNC], 1);
			assert_int_equal(info.reordered[PTP_SYNC], 1);
			assert_int_equal(info.dups[PTP_SYNC], 1);
			assert_int_equal(info.missing_fup, 1);
		}
		if (!strcmp(src, SLAVE_C)) {
			assert_int_equal(info.missing_hw, 1);
			assert_true(info.delay_resp_for > 0);
		}
	}
	assert_int_equal(seen, 3);
	assert_int_equal(pos, 8);
	assert_false(streams_next(st, &pos, &info));
	assert_null(streams_msg_name(4));
	assert_string_equal(streams_msg_name(PTP_PDELAY_RESP_FOLLOW_UP),
			    "pdelayRespFollowUp");
	json_object_put(j);
	streams_free(st);
}

static void test_new_bad_cap(void **state)
{
	struct streams *st = NULL;

	(void)state;
	assert_int_equal(streams_new(&st, 0), -EINVAL);
	assert_int_equal(streams_new(&st, 65536), -EINVAL);
	assert_null(st);
	streams_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_master),
		cmocka_unit_test(test_dropped_follow_up),
		cmocka_unit_test(test_follow_up_window),
		cmocka_unit_test(test_repeated_seq),
		cmocka_unit_test(test_repeated_follow_up),
		cmocka_unit_test(test_skipped_seq),
		cmocka_unit_test(test_swapped_syncs),
		cmocka_unit_test(test_orphan_follow_up),
		cmocka_unit_test(test_second_master),
		cmocka_unit_test(test_missing_hw),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_interval_mismatch),
		cmocka_unit_test(test_correction),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_silence_revived),
		cmocka_unit_test(test_table_cap),
		cmocka_unit_test(test_evict_oldest_idle),
		cmocka_unit_test(test_delay_exchange),
		cmocka_unit_test(test_seq_reset),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_other_verdicts_ignored),
		cmocka_unit_test(test_frame_layout),
		cmocka_unit_test(test_frame_max),
		cmocka_unit_test(test_iterator_matches_frame),
		cmocka_unit_test(test_new_bad_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
