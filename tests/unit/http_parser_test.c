/* http_parser_test: request heads, limits, error statuses, splits, fuzz. */
#include "testlib.h"
#include "http_parser.h"

#define MAX_HDRS	32
#define ALL		0	/* expect the whole input as the head */
#define H11		"GET / HTTP/1.1\r\nHost: a\r\n"
#define CL		"Content-Length: "
#define TE		"Transfer-Encoding: "

#define T_STR(ptr, n, lit) do {                                            \
	T_EQ((n), strlen(lit));                                            \
	T_ASSERT(memcmp((ptr), (lit), (n)) == 0);                          \
} while (0)

/* One parse of a heap copy of exactly len bytes, so that ASan reports
 * any read beyond len.  The copy lives until the next parse into p. */
struct parsed {
	char *buf;
	size_t len;
	struct http_hdr hdrs[MAX_HDRS];
	struct http_req req;
	int ret;
};

static int parse_max(struct parsed *p, const char *in, size_t len,
		     size_t max_hdrs)
{
	free(p->buf);
	p->buf = malloc(len ? len : 1);
	T_ASSERT(p->buf);
	memcpy(p->buf, in, len);
	p->len = len;
	memset(&p->req, 0x5a, sizeof(p->req));	/* no field left unset */
	p->req.hdrs = p->hdrs;
	p->req.max_hdrs = max_hdrs;
	p->ret = http_parse_request(p->buf, len, &p->req);
	return p->ret;
}

static int parse(struct parsed *p, const char *in, size_t len)
{
	return parse_max(p, in, len, MAX_HDRS);
}

#define PARSE_LIT(p, lit)	parse(p, lit, sizeof(lit) - 1)

static void expect_err(struct parsed *p, const char *in, size_t len,
		       int status)
{
	T_EQ(parse(p, in, len), HTTP_PARSE_ERROR);
	T_EQ(p->req.status, status);
}

/* in is a string literal; its length comes from sizeof (it may hold NUL). */
#define OK(w, in)	{ w, in, sizeof(in) - 1, ALL, 0 }
#define MORE(w, in)	{ w, in, sizeof(in) - 1, HTTP_PARSE_INCOMPLETE, 0 }
#define ERR(w, in, st)	{ w, in, sizeof(in) - 1, HTTP_PARSE_ERROR, st }

static const struct tcase {
	const char *what;
	const char *in;
	size_t len;
	int ret;		/* ALL, HTTP_PARSE_INCOMPLETE or _ERROR */
	int status;		/* when HTTP_PARSE_ERROR */
} cases[] = {
	OK("get", H11 "\r\n"),
	OK("head 1.0 no host", "HEAD /x HTTP/1.0\r\n\r\n"),
	OK("lf only", "GET / HTTP/1.1\nHost: a\nX: y\n\n"),
	OK("mixed eol", "GET / HTTP/1.1\r\nHost: a\n\r\n"),
	OK("leading crlf", "\r\n\r\n" H11 "\r\n"),
	OK("leading lf", "\n\r\n" H11 "\r\n"),
	OK("obs-text value", H11 "X: caf\xc3\xa9\r\n\r\n"),
	OK("empty value", H11 "X:\r\nY: \t \r\n\r\n"),
	OK("empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"),
	OK("ipv6 host", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
	OK("absolute form", "GET http://a/x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
	OK("asterisk form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	OK("token method", "M-1.x~ / HTTP/1.1\r\nHost: a\r\n\r\n"),
	OK("cl", H11 CL "5\r\n\r\n"),
	OK("cl same twice", H11 CL "5\r\n" CL "5\r\n\r\n"),
	OK("cl same list", H11 CL "5 ,\t5\r\n\r\n"),
	OK("cl zeros", H11 CL "007\r\n\r\n"),
	OK("cl 2^62", H11 CL "4611686018427387904\r\n\r\n"),
	OK("connection list", H11 "Connection: keep-alive, Upgrade\r\n\r\n"),
	MORE("empty", ""),
	MORE("crlf only", "\r\n"),
	MORE("cr only", "\r"),
	MORE("method only", "GET"),
	MORE("no end", H11),
	MORE("no final lf", H11 "\r"),
	MORE("505 waits for eol", "GET / HTTP/2.0"),
	ERR("tls hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
	ERR("nul bytes", "\0\0\0\0", 400),
	ERR("nul in method", "GE\0 / HTTP/1.1\r\n", 400),
	ERR("nul in target", "GET /\0 HTTP/1.1\r\n", 400),
	ERR("nul in value", H11 "X: a\0b\r\n\r\n", 400),
	ERR("binary early", "G\x01", 400),
	ERR("high byte target", "GET /\x80 HTTP/1.1\r\n", 400),
	ERR("del target", "GET /\x7f HTTP/1.1\r\n", 400),
	ERR("tab target", "GET /a\tb HTTP/1.1\r\n", 400),
	ERR("leading sp", " GET / HTTP/1.1\r\n", 400),
	ERR("two sp", "GET  / HTTP/1.1\r\n", 400),
	ERR("two sp after target", "GET /  HTTP/1.1\r\n", 400),
	ERR("tab separator", "GET\t/ HTTP/1.1\r\n", 400),
	ERR("trailing sp", "GET / HTTP/1.1 \r\n", 400),
	ERR("http/0.9 line", "GET /\r\n", 400),
	ERR("lowercase version", "GET / http/1.1\r\n", 400),
	ERR("version 1.10", "GET / HTTP/1.10\r\n", 400),
	ERR("version 1", "GET / HTTP/1\r\n", 400),
	ERR("version 1.x", "GET / HTTP/1.x\r\n", 400),
	ERR("version 11.1", "GET / HTTP/11.1\r\n", 400),
	ERR("bare cr leading", "\rGET / HTTP/1.1\r\n", 400),
	ERR("bare cr line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400),
	ERR("bare cr value", H11 "X: a\rb\r\n\r\n", 400),
	ERR("bare cr end", H11 "\rX", 400),
	ERR("del value", H11 "X: a\x7f\r\n\r\n", 400),
	ERR("ctl value", H11 "X: a\x01\r\n\r\n", 400),
	ERR("ctl value early", H11 "X: a\x1b", 400),
	ERR("sp before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
	ERR("tab before colon", H11 "X\t: a\r\n\r\n", 400),
	ERR("folding", H11 "X: a\r\n b\r\n\r\n", 400),
	ERR("folding tab", H11 "X: a\r\n\tb\r\n\r\n", 400),
	ERR("ws after line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
	ERR("no colon", H11 "X a\r\n\r\n", 400),
	ERR("no colon eol", H11 "X\r\n\r\n", 400),
	ERR("empty name", H11 ": a\r\n\r\n", 400),
	ERR("bad name", H11 "X@Y: a\r\n\r\n", 400),
	ERR("high byte name", H11 "X\xc3\xa9: a\r\n\r\n", 400),
	ERR("cl plus", H11 CL "+5\r\n\r\n", 400),
	ERR("cl minus", H11 CL "-1\r\n\r\n", 400),
	ERR("cl empty", H11 CL "\r\n\r\n", 400),
	ERR("cl blank", H11 CL " \t \r\n\r\n", 400),
	ERR("cl inner space", H11 CL "5 5\r\n\r\n", 400),
	ERR("cl suffix", H11 CL "5a\r\n\r\n", 400),
	ERR("cl hex", H11 CL "0x5\r\n\r\n", 400),
	ERR("cl trailing comma", H11 CL "5,\r\n\r\n", 400),
	ERR("cl leading comma", H11 CL ",5\r\n\r\n", 400),
	ERR("cl list differs", H11 CL "5, 6\r\n\r\n", 400),
	ERR("cl lines differ", H11 CL "5\r\n" CL "6\r\n\r\n", 400),
	ERR("cl 2^62+1", H11 CL "4611686018427387905\r\n\r\n", 400),
	ERR("cl int64 overflow", H11 CL "9223372036854775808\r\n\r\n", 400),
	ERR("cl huge", H11 CL "99999999999999999999999999\r\n\r\n", 400),
	ERR("cl then te", H11 CL "5\r\n" TE "chunked\r\n\r\n", 400),
	ERR("te then cl", H11 TE "chunked\r\n" CL "5\r\n\r\n", 400),
	ERR("te then cl early", H11 TE "x\r\n" CL "0\r\n", 400),
	ERR("no host 1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400),
	ERR("two hosts", H11 "Host: a\r\n\r\n", 400),
	ERR("two hosts case", H11 "hOST: b\r\n\r\n", 400),
	ERR("host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
	ERR("host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
	ERR("te without host", "GET / HTTP/1.1\r\n" TE "x\r\n\r\n", 400),
	ERR("te chunked", H11 TE "chunked\r\n\r\n", 501),
	ERR("te list", H11 "transfer-encoding: gzip, chunked\r\n\r\n", 501),
	ERR("te 1.0", "POST / HTTP/1.0\r\n" TE "chunked\r\n\r\n", 501),
	ERR("version 2.0", "GET / HTTP/2.0\r\n", 505),
	ERR("version 1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
	ERR("version 0.9", "GET / HTTP/0.9\r\n\r\n", 505),
	ERR("version 3.1 lf", "GET / HTTP/3.1\n", 505),
	ERR("version 9.9", "PRI * HTTP/9.9\r\n", 505),
};

/* Each case; for a complete head, every strict prefix is incomplete. */
static void test_table(void)
{
	struct parsed p = { 0 };
	const struct tcase *t;
	size_t i, k, len;
	int want;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = &cases[i];
		len = t->len;
		want = t->ret == ALL ? (int)len : t->ret;
		parse(&p, t->in, len);
		if (p.ret != want || p.req.status != t->status) {
			fprintf(stderr, "case '%s': ret %d status %d, expected "
				"%d status %d\n", t->what, p.ret, p.req.status,
				want, t->status);
			exit(T_FAIL);
		}
		for (k = 0; t->ret == ALL && k < len; k++)
			if (parse(&p, t->in, k) != HTTP_PARSE_INCOMPLETE) {
				fprintf(stderr, "case '%s': prefix %zu: %d\n",
					t->what, k, p.ret);
				exit(T_FAIL);
			}
	}
	free(p.buf);
}

static void test_simple_get(void)
{
	static const char in[] = "GET /index.html?q=1 HTTP/1.1\r\n"
		"Host: example.com:8080\r\n"
		"User-Agent:  curl/8 \t\r\n"
		"Accept:*/*\r\n\r\n";
	struct parsed p = { 0 };

	T_EQ(PARSE_LIT(&p, in), strlen(in));
	T_STR(p.req.method, p.req.method_len, "GET");
	T_STR(p.req.target, p.req.target_len, "/index.html?q=1");
	T_EQ(p.req.minor, 1);
	T_EQ(p.req.nhdrs, 3);
	T_STR(p.hdrs[0].name, p.hdrs[0].name_len, "Host");
	T_STR(p.hdrs[0].value, p.hdrs[0].value_len, "example.com:8080");
	T_STR(p.hdrs[1].name, p.hdrs[1].name_len, "User-Agent");
	T_STR(p.hdrs[1].value, p.hdrs[1].value_len, "curl/8");
	T_STR(p.hdrs[2].value, p.hdrs[2].value_len, "*/*");
	T_EQ(p.req.content_length, -1);
	T_EQ(p.req.flags, HTTP_F_HOST);
	T_ASSERT(http_keep_alive(&p.req));
	T_ASSERT(p.req.target == p.buf + 4);	/* zero-copy */
	free(p.buf);
}

static void test_head_cl_minor(void)
{
	struct parsed p = { 0 };

	T_EQ(PARSE_LIT(&p, "\r\nHEAD /x HTTP/1.0\r\n\r\n"), 22);
	T_STR(p.req.method, p.req.method_len, "HEAD");
	T_EQ(p.req.minor, 0);
	T_EQ(p.req.nhdrs, 0);
	T_ASSERT(!http_keep_alive(&p.req));
	T_ASSERT(PARSE_LIT(&p, H11 CL "7\r\n" CL " 7, 7\r\n\r\n") > 0);
	T_EQ(p.req.content_length, 7);
	T_ASSERT(PARSE_LIT(&p, H11 CL "4611686018427387904\r\n\r\n") > 0);
	T_EQ(p.req.content_length, INT64_C(1) << 62);
	T_ASSERT(http_token_eq("Content-LENGTH", 14, "content-length"));
	T_ASSERT(!http_token_eq("Content-Len", 11, "content-length"));
	T_ASSERT(!http_token_eq("closed", 6, "close"));
	/* The version to answer an error with: as sent once known, else 1. */
	T_EQ(PARSE_LIT(&p, "GET / HTTP/1.0\r\nX : a\r\n\r\n"), -1);
	T_EQ(p.req.minor, 0);
	T_EQ(PARSE_LIT(&p, " GET / HTTP/1.0\r\n\r\n"), -1);
	T_EQ(p.req.minor, 1);
	free(p.buf);
}

static void test_keep_alive(void)
{
#define C11	H11 "Connection: "
#define C10	"GET / HTTP/1.0\r\nConnection: "
	static const struct {
		const char *in;
		int keep;
		unsigned flags;
	} ka[] = {
		{ H11 "\r\n", 1, 0 },
		{ C11 "Close\r\n\r\n", 0, HTTP_F_CONN_CLOSE },
		{ C11 "keep-alive, Upgrade\r\n\r\n", 1, HTTP_F_CONN_KEEP },
		{ C11 "upgrade,, CLOSE ,\r\n\r\n", 0, HTTP_F_CONN_CLOSE },
		{ C11 "closed\r\n\r\n", 1, 0 },
		{ "GET / HTTP/1.0\r\n\r\n", 0, 0 },
		{ C10 "Keep-Alive\r\n\r\n", 1, HTTP_F_CONN_KEEP },
		{ C10 "keep-alive, Upgrade\r\n\r\n", 1, HTTP_F_CONN_KEEP },
		{ C10 "keep-alive\r\nConnection: close\r\n\r\n", 0,
		  HTTP_F_CONN_KEEP | HTTP_F_CONN_CLOSE },
	};
	struct parsed p = { 0 };
	size_t i;

	for (i = 0; i < sizeof(ka) / sizeof(ka[0]); i++) {
		T_EQ(parse(&p, ka[i].in, strlen(ka[i].in)), strlen(ka[i].in));
		T_EQ(p.req.flags & ~(unsigned)HTTP_F_HOST, ka[i].flags);
		T_EQ(http_keep_alive(&p.req), ka[i].keep);
	}
	free(p.buf);
}

static void test_pipelined(void)
{
	static const char in[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
	struct http_hdr hdrs[4];
	struct http_req req = { .hdrs = hdrs, .max_hdrs = 4 };
	int n1, n2;

	n1 = http_parse_request(in, sizeof(in) - 1, &req);
	T_EQ(n1, 28);
	T_STR(req.target, req.target_len, "/a");
	n2 = http_parse_request(in + n1, sizeof(in) - 1 - n1, &req);
	T_EQ(n2, sizeof(in) - 1 - n1 - 3);
	T_STR(req.method, req.method_len, "POST");
	T_STR(req.target, req.target_len, "/b");
	T_EQ(req.content_length, 3);
	T_EQ(req.nhdrs, 2);
}

/* A head kept across reads, a byte at a time: "more" until its last
 * byte, then its length; an error inside it is answered by its end at
 * the latest; the kept state is reset after each. */
static void test_kept(void)
{
	static const char good[] = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char bad[] = "GET /a HTTP/1.1\r\nHo st: x\r\n\r\n";
	struct http_hdr hdrs[4];
	struct http_req req = { .hdrs = hdrs, .max_hdrs = 4 };
	struct http_kept k = { 0 };
	size_t len;
	int n = 0;

	for (len = 1; len < sizeof(good) - 1; len++)
		T_EQ(http_parse_kept(good, len, &req, &k), HTTP_PARSE_INCOMPLETE);
	T_EQ(http_parse_kept(good, len, &req, &k), (int)len);
	T_STR(req.target, req.target_len, "/a");
	T_EQ(k.parsed, 0);
	for (len = 1; len <= sizeof(bad) - 1; len++) {
		n = http_parse_kept(bad, len, &req, &k);
		if (n != HTTP_PARSE_INCOMPLETE)
			break;
	}
	T_EQ(n, HTTP_PARSE_ERROR);
	T_EQ(req.status, 400);
	T_EQ(k.parsed, 0);
}

/* "GET /aa..a HTTP/1.1\r\nHost: a\r\nX: vv..v\r\n\r\n" with a target
 * of target bytes and pad bytes of field value. */
static char *req_of(size_t target, size_t pad, size_t *len)
{
	static const char mid[] = " HTTP/1.1\r\nHost: a\r\nX: ";
	char *s = malloc(target + pad + sizeof(mid) + 8);

	T_ASSERT(s);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', target - 1);
	*len = 4 + target;
	memcpy(s + *len, mid, sizeof(mid) - 1);
	memset(s + *len + sizeof(mid) - 1, 'v', pad);
	*len += sizeof(mid) - 1 + pad;
	memcpy(s + *len, "\r\n\r\n", 4);
	*len += 4;
	return s;
}

/* Pad that makes req_of(1, pad) a head of n bytes. */
#define PAD(n)	((n) - 5 - (sizeof(" HTTP/1.1\r\nHost: a\r\nX: ") - 1) - 4)

static void test_414(void)
{
	struct parsed p = { 0 };
	size_t len;
	char *s;

	s = req_of(HTTP_MAX_TARGET, 1, &len);
	T_EQ(parse(&p, s, len), len);
	T_EQ(p.req.target_len, HTTP_MAX_TARGET);
	free(s);
	s = req_of(HTTP_MAX_TARGET + 1, 1, &len);
	expect_err(&p, s, len, 414);
	free(s);
	/* Incomplete: refused as soon as the target is one byte too long. */
	s = req_of(1 << 20, 0, &len);
	T_EQ(parse(&p, s, 4 + HTTP_MAX_TARGET), HTTP_PARSE_INCOMPLETE);
	expect_err(&p, s, 5 + HTTP_MAX_TARGET, 414);
	expect_err(&p, s, 4 + (1 << 20), 414);
	free(s);
	free(p.buf);
}

static void test_431(void)
{
	static const char many[] = H11 "A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	struct parsed p = { 0 };
	size_t i, len;
	char *s;

	s = req_of(1, PAD(HTTP_MAX_HEAD), &len);
	T_EQ(parse(&p, s, len), HTTP_MAX_HEAD);
	free(s);
	/* Complete but one byte too long: the same answer as when the
	 * bytes come in pieces. */
	s = req_of(1, PAD(HTTP_MAX_HEAD + 1), &len);
	expect_err(&p, s, len, 431);
	free(s);
	/* Incomplete: refused once the limit is passed, not at the end. */
	s = req_of(1, 1 << 20, &len);
	T_EQ(parse(&p, s, HTTP_MAX_HEAD), HTTP_PARSE_INCOMPLETE);
	expect_err(&p, s, HTTP_MAX_HEAD + 1, 431);
	expect_err(&p, s, len - 4, 431);
	/* Empty lines before the request line count too. */
	for (i = 0; i < HTTP_MAX_HEAD; i++)
		memcpy(s + 2 * i, "\r\n", 2);
	T_EQ(parse(&p, s, HTTP_MAX_HEAD), HTTP_PARSE_INCOMPLETE);
	expect_err(&p, s, 2 * HTTP_MAX_HEAD, 431);
	free(s);
	/* Too many fields for the caller's array. */
	T_EQ(parse_max(&p, many, sizeof(many) - 1, 4), sizeof(many) - 1);
	T_EQ(p.req.nhdrs, 4);
	T_EQ(parse_max(&p, many, sizeof(many) - 1, 3), -1);
	T_EQ(p.req.status, 431);
	T_EQ(parse_max(&p, "GET / HTTP/1.0\r\n\r\n", 18, 0), 18);
	T_EQ(parse_max(&p, "GET / HTTP/1.0\r\nA: 1\r\n\r\n", 24, 0), -1);
	T_EQ(p.req.status, 431);
	free(p.buf);
}

/* xorshift64: deterministic, so a failure replays the same way. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 32);
}

/* Half the time a byte the grammar cares about, else any byte. */
static char rnd_byte(void)
{
	static const char special[] = "\r\n :\t,\0\x7f\x80\xff" "05aA/H.-";

	if (rnd() & 1)
		return special[rnd() % (sizeof(special) - 1)];
	return (char)rnd();
}

/* Overwrite, insert or delete one byte, or truncate. */
static size_t mutate(char *s, size_t len, size_t cap)
{
	size_t pos = rnd() % (len + 1);
	unsigned op = rnd() % 8;

	if (op < 3 && pos < len) {
		s[pos] = rnd_byte();
	} else if (op < 6 && len < cap) {
		memmove(s + pos + 1, s + pos, len - pos);
		s[pos] = rnd_byte();
		len++;
	} else if (op == 6 && pos < len) {
		memmove(s + pos, s + pos + 1, len - pos - 1);
		len--;
	} else if (op == 7) {
		len = pos;
	}
	return len;
}

static bool inside(const char *ptr, size_t n, const struct parsed *p)
{
	return ptr >= p->buf && n <= (size_t)(p->buf + p->ret - ptr);
}

static bool valid_status(int st)
{
	return st == 400 || st == 414 || st == 431 || st == 501 || st == 505;
}

/* What any result must satisfy, whatever the input. */
static void check_result(struct parsed *p, size_t max)
{
	struct parsed q = { 0 };
	size_t i;
	int ret = p->ret;

	T_ASSERT(p->req.minor == 0 || p->req.minor == 1);
	if (ret == HTTP_PARSE_INCOMPLETE || ret == HTTP_PARSE_ERROR) {
		T_ASSERT(ret == HTTP_PARSE_INCOMPLETE ? !p->req.status :
				     valid_status(p->req.status));
		return;
	}
	T_ASSERT(ret >= 1 && (size_t)ret <= p->len);
	T_ASSERT(p->req.nhdrs <= max);
	T_ASSERT(inside(p->req.method, p->req.method_len, p));
	T_ASSERT(inside(p->req.target, p->req.target_len, p));
	for (i = 0; i < p->req.nhdrs; i++) {
		T_ASSERT(inside(p->hdrs[i].name, p->hdrs[i].name_len, p));
		T_ASSERT(inside(p->hdrs[i].value, p->hdrs[i].value_len, p));
	}
	/* Stateless: the bytes after the head change nothing, and one
	 * byte less is incomplete. */
	T_EQ(parse_max(&q, p->buf, (size_t)ret, max), ret);
	T_EQ(parse_max(&q, p->buf, (size_t)ret - 1, max), HTTP_PARSE_INCOMPLETE);
	free(q.buf);
}

static void test_mutations(void)
{
	static const char *const seeds[] = {
		H11 "\r\n",
		"POST /f?a=b HTTP/1.1\r\nHost: h:1\r\nContent-Length: 3\r\n"
		"Connection: keep-alive, Upgrade\r\nX-A:  v \r\n\r\nabc",
		"\r\nGET / HTTP/1.0\nConnection: close\nAccept: */*\n\n",
		H11 CL "5, 5\r\n" TE "chunked\r\n\r\n",
	};
	unsigned counts[3] = { 0 };
	struct parsed p = { 0 };
	const char *seed;
	char work[1024];
	size_t len, max;
	int i, m;

	for (i = 0; i < 100000; i++) {
		seed = seeds[rnd() % 4];
		len = strlen(seed);
		memcpy(work, seed, len);
		for (m = (int)(rnd() % 4); m >= 0; m--)	/* 1 to 4 times */
			len = mutate(work, len, sizeof(work));
		max = 1 + rnd() % 8;
		parse_max(&p, work, len, max);
		check_result(&p, max);
		counts[p.ret == HTTP_PARSE_INCOMPLETE ? 0 : p.ret == HTTP_PARSE_ERROR ? 1 : 2]++;
	}
	printf("mutations: %u incomplete, %u errors, %u complete\n",
	       counts[0], counts[1], counts[2]);
	/* The mix must reach every outcome, or the loop tests little. */
	T_ASSERT(counts[0] && counts[1] && counts[2]);
	free(p.buf);
}

int main(void)
{
	test_table();
	test_simple_get();
	test_head_cl_minor();
	test_keep_alive();
	test_pipelined();
	test_kept();
	test_414();
	test_431();
	test_mutations();
	printf("http_parser_test: ok\n");
	return T_PASS;
}
