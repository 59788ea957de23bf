// SPDX-License-Identifier: MIT
/*
 * Prints representative encoder output, one frame per line: every PTP
 * message type as rx and tx with hardware and software stamps, then
 * sample, status (with and without sync keys), sync and streams frames. tests/integration/test_schema.py validates
 * each line against docs/frame.schema.json.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hwts.h"
#include "ptp4l.h"
#include "streams.h"

static const unsigned int frame_samples_types[] = {
	PTP_SYNC,
	PTP_DELAY_REQ,
	PTP_PDELAY_REQ,
	PTP_PDELAY_RESP,
	PTP_FOLLOW_UP,
	PTP_DELAY_RESP,
	PTP_PDELAY_RESP_FOLLOW_UP,
	PTP_ANNOUNCE,
	PTP_SIGNALING,
	PTP_MANAGEMENT,
};

static int frame_samples_emit(int len, const char *buf)
{
	if (len < 0) {
		fprintf(stderr, "frame_samples: encoder failed: %s\n",
			strerror(-len));
		return -1;
	}
	return fwrite(buf, 1, (size_t)len, stdout) == (size_t)len ? 0 : -1;
}

static void frame_samples_msg(struct ptp_msg *m, unsigned int type,
			      uint16_t seq)
{
	/* sourcePortIdentity aabbcc.fffe.ddeeff-1 */
	static const struct ptp_port_id src = {
		.clock_id = {0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff},
		.port = 1,
	};
	/* requestingPortIdentity 001122.fffe.334455-32767 */
	static const struct ptp_port_id req = {
		.clock_id = {0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55},
		.port = 32767,
	};

	memset(m, 0, sizeof(*m));
	m->hdr.msg_type = (uint8_t)type;
	m->hdr.version = 2;
	m->hdr.seq_id = seq;
	m->hdr.src = src;
	m->hdr.correction = (int64_t)seq << 16; /* seq ns, scaled */
	m->hdr.flags = type == PTP_SYNC && seq % 2 ? PTP_FLAG_TWO_STEP : 0;
	switch (type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
	case PTP_PDELAY_REQ:
		m->sync.origin.sec = 1748073600;
		m->sync.origin.nsec = 123000000;
		break;
	case PTP_DELAY_RESP:
	case PTP_PDELAY_RESP:
	case PTP_PDELAY_RESP_FOLLOW_UP:
		m->resp.ts.sec = 1748073600;
		m->resp.ts.nsec = 123002400;
		m->resp.req_port = req;
		break;
	default:
		break;
	}
}

static int frame_samples_stamps(void)
{
	char buf[FRAME_MAX];
	struct frame_stamp f;
	struct ptp_msg m;
	uint16_t seq = 0;
	size_t i;
	int tx, hw;

	for (i = 0; i < sizeof(frame_samples_types) / sizeof(unsigned int);
	     i++) {
		for (tx = 0; tx < 2; tx++) {
			for (hw = 0; hw < 2; hw++) {
				frame_samples_msg(&m, frame_samples_types[i],
						  seq++);
				f = (struct frame_stamp){
					.tx = tx,
					.msg = &m,
					.stamp = {1748073600, 123456789 + seq},
					.hw = hw,
					/* alternate: iface present/omitted */
					.iface = seq % 3 ? "eth0" : NULL,
					.phc = 0,
					/* every transport, tagged and not,
					 * unicast and to a group */
					.transport =
						(const char *[]){"udp4", "udp6",
								 "l2"}[seq % 3],
					.tagged = seq % 4 == 1,
					.vlan = (uint16_t)(seq * 37 % 4096),
					.unicast = seq % 5 == 2,
					/* converted stamps on some; the
					 * encoder drops them from sw */
					.has_sys = seq % 2 == 0,
					.sys_ns = 1748073563123456789LL + seq,
					.sys_err_ns = seq * 100,
				};
				if (frame_samples_emit(
					    frame_encode_stamp(&f, buf,
							       sizeof(buf)),
					    buf)) {
					return -1;
				}
			}
		}
	}
	return 0;
}

/* status with sync keys from ptp4l, and sync frames: locked, unknown */
static int frame_samples_sync(struct frame_status *st)
{
	struct ptp4l_view v = {
		.state = SYNC_LOCKED,
		.prev_state = SYNC_FREERUN,
		.reason = "offset -12 ns under 100000 ns for 5 readings",
		.on_iface = PTP4L_PORT_YES,
		.have_port = true,
		.port_number = 1,
		.port_state = PTP_PS_SLAVE,
		.have_gm = true,
		.gm = {0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d},
		.have_current = true,
		.offset_ns = -12,
		.mean_path_delay_ns = 2236,
		.steps_removed = 1,
		.have_parent = true,
		.clock_class = 248,
		.have_time_props = true,
		.time_props = {.current_utc_offset = 37},
		.changed_mono_ns = 12345000000007ULL,
		.changed_real_ns = 1748073600123456789LL,
	};
	char buf[FRAME_MAX];

	st->sync = &v;
	if (frame_samples_emit(frame_encode_status(st, buf, sizeof(buf)),
			       buf) ||
	    frame_samples_emit(frame_encode_sync(&v, buf, sizeof(buf)), buf)) {
		return -1;
	}
	v.prev_state = v.state;
	v.state = SYNC_UNKNOWN;
	v.reason = "no answer from ptp4l at /var/run/ptp4l for 3 s";
	if (frame_samples_emit(frame_encode_status(st, buf, sizeof(buf)),
			       buf) ||
	    frame_samples_emit(frame_encode_sync(&v, buf, sizeof(buf)), buf)) {
		return -1;
	}
	st->sync = NULL;
	st->sync_reason = "--ptp4l-uds none";
	return frame_samples_emit(frame_encode_status(st, buf, sizeof(buf)),
				  buf);
}

static int frame_samples_other(void)
{
	struct frame_sample s = {
		.seq_id = 42,
		.t1 = {1748073600, 0},
		.t2 = {1748073600, 2400},
		.t3 = {1748073600, 500000000},
		.t4 = {1748073600, 500002300},
		.offset_ns = 50,
		.delay_ns = 2350,
		.gm = {0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff},
		.domain = 0,
	};
	struct counters c = {.rx = 100, .rx_sw = 100, .frames_out = 300};
	struct frame_status st = {
		.iface = "veth-sl",
		.ifindex = 4,
		.link_up = true,
		.phc = -1,
		.clients = 1,
		.uptime_s = 12,
		.version = TBLK_VERSION,
		.counters = &c,
	};
	char buf[FRAME_MAX];

	if (frame_samples_emit(frame_encode_sample(&s, buf, sizeof(buf)),
			       buf)) {
		return -1;
	}
	s.hw = true;
	s.offset_ns = -75;
	if (frame_samples_emit(frame_encode_sample(&s, buf, sizeof(buf)),
			       buf)) {
		return -1;
	}
	/* software, no PHC: nulls */
	if (frame_samples_emit(frame_encode_status(&st, buf, sizeof(buf)),
			       buf)) {
		return -1;
	}
	st.hw = true;
	st.phc = 0;
	st.hwts_filter = hwts_rx_filter_name(HWTSTAMP_FILTER_PTP_V2_L4_EVENT);
	st.delay_req_tx = "software:ptp4l-present";
	st.link_up = false;
	c.rx_hw = UINT64_MAX;
	if (frame_samples_emit(frame_encode_status(&st, buf, sizeof(buf)),
			       buf)) {
		return -1;
	}
	return frame_samples_sync(&st);
}

/* One packet of @src into @st, its stamps @ms milliseconds in. */
static void frame_samples_feed(struct streams *st, unsigned int type,
			       const struct ptp_port_id *src, uint16_t seq,
			       uint64_t ms, const struct ptp_port_id *req)
{
	struct classify_result r;

	memset(&r, 0, sizeof(r));
	r.verdict = CLASSIFY_FRAME;
	r.pkt.transport = PKT_UDP4;
	r.msg.hdr.msg_type = (uint8_t)type;
	r.msg.hdr.src = *src;
	r.msg.hdr.seq_id = seq;
	r.msg.hdr.flags = type == PTP_SYNC ? PTP_FLAG_TWO_STEP : 0;
	r.msg.hdr.log_interval = type == PTP_ANNOUNCE ? 0 : -3;
	r.msg.hdr.correction = type == PTP_FOLLOW_UP ? -3 * 65536 : 0;
	if (req) {
		r.msg.resp.req_port = *req;
	}
	r.hw = true;
	r.stamp = (struct timespec){1748073637, (long)(ms * 1000000 + 17)};
	r.have_sw = true;
	r.sw = (struct timespec){1748073600, (long)(ms * 1000000 + 2100)};
	streams_rx(st, &r, 5000000000ULL + ms * 1000000);
}

/* streams: an empty table, then a master, a slave and our own port. */
static int frame_samples_streams(void)
{
	static const struct ptp_port_id gm = {
		{0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff}, 1};
	static const struct ptp_port_id sl = {
		{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}, 1};
	const struct streams_own own = {
		.port = {{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55},
			 32767},
		.delay_req_sent = 7,
		.tx_stamps = 7,
		.delay_resp = 6,
	};
	struct streams *st;
	char *buf;
	size_t size;
	int r = -1;

	if (streams_new(&st, 8)) {
		return -1;
	}
	streams_set_mode(st, true);
	size = streams_frame_max(st);
	buf = malloc(size);
	if (!buf ||
	    frame_samples_emit(
		    streams_encode(st, NULL, 5000000000ULL, buf, size), buf)) {
		goto out;
	}
	for (uint16_t i = 0; i < 8; i++) {
		frame_samples_feed(st, PTP_SYNC, &gm, i, 125u * i, NULL);
		frame_samples_feed(st, PTP_FOLLOW_UP, &gm, i, 125u * i, NULL);
		frame_samples_feed(st, PTP_DELAY_REQ, &sl, i, 125u * i + 3,
				   NULL);
		frame_samples_feed(st, PTP_DELAY_RESP, &gm, i, 125u * i + 4,
				   &sl);
	}
	frame_samples_feed(st, PTP_ANNOUNCE, &gm, 0, 999, NULL);
	r = frame_samples_emit(
		streams_encode(st, &own, 6000000000ULL, buf, size), buf);
out:
	free(buf);
	streams_free(st);
	return r;
}

/* Clock frames (known and unknown properties) and a PHC-only status. */
static int frame_samples_clock(void)
{
	struct frame_clock c = {
		.phc = 0,
		.device = "/dev/ptp0",
		.clock_name = "ena-ptp-05",
		.method = "extended",
		.phc_ns = 1748073600123456789LL,
		.sys_ns = 1748073600123457000LL,
		.offset_ns = 211,
		.window_ns = 250,
		.uncertainty_ns = 125,
		.timescale = "utc",
		.error_bound_known = true,
		.error_bound_ns = 4321,
		.drift_known = true,
		.drift_ppb = -20000,
	};
	struct counters z = {.frames_out = 3};
	struct frame_status st = {
		.phc_only = true,
		.phc = 0,
		.clients = 1,
		.version = TBLK_VERSION,
		.counters = &z,
	};
	char buf[FRAME_MAX];

	if (frame_samples_emit(frame_encode_clock(&c, buf, sizeof(buf)), buf)) {
		return -1;
	}
	c = (struct frame_clock){
		.phc = -1,
		.device = "/dev/ptp_kvm",
		.method = "precise",
		.phc_ns = -5,
		.timescale = "tai",
		.props_known = true,
		.utc_offset_s = 37,
		.utc_offset_valid = true,
		.leap = 1,
	};
	if (frame_samples_emit(frame_encode_clock(&c, buf, sizeof(buf)), buf)) {
		return -1;
	}
	return frame_samples_emit(frame_encode_status(&st, buf, sizeof(buf)),
				  buf);
}

int main(void)
{
	if (frame_samples_stamps() || frame_samples_other() ||
	    frame_samples_streams() || frame_samples_clock()) {
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
