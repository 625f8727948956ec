/*
 * throttle_store: the per-account login failure counter (table
 * login_throttle, migration 009). Single statements, no transaction: a
 * failure is one atomic upsert, so concurrent failures on any pool all count.
 */
#ifndef THROTTLE_STORE_H
#define THROTTLE_STORE_H
#include "common/arena.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Failures of the account and when its window started (0 and 0 when it has none). */
enum store_rc throttle_store_get(struct db *db, struct arena *a, const char *customer_id, long long *failures,
				 long long *window_start_ms);
/* Counts one failure at now_ms; a window that started at or before now_ms - window_ms restarts at 1. */
enum store_rc throttle_store_fail(struct db *db, struct arena *a, const char *customer_id, long long now_ms,
				  long long window_ms);
/* Forgets the account's failures (after a successful login or password reset). */
enum store_rc throttle_store_clear(struct db *db, struct arena *a, const char *customer_id);
#endif
