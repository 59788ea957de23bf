// SPDX-License-Identifier: MIT
/*
 * --metrics-file, see metrics.h. The text follows Prometheus' exposition
 * format 0.0.4: one "# HELP" and one "# TYPE" line per family, then all of
 * its samples together; label values escaped (\\, \", \n); counters end
 * in _total; base units (seconds, not nanoseconds; a ratio, not ppb).
 * Nanosecond figures are written as exact decimal seconds
 * (-0.000001234), never through a double.
 *
 * A family without a sample is left out whole (no HELP/TYPE for it): an
 * absent figure is no series, never a made-up 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define METRICS_PFX  "tblk_ptp_"
/* A failing write is said once, then at most every 10 minutes. */
#define METRICS_LOG_INTERVAL_NS (600 * NSEC_PER_SEC)

const char *const metrics_sync_states[] = {
	"locked", "holdover", "freerun", "master", "unknown", NULL,
};

/* ptp4l's portState names (pmc, PORT_DATA_SET), IEEE 1588 Table 20. */
static const char *const metrics_port_states[] = {
	"INITIALIZING", "FAULTY",  "DISABLED",	   "LISTENING", "PRE_MASTER",
	"MASTER",	"PASSIVE", "UNCALIBRATED", "SLAVE",	NULL,
};

/* Every counter of the status frame (SPEC §4), by its status key. */
static const struct {
	const char *name; /* tblk_ptp_<name>_total */
	const char *key;  /* the status frame's key */
	size_t off;
	const char *help;
} metrics_counters[] = {
#define C(n, k, f, h)                                                          \
	{                                                                      \
		n, k, offsetof(struct counters, f), h                          \
	}
	C("rx", "rx", rx, "rx frames published"),
	C("tx", "tx", tx, "tx frames published"),
	C("rx_hw", "rxHw", rx_hw, "Packets received with a NIC stamp"),
	C("rx_sw", "rxSw", rx_sw,
	  "Packets received with only a kernel software stamp"),
	C("missing_hw", "missingHw", missing_hw,
	  "Event messages dropped: no NIC stamp under --timestamping "
	  "hardware"),
	C("malformed", "malformed", malformed,
	  "Packets that failed PTP validation"),
	C("truncated", "truncated", truncated,
	  "Packets dropped for MSG_TRUNC or MSG_CTRUNC"),
	C("filtered", "filtered", filtered,
	  "Packets not for this host, domain or port"),
	C("kernel_drops", "kernelDrops", kernel_drops,
	  "Packets the kernel dropped before the daemon read them"),
	C("tx_timeouts", "txTimeouts", tx_timeouts,
	  "Delay_Req TX stamps not seen within 10 ms"),
	C("client_drops", "clientDrops", client_drops,
	  "Clients disconnected by the daemon"),
	C("clients_refused", "clientsRefused", clients_refused,
	  "Connections refused over --max-clients"),
	C("frames_out", "framesOut", frames_out,
	  "Frames queued to clients, all types"),
	C("unstamped", "unstamped", unstamped,
	  "Packets the kernel gave no stamp at all"),
	C("rejected", "rejected", rejected,
	  "DELAY_RESP for the sidecar's port that were not accepted"),
#undef C
};

#define METRICS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct mout {
	FILE *f;
	const struct metrics_snapshot *m;
};

/* ---- text pieces ------------------------------------------------------ */

/* Exposition format: a label value escapes backslash, double quote and
 * line feed, nothing else (UTF-8 passes as it is). */
static void m_escape(FILE *f, const char *v)
{
	if (!strpbrk(v, "\\\"\n")) {
		fputs(v, f);
		return;
	}
	for (; *v; v++) {
		switch (*v) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*v, f);
		}
	}
}

char *metrics_escape_label(const char *v, char *out, size_t size)
{
	size_t n = 0;

	for (; *v && n + 3 < size; v++) {
		const char *e = *v == '\\'   ? "\\\\"
				: *v == '"'  ? "\\\""
				: *v == '\n' ? "\\n"
					     : NULL;

		if (e) {
			out[n++] = e[0];
			out[n++] = e[1];
		} else {
			out[n++] = *v;
		}
	}
	if (size) {
		out[n < size ? n : size - 1] = '\0';
	}
	return out;
}

static void m_family(struct mout *o, const char *name, const char *type,
		     const char *help)
{
	fprintf(o->f,
		"# HELP " METRICS_PFX "%s %s\n# TYPE " METRICS_PFX "%s %s\n",
		name, help, name, type);
}

/*
 * The start of a sample: name{interface="..",k1="v1",...} with the
 * (key, value) pairs after @name up to a NULL key; a NULL value leaves
 * its label out. The caller writes the value and the line feed.
 */
static void m_series(struct mout *o, const char *name, ...)
{
	bool any = false;
	const char *k;
	va_list ap;

	fputs(METRICS_PFX, o->f);
	fputs(name, o->f);
	if (o->m->iface) {
		fputs("{interface=\"", o->f);
		m_escape(o->f, o->m->iface);
		fputc('"', o->f);
		any = true;
	}
	va_start(ap, name);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		if (!v) {
			continue;
		}
		fputc(any ? ',' : '{', o->f);
		fputs(k, o->f);
		fputs("=\"", o->f);
		m_escape(o->f, v);
		fputc('"', o->f);
		any = true;
	}
	va_end(ap);
	fputs(any ? "} " : " ", o->f);
}

static void m_u64(struct mout *o, uint64_t v)
{
	char b[24], *p = b + sizeof(b);

	/* most of the file: by hand, not through printf's format parser */
	*--p = '\0';
	*--p = '\n';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fputs(p, o->f);
}

static void m_i64(struct mout *o, int64_t v)
{
	fprintf(o->f, "%" PRId64 "\n", v);
}

/* @ns as exact decimal seconds: 1.5, -0.000001234, 0. */
static void m_seconds(struct mout *o, int64_t ns)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	char frac[16];
	int n;

	if (a % NSEC_PER_SEC == 0) {
		fprintf(o->f, "%s%" PRIu64 "\n", ns < 0 ? "-" : "",
			a / NSEC_PER_SEC);
		return;
	}
	n = snprintf(frac, sizeof(frac), "%09" PRIu64, a % NSEC_PER_SEC);
	while (n > 0 && frac[n - 1] == '0') {
		frac[--n] = '\0';
	}
	fprintf(o->f, "%s%" PRIu64 ".%s\n", ns < 0 ? "-" : "", a / NSEC_PER_SEC,
		frac);
}

/* A family of one unlabelled (but for the interface) sample. */
static void m_gauge_u64(struct mout *o, const char *name, const char *help,
			uint64_t v)
{
	m_family(o, name, "gauge", help);
	m_series(o, name, NULL);
	m_u64(o, v);
}

static void m_gauge_i64(struct mout *o, const char *name, const char *help,
			int64_t v)
{
	m_family(o, name, "gauge", help);
	m_series(o, name, NULL);
	m_i64(o, v);
}

static void m_gauge_s(struct mout *o, const char *name, const char *help,
		      int64_t ns)
{
	m_family(o, name, "gauge", help);
	m_series(o, name, NULL);
	m_seconds(o, ns);
}

static void m_counter(struct mout *o, const char *name, const char *help,
		      uint64_t v)
{
	char full[96];

	snprintf(full, sizeof(full), "%s_total", name);
	m_family(o, full, "counter", help);
	m_series(o, full, NULL);
	m_u64(o, v);
}

/* The enum-as-label gauge: one series per state, 1 for @cur. A current
 * state outside @states gets a series of its own (never dropped). */
static void m_enum(struct mout *o, const char *name, const char *help,
		   const char *const *states, const char *cur)
{
	bool found = false;

	m_family(o, name, "gauge", help);
	for (; *states; states++) {
		bool is = !strcmp(*states, cur);

		found |= is;
		m_series(o, name, "state", *states, NULL);
		m_u64(o, is);
	}
	if (!found) {
		m_series(o, name, "state", cur, NULL);
		m_u64(o, 1);
	}
}

/* ---- the parts -------------------------------------------------------- */

static void m_daemon(struct mout *o)
{
	const struct metrics_snapshot *m = o->m;

	m_family(o, "build_info", "gauge",
		 "The daemon's version, as a label; always 1");
	m_series(o, "build_info", "version", m->version ? m->version : "",
		 NULL);
	m_u64(o, 1);
	m_gauge_s(o, "metrics_timestamp_seconds",
		  "When this file was written (CLOCK_REALTIME); older than a "
		  "few --status-interval: the daemon is not running",
		  m->time_ns);
	m_gauge_u64(o, "uptime_seconds", "Seconds since the daemon started",
		    m->uptime_s);
	if (m->has_link) {
		m_gauge_u64(o, "link_up", "1 when the interface is up",
			    m->link_up);
	}
	if (m->has_stamping) {
		m_gauge_u64(o, "hardware_stamping",
			    "1 when NIC (hardware) stamps are in force, 0 for "
			    "kernel software stamps",
			    m->hw);
	}
	m_gauge_u64(o, "clients", "Clients connected", m->clients);
	if (m->counters) {
		for (size_t i = 0; i < METRICS_COUNT(metrics_counters); i++) {
			char help[160];

			snprintf(help, sizeof(help), "%s (status key %s)",
				 metrics_counters[i].help,
				 metrics_counters[i].key);
			m_counter(
				o, metrics_counters[i].name, help,
				*(const uint64_t *)((const char *)m->counters +
						    metrics_counters[i].off));
		}
	}
	m_counter(o, "metrics_write_failures",
		  "Metrics files that could not be written", m->write_failures);
}

static void m_sync(struct mout *o)
{
	const struct metrics_snapshot *m = o->m;

	m_enum(o, "sync_state",
	       "ptp4l's sync state as the daemon judges it (SPEC section 11): "
	       "1 for the current state",
	       metrics_sync_states, m->sync_state ? m->sync_state : "unknown");
	if (m->port_state) {
		m_enum(o, "port_state",
		       "ptp4l's portState on the interface: 1 for the current "
		       "state",
		       metrics_port_states, m->port_state);
	}
	if (m->gm) {
		m_family(o, "grandmaster_info", "gauge",
			 "The grandmaster's clockIdentity, as a label; always "
			 "1");
		m_series(o, "grandmaster_info", "gm", m->gm, NULL);
		m_u64(o, 1);
	}
	if (m->has_offset) {
		m_gauge_s(o, "offset_from_master_seconds",
			  "ptp4l's offsetFromMaster", m->offset_ns);
	}
	if (m->has_mean_path_delay) {
		m_gauge_s(o, "mean_path_delay_seconds", "ptp4l's meanPathDelay",
			  m->mean_path_delay_ns);
	}
	if (m->has_steps_removed) {
		m_gauge_u64(o, "steps_removed", "ptp4l's stepsRemoved",
			    m->steps_removed);
	}
	if (m->has_clock_class) {
		m_gauge_u64(o, "clock_class", "The grandmaster's clockClass",
			    m->clock_class);
	}
	if (m->has_utc_offset) {
		m_gauge_i64(o, "utc_offset_seconds",
			    "currentUtcOffset (TAI - UTC) from ptp4l",
			    m->utc_offset_s);
		m_gauge_u64(o, "utc_offset_valid",
			    "1 when currentUtcOffsetValid is set",
			    m->utc_offset_valid);
	}
	if (m->has_time_flags) {
		m_gauge_u64(o, "ptp_timescale",
			    "1 when the grandmaster's timescale is PTP (TAI), "
			    "0 ARB (ptpTimescale)",
			    m->ptp_timescale);
		m_gauge_u64(o, "time_traceable",
			    "1 when the grandmaster's time is traceable to a "
			    "primary reference (timeTraceable)",
			    m->time_traceable);
	}
}

static void m_clock(struct mout *o)
{
	const struct metrics_snapshot *m = o->m;

	if (m->phc_device) {
		m_family(o, "phc_info", "gauge",
			 "The PHC read, its clock name, offset method and "
			 "timescale, as labels; always 1");
		m_series(o, "phc_info", "device", m->phc_device, "clock_name",
			 m->clock_name, "method", m->phc_method, "timescale",
			 m->timescale, NULL);
		m_u64(o, 1);
	}
	if (m->has_reading) {
		m_gauge_s(o, "phc_offset_seconds",
			  "CLOCK_REALTIME - PHC at the latest reading",
			  m->phc_offset_ns);
		m_gauge_s(o, "phc_reading_uncertainty_seconds",
			  "Uncertainty of the latest PHC reading",
			  m->uncertainty_ns);
		m_gauge_s(o, "phc_reading_window_seconds",
			  "sys-PHC-sys window of the latest PHC reading (0 for "
			  "PTP_SYS_OFFSET_PRECISE)",
			  m->window_ns);
		m_gauge_s(o, "phc_reading_age_seconds",
			  "Age of the latest PHC reading",
			  m->reading_age_ns > INT64_MAX
				  ? INT64_MAX
				  : (int64_t)m->reading_age_ns);
	}
	if (m->has_drift && isfinite(m->drift_ppb)) {
		m_family(o, "phc_drift_ratio", "gauge",
			 "PHC frequency against CLOCK_REALTIME, measured "
			 "between readings (1e-9 is 1 ppb)");
		m_series(o, "phc_drift_ratio", NULL);
		fprintf(o->f, "%.17g\n", m->drift_ppb / 1e9);
	}
	if (m->has_error_bound) {
		m_gauge_s(o, "phc_error_bound_seconds",
			  "The platform's published PHC error bound",
			  m->error_bound_ns);
	}
	if (m->has_readings) {
		m_counter(o, "phc_readings", "PHC readings taken", m->readings);
		m_counter(o, "phc_readings_discarded",
			  "PHC reading batches discarded (a negative window: "
			  "CLOCK_REALTIME stepped)",
			  m->readings_discarded);
	}
}

/* ---- streams ---------------------------------------------------------- */

struct mstream {
	struct streams_info i;
	char src[PTP_PORT_ID_STRLEN];
	char domain[4];
};

/* Output order as the streams frame: domain, portIdentity, transport. */
static int m_stream_order(const void *a, const void *b)
{
	const struct streams_info *x = &((const struct mstream *)a)->i;
	const struct streams_info *y = &((const struct mstream *)b)->i;
	int c;

	if (x->domain != y->domain) {
		return x->domain - y->domain;
	}
	c = memcmp(x->src.clock_id, y->src.clock_id, sizeof(x->src.clock_id));
	if (c) {
		return c;
	}
	if (x->src.port != y->src.port) {
		return x->src.port - y->src.port;
	}
	return (int)x->transport - (int)y->transport;
}

/*
 * The @max streams with the most messages (a spray of forged identities
 * has few each, the real masters many), in frame order. Returns how many,
 * or -ENOMEM.
 */
static int m_streams_pick(const struct streams *st, unsigned int max,
			  struct mstream **out)
{
	struct mstream *v = calloc(max ? max : 1, sizeof(*v));
	struct streams_info info;
	unsigned int pos = 0, n = 0;

	if (!v) {
		return -ENOMEM;
	}
	while (streams_next(st, &pos, &info)) {
		unsigned int low = 0;

		if (n < max) {
			v[n++].i = info;
			continue;
		}
		for (unsigned int k = 1; k < n; k++) {
			if (v[k].i.total < v[low].i.total) {
				low = k;
			}
		}
		if (n && info.total > v[low].i.total) {
			v[low].i = info;
		}
	}
	for (unsigned int k = 0; k < n; k++) {
		ptp_port_id_str(&v[k].i.src, v[k].src);
		snprintf(v[k].domain, sizeof(v[k].domain), "%u", v[k].i.domain);
	}
	qsort(v, n, sizeof(*v), m_stream_order);
	*out = v;
	return (int)n;
}

#define M_STREAM_LABELS(s)                                                     \
	"domain", (s)->domain, "src", (s)->src, "transport",                   \
		pkt_transport_name((s)->i.transport)

/* A per-stream counter family with a msg_type label: @arr of each stream,
 * for the types @want accepts. */
static void m_stream_typed(struct mout *o, const struct mstream *v,
			   unsigned int n, const char *name, const char *help,
			   size_t off, bool seq_only, bool with_fup)
{
	m_family(o, name, "counter", help);
	for (unsigned int k = 0; k < n; k++) {
		const uint64_t *arr =
			(const uint64_t *)((const char *)&v[k].i + off);

		for (unsigned int t = 0; t < STREAMS_MSG_TYPES; t++) {
			const char *tn = streams_msg_name(t);

			if (!tn || (seq_only && !streams_seq_tracked(t) &&
				    !(with_fup && t == PTP_FOLLOW_UP))) {
				continue;
			}
			m_series(o, name, M_STREAM_LABELS(&v[k]), "msg_type",
				 tn, NULL);
			m_u64(o, arr[t]);
		}
	}
}

static void m_stream_plain(struct mout *o, const struct mstream *v,
			   unsigned int n, const char *name, const char *type,
			   const char *help, size_t off)
{
	m_family(o, name, type, help);
	for (unsigned int k = 0; k < n; k++) {
		m_series(o, name, M_STREAM_LABELS(&v[k]), NULL);
		m_u64(o, *(const uint64_t *)((const char *)&v[k].i + off));
	}
}

static int m_streams(struct mout *o)
{
	const struct metrics_snapshot *m = o->m;
	unsigned int max =
		m->streams_max ? m->streams_max : METRICS_STREAMS_MAX;
	struct streams_summary sum;
	struct mstream *v;
	int n, r;

	if (!m->streams) {
		return 0;
	}
	r = streams_summary(m->streams, &sum);
	if (r) {
		return r;
	}
	n = m_streams_pick(m->streams, max, &v);
	if (n < 0) {
		return n;
	}
	m_gauge_u64(o, "streams", "Streams in the stream table, live or silent",
		    sum.count);
	m_gauge_u64(o, "streams_capacity", "The stream table's size", sum.cap);
	m_counter(o, "streams_evictions",
		  "Streams evicted to make room for new ones", sum.evictions);
	m_counter(o, "streams_dropped", "Streams dropped after silence",
		  sum.dropped);
	m_gauge_u64(o, "streams_masters", "Streams that sent SYNC or ANNOUNCE",
		    sum.masters);
	m_gauge_u64(o, "streams_extra_masters",
		    "Master portIdentities beyond the first, per domain",
		    sum.extra_masters);
	m_gauge_u64(o, "metrics_streams_max",
		    "Streams this file gives per-stream series for at most",
		    max);
	m_gauge_u64(o, "metrics_streams_omitted",
		    "Streams in the table left out of this file (over "
		    "tblk_ptp_metrics_streams_max; those with the fewest "
		    "messages go first)",
		    sum.count - (unsigned int)n);
	if (n > 0) {
		unsigned int u = (unsigned int)n;

		m_family(o, "stream_info", "gauge",
			 "A stream of the table and its role, as labels; "
			 "always 1");
		for (unsigned int k = 0; k < u; k++) {
			m_series(o, "stream_info", M_STREAM_LABELS(&v[k]),
				 "role", v[k].i.role, NULL);
			m_u64(o, 1);
		}
		m_family(o, "stream_silent", "gauge",
			 "1 when the stream is silent (reported once, then "
			 "dropped)");
		for (unsigned int k = 0; k < u; k++) {
			m_series(o, "stream_silent", M_STREAM_LABELS(&v[k]),
				 NULL);
			m_u64(o, v[k].i.silent);
		}
		m_stream_typed(o, v, u, "stream_messages_total",
			       "Messages of the stream, by messageType",
			       offsetof(struct streams_info, msgs), false,
			       false);
		m_stream_typed(o, v, u, "stream_seq_gaps_total",
			       "sequenceIds that never arrived",
			       offsetof(struct streams_info, gaps), true,
			       false);
		m_stream_typed(o, v, u, "stream_duplicates_total",
			       "sequenceIds that arrived twice",
			       offsetof(struct streams_info, dups), true, true);
		m_stream_typed(o, v, u, "stream_reordered_total",
			       "sequenceIds that arrived late",
			       offsetof(struct streams_info, reordered), true,
			       false);
#define P(name, field, help)                                                   \
	m_stream_plain(o, v, u, name, "counter", help,                         \
		       offsetof(struct streams_info, field))
		P("stream_two_step_sync_total", two_step, "Two-step SYNCs");
		P("stream_missing_follow_up_total", missing_fup,
		  "Two-step SYNCs whose FOLLOW_UP never came");
		P("stream_orphan_follow_up_total", orphan_fup,
		  "FOLLOW_UPs without their SYNC");
		P("stream_seq_resets_total", seq_resets,
		  "sequenceId jumps that re-anchored the sequence (a restarted "
		  "sender)");
		P("stream_missing_hw_total", missing_hw,
		  "Event messages without a NIC stamp while NIC stamps are in "
		  "force");
		P("stream_event_messages_total", events,
		  "Event messages while NIC stamps are in force");
		P("stream_delay_resp_received_total", delay_resp_for,
		  "DELAY_RESPs naming this stream as the requester");
#undef P
	}
	free(v);
	return 0;
}

/*
 * The text's buffer behind a FILE: glibc's open_memstream grows a few
 * bytes at a time and zero-fills each step (a 150 KB file cost 1.4 ms of
 * memset and memmove); this one doubles, and stdio's own buffer in
 * front of it batches the small writes.
 */
struct mtext {
	char *buf;
	size_t len, size;
};

static ssize_t m_text_write(void *cookie, const char *p, size_t n)
{
	struct mtext *t = cookie;

	if (t->len + n + 1 > t->size) {
		size_t size = t->size ? t->size : 16384;
		char *b;

		while (t->len + n + 1 > size) {
			size *= 2;
		}
		b = realloc(t->buf, size);
		if (!b) {
			errno = ENOMEM;
			return -1;
		}
		t->buf = b;
		t->size = size;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return (ssize_t)n;
}

int metrics_format(const struct metrics_snapshot *m, char **text, size_t *len)
{
	static const cookie_io_functions_t io = {.write = m_text_write};
	struct mout o = {.m = m};
	struct mtext t = {0};
	int r;

	o.f = fopencookie(&t, "w", io);
	if (!o.f) {
		return -ENOMEM;
	}
	/* one thread: no stream lock per character */
	__fsetlocking(o.f, FSETLOCKING_BYCALLER);
	m_daemon(&o);
	m_sync(&o);
	m_clock(&o);
	r = m_streams(&o);
	if (ferror(o.f)) {
		r = -ENOMEM;
	}
	if (fclose(o.f) != 0 && !r) {
		r = -ENOMEM;
	}
	if (!r && !t.buf) {
		r = m_text_write(&t, "", 0) < 0 ? -ENOMEM : 0;
	}
	if (r) {
		free(t.buf);
		return r;
	}
	*text = t.buf;
	*len = t.len;
	return 0;
}

/* ---- the file --------------------------------------------------------- */

int metrics_tmp_path(const char *path, char *out, size_t size)
{
	int n = snprintf(out, size, "%s.tmp", path);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int m_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * No fsync: rename(2) is what makes the replacement atomic for readers;
 * fsync would only make it durable across a power loss, which a file
 * rewritten every --status-interval does not need, and a disk flush
 * every second is not what a time-critical host wants.
 */
int metrics_write_file(const char *path, const char *text, size_t len,
		       const char **what)
{
	char tmp[4096];
	int fd, r;

	r = metrics_tmp_path(path, tmp, sizeof(tmp));
	if (r) {
		*what = "path";
		return r;
	}
	/* A leftover (a crash between open and rename) or anything planted
	 * there is removed, and O_EXCL | O_NOFOLLOW create our own file. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		*what = "unlink";
		return -errno;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		*what = "open";
		return -errno;
	}
	/* 0644 whatever the umask: node_exporter runs as another user */
	if (fchmod(fd, 0644) < 0) {
		*what = "fchmod";
		r = -errno;
	}
	if (!r) {
		r = m_write_all(fd, text, len);
		if (r) {
			*what = "write";
		}
	}
	/* a network filesystem may report a failed write only here */
	if (close(fd) < 0 && !r) {
		*what = "close";
		r = -errno;
	}
	if (!r && rename(tmp, path) < 0) {
		*what = "rename";
		r = -errno;
	}
	if (r) {
		unlink(tmp);
	}
	return r;
}

struct metrics_writer {
	char *path;
	uint64_t failures;
	bool failing;
	struct ratelimit rl;
};

int metrics_writer_new(struct metrics_writer **wp, const char *path)
{
	struct metrics_writer *w;
	char tmp[4096];

	if (metrics_tmp_path(path, tmp, sizeof(tmp))) {
		return -ENAMETOOLONG;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return -ENOMEM;
	}
	w->rl = (struct ratelimit)RATELIMIT_INIT(METRICS_LOG_INTERVAL_NS, 1);
	*wp = w;
	return 0;
}

void metrics_writer_free(struct metrics_writer *w)
{
	if (!w) {
		return;
	}
	free(w->path);
	free(w);
}

int metrics_writer_write(struct metrics_writer *w, struct metrics_snapshot *m,
			 uint64_t now_ns)
{
	const char *what = "format";
	unsigned int suppressed;
	char *text = NULL;
	size_t len = 0;
	int r;

	m->write_failures = w->failures;
	r = metrics_format(m, &text, &len);
	if (!r) {
		r = metrics_write_file(w->path, text, len, &what);
	}
	free(text);
	if (!r) {
		if (w->failing) {
			log_notice("metrics file %s: written again", w->path);
		}
		w->failing = false;
		return 0;
	}
	w->failures++;
	w->failing = true;
	if (ratelimit_ok(&w->rl, now_ns, &suppressed)) {
		/* each step but formatting works on the temporary file */
		bool tmp = strcmp(what, "format") != 0;

		log_warning("metrics file %s: %s%s%s%s: %s (tried again every "
			    "--status-interval; %llu failures so far)",
			    w->path, what, tmp ? " " : "", tmp ? w->path : "",
			    tmp ? ".tmp" : "", strerror(-r),
			    (unsigned long long)w->failures);
	}
	return r;
}
