/*
 * req: one request's state, from accept to req_end().
 *
 * A struct req lives on the worker loop's stack. Its arena holds every
 * string derived from the request; pointers into FastCGI's parameter block
 * are copied into the arena in req_begin(), because libfcgi frees that block
 * in FCGX_Finish_r(). Resources that are not arena memory (json-c roots)
 * are registered with req_defer() and released by req_end(), so an early
 * return from a handler cannot leak.
 */
#ifndef REQ_H
#define REQ_H
#include <stddef.h>
#include <stdio.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/errors.h"

struct config;
struct worker;

#define REQ_MAX_PARAMS 4
#define REQ_ID_MAX 80

struct req_cleanup {
	void (*fn)(void *);
	void *arg;
	struct req_cleanup *next;
};

struct req {
	struct arena arena;
	/* transport: a FastCGI request, or plain CGI when fcgi_out is NULL */
	FCGX_Stream *fcgi_in, *fcgi_out;
	char **envp;

	/* request line and the headers we use; all arena copies or NULL */
	char *method;          /* upper-case */
	char *path;            /* raw path as sent, without the query */
	char *query;           /* after '?', may be "" */
	char *content_type;
	long long content_length; /* -1 when absent */
	char *authorization, *cookie, *origin, *request_id;
	char *acr_headers;     /* Access-Control-Request-Headers */
	int https;             /* request reached the web server over TLS */

	/* body */
	char *body;
	size_t body_len;
	struct json_object *json;  /* parsed body, owned via req_defer */

	/* routing and auth */
	const struct route *route;
	const char *route_pattern;     /* the matched route's path pattern, for the request log */
	char *params[REQ_MAX_PARAMS];
	int nparams;
	char customer_id[REQ_ID_MAX];  /* "" when anonymous */
	long long auth_issued_ms;     /* when the credential was issued (token iat / session start) */
	int auth_by_session;
	char session_id[REQ_ID_MAX];   /* the valid session of this request, "" if none */
	int auth_db_down;              /* a session could not be checked: database unavailable */

	/* response */
	int status;               /* success status a handler may change (204...) */
	enum api_err err;         /* error answered, API_OK on success */
	char *errmsg;             /* message overriding the table's default */
	int rendered;             /* respond_render() wrote the error into status, out and headers */
	const char *body_type;    /* Content-Type of a success body */
	struct buf *out;          /* body, worker-owned, reset per request */
	struct buf *headers;      /* extra header lines, each ending in \r\n */
	long retry_after_s;       /* Retry-After of a 429 (seconds, at least 1) */

	struct req_cleanup *cleanups;
	long long start_us;
	const struct config *cfg;
	struct worker *w;
};

/*
 * Starts a request: copies the CGI parameters out of envp (FastCGI's block or
 * environ for plain CGI) into the arena. in/out are NULL for plain CGI.
 */
void req_begin(struct req *r, char **envp, FCGX_Stream *in, FCGX_Stream *out);
/* A CGI parameter (e.g. "HTTP_X_FORWARDED_PROTO") copied into the arena, or NULL. */
char *req_param(struct req *r, const char *name);
/* Runs the deferred cleanups, newest first, and rewinds the arena. */
void req_end(struct req *r);
/* Registers fn(arg) to run in req_end(). */
void req_defer(struct req *r, void (*fn)(void *), void *arg);
/*
 * Reads the body (at most max bytes, bounded by CONTENT_LENGTH). Returns
 * API_OK, E_TOO_LARGE, or E_INVALID_DATA on a short read.
 */
enum api_err req_read_body(struct req *r, long max);
/* Writes n bytes of the response to the client. Returns 0 or -1. */
int req_write(struct req *r, const void *p, size_t n);
/* Microseconds on a monotonic clock. */
long long req_now_us(void);
/* Milliseconds since the epoch (UTC). */
long long req_epoch_ms(void);
#endif
