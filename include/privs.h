/* SPDX-License-Identifier: MIT */
/* Privilege dropping (SPEC §7) with libcap. */
#ifndef TBLK_PRIVS_H
#define TBLK_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs_user {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Look @name up: 0, -ENOENT when there is no such user (exit 67), another
 * -errno when the lookup itself failed (exit 71). */
int privs_lookup_user(const char *name, struct privs_user *out);

/* Look a group up by name (or number): 0, -ENOENT when unknown, another
 * -errno when the lookup failed. */
int privs_lookup_group(const char *name, gid_t *gid);

/* Capabilities kept after setup, each for one run-time need. */
enum privs_keep {
	PRIVS_KEEP_NET_ADMIN = 1 << 0, /* re-arm SIOCSHWTSTAMP after a reset */
};

/*
 * Switch to @user when given (root only), then keep only the capabilities
 * in @keep that the process actually holds — in the effective and
 * permitted sets; the inheritable and ambient sets and the bounding set lose
 * everything else — and set PR_SET_NO_NEW_PRIVS. Returns 0 or -errno with
 * *@why naming the step. *@kept receives the PRIVS_KEEP_* bits kept.
 */
int privs_drop(const struct privs_user *user, unsigned int keep,
	       unsigned int *kept, const char **why);

/* Whether the effective set holds CAP_NET_ADMIN. */
bool privs_have_net_admin(void);

#endif
