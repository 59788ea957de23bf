// SPDX-License-Identifier: MIT
/*
 * Client queue tests: byte accounting, the cap, on-demand growth,
 * compaction keeping bytes in order, and trimming to a frame boundary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cq.h"

#define KiB 1024

static void assert_queued(const struct cq *q, const char *want)
{
	assert_int_equal(cq_len(q), strlen(want));
	assert_memory_equal(cq_data(q), want, strlen(want));
}

static void test_push_consume(void **state)
{
	struct cq q;

	(void)state;
	cq_init(&q, 256 * KiB);
	/* Nothing is allocated until the first byte is queued. */
	assert_null(q.buf);
	assert_int_equal(q.alloc, 0);
	assert_int_equal(cq_len(&q), 0);

	assert_int_equal(cq_push(&q, "{\"a\":1}\n", 8), 0);
	assert_int_equal(cq_push(&q, "{\"b\":2}\n", 8), 0);
	assert_queued(&q, "{\"a\":1}\n{\"b\":2}\n");
	cq_consume(&q, 3);
	assert_queued(&q, "\":1}\n{\"b\":2}\n");
	/* Consuming more than is queued empties, never underflows. */
	cq_consume(&q, 100);
	assert_int_equal(cq_len(&q), 0);
	assert_int_equal(q.head, 0);
	assert_int_equal(q.tail, 0);
	/* A zero-length push is a no-op. */
	assert_int_equal(cq_push(&q, "", 0), 0);
	assert_int_equal(cq_len(&q), 0);
	cq_fini(&q);
	assert_null(q.buf);
}

static void test_cap(void **state)
{
	char data[100];
	struct cq q;

	(void)state;
	memset(data, 'x', sizeof(data));
	cq_init(&q, 250);
	assert_int_equal(cq_push(&q, data, 100), 0);
	assert_int_equal(cq_push(&q, data, 100), 0);
	/* 200 + 51 > 250: refused, and nothing of it queued. */
	assert_int_equal(cq_push(&q, data, 51), -ENOBUFS);
	assert_int_equal(cq_len(&q), 200);
	/* 200 + 50 == 250: exactly the cap is allowed. */
	assert_int_equal(cq_push(&q, data, 50), 0);
	assert_int_equal(cq_len(&q), 250);
	assert_int_equal(cq_push(&q, "y", 1), -ENOBUFS);
	assert_int_equal(cq_len(&q), 250);
	assert_true(q.alloc <= 250);
	/* The cap counts queued bytes, not bytes ever pushed. */
	cq_consume(&q, 1);
	assert_int_equal(cq_push(&q, "y", 1), 0);
	assert_int_equal(cq_len(&q), 250);
	assert_int_equal(cq_data(&q)[249], 'y');
	cq_fini(&q);

	/* A single push larger than the cap on an empty queue. */
	cq_init(&q, 10);
	assert_int_equal(cq_push(&q, data, 11), -ENOBUFS);
	assert_int_equal(cq_len(&q), 0);
	assert_int_equal(cq_push(&q, data, 10), 0);
	cq_fini(&q);
}

static void test_growth(void **state)
{
	static char chunk[1000];
	size_t prev = 0, i;
	struct cq q;

	(void)state;
	memset(chunk, 'g', sizeof(chunk));
	cq_init(&q, 256 * KiB);
	assert_int_equal(cq_push(&q, chunk, 10), 0);
	/* 64 clients x 256 KiB must not cost 16 MiB: start small. */
	assert_true(q.alloc <= 4 * KiB);
	for (i = 0; i < 200; i++) {
		assert_int_equal(cq_push(&q, chunk, sizeof(chunk)), 0);
		/* Grows by doubling, never beyond the cap. */
		if (q.alloc != prev && prev) {
			assert_int_equal(q.alloc, prev * 2);
		}
		prev = q.alloc;
		assert_true(q.alloc >= cq_len(&q));
		assert_true(q.alloc <= 256 * KiB);
	}
	assert_int_equal(cq_len(&q), 10 + 200 * sizeof(chunk));
	assert_int_equal(q.alloc, 256 * KiB);
	/* Fill to the cap exactly: the last doubling is clamped to it. */
	while (256 * KiB - cq_len(&q) > sizeof(chunk)) {
		assert_int_equal(cq_push(&q, chunk, sizeof(chunk)), 0);
	}
	assert_int_equal(cq_push(&q, chunk, 256 * KiB - cq_len(&q)), 0);
	assert_int_equal(cq_len(&q), 256 * KiB);
	assert_int_equal(cq_push(&q, chunk, 1), -ENOBUFS);

	/* Emptied after a burst: memory goes back to a small buffer. */
	cq_consume(&q, cq_len(&q));
	assert_true(q.alloc <= 4 * KiB);
	assert_int_equal(cq_push(&q, "z\n", 2), 0);
	assert_queued(&q, "z\n");
	cq_fini(&q);
}

static void test_cap_not_power_of_two(void **state)
{
	static char chunk[3000];
	struct cq q;

	(void)state;
	cq_init(&q, 10000);
	assert_int_equal(cq_push(&q, chunk, 3000), 0);
	assert_int_equal(cq_push(&q, chunk, 3000), 0);
	assert_int_equal(cq_push(&q, chunk, 3000), 0);
	assert_int_equal(q.alloc, 10000);
	assert_int_equal(cq_push(&q, chunk, 1000), 0);
	assert_int_equal(cq_push(&q, chunk, 1), -ENOBUFS);
	cq_fini(&q);
}

/* Queue numbered frames while consuming in odd steps; the bytes that come
 * out must be exactly the bytes that went in, across every compaction. */
static void test_wrap_keeps_bytes(void **state)
{
	char frame[32], out[64 * KiB];
	size_t produced = 0, consumed = 0, n, step;
	static char expect[64 * KiB];
	struct cq q;
	int i;

	(void)state;
	cq_init(&q, 1000);
	for (i = 0; i < 2000; i++) {
		n = (size_t)snprintf(frame, sizeof(frame), "{\"n\":%d}\n", i);
		if (produced + n > sizeof(expect)) {
			break;
		}
		while (cq_push(&q, frame, n) == -ENOBUFS) {
			step = cq_len(&q) < 37 ? cq_len(&q) : 37;
			memcpy(out + consumed, cq_data(&q), step);
			consumed += step;
			cq_consume(&q, step);
		}
		memcpy(expect + produced, frame, n);
		produced += n;
		assert_true(q.alloc <= 1000);
		/* Compaction keeps head in the first half of the buffer. */
		assert_true(q.head <= q.alloc / 2);
	}
	memcpy(out + consumed, cq_data(&q), cq_len(&q));
	consumed += cq_len(&q);
	cq_consume(&q, cq_len(&q));
	assert_int_equal(consumed, produced);
	assert_memory_equal(out, expect, produced);
	cq_fini(&q);
}

static void test_compaction_on_consume(void **state)
{
	static char data[3000];
	struct cq q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		data[i] = (char)('a' + i % 26);
	}
	cq_init(&q, 4096);
	assert_int_equal(cq_push(&q, data, 3000), 0);
	assert_int_equal(q.alloc, 4096);
	cq_consume(&q, 2000);
	/* 2000 <= 4096 / 2: left where it is. */
	assert_int_equal(q.head, 2000);
	cq_consume(&q, 100);
	/* Head past half the buffer: the rest moves to the front intact. */
	assert_int_equal(q.head, 0);
	assert_int_equal(cq_len(&q), 900);
	assert_memory_equal(cq_data(&q), data + 2100, 900);
	cq_fini(&q);

	cq_init(&q, 1000);
	assert_int_equal(cq_push(&q, data, 600), 0);
	cq_consume(&q, 400);
	/* Not past half of a 1000-byte buffer? 400 < 500: no move yet. */
	assert_int_equal(q.head, 400);
	/* A push that does not fit at the tail compacts instead of
	 * growing: 200 queued + 700 = 900 <= cap. */
	assert_int_equal(cq_push(&q, data, 700), 0);
	assert_int_equal(q.head, 0);
	assert_int_equal(cq_len(&q), 900);
	assert_memory_equal(cq_data(&q), data + 400, 200);
	assert_memory_equal(cq_data(&q) + 200, data, 700);
	cq_fini(&q);
}

static void test_trim_mid_frame(void **state)
{
	struct cq q;

	(void)state;
	cq_init(&q, 4096);
	assert_int_equal(cq_push(&q, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 24),
			 0);
	/* The kernel took 3 bytes of the first frame: finish that frame,
	 * drop the rest. */
	cq_consume(&q, 3);
	cq_trim_to_frame(&q);
	assert_queued(&q, "\":1}\n");
	cq_fini(&q);
}

static void test_trim_at_boundary(void **state)
{
	struct cq q;

	(void)state;
	cq_init(&q, 4096);
	assert_int_equal(cq_push(&q, "{\"a\":1}\n{\"b\":2}\n", 16), 0);
	/* Head at the start of frame b: b is kept whole, nothing after. */
	cq_consume(&q, 8);
	assert_int_equal(cq_push(&q, "{\"c\":3}\n", 8), 0);
	cq_trim_to_frame(&q);
	assert_queued(&q, "{\"b\":2}\n");
	/* Already a single frame: unchanged. */
	cq_trim_to_frame(&q);
	assert_queued(&q, "{\"b\":2}\n");
	cq_fini(&q);
}

static void test_trim_empty_and_no_newline(void **state)
{
	struct cq q;

	(void)state;
	cq_init(&q, 4096);
	cq_trim_to_frame(&q);
	assert_int_equal(cq_len(&q), 0);
	/* Broken: no '\n' anywhere; nothing to cut at, all of it stays. */
	assert_int_equal(cq_push(&q, "{\"a\":1", 6), 0);
	cq_trim_to_frame(&q);
	assert_queued(&q, "{\"a\":1");
	/* After a trim the queue keeps working. */
	assert_int_equal(cq_push(&q, "}\nX\n", 4), 0);
	cq_trim_to_frame(&q);
	assert_queued(&q, "{\"a\":1}\n");
	cq_consume(&q, 8);
	assert_int_equal(cq_len(&q), 0);
	cq_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_consume),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_cap_not_power_of_two),
		cmocka_unit_test(test_wrap_keeps_bytes),
		cmocka_unit_test(test_compaction_on_consume),
		cmocka_unit_test(test_trim_mid_frame),
		cmocka_unit_test(test_trim_at_boundary),
		cmocka_unit_test(test_trim_empty_and_no_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
