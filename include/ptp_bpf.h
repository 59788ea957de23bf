/* SPDX-License-Identifier: MIT */
/*
 * The classic BPF program attached to the capture socket (SPEC §3): it
 * passes only PTP — ethertype 0x88F7, IPv4/UDP and IPv6/UDP to port 319 or
 * 320 — with or without one 802.1Q (0x8100) / 802.1ad (0x88A8) tag left in
 * the frame, so the kernel drops every other packet before the daemon
 * wakes. Offsets are from the destination MAC (SOCK_RAW). Pure.
 */
#ifndef TBLK_PTP_BPF_H
#define TBLK_PTP_BPF_H

#include <linux/filter.h>
#include <stddef.h>

/* Bytes of a passed packet the kernel keeps (the rest is MSG_TRUNC). */
#define PTP_BPF_SNAPLEN 0x40000

/* Upper bound of ptp_bpf_program()'s length. */
#define PTP_BPF_MAX 64

/* Write the program into @prog (room for @max instructions); returns its
 * length, or -ENOSPC (nothing useful in @prog then). -EINVAL means a jump
 * did not fit or went backwards: a bug in the builder, never seen at run
 * time (the unit test checks the program). */
int ptp_bpf_program(struct sock_filter *prog, size_t max);

#endif
