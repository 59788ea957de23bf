/* SPDX-License-Identifier: MIT */
/*
 * Whole Ethernet frames captured between a ptp4l 3.1.1 grandmaster and a
 * `free_running 1` ptp4l slave (software stamps) in two network
 * namespaces joined by veth, seen on the slave's end:
 * tests/data/frames-{udp4,udp6,l2}.pcap, made by
 * tests/data/capture_frames.sh:
 *   ip netns add ptpf-gm-$$ / ptpf-sl-$$, veth vfg$$ <-> vfs$$
 *   ptp4l -i vfg$$ -4|-6|-2 -S -m    (priority1 10, logSyncInterval -3)
 *   ptp4l -i vfs$$ -4|-6|-2 -S -m    (slaveOnly 1, free_running 1)
 *   tcpdump -i vfs$$ -s 0 -w frames-*.pcap
 * The -4 run has hybrid_e2e 1, so its Delay_Resp is unicast to the slave
 * (10.99.0.2, 4a:e8:4c:be:39:b7). Grandmaster d6:33:d8:51:a5:ec,
 * clockIdentity d633d8.fffe.51a5ec, fe80::d433:d8ff:fe51:a5ec.
 *
 * Comments decode every field the way Wireshark shows it. The UDP
 * checksums are partial (veth leaves the pseudo-header sum for an offload
 * that never happens; tcpdump says "bad udp cksum"), which is why
 * pkt_decode() does not verify them.
 *
 * No tagged frame is captured (this kernel has no 8021q, and a receiving
 * kernel moves the outer tag into metadata anyway): tests make one by
 * inserting a 0x8100 or 0x88A8 tag, VID 100, after the source MAC of
 * these frames (frame_insert_tag below).
 *
 * Shared by test_pkt_decode.c and test_ptp_bpf.c.
 */
#ifndef TBLK_TEST_FRAMES_H
#define TBLK_TEST_FRAMES_H

#include <linux/if_packet.h>
#include <stdint.h>
#include <string.h>

#include "pkt_decode.h"
#include "ptp_msg.h"

/* One line per field, as Wireshark lists them: kept out of clang-format. */
/* clang-format off */
/* frames-udp4.pcap #2: 10.99.0.1:319 -> 224.0.1.129:319, two-step Sync */
static const uint8_t udp4_sync[] = {
	/* Ethernet II */
	0x01, 0x00, 0x5e, 0x00, 0x01, 0x81, /* destination 01:00:5e:00:01:81 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x08, 0x00, /* type 0x0800 (IPv4) */
	/* Internet Protocol Version 4 */
	0x45, /* version 4, header length 20 (IHL 5) */
	0x00, /* DSCP 0, ECN 0 */
	0x00, 0x48, /* total length 72 */
	0xe8, 0xed, /* identification 0xe8ed */
	0x40, 0x00, /* flags 0x2 (DF), fragment offset 0 */
	0x01, /* time to live 1 */
	0x11, /* protocol 17 (UDP) */
	0xa4, 0xd2, /* header checksum 0xa4d2 */
	0x0a, 0x63, 0x00, 0x01, /* source 10.99.0.1 */
	0xe0, 0x00, 0x01, 0x81, /* destination 224.0.1.129 */
	/* User Datagram Protocol */
	0x01, 0x3f, /* source port 319 */
	0x01, 0x3f, /* destination port 319 */
	0x00, 0x34, /* length 52 */
	0xec, 0x2a, /* checksum 0xec2a (partial: not verified) */
	/* Precision Time Protocol (IEEE1588), offset 42 */
	0x00, /* transportSpecific 0, messageType 0x0 (Sync) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x2c, /* messageLength 44 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x02, 0x00, /* flagField 0x0200 (twoStep) */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x00, /* controlField 0 */
	0xfd, /* logMessageInterval -3 */
	/* originTimestamp.seconds 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* originTimestamp.nanoseconds 0 */
};

/* frames-udp4.pcap #3: 10.99.0.1:320 -> 224.0.1.129:320, its Follow_Up */
static const uint8_t udp4_follow_up[] = {
	/* Ethernet II */
	0x01, 0x00, 0x5e, 0x00, 0x01, 0x81, /* destination 01:00:5e:00:01:81 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x08, 0x00, /* type 0x0800 (IPv4) */
	/* Internet Protocol Version 4 */
	0x45, /* version 4, header length 20 (IHL 5) */
	0x00, /* DSCP 0, ECN 0 */
	0x00, 0x48, /* total length 72 */
	0xe8, 0xee, /* identification 0xe8ee */
	0x40, 0x00, /* flags 0x2 (DF), fragment offset 0 */
	0x01, /* time to live 1 */
	0x11, /* protocol 17 (UDP) */
	0xa4, 0xd1, /* header checksum 0xa4d1 */
	0x0a, 0x63, 0x00, 0x01, /* source 10.99.0.1 */
	0xe0, 0x00, 0x01, 0x81, /* destination 224.0.1.129 */
	/* User Datagram Protocol */
	0x01, 0x40, /* source port 320 */
	0x01, 0x40, /* destination port 320 */
	0x00, 0x34, /* length 52 */
	0xec, 0x2a, /* checksum 0xec2a (partial: not verified) */
	/* Precision Time Protocol (IEEE1588), offset 42 */
	0x08, /* transportSpecific 0, messageType 0x8 (Follow_Up) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x2c, /* messageLength 44 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x02, /* controlField 2 */
	0xfd, /* logMessageInterval -3 */
	/* preciseOriginTimestamp.seconds 1796156667 */
	0x00, 0x00, 0x6b, 0x0f, 0x2c, 0xfb,
	0x03, 0x05, 0x95, 0x9c, /* preciseOriginTimestamp.nanoseconds 50697628 */
};

/* frames-udp4.pcap #9: 10.99.0.1:320 -> 10.99.0.2:320, unicast Delay_Resp
 * (hybrid_e2e 1) */
static const uint8_t udp4_delay_resp[] = {
	/* Ethernet II */
	0x4a, 0xe8, 0x4c, 0xbe, 0x39, 0xb7, /* destination 4a:e8:4c:be:39:b7 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x08, 0x00, /* type 0x0800 (IPv4) */
	/* Internet Protocol Version 4 */
	0x45, /* version 4, header length 20 (IHL 5) */
	0x00, /* DSCP 0, ECN 0 */
	0x00, 0x52, /* total length 82 */
	0x53, 0x42, /* identification 0x5342 */
	0x40, 0x00, /* flags 0x2 (DF), fragment offset 0 */
	0x40, /* time to live 64 */
	0x11, /* protocol 17 (UDP) */
	0xd2, 0x90, /* header checksum 0xd290 */
	0x0a, 0x63, 0x00, 0x01, /* source 10.99.0.1 */
	0x0a, 0x63, 0x00, 0x02, /* destination 10.99.0.2 */
	/* User Datagram Protocol */
	0x01, 0x40, /* source port 320 */
	0x01, 0x40, /* destination port 320 */
	0x00, 0x3e, /* length 62 */
	0x15, 0x18, /* checksum 0x1518 (partial: not verified) */
	/* Precision Time Protocol (IEEE1588), offset 42 */
	0x09, /* transportSpecific 0, messageType 0x9 (Delay_Resp) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x36, /* messageLength 54 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x04, 0x00, /* flagField 0x0400 (unicast) */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x03, /* controlField 3 */
	0x7f, /* logMessageInterval 127 */
	/* receiveTimestamp.seconds 1796156670 */
	0x00, 0x00, 0x6b, 0x0f, 0x2c, 0xfe,
	0x1b, 0xb7, 0x61, 0xd0, /* receiveTimestamp.nanoseconds 465002960 */
	/* requestingPortIdentity.clockIdentity 4ae84c.fffe.be39b7 */
	0x4a, 0xe8, 0x4c, 0xff, 0xfe, 0xbe, 0x39, 0xb7,
	0x00, 0x01, /* requestingPortIdentity.portNumber 1 */
};

/* frames-udp6.pcap #2: [fe80::...]:319 -> [ff0e::181]:319, two-step Sync */
static const uint8_t udp6_sync[] = {
	/* Ethernet II */
	0x33, 0x33, 0x00, 0x00, 0x01, 0x81, /* destination 33:33:00:00:01:81 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x86, 0xdd, /* type 0x86dd (IPv6) */
	/* Internet Protocol Version 6 */
	0x60, 0x04, 0x8c, 0x70, /* version 6, class 0x00, flow label 0x48c70 */
	0x00, 0x36, /* payload length 54 */
	0x11, /* next header 17 (UDP) */
	0x01, /* hop limit 1 */
	/* source fe80::d433:d8ff:fe51:a5ec */
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd4, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	/* destination ff0e::181 */
	0xff, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81,
	/* User Datagram Protocol */
	0x01, 0x3f, /* source port 319 */
	0x01, 0x3f, /* destination port 319 */
	0x00, 0x36, /* length 54 */
	0x50, 0xca, /* checksum 0x50ca (partial: not verified) */
	/* Precision Time Protocol (IEEE1588), offset 62 */
	0x00, /* transportSpecific 0, messageType 0x0 (Sync) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x2c, /* messageLength 44 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x02, 0x00, /* flagField 0x0200 (twoStep) */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x00, /* controlField 0 */
	0xfd, /* logMessageInterval -3 */
	/* originTimestamp.seconds 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* originTimestamp.nanoseconds 0 */
	0x00, 0x00, /* 2 octets past messageLength (IEEE 1588 Annex E) */
};

/* frames-udp6.pcap #9: [fe80::...]:320 -> [ff0e::181]:320, Delay_Resp */
static const uint8_t udp6_delay_resp[] = {
	/* Ethernet II */
	0x33, 0x33, 0x00, 0x00, 0x01, 0x81, /* destination 33:33:00:00:01:81 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x86, 0xdd, /* type 0x86dd (IPv6) */
	/* Internet Protocol Version 6 */
	0x60, 0x0b, 0x60, 0x00, /* version 6, class 0x00, flow label 0xb6000 */
	0x00, 0x40, /* payload length 64 */
	0x11, /* next header 17 (UDP) */
	0x01, /* hop limit 1 */
	/* source fe80::d433:d8ff:fe51:a5ec */
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd4, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	/* destination ff0e::181 */
	0xff, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81,
	/* User Datagram Protocol */
	0x01, 0x40, /* source port 320 */
	0x01, 0x40, /* destination port 320 */
	0x00, 0x40, /* length 64 */
	0x50, 0xd4, /* checksum 0x50d4 (partial: not verified) */
	/* Precision Time Protocol (IEEE1588), offset 62 */
	0x09, /* transportSpecific 0, messageType 0x9 (Delay_Resp) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x36, /* messageLength 54 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x03, /* controlField 3 */
	0xfd, /* logMessageInterval -3 */
	/* receiveTimestamp.seconds 1796156681 */
	0x00, 0x00, 0x6b, 0x0f, 0x2d, 0x09,
	0x0c, 0xcc, 0xa1, 0x94, /* receiveTimestamp.nanoseconds 214737300 */
	/* requestingPortIdentity.clockIdentity 4ae84c.fffe.be39b7 */
	0x4a, 0xe8, 0x4c, 0xff, 0xfe, 0xbe, 0x39, 0xb7,
	0x00, 0x01, /* requestingPortIdentity.portNumber 1 */
	0x00, 0x00, /* 2 octets past messageLength (IEEE 1588 Annex E) */
};

/* frames-l2.pcap #2: 0x88F7 to 01:1b:19:00:00:00, two-step Sync */
static const uint8_t l2_sync[] = {
	/* Ethernet II */
	0x01, 0x1b, 0x19, 0x00, 0x00, 0x00, /* destination 01:1b:19:00:00:00 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x88, 0xf7, /* type 0x88f7 (PTPv2 over Ethernet) */
	/* Precision Time Protocol (IEEE1588), offset 14 */
	0x00, /* transportSpecific 0, messageType 0x0 (Sync) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x2c, /* messageLength 44 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x02, 0x00, /* flagField 0x0200 (twoStep) */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x00, /* controlField 0 */
	0xfd, /* logMessageInterval -3 */
	/* originTimestamp.seconds 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* originTimestamp.nanoseconds 0 */
};

/* frames-l2.pcap #9: 0x88F7 to 01:1b:19:00:00:00, Delay_Resp */
static const uint8_t l2_delay_resp[] = {
	/* Ethernet II */
	0x01, 0x1b, 0x19, 0x00, 0x00, 0x00, /* destination 01:1b:19:00:00:00 */
	0xd6, 0x33, 0xd8, 0x51, 0xa5, 0xec, /* source d6:33:d8:51:a5:ec */
	0x88, 0xf7, /* type 0x88f7 (PTPv2 over Ethernet) */
	/* Precision Time Protocol (IEEE1588), offset 14 */
	0x09, /* transportSpecific 0, messageType 0x9 (Delay_Resp) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x36, /* messageLength 54 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity d633d8.fffe.51a5ec */
	0xd6, 0x33, 0xd8, 0xff, 0xfe, 0x51, 0xa5, 0xec,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x03, /* controlField 3 */
	0xfd, /* logMessageInterval -3 */
	/* receiveTimestamp.seconds 1796156691 */
	0x00, 0x00, 0x6b, 0x0f, 0x2d, 0x13,
	0x05, 0x7d, 0x94, 0x81, /* receiveTimestamp.nanoseconds 92116097 */
	/* requestingPortIdentity.clockIdentity 4ae84c.fffe.be39b7 */
	0x4a, 0xe8, 0x4c, 0xff, 0xfe, 0xbe, 0x39, 0xb7,
	0x00, 0x01, /* requestingPortIdentity.portNumber 1 */
};

/* clang-format on */

struct test_frame {
	const char *name;
	const uint8_t *buf;
	size_t len;
	unsigned int pkttype; /* what the slave's kernel says (sll_pkttype) */
	enum pkt_transport transport;
	size_t ptp_off;	    /* offset of the PTP header in the frame */
	size_t payload_len; /* UDP length - 8, or the rest of an L2 frame */
	unsigned int msg_type;
	uint16_t msg_len; /* messageLength */
};

#define TEST_FRAME(a, pt, tr, off, plen, type, mlen)                           \
	{                                                                      \
#a, a, sizeof(a), pt, tr, off, plen, type, mlen                \
	}

static const struct test_frame test_frames[] = {
	TEST_FRAME(udp4_sync, PACKET_MULTICAST, PKT_UDP4, 42, 44, PTP_SYNC, 44),
	TEST_FRAME(udp4_follow_up, PACKET_MULTICAST, PKT_UDP4, 42, 44,
		   PTP_FOLLOW_UP, 44),
	TEST_FRAME(udp4_delay_resp, PACKET_HOST, PKT_UDP4, 42, 54,
		   PTP_DELAY_RESP, 54),
	TEST_FRAME(udp6_sync, PACKET_MULTICAST, PKT_UDP6, 62, 46, PTP_SYNC, 44),
	TEST_FRAME(udp6_delay_resp, PACKET_MULTICAST, PKT_UDP6, 62, 56,
		   PTP_DELAY_RESP, 54),
	TEST_FRAME(l2_sync, PACKET_MULTICAST, PKT_L2, 14, 44, PTP_SYNC, 44),
	TEST_FRAME(l2_delay_resp, PACKET_MULTICAST, PKT_L2, 14, 54,
		   PTP_DELAY_RESP, 54),
};

#define N_TEST_FRAMES (sizeof(test_frames) / sizeof(test_frames[0]))

/* Room for any frame a test builds from these (tags, options, padding). */
#define FRAME_MAX 256

struct frame_buf {
	uint8_t b[FRAME_MAX];
	size_t len;
};

/* A writable copy of @f, zero beyond it. */
static inline void frame_copy(struct frame_buf *fb, const struct test_frame *f)
{
	memset(fb->b, 0, sizeof(fb->b));
	memcpy(fb->b, f->buf, f->len);
	fb->len = f->len;
}

/* Insert a 4-byte tag (@tpid, @tci) after the source MAC, the way a
 * switch or a tagging sender would. */
static inline void frame_insert_tag(struct frame_buf *fb, uint16_t tpid,
				    uint16_t tci)
{
	memmove(fb->b + 16, fb->b + 12, fb->len - 12);
	fb->b[12] = (uint8_t)(tpid >> 8);
	fb->b[13] = (uint8_t)tpid;
	fb->b[14] = (uint8_t)(tci >> 8);
	fb->b[15] = (uint8_t)tci;
	fb->len += 4;
}

static inline void frame_put16(struct frame_buf *fb, size_t off, uint16_t v)
{
	fb->b[off] = (uint8_t)(v >> 8);
	fb->b[off + 1] = (uint8_t)v;
}

#endif
