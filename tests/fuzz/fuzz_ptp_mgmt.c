// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the PTP MANAGEMENT parser and its dataset decoders.
 * Seeds are real ptp4l exchanges (tests/fuzz/corpus/ptp_mgmt, the blobs of
 * tests/data/capture_mgmt.sh). Beyond "no crash", it checks the promises:
 * an accepted message has one TLV whose data lies inside messageLength; a
 * decoder succeeds only for its own managementId and exact length, never on
 * an error status; and a request rebuilt from what was parsed parses back
 * to the same managementId and data.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void fuzz_decoders(const struct ptp_mgmt *m)
{
	static const struct {
		uint16_t id;
		size_t len;
	} ids[] = {
		{PTP_MID_PORT_DATA_SET, PTP_MGMT_PORT_DS_LEN},
		{PTP_MID_TIME_STATUS_NP, PTP_MGMT_TIME_STATUS_LEN},
		{PTP_MID_CURRENT_DATA_SET, PTP_MGMT_CURRENT_DS_LEN},
		{PTP_MID_PARENT_DATA_SET, PTP_MGMT_PARENT_DS_LEN},
		{PTP_MID_TIME_PROPERTIES_DATA_SET, PTP_MGMT_TIME_PROP_DS_LEN},
		{PTP_MID_SUBSCRIBE_EVENTS_NP, PTP_MGMT_SUBSCRIBE_LEN},
		{PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP, PTP_MGMT_DATUM_LEN},
	};
	struct ptp_port_ds pds;
	struct ptp_time_status ts;
	struct ptp_current_ds cds;
	struct ptp_parent_ds par;
	struct ptp_time_prop_ds tp;
	struct ptp_subscribe sub;
	struct ptp_port_props pp;
	uint8_t v;
	int r[7], rp;
	unsigned int i;

	r[0] = ptp_mgmt_port_ds(m, &pds);
	r[1] = ptp_mgmt_time_status(m, &ts);
	r[2] = ptp_mgmt_current_ds(m, &cds);
	r[3] = ptp_mgmt_parent_ds(m, &par);
	r[4] = ptp_mgmt_time_prop_ds(m, &tp);
	r[5] = ptp_mgmt_subscribe(m, &sub);
	r[6] = ptp_mgmt_sync_uncertain(m, &v);
	for (i = 0; i < 7; i++) {
		if (m->tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
			fuzz_check(r[i] == -EREMOTEIO);
		} else if (m->id != ids[i].id) {
			fuzz_check(r[i] == -ENOMSG);
		} else if (m->data_len != ids[i].len) {
			fuzz_check(r[i] == -EMSGSIZE);
		} else {
			fuzz_check(r[i] == 0);
		}
	}
	if (r[0] == 0) {
		(void)ptp_port_state_name(pds.port_state);
	}
	/* variable length: the text, and at most one zero pad octet */
	rp = ptp_mgmt_port_props(m, &pp);
	if (m->tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
		fuzz_check(rp == -EREMOTEIO);
	} else if (m->id != PTP_MID_PORT_PROPERTIES_NP) {
		fuzz_check(rp == -ENOMSG);
	} else if (rp == 0) {
		fuzz_check(m->data_len ==
				   PTP_MGMT_PORT_PROPS_MIN + strlen(pp.iface) ||
			   m->data_len == PTP_MGMT_PORT_PROPS_MIN +
						  strlen(pp.iface) + 1);
		fuzz_check(m->data[12] == strlen(pp.iface));
	} else {
		fuzz_check(rp == -EMSGSIZE || rp == -EBADMSG);
	}
	if (r[4] == 0) {
		fuzz_check(tp.ptp_timescale == !!(tp.flags & 0x08));
	}
	(void)ptp_mgmt_error_name(m->error);
}

static void fuzz_rebuild(const struct ptp_mgmt *m)
{
	struct ptp_mgmt_req req = {
		.src = m->hdr.src,
		.seq_id = m->hdr.seq_id,
		.domain = m->hdr.domain,
		.action = PTP_MGMT_SET,
		.id = m->id,
		.data = m->data,
		.data_len = m->data_len,
	};
	uint8_t out[PTP_HDR_LEN + 20 + 1500];
	struct ptp_mgmt back;
	int n;

	if (m->tlv_type != PTP_TLV_MANAGEMENT) {
		return;
	}
	n = ptp_mgmt_build(&req, out, sizeof(out));
	if (n == -ENOSPC || n == -EINVAL) {
		fuzz_check(54 + m->data_len > sizeof(out) ||
			   54 + m->data_len > UINT16_MAX);
		return;
	}
	/* the parsed data is even already: no pad added */
	fuzz_check(n == (int)(54 + m->data_len));
	fuzz_check(ptp_mgmt_parse(out, (size_t)n, &back) == 0);
	fuzz_check(back.tlv_type == PTP_TLV_MANAGEMENT);
	fuzz_check(back.id == m->id);
	fuzz_check(back.mgmt.action == PTP_MGMT_SET);
	fuzz_check(back.mgmt.boundary_hops == 0);
	fuzz_check(back.data_len == m->data_len);
	fuzz_check(!memcmp(back.data, m->data, m->data_len));
	fuzz_check(ptp_port_id_equal(&back.hdr.src, &m->hdr.src));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptp_mgmt m;
	uint8_t *copy;
	int r;

	/* An exact-size heap copy lets ASan catch a read one byte past the
	 * datagram. */
	copy = malloc(size ? size : 1);
	if (!copy) {
		return 0;
	}
	if (size) {
		memcpy(copy, data, size);
	}
	r = ptp_mgmt_parse(copy, size, &m);
	switch (r) {
	case 0:
		fuzz_check(m.hdr.msg_type == PTP_MANAGEMENT);
		fuzz_check(m.hdr.msg_length <= size);
		fuzz_check(m.tlv_type == PTP_TLV_MANAGEMENT ||
			   m.tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS);
		fuzz_check(m.data >= copy + 52);
		fuzz_check(m.data + m.data_len <= copy + m.hdr.msg_length);
		fuzz_check(m.data_len % 2 == 0);
		fuzz_check(m.tlv_type != PTP_TLV_MANAGEMENT || m.error == 0);
		fuzz_decoders(&m);
		fuzz_rebuild(&m);
		break;
	case -EBADMSG:
	case -EPROTO:
	case -ENOMSG:
	case -EMSGSIZE:
	case -ERANGE:
	case -EILSEQ:
	case -ENODATA:
	case -ETOOMANYREFS:
	case -EPROTONOSUPPORT:
		break;
	default:
		abort();
	}
	free(copy);
	return 0;
}
