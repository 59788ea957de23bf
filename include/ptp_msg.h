/* SPDX-License-Identifier: MIT */
/*
 * PTPv2 (IEEE 1588-2008/2019) message parser, validator and builder.
 * Pure: bytes in, host-order struct out; no I/O, no clock reads.
 */
#ifndef TBLK_PTP_MSG_H
#define TBLK_PTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTP_HDR_LEN	 34
#define PTP_CLOCK_ID_LEN 8
/* "aabbcc.fffe.ddeeff-65535" plus NUL */
#define PTP_PORT_ID_STRLEN 25
/* "aabbcc.fffe.ddeeff" plus NUL */
#define PTP_CLOCK_ID_STRLEN 19

enum ptp_msg_type {
	PTP_SYNC = 0x0,
	PTP_DELAY_REQ = 0x1,
	PTP_PDELAY_REQ = 0x2,
	PTP_PDELAY_RESP = 0x3,
	PTP_FOLLOW_UP = 0x8,
	PTP_DELAY_RESP = 0x9,
	PTP_PDELAY_RESP_FOLLOW_UP = 0xa,
	PTP_ANNOUNCE = 0xb,
	PTP_SIGNALING = 0xc,
	PTP_MANAGEMENT = 0xd,
};

/* flagField bits, host order (octet 0 is the high byte) */
#define PTP_FLAG_TWO_STEP (1 << 9)
#define PTP_FLAG_UNICAST  (1 << 10)

struct ptp_port_id {
	uint8_t clock_id[PTP_CLOCK_ID_LEN];
	uint16_t port;
};

/* A PTP Timestamp: 48-bit seconds, 32-bit nanoseconds (< 10^9 once parsed). */
struct ptp_ts {
	uint64_t sec;
	uint32_t nsec;
};

struct ptp_header {
	uint8_t transport_specific; /* majorSdoId, high nibble of octet 0 */
	uint8_t msg_type;	    /* low nibble of octet 0 */
	uint8_t version;	    /* versionPTP, low nibble of octet 1 */
	uint8_t minor_version; /* minorVersionPTP, high nibble of octet 1 */
	uint16_t msg_length;
	uint8_t domain;
	uint8_t minor_sdo_id;
	uint16_t flags;
	int64_t correction; /* scaled nanoseconds: ns * 2^16 */
	uint32_t msg_type_specific;
	struct ptp_port_id src;
	uint16_t seq_id;
	uint8_t control;
	int8_t log_interval;
};

struct ptp_announce {
	struct ptp_ts origin;
	int16_t current_utc_offset;
	uint8_t gm_priority1;
	uint8_t gm_clock_class;
	uint8_t gm_clock_accuracy;
	uint16_t gm_offset_scaled_log_variance;
	uint8_t gm_priority2;
	uint8_t gm_identity[PTP_CLOCK_ID_LEN];
	uint16_t steps_removed;
	uint8_t time_source;
};

struct ptp_management {
	struct ptp_port_id target;
	uint8_t starting_boundary_hops;
	uint8_t boundary_hops;
	uint8_t action; /* low nibble */
};

struct ptp_msg {
	struct ptp_header hdr;
	union {
		/* SYNC, DELAY_REQ: originTimestamp; FOLLOW_UP:
		 * preciseOriginTimestamp; PDELAY_REQ: originTimestamp */
		struct {
			struct ptp_ts origin;
		} sync;
		/* DELAY_RESP: receiveTimestamp + requestingPortIdentity;
		 * PDELAY_RESP: requestReceiptTimestamp + requestingPortIdentity;
		 * PDELAY_RESP_FOLLOW_UP: responseOriginTimestamp + same */
		struct {
			struct ptp_ts ts;
			struct ptp_port_id req_port;
		} resp;
		struct ptp_announce announce;
		/* SIGNALING: targetPortIdentity */
		struct {
			struct ptp_port_id target;
		} signaling;
		struct ptp_management management;
	};
	/* TLV area: from the end of the type's fixed body to messageLength.
	 * Points into the parsed buffer. */
	const uint8_t *tlv;
	size_t tlv_len;
	unsigned int tlv_count;
};

struct ptp_tlv {
	uint16_t type;
	uint16_t length; /* of value */
	const uint8_t *value;
};

/*
 * Parse and validate @len bytes. Checks, in this order: length >= 34,
 * major version 2, known messageType, messageLength >= the type's minimum,
 * messageLength <= @len, nanoseconds < 10^9 in carried timestamps, TLVs
 * inside messageLength. Returns 0, or:
 *  -EBADMSG  shorter than the header, or messageLength > @len
 *  -EPROTO   versionPTP major is not 2
 *  -ENOMSG   unknown messageType
 *  -EMSGSIZE messageLength below the type's minimum
 *  -ERANGE   a carried timestamp has nanoseconds >= 10^9
 *  -EILSEQ   a TLV overruns messageLength
 */
int ptp_msg_parse(const uint8_t *buf, size_t len, struct ptp_msg *msg);

/* Minimum messageLength of @type, or 0 when the type is unknown. */
size_t ptp_msg_min_len(unsigned int type);

/* True for SYNC, DELAY_REQ, PDELAY_REQ, PDELAY_RESP. */
bool ptp_msg_is_event(unsigned int type);

/* "SYNC", "DELAY_REQ", ...; "UNKNOWN" for anything else. */
const char *ptp_msg_type_name(unsigned int type);

/*
 * Walk the TLVs of [@buf, @buf+@len): on each call fills @tlv from *@off
 * and advances *@off. Returns 1 with a TLV, 0 at the end, -EILSEQ when a
 * TLV would overrun. Fewer than 4 trailing bytes end the walk.
 */
int ptp_tlv_next(const uint8_t *buf, size_t len, size_t *off,
		 struct ptp_tlv *tlv);

/* correctionField rounded to the nearest nanosecond. */
int64_t ptp_correction_ns(int64_t scaled);

/* Formats "aabbcc.fffe.ddeeff-1" into @buf (PTP_PORT_ID_STRLEN). */
void ptp_port_id_str(const struct ptp_port_id *id, char *buf);

/* Formats "aabbcc.fffe.ddeeff" into @buf (PTP_CLOCK_ID_STRLEN). */
void ptp_clock_id_str(const uint8_t *clock_id, char *buf);

bool ptp_port_id_equal(const struct ptp_port_id *a,
		       const struct ptp_port_id *b);

/*
 * Serialise @msg (header and the fixed body of its type; no TLVs) into
 * @buf. messageLength is set to the type's minimum. Returns the number of
 * bytes written, or -EINVAL for an unknown type, -ENOSPC when @size is
 * too small. SIGNALING and MANAGEMENT are written without TLVs.
 */
int ptp_msg_build(const struct ptp_msg *msg, uint8_t *buf, size_t size);

#endif
