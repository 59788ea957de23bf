// SPDX-License-Identifier: MIT
/*
 * request_parse on arbitrary bytes, from an exact-size heap copy with no
 * terminating NUL so ASan sees any read past the length it was given.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned int all = SUB_RX | SUB_TX | SUB_SAMPLE | SUB_STATUS |
				 SUB_STREAMS | SUB_CLOCK | SUB_SYNC;
	unsigned int subs = 0xdead;
	const char *why = NULL;
	char *line;
	int r;

	line = malloc(size ? size : 1);
	if (line == NULL) {
		return 0;
	}
	memcpy(line, data, size);
	r = request_parse(line, size, &subs, &why);
	free(line);
	/* Invariants: only known bits on success, a reason otherwise. */
	if (r == 0) {
		if (subs & ~all) {
			abort();
		}
	} else if (why == NULL || why[0] == '\0' || subs != 0xdead ||
		   (r != -EINVAL && r != -EMSGSIZE && r != -ENODATA &&
		    r != -ENOMEM)) {
		abort();
	}
	if (size > REQUEST_MAX_LINE && r != -EMSGSIZE) {
		abort();
	}
	return 0;
}
