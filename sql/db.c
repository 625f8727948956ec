/*
 * db: MariaDB Connector/C prepared statements behind a small text-in,
 * text-out interface. Error numbers are mapped to enum db_rc here so that
 * callers reason about the domain (duplicate, missing reference, retry,
 * unavailable), never about MySQL codes. Error text goes to the log only.
 */
#include "sql/db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/config.h"
#include "common/log.h"
#include "common/req.h"

struct db_param db_str(const char *s)
{
	struct db_param p = { s ? DP_STR : DP_NULL, s, s ? strlen(s) : 0, 0 };
	return p;
}

struct db_param db_strn(const char *s, size_t n)
{
	struct db_param p = { s ? DP_STR : DP_NULL, s, n, 0 };
	return p;
}

struct db_param db_int(long long v)
{
	struct db_param p = { DP_INT, NULL, 0, v };
	return p;
}

void db_init(struct db *db, const struct config *cfg)
{
	memset(db, 0, sizeof(*db));
	db->cfg = cfg;
}

static void drop_connection(struct db *db)
{
	for (size_t i = 0; i < db->nstmts; i++)
		if (db->stmts[i].stmt)
			mysql_stmt_close(db->stmts[i].stmt);
	db->nstmts = 0;
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_tx = 0;
}

void db_close(struct db *db)
{
	drop_connection(db);
}

static void retry_pause(int attempt);

static int is_gone(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED || e == ER_SERVER_SHUTDOWN ||
	       e == ER_CONNECTION_KILLED || e == CR_COMMANDS_OUT_OF_SYNC || e == 4031 /* client timeout */ ||
	       e == ER_QUERY_INTERRUPTED || e == 1927 /* connection was killed */;
}

static enum db_rc classify(struct db *db, unsigned e, const char *msg)
{
	db->last_errno = e;
	switch (e) {
	case ER_DUP_ENTRY: {
		/* "Duplicate entry 'x' for key 'name'" -> name */
		const char *k = msg ? strstr(msg, "for key '") : NULL;
		db->dup_key[0] = '\0';
		if (k) {
			k += 9;
			size_t n = strcspn(k, "'");
			if (n >= sizeof(db->dup_key))
				n = sizeof(db->dup_key) - 1;
			memcpy(db->dup_key, k, n);
			db->dup_key[n] = '\0';
		}
		return DB_DUPLICATE;
	}
	case ER_NO_REFERENCED_ROW_2:
	case ER_NO_REFERENCED_ROW:
		return DB_FK;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
	case 1180: /* Galera: got error during COMMIT */
	case ER_UNKNOWN_COM_ERROR: /* Galera: WSREP has not yet prepared node for application use */
		return DB_RETRY;
	}
	if (is_gone(e)) {
		log_error("database connection lost: %u %s", e, msg ? msg : "");
		drop_connection(db);
		return DB_GONE;
	}
	log_error("database error %u: %s", e, msg ? msg : "");
	return DB_ERROR;
}

enum db_rc db_ensure(struct db *db)
{
	if (db->conn)
		return DB_OK;
	long long now = req_now_us();
	if (now < db->retry_at_us)
		return DB_GONE;
	MYSQL *m = mysql_init(NULL);
	if (!m)
		abort();
	unsigned ct = 2, rt = 10, wt = 10;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	const struct config *c = db->cfg;
	const char *host = c->db_socket ? "localhost" : c->db_host;
	if (!mysql_real_connect(m, host, c->db_user, c->db_pass, c->db_name, c->db_port, c->db_socket, 0)) {
		log_error("cannot connect to the database: %s", mysql_error(m));
		mysql_close(m);
		/* 50 ms doubling to 500 ms: a refused connect costs microseconds, and service
		 * must come back within a moment of the database */
		db->backoff_us = db->backoff_us ? db->backoff_us * 2 : 50000;
		if (db->backoff_us > 500000)
			db->backoff_us = 500000;
		db->retry_at_us = now + db->backoff_us;
		return DB_GONE;
	}
	if (c->db_sync_wait) {
		/* Galera: make this pool's reads wait for the writes the cluster already committed,
		 * so a customer registered through one node can log in through another at once */
		char q[64];
		snprintf(q, sizeof(q), "SET SESSION wsrep_sync_wait = %ld", c->db_sync_wait);
		if (mysql_real_query(m, q, (unsigned long)strlen(q)))
			log_warn("cannot set wsrep_sync_wait: %s", mysql_error(m));
	}
	db->backoff_us = 0;
	db->conn = m;
	db->nstmts = 0;
	db->in_tx = 0;
	return DB_OK;
}

void db_request_start(struct db *db)
{
	db->stmts_this_req = 0;
	db->req_start_us = req_now_us();
}

static MYSQL_STMT *get_stmt(struct db *db, const char *sql, enum db_rc *rc)
{
	for (size_t i = 0; i < db->nstmts; i++)
		if (db->stmts[i].sql == sql)
			return db->stmts[i].stmt;
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (!st)
		abort();
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
		*rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	if (db->nstmts == DB_MAX_STMTS) {
		log_error("statement cache full");
		abort();
	}
	db->stmts[db->nstmts].sql = sql;
	db->stmts[db->nstmts].stmt = st;
	db->nstmts++;
	return st;
}

static enum db_rc exec_once(struct db *db, struct arena *a, const char *sql, const struct db_param *p,
			    unsigned np, struct db_rows *rows, unsigned long long *affected)
{
	enum db_rc rc = DB_ERROR;
	if (db_ensure(db) != DB_OK)
		return DB_GONE;
	MYSQL_STMT *st = get_stmt(db, sql, &rc);
	if (!st)
		return rc;
	if (mysql_stmt_param_count(st) != np) {
		log_error("statement parameter count mismatch (%lu != %u): %.60s", mysql_stmt_param_count(st), np, sql);
		abort();
	}
	MYSQL_BIND *pb = np ? arena_alloc(a, sizeof(MYSQL_BIND) * np) : NULL;
	if (np)
		memset(pb, 0, sizeof(MYSQL_BIND) * np);
	for (unsigned i = 0; i < np; i++) {
		switch (p[i].t) {
		case DP_NULL:
			pb[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DP_STR:
			pb[i].buffer_type = MYSQL_TYPE_STRING;
			pb[i].buffer = (void *)p[i].s;
			pb[i].buffer_length = (unsigned long)p[i].len;
			break;
		case DP_INT:
			pb[i].buffer_type = MYSQL_TYPE_LONGLONG;
			pb[i].buffer = (void *)&p[i].i;
			break;
		}
	}
	if ((np && mysql_stmt_bind_param(st, pb)) || mysql_stmt_execute(st))
		return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	db->stmts_this_req++;
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	unsigned nc = mysql_stmt_field_count(st);
	if (!nc) {
		if (rows)
			memset(rows, 0, sizeof(*rows));
		return DB_OK;
	}
	enum { CELL = 256 };
	MYSQL_BIND *rb = arena_alloc(a, sizeof(MYSQL_BIND) * nc);
	unsigned long *lens = arena_alloc(a, sizeof(unsigned long) * nc);
	my_bool *nulls = arena_alloc(a, sizeof(my_bool) * nc);
	char *space = arena_alloc(a, (size_t)CELL * nc);
	memset(rb, 0, sizeof(MYSQL_BIND) * nc);
	for (unsigned i = 0; i < nc; i++) {
		rb[i].buffer_type = MYSQL_TYPE_STRING;
		rb[i].buffer = space + (size_t)i * CELL;
		rb[i].buffer_length = CELL;
		rb[i].length = &lens[i];
		rb[i].is_null = &nulls[i];
	}
	if (mysql_stmt_bind_result(st, rb))
		return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	size_t cap = 4, n = 0;
	char **cells = arena_alloc(a, sizeof(char *) * cap * nc);
	int frc;
	while ((frc = mysql_stmt_fetch(st)) == 0 || frc == MYSQL_DATA_TRUNCATED) {
		if (n == cap) {
			char **bigger = arena_alloc(a, sizeof(char *) * cap * 2 * nc);
			memcpy(bigger, cells, sizeof(char *) * cap * nc);
			cells = bigger;
			cap *= 2;
		}
		for (unsigned i = 0; i < nc; i++) {
			char **cell = &cells[n * nc + i];
			if (nulls[i]) {
				*cell = NULL;
			} else if (lens[i] <= CELL) {
				*cell = arena_strndup(a, space + (size_t)i * CELL, lens[i]);
			} else {
				/* a long value (metadata): fetch it whole into the arena */
				char *big = arena_alloc(a, lens[i] + 1);
				MYSQL_BIND one;
				unsigned long got = 0;
				memset(&one, 0, sizeof(one));
				one.buffer_type = MYSQL_TYPE_STRING;
				one.buffer = big;
				one.buffer_length = lens[i];
				one.length = &got;
				if (mysql_stmt_fetch_column(st, &one, i, 0)) {
					mysql_stmt_free_result(st);
					return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
				}
				big[lens[i]] = '\0';
				*cell = big;
			}
		}
		n++;
	}
	if (frc != MYSQL_NO_DATA) {
		/*
		 * An error packet inside the row stream (Galera aborting a SELECT ... FOR
		 * UPDATE for a replicated write: 1213) is recorded on the connection, and
		 * the statement's errno stays 0: take the connection's.
		 */
		unsigned e_no = mysql_stmt_errno(st);
		const char *e_msg = mysql_stmt_error(st);
		if (!e_no) {
			e_no = mysql_errno(db->conn);
			e_msg = mysql_error(db->conn);
		}
		enum db_rc e = classify(db, e_no, e_msg);
		if (db->conn)
			mysql_stmt_free_result(st);
		return e;
	}
	mysql_stmt_free_result(st);
	if (rows) {
		rows->ncols = nc;
		rows->nrows = n;
		rows->cells = cells;
	}
	return DB_OK;
}

enum db_rc db_exec(struct db *db, struct arena *a, const char *sql, const struct db_param *p, unsigned np,
		   struct db_rows *rows, unsigned long long *affected)
{
	int first = db->stmts_this_req == 0 && !db->in_tx;
	enum db_rc rc = exec_once(db, a, sql, p, np, rows, affected);
	/*
	 * A connection that died while the worker was idle (server restart,
	 * wait_timeout) fails the first statement of a request: reconnect once
	 * and retry it, which is safe because nothing of this request ran yet.
	 */
	if (rc == DB_GONE && first && db->retry_at_us == 0) {
		rc = exec_once(db, a, sql, p, np, rows, affected);
	}
	/*
	 * An autocommitted statement that lost a deadlock or a Galera
	 * certification did not happen: run it again (inside a transaction the
	 * caller repeats the whole transaction instead).
	 */
	for (int attempt = 0; rc == DB_RETRY && !db->in_tx && attempt < 4; attempt++) {
		retry_pause(attempt);
		rc = exec_once(db, a, sql, p, np, rows, affected);
	}
	return rc;
}

static enum db_rc simple(struct db *db, const char *q)
{
	if (db_ensure(db) != DB_OK)
		return DB_GONE;
	if (mysql_real_query(db->conn, q, (unsigned long)strlen(q)))
		return classify(db, mysql_errno(db->conn), mysql_error(db->conn));
	db->stmts_this_req++;
	return DB_OK;
}

static enum db_rc db_begin(struct db *db)
{
	enum db_rc rc = simple(db, "START TRANSACTION");
	if (rc == DB_GONE && db->stmts_this_req == 0 && db->retry_at_us == 0)
		rc = simple(db, "START TRANSACTION");
	if (rc == DB_OK)
		db->in_tx = 1;
	return rc;
}

static enum db_rc db_commit(struct db *db)
{
	enum db_rc rc = simple(db, "COMMIT");
	db->in_tx = 0;
	return rc;
}

void db_rollback(struct db *db)
{
	if (db->in_tx && db->conn && mysql_real_query(db->conn, "ROLLBACK", 8))
		classify(db, mysql_errno(db->conn), mysql_error(db->conn));
	db->in_tx = 0;
}

/* 1 when a transaction that lost a conflict on attempt (0-based) may run again (after the pause). */
static int retry_again(struct db *db, int attempt)
{
	/*
	 * A budget in time as well as in attempts: 64 concurrent merges of one customer through
	 * two Galera nodes saw a transaction lose certification 8 times in a row (80 ms); the
	 * conflict clears within a few hundred ms, far inside nginx's timeouts.
	 */
	if (attempt + 1 >= DB_RETRY_ATTEMPTS)
		return 0;
	if (db->req_start_us && req_now_us() - db->req_start_us > DB_RETRY_BUDGET_US)
		return 0;
	log_warn("retrying a transaction after a conflict (errno %u, attempt %d)", db->last_errno, attempt + 2);
	retry_pause(attempt);
	return 1;
}

enum db_rc db_transaction(struct db *db, db_work_fn work, void *ctx)
{
	for (int attempt = 0;; attempt++) {
		enum db_rc rc = db_begin(db);
		if (rc != DB_OK)
			return rc;
		rc = work(db, ctx);
		if (rc == DB_OK)
			rc = db_commit(db);
		if (rc == DB_OK)
			return DB_OK;
		db_rollback(db);
		if (rc != DB_RETRY || !retry_again(db, attempt))
			return rc;
	}
}

static void retry_pause(int attempt)
{
	/* exponential backoff with full jitter: 1..(2^attempt) ms, at most 64 ms */
	unsigned char r;
	if (RAND_bytes(&r, 1) != 1)
		r = 7;
	long max_us = 1000L << (attempt < 6 ? attempt : 6);
	long us = 1000 + (long)r * max_us / 255;
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}
