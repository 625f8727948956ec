/*
 * auth: who is calling. Runs before any handler SQL: the bearer token's HMAC
 * is verified here (constant time) and only a verified customer id ever
 * reaches the database. Failure is silent: the request stays anonymous and
 * routes that need a customer answer 401.
 */
#ifndef AUTH_H
#define AUTH_H
#include "common/req.h"

/*
 * Bearer token: sets r->customer_id and r->auth_issued_ms when the
 * Authorization header carries a valid store token; else leaves them empty.
 */
void auth_bearer(struct req *r);
/*
 * Session cookie: 1 and the sid in sid_out when the request carries a
 * correctly signed session cookie (the session row is checked by the caller).
 */
int auth_cookie_sid(struct req *r, char *sid_out, size_t sidsz);
#endif
