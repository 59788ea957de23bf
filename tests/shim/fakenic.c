// SPDX-License-Identifier: MIT
/*
 * fakenic.so: an LD_PRELOAD shim that turns a real (veth) interface into a
 * NIC with a PTP hardware clock, so the unchanged daemon binary can be
 * tested on its hardware path (the idea of clknetsim). It intercepts:
 *
 *  ioctl(SIOCETHTOOL)   ETHTOOL_GET_TS_INFO: RX/TX/raw hardware + software,
 *                       phc_index, tx types OFF|ON, rx filters NONE|ALL|
 *                       PTP_V2_L4_EVENT|PTP_V2_EVENT; ETHTOOL_GDRVINFO:
 *                       driver "fakenic". Other commands pass through.
 *  ioctl(SIOC[GS]HWTSTAMP)  a stateful fake device config; SET upgrades a
 *                       narrower PTP filter the way drivers do and writes
 *                       back what it applied. It never reaches the real
 *                       device, so it cannot disturb a real NIC.
 *  recvmsg, recvmmsg    after the real call, an SCM_TIMESTAMPING(_NEW)
 *                       control message with a software stamp ts[0] gets
 *                       ts[2] = ts[0] + FAKENIC_HW_OFFSET_NS when the fake
 *                       config would have stamped it: for received packets
 *                       rx_filter ALL, or any other filter but NONE for
 *                       PTP event messages (messageType 0-3) only - on a
 *                       packet socket the PTP message is found inside the
 *                       captured Ethernet frame with the daemon's own
 *                       decoder (src/pkt_decode.c, linked in), on a UDP
 *                       socket it is the datagram; tx_type not OFF for the
 *                       error queue (MSG_ERRQUEUE) - and, as in the kernel,
 *                       only for sockets asking SOF_TIMESTAMPING_RAW_HARDWARE
 *                       (plus TX_HARDWARE for TX stamps).
 *
 * Which sockets: every socket of the process that is unbound or bound
 * (SO_BINDTODEVICE, or a packet socket's bind()) to FAKENIC_IFACE; a socket
 * bound to another device is left alone. Only the ioctls naming
 * FAKENIC_IFACE are faked.
 *
 * Environment (read once at load):
 *  FAKENIC_IFACE        interface to fake; unset: the shim does nothing
 *  FAKENIC_PHC          phc_index (default 0)
 *  FAKENIC_FILTER       initial rx_filter number (default 0, NONE)
 *  FAKENIC_TX           initial tx_type number (default 0, OFF); a one-step
 *                       value is then also offered and accepted
 *  FAKENIC_RX_FILTERS   offered rx_filters mask (default 0x1043)
 *  FAKENIC_SET_FILTER   a quirky driver: SET applies this rx_filter,
 *                       whatever was asked
 *  FAKENIC_NO_GET=1     the driver lacks SIOCGHWTSTAMP (EOPNOTSUPP)
 *  FAKENIC_ONLY_RX=1    no TX hardware stamping at all
 *  FAKENIC_HW_OFFSET_NS hardware = software + this (default 1000000)
 *  FAKENIC_PHC_MODEL=1  hardware = fakephc.so's clock at the software stamp
 *                       instead: sw + FAKEPHC_OFFSET_NS + (sw -
 *                       FAKEPHC_T0_NS) * FAKEPHC_DRIFT_PPB / 10^9 (the same
 *                       variables and defaults; give FAKEPHC_T0_NS, as the
 *                       two shims load at different instants), so a test
 *                       knows the truth of a hardware stamp: the software
 *                       stamp, the system time at arrival
 *  FAKENIC_DROP_HW_EVERY=N  leave ts[2] empty on every Nth eligible packet
 *  FAKENIC_LOG          append "set tx=N rx=N" (what was asked) per
 *                       SIOCSHWTSTAMP and "get" per SIOCGHWTSTAMP
 *  FAKENIC_RESET_FILE   when this file exists at a recvmsg/ioctl, it is
 *                       removed and the config reset to NONE/OFF once (a
 *                       NIC reset, as after a firmware recovery)
 *
 * No allocation, no stdio on the intercepted paths; state is atomics.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <linux/time_types.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pkt_decode.h"

#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef int (*recvmmsg_fn)(int, struct mmsghdr *, unsigned int, int,
			   struct timespec *);

/* A shim has no context to hang state on: the process is its context. */
static struct {
	ioctl_fn ioctl;
	recvmsg_fn recvmsg;
	recvmmsg_fn recvmmsg;
	bool active;
	char iface[IFNAMSIZ];
	int phc;
	int initial_tx;
	uint32_t rx_filters;
	int set_filter; /* -1: apply what was asked (with upgrades) */
	bool no_get;
	bool only_rx;
	int64_t offset_ns;
	bool phc_model;
	int64_t phc_offset, phc_drift_ppb, phc_t0;
	unsigned long drop_every;
	char log[256];
	char reset[256];
	/* Mutable, touched with __atomic only. */
	int tx_type;
	int rx_filter;
	unsigned long seen;
	int ready;
} fk = {.phc = 0, .set_filter = -1};

static long fakenic_env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v) {
		return def;
	}
	n = strtol(v, &end, 0);
	return *end ? def : n;
}

static void fakenic_env_str(const char *name, char *buf, size_t len)
{
	const char *v = getenv(name);

	buf[0] = '\0';
	if (v && strlen(v) < len) {
		memcpy(buf, v, strlen(v) + 1);
	}
}

__attribute__((constructor)) static void fakenic_init(void)
{
	if (__atomic_load_n(&fk.ready, __ATOMIC_ACQUIRE)) {
		return;
	}
	fk.ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	fk.recvmsg = (recvmsg_fn)dlsym(RTLD_NEXT, "recvmsg");
	fk.recvmmsg = (recvmmsg_fn)dlsym(RTLD_NEXT, "recvmmsg");
	fakenic_env_str("FAKENIC_IFACE", fk.iface, sizeof(fk.iface));
	fk.active = fk.iface[0] != '\0';
	fk.phc = (int)fakenic_env_long("FAKENIC_PHC", 0);
	fk.rx_filter =
		(int)fakenic_env_long("FAKENIC_FILTER", HWTSTAMP_FILTER_NONE);
	fk.initial_tx = (int)fakenic_env_long("FAKENIC_TX", HWTSTAMP_TX_OFF);
	fk.tx_type = fk.initial_tx;
	fk.rx_filters = (uint32_t)fakenic_env_long(
		"FAKENIC_RX_FILTERS",
		(1 << HWTSTAMP_FILTER_NONE) | (1 << HWTSTAMP_FILTER_ALL) |
			(1 << HWTSTAMP_FILTER_PTP_V2_L4_EVENT) |
			(1 << HWTSTAMP_FILTER_PTP_V2_EVENT));
	fk.set_filter = (int)fakenic_env_long("FAKENIC_SET_FILTER", -1);
	fk.no_get = fakenic_env_long("FAKENIC_NO_GET", 0) == 1;
	fk.only_rx = fakenic_env_long("FAKENIC_ONLY_RX", 0) == 1;
	fk.offset_ns = fakenic_env_long("FAKENIC_HW_OFFSET_NS", 1000000);
	fk.phc_model = fakenic_env_long("FAKENIC_PHC_MODEL", 0) == 1;
	fk.phc_offset = fakenic_env_long("FAKEPHC_OFFSET_NS", 37000000000L);
	fk.phc_drift_ppb = fakenic_env_long("FAKEPHC_DRIFT_PPB", 0);
	fk.phc_t0 = fakenic_env_long("FAKEPHC_T0_NS", 0);
	if (!fk.phc_t0) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		fk.phc_t0 = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	fk.drop_every =
		(unsigned long)fakenic_env_long("FAKENIC_DROP_HW_EVERY", 0);
	fakenic_env_str("FAKENIC_LOG", fk.log, sizeof(fk.log));
	fakenic_env_str("FAKENIC_RESET_FILE", fk.reset, sizeof(fk.reset));
	__atomic_store_n(&fk.ready, 1, __ATOMIC_RELEASE);
}

/* Append "@word tx=N rx=N\n" (or just "@word\n") to FAKENIC_LOG with
 * write(2) and no stdio: callable from anywhere. */
static void fakenic_log(const char *word, bool with_cfg, int tx, int rx)
{
	char line[64];
	size_t n = 0;
	int fd, i, v[2] = {tx, rx};
	const char *key[2] = {" tx=", " rx="};

	if (!fk.log[0]) {
		return;
	}
	for (; *word && n < 16; word++) {
		line[n++] = *word;
	}
	for (i = 0; with_cfg && i < 2; i++) {
		char digits[12];
		unsigned int u = (unsigned int)(v[i] < 0 ? -v[i] : v[i]);
		int d = 0;

		memcpy(line + n, key[i], 4);
		n += 4;
		if (v[i] < 0) {
			line[n++] = '-';
		}
		do {
			digits[d++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		while (d) {
			line[n++] = digits[--d];
		}
	}
	line[n++] = '\n';
	fd = open(fk.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, line, n);

		(void)w;
		close(fd);
	}
}

/* A NIC reset loses the hardware config; unlink() succeeding means the
 * file was there, so exactly one caller performs the reset. */
static void fakenic_maybe_reset(void)
{
	if (!fk.active || !fk.reset[0]) {
		return;
	}
	if (unlink(fk.reset) == 0) {
		__atomic_store_n(&fk.rx_filter, HWTSTAMP_FILTER_NONE,
				 __ATOMIC_SEQ_CST);
		__atomic_store_n(&fk.tx_type, HWTSTAMP_TX_OFF,
				 __ATOMIC_SEQ_CST);
	}
}

static bool fakenic_has_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0) {
		return false;
	}
	return d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &
	       CAP_TO_MASK(CAP_NET_ADMIN);
}

static uint32_t fakenic_tx_types(void)
{
	uint32_t m = 1u << HWTSTAMP_TX_OFF;

	if (!fk.only_rx) {
		m |= 1u << HWTSTAMP_TX_ON;
		if (fk.initial_tx > HWTSTAMP_TX_ON && fk.initial_tx < 31) {
			m |= 1u << fk.initial_tx;
		}
	}
	return m;
}

/* What a typical driver (igb, ixgbe) applies for a requested filter:
 * the narrowest offered filter containing it; -1 when none does. */
static int fakenic_apply_filter(int want)
{
	static const int v2_l4[] = {HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
				    HWTSTAMP_FILTER_PTP_V2_EVENT,
				    HWTSTAMP_FILTER_ALL};
	static const int v2_any[] = {HWTSTAMP_FILTER_PTP_V2_EVENT,
				     HWTSTAMP_FILTER_ALL};
	static const int all[] = {HWTSTAMP_FILTER_ALL};
	const int *c;
	size_t n, i;

	switch (want) {
	case HWTSTAMP_FILTER_NONE:
		return HWTSTAMP_FILTER_NONE;
	case HWTSTAMP_FILTER_PTP_V2_L4_EVENT:
	case HWTSTAMP_FILTER_PTP_V2_L4_SYNC:
	case HWTSTAMP_FILTER_PTP_V2_L4_DELAY_REQ:
		c = v2_l4;
		n = 3;
		break;
	case HWTSTAMP_FILTER_PTP_V2_EVENT:
	case HWTSTAMP_FILTER_PTP_V2_SYNC:
	case HWTSTAMP_FILTER_PTP_V2_DELAY_REQ:
	case HWTSTAMP_FILTER_PTP_V2_L2_EVENT:
	case HWTSTAMP_FILTER_PTP_V2_L2_SYNC:
	case HWTSTAMP_FILTER_PTP_V2_L2_DELAY_REQ:
		c = v2_any;
		n = 2;
		break;
	case HWTSTAMP_FILTER_ALL:
	case HWTSTAMP_FILTER_PTP_V1_L4_EVENT:
	case HWTSTAMP_FILTER_PTP_V1_L4_SYNC:
	case HWTSTAMP_FILTER_PTP_V1_L4_DELAY_REQ:
	case HWTSTAMP_FILTER_NTP_ALL:
		c = all;
		n = 1;
		break;
	default: /* SOME is a return value only; unknown values */
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (fk.rx_filters & (1u << c[i])) {
			return c[i];
		}
	}
	return -1;
}

static int fakenic_fail(int err)
{
	errno = err;
	return -1;
}

static int fakenic_hwtstamp(unsigned long req, struct ifreq *ifr)
{
	struct hwtstamp_config cfg;

	/* A device that does not exist in this namespace stays absent. */
	if (if_nametoindex(fk.iface) == 0) {
		return fakenic_fail(ENODEV);
	}
	if (!ifr->ifr_data) {
		return fakenic_fail(EFAULT);
	}
	if (req == SIOCGHWTSTAMP) {
		fakenic_log("get", false, 0, 0);
		if (fk.no_get) {
			return fakenic_fail(EOPNOTSUPP);
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.tx_type = __atomic_load_n(&fk.tx_type, __ATOMIC_SEQ_CST);
		cfg.rx_filter =
			__atomic_load_n(&fk.rx_filter, __ATOMIC_SEQ_CST);
		memcpy(ifr->ifr_data, &cfg, sizeof(cfg));
		return 0;
	}
	/* SIOCSHWTSTAMP: the kernel checks CAP_NET_ADMIN first. */
	if (!fakenic_has_net_admin()) {
		return fakenic_fail(EPERM);
	}
	memcpy(&cfg, ifr->ifr_data, sizeof(cfg));
	fakenic_log("set", true, cfg.tx_type, cfg.rx_filter);
	if (cfg.flags & ~HWTSTAMP_FLAG_MASK) {
		return fakenic_fail(EINVAL);
	}
	if (cfg.tx_type < 0 || cfg.tx_type > 30 ||
	    !(fakenic_tx_types() & (1u << cfg.tx_type))) {
		return fakenic_fail(ERANGE);
	}
	cfg.rx_filter = fakenic_apply_filter(cfg.rx_filter);
	if (cfg.rx_filter < 0) {
		return fakenic_fail(ERANGE);
	}
	if (fk.set_filter >= 0) {
		cfg.rx_filter = fk.set_filter;
	}
	__atomic_store_n(&fk.tx_type, cfg.tx_type, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fk.rx_filter, cfg.rx_filter, __ATOMIC_SEQ_CST);
	memcpy(ifr->ifr_data, &cfg, sizeof(cfg));
	return 0;
}

static int fakenic_ethtool(int fd, struct ifreq *ifr)
{
	uint32_t cmd;
	int r;

	if (!ifr->ifr_data) {
		return fk.ioctl(fd, SIOCETHTOOL, ifr);
	}
	memcpy(&cmd, ifr->ifr_data, sizeof(cmd));
	if (cmd != ETHTOOL_GET_TS_INFO && cmd != ETHTOOL_GDRVINFO) {
		return fk.ioctl(fd, SIOCETHTOOL, ifr);
	}
	/* Read-only on the real device: keeps ENODEV and other fields. */
	r = fk.ioctl(fd, SIOCETHTOOL, ifr);
	if (r < 0 && errno != EOPNOTSUPP) {
		return r;
	}
	if (cmd == ETHTOOL_GET_TS_INFO) {
		struct ethtool_ts_info ti;

		memset(&ti, 0, sizeof(ti));
		ti.cmd = cmd;
		ti.so_timestamping = SOF_TIMESTAMPING_RX_HARDWARE |
				     SOF_TIMESTAMPING_RAW_HARDWARE |
				     SOF_TIMESTAMPING_TX_SOFTWARE |
				     SOF_TIMESTAMPING_RX_SOFTWARE |
				     SOF_TIMESTAMPING_SOFTWARE;
		if (!fk.only_rx) {
			ti.so_timestamping |= SOF_TIMESTAMPING_TX_HARDWARE;
		}
		ti.phc_index = fk.phc;
		ti.tx_types = fakenic_tx_types();
		ti.rx_filters = fk.rx_filters;
		memcpy(ifr->ifr_data, &ti, sizeof(ti));
	} else {
		struct ethtool_drvinfo di;

		memcpy(&di, ifr->ifr_data, sizeof(di));
		memset(di.driver, 0, sizeof(di.driver));
		memcpy(di.driver, "fakenic", sizeof("fakenic"));
		memcpy(ifr->ifr_data, &di, sizeof(di));
	}
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct ifreq *ifr;
	void *arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	fakenic_init();
	fakenic_maybe_reset();
	if (!fk.active || !arg ||
	    (req != SIOCETHTOOL && req != SIOCGHWTSTAMP &&
	     req != SIOCSHWTSTAMP)) {
		return fk.ioctl(fd, req, arg);
	}
	ifr = arg;
	if (strncmp(ifr->ifr_name, fk.iface, sizeof(ifr->ifr_name)) != 0) {
		return fk.ioctl(fd, req, arg);
	}
	if (req == SIOCETHTOOL) {
		return fakenic_ethtool(fd, ifr);
	}
	return fakenic_hwtstamp(req, ifr);
}

static bool fakenic_packet_socket(int fd)
{
	int domain = 0;
	socklen_t len = sizeof(domain);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	       domain == AF_PACKET;
}

/* Would this socket be handed a hardware stamp by the kernel? */
static bool fakenic_socket_wants(int fd, bool tx)
{
	char dev[IFNAMSIZ];
	socklen_t len = sizeof(dev);
	int flags = 0;
	socklen_t flen = sizeof(flags);

	if (getsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD, &flags, &flen) <
	    0) {
		return false;
	}
	if (!(flags & SOF_TIMESTAMPING_RAW_HARDWARE)) {
		return false;
	}
	if (tx && !(flags & SOF_TIMESTAMPING_TX_HARDWARE)) {
		return false;
	}
	if (fakenic_packet_socket(fd)) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);

		return getsockname(fd, (struct sockaddr *)&sll, &sl) == 0 &&
		       sll.sll_ifindex == (int)if_nametoindex(fk.iface);
	}
	memset(dev, 0, sizeof(dev));
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) == 0 &&
	    len > 0 && dev[0] && strncmp(dev, fk.iface, sizeof(dev)) != 0) {
		return false;
	}
	return true;
}

/* hardware - software for a software stamp @sw (ns). */
static int64_t fakenic_hw_delta(int64_t sw)
{
	if (!fk.phc_model) {
		return fk.offset_ns;
	}
	/* fakephc.c's fakephc_at(): truncated toward zero, as there */
	return fk.phc_offset + (int64_t)((__int128)(sw - fk.phc_t0) *
					 fk.phc_drift_ppb / 1000000000);
}

/* ts[2] = ts[0] + offset in one SCM_TIMESTAMPING(_NEW) payload of three
 * @T stamps; T is struct timespec (old) or __kernel_timespec (_NEW). */
#define FAKENIC_FILL(T, data)                                                  \
	do {                                                                   \
		T ts_[3];                                                      \
		int64_t ns_;                                                   \
		memcpy(ts_, (data), sizeof(ts_));                              \
		if ((ts_[0].tv_sec == 0 && ts_[0].tv_nsec == 0) ||             \
		    ts_[2].tv_sec != 0 || ts_[2].tv_nsec != 0) {               \
			break;                                                 \
		}                                                              \
		if (fakenic_drop_this()) {                                     \
			break;                                                 \
		}                                                              \
		ns_ = (int64_t)ts_[0].tv_nsec +                                \
		      fakenic_hw_delta((int64_t)ts_[0].tv_sec * 1000000000 +   \
				       ts_[0].tv_nsec);                        \
		ts_[2].tv_sec = ts_[0].tv_sec + ns_ / 1000000000;              \
		ts_[2].tv_nsec = ns_ % 1000000000;                             \
		if (ts_[2].tv_nsec < 0) {                                      \
			ts_[2].tv_nsec += 1000000000;                          \
			ts_[2].tv_sec--;                                       \
		}                                                              \
		memcpy((data), ts_, sizeof(ts_));                              \
	} while (0)

static bool fakenic_drop_this(void)
{
	unsigned long n = __atomic_add_fetch(&fk.seen, 1, __ATOMIC_SEQ_CST);

	return fk.drop_every > 0 && n % fk.drop_every == 0;
}

/* A PTP event message (SYNC, DELAY_REQ, PDELAY_REQ, PDELAY_RESP): what an
 * event filter such as PTP_V2_L4_EVENT stamps; general messages get a
 * hardware stamp only under filter ALL, as on a real NIC. */
static bool fakenic_is_event(int fd, const struct msghdr *msg, size_t len)
{
	const unsigned char *p;

	if (len < 1 || msg->msg_iovlen < 1 || !msg->msg_iov[0].iov_base ||
	    msg->msg_iov[0].iov_len < 1) {
		return false;
	}
	p = msg->msg_iov[0].iov_base;
	if (len > msg->msg_iov[0].iov_len) {
		len = msg->msg_iov[0].iov_len;
	}
	if (fakenic_packet_socket(fd)) {
		/* A NIC's PTP filter parses the frame; so do we, with the
		 * daemon's decoder. The tag a NIC strips does not matter. */
		const struct sockaddr_ll *from = msg->msg_name;
		struct pkt_meta meta = {.pkttype = PACKET_MULTICAST};
		struct pkt_info pi;

		if (from && msg->msg_namelen >= sizeof(*from)) {
			meta.pkttype = from->sll_pkttype;
		}
		if (pkt_decode(p, len, &meta, &pi, NULL) ||
		    pi.payload_len < 1) {
			return false;
		}
		return (pi.payload[0] & 0x0f) < 4;
	}
	return (p[0] & 0x0f) < 4;
}

static void fakenic_stamp(int fd, struct msghdr *msg, int flags, size_t len)
{
	bool tx;
	struct cmsghdr *cm;
	int filter;

	fakenic_maybe_reset();
	if (!fk.active || !msg || !msg->msg_control ||
	    msg->msg_controllen < sizeof(struct cmsghdr)) {
		return;
	}
	tx = (flags & MSG_ERRQUEUE) || (msg->msg_flags & MSG_ERRQUEUE);
	if (tx) {
		if (fk.only_rx ||
		    __atomic_load_n(&fk.tx_type, __ATOMIC_SEQ_CST) ==
			    HWTSTAMP_TX_OFF) {
			return;
		}
	} else {
		filter = __atomic_load_n(&fk.rx_filter, __ATOMIC_SEQ_CST);
		if (filter == HWTSTAMP_FILTER_NONE ||
		    (filter != HWTSTAMP_FILTER_ALL &&
		     !fakenic_is_event(fd, msg, len))) {
			return;
		}
	}
	if (!fakenic_socket_wants(fd, tx)) {
		return;
	}
	/* CMSG_NXTHDR bounds each header by msg_controllen; the payload
	 * length is checked exactly before it is touched. */
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_len < sizeof(*cm) ||
		    (char *)cm + cm->cmsg_len >
			    (char *)msg->msg_control + msg->msg_controllen) {
			break;
		}
		if (cm->cmsg_level != SOL_SOCKET) {
			continue;
		}
		if (cm->cmsg_type == SO_TIMESTAMPING_OLD &&
		    cm->cmsg_len == CMSG_LEN(3 * sizeof(struct timespec))) {
			FAKENIC_FILL(struct timespec, CMSG_DATA(cm));
		} else if (cm->cmsg_type == SO_TIMESTAMPING_NEW &&
			   cm->cmsg_len ==
				   CMSG_LEN(3 *
					    sizeof(struct __kernel_timespec))) {
			FAKENIC_FILL(struct __kernel_timespec, CMSG_DATA(cm));
		}
	}
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n;
	int saved;

	fakenic_init();
	n = fk.recvmsg(fd, msg, flags);
	if (n >= 0) {
		saved = errno;
		fakenic_stamp(fd, msg, flags, (size_t)n);
		errno = saved;
	}
	return n;
}

int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	     struct timespec *timeout)
{
	int n, i, saved;

	fakenic_init();
	n = fk.recvmmsg(fd, vec, vlen, flags, timeout);
	if (n > 0) {
		saved = errno;
		for (i = 0; i < n; i++) {
			fakenic_stamp(fd, &vec[i].msg_hdr, flags,
				      vec[i].msg_len);
		}
		errno = saved;
	}
	return n;
}
