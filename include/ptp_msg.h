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

/*
 * PTP MANAGEMENT (IEEE 1588-2019 clause 15) as ptp4l speaks it on its UDS:
 * one MANAGEMENT or MANAGEMENT_ERROR_STATUS TLV per message. Layouts of the
 * linuxptp-specific ids (the _NP ones) follow linuxptp 3.1.1.
 */
#define PTP_TLV_MANAGEMENT		0x0001
#define PTP_TLV_MANAGEMENT_ERROR_STATUS 0x0002

enum ptp_mgmt_action {
	PTP_MGMT_GET = 0,
	PTP_MGMT_SET = 1,
	PTP_MGMT_RESPONSE = 2,
	PTP_MGMT_COMMAND = 3,
	PTP_MGMT_ACKNOWLEDGE = 4,
};

enum ptp_mgmt_id {
	PTP_MID_NULL_MANAGEMENT = 0x0000,
	PTP_MID_CURRENT_DATA_SET = 0x2001,
	PTP_MID_PARENT_DATA_SET = 0x2002,
	PTP_MID_TIME_PROPERTIES_DATA_SET = 0x2003,
	PTP_MID_PORT_DATA_SET = 0x2004,
	PTP_MID_TIME = 0x200f,
	PTP_MID_TIME_STATUS_NP = 0xc000,
	PTP_MID_SUBSCRIBE_EVENTS_NP = 0xc003,
	PTP_MID_PORT_PROPERTIES_NP = 0xc004,
	PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP = 0xc006,
};

/* managementErrorId of a MANAGEMENT_ERROR_STATUS TLV */
enum ptp_mgmt_error {
	PTP_MGMT_ERR_RESPONSE_TOO_BIG = 0x0001,
	PTP_MGMT_ERR_NO_SUCH_ID = 0x0002,
	PTP_MGMT_ERR_WRONG_LENGTH = 0x0003,
	PTP_MGMT_ERR_WRONG_VALUE = 0x0004,
	PTP_MGMT_ERR_NOT_SETABLE = 0x0005,
	PTP_MGMT_ERR_NOT_SUPPORTED = 0x0006,
	PTP_MGMT_ERR_GENERAL_ERROR = 0xfffe,
};

/* portState (1588 Table 20) */
enum ptp_port_state {
	PTP_PS_INITIALIZING = 1,
	PTP_PS_FAULTY = 2,
	PTP_PS_DISABLED = 3,
	PTP_PS_LISTENING = 4,
	PTP_PS_PRE_MASTER = 5,
	PTP_PS_MASTER = 6,
	PTP_PS_PASSIVE = 7,
	PTP_PS_UNCALIBRATED = 8,
	PTP_PS_SLAVE = 9,
};

/* timePropertiesDS flags, as in octet 1 of an Announce's flagField */
#define PTP_TP_LEAP61		   (1 << 0)
#define PTP_TP_LEAP59		   (1 << 1)
#define PTP_TP_UTC_OFFSET_VALID	   (1 << 2)
#define PTP_TP_PTP_TIMESCALE	   (1 << 3)
#define PTP_TP_TIME_TRACEABLE	   (1 << 4)
#define PTP_TP_FREQUENCY_TRACEABLE (1 << 5)
#define PTP_TP_SYNC_UNCERTAIN	   (1 << 6)

/* Data lengths of the datasets, as ptp4l sends them (fixed: a response of
 * another length is refused, as linuxptp's own pmc does). */
#define PTP_MGMT_PORT_DS_LEN	   26
#define PTP_MGMT_CURRENT_DS_LEN	   18
#define PTP_MGMT_PARENT_DS_LEN	   32
#define PTP_MGMT_TIME_PROP_DS_LEN  4
#define PTP_MGMT_TIME_STATUS_LEN   50
#define PTP_MGMT_SUBSCRIBE_LEN	   66
#define PTP_MGMT_SUBSCRIBE_MASKLEN 64
#define PTP_MGMT_DATUM_LEN	   2
/* PORT_PROPERTIES_NP: portIdentity, portState, timestamping, then the
 * interface name as a PTPText (length octet + text, padded to even) */
#define PTP_MGMT_PORT_PROPS_MIN 13
#define PTP_MGMT_IFNAME_MAX	255
/* bit of SUBSCRIBE_EVENTS_NP's bitmask: PORT_DATA_SET pushed on each
 * port state change (linuxptp NOTIFY_PORT_STATE, bit 0 of octet 0) */
#define PTP_MGMT_EVENT_PORT_STATE 0

/* What a management client sends. The message goes to every port of every
 * clock (targetPortIdentity all ones) with boundaryHops 0, so ptp4l answers
 * itself and forwards nothing onto the network. */
struct ptp_mgmt_req {
	struct ptp_port_id src; /* the client's own portIdentity */
	uint16_t seq_id;
	uint8_t domain;
	uint8_t action;	     /* enum ptp_mgmt_action: GET, SET or COMMAND */
	uint16_t id;	     /* enum ptp_mgmt_id */
	const uint8_t *data; /* dataField of a SET; NULL and 0 for a GET */
	size_t data_len;
};

/* A parsed management message (any action). */
struct ptp_mgmt {
	struct ptp_header hdr;
	struct ptp_management mgmt;
	uint16_t tlv_type; /* PTP_TLV_MANAGEMENT or _ERROR_STATUS */
	uint16_t id;	   /* managementId */
	uint16_t error;	   /* managementErrorId; 0 for a MANAGEMENT TLV */
	/* dataField (MANAGEMENT) or displayData (ERROR_STATUS), pad octet
	 * included; points into the parsed buffer */
	const uint8_t *data;
	size_t data_len;
};

struct ptp_clock_quality {
	uint8_t clock_class;
	uint8_t clock_accuracy;
	uint16_t offset_scaled_log_variance;
};

/* ScaledNs: a signed 96-bit count of 2^-16 ns, kept as on the wire */
struct ptp_scaled_ns {
	uint16_t ns_msb;
	uint64_t ns_lsb;
	uint16_t frac;
};

struct ptp_port_ds {
	struct ptp_port_id port_id;
	uint8_t port_state; /* enum ptp_port_state */
	int8_t log_min_delay_req_interval;
	int64_t peer_mean_path_delay; /* TimeInterval, scaled ns */
	int8_t log_announce_interval;
	uint8_t announce_receipt_timeout;
	int8_t log_sync_interval;
	uint8_t delay_mechanism; /* 1 E2E, 2 P2P, 0xfe disabled */
	int8_t log_min_pdelay_req_interval;
	uint8_t version_number; /* low nibble: versionPTP */
};

/* linuxptp's TIME_STATUS_NP */
struct ptp_time_status {
	int64_t master_offset; /* ns */
	int64_t ingress_time;  /* ns, of the last Sync, in the PHC timescale */
	int32_t cumulative_scaled_rate_offset;
	int32_t scaled_last_gm_phase_change;
	uint16_t gm_time_base_indicator;
	struct ptp_scaled_ns last_gm_phase_change;
	bool gm_present;
	uint8_t gm_identity[PTP_CLOCK_ID_LEN];
};

struct ptp_current_ds {
	uint16_t steps_removed;
	int64_t offset_from_master; /* TimeInterval, scaled ns */
	int64_t mean_path_delay;    /* TimeInterval, scaled ns */
};

struct ptp_parent_ds {
	struct ptp_port_id parent_port_id;
	uint8_t parent_stats;
	uint16_t observed_parent_offset_scaled_log_variance;
	int32_t observed_parent_clock_phase_change_rate;
	uint8_t gm_priority1;
	struct ptp_clock_quality gm_clock_quality;
	uint8_t gm_priority2;
	uint8_t gm_identity[PTP_CLOCK_ID_LEN];
};

struct ptp_time_prop_ds {
	int16_t current_utc_offset;
	uint8_t flags; /* PTP_TP_* */
	bool leap61, leap59, utc_offset_valid, ptp_timescale, time_traceable,
		frequency_traceable, sync_uncertain;
	uint8_t time_source;
};

/* linuxptp's PORT_PROPERTIES_NP: which interface a port of ptp4l runs on */
struct ptp_port_props {
	struct ptp_port_id port_id;
	uint8_t port_state;   /* enum ptp_port_state */
	uint8_t timestamping; /* linuxptp's: 0 software, 1 hardware, ... */
	/* the interface name, NUL-terminated; a NUL inside it is refused */
	char iface[PTP_MGMT_IFNAME_MAX + 1];
};

struct ptp_subscribe {
	uint16_t duration; /* seconds */
	uint8_t bitmask[PTP_MGMT_SUBSCRIBE_MASKLEN];
};

/*
 * Serialise a management request with one MANAGEMENT TLV (an odd dataField
 * gets one zero pad octet, as 1588 15.5.3.1 asks). Header: messageType
 * MANAGEMENT, versionPTP 2, controlField 4, logMessageInterval 0x7f;
 * body: targetPortIdentity all ones, boundaryHops 0. Returns the length
 * written, -EINVAL for a bad action or a data length that does not fit a
 * TLV, -ENOSPC when @size is too small.
 */
int ptp_mgmt_build(const struct ptp_mgmt_req *req, uint8_t *buf, size_t size);

/* dataField of SET SUBSCRIBE_EVENTS_NP: @duration seconds, the events of
 * @s->bitmask. Writes PTP_MGMT_SUBSCRIBE_LEN octets. */
void ptp_mgmt_put_subscribe(const struct ptp_subscribe *s, uint8_t *out);

/* dataField of SET SYNCHRONIZATION_UNCERTAIN_NP (0 false, 1 true, 0xff
 * don't care). Writes PTP_MGMT_DATUM_LEN octets. */
void ptp_mgmt_put_sync_uncertain(uint8_t val, uint8_t *out);

/*
 * Parse a management message: ptp_msg_parse first (its errors pass
 * through), then exactly one TLV, MANAGEMENT or MANAGEMENT_ERROR_STATUS,
 * with an even lengthField. Returns 0, or:
 *  -ENOMSG    not a MANAGEMENT message
 *  -ENODATA   no TLV
 *  -ETOOMANYREFS more than one TLV (ptp4l sends one; it ignores others)
 *  -EPROTONOSUPPORT the TLV is neither MANAGEMENT nor ERROR_STATUS
 *  -EMSGSIZE  lengthField odd, or shorter than the TLV's fixed part
 */
int ptp_mgmt_parse(const uint8_t *buf, size_t len, struct ptp_mgmt *m);

/*
 * Decode the dataField of a parsed RESPONSE / ACKNOWLEDGE (or a SET
 * request). Each returns 0, or -EREMOTEIO for a MANAGEMENT_ERROR_STATUS,
 * -ENOMSG when the managementId is another, -EMSGSIZE when the data
 * length is not the dataset's.
 */
int ptp_mgmt_port_ds(const struct ptp_mgmt *m, struct ptp_port_ds *out);
int ptp_mgmt_time_status(const struct ptp_mgmt *m, struct ptp_time_status *out);
int ptp_mgmt_current_ds(const struct ptp_mgmt *m, struct ptp_current_ds *out);
int ptp_mgmt_parent_ds(const struct ptp_mgmt *m, struct ptp_parent_ds *out);
int ptp_mgmt_time_prop_ds(const struct ptp_mgmt *m,
			  struct ptp_time_prop_ds *out);
int ptp_mgmt_subscribe(const struct ptp_mgmt *m, struct ptp_subscribe *out);
/* PORT_PROPERTIES_NP: the data length must be PTP_MGMT_PORT_PROPS_MIN
 * plus the text, or that plus one pad octet (zero); -EBADMSG for a text
 * holding a NUL. */
int ptp_mgmt_port_props(const struct ptp_mgmt *m, struct ptp_port_props *out);
/* SYNCHRONIZATION_UNCERTAIN_NP's value */
int ptp_mgmt_sync_uncertain(const struct ptp_mgmt *m, uint8_t *val);

/* "SLAVE", "MASTER", ...; "UNKNOWN" for anything else. */
const char *ptp_port_state_name(unsigned int state);

/* "NOT_SUPPORTED", ...; "UNKNOWN" for anything else. */
const char *ptp_mgmt_error_name(unsigned int error);

#endif
