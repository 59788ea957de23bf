// SPDX-License-Identifier: MIT
/*
 * The active slave on a real event loop with fake send / tx_frame / sample
 * callbacks: an E2E exchange, a Delay_Resp read before its TX stamp, the
 * OPT_ID key resync after the sockets were reopened, a changed identity,
 * TX stamp timeouts. Messages are built as ptp_msg structs (the parser
 * has its own byte-level tests); what the slave sends is parsed back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "evloop.h"
#include "ptp_msg.h"
#include "slave.h"

#define MS 1000000ULL

struct fake {
	struct evloop *loop;
	struct slave *sl;
	struct ptp_port_id self;
	struct ptp_port_id master;
	int guard;
	enum pkt_transport transport; /* what the rx_* helpers arrive on */
	/* what the slave did */
	int sends;
	enum pkt_transport sent_on;
	struct ptp_msg sent; /* the last Delay_Req, parsed back */
	int tx_frames;
	enum pkt_transport tx_on;
	struct ptp_msg tx;
	struct timespec tx_ts;
	int samples;
	struct frame_sample sample;
};

static int fake_send(void *arg, enum pkt_transport t, const uint8_t *buf,
		     size_t len)
{
	struct fake *f = arg;

	assert_int_equal(ptp_msg_parse(buf, len, &f->sent), 0);
	f->sent_on = t;
	f->sends++;
	ev_stop(f->loop);
	return 0;
}

static void fake_tx(void *arg, enum pkt_transport t, const struct ptp_msg *msg,
		    const struct timespec *ts, bool hw)
{
	struct fake *f = arg;

	(void)hw;
	f->tx_on = t;
	f->tx = *msg;
	f->tx_ts = *ts;
	f->tx_frames++;
}

static void fake_sample(void *arg, const struct frame_sample *s)
{
	struct fake *f = arg;

	f->sample = *s;
	f->samples++;
}

static const struct slave_ops fake_ops = {
	.send = fake_send,
	.tx_frame = fake_tx,
	.sample = fake_sample,
};

static void guard_cb(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	ev_stop(loop);
}

static int setup(void **state)
{
	static struct fake f;
	const uint8_t self[8] = {0x02, 0x00, 0x00, 0xff,
				 0xfe, 0x00, 0x00, 0x02};
	const uint8_t gm[8] = {0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01};

	memset(&f, 0, sizeof(f));
	memcpy(f.self.clock_id, self, 8);
	f.self.port = 32767;
	memcpy(f.master.clock_id, gm, 8);
	f.master.port = 1;
	f.transport = PKT_UDP4;
	assert_int_equal(ev_new(&f.loop), 0);
	f.guard = ev_timer_new(f.loop, guard_cb, &f);
	assert_true(f.guard >= 0);
	assert_int_equal(slave_new(&f.sl, f.loop, &f.self, -1, &fake_ops, &f),
			 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	slave_free(f->sl);
	ev_timer_free(f->loop, f->guard);
	ev_free(f->loop);
	return 0;
}

/* Run the loop until the slave sends (or @max_ns passes). */
static void run_until_send(struct fake *f, uint64_t max_ns)
{
	int before = f->sends;

	ev_timer_arm(f->loop, f->guard, max_ns, 0);
	ev_run(f->loop);
	ev_timer_arm(f->loop, f->guard, 0, 0);
	assert_int_equal(f->sends, before + 1);
}

static void run_for(struct fake *f, uint64_t ns)
{
	int before = f->sends;

	ev_timer_arm(f->loop, f->guard, ns, 0);
	ev_run(f->loop);
	/* a send stops the loop early: keep running to the guard */
	while (f->sends != before) {
		before = f->sends;
		ev_run(f->loop);
	}
}

static struct timespec ts(time_t s, long ns)
{
	return (struct timespec){s, ns};
}

static void rx_sync(struct fake *f, uint16_t seq, struct timespec t2)
{
	struct ptp_msg m = {0};

	m.hdr.msg_type = PTP_SYNC;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.seq_id = seq;
	m.hdr.flags = PTP_FLAG_TWO_STEP;
	slave_rx(f->sl, f->transport, &m, &t2, false, &t2);
}

static void rx_follow_up(struct fake *f, uint16_t seq, uint64_t s, uint32_t ns)
{
	struct ptp_msg m = {0};
	struct timespec t = ts(0, 0);

	m.hdr.msg_type = PTP_FOLLOW_UP;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.seq_id = seq;
	m.sync.origin.sec = s;
	m.sync.origin.nsec = ns;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
}

static void rx_delay_resp(struct fake *f, uint16_t seq,
			  const struct ptp_port_id *req, uint64_t s,
			  uint32_t ns)
{
	struct ptp_msg m = {0};
	struct timespec t = ts(0, 0);

	m.hdr.msg_type = PTP_DELAY_RESP;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.seq_id = seq;
	m.hdr.log_interval = -4; /* next Delay_Req in ~62 ms */
	m.resp.ts.sec = s;
	m.resp.ts.nsec = ns;
	m.resp.req_port = *req;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
}

/* slave_exchange(): what streams' "own" object publishes. */
static void assert_exchange(const struct fake *f, uint64_t sent,
			    uint64_t stamps, uint64_t resp)
{
	struct slave_exchange x;

	slave_exchange(f->sl, &x);
	assert_int_equal(x.delay_req_sent, sent);
	assert_int_equal(x.tx_stamps, stamps);
	assert_int_equal(x.delay_resp, resp);
}

/* t1 = 100.000000000 (master), t2 = 100.000002500: ms = 2500 ns */
static void two_step_sync(struct fake *f)
{
	rx_sync(f, 7, ts(100, 2500));
	rx_follow_up(f, 7, 100, 0);
}

static void test_exchange_two_step(void **state)
{
	struct fake *f = *state;

	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	assert_int_equal(f->sent.hdr.msg_type, PTP_DELAY_REQ);
	assert_true(ptp_port_id_equal(&f->sent.hdr.src, &f->self));
	/* t3 = 101.000000000, t4 = 101.000001500: sm = 1500 ns */
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	assert_int_equal(f->tx_frames, 1);
	assert_int_equal(f->tx.hdr.seq_id, f->sent.hdr.seq_id);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
	assert_int_equal(f->sample.seq_id, 7);
	assert_int_equal(f->sample.delay_ns, 2000);
	assert_int_equal(f->sample.offset_ns, 500);
	assert_int_equal(slave_tx_timeouts(f->sl), 0);
	assert_exchange(f, 1, 1, 1);
}

/* Broken: the Delay_Resp answers another port (ptp4l's -1). */
static void test_delay_resp_for_another_port(void **state)
{
	struct fake *f = *state;
	struct ptp_port_id other = f->self;

	other.port = 1;
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	rx_delay_resp(f, f->sent.hdr.seq_id, &other, 101, 1500);
	assert_int_equal(f->samples, 0);
	/* not ours: the stamp is, the response is not */
	assert_exchange(f, 1, 1, 0);
}

/* The general socket can be read before the event socket's error queue:
 * the exchange completes when the stamp arrives. */
static void test_delay_resp_before_stamp(void **state)
{
	struct fake *f = *state;

	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 0);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	assert_int_equal(f->tx_frames, 1);
	assert_int_equal(f->samples, 1);
	assert_int_equal(f->sample.delay_ns, 2000);
}

/* The kernel's count ran ahead of the mirror (it numbered a send that
 * then failed in the device queue), or a socket's count started again:
 * the stamp of the only awaited send is taken with the kernel's key, and
 * the next one matches exactly. */
static void test_key_resync_after_reopen(void **state)
{
	struct fake *f = *state;

	for (uint32_t k = 0; k < 3; k++) {
		two_step_sync(f);
		run_until_send(f, 2000 * MS);
		slave_tx_stamp(f->sl, PKT_UDP4, k,
			       &(struct timespec){101 + k, 0}, false);
		rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101 + k, 1500);
	}
	assert_int_equal(f->samples, 3);
	/* the kernel's count restarts at 0 */
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){110, 0}, false);
	assert_int_equal(f->tx_frames, 4);
	assert_int_equal(f->tx.hdr.seq_id, f->sent.hdr.seq_id);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 110, 1500);
	assert_int_equal(f->samples, 4);
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 1, &(struct timespec){111, 0}, false);
	assert_int_equal(f->tx_frames, 5);
	assert_int_equal(f->tx.hdr.seq_id, f->sent.hdr.seq_id);
}

/* Broken: a stamp no send awaits (all exchanges complete) is stale. */
static void test_stale_stamp_dropped(void **state)
{
	struct fake *f = *state;

	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){102, 0}, false);
	slave_tx_stamp(f->sl, PKT_UDP4, 9, &(struct timespec){103, 0}, false);
	assert_int_equal(f->tx_frames, 1);
	assert_int_equal(f->samples, 1);
}

/* The identity is the caller's, kept current (new MAC after the interface
 * was re-created): the next Delay_Req carries it and only Delay_Resp for
 * it complete an exchange. */
static void test_identity_followed(void **state)
{
	struct fake *f = *state;
	struct ptp_port_id old = f->self;

	two_step_sync(f);
	f->self.clock_id[7] = 0x42;
	run_until_send(f, 2000 * MS);
	assert_true(ptp_port_id_equal(&f->sent.hdr.src, &f->self));
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	assert_true(ptp_port_id_equal(&f->tx.hdr.src, &f->self));
	rx_delay_resp(f, f->sent.hdr.seq_id, &old, 101, 1500);
	assert_int_equal(f->samples, 0);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
}

/* No stamp within 10 ms: counted once; a late one is drained, no frame. */
static void test_tx_timeout(void **state)
{
	struct fake *f = *state;

	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	run_for(f, 30 * MS);
	assert_int_equal(slave_tx_timeouts(f->sl), 1);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	assert_int_equal(f->tx_frames, 0);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 0);
}

/* SPEC §6: never faster than the master's SYNC rate. However short the
 * interval a DELAY_RESP asks for, a second Delay_Req waits for the next
 * SYNC. */
static void test_one_delay_req_per_sync(void **state)
{
	struct fake *f = *state;
	struct ptp_msg m = {0};
	struct timespec t = ts(0, 0);

	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	/* a (forged) answer asking for 2^-10 s between requests */
	m.hdr.msg_type = PTP_DELAY_RESP;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.seq_id = f->sent.hdr.seq_id;
	m.hdr.log_interval = -10;
	m.resp.ts.sec = 101;
	m.resp.req_port = f->self;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	assert_int_equal(f->samples, 1);
	/* no SYNC for 1.5 s: no Delay_Req at all */
	run_for(f, 1500 * MS);
	assert_int_equal(f->sends, 1);
	/* a SYNC: one more, and only one */
	two_step_sync(f);
	run_for(f, 500 * MS);
	assert_int_equal(f->sends, 2);
}

/* DELAY_RESP naming our port but not accepted: counted, never acted on. */
static void test_rejected_delay_resp(void **state)
{
	struct fake *f = *state;
	struct ptp_port_id other_master = f->master;
	struct ptp_msg m = {0};
	struct timespec t = ts(0, 0);

	other_master.clock_id[7] = 0x99;
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	m.hdr.msg_type = PTP_DELAY_RESP;
	m.hdr.version = 2;
	m.hdr.seq_id = f->sent.hdr.seq_id;
	m.hdr.log_interval = -4;
	m.resp.ts.sec = 101;
	m.resp.req_port = f->self;
	/* from a master we do not follow */
	m.hdr.src = other_master;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	/* for a seqId we never sent */
	m.hdr.src = f->master;
	m.hdr.seq_id = (uint16_t)(f->sent.hdr.seq_id + 100);
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	/* in another domain */
	m.hdr.seq_id = f->sent.hdr.seq_id;
	m.hdr.domain = 3;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	assert_int_equal(slave_rejected(f->sl), 3);
	assert_int_equal(f->samples, 0);
	/* the real one completes; its duplicate is rejected */
	m.hdr.domain = 0;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	assert_int_equal(f->samples, 1);
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	assert_int_equal(slave_rejected(f->sl), 4);
	assert_int_equal(f->samples, 1);
	/* another port's exchange (ptp4l's) is not ours to count */
	m.resp.req_port.port = 1;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	assert_int_equal(slave_rejected(f->sl), 4);
}

/* A forged logAnnounceInterval of -10 cannot make the master timeout
 * milliseconds: the master is kept for at least a second. */
static void test_silent_floor(void **state)
{
	struct fake *f = *state;
	struct ptp_msg m = {0};
	struct timespec t = ts(0, 0);
	int sent;

	two_step_sync(f);
	m.hdr.msg_type = PTP_ANNOUNCE;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.log_interval = -10;
	slave_rx(f->sl, f->transport, &m, &t, false, &t);
	/* SYNCs every 500 ms: a 3 x 2^-10 s timeout would drop the master
	 * between any two of them and no Delay_Req would ever leave */
	for (int i = 0; i < 6; i++) {
		two_step_sync(f);
		run_for(f, 500 * MS);
	}
	assert_true(f->sends >= 1);
	/* silent for longer than the floor: given up (a Delay_Req for the
	 * last SYNC may still leave before that), so a FOLLOW_UP alone, with
	 * no SYNC to choose a master by, sends nothing */
	run_for(f, 1500 * MS);
	sent = f->sends;
	rx_follow_up(f, 7, 100, 0);
	run_for(f, 1600 * MS);
	assert_int_equal(f->sends, sent);
}

/* SPEC §6: a sample never mixes clocks. A SYNC stamped by the PHC (TAI,
 * 37 s ahead) with a software t3 uses the software stamp of the same SYNC
 * for t2; a hardware t3 beside a software-only t2 gives no sample. */
static void test_sample_never_mixes_clocks(void **state)
{
	struct fake *f = *state;
	struct ptp_msg m = {0};
	struct timespec hw2 = ts(137, 2500), sw2 = ts(100, 2500);

	m.hdr.msg_type = PTP_SYNC;
	m.hdr.version = 2;
	m.hdr.src = f->master;
	m.hdr.seq_id = 7;
	m.hdr.flags = PTP_FLAG_TWO_STEP;
	slave_rx(f->sl, f->transport, &m, &hw2, true, &sw2);
	rx_follow_up(f, 7, 100, 0);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
	assert_false(f->sample.hw);
	assert_int_equal(f->sample.t2.tv_sec, 100);
	assert_int_equal(f->sample.delay_ns, 2000);
	assert_int_equal(f->sample.offset_ns, 500);

	/* software t2 only, hardware t3: no sample at all */
	m.hdr.seq_id = 8;
	slave_rx(f->sl, f->transport, &m, &sw2, false, &sw2);
	rx_follow_up(f, 8, 100, 0);
	run_until_send(f, 2000 * MS);
	slave_tx_stamp(f->sl, PKT_UDP4, 1, &(struct timespec){138, 0}, true);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
}

/* SPEC §6: Delay_Req on the transport the master uses. A master seen on
 * L2 gets its Delay_Req on the L2 socket; the tx frame says so; a stamp
 * from another socket with the same key is not this send's; a DELAY_RESP
 * naming us on another transport is rejected, the one on L2 completes. */
static void test_follows_master_transport(void **state)
{
	struct fake *f = *state;

	f->transport = PKT_L2;
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	assert_int_equal(f->sent_on, PKT_L2);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){101, 0}, false);
	slave_tx_stamp(f->sl, PKT_UDP6, 0, &(struct timespec){101, 0}, false);
	assert_int_equal(f->tx_frames, 0);
	slave_tx_stamp(f->sl, PKT_L2, 0, &(struct timespec){101, 0}, false);
	assert_int_equal(f->tx_frames, 1);
	assert_int_equal(f->tx_on, PKT_L2);
	f->transport = PKT_UDP6;
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 0);
	assert_int_equal(slave_rejected(f->sl), 1);
	f->transport = PKT_L2;
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
	assert_int_equal(f->sample.delay_ns, 2000);
	assert_int_equal(slave_rejected(f->sl), 1);
	assert_exchange(f, 1, 1, 1);
}

/* The master's portIdentity on another transport is another exchange: a
 * FOLLOW_UP there does not complete the SYNC we follow, a SYNC there does
 * not replace it. */
static void test_other_transport_ignored(void **state)
{
	struct fake *f = *state;

	f->transport = PKT_UDP6;
	rx_sync(f, 7, ts(100, 2500));
	f->transport = PKT_UDP4;
	rx_follow_up(f, 7, 100, 0);
	rx_sync(f, 8, ts(100, 9000));
	rx_follow_up(f, 8, 100, 0);
	run_for(f, 1600 * MS);
	assert_int_equal(f->sends, 0);
	f->transport = PKT_UDP6;
	rx_follow_up(f, 7, 100, 0);
	run_until_send(f, 2000 * MS);
	assert_int_equal(f->sent_on, PKT_UDP6);
	slave_tx_stamp(f->sl, PKT_UDP6, 0, &(struct timespec){101, 0}, false);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101, 1500);
	assert_int_equal(f->samples, 1);
	assert_int_equal(f->sample.seq_id, 7);
	assert_int_equal(f->sample.delay_ns, 2000);
}

/* Each socket numbers its own sends from 0: after two exchanges on UDPv4
 * (keys 0, 1) the master is chosen again on L2, whose first send is key 0
 * of the L2 socket, matched exactly; a late UDPv4 stamp with that key is
 * not taken for it, and the UDPv4 count goes on at 2 when it returns. */
static void test_keys_per_socket(void **state)
{
	struct fake *f = *state;

	for (uint32_t k = 0; k < 2; k++) {
		two_step_sync(f);
		run_until_send(f, 2000 * MS);
		assert_int_equal(f->sent_on, PKT_UDP4);
		slave_tx_stamp(f->sl, PKT_UDP4, k,
			       &(struct timespec){101 + k, 0}, false);
		rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 101 + k, 1500);
	}
	assert_int_equal(f->samples, 2);
	slave_reset(f->sl);
	f->transport = PKT_L2;
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	assert_int_equal(f->sent_on, PKT_L2);
	slave_tx_stamp(f->sl, PKT_UDP4, 0, &(struct timespec){120, 0}, false);
	assert_int_equal(f->tx_frames, 2);
	slave_tx_stamp(f->sl, PKT_L2, 0, &(struct timespec){103, 0}, false);
	assert_int_equal(f->tx_frames, 3);
	assert_int_equal(f->tx_on, PKT_L2);
	assert_int_equal(f->tx_ts.tv_sec, 103);
	rx_delay_resp(f, f->sent.hdr.seq_id, &f->self, 103, 1500);
	assert_int_equal(f->samples, 3);
	slave_reset(f->sl);
	f->transport = PKT_UDP4;
	two_step_sync(f);
	run_until_send(f, 2000 * MS);
	/* key 0 again on UDPv4 would be resynced onto; 2 is exact */
	slave_tx_stamp(f->sl, PKT_UDP4, 2, &(struct timespec){104, 0}, false);
	assert_int_equal(f->tx_frames, 4);
	assert_int_equal(f->tx_on, PKT_UDP4);
	assert_exchange(f, 4, 4, 3);
}

/* No SYNC from a master yet: nothing to send Delay_Req to. */
static void test_silent_without_master(void **state)
{
	struct fake *f = *state;

	run_for(f, 1600 * MS);
	assert_int_equal(f->sends, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exchange_two_step, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_delay_resp_for_another_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_resp_before_stamp,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_resync_after_reopen,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_stamp_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_identity_followed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_without_master,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_delay_req_per_sync,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_delay_resp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_floor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_follows_master_transport,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_transport_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_per_socket, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sample_never_mixes_clocks,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
