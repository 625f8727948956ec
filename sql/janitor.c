/*
 * janitor: the prune table and its runner. Each DELETE is autocommitted,
 * walks an index on its time column and stops at JANITOR_BATCH rows, so it
 * holds row locks for milliseconds; several pools running it at once on a
 * Galera cluster at worst make one of two identical batches fail
 * certification, which db_exec retries and which then deletes nothing.
 */
#include "sql/janitor.h"

#include <time.h>

#include "common/config.h"
#include "common/customer_json.h"
#include "common/log.h"
#include "sql/idem_store.h"
#include "sql/outbox_store.h"

static long keep_none(const struct config *cfg)
{
	(void)cfg;
	return 0;
}

static long keep_delivered(const struct config *cfg)
{
	return cfg->events_retention;
}

static long keep_reset_token(const struct config *cfg)
{
	(void)cfg;
	return OUTBOX_RESET_TOKEN_TTL_S;
}

static long keep_undelivered(const struct config *cfg)
{
	return cfg->events_max_age;
}

static long keep_idem_answer(const struct config *cfg)
{
	(void)cfg;
	return IDEM_KEEP_S;
}

static long keep_idem_marker(const struct config *cfg)
{
	(void)cfg;
	return IDEM_MARKER_KEEP_S;
}

static const char SQL_SESSIONS[] = "DELETE FROM session WHERE expires_at < ? LIMIT ?";
static const char SQL_DELIVERED[] = "DELETE FROM event_outbox WHERE processed_at < ? LIMIT ?";
/* a reset token is dead after its exp: delivered or not, its row goes (spent ones went at delivery) */
static const char SQL_RESET_TOKENS[] =
	"DELETE FROM event_outbox WHERE created_at < ? AND event = '" OUTBOX_EVENT_PASSWORD_RESET "' LIMIT ?";
static const char SQL_UNDELIVERED[] = "DELETE FROM event_outbox WHERE created_at < ? AND processed_at IS NULL LIMIT ?";

static const struct janitor_prune janitor_prunes[] = {
	{ "expired sessions", SQL_SESSIONS, keep_none, 0 },
	{ "delivered events past EVENTS_RETENTION", SQL_DELIVERED, keep_delivered, 0 },
	{ "expired password reset tokens", SQL_RESET_TOKENS, keep_reset_token, 0 },
	{ "undelivered events past EVENTS_MAX_AGE", SQL_UNDELIVERED, keep_undelivered, 1 },
	{ "Idempotency-Key answers older than 25 h", IDEM_PRUNE_ANSWERS_SQL, keep_idem_answer, 0 },
	{ "commit markers of workers silent for a day", IDEM_PRUNE_MARKERS_SQL, keep_idem_marker, 0 },
};

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

unsigned long long janitor_run(struct db *db, struct arena *a, const struct config *cfg, long long now_ms)
{
	unsigned long long total = 0;
	for (size_t i = 0; i < sizeof(janitor_prunes) / sizeof(janitor_prunes[0]); i++) {
		const struct janitor_prune *pr = &janitor_prunes[i];
		char cutoff[24];
		customer_db_time(now_ms - (long long)pr->keep_s(cfg) * 1000, cutoff);
		struct db_param p[2] = { db_str(cutoff), db_int(JANITOR_BATCH) };
		unsigned long long gone = 0;
		for (int b = 0; b < JANITOR_MAX_BATCHES; b++) {
			unsigned long long n = 0;
			db_request_start(db);
			if (db_exec(db, a, pr->sql, p, 2, NULL, &n) != DB_OK)
				break;
			gone += n;
			if (n < JANITOR_BATCH)
				break;
			pause_ms(10); /* let the workers' writes in between batches */
		}
		if (gone && pr->warn)
			log_warn("janitor: deleted %llu %s", gone, pr->what);
		else if (gone)
			log_info("janitor: deleted %llu %s", gone, pr->what);
		total += gone;
	}
	return total;
}
