/* SPDX-License-Identifier: MIT */
/*
 * The PTP UDPv4 sockets (SPEC §3): event (319) and general (320), bound to
 * one interface, joined to the PTP multicast groups, with SO_TIMESTAMPING.
 */
#ifndef TBLK_PTP_SOCK_H
#define TBLK_PTP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	PTP_SOCK_EVENT,
	PTP_SOCK_GENERAL,
	PTP_SOCK_N,
};

#define PTP_PORT_EVENT	  319
#define PTP_PORT_GENERAL  320
#define PTP_MCAST_PRIMARY "224.0.1.129"
#define PTP_MCAST_PDELAY  "224.0.0.107"

struct ptp_sock {
	int fd[PTP_SOCK_N];
	unsigned int ts_flags;	    /* SOF_TIMESTAMPING_* the kernel accepted */
	bool ts_new;		    /* SO_TIMESTAMPING_NEW was accepted */
	int rcvbuf;		    /* what the kernel reports after setting */
	bool rcvbuf_forced;	    /* SO_RCVBUFFORCE was allowed */
	uint32_t drops[PTP_SOCK_N]; /* last SO_RXQ_OVFL count per socket */
};

/*
 * Open both sockets on @ifname (@ifindex) with hardware stamp flags when
 * @hw. Returns 0 or -errno; *@why names the step that failed. -EACCES from
 * bind() means CAP_NET_BIND_SERVICE is missing.
 */
int ptp_sock_open(struct ptp_sock *ps, const char *ifname, int ifindex, bool hw,
		  int rcvbuf, const char **why);

void ptp_sock_close(struct ptp_sock *ps);

/* Send @len bytes to the primary multicast group on port 319 (event) or
 * 320. Returns 0 or -errno. */
int ptp_sock_send(struct ptp_sock *ps, int which, const void *buf, size_t len);

#endif
