// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ptp_sock.h"

#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif

/* Flags a kernel may reject with EINVAL (older kernels, or combinations it
 * does not know); each is probed on its own. */
static const unsigned int ptp_sock_optional[] = {
	SOF_TIMESTAMPING_OPT_CMSG,
	SOF_TIMESTAMPING_OPT_TSONLY,
	SOF_TIMESTAMPING_OPT_ID,
	SOF_TIMESTAMPING_OPT_PKTINFO,
};

static int ptp_sock_set_ts(int fd, int opt, unsigned int flags)
{
	/* struct so_timestamping (with bind_phc) is accepted too, but a plain
	 * int is what every kernel since 2.6.30 understands. */
	int v = (int)flags;

	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) ? -errno : 0;
}

/* Try the _NEW option first (64-bit time on every ABI), then the old one;
 * then add the optional bits one at a time, keeping what is accepted. */
static int ptp_sock_timestamping(struct ptp_sock *ps, int fd, bool hw)
{
	unsigned int flags = SOF_TIMESTAMPING_RX_SOFTWARE |
			     SOF_TIMESTAMPING_TX_SOFTWARE |
			     SOF_TIMESTAMPING_SOFTWARE;
	int opt = SO_TIMESTAMPING_NEW;
	int r;

	if (hw) {
		flags |= SOF_TIMESTAMPING_RX_HARDWARE |
			 SOF_TIMESTAMPING_TX_HARDWARE |
			 SOF_TIMESTAMPING_RAW_HARDWARE;
	}
	r = ptp_sock_set_ts(fd, opt, flags);
	if (r == -ENOPROTOOPT || r == -EINVAL) {
		opt = SO_TIMESTAMPING_OLD;
		r = ptp_sock_set_ts(fd, opt, flags);
	}
	if (r) {
		return r;
	}
	for (size_t i = 0;
	     i < sizeof(ptp_sock_optional) / sizeof(ptp_sock_optional[0]);
	     i++) {
		if (ptp_sock_set_ts(fd, opt, flags | ptp_sock_optional[i]) ==
		    0) {
			flags |= ptp_sock_optional[i];
		}
	}
	/* leave the socket with exactly the accepted set */
	r = ptp_sock_set_ts(fd, opt, flags);
	if (r) {
		return r;
	}
	ps->ts_flags = flags;
	ps->ts_new = opt == SO_TIMESTAMPING_NEW;
	return 0;
}

static int ptp_sock_join(int fd, int ifindex, const char *group)
{
	struct ip_mreqn mreq = {.imr_ifindex = ifindex};

	inet_pton(AF_INET, group, &mreq.imr_multiaddr);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
		       sizeof(mreq))) {
		return -errno;
	}
	return 0;
}

static int ptp_sock_one(struct ptp_sock *ps, int *fdp, const char *ifname,
			int ifindex, uint16_t port, bool hw, int rcvbuf,
			const char **why)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct ip_mreqn mif = {.imr_ifindex = ifindex};
	int one = 1, zero = 0, ttl = 1;
	socklen_t sl = sizeof(ps->rcvbuf);
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "socket(AF_INET, SOCK_DGRAM)";
		return -errno;
	}
	*fdp = fd;
	/* ptp4l binds the same ports with SO_REUSEADDR: both of us must set
	 * it, and multicast is then delivered to every such socket. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		*why = "SO_REUSEADDR";
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname))) {
		*why = "SO_BINDTODEVICE";
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		*why = port == PTP_PORT_EVENT ? "bind(UDP 319)"
					      : "bind(UDP 320)";
		return -errno;
	}
	r = ptp_sock_join(fd, ifindex, PTP_MCAST_PRIMARY);
	if (!r) {
		r = ptp_sock_join(fd, ifindex, PTP_MCAST_PDELAY);
	}
	if (r) {
		*why = "IP_ADD_MEMBERSHIP";
		return r;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero,
		       sizeof(zero)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl))) {
		*why = "IP_MULTICAST_IF/LOOP/TTL";
		return -errno;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) {
		*why = "IP_PKTINFO";
		return -errno;
	}
	/* Every packet the kernel drops at a full receive queue is reported
	 * back in a cumulative SO_RXQ_OVFL control message. */
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one))) {
		*why = "SO_RXQ_OVFL";
		return -errno;
	}
	/* SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN;
	 * without it SO_RCVBUF is capped at rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) == 0) {
		ps->rcvbuf_forced = true;
	} else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			      sizeof(rcvbuf))) {
		*why = "SO_RCVBUF";
		return -errno;
	}
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &ps->rcvbuf, &sl);
	r = ptp_sock_timestamping(ps, fd, hw);
	if (r) {
		*why = "SO_TIMESTAMPING";
		return r;
	}
	return 0;
}

int ptp_sock_open(struct ptp_sock *ps, const char *ifname, int ifindex, bool hw,
		  int rcvbuf, const char **why)
{
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->fd[PTP_SOCK_EVENT] = ps->fd[PTP_SOCK_GENERAL] = -1;
	r = ptp_sock_one(ps, &ps->fd[PTP_SOCK_EVENT], ifname, ifindex,
			 PTP_PORT_EVENT, hw, rcvbuf, why);
	if (!r) {
		r = ptp_sock_one(ps, &ps->fd[PTP_SOCK_GENERAL], ifname, ifindex,
				 PTP_PORT_GENERAL, hw, rcvbuf, why);
	}
	if (r) {
		ptp_sock_close(ps);
	}
	return r;
}

void ptp_sock_close(struct ptp_sock *ps)
{
	for (int i = 0; i < PTP_SOCK_N; i++) {
		if (ps->fd[i] >= 0) {
			close(ps->fd[i]);
		}
		ps->fd[i] = -1;
	}
}

int ptp_sock_send(struct ptp_sock *ps, int which, const void *buf, size_t len)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(which == PTP_SOCK_EVENT ? PTP_PORT_EVENT
							  : PTP_PORT_GENERAL),
	};
	ssize_t n;

	inet_pton(AF_INET, PTP_MCAST_PRIMARY, &dst.sin_addr);
	n = sendto(ps->fd[which], buf, len, MSG_DONTWAIT,
		   (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
