// SPDX-License-Identifier: MIT
/*
 * The capture socket's classic BPF filter. The program, as `tcpdump -d`
 * would list it (offsets from the destination MAC; a tagged frame has
 * its real ethertype at 16 and everything after it 4 bytes further):
 *
 *   (000) ldh      [12]
 *   (001) jeq      #0x88f7          jt 33   jf 2     IEEE 1588 over Ethernet
 *   (002) jeq      #0x800           jt 6    jf 3
 *   (003) jeq      #0x86dd          jt 13   jf 4
 *   (004) jeq      #0x8100          jt 17   jf 5     802.1Q tag
 *   (005) jeq      #0x88a8          jt 17   jf 34    802.1ad tag
 *   (006) ldb      [23]                              IPv4 protocol
 *   (007) jeq      #0x11            jt 8    jf 34
 *   (008) ldh      [20]                              flags, fragment offset
 *   (009) jset     #0x1fff          jt 34   jf 10
 *   (010) ldxb     4*([14]&0xf)                      IHL
 *   (011) ldh      [x + 16]                          UDP destination port
 *   (012) ja       31
 *   (013) ldb      [20]                              IPv6 next header
 *   (014) jeq      #0x11            jt 15   jf 34
 *   (015) ldh      [56]                              UDP destination port
 *   (016) ja       31
 *   (017) ldh      [16]                              ethertype after the tag
 *   (018) jeq      #0x88f7          jt 33   jf 19
 *   (019) jeq      #0x800           jt 21   jf 20
 *   (020) jeq      #0x86dd          jt 28   jf 34
 *   (021) ldb      [27]
 *   (022) jeq      #0x11            jt 23   jf 34
 *   (023) ldh      [24]
 *   (024) jset     #0x1fff          jt 34   jf 25
 *   (025) ldxb     4*([18]&0xf)
 *   (026) ldh      [x + 20]
 *   (027) ja       31
 *   (028) ldb      [24]
 *   (029) jeq      #0x11            jt 30   jf 34
 *   (030) ldh      [60]
 *   (031) jeq      #0x13f           jt 33   jf 32    port 319
 *   (032) jeq      #0x140           jt 33   jf 34    port 320
 *   (033) ret      #262144
 *   (034) ret      #0
 *
 * It is a superset of what pkt_decode() accepts, never less: it does not
 * check IP versions, IHL >= 5, lengths, the MF flag (a first fragment
 * passes and the decoder counts it as filtered) or a second tag (its
 * ethertype is not IP or 0x88F7, so it drops). A load past the end of the
 * packet ends a classic BPF program with 0 in the kernel, so a short
 * frame is dropped without explicit length checks.
 *
 * On receive the kernel has usually taken the outer tag out of the
 * frame into metadata already (the filter runs on the frame without it);
 * the tagged branch covers a tag left in the frame, e.g. the inner one of
 * a QinQ pair or a NIC that does not strip.
 *
 * Cross-check: `tcpdump -d` of the equivalent expressions
 *   ether proto 0x88f7 or (ip and ip[9] = 17 and ip[6:2] & 0x1fff = 0 and
 *   (udp dst port 319 or udp dst port 320)) or (ip6 and ip6[6] = 17 and
 *   (ip6[42:2] = 319 or ip6[42:2] = 320))
 * and the same after `vlan and` give the same loads and constants, once
 * per branch (tcpdump's `vlan` also accepts 0x9100, which we do not).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "pkt_decode.h"
#include "ptp_bpf.h"

#define ETHERTYPE_IPV4	 0x0800
#define ETHERTYPE_IPV6	 0x86dd
#define ETHERTYPE_8021Q	 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define IPV4_FRAG_OFF	 0x1fff
#define IPPROTO_UDP_NUM	 17

/* Jump targets. L_NEXT is the next instruction (offset 0). */
enum label {
	L_NEXT,
	L_IP4,
	L_IP6,
	L_VLAN,
	L_VIP4,
	L_VIP6,
	L_PORT,
	L_PASS,
	L_DROP,
	L_COUNT,
};

/*
 * A two-pass builder: the first pass places the labels, the second
 * writes the instructions with their jumps resolved. Jumps go forward
 * only (classic BPF has no other kind) and jt/jf must fit in a u8.
 */
struct bld {
	struct sock_filter *prog;
	size_t max;
	size_t n;
	size_t at[L_COUNT];
	bool resolve;
	int err;
};

static uint32_t bld_offset(struct bld *b, enum label l, uint32_t limit)
{
	size_t off;

	if (l == L_NEXT || !b->resolve) {
		return 0;
	}
	if (b->at[l] <= b->n || b->at[l] - b->n - 1 > limit) {
		b->err = -EINVAL;
		return 0;
	}
	off = b->at[l] - b->n - 1;
	return (uint32_t)off;
}

static void bld_emit(struct bld *b, uint16_t code, enum label jt, enum label jf,
		     uint32_t k)
{
	struct sock_filter insn = {
		.code = code,
		.jt = (uint8_t)bld_offset(b, jt, UINT8_MAX),
		.jf = (uint8_t)bld_offset(b, jf, UINT8_MAX),
		.k = k,
	};

	if (b->resolve && b->n < b->max) {
		b->prog[b->n] = insn;
	}
	b->n++;
}

static void bld_stmt(struct bld *b, uint16_t code, uint32_t k)
{
	bld_emit(b, code, L_NEXT, L_NEXT, k);
}

/* if A == k goto jt else goto jf */
static void bld_jeq(struct bld *b, uint32_t k, enum label jt, enum label jf)
{
	bld_emit(b, BPF_JMP | BPF_JEQ | BPF_K, jt, jf, k);
}

/* if A & k goto jt else goto jf */
static void bld_jset(struct bld *b, uint32_t k, enum label jt, enum label jf)
{
	bld_emit(b, BPF_JMP | BPF_JSET | BPF_K, jt, jf, k);
}

static void bld_ja(struct bld *b, enum label l)
{
	bld_stmt(b, BPF_JMP | BPF_JA, bld_offset(b, l, UINT32_MAX));
}

static void bld_label(struct bld *b, enum label l)
{
	if (b->resolve && b->at[l] != b->n) {
		b->err = -EINVAL;
	}
	b->at[l] = b->n;
}

/* IPv4 with the IP header at @l3: UDP, not a later fragment; leaves the
 * UDP destination port in A and goes to L_PORT. */
static void bld_ipv4(struct bld *b, uint32_t l3)
{
	bld_stmt(b, BPF_LD | BPF_B | BPF_ABS, l3 + 9); /* ldb [l3+9] */
	bld_jeq(b, IPPROTO_UDP_NUM, L_NEXT, L_DROP);
	bld_stmt(b, BPF_LD | BPF_H | BPF_ABS, l3 + 6); /* ldh [l3+6] */
	bld_jset(b, IPV4_FRAG_OFF, L_DROP, L_NEXT);
	bld_stmt(b, BPF_LDX | BPF_B | BPF_MSH, l3);    /* ldxb 4*([l3]&0xf) */
	bld_stmt(b, BPF_LD | BPF_H | BPF_IND, l3 + 2); /* ldh [x+l3+2] */
	bld_ja(b, L_PORT);
}

/* IPv6 with the fixed header at @l3 and UDP right after it; leaves the
 * UDP destination port in A. The caller goes to (or falls into) L_PORT. */
static void bld_ipv6(struct bld *b, uint32_t l3)
{
	bld_stmt(b, BPF_LD | BPF_B | BPF_ABS, l3 + 6); /* ldb [l3+6] */
	bld_jeq(b, IPPROTO_UDP_NUM, L_NEXT, L_DROP);
	bld_stmt(b, BPF_LD | BPF_H | BPF_ABS, l3 + 42); /* ldh [l3+40+2] */
}

static void bld_program(struct bld *b)
{
	/* untagged: ethertype at 12, network header at 14 */
	bld_stmt(b, BPF_LD | BPF_H | BPF_ABS, 12);
	bld_jeq(b, PKT_ETHERTYPE_1588, L_PASS, L_NEXT);
	bld_jeq(b, ETHERTYPE_IPV4, L_IP4, L_NEXT);
	bld_jeq(b, ETHERTYPE_IPV6, L_IP6, L_NEXT);
	bld_jeq(b, ETHERTYPE_8021Q, L_VLAN, L_NEXT);
	bld_jeq(b, ETHERTYPE_8021AD, L_VLAN, L_DROP);
	bld_label(b, L_IP4);
	bld_ipv4(b, 14);
	bld_label(b, L_IP6);
	bld_ipv6(b, 14);
	bld_ja(b, L_PORT);

	/* one tag: real ethertype at 16, network header at 18 */
	bld_label(b, L_VLAN);
	bld_stmt(b, BPF_LD | BPF_H | BPF_ABS, 16);
	bld_jeq(b, PKT_ETHERTYPE_1588, L_PASS, L_NEXT);
	bld_jeq(b, ETHERTYPE_IPV4, L_VIP4, L_NEXT);
	bld_jeq(b, ETHERTYPE_IPV6, L_VIP6, L_DROP);
	bld_label(b, L_VIP4);
	bld_ipv4(b, 18);
	bld_label(b, L_VIP6);
	bld_ipv6(b, 18);

	/* A holds the UDP destination port */
	bld_label(b, L_PORT);
	bld_jeq(b, PKT_PTP_EVENT_PORT, L_PASS, L_NEXT);
	bld_jeq(b, PKT_PTP_GENERAL_PORT, L_PASS, L_DROP);
	bld_label(b, L_PASS);
	bld_stmt(b, BPF_RET | BPF_K, PTP_BPF_SNAPLEN);
	bld_label(b, L_DROP);
	bld_stmt(b, BPF_RET | BPF_K, 0);
}

int ptp_bpf_program(struct sock_filter *prog, size_t max)
{
	struct bld b = {.prog = prog, .max = max};

	bld_program(&b);
	if (b.n > max) {
		return -ENOSPC;
	}
	b.n = 0;
	b.resolve = true;
	bld_program(&b);
	if (b.err != 0) {
		return b.err;
	}
	return (int)b.n;
}
