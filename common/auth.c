/*
 * auth: bearer JWT (HS256/384/512 with JWT_SECRET, domain "store") and the
 * signature check of the session cookie (the session row is looked up by the router).
 * Tokens carry whole seconds in iat, so revocation compares seconds: a token
 * issued in the same second as a password change stays valid (documented).
 */
#include "common/auth.h"

#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/config.h"
#include "common/cookie.h"
#include "common/customer_json.h"
#include "common/jwt.h"

void auth_bearer(struct req *r)
{
	const char *h = r->authorization;
	if (!h)
		return;
	while (*h == ' ')
		h++;
	if (strncasecmp(h, "bearer ", 7) != 0)
		return;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	while (n && h[n - 1] == ' ')
		n--;
	long long iat = 0;
	const char *key = r->cfg->jwt_secret;
	if (jwt_store_customer(h, n, (const unsigned char *)key, strlen(key), (long long)time(NULL),
			       r->customer_id, sizeof(r->customer_id), &iat) != JWT_OK) {
		r->customer_id[0] = '\0';
		return;
	}
	/* iat is whatever the signer wrote: keep the conversion to ms inside long long */
	if (iat > LLONG_MAX / 1000)
		iat = LLONG_MAX / 1000;
	else if (iat < LLONG_MIN / 1000)
		iat = LLONG_MIN / 1000;
	r->auth_issued_ms = iat * 1000;
}

int auth_cookie_sid(struct req *r, char *sid_out, size_t sidsz)
{
	return r->cookie && cookie_verify(r->cookie, r->cfg->cookie_name, r->cfg->cookie_secret, sid_out, sidsz);
}
