// SPDX-License-Identifier: MIT
/*
 * failprobe.so: an LD_PRELOAD shim that makes the interface lookup fail
 * while a file exists, the way if_nametoindex() fails when the process is
 * out of descriptors or memory (EMFILE, ENOBUFS) although the interface is
 * there. It lets a test show that the daemon never takes a failed question
 * for a deleted interface.
 *
 * Environment (read at each call):
 *  FAILPROBE_FILE   while this path exists, if_nametoindex() fails with
 *                   ENOBUFS; every failure appends a line "fail" to
 *                   FAILPROBE_FILE.log
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef unsigned int (*nametoindex_fn)(const char *);

static void failprobe_log(const char *path)
{
	char log[512];
	size_t n = strlen(path);
	int fd;

	if (n + sizeof(".log") > sizeof(log)) {
		return;
	}
	memcpy(log, path, n);
	memcpy(log + n, ".log", sizeof(".log"));
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, "fail\n", 5);

		(void)w;
		close(fd);
	}
}

unsigned int if_nametoindex(const char *ifname)
{
	nametoindex_fn real =
		(nametoindex_fn)dlsym(RTLD_NEXT, "if_nametoindex");
	const char *path = getenv("FAILPROBE_FILE");

	if (path && *path && access(path, F_OK) == 0) {
		failprobe_log(path);
		errno = ENOBUFS;
		return 0;
	}
	return real ? real(ifname) : 0;
}
