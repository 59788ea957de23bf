/* SPDX-License-Identifier: MIT */
/*
 * The send-only sockets of the active slave's Delay_Req (SPEC §6), one
 * per transport: UDPv4 to 224.0.1.129:319 and UDPv6 to ff0e::181 port 319
 * from sockets never bound to 319/320 — the kernel gives them an ephemeral
 * source port, which needs no privilege and competes with no ptp4l socket
 * — and L2 to 01:1b:19:00:00:00 (ethertype 0x88F7) from an AF_PACKET
 * SOCK_DGRAM socket created with protocol 0, so it receives nothing.
 * Creating that one needs CAP_NET_RAW; it names the interface in every
 * sendto(), so it outlives a re-created interface. Each socket multicasts
 * out of one interface, not looped back, never routed beyond the link,
 * with SO_TIMESTAMPING TX stamps on its error queue numbered by OPT_ID
 * (per socket, from 0).
 */
#ifndef TBLK_PTP_TX_H
#define TBLK_PTP_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt_decode.h"

#define PTP_PORT_EVENT	   319
#define PTP_PORT_GENERAL   320
#define PTP_MCAST_PRIMARY  "224.0.1.129"
#define PTP_MCAST6_PRIMARY "ff0e::181"
/* 1588 Annex F: all PTP messages but the peer delay ones */
#define PTP_MCAST_L2                                                           \
	{                                                                      \
		0x01, 0x1b, 0x19, 0x00, 0x00, 0x00                             \
	}

struct ptp_tx {
	int fd;
	enum pkt_transport transport;
	int ifindex;
	int ts_opt;	       /* SO_TIMESTAMPING_NEW, or _OLD on old kernels */
	unsigned int ts_flags; /* SOF_TIMESTAMPING_* the kernel accepted */
};

/* Open the @t socket on @ifindex with hardware TX stamp flags when @hw.
 * 0 or -errno, *@why naming the step. */
int ptp_tx_open(struct ptp_tx *tx, enum pkt_transport t, int ifindex, bool hw,
		const char **why);
void ptp_tx_close(struct ptp_tx *tx);

/* Ask for hardware TX stamps (@hw) or software ones only, on the open
 * socket: its OPT_ID count goes on. 0 or -errno. */
int ptp_tx_set_hw(struct ptp_tx *tx, bool hw);

/* Send out of @ifindex from now on (a re-created interface), on the same
 * socket. 0 or -errno. */
int ptp_tx_retarget(struct ptp_tx *tx, int ifindex);

/* Send @len bytes of PTP event message to the transport's primary
 * multicast address (port 319 for UDP). 0 or -errno. */
int ptp_tx_send(struct ptp_tx *tx, const void *buf, size_t len);

#endif
