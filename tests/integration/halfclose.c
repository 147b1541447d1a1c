/* halfclose: send pipelined requests in one write, half-close, read every answer until the server closes */
/* SPDX-License-Identifier: BSD-2-Clause */
/* No libstackmap here on purpose: it judges the servers from outside. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_CHUNK 65536

struct opts {
	const char *addr, *port, *marker, *out_file;
	const char *before, *req, *after;   /* escaped, as given */
	unsigned long count, timeout_s;
	unsigned long delay_ms;            /* read nothing before this */
	int reset;                          /* -R */
	long expect;                        /* markers expected, -1 = any */
};

struct buf {
	char *p;
	size_t len, cap;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: halfclose -p PORT [-a ADDR] [-b BEFORE] [-e AFTER] [-m MARKER]\n"
"                 [-x N] [-t SECS] [-d MS] [-R] [-o FILE] REQUEST COUNT\n"
"Connect, write BEFORE, COUNT copies of REQUEST and AFTER in one write,\n"
"shutdown(SHUT_WR), then read until the server closes.  Strings take\n"
"the escapes \\r \\n \\t \\\\ \\0 and \\xHH.  Prints the bytes sent and\n"
"received, how often MARKER occurs in the answer, and how it ended.\n"
"  -a ADDR    IPv4 or IPv6 literal (default 127.0.0.1)\n"
"  -b BEFORE  bytes sent before the requests (e.g. a set)\n"
"  -e AFTER   bytes sent after them (e.g. an incomplete request)\n"
"  -m MARKER  the string counted in the answer\n"
"  -x N       fail unless MARKER occurs exactly N times\n"
"  -t SECS    fail if the server has not closed after SECS (default 10)\n"
"  -d MS      read nothing for the first MS milliseconds (a slow reader)\n"
"  -R         reset instead: write (for MS ms with -d) without reading,\n"
"             then close with SO_LINGER 0 (RST); 0 once the RST is sent\n"
"  -o FILE    save the answer to FILE\n"
"Exit status: 0 closed (and N markers; with -R: the RST sent), 1 fail,\n"
"2 usage error.\n");
}

static int grow(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	while (cap < b->len + more)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Append s with its escapes decoded; -1 on a bad escape. */
static int unescape(struct buf *b, const char *s)
{
	if (grow(b, strlen(s)))
		return -1;
	while (*s) {
		char ch = *s++;

		if (ch == '\\') {
			switch (*s++) {
			case 'r': ch = '\r'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case '0': ch = '\0'; break;
			case '\\': ch = '\\'; break;
			case 'x':
				if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
					return -1;
				ch = (char)(hexval(s[0]) << 4 | hexval(s[1]));
				s += 2;
				break;
			default: return -1;
			}
		}
		b->p[b->len++] = ch;
	}
	return 0;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	int ch, bad = 0;

	*o = (struct opts){ .addr = "127.0.0.1", .timeout_s = 10, .expect = -1,
			    .before = "", .after = "" };
	while ((ch = getopt(argc, argv, "p:a:b:e:m:x:t:d:o:Rh")) != -1) {
		switch (ch) {
		case 'p': o->port = optarg; break;
		case 'a': o->addr = optarg; break;
		case 'b': o->before = optarg; break;
		case 'e': o->after = optarg; break;
		case 'm': o->marker = optarg; break;
		case 'x': bad |= parse_num(optarg, 1ul << 30, &v);
			  o->expect = (long)v;
			  break;
		case 't': bad |= parse_num(optarg, 3600, &o->timeout_s); break;
		case 'd': bad |= parse_num(optarg, 3600000, &o->delay_ms); break;
		case 'o': o->out_file = optarg; break;
		case 'R': o->reset = 1; break;
		case 'h': usage(stdout); exit(0);
		default: bad = -1;
		}
	}
	if (bad || !o->port || argc - optind != 2 ||
	    parse_num(argv[optind + 1], 1ul << 24, &o->count) ||
	    (o->expect >= 0 && !o->marker) || o->timeout_s == 0) {
		usage(stderr);
		return -1;
	}
	o->req = argv[optind];
	return 0;
}

/* BEFORE, COUNT x REQUEST, AFTER: the bytes of the one write. */
static int build(const struct opts *o, struct buf *out)
{
	struct buf one = { 0 };
	unsigned long i;
	int ret = -1;

	if (unescape(out, o->before) || unescape(&one, o->req) ||
	    grow(out, one.len * o->count))
		goto done;
	for (i = 0; i < o->count; i++) {
		memcpy(out->p + out->len, one.p, one.len);
		out->len += one.len;
	}
	ret = unescape(out, o->after);
done:
	free(one.p);
	if (ret)
		fprintf(stderr, "halfclose: a bad escape, or out of memory\n");
	return ret;
}

static int connect_to(const struct opts *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd;

	if (getaddrinfo(o->addr, o->port, &hints, &ai)) {
		fprintf(stderr, "halfclose: %s port %s: not a literal\n",
			o->addr, o->port);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "halfclose: connect: %s\n", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* One connection's exchange: what is written and what comes back. */
struct xchg {
	int fd;
	const struct buf *tx;
	struct buf *rx;
	size_t sent;
	uint64_t read_at, deadline;   /* ms */
};

/* Send what the socket takes now; NULL, or how the connection ended. */
static const char *send_some(struct xchg *x)
{
	ssize_t n = send(x->fd, x->tx->p + x->sent, x->tx->len - x->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return errno == ECONNRESET || errno == EPIPE ?
		       "reset while writing" : "send failed";
	if (n > 0)
		x->sent += (size_t)n;
	return NULL;
}

/*
 * Write tx whole (then SHUT_WR) while reading into rx: the server may
 * answer, and stop reading until its answers are read, before the last
 * byte is written.  Returns "closed", "reset", "timed out" or an error.
 */
static const char *exchange(struct xchg *x)
{
	struct pollfd pfd = { .fd = x->fd };
	const char *err;
	int shut = 0;
	ssize_t n;

	for (;;) {
		uint64_t now = now_ms(), until = x->deadline;
		int reading = now >= x->read_at;

		if (now >= x->deadline)
			return "timed out";
		if (!reading && x->read_at < until)
			until = x->read_at;
		if (x->sent == x->tx->len && !shut) {
			if (shutdown(x->fd, SHUT_WR) < 0)
				return "shutdown failed";
			shut = 1;
		}
		pfd.events = (reading ? POLLIN : 0) | (shut ? 0 : POLLOUT);
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(until - now)) < 0 && errno != EINTR)
			return "poll failed";
		if (!shut && (pfd.revents & POLLOUT) && (err = send_some(x)))
			return err;
		/* Not reading yet, POLLIN is not asked for: an error or a hang
		 * up is read at once (the server is done, there is no point in
		 * waiting). */
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (grow(x->rx, RX_CHUNK))
			return "out of memory";
		n = recv(x->fd, x->rx->p + x->rx->len, RX_CHUNK, MSG_DONTWAIT);
		if (n == 0)
			return shut ? "closed" : "closed before the last write";
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET ? "reset" : "recv failed";
		if (n > 0)
			x->rx->len += (size_t)n;
	}
}

/*
 * -R: a client that goes away abruptly.  Write (all of tx, or, with -d,
 * what the server takes until read_at) without reading a byte, then
 * close with SO_LINGER 0: the kernel sends RST and drops whatever the
 * server sent.  The server sees an error in the middle of its work.
 */
static const char *write_then_reset(struct xchg *x)
{
	struct pollfd pfd = { .fd = x->fd, .events = POLLOUT };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint64_t until = x->read_at > now_ms() ? x->read_at : x->deadline;
	const char *err;

	for (;;) {
		uint64_t now = now_ms();

		if (now >= until || (x->sent == x->tx->len && until == x->deadline))
			break;
		if (x->sent == x->tx->len)
			pfd.events = 0;  /* all written: wait out the delay */
		if (poll(&pfd, 1, (int)(until - now)) < 0 && errno != EINTR)
			return "poll failed";
		if (pfd.revents & (POLLERR | POLLHUP))
			break;  /* the server reset or closed: reset all the same */
		if ((pfd.revents & POLLOUT) && (err = send_some(x)))
			return err;
	}
	if (setsockopt(x->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		return "SO_LINGER failed";
	return "reset sent";
}

static size_t count_marker(const struct buf *rx, const char *m)
{
	size_t n = 0, mlen = strlen(m);
	const char *p = rx->p, *end = rx->p + rx->len;

	if (!mlen)
		return 0;
	while ((p = memmem(p, (size_t)(end - p), m, mlen)) != NULL) {
		n++;
		p += mlen;
	}
	return n;
}

static int save(const char *path, const struct buf *rx)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(rx->p, 1, rx->len, f) != rx->len || fclose(f)) {
		fprintf(stderr, "halfclose: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct buf tx = { 0 }, rx = { 0 };
	struct xchg x = { .tx = &tx, .rx = &rx };
	struct opts o;
	const char *end;
	uint64_t t0;
	size_t found = 0;
	int ret = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (build(&o, &tx))
		return 1;
	x.fd = connect_to(&o);
	if (x.fd < 0)
		goto out;
	t0 = now_ms();
	x.read_at = t0 + o.delay_ms;
	x.deadline = t0 + o.timeout_s * 1000;
	end = o.reset ? write_then_reset(&x) : exchange(&x);
	close(x.fd);
	if (o.marker)
		found = count_marker(&rx, o.marker);
	printf("halfclose: sent %zu bytes, received %zu", x.sent, rx.len);
	if (o.marker)
		printf(", %zu x \"%s\"", found, o.marker);
	printf(", %s after %llu ms\n", end,
	       (unsigned long long)(now_ms() - t0));
	ret = strcmp(end, o.reset ? "reset sent" : "closed") != 0 ||
	      (o.expect >= 0 && found != (size_t)o.expect);
	if (o.out_file && save(o.out_file, &rx))
		ret = 1;
out:
	free(tx.p);
	free(rx.p);
	return ret;
}
