/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_cond.h: validators, conditional requests and byte ranges for a
 * file response (RFC 9110 §8.8, §13, §14).  No I/O: the caller gives the
 * request and the file's identity, and gets the status to answer.
 */
#ifndef SM_HTTP_COND_H
#define SM_HTTP_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_parser.h"

/* What a file response is judged on. */
struct http_file {
	uint64_t size;
	time_t mtime;              /* Last-Modified, whole seconds */
	char etag[64];             /* a strong entity tag, quotes included */
	char last_modified[32];    /* mtime as an IMF-fixdate */
};

/* The validators of a file of this identity: a strong ETag that changes
 * with the file's inode, size or modification time (nanoseconds), and
 * Last-Modified. */
void http_file_validators(struct http_file *f, uint64_t ino, uint64_t size,
			  const struct timespec *mtime);

/* The value of the request's header name (case-insensitive), or NULL. */
const char *http_header(const struct http_req *r, const char *name,
			size_t *len);

/* An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms,
 * §5.6.7) into *t; false if s[0..n) is none of them. */
bool http_parse_date(const char *s, size_t n, time_t *t);

/* One byte range of a 206: bytes [first, first + len). */
struct http_range {
	uint64_t first, len;
};

/*
 * The answer to a GET or HEAD (get_or_head) of file f under the
 * request's preconditions and Range, in RFC 9110 §13.2.2's order:
 * If-Match (412 if no current tag matches), else If-Unmodified-Since
 * (412 if modified since); If-None-Match (304), else If-Modified-Since
 * (304); then Range, honoured only
 * for GET, when If-Range (if any) still names this file: one satisfiable
 * range gives 206 and *rg, none 416.  A Range of several ranges is
 * answered with the whole file (200), as §14.2 allows; a Range that
 * does not parse is ignored.  Returns 200, 206, 304, 412 or 416.
 */
int http_conditions(const struct http_req *r, const struct http_file *f,
		    bool get, struct http_range *rg);

#endif
