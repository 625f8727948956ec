/*
 * idem_store: the Idempotency-Key rows (migration 010). A row is the first answer given to a
 * key in its scope, written in the request transaction of the change it answers
 * (db_request_tx_begin), so the change and its answer commit together or not at all; the
 * same key again is answered from the row, from any pool on any node. Knows nothing of HTTP
 * beyond carrying a status, a content type, header lines and a body as opaque text.
 *
 * The same mechanism serves every state-changing route: cgi/idempotency.c runs each POST and
 * DELETE through it, so routes added later (carts, checkout) have it without code of their own.
 */
#ifndef IDEM_STORE_H
#define IDEM_STORE_H
#include <stddef.h>

#include "common/arena.h"
#include "sql/db.h"

/* Lengths of the columns (migration 010). */
#define IDEM_SCOPE_MAX 100
#define IDEM_KEY_MAX 255
#define IDEM_FINGERPRINT_LEN 64

/* Answers are kept at least this long; idem_store_prune deletes older ones. */
#define IDEM_KEEP_S (25L * 3600)

struct idem_answer {
	int status;
	const char *content_type;
	const char *headers;        /* header lines, each ending in \r\n */
	size_t headers_len;
	const char *body;
	size_t body_len;
	const char *fingerprint;    /* lookups: the fingerprint of the request that got this answer */
};

/*
 * The answer stored for (scope, key): DB_OK with *found 1 and *out filled (arena a), or 0 when
 * there is none; DB_GONE / DB_RETRY / DB_ERROR as db_exec.
 */
enum db_rc idem_store_get(struct db *db, struct arena *a, const char *scope, const char *key, int *found,
			  struct idem_answer *out);
/*
 * Stores the answer for (scope, key) with the request's fingerprint, inside the request
 * transaction. DB_DUPLICATE: another request stored an answer for this key first (roll back,
 * then answer from idem_store_get).
 */
enum db_rc idem_store_put(struct db *db, struct arena *a, const char *scope, const char *key,
			  const struct idem_answer *ans, long long now_ms);
/*
 * Pruning, in the janitor's shape (DELETE ... WHERE <time> < ? LIMIT ?: the cutoff, the batch):
 * answers older than IDEM_KEEP_S, tx_marker rows of workers silent for IDEM_MARKER_KEEP_S. The
 * pool's janitor (sql/janitor.c) runs them periodically; without it the tables keep every row.
 */
extern const char IDEM_PRUNE_ANSWERS_SQL[];
extern const char IDEM_PRUNE_MARKERS_SQL[];
#define IDEM_MARKER_KEEP_S 86400L
#endif
