// SPDX-License-Identifier: MIT
/*
 * Command-line tests: defaults of SPEC §2, every option's accepted and
 * rejected values, and the one-line reasons a refusal prints.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

#define ARGV(...) ((char *[]){"tblk-ptp-sidecar", __VA_ARGS__, NULL})

/* argc is counted from the NULL-terminated vector, as the kernel does */
static int parse(char **argv, struct config *cfg, char *err)
{
	int argc = 0;

	while (argv[argc]) {
		argc++;
	}
	return config_parse(argc, argv, cfg, err, 256);
}

static void test_defaults(void **state)
{
	char **argv = ARGV("-i", "eth0");
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, &cfg, err), 0);
	assert_string_equal(cfg.iface, "eth0");
	assert_string_equal(cfg.socket_path, "/run/temporalblock-ptp.sock");
	assert_int_equal(cfg.socket_mode, 0660);
	assert_null(cfg.socket_group);
	assert_int_equal(cfg.domain, -1);
	assert_int_equal(cfg.ts, TS_HARDWARE);
	assert_int_equal(cfg.hwts, HWTS_ENSURE);
	assert_false(cfg.delay_req);
	assert_int_equal(cfg.port_number, 32767);
	assert_null(cfg.user);
	assert_int_equal(cfg.max_clients, 64);
	assert_int_equal(cfg.client_buffer, 262144);
	assert_int_equal(cfg.rcvbuf, 4194304);
	assert_int_equal(cfg.status_interval, 1);
	assert_int_equal(cfg.log_level, LOG_NOTICE);
	assert_false(cfg.check);
	/* SPEC §2 / §11 */
	assert_int_equal(cfg.phc, PHC_AUTO);
	assert_null(cfg.phc_path);
	assert_int_equal(cfg.uds, UDS_DEFAULT);
	assert_string_equal(cfg.ptp4l_uds, "/var/run/ptp4l");
	assert_int_equal(cfg.clock_interval, 1);
	assert_int_equal(config_lock_threshold(&cfg, true), 1000);
	assert_int_equal(config_lock_threshold(&cfg, false), 100000);
	assert_int_equal(cfg.holdover_s, 5);
	assert_null(cfg.metrics_file);
	assert_false(config_phc_only(&cfg));
}

static void test_clock_truth_options(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(
		parse(ARGV("-i", "eth0", "--phc", "/dev/ptp3", "--ptp4l-uds",
			   "/run/x/ptp4l", "--clock-interval", "10",
			   "--lock-threshold", "250", "--holdover", "0",
			   "--metrics-file", "/var/lib/node/tblk.prom"),
		      &cfg, err),
		0);
	assert_int_equal(cfg.phc, PHC_PATH);
	assert_string_equal(cfg.phc_path, "/dev/ptp3");
	assert_int_equal(cfg.uds, UDS_PATH);
	assert_string_equal(cfg.ptp4l_uds, "/run/x/ptp4l");
	assert_int_equal(cfg.clock_interval, 10);
	/* an explicit threshold holds for both stampings */
	assert_int_equal(config_lock_threshold(&cfg, true), 250);
	assert_int_equal(config_lock_threshold(&cfg, false), 250);
	assert_int_equal(cfg.holdover_s, 0);
	assert_string_equal(cfg.metrics_file, "/var/lib/node/tblk.prom");
	assert_false(config_phc_only(&cfg));

	assert_int_equal(parse(ARGV("-i", "eth0", "--phc", "none",
				    "--ptp4l-uds", "none"),
			       &cfg, err),
			 0);
	assert_int_equal(cfg.phc, PHC_NONE);
	assert_int_equal(cfg.uds, UDS_NONE);
	assert_null(cfg.ptp4l_uds);

	/* PHC-only mode: --phc PATH stands in for --interface */
	assert_int_equal(parse(ARGV("--phc", "/dev/ptp0"), &cfg, err), 0);
	assert_true(config_phc_only(&cfg));
	assert_null(cfg.iface);
	assert_int_equal(parse(ARGV("--phc", "auto"), &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "--interface is required"));
	assert_int_equal(
		parse(ARGV("--phc", "/dev/ptp0", "--delay-req"), &cfg, err),
		-EINVAL);
	assert_non_null(strstr(err, "--delay-req needs --interface"));
	assert_int_equal(
		parse(ARGV("--phc", "/dev/ptp0", "--check"), &cfg, err),
		-EINVAL);
	assert_non_null(strstr(err, "--check needs --interface"));

	assert_int_equal(parse(ARGV("-i", "eth0", "--phc", "ptp0"), &cfg, err),
			 -EINVAL);
	assert_non_null(strstr(err, "--phc needs"));
	assert_int_equal(
		parse(ARGV("-i", "eth0", "--ptp4l-uds", "ptp4l"), &cfg, err),
		-EINVAL);
	assert_non_null(strstr(err, "--ptp4l-uds needs"));
	assert_int_equal(
		parse(ARGV("-i", "eth0", "--metrics-file", "/var/"), &cfg, err),
		-EINVAL);
	assert_non_null(strstr(err, "--metrics-file needs"));
}

static void test_all_long_options(void **state)
{
	char **argv = ARGV(
		"--interface", "veth-sl", "--socket", "/tmp/x.sock",
		"--socket-mode", "0640", "--socket-group", "adm", "--domain",
		"24", "--timestamping", "auto", "--hwts-config", "check",
		"--delay-req", "--port-number", "7", "--user", "nobody",
		"--max-clients", "3", "--client-buffer", "8192", "--rcvbuf",
		"65536", "--status-interval", "5", "--log-level", "debug");
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, &cfg, err), 0);
	assert_string_equal(cfg.iface, "veth-sl");
	assert_string_equal(cfg.socket_path, "/tmp/x.sock");
	assert_int_equal(cfg.socket_mode, 0640);
	assert_string_equal(cfg.socket_group, "adm");
	assert_int_equal(cfg.domain, 24);
	assert_int_equal(cfg.ts, TS_AUTO);
	assert_int_equal(cfg.hwts, HWTS_CHECK);
	assert_true(cfg.delay_req);
	assert_int_equal(cfg.port_number, 7);
	assert_string_equal(cfg.user, "nobody");
	assert_int_equal(cfg.max_clients, 3);
	assert_int_equal(cfg.client_buffer, 8192);
	assert_int_equal(cfg.rcvbuf, 65536);
	assert_int_equal(cfg.status_interval, 5);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

static void test_short_options(void **state)
{
	char **argv = ARGV("-i", "eth1", "-s", "/run/a.sock", "-d", "any", "-t",
			   "software");
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, &cfg, err), 0);
	assert_string_equal(cfg.iface, "eth1");
	assert_string_equal(cfg.socket_path, "/run/a.sock");
	assert_int_equal(cfg.domain, -1);
	assert_int_equal(cfg.ts, TS_SOFTWARE);
}

static void test_check_json(void **state)
{
	char **argv = ARGV("--check", "--json", "-i", "eth0");
	char **bad = ARGV("--json", "-i", "eth0");
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, &cfg, err), 0);
	assert_true(cfg.check);
	assert_true(cfg.json);
	/* --json alone makes no sense: refused rather than ignored */
	assert_int_equal(parse(bad, &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "--json"));
}

static void test_help_version_need_no_interface(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(ARGV("-h"), &cfg, err), 0);
	assert_true(cfg.help);
	assert_int_equal(parse(ARGV("--version"), &cfg, err), 0);
	assert_true(cfg.version);
}

struct bad_case {
	const char *opt;
	const char *val;
	const char *says; /* a word the one-line reason must contain */
};

static void test_rejected_values(void **state)
{
	static const struct bad_case cases[] = {
		{"--domain", "256", "--domain"},
		{"--domain", "-1", "--domain"},
		{"--domain", "1x", "--domain"},
		{"--timestamping", "hw", "--timestamping"},
		{"--hwts-config", "set", "--hwts-config"},
		{"--port-number", "0", "--port-number"},
		{"--port-number", "65535", "--port-number"},
		{"--max-clients", "0", "--max-clients"},
		{"--client-buffer", "100", "--client-buffer"},
		{"--rcvbuf", "12", "--rcvbuf"},
		{"--status-interval", "0", "--status-interval"},
		{"--log-level", "verbose", "--log-level"},
		{"--socket-mode", "0999", "--socket-mode"},
		{"--socket-mode", "01777", "--socket-mode"},
		{"--socket", "relative.sock", "--socket"},
		{"--interface", "a-name-longer-than-15", "interface"},
		{"--user", "", "--user"},
	};
	struct config cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = {"tblk-ptp-sidecar",
				"-i",
				"eth0",
				(char *)cases[i].opt,
				(char *)cases[i].val,
				NULL};

		err[0] = 0;
		assert_int_equal(parse(argv, &cfg, err), -EINVAL);
		if (!strstr(err, cases[i].says)) {
			fail_msg("%s %s: reason '%s' lacks '%s'", cases[i].opt,
				 cases[i].val, err, cases[i].says);
		}
	}
}

static void test_usage_errors(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(ARGV("-t"), &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(ARGV("-i", "eth0", "--bogus"), &cfg, err),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown option"));
	assert_int_equal(parse(ARGV("-i", "eth0", "extra"), &cfg, err),
			 -EINVAL);
	assert_non_null(strstr(err, "unexpected argument"));
	assert_int_equal(parse(ARGV("-t", "software"), &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "--interface is required"));
}

/* The ranges --help states are the ones the parser enforces: each end
 * accepted, one beyond each end refused. */
static void test_help_states_the_ranges(void **state)
{
	static const struct {
		const char *opt;
		unsigned long long lo, hi;
	} ranges[] = {
		{"--domain", 0, 255},
		{"--port-number", 1, 65534},
		{"--max-clients", 1, 65536},
		{"--client-buffer", 4096, 1073741824ULL},
		{"--rcvbuf", 4096, 1073741823ULL},
		{"--status-interval", 1, 3600},
		{"--clock-interval", 1, 3600},
		{"--lock-threshold", 1, 1000000000ULL},
		{"--holdover", 0, 86400},
	};
	char *help = NULL, err[256], want[64], lo[32], hi[32], bad[32];
	size_t len = 0;
	struct config cfg;
	FILE *f;

	(void)state;
	f = open_memstream(&help, &len);
	assert_non_null(f);
	config_usage(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const char *line = strstr(help, ranges[i].opt);

		assert_non_null(line);
		snprintf(want, sizeof(want), "%llu..%llu", ranges[i].lo,
			 ranges[i].hi);
		if (!strstr(line, want) ||
		    strstr(line, want) > strchr(line, '\n')) {
			fail_msg("--help line of %s lacks %s", ranges[i].opt,
				 want);
		}
		snprintf(lo, sizeof(lo), "%llu", ranges[i].lo);
		snprintf(hi, sizeof(hi), "%llu", ranges[i].hi);
		assert_int_equal(
			parse(ARGV("-i", "eth0", (char *)ranges[i].opt, lo),
			      &cfg, err),
			0);
		assert_int_equal(
			parse(ARGV("-i", "eth0", (char *)ranges[i].opt, hi),
			      &cfg, err),
			0);
		snprintf(bad, sizeof(bad), "%llu", ranges[i].hi + 1);
		assert_int_equal(
			parse(ARGV("-i", "eth0", (char *)ranges[i].opt, bad),
			      &cfg, err),
			-EINVAL);
		if (ranges[i].lo > 0) {
			snprintf(bad, sizeof(bad), "%llu", ranges[i].lo - 1);
			assert_int_equal(parse(ARGV("-i", "eth0",
						    (char *)ranges[i].opt, bad),
					       &cfg, err),
					 -EINVAL);
		}
	}
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_long_options),
		cmocka_unit_test(test_clock_truth_options),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_check_json),
		cmocka_unit_test(test_help_version_need_no_interface),
		cmocka_unit_test(test_rejected_values),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help_states_the_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
