/*
 * webhook: URL parsing, body, signature and status line of the outbox
 * relay's POSTs. Pure functions, unit-tested in tests/unit/test_webhook.c.
 */
#include "common/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"

static int fail(char *err, size_t errsz, const char *msg)
{
	snprintf(err, errsz, "%s", msg);
	return -1;
}

int webhook_url_parse(const char *url, struct webhook_url *u, char *err, size_t errsz)
{
	memset(u, 0, sizeof(*u));
	if (strncmp(url, "https://", 8) == 0)
		return fail(err, errsz, "https:// is not spoken by the relay: point it at a local forwarding proxy "
					"(README, \"Events\")");
	if (strncmp(url, "http://", 7) != 0)
		return fail(err, errsz, "must start with http://");
	const char *p = url + 7;
	size_t alen = strcspn(p, "/?#");
	if (alen == 0)
		return fail(err, errsz, "no host after http://");
	if (alen >= sizeof(u->authority))
		return fail(err, errsz, "host too long");
	if (memchr(p, '@', alen))
		return fail(err, errsz, "user:password@ is not supported (the signature authenticates us)");
	memcpy(u->authority, p, alen);
	const char *hend, *port = NULL;
	const char *h = p;
	if (*p == '[') {
		const char *rb = memchr(p, ']', alen);
		if (!rb)
			return fail(err, errsz, "unclosed [ in the host");
		h = p + 1;
		hend = rb;
		if (rb + 1 < p + alen) {
			if (rb[1] != ':')
				return fail(err, errsz, "garbage after ]");
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(p, ':', alen);
		hend = colon ? colon : p + alen;
		if (colon)
			port = colon + 1;
	}
	size_t hl = (size_t)(hend - h);
	if (hl == 0 || hl >= sizeof(u->host))
		return fail(err, errsz, "bad host");
	memcpy(u->host, h, hl);
	if (port) {
		size_t pl = (size_t)(p + alen - port);
		if (pl == 0 || pl > 5 || strspn(port, "0123456789") < pl)
			return fail(err, errsz, "port must be 1..65535");
		memcpy(u->port, port, pl);
		long v = strtol(u->port, NULL, 10);
		if (v < 1 || v > 65535)
			return fail(err, errsz, "port must be 1..65535");
	} else {
		snprintf(u->port, sizeof(u->port), "%s", "80");
	}
	const char *rest = p + alen;
	if (*rest == '#')
		rest = "";
	size_t rl = strcspn(rest, "#");
	if (rl + 2 > sizeof(u->path))
		return fail(err, errsz, "path too long");
	if (*rest != '/')
		u->path[0] = '/';
	strncat(u->path, rest, rl);
	/* it goes into a request line: no spaces or control characters */
	for (const char *c = u->path; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return fail(err, errsz, "the path has a space or a control character");
	for (const char *c = u->authority; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return fail(err, errsz, "the host has a space or a control character");
	return 0;
}

int webhook_config_check(const char *url, const char *secret, char *err, size_t errsz)
{
	if (!url || !*url)
		return 0;
	struct webhook_url u;
	char why[160];
	if (webhook_url_parse(url, &u, why, sizeof(why)) != 0) {
		snprintf(err, errsz, "EVENTS_WEBHOOK_URL: %s\n", why);
		return -1;
	}
	if (!secret || strlen(secret) < WEBHOOK_SECRET_MIN) {
		snprintf(err, errsz, "EVENTS_WEBHOOK_SECRET: at least %d bytes are required with EVENTS_WEBHOOK_URL "
			 "(e.g. openssl rand -hex 32)\n", WEBHOOK_SECRET_MIN);
		return -1;
	}
	return 0;
}

void webhook_body(struct buf *b, const char *row_id, const char *event, const char *created_at_db, const char *data)
{
	struct buf id = BUF_INIT;
	struct env o;
	buf_init(&id);
	buf_adds(&id, "evt_");
	buf_adds(&id, row_id);
	env_object(&o, b);
	env_str(&o, "id", id.data);
	env_str(&o, "event", event);
	env_key(&o, "created_at");
	customer_json_time(b, created_at_db);
	env_raw(&o, "data", data);
	env_end(&o);
	buf_release(&id);
}

int webhook_sign(const char *secret, size_t secret_len, const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)body, len, mac, &ml) || ml != 32)
		return -1;
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[mac[i] >> 4];
		out[8 + 2 * i] = hex[mac[i] & 15];
	}
	out[WEBHOOK_SIG_LEN] = '\0';
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

void webhook_head(struct buf *b, const struct webhook_url *u, const char *row_id, const char *event,
		  const char *sig, size_t body_len)
{
	buf_addf(b,
		 "POST %s HTTP/1.1\r\n"
		 "Host: %s\r\n"
		 "User-Agent: medusa-c-relay\r\n"
		 "Content-Type: application/json\r\n"
		 "Content-Length: %zu\r\n"
		 "X-Medusa-Event-Id: evt_%s\r\n"
		 "X-Medusa-Event: %s\r\n"
		 "X-Medusa-Signature: %s\r\n"
		 "Connection: close\r\n"
		 "\r\n",
		 u->path, u->authority, body_len, row_id, event, sig);
}

int webhook_status(const char *resp, size_t n)
{
	/* "HTTP/1.x NNN" at least, then a space or the line's end */
	if (n < 12 || memcmp(resp, "HTTP/1.", 7) != 0 || resp[8] != ' ')
		return -1;
	if (!memchr(resp, '\n', n))
		return -1;
	int code = 0;
	for (int i = 9; i < 12; i++) {
		if (resp[i] < '0' || resp[i] > '9')
			return -1;
		code = code * 10 + (resp[i] - '0');
	}
	if (n > 12 && resp[12] != ' ' && resp[12] != '\r' && resp[12] != '\n')
		return -1;
	return code < 100 ? -1 : code;
}
