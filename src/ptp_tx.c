// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ptp_tx.h"

#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif

/* Flags a kernel may reject with EINVAL (older kernels, or combinations it
 * does not know); each is probed on its own. */
static const unsigned int ptp_tx_optional[] = {
	SOF_TIMESTAMPING_OPT_CMSG,
	SOF_TIMESTAMPING_OPT_TSONLY,
};

static int ptp_tx_set_ts(int fd, int opt, unsigned int flags)
{
	int v = (int)flags;

	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) ? -errno : 0;
}

/* The _NEW option first (64-bit time on every ABI), then the old one;
 * OPT_ID is required (it is how a stamp finds its Delay_Req), the
 * optional bits are added one at a time, keeping what is accepted. */
static int ptp_tx_timestamping(struct ptp_tx *tx, bool hw)
{
	unsigned int flags = SOF_TIMESTAMPING_TX_SOFTWARE |
			     SOF_TIMESTAMPING_SOFTWARE |
			     SOF_TIMESTAMPING_OPT_ID;
	int opt = SO_TIMESTAMPING_NEW;
	int r;

	if (hw) {
		flags |= SOF_TIMESTAMPING_TX_HARDWARE |
			 SOF_TIMESTAMPING_RAW_HARDWARE;
	}
	r = ptp_tx_set_ts(tx->fd, opt, flags);
	if (r == -ENOPROTOOPT || r == -EINVAL) {
		opt = SO_TIMESTAMPING_OLD;
		r = ptp_tx_set_ts(tx->fd, opt, flags);
	}
	if (r) {
		return r;
	}
	for (size_t i = 0;
	     i < sizeof(ptp_tx_optional) / sizeof(ptp_tx_optional[0]); i++) {
		if (ptp_tx_set_ts(tx->fd, opt, flags | ptp_tx_optional[i]) ==
		    0) {
			flags |= ptp_tx_optional[i];
		}
	}
	r = ptp_tx_set_ts(tx->fd, opt, flags);
	if (r) {
		return r;
	}
	tx->ts_flags = flags;
	return 0;
}

int ptp_tx_open(struct ptp_tx *tx, int ifindex, bool hw, const char **why)
{
	struct ip_mreqn mif = {.imr_ifindex = ifindex};
	int zero = 0, ttl = 1;
	int r;

	memset(tx, 0, sizeof(*tx));
	tx->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tx->fd < 0) {
		*why = "socket(AF_INET, SOCK_DGRAM)";
		return -errno;
	}
	/* Out of the PTP interface, not looped back to this host's ptp4l,
	 * and never routed beyond the link (1588 Annex D: TTL 1). */
	if (setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_IF, &mif,
		       sizeof(mif)) ||
	    setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero,
		       sizeof(zero)) ||
	    setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		       sizeof(ttl))) {
		r = -errno;
		*why = "IP_MULTICAST_IF/LOOP/TTL";
		goto fail;
	}
	r = ptp_tx_timestamping(tx, hw);
	if (r) {
		*why = "SO_TIMESTAMPING";
		goto fail;
	}
	return 0;
fail:
	ptp_tx_close(tx);
	return r;
}

void ptp_tx_close(struct ptp_tx *tx)
{
	if (tx->fd >= 0) {
		close(tx->fd);
	}
	tx->fd = -1;
}

int ptp_tx_send(struct ptp_tx *tx, const void *buf, size_t len)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(PTP_PORT_EVENT),
	};
	ssize_t n;

	inet_pton(AF_INET, PTP_MCAST_PRIMARY, &dst.sin_addr);
	n = sendto(tx->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&dst,
		   sizeof(dst));
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
