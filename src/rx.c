// SPDX-License-Identifier: MIT
/*
 * The packet path: recvmmsg into the context's buffers, control messages,
 * PTP validation, filters, the hardware-only rule, one frame per packet;
 * and the error queue, where TX stamps of our own DELAY_REQ arrive.
 */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "request.h"
#include "server.h"
#include "sidecar_int.h"
#include "slave.h"
#include "ts_cmsg.h"

/* The kernel counts packets dropped at a full receive queue per socket
 * (sk_drops). SO_RXQ_OVFL reports it on the next packet queued after a
 * drop; SO_MEMINFO reads it at any time, so drops at the end of a burst
 * are not missed. Both are the same cumulative count. */
static void rx_drops_seen(struct sidecar *sc, int which, uint32_t drops)
{
	uint32_t delta = drops - sc->ps.drops[which];

	/* the count only grows; a smaller value is an older report */
	if (delta && delta < (1U << 31)) {
		sc->c.kernel_drops += delta;
		sc->ps.drops[which] = drops;
	}
}

static void rx_drops(struct sidecar *sc, int which, const struct ts_cmsg *tc)
{
	if (tc->flags & TS_CMSG_OVFL) {
		rx_drops_seen(sc, which, tc->drops);
	}
}

void rx_drops_poll(struct sidecar *sc)
{
	if (!sc->ps_open) {
		return;
	}
	for (int i = 0; i < PTP_SOCK_N; i++) {
		uint32_t mem[SK_MEMINFO_VARS];
		socklen_t len = sizeof(mem);

		if (!getsockopt(sc->ps.fd[i], SOL_SOCKET, SO_MEMINFO, mem,
				&len) &&
		    len > SK_MEMINFO_DROPS * sizeof(mem[0])) {
			rx_drops_seen(sc, i, mem[SK_MEMINFO_DROPS]);
		}
	}
}

static void rx_packet(struct sidecar *sc, int which, const uint8_t *buf,
		      size_t len, const struct msghdr *mh)
{
	struct ptp_msg msg;
	struct ts_cmsg tc;
	struct frame_stamp f;
	bool hw;
	int r;

	r = ts_cmsg_parse(mh, &tc);
	rx_drops(sc, which, &tc);
	if (r == -EMSGSIZE) {
		sc->c.truncated++;
		log_ratelimited(
			&sc->rl_bad, LOG_DEBUG,
			"dropped a truncated packet (%zu bytes, flags 0x%x)",
			len, (unsigned int)mh->msg_flags);
		return;
	}
	r = ptp_msg_parse(buf, len, &msg);
	if (r) {
		sc->c.malformed++;
		log_ratelimited(
			&sc->rl_bad, LOG_DEBUG,
			"dropped a malformed PTP message (%zu bytes): %s", len,
			strerror(-r));
		return;
	}
	if ((sc->cfg->domain >= 0 && msg.hdr.domain != sc->cfg->domain) ||
	    ptp_port_id_equal(&msg.hdr.src, &sc->self)) {
		sc->c.filtered++;
		return;
	}
	hw = tc.flags & TS_CMSG_HW;
	if (hw) {
		sc->c.rx_hw++;
	} else {
		sc->c.rx_sw++;
	}
	/* Promise 1: under --timestamping hardware an event message is
	 * published with a NIC stamp or not at all. */
	if (!hw && sc->hw_required && ptp_msg_is_event(msg.hdr.msg_type)) {
		sc->c.missing_hw++;
		return;
	}
	/* Software stamping is enabled on every socket, so this needs a kernel
	 * that stamped nothing at all; there is no time to publish. */
	if (!hw && !(tc.flags & TS_CMSG_SW)) {
		sc->c.unstamped++;
		return;
	}
	f = (struct frame_stamp){
		.tx = false,
		.msg = &msg,
		.stamp = hw ? tc.hw : tc.sw,
		.hw = hw,
		.iface = sc->cfg->iface,
		.phc = sc->phc,
	};
	if (sc->slave) {
		slave_rx(sc->slave, &msg, &f.stamp, hw);
	}
	sc->c.rx++;
	sidecar_publish(sc, SUB_RX,
			frame_encode_stamp(&f, sc->frame, sizeof(sc->frame)));
}

void rx_init(struct sidecar *sc)
{
	for (int i = 0; i < RX_BATCH; i++) {
		sc->iov[i].iov_base = sc->pkt[i];
		sc->iov[i].iov_len = sizeof(sc->pkt[i]);
		sc->mm[i].msg_hdr = (struct msghdr){
			.msg_iov = &sc->iov[i],
			.msg_iovlen = 1,
			.msg_control = sc->ctl[i].buf,
			.msg_controllen = sizeof(sc->ctl[i].buf),
		};
	}
}

static void rx_recv(struct sidecar *sc, int which)
{
	int fd = sc->ps.fd[which];

	for (int b = 0; b < RX_BATCHES_PER_WAKEUP; b++) {
		int n;

		n = recvmmsg(fd, sc->mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_ratelimited(&sc->rl_link, LOG_WARNING,
						"recvmmsg on UDP %d: %m",
						which == PTP_SOCK_EVENT ? 319
									: 320);
			}
			return;
		}
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &sc->mm[i].msg_hdr;

			rx_packet(sc, which, sc->pkt[i], sc->mm[i].msg_len, mh);
			/* the kernel shrank it to what it wrote */
			mh->msg_controllen = sizeof(sc->ctl[i].buf);
		}
		/* one write per client per batch keeps queues short and the
		 * latency of the first frame of a batch bounded */
		server_flush(sc->srv);
		if (n < RX_BATCH) {
			return;
		}
	}
}

/* TX stamps of our own DELAY_REQ (and anything else the kernel queued on
 * the error queue, such as ICMP errors, which are drained and ignored). */
static void rx_errqueue(struct sidecar *sc, int which)
{
	for (int i = 0; i < 64; i++) {
		uint8_t data[RX_PKT_MAX];
		union {
			char buf[RX_CTRL_MAX];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct ts_cmsg tc;
		ssize_t n;

		n = recvmsg(sc->ps.fd[which], &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			return;
		}
		if (ts_cmsg_parse(&mh, &tc) || !(tc.flags & TS_CMSG_EXTERR) ||
		    tc.ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
		    tc.ee.ee_info != SCM_TSTAMP_SND) {
			continue;
		}
		if (!sc->slave || !(tc.flags & (TS_CMSG_HW | TS_CMSG_SW))) {
			continue;
		}
		slave_tx_stamp(sc->slave, tc.ee.ee_data,
			       (tc.flags & TS_CMSG_HW) ? &tc.hw : &tc.sw,
			       tc.flags & TS_CMSG_HW);
	}
}

void rx_ptp_event(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct sidecar *sc = arg;
	int which = fd == sc->ps.fd[PTP_SOCK_EVENT] ? PTP_SOCK_EVENT
						    : PTP_SOCK_GENERAL;

	(void)loop;
	if (events & EPOLLERR) {
		rx_errqueue(sc, which);
	}
	if (events & EPOLLIN) {
		rx_recv(sc, which);
	}
}
