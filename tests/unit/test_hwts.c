// SPDX-License-Identifier: MIT
/* Unit tests for the hardware-timestamping policy (hwts.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hwts.h"

#define BIT(x) (1u << (x))

/* A NIC like igb/ice: RX/TX hardware, raw hardware, software, PHC 0. */
static const struct nic_ts_info nic_full = {
	.so_timestamping =
		SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
		SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
		SOF_TIMESTAMPING_SOFTWARE |
		SOF_TIMESTAMPING_RAW_HARDWARE, /* 0x5f */
	.phc_index = 0,
	.tx_types = BIT(HWTSTAMP_TX_OFF) | BIT(HWTSTAMP_TX_ON),
	.rx_filters = BIT(HWTSTAMP_FILTER_NONE) |
		      BIT(HWTSTAMP_FILTER_PTP_V2_L4_EVENT) |
		      BIT(HWTSTAMP_FILTER_PTP_V2_EVENT) |
		      BIT(HWTSTAMP_FILTER_ALL),
};

/* veth as measured in LAB.md: TX_SOFTWARE | RX_SOFTWARE | SOFTWARE. */
static const struct nic_ts_info nic_veth = {
	.so_timestamping = 0x1a,
	.phc_index = -1,
};

static struct hwtstamp_config cfg(int tx, int rx)
{
	struct hwtstamp_config c = {.flags = 0, .tx_type = tx, .rx_filter = rx};

	return c;
}

/* A want that hwts_plan must overwrite or leave alone: easy to spot. */
static const struct hwtstamp_config sentinel = {
	.flags = 0x7777, .tx_type = 0x5555, .rx_filter = 0x6666};

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(hwts_rx_filter_name(HWTSTAMP_FILTER_NONE), "none");
	assert_string_equal(hwts_rx_filter_name(HWTSTAMP_FILTER_ALL), "all");
	assert_string_equal(hwts_rx_filter_name(HWTSTAMP_FILTER_SOME), "some");
	assert_string_equal(
		hwts_rx_filter_name(HWTSTAMP_FILTER_PTP_V2_L4_EVENT),
		"ptpv2-l4-event");
	assert_string_equal(hwts_rx_filter_name(HWTSTAMP_FILTER_PTP_V2_EVENT),
			    "ptpv2-event");
	assert_string_equal(
		hwts_rx_filter_name(HWTSTAMP_FILTER_PTP_V1_L4_DELAY_REQ),
		"ptpv1-l4-delay-req");
	assert_string_equal(hwts_rx_filter_name(HWTSTAMP_FILTER_NTP_ALL),
			    "ntp-all");
	/* Broken: out of range either side. */
	assert_string_equal(hwts_rx_filter_name(-1), "unknown");
	assert_string_equal(hwts_rx_filter_name(__HWTSTAMP_FILTER_CNT),
			    "unknown");

	assert_string_equal(hwts_tx_type_name(HWTSTAMP_TX_OFF), "off");
	assert_string_equal(hwts_tx_type_name(HWTSTAMP_TX_ON), "on");
	assert_string_equal(hwts_tx_type_name(HWTSTAMP_TX_ONESTEP_SYNC),
			    "onestep-sync");
	assert_string_equal(hwts_tx_type_name(HWTSTAMP_TX_ONESTEP_P2P),
			    "onestep-p2p");
	assert_string_equal(hwts_tx_type_name(4), "unknown");
	assert_string_equal(hwts_tx_type_name(-1), "unknown");
}

static void test_stamps(void **state)
{
	(void)state;
	/* SPEC §3: every filter stamping PTPv2 event messages of a transport
	 * is accepted as it is. */
	assert_true(hwts_filter_stamps_ptpv2_event(
		HWTSTAMP_FILTER_PTP_V2_L4_EVENT));
	assert_true(
		hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_PTP_V2_EVENT));
	assert_true(hwts_filter_stamps_ptpv2_event(
		HWTSTAMP_FILTER_PTP_V2_L2_EVENT));
	assert_true(hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_ALL));

	/* SYNC-only never stamps a Delay_Req, DELAY_REQ-only never a Sync. */
	assert_false(
		hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_PTP_V2_L4_SYNC));
	assert_false(hwts_filter_stamps_ptpv2_event(
		HWTSTAMP_FILTER_PTP_V2_L4_DELAY_REQ));
	assert_false(
		hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_PTP_V2_L2_SYNC));
	assert_false(
		hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_PTP_V2_SYNC));
	assert_false(hwts_filter_stamps_ptpv2_event(
		HWTSTAMP_FILTER_PTP_V2_DELAY_REQ));
	/* PTPv1, NTP: other packets entirely. */
	assert_false(hwts_filter_stamps_ptpv2_event(
		HWTSTAMP_FILTER_PTP_V1_L4_EVENT));
	assert_false(hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_NTP_ALL));
	/* SOME and unknown values: driver-specific, not trusted. */
	assert_false(hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_SOME));
	assert_false(hwts_filter_stamps_ptpv2_event(HWTSTAMP_FILTER_NONE));
	assert_false(hwts_filter_stamps_ptpv2_event(99));
	assert_false(hwts_filter_stamps_ptpv2_event(-1));
}

static void test_contains(void **state)
{
	(void)state;
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_EVENT,
					 HWTSTAMP_FILTER_PTP_V2_L2_EVENT));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
					  HWTSTAMP_FILTER_PTP_V2_L2_EVENT));
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
					 HWTSTAMP_FILTER_PTP_V2_L4_SYNC));
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_EVENT,
					 HWTSTAMP_FILTER_PTP_V2_DELAY_REQ));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
					  HWTSTAMP_FILTER_PTP_V2_SYNC));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_EVENT,
					  HWTSTAMP_FILTER_PTP_V1_L4_EVENT));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_EVENT,
					  HWTSTAMP_FILTER_NTP_ALL));
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_ALL,
					 HWTSTAMP_FILTER_NTP_ALL));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_EVENT,
					  HWTSTAMP_FILTER_SOME));
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_ALL,
					 HWTSTAMP_FILTER_SOME));
	assert_true(hwts_filter_contains(HWTSTAMP_FILTER_PTP_V2_L4_SYNC,
					 HWTSTAMP_FILTER_NONE));
	assert_false(hwts_filter_contains(HWTSTAMP_FILTER_NONE,
					  HWTSTAMP_FILTER_PTP_V2_L4_SYNC));
}

/* Each accepted filter, with TX on, is left exactly as it is. */
static void test_plan_already_covered(void **state)
{
	static const int ok[] = {
		HWTSTAMP_FILTER_PTP_V2_L4_EVENT, HWTSTAMP_FILTER_PTP_V2_EVENT,
		HWTSTAMP_FILTER_PTP_V2_L2_EVENT, HWTSTAMP_FILTER_ALL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct hwtstamp_config cur = cfg(HWTSTAMP_TX_ON, ok[i]);
		struct hwtstamp_config want = sentinel;

		assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 0);
		assert_memory_equal(&want, &sentinel, sizeof(want));
	}
	/* One-step TX counts as on. */
	struct hwtstamp_config cur =
		cfg(HWTSTAMP_TX_ONESTEP_SYNC, HWTSTAMP_FILTER_PTP_V2_EVENT);
	struct hwtstamp_config want = sentinel;

	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 0);
}

static void test_plan_sync_only_upgraded(void **state)
{
	struct hwtstamp_config cur =
		cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_PTP_V2_L4_SYNC);
	struct hwtstamp_config want = sentinel;

	(void)state;
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(want.tx_type, HWTSTAMP_TX_ON);
}

static void test_plan_none_set(void **state)
{
	struct hwtstamp_config cur = cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE);
	struct hwtstamp_config want = sentinel;

	(void)state;
	cur.flags = HWTSTAMP_FLAG_BONDED_PHC_INDEX;
	/* SPEC §3: PTP_V2_EVENT first, every transport is captured */
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(want.tx_type, HWTSTAMP_TX_ON);
	/* Flags belong to whoever set them (bonding): kept. */
	assert_int_equal(want.flags, HWTSTAMP_FLAG_BONDED_PHC_INDEX);
}

static void test_plan_only_v2_event(void **state)
{
	struct nic_ts_info info = nic_full;
	struct hwtstamp_config cur = cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE);
	struct hwtstamp_config want;

	(void)state;
	info.rx_filters = BIT(HWTSTAMP_FILTER_NONE) |
			  BIT(HWTSTAMP_FILTER_PTP_V2_EVENT) |
			  BIT(HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
}

static void test_plan_only_all(void **state)
{
	struct nic_ts_info info = nic_full;
	struct hwtstamp_config cur = cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE);
	struct hwtstamp_config want;

	(void)state;
	info.rx_filters = BIT(HWTSTAMP_FILTER_NONE) | BIT(HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_ALL);
}

static void test_plan_nothing_offered(void **state)
{
	struct nic_ts_info info = nic_full;
	struct hwtstamp_config cur = cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE);
	struct hwtstamp_config want;

	(void)state;
	/* Sync-only and L2 filters are offered, but none covers. */
	info.rx_filters = BIT(HWTSTAMP_FILTER_NONE) |
			  BIT(HWTSTAMP_FILTER_PTP_V2_L4_SYNC) |
			  BIT(HWTSTAMP_FILTER_PTP_V2_L2_EVENT);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), -EOPNOTSUPP);
	assert_int_equal(hwts_plan(&cur, false, &info, &want), -EOPNOTSUPP);
	info.rx_filters = 0;
	assert_int_equal(hwts_plan(&cur, true, &info, &want), -EOPNOTSUPP);
}

/* A filter another user set is only ever replaced by one containing it. */
static void test_plan_never_narrows(void **state)
{
	struct hwtstamp_config cur =
		cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_PTP_V2_L2_EVENT);
	struct hwtstamp_config want = sentinel;
	struct nic_ts_info info = nic_full;

	(void)state;
	/* ptp4l -2's PTP_V2_L2_EVENT stamps PTPv2 events: left alone. */
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 0);
	assert_memory_equal(&want, &sentinel, sizeof(want));

	/* L2 Sync only: V2_EVENT contains it, L4_EVENT would break it. */
	cur = cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_PTP_V2_L2_SYNC);
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	info.rx_filters &= ~BIT(HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_ALL);
	info = nic_full;

	/* chrony's NTP_ALL: only ALL contains it. */
	cur = cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_NTP_ALL);
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_ALL);
	info.rx_filters &= ~BIT(HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), -EBUSY);

	/* SOME read back from another user: unknown, only ALL is safe. */
	cur = cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_SOME);
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), -EBUSY);
}

static void test_plan_tx_never_downgraded(void **state)
{
	static const int keep[] = {HWTSTAMP_TX_ON, HWTSTAMP_TX_ONESTEP_SYNC,
				   HWTSTAMP_TX_ONESTEP_P2P};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		struct hwtstamp_config cur = cfg(keep[i], HWTSTAMP_FILTER_NONE);
		struct hwtstamp_config want;

		assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
		assert_int_equal(want.tx_type, keep[i]);
		assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	}
}

static void test_plan_tx_only(void **state)
{
	struct hwtstamp_config cur =
		cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_PTP_V2_EVENT);
	struct hwtstamp_config want;
	struct nic_ts_info info = nic_full;

	(void)state;
	/* RX is fine, TX is off: turn TX on, keep the broader V2_EVENT. */
	assert_int_equal(hwts_plan(&cur, true, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(want.tx_type, HWTSTAMP_TX_ON);
	/* An RX-only NIC: nothing more to ask for. */
	info.tx_types = BIT(HWTSTAMP_TX_OFF);
	assert_int_equal(hwts_plan(&cur, true, &info, &want), 0);
	cur.rx_filter = HWTSTAMP_FILTER_NONE;
	assert_int_equal(hwts_plan(&cur, true, &info, &want), 1);
	assert_int_equal(want.tx_type, HWTSTAMP_TX_OFF);
}

static void test_plan_unknown_current(void **state)
{
	struct hwtstamp_config want = sentinel;

	(void)state;
	assert_int_equal(hwts_plan(NULL, false, &nic_full, &want), 1);
	assert_int_equal(want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(want.tx_type, HWTSTAMP_TX_ON);
	assert_int_equal(want.flags, 0);
}

static void test_readback(void **state)
{
	struct hwtstamp_config c;

	(void)state;
	c = cfg(HWTSTAMP_TX_ON, HWTSTAMP_FILTER_PTP_V2_L4_EVENT);
	assert_true(hwts_readback_ok(&c));
	/* Driver upgrades (e.g. ixgbe answers L4_EVENT with V2_EVENT). */
	c.rx_filter = HWTSTAMP_FILTER_PTP_V2_EVENT;
	assert_true(hwts_readback_ok(&c));
	c.rx_filter = HWTSTAMP_FILTER_ALL;
	assert_true(hwts_readback_ok(&c));
	c.rx_filter = HWTSTAMP_FILTER_SOME;
	assert_true(hwts_readback_ok(&c));
	/* Broken: a driver answering with something narrower. */
	c.rx_filter = HWTSTAMP_FILTER_PTP_V2_L4_SYNC;
	assert_false(hwts_readback_ok(&c));
	/* L2 events only still stamps PTPv2 events (SPEC §3 accepts it) */
	c.rx_filter = HWTSTAMP_FILTER_PTP_V2_L2_EVENT;
	assert_true(hwts_readback_ok(&c));
	c.rx_filter = HWTSTAMP_FILTER_PTP_V2_L2_SYNC;
	assert_false(hwts_readback_ok(&c));
	c.rx_filter = HWTSTAMP_FILTER_NONE;
	assert_false(hwts_readback_ok(&c));
}

static void test_capable(void **state)
{
	bool rx, tx, raw;
	struct nic_ts_info info = nic_full;

	(void)state;
	assert_int_equal(hwts_capable(&nic_full, &rx, &tx, &raw), 0);
	assert_true(rx && tx && raw);
	assert_int_equal(hwts_capable(&nic_veth, &rx, &tx, &raw), -EOPNOTSUPP);
	assert_false(rx || tx || raw);
	/* Each missing part alone refuses. */
	info.phc_index = -1;
	assert_int_equal(hwts_capable(&info, &rx, &tx, &raw), -EOPNOTSUPP);
	info = nic_full;
	info.so_timestamping &= ~SOF_TIMESTAMPING_RAW_HARDWARE;
	assert_int_equal(hwts_capable(&info, &rx, &tx, &raw), -EOPNOTSUPP);
	info = nic_full;
	info.so_timestamping &= ~SOF_TIMESTAMPING_RX_HARDWARE;
	assert_int_equal(hwts_capable(&info, &rx, &tx, &raw), -EOPNOTSUPP);
	/* TX hardware is not needed to receive hardware stamps. */
	info = nic_full;
	info.so_timestamping &= ~SOF_TIMESTAMPING_TX_HARDWARE;
	assert_int_equal(hwts_capable(&info, &rx, &tx, &raw), 0);
	assert_false(tx);
}

static struct hwts_probe probe(const struct nic_ts_info *info, int tx, int rx,
			       bool may_write)
{
	struct hwts_probe p = {
		.ifname = "eth0",
		.info = *info,
		.cur = cfg(tx, rx),
		.may_write = may_write,
	};

	return p;
}

static void test_decide_veth(void **state)
{
	struct hwts_probe p = probe(&nic_veth, 0, 0, true);
	struct hwts_decision d;

	(void)state;
	p.ifname = "veth0";
	p.get_err = -EOPNOTSUPP;
	assert_int_equal(hwts_decide(TS_SOFTWARE, &p, &d), 0);
	assert_true(d.usable);
	assert_false(d.hardware);
	assert_false(d.write);
	assert_non_null(strstr(d.reason, "software"));

	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.usable);
	assert_string_equal(d.reason,
			    "veth0: no hardware receive timestamping "
			    "(ETHTOOL_GET_TS_INFO so_timestamping=0x1a)");

	assert_int_equal(hwts_decide(TS_AUTO, &p, &d), 0);
	assert_true(d.usable);
	assert_false(d.hardware);
	assert_false(d.write);
	assert_string_equal(d.reason,
			    "software stamps: veth0: no hardware receive "
			    "timestamping (ETHTOOL_GET_TS_INFO "
			    "so_timestamping=0x1a)");
}

static void test_decide_missing_parts(void **state)
{
	struct hwts_probe p = probe(&nic_full, HWTSTAMP_TX_ON,
				    HWTSTAMP_FILTER_PTP_V2_L4_EVENT, true);
	struct hwts_decision d;

	(void)state;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), 0);
	assert_true(d.hardware);
	assert_false(d.write);
	assert_string_equal(d.reason, "eth0: hardware stamps from /dev/ptp0 "
				      "(rx filter 'ptpv2-l4-event')");

	p.info.phc_index = -1;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_string_equal(d.reason,
			    "eth0: no PTP hardware clock (phc_index -1)");

	p.info = nic_full;
	p.info.so_timestamping &= ~SOF_TIMESTAMPING_RAW_HARDWARE;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.reason, "no raw hardware"));

	/* --delay-req needs TX hardware stamps. */
	p.info = nic_full;
	p.info.so_timestamping &= ~SOF_TIMESTAMPING_TX_HARDWARE;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), 0);
	p.need_tx = true;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.reason, "no hardware transmit"));

	p = probe(&nic_full, 0, 0, true);
	p.info_err = -EOPNOTSUPP;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.reason, "ETHTOOL_GET_TS_INFO failed"));
	assert_int_equal(hwts_decide(TS_AUTO, &p, &d), 0);
	assert_false(d.hardware);
}

static void test_decide_check_never_writes(void **state)
{
	struct hwts_probe p =
		probe(&nic_full, HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE, false);
	struct hwts_decision d;

	(void)state;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.write);
	assert_string_equal(
		d.reason, "eth0: hardware config filter 'none' does not stamp "
			  "PTPv2 event messages and --hwts-config check "
			  "forbids setting it");
	assert_int_equal(hwts_decide(TS_AUTO, &p, &d), 0);
	assert_false(d.hardware);
	assert_false(d.write);

	/* Covered but TX off: fine for a passive slave, no write... */
	p.cur = cfg(HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), 0);
	assert_true(d.hardware);
	assert_false(d.write);
	/* ...not for --delay-req. */
	p.need_tx = true;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.write);
	assert_non_null(strstr(d.reason, "tx type 'off'"));

	/* A driver without SIOCGHWTSTAMP cannot be verified. */
	p = probe(&nic_full, 0, 0, false);
	p.get_err = -EOPNOTSUPP;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.write);
	assert_non_null(strstr(d.reason, "cannot report"));
}

static void test_decide_ensure_writes(void **state)
{
	struct hwts_probe p =
		probe(&nic_full, HWTSTAMP_TX_OFF, HWTSTAMP_FILTER_NONE, true);
	struct hwts_decision d;

	(void)state;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), 0);
	assert_true(d.usable && d.hardware && d.write);
	assert_int_equal(d.want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);
	assert_int_equal(d.want.tx_type, HWTSTAMP_TX_ON);
	assert_non_null(strstr(d.reason, "after setting rx filter "
					 "'ptpv2-event', tx type 'on'"));

	/* A driver without SIOCGHWTSTAMP: set blindly, then read back. */
	p.get_err = -EOPNOTSUPP;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), 0);
	assert_true(d.write);
	assert_int_equal(d.want.rx_filter, HWTSTAMP_FILTER_PTP_V2_EVENT);

	/* The set failed: privilege, then anything else. */
	p.get_err = 0;
	p.set_err = -EPERM;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EPERM);
	assert_false(d.write);
	assert_non_null(strstr(d.reason, "CAP_NET_ADMIN"));
	assert_int_equal(hwts_decide(TS_AUTO, &p, &d), 0);
	assert_false(d.hardware);
	p.set_err = -ERANGE;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.reason, "failed"));

	/* Reading needs CAP_NET_ADMIN on this kernel. */
	p.set_err = 0;
	p.get_err = -EPERM;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EPERM);
	assert_non_null(strstr(d.reason, "CAP_NET_ADMIN"));
	p.get_err = -EIO;
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
}

static void test_decide_ensure_refused(void **state)
{
	struct hwts_probe p =
		probe(&nic_full, HWTSTAMP_TX_ON, HWTSTAMP_FILTER_NTP_ALL, true);
	struct hwts_decision d;

	(void)state;
	p.info.rx_filters &= ~BIT(HWTSTAMP_FILTER_ALL);
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.write);
	assert_non_null(strstr(d.reason, "'ntp-all' is in use"));

	p.info.rx_filters = BIT(HWTSTAMP_FILTER_NONE);
	assert_int_equal(hwts_decide(TS_HARDWARE, &p, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.reason, "offers no receive filter"));
}

static void test_decide_software_tx(void **state)
{
	struct hwts_probe p = probe(&nic_veth, 0, 0, true);
	struct hwts_decision d;

	(void)state;
	p.need_tx = true;
	assert_int_equal(hwts_decide(TS_SOFTWARE, &p, &d), 0);
	p.info.so_timestamping &= ~SOF_TIMESTAMPING_TX_SOFTWARE;
	assert_int_equal(hwts_decide(TS_SOFTWARE, &p, &d), -EOPNOTSUPP);
	assert_false(d.usable);
	assert_non_null(strstr(d.reason, "no software transmit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_stamps),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_plan_already_covered),
		cmocka_unit_test(test_plan_sync_only_upgraded),
		cmocka_unit_test(test_plan_none_set),
		cmocka_unit_test(test_plan_only_v2_event),
		cmocka_unit_test(test_plan_only_all),
		cmocka_unit_test(test_plan_nothing_offered),
		cmocka_unit_test(test_plan_never_narrows),
		cmocka_unit_test(test_plan_tx_never_downgraded),
		cmocka_unit_test(test_plan_tx_only),
		cmocka_unit_test(test_plan_unknown_current),
		cmocka_unit_test(test_readback),
		cmocka_unit_test(test_capable),
		cmocka_unit_test(test_decide_veth),
		cmocka_unit_test(test_decide_missing_parts),
		cmocka_unit_test(test_decide_check_never_writes),
		cmocka_unit_test(test_decide_ensure_writes),
		cmocka_unit_test(test_decide_ensure_refused),
		cmocka_unit_test(test_decide_software_tx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
