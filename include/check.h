/* SPDX-License-Identifier: MIT */
/*
 * --check (SPEC §9): the interface's timestamping capability report and
 * whether a --timestamping mode can run. Reads the device, never writes
 * its hardware-timestamping config.
 */
#ifndef TBLK_CHECK_H
#define TBLK_CHECK_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Report on @ifname to @out, as text or (@json) one json-c object; @mode is
 * "hardware", "auto" or "software", @hwts_config "ensure" or "check";
 * @delay_req: the mode must also give TX stamps for our Delay_Req;
 * @ptp4l_uds: ptp4l's UDS to ask whether it answers and runs a port on
 * @ifname (NULL: not asked), in @ptp4l_domain (-1: --domain any).
 * Returns the exit code: 0 the mode can run, 69 it cannot or there is no
 * such interface (one line on stderr), 64 a bad @mode/@hwts_config, 71 an
 * unexpected OS error.
 */
int check_run(const char *ifname, const char *mode, const char *hwts_config,
	      bool delay_req, bool json, const char *ptp4l_uds,
	      int ptp4l_domain, FILE *out);

#endif
