/*
 * idem_store: statements on idempotency_key and the pruning of tx_marker (migration 010).
 * See idem_store.h for when rows are written and read.
 */
#include "sql/idem_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/customer_json.h"

static const char SQL_GET[] =
	"SELECT status, content_type, headers, body, fingerprint FROM idempotency_key WHERE scope = ? AND idem_key = ?";
static const char SQL_PUT[] =
	"INSERT INTO idempotency_key (scope, idem_key, fingerprint, status, content_type, headers, body, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
const char IDEM_PRUNE_ANSWERS_SQL[] = "DELETE FROM idempotency_key WHERE created_at < ? LIMIT ?";
const char IDEM_PRUNE_MARKERS_SQL[] = "DELETE FROM tx_marker WHERE updated_at < ? LIMIT ?";

enum db_rc idem_store_get(struct db *db, struct arena *a, const char *scope, const char *key, int *found,
			  struct idem_answer *out)
{
	struct db_param p[2] = { db_str(scope), db_str(key) };
	struct db_rows r;
	*found = 0;
	enum db_rc rc = db_exec(db, a, SQL_GET, p, 2, &r, NULL);
	if (rc != DB_OK || r.nrows == 0)
		return rc;
	/* a SMALLINT the server wrote: 3 digits; anything else is not an answer to replay */
	const char *st = db_cell(&r, 0, 0);
	char *end = NULL;
	long status = st ? strtol(st, &end, 10) : 0;
	if (!st || *end || status < 100 || status > 599)
		return DB_ERROR;
	out->status = (int)status;
	out->content_type = db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "";
	out->headers = db_cell(&r, 0, 2) ? db_cell(&r, 0, 2) : "";
	out->headers_len = strlen(out->headers);
	out->body = db_cell(&r, 0, 3) ? db_cell(&r, 0, 3) : "";
	out->body_len = strlen(out->body);
	out->fingerprint = db_cell(&r, 0, 4) ? db_cell(&r, 0, 4) : "";
	*found = 1;
	return DB_OK;
}

enum db_rc idem_store_put(struct db *db, struct arena *a, const char *scope, const char *key,
			  const struct idem_answer *ans, long long now_ms)
{
	char now[24];
	customer_db_time(now_ms, now);
	struct db_param p[8] = {
		db_str(scope), db_str(key), db_str(ans->fingerprint), db_int(ans->status), db_str(ans->content_type),
		db_strn(ans->headers ? ans->headers : "", ans->headers_len),
		db_strn(ans->body ? ans->body : "", ans->body_len), db_str(now),
	};
	return db_exec(db, a, SQL_PUT, p, 8, NULL, NULL);
}
