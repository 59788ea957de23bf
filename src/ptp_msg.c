// SPDX-License-Identifier: MIT
/*
 * PTPv2 message parser, validator and builder (IEEE 1588-2008/2019 clause
 * 13). Every field is read with an explicit big-endian load: the wire
 * layout has 48-bit seconds and 10-byte port identities that no C struct
 * overlays portably, and a packed overlay would invite unaligned access.
 */
#include <errno.h>
#include <stdint.h>
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

/*
 * Management (1588-2019 clause 15). Only what a read-only client of ptp4l
 * needs: requests with one TLV, and the datasets of SPEC section 11.
 */

#define PTP_MGMT_BODY_LEN  (PTP_PORT_ID_LEN + 4) /* target, hops, action */
#define PTP_MGMT_ID_LEN	   2
#define PTP_MGMT_ERR_FIXED 8 /* errorId, managementId, 4 reserved */
#define PTP_CTL_MANAGEMENT 4
/* logMessageInterval of messages that are not periodic */
#define PTP_LOG_INTERVAL_NONE 0x7f

int ptp_mgmt_build(const struct ptp_mgmt_req *req, uint8_t *buf, size_t size)
{
	struct ptp_msg m;
	size_t pad, tlv_len, total;
	int n;

	if (req->action != PTP_MGMT_GET && req->action != PTP_MGMT_SET &&
	    req->action != PTP_MGMT_COMMAND) {
		return -EINVAL;
	}
	if (req->data_len && !req->data) {
		return -EINVAL;
	}
	pad = req->data_len & 1;
	tlv_len = PTP_MGMT_ID_LEN + req->data_len + pad;
	total = ptp_msg_min_len(PTP_MANAGEMENT) + PTP_TLV_HDR_LEN + tlv_len;
	/* lengthField and messageLength are 16 bits */
	if (total > UINT16_MAX) {
		return -EINVAL;
	}
	if (size < total) {
		return -ENOSPC;
	}

	memset(&m, 0, sizeof(m));
	m.hdr.msg_type = PTP_MANAGEMENT;
	m.hdr.domain = req->domain;
	m.hdr.src = req->src;
	m.hdr.seq_id = req->seq_id;
	m.hdr.control = PTP_CTL_MANAGEMENT;
	m.hdr.log_interval = (int8_t)PTP_LOG_INTERVAL_NONE;
	memset(m.management.target.clock_id, 0xff, PTP_CLOCK_ID_LEN);
	m.management.target.port = 0xffff;
	/* boundaryHops 0: ptp4l answers and forwards nothing (LAB.md) */
	m.management.starting_boundary_hops = 0;
	m.management.boundary_hops = 0;
	m.management.action = req->action;
	n = ptp_msg_build(&m, buf, size);
	if (n < 0) {
		return n;
	}

	put_be16(buf + 2, (uint16_t)total);
	put_be16(buf + n, PTP_TLV_MANAGEMENT);
	put_be16(buf + n + 2, (uint16_t)tlv_len);
	put_be16(buf + n + 4, req->id);
	if (req->data_len) {
		memcpy(buf + n + 6, req->data, req->data_len);
	}
	if (pad) {
		buf[total - 1] = 0;
	}
	return (int)total;
}

void ptp_mgmt_put_subscribe(const struct ptp_subscribe *s, uint8_t *out)
{
	put_be16(out, s->duration);
	memcpy(out + 2, s->bitmask, PTP_MGMT_SUBSCRIBE_MASKLEN);
}

void ptp_mgmt_put_sync_uncertain(uint8_t val, uint8_t *out)
{
	out[0] = val;
	out[1] = 0; /* reserved */
}

int ptp_mgmt_parse(const uint8_t *buf, size_t len, struct ptp_mgmt *m)
{
	struct ptp_tlv tlv;
	struct ptp_msg msg;
	size_t off = 0;
	int r;

	memset(m, 0, sizeof(*m));
	r = ptp_msg_parse(buf, len, &msg);
	if (r < 0) {
		return r;
	}
	if (msg.hdr.msg_type != PTP_MANAGEMENT) {
		return -ENOMSG;
	}
	m->hdr = msg.hdr;
	m->mgmt = msg.management;
	/* linuxptp acts on a management message only when it carries exactly
	 * one TLV; a client of it need accept no more. */
	if (msg.tlv_count == 0) {
		return -ENODATA;
	}
	if (msg.tlv_count > 1) {
		return -ETOOMANYREFS;
	}
	if (ptp_tlv_next(msg.tlv, msg.tlv_len, &off, &tlv) != 1) {
		return -ENODATA; /* not reached: ptp_msg_parse counted it */
	}
	m->tlv_type = tlv.type;
	/* 1588-2019 14.1.1: lengthField is even; an odd dataField carries
	 * a pad octet inside it. An odd length is a broken sender. */
	if (tlv.length & 1) {
		return -EMSGSIZE;
	}
	switch (tlv.type) {
	case PTP_TLV_MANAGEMENT:
		if (tlv.length < PTP_MGMT_ID_LEN) {
			return -EMSGSIZE;
		}
		m->id = get_be16(tlv.value);
		m->data = tlv.value + PTP_MGMT_ID_LEN;
		m->data_len = tlv.length - PTP_MGMT_ID_LEN;
		return 0;
	case PTP_TLV_MANAGEMENT_ERROR_STATUS:
		if (tlv.length < PTP_MGMT_ERR_FIXED) {
			return -EMSGSIZE;
		}
		m->error = get_be16(tlv.value);
		m->id = get_be16(tlv.value + 2);
		m->data = tlv.value + PTP_MGMT_ERR_FIXED;
		m->data_len = tlv.length - PTP_MGMT_ERR_FIXED;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

/* The common checks of every dataset decoder. */
static int mgmt_data(const struct ptp_mgmt *m, uint16_t id, size_t len)
{
	if (m->tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
		return -EREMOTEIO;
	}
	if (m->tlv_type != PTP_TLV_MANAGEMENT || m->id != id) {
		return -ENOMSG;
	}
	if (m->data_len != len) {
		return -EMSGSIZE;
	}
	return 0;
}

int ptp_mgmt_port_ds(const struct ptp_mgmt *m, struct ptp_port_ds *out)
{
	const uint8_t *d = m->data;
	int r = mgmt_data(m, PTP_MID_PORT_DATA_SET, PTP_MGMT_PORT_DS_LEN);

	if (r < 0) {
		return r;
	}
	get_port_id(d, &out->port_id);
	out->port_state = d[10];
	out->log_min_delay_req_interval = (int8_t)d[11];
	out->peer_mean_path_delay = (int64_t)get_be64(d + 12);
	out->log_announce_interval = (int8_t)d[20];
	out->announce_receipt_timeout = d[21];
	out->log_sync_interval = (int8_t)d[22];
	out->delay_mechanism = d[23];
	out->log_min_pdelay_req_interval = (int8_t)d[24];
	out->version_number = d[25];
	return 0;
}

int ptp_mgmt_time_status(const struct ptp_mgmt *m, struct ptp_time_status *out)
{
	const uint8_t *d = m->data;
	int r = mgmt_data(m, PTP_MID_TIME_STATUS_NP, PTP_MGMT_TIME_STATUS_LEN);

	if (r < 0) {
		return r;
	}
	out->master_offset = (int64_t)get_be64(d);
	out->ingress_time = (int64_t)get_be64(d + 8);
	out->cumulative_scaled_rate_offset = (int32_t)get_be32(d + 16);
	out->scaled_last_gm_phase_change = (int32_t)get_be32(d + 20);
	out->gm_time_base_indicator = get_be16(d + 24);
	out->last_gm_phase_change.ns_msb = get_be16(d + 26);
	out->last_gm_phase_change.ns_lsb = get_be64(d + 28);
	out->last_gm_phase_change.frac = get_be16(d + 36);
	/* linuxptp's gmPresent is an Integer32 used as a boolean */
	out->gm_present = get_be32(d + 38) != 0;
	memcpy(out->gm_identity, d + 42, PTP_CLOCK_ID_LEN);
	return 0;
}

int ptp_mgmt_current_ds(const struct ptp_mgmt *m, struct ptp_current_ds *out)
{
	const uint8_t *d = m->data;
	int r = mgmt_data(m, PTP_MID_CURRENT_DATA_SET, PTP_MGMT_CURRENT_DS_LEN);

	if (r < 0) {
		return r;
	}
	out->steps_removed = get_be16(d);
	out->offset_from_master = (int64_t)get_be64(d + 2);
	out->mean_path_delay = (int64_t)get_be64(d + 10);
	return 0;
}

int ptp_mgmt_parent_ds(const struct ptp_mgmt *m, struct ptp_parent_ds *out)
{
	const uint8_t *d = m->data;
	int r = mgmt_data(m, PTP_MID_PARENT_DATA_SET, PTP_MGMT_PARENT_DS_LEN);

	if (r < 0) {
		return r;
	}
	get_port_id(d, &out->parent_port_id);
	out->parent_stats = d[10];
	/* d[11] reserved */
	out->observed_parent_offset_scaled_log_variance = get_be16(d + 12);
	out->observed_parent_clock_phase_change_rate =
		(int32_t)get_be32(d + 14);
	out->gm_priority1 = d[18];
	out->gm_clock_quality.clock_class = d[19];
	out->gm_clock_quality.clock_accuracy = d[20];
	out->gm_clock_quality.offset_scaled_log_variance = get_be16(d + 21);
	out->gm_priority2 = d[23];
	memcpy(out->gm_identity, d + 24, PTP_CLOCK_ID_LEN);
	return 0;
}

int ptp_mgmt_time_prop_ds(const struct ptp_mgmt *m,
			  struct ptp_time_prop_ds *out)
{
	const uint8_t *d = m->data;
	int r = mgmt_data(m, PTP_MID_TIME_PROPERTIES_DATA_SET,
			  PTP_MGMT_TIME_PROP_DS_LEN);
	uint8_t f;

	if (r < 0) {
		return r;
	}
	out->current_utc_offset = (int16_t)get_be16(d);
	f = out->flags = d[2];
	out->leap61 = f & PTP_TP_LEAP61;
	out->leap59 = f & PTP_TP_LEAP59;
	out->utc_offset_valid = f & PTP_TP_UTC_OFFSET_VALID;
	out->ptp_timescale = f & PTP_TP_PTP_TIMESCALE;
	out->time_traceable = f & PTP_TP_TIME_TRACEABLE;
	out->frequency_traceable = f & PTP_TP_FREQUENCY_TRACEABLE;
	out->sync_uncertain = f & PTP_TP_SYNC_UNCERTAIN;
	out->time_source = d[3];
	return 0;
}

int ptp_mgmt_subscribe(const struct ptp_mgmt *m, struct ptp_subscribe *out)
{
	int r = mgmt_data(m, PTP_MID_SUBSCRIBE_EVENTS_NP,
			  PTP_MGMT_SUBSCRIBE_LEN);

	if (r < 0) {
		return r;
	}
	out->duration = get_be16(m->data);
	memcpy(out->bitmask, m->data + 2, PTP_MGMT_SUBSCRIBE_MASKLEN);
	return 0;
}

int ptp_mgmt_port_props(const struct ptp_mgmt *m, struct ptp_port_props *out)
{
	const uint8_t *d = m->data;
	size_t n;
	int r = mgmt_data(m, PTP_MID_PORT_PROPERTIES_NP, m->data_len);

	if (r < 0) {
		return r;
	}
	if (m->data_len < PTP_MGMT_PORT_PROPS_MIN) {
		return -EMSGSIZE;
	}
	n = d[12];
	/* exactly the text, or the text and the pad of an odd dataField
	 * (linuxptp's pmc accepts trailing octets; a reader of one port's
	 * interface name has no use for them) */
	if (m->data_len != PTP_MGMT_PORT_PROPS_MIN + n &&
	    !(m->data_len == PTP_MGMT_PORT_PROPS_MIN + n + 1 &&
	      d[PTP_MGMT_PORT_PROPS_MIN + n] == 0)) {
		return -EMSGSIZE;
	}
	if (memchr(d + PTP_MGMT_PORT_PROPS_MIN, 0, n)) {
		return -EBADMSG;
	}
	get_port_id(d, &out->port_id);
	out->port_state = d[10];
	out->timestamping = d[11];
	memcpy(out->iface, d + PTP_MGMT_PORT_PROPS_MIN, n);
	out->iface[n] = 0;
	return 0;
}

int ptp_mgmt_sync_uncertain(const struct ptp_mgmt *m, uint8_t *val)
{
	int r = mgmt_data(m, PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP,
			  PTP_MGMT_DATUM_LEN);

	if (r < 0) {
		return r;
	}
	*val = m->data[0];
	return 0;
}

const char *ptp_port_state_name(unsigned int state)
{
	static const char *const names[] = {
		[PTP_PS_INITIALIZING] = "INITIALIZING",
		[PTP_PS_FAULTY] = "FAULTY",
		[PTP_PS_DISABLED] = "DISABLED",
		[PTP_PS_LISTENING] = "LISTENING",
		[PTP_PS_PRE_MASTER] = "PRE_MASTER",
		[PTP_PS_MASTER] = "MASTER",
		[PTP_PS_PASSIVE] = "PASSIVE",
		[PTP_PS_UNCALIBRATED] = "UNCALIBRATED",
		[PTP_PS_SLAVE] = "SLAVE",
	};

	if (state >= sizeof(names) / sizeof(names[0]) || !names[state]) {
		return "UNKNOWN";
	}
	return names[state];
}

const char *ptp_mgmt_error_name(unsigned int error)
{
	switch (error) {
	case PTP_MGMT_ERR_RESPONSE_TOO_BIG:
		return "RESPONSE_TOO_BIG";
	case PTP_MGMT_ERR_NO_SUCH_ID:
		return "NO_SUCH_ID";
	case PTP_MGMT_ERR_WRONG_LENGTH:
		return "WRONG_LENGTH";
	case PTP_MGMT_ERR_WRONG_VALUE:
		return "WRONG_VALUE";
	case PTP_MGMT_ERR_NOT_SETABLE:
		return "NOT_SETABLE";
	case PTP_MGMT_ERR_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case PTP_MGMT_ERR_GENERAL_ERROR:
		return "GENERAL_ERROR";
	default:
		return "UNKNOWN";
	}
}
