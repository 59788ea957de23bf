// SPDX-License-Identifier: MIT
/* Hardware-timestamping policy, see hwts.h. Pure. */
#include "hwts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const hwts_rx_names[] = {
	/* The kernel's ts_rx_filter_names (net/ethtool/common.c), which
	 * ethtool -T prints. */
	[HWTSTAMP_FILTER_NONE] = "none",
	[HWTSTAMP_FILTER_ALL] = "all",
	[HWTSTAMP_FILTER_SOME] = "some",
	[HWTSTAMP_FILTER_PTP_V1_L4_EVENT] = "ptpv1-l4-event",
	[HWTSTAMP_FILTER_PTP_V1_L4_SYNC] = "ptpv1-l4-sync",
	[HWTSTAMP_FILTER_PTP_V1_L4_DELAY_REQ] = "ptpv1-l4-delay-req",
	[HWTSTAMP_FILTER_PTP_V2_L4_EVENT] = "ptpv2-l4-event",
	[HWTSTAMP_FILTER_PTP_V2_L4_SYNC] = "ptpv2-l4-sync",
	[HWTSTAMP_FILTER_PTP_V2_L4_DELAY_REQ] = "ptpv2-l4-delay-req",
	[HWTSTAMP_FILTER_PTP_V2_L2_EVENT] = "ptpv2-l2-event",
	[HWTSTAMP_FILTER_PTP_V2_L2_SYNC] = "ptpv2-l2-sync",
	[HWTSTAMP_FILTER_PTP_V2_L2_DELAY_REQ] = "ptpv2-l2-delay-req",
	[HWTSTAMP_FILTER_PTP_V2_EVENT] = "ptpv2-event",
	[HWTSTAMP_FILTER_PTP_V2_SYNC] = "ptpv2-sync",
	[HWTSTAMP_FILTER_PTP_V2_DELAY_REQ] = "ptpv2-delay-req",
	[HWTSTAMP_FILTER_NTP_ALL] = "ntp-all",
};

static const char *const hwts_tx_names[] = {
	[HWTSTAMP_TX_OFF] = "off",
	[HWTSTAMP_TX_ON] = "on",
	[HWTSTAMP_TX_ONESTEP_SYNC] = "onestep-sync",
	[HWTSTAMP_TX_ONESTEP_P2P] = "onestep-p2p",
};

#define HWTS_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *hwts_rx_filter_name(int rx_filter)
{
	if (rx_filter < 0 || rx_filter >= HWTS_COUNT(hwts_rx_names) ||
	    !hwts_rx_names[rx_filter]) {
		return "unknown";
	}
	return hwts_rx_names[rx_filter];
}

const char *hwts_tx_type_name(int tx_type)
{
	if (tx_type < 0 || tx_type >= HWTS_COUNT(hwts_tx_names) ||
	    !hwts_tx_names[tx_type]) {
		return "unknown";
	}
	return hwts_tx_names[tx_type];
}

/* Classes of packets a filter stamps, from the comments on enum
 * hwtstamp_rx_filters. UNKNOWN stands for what SOME (or a value this
 * build does not know) might stamp: only ALL is sure to contain it. */
enum {
	HC_V1_SYNC = 1 << 0,
	HC_V1_DREQ = 1 << 1,
	HC_V2_L4_SYNC = 1 << 2,
	HC_V2_L4_DREQ = 1 << 3,
	HC_V2_L4_PDELAY = 1 << 4, /* Pdelay_Req and Pdelay_Resp */
	HC_V2_L2_SYNC = 1 << 5,
	HC_V2_L2_DREQ = 1 << 6,
	HC_V2_L2_PDELAY = 1 << 7,
	HC_NTP = 1 << 8,
	HC_OTHER = 1 << 9,
	HC_UNKNOWN = 1 << 10,
	HC_V2_L4 = HC_V2_L4_SYNC | HC_V2_L4_DREQ | HC_V2_L4_PDELAY,
	HC_V2_L2 = HC_V2_L2_SYNC | HC_V2_L2_DREQ | HC_V2_L2_PDELAY,
	HC_EVERYTHING = (1 << 11) - 1,
};

static unsigned int hwts_filter_classes(int rx_filter)
{
	switch (rx_filter) {
	case HWTSTAMP_FILTER_NONE:
		return 0;
	case HWTSTAMP_FILTER_ALL:
		return HC_EVERYTHING;
	case HWTSTAMP_FILTER_PTP_V1_L4_EVENT:
		return HC_V1_SYNC | HC_V1_DREQ;
	case HWTSTAMP_FILTER_PTP_V1_L4_SYNC:
		return HC_V1_SYNC;
	case HWTSTAMP_FILTER_PTP_V1_L4_DELAY_REQ:
		return HC_V1_DREQ;
	case HWTSTAMP_FILTER_PTP_V2_L4_EVENT:
		return HC_V2_L4;
	case HWTSTAMP_FILTER_PTP_V2_L4_SYNC:
		return HC_V2_L4_SYNC;
	case HWTSTAMP_FILTER_PTP_V2_L4_DELAY_REQ:
		return HC_V2_L4_DREQ;
	case HWTSTAMP_FILTER_PTP_V2_L2_EVENT:
		return HC_V2_L2;
	case HWTSTAMP_FILTER_PTP_V2_L2_SYNC:
		return HC_V2_L2_SYNC;
	case HWTSTAMP_FILTER_PTP_V2_L2_DELAY_REQ:
		return HC_V2_L2_DREQ;
	case HWTSTAMP_FILTER_PTP_V2_EVENT:
		return HC_V2_L4 | HC_V2_L2;
	case HWTSTAMP_FILTER_PTP_V2_SYNC:
		return HC_V2_L4_SYNC | HC_V2_L2_SYNC;
	case HWTSTAMP_FILTER_PTP_V2_DELAY_REQ:
		return HC_V2_L4_DREQ | HC_V2_L2_DREQ;
	case HWTSTAMP_FILTER_NTP_ALL:
		return HC_NTP;
	default:
		/* HWTSTAMP_FILTER_SOME is a driver's "this and more". */
		return HC_UNKNOWN;
	}
}

bool hwts_filter_contains(int outer, int inner)
{
	return (hwts_filter_classes(inner) & ~hwts_filter_classes(outer)) == 0;
}

bool hwts_filter_stamps_ptpv2_event(int rx_filter)
{
	/* SPEC §3: PTP_V2_EVENT, PTP_V2_L4_EVENT, PTP_V2_L2_EVENT, ALL, or
	 * anything a driver upgrades them to. */
	return rx_filter != HWTSTAMP_FILTER_NONE &&
	       (hwts_filter_contains(rx_filter,
				     HWTSTAMP_FILTER_PTP_V2_L4_EVENT) ||
		hwts_filter_contains(rx_filter,
				     HWTSTAMP_FILTER_PTP_V2_L2_EVENT));
}

static bool hwts_offers(uint32_t mask, int bit)
{
	return bit >= 0 && bit < 32 && (mask & (1u << bit));
}

/* Filters we may ask for (SPEC §3): PTP_V2_EVENT first, since the capture
 * path sees every transport (UDPv4, UDPv6, L2); then UDP only; then ALL. */
static const int hwts_candidates[] = {
	HWTSTAMP_FILTER_PTP_V2_EVENT,
	HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
	HWTSTAMP_FILTER_ALL,
};

int hwts_plan(const struct hwtstamp_config *cur, bool have_cur,
	      const struct nic_ts_info *info, struct hwtstamp_config *want)
{
	bool tx_on_offered = hwts_offers(info->tx_types, HWTSTAMP_TX_ON);
	bool rx_ok = have_cur && hwts_filter_stamps_ptpv2_event(cur->rx_filter);
	bool tx_ok =
		have_cur && (cur->tx_type != HWTSTAMP_TX_OFF || !tx_on_offered);
	bool any_offered = false;
	size_t i;

	if (rx_ok && tx_ok) {
		return 0;
	}
	memset(want, 0, sizeof(*want));
	if (have_cur) {
		*want = *cur;
	}
	if (!rx_ok) {
		want->rx_filter = HWTSTAMP_FILTER_NONE;
		for (i = 0; i < HWTS_COUNT(hwts_candidates); i++) {
			int f = hwts_candidates[i];

			if (!hwts_offers(info->rx_filters, f)) {
				continue;
			}
			any_offered = true;
			/* Never narrow what another user (ptp4l -2 with
			 * PTP_V2_L2_EVENT, chrony with NTP_ALL) relies on. */
			if (!have_cur ||
			    hwts_filter_contains(f, cur->rx_filter)) {
				want->rx_filter = f;
				break;
			}
		}
		if (!any_offered) {
			return -EOPNOTSUPP;
		}
		if (want->rx_filter == HWTSTAMP_FILTER_NONE) {
			return -EBUSY;
		}
	}
	/* ON and the one-step modes all deliver our TX stamps; one-step
	 * additionally rewrites Sync in flight for ptp4l: keep any of them. */
	if (!have_cur || cur->tx_type == HWTSTAMP_TX_OFF) {
		want->tx_type =
			tx_on_offered ? HWTSTAMP_TX_ON : HWTSTAMP_TX_OFF;
	}
	return 1;
}

bool hwts_readback_ok(const struct hwtstamp_config *applied)
{
	/* SOME is only ever a SIOCSHWTSTAMP answer: "time stamp all packets
	 * requested plus some others" (linux/net_tstamp.h), and we only
	 * request covering filters. */
	return applied->rx_filter == HWTSTAMP_FILTER_SOME ||
	       hwts_filter_stamps_ptpv2_event(applied->rx_filter);
}

int hwts_capable(const struct nic_ts_info *info, bool *hw_rx, bool *hw_tx,
		 bool *raw)
{
	*hw_rx = info->so_timestamping & SOF_TIMESTAMPING_RX_HARDWARE;
	*hw_tx = info->so_timestamping & SOF_TIMESTAMPING_TX_HARDWARE;
	*raw = info->so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE;
	return *hw_rx && *raw && info->phc_index >= 0 ? 0 : -EOPNOTSUPP;
}

static int hwts_reason(struct hwts_decision *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int hwts_reason(struct hwts_decision *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	return err;
}

/* A write is planned: is it known to fail? */
static int hwts_decide_write(const struct hwts_probe *p,
			     struct hwts_decision *d)
{
	d->write = true;
	if (p->set_err == -EPERM) {
		return hwts_reason(d, -EPERM,
				   "%s: setting the hardware config (rx filter "
				   "'%s') needs CAP_NET_ADMIN",
				   p->ifname,
				   hwts_rx_filter_name(d->want.rx_filter));
	}
	if (p->set_err < 0) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: setting the hardware config (rx filter "
				   "'%s') failed: %s",
				   p->ifname,
				   hwts_rx_filter_name(d->want.rx_filter),
				   strerror(-p->set_err));
	}
	return 0;
}

/* The --hwts-config part of the hardware verdict. */
static int hwts_decide_config(const struct hwts_probe *p,
			      struct hwts_decision *d)
{
	const struct hwtstamp_config *cur = &p->cur;
	bool have_cur = p->get_err == 0;
	int r;

	if (p->get_err == -EPERM) {
		return hwts_reason(d, -EPERM,
				   "%s: reading the hardware config "
				   "(SIOCGHWTSTAMP) needs CAP_NET_ADMIN",
				   p->ifname);
	}
	if (!p->may_write) {
		if (p->get_err == -EOPNOTSUPP) {
			return hwts_reason(
				d, -EOPNOTSUPP,
				"%s: the driver cannot report its "
				"hardware config (SIOCGHWTSTAMP) and "
				"--hwts-config check forbids setting it",
				p->ifname);
		}
		if (!have_cur) {
			return hwts_reason(d, -EOPNOTSUPP,
					   "%s: reading the hardware config "
					   "failed: %s",
					   p->ifname, strerror(-p->get_err));
		}
		if (!hwts_filter_stamps_ptpv2_event(cur->rx_filter)) {
			return hwts_reason(
				d, -EOPNOTSUPP,
				"%s: hardware config filter '%s' does "
				"not stamp PTPv2 event messages and "
				"--hwts-config check forbids setting it",
				p->ifname, hwts_rx_filter_name(cur->rx_filter));
		}
		if (p->need_tx && cur->tx_type == HWTSTAMP_TX_OFF) {
			return hwts_reason(
				d, -EOPNOTSUPP,
				"%s: hardware config tx type 'off' "
				"does not stamp sent messages and "
				"--hwts-config check forbids setting it",
				p->ifname);
		}
		return 0;
	}
	if (!have_cur && p->get_err != -EOPNOTSUPP) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: reading the hardware config failed: %s",
				   p->ifname, strerror(-p->get_err));
	}
	r = hwts_plan(cur, have_cur, &p->info, &d->want);
	if (r == -EOPNOTSUPP) {
		return hwts_reason(
			d, r,
			"%s: the driver offers no receive filter that "
			"stamps PTPv2 event messages (rx_filters=0x%x)",
			p->ifname, p->info.rx_filters);
	}
	if (r == -EBUSY) {
		return hwts_reason(
			d, -EOPNOTSUPP,
			"%s: hardware config filter '%s' is in use and "
			"every offered filter stamping PTPv2 event "
			"messages would narrow it (rx_filters=0x%x)",
			p->ifname, hwts_rx_filter_name(cur->rx_filter),
			p->info.rx_filters);
	}
	if (r == 1) {
		return hwts_decide_write(p, d);
	}
	return 0;
}

static int hwts_decide_hw(const struct hwts_probe *p, struct hwts_decision *d)
{
	const struct nic_ts_info *info = &p->info;
	bool hw_rx, hw_tx, raw;
	int r;

	if (p->info_err < 0) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: ETHTOOL_GET_TS_INFO failed: %s",
				   p->ifname, strerror(-p->info_err));
	}
	hwts_capable(info, &hw_rx, &hw_tx, &raw);
	if (!hw_rx) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: no hardware receive timestamping "
				   "(ETHTOOL_GET_TS_INFO so_timestamping=0x%x)",
				   p->ifname, info->so_timestamping);
	}
	if (!raw) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: no raw hardware timestamps "
				   "(ETHTOOL_GET_TS_INFO so_timestamping=0x%x)",
				   p->ifname, info->so_timestamping);
	}
	if (info->phc_index < 0) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: no PTP hardware clock (phc_index %d)",
				   p->ifname, info->phc_index);
	}
	if (p->need_tx && !hw_tx) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: no hardware transmit timestamping "
				   "(ETHTOOL_GET_TS_INFO so_timestamping=0x%x)",
				   p->ifname, info->so_timestamping);
	}
	r = hwts_decide_config(p, d);
	if (r < 0) {
		return r;
	}
	if (d->write) {
		return hwts_reason(d, 0,
				   "%s: hardware stamps from /dev/ptp%d after "
				   "setting rx filter '%s', tx type '%s'",
				   p->ifname, info->phc_index,
				   hwts_rx_filter_name(d->want.rx_filter),
				   hwts_tx_type_name(d->want.tx_type));
	}
	return hwts_reason(
		d, 0, "%s: hardware stamps from /dev/ptp%d (rx filter '%s')",
		p->ifname, info->phc_index,
		hwts_rx_filter_name(p->cur.rx_filter));
}

static int hwts_decide_sw(const struct hwts_probe *p, struct hwts_decision *d,
			  const char *why)
{
	d->hardware = false;
	d->write = false;
	/* RX software stamps come from the core network stack for every
	 * device; TX software stamps need the driver's skb_tx_timestamp(). */
	if (p->need_tx && p->info_err == 0 &&
	    !(p->info.so_timestamping & SOF_TIMESTAMPING_TX_SOFTWARE)) {
		return hwts_reason(d, -EOPNOTSUPP,
				   "%s: no software transmit timestamping "
				   "(ETHTOOL_GET_TS_INFO so_timestamping=0x%x)",
				   p->ifname, p->info.so_timestamping);
	}
	d->usable = true;
	if (why) {
		/* Keep the hardware reason: it is what the operator needs. */
		char hw[sizeof(d->reason)];

		memcpy(hw, why, sizeof(hw));
		return hwts_reason(d, 0, "software stamps: %s", hw);
	}
	return hwts_reason(d, 0, "%s: kernel software stamps", p->ifname);
}

int hwts_decide(enum ts_mode mode, const struct hwts_probe *p,
		struct hwts_decision *d)
{
	int r;

	memset(d, 0, sizeof(*d));
	if (mode == TS_SOFTWARE) {
		return hwts_decide_sw(p, d, NULL);
	}
	r = hwts_decide_hw(p, d);
	if (r == 0) {
		d->usable = true;
		d->hardware = true;
		return 0;
	}
	if (mode == TS_AUTO) {
		return hwts_decide_sw(p, d, d->reason);
	}
	d->write = false;
	return r;
}
