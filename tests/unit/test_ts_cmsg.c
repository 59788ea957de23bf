// SPDX-License-Identifier: MIT
/*
 * ts_cmsg_parse on control buffers built here the way the kernel's
 * put_cmsg() lays them out, a broken variant beside each good one, and
 * one test on real loopback sockets that proves the layout against the
 * running kernel.
 *
 * TS_CMSG_SEED_DIR=dir writes every good buffer as a fuzz seed
 * (2 bytes of msg_flags, then the control bytes) for fuzz_ts_cmsg.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ts_cmsg.h"

#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SCM_TIMESTAMPING_NEW
#define SCM_TIMESTAMPING_NEW SO_TIMESTAMPING_NEW
#endif
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef PACKET_TX_TIMESTAMP
#define PACKET_TX_TIMESTAMP 16
#endif

/* ---- building control buffers ---------------------------------------- */

struct cbuf {
	/* msg_control must be aligned for struct cmsghdr */
	_Alignas(struct cmsghdr) unsigned char b[1024];
	size_t len;
};

/* One cmsg whose header claims @cmsg_len, followed by @n payload bytes. */
static void cbuf_add_len(struct cbuf *c, int level, int type, const void *data,
			 size_t n, size_t cmsg_len)
{
	struct cmsghdr h;

	memset(&h, 0, sizeof(h));
	h.cmsg_len = cmsg_len;
	h.cmsg_level = level;
	h.cmsg_type = type;
	assert_true(c->len + CMSG_SPACE(n) <= sizeof(c->b));
	memset(c->b + c->len, 0, CMSG_SPACE(n));
	memcpy(c->b + c->len, &h, sizeof(h));
	if (n > 0) {
		memcpy(c->b + c->len + CMSG_LEN(0), data, n);
	}
	c->len += CMSG_SPACE(n);
}

/* A well-formed cmsg, as put_cmsg() writes it. */
static void cbuf_add(struct cbuf *c, int level, int type, const void *data,
		     size_t n)
{
	cbuf_add_len(c, level, type, data, n, CMSG_LEN(n));
}

static void seed_write(const char *name, const struct cbuf *c, int flags)
{
	const char *dir = getenv("TS_CMSG_SEED_DIR");
	unsigned char fl[2] = {(unsigned char)(flags & 0xff),
			       (unsigned char)((flags >> 8) & 0xff)};
	char path[PATH_MAX];
	FILE *f;

	if (dir == NULL || name == NULL) {
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(fl, 1, sizeof(fl), f), sizeof(fl));
	assert_int_equal(fwrite(c->b, 1, c->len, f), c->len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Parse @c as recvmsg would hand it over. @out is pre-filled with garbage
 * to prove ts_cmsg_parse zeroes it. @seed names the fuzz seed file.
 */
static int parse(struct cbuf *c, int flags, struct ts_cmsg *out,
		 const char *seed)
{
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	m.msg_control = c->b;
	m.msg_controllen = c->len;
	m.msg_flags = flags;
	memset(out, 0xa5, sizeof(*out));
	seed_write(seed, c, flags);
	return ts_cmsg_parse(&m, out);
}

static struct scm_timestamping ts_old(long s0, long n0, long s2, long n2)
{
	struct scm_timestamping st;

	memset(&st, 0, sizeof(st));
	st.ts[0].tv_sec = s0;
	st.ts[0].tv_nsec = n0;
	st.ts[2].tv_sec = s2;
	st.ts[2].tv_nsec = n2;
	return st;
}

static struct scm_timestamping64 ts_new(long long s0, long long n0,
					long long s2, long long n2)
{
	struct scm_timestamping64 st;

	memset(&st, 0, sizeof(st));
	st.ts[0].tv_sec = s0;
	st.ts[0].tv_nsec = n0;
	st.ts[2].tv_sec = s2;
	st.ts[2].tv_nsec = n2;
	return st;
}

#define T_SW_SEC 1748073600 /* 2025-05-24T08:00:00Z, CLOCK_REALTIME */
#define T_SW_NS	 123456789
#define T_HW_SEC 1748073637 /* the same instant on a TAI PHC (+37 s) */
#define T_HW_NS	 123456000

static void assert_sw(const struct ts_cmsg *o)
{
	assert_true(o->flags & TS_CMSG_SW);
	assert_int_equal(o->sw.tv_sec, T_SW_SEC);
	assert_int_equal(o->sw.tv_nsec, T_SW_NS);
}

static void assert_hw(const struct ts_cmsg *o)
{
	assert_true(o->flags & TS_CMSG_HW);
	assert_int_equal(o->hw.tv_sec, T_HW_SEC);
	assert_int_equal(o->hw.tv_nsec, T_HW_NS);
}

static void assert_no_sw(const struct ts_cmsg *o)
{
	assert_false(o->flags & TS_CMSG_SW);
	assert_int_equal(o->sw.tv_sec, 0);
	assert_int_equal(o->sw.tv_nsec, 0);
}

static void assert_no_hw(const struct ts_cmsg *o)
{
	assert_false(o->flags & TS_CMSG_HW);
	assert_int_equal(o->hw.tv_sec, 0);
	assert_int_equal(o->hw.tv_nsec, 0);
}

/* ---- SCM_TIMESTAMPING, old layout -------------------------------------- */

static void test_old_sw_only(void **state)
{
	struct scm_timestamping st = ts_old(T_SW_SEC, T_SW_NS, 0, 0);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "old_sw"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW);
	assert_sw(&o);
	assert_no_hw(&o);
	assert_int_equal(o.bad, 0);
}

static void test_old_hw_only(void **state)
{
	struct scm_timestamping st = ts_old(0, 0, T_HW_SEC, T_HW_NS);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "old_hw"), 0);
	assert_int_equal(o.flags, TS_CMSG_HW);
	assert_hw(&o);
	assert_no_sw(&o);
}

static void test_old_both(void **state)
{
	struct scm_timestamping st =
		ts_old(T_SW_SEC, T_SW_NS, T_HW_SEC, T_HW_NS);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "old_both"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_HW);
	assert_sw(&o);
	assert_hw(&o);
}

/* The kernel zero-fills slots it did not stamp: all zero = no stamp. */
static void test_old_all_zero(void **state)
{
	struct scm_timestamping st = ts_old(0, 0, 0, 0);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.bad, 0);
	assert_no_sw(&o);
	assert_no_hw(&o);
}

/* A zero second with a nonzero nanosecond is still a stamp (1970 + x). */
static void test_old_zero_sec_is_a_stamp(void **state)
{
	struct scm_timestamping st = ts_old(0, 5, 0, 7);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_HW);
	assert_int_equal(o.sw.tv_nsec, 5);
	assert_int_equal(o.hw.tv_nsec, 7);
}

/* ts[1] (deprecated hw-as-system-time) is never taken for a stamp. */
static void test_old_ts1_ignored(void **state)
{
	struct scm_timestamping st = ts_old(0, 0, 0, 0);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	st.ts[1].tv_sec = T_HW_SEC;
	st.ts[1].tv_nsec = T_HW_NS;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
}

#if __SIZEOF_LONG__ == 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The bytes of an RX on x86_64/arm64 exactly as recvmsg leaves them,
 * written out by hand so the struct definitions cannot hide a mistake.
 */
static const unsigned char raw_rx[] = {
	/* cmsghdr */
	0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,			/* len 64 = CMSG_LEN(48) */
	0x01, 0x00, 0x00, 0x00, /* level SOL_SOCKET (1) */
	0x25, 0x00, 0x00, 0x00, /* type SCM_TIMESTAMPING (37) */
	/* ts[0] software: 1748073600.123456789 */
	0x80, 0x7c, 0x31, 0x68, 0x00, 0x00, 0x00, 0x00, /* tv_sec */
	0x15, 0xcd, 0x5b, 0x07, 0x00, 0x00, 0x00, 0x00, /* tv_nsec */
	/* ts[1] deprecated, zero */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* tv_sec */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* tv_nsec */
	/* ts[2] raw hardware: 1748073637.123456000 */
	0xa5, 0x7c, 0x31, 0x68, 0x00, 0x00, 0x00, 0x00, /* tv_sec */
	0x00, 0xca, 0x5b, 0x07, 0x00, 0x00, 0x00, 0x00, /* tv_nsec */
	/* cmsghdr */
	0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,			/* len 28 = CMSG_LEN(12) */
	0x00, 0x00, 0x00, 0x00, /* level SOL_IP (0) */
	0x08, 0x00, 0x00, 0x00, /* type IP_PKTINFO (8) */
	/* struct in_pktinfo */
	0x03, 0x00, 0x00, 0x00, /* ipi_ifindex 3 */
	0x0a, 0x63, 0x00, 0x02, /* ipi_spec_dst 10.99.0.2 (local address) */
	0xe0, 0x00, 0x01, 0x81, /* ipi_addr 224.0.1.129 (header dst) */
	0x00, 0x00, 0x00, 0x00, /* CMSG_SPACE padding */
};

/* The same bytes, then an error-queue TX stamp with the _NEW layout. */
static const unsigned char raw_txerr[] = {
	/* cmsghdr */
	0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,			/* len 64 = CMSG_LEN(48) */
	0x01, 0x00, 0x00, 0x00, /* level SOL_SOCKET (1) */
	0x41, 0x00, 0x00, 0x00, /* type SCM_TIMESTAMPING_NEW (65) */
	/* ts[0] software: 1748073600.123456789 */
	0x80, 0x7c, 0x31, 0x68, 0x00, 0x00, 0x00, 0x00, /* tv_sec */
	0x15, 0xcd, 0x5b, 0x07, 0x00, 0x00, 0x00, 0x00, /* tv_nsec */
	/* ts[1], ts[2] zero */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* */
	/* cmsghdr */
	0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,			/* len 48 = CMSG_LEN(32) */
	0x00, 0x00, 0x00, 0x00, /* level SOL_IP (0) */
	0x0b, 0x00, 0x00, 0x00, /* type IP_RECVERR (11) */
	/* struct sock_extended_err */
	0x2a, 0x00, 0x00, 0x00, /* ee_errno ENOMSG (42) */
	0x04,			/* ee_origin SO_EE_ORIGIN_TIMESTAMPING (4) */
	0x00,			/* ee_type */
	0x00,			/* ee_code */
	0x00,			/* ee_pad */
	0x00, 0x00, 0x00, 0x00, /* ee_info SCM_TSTAMP_SND (0) */
	0x07, 0x00, 0x00, 0x00, /* ee_data OPT_ID key 7 */
	/* struct sockaddr_in offender: zero for a timestamp */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* family, port, addr */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* sin_zero */
};

static void test_raw_bytes(void **state)
{
	struct cbuf c = {.len = sizeof(raw_rx)};
	struct ts_cmsg o;

	(void)state;
	memcpy(c.b, raw_rx, sizeof(raw_rx));
	assert_int_equal(parse(&c, 0, &o, "raw_rx"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_HW | TS_CMSG_PKTINFO);
	assert_sw(&o);
	assert_hw(&o);
	assert_int_equal(o.ifindex, 3);
	assert_int_equal(ntohl(o.dst.s_addr), 0xe0000181);

	c.len = sizeof(raw_txerr);
	memcpy(c.b, raw_txerr, sizeof(raw_txerr));
	assert_int_equal(parse(&c, 0, &o, "raw_txerr"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_TS_NEW | TS_CMSG_EXTERR);
	assert_sw(&o);
	assert_int_equal(o.ee.ee_errno, ENOMSG);
	assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
	assert_int_equal(o.ee.ee_info, SCM_TSTAMP_SND);
	assert_int_equal(o.ee.ee_data, 7);

	/* Broken: the IP_RECVERR without its offender (len 32). */
	c.b[sizeof(raw_txerr) - 48] = 0x20;
	c.len -= 16;
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_TS_NEW);
	assert_int_equal(o.bad, 1);
}
#endif

/* ---- SCM_TIMESTAMPING_NEW ----------------------------------------------- */

static void test_new_sw_only(void **state)
{
	struct scm_timestamping64 st = ts_new(T_SW_SEC, T_SW_NS, 0, 0);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "new_sw"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_TS_NEW);
	assert_sw(&o);
	assert_no_hw(&o);
}

static void test_new_hw_only(void **state)
{
	struct scm_timestamping64 st = ts_new(0, 0, T_HW_SEC, T_HW_NS);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "new_hw"), 0);
	assert_int_equal(o.flags, TS_CMSG_HW | TS_CMSG_TS_NEW);
	assert_hw(&o);
	assert_no_sw(&o);
}

static void test_new_both(void **state)
{
	struct scm_timestamping64 st =
		ts_new(T_SW_SEC, T_SW_NS, T_HW_SEC, T_HW_NS);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, "new_both"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_HW | TS_CMSG_TS_NEW);
	assert_sw(&o);
	assert_hw(&o);
}

/* The _NEW layout carries 64-bit seconds on every ABI (y2038). */
static void test_new_after_2038(void **state)
{
	struct scm_timestamping64 st = ts_new(0, 0, 4102444800LL, 1);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_HW | TS_CMSG_TS_NEW);
	assert_true((long long)o.hw.tv_sec == 4102444800LL);
	assert_int_equal(o.hw.tv_nsec, 1);
}

/* ---- IP_PKTINFO, SCM_TIMESTAMPING_PKTINFO, SO_RXQ_OVFL -------------------- */

static struct in_pktinfo pktinfo_v4(void)
{
	struct in_pktinfo pi;

	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = 3;
	pi.ipi_spec_dst.s_addr = htonl(0x0a630002); /* 10.99.0.2, local */
	pi.ipi_addr.s_addr = htonl(0xe0000181);	    /* 224.0.1.129, dst */
	return pi;
}

static void test_pktinfo(void **state)
{
	struct in_pktinfo pi = pktinfo_v4();
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(parse(&c, 0, &o, "pktinfo"), 0);
	assert_int_equal(o.flags, TS_CMSG_PKTINFO);
	assert_int_equal(o.ifindex, 3);
	/* the header's destination, not ipi_spec_dst (our address) */
	assert_int_equal(ntohl(o.dst.s_addr), 0xe0000181);
}

static void test_ts_pktinfo(void **state)
{
	struct scm_ts_pktinfo tp = {.if_index = 4, .pkt_length = 86};
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, &tp, sizeof(tp));
	assert_int_equal(parse(&c, 0, &o, "ts_pktinfo"), 0);
	assert_int_equal(o.flags, TS_CMSG_TS_PKTINFO);
	assert_int_equal(o.ts_ifindex, 4);
	assert_int_equal(o.ts_pkt_length, 86);
}

static void test_rxq_ovfl(void **state)
{
	uint32_t drops = 17;
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
	assert_int_equal(parse(&c, 0, &o, "rxq_ovfl"), 0);
	assert_int_equal(o.flags, TS_CMSG_OVFL);
	assert_int_equal(o.drops, 17);

	/* The count is cumulative and may be huge. */
	c.len = 0;
	drops = UINT32_MAX;
	cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.drops, UINT32_MAX);
}

/* PACKET_AUXDATA on the capture socket: the kernel reports the outer tag
 * it took out of the frame, and says whether there was one. */
static void test_auxdata(void **state)
{
	struct tpacket_auxdata aux = {
		.tp_status = TP_STATUS_USER | TP_STATUS_VLAN_VALID |
			     TP_STATUS_VLAN_TPID_VALID,
		.tp_len = 86,
		.tp_snaplen = 86,
		.tp_mac = 0,
		.tp_net = 14,
		.tp_vlan_tci = 0x2007, /* PCP 1, VID 7 */
		.tp_vlan_tpid = 0x8100,
	};
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	assert_int_equal(parse(&c, 0, &o, "auxdata_vlan"), 0);
	assert_int_equal(o.flags, TS_CMSG_AUXDATA | TS_CMSG_VLAN);
	assert_int_equal(o.vlan_tci, 0x2007);
	assert_int_equal(o.vlan_tpid, 0x8100);

	/* Untagged: tp_vlan_tci is not to be read (VID 0 is a priority tag,
	 * not "no tag"). */
	c.len = 0;
	aux.tp_status = TP_STATUS_USER;
	aux.tp_vlan_tci = 0x0005;
	cbuf_add(&c, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_AUXDATA);
	assert_int_equal(o.vlan_tci, 0);
}

/* Everything a hardware RX on our socket can carry, plus strangers. */
static void fill_all(struct cbuf *c)
{
	struct scm_timestamping st =
		ts_old(T_SW_SEC, T_SW_NS, T_HW_SEC, T_HW_NS);
	struct scm_ts_pktinfo tp = {.if_index = 3, .pkt_length = 44};
	struct in_pktinfo pi = pktinfo_v4();
	struct timespec ns = {.tv_sec = 1, .tv_nsec = 2};
	uint32_t drops = 2;
	int ttl = 1;

	cbuf_add(c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
	cbuf_add(c, SOL_SOCKET, SO_TIMESTAMPNS, &ns, sizeof(ns));
	cbuf_add(c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	cbuf_add(c, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, &tp, sizeof(tp));
	cbuf_add(c, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
	cbuf_add(c, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
}

static void test_several(void **state)
{
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	fill_all(&c);
	assert_int_equal(parse(&c, 0, &o, "several"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_HW | TS_CMSG_PKTINFO |
					  TS_CMSG_TS_PKTINFO | TS_CMSG_OVFL);
	assert_sw(&o);
	assert_hw(&o);
	assert_int_equal(o.ifindex, 3);
	assert_int_equal(o.ts_ifindex, 3);
	assert_int_equal(o.ts_pkt_length, 44);
	assert_int_equal(o.drops, 2);
	assert_int_equal(o.bad, 0);
}

/* ---- truncation ------------------------------------------------------- */

static void test_ctrunc(void **state)
{
	struct cbuf c = {.len = 0};
	struct ts_cmsg o, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	fill_all(&c);
	/* The kernel ran out of control space: what is there is partial. */
	c.len -= CMSG_SPACE(sizeof(struct in_pktinfo)) + 8;
	assert_int_equal(parse(&c, MSG_CTRUNC, &o, NULL), -EMSGSIZE);
	assert_memory_equal(&o, &zero, sizeof(o));
	/* Broken: the same buffer, untruncated, parses. */
	c.len = 0;
	fill_all(&c);
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_true(o.flags & TS_CMSG_HW);
}

static void test_trunc(void **state)
{
	struct cbuf c = {.len = 0};
	struct ts_cmsg o, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	fill_all(&c);
	/* The datagram was longer than the iov: a PTP message cut short. */
	assert_int_equal(parse(&c, MSG_TRUNC, &o, NULL), -EMSGSIZE);
	assert_memory_equal(&o, &zero, sizeof(o));
	assert_int_equal(parse(&c, MSG_TRUNC | MSG_CTRUNC, &o, NULL),
			 -EMSGSIZE);
	/* Other flags (MSG_ERRQUEUE on the error queue) are harmless. */
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, NULL), 0);
	assert_true(o.flags & TS_CMSG_SW);
}

/* ---- wrong lengths ---------------------------------------------------- */

struct known {
	const char *name;
	int level, type;
	size_t size;
	unsigned int flag;
};

static const struct known known[] = {
	{"SCM_TIMESTAMPING", SOL_SOCKET, SO_TIMESTAMPING_OLD,
	 sizeof(struct scm_timestamping), TS_CMSG_SW},
	{"SCM_TIMESTAMPING_NEW", SOL_SOCKET, SCM_TIMESTAMPING_NEW,
	 sizeof(struct scm_timestamping64), TS_CMSG_SW | TS_CMSG_TS_NEW},
	{"SCM_TIMESTAMPING_PKTINFO", SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO,
	 sizeof(struct scm_ts_pktinfo), TS_CMSG_TS_PKTINFO},
	{"SO_RXQ_OVFL", SOL_SOCKET, SO_RXQ_OVFL, sizeof(uint32_t),
	 TS_CMSG_OVFL},
	{"IP_PKTINFO", SOL_IP, IP_PKTINFO, sizeof(struct in_pktinfo),
	 TS_CMSG_PKTINFO},
	{"IP_RECVERR", SOL_IP, IP_RECVERR,
	 sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in),
	 TS_CMSG_EXTERR},
	{"IPV6_RECVERR", SOL_IPV6, IPV6_RECVERR,
	 sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6),
	 TS_CMSG_EXTERR},
	{"PACKET_AUXDATA", SOL_PACKET, PACKET_AUXDATA,
	 sizeof(struct tpacket_auxdata), TS_CMSG_AUXDATA},
	{"PACKET_TX_TIMESTAMP", SOL_PACKET, PACKET_TX_TIMESTAMP,
	 sizeof(struct sock_extended_err), TS_CMSG_EXTERR},
};

/* A payload that decodes to something visible for every known type. */
static void known_payload(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = (unsigned char)(i + 1);
	}
}

/*
 * Each known cmsg at its exact length decodes; empty, 4 bytes short, 4 and
 * 8 bytes long it is skipped, counted in bad, and does not stop the walk:
 * a good SO_RXQ_OVFL (or IP_PKTINFO) after it still decodes.
 */
static void test_wrong_lengths(void **state)
{
	unsigned char p[256];
	size_t i;

	(void)state;
	known_payload(p, sizeof(p));
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct known *k = &known[i];
		const long delta[] = {0, -4, 4, 8, -(long)k->size};
		uint32_t drops = 9;
		size_t j;

		for (j = 0; j < sizeof(delta) / sizeof(delta[0]); j++) {
			size_t n = (size_t)((long)k->size + delta[j]);
			struct cbuf c = {.len = 0};
			struct ts_cmsg o;
			unsigned int follow;
			bool ok;

			cbuf_add(&c, k->level, k->type, p, n);
			if (k->flag == TS_CMSG_OVFL) {
				struct in_pktinfo pi = pktinfo_v4();

				cbuf_add(&c, SOL_IP, IP_PKTINFO, &pi,
					 sizeof(pi));
				follow = TS_CMSG_PKTINFO;
			} else {
				cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops,
					 sizeof(drops));
				follow = TS_CMSG_OVFL;
			}
			assert_int_equal(parse(&c, 0, &o, NULL), 0);
			if (delta[j] == 0) {
				ok = o.bad == 0 &&
				     (o.flags & (k->flag | follow)) ==
					     (k->flag | follow);
			} else {
				ok = o.bad == 1 && o.flags == follow;
			}
			if (!ok) {
				fail_msg("%s len %zu: flags %#x bad %u",
					 k->name, n, o.flags, o.bad);
			}
		}
	}
}

/* Level and type must both match: the same numbers elsewhere are ignored. */
static void test_unknown_ignored(void **state)
{
	struct scm_timestamping st =
		ts_old(T_SW_SEC, T_SW_NS, T_HW_SEC, T_HW_NS);
	struct in_pktinfo pi = pktinfo_v4();
	unsigned char odd[5] = {1, 2, 3, 4, 5};
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;
	int one = 1;

	(void)state;
	/* SCM_TIMESTAMPING's type number at SOL_IP and SOL_IPV6 */
	cbuf_add(&c, SOL_IP, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	cbuf_add(&c, SOL_IPV6, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	/* IP_PKTINFO's type number (SO_RCVBUF) at SOL_SOCKET */
	cbuf_add(&c, SOL_SOCKET, IP_PKTINFO, &pi, sizeof(pi));
	/* IPV6_PKTINFO, IP_TTL, a made-up level, an odd size */
	cbuf_add(&c, SOL_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	cbuf_add(&c, SOL_IP, IP_TTL, &one, sizeof(one));
	cbuf_add(&c, 999, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	cbuf_add(&c, 999, 999, odd, sizeof(odd));
	/* an empty cmsg of a known level */
	cbuf_add(&c, SOL_SOCKET, 1234, NULL, 0);
	assert_int_equal(parse(&c, 0, &o, "unknown"), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.bad, 0);
}

/* ---- hostile headers -------------------------------------------------- */

/* cmsg_len past the end of the control buffer: not read, walk stops. */
static void test_len_past_end(void **state)
{
	struct scm_timestamping st = ts_old(T_SW_SEC, T_SW_NS, 0, 0);
	uint32_t drops = 3;
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	/* msg_controllen ends 8 bytes into the stamps, no MSG_CTRUNC */
	c.len -= sizeof(st) - 8;
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_OVFL);
	assert_int_equal(o.bad, 1);
	/* the exact end is fine: the last cmsg need not be padded */
	c.len = 0;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
	c.len = CMSG_SPACE(sizeof(st)) + CMSG_LEN(sizeof(drops));
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, TS_CMSG_OVFL | TS_CMSG_SW);
	assert_int_equal(o.bad, 0);
}

static void test_len_huge_or_tiny(void **state)
{
	static const size_t lens[] = {
		0,	 1, sizeof(struct cmsghdr) - 1, SIZE_MAX, SIZE_MAX - 7,
		1u << 31};
	uint32_t drops = 3;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct cbuf c = {.len = 0};
		struct ts_cmsg o;

		cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
		cbuf_add_len(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops),
			     lens[i]);
		cbuf_add(&c, SOL_SOCKET, SO_RXQ_OVFL, &drops, sizeof(drops));
		assert_int_equal(parse(&c, 0, &o, NULL), 0);
		assert_int_equal(o.flags, TS_CMSG_OVFL);
		assert_int_equal(o.bad, 1);
	}
}

static void test_no_control(void **state)
{
	struct cbuf c = {.len = 0};
	struct msghdr m;
	struct ts_cmsg o;

	(void)state;
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	/* shorter than a cmsghdr */
	c.len = sizeof(struct cmsghdr) - 1;
	memset(c.b, 0xff, c.len);
	assert_int_equal(parse(&c, 0, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.bad, 0);
	/* a NULL msg_control with a length */
	memset(&m, 0, sizeof(m));
	m.msg_controllen = 64;
	assert_int_equal(ts_cmsg_parse(&m, &o), 0);
	assert_int_equal(o.flags, 0);
}

/* ---- the error queue -------------------------------------------------- */

struct err4 {
	struct sock_extended_err ee;
	struct sockaddr_in offender;
};

struct err6 {
	struct sock_extended_err ee;
	struct sockaddr_in6 offender;
};

static struct err4 err4_tstamp(uint32_t key)
{
	struct err4 e;

	memset(&e, 0, sizeof(e));
	e.ee.ee_errno = ENOMSG;
	e.ee.ee_origin = SO_EE_ORIGIN_TIMESTAMPING;
	e.ee.ee_info = SCM_TSTAMP_SND;
	e.ee.ee_data = key;
	return e;
}

/*
 * A TX stamp with the looped-back packet as payload (no OPT_TSONLY) and
 * without (OPT_TSONLY: recvmsg returns 0 bytes). The cmsgs are the same;
 * ts_cmsg_parse must not depend on the payload.
 */
static void test_errqueue_tstamp(void **state)
{
	static unsigned char ptp[44] = {0x01, 0x02, 0x00, 0x2c};
	struct scm_timestamping st = ts_old(T_SW_SEC, T_SW_NS, 0, 0);
	struct err4 e = err4_tstamp(42);
	struct iovec iov[2] = {
		{.iov_base = ptp, .iov_len = sizeof(ptp)},
		{.iov_base = NULL, .iov_len = 0},
	};
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct cbuf c = {.len = 0};
		struct msghdr m;
		struct ts_cmsg o;

		cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
		cbuf_add(&c, SOL_IP, IP_RECVERR, &e, sizeof(e));
		seed_write(k == 0 ? "errq_tstamp" : NULL, &c, MSG_ERRQUEUE);
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov[k];
		m.msg_iovlen = 1;
		m.msg_control = c.b;
		m.msg_controllen = c.len;
		m.msg_flags = MSG_ERRQUEUE;
		assert_int_equal(ts_cmsg_parse(&m, &o), 0);
		assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_EXTERR);
		assert_sw(&o);
		assert_int_equal(o.ee.ee_errno, ENOMSG);
		assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
		assert_int_equal(o.ee.ee_info, SCM_TSTAMP_SND);
		assert_int_equal(o.ee.ee_data, 42);
	}
}

/* A hardware TX stamp: ts[0] zero, ts[2] set (see linux/errqueue.h). */
static void test_errqueue_hw(void **state)
{
	struct scm_timestamping64 st = ts_new(0, 0, T_HW_SEC, T_HW_NS);
	struct err4 e = err4_tstamp(0);
	struct in_pktinfo pi = pktinfo_v4();
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;

	(void)state;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	cbuf_add(&c, SOL_IP, IP_RECVERR, &e, sizeof(e));
	cbuf_add(&c, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, "errq_hw"), 0);
	assert_int_equal(o.flags, TS_CMSG_HW | TS_CMSG_TS_NEW | TS_CMSG_EXTERR |
					  TS_CMSG_PKTINFO);
	assert_hw(&o);
	assert_no_sw(&o);
	assert_int_equal(o.ee.ee_data, 0);
}

/* A real ICMP error on the same queue: told apart by ee_origin. */
static void test_errqueue_icmp(void **state)
{
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;
	struct err4 e;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.ee.ee_errno = ECONNREFUSED;
	e.ee.ee_origin = SO_EE_ORIGIN_ICMP;
	e.ee.ee_type = 3; /* destination unreachable */
	e.ee.ee_code = 3; /* port unreachable */
	e.offender.sin_family = AF_INET;
	e.offender.sin_addr.s_addr = htonl(0x0a630001); /* 10.99.0.1 */
	cbuf_add(&c, SOL_IP, IP_RECVERR, &e, sizeof(e));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, "errq_icmp"), 0);
	assert_int_equal(o.flags, TS_CMSG_EXTERR);
	assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_ICMP);
	assert_int_not_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
	assert_int_equal(o.ee.ee_errno, ECONNREFUSED);
	assert_int_equal(o.ee.ee_type, 3);
	assert_int_equal(o.ee.ee_code, 3);
	assert_no_sw(&o);
	assert_no_hw(&o);
}

static void test_errqueue_v6(void **state)
{
	struct scm_timestamping st = ts_old(T_SW_SEC, T_SW_NS, 0, 0);
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;
	struct err6 e;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.ee.ee_errno = ENOMSG;
	e.ee.ee_origin = SO_EE_ORIGIN_TIMESTAMPING;
	e.ee.ee_info = SCM_TSTAMP_SND;
	e.ee.ee_data = 5;
	cbuf_add(&c, SOL_SOCKET, SO_TIMESTAMPING_OLD, &st, sizeof(st));
	cbuf_add(&c, SOL_IPV6, IPV6_RECVERR, &e, sizeof(e));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, "errq_v6"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_EXTERR);
	assert_int_equal(o.ee.ee_data, 5);
	assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);

	/* Broken: the v6 error with a v4 offender's length. */
	c.len = 0;
	cbuf_add(&c, SOL_IPV6, IPV6_RECVERR, &e, sizeof(struct err4));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.bad, 1);
}

/*
 * A packet socket's TX stamp: SOL_PACKET / PACKET_TX_TIMESTAMP carrying
 * the extended error alone (no offender), beside SCM_TIMESTAMPING_NEW.
 */
static void test_errqueue_packet(void **state)
{
	struct scm_timestamping64 st = ts_new(T_SW_SEC, T_SW_NS, 0, 0);
	struct sock_extended_err ee;
	struct cbuf c = {.len = 0};
	struct ts_cmsg o;
	struct err4 e4;

	(void)state;
	memset(&ee, 0, sizeof(ee));
	ee.ee_errno = ENOMSG;
	ee.ee_origin = SO_EE_ORIGIN_TIMESTAMPING;
	ee.ee_info = SCM_TSTAMP_SND;
	ee.ee_data = 3;
	cbuf_add(&c, SOL_SOCKET, SCM_TIMESTAMPING_NEW, &st, sizeof(st));
	cbuf_add(&c, SOL_PACKET, PACKET_TX_TIMESTAMP, &ee, sizeof(ee));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, "errq_packet"), 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_TS_NEW | TS_CMSG_EXTERR);
	assert_sw(&o);
	assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
	assert_int_equal(o.ee.ee_info, SCM_TSTAMP_SND);
	assert_int_equal(o.ee.ee_data, 3);

	/* Broken: an IP_RECVERR-sized payload under the packet type. */
	c.len = 0;
	memset(&e4, 0, sizeof(e4));
	e4.ee = ee;
	cbuf_add(&c, SOL_PACKET, PACKET_TX_TIMESTAMP, &e4, sizeof(e4));
	assert_int_equal(parse(&c, MSG_ERRQUEUE, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.bad, 1);
}

/* ---- the real kernel -------------------------------------------------- */

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* A bound loopback UDP socket, or -1 (no loopback: the test is skipped). */
static int lo_socket(struct sockaddr_in *addr)
{
	socklen_t alen = sizeof(*addr);
	struct timeval tv = {.tv_sec = 1};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &alen) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void real_rx(int opt, unsigned int want_new)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	_Alignas(struct cmsghdr) unsigned char ctl[512];
	unsigned char buf[64];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct sockaddr_in addr;
	struct timespec now;
	struct msghdr m;
	struct ts_cmsg o;
	int one = 1;
	int rx, tx, tries;
	ssize_t n;

	rx = lo_socket(&addr);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || tx < 0) {
		close(rx);
		close(tx);
		skip();
	}
	if (setsockopt(rx, SOL_SOCKET, opt, &flags, sizeof(flags)) < 0) {
		close(rx);
		close(tx);
		skip(); /* a kernel older than 5.1 has no _NEW */
	}
	assert_int_equal(setsockopt(rx, SOL_IP, IP_PKTINFO, &one, sizeof(one)),
			 0);
	assert_int_equal(
		setsockopt(rx, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)), 0);
	/*
	 * Enabling RX stamps flips a static key from a workqueue
	 * (net_enable_timestamp), so the first packets after the first
	 * timestamping socket on the host may come unstamped: retry.
	 */
	for (tries = 0; tries < 50; tries++) {
		assert_int_equal(sendto(tx, "ptp", 3, 0,
					(struct sockaddr *)&addr, sizeof(addr)),
				 3);
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		n = recvmsg(rx, &m, 0);
		clock_gettime(CLOCK_REALTIME, &now);
		assert_int_equal(n, 3);
		assert_int_equal(ts_cmsg_parse(&m, &o), 0);
		if (o.flags & TS_CMSG_SW) {
			break;
		}
		usleep(10000);
	}
	close(rx);
	close(tx);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.flags, TS_CMSG_SW | TS_CMSG_PKTINFO | want_new);
	assert_true(llabs(ts_ns(&now) - ts_ns(&o.sw)) < 1000000000LL);
	assert_int_equal(o.ifindex, (int)if_nametoindex("lo"));
	assert_int_equal(ntohl(o.dst.s_addr), INADDR_LOOPBACK);
}

static void test_real_rx_old(void **state)
{
	(void)state;
	real_rx(SO_TIMESTAMPING_OLD, 0);
}

static void test_real_rx_new(void **state)
{
	(void)state;
	real_rx(SO_TIMESTAMPING_NEW, TS_CMSG_TS_NEW);
}

/* lo stamps in its xmit path, so a TX software stamp comes back too. */
static void test_real_tx_errqueue(void **state)
{
	int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		    SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	_Alignas(struct cmsghdr) unsigned char ctl[512];
	unsigned char buf[64];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct sockaddr_in addr;
	struct pollfd pfd;
	struct timespec now;
	struct msghdr m;
	struct ts_cmsg o;
	int one = 1;
	int rx, tx;
	ssize_t n;

	(void)state;
	rx = lo_socket(&addr);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || tx < 0) {
		close(rx);
		close(tx);
		skip();
	}
	assert_int_equal(setsockopt(tx, SOL_SOCKET, SO_TIMESTAMPING, &flags,
				    sizeof(flags)),
			 0);
	assert_int_equal(setsockopt(tx, SOL_IP, IP_RECVERR, &one, sizeof(one)),
			 0);
	assert_int_equal(
		sendto(tx, "ptp", 3, 0, (struct sockaddr *)&addr, sizeof(addr)),
		3);
	pfd.fd = tx;
	pfd.events = 0; /* POLLERR is always reported */
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	n = recvmsg(tx, &m, MSG_ERRQUEUE);
	clock_gettime(CLOCK_REALTIME, &now);
	close(rx);
	close(tx);
	assert_int_equal(n, 0); /* OPT_TSONLY: no payload */
	assert_int_equal(ts_cmsg_parse(&m, &o), 0);
	assert_int_equal(o.bad, 0);
	assert_true(o.flags & TS_CMSG_EXTERR);
	assert_true(o.flags & TS_CMSG_SW);
	assert_false(o.flags & TS_CMSG_HW);
	assert_int_equal(o.ee.ee_errno, ENOMSG);
	assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
	assert_int_equal(o.ee.ee_info, SCM_TSTAMP_SND);
	assert_int_equal(o.ee.ee_data, 0); /* first OPT_ID key */
	assert_true(llabs(ts_ns(&now) - ts_ns(&o.sw)) < 1000000000LL);
}

/*
 * The kernel's own packet-socket TX stamps (an AF_PACKET SOCK_DGRAM socket
 * with protocol 0, as ptp_tx opens for L2, sending 0x88F7 out of lo):
 * PACKET_TX_TIMESTAMP decodes, and OPT_ID numbers the sends of this socket
 * 0, 1, 2 in ee_data. Needs CAP_NET_RAW, else skipped.
 */
static void test_real_tx_errqueue_packet(void **state)
{
	int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		    SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(0x88f7),
		.sll_halen = 6,
		.sll_addr = {0x01, 0x1b, 0x19, 0x00, 0x00, 0x00},
	};
	unsigned char ptp[44] = {0x01, 0x02, 0x00, 0x2c};
	int fd;

	(void)state;
	to.sll_ifindex = (int)if_nametoindex("lo");
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || to.sll_ifindex <= 0) {
		if (fd >= 0) {
			close(fd);
		}
		skip();
	}
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
				    sizeof(flags)),
			 0);
	for (uint32_t k = 0; k < 3; k++) {
		_Alignas(struct cmsghdr) unsigned char ctl[512];
		unsigned char buf[64];
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct pollfd pfd = {.fd = fd, .events = 0};
		struct msghdr m;
		struct ts_cmsg o;

		assert_int_equal(sendto(fd, ptp, sizeof(ptp), 0,
					(struct sockaddr *)&to, sizeof(to)),
				 sizeof(ptp));
		assert_int_equal(poll(&pfd, 1, 1000), 1);
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		assert_int_equal(recvmsg(fd, &m, MSG_ERRQUEUE), 0);
		assert_int_equal(ts_cmsg_parse(&m, &o), 0);
		assert_int_equal(o.bad, 0);
		assert_true(o.flags & TS_CMSG_EXTERR);
		assert_true(o.flags & TS_CMSG_SW);
		assert_int_equal(o.ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
		assert_int_equal(o.ee.ee_info, SCM_TSTAMP_SND);
		assert_int_equal(o.ee.ee_data, k);
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_sw_only),
		cmocka_unit_test(test_old_hw_only),
		cmocka_unit_test(test_old_both),
		cmocka_unit_test(test_old_all_zero),
		cmocka_unit_test(test_old_zero_sec_is_a_stamp),
		cmocka_unit_test(test_old_ts1_ignored),
#if __SIZEOF_LONG__ == 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		cmocka_unit_test(test_raw_bytes),
#endif
		cmocka_unit_test(test_new_sw_only),
		cmocka_unit_test(test_new_hw_only),
		cmocka_unit_test(test_new_both),
		cmocka_unit_test(test_new_after_2038),
		cmocka_unit_test(test_pktinfo),
		cmocka_unit_test(test_ts_pktinfo),
		cmocka_unit_test(test_rxq_ovfl),
		cmocka_unit_test(test_auxdata),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_ctrunc),
		cmocka_unit_test(test_trunc),
		cmocka_unit_test(test_wrong_lengths),
		cmocka_unit_test(test_unknown_ignored),
		cmocka_unit_test(test_len_past_end),
		cmocka_unit_test(test_len_huge_or_tiny),
		cmocka_unit_test(test_no_control),
		cmocka_unit_test(test_errqueue_tstamp),
		cmocka_unit_test(test_errqueue_hw),
		cmocka_unit_test(test_errqueue_icmp),
		cmocka_unit_test(test_errqueue_v6),
		cmocka_unit_test(test_errqueue_packet),
		cmocka_unit_test(test_real_rx_old),
		cmocka_unit_test(test_real_rx_new),
		cmocka_unit_test(test_real_tx_errqueue),
		cmocka_unit_test(test_real_tx_errqueue_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
