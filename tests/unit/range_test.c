/* range_test: http_cond.c's Range, precondition and date rules at their edges (sizes 0 and 1, suffixes, overflow, the order of the headers, the three date forms). */
#include "testlib.h"
#include "http_cond.h"
#include "http_parser.h"

static struct http_file file(uint64_t size)
{
	struct timespec mt = { .tv_sec = 1577934245, .tv_nsec = 5 };  /* 2020-01-02 03:04:05 */
	struct http_file f;

	http_file_validators(&f, 42, size, &mt);
	return f;
}

/* The answer to GET with the header lines given (name, value pairs). */
static int ask(const struct http_file *f, struct http_range *rg, int n, ...)
{
	struct http_hdr h[8];
	struct http_req r;
	va_list ap;
	int i;

	memset(&r, 0, sizeof(r));
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		h[i].name = va_arg(ap, const char *);
		h[i].name_len = strlen(h[i].name);
		h[i].value = va_arg(ap, const char *);
		h[i].value_len = strlen(h[i].value);
	}
	va_end(ap);
	r.hdrs = h;
	r.nhdrs = (size_t)n;
	rg->first = rg->len = 77;
	return http_conditions(&r, f, true, rg);
}

static void ranges(void)
{
	struct http_file f = file(100), empty = file(0), one = file(1);
	struct http_range rg;

	T_EQ(ask(&f, &rg, 1, "Range", "bytes=0-0"), 206);
	T_EQ(rg.first, 0); T_EQ(rg.len, 1);
	T_EQ(ask(&f, &rg, 1, "range", "bytes=99-"), 206);
	T_EQ(rg.first, 99); T_EQ(rg.len, 1);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=-1000"), 206);  /* all of it */
	T_EQ(rg.first, 0); T_EQ(rg.len, 100);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=50-18446744073709551615"), 200);  /* 20 digits: ignored */
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=50-9999999999999999999"), 206);
	T_EQ(rg.len, 50);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=100-"), 416);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=-0"), 416);
	T_EQ(ask(&empty, &rg, 1, "Range", "bytes=0-"), 416);
	T_EQ(ask(&empty, &rg, 1, "Range", "bytes=-5"), 416);
	T_EQ(ask(&one, &rg, 1, "Range", "bytes=0-5"), 206);
	T_EQ(rg.len, 1);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=5-4"), 200);    /* invalid: ignored */
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=-"), 200);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes=1-2,4-5"), 200);
	T_EQ(ask(&f, &rg, 1, "Range", "items=0-5"), 200);
	T_EQ(ask(&f, &rg, 1, "Range", "bytes= 3-4 "), 206);
	T_EQ(rg.first, 3); T_EQ(rg.len, 2);
}

static void conditions(void)
{
	struct http_file f = file(100);
	struct http_range rg;
	char weak[80];

	snprintf(weak, sizeof(weak), "W/%s", f.etag);
	T_EQ(strcmp(f.last_modified, "Thu, 02 Jan 2020 03:04:05 GMT"), 0);
	T_EQ(ask(&f, &rg, 1, "If-None-Match", weak), 304);   /* weak comparison */
	T_EQ(ask(&f, &rg, 1, "If-Match", weak), 412);        /* strong comparison */
	T_EQ(ask(&f, &rg, 1, "If-Match", "\"a\", *"), 412);  /* * only alone */
	T_EQ(ask(&f, &rg, 1, "If-Match", "\"unterminated"), 412);
	/* If-Match wins over If-Unmodified-Since, If-None-Match over
	 * If-Modified-Since (§13.2.2). */
	T_EQ(ask(&f, &rg, 2, "If-Match", f.etag, "If-Unmodified-Since",
		 "Sun, 06 Nov 1994 08:49:37 GMT"), 200);
	T_EQ(ask(&f, &rg, 2, "If-None-Match", "\"x\"", "If-Modified-Since",
		 f.last_modified), 200);
	/* 412 comes before 304, and both before Range. */
	T_EQ(ask(&f, &rg, 2, "If-Match", "\"x\"", "If-None-Match", f.etag), 412);
	T_EQ(ask(&f, &rg, 2, "If-None-Match", f.etag, "Range", "bytes=0-1"), 304);
	/* If-Range: a weak tag or a date other than the exact one: whole. */
	T_EQ(ask(&f, &rg, 2, "If-Range", weak, "Range", "bytes=0-1"), 200);
	T_EQ(ask(&f, &rg, 2, "If-Range", "Thu, 02 Jan 2020 03:04:06 GMT",
		 "Range", "bytes=0-1"), 200);
	T_EQ(ask(&f, &rg, 2, "If-Range", f.last_modified, "Range", "bytes=0-1"), 206);
	/* An unparsable date is no condition. */
	T_EQ(ask(&f, &rg, 1, "If-Modified-Since", "yesterday"), 200);
}

static void dates(void)
{
	time_t t;

	T_ASSERT(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t));
	T_EQ(t, 784111777);
	T_ASSERT(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t));
	T_EQ(t, 784111777);
	T_ASSERT(http_parse_date("Sun Nov  6 08:49:37 1994", 24, &t));
	T_EQ(t, 784111777);
	T_ASSERT(!http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT trailing", 38, &t));
	T_ASSERT(!http_parse_date("", 0, &t));
}

int main(void)
{
	ranges();
	conditions();
	dates();
	printf("range_test: ok\n");
	return T_PASS;
}
