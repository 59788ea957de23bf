// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

enum {
	OPT_SOCKET_MODE = 0x100,
	OPT_SOCKET_GROUP,
	OPT_HWTS_CONFIG,
	OPT_DELAY_REQ,
	OPT_DELAY_REQ_TX,
	OPT_PORT_NUMBER,
	OPT_USER,
	OPT_MAX_CLIENTS,
	OPT_CLIENT_BUFFER,
	OPT_RCVBUF,
	OPT_STATUS_INTERVAL,
	OPT_LOG_LEVEL,
	OPT_CHECK,
	OPT_JSON,
	OPT_PTP4L_UDS,
	OPT_PHC,
	OPT_CLOCK_INTERVAL,
	OPT_LOCK_THRESHOLD,
	OPT_HOLDOVER,
	OPT_METRICS_FILE,
};

static const struct option config_options[] = {
	{"interface", required_argument, NULL, 'i'},
	{"socket", required_argument, NULL, 's'},
	{"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
	{"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
	{"domain", required_argument, NULL, 'd'},
	{"timestamping", required_argument, NULL, 't'},
	{"hwts-config", required_argument, NULL, OPT_HWTS_CONFIG},
	{"delay-req", no_argument, NULL, OPT_DELAY_REQ},
	{"delay-req-tx", required_argument, NULL, OPT_DELAY_REQ_TX},
	{"port-number", required_argument, NULL, OPT_PORT_NUMBER},
	{"user", required_argument, NULL, OPT_USER},
	{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	{"client-buffer", required_argument, NULL, OPT_CLIENT_BUFFER},
	{"rcvbuf", required_argument, NULL, OPT_RCVBUF},
	{"status-interval", required_argument, NULL, OPT_STATUS_INTERVAL},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"ptp4l-uds", required_argument, NULL, OPT_PTP4L_UDS},
	{"phc", required_argument, NULL, OPT_PHC},
	{"clock-interval", required_argument, NULL, OPT_CLOCK_INTERVAL},
	{"lock-threshold", required_argument, NULL, OPT_LOCK_THRESHOLD},
	{"holdover", required_argument, NULL, OPT_HOLDOVER},
	{"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
	{"check", no_argument, NULL, OPT_CHECK},
	{"json", no_argument, NULL, OPT_JSON},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int config_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Whole-string unsigned decimal in [min, max]. */
static int config_uint(const char *s, unsigned long long min,
		       unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socket_path = CONFIG_DEFAULT_SOCKET;
	cfg->socket_mode = 0660;
	cfg->domain = -1;
	cfg->ts = TS_HARDWARE;
	cfg->hwts = HWTS_ENSURE;
	cfg->port_number = 32767;
	cfg->max_clients = 64;
	cfg->client_buffer = 262144;
	cfg->rcvbuf = 4194304;
	cfg->status_interval = 1;
	cfg->phc = PHC_AUTO;
	cfg->uds = UDS_DEFAULT;
	cfg->ptp4l_uds = CONFIG_DEFAULT_PTP4L_UDS;
	cfg->clock_interval = 1;
	cfg->holdover_s = 5;
	cfg->log_level = LOG_NOTICE;
}

int config_parse(int argc, char **argv, struct config *cfg, char *err,
		 size_t errlen)
{
	unsigned long long v;
	char *end;
	int c;

	config_defaults(cfg);
	/* getopt keeps its position in globals: restart it for each parse so
	 * the function can be called more than once (tests). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:s:d:t:Vh", config_options,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!*optarg || strlen(optarg) >= 16) {
				return config_fail(
					err, errlen,
					"invalid interface name '%s'", optarg);
			}
			cfg->iface = optarg;
			break;
		case 's':
			if (*optarg != '/' || strlen(optarg) >= 108) {
				return config_fail(
					err, errlen,
					"--socket needs an absolute path "
					"shorter than 108 bytes");
			}
			cfg->socket_path = optarg;
			break;
		case OPT_SOCKET_MODE:
			errno = 0;
			v = strtoull(optarg, &end, 8);
			if (!*optarg || *end || errno || v > 0777) {
				return config_fail(
					err, errlen,
					"--socket-mode needs an octal mode "
					"such as 0660, not '%s'",
					optarg);
			}
			cfg->socket_mode = (mode_t)v;
			break;
		case OPT_SOCKET_GROUP:
			cfg->socket_group = optarg;
			break;
		case 'd':
			if (!strcmp(optarg, "any")) {
				cfg->domain = -1;
			} else if (config_uint(optarg, 0, 255, &v) == 0) {
				cfg->domain = (int)v;
			} else {
				return config_fail(err, errlen,
						   "--domain needs 0..255 or "
						   "'any', not '%s'",
						   optarg);
			}
			break;
		case 't':
			if (!strcmp(optarg, "hardware")) {
				cfg->ts = TS_HARDWARE;
			} else if (!strcmp(optarg, "auto")) {
				cfg->ts = TS_AUTO;
			} else if (!strcmp(optarg, "software")) {
				cfg->ts = TS_SOFTWARE;
			} else {
				return config_fail(
					err, errlen,
					"--timestamping needs hardware, auto "
					"or software, not '%s'",
					optarg);
			}
			break;
		case OPT_HWTS_CONFIG:
			if (!strcmp(optarg, "ensure")) {
				cfg->hwts = HWTS_ENSURE;
			} else if (!strcmp(optarg, "check")) {
				cfg->hwts = HWTS_CHECK;
			} else {
				return config_fail(err, errlen,
						   "--hwts-config needs ensure "
						   "or check, not '%s'",
						   optarg);
			}
			break;
		case OPT_DELAY_REQ:
			cfg->delay_req = true;
			break;
		case OPT_DELAY_REQ_TX:
			if (!strcmp(optarg, "auto")) {
				cfg->delay_req_tx = DREQ_TX_AUTO;
			} else if (!strcmp(optarg, "hardware")) {
				cfg->delay_req_tx = DREQ_TX_HARDWARE;
			} else if (!strcmp(optarg, "software")) {
				cfg->delay_req_tx = DREQ_TX_SOFTWARE;
			} else {
				return config_fail(err, errlen,
						   "--delay-req-tx needs auto, "
						   "hardware or software, not "
						   "'%s'",
						   optarg);
			}
			break;
		case OPT_PORT_NUMBER:
			/* 0 and 0xffff are reserved portNumbers (1588 7.5.2.3) */
			if (config_uint(optarg, 1, 0xfffe, &v)) {
				return config_fail(err, errlen,
						   "--port-number needs "
						   "1..65534, not '%s'",
						   optarg);
			}
			cfg->port_number = (uint16_t)v;
			break;
		case OPT_USER:
			if (!*optarg) {
				return config_fail(err, errlen,
						   "--user needs a user name");
			}
			cfg->user = optarg;
			break;
		case OPT_MAX_CLIENTS:
			if (config_uint(optarg, 1, 65536, &v)) {
				return config_fail(err, errlen,
						   "--max-clients needs "
						   "1..65536, not '%s'",
						   optarg);
			}
			cfg->max_clients = (unsigned int)v;
			break;
		case OPT_CLIENT_BUFFER:
			/* at least one frame must fit */
			if (config_uint(optarg, 4096, 1ULL << 30, &v)) {
				return config_fail(
					err, errlen,
					"--client-buffer needs "
					"4096..1073741824 bytes, not '%s'",
					optarg);
			}
			cfg->client_buffer = (size_t)v;
			break;
		case OPT_RCVBUF:
			if (config_uint(optarg, 4096, INT_MAX / 2, &v)) {
				return config_fail(err, errlen,
						   "--rcvbuf needs 4096..%d "
						   "bytes, not '%s'",
						   INT_MAX / 2, optarg);
			}
			cfg->rcvbuf = (int)v;
			break;
		case OPT_STATUS_INTERVAL:
			if (config_uint(optarg, 1, 3600, &v)) {
				return config_fail(err, errlen,
						   "--status-interval needs "
						   "1..3600 seconds, not '%s'",
						   optarg);
			}
			cfg->status_interval = (unsigned int)v;
			break;
		case OPT_PTP4L_UDS:
			if (!strcmp(optarg, "none")) {
				cfg->uds = UDS_NONE;
				cfg->ptp4l_uds = NULL;
			} else if (*optarg == '/' && strlen(optarg) < 108) {
				cfg->uds = UDS_PATH;
				cfg->ptp4l_uds = optarg;
			} else {
				return config_fail(err, errlen,
						   "--ptp4l-uds needs an "
						   "absolute path shorter than "
						   "108 bytes or 'none', not "
						   "'%s'",
						   optarg);
			}
			break;
		case OPT_PHC:
			if (!strcmp(optarg, "auto")) {
				cfg->phc = PHC_AUTO;
				cfg->phc_path = NULL;
			} else if (!strcmp(optarg, "none")) {
				cfg->phc = PHC_NONE;
				cfg->phc_path = NULL;
			} else if (*optarg == '/' && strlen(optarg) < 4096) {
				cfg->phc = PHC_PATH;
				cfg->phc_path = optarg;
			} else {
				return config_fail(err, errlen,
						   "--phc needs an absolute "
						   "device path, 'auto' or "
						   "'none', not '%s'",
						   optarg);
			}
			break;
		case OPT_CLOCK_INTERVAL:
			if (config_uint(optarg, 1, 3600, &v)) {
				return config_fail(err, errlen,
						   "--clock-interval needs "
						   "1..3600 seconds, not '%s'",
						   optarg);
			}
			cfg->clock_interval = (unsigned int)v;
			break;
		case OPT_LOCK_THRESHOLD:
			if (config_uint(optarg, 1, 1000000000, &v)) {
				return config_fail(err, errlen,
						   "--lock-threshold needs "
						   "1..1000000000 ns, not '%s'",
						   optarg);
			}
			cfg->lock_threshold_ns = v;
			break;
		case OPT_HOLDOVER:
			if (config_uint(optarg, 0, 86400, &v)) {
				return config_fail(err, errlen,
						   "--holdover needs 0..86400 "
						   "seconds, not '%s'",
						   optarg);
			}
			cfg->holdover_s = (unsigned int)v;
			break;
		case OPT_METRICS_FILE:
			if (*optarg != '/' ||
			    optarg[strlen(optarg) - 1] == '/' ||
			    strlen(optarg) >= 4000) {
				return config_fail(err, errlen,
						   "--metrics-file needs an "
						   "absolute file path, not "
						   "'%s'",
						   optarg);
			}
			cfg->metrics_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			cfg->log_level = log_level_parse(optarg);
			if (cfg->log_level < 0) {
				return config_fail(
					err, errlen,
					"--log-level needs err, warning, "
					"notice, info or debug, not '%s'",
					optarg);
			}
			break;
		case OPT_CHECK:
			cfg->check = true;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case 'V':
			cfg->version = true;
			break;
		case 'h':
			cfg->help = true;
			break;
		case ':':
			return config_fail(err, errlen,
					   "option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return config_fail(err, errlen, "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return config_fail(err, errlen, "unexpected argument '%s'",
				   argv[optind]);
	}
	if (cfg->help || cfg->version) {
		return 0;
	}
	if (!cfg->iface && cfg->phc != PHC_PATH) {
		return config_fail(err, errlen,
				   "--interface is required (or --phc PATH for "
				   "PHC-only mode)");
	}
	if (config_phc_only(cfg) && cfg->delay_req) {
		return config_fail(err, errlen,
				   "--delay-req needs --interface");
	}
	if (config_phc_only(cfg) && cfg->check) {
		return config_fail(err, errlen, "--check needs --interface");
	}
	if (cfg->json && !cfg->check) {
		return config_fail(err, errlen,
				   "--json only goes with --check");
	}
	return 0;
}

const char *config_ts_mode_name(enum ts_mode mode)
{
	switch (mode) {
	case TS_HARDWARE:
		return "hardware";
	case TS_AUTO:
		return "auto";
	case TS_SOFTWARE:
		return "software";
	}
	return "?";
}

/* Every numeric range here is the one config_parse() enforces
 * (test_config checks both ends of each against the parser). */
void config_usage(FILE *out)
{
	fprintf(out,
		"Usage: tblk-ptp-sidecar --interface IFACE [options]\n"
		"       tblk-ptp-sidecar --phc PATH [options]   (PHC-only "
		"mode)\n"
		"       tblk-ptp-sidecar --check --interface IFACE [--json] "
		"[-t MODE]\n"
		"                        [--hwts-config POLICY] [--delay-req]\n"
		"\n"
		"Streams the NIC (or kernel) timestamp of every PTP packet on "
		"IFACE\n"
		"as NDJSON to clients of a local Unix socket. Never adjusts a "
		"clock.\n"
		"\n"
		"  -i, --interface IFACE        the PTP interface (required), "
		"1..15 bytes\n"
		"  -s, --socket PATH            client socket, absolute, under "
		"108 bytes\n"
		"                               [" CONFIG_DEFAULT_SOCKET "]\n"
		"      --socket-mode MODE       octal mode of a created "
		"socket, "
		"0..0777 [0660]\n"
		"      --socket-group GROUP     group owner of a created "
		"socket "
		"(name or number)\n"
		"  -d, --domain N|any           only this PTP domain, 0..255 "
		"[any]\n"
		"  -t, --timestamping MODE      hardware|auto|software "
		"[hardware]\n"
		"      --hwts-config POLICY     ensure|check the NIC config "
		"[ensure]\n"
		"      --delay-req              active slave: send Delay_Req, "
		"publish samples\n"
		"      --delay-req-tx KIND      auto|hardware|software TX "
		"stamp "
		"of our Delay_Req [auto]\n"
		"      --port-number N          our portNumber, 1..65534 "
		"[32767]\n"
		"      --ptp4l-uds PATH|none    ptp4l's management socket, "
		"read for sync state\n"
		"                               [" CONFIG_DEFAULT_PTP4L_UDS
		" if it exists]\n"
		"      --phc PATH|auto|none     PHC read for clock frames "
		"[auto: the interface's]\n"
		"      --clock-interval SEC     PHC reading cadence, 1..3600 "
		"[1]\n"
		"      --lock-threshold NS      |offsetFromMaster| bound for "
		"locked, 1..1000000000\n"
		"                               [1000 hardware, 100000 "
		"software]\n"
		"      --holdover SEC           holdover before freerun, "
		"0..86400 [5]\n"
		"      --metrics-file PATH      Prometheus text file, written "
		"atomically\n"
		"      --user USER              switch to USER after setup (as "
		"root)\n"
		"      --max-clients N          clients served at once, "
		"1..65536 "
		"[64]\n"
		"      --client-buffer BYTES    per-client output cap, "
		"4096..1073741824 [262144]\n"
		"      --rcvbuf BYTES           receive buffer, 4096..%d "
		"[4194304]\n"
		"      --status-interval SEC    status frames and STATUS= "
		"cadence, 1..3600 [1]\n"
		"      --log-level LEVEL        err|warning|notice|info|debug "
		"[notice]\n"
		"      --check [--json]         report the interface's "
		"timestamping and whether\n"
		"                               the mode (with --delay-req) "
		"can "
		"run; exit 0 or 69\n"
		"  -V, --version                print the version\n"
		"  -h, --help                   this text\n",
		INT_MAX / 2);
}
