/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_parser.c: HTTP/1.x request heads (RFC 9110, RFC 9112); the contract
 * is in http_parser.h.  Each step below reads from a cursor and returns 0
 * when done, INCOMPLETE when the bytes run out first, or HTTP_PARSE_ERROR
 * with req->status set.  Errors are raised at the first byte that proves them,
 * so an invalid request never waits for more input.
 */
#include <stdbool.h>
#include <string.h>

#include "http_parser.h"

#define INCOMPLETE	HTTP_PARSE_INCOMPLETE

/* Largest Content-Length taken: far beyond any body we accept, and small
 * enough that the caller can add offsets to it without int64_t overflow. */
#define HTTP_MAX_CL	(INT64_C(1) << 62)

/* Read position in buf[0..end); end is capped at HTTP_MAX_HEAD. */
struct cur {
	const char *buf;
	size_t pos;
	size_t end;
};

static int fail(struct http_req *req, int status)
{
	req->status = status;
	return HTTP_PARSE_ERROR;
}

static bool at_end(const struct cur *c)
{
	return c->pos == c->end;
}

/* Only called when !at_end(c). */
static unsigned char peek(const struct cur *c)
{
	return (unsigned char)c->buf[c->pos];
}

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ASCII only: the C library's ctype would follow the locale. */
static bool is_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_ows(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* strchr() would also match the terminating NUL, hence the ch check. */
static bool in_set(unsigned char ch, const char *set)
{
	return ch != '\0' && strchr(set, ch) != NULL;
}

/* tchar, RFC 9110 §5.6.2. */
static bool is_tchar(unsigned char ch)
{
	return is_digit(ch) || is_alpha(ch) || in_set(ch, "!#$%&'*+-.^_`|~");
}

/* Bytes of a field value (RFC 9110 §5.5): SP, HTAB, VCHAR and obs-text
 * (0x80-0xFF); NUL, CR, LF, DEL and the other controls are not. */
static bool is_value_char(unsigned char ch)
{
	return ch == '\t' || (ch >= ' ' && ch != 0x7f);
}

/* Host = uri-host [ ":" port ] (RFC 9110 §7.2): the characters of
 * reg-name, IP-literal, IPv4address and port (RFC 3986 §3.2.2). */
static bool is_host_char(unsigned char ch)
{
	return is_digit(ch) || is_alpha(ch) ||
	       in_set(ch, "-._~%!$&'()*+,;=:[]");
}

static unsigned char lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

int http_token_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lower(s[i]) != lower(lit[i]))
			return 0;
	return lit[n] == '\0';
}

/*
 * Next element of the comma list s[0..n) starting at i (RFC 9110 §5.6.1),
 * OWS trimmed, as s[*off..*off + *len).  Returns where the next element
 * starts, n + 1 once the last one was taken: "a," has two elements.
 */
static size_t list_elem(const char *s, size_t n, size_t i, size_t *off,
			size_t *len)
{
	size_t start = i, stop;

	while (i < n && s[i] != ',')
		i++;
	stop = i;
	while (start < stop && is_ows(s[start]))
		start++;
	while (stop > start && is_ows(s[stop - 1]))
		stop--;
	*off = start;
	*len = stop - start;
	return i + 1;
}

/* CRLF, or a bare LF as RFC 9112 §2.2 allows; a CR alone is an error. */
static int parse_eol(struct cur *c, struct http_req *req)
{
	if (at_end(c))
		return INCOMPLETE;
	if (peek(c) == '\n') {
		c->pos++;
		return 0;
	}
	if (peek(c) != '\r')
		return fail(req, 400);
	if (c->pos + 1 == c->end)
		return INCOMPLETE;
	if (c->buf[c->pos + 1] != '\n')
		return fail(req, 400);
	c->pos += 2;
	return 0;
}

/* RFC 9112 §2.2: a server SHOULD ignore empty lines received before the
 * request-line (a client may send CRLF after a POST body). */
static int skip_empty_lines(struct cur *c, struct http_req *req)
{
	int ret;

	while (!at_end(c) && (peek(c) == '\r' || peek(c) == '\n')) {
		ret = parse_eol(c, req);
		if (ret)
			return ret;
	}
	return at_end(c) ? INCOMPLETE : 0;
}

/* method = token, then exactly one SP (RFC 9112 §3). */
static int parse_method(struct cur *c, struct http_req *req)
{
	size_t start = c->pos;

	while (!at_end(c) && is_tchar(peek(c)))
		c->pos++;
	if (at_end(c))
		return INCOMPLETE;
	if (c->pos == start || peek(c) != ' ')
		return fail(req, 400);
	req->method = c->buf + start;
	req->method_len = c->pos - start;
	c->pos++;
	return 0;
}

/*
 * request-target: every form in RFC 9112 §3.2 is made of URI characters,
 * so only visible ASCII is taken; NUL, controls, a second SP and bytes
 * >= 0x80 never reach the file lookup.  The length is checked per byte so
 * a target that never ends is refused once too long (RFC 9112 §3 allows
 * 414), not buffered until the head limit.
 */
static int parse_target(struct cur *c, struct http_req *req)
{
	size_t start = c->pos;

	while (!at_end(c) && peek(c) > ' ' && peek(c) < 0x7f) {
		if (c->pos - start == HTTP_MAX_TARGET)
			return fail(req, 414);
		c->pos++;
	}
	if (at_end(c))
		return INCOMPLETE;
	if (c->pos == start || peek(c) != ' ')
		return fail(req, 400);
	req->target = c->buf + start;
	req->target_len = c->pos - start;
	c->pos++;
	return 0;
}

/*
 * HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3),
 * then the line end.  Only a well-formed line with a version other than
 * 1.0 or 1.1 is 505 (RFC 9110 §15.6.6); anything malformed is 400.
 */
static int parse_version(struct cur *c, struct http_req *req)
{
	static const char tmpl[] = "HTTP/#.#";
	size_t start = c->pos, i;
	int major, minor, ret;

	for (i = 0; i < sizeof(tmpl) - 1; i++, c->pos++) {
		if (at_end(c))
			return INCOMPLETE;
		if (tmpl[i] == '#' ? !is_digit(peek(c)) :
				     peek(c) != (unsigned char)tmpl[i])
			return fail(req, 400);
	}
	ret = parse_eol(c, req);
	if (ret)
		return ret;
	major = c->buf[start + 5] - '0';
	minor = c->buf[start + 7] - '0';
	if (major != 1 || minor > 1)
		return fail(req, 505);
	req->minor = minor;
	return 0;
}

/*
 * field-name = token, immediately followed by ':'.  Whitespace before the
 * colon MUST be rejected (RFC 9112 §5.1): peers that strip it see another
 * header than peers that do not.
 */
static int parse_name(struct cur *c, struct http_req *req, struct http_hdr *h)
{
	size_t start = c->pos;

	while (!at_end(c) && is_tchar(peek(c)))
		c->pos++;
	if (at_end(c))
		return INCOMPLETE;
	if (c->pos == start || peek(c) != ':')
		return fail(req, 400);
	h->name = c->buf + start;
	h->name_len = c->pos - start;
	c->pos++;
	return 0;
}

/* field-value without its leading and trailing OWS (RFC 9112 §5.1), then
 * the line end; a byte that may not be in a value is 400 at parse_eol(). */
static int parse_value(struct cur *c, struct http_req *req,
		       struct http_hdr *h)
{
	size_t start, stop;

	while (!at_end(c) && is_ows(peek(c)))
		c->pos++;
	start = c->pos;
	while (!at_end(c) && is_value_char(peek(c)))
		c->pos++;
	stop = c->pos;
	while (stop > start && is_ows((unsigned char)c->buf[stop - 1]))
		stop--;
	h->value = c->buf + start;
	h->value_len = stop - start;
	return parse_eol(c, req);
}

/* 1*DIGIT, the whole of s[0..n), at most HTTP_MAX_CL (RFC 9110 §8.6):
 * no sign, no inner space, not empty. */
static int parse_digits(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;
	int d;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		d = s[i] - '0';
		if (v > (HTTP_MAX_CL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* RFC 9110 §8.6: a list of identical values ("5, 5") may be taken as that
 * value; any other list cannot frame the body (RFC 9112 §6.3, item 5). */
static int on_content_length(struct http_req *req, const struct http_hdr *h)
{
	size_t i = 0, off, len;
	int64_t v;

	do {
		i = list_elem(h->value, h->value_len, i, &off, &len);
		if (parse_digits(h->value + off, len, &v) < 0)
			return fail(req, 400);
		/* Several field lines form one list (RFC 9110 §5.3). */
		if (req->content_length >= 0 && req->content_length != v)
			return fail(req, 400);
		req->content_length = v;
	} while (i <= h->value_len);
	/* Both framings at once is how requests are smuggled; RFC 9112
	 * §6.1 lets a server reject it. */
	if (req->flags & HTTP_F_CHUNKED)
		return fail(req, 400);
	return 0;
}

/* Any transfer coding is refused, but only once the head is complete
 * (check_head()), since a later Content-Length turns it into a 400. */
static int on_transfer_encoding(struct http_req *req,
				const struct http_hdr *h)
{
	(void)h;
	if (req->content_length >= 0)
		return fail(req, 400);
	req->flags |= HTTP_F_CHUNKED;
	return 0;
}

/* RFC 9112 §3.2: 400 for more than one Host field line or an invalid
 * value.  An empty value is valid (a target without authority). */
static int on_host(struct http_req *req, const struct http_hdr *h)
{
	size_t i;

	if (req->flags & HTTP_F_HOST)
		return fail(req, 400);
	for (i = 0; i < h->value_len; i++)
		if (!is_host_char((unsigned char)h->value[i]))
			return fail(req, 400);
	req->flags |= HTTP_F_HOST;
	return 0;
}

/* Connection = #connection-option, case-insensitive (RFC 9110 §7.6.1);
 * options we do not know (Upgrade, ...) and empty elements are ignored. */
static int on_connection(struct http_req *req, const struct http_hdr *h)
{
	size_t i = 0, off, len;

	do {
		i = list_elem(h->value, h->value_len, i, &off, &len);
		if (http_token_eq(h->value + off, len, "close"))
			req->flags |= HTTP_F_CONN_CLOSE;
		else if (http_token_eq(h->value + off, len, "keep-alive"))
			req->flags |= HTTP_F_CONN_KEEP;
	} while (i <= h->value_len);
	return 0;
}

/* The fields whose meaning the parser needs, by case-insensitive name. */
static const struct hdr_rule {
	const char *name;
	int (*apply)(struct http_req *req, const struct http_hdr *h);
} hdr_rules[] = {
	{ "content-length",	on_content_length },
	{ "transfer-encoding",	on_transfer_encoding },
	{ "host",		on_host },
	{ "connection",		on_connection },
};

static int apply_field(struct http_req *req, const struct http_hdr *h)
{
	size_t i;

	for (i = 0; i < sizeof(hdr_rules) / sizeof(hdr_rules[0]); i++)
		if (http_token_eq(h->name, h->name_len, hdr_rules[i].name))
			return hdr_rules[i].apply(req, h);
	return 0;
}

static int parse_field(struct cur *c, struct http_req *req)
{
	struct http_hdr h;
	int ret;

	ret = parse_name(c, req, &h);
	if (!ret)
		ret = parse_value(c, req, &h);
	if (ret)
		return ret;
	/* RFC 6585 §5: too many fields is "header fields too large". */
	if (req->nhdrs == req->max_hdrs)
		return fail(req, 431);
	req->hdrs[req->nhdrs++] = h;
	return apply_field(req, &h);
}

/*
 * Field lines up to the empty line that ends the head (RFC 9112 §2.1).
 * A line starting with SP or HTAB is obs-fold, or junk between the
 * request-line and the first field: both may be rejected with 400
 * (RFC 9112 §5.2, §2.2), and unfolding would change the value.
 */
static int parse_fields(struct cur *c, struct http_req *req)
{
	int ret;

	for (;;) {
		if (at_end(c))
			return INCOMPLETE;
		if (peek(c) == '\r' || peek(c) == '\n')
			return parse_eol(c, req);
		if (is_ows(peek(c)))
			return fail(req, 400);
		ret = parse_field(c, req);
		if (ret)
			return ret;
	}
}

/* Rules that need the whole head. */
static int check_head(struct http_req *req)
{
	/* RFC 9112 §3.2: an HTTP/1.1 request without Host is 400. */
	if (req->minor == 1 && !(req->flags & HTTP_F_HOST))
		return fail(req, 400);
	/* RFC 9112 §6.1: 501 for a transfer coding not implemented; we
	 * implement none, so a body we cannot frame is refused unread. */
	if (req->flags & HTTP_F_CHUNKED)
		return fail(req, 501);
	return 0;
}

static void req_reset(struct http_req *req)
{
	req->method = NULL;
	req->method_len = 0;
	req->target = NULL;
	req->target_len = 0;
	req->minor = 1;		/* what we answer an unknown version with */
	req->nhdrs = 0;
	req->content_length = -1;
	req->flags = 0;
	req->status = 0;
}

int http_parse_request(const char *buf, size_t len, struct http_req *req)
{
	/* Never look past HTTP_MAX_HEAD: a head that has not ended there
	 * is 431 whether or not its end is in buf, so the answer does not
	 * depend on how the bytes were split into reads. */
	struct cur c = {
		.buf = buf,
		.pos = 0,
		.end = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD,
	};
	int ret;

	req_reset(req);
	ret = skip_empty_lines(&c, req);
	if (!ret)
		ret = parse_method(&c, req);
	if (!ret)
		ret = parse_target(&c, req);
	if (!ret)
		ret = parse_version(&c, req);
	if (!ret)
		ret = parse_fields(&c, req);
	if (!ret)
		ret = check_head(req);
	if (ret == INCOMPLETE && len > c.end)
		return fail(req, 431);
	return ret ? ret : (int)c.pos;
}

int http_keep_alive(const struct http_req *req)
{
	if (req->flags & HTTP_F_CONN_CLOSE)
		return 0;
	if (req->minor >= 1)
		return 1;
	return (req->flags & HTTP_F_CONN_KEEP) != 0;
}

/* Whether the kept head buf[0..len) may have ended since k->parsed. */
static bool kept_may_end(struct http_kept *k, const char *buf, size_t len)
{
	size_t i = k->scanned > 2 ? k->scanned - 2 : 0;

	if (!k->parsed || len >= 2 * k->parsed || len > HTTP_MAX_HEAD)
		return true;
	for (; i < len; i++) {
		if (buf[i] != '\r' && buf[i] != '\n')
			k->started = true;
		else if (k->started && buf[i] == '\n' && i + 1 < len &&
			 (buf[i + 1] == '\n' || (buf[i + 1] == '\r' &&
			  i + 2 < len && buf[i + 2] == '\n')))
			return true;
	}
	k->scanned = len;
	return false;
}

int http_parse_kept(const char *buf, size_t len, struct http_req *req,
		    struct http_kept *k)
{
	int n;

	if (!kept_may_end(k, buf, len))
		return INCOMPLETE;
	n = http_parse_request(buf, len, req);
	k->parsed = n == INCOMPLETE ? len : 0;
	k->scanned = 0;
	k->started = false;
	return n;
}
