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
#include <sys/socket.h>
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

static void forget_statements(struct db *db)
{
	for (size_t i = 0; i < db->nstmts; i++)
		if (db->stmts[i].stmt)
			mysql_stmt_close(db->stmts[i].stmt);
	db->nstmts = 0;
}

static void drop_connection(struct db *db)
{
	forget_statements(db);
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
		if (db->req_tx && db->in_tx)
			db->req_tx_lost = 1; /* the server rolls the transaction back */
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
	/* connected: the pause is over, and a connection lost later may be re-made at once again */
	db->backoff_us = 0;
	db->retry_at_us = 0;
	db->conn = m;
	db->nstmts = 0;
	db->in_tx = 0;
	return DB_OK;
}

void db_request_start(struct db *db)
{
	db->stmts_this_req = 0;
	db->req_start_us = req_now_us();
	/* FAULT_INJECT=reprepare:N (test stacks): this request prepares each of its statements again, so
	 * the prepares run inside its transaction, as after a reconnect or in a new worker */
	const struct config *c = db->cfg;
	db->requests++;
	if (c && c->fault_mode == FAULT_REPREPARE && c->fault_every > 0 &&
	    db->requests % (unsigned long long)c->fault_every == 0 && db->conn && !db->in_tx)
		forget_statements(db);
}

/*
 * Galera (MariaDB 10.11 seen): a transaction brute-force aborted for a replicated write while its
 * connection runs COM_STMT_PREPARE is rolled back, and the deadlock error is never sent: the prepare
 * succeeds, every later statement runs on its own (autocommit) and the COMMIT commits nothing. The
 * only trace is the server status of the statements that follow: no SERVER_STATUS_IN_TRANS. So a
 * statement of a transaction is checked for it (tx_kept, free: the status comes with every answer),
 * and a statement prepared inside a transaction that is not a plain read proves the transaction
 * alive before it runs (tx_alive, one round trip per statement and connection), because it would
 * otherwise commit on its own. Either way the transaction is treated as lost to a conflict.
 */
static enum db_rc tx_lost_silently(struct db *db, const char *what)
{
	log_warn("the server ended the transaction without an error (a Galera abort during a prepare): %.60s", what);
	db->last_errno = ER_LOCK_DEADLOCK;
	if (db->req_tx)
		db->req_tx_conflict = 1;
	/* a session in that state is not used again: in one of six cluster runs a worker that reused
	 * such sessions was followed by a 50 s stall of both nodes (innodb_lock_wait_timeout) until its
	 * connections closed, most likely locks left behind; a closed session leaves nothing behind */
	drop_connection(db);
	return DB_RETRY;
}

static enum db_rc tx_kept(struct db *db, const char *sql)
{
	unsigned status = SERVER_STATUS_IN_TRANS;
	if (db->in_tx && db->conn && !mariadb_get_infov(db->conn, MARIADB_CONNECTION_SERVER_STATUS, &status) &&
	    !(status & SERVER_STATUS_IN_TRANS))
		return tx_lost_silently(db, sql);
	return DB_OK;
}

static enum db_rc simple(struct db *db, const char *q);

static enum db_rc tx_alive(struct db *db, const char *sql)
{
	enum db_rc rc = simple(db, "DO 0");
	return rc == DB_OK ? tx_kept(db, sql) : rc;
}

static MYSQL_STMT *get_stmt(struct db *db, const char *sql, enum db_rc *rc)
{
	for (size_t i = 0; i < db->nstmts; i++)
		if (db->stmts[i].sql == sql)
			return db->stmts[i].stmt;
	if (db->nstmts == DB_MAX_STMTS) {
		log_error("statement cache full");
		abort();
	}
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (!st)
		abort();
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
		*rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	db->stmts[db->nstmts].sql = sql;
	db->stmts[db->nstmts].stmt = st;
	db->nstmts++;
	/* our statements start with their verb: SELECT (or SET STATEMENT ... FOR SELECT) only reads */
	if (db->in_tx && sql[0] != 'S' && (*rc = tx_alive(db, sql)) != DB_OK)
		return NULL;
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
		return tx_kept(db, sql);
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
	if (tx_kept(db, sql) != DB_OK)
		return DB_RETRY;
	if (rows) {
		rows->ncols = nc;
		rows->nrows = n;
		rows->cells = cells;
	}
	return DB_OK;
}

static enum db_rc db_begin(struct db *db);

/* Our statements are literals that start with their verb: the writes open the request transaction. */
static int is_write(const char *sql)
{
	return sql[0] == 'I' || sql[0] == 'U' || sql[0] == 'D' || sql[0] == 'R';
}

enum db_rc db_exec(struct db *db, struct arena *a, const char *sql, const struct db_param *p, unsigned np,
		   struct db_rows *rows, unsigned long long *affected)
{
	if (db->req_tx) {
		if (db->req_tx_lost)
			return DB_GONE;
		/* after a deadlock or a Galera abort the server rolled the transaction back: a further
		 * statement would run on its own, autocommitted, with values read before the abort (a
		 * lost update); the caller runs the whole request again instead */
		if (db->req_tx_conflict)
			return DB_RETRY;
		if (!db->in_tx && is_write(sql)) {
			enum db_rc brc = db_begin(db);
			if (brc != DB_OK)
				return brc;
		}
	}
	int first = db->stmts_this_req == 0 && !db->in_tx;
	int in_tx = db->in_tx; /* a statement of a transaction is never repeated on its own below */
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
	for (int attempt = 0; rc == DB_RETRY && !in_tx && attempt < 4; attempt++) {
		retry_pause(attempt);
		rc = exec_once(db, a, sql, p, np, rows, affected);
	}
	if (rc == DB_RETRY && db->req_tx && in_tx)
		db->req_tx_conflict = 1;
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

int db_retry_again(struct db *db, int attempt)
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

/*
 * db_transaction inside the request transaction: the work's writes join it. A failure of the
 * work undoes only the work (a savepoint, or the whole transaction when the work opened it), so
 * the request answers what it would have answered on its own; a conflict or a lost connection
 * is left to the caller of db_request_tx_commit, which runs the whole request again.
 */
static enum db_rc joined(struct db *db, db_work_fn work, void *ctx)
{
	if (db->req_tx_lost)
		return DB_GONE;
	if (db->req_tx_conflict)
		return DB_RETRY; /* as in db_exec: nothing more after an abort */
	int fresh = !db->in_tx;
	enum db_rc rc = fresh ? db_begin(db) : simple(db, "SAVEPOINT w");
	if (rc == DB_OK)
		rc = work(db, ctx);
	if (rc == DB_OK || rc == DB_GONE || !db->in_tx)
		return rc;
	if (rc == DB_RETRY) {
		db->req_tx_conflict = 1;
		return rc;
	}
	if (fresh)
		db_rollback(db);
	else if (simple(db, "ROLLBACK TO SAVEPOINT w") != DB_OK)
		db->req_tx_conflict = 1; /* cannot undo the part: never commit the rest */
	return rc;
}

enum db_rc db_transaction(struct db *db, db_work_fn work, void *ctx)
{
	if (db->req_tx)
		return joined(db, work, ctx);
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
		if (rc != DB_RETRY || !db_retry_again(db, attempt))
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

/* The request transaction (db.h). */

static const char SQL_MARK[] = "UPDATE tx_marker SET txid = ?, updated_at = UTC_TIMESTAMP(3) WHERE worker = ?";
static const char SQL_MARK_NEW[] = "INSERT INTO tx_marker (worker, txid, updated_at) VALUES (?, ?, UTC_TIMESTAMP(3))";
/* Locking: waits for a transaction still holding the row (its COMMIT not yet done) to end. */
static const char SQL_MARK_READ[] =
	"SET STATEMENT innodb_lock_wait_timeout = 5 FOR SELECT txid FROM tx_marker WHERE worker = ? FOR UPDATE";

void db_request_tx_begin(struct db *db)
{
	db->req_tx = 1;
	db->req_tx_lost = 0;
	db->req_tx_conflict = 0;
}

int db_request_tx_open(const struct db *db)
{
	return db->req_tx && db->in_tx;
}

int db_request_tx_conflict(const struct db *db)
{
	return db->req_tx_conflict;
}

void db_request_tx_abort(struct db *db)
{
	db_rollback(db);
	db->req_tx = db->req_tx_lost = db->req_tx_conflict = 0;
}

/* This worker's marker: a number new to the worker, in the transaction about to commit. */
static enum db_rc write_marker(struct db *db, struct arena *a)
{
	if (!db->worker_id[0]) {
		unsigned char rnd[16];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return DB_ERROR;
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(db->worker_id + 2 * i, 3, "%02x", rnd[i]);
	}
	db->txid++;
	struct db_param p[2] = { db_int((long long)db->txid), db_str(db->worker_id) };
	unsigned long long n = 0;
	enum db_rc rc = db_exec(db, a, SQL_MARK, p, 2, NULL, &n);
	if (rc == DB_OK && n == 0) {
		struct db_param q[2] = { db_str(db->worker_id), db_int((long long)db->txid) };
		rc = db_exec(db, a, SQL_MARK_NEW, q, 2, NULL, NULL);
	}
	return rc;
}

/*
 * COMMIT, or (FAULT_INJECT, test stacks only) a COMMIT whose connection is cut on purpose: after
 * the statement is sent and before its answer is read (the server commits), or before it is
 * sent (the server rolls back).
 */
static enum db_rc commit_request(struct db *db)
{
	const struct config *c = db->cfg;
	db->commits++;
	if (c && (c->fault_mode == FAULT_DROP_AFTER_COMMIT || c->fault_mode == FAULT_DROP_BEFORE_COMMIT ||
		  c->fault_mode == FAULT_LOSE_OUTCOME) &&
	    c->fault_every > 0 && db->commits % (unsigned long long)c->fault_every == 0) {
		MYSQL *m = db->conn;
		if (c->fault_mode != FAULT_DROP_BEFORE_COMMIT && mysql_send_query(m, "COMMIT", 6))
			return classify(db, mysql_errno(m), mysql_error(m));
		log_warn("FAULT_INJECT: cutting the database connection %s COMMIT",
			 c->fault_mode == FAULT_DROP_BEFORE_COMMIT ? "before" : "after sending");
		shutdown(mysql_get_socket(m), SHUT_RDWR);
		if (c->fault_mode == FAULT_DROP_BEFORE_COMMIT)
			return simple(db, "COMMIT");
		/* never read the answer: the server's OK may already sit in the socket buffer, and
		 * the point of the fault is a worker that did not see it; the connection is dead
		 * from here on, as after a real loss */
		drop_connection(db);
		return DB_GONE;
	}
	return simple(db, "COMMIT");
}

/* After a COMMIT whose answer was lost: was it applied? Reads the marker on a new connection. */
static enum db_rc find_out(struct db *db, struct arena *a)
{
	if (db->cfg && db->cfg->fault_mode == FAULT_LOSE_OUTCOME) {
		log_warn("FAULT_INJECT: acting as if the database could not be reached again");
		return DB_UNKNOWN;
	}
	/* a reconnect pause left from an earlier outage must not stop this one attempt; the lost
	 * transaction must not stop this read */
	db->retry_at_us = 0;
	db->req_tx = db->req_tx_lost = 0;
	/* the connection that lost the COMMIT's answer is never used again (a fault may leave it
	 * open but cut): the marker is read on a new one */
	drop_connection(db);
	if (db_ensure(db) != DB_OK)
		return DB_UNKNOWN;
	struct db_param p[1] = { db_str(db->worker_id) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_MARK_READ, p, 1, &r, NULL);
	if (rc != DB_OK) {
		log_error("cannot find out whether the last commit was applied");
		return DB_UNKNOWN;
	}
	char want[24];
	snprintf(want, sizeof(want), "%llu", db->txid);
	int applied = r.nrows == 1 && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), want) == 0;
	log_warn("a commit lost its connection; its marker says it was %s", applied ? "applied" : "not applied");
	return applied ? DB_OK : DB_GONE;
}

enum db_rc db_request_tx_commit(struct db *db, struct arena *a)
{
	enum db_rc rc = DB_OK;
	if (db->req_tx_lost || db->req_tx_conflict) {
		rc = db->req_tx_lost ? DB_GONE : DB_RETRY;
		goto out;
	}
	if (!db->in_tx)
		goto out; /* nothing was written */
	if ((rc = write_marker(db, a)) != DB_OK)
		goto out;
	rc = commit_request(db);
	db->in_tx = 0;
	if (rc == DB_GONE)
		rc = find_out(db, a);
out:
	if (rc != DB_OK)
		db_rollback(db);
	db->req_tx = db->req_tx_lost = db->req_tx_conflict = 0;
	return rc;
}
