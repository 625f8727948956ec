/*
 * auth: bearer JWT (HS256/384/512 with JWT_SECRET, domain "store").
 * Tokens carry whole seconds in iat, so revocation compares seconds: a token
 * issued in the same second as a password change stays valid (documented).
 */
#include "common/auth.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/config.h"
#include "common/customer_json.h"
#include "common/jwt.h"

static void bearer(struct req *r)
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
	r->auth_issued_ms = iat * 1000;
}

void auth_authenticate(struct req *r)
{
	r->customer_id[0] = '\0';
	bearer(r);
}
