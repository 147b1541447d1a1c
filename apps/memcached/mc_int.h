/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_int.h: internals shared by the protocol engine's files (mc_proto.c:
 * framing, dispatch, classic commands; mc_meta.c: meta commands;
 * mc_admin.c: stats, flush_all and the other server commands).  Names are
 * mc__ (internal, not static); nothing here is part of the API.
 */
#ifndef MC_INT_H
#define MC_INT_H

#include "mc_cache.h"
#include "mc_proto.h"

/* memcached's MAX_TOKENS: 23 tokens and a terminal one. */
#define MC_MAX_TOKENS		24
/* Meta commands: at most this many tokens, opaque at most 32 bytes. */
#define MC_MFLAG_MAX_OPT	20
#define MC_MFLAG_MAX_OPAQUE	32

/*
 * A token points into the caller's input line; nothing is copied and the
 * line is not modified.  Like memcached's tokenize_command(), a tokenized
 * line ends with a terminal token of length 0 whose s is the unparsed rest
 * of the line (more than 23 tokens) or NULL, and ntok counts it.
 */
struct mc_tok {
	const char *s;
	size_t len;
};

/* What one mc_execute() call works on. */
struct mc_ctx {
	struct mc_thread *t;
	struct mc_store *st;	/* the stripe of the key in hand, locked */
	unsigned stripe;	/* st's index in the cache */
	struct mc_conn *c;
	const struct mc_out *out;
	const char *line;	/* the command line being run, no "\r\n" */
	size_t line_len;
	const char *stop;	/* a get stopped here (out->full) */
};

/* The store of key's stripe, locked (and the previous key's unlocked)
 * until the next key's or the end of the mc_execute() call; x->st. */
struct mc_store *mc__store(struct mc_ctx *x, const char *key, size_t nkey);
/* Unlock x->st, if any: before visiting every stripe. */
void mc__store_done(struct mc_ctx *x);
/* What all stripes share (clock, item limit), unlocked. */
#define MC_ANY(x)	mc_cache_any((x)->t->cache)
/* A server-wide number that other threads write. */
#define MC_LOAD(v)	__atomic_load_n(&(v), __ATOMIC_RELAXED)
/* Count one command event in this thread's counters. */
#define MC_COUNT(x, field) mc_count(&(x)->t->stats.field, 1)

/* A command handler: 0, or -1 to close the connection. */
typedef int (*mc_cmd_fn)(struct mc_ctx *x, struct mc_tok *t, int ntok,
			 int arg);

/* Output.  reply honours noreply; error always writes (meta errors). */
void mc__write(struct mc_ctx *x, const void *data, size_t len);
void mc__reply(struct mc_ctx *x, const char *s);
void mc__error(struct mc_ctx *x, const char *s);
char *mc__u64toa(uint64_t v, char *p);	/* returns the end, no NUL */

/* Token helpers: memcached's safe_strto*() on one token. */
bool mc__tok_is(const struct mc_tok *t, const char *s);
bool mc__tok_u64(const struct mc_tok *t, uint64_t *v);
bool mc__tok_u32(const struct mc_tok *t, uint32_t *v);
bool mc__tok_i32(const struct mc_tok *t, int32_t *v);
bool mc__key_ok(const struct mc_tok *key);
/* Sets c->noreply when the last token is "noreply"; returns it. */
bool mc__noreply_maybe(struct mc_ctx *x, struct mc_tok *t, int ntok);

/* Data blocks: read vlen + 2 bytes into it / throw them away. */
void mc__start_nread(struct mc_ctx *x, struct mc_item *it);
void mc__swallow(struct mc_ctx *x, size_t n);

/* mc_meta.c */
int mc__cmd_mg(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_ms(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_md(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_ma(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_mn(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_me(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
/* The data block of an ms arrived: store it and answer. */
void mc__meta_set_done(struct mc_ctx *x, struct mc_item *it);

/* mc_admin.c */
int mc__cmd_stats(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_flush_all(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_version(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_verbosity(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_memlimit(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_shutdown(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);
int mc__cmd_quit(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg);

#endif /* MC_INT_H */
