/*
 * throttle_store: three statements on login_throttle. The window arithmetic
 * is done by MariaDB inside the upsert so two workers failing at once never
 * overwrite each other's count.
 */
#include "sql/throttle_store.h"

#include <stdlib.h>

static const char SQL_GET[] = "SELECT failures, window_start_ms FROM login_throttle WHERE customer_id = ?";
/* ON DUPLICATE KEY UPDATE assigns left to right: the IF of window_start_ms still sees the old value */
static const char SQL_FAIL[] =
	"INSERT INTO login_throttle (customer_id, failures, window_start_ms) VALUES (?, 1, ?) "
	"ON DUPLICATE KEY UPDATE failures = IF(window_start_ms <= ?, 1, failures + 1), "
	"window_start_ms = IF(window_start_ms <= ?, VALUES(window_start_ms), window_start_ms)";
static const char SQL_CLEAR[] = "DELETE FROM login_throttle WHERE customer_id = ?";

static enum store_rc rc_of(enum db_rc rc)
{
	return rc == DB_OK ? STORE_OK : rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

enum store_rc throttle_store_get(struct db *db, struct arena *a, const char *customer_id, long long *failures,
				 long long *window_start_ms)
{
	struct db_param p[1] = { db_str(customer_id) };
	struct db_rows r;
	*failures = 0;
	*window_start_ms = 0;
	enum db_rc rc = db_exec(db, a, SQL_GET, p, 1, &r, NULL);
	if (rc != DB_OK)
		return rc_of(rc);
	if (r.nrows && db_cell(&r, 0, 0) && db_cell(&r, 0, 1)) {
		*failures = strtoll(db_cell(&r, 0, 0), NULL, 10);
		*window_start_ms = strtoll(db_cell(&r, 0, 1), NULL, 10);
	}
	return STORE_OK;
}

enum store_rc throttle_store_fail(struct db *db, struct arena *a, const char *customer_id, long long now_ms,
				  long long window_ms)
{
	long long expired = now_ms - window_ms;
	struct db_param p[4] = { db_str(customer_id), db_int(now_ms), db_int(expired), db_int(expired) };
	return rc_of(db_exec(db, a, SQL_FAIL, p, 4, NULL, NULL));
}

enum store_rc throttle_store_clear(struct db *db, struct arena *a, const char *customer_id)
{
	struct db_param p[1] = { db_str(customer_id) };
	return rc_of(db_exec(db, a, SQL_CLEAR, p, 1, NULL, NULL));
}
