/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_parser.h: a stateless, zero-copy HTTP/1.x request-head parser for
 * sm-httpd (in the manner of picohttpparser).
 *
 * The parser keeps no state between calls: the caller buffers the bytes of
 * a connection and calls http_parse_request() on the whole buffer again
 * each time more bytes arrive.  Every pointer it returns points into that
 * buffer, so the buffer must not move or change while they are in use.
 *
 *   buf: [CRLF...] request-line CRLF *( field-line CRLF ) CRLF [body...]
 *        |<------------------ return value ------------------->|
 *
 * It is strict where laxness lets two parties disagree on where a message
 * ends (RFC 9112 §6.3, §11.2: request smuggling): duplicate or malformed
 * Content-Length, Transfer-Encoding, obs-fold and whitespace before the
 * colon are all rejected instead of repaired.
 */
#ifndef SM_HTTP_PARSER_H
#define SM_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* http_parse_request()'s results other than a head's length. */
#define HTTP_PARSE_ERROR	(-1)	/* req->status says which */
#define HTTP_PARSE_INCOMPLETE	(-2)	/* more bytes are needed */

/* One field line; name and value point into the caller's buffer. */
struct http_hdr {
	const char *name;
	size_t name_len;
	const char *value;		/* OWS trimmed on both sides */
	size_t value_len;
};

/*
 * One request head.  Fields marked "in" are set by the caller before the
 * call and never written by the parser; all others are written by it.
 */
struct http_req {
	const char *method;
	size_t method_len;
	const char *target;		/* request-target as sent */
	size_t target_len;
	int minor;			/* 0 or 1 for HTTP/1.x; 1 if unknown */
	struct http_hdr *hdrs;		/* in: array of max_hdrs entries */
	size_t nhdrs;			/* out: entries filled in hdrs */
	size_t max_hdrs;		/* in: capacity of hdrs */
	int64_t content_length;		/* -1 if absent */
	unsigned flags;			/* HTTP_F_* */
	int status;			/* on -1: the status to answer */
};

#define HTTP_F_CONN_CLOSE	1	/* Connection: close seen */
#define HTTP_F_CONN_KEEP	2	/* Connection: keep-alive seen */
#define HTTP_F_CHUNKED		4	/* Transfer-Encoding present */
#define HTTP_F_HOST		8	/* Host header present */

#define HTTP_MAX_TARGET	4096	/* longer request-target: 414 */
#define HTTP_MAX_HEAD	16384	/* longer head (from buf[0]): 431 */

/*
 * Parse one request head in buf[0..len).  Returns the head's length (bytes
 * up to and including the empty line, counting skipped empty lines before
 * the request line) when complete, HTTP_PARSE_INCOMPLETE when more bytes
 * are needed, HTTP_PARSE_ERROR with req->status set to 400, 414, 431, 501
 * or 505.  Never reads beyond len.  Errors are reported as soon as the
 * bytes that cause them are seen, so a peer cannot make the caller buffer
 * without bound: a head that has not ended within HTTP_MAX_HEAD bytes is
 * 431, whether complete or not, and a request-target longer than
 * HTTP_MAX_TARGET is 414.  On an error before the version is known, minor
 * is 1: the version to answer with (RFC 9112 §2.3).
 */
int http_parse_request(const char *buf, size_t len, struct http_req *req);

/* What is remembered of a connection's unfinished head between reads;
 * all zero for a new connection. */
struct http_kept {
	size_t parsed;		/* its length at the last parse, 0 = none */
	size_t scanned;		/* bytes of it searched for its end */
	bool started;		/* a byte other than CR/LF seen in it */
};

/*
 * http_parse_request() for a head that arrives in pieces, buf[0..len)
 * being all of it so far.  A head last found incomplete is parsed again
 * only when it may have ended (an empty line after its first byte that
 * is not CR or LF), has doubled since, or passed HTTP_MAX_HEAD; else this
 * returns HTTP_PARSE_INCOMPLETE at once.  Parsing a head sent a byte at a
 * time on every read cost O(n^2) (16 KB: 134 MB of parsing); this is
 * O(n), as picohttpparser's last_len.  An error inside the head is then
 * answered at its end, or once it doubled, not at once.  k is reset
 * when the head is complete or in error.
 */
int http_parse_kept(const char *buf, size_t len, struct http_req *req,
		    struct http_kept *k);

/* 1 if the connection stays open after req (RFC 9112 §9.3): HTTP/1.1
 * unless "close" was seen, HTTP/1.0 only if "keep-alive" was seen. */
int http_keep_alive(const struct http_req *req);

/* 1 if s[0..n) equals the NUL-terminated lit, ASCII case-insensitively
 * (field names and most tokens are case-insensitive, RFC 9110 §5.1). */
int http_token_eq(const char *s, size_t n, const char *lit);

#endif /* SM_HTTP_PARSER_H */
