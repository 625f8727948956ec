/*
 * fuzz_token: libFuzzer target for bearer tokens (common/jwt.c).
 *
 * Each input is used three ways:
 *   1. as a token: jwt_verify() and jwt_store_customer() with a fixed key
 *      (the reference transcripts' JWT_SECRET, so their tokens in the seed
 *      corpus verify and mutations reach the claim checks), at a fixed "now";
 *   2. as a payload: jwt_sign_hs256() over the bytes, then jwt_verify() of the
 *      result. When the bytes are a JSON object that json_parse_strict()
 *      accepts (depth within the token parser's limit) and that has no
 *      exp/nbf claim, the token must verify and give back the same claims;
 *   3. as a customer id: a signed {"customer_id":<bytes>,"domain":"store",
 *      "iat":N} token must come back from jwt_store_customer() with the
 *      same id and iat whenever the id fits (non-empty, no NUL, < 80 bytes),
 *      and auth_bearer() (common/auth.c) must take it from an Authorization
 *      header; N includes edge values (2^53 + 1, LLONG_MAX...).
 */
#include <limits.h>
#include <string.h>

#include "common/auth.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/json.h"
#include "common/jwt.h"
#include "tests/fuzz/fuzz.h"

static const unsigned char key[] = "anchor-jwt-secret";
#define KEYLEN (sizeof(key) - 1)
#define NOW 1795736400LL       /* inside the transcripts' tokens' lifetime */
#define ID_MAX 80              /* REQ_ID_MAX: r->customer_id */
#define TOKEN_JSON_DEPTH 15    /* jwt.c's tokener depth (16) minus json_parse_strict's + 1 */

static void as_token(const char *s, size_t n)
{
	struct json_object *payload = (struct json_object *)1;
	enum jwt_status st = jwt_verify(s, n, key, KEYLEN, NOW, &payload);
	if (st == JWT_OK)
		FUZZ_CHECK(payload && json_object_is_type(payload, json_type_object), "JWT_OK without an object payload");
	else
		FUZZ_CHECK(payload == NULL, "a refused token left a payload behind");
	json_object_put(payload);
	FUZZ_CHECK(jwt_verify(s, n, key, KEYLEN, NOW, NULL) == st, "jwt_verify() depends on payload_out");
	/* an empty key and a long one take other HMAC paths */
	(void)jwt_verify(s, n, NULL, 0, NOW, NULL);
	(void)jwt_verify(s, n, (const unsigned char *)s, n, NOW, NULL);

	char id[ID_MAX];
	long long iat = -1;
	enum jwt_status cs = jwt_store_customer(s, n, key, KEYLEN, NOW, id, sizeof(id), &iat);
	if (cs == JWT_OK) {
		FUZZ_CHECK(st == JWT_OK, "jwt_store_customer() accepted what jwt_verify() refused");
		size_t len = strnlen(id, sizeof(id));
		FUZZ_CHECK(len > 0 && len < sizeof(id), "an accepted customer id is empty or unterminated");
	} else {
		FUZZ_CHECK(id[0] == '\0' && iat == 0, "a refused token left an id or iat behind");
	}
	/* a tiny id buffer: must refuse, never overflow */
	char small[4];
	(void)jwt_store_customer(s, n, key, KEYLEN, NOW, small, sizeof(small), NULL);
}

static int has_time_claim(struct json_object *o)
{
	return json_object_object_get_ex(o, "exp", NULL) || json_object_object_get_ex(o, "nbf", NULL);
}

/*
 * 1 if s has a run of 19 or more digits. json-c saturates integer literals
 * beyond int64/uint64; json_parse_strict() may read them as doubles (as
 * JSON.parse does) while jwt.c's parser saturates: for exp/nbf/iat both mean
 * "far away", so only the exact claim comparison skips such payloads.
 */
static int has_long_digit_run(const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = (s[i] >= '0' && s[i] <= '9') ? run + 1 : 0;
		if (run >= 19)
			return 1;
	}
	return 0;
}

static void as_payload(const char *s, size_t n)
{
	char *tok = jwt_sign_hs256(key, KEYLEN, s, n);
	FUZZ_CHECK(tok != NULL, "jwt_sign_hs256() failed");
	size_t tlen = strlen(tok);
	struct json_object *got = NULL;
	enum jwt_status st = jwt_verify(tok, tlen, key, KEYLEN, NOW, &got);
	FUZZ_CHECK(st != JWT_BAD_SIG && st != JWT_BAD_ALG, "our own signature does not verify");
	if (tlen > JWT_MAX_TOKEN)
		FUZZ_CHECK(st == JWT_MALFORMED, "a token over JWT_MAX_TOKEN was looked at");

	struct json_object *want = NULL;
	if (tlen <= JWT_MAX_TOKEN && json_parse_strict(s, n, TOKEN_JSON_DEPTH, &want, NULL) == JSON_PARSE_OK &&
	    json_object_is_type(want, json_type_object) && !has_time_claim(want)) {
		if (st != JWT_OK)
			fprintf(stderr, "payload accepted by json_parse_strict but the token gives status %d\n", (int)st);
		FUZZ_CHECK(st == JWT_OK, "a signed JSON-object payload does not verify");
	}
	if (st == JWT_OK && want && !has_long_digit_run(s, n)) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		buf_init(&a);
		buf_init(&b);
		json_w_value(&a, want);
		json_w_value(&b, got);
		FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "the token's claims differ from the payload");
		buf_release(&a);
		buf_release(&b);
	}
	json_object_put(want);
	json_object_put(got);

	/* a signed token with one byte of its signature changed must be refused */
	if (tlen <= JWT_MAX_TOKEN && tlen > 0) {
		size_t last = tlen - 1;
		tok[last] = tok[last] == 'A' ? 'B' : 'A';
		enum jwt_status bad = jwt_verify(tok, tlen, key, KEYLEN, NOW, NULL);
		FUZZ_CHECK(bad == JWT_BAD_SIG || bad == JWT_MALFORMED, "a tampered signature was accepted");
	}
	free(tok);
}

static void as_customer_id(const char *s, size_t n)
{
	if (n < 1)
		return;
	/* the first byte picks iat (ordinary values, or edges: 2^53 + 1, the * 1000 limits, LLONG_MAX...); the rest is the id */
	static const long long iat_edges[] = {
		0, -1, 9007199254740993LL, 9223372036854775LL, 9223372036854776LL, LLONG_MAX, LLONG_MIN, -9223372036854776LL,
	};
	unsigned char b0 = (unsigned char)s[0];
	long long iat_in = (b0 & 0x80) ? iat_edges[b0 & 7] : (long long)b0 * 1000003LL - 50;
	s++;
	n--;
	if (!json_utf8_valid(s, n) && n > 0)
		return; /* json_w_str() writes bytes as they are: only UTF-8 ids make JSON */
	struct buf p = BUF_INIT;
	buf_init(&p);
	buf_adds(&p, "{\"customer_id\":");
	json_w_str(&p, s, n);
	buf_addf(&p, ",\"domain\":\"store\",\"iat\":%lld,\"exp\":%lld}", iat_in, NOW + 60);
	char *tok = jwt_sign_hs256(key, KEYLEN, p.data, p.len);
	FUZZ_CHECK(tok != NULL, "jwt_sign_hs256() failed");
	char id[ID_MAX];
	long long iat = -1;
	enum jwt_status st = jwt_store_customer(tok, strlen(tok), key, KEYLEN, NOW, id, sizeof(id), &iat);
	if (n > 0 && n < ID_MAX && strlen(tok) <= JWT_MAX_TOKEN) {
		FUZZ_CHECK(st == JWT_OK, "a signed store token with a fitting customer id was refused");
		FUZZ_CHECK(strlen(id) == n && memcmp(id, s, n) == 0, "the customer id came back changed");
		FUZZ_CHECK(iat == iat_in, "the iat came back changed");
	} else if (n == 0) {
		FUZZ_CHECK(st == JWT_WRONG_DOMAIN, "an empty customer id was accepted");
	} else {
		FUZZ_CHECK(st != JWT_OK, "a customer id too long for its buffer was accepted");
	}
	free(tok);

	/* the same claims without exp through auth_bearer(), which runs at the real time */
	buf_reset(&p);
	buf_adds(&p, "{\"customer_id\":");
	json_w_str(&p, s, n);
	buf_addf(&p, ",\"domain\":\"store\",\"iat\":%lld}", iat_in);
	tok = jwt_sign_hs256(key, KEYLEN, p.data, p.len);
	FUZZ_CHECK(tok != NULL, "jwt_sign_hs256() failed");
	struct buf h = BUF_INIT;
	buf_init(&h);
	buf_adds(&h, "Bearer ");
	buf_adds(&h, tok);
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_secret = (char *)key;
	struct req r;
	memset(&r, 0, sizeof(r));
	r.cfg = &cfg;
	r.authorization = h.data;
	auth_bearer(&r);
	if (n > 0 && n < ID_MAX && h.len <= JWT_MAX_TOKEN + 7)
		FUZZ_CHECK(strlen(r.customer_id) == n && memcmp(r.customer_id, s, n) == 0,
			   "auth_bearer() did not take the customer id of a valid store token");
	else
		FUZZ_CHECK(r.customer_id[0] == '\0', "auth_bearer() took an id it must refuse");
	buf_release(&h);
	free(tok);
	buf_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	as_token(s, size);
	as_payload(s, size);
	as_customer_id(s, size);
	return 0;
}
