// SPDX-License-Identifier: MIT
/*
 * privs_lookup_*: "no such user" (exit 67) is told apart from a lookup
 * that failed (exit 71). The failure is injected by defining
 * getpwnam_r/getgrnam_r here: the executable's definitions win over
 * libc's for the library code linked into it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "privs.h"

static int inject; /* errno the next lookups return, 0: the real one */

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size,
	       struct passwd **res)
{
	int (*real)(const char *, struct passwd *, char *, size_t,
		    struct passwd **) =
		(int (*)(const char *, struct passwd *, char *, size_t,
			 struct passwd **))dlsym(RTLD_NEXT, "getpwnam_r");

	if (inject) {
		*res = NULL;
		return inject;
	}
	return real(name, pw, buf, size, res);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size,
	       struct group **res)
{
	int (*real)(const char *, struct group *, char *, size_t,
		    struct group **) =
		(int (*)(const char *, struct group *, char *, size_t,
			 struct group **))dlsym(RTLD_NEXT, "getgrnam_r");

	if (inject) {
		*res = NULL;
		return inject;
	}
	return real(name, gr, buf, size, res);
}

static void test_user(void **state)
{
	struct privs_user u;

	(void)state;
	inject = 0;
	assert_int_equal(privs_lookup_user("root", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(privs_lookup_user("tblk-no-such-user", &u), -ENOENT);
	/* glibc's "not found" spellings */
	inject = ENOENT;
	assert_int_equal(privs_lookup_user("x", &u), -ENOENT);
	inject = ESRCH;
	assert_int_equal(privs_lookup_user("x", &u), -ENOENT);
	/* a source that cannot answer is not "no such user" */
	inject = EIO;
	assert_int_equal(privs_lookup_user("root", &u), -EIO);
	inject = EMFILE;
	assert_int_equal(privs_lookup_user("root", &u), -EMFILE);
	inject = 0;
}

static void test_group(void **state)
{
	gid_t g = 12345;

	(void)state;
	inject = 0;
	assert_int_equal(privs_lookup_group("root", &g), 0);
	assert_int_equal(g, 0);
	assert_int_equal(privs_lookup_group("tblk-no-such-group", &g), -ENOENT);
	assert_int_equal(privs_lookup_group("4242", &g), 0);
	assert_int_equal(g, 4242);
	assert_int_equal(privs_lookup_group("-1", &g), -ENOENT);
	assert_int_equal(privs_lookup_group("42x", &g), -ENOENT);
	inject = EIO;
	assert_int_equal(privs_lookup_group("staff", &g), -EIO);
	/* a number needs no lookup */
	assert_int_equal(privs_lookup_group("77", &g), 0);
	assert_int_equal(g, 77);
	inject = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
