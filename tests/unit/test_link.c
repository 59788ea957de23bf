// SPDX-License-Identifier: MIT
/*
 * rtnetlink decoding: RTM_NEWLINK / RTM_DELLINK datagrams built here the
 * way the kernel sends them (nlmsghdr, ifinfomsg, IFLA_IFNAME attribute),
 * matched by name so a re-created interface with a new ifindex is seen.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "link.h"

/* Appends one link message to @buf at *@off; returns its start. */
static struct nlmsghdr *put_link(uint8_t *buf, size_t *off, uint16_t type,
				 int ifindex, unsigned int flags,
				 const char *name)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(buf + *off);
	struct ifinfomsg *ifi;
	struct rtattr *rta;
	size_t nlen = strlen(name) + 1;

	memset(nh, 0, NLMSG_SPACE(sizeof(*ifi)) + RTA_SPACE(nlen));
	nh->nlmsg_type = type;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi)) + RTA_LENGTH(nlen);
	ifi = NLMSG_DATA(nh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	rta = IFLA_RTA(ifi);
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(nlen);
	memcpy(RTA_DATA(rta), name, nlen);
	*off += NLMSG_ALIGN(nh->nlmsg_len);
	return nh;
}

static void test_up_down(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct link_event ev;
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING, "veth-sl");
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 1);
	assert_int_equal(ev.ifindex, 7);
	assert_true(ev.up);
	assert_false(ev.deleted);

	/* administratively up but no carrier is down for us */
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 7, IFF_UP, "veth-sl");
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 1);
	assert_false(ev.up);
}

static void test_other_interfaces_ignored(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct link_event ev;
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, 3, IFF_UP | IFF_RUNNING, "veth-s");
	put_link(buf, &off, RTM_NEWLINK, 4, IFF_UP | IFF_RUNNING, "veth-sl2");
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 0);
}

static void test_deleted_then_recreated(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct link_event ev;
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_DELLINK, 7, 0, "veth-sl");
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 1);
	assert_true(ev.deleted);
	assert_false(ev.up);
	/* two messages in one datagram: the last one about us wins */
	put_link(buf, &off, RTM_NEWLINK, 9, IFF_UP | IFF_RUNNING, "veth-sl");
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 1);
	assert_false(ev.deleted);
	assert_int_equal(ev.ifindex, 9);
	assert_true(ev.up);
}

static void test_malformed(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct link_event ev;
	struct nlmsghdr *nh;
	size_t off = 0;

	(void)state;
	nh = put_link(buf, &off, RTM_NEWLINK, 7, IFF_UP, "veth-sl");
	/* a header too short to hold an ifinfomsg */
	nh->nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), -EBADMSG);
	/* a length beyond the datagram ends the walk without reading past */
	nh->nlmsg_len = 4096;
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 0);
	/* an attribute claiming more than the message holds is not read */
	off = 0;
	nh = put_link(buf, &off, RTM_NEWLINK, 7, IFF_UP, "veth-sl");
	IFLA_RTA((struct ifinfomsg *)NLMSG_DATA(nh))->rta_len = 200;
	assert_int_equal(link_parse(buf, off, "veth-sl", &ev), 0);
	assert_int_equal(link_parse(buf, 3, "veth-sl", &ev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_down),
		cmocka_unit_test(test_other_interfaces_ignored),
		cmocka_unit_test(test_deleted_then_recreated),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
