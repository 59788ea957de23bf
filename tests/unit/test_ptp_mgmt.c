// SPDX-License-Identifier: MIT
/*
 * PTP MANAGEMENT (ptp_mgmt_*) unit tests on real ptp4l exchanges.
 *
 * Every array below is one datagram from a file of tests/data/mgmt, captured by
 * tests/data/capture_mgmt.sh over the UDS of a ptp4l 3.1.1 `free_running 1`
 * slave (clockIdentity 1e0886.fffe.012595) synchronised, with software
 * stamps over veth, to a ptp4l grandmaster (527378.fffe.8da31d) in another
 * network namespace:
 *   requests   tests/data/mgmt_client.py (pmc-equivalent, bound to its own
 *              path, portIdentity 74626c.fffe.6b0001-32767), and pmc's own
 *              GET from strace, to hold the builder to what pmc sends;
 *   replies    RESPONSEs to GET and SET (ptp4l answers a SET with a
 *              RESPONSE, a COMMAND with an ACKNOWLEDGE), two
 *              MANAGEMENT_ERROR_STATUS, and the PORT_DATA_SET pushes of a
 *              SUBSCRIBE_EVENTS_NP subscription.
 * Comments decode each field the way Wireshark's ptp dissector lists them.
 * The broken variants are made from the good arrays by changing one field
 * (see the tests): a short TLV, a wrong lengthField, another managementId,
 * an error status in place of data, an odd length, a pad octet.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ptp_msg.h"

/* One line per field, as Wireshark lists them: kept out of clang-format. */
/* clang-format off */
/* pmc -u -b 0 -z 'GET PORT_DATA_SET' itself (strace); its sourcePortIdentity
 * is 000000.0000.000000-8531 (pmc's pid) */
static const uint8_t pmc_get_port_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x36, /* messageLength 54 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 000000.0000.000000 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x21, 0x53, /* sourcePortIdentity.portNumber 8531 */
	0x00, 0x00, /* sequenceId 0 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity ffffff.ffff.ffffff */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, /* targetPortIdentity.portNumber 65535 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x00, /* reserved 0, actionField 0 (GET) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x02, /* lengthField 2 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
};

/* mgmt_client.py: GET PORT_DATA_SET from 74626c.fffe.6b0001-32767 */
static const uint8_t get_port_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x36, /* messageLength 54 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* sourcePortIdentity.portNumber 32767 */
	0x00, 0x00, /* sequenceId 0 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity ffffff.ffff.ffffff */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, /* targetPortIdentity.portNumber 65535 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x00, /* reserved 0, actionField 0 (GET) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x02, /* lengthField 2 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
};

/* the slave's RESPONSE to get_port_ds: UNCALIBRATED (free_running, and
 * synchronizationUncertain not yet cleared) */
static const uint8_t port_ds_uncal[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x50, /* messageLength 80 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x1c, /* lengthField 28 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
	/* portIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* portIdentity.portNumber 1 */
	0x08, /* portState 8 (UNCALIBRATED) */
	0xfd, /* logMinDelayReqInterval -3 */
	/* peerMeanPathDelay 0 (0 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, /* logAnnounceInterval 1 */
	0x03, /* announceReceiptTimeout 3 */
	0x00, /* logSyncInterval 0 */
	0x01, /* delayMechanism 1 (E2E) */
	0x00, /* logMinPdelayReqInterval 0 */
	0x02, /* versionNumber 2 */
};

/* mgmt_client.py: SET SUBSCRIBE_EVENTS_NP, port-state events for 60 s */
static const uint8_t set_subscribe[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x78, /* messageLength 120 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* sourcePortIdentity.portNumber 32767 */
	0x00, 0x01, /* sequenceId 1 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity ffffff.ffff.ffffff */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, /* targetPortIdentity.portNumber 65535 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x01, /* reserved 0, actionField 1 (SET) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x44, /* lengthField 68 */
	0xc0, 0x03, /* managementId 0xc003 (SUBSCRIBE_EVENTS_NP) */
	0x00, 0x3c, /* duration 60 s */
	0x01, /* bitmask[0] 0x01 (NOTIFY_PORT_STATE) */
	/* bitmask[1..63] 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* the slave's RESPONSE to set_subscribe (ptp4l answers a SET with RESPONSE) */
static const uint8_t subscribe_resp[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x78, /* messageLength 120 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x01, /* sequenceId 1 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x44, /* lengthField 68 */
	0xc0, 0x03, /* managementId 0xc003 (SUBSCRIBE_EVENTS_NP) */
	0x00, 0x3c, /* duration 60 s */
	0x01, /* bitmask[0] 0x01 (NOTIFY_PORT_STATE) */
	/* bitmask[1..63] 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* mgmt_client.py: SET SYNCHRONIZATION_UNCERTAIN_NP 0 */
static const uint8_t set_sync_uncertain[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x38, /* messageLength 56 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* sourcePortIdentity.portNumber 32767 */
	0x00, 0x03, /* sequenceId 3 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity ffffff.ffff.ffffff */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, /* targetPortIdentity.portNumber 65535 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x01, /* reserved 0, actionField 1 (SET) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x04, /* lengthField 4 */
	0xc0, 0x06, /* managementId 0xc006 (SYNCHRONIZATION_UNCERTAIN_NP) */
	0x00, /* val 0 (synchronizationUncertain FALSE) */
	0x00, /* reserved */
};

/* the slave's RESPONSE to set_sync_uncertain */
static const uint8_t sync_uncertain_resp[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x38, /* messageLength 56 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x03, /* sequenceId 3 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x04, /* lengthField 4 */
	0xc0, 0x06, /* managementId 0xc006 (SYNCHRONIZATION_UNCERTAIN_NP) */
	0x00, /* val 0 (synchronizationUncertain FALSE) */
	0x00, /* reserved */
};

/* the PORT_DATA_SET push that followed, UNCALIBRATED -> SLAVE: boundaryHops
 * 1, sequenceId from the subscriber's own counter (0) */
static const uint8_t push_slave[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x50, /* messageLength 80 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x01, /* startingBoundaryHops 1 */
	0x01, /* boundaryHops 1 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x1c, /* lengthField 28 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
	/* portIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* portIdentity.portNumber 1 */
	0x09, /* portState 9 (SLAVE) */
	0xfd, /* logMinDelayReqInterval -3 */
	/* peerMeanPathDelay 0 (0 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, /* logAnnounceInterval 1 */
	0x03, /* announceReceiptTimeout 3 */
	0x00, /* logSyncInterval 0 */
	0x01, /* delayMechanism 1 (E2E) */
	0x00, /* logMinPdelayReqInterval 0 */
	0x02, /* versionNumber 2 */
};

/* GET PORT_DATA_SET 2 s later: SLAVE */
static const uint8_t port_ds_slave[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x50, /* messageLength 80 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x04, /* sequenceId 4 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x1c, /* lengthField 28 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
	/* portIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* portIdentity.portNumber 1 */
	0x09, /* portState 9 (SLAVE) */
	0xfd, /* logMinDelayReqInterval -3 */
	/* peerMeanPathDelay 0 (0 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, /* logAnnounceInterval 1 */
	0x03, /* announceReceiptTimeout 3 */
	0x00, /* logSyncInterval 0 */
	0x01, /* delayMechanism 1 (E2E) */
	0x00, /* logMinPdelayReqInterval 0 */
	0x02, /* versionNumber 2 */
};

/* GET TIME_STATUS_NP in SLAVE */
static const uint8_t time_status[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x68, /* messageLength 104 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x05, /* sequenceId 5 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x34, /* lengthField 52 */
	0xc0, 0x00, /* managementId 0xc000 (TIME_STATUS_NP) */
	/* master_offset 190 ns */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xbe,
	/* ingress_time 1796158368310208825 ns */
	0x18, 0xed, 0x3c, 0x84, 0xff, 0x79, 0xa9, 0x39,
	0x00, 0x00, 0x00, 0x00, /* cumulativeScaledRateOffset 0 */
	0x00, 0x00, 0x00, 0x00, /* scaledLastGmPhaseChange 0 */
	0x00, 0x00, /* gmTimeBaseIndicator 0 */
	/* lastGmPhaseChange 0 (ScaledNs, 96 bits) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, /* gmPresent 1 */
	/* gmIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
};

/* GET CURRENT_DATA_SET in SLAVE */
static const uint8_t current_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x48, /* messageLength 72 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x06, /* sequenceId 6 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x14, /* lengthField 20 */
	0x20, 0x01, /* managementId 0x2001 (CURRENT_DATA_SET) */
	0x00, 0x01, /* stepsRemoved 1 */
	/* offsetFromMaster 12451840 (190 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0xbe, 0x00, 0x00,
	/* meanPathDelay 146538496 (2236 ns) */
	0x00, 0x00, 0x00, 0x00, 0x08, 0xbc, 0x00, 0x00,
};

/* GET PARENT_DATA_SET in SLAVE */
static const uint8_t parent_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x56, /* messageLength 86 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x07, /* sequenceId 7 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x22, /* lengthField 34 */
	0x20, 0x02, /* managementId 0x2002 (PARENT_DATA_SET) */
	/* parentPortIdentity.clockIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
	0x00, 0x01, /* parentPortIdentity.portNumber 1 */
	0x00, /* parentStats 0 */
	0x00, /* reserved */
	0xff, 0xff, /* observedParentOffsetScaledLogVariance 0xffff */
	0x7f, 0xff, 0xff, 0xff, /* observedParentClockPhaseChangeRate 0x7fffffff */
	0x0a, /* grandmasterPriority1 10 */
	0xf8, /* grandmasterClockQuality.clockClass 248 */
	0xfe, /* grandmasterClockQuality.clockAccuracy 0xfe */
	0xff, 0xff, /* grandmasterClockQuality.offsetScaledLogVariance 0xffff */
	0x80, /* grandmasterPriority2 128 */
	/* grandmasterIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
};

/* GET TIME_PROPERTIES_DATA_SET in SLAVE */
static const uint8_t time_prop_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x3a, /* messageLength 58 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x08, /* sequenceId 8 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x06, /* lengthField 6 */
	0x20, 0x03, /* managementId 0x2003 (TIME_PROPERTIES_DATA_SET) */
	0x00, 0x25, /* currentUtcOffset 37 */
	/* flags 0x00: leap61 0, leap59 0, currentUtcOffsetValid 0,
	 * ptpTimescale 0, timeTraceable 0, frequencyTraceable 0 */
	0x00,
	0xa0, /* timeSource 0xa0 (INTERNAL_OSCILLATOR) */
};

/* GET TIME: MANAGEMENT_ERROR_STATUS NOT_SUPPORTED */
static const uint8_t err_not_supported[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x3c, /* messageLength 60 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x09, /* sequenceId 9 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x02, /* tlvType 0x0002 (MANAGEMENT_ERROR_STATUS) */
	0x00, 0x08, /* lengthField 8 */
	0x00, 0x06, /* managementErrorId 0x0006 (NOT_SUPPORTED) */
	0x20, 0x0f, /* managementId 0x200f (TIME) */
	0x00, 0x00, 0x00, 0x00, /* reserved */
};

/* SET SYNCHRONIZATION_UNCERTAIN_NP with no data: MANAGEMENT_ERROR_STATUS
 * WRONG_LENGTH */
static const uint8_t err_wrong_length[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x3c, /* messageLength 60 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x0a, /* sequenceId 10 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x02, /* tlvType 0x0002 (MANAGEMENT_ERROR_STATUS) */
	0x00, 0x08, /* lengthField 8 */
	0x00, 0x03, /* managementErrorId 0x0003 (WRONG_LENGTH) */
	0xc0, 0x06, /* managementId 0xc006 (SYNCHRONIZATION_UNCERTAIN_NP) */
	0x00, 0x00, 0x00, 0x00, /* reserved */
};

/* GET PORT_DATA_SET on the grandmaster's UDS: MASTER */
static const uint8_t gm_port_ds[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x50, /* messageLength 80 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x0b, /* sequenceId 11 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x1c, /* lengthField 28 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
	/* portIdentity.clockIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
	0x00, 0x01, /* portIdentity.portNumber 1 */
	0x06, /* portState 6 (MASTER) */
	0xfd, /* logMinDelayReqInterval -3 */
	/* peerMeanPathDelay 0 (0 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, /* logAnnounceInterval 0 */
	0x03, /* announceReceiptTimeout 3 */
	0xfd, /* logSyncInterval -3 */
	0x01, /* delayMechanism 1 (E2E) */
	0x00, /* logMinPdelayReqInterval 0 */
	0x02, /* versionNumber 2 */
};

/* GET TIME_STATUS_NP on the grandmaster: gmPresent 0, gmIdentity its own */
static const uint8_t gm_time_status[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x68, /* messageLength 104 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x0c, /* sequenceId 12 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x34, /* lengthField 52 */
	0xc0, 0x00, /* managementId 0xc000 (TIME_STATUS_NP) */
	/* master_offset 0 ns */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* ingress_time 0 ns */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* cumulativeScaledRateOffset 0 */
	0x00, 0x00, 0x00, 0x00, /* scaledLastGmPhaseChange 0 */
	0x00, 0x00, /* gmTimeBaseIndicator 0 */
	/* lastGmPhaseChange 0 (ScaledNs, 96 bits) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* gmPresent 0 */
	/* gmIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
};

/* grandmaster killed: the push SLAVE -> LISTENING after the announce receipt timeout */
static const uint8_t push_listening[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x50, /* messageLength 80 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x01, /* sequenceId 1 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x01, /* startingBoundaryHops 1 */
	0x01, /* boundaryHops 1 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x1c, /* lengthField 28 */
	0x20, 0x04, /* managementId 0x2004 (PORT_DATA_SET) */
	/* portIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x01, /* portIdentity.portNumber 1 */
	0x04, /* portState 4 (LISTENING) */
	0xfd, /* logMinDelayReqInterval -3 */
	/* peerMeanPathDelay 0 (0 ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, /* logAnnounceInterval 1 */
	0x03, /* announceReceiptTimeout 3 */
	0x00, /* logSyncInterval 0 */
	0x01, /* delayMechanism 1 (E2E) */
	0x00, /* logMinPdelayReqInterval 0 */
	0x02, /* versionNumber 2 */
};

/* GET TIME_STATUS_NP in LISTENING: gmPresent still 1, ingress_time 0 */
static const uint8_t time_status_no_gm[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x68, /* messageLength 104 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 1e0886.fffe.012595 */
	0x1e, 0x08, 0x86, 0xff, 0xfe, 0x01, 0x25, 0x95,
	0x00, 0x00, /* sourcePortIdentity.portNumber 0 */
	0x00, 0x0d, /* sequenceId 13 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x34, /* lengthField 52 */
	0xc0, 0x00, /* managementId 0xc000 (TIME_STATUS_NP) */
	/* master_offset -864 ns */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0xa0,
	/* ingress_time 0 ns */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* cumulativeScaledRateOffset 0 */
	0x00, 0x00, 0x00, 0x00, /* scaledLastGmPhaseChange 0 */
	0x00, 0x00, /* gmTimeBaseIndicator 0 */
	/* lastGmPhaseChange 0 (ScaledNs, 96 bits) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, /* gmPresent 1 */
	/* gmIdentity 527378.fffe.8da31d */
	0x52, 0x73, 0x78, 0xff, 0xfe, 0x8d, 0xa3, 0x1d,
};

/* A second capture (same script, another run: clockIdentities differ):
 * GET PORT_PROPERTIES_NP from an abstract-namespace address, answered by
 * the slave 025340.fffe.f1e275 on veth vms17215. */
static const uint8_t port_props[] = {
	0x0d, /* transportSpecific 0, messageType 0xd (Management) */
	0x02, /* minorVersionPTP 0, versionPTP 2 */
	0x00, 0x4c, /* messageLength 76 */
	0x00, /* domainNumber 0 */
	0x00, /* minorSdoId 0 */
	0x00, 0x00, /* flagField 0x0000 */
	/* correctionField 0 (scaled ns) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, /* messageTypeSpecific 0x00000000 */
	/* sourcePortIdentity.clockIdentity 025340.fffe.f1e275 */
	0x02, 0x53, 0x40, 0xff, 0xfe, 0xf1, 0xe2, 0x75,
	0x00, 0x01, /* sourcePortIdentity.portNumber 1 */
	0x00, 0x00, /* sequenceId 0 */
	0x04, /* controlField 4 (Management) */
	0x7f, /* logMessageInterval 0x7f (none) */
	/* targetPortIdentity.clockIdentity 74626c.fffe.6b0001 */
	0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01,
	0x7f, 0xff, /* targetPortIdentity.portNumber 32767 */
	0x00, /* startingBoundaryHops 0 */
	0x00, /* boundaryHops 0 */
	0x02, /* reserved 0, actionField 2 (RESPONSE) */
	0x00, /* reserved */
	0x00, 0x01, /* tlvType 0x0001 (MANAGEMENT) */
	0x00, 0x18, /* lengthField 24 */
	0xc0, 0x04, /* managementId 0xc004 (PORT_PROPERTIES_NP) */
	/* portIdentity 025340.fffe.f1e275-1 */
	0x02, 0x53, 0x40, 0xff, 0xfe, 0xf1, 0xe2, 0x75,
	0x00, 0x01,
	0x09, /* portState 9 (SLAVE) */
	0x00, /* timestamping 0 (software) */
	0x08, /* interface.lengthField 8 */
	/* interface.textField "vms17215" */
	0x76, 0x6d, 0x73, 0x31, 0x37, 0x32, 0x31, 0x35,
	0x00, /* pad: 21 octets of data made even */
};
/* clang-format on */

#define BUF_MAX 256

static const uint8_t SLAVE_ID[PTP_CLOCK_ID_LEN] = {0x1e, 0x08, 0x86, 0xff,
						   0xfe, 0x01, 0x25, 0x95};
static const uint8_t GM_ID[PTP_CLOCK_ID_LEN] = {0x52, 0x73, 0x78, 0xff,
						0xfe, 0x8d, 0xa3, 0x1d};
static const struct ptp_port_id CLIENT = {
	{0x74, 0x62, 0x6c, 0xff, 0xfe, 0x6b, 0x00, 0x01}, 32767};

/* Every good reply, with the managementId its data decodes as. */
struct reply {
	const char *name;
	const uint8_t *msg;
	size_t len;
	uint16_t id;
};

#define REPLY(a, id)                                                           \
	{                                                                      \
#a, a, sizeof(a), id                                           \
	}

static const struct reply replies[] = {
	REPLY(port_ds_uncal, PTP_MID_PORT_DATA_SET),
	REPLY(subscribe_resp, PTP_MID_SUBSCRIBE_EVENTS_NP),
	REPLY(sync_uncertain_resp, PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP),
	REPLY(push_slave, PTP_MID_PORT_DATA_SET),
	REPLY(port_ds_slave, PTP_MID_PORT_DATA_SET),
	REPLY(time_status, PTP_MID_TIME_STATUS_NP),
	REPLY(current_ds, PTP_MID_CURRENT_DATA_SET),
	REPLY(parent_ds, PTP_MID_PARENT_DATA_SET),
	REPLY(time_prop_ds, PTP_MID_TIME_PROPERTIES_DATA_SET),
	REPLY(gm_port_ds, PTP_MID_PORT_DATA_SET),
	REPLY(gm_time_status, PTP_MID_TIME_STATUS_NP),
	REPLY(push_listening, PTP_MID_PORT_DATA_SET),
	REPLY(time_status_no_gm, PTP_MID_TIME_STATUS_NP),
};

#define N_REPLIES (sizeof(replies) / sizeof(replies[0]))

/* Decodes @m as dataset @id with the matching ptp_mgmt_* decoder. */
static int decode(const struct ptp_mgmt *m, uint16_t id)
{
	struct ptp_port_ds pds;
	struct ptp_time_status ts;
	struct ptp_current_ds cds;
	struct ptp_parent_ds par;
	struct ptp_time_prop_ds tp;
	struct ptp_subscribe sub;
	uint8_t v;

	switch (id) {
	case PTP_MID_PORT_DATA_SET:
		return ptp_mgmt_port_ds(m, &pds);
	case PTP_MID_TIME_STATUS_NP:
		return ptp_mgmt_time_status(m, &ts);
	case PTP_MID_CURRENT_DATA_SET:
		return ptp_mgmt_current_ds(m, &cds);
	case PTP_MID_PARENT_DATA_SET:
		return ptp_mgmt_parent_ds(m, &par);
	case PTP_MID_TIME_PROPERTIES_DATA_SET:
		return ptp_mgmt_time_prop_ds(m, &tp);
	case PTP_MID_SUBSCRIBE_EVENTS_NP:
		return ptp_mgmt_subscribe(m, &sub);
	case PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP:
		return ptp_mgmt_sync_uncertain(m, &v);
	default:
		fail_msg("no decoder for 0x%04x", id);
		return 0;
	}
}

static const uint16_t all_ids[] = {
	PTP_MID_PORT_DATA_SET,
	PTP_MID_TIME_STATUS_NP,
	PTP_MID_CURRENT_DATA_SET,
	PTP_MID_PARENT_DATA_SET,
	PTP_MID_TIME_PROPERTIES_DATA_SET,
	PTP_MID_SUBSCRIBE_EVENTS_NP,
	PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t copy(uint8_t *b, const struct reply *r)
{
	assert_true(r->len <= BUF_MAX);
	memset(b, 0, BUF_MAX);
	memcpy(b, r->msg, r->len);
	return r->len;
}

static void assert_reply_header(const struct ptp_mgmt *m, size_t len,
				const uint8_t *src)
{
	assert_int_equal(m->hdr.msg_type, PTP_MANAGEMENT);
	assert_int_equal(m->hdr.version, 2);
	assert_int_equal(m->hdr.msg_length, len);
	assert_int_equal(m->hdr.control, 4);
	assert_int_equal((uint8_t)m->hdr.log_interval, 0x7f);
	assert_memory_equal(m->hdr.src.clock_id, src, PTP_CLOCK_ID_LEN);
	assert_true(ptp_port_id_equal(&m->mgmt.target, &CLIENT));
	assert_int_equal(m->mgmt.action, PTP_MGMT_RESPONSE);
	assert_int_equal(m->tlv_type, PTP_TLV_MANAGEMENT);
	assert_int_equal(m->error, 0);
}

/* Our GET is pmc's GET, byte for byte, from either portIdentity. */
static void test_build_get_is_pmc(void **state)
{
	struct ptp_mgmt_req req = {
		.src = {{0}, 8531},
		.seq_id = 0,
		.action = PTP_MGMT_GET,
		.id = PTP_MID_PORT_DATA_SET,
	};
	uint8_t out[BUF_MAX];

	(void)state;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)),
			 sizeof(pmc_get_port_ds));
	assert_memory_equal(out, pmc_get_port_ds, sizeof(pmc_get_port_ds));

	req.src = CLIENT;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)),
			 sizeof(get_port_ds));
	assert_memory_equal(out, get_port_ds, sizeof(get_port_ds));
}

static void test_build_set(void **state)
{
	struct ptp_subscribe sub = {.duration = 60};
	uint8_t data[PTP_MGMT_SUBSCRIBE_LEN];
	struct ptp_mgmt_req req = {
		.src = CLIENT,
		.seq_id = 1,
		.action = PTP_MGMT_SET,
		.id = PTP_MID_SUBSCRIBE_EVENTS_NP,
		.data = data,
		.data_len = sizeof(data),
	};
	uint8_t out[BUF_MAX];
	struct ptp_subscribe back;
	struct ptp_mgmt m;
	uint8_t v = 0xee;

	(void)state;
	sub.bitmask[PTP_MGMT_EVENT_PORT_STATE / 8] =
		1 << (PTP_MGMT_EVENT_PORT_STATE % 8);
	ptp_mgmt_put_subscribe(&sub, data);
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)),
			 sizeof(set_subscribe));
	assert_memory_equal(out, set_subscribe, sizeof(set_subscribe));
	/* the request parses back as what it says */
	assert_int_equal(ptp_mgmt_parse(out, sizeof(set_subscribe), &m), 0);
	assert_int_equal(m.mgmt.action, PTP_MGMT_SET);
	assert_int_equal(ptp_mgmt_subscribe(&m, &back), 0);
	assert_int_equal(back.duration, 60);
	assert_memory_equal(back.bitmask, sub.bitmask, sizeof(sub.bitmask));

	ptp_mgmt_put_sync_uncertain(0, data);
	req.seq_id = 3;
	req.id = PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP;
	req.data_len = PTP_MGMT_DATUM_LEN;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)),
			 sizeof(set_sync_uncertain));
	assert_memory_equal(out, set_sync_uncertain,
			    sizeof(set_sync_uncertain));
	assert_int_equal(ptp_mgmt_parse(out, sizeof(set_sync_uncertain), &m),
			 0);
	assert_int_equal(ptp_mgmt_sync_uncertain(&m, &v), 0);
	assert_int_equal(v, 0);
}

/* An odd dataField gets one zero pad octet inside an even lengthField. */
static void test_build_odd_data_padded(void **state)
{
	static const uint8_t one[] = {0xab};
	struct ptp_mgmt_req req = {
		.src = CLIENT,
		.action = PTP_MGMT_SET,
		.id = 0x2005, /* PRIORITY1-like: any id */
		.data = one,
		.data_len = 1,
	};
	uint8_t out[BUF_MAX];
	struct ptp_mgmt m;

	(void)state;
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), 56);
	assert_int_equal(get16(out + 2), 56); /* messageLength */
	assert_int_equal(get16(out + 50), 4); /* lengthField: id, 1, pad */
	assert_int_equal(out[54], 0xab);
	assert_int_equal(out[55], 0x00); /* the pad */
	assert_int_equal(out[56], 0xcc); /* nothing written beyond */
	assert_int_equal(ptp_mgmt_parse(out, 56, &m), 0);
	assert_int_equal(m.id, 0x2005);
	assert_int_equal(m.data_len, 2);
}

static void test_build_refusals(void **state)
{
	struct ptp_mgmt_req req = {
		.src = CLIENT,
		.action = PTP_MGMT_GET,
		.id = PTP_MID_TIME_STATUS_NP,
	};
	uint8_t out[BUF_MAX];
	size_t n;

	(void)state;
	/* every size short of the 54 octets */
	for (n = 0; n < 54; n++) {
		memset(out, 0xcc, sizeof(out));
		assert_int_equal(ptp_mgmt_build(&req, out, n), -ENOSPC);
		assert_int_equal(out[0], 0xcc); /* nothing written */
	}
	assert_int_equal(ptp_mgmt_build(&req, out, 54), 54);
	/* a client sends requests only */
	req.action = PTP_MGMT_RESPONSE;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), -EINVAL);
	req.action = PTP_MGMT_ACKNOWLEDGE;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), -EINVAL);
	req.action = 5;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), -EINVAL);
	req.action = PTP_MGMT_COMMAND;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), 54);
	assert_int_equal(out[46], PTP_MGMT_COMMAND);
	/* data without a pointer; more than a 16-bit length can carry */
	req.action = PTP_MGMT_SET;
	req.data_len = 2;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), -EINVAL);
	req.data = out;
	req.data_len = UINT16_MAX;
	assert_int_equal(ptp_mgmt_build(&req, out, sizeof(out)), -EINVAL);
}

static void test_port_ds(void **state)
{
	struct ptp_port_ds ds;
	struct ptp_mgmt m;

	(void)state;
	assert_int_equal(
		ptp_mgmt_parse(port_ds_slave, sizeof(port_ds_slave), &m), 0);
	assert_reply_header(&m, sizeof(port_ds_slave), SLAVE_ID);
	assert_int_equal(m.hdr.src.port, 1); /* a port dataset: the port */
	assert_int_equal(m.hdr.seq_id, 4);
	assert_int_equal(m.mgmt.starting_boundary_hops, 0);
	assert_int_equal(m.mgmt.boundary_hops, 0);
	assert_int_equal(m.id, PTP_MID_PORT_DATA_SET);
	assert_ptr_equal(m.data, port_ds_slave + 54);
	assert_int_equal(m.data_len, PTP_MGMT_PORT_DS_LEN);
	assert_int_equal(ptp_mgmt_port_ds(&m, &ds), 0);
	assert_memory_equal(ds.port_id.clock_id, SLAVE_ID, PTP_CLOCK_ID_LEN);
	assert_int_equal(ds.port_id.port, 1);
	assert_int_equal(ds.port_state, PTP_PS_SLAVE);
	assert_string_equal(ptp_port_state_name(ds.port_state), "SLAVE");
	assert_int_equal(ds.log_min_delay_req_interval, -3);
	assert_int_equal(ds.peer_mean_path_delay, 0);
	assert_int_equal(ds.log_announce_interval, 1);
	assert_int_equal(ds.announce_receipt_timeout, 3);
	assert_int_equal(ds.log_sync_interval, 0);
	assert_int_equal(ds.delay_mechanism, 1); /* E2E */
	assert_int_equal(ds.log_min_pdelay_req_interval, 0);
	assert_int_equal(ds.version_number, 2);

	assert_int_equal(
		ptp_mgmt_parse(port_ds_uncal, sizeof(port_ds_uncal), &m), 0);
	assert_reply_header(&m, sizeof(port_ds_uncal), SLAVE_ID);
	assert_int_equal(m.hdr.seq_id, 0);
	assert_int_equal(ptp_mgmt_port_ds(&m, &ds), 0);
	assert_int_equal(ds.port_state, PTP_PS_UNCALIBRATED);

	assert_int_equal(ptp_mgmt_parse(gm_port_ds, sizeof(gm_port_ds), &m), 0);
	assert_reply_header(&m, sizeof(gm_port_ds), GM_ID);
	assert_int_equal(ptp_mgmt_port_ds(&m, &ds), 0);
	assert_memory_equal(ds.port_id.clock_id, GM_ID, PTP_CLOCK_ID_LEN);
	assert_int_equal(ds.port_state, PTP_PS_MASTER);
	assert_int_equal(ds.log_announce_interval, 0);
	assert_int_equal(ds.log_sync_interval, -3);
}

/* The pushes of a SUBSCRIBE_EVENTS_NP subscription: a RESPONSE to nobody's
 * request, boundaryHops 1/1, sequenceId counted per subscriber. */
static void test_port_state_pushes(void **state)
{
	struct ptp_port_ds ds;
	struct ptp_mgmt m;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(push_slave, sizeof(push_slave), &m), 0);
	assert_reply_header(&m, sizeof(push_slave), SLAVE_ID);
	assert_int_equal(m.mgmt.starting_boundary_hops, 1);
	assert_int_equal(m.mgmt.boundary_hops, 1);
	assert_int_equal(m.hdr.seq_id, 0);
	assert_int_equal(ptp_mgmt_port_ds(&m, &ds), 0);
	assert_int_equal(ds.port_state, PTP_PS_SLAVE);

	assert_int_equal(
		ptp_mgmt_parse(push_listening, sizeof(push_listening), &m), 0);
	assert_reply_header(&m, sizeof(push_listening), SLAVE_ID);
	assert_int_equal(m.mgmt.starting_boundary_hops, 1);
	assert_int_equal(m.hdr.seq_id, 1);
	assert_int_equal(ptp_mgmt_port_ds(&m, &ds), 0);
	assert_int_equal(ds.port_state, PTP_PS_LISTENING);
	assert_string_equal(ptp_port_state_name(ds.port_state), "LISTENING");
}

static void test_subscribe_and_sync_uncertain(void **state)
{
	struct ptp_subscribe sub;
	struct ptp_mgmt m;
	uint8_t v = 0xee;
	unsigned int i;

	(void)state;
	assert_int_equal(
		ptp_mgmt_parse(subscribe_resp, sizeof(subscribe_resp), &m), 0);
	assert_reply_header(&m, sizeof(subscribe_resp), SLAVE_ID);
	assert_int_equal(m.hdr.seq_id, 1);
	assert_int_equal(ptp_mgmt_subscribe(&m, &sub), 0);
	assert_int_equal(sub.duration, 60);
	assert_int_equal(sub.bitmask[0], 1 << PTP_MGMT_EVENT_PORT_STATE);
	for (i = 1; i < PTP_MGMT_SUBSCRIBE_MASKLEN; i++) {
		assert_int_equal(sub.bitmask[i], 0);
	}

	assert_int_equal(ptp_mgmt_parse(sync_uncertain_resp,
					sizeof(sync_uncertain_resp), &m),
			 0);
	assert_reply_header(&m, sizeof(sync_uncertain_resp), SLAVE_ID);
	assert_int_equal(ptp_mgmt_sync_uncertain(&m, &v), 0);
	assert_int_equal(v, 0);
}

static void test_time_status(void **state)
{
	struct ptp_time_status ts;
	struct ptp_mgmt m;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(time_status, sizeof(time_status), &m),
			 0);
	assert_reply_header(&m, sizeof(time_status), SLAVE_ID);
	assert_int_equal(m.hdr.src.port, 0); /* a clock dataset: port 0 */
	assert_int_equal(ptp_mgmt_time_status(&m, &ts), 0);
	assert_int_equal(ts.master_offset, 190);
	assert_int_equal(ts.ingress_time, 1796158368310208825LL);
	assert_int_equal(ts.cumulative_scaled_rate_offset, 0);
	assert_int_equal(ts.scaled_last_gm_phase_change, 0);
	assert_int_equal(ts.gm_time_base_indicator, 0);
	assert_int_equal(ts.last_gm_phase_change.ns_msb, 0);
	assert_int_equal(ts.last_gm_phase_change.ns_lsb, 0);
	assert_int_equal(ts.last_gm_phase_change.frac, 0);
	assert_true(ts.gm_present);
	assert_memory_equal(ts.gm_identity, GM_ID, PTP_CLOCK_ID_LEN);

	/* ptp4l as the grandmaster: no other grandmaster, itself */
	assert_int_equal(
		ptp_mgmt_parse(gm_time_status, sizeof(gm_time_status), &m), 0);
	assert_int_equal(ptp_mgmt_time_status(&m, &ts), 0);
	assert_int_equal(ts.master_offset, 0);
	assert_int_equal(ts.ingress_time, 0);
	assert_false(ts.gm_present);
	assert_memory_equal(ts.gm_identity, GM_ID, PTP_CLOCK_ID_LEN);

	/* grandmaster gone, port LISTENING: 3.1.1 keeps gmPresent and the
	 * last master_offset; only portState tells (SPEC section 11) */
	assert_int_equal(ptp_mgmt_parse(time_status_no_gm,
					sizeof(time_status_no_gm), &m),
			 0);
	assert_int_equal(ptp_mgmt_time_status(&m, &ts), 0);
	assert_int_equal(ts.master_offset, -864);
	assert_int_equal(ts.ingress_time, 0);
	assert_true(ts.gm_present);
	assert_memory_equal(ts.gm_identity, GM_ID, PTP_CLOCK_ID_LEN);
}

static void test_current_ds(void **state)
{
	struct ptp_current_ds ds;
	struct ptp_mgmt m;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(current_ds, sizeof(current_ds), &m), 0);
	assert_reply_header(&m, sizeof(current_ds), SLAVE_ID);
	assert_int_equal(ptp_mgmt_current_ds(&m, &ds), 0);
	assert_int_equal(ds.steps_removed, 1);
	assert_int_equal(ds.offset_from_master, 190 * 65536);
	assert_int_equal(ptp_correction_ns(ds.offset_from_master), 190);
	assert_int_equal(ds.mean_path_delay, 2236 * 65536);
	assert_int_equal(ptp_correction_ns(ds.mean_path_delay), 2236);
}

static void test_parent_ds(void **state)
{
	struct ptp_parent_ds ds;
	struct ptp_mgmt m;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(parent_ds, sizeof(parent_ds), &m), 0);
	assert_reply_header(&m, sizeof(parent_ds), SLAVE_ID);
	assert_int_equal(ptp_mgmt_parent_ds(&m, &ds), 0);
	assert_memory_equal(ds.parent_port_id.clock_id, GM_ID,
			    PTP_CLOCK_ID_LEN);
	assert_int_equal(ds.parent_port_id.port, 1);
	assert_int_equal(ds.parent_stats, 0);
	assert_int_equal(ds.observed_parent_offset_scaled_log_variance, 0xffff);
	assert_int_equal(ds.observed_parent_clock_phase_change_rate,
			 0x7fffffff);
	assert_int_equal(ds.gm_priority1, 10);
	assert_int_equal(ds.gm_clock_quality.clock_class, 248);
	assert_int_equal(ds.gm_clock_quality.clock_accuracy, 0xfe);
	assert_int_equal(ds.gm_clock_quality.offset_scaled_log_variance,
			 0xffff);
	assert_int_equal(ds.gm_priority2, 128);
	assert_memory_equal(ds.gm_identity, GM_ID, PTP_CLOCK_ID_LEN);
}

static void test_time_prop_ds(void **state)
{
	struct ptp_time_prop_ds ds;
	uint8_t b[BUF_MAX];
	struct ptp_mgmt m;
	unsigned int bit;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(time_prop_ds, sizeof(time_prop_ds), &m),
			 0);
	assert_reply_header(&m, sizeof(time_prop_ds), SLAVE_ID);
	assert_int_equal(ptp_mgmt_time_prop_ds(&m, &ds), 0);
	assert_int_equal(ds.current_utc_offset, 37);
	assert_int_equal(ds.flags, 0);
	assert_false(ds.leap61 || ds.leap59 || ds.utc_offset_valid ||
		     ds.ptp_timescale || ds.time_traceable ||
		     ds.frequency_traceable || ds.sync_uncertain);
	assert_int_equal(ds.time_source, 0xa0); /* INTERNAL_OSCILLATOR */

	/* Each flag alone, hand-set: ptp4l on veth sets none of them. */
	for (bit = 0; bit < 8; bit++) {
		bool *want[] = {&ds.leap61,	      &ds.leap59,
				&ds.utc_offset_valid, &ds.ptp_timescale,
				&ds.time_traceable,   &ds.frequency_traceable,
				&ds.sync_uncertain,   NULL};
		unsigned int i, set = 0;

		memcpy(b, time_prop_ds, sizeof(time_prop_ds));
		b[56] = (uint8_t)(1 << bit);
		b[54] = 0xff; /* currentUtcOffset -1: signed */
		b[55] = 0xff;
		assert_int_equal(ptp_mgmt_parse(b, sizeof(time_prop_ds), &m),
				 0);
		assert_int_equal(ptp_mgmt_time_prop_ds(&m, &ds), 0);
		assert_int_equal(ds.current_utc_offset, -1);
		assert_int_equal(ds.flags, 1 << bit);
		for (i = 0; i < 7; i++) {
			set += *want[i];
			if (i == bit) {
				assert_true(*want[i]);
			}
		}
		assert_int_equal(set, bit < 7 ? 1 : 0);
	}
}

static void test_error_status(void **state)
{
	struct ptp_mgmt m;
	unsigned int i;

	(void)state;
	assert_int_equal(ptp_mgmt_parse(err_not_supported,
					sizeof(err_not_supported), &m),
			 0);
	assert_int_equal(m.mgmt.action, PTP_MGMT_RESPONSE);
	assert_int_equal(m.tlv_type, PTP_TLV_MANAGEMENT_ERROR_STATUS);
	assert_int_equal(m.error, PTP_MGMT_ERR_NOT_SUPPORTED);
	assert_string_equal(ptp_mgmt_error_name(m.error), "NOT_SUPPORTED");
	assert_int_equal(m.id, PTP_MID_TIME);
	assert_int_equal(m.data_len, 0); /* no displayData */
	assert_int_equal(m.hdr.seq_id, 9);
	/* no decoder takes an error for data */
	for (i = 0; i < sizeof(all_ids) / sizeof(all_ids[0]); i++) {
		assert_int_equal(decode(&m, all_ids[i]), -EREMOTEIO);
	}

	assert_int_equal(
		ptp_mgmt_parse(err_wrong_length, sizeof(err_wrong_length), &m),
		0);
	assert_int_equal(m.tlv_type, PTP_TLV_MANAGEMENT_ERROR_STATUS);
	assert_int_equal(m.error, PTP_MGMT_ERR_WRONG_LENGTH);
	assert_string_equal(ptp_mgmt_error_name(m.error), "WRONG_LENGTH");
	assert_int_equal(m.id, PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP);
	assert_int_equal(decode(&m, PTP_MID_SYNCHRONIZATION_UNCERTAIN_NP),
			 -EREMOTEIO);
}

/* An error status with displayData, and ones too short for their fixed
 * part (hand-made from err_not_supported). */
static void test_error_status_broken(void **state)
{
	uint8_t b[BUF_MAX];
	struct ptp_mgmt m;

	(void)state;
	memcpy(b, err_not_supported, sizeof(err_not_supported));
	/* displayData: PTPText "ab" plus a pad octet */
	put16(b + 2, 64);
	put16(b + 50, 12);
	b[60] = 2;
	b[61] = 'a';
	b[62] = 'b';
	b[63] = 0;
	assert_int_equal(ptp_mgmt_parse(b, 64, &m), 0);
	assert_int_equal(m.error, PTP_MGMT_ERR_NOT_SUPPORTED);
	assert_int_equal(m.data_len, 4);
	assert_ptr_equal(m.data, b + 60);

	memcpy(b, err_not_supported, sizeof(err_not_supported));
	put16(b + 2, 58); /* short TLV: 6 octets, 8 needed */
	put16(b + 50, 6);
	assert_int_equal(ptp_mgmt_parse(b, 58, &m), -EMSGSIZE);
	put16(b + 2, 52); /* an empty error status */
	put16(b + 50, 0);
	assert_int_equal(ptp_mgmt_parse(b, 52, &m), -EMSGSIZE);
	put16(b + 2, 59); /* odd */
	put16(b + 50, 7);
	assert_int_equal(ptp_mgmt_parse(b, 59, &m), -EMSGSIZE);
}

/* Every good reply, and the same with one field broken. */
static void test_replies_broken(void **state)
{
	uint8_t b[BUF_MAX];
	struct ptp_mgmt m;
	unsigned int i, j;
	size_t n;

	(void)state;
	for (i = 0; i < N_REPLIES; i++) {
		const struct reply *r = &replies[i];
		uint16_t tlv_len = get16(r->msg + 50);

		print_message("%s\n", r->name);
		n = copy(b, r);
		assert_int_equal(ptp_mgmt_parse(b, n, &m), 0);
		assert_int_equal(m.id, r->id);
		assert_int_equal(decode(&m, r->id), 0);
		/* another dataset's decoder: wrong managementId */
		for (j = 0; j < sizeof(all_ids) / sizeof(all_ids[0]); j++) {
			if (all_ids[j] != r->id) {
				assert_int_equal(decode(&m, all_ids[j]),
						 -ENOMSG);
			}
		}

		/* the managementId changed on the wire */
		n = copy(b, r);
		put16(b + 52, PTP_MID_TIME);
		assert_int_equal(ptp_mgmt_parse(b, n, &m), 0);
		assert_int_equal(decode(&m, r->id), -ENOMSG);

		/* short TLV: the last two octets of data cut, both lengths
		 * consistent; the message is sound, the dataset is not */
		n = copy(b, r);
		put16(b + 2, (uint16_t)(n - 2));
		put16(b + 50, (uint16_t)(tlv_len - 2));
		assert_int_equal(ptp_mgmt_parse(b, n - 2, &m), 0);
		assert_int_equal(decode(&m, r->id), -EMSGSIZE);

		/* a pad pair after the dataset, inside lengthField */
		n = copy(b, r);
		put16(b + 2, (uint16_t)(n + 2));
		put16(b + 50, (uint16_t)(tlv_len + 2));
		assert_int_equal(ptp_mgmt_parse(b, n + 2, &m), 0);
		assert_int_equal(decode(&m, r->id), -EMSGSIZE);

		/* odd lengthField with the odd octet counted: refused */
		n = copy(b, r);
		put16(b + 2, (uint16_t)(n + 1));
		put16(b + 50, (uint16_t)(tlv_len + 1));
		assert_int_equal(ptp_mgmt_parse(b, n + 1, &m), -EMSGSIZE);

		/* lengthField past messageLength */
		n = copy(b, r);
		put16(b + 50, (uint16_t)(tlv_len + 2));
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -EILSEQ);
		put16(b + 50, 0xffff);
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -EILSEQ);

		/* lengthField 4 short of messageLength, the 4 octets left
		 * zeroed: a second TLV (type 0, length 0) */
		n = copy(b, r);
		put16(b + 50, (uint16_t)(tlv_len - 4));
		memset(b + n - 4, 0, 4);
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -ETOOMANYREFS);
		/* left as they were, they overrun */
		n = copy(b, r);
		put16(b + 50, (uint16_t)(tlv_len - 4));
		b[n - 2] = 0;
		b[n - 1] = 8;
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -EILSEQ);

		/* a MANAGEMENT TLV too short for its managementId */
		n = copy(b, r);
		put16(b + 2, 52);
		put16(b + 50, 0);
		assert_int_equal(ptp_mgmt_parse(b, 52, &m), -EMSGSIZE);

		/* no TLV at all */
		n = copy(b, r);
		put16(b + 2, 48);
		assert_int_equal(ptp_mgmt_parse(b, 48, &m), -ENODATA);

		/* a TLV of another type */
		n = copy(b, r);
		put16(b + 48, 0x0003); /* ORGANIZATION_EXTENSION */
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -EPROTONOSUPPORT);

		/* the datagram cut short of messageLength */
		n = copy(b, r);
		assert_int_equal(ptp_mgmt_parse(b, n - 1, &m), -EBADMSG);
		assert_int_equal(ptp_mgmt_parse(b, 33, &m), -EBADMSG);

		/* not a management message */
		n = copy(b, r);
		b[0] = 0x0c; /* Signaling, its 44 octets only */
		put16(b + 2, 44);
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -ENOMSG);
		n = copy(b, r);
		b[1] = 0x01; /* PTPv1 */
		assert_int_equal(ptp_mgmt_parse(b, n, &m), -EPROTO);
	}
}

/* PORT_PROPERTIES_NP: the interface of the port, pad octet or not. */
static void test_port_props(void **state)
{
	static const uint8_t id[PTP_CLOCK_ID_LEN] = {0x02, 0x53, 0x40, 0xff,
						     0xfe, 0xf1, 0xe2, 0x75};
	struct ptp_port_props pp;
	struct ptp_mgmt m;
	uint8_t b[sizeof(port_props)];

	(void)state;
	assert_int_equal(ptp_mgmt_parse(port_props, sizeof(port_props), &m), 0);
	assert_reply_header(&m, sizeof(port_props), id);
	assert_int_equal(m.id, PTP_MID_PORT_PROPERTIES_NP);
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), 0);
	assert_memory_equal(pp.port_id.clock_id, id, PTP_CLOCK_ID_LEN);
	assert_int_equal(pp.port_id.port, 1);
	assert_int_equal(pp.port_state, PTP_PS_SLAVE);
	assert_int_equal(pp.timestamping, 0);
	assert_string_equal(pp.iface, "vms17215");

	/* without the pad octet: still the same text */
	m.data_len--;
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), 0);
	assert_string_equal(pp.iface, "vms17215");
	/* one text octet short, or two octets over: refused */
	m.data_len--;
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EMSGSIZE);
	m.data_len += 3;
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EMSGSIZE);
	m.data_len = PTP_MGMT_PORT_PROPS_MIN - 1;
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EMSGSIZE);

	/* a non-zero pad octet, a NUL inside the text */
	memcpy(b, port_props, sizeof(b));
	b[sizeof(b) - 1] = 0x41;
	assert_int_equal(ptp_mgmt_parse(b, sizeof(b), &m), 0);
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EMSGSIZE);
	b[sizeof(b) - 1] = 0;
	b[sizeof(b) - 4] = 0;
	assert_int_equal(ptp_mgmt_parse(b, sizeof(b), &m), 0);
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EBADMSG);

	/* another dataset is not PORT_PROPERTIES_NP, nor it another */
	assert_int_equal(ptp_mgmt_parse(port_props, sizeof(port_props), &m), 0);
	assert_int_equal(ptp_mgmt_current_ds(&m, &(struct ptp_current_ds){0}),
			 -ENOMSG);
	assert_int_equal(ptp_mgmt_parse(current_ds, sizeof(current_ds), &m), 0);
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -ENOMSG);
	assert_int_equal(ptp_mgmt_parse(err_not_supported,
					sizeof(err_not_supported), &m),
			 0);
	assert_int_equal(ptp_mgmt_port_props(&m, &pp), -EREMOTEIO);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ptp_port_state_name(PTP_PS_INITIALIZING),
			    "INITIALIZING");
	assert_string_equal(ptp_port_state_name(PTP_PS_UNCALIBRATED),
			    "UNCALIBRATED");
	assert_string_equal(ptp_port_state_name(PTP_PS_MASTER), "MASTER");
	assert_string_equal(ptp_port_state_name(0), "UNKNOWN");
	assert_string_equal(ptp_port_state_name(10), "UNKNOWN");
	assert_string_equal(ptp_port_state_name(0xffffffffu), "UNKNOWN");
	assert_string_equal(ptp_mgmt_error_name(PTP_MGMT_ERR_GENERAL_ERROR),
			    "GENERAL_ERROR");
	assert_string_equal(ptp_mgmt_error_name(0), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_get_is_pmc),
		cmocka_unit_test(test_build_set),
		cmocka_unit_test(test_build_odd_data_padded),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_port_ds),
		cmocka_unit_test(test_port_state_pushes),
		cmocka_unit_test(test_subscribe_and_sync_uncertain),
		cmocka_unit_test(test_time_status),
		cmocka_unit_test(test_current_ds),
		cmocka_unit_test(test_parent_ds),
		cmocka_unit_test(test_time_prop_ds),
		cmocka_unit_test(test_error_status),
		cmocka_unit_test(test_error_status_broken),
		cmocka_unit_test(test_replies_broken),
		cmocka_unit_test(test_port_props),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
