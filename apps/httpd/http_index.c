/* SPDX-License-Identifier: BSD-2-Clause */
/* http_index.c: a directory's listing, as nginx's autoindex writes it. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_resp.h"

struct entry {
	char *name;
	bool dir;
	long long size;
	time_t mtime;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Append to a growing buffer; false when out of memory. */
struct buf {
	char *p;
	size_t len, cap;
};

static bool put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return true;
}

/* A string literal, without its NUL. */
#define PUT_LIT(b, lit) put(b, lit, sizeof(lit) - 1)

/* A name in an href: every byte but the unreserved ones as %XX. */
static bool put_href(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%' };

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			if (!put(b, s, 1))
				return false;
			continue;
		}
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (!put(b, e, 3))
			return false;
	}
	return true;
}

/* Text in the page: & < > " as entities. */
static bool put_text(struct buf *b, const char *s, size_t n)
{
	size_t i;
	bool ok = true;

	for (i = 0; i < n && ok; i++) {
		switch (s[i]) {
		case '&': ok = put(b, "&amp;", 5); break;
		case '<': ok = put(b, "&lt;", 4); break;
		case '>': ok = put(b, "&gt;", 4); break;
		case '"': ok = put(b, "&quot;", 6); break;
		default: ok = put(b, s + i, 1);
		}
	}
	return ok;
}

/* One line: <a href="name/">name/</a>, padded to 50, date, size. */
static bool put_entry(struct buf *b, const struct entry *e)
{
	char tail[128], date[32];
	size_t shown = strlen(e->name) + e->dir;
	struct tm tm;

	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%d-%b-%Y %H:%M", &tm);
	if (e->dir)
		snprintf(tail, sizeof(tail), "%*s%s %19s\r\n",
			 shown < 50 ? (int)(51 - shown) : 1, "", date, "-");
	else
		snprintf(tail, sizeof(tail), "%*s%s %19lld\r\n",
			 shown < 50 ? (int)(51 - shown) : 1, "", date, e->size);
	return PUT_LIT(b, "<a href=\"") && put_href(b, e->name) &&
	       put(b, e->dir ? "/\">" : "\">", e->dir ? 3 : 2) &&
	       put_text(b, e->name, strlen(e->name)) &&
	       put(b, e->dir ? "/</a>" : "</a>", e->dir ? 5 : 4) &&
	       put(b, tail, strlen(tail));
}

static size_t read_entries(int dirfd, struct entry **out)
{
	DIR *d = fdopendir(dirfd);
	struct entry *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd, de->d_name, &st, 0) < 0)
			continue;  /* hidden, or gone (a dangling link) */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				break;
			v = nv;
		}
		if (!(v[n].name = strdup(de->d_name)))
			break;
		v[n].dir = S_ISDIR(st.st_mode);
		v[n].size = (long long)st.st_size;
		v[n].mtime = st.st_mtime;
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

size_t http_autoindex(int dirfd, const char *uri, size_t n, char **out)
{
	struct buf b = { NULL, 0, 0 };
	struct entry *v = NULL;
	size_t i, count = read_entries(dirfd, &v);
	const char *q = memchr(uri, '?', n);
	bool ok;

	if (q)
		n = (size_t)(q - uri);
	qsort(v, count, sizeof(*v), entry_cmp);
	ok = PUT_LIT(&b, "<html>\r\n<head><title>Index of ") &&
	     put_text(&b, uri, n) &&
	     PUT_LIT(&b, "</title></head>\r\n<body>\r\n<h1>Index of ") &&
	     put_text(&b, uri, n) &&
	     PUT_LIT(&b, "</h1><hr><pre><a href=\"../\">../</a>\r\n");
	for (i = 0; i < count; i++) {
		ok = ok && put_entry(&b, &v[i]);
		free(v[i].name);
	}
	free(v);
	ok = ok && PUT_LIT(&b, "</pre><hr></body>\r\n</html>\r\n");
	if (!ok) {
		free(b.p);
		return 0;
	}
	*out = b.p;
	return b.len;
}
