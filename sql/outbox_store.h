/*
 * outbox_store: the relay's statements on event_outbox (migration 011).
 * A relay claims due rows under a random claim of its own and a lease, posts
 * them with no transaction open, then settles each row only while its claim
 * is still the row's. Knows nothing of HTTP.
 */
#ifndef OUTBOX_STORE_H
#define OUTBOX_STORE_H
#include <stddef.h>

#include "sql/db.h"

/* Lifetime of a password reset token (its JWT exp); an undelivered one is purged after it. */
#define OUTBOX_RESET_TOKEN_TTL_S 900
/* The event whose data carries a secret (the reset token): deleted as soon as it is delivered. */
#define OUTBOX_EVENT_PASSWORD_RESET "customer.password_reset"
/* Length of a claim: 32 hex characters. */
#define OUTBOX_CLAIM_LEN 32

struct outbox_event {
	char *id;          /* event_outbox.id, decimal */
	char *event;       /* "customer.created", ... */
	char *data;        /* JSON text */
	char *created_at;  /* DB timestamp */
	long attempts;     /* failed attempts so far */
};

/*
 * Claims up to max rows that are due at now_ms (undelivered, next attempt
 * passed), oldest due first, for lease_s seconds under claim. *out (arena a)
 * receives them, *n how many. DB_OK or the database's failure.
 */
enum db_rc outbox_claim(struct db *db, struct arena *a, const char *claim, long long now_ms, long lease_s,
			unsigned max, struct outbox_event **out, size_t *n);
/* The receiver took ev: kept as delivered until the janitor prunes it, or deleted at once if it holds a secret. */
enum db_rc outbox_delivered(struct db *db, struct arena *a, const struct outbox_event *ev, const char *claim,
			    long long now_ms);
/* An attempt at ev failed: attempts + 1, next attempt at next_ms, the reason (truncated) kept for operators. */
enum db_rc outbox_failed(struct db *db, struct arena *a, const struct outbox_event *ev, const char *claim,
			 long long next_ms, const char *why);
/* Gives back every row still held under claim, due at next_ms, attempts unchanged (stop, or a batch cut short). */
enum db_rc outbox_release(struct db *db, struct arena *a, const char *claim, long long next_ms);
#endif
