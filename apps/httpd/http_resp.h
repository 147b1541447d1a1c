/* SPDX-License-Identifier: BSD-2-Clause */
/* http_resp.h: response heads, the Date cache, MIME types, safe file lookup. */
#ifndef SM_HTTP_RESP_H
#define SM_HTTP_RESP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT", refreshed at most once a second. */
const char *http_date(time_t now);

const char *http_reason(int status);

/* MIME type from a path's extension. */
const char *http_mime(const char *path, size_t len);

/* Format a response head into buf; returns its length (0 if cap is too
 * small).  type may be NULL (no Content-Type). */
size_t http_head(char *buf, size_t cap, int status, int minor,
		 const char *type, uint64_t length, int keep_alive,
		 const char *extra);

/* A small complete error response (head + HTML body) into buf. */
size_t http_error(char *buf, size_t cap, int status, int minor,
		  int keep_alive, int head_only);

/* Open the file a request-target names under the root directory rootfd.
 * Decodes %XX, drops the query, maps "/dir/" to "/dir/index.html", and
 * refuses anything that leaves the root (.., symlinks out, encoded
 * traversal).  Returns 0 with *fd (a regular file), *size and *type set,
 * or the HTTP status to answer instead: 400, 403 or 404. */
int http_open_target(int rootfd, const char *target, size_t len, int *fd,
		     uint64_t *size, const char **type);

#endif
