// SPDX-License-Identifier: MIT
/*
 * The ptp4l UDS client (ptp4l.c) against a fake ptp4l: a datagram socket
 * bound in a temporary directory that reads the client's requests and
 * answers with the real ptp4l 3.1.1 replies of tests/data/mgmt, their
 * targetPortIdentity, sequenceId and clockIdentity patched. Checks which
 * replies are taken as answers (target, sequenceId, clockIdentity, push)
 * and that 3 s of silence make syncState unknown. Run from the source
 * tree's top (make unit does).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "evloop.h"
#include "ptp4l.h"

#define MS 1000000ULL

static const uint8_t PTP4L_ID[8] = {0x02, 0x53, 0x40, 0xff,
				    0xfe, 0xf1, 0xe2, 0x75};

struct fake {
	char dir[64];
	char path[96];
	int fd;
	struct sockaddr_un client;
	socklen_t client_len;
	struct evloop *loop;
	struct ptp4l *p;
	unsigned int changes;
	struct ptp4l_view last;
};

static void fake_changed(void *arg, const struct ptp4l_view *v)
{
	struct fake *f = arg;

	f->changes++;
	f->last = *v;
}

static size_t blob(const char *name, uint8_t *buf, size_t size)
{
	char path[128];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "tests/data/mgmt/%s.bin", name);
	fp = fopen(path, "rb");
	if (!fp) {
		fail_msg("%s: %s (run from the source tree's top)", path,
			 strerror(errno));
	}
	n = fread(buf, 1, size, fp);
	fclose(fp);
	return n;
}

/* The next request of the client, within 2 s; returns its length. */
static size_t fake_request(struct fake *f, uint8_t *buf, size_t size)
{
	struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 2000), 1);
	f->client_len = sizeof(f->client);
	n = recvfrom(f->fd, buf, size, 0, (struct sockaddr *)&f->client,
		     &f->client_len);
	assert_true(n >= 54);
	return (size_t)n;
}

/* Answer @req with blob @name: target = the requester, its sequenceId
 * (+ @seq_delta), sourcePortIdentity.clockIdentity @src. */
static void fake_answer(struct fake *f, const uint8_t *req, const char *name,
			const uint8_t *src, int seq_delta, bool wrong_target)
{
	uint8_t b[512];
	size_t n = blob(name, b, sizeof(b));
	unsigned int seq = ((unsigned int)req[30] << 8 | req[31]) +
			   (unsigned int)seq_delta;

	memcpy(b + 20, src, 8);
	b[30] = (uint8_t)(seq >> 8);
	b[31] = (uint8_t)seq;
	memcpy(b + 34, req + 20, 10); /* targetPortIdentity = requester */
	if (wrong_target) {
		b[43] ^= 1;
	}
	assert_int_equal(sendto(f->fd, b, n, 0, (struct sockaddr *)&f->client,
				f->client_len),
			 (ssize_t)n);
}

static uint16_t req_id(const uint8_t *req)
{
	return (uint16_t)(req[52] << 8 | req[53]);
}

static void stop_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	ev_stop(loop);
}

/* Run the loop for @ms milliseconds. */
static void run_for(struct fake *f, uint64_t ms)
{
	int t = ev_timer_new(f->loop, stop_cb, NULL);

	assert_true(t >= 0);
	ev_timer_arm(f->loop, t, ms * MS, 0);
	assert_int_equal(ev_run(f->loop), 0);
	ev_timer_free(f->loop, t);
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ptp4l_config pc = {
		.iface = "vms17215", /* port_props.bin's */
		.lock_threshold_ns = 100000,
		.holdover_s = 2,
		.on_sync = fake_changed,
	};

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_ptp4l.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ptp4l", f->dir);
	strcpy(sa.sun_path, f->path);
	f->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(ev_new(&f->loop), 0);
	pc.path = f->path;
	pc.arg = f;
	assert_int_equal(ptp4l_new(&f->p, f->loop, &pc), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	ptp4l_free(f->p);
	ev_free(f->loop);
	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The four requests of a connect, answered: SUBSCRIBE_EVENTS_NP, then
 * PORT_PROPERTIES_NP, PARENT_DATA_SET, TIME_PROPERTIES_DATA_SET. */
static void connect_round(struct fake *f, bool answer_props)
{
	static const struct {
		uint16_t id;
		const char *blob;
	} want[] = {
		{PTP_MID_SUBSCRIBE_EVENTS_NP, "subscribe"},
		{PTP_MID_PORT_PROPERTIES_NP, "port_props"},
		{PTP_MID_PARENT_DATA_SET, "parent_ds"},
		{PTP_MID_TIME_PROPERTIES_DATA_SET, "time_prop_ds"},
	};
	uint8_t req[256];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		fake_request(f, req, sizeof(req));
		assert_int_equal(req_id(req), want[i].id);
		/* boundaryHops 0, GET but for the subscription's SET */
		assert_int_equal(req[45], 0);
		assert_int_equal(req[46] & 0x0f, i == 0 ? 1 : 0);
		if (i != 1 || answer_props) {
			fake_answer(f, req, want[i].blob, PTP4L_ID, 0, false);
		}
	}
}

static void test_connect_and_follow(void **state)
{
	struct fake *f = *state;
	const struct ptp4l_view *v = ptp4l_view(f->p);

	assert_int_equal(v->state, SYNC_UNKNOWN);
	connect_round(f, true);
	run_for(f, 50);
	assert_int_equal(v->state, SYNC_FREERUN);
	assert_int_equal(v->on_iface, PTP4L_PORT_YES);
	assert_true(v->have_port);
	assert_int_equal(v->port_number, 1);
	assert_int_equal(v->port_state, PTP_PS_SLAVE);
	assert_true(v->have_gm && v->have_parent && v->have_time_props);
	assert_int_equal(v->time_props.current_utc_offset, 37);
	assert_true(f->changes >= 1);
	assert_int_equal(f->last.state, SYNC_FREERUN);
}

/* Wrong target, a stale sequenceId, another clockIdentity: dropped;
 * a push (boundaryHops 1) with a sequence of its own: taken. */
static void test_filters(void **state)
{
	static const uint8_t other[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct fake *f = *state;
	const struct ptp4l_view *v = ptp4l_view(f->p);
	uint8_t req[256], push[256];
	size_t n;

	connect_round(f, true);
	run_for(f, 50);
	/* the first second's three GETs */
	run_for(f, 1000);
	fake_request(f, req, sizeof(req));
	assert_int_equal(req_id(req), PTP_MID_PORT_DATA_SET);
	fake_request(f, req, sizeof(req));
	assert_int_equal(req_id(req), PTP_MID_TIME_STATUS_NP);
	fake_request(f, req, sizeof(req));
	assert_int_equal(req_id(req), PTP_MID_CURRENT_DATA_SET);
	fake_answer(f, req, "current_ds", PTP4L_ID, 0, true);
	fake_answer(f, req, "current_ds", PTP4L_ID, -1, false);
	fake_answer(f, req, "current_ds", other, 0, false);
	run_for(f, 50);
	assert_false(v->have_current);
	fake_answer(f, req, "current_ds", PTP4L_ID, 0, false);
	run_for(f, 50);
	assert_true(v->have_current);
	assert_int_equal(v->offset_ns, 190);
	assert_int_equal(v->mean_path_delay_ns, 2236);

	/* the LISTENING push: hops 1/1, sequenceId 7 of its own */
	n = blob("push_listening", push, sizeof(push));
	memcpy(push + 20, PTP4L_ID, 8);
	memcpy(push + 34, req + 20, 10);
	push[30] = 0;
	push[31] = 7;
	assert_int_equal(sendto(f->fd, push, n, 0,
				(struct sockaddr *)&f->client, f->client_len),
			 (ssize_t)n);
	run_for(f, 50);
	assert_int_equal(v->port_state, PTP_PS_LISTENING);
	assert_string_equal(v->reason, "port 1 LISTENING");
	/* a push answers PARENT_DATA_SET and TIME_STATUS_NP at once */
	fake_request(f, req, sizeof(req));
	assert_int_equal(req_id(req), PTP_MID_PARENT_DATA_SET);
	fake_request(f, req, sizeof(req));
	assert_int_equal(req_id(req), PTP_MID_TIME_STATUS_NP);
}

/* No PORT_PROPERTIES_NP answer: no port followed; asked again each
 * second. 3 s without any answer: unknown (at the next second's check). */
static void test_silence(void **state)
{
	struct fake *f = *state;
	const struct ptp4l_view *v = ptp4l_view(f->p);
	uint8_t req[256];
	unsigned int i, props = 0;

	connect_round(f, false);
	run_for(f, 50);
	assert_int_equal(v->state, SYNC_FREERUN);
	assert_int_equal(v->on_iface, PTP4L_PORT_UNKNOWN);
	assert_false(v->have_port);
	assert_string_equal(v->reason, "no port of ptp4l followed yet");
	/* drained each second: a datagram socket queues only
	 * net.unix.max_dgram_qlen (10) requests */
	for (i = 0; i < 4; i++) {
		/* checked each second: unknown 3 to 4 s after the answer */
		if (i == 2) {
			assert_int_equal(v->state, SYNC_FREERUN);
		}
		run_for(f, i == 3 ? 1100 : 1000);
		while (poll(&(struct pollfd){.fd = f->fd, .events = POLLIN}, 1,
			    0) == 1) {
			fake_request(f, req, sizeof(req));
			props += req_id(req) == PTP_MID_PORT_PROPERTIES_NP;
		}
	}
	assert_int_equal(props, 4);
	assert_int_equal(v->state, SYNC_UNKNOWN);
	assert_int_equal(f->last.state, SYNC_UNKNOWN);
	assert_int_equal(f->last.prev_state, SYNC_FREERUN);
	assert_non_null(strstr(v->reason, "for 3 s"));
}

static void test_next_domain(void **state)
{
	unsigned int seen[256] = {0};
	uint8_t d = 0;
	unsigned int i;

	(void)state;
	assert_int_equal(ptp4l_next_domain(0), 24);
	assert_int_equal(ptp4l_next_domain(24), 44);
	assert_int_equal(ptp4l_next_domain(44), 1);
	assert_int_equal(ptp4l_next_domain(23), 25);
	assert_int_equal(ptp4l_next_domain(255), 0);
	/* every domain once per cycle */
	for (i = 0; i < 256; i++) {
		seen[d]++;
		d = ptp4l_next_domain(d);
	}
	assert_int_equal(d, 0);
	for (i = 0; i < 256; i++) {
		assert_int_equal(seen[i], 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_and_follow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence, setup, teardown),
		cmocka_unit_test(test_next_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
