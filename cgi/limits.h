/*
 * limits: who may spend scrypt time now (README "Password work"). Two checks
 * in the worker, both answered at once with 429 too_many_requests and a
 * Retry-After, never by waiting:
 * - the account's failed logins (LOGIN_MAX_FAILURES in LOGIN_FAILURE_WINDOW,
 *   counted in MariaDB), read before any hashing, so the limit holds across
 *   workers, pools and nodes;
 * - the main pool's password gate: at most PASSWORD_CONCURRENCY of its
 *   workers hash at once (the password pool's own capacity and the per-IP
 *   limits are nginx's).
 * Both hold without nginx too (Apache, plain CGI), except the gate in plain
 * CGI mode, where there is no pool to share it.
 */
#ifndef LIMITS_H
#define LIMITS_H
#include "common/errors.h"
#include "common/req.h"

/*
 * API_OK when customer_id may try a password now; E_TOO_MANY (Retry-After set)
 * while its failures fill the window. *had_failures tells limits_login_done
 * whether there is a count to clear.
 */
enum api_err limits_login_allowed(struct req *r, const char *customer_id, int *had_failures);
/* Records the outcome of a password check: a failure counts, a success clears the count. */
void limits_login_done(struct req *r, const char *customer_id, int ok, int had_failures);
/* Forgets the account's failures (a password reset proved the owner). */
void limits_login_forget(struct req *r, const char *customer_id);
/* API_OK when this worker may hash now, else E_TOO_MANY; every API_OK needs limits_hash_leave(). */
enum api_err limits_hash_enter(struct req *r);
void limits_hash_leave(void);
/* A new password record (hash: PASSWORD_RECORD_B64_LEN + 1 bytes) made through the gate. */
enum api_err limits_password_hash(struct req *r, const char *pw, char *hash);
#endif
