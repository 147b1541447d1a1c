/* SPDX-License-Identifier: BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "http_resp.h"

#define PATH_MAX_LEN 4096

const char *http_date(time_t now)
{
	/* Per thread: each worker keeps its own (sm-httpd -t N). */
	static __thread char buf[64];
	static __thread time_t last = -1;
	struct tm tm;

	if (now != last) {
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	return buf;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 412: return "Precondition Failed";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

static const struct { const char *ext, *type; } mime[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "css", "text/css" },
	{ "js", "text/javascript" },
	{ "mjs", "text/javascript" },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "woff2", "font/woff2" },
	{ "mp4", "video/mp4" },
	{ "gz", "application/gzip" },
};

/*
 * The types of /etc/mime.types (Debian's media-types; nginx ships its own
 * table), loaded once before the workers start and read-only after, as
 * one array sorted by extension.  Without the file: the built-in table.
 */
struct ext_type {
	char *ext;                 /* lower case */
	const char *type;          /* into types, or a built-in string */
};
static struct ext_type *loaded;
static size_t nloaded;
static bool have_table;            /* a file was read, even an empty one */
static const char *default_type = "application/octet-stream";

static int ext_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ext_type *)a)->ext,
		      ((const struct ext_type *)b)->ext);
}

/* text/html and text/plain are sent as UTF-8, as the built-in table did. */
static const char *with_charset(const char *type)
{
	if (!strcmp(type, "text/html"))
		return "text/html; charset=utf-8";
	if (!strcmp(type, "text/plain"))
		return "text/plain; charset=utf-8";
	return strdup(type);
}

/* One "type ext ext..." line into the table; -1 when out of memory. */
static int add_line(char *line, size_t *cap)
{
	char *save, *type = strtok_r(line, " \t\r\n", &save), *ext;
	const char *t = NULL;

	if (!type || type[0] == '#')
		return 0;
	while ((ext = strtok_r(NULL, " \t\r\n", &save))) {
		char *e;

		if (nloaded == *cap) {
			struct ext_type *n = realloc(loaded, (*cap = *cap ? 2 * *cap
						     : 1024) * sizeof(*n));
			if (!n)
				return -1;
			loaded = n;
		}
		if (!t && !(t = with_charset(type)))
			return -1;
		if (!(e = strdup(ext)))
			return -1;
		for (char *p = e; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		loaded[nloaded].ext = e;
		loaded[nloaded++].type = t;
	}
	return 0;
}

int http_mime_load(const char *file, const char *dflt)
{
	char line[4096];
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	if (dflt)
		default_type = dflt;
	if (!file)
		return 0;
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (ret == 0 && fgets(line, sizeof(line), f))
		ret = add_line(line, &cap);
	fclose(f);
	if (ret < 0)
		return -ENOMEM;
	if (nloaded)
		qsort(loaded, nloaded, sizeof(*loaded), ext_cmp);
	have_table = true;
	return (int)nloaded;
}

const char *http_mime(const char *path, size_t len)
{
	size_t i, e = len;

	while (e > 0 && path[e - 1] != '.' && path[e - 1] != '/')
		e--;
	if (e == 0 || path[e - 1] != '.' || len - e >= 32)
		return default_type;
	if (have_table) {
		char ext[32];
		struct ext_type key = { .ext = ext }, *hit;

		for (i = 0; i < len - e; i++)
			ext[i] = (char)tolower((unsigned char)path[e + i]);
		ext[len - e] = '\0';
		hit = nloaded ? bsearch(&key, loaded, nloaded, sizeof(*loaded),
					ext_cmp) : NULL;
		return hit ? hit->type : default_type;
	}
	for (i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
		if (strlen(mime[i].ext) == len - e &&
		    !strncasecmp(path + e, mime[i].ext, len - e))
			return mime[i].type;
	return default_type;
}

size_t http_head(char *buf, size_t cap, int status, int minor,
		 const char *type, uint64_t length, int keep_alive,
		 const char *extra)
{
	char len[48] = "";
	int n;

	if (length != HTTP_NO_LENGTH)
		snprintf(len, sizeof(len), "Content-Length: %llu\r\n",
			 (unsigned long long)length);
	n = snprintf(buf, cap,
		     "HTTP/1.%d %d %s\r\nServer: sm-httpd\r\nDate: %s\r\n"
		     "%s%s%s%s%s%s\r\n",
		     minor, status, http_reason(status), http_date(time(NULL)),
		     type ? "Content-Type: " : "", type ? type : "",
		     type ? "\r\n" : "", len,
		     /* 1.1 keeps alive by default, 1.0 closes by default. */
		     keep_alive ? (minor ? "" : "Connection: keep-alive\r\n") :
				  "Connection: close\r\n",
		     extra ? extra : "");
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t http_error(char *buf, size_t cap, int status, int minor,
		  int keep_alive, int head_only, const char *extra)
{
	char body[256];
	size_t h;
	int n;

	n = snprintf(body, sizeof(body),
		     "<html><head><title>%d %s</title></head><body>"
		     "<h1>%d %s</h1></body></html>\n", status,
		     http_reason(status), status, http_reason(status));
	h = http_head(buf, cap, status, minor, "text/html; charset=utf-8",
		      (uint64_t)n, keep_alive,
		      extra ? extra :
		      status == 405 ? "Allow: GET, HEAD\r\n" : NULL);
	if (!h || head_only || h + (size_t)n >= cap)
		return h;
	memcpy(buf + h, body, (size_t)n);
	return h + (size_t)n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the path part of target into out ("./" + path); false if it
 * cannot be (not absolute, a bad %XX, a NUL, too long). */
static bool decode_path(const char *t, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	if (len == 0 || t[0] != '/')
		return false;
	out[o++] = '.';
	for (i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		char c = t[i];

		if (c == '%') {
			int hi = i + 2 < len ? hexval(t[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(t[i + 2]) : -1;

			if (lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* RFC 9112 §3.2.2: a server must accept the absolute form
 * ("http://host:port/path?q", what proxies send): its path and query are
 * the origin form, "/" when it has no path.  Other targets as they are. */
static void origin_form(const char **t, size_t *len)
{
	const char *p = *t, *end = *t + *len, *slash;
	size_t skip;

	if (*len >= 7 && !strncasecmp(p, "http://", 7))
		skip = 7;
	else if (*len >= 8 && !strncasecmp(p, "https://", 8))
		skip = 8;
	else
		return;
	slash = memchr(p + skip, '/', (size_t)(end - p - skip));
	if (!slash) {
		*t = "/";
		*len = 1;
		return;
	}
	*t = slash;
	*len = (size_t)(end - slash);
}

/* Any ".." segment, however it was spelled, is refused outright. */
static int has_dotdot(const char *p)
{
	const char *s = p;

	while ((s = strstr(s, "..")) != NULL) {
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return 1;
		s += 2;
	}
	return 0;
}

/* openat2 with RESOLVE_BENEATH: the kernel refuses every path (.., a
 * symlink, an absolute link) that would resolve outside rootfd. */
static int open_beneath(int rootfd, const char *path)
{
	struct open_how how = {
		/* O_NONBLOCK: opening a FIFO must not block the server
		 * (anything not a regular file is refused after fstat). */
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The status that answers a failed open: -errno in, 404 or 403 out. */
static int status_of(int err)
{
	return err == -ENOENT || err == -ENOTDIR || err == -EXDEV ||
	       err == -ELOOP ? 404 : 403;
}

int http_open_target(int rootfd, const char *target, size_t len, int *fdp,
		     struct http_file *f, const char **type, bool autoindex)
{
	char path[PATH_MAX_LEN + 16];
	struct stat st;
	size_t plen;
	int fd;

	origin_form(&target, &len);
	if (!decode_path(target, len, path, PATH_MAX_LEN) || has_dotdot(path))
		return 400;
	fd = open_beneath(rootfd, path);
	if (fd < 0)
		return status_of(fd);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int dirfd = fd;

		plen = strlen(path);
		if (path[plen - 1] != '/') {
			close(dirfd);
			return 301;
		}
		snprintf(path + plen, sizeof(path) - plen, "index.html");
		fd = open_beneath(rootfd, path);
		if (fd == -ENOENT && autoindex) {
			*fdp = dirfd;  /* no index: the listing */
			return HTTP_LIST_DIR;
		}
		close(dirfd);
		if (fd < 0)
			return status_of(fd);
		if (fstat(fd, &st) < 0)
			st.st_mode = 0;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 403;
	}
	*fdp = fd;
	http_file_validators(f, (uint64_t)st.st_ino, (uint64_t)st.st_size,
			     &st.st_mtim);
	*type = http_mime(path, strlen(path));
	return 0;
}
