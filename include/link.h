/* SPDX-License-Identifier: MIT */
/* Link state of the PTP interface through rtnetlink (RTMGRP_LINK). */
#ifndef TBLK_LINK_H
#define TBLK_LINK_H

#include <stdbool.h>
#include <stddef.h>

struct link_event {
	int ifindex;
	bool up;      /* IFF_UP and IFF_RUNNING */
	bool deleted; /* RTM_DELLINK */
};

/* A non-blocking NETLINK_ROUTE socket subscribed to link changes (needs no
 * capability). Returns the fd or -errno. */
int link_open(void);

/*
 * Pure: decode the netlink datagram @buf of @len bytes and report the last
 * event that concerns interface @ifname (by IFLA_IFNAME, so a re-created
 * interface with a new ifindex is recognised). Returns 1 with *@ev filled,
 * 0 when nothing concerned @ifname, -EBADMSG on a malformed datagram.
 */
int link_parse(const void *buf, size_t len, const char *ifname,
	       struct link_event *ev);

/* Current state of @ifname: 0 with *@ev filled, -ENODEV when there is no
 * such interface, another -errno when the question failed. */
int link_query(const char *ifname, struct link_event *ev);

#endif
