// SPDX-License-Identifier: MIT
/*
 * classify_packet(): every branch of what a captured packet becomes, on
 * the real captured frames of tests/unit/frames.h (see there for where
 * they come from) with the control messages a kernel would attach. The
 * honesty rule (SPEC §1 promise 1, §4) is asserted from both sides: a
 * hardware label only with ts[2] and NIC stamping in force, and under
 * --timestamping hardware no event message without one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "frames.h"

#define SW_SEC	1795403254
#define SW_NSEC 945825620
#define HW_SEC	1795403291 /* a PHC 37 s ahead (TAI) */
#define HW_NSEC 123456789

enum stamps { NONE = 0, SW = 1, HW = 2 };

static const struct test_frame *frame_named(const char *name)
{
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		if (!strcmp(test_frames[i].name, name)) {
			return &test_frames[i];
		}
	}
	fail_msg("no test frame %s", name);
	return NULL;
}

/* @fb as the capture socket hands it over, with @stamps. */
static struct cap_pkt pkt_of(const struct frame_buf *fb, unsigned int pkttype,
			     unsigned int stamps)
{
	struct cap_pkt p = {.buf = fb->b, .len = fb->len, .pkttype = pkttype};

	if (stamps & SW) {
		p.tc.flags |= TS_CMSG_SW;
		p.tc.sw = (struct timespec){SW_SEC, SW_NSEC};
	}
	if (stamps & HW) {
		p.tc.flags |= TS_CMSG_HW;
		p.tc.hw = (struct timespec){HW_SEC, HW_NSEC};
	}
	return p;
}

static struct cap_pkt named(struct frame_buf *fb, const char *name,
			    unsigned int stamps)
{
	const struct test_frame *f = frame_named(name);

	frame_copy(fb, f);
	return pkt_of(fb, f->pkttype, stamps);
}

static const struct classify_mode mode_software = {.domain = -1};
static const struct classify_mode mode_auto_hw = {.hw = true, .domain = -1};
static const struct classify_mode mode_hardware = {
	.hw = true, .hw_required = true, .domain = -1};

static void assert_sw_frame(const struct classify_result *r)
{
	assert_int_equal(r->verdict, CLASSIFY_FRAME);
	assert_false(r->hw);
	assert_int_equal(r->stamp.tv_sec, SW_SEC);
	assert_int_equal(r->stamp.tv_nsec, SW_NSEC);
}

static void assert_hw_frame(const struct classify_result *r)
{
	assert_int_equal(r->verdict, CLASSIFY_FRAME);
	assert_true(r->hw);
	assert_int_equal(r->stamp.tv_sec, HW_SEC);
	assert_int_equal(r->stamp.tv_nsec, HW_NSEC);
}

/* Software mode: every transport framed with the kernel stamp, decoded. */
static void test_software_frames(void **state)
{
	struct frame_buf fb;
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];
		struct cap_pkt p;

		frame_copy(&fb, f);
		p = pkt_of(&fb, f->pkttype, SW);
		classify_packet(&p, &mode_software, &r);
		assert_sw_frame(&r);
		assert_int_equal(r.pkt.transport, f->transport);
		assert_int_equal(r.msg.hdr.msg_type, f->msg_type);
		assert_int_equal(r.pkt.unicast, f->pkttype == PACKET_HOST);
		assert_int_equal(r.pkt.vlan, -1);
		assert_true(r.have_sw);
	}
}

/* A ts[2] the socket was not asked for is never published as hardware. */
static void test_software_mode_ignores_hw_stamp(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW | HW);
	struct classify_result r;

	(void)state;
	classify_packet(&p, &mode_software, &r);
	assert_sw_frame(&r);
	/* ... and without a software stamp it is unstamped, not hardware */
	p = named(&fb, "udp4_sync", HW);
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_UNSTAMPED);
}

static void test_hardware_stamp(void **state)
{
	static const char *const names[] = {"udp4_sync", "udp6_sync", "l2_sync",
					    "udp4_follow_up"};
	struct frame_buf fb;
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cap_pkt p = named(&fb, names[i], SW | HW);

		classify_packet(&p, &mode_hardware, &r);
		assert_hw_frame(&r);
		/* the software stamp of the same packet stays at hand */
		assert_true(r.have_sw);
		assert_int_equal(r.sw.tv_nsec, SW_NSEC);
		classify_packet(&p, &mode_auto_hw, &r);
		assert_hw_frame(&r);
	}
}

/* --timestamping hardware: an event message without ts[2] is no frame. */
static void test_hardware_required_event_missing(void **state)
{
	static const char *const events[] = {"udp4_sync", "udp6_sync",
					     "l2_sync"};
	struct frame_buf fb;
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct cap_pkt p = named(&fb, events[i], SW);

		classify_packet(&p, &mode_hardware, &r);
		assert_int_equal(r.verdict, CLASSIFY_MISSING_HW);
		/* no stamp at all: still missingHw, the rule comes first */
		p = named(&fb, events[i], NONE);
		classify_packet(&p, &mode_hardware, &r);
		assert_int_equal(r.verdict, CLASSIFY_MISSING_HW);
	}
}

/* A general message carries the best stamp it has, labelled. */
static void test_hardware_required_general_software(void **state)
{
	static const char *const general[] = {
		"udp4_follow_up", "udp4_delay_resp", "udp6_delay_resp",
		"l2_delay_resp"};
	struct frame_buf fb;
	struct classify_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(general) / sizeof(general[0]); i++) {
		struct cap_pkt p = named(&fb, general[i], SW);

		classify_packet(&p, &mode_hardware, &r);
		assert_sw_frame(&r);
		p = named(&fb, general[i], NONE);
		classify_packet(&p, &mode_hardware, &r);
		assert_int_equal(r.verdict, CLASSIFY_UNSTAMPED);
	}
}

/* auto with a NIC: an event message that lost its stamp goes out
 * software-labelled (SPEC §2: "else software, labelled"). */
static void test_auto_event_without_hw(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW);
	struct classify_result r;

	(void)state;
	classify_packet(&p, &mode_auto_hw, &r);
	assert_sw_frame(&r);
}

static void test_unstamped(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", NONE);
	struct classify_result r;

	(void)state;
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_UNSTAMPED);
	classify_packet(&p, &mode_auto_hw, &r);
	assert_int_equal(r.verdict, CLASSIFY_UNSTAMPED);
}

static void test_truncated_first(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW | HW);
	struct classify_result r;

	(void)state;
	p.cmsg_err = -EMSGSIZE;
	classify_packet(&p, &mode_hardware, &r);
	assert_int_equal(r.verdict, CLASSIFY_TRUNCATED);
	assert_int_equal(r.err, -EMSGSIZE);
}

static void test_filtered_by_decoder(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW);
	struct classify_result r;

	(void)state;
	/* promiscuous mode: a packet for another host */
	p.pkttype = PACKET_OTHERHOST;
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_FILTERED);
	assert_int_equal(r.err, -ENOMSG);
	/* UDP to port 123 */
	p = named(&fb, "udp4_sync", SW);
	frame_put16(&fb, 36, 123);
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_FILTERED);
}

static void test_malformed(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW);
	struct classify_result r;

	(void)state;
	/* cut inside the UDP header */
	p.len = 40;
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_MALFORMED);
	assert_int_equal(r.err, -EBADMSG);
	/* a good frame around a PTPv1 header: the PTP validator says no */
	p = named(&fb, "udp4_sync", SW);
	fb.b[42 + 1] = 0x01;
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_MALFORMED);
	assert_true(r.err < 0);
	/* messageLength beyond the bytes received */
	p = named(&fb, "l2_sync", SW);
	p.len = 14 + 40;
	classify_packet(&p, &mode_software, &r);
	assert_int_equal(r.verdict, CLASSIFY_MALFORMED);
}

static void test_domain_and_own_port(void **state)
{
	struct classify_mode m = mode_software;
	struct ptp_port_id gm = {
		.clock_id = {0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec},
		.port = 1,
	};
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp4_sync", SW);
	struct classify_result r;

	(void)state;
	m.domain = 0;
	classify_packet(&p, &m, &r);
	assert_sw_frame(&r);
	m.domain = 24;
	classify_packet(&p, &m, &r);
	assert_int_equal(r.verdict, CLASSIFY_FILTERED);
	/* the frame's sourcePortIdentity is ours: our own message */
	m.domain = -1;
	m.self = &gm;
	classify_packet(&p, &m, &r);
	assert_int_equal(r.verdict, CLASSIFY_FILTERED);
	gm.port = 32767;
	classify_packet(&p, &m, &r);
	assert_sw_frame(&r);
}

/* The tag the kernel moved into PACKET_AUXDATA is reported. */
static void test_vlan_from_auxdata(void **state)
{
	struct frame_buf fb;
	struct cap_pkt p = named(&fb, "udp6_sync", SW);
	struct classify_result r;

	(void)state;
	p.tc.flags |= TS_CMSG_AUXDATA | TS_CMSG_VLAN;
	p.tc.vlan_tci = 0x2000 | 7; /* PCP 1, VID 7 */
	classify_packet(&p, &mode_software, &r);
	assert_sw_frame(&r);
	assert_int_equal(r.pkt.vlan, 7);
	/* a tag left in the frame */
	p = named(&fb, "l2_sync", SW);
	frame_insert_tag(&fb, 0x8100, 100);
	p.len = fb.len;
	classify_packet(&p, &mode_software, &r);
	assert_sw_frame(&r);
	assert_int_equal(r.pkt.vlan, 100);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(classify_verdict_name(CLASSIFY_FRAME), "frame");
	assert_string_equal(classify_verdict_name(CLASSIFY_MISSING_HW),
			    "missingHw");
	assert_string_equal(classify_verdict_name(CLASSIFY_UNSTAMPED),
			    "unstamped");
	assert_string_equal(classify_verdict_name((enum classify_verdict)99),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_software_frames),
		cmocka_unit_test(test_software_mode_ignores_hw_stamp),
		cmocka_unit_test(test_hardware_stamp),
		cmocka_unit_test(test_hardware_required_event_missing),
		cmocka_unit_test(test_hardware_required_general_software),
		cmocka_unit_test(test_auto_event_without_hw),
		cmocka_unit_test(test_unstamped),
		cmocka_unit_test(test_truncated_first),
		cmocka_unit_test(test_filtered_by_decoder),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_domain_and_own_port),
		cmocka_unit_test(test_vlan_from_auxdata),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
