/* SPDX-License-Identifier: MIT */
/*
 * The passive capture path (SPEC §3): one AF_PACKET SOCK_RAW socket bound
 * to the interface, with a classic BPF filter that passes only PTP,
 * PACKET_IGNORE_OUTGOING, PACKET_AUXDATA, SO_TIMESTAMPING(_NEW), drop
 * accounting and --rcvbuf; the PTP multicast MACs added to it and the
 * IGMP/MLD joins made from unbound UDP sockets. It binds no UDP port, so
 * the kernel never gives it a packet in ptp4l's place: it sees copies.
 * Creating it needs CAP_NET_RAW; everything after that (re-binding to a
 * re-created interface included) needs no privilege.
 */
#ifndef TBLK_CAPTURE_H
#define TBLK_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"

/* Packets read per recvmmsg(). */
#define CAPTURE_BATCH 32
/* A PTP message fits one Ethernet frame with a tag; a longer frame is
 * MSG_TRUNC and dropped as truncated. */
#define CAPTURE_PKT_MAX 1536

struct capture;

struct capture_config {
	const char *ifname;
	int ifindex;
	bool hw;    /* ask for hardware RX stamps too */
	int rcvbuf; /* --rcvbuf */
};

/*
 * Open the capture socket on cfg->ifindex. Returns 0 or -errno with *@why
 * naming the step; -EPERM from socket() means CAP_NET_RAW is missing.
 */
int capture_open(struct capture **cap, const struct capture_config *cfg,
		 const char **why);
void capture_close(struct capture *cap);

/* The socket, for epoll (EPOLLIN; EPOLLERR after the device went away). */
int capture_fd(const struct capture *cap);

/*
 * The interface came back as @ifindex (re-created): bind the same socket
 * to it and add the memberships and joins again. Needs no capability.
 * A no-op when already bound there. 0 or -errno with *@why.
 */
int capture_rebind(struct capture *cap, int ifindex, const char **why);

/* The kernel deleted the interface: the binding and memberships are gone
 * with it (it unbinds the socket itself); remember that. */
void capture_unbind(struct capture *cap);

/*
 * Read at most one batch without blocking. Returns the number of packets
 * (0 when none), *@pkts pointing at them until the next call, or -errno
 * (the socket's pending error, e.g. -ENETDOWN after the device went down:
 * reading it clears it).
 */
int capture_read(struct capture *cap, const struct cap_pkt **pkts);

/* Packets the kernel dropped at this socket's full receive queue, summed
 * over its lifetime (SO_RXQ_OVFL, refreshed with SO_MEMINFO). */
uint64_t capture_kernel_drops(struct capture *cap);

/* The receive buffer the kernel reports (twice what was set), and whether
 * SO_RCVBUFFORCE was allowed. */
int capture_rcvbuf(const struct capture *cap, bool *forced);

#endif
