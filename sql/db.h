/*
 * db: one MariaDB connection per worker, its prepared statements, and
 * transactions. Knows nothing of HTTP.
 *
 * Statements are identified by the address of their SQL string literal and
 * prepared the first time they run on a connection (again after a
 * reconnect). Parameters and results travel as text (or NULL); result cells
 * are copied into the caller's arena. Only string literals from sql/ are
 * ever passed as SQL: nothing is formatted into a statement.
 */
#ifndef DB_H
#define DB_H
#include <stddef.h>

#include "common/arena.h"

struct config;

enum db_rc {
	DB_OK = 0,
	DB_DUPLICATE,   /* 1062; db->dup_key names the key */
	DB_FK,          /* 1452: a referenced row does not exist */
	DB_RETRY,       /* deadlock, lock wait timeout, Galera certification failure */
	DB_GONE,        /* the server is unreachable: answer 503 */
	DB_ERROR,       /* anything else (logged) */
	DB_ABORT,       /* db_transaction: the work chose to roll back; its context says why */
	DB_UNKNOWN,     /* the connection died during COMMIT and the outcome could not be found out */
};

enum db_ptype { DP_NULL, DP_STR, DP_INT };

struct db_param {
	enum db_ptype t;
	const char *s;
	size_t len;
	long long i;
};

struct db_rows {
	unsigned ncols;
	size_t nrows;
	char **cells;   /* nrows * ncols, NULL for SQL NULL; arena memory */
};

#define DB_MAX_STMTS 256

struct db {
	void *conn;                      /* MYSQL * */
	struct {
		const char *sql;
		void *stmt;              /* MYSQL_STMT * */
	} stmts[DB_MAX_STMTS];
	size_t nstmts;
	const struct config *cfg;
	long long retry_at_us;           /* no reconnect attempt before this */
	long long backoff_us;
	int in_tx;
	int stmts_this_req;
	long long req_start_us;          /* set by db_request_start: the retry budget counts from it */
	char dup_key[128];
	unsigned last_errno;
	/* the request transaction (db_request_tx_begin): every write of one request, one COMMIT */
	int req_tx;                      /* writes of this request join the request transaction */
	int req_tx_lost;                 /* its connection died before COMMIT: nothing was applied */
	int req_tx_conflict;             /* it lost a conflict (deadlock, certification): run it again */
	char worker_id[33];              /* this process's tx_marker row, made at the first commit */
	unsigned long long txid;         /* the last marker this worker wrote */
	unsigned long long commits;      /* request transactions committed (fault injection counts them) */
	unsigned long long requests;     /* db_request_start calls (FAULT_INJECT=reprepare counts them) */
};

/* Text parameter (NULL s gives SQL NULL). */
struct db_param db_str(const char *s);
struct db_param db_strn(const char *s, size_t n);
struct db_param db_int(long long v);

/* Prepares db for use with cfg; does not connect yet. */
void db_init(struct db *db, const struct config *cfg);
/* Closes statements and the connection. */
void db_close(struct db *db);
/* Connects if needed (respecting the reconnect backoff). DB_OK or DB_GONE. */
enum db_rc db_ensure(struct db *db);
/* Called at the start of each request. */
void db_request_start(struct db *db);
/*
 * Runs a statement. rows (may be NULL) receives the result set in arena a;
 * affected (may be NULL) the affected row count.
 */
enum db_rc db_exec(struct db *db, struct arena *a, const char *sql, const struct db_param *p, unsigned np,
		   struct db_rows *rows, unsigned long long *affected);
/* Rolls back (if a transaction is open); errors are only logged. */
void db_rollback(struct db *db);
/*
 * Runs work(db, ctx) between START TRANSACTION and COMMIT. work returns DB_OK to commit; any
 * other value rolls back and is returned (DB_ABORT for an outcome of the work's own, told in
 * ctx). A conflict (DB_RETRY: deadlock, Galera certification failure) runs the whole again, work
 * included, after a jittered backoff: at most DB_RETRY_ATTEMPTS attempts and none once the
 * request is DB_RETRY_BUDGET_US old; then DB_RETRY is returned, meaning nothing was applied.
 */
#define DB_RETRY_ATTEMPTS 32
#define DB_RETRY_BUDGET_US 2000000LL
typedef enum db_rc (*db_work_fn)(struct db *db, void *ctx);
enum db_rc db_transaction(struct db *db, db_work_fn work, void *ctx);
/* 1 when a transaction that lost a conflict on attempt (0-based) may run again (after a pause). */
int db_retry_again(struct db *db, int attempt);

/*
 * The request transaction: every write of one HTTP request (and the Idempotency-Key row of its
 * answer) commits together, once, so an answer never follows half a request, and a 503 means
 * nothing was applied. After db_request_tx_begin, the first write statement (INSERT, UPDATE,
 * DELETE, REPLACE) or db_transaction opens one transaction; reads before it run on their own.
 * db_transaction inside it runs its work under a savepoint (or as the first part of the
 * transaction) and does not commit; a conflict is not retried there but flagged
 * (db_request_tx_conflict): the caller runs the whole request again. A connection lost inside
 * it fails every later statement of the request (DB_GONE), so nothing half-done is committed
 * on a new connection.
 */
void db_request_tx_begin(struct db *db);
/* 1 when the request transaction is open: something was (or may have been) written. */
int db_request_tx_open(const struct db *db);
/* 1 when a statement of the request transaction lost a conflict (the caller must roll back). */
int db_request_tx_conflict(const struct db *db);
/*
 * Ends the request transaction with COMMIT (nothing to do when nothing was written). Before the
 * COMMIT it writes this worker's marker (table tx_marker, a number new to the worker). When the
 * connection dies with COMMIT sent, it reconnects and reads the marker, waiting for the old
 * transaction to end: DB_OK (applied), DB_GONE (nothing applied), DB_UNKNOWN (no way to tell).
 * DB_RETRY: a conflict, nothing applied (run the request again).
 */
enum db_rc db_request_tx_commit(struct db *db, struct arena *a);
/* Ends the request transaction with ROLLBACK (errors only logged). */
void db_request_tx_abort(struct db *db);

/* Cell (row, col) of a result, or NULL. */
static inline char *db_cell(const struct db_rows *r, size_t row, unsigned col)
{
	return r->cells[row * r->ncols + col];
}
#endif
