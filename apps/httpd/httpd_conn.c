/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * httpd_conn.c: sm-httpd's per-connection code, the callbacks of
 * httpd_ops that apps/common/server.c calls: requests parsed in place,
 * fixed responses, files streamed with pread() straight into TX slot
 * buffers, header and idle timeouts.  Separate from main() so that a
 * harness (tests/fuzz/fuzz_http_conn.c) can drive it without a socket.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "http_cond.h"
#include "http_parser.h"
#include "http_resp.h"
#include "httpd.h"
#include "server.h"

#define MAX_HDRS 64
#define MAX_BODY (1u << 20)        /* larger request bodies: 413 */

struct hconn {
	struct srv_conn sc;        /* first: the shared bookkeeping */
	uint64_t discard;          /* request body bytes still to skip */
	uint64_t head_ms;          /* start of an unfinished head, 0 = none */
	int file_fd;
	uint64_t file_off, file_left;
	struct http_kept kept;     /* an unfinished head across reads */
	char peer[48];             /* the client's address, for the log */
};

#define HC(c) ((struct hconn *)(c))
#define APP(s) ((struct httpd *)(s)->app)

static void h_open(struct srv *s, int fd, struct srv_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char *p = HC(c)->peer;

	(void)s;
	HC(c)->file_fd = -1;
	p[0] = '\0';
	/* One getpeername() per connection, only when there is a log. */
	if (!http_log_enabled() || getpeername(fd, (struct sockaddr *)&ss,
					       &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, p, 48);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, p,
			  48);
}

/* The access log's line for the request being answered (APP(s)->req;
 * NULL for one that never parsed). */
static void log_req(struct srv *s, struct srv_conn *c, int status,
		    uint64_t bytes)
{
	if (http_log_enabled())
		http_log_line(&APP(s)->log, HC(c)->peer[0] ? HC(c)->peer : NULL,
			      APP(s)->req, status, bytes);
}

static void h_release(struct srv *s, int fd, struct srv_conn *c)
{
	(void)s;
	(void)fd;
	if (HC(c)->file_fd >= 0)
		close(HC(c)->file_fd);
	HC(c)->file_fd = -1;
	HC(c)->file_left = 0;
}

static void send_error_x(struct srv *s, int fd, struct srv_conn *c,
			 int status, int minor, bool keep, bool head_only,
			 const char *extra)
{
	char buf[1024 + HTTP_MAX_TARGET];
	size_t n = http_error(buf, sizeof(buf), status, minor, keep, head_only,
			      extra);
	const char *end = memmem(buf, n, "\r\n\r\n", 4);

	srv_write(s, fd, c, buf, n);
	log_req(s, c, status, end ? (uint64_t)(buf + n - end - 4) : 0);
	if (!keep)
		srv_close(s, fd, c);
}

static void send_error(struct srv *s, int fd, struct srv_conn *c, int status,
		       int minor, bool keep, bool head_only)
{
	send_error_x(s, fd, c, status, minor, keep, head_only, NULL);
}

/* The length of s[0..n)'s first span without any byte of reject. */
static size_t strcspn2(const char *s, size_t n, const char *reject)
{
	size_t i;

	for (i = 0; i < n && !strchr(reject, s[i]); i++)
		;
	return i;
}

/* A directory named without its slash: to the slash form, query kept,
 * a fragment (never part of a request-target, RFC 9112 3.2) left out. */
static void redirect_slash(struct srv *s, int fd, struct srv_conn *c,
			   const struct http_req *r, bool head, bool keep)
{
	char loc[HTTP_MAX_TARGET + 32];
	size_t path = strcspn2(r->target, r->target_len, "?#");
	size_t end = path + strcspn2(r->target + path, r->target_len - path,
				     "#");

	snprintf(loc, sizeof(loc), "Location: %.*s/%.*s\r\n", (int)path,
		 r->target, (int)(end - path), r->target + path);
	send_error_x(s, fd, c, 301, r->minor, keep, head, loc);
}

/* --autoindex: a directory without index.html, listed. */
static void send_listing(struct srv *s, int fd, struct srv_conn *c,
			 const struct http_req *r, int dirfd, bool head,
			 bool keep)
{
	char *page = NULL, buf[512];
	size_t len = http_autoindex(dirfd, r->target, r->target_len, &page);
	size_t n;

	if (!len) {
		send_error(s, fd, c, 500, r->minor, keep, head);
		return;
	}
	n = http_head(buf, sizeof(buf), 200, r->minor,
		      "text/html; charset=utf-8", len, keep, NULL);
	srv_write(s, fd, c, buf, n);
	if (!head)
		srv_write(s, fd, c, page, len);
	log_req(s, c, 200, head ? 0 : len);
	free(page);
}

/*
 * A file, by the request's preconditions and Range (http_cond.c): 200 or
 * 206 with the validators and Accept-Ranges, 304 with the validators and
 * no body, 412, or 416 with the file's size.
 */
static void serve_file(struct srv *s, int fd, struct srv_conn *c,
		       const struct http_req *r, bool head, bool keep)
{
	struct http_range rg = { 0, 0 };
	struct http_file f;
	const char *type;
	char buf[768], extra[256];
	int ffd, status = http_open_target(APP(s)->rootfd, r->target,
					   r->target_len, &ffd, &f, &type,
					   APP(s)->autoindex);
	uint64_t len;
	size_t n;

	if (status == HTTP_LIST_DIR) {
		send_listing(s, fd, c, r, ffd, head, keep);
		return;
	}
	if (status == 301) {
		redirect_slash(s, fd, c, r, head, keep);
		return;
	}
	if (status) {
		send_error(s, fd, c, status, r->minor, keep && status != 400,
			   head);
		return;
	}
	status = http_conditions(r, &f, !head, &rg);
	n = (size_t)snprintf(extra, sizeof(extra), "Last-Modified: %s\r\n"
			     "ETag: %s\r\nAccept-Ranges: bytes\r\n",
			     f.last_modified, f.etag);
	if (status == 206)
		snprintf(extra + n, sizeof(extra) - n, "Content-Range: bytes %"
			 PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n", rg.first,
			 rg.first + rg.len - 1, f.size);
	if (status == 412 || status == 416) {
		close(ffd);
		snprintf(extra, sizeof(extra), "Content-Range: bytes */%" PRIu64
			 "\r\n", f.size);
		send_error_x(s, fd, c, status, r->minor, keep, head,
			     status == 416 ? extra : NULL);
		return;
	}
	if (status != 206) {
		rg.first = 0;
		rg.len = f.size;
	}
	len = status == 304 ? HTTP_NO_LENGTH : rg.len;
	n = http_head(buf, sizeof(buf), status, r->minor,
		      status == 304 ? NULL : type, len, keep, extra);
	srv_write(s, fd, c, buf, n);
	log_req(s, c, status, head || status == 304 ? 0 : rg.len);
	if (head || status == 304 || rg.len == 0) {
		close(ffd);
		return;
	}
	HC(c)->file_fd = ffd;
	HC(c)->file_off = rg.first;
	HC(c)->file_left = rg.len;
	srv_pend(s, fd, c);
}

/* The head of a fixed response, made at most once a second per variant:
 * formatting it for every request cost about 5% of the CPU of a request
 * (snprintf), as much as parsing the request. */
static const struct httpd_head *fixed_head(struct httpd *h, int minor,
					   bool keep)
{
	struct httpd_head *hd = &h->head[minor != 0][keep];
	time_t now = time(NULL);

	if (hd->made != now || !hd->len) {
		hd->len = http_head(hd->buf, sizeof(hd->buf), 200, minor,
				    "text/plain", (uint64_t)h->fixed, keep,
				    NULL);
		hd->made = now;
	}
	return hd;
}

static void handle(struct srv *s, int fd, struct srv_conn *c,
		   const struct http_req *r)
{
	struct httpd *h = APP(s);
	bool head = r->method_len == 4 && !memcmp(r->method, "HEAD", 4);
	bool get = r->method_len == 3 && !memcmp(r->method, "GET", 3);
	bool keep = http_keep_alive(r);

	h->req = r;
	if (r->content_length > (int64_t)MAX_BODY) {
		send_error(s, fd, c, 413, r->minor, false, head);
		h->req = NULL;
		return;
	}
	if (r->content_length > 0)
		HC(c)->discard = (uint64_t)r->content_length;
	if (!get && !head) {
		send_error(s, fd, c, 405, r->minor, keep, false);
	} else if (h->fixed >= 0) {
		const struct httpd_head *hd = fixed_head(h, r->minor, keep);

		srv_write(s, fd, c, hd->buf, hd->len);
		if (!head)
			srv_write(s, fd, c, h->body, (size_t)h->fixed);
		log_req(s, c, 200, head ? 0 : (uint64_t)h->fixed);
	} else {
		serve_file(s, fd, c, r, head, keep);
	}
	h->req = NULL;
	if (!keep)
		srv_close(s, fd, c);
}

/* A file still streaming takes no new requests: responses stay in order
 * and output per connection stays bounded. */
static bool h_busy(const struct srv_conn *c)
{
	return HC(c)->file_left != 0;
}

/* Serve the complete requests in buf; returns the bytes consumed. */
static size_t h_input(struct srv *s, int fd, struct srv_conn *c,
		      const char *buf, size_t len)
{
	struct hconn *hc = HC(c);
	struct http_hdr hdrs[MAX_HDRS];
	struct http_req r;
	size_t off = 0;
	int n;

	while (off < len && !c->closing) {
		if (hc->discard) {
			n = (int)(hc->discard < len - off ? hc->discard : len - off);
			hc->discard -= (uint64_t)n;
			off += (size_t)n;
			continue;
		}
		if (srv_busy(s, fd, c))
			break;
		if (!hc->head_ms)
			hc->head_ms = s->now_ms;
		memset(&r, 0, sizeof(r));
		r.hdrs = hdrs;
		r.max_hdrs = MAX_HDRS;
		n = http_parse_kept(buf + off, len - off, &r, &hc->kept);
		if (n == HTTP_PARSE_INCOMPLETE)
			break;
		if (n == HTTP_PARSE_ERROR) {
			send_error(s, fd, c, r.status ? r.status : 400,
				   r.minor, false, false);
			break;
		}
		off += (size_t)n;
		hc->head_ms = 0;
		handle(s, fd, c, &r);
	}
	return off;
}

/* Stream file data straight into TX slot buffers; true when done. */
static bool h_drain(struct srv *s, int fd, struct srv_conn *c)
{
	struct hconn *hc = HC(c);
	uint32_t room;
	ssize_t n;
	char *p;

	while (hc->file_left) {
		if (srv_lib_full(s, fd, c))
			return false;  /* the rest when the kernel took some */
		p = srv_reserve(s, fd, c, &room);
		if (!p)
			return false;
		if (room > hc->file_left)
			room = (uint32_t)hc->file_left;
		n = pread(hc->file_fd, p, room, (off_t)hc->file_off);
		if (n <= 0) {  /* the file shrank under us: cut the conn */
			hc->file_left = 0;
			srv_close(s, fd, c);
			break;
		}
		srv_commit(s, c, (uint32_t)n);
		hc->file_off += (uint64_t)n;
		hc->file_left -= (uint64_t)n;
	}
	if (hc->file_fd >= 0)
		close(hc->file_fd);
	hc->file_fd = -1;
	return true;
}

/* Once a second: the logs (reopened on a signal, this worker's lines
 * written), 408 to heads that take too long, idle connections closed. */
static void h_tick(struct srv *s)
{
	struct httpd *h = APP(s);
	size_t fd;
	int ret;

	/* logrotate moved the files and sent SIGUSR1: new files, same fds,
	 * for every worker at once (worker 0 asks). */
	if (h->reopen_due && h->reopen_due() && (ret = http_log_reopen()) < 0)
		fprintf(stderr, "sm-httpd: reopening the logs: %s\n",
			strerror(-ret));
	http_log_flush(&h->log);
	for (fd = 0; fd < s->nconns; fd++) {
		struct srv_conn *c = srv_conn(s, (int)fd);
		uint64_t head_ms = HC(c)->head_ms;

		if (!c->open || c->closing || srv_pending(c))
			continue;
		if (head_ms && s->now_ms - head_ms > h->header_s * 1000ull)
			send_error(s, (int)fd, c, 408, 1, false, false);
		else if (s->now_ms - c->last_ms > h->idle_s * 1000ull)
			srv_close(s, (int)fd, c);
	}
}

const struct srv_ops httpd_ops = {
	.conn_size = sizeof(struct hconn),
	.on_open = h_open,
	.on_input = h_input,
	.on_drain = h_drain,
	.busy = h_busy,
	.on_release = h_release,
	.on_tick = h_tick,
};
