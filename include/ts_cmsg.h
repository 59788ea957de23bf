/* SPDX-License-Identifier: MIT */
/*
 * Decoder for the control messages of a recvmsg() on a timestamping socket:
 * SCM_TIMESTAMPING (old and _NEW layouts), IP_PKTINFO,
 * SCM_TIMESTAMPING_PKTINFO, SO_RXQ_OVFL, PACKET_AUXDATA (the VLAN tag the
 * kernel took out of a captured frame) and, on the error queue, IP_RECVERR,
 * IPV6_RECVERR and PACKET_TX_TIMESTAMP (a packet socket's).
 * Pure: reads only the msghdr it is given.
 */
#ifndef TBLK_TS_CMSG_H
#define TBLK_TS_CMSG_H

/* <linux/errqueue.h> uses struct timespec without including <time.h>. */
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

enum ts_cmsg_flags {
	TS_CMSG_SW = 1 << 0,	     /* ts[0], a kernel software stamp */
	TS_CMSG_HW = 1 << 1,	     /* ts[2], a raw hardware (PHC) stamp */
	TS_CMSG_PKTINFO = 1 << 2,    /* IP_PKTINFO */
	TS_CMSG_TS_PKTINFO = 1 << 3, /* SCM_TIMESTAMPING_PKTINFO */
	TS_CMSG_EXTERR = 1 << 4,     /* IP(V6)_RECVERR, PACKET_TX_TIMESTAMP */
	TS_CMSG_OVFL = 1 << 5,	     /* SO_RXQ_OVFL drop counter */
	TS_CMSG_TS_NEW = 1 << 6,     /* stamps came as SCM_TIMESTAMPING_NEW */
	TS_CMSG_AUXDATA = 1 << 7,    /* PACKET_AUXDATA */
	TS_CMSG_VLAN = 1 << 8,	     /* ... with TP_STATUS_VLAN_VALID */
};

struct ts_cmsg {
	unsigned int flags;
	struct timespec sw;
	struct timespec hw;
	/* IP_PKTINFO */
	int ifindex;
	struct in_addr dst;
	/* SCM_TIMESTAMPING_PKTINFO: the interface that stamped it */
	int ts_ifindex;
	uint32_t ts_pkt_length;
	/* the error queue's extended error: ee_origin, ee_info
	 * (SCM_TSTAMP_*), ee_data (OPT_ID) */
	struct sock_extended_err ee;
	/* SO_RXQ_OVFL: the socket's cumulative drop count */
	uint32_t drops;
	/* PACKET_AUXDATA: tp_status, and the stripped tag when TS_CMSG_VLAN */
	uint32_t aux_status;
	uint16_t vlan_tci;
	uint16_t vlan_tpid;
	/* control messages skipped: known level/type with a wrong length */
	unsigned int bad;
};

/*
 * Decode @msg (after recvmsg returned) into @out, zeroing it first.
 * A stamp whose timespec is all zero is treated as absent (the kernel
 * zero-fills the slots it did not stamp). Returns 0, or -EMSGSIZE when
 * msg_flags has MSG_TRUNC or MSG_CTRUNC: such a packet must be dropped.
 */
int ts_cmsg_parse(const struct msghdr *msg, struct ts_cmsg *out);

#endif
