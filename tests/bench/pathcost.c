// SPDX-License-Identifier: MIT
/*
 * pathcost: the CPU cost per packet of the packet path's pure stages, in
 * process, without the kernel: classify (decode + validate + the honesty
 * rule) alone, then with the per-stream accounting (streams_rx), then with
 * the rx frame's encoding, then all three. Each stage is run on the same
 * captured two-step SYNC / FOLLOW_UP pair (tests/unit/frames.h), seqIds
 * counting up, spread over 1 or 64 streams; the cases are interleaved and
 * repeated, and the median is printed, so "before" and "after" the
 * accounting come from the same run on the same (noisy) machine.
 *
 *   pathcost [-n PACKETS] [-r REPEATS]
 *
 * Prints a table, then one JSON line with every figure.
 */
#include <getopt.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "frame.h"
#include "streams.h"

/* frames.h has its own FRAME_MAX for its test buffers */
#define PATHCOST_FRAME_MAX FRAME_MAX
#undef FRAME_MAX
#include "../unit/frames.h"

#define PATHCOST_ETH_UDP4 42 /* Ethernet + IPv4 + UDP before the PTP header */
#define PATHCOST_SRC_OFF  20 /* sourcePortIdentity in the PTP header */
#define PATHCOST_SEQ_OFF  30 /* sequenceId */
#define PATHCOST_REPEATS  7

enum pathcost_stage {
	STAGE_CLASSIFY = 1 << 0,
	STAGE_STREAMS = 1 << 1,
	STAGE_ENCODE = 1 << 2,
};

static const struct {
	const char *name;
	unsigned int stages;
} pathcost_cases[] = {
	{"classify", STAGE_CLASSIFY},
	{"classify+streams", STAGE_CLASSIFY | STAGE_STREAMS},
	{"classify+encode", STAGE_CLASSIFY | STAGE_ENCODE},
	{"classify+encode+streams",
	 STAGE_CLASSIFY | STAGE_ENCODE | STAGE_STREAMS},
};
#define PATHCOST_CASES (sizeof(pathcost_cases) / sizeof(pathcost_cases[0]))

static uint64_t pathcost_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void pathcost_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* ns per packet of @stages over @n packets from @nstreams streams */
static double pathcost_run(unsigned int stages, unsigned int nstreams,
			   unsigned long n, volatile size_t *sink)
{
	static uint8_t pkt[2][sizeof(udp4_follow_up) > sizeof(udp4_sync)
				      ? sizeof(udp4_follow_up)
				      : sizeof(udp4_sync)];
	const size_t len[2] = {sizeof(udp4_sync), sizeof(udp4_follow_up)};
	const struct classify_mode mode = {.domain = -1};
	struct streams *st = NULL;
	struct classify_result r;
	char out[PATHCOST_FRAME_MAX];
	uint64_t t0, now = 1000000000ULL;

	memcpy(pkt[0], udp4_sync, sizeof(udp4_sync));
	memcpy(pkt[1], udp4_follow_up, sizeof(udp4_follow_up));
	if (streams_new(&st, STREAMS_CAP_DEFAULT)) {
		fprintf(stderr, "pathcost: streams_new failed\n");
		exit(71);
	}
	t0 = pathcost_cpu_ns();
	for (unsigned long i = 0; i < n; i++) {
		unsigned int k = (unsigned int)(i & 1);
		unsigned long x = i >> 1;
		uint8_t *ptp = pkt[k] + PATHCOST_ETH_UDP4;
		struct cap_pkt p = {
			.buf = pkt[k],
			.len = len[k],
			.pkttype = PACKET_MULTICAST,
			.tc = {.flags = TS_CMSG_SW,
			       .sw = {.tv_sec = (time_t)(now / 1000000000ULL),
				      .tv_nsec = (long)(now % 1000000000ULL)}},
		};

		/* the stream's last octet of clockIdentity, its seqId */
		ptp[PATHCOST_SRC_OFF + 7] = (uint8_t)(x % nstreams);
		pathcost_put16(ptp + PATHCOST_SEQ_OFF,
			       (uint16_t)(x / nstreams));
		now += 15625000ULL / nstreams; /* each stream at 64/s */
		classify_packet(&p, &mode, &r);
		if (r.verdict != CLASSIFY_FRAME) {
			/* a figure over rejected packets would mean nothing */
			fprintf(stderr, "pathcost: packet %lu: %s (%s)\n", i,
				classify_verdict_name(r.verdict), r.why);
			exit(70);
		}
		if (stages & STAGE_ENCODE) {
			const struct frame_stamp f = {
				.msg = &r.msg,
				.stamp = r.stamp,
				.iface = "eth0",
				.phc = -1,
				.transport = "udp4",
			};

			*sink += (size_t)frame_encode_stamp(&f, out,
							    sizeof(out));
		}
		if (stages & STAGE_STREAMS) {
			streams_rx(st, &r, now);
		}
		*sink += r.verdict;
	}
	t0 = pathcost_cpu_ns() - t0;
	if ((stages & STAGE_STREAMS) && streams_count(st) != nstreams) {
		fprintf(stderr, "pathcost: %u streams accounted, not %u\n",
			streams_count(st), nstreams);
		exit(70);
	}
	streams_free(st);
	return (double)t0 / (double)n;
}

static int pathcost_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const unsigned int nstreams[] = {1, 64};
	double ns[2][PATHCOST_CASES][PATHCOST_REPEATS];
	unsigned long n = 200000;
	unsigned int reps = PATHCOST_REPEATS;
	volatile size_t sink = 0;
	int o;

	while ((o = getopt(argc, argv, "n:r:")) != -1) {
		if (o == 'n') {
			n = strtoul(optarg, NULL, 10);
		} else if (o == 'r') {
			reps = (unsigned int)strtoul(optarg, NULL, 10);
		} else {
			fprintf(stderr, "usage: pathcost [-n PACKETS] "
					"[-r REPEATS]\n");
			return 64;
		}
	}
	if (!n || !reps || reps > PATHCOST_REPEATS) {
		fprintf(stderr, "pathcost: -n > 0, -r 1..%d\n",
			PATHCOST_REPEATS);
		return 64;
	}
	/* interleaved: every case once per round */
	for (unsigned int rep = 0; rep < reps; rep++) {
		for (unsigned int s = 0; s < 2; s++) {
			for (unsigned int c = 0; c < PATHCOST_CASES; c++) {
				ns[s][c][rep] =
					pathcost_run(pathcost_cases[c].stages,
						     nstreams[s], n, &sink);
			}
		}
	}
	printf("per-packet CPU of the pure stages, median of %u rounds of "
	       "%lu packets (ns)\n",
	       reps, n);
	printf("%-26s %10s %10s\n", "stages", "1 stream", "64 streams");
	for (unsigned int c = 0; c < PATHCOST_CASES; c++) {
		double m[2];

		for (unsigned int s = 0; s < 2; s++) {
			qsort(ns[s][c], reps, sizeof(double), pathcost_cmp);
			m[s] = ns[s][c][reps / 2];
		}
		printf("%-26s %10.1f %10.1f\n", pathcost_cases[c].name, m[0],
		       m[1]);
	}
	printf("{\"bench\":\"pathcost\",\"packets\":%lu,\"rounds\":%u,"
	       "\"medianNsPerPacket\":{",
	       n, reps);
	for (unsigned int c = 0; c < PATHCOST_CASES; c++) {
		printf("%s\"%s\":{\"1\":%.1f,\"64\":%.1f}", c ? "," : "",
		       pathcost_cases[c].name, ns[0][c][reps / 2],
		       ns[1][c][reps / 2]);
	}
	printf("},\"sink\":%zu}\n", (size_t)sink);
	return 0;
}
