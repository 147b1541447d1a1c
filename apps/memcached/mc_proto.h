/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_proto.h: the memcached text protocol engine of sm-memcached (classic
 * and meta commands), independent of any transport.  The caller feeds the
 * bytes of one connection in; responses come out through a sink.
 *
 * Input contract (caller keeps a per-connection input buffer):
 *
 *	n = mc_execute(t, c, buf, len, &out);
 *	n >= 0: buf[0..n) is consumed; keep buf[n..len), append newly read
 *	        bytes after it, call again.  Only command lines must be whole:
 *	        a data block may be split anywhere (the engine copies what it
 *	        gets into the pending item), so the unconsumed tail is at most
 *	        one partial line: up to MC_LINE_MAX + 1 bytes, or
 *	        MC_GET_LINE_MAX + 1 for get/gets/gat/gats.  A get stopped by
 *	        out->full leaves the rest of its line unconsumed.
 *	n == -1: close the connection once the output written so far has been
 *	        sent (quit, a line too long, an HTTP request).  Every later
 *	        call returns -1 too.
 *
 * Output contract: out->write(ctx, data, len) appends to the connection's
 * output.  It must copy the bytes (or send them) before returning: data may
 * point into an item that a later command frees.  A GET hit is written as
 * the "VALUE ..." line, then the value and its "\r\n" from the item in one
 * call, then "END\r\n".  Nothing is written for noreply commands.
 *
 * Threads: t is the calling thread's (mc_cache.h); a connection belongs to
 * one thread at a time.  Each key's stripe is locked while the command
 * works on it and unlocked before the call returns; items never outlive
 * the lock, and out->write may be called with a stripe locked.
 */
#ifndef MC_PROTO_H
#define MC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_store.h"

#ifndef MC_VERSION
#define MC_VERSION "1.6.38-sm"
#endif

/* A command line, without "\r\n".  memcached serves any line that
 * arrives whole in its 16 KiB read buffer (it closes one still without
 * an end past 2048 bytes, which depends on how reads split it); here
 * every line up to 16 KiB is served, however the reads split it. */
#define MC_LINE_MAX	16384
#define MC_GET_LINE_MAX	(64 * 1024)	/* get/gets/gat/gats lines */
#define MC_MRET_MAX	96		/* stashed meta set return flags */

struct mc_out {
	void *ctx;
	void (*write)(void *ctx, const void *data, size_t len);
	/* Optional: true while the connection's output is over its limit.
	 * A get of many keys then stops after the value in hand: its line
	 * is consumed only up to there, and the rest of its keys are
	 * answered when the caller offers the rest of the line again. */
	bool (*full)(void *ctx);
};

/*
 * Server-wide settings and counters shown by "stats"; owned by the server,
 * shared by its connections (mc_conn.srv may be NULL: defaults are shown).
 */
struct mc_server {
	uint64_t curr_connections;	/* kept up to date by the server */
	uint64_t total_connections;
	uint64_t rejected_connections;	/* over -c: told so and closed */
	int maxconns;
	int tcpport;
	int threads;
	int verbosity;			/* written by "verbosity" */
	int backlog, napi_ids;		/* -b, -N: for "stats settings" */
	const char *inter;		/* -l, or NULL */
	/* "stats" calls this before its END line; it adds its own lines with
	 * mc_stat_printf() (e.g. "STAT sm_rx_slots 12"). */
	void (*stats_cb)(void *arg, const struct mc_out *out);
	void *stats_arg;
	/* -A: "shutdown" stops the server through this; NULL answers
	 * memcached's "ERROR: shutdown not enabled". */
	void (*shutdown_cb)(void);
};

enum mc_conn_state {
	MC_CONN_CMD,		/* waiting for a command line */
	MC_CONN_NREAD,		/* filling c->item with a data block */
	MC_CONN_SWALLOW,	/* discarding a data block after an error */
	MC_CONN_GET,		/* the input is the rest of a get's keys */
	MC_CONN_CLOSED,		/* mc_execute() returned -1 */
};

/* A storage command waiting for its data block. */
struct mc_pending {
	struct mc_item *item;	/* unlinked; owned by the connection */
	size_t filled;		/* bytes of value + "\r\n" copied so far */
	uint8_t op;		/* enum mc_store_op */
	bool meta;		/* ms: answer with HD/NS/EX/NF + flags */
	bool stale_ok;		/* ms I */
	bool vivify;		/* ms N with append/prepend */
	uint64_t cas;		/* compare value (cas, ms C) */
	uint64_t new_cas;	/* ms E */
	uint8_t mret_len;
	char mret[MC_MRET_MAX];	/* ms return flags, see mc_meta.c */
};

struct mc_conn {
	enum mc_conn_state state;
	bool noreply;		/* of the command being answered */
	size_t scanned;		/* bytes of the partial line at the start
				 * of the input known to hold no '\n' */
	size_t swallow;		/* bytes left to discard */
	struct mc_pending p;
	uint8_t get_flags;	/* MC_CONN_GET: the get's flags, exptime */
	uint32_t get_exptime;
	struct mc_server *srv;	/* set by the caller after mc_conn_init() */
};

void mc_conn_init(struct mc_conn *c);
/* Free the pending item, if any; call when the connection goes away.
 * Safe to call twice. */
void mc_conn_release(struct mc_conn *c);

struct mc_thread;
ssize_t mc_execute(struct mc_thread *t, struct mc_conn *c, const char *buf,
		   size_t len, const struct mc_out *out);

/* Write "STAT <name> <value>\r\n" with a printf-style value. */
void mc_stat_printf(const struct mc_out *out, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* MC_PROTO_H */
