// SPDX-License-Identifier: MIT
/*
 * Per-client output queue: one contiguous buffer, so the writer hands the
 * kernel a single (data, len) and a frame is never split across two
 * regions. Memory follows the backlog, not the cap: 64 clients with a
 * 256 KiB cap cost a few KiB each while they keep up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cq.h"

/* First allocation; a status frame (the longest) fits twice. */
#define CQ_MIN_ALLOC 4096
/* An empty queue holding more than this gives the memory back. */
#define CQ_SHRINK_ABOVE (64 * 1024)

void cq_init(struct cq *q, size_t cap)
{
	*q = (struct cq){.cap = cap};
}

void cq_fini(struct cq *q)
{
	free(q->buf);
	*q = (struct cq){.cap = q->cap};
}

/* Move the unsent bytes to the start of the buffer. */
static void cq_compact(struct cq *q)
{
	size_t len = cq_len(q);

	if (q->head == 0) {
		return;
	}
	if (len) {
		memmove(q->buf, q->buf + q->head, len);
	}
	q->head = 0;
	q->tail = len;
}

static int cq_grow(struct cq *q, size_t need)
{
	size_t alloc = q->alloc ? q->alloc : CQ_MIN_ALLOC;
	char *nbuf;

	while (alloc < need) {
		alloc *= 2;
	}
	if (alloc > q->cap) {
		alloc = q->cap;
	}
	nbuf = realloc(q->buf, alloc);
	if (!nbuf) {
		return -ENOMEM;
	}
	q->buf = nbuf;
	q->alloc = alloc;
	return 0;
}

int cq_push(struct cq *q, const char *data, size_t len)
{
	int r;

	if (len == 0) {
		return 0;
	}
	/* Checked before anything moves: a refused push leaves the queue
	 * exactly as it was, so the caller can close at a frame boundary. */
	if (len > q->cap - cq_len(q)) {
		return -ENOBUFS;
	}
	if (len > q->alloc - q->tail) {
		cq_compact(q);
	}
	if (len > q->alloc - q->tail) {
		r = cq_grow(q, q->tail + len);
		if (r) {
			return r;
		}
	}
	memcpy(q->buf + q->tail, data, len);
	q->tail += len;
	return 0;
}

void cq_consume(struct cq *q, size_t n)
{
	char *nbuf;

	if (n > cq_len(q)) {
		n = cq_len(q);
	}
	q->head += n;
	if (q->head == q->tail) {
		q->head = 0;
		q->tail = 0;
		/* A burst grew us; a client that caught up does not need it. */
		if (q->alloc > CQ_SHRINK_ABOVE) {
			nbuf = realloc(q->buf, CQ_MIN_ALLOC);
			if (nbuf) {
				q->buf = nbuf;
				q->alloc = CQ_MIN_ALLOC;
			}
		}
	} else if (q->head > q->alloc / 2) {
		/* Keep the free space at the end, where pushes go, before a
		 * slow reader pushes us into growing. */
		cq_compact(q);
	}
}

void cq_trim_to_frame(struct cq *q)
{
	const char *nl;

	if (!cq_len(q)) {
		return;
	}
	nl = memchr(cq_data(q), '\n', cq_len(q));
	if (nl) {
		q->tail = (size_t)(nl - q->buf) + 1;
	}
}
