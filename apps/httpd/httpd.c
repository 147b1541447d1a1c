/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-httpd: an HTTP/1.1 server on libstackmap.
 *
 * Requests are parsed in place in the RX buffers (a head split across
 * buffers is gathered in the connection's input buffer first); responses
 * are packed into TX slots by out.c.  Static files are read with pread()
 * straight into TX slot buffers.  One event loop, either engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "http_parser.h"
#include "http_resp.h"
#include "httpd.h"
#include "out.h"
#include "stackmap.h"
#include "util.h"

#define MAX_HDRS 64
#define MAX_BODY (1u << 20)        /* larger request bodies: 413 */
#define IN_CAP (64u << 10)         /* input kept per connection */
#define OUT_LIMIT (256u << 10)     /* queued output that pauses a conn */

struct hconn {
	bool open, closing;
	bool pending;              /* on the pending-output list */
	char *in;                  /* unprocessed input, IN_CAP bytes */
	size_t in_len;
	uint64_t discard;          /* request body bytes still to skip */
	uint64_t last_ms, head_ms; /* last input; start of an unfinished head */
	int file_fd;
	uint64_t file_off, file_left;
	struct out_q q;
};

struct httpd {
	struct sm_port *port;
	struct out w;
	struct hconn *c;           /* indexed by fd */
	size_t nc;
	int *pend;                 /* fds with output pending */
	size_t npend, pend_cap;
	int rootfd;
	long fixed;                /* --fixed body size, -1 = serve files */
	char *body;                /* the fixed body */
	unsigned idle_s, header_s;
	uint64_t now_ms;
	int verbose;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct hconn *conn_get(struct httpd *h, int fd)
{
	size_t n;

	if ((size_t)fd >= h->nc) {
		n = h->nc ? h->nc : 1024;
		while (n <= (size_t)fd)
			n *= 2;
		h->c = realloc(h->c, n * sizeof(*h->c));
		if (!h->c)
			abort();
		memset(h->c + h->nc, 0, (n - h->nc) * sizeof(*h->c));
		h->nc = n;
	}
	return &h->c[fd];
}

static void conn_open(struct httpd *h, int fd)
{
	struct hconn *c = conn_get(h, fd);

	free(c->in);
	memset(c, 0, sizeof(*c));
	c->open = true;
	c->file_fd = -1;
	c->last_ms = h->now_ms;
}

static void pend_add(struct httpd *h, int fd, struct hconn *c)
{
	if (c->pending)
		return;
	if (h->npend == h->pend_cap) {
		h->pend_cap = h->pend_cap ? h->pend_cap * 2 : 256;
		h->pend = realloc(h->pend, h->pend_cap * sizeof(*h->pend));
		if (!h->pend)
			abort();
	}
	h->pend[h->npend++] = fd;
	c->pending = true;
}

/* Release what the app holds for fd; the library closes the socket once
 * the output queued before is sent. */
static void conn_release(struct hconn *c)
{
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	c->file_left = 0;
	c->open = false;
}

/* Stop reading fd and close it after its pending output. */
static void conn_close(struct httpd *h, int fd, struct hconn *c)
{
	c->closing = true;
	if (c->file_left) {
		/* A body cut short would lie about Content-Length. */
		out_q_free(&c->q);
		conn_release(c);
		out_close(&h->w, fd, &c->q);
		return;
	}
	out_close(&h->w, fd, &c->q);
	if (c->q.bytes || c->q.close_after)
		pend_add(h, fd, c);
	else
		conn_release(c);
}

static void send_error(struct httpd *h, int fd, struct hconn *c, int status,
		       int minor, bool keep, bool head_only)
{
	char buf[1024];
	size_t n = http_error(buf, sizeof(buf), status, minor, keep, head_only);

	out_write(&h->w, fd, &c->q, buf, n);
	if (!keep)
		conn_close(h, fd, c);
}

static void serve_file(struct httpd *h, int fd, struct hconn *c,
		       const struct http_req *r, bool head, bool keep)
{
	const char *type;
	uint64_t size;
	char buf[512];
	int ffd = http_open_target(h->rootfd, r->target, r->target_len, &size,
				   &type);
	size_t n;

	if (ffd < 0) {
		send_error(h, fd, c, -ffd, r->minor, keep && ffd != -400, head);
		return;
	}
	n = http_head(buf, sizeof(buf), 200, r->minor, type, size, keep, NULL);
	out_write(&h->w, fd, &c->q, buf, n);
	if (head || size == 0) {
		close(ffd);
		return;
	}
	c->file_fd = ffd;
	c->file_off = 0;
	c->file_left = size;
	pend_add(h, fd, c);
}

static void handle(struct httpd *h, int fd, struct hconn *c,
		   const struct http_req *r)
{
	bool head = r->method_len == 4 && !memcmp(r->method, "HEAD", 4);
	bool get = r->method_len == 3 && !memcmp(r->method, "GET", 3);
	bool keep = http_keep_alive(r);
	char buf[512];
	size_t n;

	if (r->content_length > (int64_t)MAX_BODY) {
		send_error(h, fd, c, 413, r->minor, false, head);
		return;
	}
	if (r->content_length > 0)
		c->discard = (uint64_t)r->content_length;
	if (!get && !head) {
		send_error(h, fd, c, 405, r->minor, keep, false);
	} else if (h->fixed >= 0) {
		n = http_head(buf, sizeof(buf), 200, r->minor,
			      "text/plain", (uint64_t)h->fixed, keep, NULL);
		out_write(&h->w, fd, &c->q, buf, n);
		if (!head)
			out_write(&h->w, fd, &c->q, h->body, (size_t)h->fixed);
	} else {
		serve_file(h, fd, c, r, head, keep);
	}
	if (!keep && !c->closing)
		conn_close(h, fd, c);
}

/* A connection with a file streaming or much queued output takes no new
 * requests until it drained: output per connection stays bounded. */
static bool blocked(const struct hconn *c)
{
	return c->file_left || c->q.bytes > OUT_LIMIT;
}

/* Serve the complete requests in buf; returns the bytes consumed. */
static size_t process(struct httpd *h, int fd, struct hconn *c,
		      const char *buf, size_t len)
{
	struct http_hdr hdrs[MAX_HDRS];
	struct http_req r;
	size_t off = 0;
	int n;

	while (off < len && !c->closing) {
		if (c->discard) {
			n = (int)(c->discard < len - off ? c->discard : len - off);
			c->discard -= (uint64_t)n;
			off += (size_t)n;
			continue;
		}
		if (blocked(c))
			break;
		if (!c->head_ms)
			c->head_ms = h->now_ms;
		memset(&r, 0, sizeof(r));
		r.hdrs = hdrs;
		r.max_hdrs = MAX_HDRS;
		n = http_parse_request(buf + off, len - off, &r);
		if (n == -2)
			break;
		if (n < 0) {
			send_error(h, fd, c, r.status ? r.status : 400,
				   r.minor, false, false);
			return len;
		}
		off += (size_t)n;
		c->head_ms = 0;
		handle(h, fd, c, &r);
	}
	return c->closing ? len : off;
}

/* Keep unprocessed bytes; false if they do not fit (the conn is closed). */
static bool stash(struct httpd *h, int fd, struct hconn *c, const char *p,
		  size_t n)
{
	if (!c->in && !(c->in = malloc(IN_CAP)))
		abort();
	if (c->in_len + n > IN_CAP) {
		/* More pipelined input than we keep while the client does
		 * not read its answers, or a head beyond every limit. */
		conn_close(h, fd, c);
		return false;
	}
	memmove(c->in + c->in_len, p, n);
	c->in_len += n;
	return true;
}

static void run_stash(struct httpd *h, int fd, struct hconn *c)
{
	size_t n = process(h, fd, c, c->in, c->in_len);

	if (!c->open)
		return;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void on_data(struct httpd *h, int fd, const char *p, size_t len)
{
	struct hconn *c = conn_get(h, fd);
	size_t n;

	if (!c->open || c->closing)
		return;
	c->last_ms = h->now_ms;
	if (c->in_len) {
		if (stash(h, fd, c, p, len))
			run_stash(h, fd, c);
		return;
	}
	n = process(h, fd, c, p, len);  /* in place, the common case */
	if (c->open && n < len)
		stash(h, fd, c, p + n, len - n);
}

/* Stream file data straight into TX slot buffers. */
static bool file_drain(struct httpd *h, int fd, struct hconn *c)
{
	uint32_t room;
	ssize_t n;
	char *p;

	while (c->file_left) {
		p = out_reserve(&h->w, fd, &c->q, &room);
		if (!p)
			return false;
		if (room > c->file_left)
			room = (uint32_t)c->file_left;
		n = pread(c->file_fd, p, room, (off_t)c->file_off);
		if (n <= 0) {  /* the file shrank under us: cut the conn */
			conn_close(h, fd, c);
			return true;
		}
		out_commit(&h->w, (uint32_t)n);
		c->file_off += (uint64_t)n;
		c->file_left -= (uint64_t)n;
	}
	close(c->file_fd);
	c->file_fd = -1;
	return true;
}

/* Move pending output into TX slots; keep the conns that still wait. */
static void drain_all(struct httpd *h)
{
	size_t i, k = 0;

	for (i = 0; i < h->npend; i++) {
		int fd = h->pend[i];
		struct hconn *c = &h->c[fd];
		bool done = out_drain(&h->w, fd, &c->q) &&
			    (!c->file_left || file_drain(h, fd, c));

		if (done && c->open && c->in_len && !c->closing)
			run_stash(h, fd, c);
		done = done && !c->file_left && !c->q.bytes &&
		       !c->q.close_after;
		if (!done) {
			h->pend[k++] = fd;
			continue;
		}
		c->pending = false;
		if (c->closing && c->open)
			conn_release(c);
	}
	h->npend = k;
}

static void on_slot(struct httpd *h, const struct sm_slot *s)
{
	struct hconn *c;

	if (s->flags & SM_F_ACCEPT) {
		conn_open(h, s->fd);
	} else if (s->flags & (SM_F_EOF | SM_F_ERR)) {
		c = conn_get(h, s->fd);
		if (!c->open)
			return;
		if (s->flags & SM_F_ERR)
			out_q_free(&c->q);  /* nobody will read it */
		if (!c->closing)
			conn_close(h, s->fd, c);
	} else {
		on_data(h, s->fd, (const char *)sm_buf(h->port, s->buf_idx) +
			s->off, s->len);
	}
}

/* Once a second: answer 408 to heads that take too long, close idle. */
static void timeouts(struct httpd *h)
{
	static uint64_t last;
	size_t fd;

	if (h->now_ms - last < 1000)
		return;
	last = h->now_ms;
	for (fd = 0; fd < h->nc; fd++) {
		struct hconn *c = &h->c[fd];

		if (!c->open || c->closing || c->pending)
			continue;
		if (c->head_ms && h->now_ms - c->head_ms > h->header_s * 1000ull)
			send_error(h, (int)fd, c, 408, 1, false, false);
		else if (h->now_ms - c->last_ms > h->idle_s * 1000ull)
			conn_close(h, (int)fd, c);
	}
}

static void loop(struct httpd *h)
{
	struct sm_ring *rx = sm_rxring(h->port);
	int ret;

	while (!stop) {
		out_flush(&h->w);
		ret = sm_sync(h->port, h->npend ? 0 : 500);
		if (ret < 0) {
			fprintf(stderr, "sm-httpd: sync: %s\n", strerror(-ret));
			return;
		}
		h->now_ms = mono_ms();
		drain_all(h);
		while (!sm_ring_empty(rx)) {
			on_slot(h, &rx->slot[rx->head]);
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
		}
		drain_all(h);
		timeouts(h);
	}
}

int main(int argc, char **argv)
{
	struct httpd h;
	struct opts o;
	int lfd, ret;

	memset(&h, 0, sizeof(h));
	if (httpd_parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	h.fixed = o.fixed;
	h.idle_s = o.idle_s;
	h.header_s = o.header_s;
	h.rootfd = -1;
	if (o.root && (h.rootfd = open(o.root, O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC)) < 0) {
		fprintf(stderr, "sm-httpd: %s: %s\n", o.root, strerror(errno));
		return EX_NOINPUT;
	}
	if (h.fixed >= 0 && !(h.body = malloc((size_t)h.fixed + 1)))
		return EX_OSERR;
	if (h.body)
		memset(h.body, 'x', (size_t)h.fixed);
	util_signals(on_signal);
	lfd = util_listen(o.addr, o.port, &o.port);
	ret = lfd < 0 ? lfd : sm_open(&h.port, &o.cfg);
	if (ret == 0)
		ret = sm_attach(h.port, lfd);
	if (ret < 0) {
		fprintf(stderr, "sm-httpd: [%s]:%d: %s\n", o.addr, o.port,
			strerror(-ret));
		return EX_OSERR;
	}
	if (o.verbose)
		fprintf(stderr, "sm-httpd: %s engine, [%s]:%d, %s\n",
			sm_engine_name(sm_engine(h.port)), o.addr, o.port,
			o.root ? o.root : "fixed response");
	if (o.port_file && util_write_port_file(o.port_file, o.port) < 0)
		return EX_CANTCREAT;
	out_init(&h.w, h.port);
	h.now_ms = mono_ms();
	loop(&h);
	util_print_stats(stderr, "sm-httpd", h.port);
	sm_close(h.port);
	return 0;
}
