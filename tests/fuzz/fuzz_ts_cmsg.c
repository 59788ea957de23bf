// SPDX-License-Identifier: MIT
/*
 * ts_cmsg_parse on a control buffer of arbitrary bytes: the first two
 * bytes are msg_flags (little-endian), the rest is msg_control, copied to
 * an exact-size heap block so ASan sees any read past msg_controllen.
 * Seeds: the good buffers of tests/unit/test_ts_cmsg.c (TS_CMSG_SEED_DIR).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ts_cmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_cmsg out;
	struct msghdr m;
	void *ctl;
	int r;

	if (size < 2) {
		return 0;
	}
	/* malloc's alignment covers struct cmsghdr, as recvmsg requires. */
	ctl = malloc(size - 2 ? size - 2 : 1);
	if (ctl == NULL) {
		return 0;
	}
	memcpy(ctl, data + 2, size - 2);
	memset(&m, 0, sizeof(m));
	m.msg_flags = data[0] | data[1] << 8;
	m.msg_control = ctl;
	m.msg_controllen = size - 2;
	r = ts_cmsg_parse(&m, &out);
	/* Invariants: truncation wins, a flagged stamp is never zero. */
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (r != -EMSGSIZE || out.flags != 0) {
			abort();
		}
	} else if (r != 0) {
		abort();
	}
	if ((out.flags & TS_CMSG_SW) && out.sw.tv_sec == 0 &&
	    out.sw.tv_nsec == 0) {
		abort();
	}
	if ((out.flags & TS_CMSG_HW) && out.hw.tv_sec == 0 &&
	    out.hw.tv_nsec == 0) {
		abort();
	}
	free(ctl);
	return 0;
}
