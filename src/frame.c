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

#define NSEC_PER_SEC 1000000000u

/* Sticky-error builder: the first failure wins, later adds are no-ops, so
 * the encoders read as a plain list of keys in wire order. */
struct frame_obj {
	struct json_object *obj;
	int err;
};

static void frame_add(struct frame_obj *fo, const char *key,
		      struct json_object *val)
{
	if (fo->err) {
		json_object_put(val);
		return;
	}
	if (!val) {
		fo->err = -ENOMEM;
		return;
	}
	/* Keys are string literals and each is added once: skip json-c's
	 * strdup and duplicate lookup on this per-packet path. On failure
	 * json-c does not take ownership of @val. */
	if (json_object_object_add_ex(fo->obj, key, val,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_ADD_CONSTANT_KEY)) {
		json_object_put(val);
		fo->err = -ENOMEM;
	}
}

static void frame_add_int(struct frame_obj *fo, const char *key, int64_t v)
{
	frame_add(fo, key, json_object_new_int64(v));
}

static void frame_add_uint(struct frame_obj *fo, const char *key, uint64_t v)
{
	frame_add(fo, key, json_object_new_uint64(v));
}

static void frame_add_bool(struct frame_obj *fo, const char *key, bool v)
{
	frame_add(fo, key, json_object_new_boolean(v));
}

static void frame_add_null(struct frame_obj *fo, const char *key)
{
	/* json-c represents JSON null as a NULL value pointer. */
	if (!fo->err &&
	    json_object_object_add_ex(fo->obj, key, NULL,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_ADD_CONSTANT_KEY)) {
		fo->err = -ENOMEM;
	}
}

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

static void frame_add_text(struct frame_obj *fo, const char *key, const char *s)
{
	if (!fo->err) {
		frame_add(fo, key, frame_new_text(s));
	}
}

static void frame_add_str(struct frame_obj *fo, const char *key, const char *s)
{
	if (!fo->err) {
		frame_add(fo, key, json_object_new_string(s));
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

static void frame_add_ts(struct frame_obj *fo, const char *key,
			 const struct ptp_ts *ts)
{
	char s[FRAME_NS_STRLEN];

	frame_ns_str(ts->sec, ts->nsec, s);
	frame_add_str(fo, key, s);
}

/* The kernel never hands out a stamp before the epoch or with tv_nsec out
 * of range (timespec64_valid()); refuse rather than print nonsense. */
static int frame_add_timespec(struct frame_obj *fo, const char *key,
			      const struct timespec *t)
{
	char s[FRAME_NS_STRLEN];

	if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= NSEC_PER_SEC) {
		return -EINVAL;
	}
	frame_ns_str((uint64_t)t->tv_sec, (uint32_t)t->tv_nsec, s);
	frame_add_str(fo, key, s);
	return 0;
}

static void frame_add_port(struct frame_obj *fo, const char *key,
			   const struct ptp_port_id *id)
{
	char s[PTP_PORT_ID_STRLEN];

	ptp_port_id_str(id, s);
	frame_add_str(fo, key, s);
}

static const char *frame_mechanism(bool hw)
{
	/* SPEC §1 promise 1: a software stamp never carries the hardware
	 * label. */
	return hw ? "so_timestamping" : "so_timestamping_software";
}

/* Serialise, copy out with the '\n', and free. The string json-c returns
 * belongs to the object, so the copy must happen before the put. A NUL
 * is always written after the '\n' and not counted. */
static int frame_finish(struct frame_obj *fo, char *buf, size_t size)
{
	const char *s;
	size_t len;
	int r;

	if (fo->err) {
		r = fo->err;
		goto out;
	}
	s = json_object_to_json_string_ext(
		fo->obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	len = strlen(s);
	if (len + 2 > size || len + 1 > (size_t)INT32_MAX) {
		r = -ENOSPC;
		goto out;
	}
	memcpy(buf, s, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	r = (int)(len + 1);
out:
	json_object_put(fo->obj);
	return r;
}

static int frame_begin(struct frame_obj *fo, const char *type)
{
	fo->err = 0;
	fo->obj = json_object_new_object();
	if (!fo->obj) {
		return -ENOMEM;
	}
	frame_add_int(fo, "v", 1);
	frame_add_str(fo, "type", type);
	return 0;
}

int frame_encode_stamp(const struct frame_stamp *f, char *buf, size_t size)
{
	const struct ptp_msg *m = f->msg;
	unsigned int type;
	struct frame_obj fo;
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
	frame_add_int(&fo, "msgType", type);
	frame_add_int(&fo, "seqId", m->hdr.seq_id);
	r = frame_add_timespec(&fo, "unixNs", &f->stamp);
	if (r) {
		json_object_put(fo.obj);
		return r;
	}
	frame_add_str(&fo, "mechanism", frame_mechanism(f->hw));

	/* Extensions. */
	frame_add_int(&fo, "domain", m->hdr.domain);
	frame_add_port(&fo, "src", &m->hdr.src);
	if (f->iface) {
		frame_add_text(&fo, "iface", f->iface);
	}
	/* A PHC names the timescale of a hardware stamp (SPEC §3); it says
	 * nothing about a software stamp, which is CLOCK_REALTIME. */
	if (f->hw && f->phc >= 0) {
		frame_add_int(&fo, "phc", f->phc);
	}
	if (type == PTP_SYNC) {
		frame_add_bool(&fo, "twoStep",
			       m->hdr.flags & PTP_FLAG_TWO_STEP);
	}
	frame_add_int(&fo, "correctionNs",
		      ptp_correction_ns(m->hdr.correction));
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
		frame_add_str(&fo, "transport", f->transport);
		if (f->tagged) {
			frame_add_int(&fo, "vlan", f->vlan);
		}
		frame_add_bool(&fo, "unicast", f->unicast);
	}
	return frame_finish(&fo, buf, size);
}

int frame_encode_sample(const struct frame_sample *s, char *buf, size_t size)
{
	char gm[PTP_CLOCK_ID_STRLEN];
	struct frame_obj fo;
	int r;

	r = frame_begin(&fo, "sample");
	if (r) {
		return r;
	}
	frame_add_int(&fo, "seqId", s->seq_id);
	r = frame_add_timespec(&fo, "t1", &s->t1);
	r = r ?: frame_add_timespec(&fo, "t2", &s->t2);
	r = r ?: frame_add_timespec(&fo, "t3", &s->t3);
	r = r ?: frame_add_timespec(&fo, "t4", &s->t4);
	if (r) {
		json_object_put(fo.obj);
		return r;
	}
	frame_add_int(&fo, "offsetNs", s->offset_ns);
	frame_add_int(&fo, "delayNs", s->delay_ns);
	frame_add_str(&fo, "mechanism", frame_mechanism(s->hw));
	ptp_clock_id_str(s->gm, gm);
	frame_add_str(&fo, "gm", gm);
	frame_add_int(&fo, "domain", s->domain);
	return frame_finish(&fo, buf, size);
}

static struct json_object *frame_new_counters(const struct counters *c)
{
	struct frame_obj fo = {.obj = json_object_new_object()};

	if (!fo.obj) {
		return NULL;
	}
	frame_add_uint(&fo, "rx", c->rx);
	frame_add_uint(&fo, "tx", c->tx);
	frame_add_uint(&fo, "rxHw", c->rx_hw);
	frame_add_uint(&fo, "rxSw", c->rx_sw);
	frame_add_uint(&fo, "missingHw", c->missing_hw);
	frame_add_uint(&fo, "malformed", c->malformed);
	frame_add_uint(&fo, "truncated", c->truncated);
	frame_add_uint(&fo, "filtered", c->filtered);
	frame_add_uint(&fo, "kernelDrops", c->kernel_drops);
	frame_add_uint(&fo, "txTimeouts", c->tx_timeouts);
	frame_add_uint(&fo, "clientDrops", c->client_drops);
	frame_add_uint(&fo, "clientsRefused", c->clients_refused);
	frame_add_uint(&fo, "framesOut", c->frames_out);
	frame_add_uint(&fo, "unstamped", c->unstamped);
	frame_add_uint(&fo, "rejected", c->rejected);
	if (fo.err) {
		json_object_put(fo.obj);
		return NULL;
	}
	return fo.obj;
}

int frame_encode_status(const struct frame_status *s, char *buf, size_t size)
{
	static const struct counters zero;
	struct frame_obj fo;
	int r;

	r = frame_begin(&fo, "status");
	if (r) {
		return r;
	}
	if (s->iface) {
		frame_add_text(&fo, "iface", s->iface);
	} else {
		frame_add_null(&fo, "iface");
	}
	frame_add_int(&fo, "ifindex", s->ifindex);
	frame_add_str(&fo, "link", s->link_up ? "up" : "down");
	frame_add_str(&fo, "stamping", s->hw ? "hardware" : "software");
	if (s->phc >= 0) {
		frame_add_int(&fo, "phc", s->phc);
	} else {
		frame_add_null(&fo, "phc");
	}
	if (s->hwts_filter) {
		frame_add_text(&fo, "hwtsFilter", s->hwts_filter);
	} else {
		frame_add_null(&fo, "hwtsFilter");
	}
	if (s->delay_req_tx) {
		frame_add_str(&fo, "delayReqTx", s->delay_req_tx);
	}
	frame_add_uint(&fo, "clients", s->clients);
	frame_add_uint(&fo, "streams", s->streams);
	frame_add_uint(&fo, "uptimeS", s->uptime_s);
	frame_add_text(&fo, "version", s->version ? s->version : "");
	frame_add(&fo, "counters",
		  frame_new_counters(s->counters ? s->counters : &zero));
	return frame_finish(&fo, buf, size);
}
