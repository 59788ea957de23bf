// SPDX-License-Identifier: MIT
/*
 * metrics: the exact text of a small snapshot, label escaping, absent
 * figures left out (family and all), ns as exact decimal seconds, the
 * per-stream series and their cap, and the atomic file writer (mode,
 * no temporary file left, the old file kept when a write fails).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"

static char *fmt(const struct metrics_snapshot *m)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(metrics_format(m, &text, &len), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_int_equal(text[len - 1], '\n');
	return text;
}

/* @line (without its \n) is one whole line of @text. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n') {
			return true;
		}
		p++;
	}
	return false;
}

static void test_exact_minimal(void **state)
{
	const struct metrics_snapshot m = {
		.iface = "eth0",
		.version = "0.1.0",
		.time_ns = 1796159058355637479LL,
		.uptime_s = 42,
		.has_link = true,
		.link_up = true,
		.has_stamping = true,
		.hw = false,
		.clients = 2,
		.write_failures = 3,
	};
	static const char want[] =
		"# HELP tblk_ptp_build_info The daemon's version, as a label; "
		"always 1\n"
		"# TYPE tblk_ptp_build_info gauge\n"
		"tblk_ptp_build_info{interface=\"eth0\",version=\"0.1.0\"} 1\n"
		"# HELP tblk_ptp_metrics_timestamp_seconds When this file was "
		"written (CLOCK_REALTIME); older than a few --status-interval: "
		"the daemon is not running\n"
		"# TYPE tblk_ptp_metrics_timestamp_seconds gauge\n"
		"tblk_ptp_metrics_timestamp_seconds{interface=\"eth0\"} "
		"1796159058.355637479\n"
		"# HELP tblk_ptp_uptime_seconds Seconds since the daemon "
		"started\n"
		"# TYPE tblk_ptp_uptime_seconds gauge\n"
		"tblk_ptp_uptime_seconds{interface=\"eth0\"} 42\n"
		"# HELP tblk_ptp_link_up 1 when the interface is up\n"
		"# TYPE tblk_ptp_link_up gauge\n"
		"tblk_ptp_link_up{interface=\"eth0\"} 1\n"
		"# HELP tblk_ptp_hardware_stamping 1 when NIC (hardware) "
		"stamps are in force, 0 for kernel software stamps\n"
		"# TYPE tblk_ptp_hardware_stamping gauge\n"
		"tblk_ptp_hardware_stamping{interface=\"eth0\"} 0\n"
		"# HELP tblk_ptp_clients Clients connected\n"
		"# TYPE tblk_ptp_clients gauge\n"
		"tblk_ptp_clients{interface=\"eth0\"} 2\n"
		"# HELP tblk_ptp_metrics_write_failures_total Metrics files "
		"that could not be written\n"
		"# TYPE tblk_ptp_metrics_write_failures_total counter\n"
		"tblk_ptp_metrics_write_failures_total{interface=\"eth0\"} 3\n"
		"# HELP tblk_ptp_sync_state ptp4l's sync state as the daemon "
		"judges it (SPEC section 11): 1 for the current state\n"
		"# TYPE tblk_ptp_sync_state gauge\n"
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"locked\"} 0\n"
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"holdover\"} 0\n"
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"freerun\"} 0\n"
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"master\"} 0\n"
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"unknown\"} 1\n";
	char *text = fmt(&m);

	(void)state;
	assert_string_equal(text, want);
	free(text);
}

static void test_counters_all_named(void **state)
{
	struct counters c;
	struct metrics_snapshot m = {.iface = "eth0", .counters = &c};
	static const char *const names[] = {
		"rx",	       "tx",	       "rx_hw",
		"rx_sw",       "missing_hw",   "malformed",
		"truncated",   "filtered",     "kernel_drops",
		"tx_timeouts", "client_drops", "clients_refused",
		"frames_out",  "unstamped",    "rejected",
	};
	uint64_t *v = (uint64_t *)&c;
	char *text;

	(void)state;
	/* every field a distinct value: each name maps to its own field */
	assert_int_equal(sizeof(c), sizeof(names) / sizeof(names[0]) * 8);
	for (size_t i = 0; i < sizeof(c) / 8; i++) {
		v[i] = 1000 + i;
	}
	text = fmt(&m);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[128], type[128];

		snprintf(line, sizeof(line),
			 "tblk_ptp_%s_total{interface=\"eth0\"} %zu", names[i],
			 1000 + i);
		snprintf(type, sizeof(type), "# TYPE tblk_ptp_%s_total counter",
			 names[i]);
		assert_true(has_line(text, line));
		assert_true(has_line(text, type));
	}
	assert_non_null(strstr(text, "(status key kernelDrops)\n"));
	free(text);
}

static void test_escaping(void **state)
{
	const struct metrics_snapshot m = {
		.iface = "e\"t\\h\n0",
		.version = "v\"1",
		.sync_state = "locked",
		.port_state = "SLAVE",
		.gm = "aa\\bb",
	};
	char out[64];
	char *text;

	(void)state;
	assert_string_equal(
		metrics_escape_label("a\"b\\c\nd", out, sizeof(out)),
		"a\\\"b\\\\c\\nd");
	assert_string_equal(
		metrics_escape_label("plain ünïcode", out, sizeof(out)),
		"plain ünïcode");
	/* too small: cut at a whole escape, always terminated */
	assert_string_equal(metrics_escape_label("ab\"cd", out, 5), "ab");
	text = fmt(&m);
	assert_true(has_line(text, "tblk_ptp_build_info{interface=\"e\\\"t\\\\h"
				   "\\n0\",version=\"v\\\"1\"} 1"));
	assert_true(has_line(text, "tblk_ptp_sync_state{interface=\"e\\\"t\\\\"
				   "h\\n0\",state=\"locked\"} 1"));
	assert_true(has_line(text, "tblk_ptp_grandmaster_info{interface=\"e"
				   "\\\"t\\\\h\\n0\",gm=\"aa\\\\bb\"} 1"));
	free(text);
}

static void test_sync_and_clock(void **state)
{
	const struct metrics_snapshot m = {
		.iface = "eth0",
		.sync_state = "holdover",
		.port_state = "SLAVE",
		.gm = "aabbcc.fffe.ddeeff",
		.has_offset = true,
		.offset_ns = -1234,
		.has_mean_path_delay = true,
		.mean_path_delay_ns = 2300,
		.has_steps_removed = true,
		.steps_removed = 1,
		.has_clock_class = true,
		.clock_class = 248,
		.has_utc_offset = true,
		.utc_offset_s = 37,
		.utc_offset_valid = false,
		.has_time_flags = true,
		.ptp_timescale = true,
		.time_traceable = false,
		.phc_device = "/dev/ptp0",
		.clock_name = "ena-ptp-0",
		.phc_method = "extended",
		.timescale = NULL,
		.has_reading = true,
		.phc_offset_ns = -37000000000LL,
		.uncertainty_ns = 125,
		.window_ns = 250,
		.reading_age_ns = 1500000000ULL,
		.has_drift = true,
		.drift_ppb = -20000,
		.has_error_bound = true,
		.error_bound_ns = 26000,
		.has_readings = true,
		.readings = 10,
		.readings_discarded = 1,
	};
	char *text = fmt(&m);

	(void)state;
	assert_true(has_line(text, "tblk_ptp_sync_state{interface=\"eth0\","
				   "state=\"holdover\"} 1"));
	assert_true(has_line(
		text,
		"tblk_ptp_sync_state{interface=\"eth0\",state=\"locked\"} 0"));
	assert_true(has_line(
		text,
		"tblk_ptp_port_state{interface=\"eth0\",state=\"SLAVE\"} 1"));
	assert_true(has_line(text, "tblk_ptp_port_state{interface=\"eth0\","
				   "state=\"LISTENING\"} 0"));
	assert_true(has_line(text, "tblk_ptp_grandmaster_info{interface=\"eth0"
				   "\",gm=\"aabbcc.fffe.ddeeff\"} 1"));
	assert_true(has_line(text, "tblk_ptp_offset_from_master_seconds{"
				   "interface=\"eth0\"} -0.000001234"));
	assert_true(has_line(text, "tblk_ptp_mean_path_delay_seconds{"
				   "interface=\"eth0\"} 0.0000023"));
	assert_true(
		has_line(text, "tblk_ptp_steps_removed{interface=\"eth0\"} 1"));
	assert_true(
		has_line(text, "tblk_ptp_clock_class{interface=\"eth0\"} 248"));
	assert_true(has_line(
		text, "tblk_ptp_utc_offset_seconds{interface=\"eth0\"} 37"));
	assert_true(has_line(
		text, "tblk_ptp_utc_offset_valid{interface=\"eth0\"} 0"));
	assert_true(
		has_line(text, "tblk_ptp_ptp_timescale{interface=\"eth0\"} 1"));
	assert_true(has_line(text,
			     "tblk_ptp_time_traceable{interface=\"eth0\"} 0"));
	/* a NULL label (timescale) is left out, not written empty */
	assert_true(has_line(text, "tblk_ptp_phc_info{interface=\"eth0\","
				   "device=\"/dev/ptp0\",clock_name=\"ena-ptp-"
				   "0\",method=\"extended\"} 1"));
	assert_true(has_line(
		text, "tblk_ptp_phc_offset_seconds{interface=\"eth0\"} -37"));
	assert_true(has_line(text, "tblk_ptp_phc_reading_uncertainty_seconds{"
				   "interface=\"eth0\"} 0.000000125"));
	assert_true(has_line(text, "tblk_ptp_phc_reading_window_seconds{"
				   "interface=\"eth0\"} 0.00000025"));
	assert_true(has_line(text, "tblk_ptp_phc_reading_age_seconds{"
				   "interface=\"eth0\"} 1.5"));
	assert_true(has_line(text, "tblk_ptp_phc_drift_ratio{interface=\"eth0"
				   "\"} -2.0000000000000002e-05"));
	assert_true(has_line(text, "tblk_ptp_phc_error_bound_seconds{"
				   "interface=\"eth0\"} 0.000026"));
	assert_true(has_line(
		text, "tblk_ptp_phc_readings_total{interface=\"eth0\"} 10"));
	assert_true(has_line(text, "tblk_ptp_phc_readings_discarded_total{"
				   "interface=\"eth0\"} 1"));
	free(text);
}

static void test_absent_left_out(void **state)
{
	/* PHC-only mode: no interface label at all */
	struct metrics_snapshot m = {
		.version = "0.1.0",
		.sync_state = "ptp4l-knows-better", /* not a listed state */
		.has_drift = true,
		.drift_ppb = NAN,
		.time_ns = -1500000000LL,
	};
	char *text = fmt(&m);

	(void)state;
	assert_true(has_line(text, "tblk_ptp_build_info{version=\"0.1.0\"} 1"));
	assert_true(has_line(text, "tblk_ptp_uptime_seconds 0"));
	assert_true(has_line(text, "tblk_ptp_metrics_timestamp_seconds -1.5"));
	assert_true(has_line(text, "tblk_ptp_clients 0"));
	/* every listed state 0, the unlisted current one 1 */
	assert_true(has_line(text, "tblk_ptp_sync_state{state=\"unknown\"} 0"));
	assert_true(has_line(
		text, "tblk_ptp_sync_state{state=\"ptp4l-knows-better\"} 1"));
	/* absent: no family, not even its HELP */
	assert_null(strstr(text, "link_up"));
	assert_null(strstr(text, "hardware_stamping"));
	assert_null(strstr(text, "_total{"));
	assert_null(strstr(text, "tblk_ptp_rx_total"));
	assert_null(strstr(text, "port_state"));
	assert_null(strstr(text, "grandmaster"));
	assert_null(strstr(text, "offset"));
	assert_null(strstr(text, "timescale"));
	assert_null(strstr(text, "traceable"));
	assert_null(strstr(text, "phc_"));
	assert_null(strstr(text, "NaN"));
	assert_null(strstr(text, "stream"));
	free(text);
}

/* ---- streams ---------------------------------------------------------- */

static void feed_on(struct streams *st, enum pkt_transport tr,
		    const struct ptp_port_id *src, unsigned int type,
		    uint16_t seq, uint8_t domain, uint64_t now)
{
	struct classify_result r;

	memset(&r, 0, sizeof(r));
	r.verdict = CLASSIFY_FRAME;
	r.pkt.transport = tr;
	r.pkt.vlan = -1;
	r.msg.hdr.msg_type = (uint8_t)type;
	r.msg.hdr.version = 2;
	r.msg.hdr.domain = domain;
	r.msg.hdr.src = *src;
	r.msg.hdr.seq_id = seq;
	r.msg.hdr.flags = type == PTP_SYNC ? PTP_FLAG_TWO_STEP : 0;
	r.msg.hdr.log_interval = -3;
	r.have_sw = true;
	r.sw.tv_sec = (time_t)(now / 1000000000ULL);
	r.sw.tv_nsec = (long)(now % 1000000000ULL);
	r.stamp = r.sw;
	streams_rx(st, &r, now);
}

static void feed(struct streams *st, const struct ptp_port_id *src,
		 unsigned int type, uint16_t seq, uint8_t domain, uint64_t now)
{
	feed_on(st, PKT_UDP4, src, type, seq, domain, now);
}

static const struct ptp_port_id gm_a = {
	{0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff}, 1};
static const struct ptp_port_id gm_b = {
	{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}, 1};
static const struct ptp_port_id spray = {
	{0x66, 0x66, 0x66, 0xff, 0xfe, 0x66, 0x66, 0x66}, 7};

#define T0 1000000000000ULL
#define MS 1000000ULL

static void test_streams(void **state)
{
	struct streams *st;
	struct metrics_snapshot m = {.iface = "eth0"};
	char *text;

	(void)state;
	assert_int_equal(streams_new(&st, 8), 0);
	/* gm_a: SYNC 0..9 with seqId 4 missing and FOLLOW_UPs but for 0 */
	for (uint16_t i = 0; i < 10; i++) {
		if (i == 4) {
			continue;
		}
		feed(st, &gm_a, PTP_SYNC, i, 0, T0 + i * 125 * MS);
		if (i) {
			feed(st, &gm_a, PTP_FOLLOW_UP, i, 0,
			     T0 + i * 125 * MS + 1);
		}
	}
	/* a duplicate FOLLOW_UP */
	feed(st, &gm_a, PTP_FOLLOW_UP, 9, 0, T0 + 9 * 125 * MS + 2);
	/* gm_b in domain 24: 3 ANNOUNCE; spray: one SIGNALING */
	for (uint16_t i = 0; i < 3; i++) {
		feed(st, &gm_b, PTP_ANNOUNCE, i, 24, T0 + i * MS);
	}
	feed(st, &spray, PTP_SIGNALING, 5, 0, T0);
	m.streams = st;
	text = fmt(&m);
#define A                                                                      \
	"interface=\"eth0\",domain=\"0\",src=\"aabbcc.fffe.ddeeff-1\","        \
	"transport=\"udp4\""
#define B                                                                      \
	"interface=\"eth0\",domain=\"24\",src=\"001122.fffe.334455-1\","       \
	"transport=\"udp4\""
	assert_true(has_line(text, "tblk_ptp_streams{interface=\"eth0\"} 3"));
	assert_true(has_line(
		text, "tblk_ptp_streams_capacity{interface=\"eth0\"} 8"));
	assert_true(has_line(text,
			     "tblk_ptp_streams_masters{interface=\"eth0\"}"
			     " 2"));
	/* two masters, but in two domains */
	assert_true(has_line(text, "tblk_ptp_streams_extra_masters{interface="
				   "\"eth0\"} 0"));
	assert_true(has_line(text, "tblk_ptp_metrics_streams_omitted{interface"
				   "=\"eth0\"} 0"));
	assert_true(has_line(text,
			     "tblk_ptp_stream_info{" A ",role=\"master\"} 1"));
	assert_true(has_line(text, "tblk_ptp_stream_messages_total{" A
				   ",msg_type=\"sync\"} 9"));
	assert_true(has_line(text, "tblk_ptp_stream_messages_total{" A
				   ",msg_type=\"followUp\"} 9"));
	assert_true(has_line(text, "tblk_ptp_stream_messages_total{" A
				   ",msg_type=\"delayResp\"} 0"));
	assert_true(
		has_line(text, "tblk_ptp_stream_two_step_sync_total{" A "} 9"));
	assert_true(has_line(text, "tblk_ptp_stream_duplicates_total{" A
				   ",msg_type=\"followUp\"} 1"));
	assert_true(has_line(text, "tblk_ptp_stream_messages_total{" B
				   ",msg_type=\"announce\"} 3"));
	assert_true(has_line(text, "tblk_ptp_stream_silent{" B "} 0"));
	/* gaps and reorderings only for the sender's own seqIds */
	assert_null(strstr(text, "seq_gaps_total{" A ",msg_type=\"followUp\""));
	assert_null(strstr(text, "reordered_total{" A ",msg_type=\"delayResp"));
	assert_true(has_line(text, "tblk_ptp_stream_seq_gaps_total{" A
				   ",msg_type=\"sync\"} 0"));
	free(text);

	/* seqId 4 leaves the reorder window: a gap; SYNC 0 gets no
	 * FOLLOW_UP within a second: missing */
	for (uint16_t i = 10; i < 20; i++) {
		feed(st, &gm_a, PTP_SYNC, i, 0, T0 + i * 125 * MS);
		feed(st, &gm_a, PTP_FOLLOW_UP, i, 0, T0 + i * 125 * MS + 1);
	}
	streams_expire(st, T0 + 20 * 125 * MS);
	/* cap 2: the spray (1 message) is left out, counted */
	m.streams_max = 2;
	text = fmt(&m);
	assert_true(has_line(text, "tblk_ptp_stream_seq_gaps_total{" A
				   ",msg_type=\"sync\"} 1"));
	assert_true(has_line(text, "tblk_ptp_stream_missing_follow_up_total{" A
				   "} 1"));
	assert_true(has_line(text, "tblk_ptp_metrics_streams_max{interface="
				   "\"eth0\"} 2"));
	assert_true(has_line(text, "tblk_ptp_metrics_streams_omitted{interface"
				   "=\"eth0\"} 1"));
	assert_null(strstr(text, "666666.fffe.666666-7"));
	assert_non_null(strstr(text, "001122.fffe.334455-1"));
	/* gm_b went silent (no message for > 3 s of its 1 s default) */
	assert_true(has_line(text, "tblk_ptp_stream_silent{" B "} 1"));
	/* each family once, in one block: no TYPE line repeats */
	{
		const char *p = text;
		unsigned int types = 0;

		while ((p = strstr(p,
				   "# TYPE tblk_ptp_stream_messages_total"))) {
			types++;
			p++;
		}
		assert_int_equal(types, 1);
	}
	free(text);

	/* cap 0 in the snapshot is METRICS_STREAMS_MAX */
	m.streams_max = 0;
	text = fmt(&m);
	assert_true(has_line(text, "tblk_ptp_metrics_streams_max{interface="
				   "\"eth0\"} 32"));
	free(text);
#undef A
#undef B
	streams_free(st);
}

/* extraMasters: per domain, portIdentities beyond the first; one seen
 * on two transports is one master (the summary's one-pass count). */
static void test_streams_extra_masters(void **state)
{
	struct streams *st;
	struct streams_summary sum;
	struct ptp_port_id c = gm_b;

	(void)state;
	c.clock_id[7] = 0x99;
	assert_int_equal(streams_new(&st, 16), 0);
	feed_on(st, PKT_UDP4, &gm_a, PTP_SYNC, 1, 0, T0);
	feed_on(st, PKT_L2, &gm_a, PTP_ANNOUNCE, 1, 0, T0 + 1);
	feed_on(st, PKT_UDP6, &gm_a, PTP_SIGNALING, 1, 0, T0 + 2);
	assert_int_equal(streams_summary(st, &sum), 0);
	assert_int_equal(sum.masters, 2);
	assert_int_equal(sum.extra_masters, 0);
	feed_on(st, PKT_UDP4, &gm_b, PTP_SYNC, 1, 0, T0 + 3);
	feed_on(st, PKT_UDP4, &c, PTP_ANNOUNCE, 1, 0, T0 + 4);
	feed_on(st, PKT_L2, &c, PTP_ANNOUNCE, 1, 0, T0 + 5);
	feed_on(st, PKT_UDP4, &spray, PTP_SYNC, 1, 1, T0 + 6);
	feed_on(st, PKT_UDP4, &gm_a, PTP_SYNC, 1, 1, T0 + 7);
	assert_int_equal(streams_summary(st, &sum), 0);
	assert_int_equal(sum.count, 8);
	assert_int_equal(sum.masters, 7);
	/* domain 0: gm_a, gm_b, c -> 2; domain 1: spray, gm_a -> 1 */
	assert_int_equal(sum.extra_masters, 3);
	streams_free(st);
}

/* 10,000 identities in the table: the file stays bounded. */
static void test_streams_cap_spray(void **state)
{
	struct streams *st;
	struct metrics_snapshot m = {.iface = "eth0", .streams_max = 4};
	char *text;
	size_t lines = 0;

	(void)state;
	assert_int_equal(streams_new(&st, 10000), 0);
	for (unsigned int i = 0; i < 10000; i++) {
		struct ptp_port_id id = spray;

		id.clock_id[0] = (uint8_t)(i >> 8);
		id.clock_id[1] = (uint8_t)i;
		feed(st, &id, PTP_SIGNALING, 1, 0, T0 + i);
	}
	for (uint16_t i = 0; i < 20; i++) {
		feed(st, &gm_a, PTP_SYNC, i, 0, T0 + 10000 + i);
	}
	m.streams = st;
	text = fmt(&m);
	assert_true(
		has_line(text, "tblk_ptp_streams{interface=\"eth0\"} 10000"));
	assert_true(has_line(text, "tblk_ptp_metrics_streams_omitted{interface"
				   "=\"eth0\"} 9996"));
	/* the real master is among the four written */
	assert_non_null(strstr(text, "src=\"aabbcc.fffe.ddeeff-1\""));
	for (const char *p = text; *p; p++) {
		lines += *p == '\n';
	}
	assert_true(lines < 400);
	free(text);
	streams_free(st);
}

/* ---- the file --------------------------------------------------------- */

static void test_write_file(void **state)
{
	char dir[] = "/tmp/tblk-metrics-XXXXXX", path[256], tmp[256], buf[64];
	const char *what = NULL;
	struct stat sb;
	mode_t old;
	int fd;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tblk.prom", dir);
	assert_int_equal(metrics_tmp_path(path, tmp, sizeof(tmp)), 0);
	assert_true(strlen(tmp) > 5);
	assert_string_not_equal(tmp + strlen(tmp) - 5, ".prom");
	assert_int_equal(metrics_tmp_path(path, tmp, 10), -ENAMETOOLONG);
	assert_int_equal(metrics_tmp_path(path, tmp, sizeof(tmp)), 0);

	/* 0644 even under a strict umask; a stale temp file is replaced */
	old = umask(077);
	fd = open(tmp, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(metrics_write_file(path, "a 1\n", 4, &what), 0);
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(sb.st_size, 4);
	assert_int_equal(access(tmp, F_OK), -1);

	/* a failed write leaves the old file as it was (and no temp file) */
	assert_int_equal(mkdir(tmp, 0755), 0);
	assert_int_equal(metrics_write_file(path, "b 2\n", 4, &what), -EISDIR);
	assert_string_equal(what, "unlink");
	assert_int_equal(rmdir(tmp), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "a 1\n", 4);

	/* the writer counts failures into the next file it writes */
	{
		struct metrics_writer *w;
		struct metrics_snapshot m = {.iface = "x"};
		char sub[256], bad[300];

		snprintf(sub, sizeof(sub), "%s/later", dir);
		snprintf(bad, sizeof(bad), "%s/tblk.prom", sub);
		assert_int_equal(metrics_writer_new(&w, bad), 0);
		assert_int_equal(metrics_writer_write(w, &m, 1), -ENOENT);
		assert_int_equal(metrics_writer_write(w, &m, 2), -ENOENT);
		assert_int_equal(mkdir(sub, 0755), 0);
		assert_int_equal(metrics_writer_write(w, &m, 3), 0);
		assert_int_equal(m.write_failures, 2);
		metrics_writer_free(w);
		fd = open(bad, O_RDONLY);
		assert_true(fd >= 0);
		{
			char all[8192];
			ssize_t k = read(fd, all, sizeof(all) - 1);

			assert_true(k > 0);
			all[k] = '\0';
			assert_true(has_line(all, "tblk_ptp_metrics_write_"
						  "failures_total{interface="
						  "\"x\"} 2"));
		}
		close(fd);
		unlink(bad);
		rmdir(sub);
	}
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_minimal),
		cmocka_unit_test(test_counters_all_named),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_sync_and_clock),
		cmocka_unit_test(test_absent_left_out),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_streams_extra_masters),
		cmocka_unit_test(test_streams_cap_spray),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
