// SPDX-License-Identifier: MIT
/*
 * ptp_bpf unit tests: the program is checked the way the kernel checks a
 * classic filter on SO_ATTACH_FILTER, then run by a small interpreter
 * (bpf_interp.h) on the captured frames of frames.h and broken variants
 * of them. The same frames go through the kernel's own BPF too: the
 * filter is attached to one end of an AF_UNIX datagram socketpair (no
 * privilege, no network), where a datagram the filter drops never
 * arrives. Finally, for every frame of a large mutated set, pkt_decode()
 * accepting it implies the filter passes it: the filter never hides
 * from the daemon a frame the decoder would take. And over every byte of
 * those frames set to every value, its verdicts equal those of what
 * tcpdump compiles for the equivalent expression (bpf_tcpdump.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf_interp.h"
#include "bpf_tcpdump.h"
#include "frames.h"
#include "pkt_decode.h"
#include "ptp_bpf.h"

#define PROG_LEN 35

static struct sock_filter prog[PTP_BPF_MAX];
static size_t prog_len;

/* The receiving end of a socketpair with the filter attached, and the
 * sending end; -1 when the kernel path is unavailable (skipped). */
static int kfd[2] = {-1, -1};

static int setup(void **state)
{
	struct sock_fprog fp;
	int r;

	(void)state;
	r = ptp_bpf_program(prog, PTP_BPF_MAX);
	if (r < 0) {
		return -1;
	}
	prog_len = (size_t)r;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, kfd) < 0) {
		kfd[0] = kfd[1] = -1;
		return 0;
	}
	fp.len = (unsigned short)prog_len;
	fp.filter = prog;
	if (setsockopt(kfd[0], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) <
	    0) {
		close(kfd[0]);
		close(kfd[1]);
		kfd[0] = kfd[1] = -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (kfd[0] >= 0) {
		close(kfd[0]);
		close(kfd[1]);
	}
	return 0;
}

static uint32_t run(const uint8_t *pkt, size_t len)
{
	return bpf_interp_run(prog, prog_len, pkt, len);
}

/* The kernel's verdict on @pkt: 1 passed, 0 dropped, -1 unavailable. */
static int kernel_passes(const uint8_t *pkt, size_t len)
{
	uint8_t buf[FRAME_MAX + 1];
	ssize_t n;

	if (kfd[0] < 0) {
		return -1;
	}
	assert_int_equal(send(kfd[1], pkt, len, 0), (ssize_t)len);
	n = recv(kfd[0], buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		return 0;
	}
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(buf, pkt, len);
	return 1;
}

/* Both interpreters pass @pkt (the kernel's when available). */
static void assert_pass(const uint8_t *pkt, size_t len)
{
	assert_int_equal(run(pkt, len), PTP_BPF_SNAPLEN);
	assert_int_not_equal(kernel_passes(pkt, len), 0);
}

static void assert_drop(const uint8_t *pkt, size_t len)
{
	assert_int_equal(run(pkt, len), 0);
	assert_int_not_equal(kernel_passes(pkt, len), 1);
}

/* ---- the program itself --------------------------------------------- */

static void test_program_shape(void **state)
{
	struct sock_filter small[PTP_BPF_MAX], again[PTP_BPF_MAX];

	(void)state;
	assert_int_equal(prog_len, PROG_LEN);
	assert_true(prog_len <= PTP_BPF_MAX);
	assert_int_equal(bpf_interp_check(prog, prog_len), 0);
	/* ldh [12] first; ret #262144, ret #0 last */
	assert_int_equal(prog[0].code, BPF_LD | BPF_H | BPF_ABS);
	assert_int_equal(prog[0].k, 12);
	assert_int_equal(prog[prog_len - 2].code, BPF_RET | BPF_K);
	assert_int_equal(prog[prog_len - 2].k, PTP_BPF_SNAPLEN);
	assert_int_equal(prog[prog_len - 1].code, BPF_RET | BPF_K);
	assert_int_equal(prog[prog_len - 1].k, 0);
	/* the IHL load tcpdump writes as ldxb 4*([14]&0xf), and its tagged
	 * twin at 18 */
	assert_int_equal(prog[10].code, BPF_LDX | BPF_B | BPF_MSH);
	assert_int_equal(prog[10].k, 14);
	assert_int_equal(prog[25].code, BPF_LDX | BPF_B | BPF_MSH);
	assert_int_equal(prog[25].k, 18);

	/* the same every time; too little room is -ENOSPC */
	assert_int_equal(ptp_bpf_program(again, PTP_BPF_MAX), PROG_LEN);
	assert_memory_equal(again, prog, PROG_LEN * sizeof(prog[0]));
	assert_int_equal(ptp_bpf_program(small, PROG_LEN), PROG_LEN);
	assert_int_equal(ptp_bpf_program(small, PROG_LEN - 1), -ENOSPC);
	assert_int_equal(ptp_bpf_program(small, 0), -ENOSPC);
}

/* The checker refuses what the kernel refuses (so that its "0" above
 * means something). */
static void test_checker(void **state)
{
	struct sock_filter p[PROG_LEN];

	(void)state;
	memcpy(p, prog, sizeof(p));
	assert_int_equal(bpf_interp_check(p, 0), -EINVAL);
	assert_int_equal(bpf_interp_check(p, BPF_MAXINSNS + 1), -EINVAL);
	/* cut before the rets: the last insn is a jump, or jumps leave */
	assert_int_equal(bpf_interp_check(p, PROG_LEN - 2), -EINVAL);
	/* a conditional jump one past the end */
	p[1].jt = (uint8_t)(PROG_LEN - 2);
	assert_int_equal(bpf_interp_check(p, PROG_LEN), -EINVAL);
	p[1].jt = (uint8_t)(PROG_LEN - 3);
	assert_int_equal(bpf_interp_check(p, PROG_LEN), 0);
	/* ja one past the end */
	memcpy(p, prog, sizeof(p));
	assert_int_equal(p[12].code, BPF_JMP | BPF_JA);
	p[12].k = PROG_LEN - 13;
	assert_int_equal(bpf_interp_check(p, PROG_LEN), -EINVAL);
	/* an opcode we do not implement */
	memcpy(p, prog, sizeof(p));
	p[0].code = BPF_ALU | BPF_ADD | BPF_K;
	assert_int_equal(bpf_interp_check(p, PROG_LEN), -EINVAL);
}

/* The kernel accepts the program (SO_ATTACH_FILTER ran its checker in
 * setup) and refuses a broken twin. */
static void test_kernel_accepts(void **state)
{
	struct sock_filter p[PROG_LEN];
	struct sock_fprog fp = {.len = PROG_LEN, .filter = p};
	int fd;

	(void)state;
	if (kfd[0] < 0) {
		skip();
	}
	memcpy(p, prog, sizeof(p));
	p[1].jt = (uint8_t)(PROG_LEN - 2);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(
		setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)),
		-1);
	assert_int_equal(errno, EINVAL);
	close(fd);
}

/* ---- verdicts -------------------------------------------------------- */

static void test_passes_good_frames(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8};
	struct frame_buf fb;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		frame_copy(&fb, &test_frames[i]);
		assert_pass(fb.b, fb.len);
		/* with Ethernet padding */
		fb.len = fb.len < 60 ? 60 : fb.len + 18;
		assert_pass(fb.b, fb.len);
		for (size_t t = 0; t < 2; t++) {
			frame_copy(&fb, &test_frames[i]);
			frame_insert_tag(&fb, tpids[t], 0x6064);
			assert_pass(fb.b, fb.len);
		}
	}
}

/* IHL 6 (a Router Alert option): the port is found through X. */
static void test_ipv4_options(void **state)
{
	struct frame_buf fb;

	(void)state;
	frame_copy(&fb, &test_frames[0]);
	assert_string_equal(test_frames[0].name, "udp4_sync");
	memmove(fb.b + 38, fb.b + 34, fb.len - 34);
	memcpy(fb.b + 34, "\x94\x04\x00\x00", 4);
	fb.len += 4;
	fb.b[14] = 0x46;
	frame_put16(&fb, 16, 76);
	assert_pass(fb.b, fb.len);
	/* the port at the IHL-5 place would be the option: 0x0000 */
	frame_put16(&fb, 40, 123);
	assert_drop(fb.b, fb.len);
}

static void test_rejects(void **state)
{
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd6, 0x33, 0xd8,
		0x51, 0xa5, 0xec, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
		0x06, 0x04, 0x00, 0x01, 0xd6, 0x33, 0xd8, 0x51, 0xa5,
		0xec, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x0a, 0x63, 0x00, 0x02,
	};
	struct frame_buf fb;

	(void)state;
	assert_drop(arp, sizeof(arp));

	/* IPv4: TCP, UDP to NTP, non-first fragments */
	frame_copy(&fb, &test_frames[0]);
	fb.b[23] = 6;
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[0]);
	frame_put16(&fb, 36, 123);
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 36, 321);
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[0]);
	frame_put16(&fb, 20, 185);
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 20, 0x2000 | 1);
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 20, 0x1000); /* the offset's top bit */
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 20, 0x4000 | 0x1fff);
	assert_drop(fb.b, fb.len);
	/* a first fragment passes: the decoder counts it as filtered */
	frame_put16(&fb, 20, 0x2000);
	assert_pass(fb.b, fb.len);

	/* IPv6: TCP, a hop-by-hop header, UDP to NTP */
	frame_copy(&fb, &test_frames[3]);
	assert_string_equal(test_frames[3].name, "udp6_sync");
	fb.b[20] = 6;
	assert_drop(fb.b, fb.len);
	fb.b[20] = 0;
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[3]);
	frame_put16(&fb, 56, 123);
	assert_drop(fb.b, fb.len);

	/* tagged: NTP over IPv4 and IPv6, TCP, a second tag, ARP */
	frame_copy(&fb, &test_frames[0]);
	frame_insert_tag(&fb, 0x8100, 100);
	frame_put16(&fb, 40, 123);
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[0]);
	frame_insert_tag(&fb, 0x8100, 100);
	fb.b[27] = 6;
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[0]);
	frame_insert_tag(&fb, 0x8100, 100);
	frame_put16(&fb, 24, 185);
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[3]);
	frame_insert_tag(&fb, 0x88a8, 100);
	frame_put16(&fb, 60, 123);
	assert_drop(fb.b, fb.len);
	frame_copy(&fb, &test_frames[0]);
	frame_insert_tag(&fb, 0x8100, 200);
	frame_insert_tag(&fb, 0x88a8, 100);
	assert_drop(fb.b, fb.len);
	memcpy(fb.b, arp, sizeof(arp));
	fb.len = sizeof(arp);
	frame_insert_tag(&fb, 0x8100, 100);
	assert_drop(fb.b, fb.len);

	/* other ethertypes: LLDP, old QinQ, MPLS */
	frame_copy(&fb, &test_frames[5]);
	assert_string_equal(test_frames[5].name, "l2_sync");
	frame_put16(&fb, 12, 0x88cc);
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 12, 0x9100);
	assert_drop(fb.b, fb.len);
	frame_put16(&fb, 12, 0x8847);
	assert_drop(fb.b, fb.len);
}

/* A frame too short for a load is dropped, as in the kernel: an L2 frame
 * below 14 bytes, an IP one before the end of its destination port. */
static void test_short_frames(void **state)
{
	struct frame_buf fb;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		const struct test_frame *f = &test_frames[i];
		size_t need = f->transport == PKT_L2 ? 14 : f->ptp_off - 4;

		for (size_t tag = 0; tag <= 4; tag += 4) {
			frame_copy(&fb, f);
			if (tag) {
				frame_insert_tag(&fb, 0x8100, 100);
			}
			for (size_t n = 0; n < need + tag; n++) {
				assert_drop(fb.b, n);
			}
			assert_pass(fb.b, need + tag);
		}
	}
}

/* ---- the decoder never sees less than it would accept --------------- */

struct tally {
	unsigned long frames, decoded, passed, kernel;
};

static void check_one(const uint8_t *pkt, size_t len, struct tally *t)
{
	static const unsigned int types[] = {PACKET_HOST, PACKET_MULTICAST};
	struct pkt_info info;
	uint32_t verdict = run(pkt, len);
	int k;

	t->frames++;
	if (verdict != 0) {
		assert_int_equal(verdict, PTP_BPF_SNAPLEN);
		t->passed++;
	}
	for (size_t i = 0; i < 2; i++) {
		for (int meta_tag = 0; meta_tag < 2; meta_tag++) {
			struct pkt_meta meta = {.pkttype = types[i],
						.vlan_valid = meta_tag,
						.vlan_tci = 7};

			if (pkt_decode(pkt, len, &meta, &info, NULL) == 0) {
				if (verdict == 0) {
					fail_msg("decoded but filtered: len "
						 "%zu",
						 len);
				}
				t->decoded++;
			}
		}
	}
	/* every 7th frame through the kernel too: same verdict */
	if (t->frames % 7 == 0) {
		k = kernel_passes(pkt, len);
		if (k >= 0) {
			assert_int_equal(k, verdict != 0);
			t->kernel++;
		}
	}
}

static void test_decoder_implies_filter(void **state)
{
	static const uint16_t tpids[] = {0, 0x8100, 0x88a8};
	struct tally t = {0};
	struct frame_buf fb, m;

	(void)state;
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		for (size_t tp = 0; tp < 3; tp++) {
			frame_copy(&fb, &test_frames[i]);
			if (tpids[tp]) {
				frame_insert_tag(&fb, tpids[tp], 100);
			}
			/* every prefix, and padded */
			for (size_t n = 0; n <= fb.len + 8; n++) {
				check_one(fb.b, n, &t);
			}
			/* every byte set to values that matter somewhere
			 * (tags, IHL, versions, protocols, flags, ports) */
			for (size_t p = 0; p < fb.len; p++) {
				const uint8_t vals[] = {
					0x00,
					0xff,
					(uint8_t)(fb.b[p] ^ 0x01),
					(uint8_t)(fb.b[p] ^ 0x20),
					(uint8_t)(fb.b[p] ^ 0x40),
					(uint8_t)(fb.b[p] + 1),
					0x11,
					0x3f,
					0x40,
					0x46,
					0x60,
					0x81,
					0x86,
					0x88,
				};

				for (size_t v = 0; v < sizeof(vals); v++) {
					m = fb;
					m.b[p] = vals[v];
					check_one(m.b, m.len, &t);
				}
			}
		}
	}
	print_message("%lu frames, %lu decodes, %lu passed, %lu by the "
		      "kernel too\n",
		      t.frames, t.decoded, t.passed, t.kernel);
	assert_true(t.decoded > 1000);
	assert_true(t.passed < t.frames);
}

/* Same verdict as tcpdump's program for every byte of every test frame
 * (untagged, 0x8100, 0x88a8) set to every value, whole or cut there. */
static void test_same_as_tcpdump(void **state)
{
	static const uint16_t tpids[] = {0, 0x8100, 0x88a8};
	const size_t tn =
		sizeof(tcpdump_ptp_filter) / sizeof(tcpdump_ptp_filter[0]);
	unsigned long cases = 0, passed = 0;
	struct frame_buf fb, m;

	(void)state;
	assert_int_equal(bpf_interp_check(tcpdump_ptp_filter, tn), 0);
	for (size_t i = 0; i < N_TEST_FRAMES; i++) {
		for (size_t tp = 0; tp < 3; tp++) {
			frame_copy(&fb, &test_frames[i]);
			if (tpids[tp]) {
				frame_insert_tag(&fb, tpids[tp], 100);
			}
			for (size_t p = 0; p < fb.len; p++) {
				for (unsigned int v = 0; v < 256; v++) {
					m = fb;
					m.b[p] = (uint8_t)v;
					/* tcpdump's vlan takes 0x9100 too */
					if (m.b[12] == 0x91 && m.b[13] == 0) {
						continue;
					}
					for (size_t cut = 0; cut < 2; cut++) {
						size_t n = cut ? p : m.len;
						uint32_t ours = run(m.b, n);
						uint32_t td = bpf_interp_run(
							tcpdump_ptp_filter, tn,
							m.b, n);

						assert_int_equal(ours, td);
						cases++;
						passed += ours != 0;
					}
				}
			}
		}
	}
	print_message("%lu cases, %lu passed by both\n", cases, passed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_shape),
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_kernel_accepts),
		cmocka_unit_test(test_passes_good_frames),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_decoder_implies_filter),
		cmocka_unit_test(test_same_as_tcpdump),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
