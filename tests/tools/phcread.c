// SPDX-License-Identifier: MIT
/*
 * phcread: read a PHC through src/phc.c and print JSON lines, for tests
 * (tests/integration/test_phc_reader.py runs it under tests/shim/fakephc.so)
 * and by hand on a machine with a real /dev/ptpN. It never adjusts a clock;
 * --adjtime-canary makes one deliberate clock_adjtime(ADJ_FREQUENCY) on the
 * PHC, which must fail (the fd is read-only), so a test can show that the
 * shim's log does catch such a call.
 *
 * usage: phcread [-n COUNT] [-i INTERVAL_MS] [--adjtime-canary] PATH
 *
 * Output: one "open" line (method chosen, methods answered, caps, the PHC
 * by clock_gettime), then COUNT "reading" lines (or "error" lines for a
 * discarded batch), 64-bit nanoseconds as decimal strings.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "phc.h"

static void phcread_usage(FILE *f)
{
	fprintf(f, "usage: phcread [-n COUNT] [-i INTERVAL_MS] "
		   "[--adjtime-canary] PATH\n");
}

static void phcread_emit(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static struct json_object *phcread_i64_str(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_object_new_string(buf);
}

static void phcread_open_line(const char *path, const struct phc *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	struct json_object *caps = json_object_new_object();
	enum phc_method k;
	int64_t now;

	json_object_object_add(o, "type", json_object_new_string("open"));
	json_object_object_add(o, "device", json_object_new_string(path));
	json_object_object_add(
		o, "method",
		json_object_new_string(phc_method_name(p->method)));
	for (k = PHC_METHOD_PRECISE; k <= PHC_METHOD_BASIC; k++) {
		if (p->methods & (1u << k)) {
			json_object_array_add(
				m, json_object_new_string(phc_method_name(k)));
		}
	}
	json_object_object_add(o, "methods", m);
	json_object_object_add(caps, "maxAdjPpb",
			       json_object_new_int(p->caps.max_adj));
	json_object_object_add(caps, "crossTimestamping",
			       json_object_new_int(p->caps.cross_timestamping));
	json_object_object_add(caps, "pps", json_object_new_int(p->caps.pps));
	json_object_object_add(o, "caps", caps);
	if (phc_gettime(p, &now) == 0) {
		json_object_object_add(o, "gettimeNs", phcread_i64_str(now));
	}
	phcread_emit(o);
}

static void phcread_reading_line(unsigned int i, const struct phc_reading *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("reading"));
	json_object_object_add(o, "i", json_object_new_int((int)i));
	json_object_object_add(
		o, "method",
		json_object_new_string(phc_method_name(r->method)));
	json_object_object_add(o, "phcNs", phcread_i64_str(r->phc_ns));
	json_object_object_add(o, "sysNs", phcread_i64_str(r->sys_ns));
	json_object_object_add(o, "offsetNs",
			       json_object_new_int64(r->offset_ns));
	json_object_object_add(o, "windowNs",
			       json_object_new_int64(r->window_ns));
	json_object_object_add(o, "uncertaintyNs",
			       json_object_new_int64(r->uncertainty_ns));
	phcread_emit(o);
}

static void phcread_error_line(const char *what, unsigned int i, int err)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(o, "what", json_object_new_string(what));
	json_object_object_add(o, "i", json_object_new_int((int)i));
	json_object_object_add(o, "errno", json_object_new_int(-err));
	json_object_object_add(o, "error",
			       json_object_new_string(strerror(-err)));
	phcread_emit(o);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'n'},
		{"interval", required_argument, NULL, 'i'},
		{"adjtime-canary", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned int count = 5, i;
	long interval_ms = 100;
	bool canary = false;
	struct phc_reading r;
	struct phc p;
	int c, err;

	while ((c = getopt_long(argc, argv, "n:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			count = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			interval_ms = strtol(optarg, NULL, 10);
			break;
		case 'A':
			canary = true;
			break;
		case 'h':
			phcread_usage(stdout);
			return 0;
		default:
			phcread_usage(stderr);
			return 64;
		}
	}
	if (optind + 1 != argc || interval_ms < 0) {
		phcread_usage(stderr);
		return 64;
	}
	err = phc_open(&p, argv[optind]);
	if (err < 0) {
		fprintf(stderr, "phcread: %s: %s\n", argv[optind],
			strerror(-err));
		return 69;
	}
	phcread_open_line(argv[optind], &p);
	if (canary) {
		struct timex tx = {.modes = ADJ_FREQUENCY};

		err = clock_adjtime(p.clkid, &tx) < 0 ? -errno : 0;
		phcread_error_line("adjtime-canary", 0, err ? err : -EPROTO);
	}
	for (i = 0; i < count; i++) {
		struct timespec ts = {
			.tv_sec = interval_ms / 1000,
			.tv_nsec = (interval_ms % 1000) * 1000000,
		};

		if (i) {
			nanosleep(&ts, NULL);
		}
		err = phc_read(&p, &r);
		if (err < 0) {
			phcread_error_line("read", i, err);
		} else {
			phcread_reading_line(i, &r);
		}
	}
	phc_close(&p);
	return 0;
}
