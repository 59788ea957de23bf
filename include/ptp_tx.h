/* SPDX-License-Identifier: MIT */
/*
 * The send-only UDPv4 socket of the active slave's Delay_Req (SPEC §6):
 * never bound to 319/320 — the kernel gives it an ephemeral source port,
 * which needs no privilege and competes with no ptp4l socket — multicast
 * out of one interface (IP_MULTICAST_IF), with SO_TIMESTAMPING TX stamps
 * on its error queue numbered by OPT_ID.
 */
#ifndef TBLK_PTP_TX_H
#define TBLK_PTP_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTP_PORT_EVENT	  319
#define PTP_PORT_GENERAL  320
#define PTP_MCAST_PRIMARY "224.0.1.129"

struct ptp_tx {
	int fd;
	unsigned int ts_flags; /* SOF_TIMESTAMPING_* the kernel accepted */
};

/* Open on @ifindex with hardware TX stamp flags when @hw. 0 or -errno,
 * *@why naming the step. */
int ptp_tx_open(struct ptp_tx *tx, int ifindex, bool hw, const char **why);
void ptp_tx_close(struct ptp_tx *tx);

/* Send @len bytes to 224.0.1.129:319. 0 or -errno. */
int ptp_tx_send(struct ptp_tx *tx, const void *buf, size_t len);

#endif
