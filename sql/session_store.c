/*
 * session_store: three statements on `session`. Expired rows are ignored by
 * the lookup; the pool's janitor deletes them in batches (sql/janitor.c).
 */
#include "sql/session_store.h"

#include "common/customer_json.h"

static const char SQL_CREATE[] =
	"INSERT INTO session (sid, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_GET[] =
	"SELECT customer_id, created_at FROM session WHERE sid = ? AND expires_at > ?";
static const char SQL_DELETE[] = "DELETE FROM session WHERE sid = ?";

static enum store_rc rc_of(enum db_rc rc)
{
	/* DB_RETRY here: retries exhausted, nothing applied: 503, retry later (or on another node) */
	return rc == DB_OK ? STORE_OK : rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

enum store_rc session_store_create(struct db *db, struct arena *a, const char *sid, const char *customer_id,
				   long long now_ms, long ttl_s)
{
	char now[24], exp[24];
	customer_db_time(now_ms, now);
	customer_db_time(now_ms + (long long)ttl_s * 1000, exp);
	struct db_param p[4] = { db_str(sid), db_str(customer_id), db_str(now), db_str(exp) };
	return rc_of(db_exec(db, a, SQL_CREATE, p, 4, NULL, NULL));
}

enum store_rc session_store_get(struct db *db, struct arena *a, const char *sid, long long now_ms,
				char **customer_id, long long *created_ms)
{
	char now[24];
	customer_db_time(now_ms, now);
	struct db_param p[2] = { db_str(sid), db_str(now) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_GET, p, 2, &r, NULL);
	if (rc != DB_OK)
		return rc_of(rc);
	if (r.nrows == 0 || !db_cell(&r, 0, 0))
		return STORE_NO_CUSTOMER;
	*customer_id = db_cell(&r, 0, 0);
	*created_ms = customer_db_time_ms(db_cell(&r, 0, 1));
	return STORE_OK;
}

enum store_rc session_store_delete(struct db *db, struct arena *a, const char *sid)
{
	struct db_param p[1] = { db_str(sid) };
	return rc_of(db_exec(db, a, SQL_DELETE, p, 1, NULL, NULL));
}
