/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load_http.c: sm-load's HTTP/1.1 side: one keep-alive GET, sent again
 * and again, and a streaming response parser.
 *
 * The response stream comes in whatever pieces the RX slots hold: a head
 * or a body may be split anywhere, several responses may share a slot.
 * Rather than gather split heads in a buffer, the parser is a state
 * machine fed one head byte at a time (a head is ~150 bytes; lines it
 * does not need are skipped with memchr) and bodies are skipped by count,
 * so its whole state is struct http_ps and nothing is copied.
 *
 * Only the status code and Content-Length are needed.  A response
 * without Content-Length cannot be delimited on a kept-alive connection
 * (sm-load never asks for chunked coding): that is a protocol error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

enum { H_VER, H_CODE, H_REASON, H_LINE, H_NAME, H_VALUE, H_CLEN, H_LF,
       H_BODY };

#define HTTP_HEAD_MAX	16384
#define HTTP_BODY_MAX	(UINT64_C(1) << 40)

static const char http_ver[] = "HTTP/1.";	/* then a digit, a space */
#define VER_LEN		(sizeof(http_ver) - 1)
static const char http_cl[] = "content-length";
#define CL_LEN		(sizeof(http_cl) - 1)

/* The paper's request was 97 bytes; this one is 94 with Host 198.18.0.2. */
#define HTTP_REQ "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sm-load\r\n" \
		 "Accept: */*\r\nConnection: keep-alive\r\n\r\n"

static int http_init(struct load *ld)
{
	int n = snprintf(NULL, 0, HTTP_REQ, ld->o->path, ld->o->host);

	ld->req = malloc((size_t)n + 1);
	if (!ld->req)
		return -1;
	snprintf(ld->req, (size_t)n + 1, HTTP_REQ, ld->o->path, ld->o->host);
	ld->req_len = ld->req_max = (size_t)n;
	if (ld->o->verbose)
		fprintf(stderr, "sm-load: request %d bytes\n", n);
	return 0;
}

static void http_fini(struct load *ld)
{
	free(ld->req);
}

static uint32_t http_request(struct load *ld, int fd)
{
	load_put(ld, fd, ld->req, ld->req_len);
	return 0;
}

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* At the colon of a header name: is it Content-Length? */
static int name_end(struct http_ps *ps)
{
	if (!ps->match || ps->pos != CL_LEN) {
		ps->st = H_VALUE;
		return 0;
	}
	if (ps->cl_seen)
		return -1;  /* two lengths: which one delimits? */
	ps->cl_seen = true;
	ps->st = H_CLEN;
	return 0;
}

/* Content-Length's value: optional blanks, digits, optional blanks. */
static int clen_byte(struct http_ps *ps, unsigned char ch)
{
	if (is_digit(ch) && ps->cl < 2) {
		if (ps->left > HTTP_BODY_MAX)
			return -1;
		ps->left = ps->left * 10 + (ch - '0');
		ps->cl = 1;
	} else if (ch == ' ' || ch == '\t' || ch == '\r') {
		if (ps->cl)
			ps->cl = 2;
	} else if (ch == '\n' && ps->cl) {
		ps->st = H_LINE;
	} else {
		return -1;
	}
	return 0;
}

/* One byte of a response head: 0, 1 when the head is complete, -1 when
 * it is malformed. */
static int head_byte(struct http_ps *ps, unsigned char ch)
{
	switch (ps->st) {
	case H_VER:
		if (ps->pos < VER_LEN ? ch != http_ver[ps->pos] :
		    ps->pos == VER_LEN ? !is_digit(ch) : ch != ' ')
			return -1;
		if (++ps->pos > VER_LEN + 1) {
			ps->st = H_CODE;
			ps->pos = 0;
		}
		return 0;
	case H_CODE:
		if (ps->pos < 3) {
			if (!is_digit(ch))
				return -1;
			ps->status = (uint16_t)(ps->status * 10 + (ch - '0'));
			ps->pos++;
		} else if (ch == ' ' || ch == '\r') {
			ps->st = H_REASON;
		} else if (ch == '\n') {
			ps->st = H_LINE;
		} else {
			return -1;
		}
		return 0;
	case H_LINE:
		if (ch == '\r') {
			ps->st = H_LF;
			return 0;
		}
		if (ch == '\n')
			return 1;
		ps->st = H_NAME;
		ps->pos = 0;
		ps->match = true;
		/* fall through */
	case H_NAME:
		if (ch == ':')
			return name_end(ps);
		if (ch == '\r' || ch == '\n')
			return -1;  /* a header line without a colon */
		/* | 0x20 lowercases letters; no other byte but '\r' maps
		 * onto a letter or '-' of the name. */
		if (ps->match && ps->pos < CL_LEN &&
		    (ch | 0x20) == (unsigned char)http_cl[ps->pos])
			ps->pos++;
		else
			ps->match = false;
		return 0;
	case H_CLEN:
		return clen_byte(ps, ch);
	case H_LF:
		return ch == '\n' ? 1 : -1;
	}
	return -1;
}

static int complete(struct load *ld, struct conn *c)
{
	struct http_ps *ps = &c->ps.http;
	uint16_t status = ps->status;

	memset(ps, 0, sizeof(*ps));  /* H_VER */
	return load_done(ld, c, status >= 200 && status < 300 ?
			 RESP_OK : RESP_ERR);
}

static int head_end(struct load *ld, struct conn *c)
{
	struct http_ps *ps = &c->ps.http;

	if (!ps->cl_seen) {
		ld->why = "response without Content-Length";
		return -1;
	}
	if (ps->left == 0)
		return complete(ld, c);
	ps->st = H_BODY;
	return 0;
}

/* Skip to the end of the line (reason phrase, a header we ignore). */
static uint32_t skip_line(struct http_ps *ps, const char *p, uint32_t len)
{
	const char *nl = memchr(p, '\n', len);

	if (!nl)
		return len;
	ps->st = H_LINE;
	return (uint32_t)(nl - p) + 1;
}

static int http_parse(struct load *ld, struct conn *c, const char *p,
		      uint32_t len)
{
	struct http_ps *ps = &c->ps.http;
	uint32_t k;
	int r;

	while (len) {
		if (ps->st == H_BODY) {
			k = ps->left < len ? (uint32_t)ps->left : len;
			ps->left -= k;
			if (ps->left == 0 && complete(ld, c) < 0)
				return -1;
		} else if (ps->st == H_VALUE || ps->st == H_REASON) {
			k = skip_line(ps, p, len);
			ps->head_len += k;
		} else {
			k = 1;
			ps->head_len++;
			r = head_byte(ps, (unsigned char)*p);
			if (r < 0) {
				ld->why = "malformed response head";
				return -1;
			}
			if (r > 0 && head_end(ld, c) < 0)
				return -1;
		}
		if (ps->head_len > HTTP_HEAD_MAX) {
			ld->why = "response head over 16 KiB";
			return -1;
		}
		p += k;
		len -= k;
	}
	return 0;
}

const struct load_proto load_http = {
	.name = "http",
	.init = http_init,
	.fini = http_fini,
	.request = http_request,
	.parse = http_parse,
};
