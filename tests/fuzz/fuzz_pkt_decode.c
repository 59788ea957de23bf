// SPDX-License-Identifier: MIT
/*
 * pkt_decode on arbitrary frames. Input: one byte of flags (bits 0-2 the
 * sll_pkttype, bit 3 "the kernel took a tag out"), two bytes of that tag's
 * TCI (big-endian), then the frame, copied to an exact-size heap block so
 * ASan sees any read past its end.
 * Invariants: a result is 0, -ENOMSG or -EBADMSG with a reason; on
 * success the payload lies inside the frame and the VLAN id is in range;
 * and, differentially, the capture filter (ptp_bpf_program run by
 * tests/unit/bpf_interp.h) passes every frame the decoder accepts, so the
 * kernel never drops a frame the daemon would have framed.
 * Seeds: the good frames of tests/unit/test_pkt_decode.c
 * (PKT_DECODE_SEED_DIR).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/bpf_interp.h"
#include "pkt_decode.h"
#include "ptp_bpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sock_filter prog[PTP_BPF_MAX];
static size_t prog_len;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta meta;
	struct pkt_info out;
	const char *why = NULL;
	uint8_t *frame;
	size_t len;
	int r;

	if (prog_len == 0) {
		r = ptp_bpf_program(prog, PTP_BPF_MAX);
		if (r <= 0 || bpf_interp_check(prog, (size_t)r) != 0) {
			abort();
		}
		prog_len = (size_t)r;
	}
	if (size < 3) {
		return 0;
	}
	meta.pkttype = data[0] & 7;
	meta.vlan_valid = (data[0] & 8) != 0;
	meta.vlan_tci = (uint16_t)(data[1] << 8 | data[2]);
	len = size - 3;
	frame = malloc(len ? len : 1);
	if (frame == NULL) {
		return 0;
	}
	memcpy(frame, data + 3, len);

	r = pkt_decode(frame, len, &meta, &out, &why);
	if (why == NULL || (r != 0 && r != -ENOMSG && r != -EBADMSG)) {
		abort();
	}
	if (r == 0) {
		if (out.payload < frame || out.payload > frame + len ||
		    out.payload_len > (size_t)(frame + len - out.payload)) {
			abort();
		}
		if (out.transport != PKT_UDP4 && out.transport != PKT_UDP6 &&
		    out.transport != PKT_L2) {
			abort();
		}
		if (out.vlan < -1 || out.vlan > 4095) {
			abort();
		}
		if (meta.vlan_valid && out.vlan != (meta.vlan_tci & 0xfff)) {
			abort();
		}
		if (out.transport != PKT_L2 && out.dport != 319 &&
		    out.dport != 320) {
			abort();
		}
		/* the filter sees the same bytes (a tag in metadata is not
		 * in them) */
		if (bpf_interp_run(prog, prog_len, frame, len) !=
		    PTP_BPF_SNAPLEN) {
			abort();
		}
	}
	free(frame);
	return 0;
}
