/* SPDX-License-Identifier: BSD-2-Clause */
/* http_log.c: the access log (combined format) and the error log. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_cond.h"
#include "http_log.h"

#define LOG_BATCH (32u << 10)      /* a write once this much is held */
#define LOG_LINE_MAX 8192          /* the longest line formatted */

static const char *access_path, *error_path;
static int access_fd = -1;

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	return fd < 0 ? -errno : fd;
}

int http_log_open(const char *access, const char *error, const char **which)
{
	int fd;

	if (access) {
		access_path = access;
		*which = access;
		if ((access_fd = open_log(access)) < 0)
			return access_fd;
	}
	if (error) {
		error_path = error;
		*which = error;
		if ((fd = open_log(error)) < 0)
			return fd;
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return 0;
}

bool http_log_enabled(void)
{
	return access_fd >= 0;
}

/* The new file takes the old one's fd number in one step (dup2). */
static int reopen_onto(const char *path, int target)
{
	int fd = open_log(path);

	if (fd < 0)
		return fd;
	if (dup2(fd, target) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

int http_log_reopen(void)
{
	int ret = 0, r;

	if (access_path && (r = reopen_onto(access_path, access_fd)) < 0)
		ret = r;
	if (error_path && (r = reopen_onto(error_path, STDERR_FILENO)) < 0)
		ret = r;
	return ret;
}

/* s[0..n) as nginx escapes log fields: ", \ and bytes outside
 * printable ASCII as \xHH; "-" for nothing. */
static size_t esc(char *o, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, k = 0;

	if (!s || n == 0)
		return cap > 1 ? (o[0] = '-', 1) : 0;
	for (i = 0; i < n && k + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
			o[k++] = '\\';
			o[k++] = 'x';
			o[k++] = hex[c >> 4];
			o[k++] = hex[c & 15];
		} else {
			o[k++] = (char)c;
		}
	}
	return k;
}

/* [06/Dec/2026:03:49:00 +0000], made at most once a second per thread. */
static const char *time_local(void)
{
	static __thread char buf[40];
	static __thread time_t last = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != last) {
		localtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%d/%b/%Y:%H:%M:%S %z", &tm);
		last = now;
	}
	return buf;
}

static bool room(struct http_logbuf *b, size_t n)
{
	char *p;

	if (b->len + n <= b->cap)
		return true;
	p = realloc(b->buf, b->cap = b->len + n + LOG_BATCH);
	if (!p)
		return false;
	b->buf = p;
	return true;
}

void http_log_line(struct http_logbuf *b, const char *peer,
		   const struct http_req *r, int status, uint64_t bytes)
{
	const char *ref = NULL, *ua = NULL;
	size_t nref = 0, nua = 0, k;
	char *o;

	if (access_fd < 0 || !room(b, LOG_LINE_MAX))
		return;
	if (r) {
		ref = http_header(r, "Referer", &nref);
		ua = http_header(r, "User-Agent", &nua);
	}
	o = b->buf + b->len;
	k = (size_t)snprintf(o, 128, "%s - - [%s] \"", peer ? peer : "-",
			     time_local());
	if (r) {
		/* The request line as sent: method, target, version. */
		k += esc(o + k, 2048, r->method, r->method_len);
		o[k++] = ' ';
		k += esc(o + k, 4096, r->target, r->target_len);
		k += (size_t)snprintf(o + k, 16, " HTTP/1.%d", r->minor);
	} else {
		o[k++] = '-';
	}
	k += (size_t)snprintf(o + k, 64, "\" %d %" PRIu64 " \"", status,
			      bytes);
	k += esc(o + k, 512, ref, nref);
	memcpy(o + k, "\" \"", 3);
	k += 3;
	k += esc(o + k, 1024, ua, nua);
	memcpy(o + k, "\"\n", 2);
	b->len += k + 2;
	b->lines++;
	if (b->len >= LOG_BATCH)
		http_log_flush(b);
}

void http_log_flush(struct http_logbuf *b)
{
	size_t off = 0;
	ssize_t n;

	while (access_fd >= 0 && off < b->len) {
		n = write(access_fd, b->buf + off, b->len - off);
		if (n <= 0 && errno != EINTR)
			break;  /* a full disk: the lines are dropped, not kept */
		if (n > 0)
			off += (size_t)n;
	}
	if (b->len)
		b->writes++;
	b->len = 0;
}

void http_log_free(struct http_logbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
