// SPDX-License-Identifier: MIT
/*
 * Control-message decoder, after chrony's socket.c:match_cmsg: every cmsg
 * is matched on level, type and the exact CMSG_LEN the kernel's put_cmsg()
 * writes for it, and its payload is copied out with memcpy because
 * CMSG_DATA is only aligned for size_t, not for what we read from it.
 */
#include <errno.h>
#include <time.h> /* before <linux/errqueue.h>, which needs timespec */
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/time_types.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ts_cmsg.h"

/* Kernel headers older than 5.1 lack the y2038-safe layout. */
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SCM_TIMESTAMPING_NEW
#define SCM_TIMESTAMPING_NEW SO_TIMESTAMPING_NEW
#endif
#ifndef SCM_TIMESTAMPING_PKTINFO
#define SCM_TIMESTAMPING_PKTINFO 58
#endif
#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif
#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif
#ifndef PACKET_TX_TIMESTAMP
#define PACKET_TX_TIMESTAMP 16
#endif

/*
 * ip_recv_error() and ipv6_recv_error() put the extended error and the
 * offender's address as one payload, so the length is their sum even
 * when the offender is zeroed (timestamps, SO_EE_ORIGIN_TIMESTAMPING).
 */
struct ts_cmsg_err4 {
	struct sock_extended_err ee;
	struct sockaddr_in offender;
};

struct ts_cmsg_err6 {
	struct sock_extended_err ee;
	struct sockaddr_in6 offender;
};

/* A timespec the kernel left zero-filled carries no stamp. */
static void ts_cmsg_stamp(struct ts_cmsg *out, unsigned int flag,
			  struct timespec *dst, long long sec, long long nsec)
{
	if (sec == 0 && nsec == 0) {
		return;
	}
	dst->tv_sec = (time_t)sec;
	dst->tv_nsec = (long)nsec;
	out->flags |= flag;
}

/*
 * SCM_TIMESTAMPING (old: struct timespec, whose size depends on the ABI)
 * and SCM_TIMESTAMPING_NEW (64-bit __kernel_timespec everywhere). ts[1]
 * was the deprecated "hardware transformed to system time" slot; it is
 * always zero on current kernels and ignored here. The old layout is the
 * kernel's __kernel_old_timespec, which matches our struct timespec on
 * 64-bit ABIs (the only ones this daemon targets); on a 32-bit time64 ABI
 * it would not match and the cmsg would be counted as bad, never misread.
 */
static void ts_cmsg_stamps_old(struct ts_cmsg *out, const unsigned char *data)
{
	struct scm_timestamping st;

	memcpy(&st, data, sizeof(st));
	ts_cmsg_stamp(out, TS_CMSG_SW, &out->sw, st.ts[0].tv_sec,
		      st.ts[0].tv_nsec);
	ts_cmsg_stamp(out, TS_CMSG_HW, &out->hw, st.ts[2].tv_sec,
		      st.ts[2].tv_nsec);
}

static void ts_cmsg_stamps_new(struct ts_cmsg *out, const unsigned char *data)
{
	struct scm_timestamping64 st;

	memcpy(&st, data, sizeof(st));
	ts_cmsg_stamp(out, TS_CMSG_SW, &out->sw, st.ts[0].tv_sec,
		      st.ts[0].tv_nsec);
	ts_cmsg_stamp(out, TS_CMSG_HW, &out->hw, st.ts[2].tv_sec,
		      st.ts[2].tv_nsec);
	out->flags |= TS_CMSG_TS_NEW;
}

/* The payload size the kernel writes for a known cmsg, 0 if unknown. */
static size_t ts_cmsg_expected(int level, int type)
{
	if (level == SOL_SOCKET) {
		switch (type) {
		case SO_TIMESTAMPING_OLD:
			return sizeof(struct scm_timestamping);
		case SCM_TIMESTAMPING_NEW:
			return sizeof(struct scm_timestamping64);
		case SCM_TIMESTAMPING_PKTINFO:
			return sizeof(struct scm_ts_pktinfo);
		case SO_RXQ_OVFL:
			return sizeof(uint32_t);
		}
	} else if (level == SOL_IP) {
		switch (type) {
		case IP_PKTINFO:
			return sizeof(struct in_pktinfo);
		case IP_RECVERR:
			return sizeof(struct ts_cmsg_err4);
		}
	} else if (level == SOL_IPV6 && type == IPV6_RECVERR) {
		return sizeof(struct ts_cmsg_err6);
	} else if (level == SOL_PACKET && type == PACKET_AUXDATA) {
		return sizeof(struct tpacket_auxdata);
	} else if (level == SOL_PACKET && type == PACKET_TX_TIMESTAMP) {
		/* packet_recvmsg() -> sock_recv_errqueue(): the extended
		 * error alone, no offender (seen: cmsg_len 32 on 6.18) */
		return sizeof(struct sock_extended_err);
	}
	return 0;
}

/* Copies one cmsg whose level, type and length are already checked. */
static void ts_cmsg_decode(struct ts_cmsg *out, int level, int type,
			   const unsigned char *data)
{
	struct scm_ts_pktinfo tsp;
	struct in_pktinfo pi;
	uint32_t drops;

	if (level == SOL_SOCKET) {
		switch (type) {
		case SO_TIMESTAMPING_OLD:
			ts_cmsg_stamps_old(out, data);
			break;
		case SCM_TIMESTAMPING_NEW:
			ts_cmsg_stamps_new(out, data);
			break;
		case SCM_TIMESTAMPING_PKTINFO:
			memcpy(&tsp, data, sizeof(tsp));
			out->ts_ifindex = (int)tsp.if_index;
			out->ts_pkt_length = tsp.pkt_length;
			out->flags |= TS_CMSG_TS_PKTINFO;
			break;
		case SO_RXQ_OVFL:
			memcpy(&drops, data, sizeof(drops));
			out->drops = drops;
			out->flags |= TS_CMSG_OVFL;
			break;
		}
		return;
	}
	if (level == SOL_PACKET && type == PACKET_AUXDATA) {
		struct tpacket_auxdata aux;

		memcpy(&aux, data, sizeof(aux));
		out->aux_status = aux.tp_status;
		out->flags |= TS_CMSG_AUXDATA;
		/* The receive path moved the outer tag into skb metadata
		 * (hardware offload or the core's untagging) before the tap. */
		if (aux.tp_status & TP_STATUS_VLAN_VALID) {
			out->vlan_tci = aux.tp_vlan_tci;
			out->vlan_tpid = aux.tp_vlan_tpid;
			out->flags |= TS_CMSG_VLAN;
		}
		return;
	}
	if (level == SOL_IP && type == IP_PKTINFO) {
		memcpy(&pi, data, sizeof(pi));
		out->ifindex = pi.ipi_ifindex;
		out->dst = pi.ipi_addr; /* header destination, not spec_dst */
		out->flags |= TS_CMSG_PKTINFO;
		return;
	}
	/* IP_RECVERR, IPV6_RECVERR or PACKET_TX_TIMESTAMP: the ee comes
	 * first in all three. */
	memcpy(&out->ee, data, sizeof(out->ee));
	out->flags |= TS_CMSG_EXTERR;
}

int ts_cmsg_parse(const struct msghdr *msg, struct ts_cmsg *out)
{
	/* CMSG_NXTHDR wants a mutable msghdr; it only reads it. */
	struct msghdr m = *msg;
	const unsigned char *base = m.msg_control;
	struct cmsghdr *cmsg;

	memset(out, 0, sizeof(*out));
	if (msg->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		return -EMSGSIZE;
	}
	if (base == NULL) {
		return 0;
	}
	for (cmsg = CMSG_FIRSTHDR(&m); cmsg != NULL;
	     cmsg = CMSG_NXTHDR(&m, cmsg)) {
		size_t off = (size_t)((const unsigned char *)cmsg - base);
		size_t room = m.msg_controllen - off;
		size_t want;

		/*
		 * glibc's CMSG_NXTHDR checks that the next header fits, not
		 * that this one's cmsg_len does: validate it before reading
		 * its payload. A broken header makes the rest unwalkable.
		 */
		if (room < sizeof(*cmsg) || cmsg->cmsg_len < sizeof(*cmsg) ||
		    cmsg->cmsg_len > room) {
			out->bad++;
			break;
		}
		want = ts_cmsg_expected(cmsg->cmsg_level, cmsg->cmsg_type);
		if (want == 0) {
			continue; /* not ours: IP_TTL, SO_TIMESTAMPNS, ... */
		}
		if (cmsg->cmsg_len != CMSG_LEN(want)) {
			out->bad++;
			continue;
		}
		ts_cmsg_decode(out, cmsg->cmsg_level, cmsg->cmsg_type,
			       CMSG_DATA(cmsg));
	}
	return 0;
}
