/* SPDX-License-Identifier: MIT */
/*
 * Decoder for a frame captured on the AF_PACKET socket (SPEC §3):
 * Ethernet, at most one 802.1Q/802.1ad tag left in the frame, then
 * IEEE 1588 over Ethernet (0x88F7), or IPv4 (IHL, no fragments) / IPv6
 * (fixed header; extension headers are not followed) and UDP to port 319
 * or 320. Pure and bounds-checked at every step: bytes in, a description
 * of the frame and a pointer to its PTP payload out; no syscalls.
 */
#ifndef TBLK_PKT_DECODE_H
#define TBLK_PKT_DECODE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETHERTYPE_1588   0x88f7
#define PKT_PTP_EVENT_PORT   319
#define PKT_PTP_GENERAL_PORT 320

enum pkt_transport {
	PKT_UDP4 = 1,
	PKT_UDP6,
	PKT_L2,
};

/* What the kernel said beside the bytes (sockaddr_ll, PACKET_AUXDATA). */
struct pkt_meta {
	unsigned int pkttype; /* sll_pkttype: PACKET_HOST, _MULTICAST, ... */
	bool vlan_valid;      /* the kernel took a tag out of the frame */
	uint16_t vlan_tci;    /* its TCI (tp_vlan_tci) */
};

struct pkt_info {
	enum pkt_transport transport;
	int vlan;     /* VLAN id 0..4095 of the outermost tag, -1 untagged */
	bool unicast; /* sent to this host (PACKET_HOST), not a group */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	/* UDP only (zero for L2) */
	uint16_t sport, dport;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} src, dst;
	/* the PTP message: inside the frame given to pkt_decode() */
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Decode the @len bytes of @frame (starting at the destination MAC) with
 * @meta into @out. Returns 0 for a PTP frame meant for this host;
 * -ENOMSG for a well-formed frame that is not ours to frame (another
 * ethertype, protocol or port, an IP fragment, an IPv6 extension header,
 * a second tag, a packet for another host or an outgoing one);
 * -EBADMSG when a header is cut short or its lengths disagree with the
 * bytes present. *@why (when @why is not NULL) names the reason in a few
 * words for debug logs, on success too ("ok"). Never reads outside
 * @frame[0..@len). @out is cleared first (vlan -1); on an error it holds
 * what the layers above the failing one decoded (MACs, addresses).
 * payload_len may be 0 (an empty UDP datagram): the PTP parser judges
 * the message.
 */
int pkt_decode(const uint8_t *frame, size_t len, const struct pkt_meta *meta,
	       struct pkt_info *out, const char **why);

/* "udp4", "udp6", "l2" (SPEC §4 `transport`); "unknown" otherwise. */
const char *pkt_transport_name(enum pkt_transport t);

#endif
