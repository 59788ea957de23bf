/* SPDX-License-Identifier: MIT */
/*
 * The active slave (--delay-req, SPEC §6): follows one master on the
 * transport of the SYNC that made it choose, sends multicast Delay_Req on
 * that transport from our own portIdentity, matches TX stamps from each
 * transport's socket by that socket's OPT_ID key, and completes E2E
 * samples.
 */
#ifndef TBLK_SLAVE_H
#define TBLK_SLAVE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "evloop.h"
#include "frame.h"
#include "pkt_decode.h"
#include "ptp_msg.h"

struct slave;

struct slave_ops {
	/* Send a DELAY_REQ of @len bytes on transport @t's socket (one
	 * socket per transport, each numbering its sends by OPT_ID from 0);
	 * 0 or -errno. */
	int (*send)(void *arg, enum pkt_transport t, const uint8_t *buf,
		    size_t len);
	/* Publish a tx frame for our own DELAY_REQ, sent on @t. */
	void (*tx_frame)(void *arg, enum pkt_transport t,
			 const struct ptp_msg *msg, const struct timespec *ts,
			 bool hw);
	/* Publish a completed sample. */
	void (*sample)(void *arg, const struct frame_sample *s);
};

/* @domain: -1 follows the domain of the first SYNC seen. @self is
 * referenced, not copied: the caller keeps it current (a re-created
 * interface brings a new MAC, so a new clockIdentity). */
int slave_new(struct slave **sl, struct evloop *loop,
	      const struct ptp_port_id *self, int domain,
	      const struct slave_ops *ops, void *arg);
void slave_free(struct slave *sl);

/* A received, validated message, the transport it came on, the stamp it
 * was published with (@hw: a NIC stamp) and the kernel's software stamp
 * of it (@sw, NULL if none). */
void slave_rx(struct slave *sl, enum pkt_transport t, const struct ptp_msg *msg,
	      const struct timespec *ts, bool hw, const struct timespec *sw);

/* A TX stamp from the error queue of transport @t's socket: OPT_ID @key,
 * that socket's count. */
void slave_tx_stamp(struct slave *sl, enum pkt_transport t, uint32_t key,
		    const struct timespec *ts, bool hw);

/* TX stamps not seen within 10 ms so far (SPEC §6 txTimeouts). */
uint64_t slave_tx_timeouts(const struct slave *sl);

/* DELAY_RESP naming our port that were not accepted: from another master
 * or domain, on another transport than the master's, for no outstanding
 * seqId, or a duplicate. */
uint64_t slave_rejected(const struct slave *sl);

/* Our own exchange so far: DELAY_REQs sent, their TX stamps matched
 * (late ones too), DELAY_RESPs of the followed master naming our port
 * (duplicates too: the gate is DELAY_RESP == DELAY_REQ). */
struct slave_exchange {
	uint64_t delay_req_sent;
	uint64_t tx_stamps;
	uint64_t delay_resp;
};
void slave_exchange(const struct slave *sl, struct slave_exchange *x);

/* Forget the master and pending exchanges (link went away). */
void slave_reset(struct slave *sl);

#endif
