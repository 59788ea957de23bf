// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privs.h"

/* getpwnam_r(3): "not found" is 0 with no result, or one of these. */
static bool privs_not_found(int err)
{
	return err == 0 || err == ENOENT || err == ESRCH || err == EBADF ||
	       err == EPERM;
}

int privs_lookup_user(const char *name, struct privs_user *out)
{
	struct passwd pw, *res = NULL;
	size_t size = 4096;
	char *buf = NULL;
	int err;

	do {
		char *nb = realloc(buf, size);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		err = getpwnam_r(name, &pw, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= 1 << 20);
	if (!res) {
		free(buf);
		/* An NSS source that cannot answer (LDAP down, EIO, EMFILE)
		 * is not the same as a user that does not exist. */
		return privs_not_found(err) ? -ENOENT : -err;
	}
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	snprintf(out->name, sizeof(out->name), "%s", pw.pw_name);
	free(buf);
	return 0;
}

int privs_lookup_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t size = 4096;
	char *buf = NULL, *end;
	unsigned long v;
	int err;

	do {
		char *nb = realloc(buf, size);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		err = getgrnam_r(name, &gr, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= 1 << 20);
	if (res) {
		*gid = gr.gr_gid;
		free(buf);
		return 0;
	}
	free(buf);
	/* A number needs no lookup to be used. */
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end && !errno && v < (gid_t)-1) {
		*gid = (gid_t)v;
		return 0;
	}
	return privs_not_found(err) ? -ENOENT : -err;
}

static bool privs_have(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps) {
		return false;
	}
	cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

bool privs_have_net_admin(void)
{
	return privs_have(CAP_NET_ADMIN);
}

static int privs_switch_user(const struct privs_user *user, const char **why)
{
	/* Keep the permitted set across setresuid() so the wanted
	 * capabilities can be raised again afterwards. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) {
		*why = "PR_SET_KEEPCAPS";
		return -errno;
	}
	if (setgroups(0, NULL)) {
		*why = "setgroups";
		return -errno;
	}
	if (setresgid(user->gid, user->gid, user->gid)) {
		*why = "setresgid";
		return -errno;
	}
	if (setresuid(user->uid, user->uid, user->uid)) {
		*why = "setresuid";
		return -errno;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)) {
		*why = "PR_SET_KEEPCAPS";
		return -errno;
	}
	return 0;
}

int privs_drop(const struct privs_user *user, unsigned int keep,
	       unsigned int *kept, const char **why)
{
	static const struct {
		unsigned int bit;
		cap_value_t cap;
	} map[] = {
		{PRIVS_KEEP_NET_ADMIN, CAP_NET_ADMIN},
	};
	cap_value_t list[1];
	int n = 0, r = 0;
	cap_t cur, caps;
	bool setpcap;

	*kept = 0;
	cur = cap_get_proc();
	if (!cur) {
		*why = "cap_get_proc";
		return -errno;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(cur, map[i].cap, CAP_PERMITTED, &v);
		if ((keep & map[i].bit) && v == CAP_SET) {
			list[n++] = map[i].cap;
			*kept |= map[i].bit;
		}
	}
	setpcap = false;
	{
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &v);
		setpcap = v == CAP_SET;
	}
	cap_free(cur);

	/* The bounding set can only shrink while CAP_SETPCAP is effective,
	 * so it goes first; a child could otherwise regain what we drop. */
	if (setpcap) {
		for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
			bool wanted = false;

			for (int i = 0; i < n; i++) {
				wanted |= list[i] == c;
			}
			if (!wanted && cap_drop_bound(c) && errno != EINVAL) {
				*why = "cap_drop_bound";
				return -errno;
			}
		}
	}
	if (user) {
		r = privs_switch_user(user, why);
		if (r) {
			return r;
		}
	}
	if (cap_reset_ambient() && errno != EINVAL) {
		*why = "cap_reset_ambient";
		return -errno;
	}
	caps = cap_init();
	if (!caps) {
		*why = "cap_init";
		return -errno;
	}
	if (n && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) ||
		  cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET))) {
		cap_free(caps);
		*why = "cap_set_flag";
		return -errno;
	}
	if (cap_set_proc(caps)) {
		r = -errno;
		cap_free(caps);
		*why = "cap_set_proc";
		return r;
	}
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		*why = "PR_SET_NO_NEW_PRIVS";
		return -errno;
	}
	return 0;
}
