/* SPDX-License-Identifier: MIT */
/* The daemon: wires the modules together around one event loop. */
#ifndef TBLK_SIDECAR_H
#define TBLK_SIDECAR_H

#include "config.h"

/* Run the daemon with @cfg until SIGTERM/SIGINT; returns a sysexits code.
 * Every refusal has printed one line to stderr saying what and why. */
int sidecar_run(const struct config *cfg);

#endif
