/* SPDX-License-Identifier: MIT */
/*
 * Per-client bounded output queue of whole frames. Pure memory handling:
 * the caller writes cq_data()/cq_len() to the socket and cq_consume()s
 * what the kernel took.
 */
#ifndef TBLK_CQ_H
#define TBLK_CQ_H

#include <stddef.h>

struct cq {
	char *buf;
	size_t head;  /* first unsent byte */
	size_t tail;  /* end of queued bytes */
	size_t alloc; /* bytes allocated, grown on demand up to cap */
	size_t cap;   /* most bytes ever queued at once */
};

void cq_init(struct cq *q, size_t cap);
void cq_fini(struct cq *q);

/* Queue @len bytes. Returns 0, -ENOBUFS when the cap would be exceeded
 * (nothing queued), or -ENOMEM. */
int cq_push(struct cq *q, const char *data, size_t len);

static inline size_t cq_len(const struct cq *q)
{
	return q->tail - q->head;
}

static inline const char *cq_data(const struct cq *q)
{
	return q->buf + q->head;
}

/* Drop @n sent bytes from the head. */
void cq_consume(struct cq *q, size_t n);

/* Keep only the bytes up to and including the first '\n' (the frame now
 * being written), so a closing client ends on a frame boundary. */
void cq_trim_to_frame(struct cq *q);

#endif
