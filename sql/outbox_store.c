/*
 * outbox_store: claim, settle and release of event_outbox rows for the
 * relay (cgi/relay.c). Every statement is autocommitted and touches rows by
 * key (the claim UPDATE walks ix_event_outbox_due, bounded by LIMIT), so no
 * lock is held while a row is on the wire. A claim UPDATE that loses a
 * deadlock or a Galera certification is retried by db_exec; a later claim
 * simply finds the rows taken.
 */
#include "sql/outbox_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/customer_json.h"

static const char SQL_CLAIM[] =
	"UPDATE event_outbox SET claim = ?, next_attempt_at = ? "
	"WHERE processed_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?";
static const char SQL_CLAIMED[] =
	"SELECT id, event, data, created_at, attempts FROM event_outbox WHERE claim = ? AND processed_at IS NULL "
	"ORDER BY id";
static const char SQL_DELIVERED[] =
	"UPDATE event_outbox SET processed_at = ?, claim = NULL, last_error = NULL WHERE id = ? AND claim = ?";
/* the reset token must not outlive its delivery (API.md section 10) */
static const char SQL_DELIVERED_SECRET[] = "DELETE FROM event_outbox WHERE id = ? AND claim = ?";
static const char SQL_FAILED[] =
	"UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claim = NULL "
	"WHERE id = ? AND claim = ?";
static const char SQL_RELEASE[] =
	"UPDATE event_outbox SET next_attempt_at = ?, claim = NULL WHERE claim = ? AND processed_at IS NULL";

enum db_rc outbox_claim(struct db *db, struct arena *a, const char *claim, long long now_ms, long lease_s,
			unsigned max, struct outbox_event **out, size_t *n)
{
	char now[24], lease[24];
	customer_db_time(now_ms, now);
	customer_db_time(now_ms + (long long)lease_s * 1000, lease);
	*out = NULL;
	*n = 0;
	struct db_param p[4] = { db_str(claim), db_str(lease), db_str(now), db_int(max) };
	unsigned long long taken = 0;
	enum db_rc rc = db_exec(db, a, SQL_CLAIM, p, 4, NULL, &taken);
	if (rc != DB_OK || taken == 0)
		return rc;
	struct db_param q[1] = { db_str(claim) };
	struct db_rows r;
	rc = db_exec(db, a, SQL_CLAIMED, q, 1, &r, NULL);
	if (rc != DB_OK)
		return rc;
	struct outbox_event *ev = arena_alloc(a, sizeof(*ev) * (r.nrows ? r.nrows : 1));
	for (size_t i = 0; i < r.nrows; i++) {
		ev[i].id = db_cell(&r, i, 0);
		ev[i].event = db_cell(&r, i, 1);
		ev[i].data = db_cell(&r, i, 2);
		ev[i].created_at = db_cell(&r, i, 3);
		const char *at = db_cell(&r, i, 4);
		ev[i].attempts = at ? strtol(at, NULL, 10) : 0;
	}
	*out = ev;
	*n = r.nrows;
	return DB_OK;
}

enum db_rc outbox_delivered(struct db *db, struct arena *a, const struct outbox_event *ev, const char *claim,
			    long long now_ms)
{
	if (strcmp(ev->event, OUTBOX_EVENT_PASSWORD_RESET) == 0) {
		struct db_param p[2] = { db_str(ev->id), db_str(claim) };
		return db_exec(db, a, SQL_DELIVERED_SECRET, p, 2, NULL, NULL);
	}
	char now[24];
	customer_db_time(now_ms, now);
	struct db_param p[3] = { db_str(now), db_str(ev->id), db_str(claim) };
	return db_exec(db, a, SQL_DELIVERED, p, 3, NULL, NULL);
}

enum db_rc outbox_failed(struct db *db, struct arena *a, const struct outbox_event *ev, const char *claim,
			 long long next_ms, const char *why)
{
	char next[24];
	customer_db_time(next_ms, next);
	size_t wl = strlen(why);
	struct db_param p[4] = { db_str(next), db_strn(why, wl > 255 ? 255 : wl), db_str(ev->id), db_str(claim) };
	return db_exec(db, a, SQL_FAILED, p, 4, NULL, NULL);
}

enum db_rc outbox_release(struct db *db, struct arena *a, const char *claim, long long next_ms)
{
	char next[24];
	customer_db_time(next_ms, next);
	struct db_param p[2] = { db_str(next), db_str(claim) };
	return db_exec(db, a, SQL_RELEASE, p, 2, NULL, NULL);
}
