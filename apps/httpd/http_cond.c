/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_cond.c: validators, preconditions and ranges (RFC 9110 §8.8, §13,
 * §14), as pure functions of the request head and the file's identity.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_cond.h"

void http_file_validators(struct http_file *f, uint64_t ino, uint64_t size,
			  const struct timespec *mtime)
{
	struct tm tm;

	f->size = size;
	f->mtime = mtime->tv_sec;
	snprintf(f->etag, sizeof(f->etag), "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64
		 "\"", ino, size, (uint64_t)mtime->tv_sec * 1000000000u +
		 (uint64_t)mtime->tv_nsec);
	gmtime_r(&f->mtime, &tm);
	strftime(f->last_modified, sizeof(f->last_modified),
		 "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

const char *http_header(const struct http_req *r, const char *name,
			size_t *len)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++)
		if (http_token_eq(r->hdrs[i].name, r->hdrs[i].name_len, name)) {
			*len = r->hdrs[i].value_len;
			return r->hdrs[i].value;
		}
	return NULL;
}

/* §5.6.7: IMF-fixdate, then the two obsolete forms a recipient must take. */
bool http_parse_date(const char *s, size_t n, time_t *t)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",   /* Sun, 06 Nov 1994 08:49:37 GMT */
		"%A, %d-%b-%y %H:%M:%S GMT",   /* Sunday, 06-Nov-94 08:49:37 GMT */
		"%a %b %e %H:%M:%S %Y",        /* Sun Nov  6 08:49:37 1994 */
	};
	char buf[64];
	size_t i;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(buf, forms[i], &tm);
		if (end && *end == '\0') {
			*t = timegm(&tm);
			return *t != (time_t)-1;
		}
	}
	return false;
}

/* Next entity tag of the list s[*i..n) into tag/len (quotes included,
 * without W/); *weak says whether it was weak.  False at the end, or on
 * a malformed element (the header is then taken as naming no tag). */
static bool next_tag(const char *s, size_t n, size_t *i, const char **tag,
		     size_t *len, bool *weak)
{
	size_t k = *i, start;

	while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == ','))
		k++;
	if (k == n)
		return false;
	*weak = n - k >= 2 && s[k] == 'W' && s[k + 1] == '/';
	if (*weak)
		k += 2;
	if (k == n || s[k] != '"')
		return false;
	start = k++;
	while (k < n && s[k] != '"')
		k++;
	if (k == n)
		return false;
	*tag = s + start;
	*len = ++k - start;
	*i = k;
	return true;
}

/* Does the list (or "*") match f's tag?  Strong comparison for If-Match
 * and If-Range, weak for If-None-Match (§8.8.3.2). */
static bool tag_matches(const char *s, size_t n, const struct http_file *f,
			bool strong)
{
	size_t i = 0, len, flen = strlen(f->etag);
	const char *tag;
	bool weak;

	if (n == 1 && s[0] == '*')
		return true;
	while (next_tag(s, n, &i, &tag, &len, &weak))
		if (!(strong && weak) && len == flen &&
		    !memcmp(tag, f->etag, len))
			return true;
	return false;
}

static bool digits(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

/*
 * Range: bytes=first-last | first- | -suffix (§14.1.2).  Returns 206
 * with *rg, 416 when the one range is unsatisfiable, 200 to ignore the
 * header (not bytes, malformed, or several ranges).
 */
static int parse_range(const char *s, size_t n, uint64_t size,
		       struct http_range *rg)
{
	const char *dash;
	uint64_t a, b;

	if (n < 6 || memcmp(s, "bytes=", 6))
		return 200;
	s += 6;
	n -= 6;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (memchr(s, ',', n))
		return 200;  /* several: the whole file (documented) */
	dash = memchr(s, '-', n);
	if (!dash)
		return 200;
	if (dash == s) {  /* the last b bytes */
		if (!digits(s + 1, n - 1, &b))
			return 200;
		if (b == 0 || size == 0)
			return 416;
		rg->len = b < size ? b : size;
		rg->first = size - rg->len;
		return 206;
	}
	if (!digits(s, (size_t)(dash - s), &a))
		return 200;
	if (dash + 1 == s + n) {
		b = UINT64_MAX;
	} else if (!digits(dash + 1, (size_t)(s + n - dash - 1), &b) || b < a) {
		return 200;
	}
	if (a >= size)
		return 416;
	if (b >= size)
		b = size - 1;
	rg->first = a;
	rg->len = b - a + 1;
	return 206;
}

/* If-Range: a strong tag equal to f's, or f's exact Last-Modified. */
static bool if_range_holds(const char *s, size_t n, const struct http_file *f)
{
	time_t t;

	if (n && (s[0] == '"' || s[0] == 'W'))
		return n >= 2 && s[0] == '"' && tag_matches(s, n, f, true);
	return http_parse_date(s, n, &t) && t == f->mtime;
}

int http_conditions(const struct http_req *r, const struct http_file *f,
		    bool get, struct http_range *rg)
{
	const char *v;
	size_t n;
	time_t t;

	if ((v = http_header(r, "If-Match", &n))) {
		if (!tag_matches(v, n, f, true))
			return 412;
	} else if ((v = http_header(r, "If-Unmodified-Since", &n)) &&
		   http_parse_date(v, n, &t) && f->mtime > t) {
		return 412;
	}
	if ((v = http_header(r, "If-None-Match", &n))) {
		if (tag_matches(v, n, f, false))
			return 304;
	} else if ((v = http_header(r, "If-Modified-Since", &n)) &&
		   http_parse_date(v, n, &t) && f->mtime <= t) {
		return 304;
	}
	if (!get || !(v = http_header(r, "Range", &n)))
		return 200;
	{
		const char *ir;
		size_t irn;

		if ((ir = http_header(r, "If-Range", &irn)) &&
		    !if_range_holds(ir, irn, f))
			return 200;
	}
	return parse_range(v, n, f->size, rg);
}
