/*
 * idempotency: runs a state-changing request (POST, DELETE) in one request transaction with
 * its Idempotency-Key answer (cgi/idempotency.c says how). Called by the router only.
 */
#ifndef IDEMPOTENCY_H
#define IDEMPOTENCY_H
#include "cgi/router.h"

/*
 * Runs rt->fn for r: replays a stored answer, or runs the handler and commits its writes with
 * the answer; returns the error to answer (API_OK: r->status and r->out as they are).
 */
enum api_err idempotency_run(struct req *r, const struct route *rt);
#endif
