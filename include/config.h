/* SPDX-License-Identifier: MIT */
/* Command line (SPEC §2): argv in, a validated struct config out. Pure. */
#ifndef TBLK_CONFIG_H
#define TBLK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONFIG_DEFAULT_SOCKET	 "/run/temporalblock-ptp.sock"
#define CONFIG_DEFAULT_PTP4L_UDS "/var/run/ptp4l"
/* --lock-threshold defaults (SPEC §2), by the stamping in force */
#define CONFIG_LOCK_THRESHOLD_HW_NS 1000
#define CONFIG_LOCK_THRESHOLD_SW_NS 100000

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

/* Which PHC to read for clock frames (SPEC §11). */
enum phc_choice {
	PHC_AUTO, /* the interface's, from ETHTOOL_GET_TS_INFO */
	PHC_PATH, /* cfg->phc_path; without an interface: PHC-only mode */
	PHC_NONE,
};

/* Where ptp4l's management socket is (SPEC §11). */
enum uds_choice {
	UDS_DEFAULT, /* CONFIG_DEFAULT_PTP4L_UDS, only if it exists */
	UDS_PATH,    /* cfg->ptp4l_uds, asked for: its absence is reported */
	UDS_NONE,
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
	enum phc_choice phc;
	const char *phc_path; /* PHC_PATH */
	enum uds_choice uds;
	const char *ptp4l_uds;	     /* the path for DEFAULT and PATH */
	unsigned int clock_interval; /* seconds */
	uint64_t lock_threshold_ns;  /* 0: the default for the stamping */
	unsigned int holdover_s;     /* seconds */
	const char *metrics_file;    /* NULL: none */
	int log_level;		     /* LOG_ERR .. LOG_DEBUG */
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

/* PHC-only mode (SPEC §11): --phc PATH and no --interface. */
static inline bool config_phc_only(const struct config *cfg)
{
	return !cfg->iface && cfg->phc == PHC_PATH;
}

/* --lock-threshold, or its default for hardware (@hw) or software stamps */
static inline uint64_t config_lock_threshold(const struct config *cfg, bool hw)
{
	if (cfg->lock_threshold_ns) {
		return cfg->lock_threshold_ns;
	}
	return hw ? CONFIG_LOCK_THRESHOLD_HW_NS : CONFIG_LOCK_THRESHOLD_SW_NS;
}

#endif
