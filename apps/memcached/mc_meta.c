/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_meta.c: the meta commands mg, ms, md, ma and mn, after memcached
 * 1.6's proto_text.c.  Return flags are written in the order the request
 * gave them.  Errors are shown even with the q flag; q hides only the
 * nominal answer (EN for mg, HD for ms, md and ma).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mc_int.h"

struct mc_mflags {
	bool value, no_reply, no_update, vivify, new_ttl, set_stale;
	bool remove_val, has_cas, has_cas_in;
	char mode;
	uint32_t exptime, autoviv_exptime, recache_time, client_flags;
	uint64_t req_cas, cas_in, delta, initial;
};

/* The argument of a flag token ("T30" -> "30"). */
static struct mc_tok mc_farg(const struct mc_tok *t)
{
	struct mc_tok a = { t->s + 1, t->len - 1 };

	return a;
}

static bool mc_farg_time(struct mc_ctx *x, const struct mc_tok *t,
			 uint32_t *out)
{
	struct mc_tok a = mc_farg(t);
	int32_t e;

	if (!mc__tok_i32(&a, &e))
		return false;
	*out = mc_store_realtime(MC_ANY(x), e);
	return true;
}

static bool mc_fail(const char **err, const char *msg)
{
	*err = msg;
	return false;
}

/* One flag; false sets *err (parsing goes on, as memcached's preparse). */
static bool mc_mflag(struct mc_ctx *x, const struct mc_tok *t,
		     struct mc_mflags *of, const char **err)
{
	static const char bad_tok[] =
		"CLIENT_ERROR bad token in command line format";
	static const char bad_m[] = "CLIENT_ERROR incorrect length for M token";
	static const char bad_j[] =
		"CLIENT_ERROR invalid numeric initial value";
	static const char bad_d[] = "CLIENT_ERROR invalid numeric delta value";
	struct mc_tok a = mc_farg(t);

	switch (t->s[0]) {
	case 'N':
		of->vivify = true;
		return mc_farg_time(x, t, &of->autoviv_exptime) ||
		       mc_fail(err, bad_tok);
	case 'T':
		of->new_ttl = true;
		return mc_farg_time(x, t, &of->exptime) ||
		       mc_fail(err, bad_tok);
	case 'R':
		return mc_farg_time(x, t, &of->recache_time) ||
		       mc_fail(err, bad_tok);
	case 'F':
		return mc__tok_u32(&a, &of->client_flags);
	case 'C':
		of->has_cas = mc__tok_u64(&a, &of->req_cas);
		return of->has_cas || mc_fail(err, bad_tok);
	case 'E':
		of->has_cas_in = mc__tok_u64(&a, &of->cas_in);
		return of->has_cas_in || mc_fail(err, bad_tok);
	case 'M':
		of->mode = t->len == 2 ? t->s[1] : 0;
		return t->len == 2 || mc_fail(err, bad_m);
	case 'J':
		return mc__tok_u64(&a, &of->initial) || mc_fail(err, bad_j);
	case 'D':
		return mc__tok_u64(&a, &of->delta) || mc_fail(err, bad_d);
	default:
		return true;
	}
}

/* memcached's _meta_flag_preparse(): 0, or -1 with *err set. */
static int mc_mflags_parse(struct mc_ctx *x, struct mc_tok *t, int ntok,
			   int start, struct mc_mflags *of, const char **err)
{
	static const char known[] = "NTRFCEMJDlhOPLkstcfvuqxI";
	uint8_t seen[128] = { 0 };
	bool ok = true;
	int i;

	for (i = start; i < ntok - 1; i++) {
		uint8_t o = (uint8_t)t[i].s[0];

		if (o >= 127 || seen[o]) {
			*err = "CLIENT_ERROR duplicate flag";
			return -1;
		}
		seen[o] = 1;
		if (!o || !strchr(known, o)) {
			*err = "CLIENT_ERROR invalid flag";
			return -1;
		}
		of->value |= o == 'v';
		of->no_update |= o == 'u';
		of->no_reply |= o == 'q';
		of->remove_val |= o == 'x';
		of->set_stale |= o == 'I';
		if (!mc_mflag(x, &t[i], of, err))
			ok = false;
	}
	return ok ? 0 : -1;
}

/* Common checks before the flags: key, flag count.  0 or -1 (answered). */
static int mc_meta_start(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 const char *too_many)
{
	MC_COUNT(x, cmd_meta);
	if (!mc__key_ok(&t[1])) {
		mc__error(x, "CLIENT_ERROR bad command line format");
		return -1;
	}
	mc__store(x, t[1].s, t[1].len);	/* x->st from here on */
	if (ntok > MC_MFLAG_MAX_OPT) {
		mc__error(x, too_many);
		return -1;
	}
	return 0;
}

static char *mc_put(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static char *mc_put_flag_u64(char *p, char f, uint64_t v)
{
	*p++ = ' ';
	*p++ = f;
	return mc__u64toa(v, p);
}

/* " O<opaque>" and " k<key>", the flags every meta answer echoes. */
static char *mc_put_echo(char *p, const struct mc_tok *f,
			 const struct mc_tok *key)
{
	if (f->s[0] == 'O') {
		*p++ = ' ';
		return mc_put(p, f->s, f->len);
	}
	if (f->s[0] == 'k') {
		p = mc_put(p, " k", 2);
		return mc_put(p, key->s, key->len);
	}
	return p;
}

/* Checked before anything changes, so the answers built later fit their
 * buffers and an error never follows a side effect. */
static bool mc_opaque_ok(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 int start)
{
	int i;

	for (i = start; i < ntok - 1; i++) {
		if (t[i].s[0] == 'O' && t[i].len > MC_MFLAG_MAX_OPAQUE) {
			mc__error(x, "CLIENT_ERROR opaque token too long");
			return false;
		}
	}
	return true;
}

/* code and the echoed flags; hide (q) suppresses it. */
static void mc_meta_answer(struct mc_ctx *x, struct mc_tok *t, int ntok,
			   const char *code, bool hide)
{
	char buf[512], *p = mc_put(buf, code, 2);
	int i;

	for (i = 2; i < ntok - 1; i++)
		p = mc_put_echo(p, &t[i], &t[1]);
	p = mc_put(p, "\r\n", 2);
	if (!hide)
		mc__write(x, buf, (size_t)(p - buf));
}

static char *mc_put_ttl(char *p, const struct mc_item *it, uint32_t now)
{
	if (!it->exptime)
		return mc_put(p, " t-1", 4);
	return mc_put_flag_u64(p, 't', it->exptime - now);
}

/* ---- mg ---------------------------------------------------------------- */

struct mc_mg {
	struct mc_item *it;
	bool created, won, ttl_set;
};

/* Return flags of an mg hit, in request order. */
static char *mc_mg_flags(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 const struct mc_mflags *of, struct mc_mg *g, char *p)
{
	uint32_t now = (uint32_t)mc_store_now(MC_ANY(x));
	struct mc_item *it = g->it;
	int i;

	for (i = 2; i < ntok - 1; i++) {
		switch (t[i].s[0]) {
		case 'T':
			g->ttl_set = true;
			it->exptime = of->exptime;
			break;
		case 'N':
			g->won |= g->created;
			break;
		case 'R':
			if (!(it->iflags & MC_IT_TOKEN_SENT) && !g->created &&
			    it->exptime && it->exptime < of->recache_time)
				g->won = true;
			break;
		case 's':
			p = mc_put_flag_u64(p, 's', it->nbytes);
			break;
		case 't':
			p = mc_put_ttl(p, it, now);
			break;
		case 'c':
			p = mc_put_flag_u64(p, 'c', it->cas);
			break;
		case 'f':
			p = mc_put_flag_u64(p, 'f', it->flags);
			break;
		case 'l':
			p = mc_put_flag_u64(p, 'l', now - it->atime);
			break;
		case 'h':
			p = mc_put(p, it->iflags & MC_IT_FETCHED ?
				      " h1" : " h0", 3);
			break;
		default:
			p = mc_put_echo(p, &t[i], &t[1]);
			break;
		}
	}
	return p;
}

/* Z: someone else won; X: stale (and the first to see it wins); W: won. */
static char *mc_mg_tokens(struct mc_mg *g, char *p)
{
	struct mc_item *it = g->it;

	if (it->iflags & MC_IT_TOKEN_SENT)
		p = mc_put(p, " Z", 2);
	if (it->iflags & MC_IT_STALE) {
		p = mc_put(p, " X", 2);
		if (!(it->iflags & MC_IT_TOKEN_SENT))
			g->won = true;
	}
	if (g->won) {
		p = mc_put(p, " W", 2);
		it->iflags |= MC_IT_TOKEN_SENT;
	}
	return p;
}

static void mc_mg_hit(struct mc_ctx *x, struct mc_tok *t, int ntok,
		      const struct mc_mflags *of, struct mc_mg *g)
{
	char buf[1024], *p = buf;

	if (of->value)
		p = mc__u64toa(g->it->nbytes, mc_put(p, "VA ", 3));
	else
		p = mc_put(p, "HD", 2);
	p = mc_mg_flags(x, t, ntok, of, g, p);
	p = mc_put(mc_mg_tokens(g, p), "\r\n", 2);
	mc__write(x, buf, (size_t)(p - buf));
	if (of->value)
		mc__write(x, mc_item_value(g->it), (size_t)g->it->nbytes + 2);
	if (g->ttl_set) {
		MC_COUNT(x, cmd_touch);
		MC_COUNT(x, touch_hits);
	} else {
		MC_COUNT(x, cmd_get);
		MC_COUNT(x, get_hits);
	}
	/* Bumped last so h and l report the state before this request. */
	if (!of->no_update)
		mc_store_bump(x->st, g->it);
}

/* N on a miss: an empty item with the N TTL, so one client recaches. */
static struct mc_item *mc_vivify(struct mc_ctx *x, const struct mc_tok *key,
				 const struct mc_mflags *of)
{
	struct mc_store_args a = { .op = MC_OP_ADD, .new_cas = of->cas_in };
	struct mc_item *it, *stored;

	if (mc_item_alloc(x->st, key->s, key->len, 0, of->autoviv_exptime, 0,
			  &it))
		return NULL;
	mc_store_item(x->st, it, &a, &stored);
	return stored;
}

/* mg <key> <flags>* */
int mc__cmd_mg(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const char *err = "CLIENT_ERROR bad command line format";
	struct mc_mflags of = { 0 };
	struct mc_mg g = { 0 };

	(void)arg;
	if (mc_meta_start(x, t, ntok,
			  "CLIENT_ERROR options flags are too long"))
		return 0;
	if (mc_mflags_parse(x, t, ntok, 2, &of, &err)) {
		mc__error(x, err);
		return 0;
	}
	if (!mc_opaque_ok(x, t, ntok, 2))
		return 0;
	x->c->noreply = of.no_reply;
	g.it = mc_store_find(x->st, t[1].s, t[1].len, false);
	if (!g.it && of.vivify) {
		g.it = mc_vivify(x, &t[1], &of);
		g.created = g.it != NULL;
	}
	if (g.it) {
		mc_mg_hit(x, t, ntok, &of, &g);
		return 0;
	}
	MC_COUNT(x, cmd_get);
	MC_COUNT(x, get_misses);
	mc_meta_answer(x, t, ntok, "EN", of.no_reply);
	return 0;
}

/* ---- ms ---------------------------------------------------------------- */

/* Keep the flags answered after the data block: k, c, s and O<opaque>
 * (one byte each, the opaque as a length byte and its bytes). */
static bool mc_ms_stash(struct mc_pending *p, struct mc_tok *t, int ntok)
{
	int i;

	for (i = 3; i < ntok - 1; i++) {
		char f = t[i].s[0];

		if (f == 'O') {
			if (t[i].len > MC_MFLAG_MAX_OPAQUE)
				return false;
			p->mret[p->mret_len++] = f;
			p->mret[p->mret_len++] = (char)t[i].len;
			memcpy(p->mret + p->mret_len, t[i].s, t[i].len);
			p->mret_len += (uint8_t)t[i].len;
		} else if (f == 'k' || f == 'c' || f == 's') {
			p->mret[p->mret_len++] = f;
		}
	}
	return true;
}

/* M token to a store op; -1 for an unknown mode. */
static int mc_ms_mode(const struct mc_mflags *of)
{
	switch (of->mode) {
	case 0:
	case 'S':
		/* A C token turns set and replace into cas. */
		return of->has_cas ? MC_OP_CAS : MC_OP_SET;
	case 'E':
		return MC_OP_ADD;
	case 'A':
		return MC_OP_APPEND;
	case 'P':
		return MC_OP_PREPEND;
	case 'R':
		return of->has_cas ? MC_OP_CAS : MC_OP_REPLACE;
	default:
		return -1;
	}
}

/* Allocate the pending item; -1 with *err when it cannot be. */
static int mc_ms_alloc(struct mc_ctx *x, struct mc_tok *key,
		       const struct mc_mflags *of, int op, size_t vlen,
		       const char **err)
{
	bool viv = of->vivify && (op == MC_OP_APPEND || op == MC_OP_PREPEND);
	struct mc_pending *p = &x->c->p;
	struct mc_item *it;
	int ret;

	ret = mc_item_alloc(x->st, key->s, key->len, of->client_flags,
			    viv ? of->autoviv_exptime : of->exptime, vlen, &it);
	if (ret) {
		if (ret == -E2BIG)
			MC_COUNT(x, store_too_large);
		else
			MC_COUNT(x, store_no_memory);
		*err = ret == -E2BIG ?
		       "SERVER_ERROR object too large for cache" :
		       "SERVER_ERROR out of memory storing object";
		/* No stale data may outlive a failed store. */
		mc_store_delete(x->st, key->s, key->len);
		return -1;
	}
	p->op = (uint8_t)op;
	p->meta = true;
	p->vivify = viv;
	p->stale_ok = of->set_stale && op == MC_OP_CAS;
	p->cas = of->has_cas ? of->req_cas : 0;
	p->new_cas = of->has_cas_in ? of->cas_in : 0;
	mc__start_nread(x, it);
	return 0;
}

/* ms <key> <datalen> <flags>* ; the data block follows. */
int mc__cmd_ms(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const char *err = "CLIENT_ERROR bad command line format";
	struct mc_pending *p = &x->c->p;
	struct mc_mflags of = { 0 };
	int32_t vlen;
	int op;

	(void)arg;
	if (mc_meta_start(x, t, ntok, "CLIENT_ERROR options flags too long"))
		return 0;
	if (ntok == 3 || !mc__tok_i32(&t[2], &vlen) || vlen < 0 ||
	    vlen > INT32_MAX - 2) {
		mc__error(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	/* From here on the length is known: errors swallow the block. */
	memset(p, 0, sizeof(*p));
	if (mc_mflags_parse(x, t, ntok, 3, &of, &err))
		goto error;
	x->c->noreply = of.no_reply;
	op = mc_ms_mode(&of);
	if (!mc_ms_stash(p, t, ntok))
		err = "CLIENT_ERROR opaque token too long";
	else if (op < 0)
		err = "CLIENT_ERROR invalid mode for ms M token";
	else if (!mc_ms_alloc(x, &t[1], &of, op, (size_t)vlen, &err))
		return 0;
error:
	mc__swallow(x, (size_t)vlen + 2);
	mc__error(x, err);
	return 0;
}

/* Return flags stashed by mc_ms_stash(), now that the store is done. */
static char *mc_ms_flags(const struct mc_pending *p, char *q,
			 const struct mc_tok *key, const struct mc_item *stored,
			 uint32_t nbytes)
{
	size_t i = 0, n;

	while (i < p->mret_len) {
		char f = p->mret[i++];

		if (f == 'O') {
			n = (uint8_t)p->mret[i++];
			*q++ = ' ';
			q = mc_put(q, p->mret + i, n);
			i += n;
		} else if (f == 'k') {
			q = mc_put(mc_put(q, " k", 2), key->s, key->len);
		} else if (f == 'c') {
			q = mc_put_flag_u64(q, 'c', stored ? stored->cas : 0);
		} else {
			q = mc_put_flag_u64(q, 's', stored ? stored->nbytes :
						    nbytes);
		}
	}
	return q;
}

void mc__meta_set_done(struct mc_ctx *x, struct mc_item *it)
{
	static const char codes[][3] = {
		[MC_STORED] = "HD", [MC_EXISTS] = "EX",
		[MC_NOT_FOUND] = "NF", [MC_NOT_STORED] = "NS",
	};
	const struct mc_pending *p = &x->c->p;
	struct mc_store_args a = {
		.op = (enum mc_store_op)p->op, .cas = p->cas,
		.new_cas = p->new_cas, .stale_ok = p->stale_ok,
		.vivify = p->vivify,
	};
	char key[MC_KEY_MAX], buf[512], *q;
	struct mc_tok k = { key, it->nkey };
	uint32_t nbytes = it->nbytes;
	enum mc_store_res res;
	struct mc_item *stored;

	/* The store may free it: keep what the answer needs. */
	memcpy(key, mc_item_key(it), it->nkey);
	res = mc_store_item(mc__store(x, key, it->nkey), it, &a, &stored);
	if (res == MC_STORED && x->c->noreply)
		return;
	q = mc_ms_flags(p, mc_put(buf, codes[res], 2), &k, stored, nbytes);
	q = mc_put(q, "\r\n", 2);
	mc__write(x, buf, (size_t)(q - buf));
}

/* ---- md ---------------------------------------------------------------- */

/* x: swap the value for an empty one, keeping the item (and its CAS). */
static struct mc_item *mc_md_empty(struct mc_ctx *x, struct mc_item *old,
				   const struct mc_mflags *of)
{
	struct mc_store_args a = {
		.op = MC_OP_SET,
		.new_cas = of->has_cas_in ? of->cas_in : old->cas,
	};
	struct mc_item *it, *stored;

	if (mc_item_alloc(x->st, mc_item_key(old), old->nkey, of->client_flags,
			  of->exptime, 0, &it))
		return NULL;
	mc_store_item(x->st, it, &a, &stored);
	return stored;
}

/* The md outcome code for a hit; NULL after an answered error. */
static const char *mc_md_hit(struct mc_ctx *x, struct mc_item *it,
			     const struct mc_mflags *of)
{
	if (of->has_cas && it->cas != of->req_cas) {
		MC_COUNT(x, delete_misses);
		return "EX";
	}
	if (of->remove_val) {
		it = mc_md_empty(x, it, of);
		if (!it) {
			mc__error(x, "SERVER_ERROR out of memory");
			return NULL;
		}
	}
	if (of->set_stale) {
		/* I: keep the data, mark it stale, let one client win. */
		if (of->new_ttl)
			it->exptime = of->exptime;
		it->iflags |= MC_IT_STALE;
		it->iflags &= (uint8_t)~MC_IT_TOKEN_SENT;
		it->cas = of->has_cas_in ? of->cas_in :
					   mc_store_next_cas(x->st);
	} else {
		MC_COUNT(x, delete_hits);
		if (!of->remove_val)
			mc_store_unlink(x->st, it);
	}
	return "HD";
}

/* md <key> <flags>* */
int mc__cmd_md(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const char *err = NULL, *code;
	struct mc_mflags of = { 0 };
	struct mc_item *it;

	(void)arg;
	if (mc_meta_start(x, t, ntok, "CLIENT_ERROR options flags too long"))
		return 0;
	if (mc_mflags_parse(x, t, ntok, 2, &of, &err)) {
		mc__error(x, "CLIENT_ERROR invalid or duplicate flag");
		return 0;
	}
	if (!mc_opaque_ok(x, t, ntok, 2))
		return 0;
	it = mc_store_find(x->st, t[1].s, t[1].len, false);
	if (it) {
		code = mc_md_hit(x, it, &of);
	} else {
		MC_COUNT(x, delete_misses);
		code = "NF";
	}
	if (code)
		mc_meta_answer(x, t, ntok, code,
			       of.no_reply && code[0] == 'H');
	return 0;
}

/* ---- ma ---------------------------------------------------------------- */

/* N on a miss: a new item holding the J value (default 0). */
static struct mc_item *mc_ma_vivify(struct mc_ctx *x, const struct mc_tok *key,
				    const struct mc_mflags *of,
				    char num[MC_INCR_MAX])
{
	struct mc_store_args a = { .op = MC_OP_ADD, .new_cas = of->cas_in };
	struct mc_item *it, *stored;
	size_t n = (size_t)(mc__u64toa(of->initial, num) - num);

	num[n] = '\0';
	if (mc_item_alloc(x->st, key->s, key->len, 0, 0, n, &it))
		return NULL;
	memcpy(mc_item_value(it), num, n);
	mc_store_item(x->st, it, &a, &stored);
	return stored;
}

/* HD or "VA <len>" with the flags, then the number with v. */
static void mc_ma_answer(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 const struct mc_mflags *of, struct mc_item *it,
			 bool created, const char *num)
{
	uint32_t now = (uint32_t)mc_store_now(MC_ANY(x));
	size_t n = strlen(num);
	char buf[1024], *p = buf;
	int i;

	if (of->value)
		p = mc__u64toa(n, mc_put(p, "VA ", 3));
	else
		p = mc_put(p, "HD", 2);
	for (i = 2; i < ntok - 1; i++) {
		switch (t[i].s[0]) {
		case 'c':
			p = mc_put_flag_u64(p, 'c', it->cas);
			break;
		case 't':
			p = mc_put_ttl(p, it, now);
			break;
		case 'T':
			it->exptime = of->exptime;
			break;
		case 'N':
			if (created)
				it->exptime = of->autoviv_exptime;
			break;
		default:
			p = mc_put_echo(p, &t[i], &t[1]);
			break;
		}
	}
	if (of->value)
		p = mc_put(mc_put(p, "\r\n", 2), num, n);
	p = mc_put(p, "\r\n", 2);
	if (!x->c->noreply)
		mc__write(x, buf, (size_t)(p - buf));
}

/* A miss: create with N, else NF.  The created item or NULL. */
static struct mc_item *mc_ma_miss(struct mc_ctx *x, struct mc_tok *t,
				  int ntok, const struct mc_mflags *of,
				  bool incr, char num[MC_INCR_MAX])
{
	struct mc_item *it;

	if (!of->vivify) {
		if (incr)
			MC_COUNT(x, incr_misses);
		else
			MC_COUNT(x, decr_misses);
		mc_meta_answer(x, t, ntok, "NF", false);
		return NULL;
	}
	it = mc_ma_vivify(x, &t[1], of, num);
	if (!it)
		mc__error(x, "SERVER_ERROR Out of memory allocating new item");
	return it;
}

/* ma <key> <flags>* */
int mc__cmd_ma(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	struct mc_mflags of = { .delta = 1 };
	const char *err = NULL;
	char num[MC_INCR_MAX];
	struct mc_item *it;
	bool incr = true;
	uint64_t cas;

	(void)arg;
	if (mc_meta_start(x, t, ntok, "CLIENT_ERROR options flags too long"))
		return 0;
	if (mc_mflags_parse(x, t, ntok, 2, &of, &err)) {
		mc__error(x, "CLIENT_ERROR invalid or duplicate flag");
		return 0;
	}
	if (!mc_opaque_ok(x, t, ntok, 2))
		return 0;
	x->c->noreply = of.no_reply;
	if (of.mode == 'D' || of.mode == '-') {
		incr = false;
	} else if (of.mode && of.mode != 'I' && of.mode != '+') {
		mc__error(x, "CLIENT_ERROR invalid mode for ma M token");
		return 0;
	}
	cas = of.has_cas ? of.req_cas : 0;
	switch (mc_store_delta(x->st, t[1].s, t[1].len, incr, of.delta, &cas,
			       num, &it)) {
	case MC_DELTA_OK:
		if (of.has_cas_in)
			it->cas = of.cas_in;
		mc_ma_answer(x, t, ntok, &of, it, false, num);
		break;
	case MC_DELTA_NON_NUMERIC:
		mc__error(x, "CLIENT_ERROR cannot increment or decrement "
			  "non-numeric value");
		break;
	case MC_DELTA_EOM:
		mc__error(x, "SERVER_ERROR out of memory");
		break;
	case MC_DELTA_CAS_MISMATCH:
		mc_meta_answer(x, t, ntok, "EX", false);
		break;
	default:
		it = mc_ma_miss(x, t, ntok, &of, incr, num);
		if (it)
			mc_ma_answer(x, t, ntok, &of, it, true, num);
		break;
	}
	return 0;
}

/* mn: the no-op that ends a pipeline of quiet commands. */
int mc__cmd_mn(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	(void)t;
	(void)ntok;
	(void)arg;
	mc__reply(x, "MN");
	return 0;
}

/* ---- me ---------------------------------------------------------------- */

/* me <key>: memcached's meta debug line, or EN.  The item is not bumped
 * nor marked fetched.  exp is the seconds left (-1: never), la the
 * seconds since the last access; cls is 1 (one LRU per stripe, shown as
 * memcached's slab class 1) and size what the item takes here. */
int mc__cmd_me(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	struct mc_item *it;
	int64_t now;
	char line[400];
	int n;

	(void)arg;
	if (ntok != 3) {
		mc__error(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	if (mc_meta_start(x, t, ntok, "CLIENT_ERROR bad command line format"))
		return 0;
	it = mc_store_find(x->st, t[1].s, t[1].len, false);
	if (!it) {
		mc__reply(x, "EN");
		return 0;
	}
	now = mc_store_now(x->st);
	n = snprintf(line, sizeof(line), "ME %.*s exp=%lld la=%lld cas=%llu "
		     "fetch=%s cls=1 size=%zu", (int)it->nkey, mc_item_key(it),
		     it->exptime ? (long long)it->exptime - now : -1LL,
		     (long long)(now - (int64_t)it->atime),
		     (unsigned long long)it->cas,
		     it->iflags & MC_IT_FETCHED ? "yes" : "no",
		     sizeof(*it) + it->nkey + it->nbytes + 2);
	if (n > 0 && (size_t)n < sizeof(line))
		mc__reply(x, line);
	return 0;
}
