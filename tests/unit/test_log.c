// SPDX-License-Identifier: MIT
/*
 * Logging: %m names the caller's errno even when the log function's own
 * calls (a time zone lookup that fails) set another one on the way.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static int err_after;

/*
 * Run @fn in a child with stderr going to a file; return what it wrote
 * (and set err_after from the child). A child each time: glibc reads the
 * time zone once per process, at the first localtime_r(), and that first
 * read is what fails here.
 */
static char out[4096];

static const char *capture(void (*fn)(void))
{
	FILE *f = tmpfile();
	int status;
	size_t n;
	pid_t pid;

	assert_non_null(f);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(f), STDERR_FILENO);
		fn();
		fflush(stderr);
		_exit(err_after & 0xff);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	err_after = WEXITSTATUS(status);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	fclose(f);
	return out;
}

static void log_eacces(void)
{
	errno = EACCES;
	log_msg(LOG_ERR, "open x: %m");
	err_after = errno;
}

static void log_eacces_ratelimited(void)
{
	static struct ratelimit rl = RATELIMIT_INIT(1000000000ULL, 5);

	errno = EACCES;
	log_ratelimited(&rl, LOG_ERR, "open y: %m");
	err_after = errno;
}

static int setup(void **state)
{
	(void)state;
	/* A zone file that does not exist: the first localtime_r() sets
	 * errno to ENOENT while the plain format is written. */
	setenv("TZ", ":/nonexistent/tblk/zone", 1);
	log_setup(LOG_DEBUG, false);
	return 0;
}

static void test_percent_m_is_callers_errno(void **state)
{
	const char *s;

	(void)state;
	s = capture(log_eacces);
	assert_non_null(strstr(s, "open x: Permission denied"));
	assert_int_equal(err_after, EACCES);
}

static void test_percent_m_ratelimited(void **state)
{
	const char *s;

	(void)state;
	s = capture(log_eacces_ratelimited);
	assert_non_null(strstr(s, "open y: Permission denied"));
	assert_int_equal(err_after, EACCES);
}

static void test_journal_format(void **state)
{
	const char *s;

	(void)state;
	log_setup(LOG_DEBUG, true);
	s = capture(log_eacces);
	log_setup(LOG_DEBUG, false);
	assert_string_equal(s, "<3>open x: Permission denied\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_percent_m_is_callers_errno, setup),
		cmocka_unit_test_setup(test_percent_m_ratelimited, setup),
		cmocka_unit_test_setup(test_journal_format, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
