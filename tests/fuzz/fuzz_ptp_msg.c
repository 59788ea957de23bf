// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for ptp_msg_parse and the TLV walk. Seeds are real
 * ptp4l captures (tests/fuzz/corpus/ptp_msg, from tests/data/capture.sh).
 * Beyond "no crash", it checks the parser's promises: an accepted message
 * is self-consistent, its TLV walk stays inside messageLength, and
 * ptp_msg_build -> ptp_msg_parse gives back the same fixed fields.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int cond)
{
	if (!cond) {
		abort();
	}
}

/* The walk ptp_msg_parse did, redone from outside: it must agree. */
static void fuzz_walk(const struct ptp_msg *m)
{
	struct ptp_tlv tlv;
	unsigned int n = 0;
	size_t off = 0;
	int r;

	while ((r = ptp_tlv_next(m->tlv, m->tlv_len, &off, &tlv)) > 0) {
		fuzz_check(tlv.value >= m->tlv + 4);
		fuzz_check(tlv.value + tlv.length <= m->tlv + m->tlv_len);
		fuzz_check(off <= m->tlv_len);
		n++;
	}
	fuzz_check(r == 0);
	fuzz_check(n == m->tlv_count);
}

static void fuzz_round_trip(const struct ptp_msg *m)
{
	uint8_t out[64];
	struct ptp_msg back;
	char s[PTP_PORT_ID_STRLEN];
	int n;

	n = ptp_msg_build(m, out, sizeof(out));
	fuzz_check(n == (int)ptp_msg_min_len(m->hdr.msg_type));
	fuzz_check(ptp_msg_parse(out, (size_t)n, &back) == 0);
	fuzz_check(back.hdr.msg_type == m->hdr.msg_type);
	fuzz_check(back.hdr.seq_id == m->hdr.seq_id);
	fuzz_check(back.hdr.correction == m->hdr.correction);
	fuzz_check(back.hdr.flags == m->hdr.flags);
	fuzz_check(ptp_port_id_equal(&back.hdr.src, &m->hdr.src));
	fuzz_check(back.tlv_count == 0);

	ptp_port_id_str(&m->hdr.src, s);
	fuzz_check(strlen(s) < sizeof(s));
	(void)ptp_correction_ns(m->hdr.correction);
	(void)ptp_msg_type_name(m->hdr.msg_type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptp_msg m;
	uint8_t *copy;
	int r;

	/* An exact-size heap copy lets ASan catch a read one byte past the
	 * datagram, which libFuzzer's own buffer might hide. */
	copy = malloc(size ? size : 1);
	if (!copy) {
		return 0;
	}
	if (size) {
		memcpy(copy, data, size);
	}
	r = ptp_msg_parse(copy, size, &m);
	switch (r) {
	case 0:
		fuzz_check(m.hdr.version == 2 && m.hdr.minor_version <= 1);
		fuzz_check(m.hdr.msg_length <= size);
		fuzz_check(m.hdr.msg_length >= ptp_msg_min_len(m.hdr.msg_type));
		fuzz_check(m.tlv == copy + ptp_msg_min_len(m.hdr.msg_type));
		fuzz_check(m.tlv + m.tlv_len == copy + m.hdr.msg_length);
		fuzz_walk(&m);
		fuzz_round_trip(&m);
		break;
	case -EBADMSG:
	case -EPROTO:
	case -ENOMSG:
	case -EMSGSIZE:
	case -ERANGE:
	case -EILSEQ:
		break;
	default:
		abort();
	}
	free(copy);
	return 0;
}
