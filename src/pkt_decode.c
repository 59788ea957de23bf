// SPDX-License-Identifier: MIT
/*
 * Decoder for frames captured on the AF_PACKET socket. It reads straight
 * down, tcpdump-style: Ethernet, at most one VLAN tag left in the frame,
 * then 0x88F7 or IPv4/IPv6 and UDP. Each layer checks that its own header
 * is present and consistent with the bytes below it (-EBADMSG), then
 * decides whether the frame is ours (-ENOMSG), and hands the rest down.
 * Every field is read with an explicit big-endian load at a checked
 * offset: no struct is overlaid on the frame (no alignment assumption,
 * no packing).
 */
#include <errno.h>
#include <string.h>

#include <linux/if_packet.h>

#include "pkt_decode.h"

#define ETH_HDR_LEN  14
#define VLAN_TAG_LEN 4
#define IPV4_MIN_HDR 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN  8

#define ETHERTYPE_IPV4	 0x0800
#define ETHERTYPE_IPV6	 0x86dd
#define ETHERTYPE_8021Q	 0x8100
#define ETHERTYPE_8021AD 0x88a8

#define IPPROTO_UDP_NUM 17
#define IPV4_FLAG_MF	0x2000
#define IPV4_FRAG_OFF	0x1fff
#define VLAN_VID_MASK	0x0fff

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static bool is_vlan_tpid(uint16_t ethertype)
{
	return ethertype == ETHERTYPE_8021Q || ethertype == ETHERTYPE_8021AD;
}

/* The IPv6 extension headers (RFC 8200 section 4, IANA "IPv6 Extension
 * Header Types"): named apart from other protocols for the debug log. */
static bool is_ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case 0:	  /* Hop-by-Hop Options */
	case 43:  /* Routing */
	case 44:  /* Fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* Destination Options */
	case 135: /* Mobility */
	case 139: /* HIP */
	case 140: /* Shim6 */
		return true;
	default:
		return false;
	}
}

static int result(const char **why, const char *reason, int err)
{
	if (why != NULL) {
		*why = reason;
	}
	return err;
}

/*
 * UDP header at @p, @avail bytes of IP payload (as the IP header says,
 * not as the frame pads it).
 *
 * The UDP checksum is deliberately not verified: a tap sees the frame
 * before the UDP layer runs, and with checksum offload (and on veth,
 * always) the sender leaves only the pseudo-header sum in the field
 * (CHECKSUM_PARTIAL), so a correct packet fails a software check here;
 * tcpdump reports the same frames as "bad udp cksum". The kernel's own
 * UDP receive path still checks the packets ptp4l gets.
 */
static int decode_udp(const uint8_t *p, size_t avail, struct pkt_info *out,
		      const char **why)
{
	uint16_t ulen;

	if (avail < UDP_HDR_LEN) {
		return result(why, "truncated UDP header", -EBADMSG);
	}
	ulen = get_be16(p + 4);
	if (ulen < UDP_HDR_LEN) {
		return result(why, "UDP length below 8", -EBADMSG);
	}
	if (ulen > avail) {
		return result(why, "UDP length beyond IP payload", -EBADMSG);
	}
	out->sport = get_be16(p);
	out->dport = get_be16(p + 2);
	if (out->dport != PKT_PTP_EVENT_PORT &&
	    out->dport != PKT_PTP_GENERAL_PORT) {
		return result(why, "UDP port", -ENOMSG);
	}
	out->payload = p + UDP_HDR_LEN;
	out->payload_len = (size_t)ulen - UDP_HDR_LEN;
	return result(why, "ok", 0);
}

/* IPv4 header at @p, @avail bytes after the Ethernet/VLAN header. */
static int decode_ipv4(const uint8_t *p, size_t avail, struct pkt_info *out,
		       const char **why)
{
	size_t ihl, total;
	uint16_t frag;

	if (avail < IPV4_MIN_HDR) {
		return result(why, "truncated IPv4 header", -EBADMSG);
	}
	if (p[0] >> 4 != 4) {
		return result(why, "IPv4 version", -EBADMSG);
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HDR) {
		return result(why, "IPv4 IHL below 5", -EBADMSG);
	}
	if (ihl > avail) {
		return result(why, "truncated IPv4 options", -EBADMSG);
	}
	total = get_be16(p + 2);
	if (total < ihl) {
		return result(why, "IPv4 total length below IHL", -EBADMSG);
	}
	/* Shorter than the frame is fine: Ethernet pads to 60 bytes. */
	if (total > avail) {
		return result(why, "IPv4 total length beyond frame", -EBADMSG);
	}
	memcpy(&out->src.v4, p + 12, 4);
	memcpy(&out->dst.v4, p + 16, 4);
	/* A fragment is not reassembled: the first carries the UDP header
	 * but not the whole message, the others no UDP header at all. */
	frag = get_be16(p + 6);
	if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFF)) {
		return result(why, "IPv4 fragment", -ENOMSG);
	}
	if (p[9] != IPPROTO_UDP_NUM) {
		return result(why, "IPv4 not UDP", -ENOMSG);
	}
	out->transport = PKT_UDP4;
	return decode_udp(p + ihl, total - ihl, out, why);
}

/* IPv6 header at @p, @avail bytes after the Ethernet/VLAN header. */
static int decode_ipv6(const uint8_t *p, size_t avail, struct pkt_info *out,
		       const char **why)
{
	size_t plen;

	if (avail < IPV6_HDR_LEN) {
		return result(why, "truncated IPv6 header", -EBADMSG);
	}
	if (p[0] >> 4 != 6) {
		return result(why, "IPv6 version", -EBADMSG);
	}
	plen = get_be16(p + 4);
	if (plen > avail - IPV6_HDR_LEN) {
		return result(why, "IPv6 payload length beyond frame",
			      -EBADMSG);
	}
	memcpy(&out->src.v6, p + 8, 16);
	memcpy(&out->dst.v6, p + 24, 16);
	/* Extension headers are not walked (SPEC section 3: `filtered`);
	 * ptp4l sends none, and the capture filter checks only the fixed
	 * header's next header. */
	if (p[6] != IPPROTO_UDP_NUM) {
		if (is_ipv6_ext(p[6])) {
			return result(why, "IPv6 extension header", -ENOMSG);
		}
		return result(why, "IPv6 not UDP", -ENOMSG);
	}
	out->transport = PKT_UDP6;
	return decode_udp(p + IPV6_HDR_LEN, plen, out, why);
}

int pkt_decode(const uint8_t *frame, size_t len, const struct pkt_meta *meta,
	       struct pkt_info *out, const char **why)
{
	size_t off = ETH_HDR_LEN;
	uint16_t type;

	memset(out, 0, sizeof(*out));
	out->vlan = -1;

	/* The kernel's verdict on the destination comes first: a frame for
	 * another host (promiscuous mode) or one we sent is never ours,
	 * whatever it holds. */
	switch (meta->pkttype) {
	case PACKET_HOST:
		out->unicast = true;
		break;
	case PACKET_MULTICAST:
	case PACKET_BROADCAST:
		break;
	case PACKET_OTHERHOST:
		return result(why, "another host", -ENOMSG);
	case PACKET_OUTGOING:
		return result(why, "outgoing", -ENOMSG);
	default:
		return result(why, "packet type", -ENOMSG);
	}

	if (len < ETH_HDR_LEN) {
		return result(why, "truncated Ethernet header", -EBADMSG);
	}
	memcpy(out->dst_mac, frame, 6);
	memcpy(out->src_mac, frame + 6, 6);
	type = get_be16(frame + 12);

	/* On receive the kernel normally moves the outer tag into the
	 * skb's metadata (tpacket_auxdata) before any tap sees the frame;
	 * a tag still in the frame is then the inner one of a QinQ pair. */
	if (meta->vlan_valid) {
		out->vlan = meta->vlan_tci & VLAN_VID_MASK;
	}
	if (is_vlan_tpid(type)) {
		if (len < ETH_HDR_LEN + VLAN_TAG_LEN) {
			return result(why, "truncated VLAN tag", -EBADMSG);
		}
		if (!meta->vlan_valid) {
			out->vlan = get_be16(frame + 14) & VLAN_VID_MASK;
		}
		type = get_be16(frame + 16);
		off += VLAN_TAG_LEN;
		if (is_vlan_tpid(type)) {
			return result(why, "two VLAN tags", -ENOMSG);
		}
	}

	switch (type) {
	case PKT_ETHERTYPE_1588:
		/* Ethernet padding may follow the message: the PTP parser
		 * goes by messageLength. */
		out->transport = PKT_L2;
		out->payload = frame + off;
		out->payload_len = len - off;
		return result(why, "ok", 0);
	case ETHERTYPE_IPV4:
		return decode_ipv4(frame + off, len - off, out, why);
	case ETHERTYPE_IPV6:
		return decode_ipv6(frame + off, len - off, out, why);
	default:
		return result(why, "not PTP ethertype", -ENOMSG);
	}
}

const char *pkt_transport_name(enum pkt_transport t)
{
	switch (t) {
	case PKT_UDP4:
		return "udp4";
	case PKT_UDP6:
		return "udp6";
	case PKT_L2:
		return "l2";
	default:
		return "unknown";
	}
}
