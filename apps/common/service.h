/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * service.h: what a server run as a system service needs, the way nginx
 * and memcached do it: a daemon that reports its start-up honestly, a
 * PID file, and privileges dropped after binding.
 */
#ifndef SM_APP_SERVICE_H
#define SM_APP_SERVICE_H

#include <stdbool.h>

/*
 * Become a daemon: fork; the parent waits until the child calls
 * service_ready() (then exits 0) or exits (then exits with its status),
 * so that "sm-httpd -d" fails, with its message on the terminal, when
 * the server cannot start.  The child leaves the terminal's session.
 * Call before any thread or io_uring ring exists.  0 in the child, -1
 * (printed) if the fork failed.
 */
int service_daemon(const char *prog);

/* The server is serving: the waiting parent (if any) exits 0; standard
 * input and output go to /dev/null, and standard error too unless
 * keep_stderr (an error log took it). */
void service_ready(bool keep_stderr);

/* Write the PID to path (a temporary file renamed over it: readers never
 * see a partial one).  0, or -1 after printing why. */
int service_pid_file(const char *prog, const char *path);

/* Run as user from now on (its uid, gid and groups).  Only root can:
 * others get a warning and keep their identity (nginx's "user").  0, or
 * -1 after printing why. */
int service_user(const char *prog, const char *user);

#endif
