/* SPDX-License-Identifier: MIT */
/*
 * The thin kernel seam for the NIC: the ethtool and hardware-timestamping
 * ioctls, nothing else. Each call goes through libc's ioctl(), so the
 * tests/shim/fakenic.so LD_PRELOAD shim can stand in for a NIC with a PHC
 * while the daemon binary stays unchanged.
 */
#ifndef TBLK_NIC_H
#define TBLK_NIC_H

#include <linux/net_tstamp.h>
#include <stddef.h>
#include <stdint.h>

/* What ETHTOOL_GET_TS_INFO reports (struct ethtool_ts_info). */
struct nic_ts_info {
	uint32_t so_timestamping; /* SOF_TIMESTAMPING_* the device supports */
	int phc_index;		  /* /dev/ptpN, or -1: no PHC */
	uint32_t tx_types;   /* bit (1 << HWTSTAMP_TX_*) per type offered */
	uint32_t rx_filters; /* bit (1 << HWTSTAMP_FILTER_*) per filter */
};

/* ETHTOOL_GET_TS_INFO on @ifname through @fd (any AF_INET datagram
 * socket). Returns 0 or -errno (-ENODEV: no such interface). */
int nic_ts_info(int fd, const char *ifname, struct nic_ts_info *info);

/* SIOCGHWTSTAMP: the device's current hardware-timestamping config.
 * Returns 0 or -errno (-EOPNOTSUPP: the driver cannot report it). */
int nic_hwtstamp_get(int fd, const char *ifname, struct hwtstamp_config *cfg);

/* SIOCSHWTSTAMP with *@cfg; the kernel writes back what the driver applied
 * (possibly a broader filter). Returns 0 or -errno (-EPERM: no
 * CAP_NET_ADMIN, -ERANGE: a type or filter the driver does not offer). */
int nic_hwtstamp_set(int fd, const char *ifname, struct hwtstamp_config *cfg);

/* ETHTOOL_GDRVINFO: the driver's name into @buf (@len bytes, always
 * NUL-terminated). Returns 0 or -errno. */
int nic_driver(int fd, const char *ifname, char *buf, size_t len);

#endif
