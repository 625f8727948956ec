/*
 * respond: the only writer of status lines, headers and bodies.
 *
 * Handlers put a success body into r->out (and may set r->status, or add a
 * header line to r->headers); on failure they return an enum api_err, often
 * through respond_fail() to set the message. respond_send() then writes
 * either the success body or the Medusa error shape for r->err.
 */
#ifndef RESPOND_H
#define RESPOND_H
#include "common/errors.h"
#include "common/req.h"

/*
 * Records err with a printf-formatted message (NULL fmt: the table's default
 * message) and returns err, so a handler can `return respond_fail(...)`.
 */
enum api_err respond_fail(struct req *r, enum api_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds a "Name: value" header line to the response. */
void respond_header(struct req *r, const char *name, const char *value);
/*
 * Turns a recorded error (r->err) into the answer: r->status, r->body_type, r->out and its
 * headers, so that the answer can be stored before it is sent (Idempotency-Key). Does nothing
 * on success or a second time; respond_send() calls it.
 */
void respond_render(struct req *r);
/* Writes the whole response (status, headers, CORS, body) to the client. */
void respond_send(struct req *r);
/* 1 if origin is allowed by the comma-separated STORE_CORS list (exact, "*" or /regex/). */
int respond_cors_allowed(const char *list, const char *origin);
#endif
