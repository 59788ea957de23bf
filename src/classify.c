// SPDX-License-Identifier: MIT
/* What a captured packet becomes, see classify.h. Pure. */
#include <errno.h>
#include <string.h>

#include "classify.h"

static void classify_end(struct classify_result *r, enum classify_verdict v,
			 const char *why)
{
	r->verdict = v;
	r->why = why;
}

void classify_packet(const struct cap_pkt *p, const struct classify_mode *m,
		     struct classify_result *r)
{
	const struct pkt_meta meta = {
		.pkttype = p->pkttype,
		.vlan_valid = p->tc.flags & TS_CMSG_VLAN,
		.vlan_tci = p->tc.vlan_tci,
	};
	const char *why = "";
	bool hw;
	int e;

	memset(r, 0, sizeof(*r));
	/* A cut packet or cut control data: neither its bytes nor its
	 * stamp can be trusted whole. */
	if (p->cmsg_err) {
		r->err = p->cmsg_err;
		classify_end(r, CLASSIFY_TRUNCATED, "truncated");
		return;
	}
	e = pkt_decode(p->buf, p->len, &meta, &r->pkt, &why);
	if (e) {
		r->err = e;
		classify_end(r,
			     e == -ENOMSG ? CLASSIFY_FILTERED
					  : CLASSIFY_MALFORMED,
			     why);
		return;
	}
	e = ptp_msg_parse(r->pkt.payload, r->pkt.payload_len, &r->msg);
	if (e) {
		r->err = e;
		classify_end(r, CLASSIFY_MALFORMED, "invalid PTP message");
		return;
	}
	if (m->domain >= 0 && r->msg.hdr.domain != m->domain) {
		classify_end(r, CLASSIFY_FILTERED, "other domain");
		return;
	}
	if (m->self && ptp_port_id_equal(&r->msg.hdr.src, m->self)) {
		classify_end(r, CLASSIFY_FILTERED, "our own portIdentity");
		return;
	}
	r->have_sw = p->tc.flags & TS_CMSG_SW;
	r->sw = p->tc.sw;
	/* A stamp is hardware only when ts[2] is set, and only published
	 * as such when NIC stamps are what this run publishes: with
	 * software stamping the socket never asked for them. */
	hw = m->hw && (p->tc.flags & TS_CMSG_HW);
	if (hw) {
		r->hw = true;
		r->stamp = p->tc.hw;
		classify_end(r, CLASSIFY_FRAME, "hardware stamp");
		return;
	}
	/* Promise 1: under --timestamping hardware an event message goes out
	 * with a NIC stamp or not at all. */
	if (m->hw_required && ptp_msg_is_event(r->msg.hdr.msg_type)) {
		classify_end(r, CLASSIFY_MISSING_HW,
			     "event message without a hardware stamp");
		return;
	}
	if (!r->have_sw) {
		classify_end(r, CLASSIFY_UNSTAMPED, "no stamp at all");
		return;
	}
	r->stamp = p->tc.sw;
	classify_end(r, CLASSIFY_FRAME, "software stamp");
}

const char *classify_verdict_name(enum classify_verdict v)
{
	switch (v) {
	case CLASSIFY_FRAME:
		return "frame";
	case CLASSIFY_TRUNCATED:
		return "truncated";
	case CLASSIFY_MALFORMED:
		return "malformed";
	case CLASSIFY_FILTERED:
		return "filtered";
	case CLASSIFY_MISSING_HW:
		return "missingHw";
	case CLASSIFY_UNSTAMPED:
		return "unstamped";
	}
	return "unknown";
}
