// SPDX-License-Identifier: MIT
/*
 * pkt_decode unit tests on real frames (tests/unit/frames.h: captured by
 * tests/data/capture_frames.sh between two ptp4l over veth). Each good
 * frame is checked field by field and its payload handed to
 * ptp_msg_parse; broken variants are made next to it by copying the
 * frame and changing one field, or cutting it one byte short of each
 * header. Tagged frames are made by inserting a tag into a captured one
 * (no 8021q here, see frames.h).
 *
 * PKT_DECODE_SEED_DIR=dir writes the good frames (and their tagged and
 * metadata variants) as fuzz seeds for tests/fuzz/fuzz_pkt_decode.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "pkt_decode.h"
#include "ptp_msg.h"

/* Offsets in an untagged UDPv4 frame of frames.h (IHL 5). */
#define V4_VER_IHL 14
#define V4_TOTLEN  16
#define V4_FRAG	   20
#define V4_PROTO   23
#define V4_UDP	   34
/* ... and in an untagged UDPv6 frame. */
#define V6_VER	14
#define V6_PLEN 18
#define V6_NH	20
#define V6_UDP	54
/* UDP fields, from the UDP header */
#define UDP_SPORT 0
#define UDP_DPORT 2
#define UDP_LEN	  4

/* clang-format off */
/* ARP request, 10.99.0.1 asks for 10.99.0.2 (built by hand: the captures
 * keep PTP only). */
static const uint8_t arp_request[] = {
	/* Ethernet II */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* destination ff:ff:ff:ff:ff:ff */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x08, 0x06, /* type 0x0806 (ARP) */
	/* Address Resolution Protocol (request) */
	0x00, 0x01, /* hardware type 1 (Ethernet) */
	0x08, 0x00, /* protocol type 0x0800 (IPv4) */
	0x06, /* hardware size 6 */
	0x04, /* protocol size 4 */
	0x00, 0x01, /* opcode 1 (request) */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* sender MAC d6:33:d8:51:a5:ec */
	0x0a, 0x63, 0x00, 0x01, /* sender IP 10.99.0.1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC 00:00:00:00:00:00 */
	0x0a, 0x63, 0x00, 0x02, /* target IP 10.99.0.2 */
};
/* clang-format on */

static const struct test_frame *frame_named(const char *name)
{
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		if (strcmp(test_frames[i].name, name) == 0) {
			return &test_frames[i];
		}
	}
	fail_msg("no frame %s", name);
	return NULL;
}

static void load(struct frame_buf *fb, const char *name)
{
	frame_copy(fb, frame_named(name));
}

/* Seed format of fuzz_pkt_decode: flags (pkttype in bits 0-2, bit 3 the
 * kernel took a tag out), TCI big-endian, then the frame. */
static void seed_write(const char *name, const struct frame_buf *fb,
		       const struct pkt_meta *meta)
{
	const char *dir = getenv("PKT_DECODE_SEED_DIR");
	uint8_t hdr[3] = {
		(uint8_t)((meta->pkttype & 7) | (meta->vlan_valid ? 8 : 0)),
		(uint8_t)(meta->vlan_tci >> 8),
		(uint8_t)meta->vlan_tci,
	};
	char path[PATH_MAX];
	FILE *f;

	if (dir == NULL) {
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	assert_int_equal(fwrite(fb->b, 1, fb->len, f), fb->len);
	assert_int_equal(fclose(f), 0);
}

/* Decode @fb as the kernel would hand it over with @pkttype and no tag
 * in metadata; @out is pre-filled with garbage to prove it is cleared. */
static int decode(const struct frame_buf *fb, unsigned int pkttype,
		  struct pkt_info *out, const char **why)
{
	struct pkt_meta meta = {.pkttype = pkttype};

	memset(out, 0xa5, sizeof(*out));
	*why = NULL;
	return pkt_decode(fb->b, fb->len, &meta, out, why);
}

/* Expect @rc and the reason @want for @fb. */
static void expect(const struct frame_buf *fb, unsigned int pkttype, int rc,
		   const char *want)
{
	struct pkt_info info;
	const char *why;

	assert_int_equal(decode(fb, pkttype, &info, &why), rc);
	assert_non_null(why);
	assert_string_equal(why, want);
}

/* A good decode of test frame @f (at @extra bytes of tags further on):
 * payload at the PTP header, payload_len exact, and the PTP parser
 * agrees with the table. */
static void assert_good(const struct frame_buf *fb, const struct pkt_info *in,
			const struct test_frame *f, size_t extra)
{
	struct ptp_msg m;

	assert_int_equal(in->transport, f->transport);
	assert_ptr_equal(in->payload, fb->b + f->ptp_off + extra);
	assert_int_equal(in->payload_len, f->payload_len);
	assert_memory_equal(in->dst_mac, fb->b, 6);
	assert_memory_equal(in->src_mac, fb->b + 6, 6);
	assert_int_equal(ptp_msg_parse(in->payload, in->payload_len, &m), 0);
	assert_int_equal(m.hdr.msg_type, f->msg_type);
	assert_int_equal(m.hdr.msg_length, f->msg_len);
	assert_int_equal(m.hdr.version, 2);
}

/* ---- every captured frame ------------------------------------------- */

static void test_good_frames(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];
		struct pkt_meta meta = {.pkttype = f->pkttype};

		frame_copy(&fb, f);
		seed_write(f->name, &fb, &meta);
		assert_int_equal(decode(&fb, f->pkttype, &info, &why), 0);
		assert_string_equal(why, "ok");
		assert_good(&fb, &info, f, 0);
		assert_int_equal(info.vlan, -1);
		assert_int_equal(info.unicast, f->pkttype == PACKET_HOST);
	}
}

static void assert_ip4(const struct in_addr *a, const char *want)
{
	char s[INET_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET, a, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void assert_ip6(const struct in6_addr *a, const char *want)
{
	char s[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET6, a, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void test_udp4_fields(void **state)
{
	static const uint8_t gm[6] = {0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec};
	static const uint8_t sl[6] = {0x4a, 0xe8, 0x4c, 0xbe, 0x39, 0xb7};
	static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x01, 0x81};
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	load(&fb, "udp4_sync");
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_memory_equal(info.dst_mac, mc, 6);
	assert_memory_equal(info.src_mac, gm, 6);
	assert_ip4(&info.src.v4, "10.99.0.1");
	assert_ip4(&info.dst.v4, "224.0.1.129");
	assert_int_equal(info.sport, 319);
	assert_int_equal(info.dport, 319);
	assert_false(info.unicast);
	assert_string_equal(pkt_transport_name(info.transport), "udp4");

	load(&fb, "udp4_follow_up");
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_int_equal(info.sport, 320);
	assert_int_equal(info.dport, 320);

	/* hybrid_e2e: the Delay_Resp is unicast to the slave's own MAC */
	load(&fb, "udp4_delay_resp");
	assert_int_equal(decode(&fb, PACKET_HOST, &info, &why), 0);
	assert_true(info.unicast);
	assert_memory_equal(info.dst_mac, sl, 6);
	assert_ip4(&info.src.v4, "10.99.0.1");
	assert_ip4(&info.dst.v4, "10.99.0.2");
	assert_int_equal(info.dport, 320);
}

static void test_udp6_fields(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	struct ptp_msg m;
	const char *why;

	(void)state;
	load(&fb, "udp6_sync");
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_ip6(&info.src.v6, "fe80::d433:d8ff:fe51:a5ec");
	assert_ip6(&info.dst.v6, "ff0e::181");
	assert_int_equal(info.sport, 319);
	assert_int_equal(info.dport, 319);
	assert_string_equal(pkt_transport_name(info.transport), "udp6");
	/* ptp4l -6 sends two octets past messageLength (IEEE 1588 Annex
	 * E): payload_len is the UDP payload, the parser goes by
	 * messageLength. */
	assert_int_equal(info.payload_len, 46);
	assert_int_equal(ptp_msg_parse(info.payload, info.payload_len, &m), 0);
	assert_int_equal(m.hdr.msg_length, 44);
}

static void test_l2_fields(void **state)
{
	static const uint8_t mc[6] = {0x01, 0x1b, 0x19, 0x00, 0x00, 0x00};
	static const struct in6_addr zero6;
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	load(&fb, "l2_delay_resp");
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_memory_equal(info.dst_mac, mc, 6);
	assert_string_equal(pkt_transport_name(info.transport), "l2");
	/* no UDP: ports and addresses stay zero */
	assert_int_equal(info.sport, 0);
	assert_int_equal(info.dport, 0);
	assert_memory_equal(&info.src.v6, &zero6, sizeof(zero6));
	assert_memory_equal(&info.dst.v6, &zero6, sizeof(zero6));
}

static void test_transport_name(void **state)
{
	(void)state;
	assert_string_equal(pkt_transport_name(PKT_UDP4), "udp4");
	assert_string_equal(pkt_transport_name(PKT_UDP6), "udp6");
	assert_string_equal(pkt_transport_name(PKT_L2), "l2");
	assert_string_equal(pkt_transport_name(0), "unknown");
	assert_string_equal(pkt_transport_name((enum pkt_transport)99),
			    "unknown");
}

/* ---- VLAN ----------------------------------------------------------- */

/* A tag with PCP 3, VID 100 inserted: the VID is reported, the rest is
 * 4 bytes further on. */
static void test_vlan_in_frame(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8};
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;
	char name[64];

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < N_TEST_FRAMES; i++) {
			const struct test_frame *f = &test_frames[i];
			struct pkt_meta meta = {.pkttype = f->pkttype};

			frame_copy(&fb, f);
			frame_insert_tag(&fb, tpids[t], 0x6064);
			snprintf(name, sizeof(name), "%s_%04x", f->name,
				 tpids[t]);
			seed_write(name, &fb, &meta);
			assert_int_equal(decode(&fb, f->pkttype, &info, &why),
					 0);
			assert_string_equal(why, "ok");
			assert_good(&fb, &info, f, 4);
			assert_int_equal(info.vlan, 100);
		}
	}
}

/* The usual receive case: the kernel took the tag out of the frame into
 * tpacket_auxdata (LAB: a 0x8100-tagged frame arrives 4 bytes shorter
 * with TP_STATUS_VLAN_VALID). A tag still in the frame is then the inner
 * one of QinQ: allowed, and the metadata's (outer) VID is reported. */
static void test_vlan_in_meta(void **state)
{
	struct pkt_meta meta = {.vlan_valid = true};
	struct frame_buf fb;
	struct pkt_info info;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];

		meta.pkttype = f->pkttype;
		meta.vlan_tci = 0xe007; /* PCP 7, VID 7 */
		frame_copy(&fb, f);
		if (i == 0) {
			seed_write("udp4_sync_meta", &fb, &meta);
		}
		assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why),
				 0);
		assert_good(&fb, &info, f, 0);
		assert_int_equal(info.vlan, 7);

		/* QinQ: outer 7 in metadata, inner 100 in the frame */
		frame_insert_tag(&fb, 0x8100, 100);
		if (i == 0) {
			seed_write("udp4_sync_qinq", &fb, &meta);
		}
		assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why),
				 0);
		assert_good(&fb, &info, f, 4);
		assert_int_equal(info.vlan, 7);

		/* ... but not a third */
		frame_insert_tag(&fb, 0x8100, 200);
		assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why),
				 -ENOMSG);
		assert_string_equal(why, "two VLAN tags");
	}

	/* VID 0 (priority tag) and 4095 come out as they are; PCP and DEI
	 * are masked off */
	load(&fb, "l2_sync");
	meta.pkttype = PACKET_MULTICAST;
	meta.vlan_tci = 0x2000;
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why), 0);
	assert_int_equal(info.vlan, 0);
	meta.vlan_tci = 0xffff;
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why), 0);
	assert_int_equal(info.vlan, 4095);
	/* vlan_valid false: a stale TCI is ignored */
	meta.vlan_valid = false;
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, &why), 0);
	assert_int_equal(info.vlan, -1);
}

static void test_two_tags(void **state)
{
	static const uint16_t pairs[][2] = {
		{0x8100, 0x8100},
		{0x88a8, 0x8100},
		{0x8100, 0x88a8},
		{0x88a8, 0x88a8},
	};
	struct frame_buf fb;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		load(&fb, "udp4_sync");
		frame_insert_tag(&fb, pairs[i][1], 200);
		frame_insert_tag(&fb, pairs[i][0], 100);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "two VLAN tags");
	}
}

/* ---- padding -------------------------------------------------------- */

/* A NIC pads a frame to 60 bytes (without FCS); veth does not, so the
 * captures have none: add it. */
static void test_padding(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	struct ptp_msg m;
	const char *why;

	(void)state;
	/* L2 Sync is 58 bytes: the payload takes the padding too, the PTP
	 * parser stops at messageLength */
	load(&fb, "l2_sync");
	fb.len = 60;
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_int_equal(info.payload_len, 46);
	assert_int_equal(ptp_msg_parse(info.payload, info.payload_len, &m), 0);
	assert_int_equal(m.hdr.msg_length, 44);

	/* IP frames: the IP total length says where the datagram ends */
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];

		if (f->transport == PKT_L2) {
			continue;
		}
		frame_copy(&fb, f);
		fb.len += 18;
		assert_int_equal(decode(&fb, f->pkttype, &info, &why), 0);
		assert_good(&fb, &info, f, 0);
	}
}

/* ---- what the kernel says about the destination --------------------- */

static void test_pkttype(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	load(&fb, "udp4_delay_resp");
	assert_int_equal(decode(&fb, PACKET_HOST, &info, &why), 0);
	assert_true(info.unicast);
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_false(info.unicast);
	assert_int_equal(decode(&fb, PACKET_BROADCAST, &info, &why), 0);
	assert_false(info.unicast);

	/* promiscuous mode: a unicast for another host */
	expect(&fb, PACKET_OTHERHOST, -ENOMSG, "another host");
	/* our own transmissions (PACKET_IGNORE_OUTGOING should keep them
	 * away; the decoder refuses them anyway) */
	expect(&fb, PACKET_OUTGOING, -ENOMSG, "outgoing");
	expect(&fb, PACKET_LOOPBACK, -ENOMSG, "packet type");
	expect(&fb, PACKET_USER, -ENOMSG, "packet type");
	expect(&fb, PACKET_KERNEL, -ENOMSG, "packet type");
	expect(&fb, 255, -ENOMSG, "packet type");

	/* it comes first: even a truncated frame for another host is not
	 * ours rather than malformed */
	fb.len = 3;
	expect(&fb, PACKET_OTHERHOST, -ENOMSG, "another host");
	expect(&fb, PACKET_HOST, -EBADMSG, "truncated Ethernet header");
}

/* ---- Ethernet and other protocols ----------------------------------- */

static void test_other_ethertypes(void **state)
{
	static const uint16_t types[] = {0x0806, 0x88cc, 0x9100, 0x8847,
					 0x88e5, 0x0000, 0xffff, 0x88f8};
	struct frame_buf fb;

	(void)state;
	memcpy(fb.b, arp_request, sizeof(arp_request));
	fb.len = sizeof(arp_request);
	expect(&fb, PACKET_BROADCAST, -ENOMSG, "not PTP ethertype");

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		load(&fb, "l2_sync");
		frame_put16(&fb, 12, types[i]);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "not PTP ethertype");
		/* ... and behind a tag */
		load(&fb, "l2_sync");
		frame_insert_tag(&fb, 0x8100, 100);
		frame_put16(&fb, 16, types[i]);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "not PTP ethertype");
	}
}

/* Cut every frame at every length: the decoder never reads past the end
 * (ASan in unit-asan) and names the header that is cut. */
static void test_truncated(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];

		for (size_t tag = 0; tag <= 4; tag += 4) {
			size_t full;

			frame_copy(&fb, f);
			if (tag) {
				frame_insert_tag(&fb, 0x8100, 100);
			}
			full = fb.len;
			for (size_t n = 0; n < full; n++) {
				const char *want;
				int rc;

				fb.len = n;
				rc = decode(&fb, f->pkttype, &info, &why);
				if (n < 14) {
					want = "truncated Ethernet header";
				} else if (n < 14 + tag) {
					want = "truncated VLAN tag";
				} else if (f->transport == PKT_L2) {
					/* any length: the PTP parser
					 * judges the message */
					assert_int_equal(rc, 0);
					assert_int_equal(info.payload_len,
							 n - 14 - tag);
					continue;
				} else if (f->transport == PKT_UDP4) {
					want = n < 34 + tag
						       ? "truncated IPv4 header"
						       : "IPv4 total length "
							 "beyond frame";
				} else {
					want = n < 54 + tag
						       ? "truncated IPv6 header"
						       : "IPv6 payload length "
							 "beyond frame";
				}
				assert_int_equal(rc, -EBADMSG);
				assert_string_equal(why, want);
			}
		}
	}
}

/* ---- IPv4 ------------------------------------------------------------ */

static void test_ipv4_header(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	/* version 6 behind ethertype 0x0800 */
	load(&fb, "udp4_sync");
	fb.b[V4_VER_IHL] = 0x65;
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "IPv4 version");

	/* IHL 4 (and 0) */
	load(&fb, "udp4_sync");
	fb.b[V4_VER_IHL] = 0x44;
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "IPv4 IHL below 5");
	fb.b[V4_VER_IHL] = 0x40;
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "IPv4 IHL below 5");

	/* IHL 15: 60 bytes of header, the frame cut one byte short of it */
	load(&fb, "udp4_sync");
	fb.b[V4_VER_IHL] = 0x4f;
	fb.len = 14 + 59;
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated IPv4 options");

	/* total length below the header, and one byte beyond the frame */
	load(&fb, "udp4_sync");
	frame_put16(&fb, V4_TOTLEN, 19);
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "IPv4 total length below IHL");
	frame_put16(&fb, V4_TOTLEN, 73);
	expect(&fb, PACKET_MULTICAST, -EBADMSG,
	       "IPv4 total length beyond frame");
	/* ... below IHL*4 + 8: no room for the UDP header */
	frame_put16(&fb, V4_TOTLEN, 27);
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated UDP header");
	/* ... with the frame ending where IP says (ASan: no read past) */
	for (uint16_t tot = 20; tot < 28; tot++) {
		frame_put16(&fb, V4_TOTLEN, tot);
		fb.len = 14 + (size_t)tot;
		expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated UDP header");
	}
	fb.len = sizeof(udp4_sync);
	/* exactly the UDP header: an empty datagram, if UDP agrees */
	frame_put16(&fb, V4_TOTLEN, 28);
	frame_put16(&fb, V4_UDP + UDP_LEN, 8);
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_int_equal(info.payload_len, 0);
	assert_ptr_equal(info.payload, fb.b + 42);
}

/* A Router Alert option (RFC 2113) makes IHL 6: UDP 4 bytes further on. */
static void test_ipv4_options(void **state)
{
	const struct test_frame *f = frame_named("udp4_sync");
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	frame_copy(&fb, f);
	memmove(fb.b + 38, fb.b + 34, fb.len - 34);
	fb.b[34] = 0x94; /* option 148 (Router Alert), copied */
	fb.b[35] = 0x04; /* length 4 */
	fb.b[36] = 0x00; /* value 0: examine packet */
	fb.b[37] = 0x00;
	fb.len += 4;
	fb.b[V4_VER_IHL] = 0x46;
	frame_put16(&fb, V4_TOTLEN, 76);
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	assert_ptr_equal(info.payload, fb.b + 46);
	assert_int_equal(info.payload_len, 44);
	assert_int_equal(info.dport, 319);
}

static void test_ipv4_fragments(void **state)
{
	struct frame_buf fb;
	struct pkt_info info;
	const char *why;

	(void)state;
	/* the capture has DF set: fine */
	load(&fb, "udp4_sync");
	assert_int_equal(fb.b[V4_FRAG], 0x40);
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
	/* first fragment (MF, offset 0) */
	frame_put16(&fb, V4_FRAG, 0x2000);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 fragment");
	/* last fragment (offset 185 * 8) */
	frame_put16(&fb, V4_FRAG, 185);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 fragment");
	/* a middle one */
	frame_put16(&fb, V4_FRAG, 0x2000 | 1);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 fragment");
	/* the offset's top bit, and all of it */
	frame_put16(&fb, V4_FRAG, 0x1000);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 fragment");
	frame_put16(&fb, V4_FRAG, 0x4000 | 0x1fff);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 fragment");
	/* the reserved (evil) bit alone is not a fragment */
	frame_put16(&fb, V4_FRAG, 0x8000);
	assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
}

static void test_ipv4_protocol(void **state)
{
	static const uint8_t protos[] = {1, 2, 6, 41, 132, 136, 0, 255};
	struct frame_buf fb;

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		load(&fb, "udp4_sync");
		fb.b[V4_PROTO] = protos[i];
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv4 not UDP");
	}
}

/* ---- IPv6 ------------------------------------------------------------ */

static void test_ipv6_header(void **state)
{
	static const uint8_t ext[] = {0, 43, 44, 50, 51, 60, 135, 139, 140};
	static const uint8_t other[] = {6, 58, 59, 4, 41, 132};
	struct frame_buf fb;

	(void)state;
	load(&fb, "udp6_sync");
	fb.b[V6_VER] = 0x40;
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "IPv6 version");

	load(&fb, "udp6_sync");
	frame_put16(&fb, V6_PLEN, 55);
	expect(&fb, PACKET_MULTICAST, -EBADMSG,
	       "IPv6 payload length beyond frame");
	frame_put16(&fb, V6_PLEN, 7);
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated UDP header");
	/* a jumbogram's 0 (RFC 2675) is never on Ethernet */
	frame_put16(&fb, V6_PLEN, 0);
	expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated UDP header");
	/* ... with the frame ending where IPv6 says */
	for (uint16_t plen = 0; plen < 8; plen++) {
		frame_put16(&fb, V6_PLEN, plen);
		fb.len = 54 + (size_t)plen;
		expect(&fb, PACKET_MULTICAST, -EBADMSG, "truncated UDP header");
	}

	/* extension headers are not followed: SPEC section 3 `filtered` */
	for (size_t i = 0; i < sizeof(ext); i++) {
		load(&fb, "udp6_sync");
		fb.b[V6_NH] = ext[i];
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv6 extension header");
	}
	for (size_t i = 0; i < sizeof(other); i++) {
		load(&fb, "udp6_sync");
		fb.b[V6_NH] = other[i];
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "IPv6 not UDP");
	}
}

/* ---- UDP ------------------------------------------------------------- */

static void test_udp_header(void **state)
{
	static const struct {
		const char *frame;
		size_t udp;
	} ip[] = {{"udp4_sync", V4_UDP}, {"udp6_sync", V6_UDP}};
	struct frame_buf fb;
	struct pkt_info info;
	struct ptp_msg m;
	const char *why;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t u = ip[i].udp;
		uint16_t ulen;

		load(&fb, ip[i].frame);
		ulen = (uint16_t)(fb.b[u + UDP_LEN] << 8 |
				  fb.b[u + UDP_LEN + 1]);
		frame_put16(&fb, u + UDP_LEN, 7);
		expect(&fb, PACKET_MULTICAST, -EBADMSG, "UDP length below 8");
		frame_put16(&fb, u + UDP_LEN, 0);
		expect(&fb, PACKET_MULTICAST, -EBADMSG, "UDP length below 8");
		frame_put16(&fb, u + UDP_LEN, (uint16_t)(ulen + 1));
		expect(&fb, PACKET_MULTICAST, -EBADMSG,
		       "UDP length beyond IP payload");

		/* shorter than the IP payload: payload_len follows UDP, and
		 * the PTP parser then finds the message cut short */
		frame_put16(&fb, u + UDP_LEN, (uint16_t)(8 + 40));
		assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
		assert_int_equal(info.payload_len, 40);
		assert_int_equal(
			ptp_msg_parse(info.payload, info.payload_len, &m),
			-EBADMSG);

		/* only the destination port matters */
		load(&fb, ip[i].frame);
		frame_put16(&fb, u + UDP_DPORT, 123);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "UDP port");
		frame_put16(&fb, u + UDP_DPORT, 318);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "UDP port");
		frame_put16(&fb, u + UDP_DPORT, 321);
		expect(&fb, PACKET_MULTICAST, -ENOMSG, "UDP port");
		frame_put16(&fb, u + UDP_DPORT, 320);
		expect(&fb, PACKET_MULTICAST, 0, "ok");
		frame_put16(&fb, u + UDP_SPORT, 123);
		assert_int_equal(decode(&fb, PACKET_MULTICAST, &info, &why), 0);
		assert_int_equal(info.sport, 123);
		assert_int_equal(info.dport, 320);
	}

	/* a tagged frame to NTP */
	load(&fb, "udp4_sync");
	frame_insert_tag(&fb, 0x8100, 100);
	frame_put16(&fb, V4_UDP + 4 + UDP_DPORT, 123);
	expect(&fb, PACKET_MULTICAST, -ENOMSG, "UDP port");
}

/* *why may be NULL */
static void test_why_null(void **state)
{
	struct pkt_meta meta = {.pkttype = PACKET_MULTICAST};
	struct frame_buf fb;
	struct pkt_info info;

	(void)state;
	load(&fb, "udp4_sync");
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, NULL), 0);
	fb.len = 20;
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, NULL),
			 -EBADMSG);
	meta.pkttype = PACKET_OUTGOING;
	assert_int_equal(pkt_decode(fb.b, fb.len, &meta, &info, NULL), -ENOMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_frames),
		cmocka_unit_test(test_udp4_fields),
		cmocka_unit_test(test_udp6_fields),
		cmocka_unit_test(test_l2_fields),
		cmocka_unit_test(test_transport_name),
		cmocka_unit_test(test_vlan_in_frame),
		cmocka_unit_test(test_vlan_in_meta),
		cmocka_unit_test(test_two_tags),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_pkttype),
		cmocka_unit_test(test_other_ethertypes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_protocol),
		cmocka_unit_test(test_ipv6_header),
		cmocka_unit_test(test_udp_header),
		cmocka_unit_test(test_why_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
