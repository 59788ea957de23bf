/* SPDX-License-Identifier: MIT */
/*
 * A second reference for the capture filter: what tcpdump 4.99.3 /
 * libpcap 1.10.3 compile (`tcpdump -dd`, offline, so Ethernet and
 * in-frame tags) for the expression
 *
 *   ether proto 0x88f7
 *   or (ip and ip[9] = 17 and ip[6:2] & 0x1fff = 0
 *       and (udp dst port 319 or udp dst port 320))
 *   or (ip6 and ip6[6] = 17 and (ip6[42:2] = 319 or ip6[42:2] = 320))
 *   or (vlan and (<the same three>))
 *
 * (written out in full on the command line). tcpdump's `vlan` also takes
 * the old 0x9100 QinQ TPID, which ptp_bpf_program() does not:
 * test_ptp_bpf compares the verdicts on every other frame.
 */
#ifndef TBLK_BPF_TCPDUMP_H
#define TBLK_BPF_TCPDUMP_H

#include <linux/filter.h>

/* clang-format off */
static const struct sock_filter tcpdump_ptp_filter[] = {
	{ 0x28, 0, 0, 0x0000000c },
	{ 0x15, 40, 0, 0x000088f7 },
	{ 0x15, 0, 11, 0x00000800 },
	{ 0x30, 0, 0, 0x00000017 },
	{ 0x15, 0, 38, 0x00000011 },
	{ 0x28, 0, 0, 0x00000014 },
	{ 0x45, 36, 0, 0x00001fff },
	{ 0x30, 0, 0, 0x00000017 },
	{ 0x15, 0, 34, 0x00000011 },
	{ 0x28, 0, 0, 0x00000014 },
	{ 0x45, 32, 0, 0x00001fff },
	{ 0xb1, 0, 0, 0x0000000e },
	{ 0x48, 0, 0, 0x00000010 },
	{ 0x15, 28, 27, 0x0000013f },
	{ 0x15, 0, 4, 0x000086dd },
	{ 0x30, 0, 0, 0x00000014 },
	{ 0x15, 0, 26, 0x00000011 },
	{ 0x28, 0, 0, 0x00000038 },
	{ 0x15, 23, 22, 0x0000013f },
	{ 0x15, 2, 0, 0x00008100 },
	{ 0x15, 1, 0, 0x000088a8 },
	{ 0x15, 0, 21, 0x00009100 },
	{ 0x28, 0, 0, 0x00000010 },
	{ 0x15, 18, 0, 0x000088f7 },
	{ 0x15, 0, 11, 0x00000800 },
	{ 0x30, 0, 0, 0x0000001b },
	{ 0x15, 0, 16, 0x00000011 },
	{ 0x28, 0, 0, 0x00000018 },
	{ 0x45, 14, 0, 0x00001fff },
	{ 0x30, 0, 0, 0x0000001b },
	{ 0x15, 0, 12, 0x00000011 },
	{ 0x28, 0, 0, 0x00000018 },
	{ 0x45, 10, 0, 0x00001fff },
	{ 0xb1, 0, 0, 0x00000012 },
	{ 0x48, 0, 0, 0x00000014 },
	{ 0x15, 6, 5, 0x0000013f },
	{ 0x15, 0, 6, 0x000086dd },
	{ 0x30, 0, 0, 0x00000018 },
	{ 0x15, 0, 4, 0x00000011 },
	{ 0x28, 0, 0, 0x0000003c },
	{ 0x15, 1, 0, 0x0000013f },
	{ 0x15, 0, 1, 0x00000140 },
	{ 0x6, 0, 0, 0x00040000 },
	{ 0x6, 0, 0, 0x00000000 },
};
/* clang-format on */

#endif
