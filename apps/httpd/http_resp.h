/* SPDX-License-Identifier: BSD-2-Clause */
/* http_resp.h: response heads, the Date cache, MIME types, safe file lookup. */
#ifndef SM_HTTP_RESP_H
#define SM_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http_cond.h"

/* "Sun, 06 Nov 1994 08:49:37 GMT", refreshed at most once a second. */
const char *http_date(time_t now);

const char *http_reason(int status);

/* MIME type from a path's extension (case-insensitive): from the table
 * http_mime_load() read, else the built-in one; the default type for an
 * extension neither knows. */
const char *http_mime(const char *path, size_t len);
/* Before any thread serves: read the types of file ("type ext ext..."
 * lines, as /etc/mime.types), NULL for the built-in table only, and set
 * the default type (dflt NULL: application/octet-stream).  The number of
 * extensions read, or -errno. */
int http_mime_load(const char *file, const char *dflt);

/* Format a response head into buf; returns its length (0 if cap is too
 * small).  type may be NULL (no Content-Type), length HTTP_NO_LENGTH (no
 * Content-Length: a 304), extra NULL or more header lines. */
#define HTTP_NO_LENGTH UINT64_MAX
size_t http_head(char *buf, size_t cap, int status, int minor,
		 const char *type, uint64_t length, int keep_alive,
		 const char *extra);

/* A small complete error response (head + HTML body) into buf, with the
 * header lines extra (NULL: none; a 405 gets its Allow). */
size_t http_error(char *buf, size_t cap, int status, int minor,
		  int keep_alive, int head_only, const char *extra);

/* Open the file a request-target names under the root directory rootfd.
 * Decodes %XX, drops the query, maps "/dir/" to "/dir/index.html", and
 * refuses anything that leaves the root (.., symlinks out, encoded
 * traversal).  Returns 0 with *fd (a regular file), *f (its size and
 * validators) and *type set, or the HTTP status to answer instead: 301
 * (a directory named without its final slash: the client is sent to
 * the slash form, so that its relative links resolve), 400, 403 or
 * 404, or HTTP_LIST_DIR. */
int http_open_target(int rootfd, const char *target, size_t len, int *fd,
		     struct http_file *f, const char **type, bool autoindex);
/* http_open_target()'s answer for a directory without index.html when
 * autoindex is on: *fd is the directory, to list. */
#define HTTP_LIST_DIR 1

/* The listing of directory dirfd (closed here) as nginx's autoindex
 * shows it, for the request path uri[0..n): directories first, then
 * files, each by name, hidden ones left out.  A malloc'd HTML page in
 * *out and its length, or 0 (nothing allocated) when it cannot be read. */
size_t http_autoindex(int dirfd, const char *uri, size_t n, char **out);

#endif
