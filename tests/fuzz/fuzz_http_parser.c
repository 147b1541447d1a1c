/* fuzz_http_parser: http_parse_request() on any bytes, against its documented contract. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "fuzz.h"

#define MAX_HDRS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fail loudly: libFuzzer reports the abort with the input that caused it. */
static int in(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && n <= len && p - buf <= (ptrdiff_t)(len - n);
}

/* Parse a copy of buf[0..len) in an exact-size heap block, so that ASan
 * sees any read past len. */
static int parse_copy(const char *buf, size_t len, struct http_req *r,
		      struct http_hdr *hdrs, char **copy)
{
	*copy = malloc(len ? len : 1);
	CHECK(*copy);
	memcpy(*copy, buf, len);
	memset(r, 0, sizeof(*r));
	r->hdrs = hdrs;
	r->max_hdrs = MAX_HDRS;
	return http_parse_request(*copy, len, r);
}

static void check_result(const char *buf, size_t len, int ret,
			 const struct http_req *r)
{
	size_t i;

	CHECK(r->minor == 0 || r->minor == 1);
	if (ret == HTTP_PARSE_INCOMPLETE) {
		/* A head longer than the limit is 431, never "more". */
		CHECK(len <= HTTP_MAX_HEAD);
		return;
	}
	if (ret == HTTP_PARSE_ERROR) {
		CHECK(r->status == 400 || r->status == 414 || r->status == 431 ||
		      r->status == 501 || r->status == 505);
		return;
	}
	CHECK(ret >= 1 && (size_t)ret <= len && ret <= HTTP_MAX_HEAD);
	CHECK(r->status == 0);
	CHECK(r->method_len > 0 && in(r->method, r->method_len, buf, (size_t)ret));
	CHECK(r->target_len > 0 && r->target_len <= HTTP_MAX_TARGET);
	CHECK(in(r->target, r->target_len, buf, (size_t)ret));
	CHECK(r->nhdrs <= MAX_HDRS);
	for (i = 0; i < r->nhdrs; i++) {
		const struct http_hdr *h = &r->hdrs[i];

		CHECK(h->name_len > 0 && in(h->name, h->name_len, buf, (size_t)ret));
		CHECK(in(h->value, h->value_len, buf, (size_t)ret));
	}
	CHECK(r->content_length >= -1 && r->content_length <= (INT64_C(1) << 62));
	CHECK(!(r->flags & HTTP_F_CHUNKED));  /* always refused: 501 or 400 */
	CHECK(r->minor == 0 || (r->flags & HTTP_F_HOST));
	/* The head ends with LF. */
	CHECK(buf[ret - 1] == '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_hdr hdrs[MAX_HDRS], hdrs2[MAX_HDRS];
	const char *buf = (const char *)data;
	struct http_req r, r2;
	size_t cut;
	char *copy, *copy2;
	int ret, ret2;

	ret = parse_copy(buf, size, &r, hdrs, &copy);
	check_result(copy, size, ret, &r);
	CHECK(http_keep_alive(&r) == 0 || http_keep_alive(&r) == 1);

	if (ret > 0) {
		/* The head alone parses to the same length and fields. */
		ret2 = parse_copy(buf, (size_t)ret, &r2, hdrs2, &copy2);
		CHECK(ret2 == ret);
		check_result(copy2, (size_t)ret, ret2, &r2);
		CHECK(r2.nhdrs == r.nhdrs && r2.minor == r.minor &&
		      r2.flags == r.flags &&
		      r2.content_length == r.content_length &&
		      r2.method_len == r.method_len &&
		      r2.target_len == r.target_len);
		CHECK(r2.method - copy2 == r.method - copy);
		CHECK(r2.target - copy2 == r.target - copy);
		free(copy2);
	}
	/* Stateless and incremental (http_parser.h): the caller parses again
	 * as bytes arrive, so a prefix of a complete or incomplete head must
	 * ask for more, and a prefix of an error is an error or "more". */
	if (size > 0) {
		cut = (size_t)data[0] * 257 % size;
		if (ret > 0 && cut >= (size_t)ret)
			cut = (size_t)ret - 1;
		ret2 = parse_copy(buf, cut, &r2, hdrs2, &copy2);
		check_result(copy2, cut, ret2, &r2);
		if (ret != -1)
			CHECK(ret2 == HTTP_PARSE_INCOMPLETE);
		else
			CHECK(ret2 == HTTP_PARSE_INCOMPLETE || ret2 == HTTP_PARSE_ERROR);
		free(copy2);
	}
	free(copy);
	return 0;
}
