/* SPDX-License-Identifier: MIT */
/*
 * A small classic BPF checker and interpreter for tests: just what
 * ptp_bpf_program() uses (ld/ldx abs, ind, msh; jeq/jset/ja; ret), with
 * the kernel's semantics where they matter here:
 *  - a load past the end of the packet ends the program with 0, as in the
 *    kernel: the packet is dropped;
 *  - bpf_interp_check() refuses what the kernel refuses when a classic
 *    program is attached (SO_ATTACH_FILTER), for these opcodes: an empty
 *    or too long program, an unknown opcode, a jump target outside the
 *    program, a last instruction that is not a ret.
 * Shared by tests/unit/test_ptp_bpf.c and tests/fuzz/fuzz_pkt_decode.c.
 */
#ifndef TBLK_BPF_INTERP_H
#define TBLK_BPF_INTERP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

static inline int bpf_interp_known(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_RET | BPF_K:
		return 1;
	default:
		return 0;
	}
}

/* 0 when the kernel would accept @prog, -EINVAL otherwise. */
static inline int bpf_interp_check(const struct sock_filter *prog, size_t n)
{
	if (n == 0 || n > BPF_MAXINSNS) {
		return -EINVAL;
	}
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];

		if (!bpf_interp_known(f->code)) {
			return -EINVAL;
		}
		if (f->code == (BPF_JMP | BPF_JA)) {
			if (f->k >= n - pc - 1) {
				return -EINVAL;
			}
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			if (pc + 1 + f->jt >= n || pc + 1 + f->jf >= n) {
				return -EINVAL;
			}
		}
	}
	if (BPF_CLASS(prog[n - 1].code) != BPF_RET) {
		return -EINVAL;
	}
	return 0;
}

/* Load @size bytes big-endian at @off; 0 when outside [0, @len). */
static inline int bpf_interp_load(const uint8_t *pkt, size_t len, uint64_t off,
				  unsigned int size, uint32_t *v)
{
	if (off > len || size > len - off) {
		return 0;
	}
	*v = 0;
	for (unsigned int i = 0; i < size; i++) {
		*v = *v << 8 | pkt[off + i];
	}
	return 1;
}

static inline unsigned int bpf_interp_size(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

/*
 * Run @prog (checked with bpf_interp_check) on @pkt. Returns what the
 * program returns: the number of bytes to keep, 0 to drop. A program
 * that runs off its end or meets an unknown opcode returns 0 too (the
 * checker refuses both up front).
 */
static inline uint32_t bpf_interp_run(const struct sock_filter *prog, size_t n,
				      const uint8_t *pkt, size_t len)
{
	uint32_t a = 0, x = 0, v;
	size_t pc = 0;

	while (pc < n) {
		const struct sock_filter *f = &prog[pc++];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (!bpf_interp_load(pkt, len, f->k,
					     bpf_interp_size(f->code), &v)) {
				return 0;
			}
			a = v;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (!bpf_interp_load(pkt, len, (uint64_t)x + f->k,
					     bpf_interp_size(f->code), &v)) {
				return 0;
			}
			a = v;
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (!bpf_interp_load(pkt, len, f->k, 1, &v)) {
				return 0;
			}
			x = 4 * (v & 0xf);
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return 0;
		}
	}
	return 0;
}

#endif
