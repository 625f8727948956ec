/*
 * auth: who is calling. Runs before any handler SQL: the bearer token's HMAC
 * is verified here (constant time) and only a verified customer id ever
 * reaches the database. Failure is silent: the request stays anonymous and
 * routes that need a customer answer 401.
 */
#ifndef AUTH_H
#define AUTH_H
#include "common/req.h"

/* Sets r->customer_id and r->auth_issued_ms from a valid credential, if any. */
void auth_authenticate(struct req *r);
#endif
