// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link.h"

int link_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK,
	};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static bool link_name_is(const struct nlmsghdr *nh, const char *ifname)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int alen = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *rta = IFLA_RTA(ifi);

	for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type != IFLA_IFNAME || n == 0) {
			continue;
		}
		/* IFLA_IFNAME is NUL terminated; compare within its payload */
		return strnlen(RTA_DATA(rta), n) == strlen(ifname) &&
		       !memcmp(RTA_DATA(rta), ifname, strlen(ifname));
	}
	return false;
}

int link_parse(const void *buf, size_t len, const char *ifname,
	       struct link_event *ev)
{
	int found = 0;
	size_t off = 0;

	/* An explicit walk rather than NLMSG_OK/NLMSG_NEXT: their int length
	 * arithmetic mixes signedness, and an unsigned length would wrap. */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nh =
			(const struct nlmsghdr *)((const char *)buf + off);
		const struct ifinfomsg *ifi;

		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - off) {
			break;
		}
		off += NLMSG_ALIGN(nh->nlmsg_len);
		if (nh->nlmsg_type != RTM_NEWLINK &&
		    nh->nlmsg_type != RTM_DELLINK) {
			if (off > len) {
				break;
			}
			continue;
		}
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi))) {
			return -EBADMSG;
		}
		ifi = NLMSG_DATA(nh);
		if (link_name_is(nh, ifname)) {
			ev->ifindex = ifi->ifi_index;
			ev->deleted = nh->nlmsg_type == RTM_DELLINK;
			ev->up = !ev->deleted && (ifi->ifi_flags & IFF_UP) &&
				 (ifi->ifi_flags & IFF_RUNNING);
			found = 1;
		}
		if (off > len) {
			break;
		}
	}
	return found;
}

int link_query(const char *ifname, struct link_event *ev)
{
	struct ifreq ifr;
	int fd, r = 0;

	memset(ev, 0, sizeof(*ev));
	ev->ifindex = (int)if_nametoindex(ifname);
	if (!ev->ifindex) {
		/* only ENODEV means absent: a failed lookup is not a
		 * deleted interface */
		return errno ? -errno : -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		r = -errno;
	} else {
		ev->up = (ifr.ifr_flags & IFF_UP) &&
			 (ifr.ifr_flags & IFF_RUNNING);
	}
	close(fd);
	return r;
}
