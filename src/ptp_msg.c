// SPDX-License-Identifier: MIT
/*
 * PTPv2 message parser, validator and builder (IEEE 1588-2008/2019 clause
 * 13). Every field is read with an explicit big-endian load: the wire
 * layout has 48-bit seconds and 10-byte port identities that no C struct
 * overlays portably, and a packed overlay would invite unaligned access.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ptp_msg.h"

#define PTP_NSEC_PER_SEC 1000000000u
#define PTP_TS_LEN	 10
#define PTP_PORT_ID_LEN	 10
#define PTP_TLV_HDR_LEN	 4

/* The only major version this module speaks (IEEE 1588-2008 and -2019). */
#define PTP_VERSION_MAJOR 2
/* 1588-2019 sends minorVersionPTP 1, 1588-2008 sends 0; a later minor may
 * change field meanings we rely on, so it is refused like a wrong major
 * (SPEC section 3: "minorVersion 0 or 1 accepted"). */
#define PTP_VERSION_MINOR_MAX 1

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be48(const uint8_t *p)
{
	return (uint64_t)get_be16(p) << 32 | get_be32(p + 2);
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void put_be48(uint8_t *p, uint64_t v)
{
	put_be16(p, (uint16_t)(v >> 32));
	put_be32(p + 2, (uint32_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static void get_ts(const uint8_t *p, struct ptp_ts *ts)
{
	ts->sec = get_be48(p);
	ts->nsec = get_be32(p + 6);
}

static void put_ts(uint8_t *p, const struct ptp_ts *ts)
{
	put_be48(p, ts->sec);
	put_be32(p + 6, ts->nsec);
}

static void get_port_id(const uint8_t *p, struct ptp_port_id *id)
{
	memcpy(id->clock_id, p, PTP_CLOCK_ID_LEN);
	id->port = get_be16(p + PTP_CLOCK_ID_LEN);
}

static void put_port_id(uint8_t *p, const struct ptp_port_id *id)
{
	memcpy(p, id->clock_id, PTP_CLOCK_ID_LEN);
	put_be16(p + PTP_CLOCK_ID_LEN, id->port);
}

size_t ptp_msg_min_len(unsigned int type)
{
	switch (type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
		return PTP_HDR_LEN + PTP_TS_LEN; /* 44 */
	case PTP_PDELAY_REQ: /* originTimestamp + 10 reserved octets */
	case PTP_PDELAY_RESP:
	case PTP_DELAY_RESP:
	case PTP_PDELAY_RESP_FOLLOW_UP:
		return PTP_HDR_LEN + PTP_TS_LEN + PTP_PORT_ID_LEN; /* 54 */
	case PTP_ANNOUNCE:
		return PTP_HDR_LEN + 30; /* 64 */
	case PTP_SIGNALING:
		return PTP_HDR_LEN + PTP_PORT_ID_LEN; /* 44 */
	case PTP_MANAGEMENT:
		return PTP_HDR_LEN + PTP_PORT_ID_LEN + 4; /* 48 */
	default:
		return 0;
	}
}

bool ptp_msg_is_event(unsigned int type)
{
	return type == PTP_SYNC || type == PTP_DELAY_REQ ||
	       type == PTP_PDELAY_REQ || type == PTP_PDELAY_RESP;
}

const char *ptp_msg_type_name(unsigned int type)
{
	switch (type) {
	case PTP_SYNC:
		return "SYNC";
	case PTP_DELAY_REQ:
		return "DELAY_REQ";
	case PTP_PDELAY_REQ:
		return "PDELAY_REQ";
	case PTP_PDELAY_RESP:
		return "PDELAY_RESP";
	case PTP_FOLLOW_UP:
		return "FOLLOW_UP";
	case PTP_DELAY_RESP:
		return "DELAY_RESP";
	case PTP_PDELAY_RESP_FOLLOW_UP:
		return "PDELAY_RESP_FOLLOW_UP";
	case PTP_ANNOUNCE:
		return "ANNOUNCE";
	case PTP_SIGNALING:
		return "SIGNALING";
	case PTP_MANAGEMENT:
		return "MANAGEMENT";
	default:
		return "UNKNOWN";
	}
}

int ptp_tlv_next(const uint8_t *buf, size_t len, size_t *off,
		 struct ptp_tlv *tlv)
{
	size_t left;

	if (*off >= len) {
		return 0;
	}
	left = len - *off;
	/* 1-3 trailing octets cannot hold a TLV header: linuxptp and
	 * Wireshark treat them as padding too. */
	if (left < PTP_TLV_HDR_LEN) {
		return 0;
	}
	tlv->type = get_be16(buf + *off);
	tlv->length = get_be16(buf + *off + 2);
	if (tlv->length > left - PTP_TLV_HDR_LEN) {
		return -EILSEQ;
	}
	tlv->value = buf + *off + PTP_TLV_HDR_LEN;
	*off += PTP_TLV_HDR_LEN + tlv->length;
	return 1;
}

static void parse_header(const uint8_t *buf, struct ptp_header *h)
{
	h->transport_specific = buf[0] >> 4;
	h->msg_type = buf[0] & 0x0f;
	h->minor_version = buf[1] >> 4;
	h->version = buf[1] & 0x0f;
	h->msg_length = get_be16(buf + 2);
	h->domain = buf[4];
	h->minor_sdo_id = buf[5];
	h->flags = get_be16(buf + 6);
	h->correction = (int64_t)get_be64(buf + 8);
	h->msg_type_specific = get_be32(buf + 16);
	get_port_id(buf + 20, &h->src);
	h->seq_id = get_be16(buf + 30);
	h->control = buf[32];
	h->log_interval = (int8_t)buf[33];
}

/* Decodes the fixed body of a type already known to fit; returns the
 * timestamp it carries, or NULL for SIGNALING and MANAGEMENT. */
static const struct ptp_ts *parse_body(const uint8_t *b, struct ptp_msg *msg)
{
	struct ptp_announce *a = &msg->announce;
	struct ptp_management *m = &msg->management;

	switch (msg->hdr.msg_type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
	case PTP_PDELAY_REQ:
		get_ts(b, &msg->sync.origin);
		return &msg->sync.origin;
	case PTP_DELAY_RESP:
	case PTP_PDELAY_RESP:
	case PTP_PDELAY_RESP_FOLLOW_UP:
		get_ts(b, &msg->resp.ts);
		get_port_id(b + PTP_TS_LEN, &msg->resp.req_port);
		return &msg->resp.ts;
	case PTP_ANNOUNCE:
		get_ts(b, &a->origin);
		a->current_utc_offset = (int16_t)get_be16(b + 10);
		/* b[12] reserved */
		a->gm_priority1 = b[13];
		a->gm_clock_class = b[14];
		a->gm_clock_accuracy = b[15];
		a->gm_offset_scaled_log_variance = get_be16(b + 16);
		a->gm_priority2 = b[18];
		memcpy(a->gm_identity, b + 19, PTP_CLOCK_ID_LEN);
		a->steps_removed = get_be16(b + 27);
		a->time_source = b[29];
		return &a->origin;
	case PTP_SIGNALING:
		get_port_id(b, &msg->signaling.target);
		return NULL;
	case PTP_MANAGEMENT:
		get_port_id(b, &m->target);
		m->starting_boundary_hops = b[10];
		m->boundary_hops = b[11];
		m->action = b[12] & 0x0f; /* high nibble reserved */
		return NULL;
	default:
		return NULL;
	}
}

int ptp_msg_parse(const uint8_t *buf, size_t len, struct ptp_msg *msg)
{
	const struct ptp_ts *ts;
	size_t min, off;
	struct ptp_tlv tlv;
	int r;

	memset(msg, 0, sizeof(*msg));
	if (len < PTP_HDR_LEN) {
		return -EBADMSG;
	}
	parse_header(buf, &msg->hdr);
	if (msg->hdr.version != PTP_VERSION_MAJOR ||
	    msg->hdr.minor_version > PTP_VERSION_MINOR_MAX) {
		return -EPROTO;
	}
	min = ptp_msg_min_len(msg->hdr.msg_type);
	if (!min) {
		return -ENOMSG;
	}
	if (msg->hdr.msg_length < min) {
		return -EMSGSIZE;
	}
	/* Octets after messageLength are link-layer padding (short Ethernet
	 * frames, 1588-2019 Delay_Req padding) and are ignored. */
	if (msg->hdr.msg_length > len) {
		return -EBADMSG;
	}
	ts = parse_body(buf + PTP_HDR_LEN, msg);
	if (ts && ts->nsec >= PTP_NSEC_PER_SEC) {
		return -ERANGE;
	}

	msg->tlv = buf + min;
	msg->tlv_len = msg->hdr.msg_length - min;
	off = 0;
	while ((r = ptp_tlv_next(msg->tlv, msg->tlv_len, &off, &tlv)) > 0) {
		msg->tlv_count++;
	}
	return r;
}

int64_t ptp_correction_ns(int64_t scaled)
{
	/* C99 division truncates toward zero and the remainder takes the
	 * dividend's sign, so rounding the magnitude away from zero at half
	 * needs no wider type: |q| <= 2^47, far from overflow. */
	int64_t q = scaled / 65536;
	int64_t r = scaled % 65536;

	if (r >= 32768) {
		q++;
	} else if (r <= -32768) {
		q--;
	}
	return q;
}

void ptp_clock_id_str(const uint8_t *c, char *buf)
{
	snprintf(buf, PTP_CLOCK_ID_STRLEN, "%02x%02x%02x.%02x%02x.%02x%02x%02x",
		 c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
}

void ptp_port_id_str(const struct ptp_port_id *id, char *buf)
{
	ptp_clock_id_str(id->clock_id, buf);
	snprintf(buf + PTP_CLOCK_ID_STRLEN - 1,
		 PTP_PORT_ID_STRLEN - (PTP_CLOCK_ID_STRLEN - 1), "-%u",
		 (unsigned int)id->port);
}

bool ptp_port_id_equal(const struct ptp_port_id *a, const struct ptp_port_id *b)
{
	return a->port == b->port &&
	       !memcmp(a->clock_id, b->clock_id, PTP_CLOCK_ID_LEN);
}

static void build_body(const struct ptp_msg *msg, uint8_t *b)
{
	const struct ptp_announce *a = &msg->announce;
	const struct ptp_management *m = &msg->management;

	switch (msg->hdr.msg_type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
	case PTP_PDELAY_REQ: /* the 10 reserved octets stay zero */
		put_ts(b, &msg->sync.origin);
		break;
	case PTP_DELAY_RESP:
	case PTP_PDELAY_RESP:
	case PTP_PDELAY_RESP_FOLLOW_UP:
		put_ts(b, &msg->resp.ts);
		put_port_id(b + PTP_TS_LEN, &msg->resp.req_port);
		break;
	case PTP_ANNOUNCE:
		put_ts(b, &a->origin);
		put_be16(b + 10, (uint16_t)a->current_utc_offset);
		b[13] = a->gm_priority1;
		b[14] = a->gm_clock_class;
		b[15] = a->gm_clock_accuracy;
		put_be16(b + 16, a->gm_offset_scaled_log_variance);
		b[18] = a->gm_priority2;
		memcpy(b + 19, a->gm_identity, PTP_CLOCK_ID_LEN);
		put_be16(b + 27, a->steps_removed);
		b[29] = a->time_source;
		break;
	case PTP_SIGNALING:
		put_port_id(b, &msg->signaling.target);
		break;
	case PTP_MANAGEMENT:
		put_port_id(b, &m->target);
		b[10] = m->starting_boundary_hops;
		b[11] = m->boundary_hops;
		b[12] = m->action & 0x0f;
		break;
	}
}

int ptp_msg_build(const struct ptp_msg *msg, uint8_t *buf, size_t size)
{
	const struct ptp_header *h = &msg->hdr;
	size_t min = ptp_msg_min_len(h->msg_type);

	if (!min) {
		return -EINVAL;
	}
	if (size < min) {
		return -ENOSPC;
	}
	memset(buf, 0, min);
	buf[0] = (uint8_t)((h->transport_specific & 0x0f) << 4 | h->msg_type);
	/* versionPTP is always 2, whatever the caller left in the struct:
	 * a zeroed struct must never put a version-0 message on the wire. */
	buf[1] = (uint8_t)((h->minor_version & 0x0f) << 4 | PTP_VERSION_MAJOR);
	put_be16(buf + 2, (uint16_t)min);
	buf[4] = h->domain;
	buf[5] = h->minor_sdo_id;
	put_be16(buf + 6, h->flags);
	put_be64(buf + 8, (uint64_t)h->correction);
	put_be32(buf + 16, h->msg_type_specific);
	put_port_id(buf + 20, &h->src);
	put_be16(buf + 30, h->seq_id);
	buf[32] = h->control;
	buf[33] = (uint8_t)h->log_interval;
	build_body(msg, buf + PTP_HDR_LEN);
	return (int)min;
}
