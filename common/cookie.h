/*
 * cookie: the express-session compatible session cookie.
 *   value  = "s:" + sid + "." + base64(HMAC-SHA256(COOKIE_SECRET, sid)) without "=",
 *   on the wire percent-encoded as encodeURIComponent does (":" -> %3A, ...).
 * The signature is checked in constant time before the sid is ever used.
 */
#ifndef COOKIE_H
#define COOKIE_H
#include <stddef.h>

#define COOKIE_SID_LEN 32     /* 24 random bytes, base64url */
#define COOKIE_VALUE_MAX 160

/* A new random session id (RAND_bytes), NUL-terminated. Returns 0 or -1. */
int cookie_new_sid(char sid[COOKIE_SID_LEN + 1]);
/*
 * The percent-encoded cookie value for sid, signed with secret, into out.
 * Returns 0, or -1 if out is too small or OpenSSL fails.
 */
int cookie_sign(const char *secret, const char *sid, char *out, size_t outsz);
/*
 * Finds cookie `name` in a Cookie header, checks its signature with secret and
 * copies the sid into sid_out. Returns 1 for a valid signed sid, else 0.
 */
int cookie_verify(const char *header, const char *name, const char *secret, char *sid_out, size_t sidsz);
/* "Fri, 27 Nov 2026 09:38:46 GMT" for epoch seconds t into out[30]. */
void cookie_http_date(long long t, char out[30]);
#endif
