/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load_mc.c: sm-load's memcached side (text protocol): a mix of
 * "get KEY" and "set KEY 0 0 VLEN" over the keys key:00000000 onwards,
 * and a streaming response parser.
 *
 * Responses are lines, except the data block of a get hit, which is
 * skipped by count.  A line is parsed where it lies in the RX buffer;
 * only a line split across RX slots is gathered in the connection's line
 * buffer (lines are short: "VALUE key:00000042 0 1024").  The request
 * FIFO says what each response answers: a get gets VALUE ... END (hit)
 * or END (miss), a set STORED; any other line is an error response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

enum { OP_GET, OP_SET };
enum { M_LINE, M_DATA, M_CR, M_LF };

#define KEY_PREFIX	"key:"
#define KEY_DIGITS	8
#define VALUE_MAX	(UINT64_C(1) << 30)

/* splitmix64: spreads any seed, 0 included, over the xorshift state. */
static uint64_t seed_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x ? x : 1;
}

/* xorshift64*: a few cycles per request, good enough to pick keys. */
static uint64_t rnd(struct load *ld)
{
	uint64_t x = ld->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ld->rng = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

static int mc_init(struct load *ld)
{
	const struct load_opts *o = ld->o;
	char tail[32];
	int n = snprintf(tail, sizeof(tail), " 0 0 %u\r\n", o->value_size);

	/* The value, and the CRLF that ends its data block. */
	ld->req_len = (size_t)o->value_size + 2;
	ld->req = malloc(ld->req_len);
	ld->aux = strdup(tail);
	if (!ld->req || !ld->aux)
		return -1;
	memset(ld->req, 'v', o->value_size);
	memcpy(ld->req + o->value_size, "\r\n", 2);
	ld->aux_len = (size_t)n;
	ld->req_max = 4 + strlen(KEY_PREFIX) + KEY_DIGITS + ld->aux_len +
		      ld->req_len;
	ld->rng = seed_mix(o->seed);
	/* get when the low 32 random bits are below get_ratio * 2^32 */
	ld->get_thr = (uint64_t)(o->get_ratio * 4294967296.0);
	if (o->verbose)
		fprintf(stderr, "sm-load: get %zu bytes, set %zu bytes\n",
			4 + strlen(KEY_PREFIX) + KEY_DIGITS + 2, ld->req_max);
	return 0;
}

static void mc_fini(struct load *ld)
{
	free(ld->req);
	free(ld->aux);
}

/* "<cmd> key:NNNNNNNN" into b; its length. */
static size_t key_fmt(char *b, const char *cmd, uint32_t key)
{
	int i;

	memcpy(b, cmd, 4);
	memcpy(b + 4, KEY_PREFIX, strlen(KEY_PREFIX));
	b += 4 + strlen(KEY_PREFIX);
	for (i = KEY_DIGITS - 1; i >= 0; i--, key /= 10)
		b[i] = (char)('0' + key % 10);
	return 4 + strlen(KEY_PREFIX) + KEY_DIGITS;
}

static uint32_t mc_set(struct load *ld, int fd, uint32_t key)
{
	char b[64];
	size_t n = key_fmt(b, "set ", key);

	memcpy(b + n, ld->aux, ld->aux_len);
	load_put(ld, fd, b, n + ld->aux_len);
	load_put(ld, fd, ld->req, ld->req_len);
	return OP_SET;
}

static uint32_t mc_request(struct load *ld, int fd)
{
	uint64_t r = rnd(ld);
	/* multiply-shift: a key in [0, keys) from the high 32 bits */
	uint32_t key = (uint32_t)(((r >> 32) * ld->o->keys) >> 32);
	char b[32];
	size_t n;

	if ((r & 0xffffffff) >= ld->get_thr)
		return mc_set(ld, fd, key);
	n = key_fmt(b, "get ", key);
	memcpy(b + n, "\r\n", 2);
	load_put(ld, fd, b, n + 2);
	return OP_GET;
}

static bool line_is(const char *l, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(l, word, n) == 0;
}

/* "VALUE <key> <flags> <bytes>[ <cas>]": the data block's length. */
static int value_line(struct mc_ps *ps, const char *l, size_t n)
{
	const char *e = l + n, *s = l + 6;
	uint64_t v = 0;
	int f;

	for (f = 0; f < 2; f++) {  /* skip key and flags */
		while (s < e && *s != ' ')
			s++;
		while (s < e && *s == ' ')
			s++;
	}
	if (s == e)
		return -1;
	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > VALUE_MAX)
			return -1;
	}
	if (s < e && *s != ' ')
		return -1;
	ps->left = v;
	ps->value = true;
	ps->st = M_DATA;
	return 0;
}

/* One response line, without its line end. */
static int mc_line(struct load *ld, struct conn *c, const char *l,
		   size_t n)
{
	struct mc_ps *ps = &c->ps.mc;

	if (!c->inflight) {
		ld->why = "response without a request";
		return -1;
	}
	if (ps->value) {
		ps->value = false;
		if (line_is(l, n, "END"))
			return load_done(ld, c, RESP_HIT);
		ld->why = "no END after a value";
		return -1;
	}
	if (load_head_op(c) == OP_SET)
		return load_done(ld, c, line_is(l, n, "STORED") ?
				 RESP_OK : RESP_ERR);
	if (line_is(l, n, "END"))
		return load_done(ld, c, RESP_MISS);
	if (n >= 6 && memcmp(l, "VALUE ", 6) == 0) {
		if (value_line(ps, l, n) == 0)
			return 0;
		ld->why = "malformed VALUE line";
		return -1;
	}
	return load_done(ld, c, RESP_ERR);  /* ERROR, SERVER_ERROR... */
}

/* Gather a line: parsed in place when whole in this piece. */
static int line_part(struct load *ld, struct conn *c, const char *p,
		     uint32_t len, uint32_t *used)
{
	struct mc_ps *ps = &c->ps.mc;
	const char *nl = memchr(p, '\n', len);
	uint32_t k = nl ? (uint32_t)(nl - p) : len;

	*used = nl ? k + 1 : k;
	if (ps->len + k >= LOAD_LINE_MAX) {
		ld->why = "response line over 256 bytes";
		return -1;
	}
	if (nl && ps->len == 0)
		return mc_line(ld, c, p, k && p[k - 1] == '\r' ? k - 1 : k);
	memcpy(ps->line + ps->len, p, k);
	ps->len = (uint16_t)(ps->len + k);
	if (!nl)
		return 0;
	k = ps->len;
	ps->len = 0;
	return mc_line(ld, c, ps->line,
		       k && ps->line[k - 1] == '\r' ? k - 1 : k);
}

static int mc_parse(struct load *ld, struct conn *c, const char *p,
		    uint32_t len)
{
	struct mc_ps *ps = &c->ps.mc;
	uint32_t k;

	while (len) {
		k = 1;
		switch (ps->st) {
		case M_LINE:
			if (line_part(ld, c, p, len, &k) < 0)
				return -1;
			break;
		case M_DATA:
			k = ps->left < len ? (uint32_t)ps->left : len;
			ps->left -= k;
			if (ps->left == 0)
				ps->st = M_CR;
			break;
		case M_CR:
		case M_LF:
			if (*p != (ps->st == M_CR ? '\r' : '\n')) {
				ld->why = "data block without its CRLF";
				return -1;
			}
			ps->st = ps->st == M_CR ? M_LF : M_LINE;
			break;
		}
		p += k;
		len -= k;
	}
	return 0;
}

const struct load_proto load_mc = {
	.name = "memcached",
	.init = mc_init,
	.fini = mc_fini,
	.request = mc_request,
	.preload = mc_set,
	.parse = mc_parse,
};
