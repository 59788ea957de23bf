// SPDX-License-Identifier: MIT
/*
 * --check, see check.h. The JSON object (--json) has these keys:
 *   interface      string  the interface asked about
 *   ifindex        int
 *   driver         string  ETHTOOL_GDRVINFO driver, null when unavailable
 *   soTimestamping string  ETHTOOL_GET_TS_INFO so_timestamping, "0x1a"
 *   tsInfoError    string  why ETHTOOL_GET_TS_INFO failed, else null
 *   capabilities   object  hardwareTransmit, softwareTransmit,
 *                          hardwareReceive, softwareReceive,
 *                          softwareSystemClock, hardwareRawClock: bools
 *   phcIndex       int     -1: none
 *   phcDevice      string  "/dev/ptpN", null when there is no PHC
 *   phcClockName   string  /sys/class/ptp/ptpN/clock_name, null when
 *                          there is no PHC or it cannot be read
 *   phcMethods     array   the PTP_SYS_OFFSET* ioctls the PHC answers:
 *                          "precise", "extended", "basic" ([] for none)
 *   phcMethod      string  the one the daemon reads with, else null
 *   phcError       string  why the PHC could not be opened, else null
 *   txTypes        array   of names offered ("off", "on", ...)
 *   rxFilters      array   of names offered ("none", "ptpv2-l4-event", ...)
 *   hwConfig       object  {"txType","rxFilter","flags"} from SIOCGHWTSTAMP,
 *                          null when it could not be read
 *   hwConfigError  string  why not ("not supported by the driver",
 *                          "needs CAP_NET_ADMIN", ...), else null
 *   mode           string  the requested --timestamping
 *   hwtsConfig     string  the requested --hwts-config
 *   delayReq       bool    --delay-req was given: TX stamps are needed too
 *   usable         bool    the mode (with --delay-req if given) can run
 *   stamping       string  "hardware" or "software" when usable, else null
 *   wouldSet       object  {"txType","rxFilter"} the daemon would write
 *                          under --hwts-config ensure, else null
 *   reason         string  one line: why usable or not
 *   ptp4l          object  {"uds","answers","portOnIface","port",
 *                          "portState","reason"}: a ptp4l on the UDS and
 *                          its port on the interface (PORT_PROPERTIES_NP,
 *                          CHECK_PTP4L_WAIT_MS); null with --ptp4l-uds none
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "hwts.h"
#include "nic.h"
#include "phc.h"
#include "ptp4l.h"

/* every port of ptp4l answers: the probe waits out this bound */
#define CHECK_PTP4L_WAIT_MS 300

struct check_report {
	const char *ifname;
	unsigned int ifindex;
	char driver[64];
	int driver_err;
	const char *mode;
	const char *hwts_config;
	bool delay_req;
	struct hwts_probe probe;
	struct hwts_decision d;
	/* the PHC, when phc_index >= 0 */
	char phc_dev[32];
	char clock_name[64]; /* "": unknown */
	int phc_err;	     /* phc_open()'s -errno, else 0 */
	unsigned int phc_methods;
	enum phc_method phc_method;
	const char *ptp4l_uds; /* NULL: --ptp4l-uds none */
	struct ptp4l_probe ptp4l;
};

static const enum phc_method check_phc_methods[] = {
	PHC_METHOD_PRECISE,
	PHC_METHOD_EXTENDED,
	PHC_METHOD_BASIC,
};

static const struct {
	uint32_t bit;
	const char *text; /* ethtool -T wording */
	const char *json;
} check_caps[] = {
	{SOF_TIMESTAMPING_TX_HARDWARE, "hardware-transmit", "hardwareTransmit"},
	{SOF_TIMESTAMPING_TX_SOFTWARE, "software-transmit", "softwareTransmit"},
	{SOF_TIMESTAMPING_RX_HARDWARE, "hardware-receive", "hardwareReceive"},
	{SOF_TIMESTAMPING_RX_SOFTWARE, "software-receive", "softwareReceive"},
	{SOF_TIMESTAMPING_SOFTWARE, "software-system-clock",
	 "softwareSystemClock"},
	{SOF_TIMESTAMPING_RAW_HARDWARE, "hardware-raw-clock",
	 "hardwareRawClock"},
};

#define CHECK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *check_errstr(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return "not supported by the driver";
	case -EPERM:
		return "needs CAP_NET_ADMIN";
	default:
		return strerror(-err);
	}
}

/* SIOCSHWTSTAMP needs CAP_NET_ADMIN (net/core/dev_ioctl.c): say so now
 * rather than promise a write the daemon could not make. */
static bool check_have_net_admin(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps) {
		return false;
	}
	if (cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &v) < 0) {
		v = CAP_CLEAR;
	}
	cap_free(caps);
	return v == CAP_SET;
}

/* The PHC's sysfs name (open and read: no stdio buffering of sysfs) and
 * which offset ioctls it answers; phc_open() reads, never adjusts. */
static void check_phc(struct check_report *c, int index)
{
	struct phc p;
	char path[64];
	ssize_t n;
	int fd;

	snprintf(c->phc_dev, sizeof(c->phc_dev), "/dev/ptp%d", index);
	snprintf(path, sizeof(path), "/sys/class/ptp/ptp%d/clock_name", index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, c->clock_name, sizeof(c->clock_name) - 1);
		close(fd);
		c->clock_name[n > 0 ? n : 0] = '\0';
		c->clock_name[strcspn(c->clock_name, "\n")] = '\0';
	}
	c->phc_err = phc_open(&p, c->phc_dev);
	if (c->phc_err) {
		return;
	}
	c->phc_methods = p.methods;
	c->phc_method = p.method;
	phc_close(&p);
}

static void check_print_phc(const struct check_report *c, FILE *out)
{
	bool any = false;
	size_t i;

	fprintf(out, "PTP hardware clock: %d (%s), clock name %s\n",
		c->probe.info.phc_index, c->phc_dev,
		c->clock_name[0] ? c->clock_name : "unknown");
	fprintf(out, "  %-22s ", "offset ioctls");
	if (c->phc_err) {
		fprintf(out, "unknown (cannot open %s: %s)\n", c->phc_dev,
			strerror(-c->phc_err));
		return;
	}
	for (i = 0; i < CHECK_COUNT(check_phc_methods); i++) {
		if (c->phc_methods & (1u << check_phc_methods[i])) {
			fprintf(out, "%s%s", any ? ", " : "",
				phc_method_name(check_phc_methods[i]));
			any = true;
		}
	}
	fprintf(out, " (reads with %s)\n", phc_method_name(c->phc_method));
}

static void check_names(FILE *out, uint32_t mask, bool rx)
{
	bool any = false;
	int i;

	for (i = 0; i < 32; i++) {
		if (!(mask & (1u << i))) {
			continue;
		}
		fprintf(out, "%s%s", any ? " " : "",
			rx ? hwts_rx_filter_name(i) : hwts_tx_type_name(i));
		any = true;
	}
	fprintf(out, "%s\n", any ? "" : "none");
}

static void check_print_text(const struct check_report *c, FILE *out)
{
	const struct hwts_probe *p = &c->probe;
	const struct nic_ts_info *info = &p->info;
	size_t i;

	fprintf(out, "Interface:        %s (ifindex %u)\n", c->ifname,
		c->ifindex);
	fprintf(out, "Driver:           %s\n",
		c->driver_err ? check_errstr(c->driver_err) : c->driver);
	if (p->info_err) {
		fprintf(out,
			"Capabilities:     unavailable "
			"(ETHTOOL_GET_TS_INFO: %s)\n",
			check_errstr(p->info_err));
	} else {
		fprintf(out,
			"Capabilities:     so_timestamping=0x%x "
			"(ETHTOOL_GET_TS_INFO)\n",
			info->so_timestamping);
		for (i = 0; i < CHECK_COUNT(check_caps); i++) {
			fprintf(out, "  %-22s %s\n", check_caps[i].text,
				info->so_timestamping & check_caps[i].bit
					? "yes"
					: "no");
		}
		if (info->phc_index >= 0) {
			check_print_phc(c, out);
		} else {
			fprintf(out, "PTP hardware clock: none (no PHC)\n");
		}
		fprintf(out, "TX types:         ");
		check_names(out, info->tx_types, false);
		fprintf(out, "RX filters:       ");
		check_names(out, info->rx_filters, true);
	}
	if (p->get_err) {
		fprintf(out, "Hardware config:  unavailable (%s)\n",
			check_errstr(p->get_err));
	} else {
		fprintf(out,
			"Hardware config:  tx %s, rx filter %s, flags 0x%x\n",
			hwts_tx_type_name(p->cur.tx_type),
			hwts_rx_filter_name(p->cur.rx_filter), p->cur.flags);
	}
	fprintf(out, "Mode:             --timestamping %s --hwts-config %s%s\n",
		c->mode, c->hwts_config, c->delay_req ? " --delay-req" : "");
	fprintf(out, "Verdict:          %s: %s\n",
		!c->d.usable	? "cannot run"
		: c->d.hardware ? "can run with hardware stamps"
				: "can run with software stamps",
		c->d.reason);
	if (c->d.usable && c->d.write) {
		fprintf(out,
			"                  the daemon would set tx %s, rx "
			"filter "
			"%s (--check writes nothing)\n",
			hwts_tx_type_name(c->d.want.tx_type),
			hwts_rx_filter_name(c->d.want.rx_filter));
	}
	fprintf(out, "ptp4l UDS:        %s\n",
		c->ptp4l_uds ? c->ptp4l.reason : "none (--ptp4l-uds none)");
}

static json_object *check_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *check_ptp4l_json(const struct check_report *c)
{
	const struct ptp4l_probe *p = &c->ptp4l;
	json_object *o;
	bool port =
		p->on_iface == PTP4L_PORT_YES || (p->answers && p->port_number);

	if (!c->ptp4l_uds) {
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "uds", json_object_new_string(c->ptp4l_uds));
	json_object_object_add(o, "answers",
			       json_object_new_boolean(p->answers));
	json_object_object_add(
		o, "portOnIface",
		p->on_iface == PTP4L_PORT_UNKNOWN
			? NULL
			: json_object_new_boolean(p->on_iface ==
						  PTP4L_PORT_YES));
	json_object_object_add(
		o, "port", port ? json_object_new_int(p->port_number) : NULL);
	json_object_object_add(
		o, "portState",
		check_str_or_null(port ? ptp_port_state_name(p->port_state)
				       : NULL));
	json_object_object_add(o, "reason", json_object_new_string(p->reason));
	return o;
}

static json_object *check_name_array(uint32_t mask, bool rx)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < 32; i++) {
		if (mask & (1u << i)) {
			json_object_array_add(
				a, json_object_new_string(
					   rx ? hwts_rx_filter_name(i)
					      : hwts_tx_type_name(i)));
		}
	}
	return a;
}

static int check_print_json(const struct check_report *c, FILE *out)
{
	const struct hwts_probe *p = &c->probe;
	const struct nic_ts_info *info = &p->info;
	json_object *o = json_object_new_object();
	json_object *caps = json_object_new_object();
	json_object *cfg = NULL, *would = NULL;
	char hex[16], dev[32];
	size_t i;

	snprintf(hex, sizeof(hex), "0x%x", info->so_timestamping);
	snprintf(dev, sizeof(dev), "/dev/ptp%d", info->phc_index);
	for (i = 0; i < CHECK_COUNT(check_caps); i++) {
		json_object_object_add(
			caps, check_caps[i].json,
			json_object_new_boolean(info->so_timestamping &
						check_caps[i].bit));
	}
	if (!p->get_err) {
		cfg = json_object_new_object();
		json_object_object_add(cfg, "txType",
				       json_object_new_string(hwts_tx_type_name(
					       p->cur.tx_type)));
		json_object_object_add(
			cfg, "rxFilter",
			json_object_new_string(
				hwts_rx_filter_name(p->cur.rx_filter)));
		json_object_object_add(cfg, "flags",
				       json_object_new_int(p->cur.flags));
	}
	if (c->d.usable && c->d.write) {
		would = json_object_new_object();
		json_object_object_add(would, "txType",
				       json_object_new_string(hwts_tx_type_name(
					       c->d.want.tx_type)));
		json_object_object_add(
			would, "rxFilter",
			json_object_new_string(
				hwts_rx_filter_name(c->d.want.rx_filter)));
	}
	json_object_object_add(o, "interface",
			       json_object_new_string(c->ifname));
	json_object_object_add(o, "ifindex", json_object_new_int64(c->ifindex));
	json_object_object_add(
		o, "driver",
		check_str_or_null(c->driver_err ? NULL : c->driver));
	json_object_object_add(o, "soTimestamping",
			       json_object_new_string(hex));
	json_object_object_add(
		o, "tsInfoError",
		check_str_or_null(p->info_err ? check_errstr(p->info_err)
					      : NULL));
	json_object_object_add(o, "capabilities", caps);
	json_object_object_add(o, "phcIndex",
			       json_object_new_int(info->phc_index));
	json_object_object_add(
		o, "phcDevice",
		check_str_or_null(info->phc_index >= 0 ? dev : NULL));
	{
		bool phc = info->phc_index >= 0, open = phc && !c->phc_err;
		json_object *m = json_object_new_array();

		for (i = 0; open && i < CHECK_COUNT(check_phc_methods); i++) {
			if (c->phc_methods & (1u << check_phc_methods[i])) {
				json_object_array_add(
					m,
					json_object_new_string(phc_method_name(
						check_phc_methods[i])));
			}
		}
		json_object_object_add(o, "phcClockName",
				       check_str_or_null(phc && c->clock_name[0]
								 ? c->clock_name
								 : NULL));
		json_object_object_add(o, "phcMethods", m);
		json_object_object_add(
			o, "phcMethod",
			check_str_or_null(open ? phc_method_name(c->phc_method)
					       : NULL));
		json_object_object_add(
			o, "phcError",
			check_str_or_null(phc && c->phc_err
						  ? strerror(-c->phc_err)
						  : NULL));
	}
	json_object_object_add(o, "txTypes",
			       check_name_array(info->tx_types, false));
	json_object_object_add(o, "rxFilters",
			       check_name_array(info->rx_filters, true));
	json_object_object_add(o, "hwConfig", cfg);
	json_object_object_add(
		o, "hwConfigError",
		check_str_or_null(p->get_err ? check_errstr(p->get_err)
					     : NULL));
	json_object_object_add(o, "mode", json_object_new_string(c->mode));
	json_object_object_add(o, "hwtsConfig",
			       json_object_new_string(c->hwts_config));
	json_object_object_add(o, "delayReq",
			       json_object_new_boolean(c->delay_req));
	json_object_object_add(o, "usable",
			       json_object_new_boolean(c->d.usable));
	json_object_object_add(o, "stamping",
			       check_str_or_null(!c->d.usable	 ? NULL
						 : c->d.hardware ? "hardware"
								 : "software"));
	json_object_object_add(o, "wouldSet", would);
	json_object_object_add(o, "reason",
			       json_object_new_string(c->d.reason));
	json_object_object_add(o, "ptp4l", check_ptp4l_json(c));
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	return 0;
}

static int check_parse_mode(const char *mode, enum ts_mode *ts)
{
	if (!strcmp(mode, "hardware")) {
		*ts = TS_HARDWARE;
	} else if (!strcmp(mode, "auto")) {
		*ts = TS_AUTO;
	} else if (!strcmp(mode, "software")) {
		*ts = TS_SOFTWARE;
	} else {
		return -EINVAL;
	}
	return 0;
}

int check_run(const char *ifname, const char *mode, const char *hwts_config,
	      bool delay_req, bool json, const char *ptp4l_uds,
	      int ptp4l_domain, FILE *out)
{
	struct check_report c = {
		.ifname = ifname,
		.mode = mode,
		.hwts_config = hwts_config,
		.delay_req = delay_req,
		.ptp4l_uds = ptp4l_uds,
	};
	struct hwts_probe *p = &c.probe;
	enum ts_mode ts;
	int fd, r;

	if (!ifname || !mode || !hwts_config ||
	    check_parse_mode(mode, &ts) < 0 ||
	    (strcmp(hwts_config, "ensure") && strcmp(hwts_config, "check"))) {
		fprintf(stderr, "tblk-ptp-sidecar: --check needs an interface, "
				"--timestamping hardware|auto|software and "
				"--hwts-config ensure|check\n");
		return EX_USAGE;
	}
	c.ifindex = if_nametoindex(ifname);
	if (c.ifindex == 0) {
		if (errno == ENODEV || errno == ENXIO ||
		    strlen(ifname) >= IFNAMSIZ) {
			fprintf(stderr,
				"tblk-ptp-sidecar: %s: no such interface\n",
				ifname);
			return EX_UNAVAILABLE;
		}
		fprintf(stderr, "tblk-ptp-sidecar: %s: if_nametoindex: %s\n",
			ifname, strerror(errno));
		return EX_OSERR;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "tblk-ptp-sidecar: socket: %s\n",
			strerror(errno));
		return EX_OSERR;
	}
	p->ifname = ifname;
	p->may_write = !strcmp(hwts_config, "ensure");
	/* The daemon's own verdict (iface_hw_apply) asks the same. */
	p->need_tx = delay_req;
	c.driver_err = nic_driver(fd, ifname, c.driver, sizeof(c.driver));
	p->info_err = nic_ts_info(fd, ifname, &p->info);
	if (p->info_err) {
		/* Leave no stale capability in the report. */
		memset(&p->info, 0, sizeof(p->info));
		p->info.phc_index = -1;
	}
	p->get_err = nic_hwtstamp_get(fd, ifname, &p->cur);
	close(fd);
	if (p->info_err == -ENODEV || p->get_err == -ENODEV) {
		/* Gone between if_nametoindex() and the ioctls. */
		fprintf(stderr, "tblk-ptp-sidecar: %s: no such interface\n",
			ifname);
		return EX_UNAVAILABLE;
	}
	if (p->info_err && p->info_err != -EOPNOTSUPP) {
		fprintf(stderr,
			"tblk-ptp-sidecar: %s: ETHTOOL_GET_TS_INFO: %s\n",
			ifname, strerror(-p->info_err));
		return EX_OSERR;
	}
	if (!p->info_err && p->info.phc_index >= 0) {
		check_phc(&c, p->info.phc_index);
	}
	r = hwts_decide(ts, p, &c.d);
	if (r == 0 && c.d.write && !check_have_net_admin()) {
		/* Predict the daemon's SIOCSHWTSTAMP; --check never makes it. */
		p->set_err = -EPERM;
		r = hwts_decide(ts, p, &c.d);
	}
	if (ptp4l_uds) {
		/* informational: the exit code is the mode's alone */
		ptp4l_probe(ptp4l_uds, ifname, ptp4l_domain,
			    CHECK_PTP4L_WAIT_MS, &c.ptp4l);
	}
	if (json) {
		check_print_json(&c, out);
	} else {
		check_print_text(&c, out);
	}
	if (fflush(out) != 0) {
		return EX_OSERR;
	}
	return r == 0 ? EX_OK : EX_UNAVAILABLE;
}
