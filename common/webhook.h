/*
 * webhook: the pure parts of event delivery (API.md section 10, "Events
 * leave the building"): the URL, the JSON body, its signature, the request
 * head and the answer's status line. No sockets here (cgi/relay.c sends).
 *
 * The wire format, documented in the README:
 *   POST <path> HTTP/1.1
 *   Content-Type: application/json
 *   X-Medusa-Event-Id: evt_<n>      the id to deduplicate on (also in the body)
 *   X-Medusa-Event: customer.created
 *   X-Medusa-Signature: sha256=<64 lower-case hex>   HMAC-SHA256(EVENTS_WEBHOOK_SECRET, body)
 *   {"id":"evt_<n>","event":"customer.created","created_at":"...Z","data":{...}}
 * The body of a row is the same on every attempt, so is its signature.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H
#include <stddef.h>

#include "common/buf.h"

struct webhook_url {
	char host[256];      /* name or address, without IPv6 brackets */
	char port[6];        /* decimal, "80" by default */
	char authority[272]; /* the Host header: as written in the URL */
	char path[1024];     /* "/" at least, with the query if any */
};

/* "sha256=" + 64 hex digits */
#define WEBHOOK_SIG_LEN 71
/* The secret must be at least this long (config refuses shorter). */
#define WEBHOOK_SECRET_MIN 32

/*
 * Parses an http:// URL. Returns 0, or -1 with a one-line reason in err
 * (https:// is refused with the advice to use a local forwarding proxy).
 */
int webhook_url_parse(const char *url, struct webhook_url *u, char *err, size_t errsz);
/*
 * The configuration check: url empty (no relay), or a valid http:// URL with
 * a secret of at least WEBHOOK_SECRET_MIN bytes. 0, or -1 with one line
 * "EVENTS_WEBHOOK_...: reason\n" in err. The secret is never printed.
 */
int webhook_config_check(const char *url, const char *secret, char *err, size_t errsz);
/* Appends the event body. data is JSON text (stored valid), embedded as is. */
void webhook_body(struct buf *b, const char *row_id, const char *event, const char *created_at_db, const char *data);
/* Writes "sha256=<hex>" of HMAC-SHA256(secret, body) into out. 0, or -1 if OpenSSL failed. */
int webhook_sign(const char *secret, size_t secret_len, const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1]);
/* Appends the request head (ends with the empty line) for a body of body_len bytes. */
void webhook_head(struct buf *b, const struct webhook_url *u, const char *row_id, const char *event,
		  const char *sig, size_t body_len);
/* The status code of an HTTP/1.x answer that starts with resp[0..n), or -1 if that is no complete status line. */
int webhook_status(const char *resp, size_t n);
#endif
