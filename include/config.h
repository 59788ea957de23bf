/* SPDX-License-Identifier: MIT */
/* Command line (SPEC §2): argv in, a validated struct config out. Pure. */
#ifndef TBLK_CONFIG_H
#define TBLK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONFIG_DEFAULT_SOCKET "/run/temporalblock-ptp.sock"

enum ts_mode {
	TS_HARDWARE,
	TS_AUTO,
	TS_SOFTWARE,
};

enum hwts_policy {
	HWTS_ENSURE,
	HWTS_CHECK,
};

/* Which TX stamp the active slave asks for on its DELAY_REQ (SPEC §6). */
enum dreq_tx {
	DREQ_TX_AUTO,	  /* hardware only when no other port exchanges */
	DREQ_TX_HARDWARE, /* hardware whenever NIC stamps are in force */
	DREQ_TX_SOFTWARE, /* never touch the NIC's TX stamp slot */
};

struct config {
	const char *iface;
	const char *socket_path;
	mode_t socket_mode;
	const char *socket_group; /* NULL: leave the group alone */
	int domain;		  /* -1: any */
	enum ts_mode ts;
	enum hwts_policy hwts;
	bool delay_req;
	enum dreq_tx delay_req_tx;
	uint16_t port_number;
	const char *user; /* NULL: stay who we are */
	unsigned int max_clients;
	size_t client_buffer;
	int rcvbuf;
	unsigned int status_interval; /* seconds */
	int log_level;		      /* LOG_ERR .. LOG_DEBUG */
	bool check;
	bool json;
	bool version;
	bool help;
};

/*
 * Parse @argv into @cfg (defaults first). Returns 0, or -EINVAL with a
 * one-line reason in @err (@errlen bytes). Does not touch the system.
 */
int config_parse(int argc, char **argv, struct config *cfg, char *err,
		 size_t errlen);

void config_usage(FILE *out);

const char *config_ts_mode_name(enum ts_mode mode);

#endif
