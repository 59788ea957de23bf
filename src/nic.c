// SPDX-License-Identifier: MIT
/* The NIC seam: SIOCETHTOOL and SIOC[GS]HWTSTAMP, see nic.h. */
#include "nic.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

/* Fill @ifr for @ifname; an over-long name cannot name a device. */
static int nic_ifreq(struct ifreq *ifr, const char *ifname, void *data)
{
	size_t n = strlen(ifname);

	if (n == 0 || n >= sizeof(ifr->ifr_name)) {
		return -ENODEV;
	}
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, ifname, n);
	ifr->ifr_data = data;
	return 0;
}

static int nic_ioctl(int fd, const char *ifname, unsigned long req, void *data)
{
	struct ifreq ifr;
	int r = nic_ifreq(&ifr, ifname, data);

	if (r < 0) {
		return r;
	}
	if (ioctl(fd, req, &ifr) < 0) {
		return -errno;
	}
	return 0;
}

int nic_ts_info(int fd, const char *ifname, struct nic_ts_info *info)
{
	struct ethtool_ts_info ti;
	int r;

	memset(&ti, 0, sizeof(ti));
	ti.cmd = ETHTOOL_GET_TS_INFO;
	r = nic_ioctl(fd, ifname, SIOCETHTOOL, &ti);
	if (r < 0) {
		return r;
	}
	info->so_timestamping = ti.so_timestamping;
	info->phc_index = ti.phc_index;
	info->tx_types = ti.tx_types;
	info->rx_filters = ti.rx_filters;
	return 0;
}

int nic_hwtstamp_get(int fd, const char *ifname, struct hwtstamp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return nic_ioctl(fd, ifname, SIOCGHWTSTAMP, cfg);
}

int nic_hwtstamp_set(int fd, const char *ifname, struct hwtstamp_config *cfg)
{
	return nic_ioctl(fd, ifname, SIOCSHWTSTAMP, cfg);
}

int nic_driver(int fd, const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo di;
	size_t n;
	int r;

	if (len == 0) {
		return -EINVAL;
	}
	memset(&di, 0, sizeof(di));
	di.cmd = ETHTOOL_GDRVINFO;
	r = nic_ioctl(fd, ifname, SIOCETHTOOL, &di);
	if (r < 0) {
		return r;
	}
	/* The kernel NUL-terminates, but a driver's strings are not ours. */
	n = strnlen(di.driver, sizeof(di.driver));
	if (n >= len) {
		n = len - 1;
	}
	memcpy(buf, di.driver, n);
	buf[n] = '\0';
	return 0;
}
