/* SPDX-License-Identifier: MIT */
/*
 * Hardware-timestamping policy (SPEC §3): which hwtstamp_config stamps
 * PTPv2 event messages, what to write without ever narrowing a config that
 * ptp4l (or chrony) shares with us, and whether a --timestamping mode can
 * run. Pure: no I/O, no clock; the caller does the ioctls (nic.h).
 */
#ifndef TBLK_HWTS_H
#define TBLK_HWTS_H

#include <linux/net_tstamp.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "nic.h"

/* The kernel's ethtool names (ethtool -T): "ptpv2-l4-event", "all",
 * "onestep-sync"...; "unknown" for a value this build does not know. */
const char *hwts_rx_filter_name(int rx_filter);
const char *hwts_tx_type_name(int tx_type);

/* True when @rx_filter stamps every PTPv2 event message of a transport:
 * PTP_V2_EVENT, PTP_V2_L4_EVENT, PTP_V2_L2_EVENT or ALL (SPEC §3: any of
 * them is accepted, none is replaced). SYNC-/DELAY_REQ-only filters, v1,
 * NTP_ALL and the driver-specific SOME do not. */
bool hwts_filter_stamps_ptpv2_event(int rx_filter);

/* True when every packet @inner stamps is also stamped by @outer, by the
 * filter definitions in linux/net_tstamp.h (SOME: only ALL contains it). */
bool hwts_filter_contains(int outer, int inner);

/*
 * Plan --hwts-config ensure. @cur is the device's config when @have_cur
 * (SIOCGHWTSTAMP worked). Returns 0 when nothing is missing, 1 when *@want
 * should be written (then read back and checked with hwts_readback_ok),
 * -EOPNOTSUPP when @info offers no filter covering PTPv2 L4 events, -EBUSY
 * when every offered covering filter would narrow @cur's (e.g. NTP_ALL set
 * by chrony and no ALL offered). @want's filter is the first offered of
 * PTP_V2_EVENT, PTP_V2_L4_EVENT, ALL that contains @cur's; its tx_type
 * keeps ON or a one-step mode, else becomes ON when offered; flags kept.
 */
int hwts_plan(const struct hwtstamp_config *cur, bool have_cur,
	      const struct nic_ts_info *info, struct hwtstamp_config *want);

/* True when the config the kernel wrote back after our SIOCSHWTSTAMP
 * stamps PTPv2 L4 events: a covering filter, or SOME, which a driver
 * returns to mean "what you asked for plus others". */
bool hwts_readback_ok(const struct hwtstamp_config *applied);

/*
 * Evaluate ETHTOOL_GET_TS_INFO: *@hw_rx / *@hw_tx from
 * SOF_TIMESTAMPING_{RX,TX}_HARDWARE, *@raw from RAW_HARDWARE. Returns 0
 * when hardware RX stamps are possible (RX + raw hardware and a PHC,
 * phc_index >= 0), -EOPNOTSUPP otherwise.
 */
int hwts_capable(const struct nic_ts_info *info, bool *hw_rx, bool *hw_tx,
		 bool *raw);

/* What the caller learnt from the device, for hwts_decide(). */
struct hwts_probe {
	const char *ifname;
	struct nic_ts_info info;
	int info_err; /* nic_ts_info(): 0 or -errno */
	struct hwtstamp_config cur;
	int get_err;	/* nic_hwtstamp_get(): 0 or -errno */
	int set_err;	/* a failed nic_hwtstamp_set(), else 0 */
	bool may_write; /* --hwts-config ensure */
	bool need_tx;	/* --delay-req: TX stamps of our Delay_Req */
};

/* The verdict for a --timestamping mode. */
struct hwts_decision {
	bool usable;   /* the requested mode can run */
	bool hardware; /* it runs on NIC stamps (else kernel software) */
	bool write;    /* hardware needs *want written first (ensure) */
	struct hwtstamp_config want;
	char reason[256]; /* one line: why, naming what is missing */
};

/*
 * Decide whether @mode can run on the device described by @p. Returns 0
 * when usable, -EOPNOTSUPP when not (exit 69), -EPERM when only
 * CAP_NET_ADMIN is missing (exit 77); @d->reason says why either way.
 * Under TS_AUTO a hardware failure falls back to software, with the
 * hardware reason kept in @d->reason.
 */
int hwts_decide(enum ts_mode mode, const struct hwts_probe *p,
		struct hwts_decision *d);

#endif
