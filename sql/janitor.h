/*
 * janitor: bounded purges of rows whose time is up (expired sessions, spent
 * or expired reset tokens, delivered and undeliverable events), run by the
 * pool's relay process every JANITOR_INTERVAL seconds (cgi/relay.c), so no
 * cron job is needed and every pool of a cluster can run it.
 *
 * The purges are a table (janitor_prunes[] in janitor.c): another module
 * whose table needs pruning adds one row there, with a DELETE of the shape
 *   DELETE FROM t WHERE <time column> < ? [AND ...] LIMIT ?
 * (the cutoff as a DB timestamp, the batch size) and how long rows are kept.
 */
#ifndef JANITOR_H
#define JANITOR_H
#include "sql/db.h"

struct config;

struct janitor_prune {
	const char *what;    /* for the log: "expired sessions" */
	const char *sql;     /* DELETE ... WHERE <time> < ? ... LIMIT ? (a string literal) */
	/* rows older than now minus this many seconds go (0: the column holds an expiry) */
	long (*keep_s)(const struct config *cfg);
	int warn;            /* 1: deleting these loses something (log as a warning) */
};

/* Rows deleted per statement, and statements per prune per run: short locks, bounded work. */
#define JANITOR_BATCH 500
#define JANITOR_MAX_BATCHES 20

/*
 * Runs every prune once at now_ms: batches of JANITOR_BATCH until one
 * deletes fewer, at most JANITOR_MAX_BATCHES each. A conflict or a lost
 * connection ends that prune for this run (the next run continues).
 * Returns the number of rows deleted.
 */
unsigned long long janitor_run(struct db *db, struct arena *a, const struct config *cfg, long long now_ms);
#endif
