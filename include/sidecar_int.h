/* SPDX-License-Identifier: MIT */
/*
 * The daemon's context and the functions its three files share:
 * sidecar.c (setup, timers, signals, systemd), rx.c (the packet path) and
 * iface.c (the interface: hardware stamping, sockets, link changes).
 * Internal to the daemon; the tests use the public modules.
 */
#ifndef TBLK_SIDECAR_INT_H
#define TBLK_SIDECAR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "counters.h"
#include "evloop.h"
#include "frame.h"
#include "link.h"
#include "log.h"
#include "ptp_msg.h"
#include "ptp_sock.h"

#define RX_BATCH	      32
#define RX_BATCHES_PER_WAKEUP 8
/* PTP messages fit well inside one Ethernet frame; anything longer is
 * reported by the kernel with MSG_TRUNC and dropped as truncated. */
#define RX_PKT_MAX   1536
#define RX_CTRL_MAX  512
#define NSEC_PER_SEC 1000000000ULL

struct sidecar {
	const struct config *cfg;
	struct evloop *loop;
	struct server *srv;
	struct slave *slave;
	struct ptp_sock ps;
	bool ps_open;
	int link_fd;
	int status_tfd;
	int watchdog_tfd;
	struct counters c;
	struct ratelimit rl_bad;  /* malformed / truncated from the wire */
	struct ratelimit rl_link; /* link and re-arm trouble */
	uint64_t start_ns;
	/* the interface */
	int ifindex;
	bool link_up;
	struct ptp_port_id self;
	/* the stamping in force */
	bool hw; /* NIC stamps are what we publish for event messages */
	bool hw_required; /* --timestamping hardware */
	int phc;	  /* -1: none */
	int hwts_filter;  /* -1: unknown (driver cannot report it) */
	unsigned int kept_caps;
	char status_text[256];
	/* receive batch, reused for every packet: nothing is allocated on
	 * the per-packet path */
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	uint8_t pkt[RX_BATCH][RX_PKT_MAX];
	union {
		char buf[RX_CTRL_MAX];
		struct cmsghdr align;
	} ctl[RX_BATCH];
	char frame[FRAME_MAX];
};

/* sidecar.c */

/* Broadcast the frame of @len bytes in sc->frame to @sub subscribers
 * (@len < 0: the encoder's error, logged rate limited). */
void sidecar_publish(struct sidecar *sc, unsigned int sub, int len);
/* Send STATUS= when its text changed. */
void sidecar_notify_status(struct sidecar *sc);

/* rx.c */

/* Point the receive batch at the context's buffers, once. */
void rx_init(struct sidecar *sc);
/* epoll callback of the PTP sockets: received packets and the error
 * queue (TX stamps). */
void rx_ptp_event(struct evloop *loop, int fd, uint32_t events, void *arg);
/* Read the sockets' kernel drop counts (SO_MEMINFO) into the counters. */
void rx_drops_poll(struct sidecar *sc);

/* iface.c */

/* Probe the NIC and apply --hwts-config for the mode: sets sc->hw, phc and
 * hwts_filter. 0, or -EOPNOTSUPP (unusable) / -EPERM (CAP_NET_ADMIN
 * missing) with @reason filled. */
int iface_hw_apply(struct sidecar *sc, char *reason, size_t rlen);
/* Our portIdentity from the interface's MAC (EUI-64). 0 or -errno. */
int iface_self_id(struct sidecar *sc);
/* Open the PTP sockets on sc->ifindex and register them. 0 or -errno with
 * *@why naming the step. */
int iface_sockets_open(struct sidecar *sc, const char **why);
void iface_sockets_close(struct sidecar *sc);
/* React to a link event: down, up (re-arm), deleted, re-created; @rearm
 * re-applies the hardware config even without an up transition. */
void iface_link_refresh(struct sidecar *sc, const struct link_event *ev,
			bool rearm);
/* Ask the kernel for the link state and refresh from it (SIGHUP with
 * @rearm, lost rtnetlink notifications without). */
void iface_reprobe(struct sidecar *sc, bool rearm);
/* epoll callback of the rtnetlink socket. */
void iface_link_event(struct evloop *loop, int fd, uint32_t events, void *arg);

#endif
