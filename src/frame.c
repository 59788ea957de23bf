// SPDX-License-Identifier: MIT
/*
 * NDJSON frame encoder, protocol v1 (SPEC §4).
 *
 * Every frame is a json-c object serialised with JSON_C_TO_STRING_PLAIN
 * (no spaces) and NOSLASHESCAPE ("/" is legal unescaped and keeps
 * interface-like names readable). json-c keeps object keys in insertion
 * order, which is what lets us promise the core keys first and in order.
 *
 * 64-bit nanosecond values go out as decimal strings: they exceed the
 * 2^53 integers a JavaScript consumer can hold exactly. Counters are
 * written with json_object_new_uint64 (json-c >= 0.14), so a uint64 never
 * wraps to a negative number on the wire.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frame.h"
#include "jsonb.h"
#include "ptp4l.h"
#include "syncstate.h"

#define NSEC_PER_SEC 1000000000u

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 when
 * it is not one: rejects overlong forms, surrogates and > U+10FFFF
 * (RFC 3629 §4). */
static size_t frame_utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80) {
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		return 0;
	}
	return len;
}

/*
 * A JSON string from caller text. Frames promise UTF-8, but a Linux
 * interface name is any bytes but '/', ':' and whitespace
 * (dev_valid_name()), and json-c copies bytes >= 0x80 through unchecked.
 * Invalid sequences become U+FFFD; quotes, backslashes and control
 * characters are json-c's to escape.
 */
static struct json_object *frame_new_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	struct json_object *j;
	char *out;

	while (i < n && (k = frame_utf8_seq(p + i, n - i)) > 0) {
		i += k;
	}
	if (i == n) {
		return json_object_new_string_len(s, (int)n);
	}
	/* Each bad byte becomes 3 bytes of U+FFFD. */
	out = malloc(3 * n + 1);
	if (!out) {
		return NULL;
	}
	for (i = 0; i < n;) {
		k = frame_utf8_seq(p + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_object_new_string_len(out, (int)o);
	free(out);
	return j;
}

static void frame_add_text(struct jsonb *fo, const char *key, const char *s)
{
	if (!fo->err) {
		jsonb_add(fo, key, frame_new_text(s));
	}
}

void frame_ns_str(uint64_t sec, uint32_t nsec, char buf[FRAME_NS_STRLEN])
{
	/* sec * 10^9 overflows uint64 past year 2554 and a PTP Timestamp has
	 * 48-bit seconds, so print seconds and a zero-padded fraction
	 * side by side instead of multiplying. */
	sec += nsec / NSEC_PER_SEC;
	nsec %= NSEC_PER_SEC;
	if (sec == 0) {
		snprintf(buf, FRAME_NS_STRLEN, "%" PRIu32, nsec);
	} else {
		snprintf(buf, FRAME_NS_STRLEN, "%" PRIu64 "%09" PRIu32, sec,
			 nsec);
	}
}

static void frame_add_ts(struct jsonb *fo, const char *key,
			 const struct ptp_ts *ts)
{
	char s[FRAME_NS_STRLEN];

	frame_ns_str(ts->sec, ts->nsec, s);
	jsonb_str(fo, key, s);
}

/* The kernel never hands out a stamp before the epoch or with tv_nsec out
 * of range (timespec64_valid()); refuse rather than print nonsense. */
static int frame_add_timespec(struct jsonb *fo, const char *key,
			      const struct timespec *t)
{
	char s[FRAME_NS_STRLEN];

	if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= NSEC_PER_SEC) {
		return -EINVAL;
	}
	frame_ns_str((uint64_t)t->tv_sec, (uint32_t)t->tv_nsec, s);
	jsonb_str(fo, key, s);
	return 0;
}

/* A signed 64-bit nanosecond value as a decimal string. */
static void frame_add_i64_str(struct jsonb *fo, const char *key, int64_t v)
{
	char s[FRAME_NS_STRLEN];

	snprintf(s, sizeof(s), "%" PRId64, v);
	jsonb_str(fo, key, s);
}

static void frame_add_port(struct jsonb *fo, const char *key,
			   const struct ptp_port_id *id)
{
	char s[PTP_PORT_ID_STRLEN];

	ptp_port_id_str(id, s);
	jsonb_str(fo, key, s);
}

static const char *frame_mechanism(bool hw)
{
	/* SPEC §1 promise 1: a software stamp never carries the hardware
	 * label. */
	return hw ? "so_timestamping" : "so_timestamping_software";
}

static int frame_begin(struct jsonb *fo, const char *type)
{
	jsonb_begin(fo);
	if (fo->err) {
		return fo->err;
	}
	jsonb_int(fo, "v", 1);
	jsonb_str(fo, "type", type);
	return 0;
}

int frame_encode_stamp(const struct frame_stamp *f, char *buf, size_t size)
{
	const struct ptp_msg *m = f->msg;
	unsigned int type;
	struct jsonb fo;
	int r;

	if (!m) {
		return -EINVAL;
	}
	type = m->hdr.msg_type;
	r = frame_begin(&fo, f->tx ? "tx" : "rx");
	if (r) {
		return r;
	}
	/* v1 core: always present, always in this order. */
	jsonb_int(&fo, "msgType", type);
	jsonb_int(&fo, "seqId", m->hdr.seq_id);
	r = frame_add_timespec(&fo, "unixNs", &f->stamp);
	if (r) {
		json_object_put(fo.obj);
		return r;
	}
	jsonb_str(&fo, "mechanism", frame_mechanism(f->hw));

	/* Extensions. */
	jsonb_int(&fo, "domain", m->hdr.domain);
	frame_add_port(&fo, "src", &m->hdr.src);
	if (f->iface) {
		frame_add_text(&fo, "iface", f->iface);
	}
	/* A PHC names the timescale of a hardware stamp (SPEC §3); it says
	 * nothing about a software stamp, which is CLOCK_REALTIME. */
	if (f->hw && f->phc >= 0) {
		jsonb_int(&fo, "phc", f->phc);
	}
	if (type == PTP_SYNC) {
		jsonb_bool(&fo, "twoStep", m->hdr.flags & PTP_FLAG_TWO_STEP);
	}
	jsonb_int(&fo, "correctionNs", ptp_correction_ns(m->hdr.correction));
	switch (type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
	case PTP_PDELAY_REQ:
		frame_add_ts(&fo, "originNs", &m->sync.origin);
		break;
	case PTP_DELAY_RESP:
		frame_add_ts(&fo, "receiveNs", &m->resp.ts);
		frame_add_port(&fo, "reqPort", &m->resp.req_port);
		break;
	case PTP_PDELAY_RESP:
		frame_add_port(&fo, "reqPort", &m->resp.req_port);
		break;
	default:
		break;
	}
	if (f->transport) {
		jsonb_str(&fo, "transport", f->transport);
		if (f->tagged) {
			jsonb_int(&fo, "vlan", f->vlan);
		}
		jsonb_bool(&fo, "unicast", f->unicast);
	}
	/* SPEC §11: a software stamp is CLOCK_REALTIME already and is never
	 * converted */
	if (f->hw && f->has_sys) {
		frame_add_i64_str(&fo, "sysNs", f->sys_ns);
		jsonb_int(&fo, "sysErrNs", f->sys_err_ns);
	}
	return jsonb_finish(&fo, buf, size);
}

int frame_encode_sample(const struct frame_sample *s, char *buf, size_t size)
{
	char gm[PTP_CLOCK_ID_STRLEN];
	struct jsonb fo;
	int r;

	r = frame_begin(&fo, "sample");
	if (r) {
		return r;
	}
	jsonb_int(&fo, "seqId", s->seq_id);
	r = frame_add_timespec(&fo, "t1", &s->t1);
	r = r ?: frame_add_timespec(&fo, "t2", &s->t2);
	r = r ?: frame_add_timespec(&fo, "t3", &s->t3);
	r = r ?: frame_add_timespec(&fo, "t4", &s->t4);
	if (r) {
		json_object_put(fo.obj);
		return r;
	}
	jsonb_int(&fo, "offsetNs", s->offset_ns);
	jsonb_int(&fo, "delayNs", s->delay_ns);
	jsonb_str(&fo, "mechanism", frame_mechanism(s->hw));
	ptp_clock_id_str(s->gm, gm);
	jsonb_str(&fo, "gm", gm);
	jsonb_int(&fo, "domain", s->domain);
	return jsonb_finish(&fo, buf, size);
}

static struct json_object *frame_new_counters(const struct counters *c)
{
	struct jsonb fo = {.obj = json_object_new_object()};

	if (!fo.obj) {
		return NULL;
	}
	jsonb_uint(&fo, "rx", c->rx);
	jsonb_uint(&fo, "tx", c->tx);
	jsonb_uint(&fo, "rxHw", c->rx_hw);
	jsonb_uint(&fo, "rxSw", c->rx_sw);
	jsonb_uint(&fo, "missingHw", c->missing_hw);
	jsonb_uint(&fo, "malformed", c->malformed);
	jsonb_uint(&fo, "truncated", c->truncated);
	jsonb_uint(&fo, "filtered", c->filtered);
	jsonb_uint(&fo, "kernelDrops", c->kernel_drops);
	jsonb_uint(&fo, "txTimeouts", c->tx_timeouts);
	jsonb_uint(&fo, "clientDrops", c->client_drops);
	jsonb_uint(&fo, "clientsRefused", c->clients_refused);
	jsonb_uint(&fo, "framesOut", c->frames_out);
	jsonb_uint(&fo, "unstamped", c->unstamped);
	jsonb_uint(&fo, "rejected", c->rejected);
	if (fo.err) {
		json_object_put(fo.obj);
		return NULL;
	}
	return fo.obj;
}

/* The view's values are stale once ptp4l stops answering: null then. */
static bool frame_sync_known(const struct ptp4l_view *v)
{
	return v && v->state != SYNC_UNKNOWN;
}

static void frame_add_port_state(struct jsonb *fo, const struct ptp4l_view *v)
{
	if (frame_sync_known(v) && v->have_port) {
		jsonb_str(fo, "portState", ptp_port_state_name(v->port_state));
	} else {
		jsonb_null(fo, "portState");
	}
}

static void frame_add_gm(struct jsonb *fo, const struct ptp4l_view *v)
{
	char gm[PTP_CLOCK_ID_STRLEN];

	if (frame_sync_known(v) && v->have_gm) {
		ptp_clock_id_str(v->gm, gm);
		jsonb_str(fo, "gm", gm);
	} else {
		jsonb_null(fo, "gm");
	}
}

static void frame_add_offset(struct jsonb *fo, const struct ptp4l_view *v)
{
	if (frame_sync_known(v) && v->have_current) {
		jsonb_int(fo, "offsetNs", v->offset_ns);
	} else {
		jsonb_null(fo, "offsetNs");
	}
}

/* SPEC §11's status keys, each present, null when not known. */
static void frame_add_sync_status(struct jsonb *fo,
				  const struct frame_status *s)
{
	const struct ptp4l_view *v = s->sync;
	bool known = frame_sync_known(v);
	const struct ptp_time_prop_ds *tp = v ? &v->time_props : NULL;
	bool tpk = known && v->have_time_props;

	jsonb_str(fo, "syncState", syncstate_name(v ? v->state : SYNC_UNKNOWN));
	frame_add_text(fo, "syncReason",
		       v ? v->reason : (s->sync_reason ? s->sync_reason : ""));
	frame_add_port_state(fo, v);
	frame_add_gm(fo, v);
	frame_add_offset(fo, v);
	if (known && v->have_current) {
		jsonb_int(fo, "meanPathDelayNs", v->mean_path_delay_ns);
		jsonb_uint(fo, "stepsRemoved", v->steps_removed);
	} else {
		jsonb_null(fo, "meanPathDelayNs");
		jsonb_null(fo, "stepsRemoved");
	}
	if (known && v->have_parent) {
		jsonb_uint(fo, "clockClass", v->clock_class);
	} else {
		jsonb_null(fo, "clockClass");
	}
	if (tpk) {
		jsonb_int(fo, "utcOffsetS", tp->current_utc_offset);
		jsonb_bool(fo, "utcOffsetValid", tp->utc_offset_valid);
		jsonb_bool(fo, "ptpTimescale", tp->ptp_timescale);
		jsonb_bool(fo, "timeTraceable", tp->time_traceable);
	} else {
		jsonb_null(fo, "utcOffsetS");
		jsonb_null(fo, "utcOffsetValid");
		jsonb_null(fo, "ptpTimescale");
		jsonb_null(fo, "timeTraceable");
	}
	if (v && v->on_iface != PTP4L_PORT_UNKNOWN) {
		jsonb_bool(fo, "ptp4lOnIface", v->on_iface == PTP4L_PORT_YES);
	} else {
		jsonb_null(fo, "ptp4lOnIface");
	}
}

int frame_encode_sync(const struct ptp4l_view *v, char *buf, size_t size)
{
	char ns[FRAME_NS_STRLEN];
	struct jsonb fo;
	int r;

	r = frame_begin(&fo, "sync");
	if (r) {
		return r;
	}
	jsonb_str(&fo, "syncState", syncstate_name(v->state));
	jsonb_str(&fo, "previous", syncstate_name(v->prev_state));
	frame_add_port_state(&fo, v);
	if (frame_sync_known(v) && v->have_port) {
		jsonb_uint(&fo, "port", v->port_number);
	} else {
		jsonb_null(&fo, "port");
	}
	frame_add_gm(&fo, v);
	frame_add_offset(&fo, v);
	frame_add_text(&fo, "reason", v->reason ? v->reason : "");
	frame_ns_str(v->changed_mono_ns / NSEC_PER_SEC,
		     (uint32_t)(v->changed_mono_ns % NSEC_PER_SEC), ns);
	jsonb_str(&fo, "monoNs", ns);
	if (v->changed_real_ns >= 0) {
		frame_ns_str(
			(uint64_t)v->changed_real_ns / NSEC_PER_SEC,
			(uint32_t)((uint64_t)v->changed_real_ns % NSEC_PER_SEC),
			ns);
		jsonb_str(&fo, "unixNs", ns);
	} else {
		jsonb_null(&fo, "unixNs");
	}
	return jsonb_finish(&fo, buf, size);
}

int frame_encode_status(const struct frame_status *s, char *buf, size_t size)
{
	static const struct counters zero;
	struct jsonb fo;
	int r;

	r = frame_begin(&fo, "status");
	if (r) {
		return r;
	}
	if (s->iface && !s->phc_only) {
		frame_add_text(&fo, "iface", s->iface);
	} else {
		jsonb_null(&fo, "iface");
	}
	/* PHC-only mode has no interface: its keys stay, as null */
	if (s->phc_only) {
		jsonb_null(&fo, "ifindex");
		jsonb_null(&fo, "link");
		jsonb_str(&fo, "stamping", "phc");
	} else {
		jsonb_int(&fo, "ifindex", s->ifindex);
		jsonb_str(&fo, "link", s->link_up ? "up" : "down");
		jsonb_str(&fo, "stamping", s->hw ? "hardware" : "software");
	}
	if (s->phc >= 0) {
		jsonb_int(&fo, "phc", s->phc);
	} else {
		jsonb_null(&fo, "phc");
	}
	if (s->hwts_filter) {
		frame_add_text(&fo, "hwtsFilter", s->hwts_filter);
	} else {
		jsonb_null(&fo, "hwtsFilter");
	}
	if (s->delay_req_tx) {
		jsonb_str(&fo, "delayReqTx", s->delay_req_tx);
	}
	jsonb_uint(&fo, "clients", s->clients);
	jsonb_uint(&fo, "streams", s->streams);
	jsonb_uint(&fo, "uptimeS", s->uptime_s);
	frame_add_text(&fo, "version", s->version ? s->version : "");
	frame_add_sync_status(&fo, s);
	jsonb_add(&fo, "counters",
		  frame_new_counters(s->counters ? s->counters : &zero));
	return jsonb_finish(&fo, buf, size);
}

int frame_encode_clock(const struct frame_clock *c, char *buf, size_t size)
{
	struct jsonb fo;
	int r;

	r = frame_begin(&fo, "clock");
	if (r) {
		return r;
	}
	if (c->phc >= 0) {
		jsonb_int(&fo, "phc", c->phc);
	} else {
		jsonb_null(&fo, "phc");
	}
	frame_add_text(&fo, "device", c->device ? c->device : "");
	if (c->clock_name) {
		frame_add_text(&fo, "clockName", c->clock_name);
	} else {
		jsonb_null(&fo, "clockName");
	}
	jsonb_str(&fo, "method", c->method ? c->method : "none");
	frame_add_i64_str(&fo, "phcNs", c->phc_ns);
	frame_add_i64_str(&fo, "sysNs", c->sys_ns);
	jsonb_int(&fo, "offsetNs", c->offset_ns);
	jsonb_int(&fo, "windowNs", c->window_ns);
	jsonb_int(&fo, "uncertaintyNs", c->uncertainty_ns);
	jsonb_str(&fo, "timescale", c->timescale ? c->timescale : "unknown");
	/* unknown is null, never a guess */
	if (c->props_known) {
		jsonb_int(&fo, "utcOffsetS", c->utc_offset_s);
		jsonb_bool(&fo, "utcOffsetValid", c->utc_offset_valid);
		jsonb_int(&fo, "leap", c->leap);
	} else {
		jsonb_null(&fo, "utcOffsetS");
		jsonb_null(&fo, "utcOffsetValid");
		jsonb_null(&fo, "leap");
	}
	if (c->error_bound_known) {
		jsonb_uint(&fo, "errorBoundNs", c->error_bound_ns);
	} else {
		jsonb_null(&fo, "errorBoundNs");
	}
	if (c->drift_known) {
		jsonb_int(&fo, "driftPpb", c->drift_ppb);
	} else {
		jsonb_null(&fo, "driftPpb");
	}
	return jsonb_finish(&fo, buf, size);
}
