// SPDX-License-Identifier: MIT
/*
 * Frame encoder tests: every frame is parsed back with json-c and checked
 * key by key, in order; one SYNC frame is checked byte for byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "frame.h"
#include "ptp4l.h"

/* Source port aabbcc.fffe.ddeeff-1, as Wireshark shows a
 * sourcePortIdentity: ClockIdentity 0xaabbccfffeddeeff, SourcePortID 1. */
static const struct ptp_port_id port_a = {
	.clock_id = {0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff},
	.port = 1,
};
/* requestingPortIdentity 001122.fffe.334455-32767 */
static const struct ptp_port_id port_b = {
	.clock_id = {0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55},
	.port = 32767,
};

static const char *const core_keys[] = {"v",	 "type",   "msgType",
					"seqId", "unixNs", "mechanism"};

static void msg_init(struct ptp_msg *m, unsigned int type)
{
	memset(m, 0, sizeof(*m));
	m->hdr.msg_type = (uint8_t)type;
	m->hdr.version = 2;
	m->hdr.domain = 24;
	m->hdr.seq_id = 1234;
	m->hdr.src = port_a;
	/* correctionField 0x0000000000018000 = 1.5 ns -> rounds to 2 */
	m->hdr.correction = 0x18000;
	switch (type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
	case PTP_PDELAY_REQ:
		m->sync.origin.sec = 1748073600;
		m->sync.origin.nsec = 5;
		break;
	case PTP_DELAY_RESP:
	case PTP_PDELAY_RESP:
	case PTP_PDELAY_RESP_FOLLOW_UP:
		m->resp.ts.sec = 1748073601;
		m->resp.ts.nsec = 999999999;
		m->resp.req_port = port_b;
		break;
	default:
		break;
	}
}

static struct frame_stamp stamp_of(const struct ptp_msg *m, bool hw, bool tx)
{
	return (struct frame_stamp){
		.tx = tx,
		.msg = m,
		.stamp = {.tv_sec = 1748073600, .tv_nsec = 123456789},
		.hw = hw,
		.iface = "eth0",
		.phc = 0,
	};
}

/* Encodes, checks the framing rules every frame shares, parses. */
static struct json_object *encode_parse(const struct frame_stamp *f, char *buf,
					size_t size)
{
	struct json_object *j;
	int n;

	n = frame_encode_stamp(f, buf, size);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));
	assert_null(strchr(buf, ' '));
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_true(json_object_is_type(j, json_type_object));
	return j;
}

/* Keys of @j in wire order must be exactly @want. */
static void assert_keys(struct json_object *j, const char *const *want,
			size_t nwant)
{
	size_t i = 0;

	json_object_object_foreach(j, key, val)
	{
		(void)val;
		assert_true(i < nwant);
		assert_string_equal(key, want[i]);
		i++;
	}
	assert_int_equal(i, nwant);
}

static const char *get_str(struct json_object *j, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(j, key, &v));
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *j, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(j, key, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static bool has_key(struct json_object *j, const char *key)
{
	return json_object_object_get_ex(j, key, NULL);
}

static void test_sync_exact_bytes(void **state)
{
	char buf[FRAME_MAX];
	struct ptp_msg m;
	struct frame_stamp f;
	int n;

	(void)state;
	msg_init(&m, PTP_SYNC);
	m.hdr.flags = PTP_FLAG_TWO_STEP; /* flagField 0x0200: twoStepFlag */
	f = stamp_of(&m, false, false);
	static const char want[] =
		"{\"v\":1,\"type\":\"rx\",\"msgType\":0,\"seqId\":1234,"
		"\"unixNs\":\"1748073600123456789\","
		"\"mechanism\":\"so_timestamping_software\",\"domain\":24,"
		"\"src\":\"aabbcc.fffe.ddeeff-1\",\"iface\":\"eth0\","
		"\"twoStep\":true,\"correctionNs\":2,"
		"\"originNs\":\"1748073600000000005\"}\n";
	n = frame_encode_stamp(&f, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want) - 1);
	assert_string_equal(buf, want);

	/* The same SYNC, one-step (flagField 0x0000), hardware stamp from
	 * /dev/ptp3: phc appears right after iface, twoStep turns false. */
	m.hdr.flags = 0;
	f.hw = true;
	f.phc = 3;
	static const char want_hw[] =
		"{\"v\":1,\"type\":\"rx\",\"msgType\":0,\"seqId\":1234,"
		"\"unixNs\":\"1748073600123456789\","
		"\"mechanism\":\"so_timestamping\",\"domain\":24,"
		"\"src\":\"aabbcc.fffe.ddeeff-1\",\"iface\":\"eth0\","
		"\"phc\":3,\"twoStep\":false,\"correctionNs\":2,"
		"\"originNs\":\"1748073600000000005\"}\n";
	n = frame_encode_stamp(&f, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want_hw) - 1);
	assert_string_equal(buf, want_hw);
}

/* The capture path's keys follow the message's own: transport, vlan only
 * when tagged, unicast always with a transport. */
static void test_transport_keys(void **state)
{
	char buf[FRAME_MAX];
	struct ptp_msg m;
	struct frame_stamp f;
	int n;

	(void)state;
	msg_init(&m, PTP_DELAY_RESP);
	f = stamp_of(&m, false, false);
	f.iface = NULL;
	f.transport = "udp6";
	f.unicast = true;
	static const char want[] =
		"{\"v\":1,\"type\":\"rx\",\"msgType\":9,\"seqId\":1234,"
		"\"unixNs\":\"1748073600123456789\","
		"\"mechanism\":\"so_timestamping_software\",\"domain\":24,"
		"\"src\":\"aabbcc.fffe.ddeeff-1\",\"correctionNs\":2,"
		"\"receiveNs\":\"1748073601999999999\","
		"\"reqPort\":\"001122.fffe.334455-32767\","
		"\"transport\":\"udp6\","
		"\"unicast\":true}\n";
	n = frame_encode_stamp(&f, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want) - 1);
	assert_string_equal(buf, want);

	/* VID 0 is a priority tag, still a tag: written */
	msg_init(&m, PTP_ANNOUNCE);
	f = stamp_of(&m, false, false);
	f.iface = NULL;
	f.transport = "l2";
	f.tagged = true;
	f.vlan = 0;
	static const char want_l2[] =
		"{\"v\":1,\"type\":\"rx\",\"msgType\":11,\"seqId\":1234,"
		"\"unixNs\":\"1748073600123456789\","
		"\"mechanism\":\"so_timestamping_software\",\"domain\":24,"
		"\"src\":\"aabbcc.fffe.ddeeff-1\",\"correctionNs\":2,"
		"\"transport\":\"l2\",\"vlan\":0,\"unicast\":false}\n";
	n = frame_encode_stamp(&f, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want_l2) - 1);
	assert_string_equal(buf, want_l2);
}

struct type_case {
	unsigned int type;
	const char *ext[8]; /* extension keys after domain, src, iface */
};

/* What each message type adds after the shared extension keys. */
static const struct type_case type_cases[] = {
	{PTP_SYNC, {"twoStep", "correctionNs", "originNs"}},
	{PTP_DELAY_REQ, {"correctionNs", "originNs"}},
	{PTP_PDELAY_REQ, {"correctionNs", "originNs"}},
	{PTP_PDELAY_RESP, {"correctionNs", "reqPort"}},
	{PTP_FOLLOW_UP, {"correctionNs", "originNs"}},
	{PTP_DELAY_RESP, {"correctionNs", "receiveNs", "reqPort"}},
	{PTP_PDELAY_RESP_FOLLOW_UP, {"correctionNs"}},
	{PTP_ANNOUNCE, {"correctionNs"}},
	{PTP_SIGNALING, {"correctionNs"}},
	{PTP_MANAGEMENT, {"correctionNs"}},
};

static void check_type(const struct type_case *tc, bool hw, bool tx)
{
	const char *want[16];
	char buf[FRAME_MAX];
	struct json_object *j;
	struct frame_stamp f;
	struct ptp_msg m;
	size_t n = 0, i;

	msg_init(&m, tc->type);
	f = stamp_of(&m, hw, tx);
	f.phc = 1;
	j = encode_parse(&f, buf, sizeof(buf));

	for (i = 0; i < 6; i++) {
		want[n++] = core_keys[i];
	}
	want[n++] = "domain";
	want[n++] = "src";
	want[n++] = "iface";
	if (hw) {
		want[n++] = "phc";
	}
	for (i = 0; tc->ext[i]; i++) {
		want[n++] = tc->ext[i];
	}
	assert_keys(j, want, n);

	assert_int_equal(get_int(j, "v"), 1);
	assert_string_equal(get_str(j, "type"), tx ? "tx" : "rx");
	assert_int_equal(get_int(j, "msgType"), tc->type);
	assert_int_equal(get_int(j, "seqId"), 1234);
	assert_string_equal(get_str(j, "unixNs"), "1748073600123456789");
	assert_string_equal(get_str(j, "mechanism"),
			    hw ? "so_timestamping"
			       : "so_timestamping_software");
	assert_int_equal(get_int(j, "domain"), 24);
	assert_string_equal(get_str(j, "src"), "aabbcc.fffe.ddeeff-1");
	assert_string_equal(get_str(j, "iface"), "eth0");
	assert_int_equal(get_int(j, "correctionNs"), 2);
	if (hw) {
		assert_int_equal(get_int(j, "phc"), 1);
	}
	if (has_key(j, "originNs")) {
		assert_string_equal(get_str(j, "originNs"),
				    "1748073600000000005");
	}
	if (has_key(j, "receiveNs")) {
		assert_string_equal(get_str(j, "receiveNs"),
				    "1748073601999999999");
	}
	if (has_key(j, "reqPort")) {
		assert_string_equal(get_str(j, "reqPort"),
				    "001122.fffe.334455-32767");
	}
	json_object_put(j);
}

static void test_every_type_key_order(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++) {
		check_type(&type_cases[i], false, false);
		check_type(&type_cases[i], true, false);
		check_type(&type_cases[i], false, true);
		check_type(&type_cases[i], true, true);
	}
}

static void test_mechanism_labels(void **state)
{
	char buf[FRAME_MAX];
	struct json_object *j;
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_DELAY_REQ);

	/* Software stamp with a PHC known: still software, no phc key, and
	 * the hardware label appears nowhere in the frame. */
	f = stamp_of(&m, false, true);
	f.phc = 0;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_string_equal(get_str(j, "mechanism"),
			    "so_timestamping_software");
	assert_false(has_key(j, "phc"));
	assert_null(strstr(buf, "\"so_timestamping\""));
	json_object_put(j);

	/* Hardware stamp, PHC index 0 is a real PHC (/dev/ptp0). */
	f.hw = true;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_string_equal(get_str(j, "mechanism"), "so_timestamping");
	assert_int_equal(get_int(j, "phc"), 0);
	json_object_put(j);

	/* Broken variant: hardware stamp but no PHC index known: the key is
	 * left out rather than written as -1. */
	f.phc = -1;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_string_equal(get_str(j, "mechanism"), "so_timestamping");
	assert_false(has_key(j, "phc"));
	json_object_put(j);
}

static void test_two_step_flag(void **state)
{
	char buf[FRAME_MAX];
	struct json_object *j, *v;
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_SYNC);
	/* flagField 0x0600: twoStepFlag + unicastFlag */
	m.hdr.flags = PTP_FLAG_TWO_STEP | PTP_FLAG_UNICAST;
	f = stamp_of(&m, false, false);
	j = encode_parse(&f, buf, sizeof(buf));
	assert_true(json_object_object_get_ex(j, "twoStep", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	json_object_put(j);

	/* flagField 0x0400: unicast only, not two-step */
	m.hdr.flags = PTP_FLAG_UNICAST;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_true(json_object_object_get_ex(j, "twoStep", &v));
	assert_false(json_object_get_boolean(v));
	json_object_put(j);

	/* twoStepFlag on a DELAY_REQ means nothing: no key. */
	msg_init(&m, PTP_DELAY_REQ);
	m.hdr.flags = PTP_FLAG_TWO_STEP;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_false(has_key(j, "twoStep"));
	json_object_put(j);
}

static void test_correction_negative(void **state)
{
	char buf[FRAME_MAX];
	struct json_object *j;
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_FOLLOW_UP);
	/* correctionField 0xfffffffffffe0000 = -2 ns */
	m.hdr.correction = -0x20000;
	f = stamp_of(&m, false, false);
	j = encode_parse(&f, buf, sizeof(buf));
	assert_int_equal(get_int(j, "correctionNs"), -2);
	json_object_put(j);
}

static void test_iface_omitted(void **state)
{
	char buf[FRAME_MAX];
	struct json_object *j;
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_ANNOUNCE);
	f = stamp_of(&m, false, false);
	f.iface = NULL;
	j = encode_parse(&f, buf, sizeof(buf));
	assert_false(has_key(j, "iface"));
	json_object_put(j);
}

/* Every byte of @s is a whole UTF-8 sequence. */
static bool is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int more;

	while (*p) {
		if (*p < 0x80) {
			more = 0;
		} else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2) {
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			more = 2;
		} else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4) {
			more = 3;
		} else {
			return false;
		}
		p++;
		while (more--) {
			if ((*p & 0xc0) != 0x80) {
				return false;
			}
			p++;
		}
	}
	return true;
}

static void check_iface_round_trip(const char *iface, const char *want)
{
	char buf[FRAME_MAX];
	struct json_object *j;
	struct frame_stamp f;
	struct ptp_msg m;
	const char *p;
	int n;

	msg_init(&m, PTP_ANNOUNCE);
	f = stamp_of(&m, false, false);
	f.iface = iface;
	n = frame_encode_stamp(&f, buf, sizeof(buf));
	assert_true(n > 0);
	/* No raw control byte may reach the wire: NDJSON readers split on
	 * '\n' and JSON forbids U+0000..U+001F unescaped. */
	for (p = buf; p < buf + n - 1; p++) {
		assert_true((unsigned char)*p >= 0x20);
	}
	assert_true(is_utf8(buf));
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_string_equal(get_str(j, "iface"), want);
	json_object_put(j);
}

static void test_iface_escaping(void **state)
{
	(void)state;
	check_iface_round_trip("a\"b", "a\"b");
	check_iface_round_trip("a\\b", "a\\b");
	check_iface_round_trip("a/b", "a/b");
	check_iface_round_trip("tab\tnl\ncr\rx\x01\x1f",
			       "tab\tnl\ncr\rx\x01\x1f");
	/* U+00E9, U+20AC, U+1F600: valid UTF-8 passes through unchanged. */
	check_iface_round_trip("caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
			       "caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Broken variants: a lone continuation byte, a truncated sequence,
	 * an overlong '/' (c0 af) and a UTF-16 surrogate (ed a0 80) each
	 * become U+FFFD so the frame stays valid UTF-8. */
	check_iface_round_trip("a\x80z", "a\xef\xbf\xbdz");
	check_iface_round_trip("a\xe2\x82", "a\xef\xbf\xbd\xef\xbf\xbd");
	check_iface_round_trip("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	check_iface_round_trip("\xed\xa0\x80",
			       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_iface_escape_bytes(void **state)
{
	char buf[FRAME_MAX];
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_ANNOUNCE);
	f = stamp_of(&m, false, false);
	f.iface = "q\"b\\s/c\x01n\n";
	assert_true(frame_encode_stamp(&f, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"iface\":\"q\\\"b\\\\s/c\\u0001n\\n\""));
}

static void test_enospc_edges(void **state)
{
	char ref[FRAME_MAX], buf[FRAME_MAX];
	struct frame_stamp f;
	struct ptp_msg m;
	int len;

	(void)state;
	msg_init(&m, PTP_DELAY_RESP);
	f = stamp_of(&m, true, false);
	len = frame_encode_stamp(&f, ref, sizeof(ref));
	assert_true(len > 0);

	/* len + 1: the frame and its NUL fit exactly. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(frame_encode_stamp(&f, buf, (size_t)len + 1), len);
	assert_memory_equal(buf, ref, (size_t)len + 1);
	assert_int_equal(buf[len + 1], 'X');

	/* len: room for the frame but not its NUL. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(frame_encode_stamp(&f, buf, (size_t)len), -ENOSPC);
	assert_int_equal(buf[0], 'X');

	/* len - 1: not even the '\n'. */
	assert_int_equal(frame_encode_stamp(&f, buf, (size_t)len - 1), -ENOSPC);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(frame_encode_stamp(&f, buf, 0), -ENOSPC);
}

static void test_bad_stamp(void **state)
{
	char buf[FRAME_MAX];
	struct frame_stamp f;
	struct ptp_msg m;

	(void)state;
	msg_init(&m, PTP_SYNC);
	f = stamp_of(&m, false, false);
	f.stamp.tv_nsec = 1000000000;
	assert_int_equal(frame_encode_stamp(&f, buf, sizeof(buf)), -EINVAL);
	f.stamp.tv_nsec = 0;
	f.stamp.tv_sec = -1;
	assert_int_equal(frame_encode_stamp(&f, buf, sizeof(buf)), -EINVAL);
	f.stamp.tv_sec = 0;
	assert_true(frame_encode_stamp(&f, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"unixNs\":\"0\""));
	f.msg = NULL;
	assert_int_equal(frame_encode_stamp(&f, buf, sizeof(buf)), -EINVAL);
}

static void test_ns_str(void **state)
{
	char s[FRAME_NS_STRLEN];

	(void)state;
	frame_ns_str(0, 0, s);
	assert_string_equal(s, "0");
	frame_ns_str(0, 5, s);
	assert_string_equal(s, "5");
	frame_ns_str(0, 999999999, s);
	assert_string_equal(s, "999999999");
	frame_ns_str(1, 5, s);
	assert_string_equal(s, "1000000005");
	frame_ns_str(1748073600, 123456789, s);
	assert_string_equal(s, "1748073600123456789");
	/* 48-bit PTP seconds 0xffffffffffff: sec * 10^9 would overflow
	 * uint64 (2.8e23 > 1.8e19). */
	frame_ns_str(0xffffffffffffULL, 999999999, s);
	assert_string_equal(s, "281474976710655999999999");
	/* First second whose ns no longer fits in uint64. */
	frame_ns_str(18446744074ULL, 0, s);
	assert_string_equal(s, "18446744074000000000");
	frame_ns_str(UINT64_MAX - 1, 999999999, s);
	assert_string_equal(s, "18446744073709551614999999999");
	/* An unnormalised nanosecond field carries into seconds. */
	frame_ns_str(1, 1000000001, s);
	assert_string_equal(s, "2000000001");
}

static void test_sample(void **state)
{
	static const char *const want[] = {
		"v",  "type",	  "seqId",   "t1",	  "t2", "t3",
		"t4", "offsetNs", "delayNs", "mechanism", "gm", "domain",
	};
	struct frame_sample s = {
		.seq_id = 65535,
		.t1 = {100, 0},
		.t2 = {100, 2500},
		.t3 = {100, 900000000},
		.t4 = {0, 1},
		.offset_ns = -1234567890123LL,
		.delay_ns = 2400,
		.hw = false,
		/* grandmasterIdentity 001122fffe334455 */
		.gm = {0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55},
		.domain = 127,
	};
	char buf[FRAME_MAX];
	struct json_object *j;
	int n;

	(void)state;
	n = frame_encode_sample(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(strchr(buf, ' '));
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_keys(j, want, sizeof(want) / sizeof(want[0]));
	assert_string_equal(get_str(j, "type"), "sample");
	assert_int_equal(get_int(j, "seqId"), 65535);
	assert_string_equal(get_str(j, "t1"), "100000000000");
	assert_string_equal(get_str(j, "t2"), "100000002500");
	assert_string_equal(get_str(j, "t3"), "100900000000");
	assert_string_equal(get_str(j, "t4"), "1");
	assert_int_equal(get_int(j, "offsetNs"), -1234567890123LL);
	assert_int_equal(get_int(j, "delayNs"), 2400);
	assert_string_equal(get_str(j, "mechanism"),
			    "so_timestamping_software");
	assert_string_equal(get_str(j, "gm"), "001122.fffe.334455");
	assert_int_equal(get_int(j, "domain"), 127);
	json_object_put(j);

	s.hw = true;
	assert_true(frame_encode_sample(&s, buf, sizeof(buf)) > 0);
	j = json_tokener_parse(buf);
	assert_string_equal(get_str(j, "mechanism"), "so_timestamping");
	json_object_put(j);

	/* Broken: t3 with tv_nsec out of range. */
	s.t3.tv_nsec = 1000000000;
	assert_int_equal(frame_encode_sample(&s, buf, sizeof(buf)), -EINVAL);
	/* ENOSPC edge, same frame as the first (software label). */
	s.t3.tv_nsec = 0;
	s.hw = false;
	assert_int_equal(frame_encode_sample(&s, buf, (size_t)n + 1), n);
	assert_int_equal(frame_encode_sample(&s, buf, (size_t)n), -ENOSPC);
}

static void test_status(void **state)
{
	static const char *const want[] = {
		"v",
		"type",
		"iface",
		"ifindex",
		"link",
		"stamping",
		"phc",
		"hwtsFilter",
		"clients",
		"streams",
		"uptimeS",
		"version",
		/* SPEC §11, from ptp4l's UDS */
		"syncState",
		"syncReason",
		"portState",
		"gm",
		"offsetNs",
		"meanPathDelayNs",
		"stepsRemoved",
		"clockClass",
		"utcOffsetS",
		"utcOffsetValid",
		"ptpTimescale",
		"timeTraceable",
		"ptp4lOnIface",
		"counters",
	};
	static const char *const want_counters[] = {
		"rx",	       "tx",	     "rxHw",	    "rxSw",
		"missingHw",   "malformed",  "truncated",   "filtered",
		"kernelDrops", "txTimeouts", "clientDrops", "clientsRefused",
		"framesOut",   "unstamped",  "rejected",
	};
	struct counters c = {
		.rx = 1,
		.tx = 2,
		.rx_hw = 3,
		.rx_sw = 4,
		.missing_hw = 5,
		.malformed = 6,
		.truncated = 7,
		.filtered = 8,
		.kernel_drops = 9,
		.tx_timeouts = 10,
		.client_drops = 11,
		.clients_refused = 12,
		.frames_out = UINT64_MAX,
		.unstamped = 14,
		.rejected = 15,
	};
	struct frame_status s = {
		.iface = "veth-sl",
		.ifindex = 7,
		.link_up = true,
		.hw = true,
		.phc = 2,
		.hwts_filter = "ptpv2-l4-event",
		.clients = 3,
		.streams = 2,
		.uptime_s = 86400,
		.version = "0.1.0",
		.counters = &c,
	};
	char buf[FRAME_MAX];
	struct json_object *j, *cj, *v;
	size_t i = 0;
	int n;

	(void)state;
	n = frame_encode_status(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(strchr(buf, ' '));
	/* UINT64_MAX goes out as an unsigned integer, not wrapped to -1. */
	assert_non_null(strstr(buf, "\"framesOut\":18446744073709551615,"));
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_keys(j, want, sizeof(want) / sizeof(want[0]));
	assert_string_equal(get_str(j, "type"), "status");
	assert_string_equal(get_str(j, "iface"), "veth-sl");
	assert_int_equal(get_int(j, "ifindex"), 7);
	assert_string_equal(get_str(j, "link"), "up");
	assert_string_equal(get_str(j, "stamping"), "hardware");
	assert_int_equal(get_int(j, "phc"), 2);
	assert_string_equal(get_str(j, "hwtsFilter"), "ptpv2-l4-event");
	assert_int_equal(get_int(j, "clients"), 3);
	assert_int_equal(get_int(j, "streams"), 2);
	assert_int_equal(get_int(j, "uptimeS"), 86400);
	assert_string_equal(get_str(j, "version"), "0.1.0");
	assert_true(json_object_object_get_ex(j, "counters", &cj));
	assert_keys(cj, want_counters,
		    sizeof(want_counters) / sizeof(want_counters[0]));
	json_object_object_foreach(cj, key, val)
	{
		(void)key;
		assert_true(json_object_is_type(val, json_type_int));
		if (i == 12) {
			assert_true(json_object_get_uint64(val) == UINT64_MAX);
		} else {
			assert_int_equal(json_object_get_int64(val), i + 1);
		}
		i++;
	}
	json_object_put(j);

	/* Software, link down, no PHC, no hardware filter: nulls. */
	s.link_up = false;
	s.hw = false;
	s.phc = -1;
	s.hwts_filter = NULL;
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_keys(j, want, sizeof(want) / sizeof(want[0]));
	assert_string_equal(get_str(j, "link"), "down");
	assert_string_equal(get_str(j, "stamping"), "software");
	assert_true(json_object_object_get_ex(j, "phc", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(j, "hwtsFilter", &v));
	assert_null(v);
	assert_non_null(strstr(buf, "\"phc\":null,\"hwtsFilter\":null"));
	json_object_put(j);
}

static void assert_null_key(struct json_object *j, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(j, key, &v));
	assert_null(v);
}

/* The sync keys: values from the view, null when not known (and all but
 * syncState and syncReason null while ptp4l does not answer). */
static void test_status_sync(void **state)
{
	struct ptp4l_view v = {
		.state = SYNC_LOCKED,
		.reason = "offset -12 ns under 1000 ns for 5 readings",
		.on_iface = PTP4L_PORT_YES,
		.have_port = true,
		.port_number = 1,
		.port_state = PTP_PS_SLAVE,
		.have_gm = true,
		.gm = {0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d},
		.have_current = true,
		.offset_ns = -12,
		.mean_path_delay_ns = 2236,
		.steps_removed = 1,
		.have_parent = true,
		.clock_class = 248,
		.have_time_props = true,
		.time_props = {.current_utc_offset = 37,
			       .utc_offset_valid = true,
			       .ptp_timescale = true},
	};
	struct frame_status s = {.iface = "eth0", .sync = &v, .phc = -1};
	char buf[FRAME_MAX];
	struct json_object *j;

	(void)state;
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
		buf, "\"syncState\":\"locked\",\"syncReason\":\"offset "
		     "-12 ns under 1000 ns for 5 readings\",\"portState\":"
		     "\"SLAVE\",\"gm\":\"527378.fffe.8da31d\",\"offsetNs\":-12,"
		     "\"meanPathDelayNs\":2236,\"stepsRemoved\":1,"
		     "\"clockClass\":248,\"utcOffsetS\":37,"
		     "\"utcOffsetValid\":true,\"ptpTimescale\":true,"
		     "\"timeTraceable\":false,\"ptp4lOnIface\":true,"));

	/* each dataset not known: its keys null */
	v.have_port = v.have_gm = v.have_current = false;
	v.have_parent = v.have_time_props = false;
	v.on_iface = PTP4L_PORT_UNKNOWN;
	v.state = SYNC_FREERUN;
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	j = json_tokener_parse(buf);
	assert_string_equal(get_str(j, "syncState"), "freerun");
	assert_null_key(j, "portState");
	assert_null_key(j, "gm");
	assert_null_key(j, "offsetNs");
	assert_null_key(j, "meanPathDelayNs");
	assert_null_key(j, "stepsRemoved");
	assert_null_key(j, "clockClass");
	assert_null_key(j, "utcOffsetS");
	assert_null_key(j, "utcOffsetValid");
	assert_null_key(j, "ptpTimescale");
	assert_null_key(j, "timeTraceable");
	assert_null_key(j, "ptp4lOnIface");
	json_object_put(j);

	/* unknown: the last values are stale, so null */
	v.have_port = v.have_gm = v.have_current = true;
	v.state = SYNC_UNKNOWN;
	v.reason = "no answer from ptp4l at /var/run/ptp4l for 3 s";
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	j = json_tokener_parse(buf);
	assert_string_equal(get_str(j, "syncState"), "unknown");
	assert_string_equal(get_str(j, "syncReason"), v.reason);
	assert_null_key(j, "portState");
	assert_null_key(j, "gm");
	assert_null_key(j, "offsetNs");
	json_object_put(j);

	/* no client at all */
	s.sync = NULL;
	s.sync_reason = "--ptp4l-uds none";
	assert_true(frame_encode_status(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf,
			       "\"syncState\":\"unknown\",\"syncReason\":"
			       "\"--ptp4l-uds none\",\"portState\":null,"));
}

static void test_sync_frame(void **state)
{
	static const char *const want[] = {
		"v",  "type",	  "syncState", "previous", "portState", "port",
		"gm", "offsetNs", "reason",    "monoNs",   "unixNs",
	};
	struct ptp4l_view v = {
		.state = SYNC_HOLDOVER,
		.prev_state = SYNC_LOCKED,
		.reason = "port 1 LISTENING (holdover up to 2 s)",
		.have_port = true,
		.port_number = 1,
		.port_state = PTP_PS_LISTENING,
		.have_gm = true,
		.gm = {0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d},
		.have_current = true,
		.offset_ns = 7,
		.changed_mono_ns = 12345000000007ULL,
		.changed_real_ns = 1748073600123456789LL,
	};
	char buf[FRAME_MAX];
	struct json_object *j;
	int n;

	(void)state;
	n = frame_encode_sync(&v, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_string_equal(
		buf, "{\"v\":1,\"type\":\"sync\",\"syncState\":\"holdover\","
		     "\"previous\":\"locked\",\"portState\":\"LISTENING\","
		     "\"port\":1,\"gm\":\"527378.fffe.8da31d\",\"offsetNs\":7,"
		     "\"reason\":\"port 1 LISTENING (holdover up to 2 s)\","
		     "\"monoNs\":\"12345000000007\","
		     "\"unixNs\":\"1748073600123456789\"}\n");
	v.state = SYNC_UNKNOWN;
	assert_true(frame_encode_sync(&v, buf, sizeof(buf)) > 0);
	j = json_tokener_parse(buf);
	assert_keys(j, want, sizeof(want) / sizeof(want[0]));
	assert_null_key(j, "portState");
	assert_null_key(j, "port");
	assert_null_key(j, "gm");
	assert_null_key(j, "offsetNs");
	json_object_put(j);
	assert_int_equal(frame_encode_sync(&v, buf, 40), -ENOSPC);
}

static void test_status_fits_frame_max(void **state)
{
	struct counters c;
	struct frame_status s = {
		/* IFNAMSIZ - 1 bytes, each escaped to six: the worst case */
		.iface = "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
			 "\x10\x11\x12",
		.ifindex = INT32_MAX,
		.phc = INT32_MAX,
		.hwts_filter = "HWTSTAMP_FILTER_PTP_V2_L4_EVENT",
		.clients = UINT32_MAX,
		.streams = UINT32_MAX,
		.uptime_s = UINT64_MAX,
		.version = "0.1.0-1234-gdeadbeef-dirty",
		.counters = &c,
	};
	/* the longest reason: ptp4l.c's 191 bytes, each escaped to six */
	char reason[192];
	struct ptp4l_view v = {
		.state = SYNC_HOLDOVER,
		.reason = reason,
		.on_iface = PTP4L_PORT_NO,
		.have_port = true,
		.port_state = PTP_PS_UNCALIBRATED,
		.have_gm = true,
		.have_current = true,
		.offset_ns = INT64_MIN,
		.mean_path_delay_ns = INT64_MIN,
		.steps_removed = UINT16_MAX,
		.have_parent = true,
		.have_time_props = true,
		.time_props = {.current_utc_offset = INT16_MIN},
	};
	char buf[FRAME_MAX];
	int n;

	(void)state;
	memset(reason, 0x01, sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = 0;
	s.sync = &v;
	memset(&c, 0xff, sizeof(c));
	n = frame_encode_status(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true(n < FRAME_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_exact_bytes),
		cmocka_unit_test(test_transport_keys),
		cmocka_unit_test(test_every_type_key_order),
		cmocka_unit_test(test_mechanism_labels),
		cmocka_unit_test(test_two_step_flag),
		cmocka_unit_test(test_correction_negative),
		cmocka_unit_test(test_iface_omitted),
		cmocka_unit_test(test_iface_escaping),
		cmocka_unit_test(test_iface_escape_bytes),
		cmocka_unit_test(test_enospc_edges),
		cmocka_unit_test(test_bad_stamp),
		cmocka_unit_test(test_ns_str),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_sync),
		cmocka_unit_test(test_sync_frame),
		cmocka_unit_test(test_status_fits_frame_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
