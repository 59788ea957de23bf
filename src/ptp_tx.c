// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
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
#ifndef ETH_P_1588
#define ETH_P_1588 0x88F7
#endif

#define PTP_TX_HW_FLAGS                                                        \
	(SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE)

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
		flags |= PTP_TX_HW_FLAGS;
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
	tx->ts_opt = opt;
	tx->ts_flags = flags;
	return 0;
}

/* Out of the PTP interface, not looped back to this host's ptp4l, and
 * never routed beyond the link (1588 Annex D: TTL 1; Annex E alike). */
static int ptp_tx_mcast_if(struct ptp_tx *tx, int ifindex)
{
	if (tx->transport == PKT_UDP4) {
		struct ip_mreqn mif = {.imr_ifindex = ifindex};

		if (setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_IF, &mif,
			       sizeof(mif))) {
			return -errno;
		}
	} else if (tx->transport == PKT_UDP6) {
		if (setsockopt(tx->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
			       &ifindex, sizeof(ifindex))) {
			return -errno;
		}
	}
	tx->ifindex = ifindex;
	return 0;
}

static int ptp_tx_udp_opts(struct ptp_tx *tx, int ifindex, const char **why)
{
	int zero = 0, one = 1;
	int r;

	r = ptp_tx_mcast_if(tx, ifindex);
	if (r) {
		*why = tx->transport == PKT_UDP4 ? "IP_MULTICAST_IF"
						 : "IPV6_MULTICAST_IF";
		return r;
	}
	if (tx->transport == PKT_UDP4) {
		if (setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero,
			       sizeof(zero)) ||
		    setsockopt(tx->fd, IPPROTO_IP, IP_MULTICAST_TTL, &one,
			       sizeof(one))) {
			*why = "IP_MULTICAST_LOOP/TTL";
			return -errno;
		}
	} else if (setsockopt(tx->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero,
			      sizeof(zero)) ||
		   setsockopt(tx->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &one,
			      sizeof(one))) {
		*why = "IPV6_MULTICAST_LOOP/HOPS";
		return -errno;
	}
	return 0;
}

int ptp_tx_open(struct ptp_tx *tx, enum pkt_transport t, int ifindex, bool hw,
		const char **why)
{
	int r;

	memset(tx, 0, sizeof(*tx));
	tx->transport = t;
	switch (t) {
	case PKT_UDP4:
		tx->fd = socket(AF_INET,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		*why = "socket(AF_INET, SOCK_DGRAM)";
		break;
	case PKT_UDP6:
		tx->fd = socket(AF_INET6,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		*why = "socket(AF_INET6, SOCK_DGRAM)";
		break;
	case PKT_L2:
		/* Protocol 0: no packet type is delivered to it (packet(7)),
		 * so it is send-only like the UDP ones; each frame's
		 * ethertype and destination are in its sockaddr_ll. */
		tx->fd = socket(AF_PACKET,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		*why = "socket(AF_PACKET, SOCK_DGRAM)";
		break;
	default:
		tx->fd = -1;
		*why = "transport";
		return -EAFNOSUPPORT;
	}
	if (tx->fd < 0) {
		return -errno;
	}
	if (t == PKT_L2) {
		tx->ifindex = ifindex;
	} else {
		r = ptp_tx_udp_opts(tx, ifindex, why);
		if (r) {
			goto fail;
		}
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

/* Setting SO_TIMESTAMPING again with OPT_ID already on leaves the
 * socket's counter alone (the kernel resets it only when OPT_ID is newly
 * set): the stamps of sends in flight keep their keys. */
int ptp_tx_set_hw(struct ptp_tx *tx, bool hw)
{
	unsigned int flags = tx->ts_flags & ~(unsigned int)PTP_TX_HW_FLAGS;
	int r;

	if (hw) {
		flags |= PTP_TX_HW_FLAGS;
	}
	r = ptp_tx_set_ts(tx->fd, tx->ts_opt, flags);
	if (!r) {
		tx->ts_flags = flags;
	}
	return r;
}

int ptp_tx_retarget(struct ptp_tx *tx, int ifindex)
{
	return ptp_tx_mcast_if(tx, ifindex);
}

int ptp_tx_send(struct ptp_tx *tx, const void *buf, size_t len)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_ll ll;
	} dst;
	const uint8_t l2[] = PTP_MCAST_L2;
	socklen_t dlen;
	ssize_t n;

	memset(&dst, 0, sizeof(dst));
	switch (tx->transport) {
	case PKT_UDP4:
		dst.in.sin_family = AF_INET;
		dst.in.sin_port = htons(PTP_PORT_EVENT);
		inet_pton(AF_INET, PTP_MCAST_PRIMARY, &dst.in.sin_addr);
		dlen = sizeof(dst.in);
		break;
	case PKT_UDP6:
		dst.in6.sin6_family = AF_INET6;
		dst.in6.sin6_port = htons(PTP_PORT_EVENT);
		inet_pton(AF_INET6, PTP_MCAST6_PRIMARY, &dst.in6.sin6_addr);
		dlen = sizeof(dst.in6);
		break;
	case PKT_L2:
		dst.ll.sll_family = AF_PACKET;
		dst.ll.sll_protocol = htons(ETH_P_1588);
		dst.ll.sll_ifindex = tx->ifindex;
		dst.ll.sll_halen = sizeof(l2);
		memcpy(dst.ll.sll_addr, l2, sizeof(l2));
		dlen = sizeof(dst.ll);
		break;
	default:
		return -EAFNOSUPPORT;
	}
	n = sendto(tx->fd, buf, len, MSG_DONTWAIT, &dst.sa, dlen);
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
