// SPDX-License-Identifier: MIT
/*
 * The capture socket, see capture.h. Kernel behaviour relied on:
 *  - A packet socket created with protocol 0 receives nothing until bind()
 *    names a protocol, so the BPF filter is attached before the first
 *    packet can be queued: no unfiltered packet ever reaches us.
 *  - ETH_P_ALL taps see the skb after the receive path took the outer VLAN
 *    tag into metadata; PACKET_AUXDATA reports it (tp_vlan_tci).
 *  - The software stamp of a tap is the same skb stamp a UDP socket gets
 *    (LAB.md: equal to tcpdump's and ptp4l's to the nanosecond).
 *  - On NETDEV_DOWN the kernel unhooks the socket and sets sk_err
 *    ENETDOWN; on NETDEV_UP it hooks it again by itself. On
 *    NETDEV_UNREGISTER it also forgets the ifindex and the memberships:
 *    bind() to the new ifindex, which needs no capability, and add them
 *    again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "ptp_bpf.h"

#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define CAPTURE_CTRL_MAX 512

/* IEEE 1588 Annex C/D/F multicast MACs: IPv4 224.0.1.129 and 224.0.0.107,
 * IPv6 ff0e::181 and ff02::6b, L2 forwardable and peer-delay. */
static const uint8_t capture_macs[][ETH_ALEN] = {
	{0x01, 0x00, 0x5e, 0x00, 0x01, 0x81},
	{0x01, 0x00, 0x5e, 0x00, 0x00, 0x6b},
	{0x33, 0x33, 0x00, 0x00, 0x01, 0x81},
	{0x33, 0x33, 0x00, 0x00, 0x00, 0x6b},
	{0x01, 0x1b, 0x19, 0x00, 0x00, 0x00},
	{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e},
};
static const char *const capture_groups4[] = {"224.0.1.129", "224.0.0.107"};
static const char *const capture_groups6[] = {"ff0e::181", "ff02::6b"};

struct capture {
	int fd;
	int join4, join6; /* unbound UDP sockets holding the IGMP/MLD joins */
	int ifindex;	  /* bound to; -1 after the device was deleted */
	const char *ifname;
	int rcvbuf;
	bool rcvbuf_forced;
	uint32_t drops_seen; /* the kernel's cumulative sk_drops, last read */
	uint64_t drops;
	/* the receive batch, reused for every packet: nothing is allocated
	 * on the per-packet path */
	struct mmsghdr mm[CAPTURE_BATCH];
	struct iovec iov[CAPTURE_BATCH];
	struct sockaddr_ll from[CAPTURE_BATCH];
	struct cap_pkt pkts[CAPTURE_BATCH];
	uint8_t buf[CAPTURE_BATCH][CAPTURE_PKT_MAX];
	union {
		char buf[CAPTURE_CTRL_MAX];
		struct cmsghdr align;
	} ctl[CAPTURE_BATCH];
};

/* sk_drops only grows; a smaller value is an older report. */
static void capture_drops_seen(struct capture *cap, uint32_t drops)
{
	uint32_t delta = drops - cap->drops_seen;

	if (delta && delta < (1U << 31)) {
		cap->drops += delta;
		cap->drops_seen = drops;
	}
}

uint64_t capture_kernel_drops(struct capture *cap)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	/* SO_RXQ_OVFL reports drops on the next packet queued after them;
	 * SO_MEMINFO reads the same count at any time, so the drops at the
	 * end of a burst are not missed. */
	if (!getsockopt(cap->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) &&
	    len > SK_MEMINFO_DROPS * sizeof(mem[0])) {
		capture_drops_seen(cap, mem[SK_MEMINFO_DROPS]);
	}
	return cap->drops;
}

int capture_rcvbuf(const struct capture *cap, bool *forced)
{
	*forced = cap->rcvbuf_forced;
	return cap->rcvbuf;
}

int capture_fd(const struct capture *cap)
{
	return cap->fd;
}

static int capture_setsockopt(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) ? -errno : 0;
}

/* SO_TIMESTAMPING_NEW (64-bit time on every ABI), else the old option.
 * struct so_timestamping (with bind_phc) is accepted too, but a plain int
 * is what every kernel since 2.6.30 understands. */
static int capture_timestamping(int fd, bool hw)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	int r;

	if (hw) {
		flags |= SOF_TIMESTAMPING_RX_HARDWARE |
			 SOF_TIMESTAMPING_RAW_HARDWARE;
	}
	r = capture_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_NEW, flags);
	if (r == -ENOPROTOOPT || r == -EINVAL) {
		r = capture_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD,
				       flags);
	}
	return r;
}

static int capture_filter(int fd)
{
	struct sock_filter prog[PTP_BPF_MAX];
	struct sock_fprog fp;
	int n = ptp_bpf_program(prog, PTP_BPF_MAX);

	if (n < 0) {
		return n;
	}
	fp.len = (unsigned short)n;
	fp.filter = prog;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp))
		       ? -errno
		       : 0;
}

static int capture_memberships(struct capture *cap)
{
	for (size_t i = 0; i < sizeof(capture_macs) / sizeof(capture_macs[0]);
	     i++) {
		struct packet_mreq mr = {
			.mr_ifindex = cap->ifindex,
			.mr_type = PACKET_MR_MULTICAST,
			.mr_alen = ETH_ALEN,
		};

		memcpy(mr.mr_address, capture_macs[i], ETH_ALEN);
		if (setsockopt(cap->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
			       sizeof(mr))) {
			return -errno;
		}
	}
	return 0;
}

static void capture_joins_close(struct capture *cap)
{
	if (cap->join4 >= 0) {
		close(cap->join4);
	}
	if (cap->join6 >= 0) {
		close(cap->join6);
	}
	cap->join4 = cap->join6 = -1;
}

/*
 * IGMP/MLD joins, so that a snooping switch forwards the groups to a host
 * with no ptp4l of its own. The sockets are never bound: a UDP socket
 * without a port is in no lookup table and receives nothing. Fresh
 * sockets on every (re)bind: the old ones named the old ifindex.
 */
static int capture_joins(struct capture *cap, const char **why)
{
	int fd;

	capture_joins_close(cap);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "socket(AF_INET, SOCK_DGRAM) for IGMP joins";
		return -errno;
	}
	cap->join4 = fd;
	for (size_t i = 0; i < 2; i++) {
		struct ip_mreqn mreq = {.imr_ifindex = cap->ifindex};

		inet_pton(AF_INET, capture_groups4[i], &mreq.imr_multiaddr);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
			       sizeof(mreq))) {
			*why = "IP_ADD_MEMBERSHIP";
			return -errno;
		}
	}
	/* IPv6 may be disabled on the host or the interface: the MAC-level
	 * memberships still receive the groups, only MLD snooping misses
	 * them. */
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_info("%s: no MLD joins: socket(AF_INET6): %m", cap->ifname);
		return 0;
	}
	cap->join6 = fd;
	for (size_t i = 0; i < 2; i++) {
		struct ipv6_mreq mreq = {.ipv6mr_interface =
						 (unsigned int)cap->ifindex};

		inet_pton(AF_INET6, capture_groups6[i], &mreq.ipv6mr_multiaddr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq,
			       sizeof(mreq))) {
			log_info("%s: no MLD join of %s: %m", cap->ifname,
				 capture_groups6[i]);
		}
	}
	return 0;
}

int capture_rebind(struct capture *cap, int ifindex, const char **why)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int r;

	if (ifindex == cap->ifindex) {
		return 0;
	}
	if (bind(cap->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		*why = "bind(AF_PACKET)";
		return -errno;
	}
	cap->ifindex = ifindex;
	r = capture_memberships(cap);
	if (r) {
		*why = "PACKET_ADD_MEMBERSHIP";
		return r;
	}
	return capture_joins(cap, why);
}

void capture_unbind(struct capture *cap)
{
	cap->ifindex = -1;
	capture_joins_close(cap);
}

static void capture_batch_init(struct capture *cap)
{
	for (int i = 0; i < CAPTURE_BATCH; i++) {
		cap->iov[i].iov_base = cap->buf[i];
		cap->iov[i].iov_len = sizeof(cap->buf[i]);
		cap->mm[i].msg_hdr = (struct msghdr){
			.msg_name = &cap->from[i],
			.msg_namelen = sizeof(cap->from[i]),
			.msg_iov = &cap->iov[i],
			.msg_iovlen = 1,
			.msg_control = cap->ctl[i].buf,
			.msg_controllen = sizeof(cap->ctl[i].buf),
		};
	}
}

int capture_open(struct capture **capp, const struct capture_config *cfg,
		 const char **why)
{
	struct capture *cap;
	socklen_t sl;
	int r;

	cap = calloc(1, sizeof(*cap));
	if (!cap) {
		*why = "out of memory";
		return -ENOMEM;
	}
	cap->join4 = cap->join6 = -1;
	cap->ifindex = -1;
	cap->ifname = cfg->ifname;
	capture_batch_init(cap);
	/* Protocol 0: nothing is queued before bind() below. */
	cap->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cap->fd < 0) {
		r = -errno;
		*why = "socket(AF_PACKET, SOCK_RAW)";
		free(cap);
		return r;
	}
	r = capture_filter(cap->fd);
	if (r) {
		*why = "SO_ATTACH_FILTER";
		goto fail;
	}
	/* What this host sends is never ours to see: no cost on the
	 * transmit path (Linux >= 4.20). */
	r = capture_setsockopt(cap->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (r) {
		*why = "PACKET_IGNORE_OUTGOING";
		goto fail;
	}
	r = capture_setsockopt(cap->fd, SOL_PACKET, PACKET_AUXDATA, 1);
	if (r) {
		*why = "PACKET_AUXDATA";
		goto fail;
	}
	r = capture_setsockopt(cap->fd, SOL_SOCKET, SO_RXQ_OVFL, 1);
	if (r) {
		*why = "SO_RXQ_OVFL";
		goto fail;
	}
	/* SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN;
	 * without it SO_RCVBUF is capped at rmem_max. */
	if (capture_setsockopt(cap->fd, SOL_SOCKET, SO_RCVBUFFORCE,
			       cfg->rcvbuf) == 0) {
		cap->rcvbuf_forced = true;
	} else {
		r = capture_setsockopt(cap->fd, SOL_SOCKET, SO_RCVBUF,
				       cfg->rcvbuf);
		if (r) {
			*why = "SO_RCVBUF";
			goto fail;
		}
	}
	sl = sizeof(cap->rcvbuf);
	getsockopt(cap->fd, SOL_SOCKET, SO_RCVBUF, &cap->rcvbuf, &sl);
	r = capture_timestamping(cap->fd, cfg->hw);
	if (r) {
		*why = "SO_TIMESTAMPING";
		goto fail;
	}
	r = capture_rebind(cap, cfg->ifindex, why);
	if (r) {
		goto fail;
	}
	*capp = cap;
	return 0;
fail:
	capture_close(cap);
	return r;
}

void capture_close(struct capture *cap)
{
	if (!cap) {
		return;
	}
	capture_joins_close(cap);
	if (cap->fd >= 0) {
		close(cap->fd);
	}
	free(cap);
}

int capture_read(struct capture *cap, const struct cap_pkt **pkts)
{
	int n;

	n = recvmmsg(cap->fd, cap->mm, CAPTURE_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	}
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &cap->mm[i].msg_hdr;
		struct cap_pkt *p = &cap->pkts[i];

		p->buf = cap->buf[i];
		p->len = cap->mm[i].msg_len;
		p->pkttype = cap->from[i].sll_pkttype;
		p->cmsg_err = ts_cmsg_parse(mh, &p->tc);
		if (p->tc.flags & TS_CMSG_OVFL) {
			capture_drops_seen(cap, p->tc.drops);
		}
		/* the kernel shrank them to what it wrote */
		mh->msg_controllen = sizeof(cap->ctl[i].buf);
		mh->msg_namelen = sizeof(cap->from[i]);
	}
	*pkts = cap->pkts;
	return n;
}
