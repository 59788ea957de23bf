// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <sysexits.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "sidecar.h"

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256];

	if (config_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "tblk-ptp-sidecar: %s (try --help)\n", err);
		return EX_USAGE;
	}
	if (cfg.help) {
		config_usage(stdout);
		return EX_OK;
	}
	if (cfg.version) {
		printf("tblk-ptp-sidecar %s\n", TBLK_VERSION);
		return EX_OK;
	}
	log_setup(cfg.log_level, log_stderr_is_journal());
	if (cfg.check) {
		return check_run(cfg.iface, config_ts_mode_name(cfg.ts),
				 cfg.hwts == HWTS_ENSURE ? "ensure" : "check",
				 cfg.delay_req, cfg.json,
				 cfg.uds == UDS_NONE ? NULL : cfg.ptp4l_uds,
				 cfg.domain, stdout);
	}
	return sidecar_run(&cfg);
}
