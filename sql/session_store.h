/*
 * session_store: cookie sessions in MariaDB (table `session`), so any worker
 * on any machine can serve any request. Knows nothing of cookies or HTTP.
 */
#ifndef SESSION_STORE_H
#define SESSION_STORE_H
#include "common/arena.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Creates session sid for customer_id, live for ttl_s seconds from now_ms. */
enum store_rc session_store_create(struct db *db, struct arena *a, const char *sid, const char *customer_id,
				   long long now_ms, long ttl_s);
/*
 * Looks up a live session. On STORE_OK *customer_id (arena) and *created_ms
 * are set; an unknown or expired sid gives STORE_NO_CUSTOMER.
 */
enum store_rc session_store_get(struct db *db, struct arena *a, const char *sid, long long now_ms,
				char **customer_id, long long *created_ms);
/* Deletes a session (no error if it does not exist). */
enum store_rc session_store_delete(struct db *db, struct arena *a, const char *sid);
#endif
