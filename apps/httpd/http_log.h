/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_log.h: sm-httpd's access log, in nginx's "combined" format, and
 * its error log.  Each worker formats its lines into a buffer of its own
 * and writes it in one write(2) when it fills or once a second, so that
 * a request costs a formatting, not a system call.  The files are shared
 * by the workers (O_APPEND: a batch is appended whole) and reopened in
 * place for logrotate (SIGUSR1, SIGHUP), with dup2() onto the same fd
 * numbers, so that a worker writing at that moment is never left with a
 * closed descriptor.
 */
#ifndef SM_HTTP_LOG_H
#define SM_HTTP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_parser.h"

struct http_logbuf {
	char *buf;
	size_t len, cap;
	uint64_t lines, writes;    /* for the stats at the stop */
};

/* Before the workers start: open the access log (NULL: not now) and
 * make standard error the error log (NULL: not now); a call may open
 * one, a later call the other.  0 or -errno, with *which naming the
 * file that failed. */
int http_log_open(const char *access, const char *error, const char **which);
/* The access log is on. */
bool http_log_enabled(void);
/* Reopen both files under their names (after logrotate moved them).
 * 0 or -errno; the old files stay in use when a new one cannot open. */
int http_log_reopen(void);

/* One combined-format line: peer (NULL "-"), the request (NULL: a
 * request that never parsed, "-"), the status and the body's bytes.
 * Written out when the buffer passes 32 KiB. */
void http_log_line(struct http_logbuf *b, const char *peer,
		   const struct http_req *r, int status, uint64_t bytes);
/* Write what b holds (once a second, and at the stop). */
void http_log_flush(struct http_logbuf *b);
void http_log_free(struct http_logbuf *b);

#endif
