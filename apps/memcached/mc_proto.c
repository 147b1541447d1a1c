/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_proto.c: framing, tokenizing and dispatch of the memcached text
 * protocol, and the classic key commands.  Behaviour and error strings
 * follow memcached 1.6's proto_text.c (tokenize_command() era, 1.6.38).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "mc_int.h"

enum { MC_GET_CAS = 1, MC_GET_TOUCH = 2 };

/* ---- output ---------------------------------------------------------- */

struct mc_store *mc__store(struct mc_ctx *x, const char *key, size_t nkey)
{
	struct mc_cache *cache = x->t->cache;
	unsigned i = mc_cache_stripe(cache, key, nkey);

	if (x->st && x->stripe == i)
		return x->st;
	mc__store_done(x);
	x->stripe = i;
	x->st = mc_cache_lock(cache, i);
	return x->st;
}

void mc__store_done(struct mc_ctx *x)
{
	if (x->st)
		mc_cache_unlock(x->t->cache, x->stripe);
	x->st = NULL;
}

void mc__write(struct mc_ctx *x, const void *data, size_t len)
{
	mc_count(&x->t->stats.bytes_written, len);
	x->out->write(x->out->ctx, data, len);
}

/* s and "\r\n" in one write: the sink may cost a syscall or a slot each. */
void mc__reply(struct mc_ctx *x, const char *s)
{
	char buf[256];
	size_t n = strlen(s);

	if (x->c->noreply)
		return;
	if (n + 2 > sizeof(buf)) {
		mc__write(x, s, n);
		mc__write(x, "\r\n", 2);
		return;
	}
	memcpy(buf, s, n);
	memcpy(buf + n, "\r\n", 2);
	mc__write(x, buf, n + 2);
}

/* Meta commands show errors even with q (memcached's out_errstring). */
void mc__error(struct mc_ctx *x, const char *s)
{
	x->c->noreply = false;
	mc__reply(x, s);
}

char *mc__u64toa(uint64_t v, char *p)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* ---- tokens ---------------------------------------------------------- */

bool mc__tok_is(const struct mc_tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->s && t->len == n && !memcmp(t->s, s, n);
}

/* Blanks, an optional sign, digits, blanks: the whole token, as strto*()
 * accepts it in memcached's safe_strto*().  Overflow fails. */
static bool mc_tok_num(const struct mc_tok *t, bool *neg, uint64_t *mag)
{
	const char *p = t->s, *e = t->s + t->len, *d;
	uint64_t v = 0;

	*neg = false;
	if (!p)
		return false;
	while (p < e && isspace((unsigned char)*p))
		p++;
	if (p < e && (*p == '+' || *p == '-'))
		*neg = *p++ == '-';
	for (d = p; p < e && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == d)
		return false;
	while (p < e && isspace((unsigned char)*p))
		p++;
	*mag = v;
	return p == e;
}

bool mc__tok_u64(const struct mc_tok *t, uint64_t *v)
{
	bool neg;

	/* strtoull() takes "-1" as 2^64-1; memcached rejects a negative. */
	return mc_tok_num(t, &neg, v) && !(neg && *v);
}

bool mc__tok_u32(const struct mc_tok *t, uint32_t *v)
{
	uint64_t u;

	if (!mc__tok_u64(t, &u) || u > UINT32_MAX)
		return false;
	*v = (uint32_t)u;
	return true;
}

bool mc__tok_i32(const struct mc_tok *t, int32_t *v)
{
	uint64_t mag;
	bool neg;

	if (!mc_tok_num(t, &neg, &mag) || mag > (uint64_t)INT32_MAX + neg)
		return false;
	*v = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
	return true;
}

/* As memcached: a key is any run of bytes up to the next space, at most
 * MC_KEY_MAX long.  Other control bytes are allowed (memcached accepts
 * them, and memcaslap's keys begin with binary bytes); "\r" and "\n"
 * cannot occur, they end the line. */
bool mc__key_ok(const struct mc_tok *key)
{
	return key->s && key->len && key->len <= MC_KEY_MAX;
}

bool mc__noreply_maybe(struct mc_ctx *x, struct mc_tok *t, int ntok)
{
	if (ntok >= 2 && mc__tok_is(&t[ntok - 2], "noreply"))
		x->c->noreply = true;
	return x->c->noreply;
}

/* Split on ' ' only, like memcached; see struct mc_tok. */
static int mc_tokenize(const char *s, size_t n, struct mc_tok *t, int max)
{
	size_t i = 0, start;
	int nt = 0;

	while (nt < max - 1) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && s[i] != ' ')
			i++;
		t[nt].s = s + start;
		t[nt++].len = i - start;
	}
	if (i < n && nt == max - 1)
		i++;		/* the rest starts after one space */
	t[nt].s = i < n ? s + i : NULL;
	t[nt].len = 0;
	return nt + 1;
}

/* ---- retrieval --------------------------------------------------------- */

/* Next space-separated key in [*p, end); false at the end. */
static bool mc_next_key(const char **p, const char *end, struct mc_tok *k)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	k->s = s;
	while (s < end && *s != ' ')
		s++;
	k->len = (size_t)(s - k->s);
	*p = s;
	return true;
}

static void mc_write_value(struct mc_ctx *x, struct mc_item *it, bool cas)
{
	char buf[6 + MC_KEY_MAX + 3 * 21 + 2], *p = buf;

	memcpy(p, "VALUE ", 6);
	p += 6;
	memcpy(p, mc_item_key(it), it->nkey);
	p += it->nkey;
	*p++ = ' ';
	p = mc__u64toa(it->flags, p);
	*p++ = ' ';
	p = mc__u64toa(it->nbytes, p);
	if (cas) {
		*p++ = ' ';
		p = mc__u64toa(it->cas, p);
	}
	memcpy(p, "\r\n", 2);
	mc__write(x, buf, (size_t)(p + 2 - buf));
	/* The value and its stored "\r\n", straight from the item. */
	mc__write(x, mc_item_value(it), (size_t)it->nbytes + 2);
}

static void mc_get_one(struct mc_ctx *x, const struct mc_tok *k, int flags,
		       uint32_t exptime)
{
	struct mc_store *st = mc__store(x, k->s, k->len);
	struct mc_item *it;

	if (flags & MC_GET_TOUCH) {
		it = mc_store_touch(st, k->s, k->len, exptime);
		MC_COUNT(x, cmd_touch);
		if (it)
			MC_COUNT(x, touch_hits);
		else
			MC_COUNT(x, touch_misses);
	} else {
		it = mc_store_find(st, k->s, k->len, true);
		MC_COUNT(x, cmd_get);
		if (it)
			MC_COUNT(x, get_hits);
		else
			MC_COUNT(x, get_misses);
	}
	if (it)
		mc_write_value(x, it, flags & MC_GET_CAS);
}

/* The keys of a get in [p, end), up to the end or until the output is
 * full: then the rest of the line is left for later (MC_CONN_GET). */
static void mc_get_keys(struct mc_ctx *x, const char *p, const char *end)
{
	const struct mc_out *o = x->out;
	struct mc_conn *c = x->c;
	struct mc_tok k;

	while (mc_next_key(&p, end, &k)) {
		mc_get_one(x, &k, c->get_flags, c->get_exptime);
		if (p < end && o->full && o->full(o->ctx)) {
			c->state = MC_CONN_GET;
			x->stop = p;
			return;
		}
	}
	c->state = MC_CONN_CMD;
	mc__write(x, "END\r\n", 5);
}

/* get/gets/gat/gats <keys...>: any number of keys, no token limit.  A bad
 * key fails the whole command before anything is written, as memcached
 * drops the responses it had stacked.  The answers of a long line are
 * not all made at once: see mc_get_keys(). */
static int mc_cmd_get(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const char *end = x->line + x->line_len, *p;
	uint32_t exptime = 0;
	struct mc_tok k;
	int32_t e;

	(void)ntok;
	p = t[0].s + t[0].len;
	if (arg & MC_GET_TOUCH) {
		if (!mc__tok_i32(&t[1], &e)) {
			mc__reply(x, "CLIENT_ERROR invalid exptime argument");
			return 0;
		}
		exptime = mc_store_realtime(MC_ANY(x), e);
		p = t[1].s + t[1].len;
	}
	for (const char *q = p; mc_next_key(&q, end, &k);) {
		if (!mc__key_ok(&k)) {
			mc__reply(x, "CLIENT_ERROR bad command line format");
			return 0;
		}
	}
	x->c->get_flags = (uint8_t)arg;
	x->c->get_exptime = exptime;
	mc_get_keys(x, p, end);
	return 0;
}

/* ---- storage ----------------------------------------------------------- */

/* The item is too large or malloc failed: answer, drop the data block and
 * (set only) the old value, so a failed set never leaves stale data. */
static void mc_update_failed(struct mc_ctx *x, struct mc_tok *key, int ret,
			     int op, size_t vlen)
{
	if (ret == -E2BIG) {
		MC_COUNT(x, store_too_large);
		mc__reply(x, "SERVER_ERROR object too large for cache");
	} else {
		MC_COUNT(x, store_no_memory);
		mc__reply(x, "SERVER_ERROR out of memory storing object");
	}
	mc__swallow(x, vlen + 2);
	if (op == MC_OP_SET)
		mc_store_delete(mc__store(x, key->s, key->len), key->s,
				key->len);
}

/* set/add/replace/append/prepend <key> <flags> <exptime> <bytes>
 * [noreply], cas ... <bytes> <cas unique> [noreply].  A malformed line is
 * answered without swallowing the data block, as memcached does. */
static int mc_cmd_update(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 int op)
{
	struct mc_pending *p = &x->c->p;
	int32_t exptime, vlen;
	struct mc_item *it;
	uint64_t cas = 0;
	uint32_t flags;
	int ret;

	mc__noreply_maybe(x, t, ntok);
	if (!mc__key_ok(&t[1]) || !mc__tok_u32(&t[2], &flags) ||
	    !mc__tok_i32(&t[3], &exptime) || !mc__tok_i32(&t[4], &vlen) ||
	    (op == MC_OP_CAS && !mc__tok_u64(&t[5], &cas)) ||
	    vlen < 0 || vlen > INT32_MAX - 2) {
		mc__reply(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	ret = mc_item_alloc(mc__store(x, t[1].s, t[1].len), t[1].s, t[1].len,
			    flags, mc_store_realtime(MC_ANY(x), exptime),
			    (size_t)vlen, &it);
	if (ret) {
		mc_update_failed(x, &t[1], ret, op, (size_t)vlen);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	p->op = (uint8_t)op;
	p->cas = cas;
	mc__start_nread(x, it);
	return 0;
}

static void mc_update_done(struct mc_ctx *x, struct mc_item *it)
{
	static const char *const res_str[] = {
		[MC_STORED] = "STORED", [MC_EXISTS] = "EXISTS",
		[MC_NOT_FOUND] = "NOT_FOUND", [MC_NOT_STORED] = "NOT_STORED",
	};
	struct mc_store_args a = {
		.op = (enum mc_store_op)x->c->p.op,
		.cas = x->c->p.cas,
	};

	struct mc_store *st = mc__store(x, mc_item_key(it), it->nkey);

	mc__reply(x, res_str[mc_store_item(st, it, &a, NULL)]);
}

/* ---- delete, incr/decr, touch ----------------------------------------- */

/* delete <key> [noreply]; "delete <key> 0" is still accepted. */
static int mc_cmd_delete(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 int arg)
{
	bool zero, noreply, valid;

	(void)arg;
	if (ntok > 3) {
		zero = mc__tok_is(&t[2], "0");
		noreply = mc__noreply_maybe(x, t, ntok);
		valid = (ntok == 4 && (zero || noreply)) ||
			(ntok == 5 && zero && noreply);
		if (!valid) {
			mc__reply(x, "CLIENT_ERROR bad command line format.  "
				  "Usage: delete <key> [noreply]");
			return 0;
		}
	}
	if (!mc__key_ok(&t[1])) {
		mc__reply(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	if (mc_store_delete(mc__store(x, t[1].s, t[1].len), t[1].s,
			    t[1].len) == 0) {
		MC_COUNT(x, delete_hits);
		mc__reply(x, "DELETED");
	} else {
		MC_COUNT(x, delete_misses);
		mc__reply(x, "NOT_FOUND");
	}
	return 0;
}

/* incr|decr <key> <delta> [noreply] */
static int mc_cmd_arith(struct mc_ctx *x, struct mc_tok *t, int ntok,
			int incr)
{
	char buf[MC_INCR_MAX];
	uint64_t delta;

	mc__noreply_maybe(x, t, ntok);
	if (!mc__key_ok(&t[1])) {
		mc__reply(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	if (!mc__tok_u64(&t[2], &delta)) {
		mc__reply(x, "CLIENT_ERROR invalid numeric delta argument");
		return 0;
	}
	switch (mc_store_delta(mc__store(x, t[1].s, t[1].len), t[1].s,
			       t[1].len, incr, delta, NULL, buf, NULL)) {
	case MC_DELTA_OK:
		mc__reply(x, buf);
		break;
	case MC_DELTA_NON_NUMERIC:
		mc__reply(x, "CLIENT_ERROR cannot increment or decrement "
			  "non-numeric value");
		break;
	case MC_DELTA_EOM:
		mc__reply(x, "SERVER_ERROR out of memory");
		break;
	default:
		if (incr)
			MC_COUNT(x, incr_misses);
		else
			MC_COUNT(x, decr_misses);
		mc__reply(x, "NOT_FOUND");
		break;
	}
	return 0;
}

/* touch <key> <exptime> [noreply] */
static int mc_cmd_touch(struct mc_ctx *x, struct mc_tok *t, int ntok,
			int arg)
{
	struct mc_item *it;
	int32_t e;

	(void)arg;
	mc__noreply_maybe(x, t, ntok);
	if (!mc__key_ok(&t[1])) {
		mc__reply(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	if (!mc__tok_i32(&t[2], &e)) {
		mc__reply(x, "CLIENT_ERROR invalid exptime argument");
		return 0;
	}
	it = mc_store_touch(mc__store(x, t[1].s, t[1].len), t[1].s, t[1].len,
			    mc_store_realtime(MC_ANY(x), e));
	MC_COUNT(x, cmd_touch);
	if (it)
		MC_COUNT(x, touch_hits);
	else
		MC_COUNT(x, touch_misses);
	mc__reply(x, it ? "TOUCHED" : "NOT_FOUND");
	return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

/*
 * The command table, memcached's text_cmd_entries: the token count limits
 * are memcached's WANT_TOKENS checks (counting the terminal token; 0 = no
 * upper limit); outside them the answer is "ERROR".  Hot commands first.
 */
struct mc_cmd {
	const char *name;
	uint8_t len;
	uint8_t min, max;
	mc_cmd_fn fn;
	int arg;
};

#define MC_CMD(n, lo, hi, f, a) { n, sizeof(n) - 1, lo, hi, f, a }

static const struct mc_cmd mc_cmds[] = {
	MC_CMD("get", 3, 0, mc_cmd_get, 0),
	MC_CMD("set", 6, 7, mc_cmd_update, MC_OP_SET),
	MC_CMD("mg", 3, 0, mc__cmd_mg, 0),
	MC_CMD("ms", 3, 0, mc__cmd_ms, 0),
	MC_CMD("gets", 3, 0, mc_cmd_get, MC_GET_CAS),
	MC_CMD("delete", 3, 5, mc_cmd_delete, 0),
	MC_CMD("md", 3, 0, mc__cmd_md, 0),
	MC_CMD("mn", 2, 0, mc__cmd_mn, 0),
	MC_CMD("me", 2, 0, mc__cmd_me, 0),
	MC_CMD("ma", 3, 0, mc__cmd_ma, 0),
	MC_CMD("incr", 4, 5, mc_cmd_arith, 1),
	MC_CMD("decr", 4, 5, mc_cmd_arith, 0),
	MC_CMD("add", 6, 7, mc_cmd_update, MC_OP_ADD),
	MC_CMD("replace", 6, 7, mc_cmd_update, MC_OP_REPLACE),
	MC_CMD("append", 6, 7, mc_cmd_update, MC_OP_APPEND),
	MC_CMD("prepend", 6, 7, mc_cmd_update, MC_OP_PREPEND),
	MC_CMD("cas", 7, 8, mc_cmd_update, MC_OP_CAS),
	MC_CMD("touch", 4, 5, mc_cmd_touch, 0),
	MC_CMD("gat", 3, 0, mc_cmd_get, MC_GET_TOUCH),
	MC_CMD("gats", 3, 0, mc_cmd_get, MC_GET_TOUCH | MC_GET_CAS),
	MC_CMD("bget", 3, 0, mc_cmd_get, 0),
	MC_CMD("stats", 2, 0, mc__cmd_stats, 0),
	MC_CMD("flush_all", 2, 4, mc__cmd_flush_all, 0),
	MC_CMD("version", 2, 0, mc__cmd_version, 0),
	MC_CMD("verbosity", 3, 4, mc__cmd_verbosity, 0),
	MC_CMD("quit", 2, 0, mc__cmd_quit, 0),
	MC_CMD("cache_memlimit", 3, 4, mc__cmd_memlimit, 0),
	MC_CMD("shutdown", 2, 0, mc__cmd_shutdown, 0),
};

static const struct mc_cmd *mc_cmd_find(const struct mc_tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(mc_cmds) / sizeof(mc_cmds[0]); i++)
		if (mc_cmds[i].len == t->len &&
		    !memcmp(mc_cmds[i].name, t->s, t->len))
			return &mc_cmds[i];
	return NULL;
}

/* Run one command line (no "\r\n").  0, or -1 to close. */
static int mc_process(struct mc_ctx *x, const char *line, size_t n)
{
	struct mc_tok t[MC_MAX_TOKENS];
	const struct mc_cmd *cmd;
	int ntok;

	x->line = line;
	x->line_len = n;
	x->c->noreply = false;
	ntok = mc_tokenize(line, n, t, MC_MAX_TOKENS);
	if (ntok < 2 || t[0].len < 2) {
		mc__reply(x, "ERROR");
		return 0;
	}
	cmd = mc_cmd_find(&t[0]);
	if (!cmd) {
		/* A web browser pointed at the port: hang up, as memcached. */
		if (t[ntok - 2].len >= 5 && !memcmp(t[ntok - 2].s, "HTTP/", 5))
			return -1;
		mc__reply(x, "ERROR");
		return 0;
	}
	if (ntok < cmd->min || (cmd->max && ntok > cmd->max)) {
		mc__reply(x, "ERROR");
		return 0;
	}
	return cmd->fn(x, t, ntok, cmd->arg);
}

/* ---- framing ----------------------------------------------------------- */

void mc__start_nread(struct mc_ctx *x, struct mc_item *it)
{
	x->c->p.item = it;
	x->c->p.filled = 0;
	x->c->state = MC_CONN_NREAD;
}

void mc__swallow(struct mc_ctx *x, size_t n)
{
	x->c->swallow = n;
	x->c->state = MC_CONN_SWALLOW;
}

/* Copy what arrived of the data block; run the command when complete. */
static size_t mc_nread(struct mc_ctx *x, const char *buf, size_t len)
{
	struct mc_pending *p = &x->c->p;
	struct mc_item *it = p->item;
	size_t want = (size_t)it->nbytes + 2 - p->filled;
	size_t n = len < want ? len : want;

	memcpy(mc_item_value(it) + p->filled, buf, n);
	p->filled += n;
	if (n < want)
		return n;
	p->item = NULL;
	x->c->state = MC_CONN_CMD;
	MC_COUNT(x, cmd_set);
	if (memcmp(mc_item_value(it) + it->nbytes, "\r\n", 2)) {
		mc_item_free(it);
		if (p->meta)
			x->c->noreply = false;
		mc__reply(x, "CLIENT_ERROR bad data chunk");
	} else if (p->meta) {
		mc__meta_set_done(x, it);
	} else {
		mc_update_done(x, it);
	}
	return n;
}

static size_t mc_swallow_some(struct mc_ctx *x, size_t len)
{
	size_t n = len < x->c->swallow ? len : x->c->swallow;

	x->c->swallow -= n;
	if (!x->c->swallow)
		x->c->state = MC_CONN_CMD;
	return n;
}

/* Multi-key retrievals may be long; memcached lets "get " and "gets "
 * lines (after up to 100 blanks) grow past its other lines' limit. */
static size_t mc_line_limit(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && i <= 100 && p[i] == ' ')
		i++;
	p += i;
	n -= i;
	if ((n >= 4 && (!memcmp(p, "get ", 4) || !memcmp(p, "gat ", 4))) ||
	    (n >= 5 && (!memcmp(p, "gets ", 5) || !memcmp(p, "gats ", 5))))
		return MC_GET_LINE_MAX;
	return MC_LINE_MAX;
}

static ssize_t mc_too_long(struct mc_ctx *x)
{
	mc__error(x, "CLIENT_ERROR line too long");
	return -1;
}

/* The text of the line buf[0..n) ("\r\n" already off): memcached sees
 * it as a C string, so it ends at a NUL. */
static size_t mc_text_len(const char *buf, size_t n)
{
	const char *z = memchr(buf, '\0', n);

	return z ? (size_t)(z - buf) : n;
}

/*
 * One command line.  The limit is applied to the line's length whether or
 * not its end has arrived, so the outcome never depends on how the input
 * was split (a partial line ending in '\r' may still be len - 1 long).
 */
static ssize_t mc_line(struct mc_ctx *x, const char *buf, size_t len)
{
	size_t from = x->c->scanned < len ? x->c->scanned : 0, n, used;
	const char *nl = memchr(buf + from, '\n', len - from);

	if (!nl) {
		x->c->scanned = len;
		if (len - 1 > MC_LINE_MAX && len - 1 > mc_line_limit(buf, len))
			return mc_too_long(x);
		return 0;
	}
	x->c->scanned = 0;
	used = (size_t)(nl - buf) + 1;
	n = used - 1;
	if (n && buf[n - 1] == '\r')
		n--;
	if (n > MC_LINE_MAX && n > mc_line_limit(buf, n))
		return mc_too_long(x);
	if (mc_process(x, buf, mc_text_len(buf, n)) < 0)
		return -1;
	return x->stop ? x->stop - buf : (ssize_t)used;
}

/* MC_CONN_GET: buf starts with the rest of a get's line (whole: it was
 * before).  Its end and NUL are found as mc_line() found them. */
static ssize_t mc_get_rest(struct mc_ctx *x, const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n;

	if (!nl)
		return 0;  /* cannot happen: the line was whole */
	n = (size_t)(nl - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	mc_get_keys(x, buf, buf + mc_text_len(buf, n));
	return x->stop ? x->stop - buf : nl + 1 - buf;
}

void mc_conn_init(struct mc_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->state = MC_CONN_CMD;
}

void mc_conn_release(struct mc_conn *c)
{
	if (c->p.item) {
		mc_item_free(c->p.item);
		c->p.item = NULL;
	}
}

static void mc_close(struct mc_conn *c)
{
	mc_conn_release(c);
	c->state = MC_CONN_CLOSED;
}

ssize_t mc_execute(struct mc_thread *t, struct mc_conn *c, const char *buf,
		   size_t len, const struct mc_out *out)
{
	struct mc_ctx x = { .t = t, .c = c, .out = out };
	size_t off = 0;
	ssize_t n;

	while (off < len && c->state != MC_CONN_CLOSED) {
		if (c->state == MC_CONN_NREAD)
			n = (ssize_t)mc_nread(&x, buf + off, len - off);
		else if (c->state == MC_CONN_SWALLOW)
			n = (ssize_t)mc_swallow_some(&x, len - off);
		else if (c->state == MC_CONN_GET)
			n = mc_get_rest(&x, buf + off, len - off);
		else
			n = mc_line(&x, buf + off, len - off);
		if (n < 0)
			mc_close(c);
		if (n <= 0)
			break;
		off += (size_t)n;
		if (x.stop)
			break;  /* a get waits for room */
	}
	mc__store_done(&x);
	mc_count(&t->stats.bytes_read, off);
	return c->state == MC_CONN_CLOSED ? -1 : (ssize_t)off;
}
